//! CreateTopics (key 19): topic creation, which kgate decodes to apply topic policies and to
//! map virtual-cluster topic names.

use crate::error::{DecodeError, EncodeError};
use crate::message::{Message, Versioned};
use crate::primitives::{encode_tagged, Reader, Sink, TaggedFields};

/// The first flexible version of both the request and the response.
const FLEXIBLE_FROM: i16 = 5;

/// CreateTopics request, versions 2-7, flexible from 5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateTopicsRequest {
    /// The topics to create.
    pub topics: Vec<CreatableTopic>,
    /// How long to wait for the creation, in milliseconds.
    pub timeout_ms: i32,
    /// Only validate the request; create nothing.
    pub validate_only: bool,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for CreateTopicsRequest {
    fn default() -> Self {
        Self {
            topics: Vec::new(),
            timeout_ms: 60_000,
            validate_only: false,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

/// One topic of a [`CreateTopicsRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreatableTopic {
    /// The topic name.
    pub name: String,
    /// The partition count, or -1 for a manual assignment or the broker default.
    pub num_partitions: i32,
    /// The replication factor, or -1 for a manual assignment or the broker default.
    pub replication_factor: i16,
    /// The manual partition assignment, empty for an automatic one.
    pub assignments: Vec<CreatableReplicaAssignment>,
    /// The topic configuration to set.
    pub configs: Vec<CreatableTopicConfig>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

/// A manual replica assignment of one partition in a [`CreatableTopic`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreatableReplicaAssignment {
    /// The partition index.
    pub partition_index: i32,
    /// The brokers to place the partition on.
    pub broker_ids: Vec<i32>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

/// A configuration entry of a [`CreatableTopic`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatableTopicConfig {
    /// The configuration name.
    pub name: String,
    /// The configuration value, or null.
    pub value: Option<String>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for CreatableTopicConfig {
    fn default() -> Self {
        // A nullable string without a schema default defaults to empty, as in Kafka.
        Self {
            name: String::new(),
            value: Some(String::new()),
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

impl Versioned for CreatableReplicaAssignment {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            partition_index: r.i32("assignment partition index")?,
            broker_ids: r.array(flexible, "assignment broker ids", |r| {
                r.i32("assignment broker id")
            })?,
            ..Self::default()
        };
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("assignment tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_i32(self.partition_index);
        w.put_array(
            &self.broker_ids,
            flexible,
            "assignment broker ids",
            |w, id| {
                w.put_i32(*id);
                Ok(())
            },
        )?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for CreatableTopicConfig {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            name: r.string(flexible, "config name")?,
            value: r.nullable_string(flexible, "config value")?,
            ..Self::default()
        };
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("config tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_string(&self.name, flexible, "config name")?;
        w.put_nullable_string(self.value.as_deref(), flexible, "config value")?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for CreatableTopic {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            name: r.string(flexible, "topic name")?,
            num_partitions: r.i32("num partitions")?,
            replication_factor: r.i16("replication factor")?,
            assignments: r.array(flexible, "assignments", |r| {
                CreatableReplicaAssignment::decode(r, version)
            })?,
            configs: r.array(flexible, "configs", |r| {
                CreatableTopicConfig::decode(r, version)
            })?,
            ..Self::default()
        };
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("creatable topic tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_string(&self.name, flexible, "topic name")?;
        w.put_i32(self.num_partitions);
        w.put_i16(self.replication_factor);
        w.put_array(&self.assignments, flexible, "assignments", |w, a| {
            a.encode(w, version)
        })?;
        w.put_array(&self.configs, flexible, "configs", |w, c| {
            c.encode(w, version)
        })?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for CreateTopicsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        // validateOnly exists from v1, so at every version this codec reads.
        let mut this = Self {
            topics: r.array(flexible, "topics", |r| CreatableTopic::decode(r, version))?,
            timeout_ms: r.i32("timeout")?,
            validate_only: r.bool("validate only")?,
            ..Self::default()
        };
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("create topics request tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_array(&self.topics, flexible, "topics", |w, t| {
            t.encode(w, version)
        })?;
        w.put_i32(self.timeout_ms);
        w.put_bool(self.validate_only);
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for CreateTopicsRequest {
    const API_KEY: i16 = 19;
    const VERSIONS: (i16, i16) = (2, 7);
    const FLEXIBLE_FROM: Option<i16> = Some(FLEXIBLE_FROM);
}

/// CreateTopics response, versions 2-7, flexible from 5.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreateTopicsResponse {
    /// Throttle time in milliseconds.
    pub throttle_time_ms: i32,
    /// The result for each topic.
    pub topics: Vec<CreatableTopicResult>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

/// The result for one topic of a [`CreateTopicsResponse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatableTopicResult {
    /// The topic name.
    pub name: String,
    /// The topic id (v7+).
    pub topic_id: [u8; 16],
    /// The error code, or 0.
    pub error_code: i16,
    /// The error message, or null.
    pub error_message: Option<String>,
    /// The error reading the topic's configuration, if configs are missing (tagged, tag 0, v5+).
    pub topic_config_error_code: i16,
    /// The topic's partition count (v5+).
    pub num_partitions: i32,
    /// The topic's replication factor (v5+).
    pub replication_factor: i16,
    /// The topic's configuration, or null (v5+).
    pub configs: Option<Vec<CreatableTopicConfigs>>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for CreatableTopicResult {
    fn default() -> Self {
        // Nullable fields without a schema default default to empty, as in Kafka.
        Self {
            name: String::new(),
            topic_id: [0; 16],
            error_code: 0,
            error_message: Some(String::new()),
            topic_config_error_code: 0,
            num_partitions: -1,
            replication_factor: -1,
            configs: Some(Vec::new()),
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

/// One configuration entry of a [`CreatableTopicResult`] (v5+).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatableTopicConfigs {
    /// The configuration name.
    pub name: String,
    /// The configuration value, or null.
    pub value: Option<String>,
    /// Whether the configuration is read-only.
    pub read_only: bool,
    /// Where the value comes from.
    pub config_source: i8,
    /// Whether the configuration is sensitive.
    pub is_sensitive: bool,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for CreatableTopicConfigs {
    fn default() -> Self {
        Self {
            name: String::new(),
            value: Some(String::new()),
            read_only: false,
            config_source: -1,
            is_sensitive: false,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

impl Versioned for CreatableTopicConfigs {
    fn decode(r: &mut Reader<'_>, _version: i16) -> Result<Self, DecodeError> {
        // Only present from v5, which is flexible.
        Ok(Self {
            name: r.string(true, "config name")?,
            value: r.nullable_string(true, "config value")?,
            read_only: r.bool("config read only")?,
            config_source: r.i8("config source")?,
            is_sensitive: r.bool("config is sensitive")?,
            unknown_tagged_fields: r.tagged_fields("config tagged fields")?,
        })
    }

    fn encode<S: Sink>(&self, w: &mut S, _version: i16) -> Result<(), EncodeError> {
        w.put_string(&self.name, true, "config name")?;
        w.put_nullable_string(self.value.as_deref(), true, "config value")?;
        w.put_bool(self.read_only);
        w.put_i8(self.config_source);
        w.put_bool(self.is_sensitive);
        w.put_tagged_fields(&[], &self.unknown_tagged_fields)
    }
}

impl Versioned for CreatableTopicResult {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            name: r.string(flexible, "topic name")?,
            ..Self::default()
        };
        if version >= 7 {
            this.topic_id = r.uuid("topic id")?;
        }
        this.error_code = r.i16("error code")?;
        // ErrorMessage exists from v1, so at every version this codec reads.
        this.error_message = r.nullable_string(flexible, "error message")?;
        if version >= 5 {
            this.num_partitions = r.i32("num partitions")?;
            this.replication_factor = r.i16("replication factor")?;
            this.configs = r.nullable_array(true, "configs", |r| {
                CreatableTopicConfigs::decode(r, version)
            })?;
        }
        if flexible {
            let mut tagged = r.tagged_fields("creatable topic result tagged fields")?;
            if let Some(code) = tagged.take_decoded(0, "topic config error code", |r| {
                r.i16("topic config error code")
            })? {
                this.topic_config_error_code = code;
            }
            this.unknown_tagged_fields = tagged;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_string(&self.name, flexible, "topic name")?;
        if version >= 7 {
            w.put_uuid(&self.topic_id);
        }
        w.put_i16(self.error_code);
        w.put_nullable_string(self.error_message.as_deref(), flexible, "error message")?;
        if version >= 5 {
            w.put_i32(self.num_partitions);
            w.put_i16(self.replication_factor);
            w.put_nullable_array(self.configs.as_deref(), true, "configs", |w, c| {
                c.encode(w, version)
            })?;
        }
        if flexible {
            let mut known = Vec::new();
            if self.topic_config_error_code != 0 {
                known.push(encode_tagged(0, |b| {
                    b.put_i16(self.topic_config_error_code);
                    Ok(())
                })?);
            }
            w.put_tagged_fields(&known, &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for CreateTopicsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            throttle_time_ms: r.i32("throttle time")?,
            topics: r.array(flexible, "topics", |r| {
                CreatableTopicResult::decode(r, version)
            })?,
            ..Self::default()
        };
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("create topics response tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_i32(self.throttle_time_ms);
        w.put_array(&self.topics, flexible, "topics", |w, t| {
            t.encode(w, version)
        })?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for CreateTopicsResponse {
    const API_KEY: i16 = 19;
    const VERSIONS: (i16, i16) = (2, 7);
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

    fn request(version: i16) -> CreateTopicsRequest {
        let flexible = version >= 5;
        let config = |name: &str, value: Option<&str>| CreatableTopicConfig {
            name: name.into(),
            value: value.map(Into::into),
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        };
        let assignment = |index: i32| CreatableReplicaAssignment {
            partition_index: index,
            broker_ids: vec![111, 112, 113],
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        };
        CreateTopicsRequest {
            topics: vec![
                CreatableTopic {
                    name: "orders".into(),
                    num_partitions: -1,
                    replication_factor: -1,
                    assignments: vec![assignment(0), assignment(1)],
                    configs: vec![
                        config("cleanup.policy", Some("compact")),
                        config("retention.ms", None),
                    ],
                    unknown_tagged_fields: unknown_tags_sorted(flexible),
                },
                CreatableTopic {
                    name: "payments".into(),
                    num_partitions: 12,
                    replication_factor: 3,
                    assignments: Vec::new(),
                    configs: vec![config("min.insync.replicas", Some("2"))],
                    unknown_tagged_fields: unknown_tags_sorted(flexible),
                },
            ],
            timeout_ms: 30_000,
            validate_only: true,
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        }
    }

    fn response(version: i16) -> CreateTopicsResponse {
        let flexible = version >= 5;
        let config = |name: &str, value: Option<&str>| CreatableTopicConfigs {
            name: name.into(),
            value: value.map(Into::into),
            read_only: true,
            config_source: 5,
            is_sensitive: value.is_none(),
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        };
        let result = |name: &str, seed: u8, configs: Option<Vec<CreatableTopicConfigs>>| {
            CreatableTopicResult {
                name: name.into(),
                topic_id: if version >= 7 { [seed; 16] } else { [0; 16] },
                error_code: i16::from(seed),
                error_message: configs.is_some().then(|| "topic exists".into()),
                topic_config_error_code: if flexible { 29 } else { 0 },
                num_partitions: if version >= 5 { 12 } else { -1 },
                replication_factor: if version >= 5 { 3 } else { -1 },
                configs: if version >= 5 {
                    configs
                } else {
                    Some(Vec::new())
                },
                unknown_tagged_fields: unknown_tags_sorted(flexible),
            }
        };
        CreateTopicsResponse {
            throttle_time_ms: 25,
            topics: vec![
                result(
                    "orders",
                    36,
                    Some(vec![
                        config("cleanup.policy", Some("compact")),
                        config("sasl.jaas.config", None),
                    ]),
                ),
                result("payments", 0, None),
            ],
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        }
    }

    #[test]
    fn round_trips_every_version() {
        for version in 2..=7 {
            assert_round_trip(&request(version), version);
            assert_round_trip(&response(version), version);
        }
    }

    #[test]
    fn agrees_with_the_oracle() {
        for version in 2..=7 {
            if oracle_knows::<oracle::CreateTopicsRequest>(version) {
                let bytes = assert_round_trip(&request(version), version);
                assert_oracle_agrees::<oracle::CreateTopicsRequest, CreateTopicsRequest>(
                    &bytes, version,
                );
            }
            if oracle_knows::<oracle::CreateTopicsResponse>(version) {
                let bytes = assert_round_trip(&response(version), version);
                assert_oracle_agrees::<oracle::CreateTopicsResponse, CreateTopicsResponse>(
                    &bytes, version,
                );
            }
        }
    }

    #[test]
    fn oracle_reads_our_fields() {
        use kafka_protocol::protocol::Decodable;
        let bytes = assert_round_trip(&response(7), 7);
        let theirs =
            oracle::CreateTopicsResponse::decode(&mut bytes::Bytes::from(bytes), 7).unwrap();
        let t = &theirs.topics[0];
        assert_eq!(t.topic_config_error_code, 29);
        assert_eq!(t.topic_id.as_bytes(), &[36; 16]);
        assert_eq!((t.num_partitions, t.replication_factor), (12, 3));
        let configs = t.configs.as_ref().expect("configs");
        assert_eq!(
            (configs[1].value.as_ref(), configs[1].is_sensitive),
            (None, true)
        );
        assert_eq!(theirs.topics[1].configs, None);
        assert_eq!(theirs.topics[1].error_message, None);
    }

    #[test]
    fn rejects_unsupported_versions() {
        for version in [1, 8] {
            assert_eq!(
                CreateTopicsRequest::decode_body(&[0; 16], version),
                Err(DecodeError::UnsupportedVersion {
                    api_key: 19,
                    version
                })
            );
            assert_eq!(
                CreateTopicsResponse::decode_body(&[0; 16], version),
                Err(DecodeError::UnsupportedVersion {
                    api_key: 19,
                    version
                })
            );
        }
    }

    #[test]
    fn every_prefix_is_truncated() {
        for version in 2..=7 {
            assert_every_prefix_fails(&request(version), version);
            assert_every_prefix_fails(&response(version), version);
        }
    }
}
