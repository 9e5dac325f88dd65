//! DeleteTopics (key 20): topic deletion by name, or from v6 by name or id, which kgate decodes
//! to apply policies and to map virtual-cluster topic names.

use crate::error::{DecodeError, EncodeError};
use crate::message::{Message, Versioned};
use crate::primitives::{Reader, Sink, TaggedFields};

/// The first flexible version of both the request and the response.
const FLEXIBLE_FROM: i16 = 4;

/// DeleteTopics request, versions 1-6, flexible from 4.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeleteTopicsRequest {
    /// The topics to delete, by name or id (v6+).
    pub topics: Vec<DeleteTopicState>,
    /// The names of the topics to delete (v0-5).
    pub topic_names: Vec<String>,
    /// How long to wait for the deletions, in milliseconds.
    pub timeout_ms: i32,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

/// One topic of a [`DeleteTopicsRequest`] (v6+): a name or an id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeleteTopicState {
    /// The topic name, or null when the id is given.
    pub name: Option<String>,
    /// The topic id, or all zeros when the name is given.
    pub topic_id: [u8; 16],
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Versioned for DeleteTopicState {
    fn decode(r: &mut Reader<'_>, _version: i16) -> Result<Self, DecodeError> {
        // Only present from v6, which is flexible.
        Ok(Self {
            name: r.nullable_string(true, "topic name")?,
            topic_id: r.uuid("topic id")?,
            unknown_tagged_fields: r.tagged_fields("delete topic state tagged fields")?,
        })
    }

    fn encode<S: Sink>(&self, w: &mut S, _version: i16) -> Result<(), EncodeError> {
        w.put_nullable_string(self.name.as_deref(), true, "topic name")?;
        w.put_uuid(&self.topic_id);
        w.put_tagged_fields(&[], &self.unknown_tagged_fields)
    }
}

impl Versioned for DeleteTopicsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self::default();
        if version >= 6 {
            this.topics = r.array(flexible, "topics", |r| DeleteTopicState::decode(r, version))?;
        }
        if version <= 5 {
            this.topic_names = r.array(flexible, "topic names", |r| {
                r.string(flexible, "topic name")
            })?;
        }
        this.timeout_ms = r.i32("timeout")?;
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("delete topics request tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        if version >= 6 {
            w.put_array(&self.topics, flexible, "topics", |w, t| {
                t.encode(w, version)
            })?;
        }
        if version <= 5 {
            w.put_array(&self.topic_names, flexible, "topic names", |w, name| {
                w.put_string(name, flexible, "topic name")
            })?;
        }
        w.put_i32(self.timeout_ms);
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for DeleteTopicsRequest {
    const API_KEY: i16 = 20;
    const VERSIONS: (i16, i16) = (1, 6);
    const FLEXIBLE_FROM: Option<i16> = Some(FLEXIBLE_FROM);
}

/// DeleteTopics response, versions 1-6, flexible from 4.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeleteTopicsResponse {
    /// Throttle time in milliseconds.
    pub throttle_time_ms: i32,
    /// The result for each topic.
    pub responses: Vec<DeletableTopicResult>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

/// The result for one topic of a [`DeleteTopicsResponse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletableTopicResult {
    /// The topic name; null is allowed only from v6, where topics may be named by id.
    pub name: Option<String>,
    /// The topic id (v6+).
    pub topic_id: [u8; 16],
    /// The error code, or 0.
    pub error_code: i16,
    /// The error message, or null (v5+).
    pub error_message: Option<String>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for DeletableTopicResult {
    fn default() -> Self {
        // The name has no schema default, so it is empty rather than null, as in Kafka.
        Self {
            name: Some(String::new()),
            topic_id: [0; 16],
            error_code: 0,
            error_message: None,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

impl Versioned for DeletableTopicResult {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            name: if version >= 6 {
                r.nullable_string(flexible, "topic name")?
            } else {
                Some(r.string(flexible, "topic name")?)
            },
            ..Self::default()
        };
        if version >= 6 {
            this.topic_id = r.uuid("topic id")?;
        }
        this.error_code = r.i16("error code")?;
        if version >= 5 {
            this.error_message = r.nullable_string(flexible, "error message")?;
        }
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("deletable topic result tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        if version < 6 && self.name.is_none() {
            return Err(EncodeError::NullNotAllowed {
                context: "topic name",
            });
        }
        w.put_nullable_string(self.name.as_deref(), flexible, "topic name")?;
        if version >= 6 {
            w.put_uuid(&self.topic_id);
        }
        w.put_i16(self.error_code);
        if version >= 5 {
            w.put_nullable_string(self.error_message.as_deref(), flexible, "error message")?;
        }
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for DeleteTopicsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        // ThrottleTimeMs exists from v1, so at every version this codec reads.
        let mut this = Self {
            throttle_time_ms: r.i32("throttle time")?,
            responses: r.array(flexible, "responses", |r| {
                DeletableTopicResult::decode(r, version)
            })?,
            ..Self::default()
        };
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("delete topics response tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_i32(self.throttle_time_ms);
        w.put_array(&self.responses, flexible, "responses", |w, t| {
            t.encode(w, version)
        })?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for DeleteTopicsResponse {
    const API_KEY: i16 = 20;
    const VERSIONS: (i16, i16) = (1, 6);
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

    fn request(version: i16) -> DeleteTopicsRequest {
        let flexible = version >= 4;
        DeleteTopicsRequest {
            topics: if version >= 6 {
                vec![
                    DeleteTopicState {
                        name: Some("orders".into()),
                        topic_id: [0; 16],
                        unknown_tagged_fields: unknown_tags_sorted(flexible),
                    },
                    DeleteTopicState {
                        name: None,
                        topic_id: [7; 16],
                        unknown_tagged_fields: unknown_tags_sorted(flexible),
                    },
                ]
            } else {
                Vec::new()
            },
            topic_names: if version <= 5 {
                vec!["orders".into(), "payments".into()]
            } else {
                Vec::new()
            },
            timeout_ms: 30_000,
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        }
    }

    fn response(version: i16) -> DeleteTopicsResponse {
        let flexible = version >= 4;
        DeleteTopicsResponse {
            throttle_time_ms: 25,
            responses: vec![
                DeletableTopicResult {
                    name: Some("orders".into()),
                    topic_id: if version >= 6 { [3; 16] } else { [0; 16] },
                    error_code: 0,
                    error_message: None,
                    unknown_tagged_fields: unknown_tags_sorted(flexible),
                },
                DeletableTopicResult {
                    name: if version >= 6 {
                        None
                    } else {
                        Some("payments".into())
                    },
                    topic_id: if version >= 6 { [7; 16] } else { [0; 16] },
                    error_code: 3,
                    error_message: if version >= 5 {
                        Some("unknown topic".into())
                    } else {
                        None
                    },
                    unknown_tagged_fields: unknown_tags_sorted(flexible),
                },
            ],
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        }
    }

    #[test]
    fn round_trips_every_version() {
        for version in 1..=6 {
            assert_round_trip(&request(version), version);
            assert_round_trip(&response(version), version);
        }
    }

    #[test]
    fn agrees_with_the_oracle() {
        for version in 1..=6 {
            if oracle_knows::<oracle::DeleteTopicsRequest>(version) {
                let bytes = assert_round_trip(&request(version), version);
                assert_oracle_agrees::<oracle::DeleteTopicsRequest, DeleteTopicsRequest>(
                    &bytes, version,
                );
            }
            if oracle_knows::<oracle::DeleteTopicsResponse>(version) {
                let bytes = assert_round_trip(&response(version), version);
                assert_oracle_agrees::<oracle::DeleteTopicsResponse, DeleteTopicsResponse>(
                    &bytes, version,
                );
            }
        }
    }

    #[test]
    fn oracle_reads_our_fields() {
        use kafka_protocol::protocol::Decodable;
        let bytes = assert_round_trip(&request(6), 6);
        let theirs =
            oracle::DeleteTopicsRequest::decode(&mut bytes::Bytes::from(bytes), 6).unwrap();
        assert_eq!(
            theirs.topics[0].name.as_deref().map(|n| n.as_str()),
            Some("orders")
        );
        assert_eq!(theirs.topics[1].name, None);
        assert_eq!(theirs.topics[1].topic_id.as_bytes(), &[7; 16]);
        let bytes = assert_round_trip(&response(6), 6);
        let theirs =
            oracle::DeleteTopicsResponse::decode(&mut bytes::Bytes::from(bytes), 6).unwrap();
        assert_eq!(theirs.responses[1].name, None);
        assert_eq!(
            theirs.responses[1].error_message.as_deref(),
            Some("unknown topic")
        );
    }

    #[test]
    fn null_name_only_from_v6() {
        let mut nameless = response(5);
        nameless.responses[1].name = None;
        for version in 1..=5 {
            assert_eq!(
                nameless.encode_body(&mut Vec::new(), version),
                Err(EncodeError::NullNotAllowed {
                    context: "topic name"
                })
            );
        }
        // The same bytes with a null name: legal at v6, rejected when read as v5.
        let mut bytes = Vec::new();
        nameless
            .encode_body(&mut bytes, 6)
            .expect("v6 allows a null name");
        let mut v5 = Vec::new();
        response(5).encode_body(&mut v5, 5).expect("encode v5");
        // At v5 the second result's name (compact "payments": length 9) follows the first
        // result; replace it with a compact null (0).
        let at = v5
            .windows(9)
            .position(|w| w == b"\x09payments")
            .expect("name in encoding");
        let mut null_name = v5[..at].to_vec();
        null_name.push(0);
        null_name.extend_from_slice(&v5[at + 9..]);
        assert_eq!(
            DeleteTopicsResponse::decode_body(&null_name, 5),
            Err(DecodeError::UnexpectedNull {
                context: "topic name"
            })
        );
    }

    #[test]
    fn rejects_unsupported_versions() {
        for version in [0, 7] {
            assert_eq!(
                DeleteTopicsRequest::decode_body(&[0; 16], version),
                Err(DecodeError::UnsupportedVersion {
                    api_key: 20,
                    version
                })
            );
            assert_eq!(
                DeleteTopicsResponse::decode_body(&[0; 16], version),
                Err(DecodeError::UnsupportedVersion {
                    api_key: 20,
                    version
                })
            );
        }
    }

    #[test]
    fn every_prefix_is_truncated() {
        for version in 1..=6 {
            assert_every_prefix_fails(&request(version), version);
            assert_every_prefix_fails(&response(version), version);
        }
    }
}
