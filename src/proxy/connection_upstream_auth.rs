//! kgate's own SASL authentication to the broker, before any client request is sent and again
//! before the broker's session ends (KIP-368), and the connection's timers.

use std::time::{Duration, Instant};

use super::{Close, Connection};
use crate::pipeline::Outbox;
use crate::proxy::upstream::UpstreamAuth;
use crate::upstream::sasl_client::{SaslExchange, Step};

impl Connection {
    /// Timers: parked answers and requests whose time has come, the client's SASL session end,
    /// and kgate's re-authentication to the broker. Returns true when there is work for the
    /// pump.
    pub fn on_tick(&mut self, now: Instant) -> Result<bool, Close> {
        let before = self.client_out.len() + self.upstream_out.len();
        let mut out = Outbox {
            to_client: &mut self.client_out,
            to_upstream: &mut self.upstream_out,
        };
        self.pipeline.on_tick(&mut out, now)?;
        let mut queued =
            self.client_out.len() + self.upstream_out.len() != before || self.pipeline.closing();
        if let Some(up) = self.upstream.as_mut() {
            if matches!(up.auth, UpstreamAuth::Done) && up.reauth_at.is_some_and(|t| now >= t) {
                up.auth = UpstreamAuth::ReauthDue;
                up.reauth_at = None;
                queued = true;
            }
        }
        Ok(queued)
    }

    /// Start kgate's own authentication once the broker connection is up.
    pub(super) fn start_upstream_auth(&mut self) -> Result<(), Close> {
        // Every request sent has its answer: nothing queued, in flight or half read.
        let drained = !self.pipeline.awaiting_upstream()
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
