//! SaslAuthenticate (key 36): the SASL exchange itself, framed as Kafka requests (after a v1
//! SaslHandshake). kgate answers it when it authenticates clients.

use crate::error::{DecodeError, EncodeError};
use crate::message::{Message, Versioned};
use crate::primitives::{Reader, Sink, TaggedFields};

/// The first flexible version of both the request and the response.
const FLEXIBLE_FROM: i16 = 2;

/// SaslAuthenticate request, versions 0-2, flexible from v2.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SaslAuthenticateRequest {
    /// The client's SASL bytes, as the mechanism defines them.
    pub auth_bytes: Vec<u8>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Versioned for SaslAuthenticateRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            auth_bytes: r.bytes(flexible, "auth bytes")?,
            ..Self::default()
        };
        if flexible {
            this.unknown_tagged_fields =
                r.tagged_fields("sasl authenticate request tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_bytes(&self.auth_bytes, flexible, "auth bytes")?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for SaslAuthenticateRequest {
    const API_KEY: i16 = 36;
    const VERSIONS: (i16, i16) = (0, 2);
    const FLEXIBLE_FROM: Option<i16> = Some(FLEXIBLE_FROM);
}

/// SaslAuthenticate response, versions 0-2, flexible from v2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaslAuthenticateResponse {
    /// The error code, or 0.
    pub error_code: i16,
    /// The error message, or null.
    pub error_message: Option<String>,
    /// The server's SASL bytes, as the mechanism defines them.
    pub auth_bytes: Vec<u8>,
    /// Milliseconds after which the client must re-authenticate on this connection, 0 for no
    /// limit (v1+, KIP-368).
    pub session_lifetime_ms: i64,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for SaslAuthenticateResponse {
    fn default() -> Self {
        Self {
            error_code: 0,
            // The schema gives no default, so Kafka's is the empty string, not null.
            error_message: Some(String::new()),
            auth_bytes: Vec::new(),
            session_lifetime_ms: 0,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

impl Versioned for SaslAuthenticateResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            error_code: r.i16("error code")?,
            error_message: r.nullable_string(flexible, "error message")?,
            auth_bytes: r.bytes(flexible, "auth bytes")?,
            ..Self::default()
        };
        if version >= 1 {
            this.session_lifetime_ms = r.i64("session lifetime")?;
        }
        if flexible {
            this.unknown_tagged_fields =
                r.tagged_fields("sasl authenticate response tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_i16(self.error_code);
        w.put_nullable_string(self.error_message.as_deref(), flexible, "error message")?;
        w.put_bytes(&self.auth_bytes, flexible, "auth bytes")?;
        if version >= 1 {
            w.put_i64(self.session_lifetime_ms);
        }
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for SaslAuthenticateResponse {
    const API_KEY: i16 = 36;
    const VERSIONS: (i16, i16) = (0, 2);
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

    fn request(version: i16) -> SaslAuthenticateRequest {
        SaslAuthenticateRequest {
            auth_bytes: b"\0alice\0secret".to_vec(),
            unknown_tagged_fields: unknown_tags_sorted(version >= 2),
        }
    }

    /// A response with every field present at `version` set away from its default; the
    /// nullable error message is null when `null_message` is true.
    fn response(version: i16, null_message: bool) -> SaslAuthenticateResponse {
        SaslAuthenticateResponse {
            error_code: 58,
            error_message: if null_message {
                None
            } else {
                Some("authentication failed".into())
            },
            auth_bytes: b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=".to_vec(),
            session_lifetime_ms: if version >= 1 { 3_600_000 } else { 0 },
            unknown_tagged_fields: unknown_tags_sorted(version >= 2),
        }
    }

    #[test]
    fn round_trips_every_version() {
        for version in 0..=2 {
            assert_round_trip(&request(version), version);
            assert_round_trip(&response(version, false), version);
            assert_round_trip(&response(version, true), version);
        }
    }

    #[test]
    fn agrees_with_the_oracle() {
        for version in 0..=2 {
            if oracle_knows::<oracle::SaslAuthenticateRequest>(version) {
                let bytes = assert_round_trip(&request(version), version);
                assert_oracle_agrees::<oracle::SaslAuthenticateRequest, SaslAuthenticateRequest>(
                    &bytes, version,
                );
            }
            if oracle_knows::<oracle::SaslAuthenticateResponse>(version) {
                for null_message in [false, true] {
                    let bytes = assert_round_trip(&response(version, null_message), version);
                    assert_oracle_agrees::<
                        oracle::SaslAuthenticateResponse,
                        SaslAuthenticateResponse,
                    >(&bytes, version);
                }
            }
        }
    }

    #[test]
    fn auth_bytes_are_not_nullable() {
        // INT32 -1 at v0, compact 0 at v2.
        assert_eq!(
            SaslAuthenticateRequest::decode_body(&[0xff, 0xff, 0xff, 0xff], 0),
            Err(DecodeError::UnexpectedNull {
                context: "auth bytes"
            })
        );
        assert_eq!(
            SaslAuthenticateRequest::decode_body(&[0, 0], 2),
            Err(DecodeError::UnexpectedNull {
                context: "auth bytes"
            })
        );
    }

    #[test]
    fn rejects_unsupported_versions() {
        assert_eq!(
            SaslAuthenticateRequest::decode_body(&[1, 0], 3),
            Err(DecodeError::UnsupportedVersion {
                api_key: 36,
                version: 3
            })
        );
        assert_eq!(
            SaslAuthenticateResponse::decode_body(&[0, 0], -1),
            Err(DecodeError::UnsupportedVersion {
                api_key: 36,
                version: -1
            })
        );
    }

    #[test]
    fn every_prefix_is_truncated() {
        for version in 0..=2 {
            let bytes = assert_round_trip(&request(version), version);
            assert_prefixes_fail::<SaslAuthenticateRequest>(&bytes, version);
            let bytes = assert_round_trip(&response(version, false), version);
            assert_prefixes_fail::<SaslAuthenticateResponse>(&bytes, version);
        }
    }
}
