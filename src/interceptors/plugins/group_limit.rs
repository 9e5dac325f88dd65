//! What LimitCommitOffsetPolicyPlugin and LimitJoinGroupPolicyPlugin share: counting one API's
//! requests per consumer group id in a one-minute window shared by every connection the
//! interceptor applies to (refused requests count too), and acting past the limit: BLOCK
//! refuses the request with POLICY_VIOLATION, THROTTLE lets it through with its answer's
//! `ThrottleTimeMs` raised to `throttleTimeMs` and holds the connection's next request that
//! long, INFO logs it.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::common;
use super::throttle::{read_request, Counters, Throttling};
use crate::interceptors::plugin::{Action, Env, Plugin};
use crate::interceptors::settings::{Pattern, Settings};
use crate::pipeline::filter::{Filter, Notes, RequestCtx, ResponseCtx, Verdict, Want};

/// One of the two plugins.
#[derive(Debug)]
pub struct Kind {
    /// The API counted.
    pub api_key: i16,
    /// The filter's name.
    pub name: &'static str,
    /// The config field of the limit.
    pub limit_field: &'static str,
    /// What is counted, for the message ("offset commits").
    pub what: &'static str,
    /// The config fields.
    pub fields: &'static [&'static str],
}

#[derive(Debug)]
struct Shared {
    kind: &'static Kind,
    group: Pattern,
    max: u64,
    action: Action,
    throttle: Duration,
    counters: Counters,
}

#[derive(Debug)]
struct GroupLimit {
    shared: Arc<Shared>,
}

/// Checks and builds the plugin `kind` from `config`.
pub fn compile(kind: &'static Kind, config: &Value) -> Result<Arc<dyn Plugin>, String> {
    let mut s = Settings::new(config, kind.fields)?;
    let group = s.pattern("groupId")?.unwrap_or_else(Pattern::any);
    let max = s.required_int(kind.limit_field, 1, i64::from(i32::MAX))?;
    let action = s.action(
        &[Action::Block, Action::Info, Action::Throttle],
        Action::Block,
    )?;
    let throttle = s.bounded_int("throttleTimeMs", 0, 300_000)?.unwrap_or(100);
    Ok(Arc::new(GroupLimit {
        shared: Arc::new(Shared {
            kind,
            group,
            max: max.unsigned_abs(),
            action,
            throttle: Duration::from_millis(throttle.unsigned_abs()),
            counters: Counters::new(Duration::from_secs(60)),
        }),
    }))
}

impl Plugin for GroupLimit {
    fn filter(&self, env: Env) -> Box<dyn Filter> {
        Box::new(GroupLimitFilter {
            shared: Arc::clone(&self.shared),
            env,
            throttling: Throttling::new(),
        })
    }
}

#[derive(Debug)]
struct GroupLimitFilter {
    shared: Arc<Shared>,
    env: Env,
    throttling: Throttling,
}

impl Filter for GroupLimitFilter {
    fn name(&self) -> &'static str {
        self.shared.kind.name
    }

    fn wants(&self, api_key: i16, _api_version: i16) -> Want {
        self.throttling.wants(api_key == self.shared.kind.api_key)
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        if let Some(v) = self.throttling.held(ctx.now) {
            return v;
        }
        let shared = &self.shared;
        if ctx.api_key != shared.kind.api_key {
            return Verdict::Pass;
        }
        let decisions = &self.env.decisions;
        let root = match read_request(ctx.api_key, ctx.api_version, ctx.body) {
            Ok(root) => root,
            Err(e) => return common::failed(ctx, decisions, &e),
        };
        let group = root.str("GroupId").unwrap_or_default();
        if !shared.group.matches(group) {
            return Verdict::Pass;
        }
        let count = shared.counters.hit(group, ctx.now);
        if count <= shared.max {
            return Verdict::Pass;
        }
        let violations = [format!(
            "Consumer group '{group}' sent {count} {} within a minute, more than the maximum \
             of {} per minute",
            shared.kind.what, shared.max
        )];
        common::report(ctx, decisions, shared.action, None, &violations);
        match shared.action {
            Action::Block => common::block(ctx, decisions, &violations),
            Action::Throttle => {
                self.throttling
                    .throttle(ctx.notes, ctx.now, shared.throttle);
                Verdict::Pass
            }
            Action::Info | Action::Override => Verdict::Pass,
        }
    }

    fn wants_answer(&self, _api_key: i16, _api_version: i16, notes: &Notes) -> bool {
        self.throttling.wants_answer(notes)
    }

    fn on_response(&mut self, ctx: &mut ResponseCtx<'_>) -> Verdict {
        self.throttling.on_response(ctx, &self.env.decisions)
    }
}
