//! `safeguard.CreateTopicPolicyPlugin`: what topics may be created with. For each topic of a
//! CreateTopics request that matches `topic`, the name, partition count, replication factor
//! and topic configs are checked: BLOCK refuses that topic with POLICY_VIOLATION (the other
//! topics go on), INFO logs, OVERRIDE rewrites the value in the request. A partition count or
//! replication factor of -1 (the broker's default) and a config the request does not set are
//! not judged. `validateOnly` requests are judged alike.

use std::sync::Arc;

use codec::schema::{Struct, Value};
use serde_json::Value as Json;

use super::common::{Findings, TopicGate};
use super::per_topic_policy::judge_each_topic;
use super::topic_config_rules::{judge_config, ConfigField, Kind, Rule};
use crate::interceptors::plugin::{Action, Env, Plugin};
use crate::interceptors::registry::PluginInfo;
use crate::interceptors::rules::{PatternRule, Range};
use crate::interceptors::settings::{Pattern, Settings};
use crate::pipeline::filter::{Filter, Notes, RequestCtx, ResponseCtx, Verdict, Want};

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "safeguard.CreateTopicPolicyPlugin",
    title: "Create topic policy",
    description: "Checks the name, partitions, replication factor and configs of new topics; \
                  blocks, logs or overrides what breaks the policy.",
    parent: "safeguard",
    fields: FIELDS,
    compile,
};

const CREATE_TOPICS: i16 = 19;

/// Every topic config this plugin checks.
const CONFIGS: &[ConfigField] = &[
    ("cleanupPolicy", "cleanup.policy", Kind::Cleanup),
    ("compressionType", "compression.type", Kind::Compression),
    ("deleteRetentionMs", "delete.retention.ms", Kind::Int),
    ("fileDeleteDelayMs", "file.delete.delay.ms", Kind::Int),
    ("flushMessages", "flush.messages", Kind::Int),
    ("flushMs", "flush.ms", Kind::Int),
    ("indexIntervalBytes", "index.interval.bytes", Kind::Int),
    ("maxCompactionLagMs", "max.compaction.lag.ms", Kind::Int),
    ("maxMessageBytes", "max.message.bytes", Kind::Int),
    (
        "messageTimestampDifferenceMaxMs",
        "message.timestamp.difference.max.ms",
        Kind::Int,
    ),
    (
        "messageTimestampType",
        "message.timestamp.type",
        Kind::TimestampType,
    ),
    (
        "minCleanableDirtyRatio",
        "min.cleanable.dirty.ratio",
        Kind::Ratio,
    ),
    ("minCompactionLagMs", "min.compaction.lag.ms", Kind::Int),
    ("minInsyncReplicas", "min.insync.replicas", Kind::Int),
    ("preallocate", "preallocate", Kind::Bool),
    ("retentionBytes", "retention.bytes", Kind::Int),
    ("retentionMs", "retention.ms", Kind::Int),
    ("segmentBytes", "segment.bytes", Kind::Int),
    ("segmentIndexBytes", "segment.index.bytes", Kind::Int),
    ("segmentJitterMs", "segment.jitter.ms", Kind::Int),
    ("segmentMs", "segment.ms", Kind::Int),
    (
        "uncleanLeaderElectionEnable",
        "unclean.leader.election.enable",
        Kind::Bool,
    ),
    (
        "messageDownconversionEnable",
        "message.downconversion.enable",
        Kind::Bool,
    ),
];

const FIELDS: &[&str] = &[
    "topic",
    "namingConvention",
    "numPartition",
    "replicationFactor",
    "cleanupPolicy",
    "compressionType",
    "deleteRetentionMs",
    "fileDeleteDelayMs",
    "flushMessages",
    "flushMs",
    "indexIntervalBytes",
    "maxCompactionLagMs",
    "maxMessageBytes",
    "messageTimestampDifferenceMaxMs",
    "messageTimestampType",
    "minCleanableDirtyRatio",
    "minCompactionLagMs",
    "minInsyncReplicas",
    "preallocate",
    "retentionBytes",
    "retentionMs",
    "segmentBytes",
    "segmentIndexBytes",
    "segmentJitterMs",
    "segmentMs",
    "uncleanLeaderElectionEnable",
    "messageDownconversionEnable",
];

const ACTIONS: &[Action] = &[Action::Block, Action::Info, Action::Override];

#[derive(Debug, Clone)]
struct Policy {
    topic: Pattern,
    naming: Option<PatternRule>,
    partitions: Option<Range>,
    replication: Option<Range>,
    configs: Vec<(&'static str, Rule)>,
}

fn compile(config: &Json) -> Result<Arc<dyn Plugin>, String> {
    let mut s = Settings::new(config, FIELDS)?;
    Ok(Arc::new(Policy {
        topic: s.pattern("topic")?.unwrap_or_else(Pattern::any),
        naming: PatternRule::read(&mut s, "namingConvention", &[Action::Block, Action::Info])?,
        partitions: Range::read(&mut s, "numPartition", ACTIONS)?,
        replication: Range::read(&mut s, "replicationFactor", ACTIONS)?,
        configs: Rule::read_all(&mut s, CONFIGS, ACTIONS)?,
    }))
}

impl Plugin for Policy {
    fn filter(&self, env: Env) -> Box<dyn Filter> {
        Box::new(CreateTopicFilter {
            policy: self.clone(),
            env,
            gate: TopicGate::new(),
        })
    }
}

#[derive(Debug)]
struct CreateTopicFilter {
    policy: Policy,
    env: Env,
    gate: TopicGate,
}

impl Policy {
    /// Judges one topic of the request, rewriting what OVERRIDE fixes; true when changed.
    fn judge(&self, name: &str, topic: &mut Struct, found: &mut Findings) -> bool {
        let mut changed = false;
        if let Some(rule) = self.naming.as_ref().filter(|r| !r.pattern.matches(name)) {
            found.add(
                rule.action,
                format!(
                    "Topic '{name}' is invalid, naming convention must match with regular \
                     expression '{}'",
                    rule.pattern.as_str()
                ),
            );
        }
        for (field, what, range) in [
            ("NumPartitions", "number partitions", &self.partitions),
            ("ReplicationFactor", "replication factor", &self.replication),
        ] {
            let (Some(range), Some(value)) = (range, topic.int(field)) else {
                continue;
            };
            let Some(why) = range.violation(value).filter(|_| value != -1) else {
                continue;
            };
            let mut sentence = format!("Topic '{name}' with {what} is '{value}', {why}");
            if range.action == Action::Override {
                if let Some(to) = range.override_value.filter(|&o| topic.set_int(field, o)) {
                    sentence.push_str(&format!(", overridden to '{to}'"));
                    changed = true;
                }
            }
            found.add(range.action, sentence);
        }
        let Some(configs) = topic.array_mut("Configs") else {
            return changed;
        };
        let subject = format!("Topic '{name}' with ");
        for config in configs.iter_mut().filter_map(Value::as_struct_mut) {
            changed |= judge_config(&self.configs, config, &subject, false, found);
        }
        changed
    }
}

impl Filter for CreateTopicFilter {
    fn name(&self) -> &'static str {
        "CreateTopicPolicyPlugin"
    }

    fn wants(&self, api_key: i16, _api_version: i16) -> Want {
        if api_key == CREATE_TOPICS {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        let policy = &self.policy;
        let topic = |topic: &Struct| {
            let name = topic.str("Name")?;
            policy.topic.matches(name).then(|| name.to_owned())
        };
        let judge =
            |name: &str, topic: &mut Struct, found: &mut Findings| policy.judge(name, topic, found);
        let decisions = &self.env.decisions;
        judge_each_topic(ctx, decisions, &self.gate, "Topics", topic, judge)
    }

    fn wants_answer(&self, _api_key: i16, _api_version: i16, notes: &Notes) -> bool {
        self.gate.has_refusals(notes)
    }

    fn on_response(&mut self, ctx: &mut ResponseCtx<'_>) -> Verdict {
        self.gate.merge(ctx)
    }
}

#[cfg(test)]
#[path = "create_topic_policy_tests.rs"]
mod tests;
