//! `chaos.SimulateLatencyPlugin`: `appliedPercentage`% of requests (every API) are held
//! `latencyMs` before they go on to the broker: a parked request, so the client's later
//! requests wait behind it and keep their order.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::chaos_random::Rng;
use super::throttle::{Held, Hold};
use crate::interceptors::plugin::{Env, Plugin};
use crate::interceptors::registry::PluginInfo;
use crate::interceptors::settings::Settings;
use crate::pipeline::filter::{Filter, Notes, RequestCtx, Verdict, Want};

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "chaos.SimulateLatencyPlugin",
    title: "Latency",
    description: "Adds latency to a share of requests, to test how applications cope.",
    parent: "chaos",
    fields: FIELDS,
    compile,
};

const FIELDS: &[&str] = &["appliedPercentage", "latencyMs"];

/// The longest latency accepted: an hour.
const MAX_LATENCY_MS: i64 = 3_600_000;

#[derive(Debug, Clone, Copy)]
struct Latency {
    percent: u64,
    latency: Duration,
}

fn compile(config: &Value) -> Result<Arc<dyn Plugin>, String> {
    let mut s = Settings::new(config, FIELDS)?;
    let percent = s.required_int("appliedPercentage", 0, 100)?;
    let latency = s.required_int("latencyMs", 0, MAX_LATENCY_MS)?;
    Ok(Arc::new(Latency {
        percent: percent.unsigned_abs(),
        latency: Duration::from_millis(latency.unsigned_abs()),
    }))
}

impl Plugin for Latency {
    fn filter(&self, _env: Env) -> Box<dyn Filter> {
        Box::new(LatencyFilter {
            config: *self,
            rng: Rng::new(),
            hold: Hold::default(),
        })
    }
}

#[derive(Debug)]
struct LatencyFilter {
    config: Latency,
    rng: Rng,
    /// The request being delayed (a parked request comes back to this hook when it wakes).
    hold: Hold,
}

impl Filter for LatencyFilter {
    fn name(&self) -> &'static str {
        "SimulateLatencyPlugin"
    }

    fn wants(&self, _api_key: i16, _api_version: i16) -> Want {
        if self.config.percent > 0 && !self.config.latency.is_zero() {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        match self.hold.check(ctx.now) {
            Held::Wait(v) => v,
            // This request has had its latency.
            Held::Released => Verdict::Pass,
            Held::Free if self.rng.chance(self.config.percent) => {
                self.hold.set(ctx.now + self.config.latency);
                match self.hold.check(ctx.now) {
                    Held::Wait(v) => v,
                    _ => Verdict::Pass,
                }
            }
            Held::Free => Verdict::Pass,
        }
    }

    fn wants_answer(&self, _api_key: i16, _api_version: i16, _notes: &Notes) -> bool {
        false
    }
}

#[cfg(test)]
#[path = "simulate_latency_tests.rs"]
mod tests;
