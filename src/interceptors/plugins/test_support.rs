//! What the plugins' tests share: a session, decisions, running a filter's request hook on a
//! body, and building and reading bodies as value trees.

use std::sync::Arc;

use codec::schema::{decode, encode, new_element, Direction, MessageRef, Struct, Value};
use serde_json::Value as Json;

use crate::interceptors::plugin::{Decisions, Env};
use crate::interceptors::registry::PluginInfo;
use crate::metrics::Metrics;
use crate::pipeline::filter::{Filter, Notes, RequestCtx, Verdict};
use crate::pipeline::session::Session;
use crate::proxy::listener::ListenerKind;

/// A connection from 10.0.0.7 of `alice`.
pub fn session() -> Session {
    let mut s = Session::new(
        "10.0.0.7:50000".parse().unwrap(),
        ListenerKind::Port { broker_id: Some(1) },
    );
    s.principal = Some("alice".into());
    s
}

/// The filter of `info`'s plugin compiled from `config`.
pub fn filter(info: &PluginInfo, config: Json) -> Box<dyn Filter> {
    let plugin = (info.compile)(&config).unwrap();
    plugin.filter(Env {
        decisions: Decisions::new("test".into(), info.short_name(), Arc::new(Metrics::new())),
        new_connection: true,
    })
}

/// The config error of `info` for `config`.
pub fn config_error(info: &PluginInfo, config: Json) -> String {
    (info.compile)(&config).unwrap_err()
}

/// What a request hook did.
#[derive(Debug)]
pub struct Run {
    /// Its verdict.
    pub verdict: Verdict,
    /// The body after it.
    pub body: Vec<u8>,
    /// The notes for the answer.
    pub notes: Notes,
}

/// Runs `f`'s request hook on `root` encoded as request (api, version).
pub fn run(f: &mut dyn Filter, api: i16, version: i16, root: &Struct) -> Run {
    let mut body = enc(api, version, Direction::Request, root);
    run_bytes(f, api, version, body.split_off(0))
}

/// Runs `f`'s request hook on `body`.
pub fn run_bytes(f: &mut dyn Filter, api: i16, version: i16, mut body: Vec<u8>) -> Run {
    let mut notes = Notes::default();
    let session = session();
    let verdict = RequestCtx::for_tests(&session, api, version, &mut body, &mut notes, |ctx| {
        f.on_request(ctx)
    });
    Run {
        verdict,
        body,
        notes,
    }
}

/// The message reference.
pub fn mref(api: i16, version: i16, direction: Direction) -> MessageRef {
    MessageRef {
        api_key: api,
        version,
        direction,
    }
}

/// Encodes a tree.
pub fn enc(api: i16, version: i16, direction: Direction, root: &Struct) -> Vec<u8> {
    encode(root, mref(api, version, direction)).unwrap()
}

/// Decodes a body.
pub fn dec(api: i16, version: i16, direction: Direction, body: &[u8]) -> Struct {
    decode(body, mref(api, version, direction), &Default::default())
        .unwrap()
        .root
}

/// The request (api, version) with `fields` set (the rest at their defaults).
pub fn request(api: i16, version: i16, fields: Vec<(&'static str, Value)>) -> Struct {
    elem(api, version, &[], fields)
}

/// A default element of the request array at `path`, with `fields` set.
pub fn elem(api: i16, version: i16, path: &[&str], fields: Vec<(&'static str, Value)>) -> Struct {
    let mut e = new_element(mref(api, version, Direction::Request), path).unwrap();
    for (name, v) in fields {
        e.set(name, v);
    }
    e
}

/// An array of structs.
pub fn arr(items: Vec<Struct>) -> Value {
    Value::Array(items.into_iter().map(Value::Struct).collect())
}

/// A string.
pub fn s(text: &str) -> Value {
    Value::String(text.into())
}

/// The struct elements of the array `name` of `s`.
pub fn items<'a>(s: &'a Struct, name: &str) -> Vec<&'a Struct> {
    s.array(name)
        .unwrap_or_else(|| panic!("no array {name} in {s:?}"))
        .iter()
        .map(|v| v.as_struct().unwrap())
        .collect()
}

/// The body of a local answer, decoded as the response (api, version).
pub fn answer(run: &Run, api: i16, version: i16) -> Struct {
    match &run.verdict {
        Verdict::Answer(body) => dec(api, version, Direction::Response, body),
        other => panic!("expected a local answer, got {other:?}"),
    }
}

/// Asserts the hook passed the request with its body as it was.
pub fn assert_unchanged(run: &Run, api: i16, version: i16, root: &Struct) {
    assert!(
        matches!(run.verdict, Verdict::Pass),
        "expected Pass, got {:?}",
        run.verdict
    );
    assert_eq!(run.body, enc(api, version, Direction::Request, root));
}
