//! `chaos.SimulateBrokenBrokersPlugin`: `rateInPercent`% of Produce and Fetch requests are
//! answered here, without reaching the broker, with the error `errorMap` names for the API in
//! every partition (see [`super::simulated_errors`]). An acks=0 Produce always passes.

use std::sync::Arc;

use serde_json::Value;

use super::simulated_errors::{answer_with_error, ErrorShare};
use crate::interceptors::plugin::{Env, Plugin};
use crate::interceptors::registry::PluginInfo;
use crate::interceptors::settings::Settings;
use crate::pipeline::filter::{Filter, Notes, RequestCtx, Verdict, Want};

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "chaos.SimulateBrokenBrokersPlugin",
    title: "Broken brokers",
    description: "Answers a share of produce and fetch requests with broker errors, to test \
                  how applications cope.",
    parent: "chaos",
    fields: FIELDS,
    compile,
};

const FIELDS: &[&str] = &["rateInPercent", "errorMap"];

const PRODUCE: i16 = 0;
const FETCH: i16 = 1;

/// The errors a Produce may be answered with, by Kafka's name.
const PRODUCE_ERRORS: &[(&str, i16)] = &[
    ("CORRUPT_MESSAGE", 2),
    ("UNKNOWN_TOPIC_OR_PARTITION", 3),
    ("NOT_LEADER_OR_FOLLOWER", 6),
    ("INVALID_TOPIC_EXCEPTION", 17),
    ("RECORD_LIST_TOO_LARGE", 18),
    ("NOT_ENOUGH_REPLICAS", 19),
    ("NOT_ENOUGH_REPLICAS_AFTER_APPEND", 20),
    ("INVALID_REQUIRED_ACKS", 21),
    ("TOPIC_AUTHORIZATION_FAILED", 29),
    ("UNSUPPORTED_FOR_MESSAGE_FORMAT", 43),
    ("INVALID_PRODUCER_EPOCH", 47),
    ("CLUSTER_AUTHORIZATION_FAILED", 31),
    ("TRANSACTIONAL_ID_AUTHORIZATION_FAILED", 53),
    ("INVALID_RECORD", 87),
];

/// The errors a Fetch may be answered with, by Kafka's name.
const FETCH_ERRORS: &[(&str, i16)] = &[
    ("OFFSET_OUT_OF_RANGE", 1),
    ("TOPIC_AUTHORIZATION_FAILED", 29),
    ("REPLICA_NOT_AVAILABLE", 9),
    ("NOT_LEADER_OR_FOLLOWER", 6),
    ("FENCED_LEADER_EPOCH", 74),
    ("UNKNOWN_LEADER_EPOCH", 75),
    ("UNKNOWN_TOPIC_OR_PARTITION", 3),
    ("KAFKA_STORAGE_ERROR", 56),
    ("UNSUPPORTED_COMPRESSION_TYPE", 76),
    ("CORRUPT_MESSAGE", 2),
    ("UNKNOWN_TOPIC_ID", 100),
    ("FETCH_SESSION_TOPIC_ID_ERROR", 106),
    ("INCONSISTENT_TOPIC_ID", 103),
    ("UNKNOWN_SERVER_ERROR", -1),
];

#[derive(Debug, Clone, Copy)]
struct BrokenBrokers {
    rate: u64,
    produce: (i16, &'static str),
    fetch: (i16, &'static str),
}

fn error(
    map: &mut Option<Settings>,
    key: &str,
    table: &'static [(&'static str, i16)],
    default: &'static str,
) -> Result<(i16, &'static str), String> {
    let given = match map {
        Some(m) => m
            .string(key)
            .map_err(|e| e.to_string())?
            .map(|n| (n, m.field(key))),
        None => None,
    };
    let Some((name, field)) = given else {
        return table
            .iter()
            .find(|(n, _)| *n == default)
            .map(|(n, c)| (*c, *n))
            .ok_or_else(|| format!("no default error {default}"));
    };
    table
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(&name))
        .map(|(n, c)| (*c, *n))
        .ok_or_else(|| {
            let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
            format!(
                "{field}: expected one of {}, got {name:?}",
                names.join(", ")
            )
        })
}

fn compile(config: &Value) -> Result<Arc<dyn Plugin>, String> {
    let mut s = Settings::new(config, FIELDS)?;
    let rate = s.required_int("rateInPercent", 0, 100)?;
    let mut map = s.nested("errorMap", &["PRODUCE", "FETCH"])?;
    let produce = error(&mut map, "PRODUCE", PRODUCE_ERRORS, "CORRUPT_MESSAGE")?;
    let fetch = error(&mut map, "FETCH", FETCH_ERRORS, "UNKNOWN_SERVER_ERROR")?;
    Ok(Arc::new(BrokenBrokers {
        rate: rate.unsigned_abs(),
        produce,
        fetch,
    }))
}

impl Plugin for BrokenBrokers {
    fn filter(&self, env: Env) -> Box<dyn Filter> {
        Box::new(BrokenBrokersFilter {
            config: *self,
            env,
            share: ErrorShare::new(self.rate),
        })
    }
}

#[derive(Debug)]
struct BrokenBrokersFilter {
    config: BrokenBrokers,
    env: Env,
    share: ErrorShare,
}

impl Filter for BrokenBrokersFilter {
    fn name(&self) -> &'static str {
        "SimulateBrokenBrokersPlugin"
    }

    fn wants(&self, api_key: i16, _api_version: i16) -> Want {
        if !self.share.is_off() && (api_key == PRODUCE || api_key == FETCH) {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        let (code, name) = match ctx.api_key {
            PRODUCE => self.config.produce,
            FETCH => self.config.fetch,
            _ => return Verdict::Pass,
        };
        if !self.share.strikes(ctx) {
            return Verdict::Pass;
        }
        let message = format!("Simulated broker error {name}");
        let decisions = &self.env.decisions;
        answer_with_error(
            ctx,
            decisions,
            "simulated broken broker",
            (code, name),
            &message,
        )
    }

    fn wants_answer(&self, _api_key: i16, _api_version: i16, _notes: &Notes) -> bool {
        false
    }
}

#[cfg(test)]
#[path = "simulate_broken_brokers_tests.rs"]
mod tests;
