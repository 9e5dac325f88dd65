//! SASL on one connection: the gate before authentication, the answers kgate gives itself
//! (GATEWAY_MANAGED), watching a relayed exchange (KAFKA_MANAGED), and kgate's own
//! authentication to the broker before any client request is sent.

use std::time::{Duration, Instant};

use codec::api::{api_name, keys};
use codec::header::RequestHeader;
use codec::messages::sasl_authenticate::SaslAuthenticateRequest;
use codec::messages::sasl_handshake::SaslHandshakeRequest;
use codec::Message;

use super::{Close, Connection};
use crate::config::SecurityMode;
use crate::proxy::inflight::{Action, InFlight};
use crate::proxy::sasl_server::{self, allowed_before_auth, AuthState, SaslOutcome};
use crate::proxy::upstream::UpstreamAuth;
use crate::upstream::sasl_client::{SaslExchange, Step};

/// What the SASL layer did with a request.
pub(super) enum Gate {
    /// Answered (or failed) here; the request goes no further.
    Handled,
    /// Goes on to the broker; with an action replacing the usual one, if any.
    Pass(Option<Action>),
}

impl Connection {
    /// Apply the SASL rules to the request in the first `len` bytes of the client queue.
    pub(super) fn sasl_gate(&mut self, api_key: i16, len: usize) -> Result<Gate, Close> {
        let Some(sasl) = self.shared.sasl.as_ref() else {
            return Ok(Gate::Pass(None));
        };
        let mode = sasl.mode;
        let is_sasl = api_key == keys::SASL_HANDSHAKE || api_key == keys::SASL_AUTHENTICATE;
        if !is_sasl {
            if mode == SecurityMode::GatewayManaged
                && !self.auth.is_authenticated()
                && !allowed_before_auth(api_key)
            {
                return Err(Close::Authentication(format!(
                    "{} request before authentication",
                    api_name(api_key)
                )));
            }
            return Ok(Gate::Pass(None));
        }
        // SASL frames are small and rare: a copy frees the client queue for the state changes.
        let frame = self
            .client_in
            .as_slice()
            .get(4..len)
            .unwrap_or_default()
            .to_vec();
        let (header, body) = RequestHeader::decode_from(&frame)
            .map_err(|e| Close::BadRequest(format!("{}: {e}", api_name(api_key))))?;
        match mode {
            SecurityMode::GatewayManaged => self.answer_sasl(&header, body.rest()),
            SecurityMode::KafkaManaged => Ok(self.watch_delegated(&header, body.rest())),
        }
    }

    fn answer_sasl(&mut self, header: &RequestHeader, body: &[u8]) -> Result<Gate, Close> {
        let shared = std::sync::Arc::clone(&self.shared);
        let Some(sasl) = shared.sasl.as_ref() else {
            return Ok(Gate::Handled);
        };
        let outcome = if header.api_key == keys::SASL_HANDSHAKE {
            sasl_server::handshake(&mut self.auth, sasl.authenticator.as_ref(), header, body)
        } else {
            sasl_server::authenticate(
                &mut self.auth,
                sasl.authenticator.as_ref(),
                sasl.max_reauth,
                header,
                body,
            )
        }
        .map_err(Close::BadRequest)?;
        let local = |answer: Vec<u8>| InFlight {
            correlation_id: header.correlation_id,
            api_key: header.api_key,
            api_version: header.api_version,
            action: Action::Local(answer),
        };
        match outcome {
            SaslOutcome::Answer(answer) => self.inflight.push(local(answer)),
            SaslOutcome::Success {
                answer,
                principal,
                mechanism,
            } => {
                self.inflight.push(local(answer));
                self.shared.metrics.authentication(&mechanism, true);
                log::info!(
                    "connection from {}: authenticated as User:{principal} ({mechanism})",
                    self.peer
                );
                self.principal = Some(principal);
            }
            SaslOutcome::Failure {
                answer,
                username,
                reason,
                mechanism,
            } => {
                self.shared.metrics.authentication(&mechanism, false);
                log::warn!("connection from {}: authentication failed for {username} ({mechanism}): {reason}", self.peer);
                self.pending_failure =
                    Some((Instant::now() + sasl.failed_auth_delay, answer, reason));
            }
        }
        Ok(Gate::Handled)
    }

    /// KAFKA_MANAGED: the exchange goes to the broker; kgate notes who the client claims to be
    /// and learns from the broker's answer whether it is so.
    fn watch_delegated(&mut self, header: &RequestHeader, body: &[u8]) -> Gate {
        if header.api_key == keys::SASL_HANDSHAKE {
            if let Ok(request) = SaslHandshakeRequest::decode_body(body, header.api_version) {
                self.delegated.mechanism = Some(request.mechanism);
                self.delegated.steps = 0;
            }
            return Gate::Pass(None);
        }
        if let Ok(request) = SaslAuthenticateRequest::decode_body(body, header.api_version) {
            let mechanism = self.delegated.mechanism.as_deref().unwrap_or_default();
            if let Some(user) = claimed_username(mechanism, &request.auth_bytes) {
                self.delegated.username = Some(user);
            }
        }
        Gate::Pass(Some(Action::WatchSaslAuthenticate))
    }

    /// The broker's answer to a relayed SaslAuthenticate.
    pub(super) fn delegated_answer(&mut self, api_version: i16, body: &[u8]) {
        let Ok((_, answer)) =
            codec::messages::decode_response_frame(keys::SASL_AUTHENTICATE, api_version, body)
        else {
            return;
        };
        let codec::messages::AnyResponse::SaslAuthenticate(answer) = answer else {
            return;
        };
        let mechanism = self
            .delegated
            .mechanism
            .clone()
            .unwrap_or_else(|| "unknown".into());
        let user = self
            .delegated
            .username
            .clone()
            .unwrap_or_else(|| "unknown".into());
        self.delegated.steps += 1;
        match delegated_step(
            &mechanism,
            self.delegated.steps,
            answer.error_code,
            &answer.auth_bytes,
        ) {
            DelegatedStep::Continue => {}
            DelegatedStep::Failed => {
                self.shared.metrics.authentication(&mechanism, false);
                log::warn!(
                    "connection from {}: authentication failed for {user} ({mechanism}, delegated): {}",
                    self.peer,
                    answer
                        .error_message
                        .as_deref()
                        .unwrap_or("refused by the cluster")
                );
            }
            DelegatedStep::Authenticated => {
                self.shared.metrics.authentication(&mechanism, true);
                log::info!(
                    "connection from {}: authenticated as User:{user} ({mechanism}, delegated)",
                    self.peer
                );
                self.principal = Some(user);
            }
        }
    }

    /// Timers: a failed attempt's answer once its delay has passed, and session expiry.
    /// Returns true when bytes were queued for the client (the caller pumps).
    pub fn on_tick(&mut self, now: Instant) -> Result<bool, Close> {
        let mut queued = false;
        if self
            .pending_failure
            .as_ref()
            .is_some_and(|(when, _, _)| now >= *when)
            && self.inflight.is_empty()
        {
            if let Some((_, answer, reason)) = self.pending_failure.take() {
                // A SaslAuthenticate error answer is small: it always fits a frame.
                let _ = self.client_out.push_frame(&answer);
                self.shared.metrics.response(
                    keys::SASL_AUTHENTICATE,
                    answer.len() + codec::frame::SIZE_PREFIX,
                );
                self.close_when_flushed = Some(reason);
                queued = true;
            }
        }
        if let Some(up) = self.upstream.as_mut() {
            if matches!(up.auth, UpstreamAuth::Done) && up.reauth_at.is_some_and(|t| now >= t) {
                up.auth = UpstreamAuth::ReauthDue;
                up.reauth_at = None;
                queued = true;
            }
        }
        if let AuthState::Done {
            session_end: Some(end),
            ..
        } = &self.auth
        {
            if now >= *end {
                return Err(Close::Authentication(
                    "session expired: the client did not re-authenticate in time".into(),
                ));
            }
        }
        Ok(queued)
    }

    /// Start kgate's own authentication once the broker connection is up.
    pub(super) fn start_upstream_auth(&mut self) -> Result<(), Close> {
        // Every request sent has its answer: nothing queued, in flight or half read.
        let drained = self.inflight.is_empty()
            && self.upstream_out.is_empty()
            && self.upstream_in.is_empty()
            && self.passthrough_left == 0;
        let Some(up) = self.upstream.as_mut() else {
            return Ok(());
        };
        let due = match up.auth {
            UpstreamAuth::NotStarted => true,
            // Re-authentication must not interleave with answers to client requests.
            UpstreamAuth::ReauthDue => drained,
            _ => false,
        };
        if !up.connected || !due {
            return Ok(());
        }
        let Some(creds) = self.shared.backend_sasl.clone() else {
            up.auth = UpstreamAuth::Done;
            return Ok(());
        };
        if matches!(up.auth, UpstreamAuth::ReauthDue) {
            log::info!(
                "re-authenticating to the broker at {} before its session ends (KIP-368)",
                up.addr
            );
        }
        let (exchange, frame) = SaslExchange::start(creds).map_err(Close::UpstreamAuth)?;
        up.auth_out.extend(&frame);
        up.auth = UpstreamAuth::InProgress(exchange);
        Ok(())
    }

    /// Feed the broker's answers to kgate's own exchange; true once it is done.
    pub(super) fn upstream_auth_step(&mut self) -> Result<bool, Close> {
        loop {
            let Some(up) = self.upstream.as_mut() else {
                return Ok(false);
            };
            let UpstreamAuth::InProgress(exchange) = &mut up.auth else {
                return Ok(true);
            };
            let frame = match codec::frame::split_frame(self.upstream_in.as_slice(), 1024 * 1024) {
                Ok(codec::Status::Complete(frame)) => frame,
                Ok(codec::Status::Partial { .. }) => return Ok(false),
                Err(e) => return Err(Close::UpstreamAuth(format!("answer frame: {e}"))),
            };
            let len = frame.len;
            let step = exchange
                .on_response(frame.body)
                .map_err(Close::UpstreamAuth)?;
            self.upstream_in.consume(len);
            match step {
                Step::Send(next) => up.auth_out.extend(&next),
                Step::Done {
                    session_lifetime_ms,
                } => {
                    // As Kafka's clients do, renew well before the broker's deadline.
                    let renew_after = u64::try_from(session_lifetime_ms).unwrap_or(0) * 85 / 100;
                    up.reauth_at = (renew_after > 0)
                        .then(|| Instant::now() + Duration::from_millis(renew_after));
                    if up.authenticated_before {
                        log::info!("re-authenticated to the broker at {} (KIP-368)", up.addr);
                    }
                    up.authenticated_before = true;
                    up.auth = UpstreamAuth::Done;
                }
            }
        }
    }
}

/// What the broker's answer to a relayed SaslAuthenticate means.
#[derive(Debug, PartialEq, Eq)]
enum DelegatedStep {
    /// The exchange goes on (SCRAM's server-first message, an OAUTHBEARER error challenge).
    Continue,
    /// The broker refused the client.
    Failed,
    /// The broker accepted the client.
    Authenticated,
}

/// The meaning of the broker's `step`-th answer (from 1) in a relayed exchange.
fn delegated_step(mechanism: &str, step: u32, error_code: i16, auth_bytes: &[u8]) -> DelegatedStep {
    if error_code != 0 {
        return DelegatedStep::Failed;
    }
    if mechanism == "OAUTHBEARER" && !auth_bytes.is_empty() {
        // Kafka accepts a token with an empty answer; a non-empty one is its JSON error
        // (RFC 7628 3.2.2): the client answers %x01 and the broker then fails the exchange.
        return DelegatedStep::Continue;
    }
    // SCRAM succeeds on its second round; the other mechanisms on their first.
    let rounds = if mechanism.starts_with("SCRAM-") {
        2
    } else {
        1
    };
    if step == rounds {
        DelegatedStep::Authenticated
    } else {
        DelegatedStep::Continue
    }
}

/// The username a client claims in its first SASL message, for logs and (later) ACLs. Never
/// the secret: only the identity part is parsed.
fn claimed_username(mechanism: &str, auth_bytes: &[u8]) -> Option<String> {
    match mechanism {
        "PLAIN" => crate::auth::plain::parse(auth_bytes)
            .ok()
            .map(|c| c.username),
        m if m.starts_with("SCRAM-") => crate::auth::scram::scram_username(auth_bytes).ok(),
        "OAUTHBEARER" => {
            let initial = crate::auth::oauthbearer_sasl::parse_client_initial(auth_bytes).ok()?;
            let jws = crate::auth::jws::parse(&initial.token).ok()?;
            let claims: serde_json::Value = serde_json::from_slice(&jws.payload).ok()?;
            claims
                .get("sub")
                .and_then(|s| s.as_str())
                .map(str::to_owned)
        }
        _ => None,
    }
}

#[cfg(test)]
#[path = "connection_sasl_tests.rs"]
mod tests;
