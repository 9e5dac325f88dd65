//! SaslHandshake (key 17): the client names its SASL mechanism, which kgate answers itself when
//! it authenticates clients. Never flexible: the version cannot be bumped (KAFKA-9577), so the
//! messages carry no tagged fields.

use crate::error::{DecodeError, EncodeError};
use crate::message::{Message, Versioned};
use crate::primitives::{Reader, Sink};

/// SaslHandshake request, versions 0-1, never flexible.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SaslHandshakeRequest {
    /// The SASL mechanism chosen by the client.
    pub mechanism: String,
}

impl Versioned for SaslHandshakeRequest {
    fn decode(r: &mut Reader<'_>, _version: i16) -> Result<Self, DecodeError> {
        Ok(Self {
            mechanism: r.string(false, "sasl mechanism")?,
        })
    }

    fn encode<S: Sink>(&self, w: &mut S, _version: i16) -> Result<(), EncodeError> {
        w.put_string(&self.mechanism, false, "sasl mechanism")
    }
}

impl Message for SaslHandshakeRequest {
    const API_KEY: i16 = 17;
    const VERSIONS: (i16, i16) = (0, 1);
    const FLEXIBLE_FROM: Option<i16> = None;
}

/// SaslHandshake response, versions 0-1, never flexible.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SaslHandshakeResponse {
    /// The error code, or 0.
    pub error_code: i16,
    /// The mechanisms enabled in the server.
    pub mechanisms: Vec<String>,
}

impl Versioned for SaslHandshakeResponse {
    fn decode(r: &mut Reader<'_>, _version: i16) -> Result<Self, DecodeError> {
        Ok(Self {
            error_code: r.i16("error code")?,
            mechanisms: r.array(false, "sasl mechanisms", |r| {
                r.string(false, "sasl mechanism")
            })?,
        })
    }

    fn encode<S: Sink>(&self, w: &mut S, _version: i16) -> Result<(), EncodeError> {
        w.put_i16(self.error_code);
        w.put_array(&self.mechanisms, false, "sasl mechanisms", |w, m| {
            w.put_string(m, false, "sasl mechanism")
        })
    }
}

impl Message for SaslHandshakeResponse {
    const API_KEY: i16 = 17;
    const VERSIONS: (i16, i16) = (0, 1);
    const FLEXIBLE_FROM: Option<i16> = None;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{
        assert_oracle_agrees, assert_prefixes_fail, assert_round_trip, oracle_knows,
    };
    use kafka_protocol::messages as oracle;

    fn request() -> SaslHandshakeRequest {
        SaslHandshakeRequest {
            mechanism: "SCRAM-SHA-512".into(),
        }
    }

    fn response() -> SaslHandshakeResponse {
        SaslHandshakeResponse {
            error_code: 33,
            mechanisms: vec!["PLAIN".into(), "SCRAM-SHA-256".into(), "OAUTHBEARER".into()],
        }
    }

    #[test]
    fn round_trips_every_version() {
        for version in 0..=1 {
            assert_round_trip(&request(), version);
            assert_round_trip(&response(), version);
        }
    }

    #[test]
    fn agrees_with_the_oracle() {
        for version in 0..=1 {
            if oracle_knows::<oracle::SaslHandshakeRequest>(version) {
                let bytes = assert_round_trip(&request(), version);
                assert_oracle_agrees::<oracle::SaslHandshakeRequest, SaslHandshakeRequest>(
                    &bytes, version,
                );
            }
            if oracle_knows::<oracle::SaslHandshakeResponse>(version) {
                let bytes = assert_round_trip(&response(), version);
                assert_oracle_agrees::<oracle::SaslHandshakeResponse, SaslHandshakeResponse>(
                    &bytes, version,
                );
            }
        }
    }

    #[test]
    fn uses_classic_encodings_at_every_version() {
        // INT16 string length, no tagged-field section.
        let mut bytes = Vec::new();
        SaslHandshakeRequest {
            mechanism: "PLAIN".into(),
        }
        .encode_body(&mut bytes, 1)
        .expect("encode");
        assert_eq!(bytes, b"\x00\x05PLAIN");
        assert_eq!(
            SaslHandshakeRequest::decode_body(b"\xff\xff", 1),
            Err(DecodeError::UnexpectedNull {
                context: "sasl mechanism"
            })
        );
    }

    #[test]
    fn rejects_unsupported_versions() {
        assert_eq!(
            SaslHandshakeRequest::decode_body(b"\x00\x05PLAIN", 2),
            Err(DecodeError::UnsupportedVersion {
                api_key: 17,
                version: 2
            })
        );
        assert_eq!(
            SaslHandshakeResponse::decode_body(&[0, 0, 0, 0, 0, 0], -1),
            Err(DecodeError::UnsupportedVersion {
                api_key: 17,
                version: -1
            })
        );
    }

    #[test]
    fn every_prefix_is_truncated() {
        for version in 0..=1 {
            let bytes = assert_round_trip(&request(), version);
            assert_prefixes_fail::<SaslHandshakeRequest>(&bytes, version);
            let bytes = assert_round_trip(&response(), version);
            assert_prefixes_fail::<SaslHandshakeResponse>(&bytes, version);
        }
    }
}
