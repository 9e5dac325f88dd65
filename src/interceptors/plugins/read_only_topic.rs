//! `safeguard.ReadOnlyTopicPolicyPlugin`: no writes to the matching topics. Produce,
//! DeleteTopics, DeleteRecords, CreatePartitions, AlterConfigs and IncrementalAlterConfigs on
//! them are refused with TOPIC_AUTHORIZATION_FAILED (as the reference does), topic by topic:
//! the other topics of the same request go on.

use std::sync::Arc;

use serde_json::Value;

use super::common::TopicGate;
use crate::interceptors::plugin::{Action, Env, Plugin};
use crate::interceptors::refusal::TOPIC_AUTHORIZATION_FAILED;
use crate::interceptors::registry::PluginInfo;
use crate::interceptors::settings::{Pattern, Settings};
use crate::pipeline::filter::{Filter, Notes, RequestCtx, ResponseCtx, Verdict, Want};

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "safeguard.ReadOnlyTopicPolicyPlugin",
    title: "Read-only topics",
    description: "Refuses every write (produce, delete, alter configs, add partitions, delete \
                  records) to the matching topics.",
    parent: "safeguard",
    fields: FIELDS,
    compile,
};

const FIELDS: &[&str] = &["topic", "action"];

/// The APIs that write to a topic.
const WRITES: &[i16] = &[0, 20, 21, 33, 37, 44];

#[derive(Debug)]
struct ReadOnly {
    topic: Pattern,
    action: Action,
}

fn compile(config: &Value) -> Result<Arc<dyn Plugin>, String> {
    let mut s = Settings::new(config, FIELDS)?;
    Ok(Arc::new(ReadOnly {
        topic: s.pattern("topic")?.unwrap_or_else(Pattern::any),
        action: s.action(&[Action::Block, Action::Info], Action::Block)?,
    }))
}

impl Plugin for ReadOnly {
    fn filter(&self, env: Env) -> Box<dyn Filter> {
        Box::new(ReadOnlyFilter {
            topic: self.topic.clone(),
            action: self.action,
            env,
            gate: TopicGate::new(),
        })
    }
}

#[derive(Debug)]
struct ReadOnlyFilter {
    topic: Pattern,
    action: Action,
    env: Env,
    gate: TopicGate,
}

impl Filter for ReadOnlyFilter {
    fn name(&self) -> &'static str {
        "ReadOnlyTopicPolicyPlugin"
    }

    fn wants(&self, api_key: i16, _api_version: i16) -> Want {
        if WRITES.contains(&api_key) {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        let (topic, action, decisions) = (&self.topic, self.action, &self.env.decisions);
        let session = ctx.session;
        let api = codec::api::api_name(ctx.api_key);
        let mut judge = |name: &str| {
            if !topic.matches(name) {
                return None;
            }
            let reason = format!("{api} on read-only topic (matches {:?})", topic.as_str());
            decisions.record(session, action, Some(name), &reason);
            (action == Action::Block).then(|| {
                (
                    TOPIC_AUTHORIZATION_FAILED,
                    format!("Not authorized to access topics: [{name}]"),
                )
            })
        };
        self.gate.refuse_topics(ctx, decisions, &mut judge)
    }

    fn wants_answer(&self, _api_key: i16, _api_version: i16, notes: &Notes) -> bool {
        self.gate.has_refusals(notes)
    }

    fn on_response(&mut self, ctx: &mut ResponseCtx<'_>) -> Verdict {
        self.gate.merge(ctx)
    }
}
