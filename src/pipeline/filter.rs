//! The `Filter` trait: where virtual clusters, ACLs, policies and record transforms plug into
//! the pipeline.
//!
//! A filter sees the requests and answers it asks for and nothing else. For each (api key,
//! version) it says how deep it needs to look ([`Want`]); a frame no filter in the chain wants
//! never leaves the byte path: it is forwarded with only its correlation id swapped, and a large
//! answer is streamed to the client as it arrives. What a filter wants is decoded once and
//! handed to it as the frame's header and body bytes, which it may read with the codec
//! (`codec::schema` visits every entity of every API) and replace.
//!
//! Requests run through the chain in order; answers run through it in reverse. A hook returns
//! a [`Verdict`]: pass (with or without changes), answer locally, park, or close. What a request
//! hook wants to remember for its answer goes into the request's [`Notes`], which the answer
//! hook receives. A request hook may also send requests of its own to the broker
//! ([`RequestCtx::side_request`]); their answers come back to [`Filter::on_side_answer`] and
//! never reach the client. To split a request (keep some topics, deny others), a filter
//! removes the denied part from the request, notes it, and adds the matching error entries to
//! the answer in its answer hook, so the client gets one answer in the broker's shape.

use std::any::Any;
use std::time::Instant;

use super::inflight::Wake;
use super::session::Session;
use crate::acl::enforce::TopicNames;

/// How deep a filter looks at one (api key, version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Want {
    /// Not at all: the frame stays on the byte path.
    Nothing,
    /// The message: header and body bytes, record batches left as they are.
    Message,
    /// The message and the records inside it (decompressed by the filter on demand).
    Records,
}

/// What a hook decided.
#[derive(Debug)]
pub enum Verdict {
    /// Go on (the hook may have changed the body).
    Pass,
    /// Answer the client with this response body (the message after the response header);
    /// a request goes no further.
    Answer(Vec<u8>),
    /// Hold the frame until `Wake`. A parked request runs this filter's hook again when it
    /// wakes (the filters before it are not run twice), and the client's later requests wait
    /// behind it, so their order is kept. A parked answer is held as it is once every answer
    /// hook has run; the answers after it wait behind it.
    Park(Wake),
    /// Close the connection, with the reason for the log.
    Close(String),
}

/// Per-request values carried from a request hook to the answer hook of the same request.
#[derive(Debug, Default)]
pub struct Notes(Vec<(&'static str, Box<dyn Any + Send>)>);

impl Notes {
    /// Remember `value` under `key` (a filter's own name is a good prefix).
    pub fn put<T: Any + Send>(&mut self, key: &'static str, value: T) {
        self.0.retain(|(k, _)| *k != key);
        self.0.push((key, Box::new(value)));
    }

    /// The value noted under `key`, if it has type `T`.
    pub fn get<T: Any>(&self, key: &'static str) -> Option<&T> {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.downcast_ref())
    }

    /// The value noted under `key`, if it has type `T`, to change.
    pub fn get_mut<T: Any>(&mut self, key: &'static str) -> Option<&mut T> {
        self.0
            .iter_mut()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.downcast_mut())
    }

    /// True when nothing was noted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A request kgate sends to the broker on a filter's behalf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SideRequest {
    /// Its API key.
    pub api_key: i16,
    /// Its version.
    pub api_version: i16,
    /// The message body (after the request header, which kgate writes).
    pub body: Vec<u8>,
    /// Handed back with the answer.
    pub token: u64,
}

/// What a request hook sees and may change.
#[derive(Debug)]
pub struct RequestCtx<'a> {
    /// Who the connection is.
    pub session: &'a Session,
    /// The API key.
    pub api_key: i16,
    /// The API version.
    pub api_version: i16,
    /// The message body after the request header; a filter may replace it.
    pub body: &'a mut Vec<u8>,
    /// Values for this request's answer hook.
    pub notes: &'a mut Notes,
    /// Now, as the worker saw it.
    pub now: Instant,
    /// The names of topics the request gives by id only, as the connection's clients know them
    /// (learnt from answers, or looked up before the request came here).
    pub topic_names: &'a dyn TopicNames,
    /// Set to replace the `client.id` of the request's header (e.g. a naming convention's
    /// override); the broker sees the new one.
    pub new_client_id: &'a mut Option<String>,
    pub(super) side: &'a mut Vec<SideRequest>,
    pub(super) next_token: &'a mut u64,
}

impl RequestCtx<'_> {
    /// Send a request of kgate's own to the broker before this one; its answer comes to
    /// [`Filter::on_side_answer`] with the returned token. Park on `Wake::Event(token)` to wait.
    pub fn side_request(&mut self, api_key: i16, api_version: i16, body: Vec<u8>) -> u64 {
        *self.next_token += 1;
        let token = *self.next_token;
        self.side.push(SideRequest {
            api_key,
            api_version,
            body,
            token,
        });
        token
    }
}

#[cfg(test)]
impl RequestCtx<'_> {
    /// Runs `f` on a context of a request of `session` at `now`, for tests of filters outside
    /// the pipeline; side requests and a changed client id are dropped.
    pub fn for_tests<R>(
        session: &Session,
        api_key: i16,
        api_version: i16,
        body: &mut Vec<u8>,
        notes: &mut Notes,
        now: Instant,
        f: impl FnOnce(&mut RequestCtx<'_>) -> R,
    ) -> R {
        let mut side = Vec::new();
        let mut next_token = 0;
        let mut new_client_id = None;
        let mut ctx = RequestCtx {
            session,
            api_key,
            api_version,
            body,
            notes,
            now,
            topic_names: &crate::acl::enforce::NoTopicNames,
            new_client_id: &mut new_client_id,
            side: &mut side,
            next_token: &mut next_token,
        };
        f(&mut ctx)
    }
}

/// What an answer hook sees and may change.
#[derive(Debug)]
pub struct ResponseCtx<'a> {
    /// Who the connection is.
    pub session: &'a Session,
    /// The API key of the request answered.
    pub api_key: i16,
    /// The API version of the request answered.
    pub api_version: i16,
    /// The message body after the response header; a filter may replace it.
    pub body: &'a mut Vec<u8>,
    /// What the request hooks noted.
    pub notes: &'a mut Notes,
    /// The names of topics the answer gives by id only (see [`RequestCtx::topic_names`]).
    pub topic_names: &'a dyn TopicNames,
    /// Now, as the worker saw it.
    pub now: Instant,
}

/// One stage of the filter chain. Filters live per connection (the chain is built for the
/// session), so they may keep per-connection state without locks.
pub trait Filter: Send + std::fmt::Debug {
    /// The filter's name, for logs.
    fn name(&self) -> &'static str;

    /// How deep this filter looks at requests of `api_key` at `version` and their answers.
    fn wants(&self, api_key: i16, api_version: i16) -> Want;

    /// A request on its way to the broker.
    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        let _ = ctx;
        Verdict::Pass
    }

    /// Whether this filter's answer hook must see the answer to a request it just passed (its
    /// notes in hand). An answer no filter needs stays on the byte path: moved, or streamed
    /// when large, without being held whole. Called after every request hook ran.
    fn wants_answer(&self, api_key: i16, api_version: i16, notes: &Notes) -> bool {
        let _ = (api_key, api_version, notes);
        true
    }

    /// An answer on its way to the client. `Verdict::Answer` replaces the body.
    fn on_response(&mut self, ctx: &mut ResponseCtx<'_>) -> Verdict {
        let _ = ctx;
        Verdict::Pass
    }

    /// The broker's answer (body after the response header) to one of this filter's side
    /// requests.
    fn on_side_answer(&mut self, token: u64, api_key: i16, api_version: i16, body: &[u8]) {
        let _ = (token, api_key, api_version, body);
    }
}
