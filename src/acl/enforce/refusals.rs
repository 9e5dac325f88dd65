//! Refusing a request, or some of its topics, for a reason of the caller's (an interceptor's
//! policy), in the broker's shape: the same tables as the ACL checks, without the ACLs.
//!
//! A refused topic leaves the request; its error entry is added to the broker's answer
//! ([`Refused::merge`]), so the client gets one answer. When every topic is refused, the
//! request is answered locally.

use codec::schema::{Struct, Value};

use super::answers;
use super::shape::{self, Def, Denial, Key, Parts, Shape};
use super::tree::{self, Msg};

/// The error entries of the topics taken out of a request, for its answer.
#[derive(Debug)]
pub struct Refused {
    msg: Msg,
    adds: Vec<(&'static str, Struct)>,
}

/// What became of a request whose topics were judged.
#[derive(Debug)]
pub enum Split {
    /// Nothing refused; the body is as it was.
    Unchanged,
    /// Everything refused: answer the client with this body.
    Answer(Vec<u8>),
    /// Some refused: the body now holds the rest; merge these entries into its answer.
    Forward(Refused),
}

/// AlterConfigs and IncrementalAlterConfigs: one entry per config resource.
const CONFIG_RESOURCES: Shape = Shape {
    req: "Resources",
    key: Key::Field("ResourceName"),
    id: None,
    parts: Parts::None,
    resp: "Responses",
    resp_key: "ResourceName",
    resp_id: None,
    resp_parts: None,
    error: "ErrorCode",
    message: Some("ErrorMessage"),
    defaults: &[Def::Int("ResourceType", TOPIC_RESOURCE)],
};

/// ConfigResource type TOPIC.
const TOPIC_RESOURCE: i64 = 2;

/// The request list of topics of `api_key` at `version`, for the APIs that name topics.
fn shape_of(api_key: i16, version: i16) -> Option<&'static Shape> {
    Some(match api_key {
        0 => &shape::PRODUCE,
        1 => &shape::FETCH,
        2 => &shape::LIST_OFFSETS,
        8 => &shape::OFFSET_COMMIT,
        19 => &shape::CREATE_TOPICS,
        20 if version < 6 => &shape::DELETE_TOPIC_NAMES,
        20 => &shape::DELETE_TOPICS,
        21 => &shape::DELETE_RECORDS,
        28 => &shape::TXN_OFFSET_COMMIT,
        33 | 44 => &CONFIG_RESOURCES,
        37 => &shape::CREATE_PARTITIONS,
        47 => &shape::OFFSET_DELETE,
        _ => return None,
    })
}

/// True for the APIs [`refuse_topics`] can split.
pub fn names_topics(api_key: i16, version: i16) -> bool {
    shape_of(api_key, version).is_some()
}

/// The topics of a request: `judge` sees each topic's name (config resources: topics only; a
/// topic given by id by the name `names` knows for it, else it is not judged) and returns the
/// error code and message of a refusal.
pub fn refuse_topics(
    api_key: i16,
    version: i16,
    body: &mut Vec<u8>,
    names: &dyn super::TopicNames,
    judge: &mut dyn FnMut(&str) -> Option<(i16, String)>,
) -> Result<Split, String> {
    let Some(shape) = shape_of(api_key, version) else {
        return Ok(Split::Unchanged);
    };
    let msg = Msg { api_key, version };
    let mut req = tree::read(body, msg.req())?;
    let Some(items) = req.root.array_mut(shape.req) else {
        return Ok(Split::Unchanged);
    };
    let configs = matches!(api_key, 33 | 44);
    let mut adds = Vec::new();
    let mut kept = Vec::with_capacity(items.len());
    for v in items.drain(..) {
        if configs && resource_type(&v) != Some(TOPIC_RESOURCE) {
            kept.push(v);
            continue;
        }
        let target = shape.target(&v);
        let name = target
            .name
            .clone()
            .or_else(|| target.id.and_then(|id| names.name_of(id)));
        match name.as_deref().and_then(&mut *judge) {
            None => kept.push(v),
            Some((code, message)) => {
                let denial = Denial::new(code, message);
                adds.push((
                    shape.resp,
                    shape.entry(msg.resp(), &[shape.resp], &target, &denial)?,
                ));
            }
        }
    }
    let left = kept.len();
    *items = kept;
    if adds.is_empty() {
        return Ok(Split::Unchanged);
    }
    if left == 0 {
        return answers::local(msg, None, adds).map(Split::Answer);
    }
    *body = tree::write(&req.root, &req.trailing, msg.req())?;
    Ok(Split::Forward(Refused { msg, adds }))
}

fn resource_type(v: &Value) -> Option<i64> {
    v.as_struct()?.int("ResourceType")
}

/// The answer refusing all of a request with `code` and `message`: every topic it names gets
/// the error, and so does the answer's top-level error code where it has one. An API whose
/// answer has nowhere to carry an error is an `Err` (the caller closes the connection).
pub fn refuse_whole(
    api_key: i16,
    version: i16,
    body: &[u8],
    code: i16,
    message: &str,
) -> Result<Vec<u8>, String> {
    let msg = Msg { api_key, version };
    let denial = Denial::new(code, message.to_owned());
    let Some(shape) = shape_of(api_key, version) else {
        return answers::refused(msg, body, &denial);
    };
    let req = tree::read(body, msg.req())?;
    let items = req.root.array(shape.req).unwrap_or_default();
    let adds = shape
        .refuse_all(items, msg.resp(), &[shape.resp], &denial)?
        .into_iter()
        .map(|e| (shape.resp, e))
        .collect();
    let top = tree::has(msg.resp(), &[], "ErrorCode").then_some(&denial);
    answers::local(msg, top, adds)
}

impl Refused {
    /// Adds the refused topics' entries to the broker's answer `body`.
    pub fn merge(&self, body: &mut Vec<u8>) -> Result<(), String> {
        let mut resp = tree::read(body, self.msg.resp())?;
        for (list, entry) in &self.adds {
            tree::append(&mut resp.root, list, [entry.clone()]);
        }
        *body = tree::write(&resp.root, &resp.trailing, self.msg.resp())?;
        Ok(())
    }
}

#[cfg(test)]
#[path = "refusals_tests.rs"]
mod tests;
