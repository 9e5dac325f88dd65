//! DescribeCluster (key 60): the brokers of the cluster, which kgate rewrites to its own
//! addresses.

use crate::error::{DecodeError, EncodeError};
use crate::message::{Message, Versioned};
use crate::primitives::{Reader, Sink, TaggedFields};

/// DescribeCluster request, versions 0-2, always flexible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeClusterRequest {
    /// Whether to include cluster authorized operations.
    pub include_cluster_authorized_operations: bool,
    /// The endpoint type to describe (v1+): 1 = brokers, 2 = controllers.
    pub endpoint_type: i8,
    /// Whether to include fenced brokers (v2+).
    pub include_fenced_brokers: bool,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for DescribeClusterRequest {
    fn default() -> Self {
        Self {
            include_cluster_authorized_operations: false,
            endpoint_type: 1,
            include_fenced_brokers: false,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

impl Versioned for DescribeClusterRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let mut this = Self {
            include_cluster_authorized_operations: r
                .bool("include cluster authorized operations")?,
            ..Self::default()
        };
        if version >= 1 {
            this.endpoint_type = r.i8("endpoint type")?;
        }
        if version >= 2 {
            this.include_fenced_brokers = r.bool("include fenced brokers")?;
        }
        this.unknown_tagged_fields = r.tagged_fields("describe cluster request tagged fields")?;
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        w.put_bool(self.include_cluster_authorized_operations);
        if version >= 1 {
            w.put_i8(self.endpoint_type);
        }
        if version >= 2 {
            w.put_bool(self.include_fenced_brokers);
        }
        w.put_tagged_fields(&[], &self.unknown_tagged_fields)
    }
}

impl Message for DescribeClusterRequest {
    const API_KEY: i16 = 60;
    const VERSIONS: (i16, i16) = (0, 2);
    const FLEXIBLE_FROM: Option<i16> = Some(0);
}

/// DescribeCluster response, versions 0-2, always flexible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeClusterResponse {
    /// Throttle time in milliseconds.
    pub throttle_time_ms: i32,
    /// The top-level error code.
    pub error_code: i16,
    /// The top-level error message.
    pub error_message: Option<String>,
    /// The endpoint type described (v1+).
    pub endpoint_type: i8,
    /// The cluster id.
    pub cluster_id: String,
    /// The controller id, or -1.
    pub controller_id: i32,
    /// Each broker.
    pub brokers: Vec<DescribeClusterBroker>,
    /// Cluster authorized operations bitfield.
    pub cluster_authorized_operations: i32,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for DescribeClusterResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            error_code: 0,
            error_message: None,
            endpoint_type: 1,
            cluster_id: String::new(),
            controller_id: -1,
            brokers: Vec::new(),
            cluster_authorized_operations: i32::MIN,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

/// One broker in a [`DescribeClusterResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DescribeClusterBroker {
    /// The broker id.
    pub broker_id: i32,
    /// The broker host name.
    pub host: String,
    /// The broker port.
    pub port: i32,
    /// The broker's rack, if any.
    pub rack: Option<String>,
    /// Whether the broker is fenced (v2+).
    pub is_fenced: bool,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Versioned for DescribeClusterBroker {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let mut this = Self {
            broker_id: r.i32("broker id")?,
            host: r.string(true, "broker host")?,
            port: r.i32("broker port")?,
            rack: r.nullable_string(true, "broker rack")?,
            ..Self::default()
        };
        if version >= 2 {
            this.is_fenced = r.bool("broker is fenced")?;
        }
        this.unknown_tagged_fields = r.tagged_fields("broker tagged fields")?;
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        w.put_i32(self.broker_id);
        w.put_string(&self.host, true, "broker host")?;
        w.put_i32(self.port);
        w.put_nullable_string(self.rack.as_deref(), true, "broker rack")?;
        if version >= 2 {
            w.put_bool(self.is_fenced);
        }
        w.put_tagged_fields(&[], &self.unknown_tagged_fields)
    }
}

impl Versioned for DescribeClusterResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let mut this = Self {
            throttle_time_ms: r.i32("throttle time")?,
            error_code: r.i16("error code")?,
            error_message: r.nullable_string(true, "error message")?,
            ..Self::default()
        };
        if version >= 1 {
            this.endpoint_type = r.i8("endpoint type")?;
        }
        this.cluster_id = r.string(true, "cluster id")?;
        this.controller_id = r.i32("controller id")?;
        this.brokers = r.array(true, "brokers", |r| {
            DescribeClusterBroker::decode(r, version)
        })?;
        this.cluster_authorized_operations = r.i32("cluster authorized operations")?;
        this.unknown_tagged_fields = r.tagged_fields("describe cluster response tagged fields")?;
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        w.put_i32(self.throttle_time_ms);
        w.put_i16(self.error_code);
        w.put_nullable_string(self.error_message.as_deref(), true, "error message")?;
        if version >= 1 {
            w.put_i8(self.endpoint_type);
        }
        w.put_string(&self.cluster_id, true, "cluster id")?;
        w.put_i32(self.controller_id);
        w.put_array(&self.brokers, true, "brokers", |w, b| b.encode(w, version))?;
        w.put_i32(self.cluster_authorized_operations);
        w.put_tagged_fields(&[], &self.unknown_tagged_fields)
    }
}

impl Message for DescribeClusterResponse {
    const API_KEY: i16 = 60;
    const VERSIONS: (i16, i16) = (0, 2);
    const FLEXIBLE_FROM: Option<i16> = Some(0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{
        assert_oracle_agrees, assert_round_trip, oracle_knows, unknown_tags_sorted,
    };
    use kafka_protocol::messages as oracle;

    fn request(version: i16) -> DescribeClusterRequest {
        DescribeClusterRequest {
            include_cluster_authorized_operations: true,
            endpoint_type: if version >= 1 { 2 } else { 1 },
            include_fenced_brokers: version >= 2,
            unknown_tagged_fields: unknown_tags_sorted(true),
        }
    }

    fn response(version: i16) -> DescribeClusterResponse {
        DescribeClusterResponse {
            throttle_time_ms: 7,
            error_code: 0,
            error_message: Some("fine".into()),
            endpoint_type: if version >= 1 { 2 } else { 1 },
            cluster_id: "cluster-a".into(),
            controller_id: 111,
            brokers: vec![
                DescribeClusterBroker {
                    broker_id: 111,
                    host: "broker-1.internal".into(),
                    port: 9092,
                    rack: Some("rack-a".into()),
                    is_fenced: version >= 2,
                    unknown_tagged_fields: unknown_tags_sorted(true),
                },
                DescribeClusterBroker {
                    broker_id: 112,
                    host: "b2".into(),
                    port: 9093,
                    ..Default::default()
                },
            ],
            cluster_authorized_operations: 0x0f,
            unknown_tagged_fields: unknown_tags_sorted(true),
        }
    }

    #[test]
    fn round_trips_every_version() {
        for version in 0..=2 {
            assert_round_trip(&request(version), version);
            assert_round_trip(&response(version), version);
        }
    }

    #[test]
    fn agrees_with_the_oracle() {
        for version in 0..=2 {
            if oracle_knows::<oracle::DescribeClusterRequest>(version) {
                let bytes = assert_round_trip(&request(version), version);
                assert_oracle_agrees::<oracle::DescribeClusterRequest, DescribeClusterRequest>(
                    &bytes, version,
                );
            }
            if oracle_knows::<oracle::DescribeClusterResponse>(version) {
                let bytes = assert_round_trip(&response(version), version);
                assert_oracle_agrees::<oracle::DescribeClusterResponse, DescribeClusterResponse>(
                    &bytes, version,
                );
            }
        }
    }

    #[test]
    fn rejects_unsupported_versions() {
        assert_eq!(
            DescribeClusterRequest::decode_body(&[0], 3),
            Err(DecodeError::UnsupportedVersion {
                api_key: 60,
                version: 3
            })
        );
    }
}
