//! What many plugins do alike: refuse some topics of a request and merge their errors into the
//! broker's answer; refuse a whole request; answer a request the plugin failed on.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::interceptors::plugin::{policy_message, Action, Decisions, POLICY_VIOLATION};
use crate::interceptors::refusal::{self, Refused, Split};
use crate::pipeline::filter::{Notes, RequestCtx, ResponseCtx, Verdict};

/// Kafka's UNKNOWN_SERVER_ERROR: what a request a plugin failed on is answered with.
pub const UNKNOWN_SERVER_ERROR: i16 = -1;

/// Refused topics of in-flight requests, per filter (several interceptors may refuse topics
/// of the same request).
const NOTE: &str = "interceptor-refusals";

/// One filter's share of the refusal notes.
#[derive(Debug)]
pub struct TopicGate {
    id: u64,
}

impl Default for TopicGate {
    fn default() -> Self {
        TopicGate::new()
    }
}

impl TopicGate {
    /// A gate with an id of its own.
    pub fn new() -> TopicGate {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TopicGate {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Judges each topic the request names; refused topics leave it (all refused: the request
    /// is answered here). `judge` returns the error code and message.
    pub fn refuse_topics(
        &self,
        ctx: &mut RequestCtx<'_>,
        decisions: &Decisions,
        judge: &mut dyn FnMut(&str) -> Option<(i16, String)>,
    ) -> Verdict {
        match refusal::refuse_topics(ctx.api_key, ctx.api_version, ctx.body, judge) {
            Ok(Split::Unchanged) => Verdict::Pass,
            Ok(Split::Answer(body)) => Verdict::Answer(body),
            Ok(Split::Forward(refused)) => {
                match ctx.notes.get_mut::<Vec<(u64, Refused)>>(NOTE) {
                    Some(list) => list.push((self.id, refused)),
                    None => ctx.notes.put(NOTE, vec![(self.id, refused)]),
                }
                Verdict::Pass
            }
            Err(e) => failed(ctx, decisions, &e),
        }
    }

    /// True when this gate refused topics of the request answered.
    pub fn has_refusals(&self, notes: &Notes) -> bool {
        notes
            .get::<Vec<(u64, Refused)>>(NOTE)
            .is_some_and(|l| l.iter().any(|(id, _)| *id == self.id))
    }

    /// Adds this gate's refused topics to the broker's answer.
    pub fn merge(&self, ctx: &mut ResponseCtx<'_>) -> Verdict {
        let Some(list) = ctx.notes.get::<Vec<(u64, Refused)>>(NOTE) else {
            return Verdict::Pass;
        };
        for (_, refused) in list.iter().filter(|(id, _)| *id == self.id) {
            if let Err(e) = refused.merge(ctx.body) {
                return Verdict::Close(format!("cannot add the refused topics to the answer: {e}"));
            }
        }
        Verdict::Pass
    }
}

/// Refuses the whole request with POLICY_VIOLATION and the policy message of `violations`.
pub fn block(ctx: &RequestCtx<'_>, decisions: &Decisions, violations: &[String]) -> Verdict {
    let message = policy_message(violations);
    match refusal::refuse_whole(
        ctx.api_key,
        ctx.api_version,
        ctx.body,
        POLICY_VIOLATION,
        &message,
    ) {
        Ok(body) => Verdict::Answer(body),
        Err(e) => failed(ctx, decisions, &e),
    }
}

/// Logs the violations of a request with `action` (one decision per request).
pub fn report(
    ctx: &RequestCtx<'_>,
    decisions: &Decisions,
    action: Action,
    topic: Option<&str>,
    violations: &[String],
) {
    decisions.record(ctx.session, action, topic, &policy_message(violations));
}

/// A request the plugin could not handle: answered with UNKNOWN_SERVER_ERROR where the answer
/// can carry it, else the connection is closed; logged either way.
pub fn failed(ctx: &RequestCtx<'_>, decisions: &Decisions, why: &str) -> Verdict {
    log::error!(
        "interceptor {}: {} v{} from {} failed: {why}",
        decisions.interceptor(),
        codec::api::api_name(ctx.api_key),
        ctx.api_version,
        ctx.session.source
    );
    let message = format!(
        "interceptor {} failed on this request",
        decisions.interceptor()
    );
    match refusal::refuse_whole(
        ctx.api_key,
        ctx.api_version,
        ctx.body,
        UNKNOWN_SERVER_ERROR,
        &message,
    ) {
        Ok(body) => Verdict::Answer(body),
        Err(_) => Verdict::Close(format!(
            "interceptor {} failed on {}: {why}",
            decisions.interceptor(),
            codec::api::api_name(ctx.api_key)
        )),
    }
}
