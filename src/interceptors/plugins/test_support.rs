//! What the plugins' tests share: compiling a config, driving a filter's hooks with real
//! request and answer bodies at a given time, and building and reading bodies with the codec's
//! value tree.

use std::sync::Arc;
use std::time::Instant;

use codec::schema::{decode, encode, new_element, Direction, MessageRef, Struct, Value};
use serde_json::Value as Json;

use crate::interceptors::plugin::{Decisions, Env, Plugin};
use crate::interceptors::registry::PluginInfo;
use crate::metrics::Metrics;
use crate::pipeline::filter::{Filter, Notes, RequestCtx, ResponseCtx, Verdict};
use crate::pipeline::inflight::Wake;
use crate::pipeline::session::Session;
use crate::proxy::listener::ListenerKind;

/// A session of `principal` from 10.0.0.7.
pub fn session(principal: Option<&str>) -> Session {
    let mut s = Session::new(
        "10.0.0.7:50000".parse().unwrap(),
        ListenerKind::Port { broker_id: Some(1) },
    );
    s.principal = principal.map(str::to_owned);
    s
}

/// The plugin `info` compiled from `config` (which must be valid).
pub fn compile(info: &PluginInfo, config: Json) -> Arc<dyn Plugin> {
    (info.compile)(&config).unwrap()
}

/// The error compiling `config` gives.
pub fn config_error(info: &PluginInfo, config: Json) -> String {
    match (info.compile)(&config) {
        Ok(p) => panic!("expected an error, compiled {p:?}"),
        Err(e) => e,
    }
}

/// A connection's filter of `plugin`.
pub fn filter(plugin: &Arc<dyn Plugin>, new_connection: bool) -> Box<dyn Filter> {
    plugin.filter(Env {
        decisions: Decisions::new("test".into(), "TestPlugin", Arc::new(Metrics::new())),
        new_connection,
    })
}

/// A new connection's filter of `info`'s plugin compiled from `config`.
pub fn new_filter(info: &PluginInfo, config: Json) -> Box<dyn Filter> {
    filter(&compile(info, config), true)
}

/// What a request hook did.
#[derive(Debug)]
pub struct Sent {
    /// Its verdict.
    pub verdict: Verdict,
    /// The body after it.
    pub body: Vec<u8>,
    /// What it noted.
    pub notes: Notes,
}

/// Runs `f`'s request hook on `body` at `now`.
pub fn request(
    f: &mut dyn Filter,
    session: &Session,
    api_key: i16,
    version: i16,
    body: &[u8],
    now: Instant,
) -> Sent {
    let mut body = body.to_vec();
    let mut notes = Notes::default();
    let verdict = RequestCtx::for_tests(
        session,
        api_key,
        version,
        &mut body,
        &mut notes,
        now,
        |ctx| f.on_request(ctx),
    );
    Sent {
        verdict,
        body,
        notes,
    }
}

/// Runs `f`'s request hook, for alice now, on `root` encoded as request (api, version).
pub fn run(f: &mut dyn Filter, api: i16, version: i16, root: &Struct) -> Sent {
    let body = enc(api, version, Direction::Request, root);
    let alice = session(Some("alice"));
    request(f, &alice, api, version, &body, Instant::now())
}

/// Runs `f`'s answer hook on `body` at `now`; the verdict and the body after it.
pub fn response(
    f: &mut dyn Filter,
    session: &Session,
    api_key: i16,
    version: i16,
    body: &[u8],
    notes: &mut Notes,
    now: Instant,
) -> (Verdict, Vec<u8>) {
    let mut body = body.to_vec();
    let mut ctx = ResponseCtx {
        session,
        api_key,
        api_version: version,
        body: &mut body,
        notes,
        topic_names: &crate::acl::enforce::NoTopicNames,
        now,
    };
    let verdict = f.on_response(&mut ctx);
    (verdict, body)
}

/// When a parked verdict wakes.
pub fn parked_until(v: &Verdict) -> Option<Instant> {
    match v {
        Verdict::Park(Wake::At(t)) => Some(*t),
        _ => None,
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

/// Decodes a body (no bytes may follow the message).
pub fn dec(api: i16, version: i16, direction: Direction, body: &[u8]) -> Struct {
    decode(body, mref(api, version, direction), &Default::default())
        .unwrap()
        .root
}

/// A default element of the message `m` at `path`.
fn element(m: MessageRef, path: &[&str]) -> Struct {
    new_element(m, path).unwrap()
}

/// The request (api, version) with `fields` set (the rest at their defaults).
pub fn request_tree(api: i16, version: i16, fields: Vec<(&'static str, Value)>) -> Struct {
    elem(api, version, &[], fields)
}

/// A default element of the request array at `path`, with `fields` set.
pub fn elem(api: i16, version: i16, path: &[&str], fields: Vec<(&'static str, Value)>) -> Struct {
    let mut e = element(mref(api, version, Direction::Request), path);
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
pub fn answer(run: &Sent, api: i16, version: i16) -> Struct {
    match &run.verdict {
        Verdict::Answer(body) => dec(api, version, Direction::Response, body),
        other => panic!("expected a local answer, got {other:?}"),
    }
}

/// Asserts the hook passed the request with its body as it was.
pub fn assert_unchanged(run: &Sent, api: i16, version: i16, root: &Struct) {
    assert!(
        matches!(run.verdict, Verdict::Pass),
        "expected Pass, got {:?}",
        run.verdict
    );
    assert_eq!(run.body, enc(api, version, Direction::Request, root));
}

/// A Produce request with `acks`, one partition of `record_bytes` bytes per topic.
pub fn produce(version: i16, acks: i16, topics: &[&str], record_bytes: usize) -> Vec<u8> {
    let m = mref(0, version, Direction::Request);
    let mut root = element(m, &[]);
    assert!(root.set_int("Acks", acks.into()));
    let data = topics
        .iter()
        .map(|name| {
            let mut t = element(m, &["TopicData"]);
            t.set("Name", s(name));
            let mut p = element(m, &["TopicData", "PartitionData"]);
            p.set("Records", Value::Records(vec![0; record_bytes]));
            t.set("PartitionData", arr(vec![p]));
            t
        })
        .collect();
    root.set("TopicData", arr(data));
    encode(&root, m).unwrap()
}

/// A Fetch request for partition 0 of `topics`.
pub fn fetch(version: i16, topics: &[&str]) -> Vec<u8> {
    let m = mref(1, version, Direction::Request);
    let mut root = element(m, &[]);
    let data = topics
        .iter()
        .map(|name| {
            let mut t = element(m, &["Topics"]);
            t.set("Topic", s(name));
            t.set(
                "Partitions",
                arr(vec![element(m, &["Topics", "Partitions"])]),
            );
            t
        })
        .collect();
    root.set("Topics", arr(data));
    encode(&root, m).unwrap()
}

/// An OffsetCommit of `group` for partitions 0 and 1 of `topic`.
pub fn offset_commit(version: i16, group: &str, topic: &str) -> Vec<u8> {
    let m = mref(8, version, Direction::Request);
    let mut root = element(m, &[]);
    root.set("GroupId", s(group));
    let mut t = element(m, &["Topics"]);
    t.set("Name", s(topic));
    let parts = (0..2)
        .map(|i| {
            let mut p = element(m, &["Topics", "Partitions"]);
            assert!(p.set_int("PartitionIndex", i));
            p
        })
        .collect();
    t.set("Partitions", arr(parts));
    root.set("Topics", arr(vec![t]));
    encode(&root, m).unwrap()
}

/// A JoinGroup of `group`.
pub fn join_group(version: i16, group: &str) -> Vec<u8> {
    let m = mref(11, version, Direction::Request);
    let mut root = element(m, &[]);
    root.set("GroupId", s(group));
    root.set("ProtocolType", s("consumer"));
    encode(&root, m).unwrap()
}

/// A request of `api_key` at `version` with every field at its default.
pub fn empty_request(api_key: i16, version: i16) -> Vec<u8> {
    let m = mref(api_key, version, Direction::Request);
    encode(&element(m, &[]), m).unwrap()
}

/// The broker's answer to `api_key` at `version` with every field at its default.
pub fn empty_answer(api_key: i16, version: i16) -> Vec<u8> {
    let m = mref(api_key, version, Direction::Response);
    encode(&element(m, &[]), m).unwrap()
}

/// The broker's answer to `api_key` at `version` with `ThrottleTimeMs` set to `ms`.
pub fn answer_with_throttle(api_key: i16, version: i16, ms: i32) -> Vec<u8> {
    let m = mref(api_key, version, Direction::Response);
    let mut root = element(m, &[]);
    assert!(root.set_int("ThrottleTimeMs", ms.into()));
    encode(&root, m).unwrap()
}

/// The answer's `ThrottleTimeMs`.
pub fn throttle_ms(api_key: i16, version: i16, body: &[u8]) -> i64 {
    dec(api_key, version, Direction::Response, body)
        .int("ThrottleTimeMs")
        .unwrap()
}

/// The answer's top-level `ErrorCode`.
pub fn top_error(api_key: i16, version: i16, body: &[u8]) -> Option<i64> {
    dec(api_key, version, Direction::Response, body).int("ErrorCode")
}

/// The error code of every partition of a Produce, Fetch or OffsetCommit answer.
pub fn partition_errors(api_key: i16, version: i16, body: &[u8]) -> Vec<i64> {
    let (topics, parts) = match api_key {
        0 => ("Responses", "PartitionResponses"),
        1 => ("Responses", "Partitions"),
        8 => ("Topics", "Partitions"),
        _ => panic!("no partitions in api {api_key}"),
    };
    let root = dec(api_key, version, Direction::Response, body);
    root.array(topics)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_struct)
        .flat_map(|t| t.array(parts).unwrap_or_default().iter())
        .filter_map(|p| p.as_struct()?.int("ErrorCode"))
        .collect()
}
