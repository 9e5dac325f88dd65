//! `safeguard.FetchPolicyPlugin`: how consumers must fetch from the matching topics: isolation
//! level, rack id, `fetch.max.bytes`, `fetch.min.bytes`, `fetch.max.wait.ms` and request
//! versions. A breaking Fetch is refused whole with POLICY_VIOLATION (BLOCK) or logged (INFO).
//! A Fetch naming no matching topic (an incremental fetch with no changes) is judged only when
//! `topic` is `.*`; topics given by id (v13+) likewise.

use std::sync::Arc;

use serde_json::Value as Json;

use super::common::{applies_to_unnamed, decode_request, element_topic, Findings};
use super::request_policy::{RequestPolicy, RequestPolicyFilter};
use crate::interceptors::plugin::{Action, Env, Plugin};
use crate::interceptors::registry::PluginInfo;
use crate::interceptors::rules::{BoolRule, Range, ValuesRule};
use crate::interceptors::settings::{Pattern, Settings};
use crate::pipeline::filter::{Filter, RequestCtx};

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "safeguard.FetchPolicyPlugin",
    title: "Fetch policy",
    description: "Checks the isolation level, rack id, byte limits, wait time and version of \
                  fetch requests; blocks or logs.",
    parent: "safeguard",
    fields: FIELDS,
    compile,
};

const FETCH: i16 = 1;

const FIELDS: &[&str] = &[
    "topic",
    "isolationLevel",
    "rackIdRequired",
    "fetchMaxBytes",
    "fetchMinBytes",
    "maxWaitMs",
    "version",
];

const ACTIONS: &[Action] = &[Action::Block, Action::Info];

const LEVELS: [&str; 2] = ["read_uncommitted", "read_committed"];

#[derive(Debug, Clone)]
struct Policy {
    topic: Pattern,
    isolation: Option<ValuesRule>,
    rack: Option<BoolRule>,
    limits: Vec<(&'static str, &'static str, Range)>,
    version: Option<Range>,
}

fn compile(config: &Json) -> Result<Arc<dyn Plugin>, String> {
    let mut s = Settings::new(config, FIELDS)?;
    let level = |v: &str| {
        let lower = v.to_ascii_lowercase();
        LEVELS.contains(&lower.as_str()).then_some(lower)
    };
    let mut limits = Vec::new();
    for (key, field) in [
        ("fetchMaxBytes", "MaxBytes"),
        ("fetchMinBytes", "MinBytes"),
        ("maxWaitMs", "MaxWaitMs"),
    ] {
        if let Some(r) = Range::read(&mut s, key, ACTIONS)? {
            limits.push((key, field, r));
        }
    }
    Ok(Arc::new(Policy {
        topic: s.pattern("topic")?.unwrap_or_else(Pattern::any),
        isolation: ValuesRule::read(&mut s, "isolationLevel", ACTIONS, &level)?,
        rack: BoolRule::read(&mut s, "rackIdRequired", ACTIONS)?,
        limits,
        version: Range::read(&mut s, "version", ACTIONS)?,
    }))
}

impl Plugin for Policy {
    fn filter(&self, env: Env) -> Box<dyn Filter> {
        RequestPolicyFilter::boxed(self, env)
    }
}

impl RequestPolicy for Policy {
    const NAME: &'static str = "FetchPolicyPlugin";
    const API_KEY: i16 = FETCH;

    fn judge(&self, ctx: &RequestCtx<'_>, found: &mut Findings) -> Result<(), String> {
        let tree = decode_request(ctx)?;
        let root = &tree.root;
        let topics = root.array("Topics").unwrap_or_default();
        let named = topics
            .iter()
            .filter_map(|t| element_topic(t.as_struct()?, "Topic", ctx.topic_names))
            .find(|name| self.topic.matches(name));
        let subject = match named {
            Some(name) => format!("Topic '{name}'"),
            None if applies_to_unnamed(&self.topic) => "Fetch".to_owned(),
            None => return Ok(()),
        };
        if let Some(r) = &self.version {
            if let Some(why) = r.violation(ctx.api_version.into()) {
                found.add(
                    r.action,
                    format!("{subject} with version is '{}', {why}", ctx.api_version),
                );
            }
        }
        if let Some(rule) = &self.isolation {
            let level = LEVELS[usize::from(root.int("IsolationLevel") == Some(1))];
            if !rule.allows(level) {
                found.add(
                    rule.action,
                    format!(
                        "{subject} with isolationLevel is {}, must be {}",
                        level.to_ascii_uppercase(),
                        rule.describe().to_ascii_uppercase()
                    ),
                );
            }
        }
        if let Some(rule) = self.rack.filter(|r| r.value) {
            if root.str("RackId").is_none_or(str::is_empty) {
                found.add(rule.action, format!("{subject} with rackId is required"));
            }
        }
        for (key, field, range) in &self.limits {
            let Some(value) = root.int(field) else {
                continue;
            };
            if let Some(why) = range.violation(value) {
                found.add(
                    range.action,
                    format!("{subject} with {key} is '{value}', {why}"),
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "fetch_policy_tests.rs"]
mod tests;
