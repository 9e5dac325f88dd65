//! `chaos.SimulateLeaderElectionsErrorsPlugin`: `rateInPercent`% of Produce requests are
//! answered here, without reaching the broker, as if a leader election were under way:
//! LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER or BROKER_NOT_AVAILABLE (picked at random) in
//! every partition. The client refreshes its metadata and retries; nothing was written. An
//! acks=0 Produce expects no answer and always passes.

use std::sync::Arc;

use serde_json::Value;

use super::chaos_random::Rng;
use super::common;
use super::throttle::is_silent;
use crate::interceptors::plugin::{Env, Plugin};
use crate::interceptors::refusal;
use crate::interceptors::registry::PluginInfo;
use crate::interceptors::settings::Settings;
use crate::pipeline::filter::{Filter, Notes, RequestCtx, Verdict, Want};

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "chaos.SimulateLeaderElectionsErrorsPlugin",
    title: "Leader elections",
    description: "Answers a share of produce requests with leader-election errors, to test how \
                  applications cope.",
    parent: "chaos",
    fields: FIELDS,
    compile,
};

const FIELDS: &[&str] = &["rateInPercent"];

const PRODUCE: i16 = 0;

/// The errors of a leader election, by Kafka's name and code.
const ERRORS: [(&str, i16); 3] = [
    ("LEADER_NOT_AVAILABLE", 5),
    ("NOT_LEADER_OR_FOLLOWER", 6),
    ("BROKER_NOT_AVAILABLE", 8),
];

#[derive(Debug, Clone, Copy)]
struct LeaderElections {
    rate: u64,
}

fn compile(config: &Value) -> Result<Arc<dyn Plugin>, String> {
    let mut s = Settings::new(config, FIELDS)?;
    let rate = s.required_int("rateInPercent", 0, 100)?;
    Ok(Arc::new(LeaderElections {
        rate: rate.unsigned_abs(),
    }))
}

impl Plugin for LeaderElections {
    fn filter(&self, env: Env) -> Box<dyn Filter> {
        Box::new(LeaderElectionsFilter {
            rate: self.rate,
            env,
            rng: Rng::new(),
        })
    }
}

#[derive(Debug)]
struct LeaderElectionsFilter {
    rate: u64,
    env: Env,
    rng: Rng,
}

impl Filter for LeaderElectionsFilter {
    fn name(&self) -> &'static str {
        "SimulateLeaderElectionsErrorsPlugin"
    }

    fn wants(&self, api_key: i16, _api_version: i16) -> Want {
        if self.rate > 0 && api_key == PRODUCE {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        if ctx.api_key != PRODUCE
            || is_silent(ctx.api_key, ctx.api_version, ctx.body)
            || !self.rng.chance(self.rate)
        {
            return Verdict::Pass;
        }
        let pick = self.rng.below(ERRORS.len() as u64) as usize;
        let (name, code) = ERRORS.get(pick).copied().unwrap_or(ERRORS[1]);
        log::debug!(
            "interceptor {}: simulated leader election, Produce from {} answered {name}",
            self.env.decisions.interceptor(),
            ctx.session.source
        );
        let message = format!("Simulated leader election ({name})");
        match refusal::refuse_whole(ctx.api_key, ctx.api_version, ctx.body, code, &message) {
            Ok(body) => Verdict::Answer(body),
            Err(e) => common::failed(ctx, &self.env.decisions, &e),
        }
    }

    fn wants_answer(&self, _api_key: i16, _api_version: i16, _notes: &Notes) -> bool {
        false
    }
}

#[cfg(test)]
#[path = "simulate_leader_elections_errors_tests.rs"]
mod tests;
