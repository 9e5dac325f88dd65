//! `safeguard.LimitJoinGroupPolicyPlugin`: at most `maximumJoinsPerMinute` JoinGroup requests a
//! minute per consumer group id matching `groupId`, counted across every connection the
//! interceptor applies to (a JoinGroup v4+ first join, answered MEMBER_ID_REQUIRED, and the
//! rejoin that follows count as two). Past it, BLOCK answers the join with POLICY_VIOLATION,
//! THROTTLE lets it through with `ThrottleTimeMs` raised to `throttleTimeMs` (JoinGroup v2+)
//! and holds the connection's next request that long, INFO logs it.

use std::sync::Arc;

use serde_json::Value;

use super::group_limit::{self, Kind};
use crate::interceptors::plugin::Plugin;
use crate::interceptors::registry::PluginInfo;

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "safeguard.LimitJoinGroupPolicyPlugin",
    title: "Limit group joins",
    description: "Limits how many times a minute members may join a consumer group: over the \
                  limit, joins are refused, throttled, or logged.",
    parent: "safeguard",
    fields: FIELDS,
    compile,
};

const FIELDS: &[&str] = &[
    "groupId",
    "maximumJoinsPerMinute",
    "action",
    "throttleTimeMs",
];

static KIND: Kind = Kind {
    api_key: 11,
    name: "LimitJoinGroupPolicyPlugin",
    limit_field: "maximumJoinsPerMinute",
    what: "join group requests",
    fields: FIELDS,
};

fn compile(config: &Value) -> Result<Arc<dyn Plugin>, String> {
    group_limit::compile(&KIND, config)
}

#[cfg(test)]
#[path = "limit_join_group_policy_tests.rs"]
mod tests;
