//! `chaos.SimulateLeaderElectionsErrorsPlugin`: `rateInPercent`% of Produce requests are
//! answered here, without reaching the broker, as if a leader election were under way:
//! LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER or BROKER_NOT_AVAILABLE (picked at random) in
//! every partition (see [`super::simulated_errors`]). The client refreshes its metadata and
//! retries. An acks=0 Produce always passes.

use std::sync::Arc;

use serde_json::Value;

use super::simulated_errors::{answer_with_error, ErrorShare};
use crate::interceptors::plugin::{Env, Plugin};
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
            env,
            share: ErrorShare::new(self.rate),
        })
    }
}

#[derive(Debug)]
struct LeaderElectionsFilter {
    env: Env,
    share: ErrorShare,
}

impl Filter for LeaderElectionsFilter {
    fn name(&self) -> &'static str {
        "SimulateLeaderElectionsErrorsPlugin"
    }

    fn wants(&self, api_key: i16, _api_version: i16) -> Want {
        if !self.share.is_off() && api_key == PRODUCE {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        if ctx.api_key != PRODUCE || !self.share.strikes(ctx) {
            return Verdict::Pass;
        }
        let (name, code) = self.share.pick(&ERRORS);
        let message = format!("Simulated leader election ({name})");
        let decisions = &self.env.decisions;
        answer_with_error(
            ctx,
            decisions,
            "simulated leader election",
            (code, name),
            &message,
        )
    }

    fn wants_answer(&self, _api_key: i16, _api_version: i16, _notes: &Notes) -> bool {
        false
    }
}

#[cfg(test)]
#[path = "simulate_leader_elections_errors_tests.rs"]
mod tests;
