//! What a plugin is to the pipeline, and how its decisions are reported.
//!
//! A deployed interceptor is compiled once per state generation into a [`Plugin`], shared by
//! every connection it applies to; each connection gets a [`Filter`] of its own from it (so
//! per-connection state needs no lock). Limits shared across connections (rates, counts) live
//! in the plugin behind a lock.

use std::fmt;
use std::sync::Arc;

use crate::metrics::Metrics;
use crate::pipeline::filter::Filter;
use crate::pipeline::session::Session;

/// The Kafka error code of a refused policy: POLICY_VIOLATION.
pub const POLICY_VIOLATION: i16 = 44;

/// What every policy refusal's message starts with (Conduktor's wording, which users grep for).
pub const POLICY_PREFIX: &str = "Request parameters do not satisfy the configured policy.";

/// A compiled interceptor.
pub trait Plugin: Send + Sync + fmt::Debug {
    /// The filter of one connection.
    fn filter(&self, env: Env) -> Box<dyn Filter>;
}

/// What a plugin's filter is given when a connection's chain is built.
#[derive(Debug, Clone)]
pub struct Env {
    /// Where its decisions go.
    pub decisions: Decisions,
    /// True the first time the connection gets a chain (false when it is rebuilt after a state
    /// change): a connection counts once.
    pub new_connection: bool,
}

/// What a policy does when a request breaks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Refuse with POLICY_VIOLATION and a message saying why.
    Block,
    /// Let it pass; log it.
    Info,
    /// Rewrite the value; log it.
    Override,
    /// Answer with `throttle_time_ms` and hold the connection's next request that long.
    Throttle,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 4] = [
        Action::Block,
        Action::Info,
        Action::Override,
        Action::Throttle,
    ];

    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Block => "BLOCK",
            Action::Info => "INFO",
            Action::Override => "OVERRIDE",
            Action::Throttle => "THROTTLE",
        }
    }

    /// Parses the config spelling (case-insensitive).
    pub fn parse(text: &str) -> Option<Action> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(text))
    }
}

/// Reports one interceptor's decisions: one log line each, counted in `/metrics`.
#[derive(Clone)]
pub struct Decisions {
    interceptor: Arc<str>,
    plugin: &'static str,
    metrics: Arc<Metrics>,
}

impl fmt::Debug for Decisions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decisions")
            .field("interceptor", &self.interceptor)
            .field("plugin", &self.plugin)
            .finish_non_exhaustive()
    }
}

impl Decisions {
    /// Decisions of the interceptor `interceptor` running `plugin` (its short class name).
    pub fn new(interceptor: Arc<str>, plugin: &'static str, metrics: Arc<Metrics>) -> Decisions {
        Decisions {
            interceptor,
            plugin,
            metrics,
        }
    }

    /// The interceptor's name.
    pub fn interceptor(&self) -> &str {
        &self.interceptor
    }

    /// Logs and counts one decision about a request of `session`; `topic` when it concerns
    /// one.
    pub fn record(&self, session: &Session, action: Action, topic: Option<&str>, reason: &str) {
        self.metrics
            .interceptor_decision(self.plugin, action.as_str());
        let principal = session
            .service_account
            .as_deref()
            .or(session.principal.as_deref())
            .unwrap_or("ANONYMOUS");
        let topic = topic.map(|t| format!(" topic {t:?}")).unwrap_or_default();
        let line = format!(
            "interceptor {} ({}) {}: User:{principal} from {} in {}{topic}: {reason}",
            self.interceptor,
            self.plugin,
            action.as_str(),
            session.source,
            session.vcluster
        );
        match action {
            Action::Block | Action::Throttle => log::warn!("{line}"),
            Action::Info | Action::Override => log::info!("{line}"),
        }
    }
}

/// A refusal message: the policy prefix and each violation as a sentence.
pub fn policy_message(violations: &[String]) -> String {
    let mut out = POLICY_PREFIX.to_owned();
    for v in violations {
        out.push(' ');
        out.push_str(v.trim_end_matches('.'));
        out.push('.');
    }
    out
}
