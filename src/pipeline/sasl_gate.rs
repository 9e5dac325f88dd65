//! The SASL stage: before authentication only ApiVersions and SASL requests pass. With
//! GATEWAY_MANAGED SASL kgate answers the exchange itself; a failed attempt is answered after
//! the configured delay (a parked answer) and the connection closes. With KAFKA_MANAGED SASL the
//! exchange goes to the broker and kgate learns from the answers who the client is.

use std::time::Instant;

use codec::api::{api_name, keys};
use codec::header::RequestHeader;
use codec::messages::sasl_authenticate::SaslAuthenticateRequest;
use codec::messages::sasl_handshake::SaslHandshakeRequest;
use codec::Message;

use super::inflight::{Handling, Wake};
use super::Pipeline;
use crate::config::SecurityMode;
use crate::proxy::connection::Close;
use crate::proxy::sasl_server::{self, allowed_before_auth, AuthState, SaslOutcome};
use crate::proxy::shared::Shared;

/// What the SASL stage did with a request.
pub(super) enum Gate {
    /// Answered (or failed) here; the request goes no further.
    Handled,
    /// Goes on; with the answer handling replacing the usual one, if any.
    Pass(Option<Handling>),
}

/// What kgate sees of a client's SASL exchange relayed to the broker (KAFKA_MANAGED).
#[derive(Debug, Default)]
pub(super) struct DelegatedSasl {
    mechanism: Option<String>,
    username: Option<String>,
    steps: u32,
}

/// Where a new connection starts: open, unless kgate checks SASL itself.
pub(super) fn initial_state(shared: &Shared) -> AuthState {
    match shared.sasl.as_ref().map(|s| s.mode) {
        Some(SecurityMode::GatewayManaged) => AuthState::Pending { mechanism: None },
        _ => AuthState::Open,
    }
}

impl Pipeline {
    /// Apply the SASL rules to one request (frame body: header and message).
    pub(super) fn sasl_gate(
        &mut self,
        api_key: i16,
        body: &[u8],
        now: Instant,
    ) -> Result<Gate, Close> {
        let Some(sasl) = self.shared.sasl.as_ref() else {
            return Ok(Gate::Pass(None));
        };
        let mode = sasl.mode;
        let is_sasl = api_key == keys::SASL_HANDSHAKE || api_key == keys::SASL_AUTHENTICATE;
        if !is_sasl {
            if mode == SecurityMode::GatewayManaged
                && !self.auth.is_authenticated()
                && !allowed_before_auth(api_key)
                && !self.serve_anonymously()
            {
                return Err(Close::Authentication(format!(
                    "{} request before authentication",
                    api_name(api_key)
                )));
            }
            return Ok(Gate::Pass(None));
        }
        let (header, message) = RequestHeader::decode_from(body)
            .map_err(|e| Close::BadRequest(format!("{}: {e}", api_name(api_key))))?;
        match mode {
            SecurityMode::GatewayManaged => self.answer_sasl(&header, message.rest(), now),
            SecurityMode::KafkaManaged => Ok(self.watch_delegated(&header, message.rest())),
        }
    }

    /// GATEWAY_ALLOW_ANONYMOUS: a client that goes on without starting SASL is served as
    /// User:ANONYMOUS (reference 003: one listener for anonymous and authenticated clients).
    fn serve_anonymously(&mut self) -> bool {
        let allowed = self
            .shared
            .tenancy
            .as_ref()
            .is_some_and(|t| t.config.allow_anonymous);
        if !allowed || self.auth != (AuthState::Pending { mechanism: None }) {
            return false;
        }
        log::info!(
            "connection from {}: no SASL handshake, served as User:{}",
            self.session.source,
            crate::vcluster::runtime::ANONYMOUS
        );
        self.auth = AuthState::Done {
            principal: crate::vcluster::runtime::ANONYMOUS.to_owned(),
            mechanism: "ANONYMOUS".to_owned(),
            session_end: None,
            reauth_mechanism: None,
        };
        self.session.principal = Some(crate::vcluster::runtime::ANONYMOUS.to_owned());
        true
    }

    fn answer_sasl(
        &mut self,
        header: &RequestHeader,
        body: &[u8],
        now: Instant,
    ) -> Result<Gate, Close> {
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
        let (id, key, version) = (header.correlation_id, header.api_key, header.api_version);
        match outcome {
            SaslOutcome::Answer(answer) => self.answer_locally(id, key, version, answer),
            SaslOutcome::Success {
                answer,
                principal,
                mechanism,
                vcluster,
            } => {
                self.answer_locally(id, key, version, answer);
                self.shared.metrics.authentication(&mechanism, true);
                log::info!(
                    "connection from {}: authenticated as User:{principal} ({mechanism})",
                    self.session.source
                );
                self.session.service_account = vcluster.is_some().then(|| principal.clone());
                if let Some(vcluster) = vcluster {
                    self.session.vcluster = vcluster;
                }
                self.session.principal = Some(principal);
            }
            SaslOutcome::Failure {
                answer,
                username,
                reason,
                mechanism,
            } => {
                self.shared.metrics.authentication(&mechanism, false);
                log::warn!(
                    "connection from {}: authentication failed for {username} ({mechanism}): {reason}",
                    self.session.source
                );
                // The answer waits out the delay (slowing down guessing); nothing more is taken.
                let seq = self.table.open_slot(id, key, version);
                let delay = Wake::At(now + sasl.failed_auth_delay);
                self.table.answer(seq, answer, Some(delay));
                if let Some(slot) = self.table.slot_mut(seq) {
                    slot.close_after = Some(reason);
                }
                self.refusing = true;
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
        Gate::Pass(Some(Handling::WatchSaslAuthenticate))
    }

    /// The broker's answer (frame body) to a relayed SaslAuthenticate.
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
                    self.session.source,
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
                    self.session.source
                );
                self.session.principal = Some(user);
            }
        }
    }

    /// A SASL session that was not renewed in time ends the connection (KIP-368).
    pub(super) fn check_session_end(&self, now: Instant) -> Result<(), Close> {
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
        Ok(())
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
#[path = "sasl_gate_tests.rs"]
mod tests;
