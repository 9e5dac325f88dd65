//! kgate as the SASL server of its clients (GATEWAY_MANAGED): the SaslHandshake and
//! SaslAuthenticate answers, the state of a connection's authentication, and the rules Kafka
//! applies around it.

use std::time::{Duration, Instant, SystemTime};

use codec::api::keys;
use codec::header::{RequestHeader, ResponseHeader};
use codec::messages::sasl_authenticate::{SaslAuthenticateRequest, SaslAuthenticateResponse};
use codec::messages::sasl_handshake::{SaslHandshakeRequest, SaslHandshakeResponse};
use codec::{EncodeError, Message};

/// Kafka's UNSUPPORTED_SASL_MECHANISM.
pub const UNSUPPORTED_SASL_MECHANISM: i16 = 33;
/// Kafka's ILLEGAL_SASL_STATE.
pub const ILLEGAL_SASL_STATE: i16 = 34;
/// Kafka's SASL_AUTHENTICATION_FAILED.
pub const SASL_AUTHENTICATION_FAILED: i16 = 58;
/// Frames before authentication are capped, as Kafka caps them, so that an unauthenticated
/// peer cannot make kgate buffer much.
pub const MAX_UNAUTHENTICATED_FRAME: usize = 512 * 1024;

/// Who a client proved to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The principal name (without Kafka's `User:`).
    pub principal: String,
    /// When the credential stops being valid, if it expires.
    pub expires_at: Option<SystemTime>,
    /// The virtual cluster the credential names (a gateway token's `vcluster` claim).
    pub vcluster: Option<String>,
}

/// Why an attempt failed: the username for the log (never the secret) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFailure {
    /// The username the client claimed, or `unknown`.
    pub username: String,
    /// What was wrong, for the log and the client's error message.
    pub reason: String,
}

/// The mechanisms kgate checks itself.
pub trait Authenticator: Send + Sync + std::fmt::Debug {
    /// The mechanisms offered, in preference order.
    fn mechanisms(&self) -> Vec<&'static str>;

    /// Check one client's credentials (`auth_bytes` of a SaslAuthenticate request).
    fn authenticate(
        &self,
        mechanism: &str,
        auth_bytes: &[u8],
    ) -> Result<Authenticated, AuthFailure>;
}

/// Where a connection stands with authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthState {
    /// Nothing to prove: PLAINTEXT/SSL listeners, or SASL relayed to the cluster.
    Open,
    /// SASL required and not yet done; the mechanism once the handshake chose one.
    Pending {
        /// The mechanism the handshake accepted.
        mechanism: Option<String>,
    },
    /// Authenticated.
    Done {
        /// The principal.
        principal: String,
        /// The mechanism used.
        mechanism: String,
        /// When the session ends unless the client re-authenticates (KIP-368).
        session_end: Option<Instant>,
        /// The mechanism a re-authentication handshake chose.
        reauth_mechanism: Option<String>,
    },
}

impl AuthState {
    /// True when requests other than the SASL ones may pass.
    pub fn is_authenticated(&self) -> bool {
        matches!(self, Self::Open | Self::Done { .. })
    }
}

/// The outcome of a SASL request kgate answers itself.
#[derive(Debug)]
pub enum SaslOutcome {
    /// Send this answer (header included) in turn.
    Answer(Vec<u8>),
    /// Authentication succeeded: send the answer; log and count the principal.
    Success {
        /// The answer.
        answer: Vec<u8>,
        /// Who.
        principal: String,
        /// How.
        mechanism: String,
        /// The virtual cluster the credential names, if it names one.
        vcluster: Option<String>,
    },
    /// Authentication failed: send the answer after the delay, then close.
    Failure {
        /// The answer.
        answer: Vec<u8>,
        /// The claimed username, for the log.
        username: String,
        /// Why, for the log.
        reason: String,
        /// The mechanism tried.
        mechanism: String,
    },
}

fn answer<M: Message>(correlation_id: i32, version: i16, msg: &M) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(msg.encoded_size(version)? + 8);
    let header_version = codec::header::response_header_version(M::API_KEY, version);
    ResponseHeader {
        correlation_id,
        ..ResponseHeader::default()
    }
    .encode(&mut out, header_version)?;
    msg.encode_body(&mut out, version)?;
    Ok(out)
}

/// Answer a SaslHandshake: accept the mechanism if offered, else list what is.
pub fn handshake(
    state: &mut AuthState,
    authenticator: &dyn Authenticator,
    header: &RequestHeader,
    body: &[u8],
) -> Result<SaslOutcome, String> {
    let version = header.api_version;
    if version == 0 {
        // v0 is followed by raw SASL tokens outside Kafka's framing (Kafka before 1.0).
        return Err(
            "SaslHandshake v0 (raw SASL tokens) is not supported: use a client from Kafka 1.0 or later".into(),
        );
    }
    let request = SaslHandshakeRequest::decode_body(body, version)
        .map_err(|e| format!("SaslHandshake: {e}"))?;
    let offered = authenticator.mechanisms();
    let accepted = offered.iter().any(|m| *m == request.mechanism);
    if accepted {
        match state {
            AuthState::Pending { mechanism } => *mechanism = Some(request.mechanism.clone()),
            AuthState::Done {
                reauth_mechanism, ..
            } => *reauth_mechanism = Some(request.mechanism.clone()),
            AuthState::Open => {}
        }
    }
    let msg = SaslHandshakeResponse {
        error_code: if accepted {
            0
        } else {
            UNSUPPORTED_SASL_MECHANISM
        },
        mechanisms: offered.iter().map(|m| (*m).to_owned()).collect(),
    };
    answer(header.correlation_id, version, &msg)
        .map(SaslOutcome::Answer)
        .map_err(|e| e.to_string())
}

/// Answer a SaslAuthenticate: check the credentials, enforce that a re-authentication keeps
/// the principal, and give the session lifetime (v1+): the smaller of the credential's expiry
/// and `max_reauth`.
pub fn authenticate(
    state: &mut AuthState,
    authenticator: &dyn Authenticator,
    max_reauth: Option<Duration>,
    header: &RequestHeader,
    body: &[u8],
) -> Result<SaslOutcome, String> {
    let version = header.api_version;
    let request = SaslAuthenticateRequest::decode_body(body, version)
        .map_err(|e| format!("SaslAuthenticate: {e}"))?;
    let fail = |code: i16,
                mechanism: &str,
                username: String,
                reason: String|
     -> Result<SaslOutcome, String> {
        let msg = SaslAuthenticateResponse {
            error_code: code,
            error_message: Some(format!("Authentication failed: {reason}")),
            ..SaslAuthenticateResponse::default()
        };
        let bytes = answer(header.correlation_id, version, &msg).map_err(|e| e.to_string())?;
        Ok(SaslOutcome::Failure {
            answer: bytes,
            username,
            reason,
            mechanism: mechanism.to_owned(),
        })
    };
    let (mechanism, previous) = match state {
        AuthState::Pending { mechanism: Some(m) } => (m.clone(), None),
        AuthState::Done {
            reauth_mechanism: Some(m),
            principal,
            ..
        } => (m.clone(), Some(principal.clone())),
        _ => {
            return fail(
                ILLEGAL_SASL_STATE,
                "none",
                "unknown".into(),
                "SaslAuthenticate without a SaslHandshake".into(),
            )
        }
    };
    let who = match authenticator.authenticate(&mechanism, &request.auth_bytes) {
        Ok(who) => who,
        Err(failure) => {
            return fail(
                SASL_AUTHENTICATION_FAILED,
                &mechanism,
                failure.username,
                failure.reason,
            )
        }
    };
    if let Some(previous) = previous.filter(|p| *p != who.principal) {
        return fail(
            SASL_AUTHENTICATION_FAILED,
            &mechanism,
            who.principal,
            format!("re-authentication must keep the principal {previous}"),
        );
    }
    let lifetime = session_lifetime(who.expires_at, max_reauth);
    *state = AuthState::Done {
        principal: who.principal.clone(),
        mechanism: mechanism.clone(),
        session_end: lifetime.map(|l| Instant::now() + l),
        reauth_mechanism: None,
    };
    let msg = SaslAuthenticateResponse {
        session_lifetime_ms: lifetime
            .map_or(0, |l| i64::try_from(l.as_millis()).unwrap_or(i64::MAX)),
        ..SaslAuthenticateResponse::default()
    };
    let bytes = answer(header.correlation_id, version, &msg).map_err(|e| e.to_string())?;
    Ok(SaslOutcome::Success {
        answer: bytes,
        principal: who.principal,
        mechanism,
        vcluster: who.vcluster,
    })
}

/// The smaller of the time left on the credential and the re-authentication limit.
fn session_lifetime(
    expires_at: Option<SystemTime>,
    max_reauth: Option<Duration>,
) -> Option<Duration> {
    let left = expires_at.map(|t| {
        t.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    });
    match (left, max_reauth) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// True for the requests allowed before authentication.
pub fn allowed_before_auth(api_key: i16) -> bool {
    matches!(
        api_key,
        keys::API_VERSIONS | keys::SASL_HANDSHAKE | keys::SASL_AUTHENTICATE
    )
}

#[cfg(test)]
#[path = "sasl_server_tests.rs"]
mod tests;
