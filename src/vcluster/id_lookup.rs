//! Topic ids kgate has not seen yet are looked up before the request that names them goes on.
//!
//! Why: a client may hold ids from before a kgate restart, or from another gateway node, and
//! the tenant and ACL stages can only place an id by its name. Without a lookup such an id would
//! be answered UNKNOWN_TOPIC_ID until the client happens to refresh its metadata through this
//! connection's kgate. The lookup is one Metadata request for every topic, sent on the
//! connection by kgate itself (its answer never reaches the client), at most once per
//! `RETRY` per connection; the request waits for it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use codec::schema::{self, Direction, EntityKind, EntityValue, MessageRef, Value, WalkOptions};

use super::lists;
use super::runtime::Tenancy;
use super::topic_ids::NO_ID;
use crate::pipeline::filter::{Filter, Notes, RequestCtx, Verdict, Want};
use crate::pipeline::inflight::Wake;

const METADATA: i16 = 3;
/// The Metadata version of the lookup: the first that lists topic ids with names (Kafka 3.1+,
/// as old as the first Fetch that names topics by id).
const LOOKUP_VERSION: i16 = 12;
/// How long after a lookup another may be sent for the same connection.
const RETRY: Duration = Duration::from_secs(5);

/// The first stage of a tenant's (or an ACL-checked) chain.
#[derive(Debug)]
pub struct IdLookup {
    tenancy: Arc<Tenancy>,
    /// The lookup in flight.
    pending: Option<u64>,
    /// When the last lookup was sent.
    last: Option<Instant>,
}

impl IdLookup {
    /// A stage over the shared id map.
    pub fn new(tenancy: Arc<Tenancy>) -> IdLookup {
        IdLookup {
            tenancy,
            pending: None,
            last: None,
        }
    }

    fn has_unknown_id(&self, api_key: i16, version: i16, body: &[u8]) -> bool {
        let message = MessageRef {
            api_key,
            version,
            direction: Direction::Request,
        };
        let options = WalkOptions {
            allow_trailing_bytes: true,
            ..WalkOptions::default()
        };
        let ids = &self.tenancy.topic_ids;
        let mut unknown = false;
        // A request that does not walk is refused by the stages after this one.
        let _ = schema::scan(body, message, &options, |e| {
            if let (EntityKind::TopicId, EntityValue::Id(id)) = (e.kind, e.value) {
                unknown |= id != NO_ID && ids.name_of(&id).is_none();
            }
        });
        unknown
    }
}

/// The body of a Metadata request for every topic, auto-creating nothing.
fn all_topics_request() -> Option<Vec<u8>> {
    let message = MessageRef {
        api_key: METADATA,
        version: LOOKUP_VERSION,
        direction: Direction::Request,
    };
    let mut root = schema::new_element(message, &[]).ok()?;
    root.set("Topics", Value::Null);
    root.set("AllowAutoTopicCreation", Value::Bool(false));
    schema::encode(&root, message).ok()
}

/// True for the (api, version) pairs whose requests may name topics by id.
fn names_topics_by_id(api_key: i16, version: i16) -> bool {
    let Some(api) = schema::api_schema(api_key) else {
        return false;
    };
    api.request.versions.contains(version) && lists::mentions_topic_ids(api.request, version)
}

impl Filter for IdLookup {
    fn name(&self) -> &'static str {
        "topic-id lookup"
    }

    fn wants(&self, api_key: i16, api_version: i16) -> Want {
        if names_topics_by_id(api_key, api_version) {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        if self.pending.take().is_some() {
            // Woken by the lookup's answer: whatever is still unknown is foreign or gone.
            return Verdict::Pass;
        }
        if !self.has_unknown_id(ctx.api_key, ctx.api_version, ctx.body) {
            return Verdict::Pass;
        }
        if self.last.is_some_and(|t| ctx.now.duration_since(t) < RETRY) {
            return Verdict::Pass;
        }
        let Some(body) = all_topics_request() else {
            return Verdict::Pass;
        };
        self.last = Some(ctx.now);
        let token = ctx.side_request(METADATA, LOOKUP_VERSION, body);
        self.pending = Some(token);
        Verdict::Park(Wake::Event(token))
    }

    fn wants_answer(&self, _api_key: i16, _api_version: i16, _notes: &Notes) -> bool {
        false
    }

    fn on_side_answer(&mut self, _token: u64, api_key: i16, api_version: i16, body: &[u8]) {
        let message = MessageRef {
            api_key,
            version: api_version,
            direction: Direction::Response,
        };
        let options = WalkOptions {
            allow_trailing_bytes: true,
            ..WalkOptions::default()
        };
        match schema::decode(body, message, &options) {
            Ok(decoded) => lists::learn_ids(&decoded.root, &self.tenancy.topic_ids),
            Err(e) => log::warn!("the topic-id lookup's Metadata answer does not decode: {e}"),
        }
    }
}
