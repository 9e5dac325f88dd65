//! `safeguard.ConsumerGroupPolicyPlugin`: what consumer groups may join with. JoinGroup's
//! group id, member id (not judged while empty, on a first join), group instance id and
//! timeouts are checked: BLOCK answers POLICY_VIOLATION, INFO logs, OVERRIDE rewrites a
//! timeout. With a BLOCK `groupId` rule, SyncGroup, Heartbeat, LeaveGroup and OffsetCommit of a
//! group that breaks it are refused too (their group id is read without decoding the rest).

use std::sync::Arc;

use serde_json::Value as Json;

use super::common::{block, decode_request, encode_request, failed, leading_string, Findings};
use crate::interceptors::plugin::{Action, Env, Plugin};
use crate::interceptors::registry::PluginInfo;
use crate::interceptors::rules::{PatternRule, Range};
use crate::interceptors::settings::Settings;
use crate::pipeline::filter::{Filter, RequestCtx, Verdict, Want};

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "safeguard.ConsumerGroupPolicyPlugin",
    title: "Consumer group policy",
    description: "Checks the group id, member id, group instance id and timeouts of consumers \
                  joining groups; blocks, logs or overrides.",
    parent: "safeguard",
    fields: FIELDS,
    compile,
};

const JOIN_GROUP: i16 = 11;
/// OffsetCommit, Heartbeat, LeaveGroup, SyncGroup: group id checked only.
const GROUP_APIS: &[i16] = &[8, 12, 13, 14];

const FIELDS: &[&str] = &[
    "groupId",
    "sessionTimeoutMs",
    "rebalanceTimeoutMs",
    "memberId",
    "groupInstanceId",
];

#[derive(Debug, Clone)]
struct Policy {
    group: Option<PatternRule>,
    ids: Vec<(&'static str, &'static str, PatternRule)>,
    timeouts: Vec<(&'static str, &'static str, Range)>,
}

fn compile(config: &Json) -> Result<Arc<dyn Plugin>, String> {
    let mut s = Settings::new(config, FIELDS)?;
    let checks = &[Action::Block, Action::Info];
    let all = &[Action::Block, Action::Info, Action::Override];
    let mut ids = Vec::new();
    for (key, field, label) in [
        ("memberId", "MemberId", "MemberId"),
        ("groupInstanceId", "GroupInstanceId", "GroupInstanceId"),
    ] {
        if let Some(r) = PatternRule::read(&mut s, key, checks)? {
            ids.push((field, label, r));
        }
    }
    let mut timeouts = Vec::new();
    for (key, field) in [
        ("sessionTimeoutMs", "SessionTimeoutMs"),
        ("rebalanceTimeoutMs", "RebalanceTimeoutMs"),
    ] {
        if let Some(r) = Range::read(&mut s, key, all)? {
            timeouts.push((key, field, r));
        }
    }
    Ok(Arc::new(Policy {
        group: PatternRule::read(&mut s, "groupId", checks)?,
        ids,
        timeouts,
    }))
}

impl Plugin for Policy {
    fn filter(&self, env: Env) -> Box<dyn Filter> {
        Box::new(GroupFilter {
            policy: self.clone(),
            env,
        })
    }
}

#[derive(Debug)]
struct GroupFilter {
    policy: Policy,
    env: Env,
}

fn invalid(label: &str, value: &str) -> String {
    format!("{label} '{value}' is invalid.")
}

impl GroupFilter {
    fn join(&self, ctx: &mut RequestCtx<'_>) -> Verdict {
        let decisions = &self.env.decisions;
        let mut tree = match decode_request(ctx) {
            Ok(t) => t,
            Err(e) => return failed(ctx, decisions, &e),
        };
        let root = &mut tree.root;
        let mut found = Findings::default();
        let group = root.str("GroupId").unwrap_or_default().to_owned();
        if let Some(r) = self
            .policy
            .group
            .as_ref()
            .filter(|r| !r.pattern.matches(&group))
        {
            found.add(r.action, invalid("GroupId", &group));
        }
        for (field, label, r) in &self.policy.ids {
            match root.str(field) {
                Some(v) if !v.is_empty() && !r.pattern.matches(v) => {
                    found.add(r.action, invalid(label, v));
                }
                _ => {}
            }
        }
        let mut changed = false;
        for (key, field, range) in &self.policy.timeouts {
            let Some(value) = root.int(field).filter(|v| *v >= 0) else {
                continue;
            };
            let Some(why) = range.violation(value) else {
                continue;
            };
            let mut sentence = format!("{key} is '{value}', {why}");
            if range.action == Action::Override {
                if let Some(to) = range.override_value.filter(|&o| root.set_int(field, o)) {
                    sentence.push_str(&format!(", overridden to '{to}'"));
                    changed = true;
                }
            }
            found.add(range.action, sentence);
        }
        found.record(ctx.session, decisions, None);
        if !found.block.is_empty() {
            return block(ctx, decisions, &found.block);
        }
        if changed {
            if let Err(e) = encode_request(ctx, &tree) {
                return failed(ctx, decisions, &e);
            }
        }
        Verdict::Pass
    }
}

impl Filter for GroupFilter {
    fn name(&self) -> &'static str {
        "ConsumerGroupPolicyPlugin"
    }

    fn wants(&self, api_key: i16, _api_version: i16) -> Want {
        let blocks_groups = self
            .policy
            .group
            .as_ref()
            .is_some_and(|r| r.action == Action::Block);
        if api_key == JOIN_GROUP || (blocks_groups && GROUP_APIS.contains(&api_key)) {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        if ctx.api_key == JOIN_GROUP {
            return self.join(ctx);
        }
        let Some(rule) = &self.policy.group else {
            return Verdict::Pass;
        };
        match leading_string(ctx.api_key, ctx.api_version, ctx.body) {
            Some(group) if !rule.pattern.matches(&group) => {
                let why = [invalid("GroupId", &group)];
                let mut found = Findings::default();
                found.add(Action::Block, why[0].clone());
                found.record(ctx.session, &self.env.decisions, None);
                block(ctx, &self.env.decisions, &why)
            }
            _ => Verdict::Pass,
        }
    }
}

#[cfg(test)]
#[path = "consumer_group_policy_tests.rs"]
mod tests;
