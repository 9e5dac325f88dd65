//! `safeguard.LimitConnectionPolicyPlugin`: at most `maximumConnectionsPerSecond` new
//! connections a second, counted over every connection the interceptor applies to (a fixed
//! one-second window; refused attempts count too). A connection is counted at its first
//! request that reaches the interceptors (ApiVersions and the SASL exchange are answered
//! before them). Over the limit: BLOCK answers that request with POLICY_VIOLATION (or closes
//! the connection when its answer cannot carry an error, or it is an acks=0 Produce), THROTTLE
//! holds it `throttleTimeMs`, INFO logs it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::common;
use super::throttle::{is_silent, Window};
use crate::interceptors::plugin::{policy_message, Action, Env, Plugin, POLICY_VIOLATION};
use crate::interceptors::refusal;
use crate::interceptors::registry::PluginInfo;
use crate::interceptors::settings::Settings;
use crate::pipeline::filter::{Filter, Notes, RequestCtx, Verdict, Want};
use crate::pipeline::inflight::Wake;

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "safeguard.LimitConnectionPolicyPlugin",
    title: "Limit connections",
    description: "Limits how many new connections a second the gateway accepts: over the \
                  limit, a connection's first request is refused, held, or logged.",
    parent: "safeguard",
    fields: FIELDS,
    compile,
};

const FIELDS: &[&str] = &["maximumConnectionsPerSecond", "action", "throttleTimeMs"];

#[derive(Debug)]
struct Shared {
    max: u64,
    action: Action,
    throttle: Duration,
    window: Mutex<Option<Window>>,
}

impl Shared {
    fn hit(&self, now: Instant) -> u64 {
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        w.get_or_insert_with(|| Window::new(now, Duration::from_secs(1)))
            .hit(now)
    }
}

#[derive(Debug)]
struct LimitConnection {
    shared: Arc<Shared>,
}

fn compile(config: &Value) -> Result<Arc<dyn Plugin>, String> {
    let mut s = Settings::new(config, FIELDS)?;
    let max = s.required_int("maximumConnectionsPerSecond", 1, i64::from(i32::MAX))?;
    let action = s.action(
        &[Action::Block, Action::Info, Action::Throttle],
        Action::Block,
    )?;
    let throttle = s.bounded_int("throttleTimeMs", 0, 300_000)?.unwrap_or(100);
    Ok(Arc::new(LimitConnection {
        shared: Arc::new(Shared {
            max: max.unsigned_abs(),
            action,
            throttle: Duration::from_millis(throttle.unsigned_abs()),
            window: Mutex::new(None),
        }),
    }))
}

impl Plugin for LimitConnection {
    fn filter(&self, env: Env) -> Box<dyn Filter> {
        let stage = if env.new_connection {
            Stage::Judge
        } else {
            Stage::Done
        };
        Box::new(LimitConnectionFilter {
            shared: Arc::clone(&self.shared),
            env,
            stage,
        })
    }
}

/// Where a connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Its first request is yet to come: it is counted then.
    Judge,
    /// Its first request waits until then.
    Held(Instant),
    /// Judged: the filter sees nothing more.
    Done,
}

#[derive(Debug)]
struct LimitConnectionFilter {
    shared: Arc<Shared>,
    env: Env,
    stage: Stage,
}

impl Filter for LimitConnectionFilter {
    fn name(&self) -> &'static str {
        "LimitConnectionPolicyPlugin"
    }

    fn wants(&self, _api_key: i16, _api_version: i16) -> Want {
        if self.stage == Stage::Done {
            Want::Nothing
        } else {
            Want::Message
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        match self.stage {
            Stage::Done => return Verdict::Pass,
            Stage::Held(t) if ctx.now < t => return Verdict::Park(Wake::At(t)),
            Stage::Held(_) => {
                self.stage = Stage::Done;
                return Verdict::Pass;
            }
            Stage::Judge => {}
        }
        self.stage = Stage::Done;
        let shared = &self.shared;
        let count = shared.hit(ctx.now);
        if count <= shared.max {
            return Verdict::Pass;
        }
        let violation = format!(
            "Connection rate exceeded: {count} new connections within a second, more than \
             maximumConnectionsPerSecond {}",
            shared.max
        );
        let decisions = &self.env.decisions;
        common::report(
            ctx,
            decisions,
            shared.action,
            None,
            std::slice::from_ref(&violation),
        );
        match shared.action {
            Action::Throttle => {
                let until = ctx.now + shared.throttle;
                self.stage = Stage::Held(until);
                Verdict::Park(Wake::At(until))
            }
            Action::Block => {
                let message = policy_message(&[violation]);
                if is_silent(ctx.api_key, ctx.api_version, ctx.body) {
                    return Verdict::Close(message);
                }
                match refusal::refuse_whole(
                    ctx.api_key,
                    ctx.api_version,
                    ctx.body,
                    POLICY_VIOLATION,
                    &message,
                ) {
                    Ok(body) => Verdict::Answer(body),
                    Err(_) => Verdict::Close(message),
                }
            }
            Action::Info | Action::Override => Verdict::Pass,
        }
    }

    fn wants_answer(&self, _api_key: i16, _api_version: i16, _notes: &Notes) -> bool {
        false
    }
}

#[cfg(test)]
#[path = "limit_connection_policy_tests.rs"]
mod tests;
