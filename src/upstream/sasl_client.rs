//! kgate as a SASL client of the brokers: its own credentials (`KAFKA_SASL_*`), and the
//! exchange (SaslHandshake, then one or two SaslAuthenticate) written sans-io, so that the
//! data path's non-blocking connections and the control plane's blocking one share it.

use std::sync::{Arc, RwLock};

use codec::header::{
    request_header_version, response_header_version, RequestHeader, ResponseHeader,
};
use codec::messages::sasl_authenticate::{SaslAuthenticateRequest, SaslAuthenticateResponse};
use codec::messages::sasl_handshake::{SaslHandshakeRequest, SaslHandshakeResponse};
use codec::{Message, Reader};

use crate::auth::jaas;
use crate::auth::plain;
use crate::auth::scram::{ScramClient, ScramMechanism};
use crate::auth::secret::Secret;
use crate::config::{BackendSasl, SaslMechanism};

/// The versions kgate speaks to brokers: SaslHandshake v1 (v0 would send raw tokens), and
/// SaslAuthenticate v1, the first with the session lifetime.
const HANDSHAKE_VERSION: i16 = 1;
const AUTHENTICATE_VERSION: i16 = 1;
/// kgate's own correlation ids on a connection; its exchange ends before any client request is
/// forwarded, so they never meet a client's.
const FIRST_CORRELATION_ID: i32 = -1_000_000;

/// kgate's credentials towards the cluster.
#[derive(Debug)]
pub enum BackendCredentials {
    /// PLAIN or SCRAM: a username and password from `KAFKA_SASL_JAAS_CONFIG`.
    Password {
        /// PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
        mechanism: SaslMechanism,
        /// The username.
        username: String,
        /// The password.
        password: Secret,
    },
    /// OAUTHBEARER: the current token from the client-credentials grant, kept fresh elsewhere.
    OAuthBearer {
        /// The token, once fetched.
        token: RwLock<Option<Secret>>,
    },
}

impl BackendCredentials {
    /// The credentials `KAFKA_SASL_JAAS_CONFIG` holds for `sasl.mechanism`.
    pub fn from_config(sasl: &BackendSasl) -> Result<Self, String> {
        let var = "KAFKA_SASL_JAAS_CONFIG";
        let jaas = jaas::parse(&sasl.jaas_config).map_err(|e| format!("{var}: {e}"))?;
        match sasl.mechanism {
            SaslMechanism::OAuthBearer => Ok(Self::OAuthBearer {
                token: RwLock::new(None),
            }),
            mechanism => Ok(Self::Password {
                mechanism,
                username: jaas.require(var, "username")?.to_owned(),
                password: Secret::from(jaas.require(var, "password")?),
            }),
        }
    }

    /// The mechanism's wire name.
    pub fn mechanism(&self) -> &'static str {
        match self {
            Self::Password { mechanism, .. } => mechanism.name(),
            Self::OAuthBearer { .. } => SaslMechanism::OAuthBearer.name(),
        }
    }
}

/// What to do after a broker's answer.
#[derive(Debug)]
pub enum Step {
    /// Send this frame (size prefix included) and wait for its answer.
    Send(Vec<u8>),
    /// Authenticated; the broker's session lifetime (0: none).
    Done {
        /// Milliseconds until the broker expects re-authentication, or 0.
        session_lifetime_ms: i64,
    },
}

#[derive(Debug)]
enum Stage {
    Handshake,
    First,
    Final,
    /// OAUTHBEARER: the broker answered the token with an error challenge (RFC 7628 3.2.2,
    /// e.g. `{"status":"invalid_token"}`); kgate has sent the `%x01` that ends the exchange and
    /// waits for the broker's failure.
    OAuthError(String),
    Done,
}

/// One authentication exchange with a broker.
#[derive(Debug)]
pub struct SaslExchange {
    creds: Arc<BackendCredentials>,
    stage: Stage,
    scram: Option<ScramClient>,
    next_correlation_id: i32,
}

impl SaslExchange {
    /// Start an exchange; returns it and the first frame to send.
    pub fn start(creds: Arc<BackendCredentials>) -> Result<(Self, Vec<u8>), String> {
        let request = SaslHandshakeRequest {
            mechanism: creds.mechanism().to_owned(),
        };
        let mut exchange = Self {
            creds,
            stage: Stage::Handshake,
            scram: None,
            next_correlation_id: FIRST_CORRELATION_ID,
        };
        let frame = exchange.frame(&request, HANDSHAKE_VERSION)?;
        Ok((exchange, frame))
    }

    /// Feed the broker's answer (a frame body, header included).
    pub fn on_response(&mut self, body: &[u8]) -> Result<Step, String> {
        match self.stage {
            Stage::Handshake => {
                let answer: SaslHandshakeResponse = decode(body, HANDSHAKE_VERSION)?;
                if answer.error_code != 0 {
                    return Err(format!(
                        "the broker refuses SASL mechanism {} (error {}; it offers {})",
                        self.creds.mechanism(),
                        answer.error_code,
                        answer.mechanisms.join(", ")
                    ));
                }
                self.stage = Stage::First;
                let first = self.first_message()?;
                self.authenticate(first)
            }
            Stage::First | Stage::Final | Stage::OAuthError(_) => {
                let answer: SaslAuthenticateResponse = decode(body, AUTHENTICATE_VERSION)?;
                let server_error = match &self.stage {
                    Stage::OAuthError(detail) => Some(detail.clone()),
                    _ => None,
                };
                if answer.error_code != 0 || server_error.is_some() {
                    let message = answer
                        .error_message
                        .unwrap_or_else(|| format!("error {}", answer.error_code));
                    return Err(format!(
                        "the broker refused kgate's credentials ({}): {}",
                        self.creds.mechanism(),
                        match server_error {
                            Some(detail) => format!("{detail} ({message})"),
                            None => message,
                        }
                    ));
                }
                match (&self.stage, self.scram.as_mut()) {
                    (Stage::First, Some(scram)) => {
                        let final_message = scram.handle_server_first(&answer.auth_bytes)?;
                        self.stage = Stage::Final;
                        self.authenticate(final_message.into_bytes())
                    }
                    (Stage::Final, Some(scram)) => {
                        scram.verify_server_final(&answer.auth_bytes)?;
                        self.stage = Stage::Done;
                        Ok(Step::Done {
                            session_lifetime_ms: answer.session_lifetime_ms,
                        })
                    }
                    // OAUTHBEARER succeeds with an empty answer; anything else is the server's
                    // error, which the client acknowledges with a lone %x01 (RFC 7628 3.2.2).
                    (Stage::First, None)
                        if matches!(*self.creds, BackendCredentials::OAuthBearer { .. })
                            && !answer.auth_bytes.is_empty() =>
                    {
                        let detail = String::from_utf8_lossy(&answer.auth_bytes).into_owned();
                        self.stage = Stage::OAuthError(detail);
                        self.authenticate(vec![0x01])
                    }
                    _ => {
                        self.stage = Stage::Done;
                        Ok(Step::Done {
                            session_lifetime_ms: answer.session_lifetime_ms,
                        })
                    }
                }
            }
            Stage::Done => Err("an answer after authentication completed".into()),
        }
    }

    fn first_message(&mut self) -> Result<Vec<u8>, String> {
        match self.creds.as_ref() {
            BackendCredentials::Password {
                mechanism: SaslMechanism::Plain,
                username,
                password,
            } => plain::encode(None, username, password.expose()),
            BackendCredentials::Password {
                mechanism,
                username,
                password,
            } => {
                let scram_mechanism = match mechanism {
                    SaslMechanism::ScramSha512 => ScramMechanism::Sha512,
                    _ => ScramMechanism::Sha256,
                };
                let (client, first) =
                    ScramClient::new(scram_mechanism, username, password.expose())?;
                self.scram = Some(client);
                Ok(first.into_bytes())
            }
            BackendCredentials::OAuthBearer { token } => {
                let guard = token
                    .read()
                    .map_err(|_| "token cache poisoned".to_owned())?;
                let token = guard.as_ref().ok_or("no OAuth token for the cluster yet")?;
                crate::auth::oauthbearer_sasl::build_client_initial(None, token.expose(), &[])
            }
        }
    }

    fn authenticate(&mut self, auth_bytes: Vec<u8>) -> Result<Step, String> {
        let request = SaslAuthenticateRequest {
            auth_bytes,
            ..SaslAuthenticateRequest::default()
        };
        self.frame(&request, AUTHENTICATE_VERSION).map(Step::Send)
    }

    fn frame<M: Message>(&mut self, msg: &M, version: i16) -> Result<Vec<u8>, String> {
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id += 1;
        let header = RequestHeader {
            api_key: M::API_KEY,
            api_version: version,
            correlation_id,
            client_id: Some("kgate".into()),
            ..RequestHeader::default()
        };
        let mut body = Vec::new();
        header
            .encode(&mut body, request_header_version(M::API_KEY, version))
            .map_err(|e| e.to_string())?;
        msg.encode_body(&mut body, version)
            .map_err(|e| e.to_string())?;
        let mut frame = Vec::with_capacity(body.len() + 4);
        codec::frame::encode_frame(&body, &mut frame).map_err(|e| e.to_string())?;
        Ok(frame)
    }
}

fn decode<M: Message>(body: &[u8], version: i16) -> Result<M, String> {
    let mut r = Reader::new(body);
    ResponseHeader::decode(&mut r, response_header_version(M::API_KEY, version))
        .map_err(|e| e.to_string())?;
    M::decode_body_prefix(r.rest(), version)
        .map(|(m, _)| m)
        .map_err(|e| format!("{}: {e}", codec::api::api_name(M::API_KEY)))
}

#[cfg(test)]
#[path = "sasl_client_tests.rs"]
mod tests;
