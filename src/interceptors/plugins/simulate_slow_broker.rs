//! `chaos.SimulateSlowBrokerPlugin`: the broker's answers to `rateInPercent`% of Produce and
//! Fetch requests are held a random time in `minLatencyMs..=maxLatencyMs` (a parked answer; the
//! answers after it wait behind it). An acks=0 Produce has no answer: the request itself is
//! held instead. `chaos.SimulateSlowProducersConsumersPlugin` is the same, for requests naming
//! a topic that matches its `topic`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::chaos_random::Rng;
use super::common;
use super::throttle::{
    filter_id, is_silent, note_ms, noted_ms, read_request, Held, Hold, DELAY_NOTE,
};
use crate::interceptors::plugin::{Env, Plugin};
use crate::interceptors::registry::PluginInfo;
use crate::interceptors::settings::{Pattern, Settings};
use crate::pipeline::filter::{Filter, Notes, RequestCtx, ResponseCtx, Verdict, Want};
use crate::pipeline::inflight::Wake;

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "chaos.SimulateSlowBrokerPlugin",
    title: "Slow broker",
    description: "Delays the broker's answers to a share of produce and fetch requests by a \
                  random time, to test how applications cope.",
    parent: "chaos",
    fields: FIELDS,
    compile,
};

const FIELDS: &[&str] = &["rateInPercent", "minLatencyMs", "maxLatencyMs"];

const PRODUCE: i16 = 0;
const FETCH: i16 = 1;

/// The longest latency accepted: an hour.
const MAX_LATENCY_MS: i64 = 3_600_000;

#[derive(Debug)]
struct Slow {
    name: &'static str,
    /// Only requests naming a matching topic (None: every request).
    topic: Option<Pattern>,
    rate: u64,
    min: u64,
    max: u64,
}

fn compile(config: &Value) -> Result<Arc<dyn Plugin>, String> {
    compile_with(config, FIELDS, "SimulateSlowBrokerPlugin")
}

/// Checks and builds a slow-answers plugin: with a `topic` field when `fields` has one.
pub(super) fn compile_with(
    config: &Value,
    fields: &'static [&'static str],
    name: &'static str,
) -> Result<Arc<dyn Plugin>, String> {
    let mut s = Settings::new(config, fields)?;
    let topic = if fields.contains(&"topic") {
        s.pattern("topic")?
    } else {
        None
    };
    let rate = s.required_int("rateInPercent", 0, 100)?;
    let min = s.required_int("minLatencyMs", 0, MAX_LATENCY_MS)?;
    let max = s.required_int("maxLatencyMs", 0, MAX_LATENCY_MS)?;
    if max < min {
        return Err(format!(
            "{}: must not be less than minLatencyMs ({min}), got {max}",
            s.field("maxLatencyMs")
        ));
    }
    Ok(Arc::new(Slow {
        name,
        topic,
        rate: rate.unsigned_abs(),
        min: min.unsigned_abs(),
        max: max.unsigned_abs(),
    }))
}

impl Plugin for Slow {
    fn filter(&self, env: Env) -> Box<dyn Filter> {
        Box::new(SlowFilter {
            name: self.name,
            topic: self.topic.clone(),
            rate: self.rate,
            min: self.min,
            max: self.max,
            env,
            id: filter_id(),
            rng: Rng::new(),
            hold: Hold::default(),
        })
    }
}

#[derive(Debug)]
struct SlowFilter {
    name: &'static str,
    topic: Option<Pattern>,
    rate: u64,
    min: u64,
    max: u64,
    env: Env,
    id: u64,
    rng: Rng,
    /// An acks=0 Produce being delayed.
    hold: Hold,
}

impl SlowFilter {
    /// True when the request names a topic `topic` matches (a topic given by id by the name
    /// kgate knows for it).
    fn names_matching_topic(&self, ctx: &RequestCtx<'_>) -> Result<bool, String> {
        let Some(pattern) = &self.topic else {
            return Ok(true);
        };
        let root = read_request(ctx.api_key, ctx.api_version, ctx.body)?;
        let (list, name) = if ctx.api_key == PRODUCE {
            ("TopicData", "Name")
        } else {
            ("Topics", "Topic")
        };
        Ok(root
            .array(list)
            .unwrap_or_default()
            .iter()
            .filter_map(|t| common::element_topic(t.as_struct()?, name, ctx.topic_names))
            .any(|t| pattern.matches(&t)))
    }
}

impl Filter for SlowFilter {
    fn name(&self) -> &'static str {
        self.name
    }

    fn wants(&self, api_key: i16, _api_version: i16) -> Want {
        if self.rate > 0 && (api_key == PRODUCE || api_key == FETCH) {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        match self.hold.check(ctx.now) {
            Held::Wait(v) => return v,
            Held::Released => return Verdict::Pass,
            Held::Free => {}
        }
        if ctx.api_key != PRODUCE && ctx.api_key != FETCH {
            return Verdict::Pass;
        }
        match self.names_matching_topic(ctx) {
            Ok(true) => {}
            Ok(false) => return Verdict::Pass,
            Err(e) => return common::failed(ctx, &self.env.decisions, &e),
        }
        if !self.rng.chance(self.rate) {
            return Verdict::Pass;
        }
        let ms = self.rng.between(self.min, self.max);
        if is_silent(ctx.api_key, ctx.api_version, ctx.body) {
            let until = ctx.now + Duration::from_millis(ms);
            self.hold.set(until);
            return Verdict::Park(Wake::At(until));
        }
        note_ms(ctx.notes, DELAY_NOTE, self.id, ms);
        Verdict::Pass
    }

    fn wants_answer(&self, _api_key: i16, _api_version: i16, notes: &Notes) -> bool {
        noted_ms(notes, DELAY_NOTE, self.id).is_some()
    }

    fn on_response(&mut self, ctx: &mut ResponseCtx<'_>) -> Verdict {
        match noted_ms(ctx.notes, DELAY_NOTE, self.id) {
            Some(ms) => Verdict::Park(Wake::At(ctx.now + Duration::from_millis(ms))),
            None => Verdict::Pass,
        }
    }
}

#[cfg(test)]
#[path = "simulate_slow_broker_tests.rs"]
mod tests;
