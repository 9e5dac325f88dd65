//! FindCoordinator (key 10): where a group, transaction or share coordinator lives, which kgate
//! rewrites to its own address. One key per request up to v3, batched keys from v4 (KIP-699).

use crate::error::{DecodeError, EncodeError};
use crate::message::{Message, Versioned};
use crate::primitives::{Reader, Sink, TaggedFields};

/// The first flexible version of both the request and the response.
const FLEXIBLE_FROM: i16 = 3;

/// FindCoordinator request, versions 0-6, flexible from v3.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FindCoordinatorRequest {
    /// The coordinator key (v0-3 only).
    pub key: String,
    /// The coordinator key type: 0 group, 1 transaction, 2 share (v1+).
    pub key_type: i8,
    /// The coordinator keys (v4+).
    pub coordinator_keys: Vec<String>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Versioned for FindCoordinatorRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self::default();
        if version <= 3 {
            this.key = r.string(flexible, "coordinator key")?;
        }
        if version >= 1 {
            this.key_type = r.i8("key type")?;
        }
        if version >= 4 {
            this.coordinator_keys = r.array(flexible, "coordinator keys", |r| {
                r.string(flexible, "coordinator key")
            })?;
        }
        if flexible {
            this.unknown_tagged_fields =
                r.tagged_fields("find coordinator request tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        if version <= 3 {
            w.put_string(&self.key, flexible, "coordinator key")?;
        }
        if version >= 1 {
            w.put_i8(self.key_type);
        }
        if version >= 4 {
            w.put_array(
                &self.coordinator_keys,
                flexible,
                "coordinator keys",
                |w, k| w.put_string(k, flexible, "coordinator key"),
            )?;
        }
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for FindCoordinatorRequest {
    const API_KEY: i16 = 10;
    const VERSIONS: (i16, i16) = (0, 6);
    const FLEXIBLE_FROM: Option<i16> = Some(FLEXIBLE_FROM);
}

/// FindCoordinator response, versions 0-6, flexible from v3. Up to v3 it names one
/// coordinator in top-level fields; from v4 each requested key has its [`Coordinator`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindCoordinatorResponse {
    /// Throttle time in milliseconds (v1+).
    pub throttle_time_ms: i32,
    /// The error code, or 0 (v0-3 only).
    pub error_code: i16,
    /// The error message, or null (v1-3 only).
    pub error_message: Option<String>,
    /// The coordinator's broker id (v0-3 only).
    pub node_id: i32,
    /// The coordinator's host name (v0-3 only).
    pub host: String,
    /// The coordinator's port (v0-3 only).
    pub port: i32,
    /// One result per requested key (v4+).
    pub coordinators: Vec<Coordinator>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for FindCoordinatorResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            error_code: 0,
            // The schema gives no default, so Kafka's is the empty string, not null.
            error_message: Some(String::new()),
            node_id: 0,
            host: String::new(),
            port: 0,
            coordinators: Vec::new(),
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

/// One coordinator in a [`FindCoordinatorResponse`] (v4+, so always flexible).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coordinator {
    /// The coordinator key.
    pub key: String,
    /// The coordinator's broker id.
    pub node_id: i32,
    /// The coordinator's host name.
    pub host: String,
    /// The coordinator's port.
    pub port: i32,
    /// The error code, or 0.
    pub error_code: i16,
    /// The error message, or null.
    pub error_message: Option<String>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for Coordinator {
    fn default() -> Self {
        Self {
            key: String::new(),
            node_id: 0,
            host: String::new(),
            port: 0,
            error_code: 0,
            // The schema gives no default, so Kafka's is the empty string, not null.
            error_message: Some(String::new()),
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

impl Versioned for Coordinator {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            key: r.string(flexible, "coordinator key")?,
            node_id: r.i32("coordinator node id")?,
            host: r.string(flexible, "coordinator host")?,
            port: r.i32("coordinator port")?,
            error_code: r.i16("coordinator error code")?,
            error_message: r.nullable_string(flexible, "coordinator error message")?,
            ..Self::default()
        };
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("coordinator tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_string(&self.key, flexible, "coordinator key")?;
        w.put_i32(self.node_id);
        w.put_string(&self.host, flexible, "coordinator host")?;
        w.put_i32(self.port);
        w.put_i16(self.error_code);
        w.put_nullable_string(
            self.error_message.as_deref(),
            flexible,
            "coordinator error message",
        )?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for FindCoordinatorResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self::default();
        if version >= 1 {
            this.throttle_time_ms = r.i32("throttle time")?;
        }
        if version <= 3 {
            this.error_code = r.i16("error code")?;
        }
        if (1..=3).contains(&version) {
            this.error_message = r.nullable_string(flexible, "error message")?;
        }
        if version <= 3 {
            this.node_id = r.i32("node id")?;
            this.host = r.string(flexible, "host")?;
            this.port = r.i32("port")?;
        }
        if version >= 4 {
            this.coordinators = r.array(flexible, "coordinators", |r| {
                Coordinator::decode(r, version)
            })?;
        }
        if flexible {
            this.unknown_tagged_fields =
                r.tagged_fields("find coordinator response tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        if version >= 1 {
            w.put_i32(self.throttle_time_ms);
        }
        if version <= 3 {
            w.put_i16(self.error_code);
        }
        if (1..=3).contains(&version) {
            w.put_nullable_string(self.error_message.as_deref(), flexible, "error message")?;
        }
        if version <= 3 {
            w.put_i32(self.node_id);
            w.put_string(&self.host, flexible, "host")?;
            w.put_i32(self.port);
        }
        if version >= 4 {
            w.put_array(&self.coordinators, flexible, "coordinators", |w, c| {
                c.encode(w, version)
            })?;
        }
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for FindCoordinatorResponse {
    const API_KEY: i16 = 10;
    const VERSIONS: (i16, i16) = (0, 6);
    const FLEXIBLE_FROM: Option<i16> = Some(FLEXIBLE_FROM);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{
        assert_oracle_agrees, assert_prefixes_fail, assert_round_trip, oracle_knows,
        unknown_tags_sorted,
    };
    use kafka_protocol::messages as oracle;

    fn request(version: i16) -> FindCoordinatorRequest {
        let flexible = version >= 3;
        FindCoordinatorRequest {
            key: if version <= 3 {
                "group-a".into()
            } else {
                String::new()
            },
            key_type: if version >= 1 { 1 } else { 0 },
            coordinator_keys: if version >= 4 {
                vec!["group-a".into(), "group-b:topic:0".into()]
            } else {
                Vec::new()
            },
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        }
    }

    /// A response with every field present at `version` set away from its default; the
    /// nullable error messages are null when `nulls` is true.
    fn response(version: i16, nulls: bool) -> FindCoordinatorResponse {
        let flexible = version >= 3;
        let message = |text: &str| if nulls { None } else { Some(text.into()) };
        if version <= 3 {
            FindCoordinatorResponse {
                throttle_time_ms: if version >= 1 { 12 } else { 0 },
                error_code: 15,
                error_message: if version >= 1 {
                    message("not available")
                } else {
                    Some(String::new())
                },
                node_id: 111,
                host: "broker-1.internal".into(),
                port: 9092,
                coordinators: Vec::new(),
                unknown_tagged_fields: unknown_tags_sorted(flexible),
            }
        } else {
            FindCoordinatorResponse {
                throttle_time_ms: 12,
                coordinators: vec![
                    Coordinator {
                        key: "group-a".into(),
                        node_id: 111,
                        host: "broker-1.internal".into(),
                        port: 9092,
                        error_code: 0,
                        error_message: message("fine"),
                        unknown_tagged_fields: unknown_tags_sorted(true),
                    },
                    Coordinator {
                        key: "group-b".into(),
                        node_id: -1,
                        host: String::new(),
                        port: -1,
                        error_code: 15,
                        error_message: None,
                        unknown_tagged_fields: TaggedFields::default(),
                    },
                ],
                unknown_tagged_fields: unknown_tags_sorted(true),
                ..FindCoordinatorResponse::default()
            }
        }
    }

    #[test]
    fn round_trips_every_version() {
        for version in 0..=6 {
            assert_round_trip(&request(version), version);
            assert_round_trip(&response(version, false), version);
            assert_round_trip(&response(version, true), version);
        }
    }

    #[test]
    fn agrees_with_the_oracle() {
        for version in 0..=6 {
            if oracle_knows::<oracle::FindCoordinatorRequest>(version) {
                let bytes = assert_round_trip(&request(version), version);
                assert_oracle_agrees::<oracle::FindCoordinatorRequest, FindCoordinatorRequest>(
                    &bytes, version,
                );
            }
            if oracle_knows::<oracle::FindCoordinatorResponse>(version) {
                for nulls in [false, true] {
                    let bytes = assert_round_trip(&response(version, nulls), version);
                    assert_oracle_agrees::<oracle::FindCoordinatorResponse, FindCoordinatorResponse>(
                        &bytes, version,
                    );
                }
            }
        }
    }

    #[test]
    fn single_and_batched_forms_do_not_leak_into_each_other() {
        // The v3 single-key fields are not written at v4, and the v4 array not at v3.
        let mut both = response(3, false);
        both.coordinators = response(4, false).coordinators;
        let mut bytes = Vec::new();
        both.encode_body(&mut bytes, 3).expect("encode v3");
        let v3 = FindCoordinatorResponse::decode_body(&bytes, 3).expect("decode v3");
        assert!(v3.coordinators.is_empty());
        assert_eq!(v3.host, "broker-1.internal");

        bytes.clear();
        both.encode_body(&mut bytes, 4).expect("encode v4");
        let v4 = FindCoordinatorResponse::decode_body(&bytes, 4).expect("decode v4");
        assert_eq!(v4.coordinators.len(), 2);
        assert_eq!(v4.host, "");
        assert_eq!(v4.node_id, 0);
    }

    #[test]
    fn rejects_unsupported_versions() {
        assert_eq!(
            FindCoordinatorRequest::decode_body(&[0, 0], 7),
            Err(DecodeError::UnsupportedVersion {
                api_key: 10,
                version: 7
            })
        );
        assert_eq!(
            FindCoordinatorResponse::decode_body(&[0, 0], -1),
            Err(DecodeError::UnsupportedVersion {
                api_key: 10,
                version: -1
            })
        );
    }

    #[test]
    fn every_prefix_is_truncated() {
        for version in 0..=6 {
            let bytes = assert_round_trip(&request(version), version);
            assert_prefixes_fail::<FindCoordinatorRequest>(&bytes, version);
            let bytes = assert_round_trip(&response(version, false), version);
            assert_prefixes_fail::<FindCoordinatorResponse>(&bytes, version);
        }
    }
}
