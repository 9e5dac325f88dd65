//! `safeguard.LimitCommitOffsetPolicyPlugin`: at most `maximumCommitsPerMinute` OffsetCommit
//! requests a minute per consumer group id matching `groupId`, counted across every connection
//! the interceptor applies to. Past it, BLOCK answers every partition of the commit with
//! POLICY_VIOLATION, THROTTLE lets the commit through with `ThrottleTimeMs` raised to
//! `throttleTimeMs` (OffsetCommit v3+) and holds the connection's next request that long, INFO
//! logs it.

use std::sync::Arc;

use serde_json::Value;

use super::group_limit::{self, Kind};
use crate::interceptors::plugin::Plugin;
use crate::interceptors::registry::PluginInfo;

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "safeguard.LimitCommitOffsetPolicyPlugin",
    title: "Limit offset commits",
    description: "Limits how many offset commits a consumer group may send per minute: over \
                  the limit, commits are refused, throttled, or logged.",
    parent: "safeguard",
    fields: FIELDS,
    compile,
};

const FIELDS: &[&str] = &[
    "groupId",
    "maximumCommitsPerMinute",
    "action",
    "throttleTimeMs",
];

static KIND: Kind = Kind {
    api_key: 8,
    name: "LimitCommitOffsetPolicyPlugin",
    limit_field: "maximumCommitsPerMinute",
    what: "offset commits",
    fields: FIELDS,
};

fn compile(config: &Value) -> Result<Arc<dyn Plugin>, String> {
    group_limit::compile(&KIND, config)
}

#[cfg(test)]
#[path = "limit_commit_offset_policy_tests.rs"]
mod tests;
