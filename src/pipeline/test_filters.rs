//! Two filters used only by tests, and the worked example of the README's "Architecture"
//! section: one renames a topic in both directions (what a virtual cluster does with every
//! name), one delays answers (what a latency or throttling policy does).

use std::time::Duration;

use codec::api::keys;
use codec::messages::metadata::{MetadataRequest, MetadataResponse};
use codec::Message;

use super::filter::{Filter, RequestCtx, ResponseCtx, Verdict, Want};
use super::inflight::Wake;

/// Clients see topic `client_name`; the broker has it as `broker_name`.
#[derive(Debug)]
pub struct RenameTopic {
    /// The name clients use.
    pub client_name: String,
    /// The name on the broker.
    pub broker_name: String,
}

/// The note a request leaves for its answer: which names were renamed.
const RENAMED: &str = "rename-topic.renamed";

impl Filter for RenameTopic {
    fn name(&self) -> &'static str {
        "rename-topic"
    }

    fn wants(&self, api_key: i16, _version: i16) -> Want {
        if api_key == keys::METADATA {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        let Ok(mut request) = MetadataRequest::decode_body(ctx.body, ctx.api_version) else {
            return Verdict::Close("cannot decode a Metadata request".into());
        };
        let mut renamed = 0usize;
        for topic in request.topics.iter_mut().flatten() {
            if topic.name.as_deref() == Some(self.client_name.as_str()) {
                topic.name = Some(self.broker_name.clone());
                renamed += 1;
            }
        }
        let mut body = Vec::new();
        if request.encode_body(&mut body, ctx.api_version).is_err() {
            return Verdict::Close("cannot encode a Metadata request".into());
        }
        *ctx.body = body;
        ctx.notes.put(RENAMED, renamed);
        Verdict::Pass
    }

    fn on_response(&mut self, ctx: &mut ResponseCtx<'_>) -> Verdict {
        if Self::renamed(ctx.notes).is_none() {
            return Verdict::Close("an answer without its request's notes".into());
        }
        let Ok(mut answer) = MetadataResponse::decode_body(ctx.body, ctx.api_version) else {
            return Verdict::Close("cannot decode a Metadata answer".into());
        };
        for topic in &mut answer.topics {
            if topic.name.as_deref() == Some(self.broker_name.as_str()) {
                topic.name = Some(self.client_name.clone());
            }
        }
        let mut body = Vec::new();
        if answer.encode_body(&mut body, ctx.api_version).is_err() {
            return Verdict::Close("cannot encode a Metadata answer".into());
        }
        Verdict::Answer(body)
    }
}

impl RenameTopic {
    /// How many names the request of an answer renamed, as its notes say.
    pub fn renamed(notes: &super::filter::Notes) -> Option<usize> {
        notes.get::<usize>(RENAMED).copied()
    }
}

/// Holds every answer of `api_key` for `delay` after it arrived.
#[derive(Debug)]
pub struct DelayAnswers {
    /// The API whose answers wait.
    pub api_key: i16,
    /// How long.
    pub delay: Duration,
}

impl Filter for DelayAnswers {
    fn name(&self) -> &'static str {
        "delay-answers"
    }

    fn wants(&self, api_key: i16, _version: i16) -> Want {
        if api_key == self.api_key {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn on_response(&mut self, ctx: &mut ResponseCtx<'_>) -> Verdict {
        Verdict::Park(Wake::At(ctx.now + self.delay))
    }
}
