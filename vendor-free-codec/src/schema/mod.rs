//! Every API at every version, from Kafka's own schemas: find and rename the entities in any
//! request or response body without a hand-written decoder per API.
//!
//! Why: virtual clusters and ACLs must see every topic name, group id, transactional id and
//! topic id in every message, or a tenant reaches what is not theirs. Typed decoders for ~90
//! APIs at ~400 versions would be a lot of hand code that drifts from Kafka; instead
//! `generated.rs` holds Kafka's JSON schemas as static descriptor tables (written by
//! `vendor-free-codec/codegen`, `make codegen`), and one interpreter walks any body by them. A new
//! Kafka version is a schema update. The few names the schemas do not mark (FindCoordinator keys,
//! config and ACL resource names, topics inside consumer-protocol bytes) are a small hand-written
//! table in `rules.rs`.
//!
//! Why rewrite in place rather than decode and re-encode: a walk copies the unchanged spans of
//! the original bytes and splices in only the replaced entities (fixing the length prefixes that
//! enclose them), so whatever the gateway does not understand (unknown tagged fields, record
//! batches, padding it chose to allow) goes through exactly as the peer sent it, and a body with
//! nothing to rename is not copied at all.
//!
//! Entry points: [`walk`] (visit and rewrite) and [`scan`] (visit only, and report top-level
//! tagged fields, e.g. KIP-951 `NodeEndpoints` in Produce and Fetch responses, without copying
//! the records).
//! Shape edits: [`decode`] into a [`Value`] tree, edit it (see [`new_element`]), [`encode`] it.
//!
//! ```
//! use codec::schema::{walk, Direction, Entity, EntityValue, MessageRef, Replacement, WalkOptions};
//!
//! // A FindCoordinator v0 request: its Key, a group id.
//! let body = b"\x00\x06orders";
//! let m = MessageRef { api_key: 10, version: 0, direction: Direction::Request };
//! let mut tenant = |e: &Entity<'_>| match e.value {
//!     EntityValue::Name(n) => Some(Replacement::Name(format!("t1.{n}"))),
//!     _ => None,
//! };
//! let renamed = walk(body, m, &WalkOptions::default(), &mut tenant).unwrap();
//! assert_eq!(renamed.as_deref(), Some(&b"\x00\x09t1.orders"[..]));
//! // Nothing to rename: the caller forwards its own bytes.
//! assert_eq!(walk(body, m, &WalkOptions::default(), &mut |_: &Entity<'_>| None), Ok(None));
//! ```

mod cursor;
mod engine;
mod entity;
mod error;
#[rustfmt::skip]
mod generated;
mod rules;
mod splice;
#[cfg(test)]
mod tagged_tests;
mod types;
mod value;

pub use entity::{Entity, EntityKind, EntityValue, Replacement, Visitor};
pub use error::WalkError;
pub use generated::{APIS, CONSUMER_PROTOCOL_ASSIGNMENT, CONSUMER_PROTOCOL_SUBSCRIPTION};
pub use types::{ApiSchema, Element, Field, MessageSchema, Scalar, Type, Versions};
pub use value::{decode, encode, new_element, Decoded, Struct, Value};

use crate::error::DecodeError;
use cursor::Cursor;
use engine::{Engine, Level};
use rules::Active;
use splice::Splice;

/// Which way a body travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Client to broker.
    Request,
    /// Broker to client.
    Response,
}

/// The message a body is: API key, version and direction (from the request header; for a
/// response, from the request it answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageRef {
    /// The API key.
    pub api_key: i16,
    /// The API version.
    pub version: i16,
    /// Request or response.
    pub direction: Direction,
}

/// What the body alone cannot say. The defaults (`None`) make a walk fail with
/// [`WalkError::MissingContext`] when it needs the answer, rather than guess.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WalkOptions {
    /// Whether the group's protocol type is "consumer", for JoinGroup responses v0-6 and
    /// SyncGroup v0-4, which do not carry ProtocolType themselves (remember it from the
    /// JoinGroup request). A message's own ProtocolType wins. When consumer, the protocol bytes
    /// must decode as the consumer protocol or the walk fails
    /// ([`WalkError::ConsumerProtocol`]).
    pub consumer_protocol: Option<bool>,
    /// For FindCoordinator v4+ responses: the KeyType of the request (0 group, 1 transaction),
    /// which says what `Coordinators[].Key` is.
    pub coordinator_key_type: Option<i8>,
    /// Keep bytes after the end of the message instead of failing with
    /// [`DecodeError::TrailingBytes`] (some peers pad responses; clients ignore the padding).
    pub allow_trailing_bytes: bool,
}

/// What a [`scan`] found besides the entities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scan {
    top_level_tags: u64,
}

impl Scan {
    /// True when the message's top-level tagged field `tag` is present and non-empty (an
    /// array with at least one element, a non-null value; an unknown tag with any bytes).
    /// Tags from 64 up are not tracked and read as absent.
    pub fn has_tagged_field(&self, tag: u32) -> bool {
        1u64.checked_shl(tag)
            .is_some_and(|bit| self.top_level_tags & bit != 0)
    }
}

/// The schemas of `api_key`, if the schemas define it.
pub fn api_schema(api_key: i16) -> Option<&'static ApiSchema> {
    let dense = usize::try_from(api_key).ok().and_then(|i| APIS.get(i));
    dense
        .filter(|a| a.api_key == api_key)
        .or_else(|| APIS.iter().find(|a| a.api_key == api_key))
}

/// The schema of one body, checked to define `message.version`.
pub fn message_schema(message: MessageRef) -> Result<&'static MessageSchema, DecodeError> {
    let api = api_schema(message.api_key).ok_or(DecodeError::UnknownApiKey {
        api_key: message.api_key,
    })?;
    let schema = match message.direction {
        Direction::Request => api.request,
        Direction::Response => api.response,
    };
    if schema.versions.contains(message.version) {
        Ok(schema)
    } else {
        Err(DecodeError::UnsupportedVersion {
            api_key: message.api_key,
            version: message.version,
        })
    }
}

/// Walk `body` (the bytes after the request or response header), show every entity to
/// `visitor`, and return the body with the visitor's replacements, or `None` when it replaced
/// nothing (the caller forwards `body` as it is).
pub fn walk(
    body: &[u8],
    message: MessageRef,
    options: &WalkOptions,
    visitor: &mut dyn Visitor,
) -> Result<Option<Vec<u8>>, WalkError> {
    run(body, message, options, visitor).map(|(rewritten, _)| rewritten)
}

/// Show every entity in `body` to `on_entity` without rewriting anything, and report which
/// top-level tagged fields it carries. Records are skipped as bytes.
pub fn scan(
    body: &[u8],
    message: MessageRef,
    options: &WalkOptions,
    mut on_entity: impl FnMut(&Entity<'_>),
) -> Result<Scan, WalkError> {
    let mut look = |e: &Entity<'_>| -> Option<Replacement> {
        on_entity(e);
        None
    };
    run(body, message, options, &mut look).map(|(_, top_level_tags)| Scan { top_level_tags })
}

fn run(
    body: &[u8],
    message: MessageRef,
    options: &WalkOptions,
    visitor: &mut dyn Visitor,
) -> Result<(Option<Vec<u8>>, u64), WalkError> {
    let schema = message_schema(message)?;
    run_schema(body, schema, message, options, visitor)
}

/// [`run`] with the schema given (the unit tests walk schemas of their own).
fn run_schema(
    body: &[u8],
    schema: &'static MessageSchema,
    message: MessageRef,
    options: &WalkOptions,
    visitor: &mut dyn Visitor,
) -> Result<(Option<Vec<u8>>, u64), WalkError> {
    let mut engine = Engine {
        input: body,
        visitor,
        options: *options,
        api_key: message.api_key,
        active: Active::for_schema(schema),
        consumer_group: None,
        reading_ahead: false,
        top_tags: 0,
    };
    let lvl = Level {
        version: message.version,
        flexible: schema.flexible.contains(message.version),
        top: true,
    };
    let mut cur = Cursor::new(body);
    let mut out = Splice::new(0);
    engine.struct_body(schema.fields, &mut cur, &mut out, lvl)?;
    if !options.allow_trailing_bytes {
        cur.expect_empty("message body")?;
    }
    let rewritten = out.finish(body, body.len())?;
    Ok((rewritten, engine.top_tags))
}
