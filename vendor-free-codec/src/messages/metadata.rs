//! Metadata (key 3): the brokers and the partition leaders, which kgate rewrites so that no
//! upstream host or port reaches a client.

use crate::error::{DecodeError, EncodeError};
use crate::message::{Message, Versioned};
use crate::primitives::{Reader, Sink, TaggedFields};

/// The first flexible version of both the request and the response.
const FLEXIBLE_FROM: i16 = 9;

/// Metadata request, versions 0-13, flexible from v9.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataRequest {
    /// The topics to fetch metadata for. At v0 an empty array means all topics; from v1 null
    /// means all topics and an empty array none. Null only from v1.
    pub topics: Option<Vec<MetadataRequestTopic>>,
    /// Whether the broker may auto-create the requested topics (v4+).
    pub allow_auto_topic_creation: bool,
    /// Whether to include cluster authorized operations (v8-10 only).
    pub include_cluster_authorized_operations: bool,
    /// Whether to include topic authorized operations (v8+).
    pub include_topic_authorized_operations: bool,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for MetadataRequest {
    fn default() -> Self {
        Self {
            topics: Some(Vec::new()),
            allow_auto_topic_creation: true,
            include_cluster_authorized_operations: false,
            include_topic_authorized_operations: false,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

/// One topic in a [`MetadataRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataRequestTopic {
    /// The topic id (v10+).
    pub topic_id: [u8; 16],
    /// The topic name. Null only from v10, when the topic is asked for by id.
    pub name: Option<String>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for MetadataRequestTopic {
    fn default() -> Self {
        Self {
            topic_id: [0; 16],
            name: Some(String::new()),
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

impl Versioned for MetadataRequestTopic {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self::default();
        if version >= 10 {
            this.topic_id = r.uuid("request topic id")?;
            this.name = r.nullable_string(flexible, "request topic name")?;
        } else {
            this.name = Some(r.string(flexible, "request topic name")?);
        }
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("request topic tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        if version >= 10 {
            w.put_uuid(&self.topic_id);
        }
        put_name(
            w,
            self.name.as_deref(),
            version >= 10,
            flexible,
            "request topic name",
        )?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for MetadataRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let topic = |r: &mut Reader<'_>| MetadataRequestTopic::decode(r, version);
        let mut this = Self {
            topics: if version >= 1 {
                r.nullable_array(flexible, "request topics", topic)?
            } else {
                Some(r.array(flexible, "request topics", topic)?)
            },
            ..Self::default()
        };
        if version >= 4 {
            this.allow_auto_topic_creation = r.bool("allow auto topic creation")?;
        }
        if (8..=10).contains(&version) {
            this.include_cluster_authorized_operations =
                r.bool("include cluster authorized operations")?;
        }
        if version >= 8 {
            this.include_topic_authorized_operations =
                r.bool("include topic authorized operations")?;
        }
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("metadata request tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        if version < 1 && self.topics.is_none() {
            return Err(EncodeError::NullNotAllowed {
                context: "request topics",
            });
        }
        w.put_nullable_array(
            self.topics.as_deref(),
            flexible,
            "request topics",
            |w, t| t.encode(w, version),
        )?;
        if version >= 4 {
            w.put_bool(self.allow_auto_topic_creation);
        }
        if (8..=10).contains(&version) {
            w.put_bool(self.include_cluster_authorized_operations);
        }
        if version >= 8 {
            w.put_bool(self.include_topic_authorized_operations);
        }
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for MetadataRequest {
    const API_KEY: i16 = 3;
    const VERSIONS: (i16, i16) = (0, 13);
    const FLEXIBLE_FROM: Option<i16> = Some(FLEXIBLE_FROM);
}

/// Metadata response, versions 0-13, flexible from v9.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataResponse {
    /// Throttle time in milliseconds (v3+).
    pub throttle_time_ms: i32,
    /// The brokers of the cluster.
    pub brokers: Vec<MetadataResponseBroker>,
    /// The cluster id, or null (v2+).
    pub cluster_id: Option<String>,
    /// The controller's broker id, or -1 (v1+).
    pub controller_id: i32,
    /// Each topic in the response.
    pub topics: Vec<MetadataResponseTopic>,
    /// Cluster authorized operations bitfield (v8-10 only).
    pub cluster_authorized_operations: i32,
    /// The top-level error code (v13+).
    pub error_code: i16,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for MetadataResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            brokers: Vec::new(),
            cluster_id: None,
            controller_id: -1,
            topics: Vec::new(),
            cluster_authorized_operations: i32::MIN,
            error_code: 0,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

/// One broker in a [`MetadataResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MetadataResponseBroker {
    /// The broker id.
    pub node_id: i32,
    /// The broker host name.
    pub host: String,
    /// The broker port.
    pub port: i32,
    /// The broker's rack, or null (v1+).
    pub rack: Option<String>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Versioned for MetadataResponseBroker {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            node_id: r.i32("broker node id")?,
            host: r.string(flexible, "broker host")?,
            port: r.i32("broker port")?,
            ..Self::default()
        };
        if version >= 1 {
            this.rack = r.nullable_string(flexible, "broker rack")?;
        }
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("broker tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_i32(self.node_id);
        w.put_string(&self.host, flexible, "broker host")?;
        w.put_i32(self.port);
        if version >= 1 {
            w.put_nullable_string(self.rack.as_deref(), flexible, "broker rack")?;
        }
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

/// One topic in a [`MetadataResponse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataResponseTopic {
    /// The topic error, or 0.
    pub error_code: i16,
    /// The topic name. Null only from v12, for a topic asked for by an unknown id.
    pub name: Option<String>,
    /// The topic id, zero for an unknown topic asked for by name (v10+).
    pub topic_id: [u8; 16],
    /// True if the topic is internal (v1+).
    pub is_internal: bool,
    /// Each partition of the topic.
    pub partitions: Vec<MetadataResponsePartition>,
    /// Topic authorized operations bitfield (v8+).
    pub topic_authorized_operations: i32,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for MetadataResponseTopic {
    fn default() -> Self {
        Self {
            error_code: 0,
            name: Some(String::new()),
            topic_id: [0; 16],
            is_internal: false,
            partitions: Vec::new(),
            topic_authorized_operations: i32::MIN,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

impl Versioned for MetadataResponseTopic {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            error_code: r.i16("topic error code")?,
            name: if version >= 12 {
                r.nullable_string(flexible, "topic name")?
            } else {
                Some(r.string(flexible, "topic name")?)
            },
            ..Self::default()
        };
        if version >= 10 {
            this.topic_id = r.uuid("topic id")?;
        }
        if version >= 1 {
            this.is_internal = r.bool("topic is internal")?;
        }
        this.partitions = r.array(flexible, "partitions", |r| {
            MetadataResponsePartition::decode(r, version)
        })?;
        if version >= 8 {
            this.topic_authorized_operations = r.i32("topic authorized operations")?;
        }
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("topic tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_i16(self.error_code);
        put_name(
            w,
            self.name.as_deref(),
            version >= 12,
            flexible,
            "topic name",
        )?;
        if version >= 10 {
            w.put_uuid(&self.topic_id);
        }
        if version >= 1 {
            w.put_bool(self.is_internal);
        }
        w.put_array(&self.partitions, flexible, "partitions", |w, p| {
            p.encode(w, version)
        })?;
        if version >= 8 {
            w.put_i32(self.topic_authorized_operations);
        }
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

/// One partition in a [`MetadataResponseTopic`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataResponsePartition {
    /// The partition error, or 0.
    pub error_code: i16,
    /// The partition index.
    pub partition_index: i32,
    /// The leader's broker id.
    pub leader_id: i32,
    /// The leader epoch (v7+).
    pub leader_epoch: i32,
    /// Every broker hosting the partition.
    pub replica_nodes: Vec<i32>,
    /// The brokers in sync with the leader.
    pub isr_nodes: Vec<i32>,
    /// The offline replicas (v5+).
    pub offline_replicas: Vec<i32>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for MetadataResponsePartition {
    fn default() -> Self {
        Self {
            error_code: 0,
            partition_index: 0,
            leader_id: 0,
            leader_epoch: -1,
            replica_nodes: Vec::new(),
            isr_nodes: Vec::new(),
            offline_replicas: Vec::new(),
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

impl Versioned for MetadataResponsePartition {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            error_code: r.i16("partition error code")?,
            partition_index: r.i32("partition index")?,
            leader_id: r.i32("leader id")?,
            ..Self::default()
        };
        if version >= 7 {
            this.leader_epoch = r.i32("leader epoch")?;
        }
        this.replica_nodes = r.array(flexible, "replica nodes", |r| r.i32("replica node"))?;
        this.isr_nodes = r.array(flexible, "isr nodes", |r| r.i32("isr node"))?;
        if version >= 5 {
            this.offline_replicas =
                r.array(flexible, "offline replicas", |r| r.i32("offline replica"))?;
        }
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("partition tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_i16(self.error_code);
        w.put_i32(self.partition_index);
        w.put_i32(self.leader_id);
        if version >= 7 {
            w.put_i32(self.leader_epoch);
        }
        w.put_array(&self.replica_nodes, flexible, "replica nodes", |w, n| {
            w.put_i32(*n);
            Ok(())
        })?;
        w.put_array(&self.isr_nodes, flexible, "isr nodes", |w, n| {
            w.put_i32(*n);
            Ok(())
        })?;
        if version >= 5 {
            w.put_array(
                &self.offline_replicas,
                flexible,
                "offline replicas",
                |w, n| {
                    w.put_i32(*n);
                    Ok(())
                },
            )?;
        }
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for MetadataResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self::default();
        if version >= 3 {
            this.throttle_time_ms = r.i32("throttle time")?;
        }
        this.brokers = r.array(flexible, "brokers", |r| {
            MetadataResponseBroker::decode(r, version)
        })?;
        if version >= 2 {
            this.cluster_id = r.nullable_string(flexible, "cluster id")?;
        }
        if version >= 1 {
            this.controller_id = r.i32("controller id")?;
        }
        this.topics = r.array(flexible, "topics", |r| {
            MetadataResponseTopic::decode(r, version)
        })?;
        if (8..=10).contains(&version) {
            this.cluster_authorized_operations = r.i32("cluster authorized operations")?;
        }
        if version >= 13 {
            this.error_code = r.i16("error code")?;
        }
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("metadata response tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        if version >= 3 {
            w.put_i32(self.throttle_time_ms);
        }
        w.put_array(&self.brokers, flexible, "brokers", |w, b| {
            b.encode(w, version)
        })?;
        if version >= 2 {
            w.put_nullable_string(self.cluster_id.as_deref(), flexible, "cluster id")?;
        }
        if version >= 1 {
            w.put_i32(self.controller_id);
        }
        w.put_array(&self.topics, flexible, "topics", |w, t| {
            t.encode(w, version)
        })?;
        if (8..=10).contains(&version) {
            w.put_i32(self.cluster_authorized_operations);
        }
        if version >= 13 {
            w.put_i16(self.error_code);
        }
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for MetadataResponse {
    const API_KEY: i16 = 3;
    const VERSIONS: (i16, i16) = (0, 13);
    const FLEXIBLE_FROM: Option<i16> = Some(FLEXIBLE_FROM);
}

/// A topic name that is nullable only from some version: null before it cannot be encoded.
fn put_name<S: Sink>(
    w: &mut S,
    name: Option<&str>,
    nullable: bool,
    flexible: bool,
    context: &'static str,
) -> Result<(), EncodeError> {
    if !nullable && name.is_none() {
        return Err(EncodeError::NullNotAllowed { context });
    }
    w.put_nullable_string(name, flexible, context)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{
        assert_oracle_agrees, assert_prefixes_fail, assert_round_trip, oracle_knows,
        unknown_tags_sorted,
    };
    use kafka_protocol::messages as oracle;

    const TOPIC_ID: [u8; 16] = [7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

    /// A request with every field present at `version` set away from its default; `null_topics`
    /// asks for all topics (only valid from v1), `null_name` puts a topic asked for by id
    /// (only valid from v10).
    fn request(version: i16, null_topics: bool, null_name: bool) -> MetadataRequest {
        let flexible = version >= 9;
        let topics = vec![
            MetadataRequestTopic {
                topic_id: if version >= 10 { TOPIC_ID } else { [0; 16] },
                name: if null_name {
                    None
                } else {
                    Some("orders".into())
                },
                unknown_tagged_fields: unknown_tags_sorted(flexible),
            },
            MetadataRequestTopic {
                topic_id: [0; 16],
                name: Some("payments".into()),
                unknown_tagged_fields: TaggedFields::default(),
            },
        ];
        MetadataRequest {
            topics: if null_topics { None } else { Some(topics) },
            allow_auto_topic_creation: version < 4,
            include_cluster_authorized_operations: (8..=10).contains(&version),
            include_topic_authorized_operations: version >= 8,
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        }
    }

    fn requests(version: i16) -> Vec<MetadataRequest> {
        let mut all = vec![request(version, false, false)];
        if version >= 1 {
            all.push(request(version, true, false));
        }
        if version >= 10 {
            all.push(request(version, false, true));
        }
        all
    }

    /// A response with every field present at `version` set away from its default; nullable
    /// fields are null when `nulls` is true (only where the schema allows it).
    fn response(version: i16, nulls: bool) -> MetadataResponse {
        let flexible = version >= 9;
        MetadataResponse {
            throttle_time_ms: if version >= 3 { 30 } else { 0 },
            brokers: vec![
                MetadataResponseBroker {
                    node_id: 111,
                    host: "broker-1.internal".into(),
                    port: 9092,
                    rack: if version >= 1 && !nulls {
                        Some("rack-a".into())
                    } else {
                        None
                    },
                    unknown_tagged_fields: unknown_tags_sorted(flexible),
                },
                MetadataResponseBroker {
                    node_id: 112,
                    host: "broker-2.internal".into(),
                    port: 9093,
                    rack: None,
                    unknown_tagged_fields: TaggedFields::default(),
                },
            ],
            cluster_id: if version >= 2 && !nulls {
                Some("cluster-a".into())
            } else {
                None
            },
            controller_id: if version >= 1 { 112 } else { -1 },
            topics: vec![
                MetadataResponseTopic {
                    error_code: 3,
                    name: if version >= 12 && nulls {
                        None
                    } else {
                        Some("orders".into())
                    },
                    topic_id: if version >= 10 { TOPIC_ID } else { [0; 16] },
                    is_internal: version >= 1,
                    partitions: vec![
                        MetadataResponsePartition {
                            error_code: 9,
                            partition_index: 0,
                            leader_id: 111,
                            leader_epoch: if version >= 7 { 5 } else { -1 },
                            replica_nodes: vec![111, 112],
                            isr_nodes: vec![111],
                            offline_replicas: if version >= 5 { vec![112, 113] } else { vec![] },
                            unknown_tagged_fields: unknown_tags_sorted(flexible),
                        },
                        MetadataResponsePartition {
                            partition_index: 1,
                            leader_id: 112,
                            replica_nodes: vec![112],
                            isr_nodes: vec![112, 111],
                            ..MetadataResponsePartition::default()
                        },
                    ],
                    topic_authorized_operations: if version >= 8 { 0x0ff8 } else { i32::MIN },
                    unknown_tagged_fields: unknown_tags_sorted(flexible),
                },
                MetadataResponseTopic {
                    name: Some("payments".into()),
                    ..MetadataResponseTopic::default()
                },
            ],
            cluster_authorized_operations: if (8..=10).contains(&version) {
                0x0f
            } else {
                i32::MIN
            },
            error_code: if version >= 13 { 29 } else { 0 },
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        }
    }

    #[test]
    fn round_trips_every_version() {
        for version in 0..=13 {
            for request in requests(version) {
                assert_round_trip(&request, version);
            }
            assert_round_trip(&response(version, false), version);
            assert_round_trip(&response(version, true), version);
        }
    }

    #[test]
    fn agrees_with_the_oracle() {
        for version in 0..=13 {
            if oracle_knows::<oracle::MetadataRequest>(version) {
                for request in requests(version) {
                    let bytes = assert_round_trip(&request, version);
                    assert_oracle_agrees::<oracle::MetadataRequest, MetadataRequest>(
                        &bytes, version,
                    );
                }
            }
            if oracle_knows::<oracle::MetadataResponse>(version) {
                for nulls in [false, true] {
                    let bytes = assert_round_trip(&response(version, nulls), version);
                    assert_oracle_agrees::<oracle::MetadataResponse, MetadataResponse>(
                        &bytes, version,
                    );
                }
            }
        }
    }

    #[test]
    fn null_is_refused_where_the_schema_does_not_allow_it() {
        assert_eq!(
            request(0, true, false).encode_body(&mut Vec::new(), 0),
            Err(EncodeError::NullNotAllowed {
                context: "request topics"
            })
        );
        assert_eq!(
            request(9, false, true).encode_body(&mut Vec::new(), 9),
            Err(EncodeError::NullNotAllowed {
                context: "request topic name"
            })
        );
        assert_eq!(
            response(12, true).encode_body(&mut Vec::new(), 11),
            Err(EncodeError::NullNotAllowed {
                context: "topic name"
            })
        );
        // A null topics array (-1) at v0, where only an array is valid.
        assert_eq!(
            MetadataRequest::decode_body(&[0xff, 0xff, 0xff, 0xff], 0),
            Err(DecodeError::UnexpectedNull {
                context: "request topics"
            })
        );
    }

    #[test]
    fn cluster_authorized_operations_exist_only_in_v8_to_v10() {
        // v10 and v11 differ by that one INT32 and nothing else.
        let msg = response(10, false);
        assert_eq!(msg.encoded_size(10), msg.encoded_size(11).map(|n| n + 4));
        let mut bytes = Vec::new();
        msg.encode_body(&mut bytes, 11).expect("encode");
        let decoded = MetadataResponse::decode_body(&bytes, 11).expect("decode");
        assert_eq!(decoded.cluster_authorized_operations, i32::MIN);
        assert_eq!(msg.cluster_authorized_operations, 0x0f);
    }

    #[test]
    fn rejects_unsupported_versions() {
        assert_eq!(
            MetadataRequest::decode_body(&[0, 0, 0, 0], 14),
            Err(DecodeError::UnsupportedVersion {
                api_key: 3,
                version: 14
            })
        );
        assert_eq!(
            MetadataResponse::decode_body(&[0, 0, 0, 0], -1),
            Err(DecodeError::UnsupportedVersion {
                api_key: 3,
                version: -1
            })
        );
    }

    #[test]
    fn every_prefix_is_truncated() {
        for version in 0..=13 {
            for request in requests(version) {
                let bytes = assert_round_trip(&request, version);
                assert_prefixes_fail::<MetadataRequest>(&bytes, version);
            }
            let bytes = assert_round_trip(&response(version, false), version);
            assert_prefixes_fail::<MetadataResponse>(&bytes, version);
        }
    }
}
