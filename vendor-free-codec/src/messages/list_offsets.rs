//! ListOffsets (key 2): the offset of a partition at a timestamp (earliest, latest, ...).
//!
//! The schema's v0-only fields (`MaxNumOffsets`, `OldStyleOffsets`) are absent: v0 is not a
//! valid version any more, so no version this codec reads carries them.

use crate::error::{DecodeError, EncodeError};
use crate::message::{Message, Versioned};
use crate::primitives::{Reader, Sink, TaggedFields};

/// The first flexible version of both the request and the response.
const FLEXIBLE_FROM: i16 = 6;

/// ListOffsets request, versions 1-11, flexible from 6.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListOffsetsRequest {
    /// The requesting broker's id, or -1 for a consumer.
    pub replica_id: i32,
    /// 0 = read uncommitted, 1 = read committed (v2+).
    pub isolation_level: i8,
    /// Each topic in the request.
    pub topics: Vec<ListOffsetsTopic>,
    /// How long to wait for tiered storage, in milliseconds (v10+).
    pub timeout_ms: i32,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

/// One topic of a [`ListOffsetsRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListOffsetsTopic {
    /// The topic name.
    pub name: String,
    /// Each partition in the request.
    pub partitions: Vec<ListOffsetsPartition>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

/// One partition of a [`ListOffsetsTopic`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListOffsetsPartition {
    /// The partition index.
    pub partition_index: i32,
    /// The requester's view of the leader epoch (v4+).
    pub current_leader_epoch: i32,
    /// The timestamp to look up, or a special value (-1 latest, -2 earliest, ...).
    pub timestamp: i64,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for ListOffsetsPartition {
    fn default() -> Self {
        Self {
            partition_index: 0,
            current_leader_epoch: -1,
            timestamp: 0,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

impl Versioned for ListOffsetsPartition {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let mut this = Self {
            partition_index: r.i32("partition index")?,
            ..Self::default()
        };
        if version >= 4 {
            this.current_leader_epoch = r.i32("current leader epoch")?;
        }
        this.timestamp = r.i64("timestamp")?;
        if version >= FLEXIBLE_FROM {
            this.unknown_tagged_fields = r.tagged_fields("list offsets partition tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        w.put_i32(self.partition_index);
        if version >= 4 {
            w.put_i32(self.current_leader_epoch);
        }
        w.put_i64(self.timestamp);
        if version >= FLEXIBLE_FROM {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for ListOffsetsTopic {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            name: r.string(flexible, "topic name")?,
            partitions: r.array(flexible, "partitions", |r| {
                ListOffsetsPartition::decode(r, version)
            })?,
            ..Self::default()
        };
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("list offsets topic tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_string(&self.name, flexible, "topic name")?;
        w.put_array(&self.partitions, flexible, "partitions", |w, p| {
            p.encode(w, version)
        })?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for ListOffsetsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            replica_id: r.i32("replica id")?,
            ..Self::default()
        };
        if version >= 2 {
            this.isolation_level = r.i8("isolation level")?;
        }
        this.topics = r.array(flexible, "topics", |r| ListOffsetsTopic::decode(r, version))?;
        if version >= 10 {
            this.timeout_ms = r.i32("timeout")?;
        }
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("list offsets request tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_i32(self.replica_id);
        if version >= 2 {
            w.put_i8(self.isolation_level);
        }
        w.put_array(&self.topics, flexible, "topics", |w, t| {
            t.encode(w, version)
        })?;
        if version >= 10 {
            w.put_i32(self.timeout_ms);
        }
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for ListOffsetsRequest {
    const API_KEY: i16 = 2;
    const VERSIONS: (i16, i16) = (1, 11);
    const FLEXIBLE_FROM: Option<i16> = Some(FLEXIBLE_FROM);
}

/// ListOffsets response, versions 1-11, flexible from 6.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListOffsetsResponse {
    /// Throttle time in milliseconds (v2+).
    pub throttle_time_ms: i32,
    /// Each topic in the response.
    pub topics: Vec<ListOffsetsTopicResponse>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

/// One topic of a [`ListOffsetsResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListOffsetsTopicResponse {
    /// The topic name.
    pub name: String,
    /// Each partition in the response.
    pub partitions: Vec<ListOffsetsPartitionResponse>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

/// One partition of a [`ListOffsetsTopicResponse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListOffsetsPartitionResponse {
    /// The partition index.
    pub partition_index: i32,
    /// The error code, or 0.
    pub error_code: i16,
    /// The timestamp of the returned offset.
    pub timestamp: i64,
    /// The returned offset.
    pub offset: i64,
    /// The leader epoch of the returned offset (v4+).
    pub leader_epoch: i32,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for ListOffsetsPartitionResponse {
    fn default() -> Self {
        Self {
            partition_index: 0,
            error_code: 0,
            timestamp: -1,
            offset: -1,
            leader_epoch: -1,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

impl Versioned for ListOffsetsPartitionResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let mut this = Self {
            partition_index: r.i32("partition index")?,
            error_code: r.i16("error code")?,
            timestamp: r.i64("timestamp")?,
            offset: r.i64("offset")?,
            ..Self::default()
        };
        if version >= 4 {
            this.leader_epoch = r.i32("leader epoch")?;
        }
        if version >= FLEXIBLE_FROM {
            this.unknown_tagged_fields =
                r.tagged_fields("list offsets partition response tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        w.put_i32(self.partition_index);
        w.put_i16(self.error_code);
        w.put_i64(self.timestamp);
        w.put_i64(self.offset);
        if version >= 4 {
            w.put_i32(self.leader_epoch);
        }
        if version >= FLEXIBLE_FROM {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for ListOffsetsTopicResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            name: r.string(flexible, "topic name")?,
            partitions: r.array(flexible, "partitions", |r| {
                ListOffsetsPartitionResponse::decode(r, version)
            })?,
            ..Self::default()
        };
        if flexible {
            this.unknown_tagged_fields =
                r.tagged_fields("list offsets topic response tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_string(&self.name, flexible, "topic name")?;
        w.put_array(&self.partitions, flexible, "partitions", |w, p| {
            p.encode(w, version)
        })?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for ListOffsetsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self::default();
        if version >= 2 {
            this.throttle_time_ms = r.i32("throttle time")?;
        }
        this.topics = r.array(flexible, "topics", |r| {
            ListOffsetsTopicResponse::decode(r, version)
        })?;
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("list offsets response tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        if version >= 2 {
            w.put_i32(self.throttle_time_ms);
        }
        w.put_array(&self.topics, flexible, "topics", |w, t| {
            t.encode(w, version)
        })?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for ListOffsetsResponse {
    const API_KEY: i16 = 2;
    const VERSIONS: (i16, i16) = (1, 11);
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

    fn request(version: i16) -> ListOffsetsRequest {
        let flexible = version >= 6;
        let partition = |index: i32, timestamp: i64| ListOffsetsPartition {
            partition_index: index,
            current_leader_epoch: if version >= 4 { 7 } else { -1 },
            timestamp,
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        };
        let topic = |name: &str| ListOffsetsTopic {
            name: name.into(),
            partitions: vec![partition(0, -1), partition(1, 1_700_000_000_000)],
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        };
        ListOffsetsRequest {
            replica_id: -1,
            isolation_level: if version >= 2 { 1 } else { 0 },
            topics: vec![topic("orders"), topic("payments")],
            timeout_ms: if version >= 10 { 15_000 } else { 0 },
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        }
    }

    fn response(version: i16) -> ListOffsetsResponse {
        let flexible = version >= 6;
        let partition = |index: i32| ListOffsetsPartitionResponse {
            partition_index: index,
            error_code: if index == 0 { 0 } else { 74 },
            timestamp: 1_700_000_000_000,
            offset: 4_242 + i64::from(index),
            leader_epoch: if version >= 4 { 5 } else { -1 },
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        };
        let topic = |name: &str| ListOffsetsTopicResponse {
            name: name.into(),
            partitions: vec![partition(0), partition(1)],
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        };
        ListOffsetsResponse {
            throttle_time_ms: if version >= 2 { 25 } else { 0 },
            topics: vec![topic("orders"), topic("payments")],
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        }
    }

    #[test]
    fn round_trips_every_version() {
        for version in 1..=11 {
            assert_round_trip(&request(version), version);
            assert_round_trip(&response(version), version);
        }
    }

    #[test]
    fn agrees_with_the_oracle() {
        // kafka-protocol 0.18 stops at v10; v11 (same fields as v10) is checked by round trip.
        for version in 1..=11 {
            if oracle_knows::<oracle::ListOffsetsRequest>(version) {
                let bytes = assert_round_trip(&request(version), version);
                assert_oracle_agrees::<oracle::ListOffsetsRequest, ListOffsetsRequest>(
                    &bytes, version,
                );
            }
            if oracle_knows::<oracle::ListOffsetsResponse>(version) {
                let bytes = assert_round_trip(&response(version), version);
                assert_oracle_agrees::<oracle::ListOffsetsResponse, ListOffsetsResponse>(
                    &bytes, version,
                );
            }
        }
    }

    #[test]
    fn oracle_reads_our_fields() {
        use kafka_protocol::protocol::Decodable;
        let bytes = assert_round_trip(&request(10), 10);
        let theirs =
            oracle::ListOffsetsRequest::decode(&mut bytes::Bytes::from(bytes), 10).unwrap();
        assert_eq!((theirs.isolation_level, theirs.timeout_ms), (1, 15_000));
        let p = &theirs.topics[1].partitions[1];
        assert_eq!(
            (p.current_leader_epoch, p.timestamp),
            (7, 1_700_000_000_000)
        );
        let bytes = assert_round_trip(&response(10), 10);
        let theirs =
            oracle::ListOffsetsResponse::decode(&mut bytes::Bytes::from(bytes), 10).unwrap();
        let p = &theirs.topics[1].partitions[1];
        assert_eq!((p.error_code, p.offset, p.leader_epoch), (74, 4_243, 5));
    }

    #[test]
    fn rejects_unsupported_versions() {
        for version in [0, 12] {
            assert_eq!(
                ListOffsetsRequest::decode_body(&[0; 16], version),
                Err(DecodeError::UnsupportedVersion {
                    api_key: 2,
                    version
                })
            );
            assert_eq!(
                ListOffsetsResponse::decode_body(&[0; 16], version),
                Err(DecodeError::UnsupportedVersion {
                    api_key: 2,
                    version
                })
            );
        }
    }

    #[test]
    fn every_prefix_is_truncated() {
        for version in 1..=11 {
            assert_every_prefix_fails(&request(version), version);
            assert_every_prefix_fails(&response(version), version);
        }
    }
}
