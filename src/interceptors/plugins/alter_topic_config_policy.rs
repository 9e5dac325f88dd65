//! `safeguard.AlterTopicConfigPolicyPlugin`: what topic configs may be changed to. For each
//! TOPIC resource of AlterConfigs and IncrementalAlterConfigs that matches `topic`: a config in
//! `blacklist` may not be changed at all (set or deleted); the other rules judge the values
//! set (IncrementalAlterConfigs: SET operations only). BLOCK refuses that resource with
//! POLICY_VIOLATION (the others go on), INFO logs, OVERRIDE rewrites the value.

use std::sync::Arc;

use codec::schema::{Struct, Value};
use serde_json::Value as Json;

use super::common::{Findings, TopicGate};
use super::per_topic_policy::judge_each_topic;
use super::topic_config_rules::{judge_config, ConfigField, Kind, Rule};
use crate::interceptors::plugin::{Action, Env, Plugin};
use crate::interceptors::registry::PluginInfo;
use crate::interceptors::settings::{Pattern, Settings};
use crate::pipeline::filter::{Filter, Notes, RequestCtx, ResponseCtx, Verdict, Want};

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "safeguard.AlterTopicConfigPolicyPlugin",
    title: "Alter topic config policy",
    description: "Checks topic config changes against ranges and allowed values, and refuses \
                  changes to blacklisted configs; blocks, logs or overrides.",
    parent: "safeguard",
    fields: FIELDS,
    compile,
};

const ALTER_CONFIGS: i16 = 33;
const INCREMENTAL_ALTER_CONFIGS: i16 = 44;
/// ConfigResource type TOPIC.
const TOPIC: i64 = 2;
/// IncrementalAlterConfigs operation SET.
const SET: i64 = 0;

const CONFIGS: &[ConfigField] = &[
    ("retentionMs", "retention.ms", Kind::Int),
    ("retentionBytes", "retention.bytes", Kind::Int),
    ("segmentMs", "segment.ms", Kind::Int),
    ("segmentBytes", "segment.bytes", Kind::Int),
    ("segmentJitterMs", "segment.jitter.ms", Kind::Int),
    ("flushMessages", "flush.messages", Kind::Int),
    ("flushMs", "flush.ms", Kind::Int),
    ("maxMessageBytes", "max.message.bytes", Kind::Int),
    ("minInsyncReplicas", "min.insync.replicas", Kind::Int),
    ("cleanupPolicy", "cleanup.policy", Kind::Cleanup),
    (
        "uncleanLeaderElectionEnable",
        "unclean.leader.election.enable",
        Kind::Bool,
    ),
];

const FIELDS: &[&str] = &[
    "topic",
    "blacklist",
    "retentionMs",
    "retentionBytes",
    "segmentMs",
    "segmentBytes",
    "segmentJitterMs",
    "flushMessages",
    "flushMs",
    "maxMessageBytes",
    "minInsyncReplicas",
    "cleanupPolicy",
    "uncleanLeaderElectionEnable",
];

const ACTIONS: &[Action] = &[Action::Block, Action::Info, Action::Override];

#[derive(Debug, Clone)]
struct Blacklist {
    names: Vec<String>,
    action: Action,
}

#[derive(Debug, Clone)]
struct Policy {
    topic: Pattern,
    blacklist: Option<Blacklist>,
    configs: Vec<(&'static str, Rule)>,
}

fn compile(config: &Json) -> Result<Arc<dyn Plugin>, String> {
    let mut s = Settings::new(config, FIELDS)?;
    let blacklist = match s.nested("blacklist", &["values", "action", "throttleTimeMs"])? {
        None => None,
        Some(mut b) => {
            let field = b.field("values");
            let names = b
                .strings("values")?
                .ok_or_else(|| format!("{field}: missing"))?;
            // Accepted for configs written for the reference; THROTTLE is not offered.
            b.bounded_int("throttleTimeMs", 0, i64::from(i32::MAX))?;
            let action = b.action(&[Action::Block, Action::Info], Action::Block)?;
            Some(Blacklist { names, action })
        }
    };
    Ok(Arc::new(Policy {
        topic: s.pattern("topic")?.unwrap_or_else(Pattern::any),
        blacklist,
        configs: Rule::read_all(&mut s, CONFIGS, ACTIONS)?,
    }))
}

impl Plugin for Policy {
    fn filter(&self, env: Env) -> Box<dyn Filter> {
        Box::new(AlterFilter {
            policy: self.clone(),
            env,
            gate: TopicGate::new(),
        })
    }
}

#[derive(Debug)]
struct AlterFilter {
    policy: Policy,
    env: Env,
    gate: TopicGate,
}

impl Policy {
    /// Judges the configs of one topic resource; true when OVERRIDE changed one.
    fn judge(&self, topic: &str, configs: &mut [Value], found: &mut Findings) -> bool {
        let mut changed = false;
        for config in configs.iter_mut().filter_map(Value::as_struct_mut) {
            let Some(key) = config.str("Name") else {
                continue;
            };
            let operation = config.int("ConfigOperation").unwrap_or(SET);
            if let Some(b) = self
                .blacklist
                .as_ref()
                .filter(|b| b.names.iter().any(|n| n == key))
            {
                found.add(
                    b.action,
                    format!(
                        "Topic '{topic}' with config {key} is blacklisted, it cannot be changed"
                    ),
                );
            }
            if operation == SET {
                changed |= judge_config(&self.configs, config, "", true, found);
            }
        }
        changed
    }
}

impl Filter for AlterFilter {
    fn name(&self) -> &'static str {
        "AlterTopicConfigPolicyPlugin"
    }

    fn wants(&self, api_key: i16, _api_version: i16) -> Want {
        if matches!(api_key, ALTER_CONFIGS | INCREMENTAL_ALTER_CONFIGS) {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        let policy = &self.policy;
        let topic = |resource: &Struct| {
            let name = resource.str("ResourceName")?;
            (resource.int("ResourceType") == Some(TOPIC) && policy.topic.matches(name))
                .then(|| name.to_owned())
        };
        let judge = |name: &str, resource: &mut Struct, found: &mut Findings| {
            resource
                .array_mut("Configs")
                .is_some_and(|configs| policy.judge(name, configs, found))
        };
        let decisions = &self.env.decisions;
        judge_each_topic(ctx, decisions, &self.gate, "Resources", topic, judge)
    }

    fn wants_answer(&self, _api_key: i16, _api_version: i16, notes: &Notes) -> bool {
        self.gate.has_refusals(notes)
    }

    fn on_response(&mut self, ctx: &mut ResponseCtx<'_>) -> Verdict {
        self.gate.merge(ctx)
    }
}

#[cfg(test)]
#[path = "alter_topic_config_policy_tests.rs"]
mod tests;
