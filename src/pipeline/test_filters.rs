//! Two filters used only by tests, and the worked example of the README's "Architecture"
//! section: one renames a topic in both directions (what a virtual cluster does with every
//! name), one delays answers (what a latency or throttling policy does).

use std::time::Duration;

use codec::api::keys;
use codec::schema::{
    walk, Direction, Entity, EntityKind, EntityValue, MessageRef, Replacement, WalkOptions,
};

use super::filter::{Filter, RequestCtx, ResponseCtx, Verdict, Want};
use super::inflight::Wake;

/// Clients see topic `client_name`; the broker has it as `broker_name`. Every topic name in
/// every request and answer of the APIs below is visited with `codec::schema::walk`, so the
/// rename holds wherever a name appears, and the rest of each body (records included) goes
/// through as it came.
#[derive(Debug)]
pub struct RenameTopic {
    /// The name clients use.
    pub client_name: String,
    /// The name on the broker.
    pub broker_name: String,
}

/// The note a request leaves for its answer: how many names it renamed.
const RENAMED: &str = "rename-topic.renamed";

/// APIs whose bodies carry topic names and need no context from another message to walk.
const TOPIC_APIS: &[i16] = &[
    keys::PRODUCE,
    keys::FETCH,
    keys::LIST_OFFSETS,
    keys::METADATA,
    8, // OffsetCommit
    9, // OffsetFetch
    keys::CREATE_TOPICS,
    keys::DELETE_TOPICS,
];

impl RenameTopic {
    /// Rename `from` to `to` in `body`; how many names changed, or why the body is refused.
    fn rename(
        body: &mut Vec<u8>,
        message: MessageRef,
        from: &str,
        to: &str,
    ) -> Result<usize, String> {
        let mut renamed = 0usize;
        let mut visitor = |e: &Entity<'_>| match (e.kind, &e.value) {
            (EntityKind::TopicName, EntityValue::Name(name)) if *name == from => {
                renamed += 1;
                Some(Replacement::Name(to.to_owned()))
            }
            _ => None,
        };
        let walked = walk(body, message, &WalkOptions::default(), &mut visitor)
            .map_err(|e| format!("cannot walk {message:?}: {e}"))?;
        if let Some(rewritten) = walked {
            *body = rewritten;
        }
        Ok(renamed)
    }

    /// How many names the request of an answer renamed, as its notes say.
    pub fn renamed(notes: &super::filter::Notes) -> Option<usize> {
        notes.get::<usize>(RENAMED).copied()
    }
}

impl Filter for RenameTopic {
    fn name(&self) -> &'static str {
        "rename-topic"
    }

    fn wants(&self, api_key: i16, _version: i16) -> Want {
        if TOPIC_APIS.contains(&api_key) {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        let message = MessageRef {
            api_key: ctx.api_key,
            version: ctx.api_version,
            direction: Direction::Request,
        };
        match Self::rename(ctx.body, message, &self.client_name, &self.broker_name) {
            Ok(renamed) => {
                ctx.notes.put(RENAMED, renamed);
                Verdict::Pass
            }
            Err(why) => Verdict::Close(why),
        }
    }

    fn on_response(&mut self, ctx: &mut ResponseCtx<'_>) -> Verdict {
        if Self::renamed(ctx.notes).is_none() {
            return Verdict::Close("an answer without its request's notes".into());
        }
        let message = MessageRef {
            api_key: ctx.api_key,
            version: ctx.api_version,
            direction: Direction::Response,
        };
        match Self::rename(ctx.body, message, &self.broker_name, &self.client_name) {
            Ok(_) => Verdict::Pass,
            Err(why) => Verdict::Close(why),
        }
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
