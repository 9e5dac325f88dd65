//! The request hook of the policies that judge each topic of a request on its own
//! (CreateTopicPolicyPlugin, AlterTopicConfigPolicyPlugin): a topic found breaking a BLOCK rule
//! is refused with POLICY_VIOLATION while the other topics go on to the broker.

use std::collections::HashMap;

use codec::schema::Struct;

use super::common::{decode_request, encode_request, failed, Findings, TopicGate};
use crate::interceptors::plugin::{policy_message, Decisions, POLICY_VIOLATION};
use crate::pipeline::filter::{RequestCtx, Verdict};

/// Judges the elements of the request's array `array`. `topic` names the topic an element is
/// about (None: not judged); `judge` adds its findings and rewrites what OVERRIDE fixes,
/// returning true when it changed something.
pub fn judge_each_topic(
    ctx: &mut RequestCtx<'_>,
    decisions: &Decisions,
    gate: &TopicGate,
    array: &str,
    topic: impl Fn(&Struct) -> Option<String>,
    mut judge: impl FnMut(&str, &mut Struct, &mut Findings) -> bool,
) -> Verdict {
    let mut tree = match decode_request(ctx) {
        Ok(t) => t,
        Err(e) => return failed(ctx, decisions, &e),
    };
    let mut changed = false;
    let mut refused: HashMap<String, String> = HashMap::new();
    let elements = tree.root.array_mut(array).map(Vec::as_mut_slice);
    for element in elements.unwrap_or_default().iter_mut() {
        let Some(element) = element.as_struct_mut() else {
            continue;
        };
        let Some(name) = topic(element) else {
            continue;
        };
        let mut found = Findings::default();
        changed |= judge(&name, element, &mut found);
        found.record(ctx.session, decisions, Some(&name));
        if !found.block.is_empty() {
            refused.insert(name, policy_message(&found.block));
        }
    }
    if changed {
        if let Err(e) = encode_request(ctx, &tree) {
            return failed(ctx, decisions, &e);
        }
    }
    if refused.is_empty() {
        return Verdict::Pass;
    }
    let mut judge = |name: &str| {
        refused
            .get(name)
            .map(|message| (POLICY_VIOLATION, message.clone()))
    };
    gate.refuse_topics(ctx, decisions, &mut judge)
}
