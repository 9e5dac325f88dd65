//! `safeguard.ProducerRateLimitingPolicyPlugin`: at most `maximumBytesPerSecond` of Produce
//! requests a second per principal (service account, else principal, else ANONYMOUS), shared by
//! all that principal's connections, with Kafka's quota semantics: nothing is refused. A token
//! bucket holding one second of bytes is charged each request's size; a request that overdraws
//! it passes, its answer's `ThrottleTimeMs` is raised to the time the debt takes to pay back
//! (at most 30 s), and the connection's next request is held that long, so clients ignoring
//! the throttle time are slowed too. BLOCK throttles (the reference's meaning); INFO only logs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::throttle::{millis, Throttling, MAX_DELAY};
use crate::interceptors::plugin::{policy_message, Action, Env, Plugin};
use crate::interceptors::registry::PluginInfo;
use crate::interceptors::settings::Settings;
use crate::pipeline::filter::{Filter, Notes, RequestCtx, ResponseCtx, Verdict, Want};

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "safeguard.ProducerRateLimitingPolicyPlugin",
    title: "Producer rate limiting",
    description: "Limits how many bytes a second each principal may produce: faster producers \
                  are throttled as a Kafka quota would.",
    parent: "safeguard",
    fields: FIELDS,
    compile,
};

const FIELDS: &[&str] = &["maximumBytesPerSecond", "action"];

const PRODUCE: i16 = 0;

/// Past this many principals, idle buckets are swept.
const SWEEP_AT: usize = 1024;

/// One principal's credit, in bytes (negative: debt).
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug)]
struct Shared {
    /// Bytes a second.
    rate: f64,
    max: u64,
    action: Action,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Shared {
    /// Charges `user` `bytes` at `now`; how long the debt takes to pay back (zero: none).
    fn charge(&self, user: &str, bytes: usize, now: Instant) -> Duration {
        let (rate, burst) = (self.rate, self.rate);
        let floor = -rate * MAX_DELAY.as_secs_f64();
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= SWEEP_AT && !map.contains_key(user) {
            map.retain(|_, b| refill(b, now, rate, burst) < burst);
        }
        let b = map.entry(user.to_owned()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        b.tokens = (refill(b, now, rate, burst) - bytes as f64).max(floor);
        b.at = now;
        if b.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-b.tokens / rate).min(MAX_DELAY)
        }
    }
}

/// The bucket's credit at `now`.
fn refill(b: &Bucket, now: Instant, rate: f64, burst: f64) -> f64 {
    let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
    (b.tokens + elapsed * rate).min(burst)
}

#[derive(Debug)]
struct ProducerRate {
    shared: Arc<Shared>,
}

fn compile(config: &Value) -> Result<Arc<dyn Plugin>, String> {
    let mut s = Settings::new(config, FIELDS)?;
    let max = s.required_int("maximumBytesPerSecond", 1, i64::MAX)?;
    let action = s.action(&[Action::Block, Action::Info], Action::Block)?;
    Ok(Arc::new(ProducerRate {
        shared: Arc::new(Shared {
            rate: max as f64,
            max: max.unsigned_abs(),
            action,
            buckets: Mutex::new(HashMap::new()),
        }),
    }))
}

impl Plugin for ProducerRate {
    fn filter(&self, env: Env) -> Box<dyn Filter> {
        Box::new(ProducerRateFilter {
            shared: Arc::clone(&self.shared),
            env,
            throttling: Throttling::new(),
        })
    }
}

#[derive(Debug)]
struct ProducerRateFilter {
    shared: Arc<Shared>,
    env: Env,
    throttling: Throttling,
}

impl Filter for ProducerRateFilter {
    fn name(&self) -> &'static str {
        "ProducerRateLimitingPolicyPlugin"
    }

    fn wants(&self, api_key: i16, _api_version: i16) -> Want {
        self.throttling.wants(api_key == PRODUCE)
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        if let Some(v) = self.throttling.held(ctx.now) {
            return v;
        }
        if ctx.api_key != PRODUCE {
            return Verdict::Pass;
        }
        let session = ctx.session;
        let user = session
            .service_account
            .as_deref()
            .or(session.principal.as_deref())
            .unwrap_or("ANONYMOUS");
        let bytes = ctx.body.len();
        let delay = self.shared.charge(user, bytes, ctx.now);
        if delay.is_zero() {
            return Verdict::Pass;
        }
        let ms = millis(delay);
        let message = policy_message(&[format!(
            "Client produced ({bytes}) bytes, which is more than {} bytes per second, producer \
             will be throttled by {ms} milliseconds",
            self.shared.max
        )]);
        match self.shared.action {
            Action::Info => self
                .env
                .decisions
                .record(session, Action::Info, None, &message),
            _ => {
                self.env
                    .decisions
                    .record(session, Action::Throttle, None, &message);
                self.throttling.throttle(ctx.notes, ctx.now, delay);
            }
        }
        Verdict::Pass
    }

    fn wants_answer(&self, _api_key: i16, _api_version: i16, notes: &Notes) -> bool {
        self.throttling.wants_answer(notes)
    }

    fn on_response(&mut self, ctx: &mut ResponseCtx<'_>) -> Verdict {
        self.throttling.on_response(ctx, &self.env.decisions)
    }
}

#[cfg(test)]
#[path = "producer_rate_limiting_policy_tests.rs"]
mod tests;
