//! `chaos.SimulateSlowProducersConsumersPlugin`: as `chaos.SimulateSlowBrokerPlugin` (answers
//! to `rateInPercent`% of Produce and Fetch requests held `minLatencyMs..=maxLatencyMs`), only
//! for requests naming a topic that matches `topic` (default: every request). Topics a request
//! names by id only (Produce v13+, Fetch v13+) match only the default.

use std::sync::Arc;

use serde_json::Value;

use super::simulate_slow_broker::compile_with;
use crate::interceptors::plugin::Plugin;
use crate::interceptors::registry::PluginInfo;

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "chaos.SimulateSlowProducersConsumersPlugin",
    title: "Slow producers and consumers",
    description: "Delays the broker's answers to a share of produce and fetch requests on the \
                  matching topics by a random time, to test how applications cope.",
    parent: "chaos",
    fields: FIELDS,
    compile,
};

const FIELDS: &[&str] = &["topic", "rateInPercent", "minLatencyMs", "maxLatencyMs"];

fn compile(config: &Value) -> Result<Arc<dyn Plugin>, String> {
    compile_with(config, FIELDS, "SimulateSlowProducersConsumersPlugin")
}

#[cfg(test)]
#[path = "simulate_slow_producers_consumers_tests.rs"]
mod tests;
