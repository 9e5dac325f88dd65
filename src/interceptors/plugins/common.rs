//! What many plugins do alike: refuse some topics of a request and merge their errors into the
//! broker's answer; refuse a whole request; answer a request the plugin failed on.

use std::sync::atomic::{AtomicU64, Ordering};

use codec::schema::{decode, encode, Decoded, Direction, MessageRef, WalkOptions};

use crate::interceptors::plugin::{policy_message, Action, Decisions, POLICY_VIOLATION};
use crate::interceptors::refusal::{self, Refused, Split};
use crate::interceptors::rules::Range;
use crate::interceptors::settings::Pattern;
use crate::pipeline::filter::{Notes, RequestCtx, ResponseCtx, Verdict};
use crate::pipeline::session::Session;

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
        match refusal::refuse_topics(
            ctx.api_key,
            ctx.api_version,
            ctx.body,
            ctx.topic_names,
            judge,
        ) {
            Ok(Split::Unchanged) => Verdict::Pass,
            Ok(Split::Answer(body)) => Verdict::Answer(body),
            Ok(Split::Forward(_))
                if super::throttle::is_silent(ctx.api_key, ctx.api_version, ctx.body) =>
            {
                // The refused topics' errors have no answer to go in (acks=0): close, as Kafka
                // does, rather than drop their records unseen.
                Verdict::Close(format!(
                    "{}: refused topics of a Produce with acks=0, which gets no answer",
                    decisions.interceptor()
                ))
            }
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

/// Bytes after a message are kept (and written back) when a request is decoded as a tree.
const TREE_OPTIONS: WalkOptions = WalkOptions {
    consumer_protocol: None,
    coordinator_key_type: None,
    allow_trailing_bytes: true,
};

/// The request message of `api_key` at `version`.
pub fn request_ref(api_key: i16, version: i16) -> MessageRef {
    MessageRef {
        api_key,
        version,
        direction: Direction::Request,
    }
}

/// The request body of `ctx` as a value tree (records stay bytes).
pub fn decode_request(ctx: &RequestCtx<'_>) -> Result<Decoded, String> {
    decode(
        ctx.body,
        request_ref(ctx.api_key, ctx.api_version),
        &TREE_OPTIONS,
    )
    .map_err(|e| {
        format!(
            "cannot decode {} v{}: {e}",
            codec::api::api_name(ctx.api_key),
            ctx.api_version
        )
    })
}

/// Replaces the request body of `ctx` with `tree` (and the bytes that followed the message).
pub fn encode_request(ctx: &mut RequestCtx<'_>, tree: &Decoded) -> Result<(), String> {
    let mut body = encode(&tree.root, request_ref(ctx.api_key, ctx.api_version)).map_err(|e| {
        format!(
            "cannot encode {} v{}: {e}",
            codec::api::api_name(ctx.api_key),
            ctx.api_version
        )
    })?;
    body.extend_from_slice(&tree.trailing);
    *ctx.body = body;
    Ok(())
}

/// Whether a topic pattern applies to a topic given by an id whose name is unknown (a topic
/// deleted meanwhile, or one outside the client's virtual cluster): only when it is `.*`, which
/// matches every name.
pub fn applies_to_unnamed(topic: &Pattern) -> bool {
    topic.as_str() == ".*"
}

/// The topic an element of a Produce or Fetch list names: its `name_field`, or the name of its
/// `TopicId` (v13+, where the name is empty).
pub fn element_topic(
    element: &codec::schema::Struct,
    name_field: &str,
    names: &dyn crate::acl::enforce::TopicNames,
) -> Option<String> {
    match element.str(name_field).filter(|n| !n.is_empty()) {
        Some(name) => Some(name.to_owned()),
        None => element
            .uuid("TopicId")
            .filter(|id| *id != [0; 16])
            .and_then(|id| names.name_of(id)),
    }
}

/// The violations one subject (a topic, a request) was found with, by action.
#[derive(Debug, Default)]
pub struct Findings {
    /// Sentences of violations that refuse.
    pub block: Vec<String>,
    /// Sentences of violations only logged.
    pub info: Vec<String>,
    /// Sentences of values rewritten.
    pub overridden: Vec<String>,
}

impl Findings {
    /// Adds a violation handled with `action` (THROTTLE counts as INFO here).
    pub fn add(&mut self, action: Action, sentence: String) {
        match action {
            Action::Block => self.block.push(sentence),
            Action::Override => self.overridden.push(sentence),
            Action::Info | Action::Throttle => self.info.push(sentence),
        }
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.block.is_empty() && self.info.is_empty() && self.overridden.is_empty()
    }

    /// Logs one decision per action found about `topic` (or the request).
    pub fn record(&self, session: &Session, decisions: &Decisions, topic: Option<&str>) {
        for (action, list) in [
            (Action::Block, &self.block),
            (Action::Info, &self.info),
            (Action::Override, &self.overridden),
        ] {
            if !list.is_empty() {
                decisions.record(session, action, topic, &policy_message(list));
            }
        }
    }
}

/// Why `value` is out of `range`, with the bound quoted (`must not be less than '10'`) when
/// `quote`, as the reference words topic config changes.
pub fn range_violation(range: &Range, value: i64, quote: bool) -> Option<String> {
    let why = range.violation(value)?;
    if !quote {
        return Some(why);
    }
    let (text, bound) = why.rsplit_once(' ').unwrap_or((why.as_str(), ""));
    Some(format!("{text} '{bound}'"))
}

/// The first string of a request body whose first field is a string (the group id of
/// JoinGroup, SyncGroup, Heartbeat, LeaveGroup and OffsetCommit), read without decoding the
/// rest.
pub fn leading_string(api_key: i16, version: i16, body: &[u8]) -> Option<String> {
    let flexible = codec::header::request_header_version(api_key, version) >= 2;
    codec::Reader::new(body)
        .string(flexible, "leading string")
        .ok()
}
