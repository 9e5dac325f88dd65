//! Produce (key 0): record batches from a producer. The response carries the KIP-951
//! `NodeEndpoints` and per-partition `CurrentLeader`, which kgate rewrites so that no upstream
//! address reaches a client; the records themselves stay opaque bytes here.

use crate::error::{DecodeError, EncodeError};
use crate::message::{Message, Versioned};
use crate::primitives::{encode_tagged, Reader, Sink, TaggedFields};

pub use super::leader_discovery::{LeaderIdAndEpoch, NodeEndpoint};

/// The first flexible version of both the request and the response.
const FLEXIBLE_FROM: i16 = 9;

/// Produce request, versions 3-13, flexible from 9.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProduceRequest {
    /// The transactional id, or null if the producer is not transactional.
    pub transactional_id: Option<String>,
    /// Acknowledgments required: 0 (none, and no response is sent), 1 (leader), -1 (full ISR).
    pub acks: i16,
    /// How long the broker may wait for the acknowledgments, in milliseconds.
    pub timeout_ms: i32,
    /// Each topic to produce to.
    pub topic_data: Vec<TopicProduceData>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

/// One topic of a [`ProduceRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TopicProduceData {
    /// The topic name (v0-12; v13+ names topics by id).
    pub name: String,
    /// The topic id (v13+).
    pub topic_id: [u8; 16],
    /// Each partition to produce to.
    pub partition_data: Vec<PartitionProduceData>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

/// One partition of a [`TopicProduceData`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PartitionProduceData {
    /// The partition index.
    pub index: i32,
    /// The record batches, kept as raw bytes: records.rs reads them only when asked.
    pub records: Option<Vec<u8>>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Versioned for PartitionProduceData {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            index: r.i32("partition index")?,
            records: r.nullable_bytes(flexible, "records")?,
            ..Self::default()
        };
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("partition produce data tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_i32(self.index);
        w.put_nullable_bytes(self.records.as_deref(), flexible, "records")?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for TopicProduceData {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self::default();
        if version <= 12 {
            this.name = r.string(flexible, "topic name")?;
        }
        if version >= 13 {
            this.topic_id = r.uuid("topic id")?;
        }
        this.partition_data = r.array(flexible, "partition data", |r| {
            PartitionProduceData::decode(r, version)
        })?;
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("topic produce data tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        if version <= 12 {
            w.put_string(&self.name, flexible, "topic name")?;
        }
        if version >= 13 {
            w.put_uuid(&self.topic_id);
        }
        w.put_array(&self.partition_data, flexible, "partition data", |w, p| {
            p.encode(w, version)
        })?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for ProduceRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            transactional_id: r.nullable_string(flexible, "transactional id")?,
            acks: r.i16("acks")?,
            timeout_ms: r.i32("timeout")?,
            topic_data: r.array(flexible, "topic data", |r| {
                TopicProduceData::decode(r, version)
            })?,
            ..Self::default()
        };
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("produce request tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_nullable_string(
            self.transactional_id.as_deref(),
            flexible,
            "transactional id",
        )?;
        w.put_i16(self.acks);
        w.put_i32(self.timeout_ms);
        w.put_array(&self.topic_data, flexible, "topic data", |w, t| {
            t.encode(w, version)
        })?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for ProduceRequest {
    const API_KEY: i16 = 0;
    const VERSIONS: (i16, i16) = (3, 13);
    const FLEXIBLE_FROM: Option<i16> = Some(FLEXIBLE_FROM);
}

/// Produce response, versions 3-13, flexible from 9.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProduceResponse {
    /// Each topic produced to.
    pub responses: Vec<TopicProduceResponse>,
    /// Throttle time in milliseconds.
    pub throttle_time_ms: i32,
    /// Endpoints of the current leaders named in partition errors (tagged, tag 0, v10+).
    /// Upstream addresses: kgate must rewrite them before the response reaches a client.
    pub node_endpoints: Vec<NodeEndpoint>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

/// One topic of a [`ProduceResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TopicProduceResponse {
    /// The topic name (v0-12).
    pub name: String,
    /// The topic id (v13+).
    pub topic_id: [u8; 16],
    /// Each partition produced to.
    pub partition_responses: Vec<PartitionProduceResponse>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

/// One partition of a [`TopicProduceResponse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionProduceResponse {
    /// The partition index.
    pub index: i32,
    /// The error code, or 0.
    pub error_code: i16,
    /// The offset of the first record written.
    pub base_offset: i64,
    /// The broker's append time when the topic uses LogAppendTime, else -1.
    pub log_append_time_ms: i64,
    /// The log start offset (v5+).
    pub log_start_offset: i64,
    /// The records that caused the batch to be dropped (v8+).
    pub record_errors: Vec<BatchIndexAndErrorMessage>,
    /// The root cause of the dropped batch (v8+).
    pub error_message: Option<String>,
    /// The leader the producer should use from now on (tagged, tag 0, v10+).
    pub current_leader: LeaderIdAndEpoch,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for PartitionProduceResponse {
    fn default() -> Self {
        Self {
            index: 0,
            error_code: 0,
            base_offset: 0,
            log_append_time_ms: -1,
            log_start_offset: -1,
            record_errors: Vec::new(),
            error_message: None,
            current_leader: LeaderIdAndEpoch::default(),
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

/// One dropped record of a [`PartitionProduceResponse`] (v8+).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchIndexAndErrorMessage {
    /// The index of the record within its batch.
    pub batch_index: i32,
    /// Why the record was rejected, if said.
    pub batch_index_error_message: Option<String>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Versioned for BatchIndexAndErrorMessage {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            batch_index: r.i32("batch index")?,
            batch_index_error_message: r.nullable_string(flexible, "batch index error message")?,
            ..Self::default()
        };
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("record error tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_i32(self.batch_index);
        w.put_nullable_string(
            self.batch_index_error_message.as_deref(),
            flexible,
            "batch index error message",
        )?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for PartitionProduceResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            index: r.i32("partition index")?,
            error_code: r.i16("error code")?,
            base_offset: r.i64("base offset")?,
            log_append_time_ms: r.i64("log append time")?,
            ..Self::default()
        };
        if version >= 5 {
            this.log_start_offset = r.i64("log start offset")?;
        }
        if version >= 8 {
            this.record_errors = r.array(flexible, "record errors", |r| {
                BatchIndexAndErrorMessage::decode(r, version)
            })?;
            this.error_message = r.nullable_string(flexible, "error message")?;
        }
        if flexible {
            let mut tagged = r.tagged_fields("partition produce response tagged fields")?;
            if version >= 10 {
                if let Some(leader) = tagged.take_decoded(0, "current leader", |r| {
                    LeaderIdAndEpoch::decode(r, version)
                })? {
                    this.current_leader = leader;
                }
            }
            this.unknown_tagged_fields = tagged;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_i32(self.index);
        w.put_i16(self.error_code);
        w.put_i64(self.base_offset);
        w.put_i64(self.log_append_time_ms);
        if version >= 5 {
            w.put_i64(self.log_start_offset);
        }
        if version >= 8 {
            w.put_array(&self.record_errors, flexible, "record errors", |w, e| {
                e.encode(w, version)
            })?;
            w.put_nullable_string(self.error_message.as_deref(), flexible, "error message")?;
        }
        if flexible {
            let mut known = Vec::new();
            if version >= 10 && self.current_leader != LeaderIdAndEpoch::default() {
                known.push(encode_tagged(0, |b| {
                    self.current_leader.encode(b, version)
                })?);
            }
            w.put_tagged_fields(&known, &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for TopicProduceResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self::default();
        if version <= 12 {
            this.name = r.string(flexible, "topic name")?;
        }
        if version >= 13 {
            this.topic_id = r.uuid("topic id")?;
        }
        this.partition_responses = r.array(flexible, "partition responses", |r| {
            PartitionProduceResponse::decode(r, version)
        })?;
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("topic produce response tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        if version <= 12 {
            w.put_string(&self.name, flexible, "topic name")?;
        }
        if version >= 13 {
            w.put_uuid(&self.topic_id);
        }
        w.put_array(
            &self.partition_responses,
            flexible,
            "partition responses",
            |w, p| p.encode(w, version),
        )?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for ProduceResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            responses: r.array(flexible, "responses", |r| {
                TopicProduceResponse::decode(r, version)
            })?,
            throttle_time_ms: r.i32("throttle time")?,
            ..Self::default()
        };
        if flexible {
            let mut tagged = r.tagged_fields("produce response tagged fields")?;
            if version >= 10 {
                if let Some(endpoints) = tagged.take_decoded(0, "node endpoints", |r| {
                    r.array(true, "node endpoints", |r| NodeEndpoint::decode(r, version))
                })? {
                    this.node_endpoints = endpoints;
                }
            }
            this.unknown_tagged_fields = tagged;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_array(&self.responses, flexible, "responses", |w, t| {
            t.encode(w, version)
        })?;
        w.put_i32(self.throttle_time_ms);
        if flexible {
            let mut known = Vec::new();
            if version >= 10 && !self.node_endpoints.is_empty() {
                known.push(encode_tagged(0, |b| {
                    b.put_array(&self.node_endpoints, true, "node endpoints", |w, n| {
                        n.encode(w, version)
                    })
                })?);
            }
            w.put_tagged_fields(&known, &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for ProduceResponse {
    const API_KEY: i16 = 0;
    const VERSIONS: (i16, i16) = (3, 13);
    const FLEXIBLE_FROM: Option<i16> = Some(FLEXIBLE_FROM);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{
        assert_every_prefix_fails, assert_oracle_agrees, assert_round_trip, oracle_knows,
        unknown_tags_sorted,
    };
    use kafka_protocol::messages as oracle;

    fn topic_id(seed: u8) -> [u8; 16] {
        let mut id = [0u8; 16];
        for (i, b) in id.iter_mut().enumerate() {
            *b = seed.wrapping_add(i as u8);
        }
        id
    }

    fn request(version: i16) -> ProduceRequest {
        let flexible = version >= 9;
        let topic = |name: &str, seed: u8| TopicProduceData {
            name: if version <= 12 {
                name.into()
            } else {
                String::new()
            },
            topic_id: if version >= 13 {
                topic_id(seed)
            } else {
                [0; 16]
            },
            partition_data: vec![
                PartitionProduceData {
                    index: 3,
                    records: Some(vec![0xde, 0xad, 0xbe, 0xef, seed]),
                    unknown_tagged_fields: unknown_tags_sorted(flexible),
                },
                PartitionProduceData {
                    index: 4,
                    records: None,
                    unknown_tagged_fields: unknown_tags_sorted(flexible),
                },
            ],
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        };
        ProduceRequest {
            transactional_id: Some("tx-1".into()),
            acks: -1,
            timeout_ms: 30_000,
            topic_data: vec![topic("orders", 1), topic("payments", 100)],
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        }
    }

    fn response(version: i16) -> ProduceResponse {
        let flexible = version >= 9;
        let partition = |index: i32, message: Option<&str>| PartitionProduceResponse {
            index,
            error_code: 6,
            base_offset: 1_000 + i64::from(index),
            log_append_time_ms: 1_700_000_000_000,
            log_start_offset: if version >= 5 { 12 } else { -1 },
            record_errors: if version >= 8 {
                vec![
                    BatchIndexAndErrorMessage {
                        batch_index: 1,
                        batch_index_error_message: Some("bad record".into()),
                        unknown_tagged_fields: unknown_tags_sorted(flexible),
                    },
                    BatchIndexAndErrorMessage {
                        batch_index: 2,
                        batch_index_error_message: None,
                        unknown_tagged_fields: unknown_tags_sorted(flexible),
                    },
                ]
            } else {
                Vec::new()
            },
            error_message: if version >= 8 {
                message.map(Into::into)
            } else {
                None
            },
            current_leader: if version >= 10 {
                LeaderIdAndEpoch {
                    leader_id: 112,
                    leader_epoch: 9,
                    unknown_tagged_fields: unknown_tags_sorted(flexible),
                }
            } else {
                LeaderIdAndEpoch::default()
            },
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        };
        let topic = |name: &str, seed: u8| TopicProduceResponse {
            name: if version <= 12 {
                name.into()
            } else {
                String::new()
            },
            topic_id: if version >= 13 {
                topic_id(seed)
            } else {
                [0; 16]
            },
            partition_responses: vec![partition(0, Some("not leader")), partition(1, None)],
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        };
        ProduceResponse {
            responses: vec![topic("orders", 1), topic("payments", 100)],
            throttle_time_ms: 25,
            node_endpoints: if version >= 10 {
                crate::messages::leader_discovery::sample_endpoints(flexible)
            } else {
                Vec::new()
            },
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        }
    }

    #[test]
    fn round_trips_every_version() {
        for version in 3..=13 {
            assert_round_trip(&request(version), version);
            assert_round_trip(&response(version), version);
            let idempotent_only = ProduceRequest {
                transactional_id: None,
                ..request(version)
            };
            assert_round_trip(&idempotent_only, version);
        }
    }

    #[test]
    fn agrees_with_the_oracle() {
        for version in 3..=13 {
            if oracle_knows::<oracle::ProduceRequest>(version) {
                let bytes = assert_round_trip(&request(version), version);
                assert_oracle_agrees::<oracle::ProduceRequest, ProduceRequest>(&bytes, version);
            }
            if oracle_knows::<oracle::ProduceResponse>(version) {
                let bytes = assert_round_trip(&response(version), version);
                assert_oracle_agrees::<oracle::ProduceResponse, ProduceResponse>(&bytes, version);
            }
        }
    }

    #[test]
    fn oracle_reads_the_tagged_fields_where_we_put_them() {
        // The byte-level oracle check keeps unknown tags raw on both sides, so it would not see
        // a known field written under the wrong tag: read the oracle's typed values instead.
        use kafka_protocol::protocol::Decodable;
        let bytes = assert_round_trip(&response(13), 13);
        let theirs = oracle::ProduceResponse::decode(&mut bytes::Bytes::from(bytes), 13).unwrap();
        assert_eq!(theirs.node_endpoints[0].host.as_str(), "broker-2.internal");
        assert_eq!(theirs.node_endpoints[1].rack, None);
        assert_eq!(theirs.responses[1].topic_id.as_bytes(), &topic_id(100));
        let p = &theirs.responses[0].partition_responses[1];
        assert_eq!(*p.current_leader.leader_id, 112);
        assert_eq!(p.current_leader.leader_epoch, 9);
        assert_eq!(p.log_start_offset, 12);
        assert_eq!(
            p.record_errors[0].batch_index_error_message.as_deref(),
            Some("bad record")
        );
    }

    #[test]
    fn default_tagged_fields_are_not_written() {
        // A response without leader hints must be byte-identical to one whose tagged fields
        // were never known, so that kgate's rewrite does not grow frames it leaves alone.
        let mut plain = response(12);
        plain.node_endpoints.clear();
        plain.unknown_tagged_fields = TaggedFields::default();
        for topic in &mut plain.responses {
            for partition in &mut topic.partition_responses {
                partition.current_leader = LeaderIdAndEpoch::default();
                partition.unknown_tagged_fields = TaggedFields::default();
            }
        }
        let mut with_leader = plain.clone();
        with_leader.node_endpoints = response(12).node_endpoints;
        let short = plain.encoded_size(12).expect("size");
        let long = with_leader.encoded_size(12).expect("size");
        assert!(long > short, "node endpoints must be written when set");
        let bytes = assert_round_trip(&plain, 12);
        // The top-level tagged section is the last byte: an empty count.
        assert_eq!(bytes.last(), Some(&0));
    }

    #[test]
    fn tagged_fields_before_their_version_stay_unknown() {
        // At v9 (flexible, before KIP-951) tag 0 is not NodeEndpoints: it must be kept raw.
        let mut at_v10 = Vec::new();
        response(10).encode_body(&mut at_v10, 10).expect("encode");
        let decoded = ProduceResponse::decode_body(&at_v10, 9).expect("decode at v9");
        assert!(decoded.node_endpoints.is_empty());
        assert!(decoded.unknown_tagged_fields.0.iter().any(|f| f.tag == 0));
        let mut again = Vec::new();
        decoded.encode_body(&mut again, 9).expect("re-encode");
        assert_eq!(again, at_v10);
    }

    #[test]
    fn rejects_unsupported_versions() {
        for version in [2, 14] {
            assert_eq!(
                ProduceRequest::decode_body(&[0; 16], version),
                Err(DecodeError::UnsupportedVersion {
                    api_key: 0,
                    version
                })
            );
            assert_eq!(
                ProduceResponse::decode_body(&[0; 16], version),
                Err(DecodeError::UnsupportedVersion {
                    api_key: 0,
                    version
                })
            );
        }
    }

    #[test]
    fn every_prefix_is_truncated() {
        for version in 3..=13 {
            assert_every_prefix_fails(&request(version), version);
            assert_every_prefix_fails(&response(version), version);
        }
    }
}
