//! The delaying plugins driven through a real pipeline with frames: a held request is
//! forwarded once when it wakes, a throttled answer carries the throttle time, and an acks=0
//! Produce is held but never answered.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use codec::api::keys;
use codec::header::{request_header_version, response_header_version, RequestHeader};
use serde_json::json;

use super::super::test_support::{answer_with_throttle, compile, filter, produce, throttle_ms};
use super::super::{producer_rate_limiting_policy, simulate_latency, simulate_slow_broker};
use crate::net::buffer::ByteQueue;
use crate::pipeline::session::Session;
use crate::pipeline::{Outbox, Pipeline};
use crate::proxy::listener::ListenerKind;
use crate::proxy::shared::Shared;

const HEARTBEAT: i16 = 12;

#[derive(Default)]
struct Queues {
    to_client: ByteQueue,
    to_upstream: ByteQueue,
}

impl Queues {
    fn outbox(&mut self) -> Outbox<'_> {
        Outbox {
            to_client: &mut self.to_client,
            to_upstream: &mut self.to_upstream,
        }
    }
}

fn pipeline(principal: &str) -> Pipeline {
    let source: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let mut session = Session::new(source, ListenerKind::Port { broker_id: Some(1) });
    session.principal = Some(principal.to_owned());
    Pipeline::new(Shared::for_tests(None), session)
}

fn request_frame(api_key: i16, version: i16, client_id: i32, message: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    RequestHeader {
        api_key,
        api_version: version,
        correlation_id: client_id,
        client_id: Some("test-client".into()),
        ..Default::default()
    }
    .encode(&mut body, request_header_version(api_key, version))
    .unwrap();
    body.extend_from_slice(message);
    framed(&body)
}

/// An answer frame from the broker with `upstream_id` (produce v9: flexible header).
fn answer_frame(api_key: i16, version: i16, upstream_id: i32, message: &[u8]) -> Vec<u8> {
    let mut body = upstream_id.to_be_bytes().to_vec();
    if response_header_version(api_key, version) >= 1 {
        body.push(0);
    }
    body.extend_from_slice(message);
    framed(&body)
}

fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

fn frames(queue: &mut ByteQueue) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let bytes = queue.as_slice().to_vec();
    queue.consume(bytes.len());
    let mut rest = bytes.as_slice();
    while rest.len() >= 4 {
        let size = usize::try_from(u32::from_be_bytes(rest[..4].try_into().unwrap())).unwrap();
        out.push(rest[4..4 + size].to_vec());
        rest = &rest[4 + size..];
    }
    out
}

fn upstream_id(frame: &[u8]) -> i32 {
    i32::from_be_bytes(frame[4..8].try_into().unwrap())
}

#[test]
fn a_fast_producer_gets_a_throttle_time_and_its_next_request_waits() {
    let plugin = compile(
        &producer_rate_limiting_policy::INFO,
        json!({"maximumBytesPerSecond": 100}),
    );
    let (mut p, mut q) = (pipeline("alice"), Queues::default());
    p.push_filter(filter(&plugin, true));
    let t0 = Instant::now();
    let message = produce(9, 1, &["t"], 400);
    let debt_ms = (message.len() - 100) * 10;
    let delay = Duration::from_millis(debt_ms as u64);
    p.on_request(
        &request_frame(keys::PRODUCE, 9, 1, &message),
        &mut q.outbox(),
        t0,
    )
    .unwrap();
    let sent = frames(&mut q.to_upstream);
    assert_eq!(sent.len(), 1, "the produce itself goes on");
    // The next request waits behind the throttle.
    p.on_request(&request_frame(HEARTBEAT, 4, 2, b""), &mut q.outbox(), t0)
        .unwrap();
    assert!(frames(&mut q.to_upstream).is_empty());
    assert_eq!(p.next_wake(), Some(t0 + delay));
    // The broker's answer reaches the client with the throttle time.
    let answer = answer_with_throttle(keys::PRODUCE, 9, 0);
    p.on_response(
        &answer_frame(keys::PRODUCE, 9, upstream_id(&sent[0]), &answer),
        &mut q.outbox(),
        t0,
    )
    .unwrap();
    let got = frames(&mut q.to_client);
    assert_eq!(got.len(), 1);
    assert_eq!(throttle_ms(keys::PRODUCE, 9, &got[0][5..]), debt_ms as i64);
    p.on_tick(&mut q.outbox(), t0 + delay / 2).unwrap();
    assert!(frames(&mut q.to_upstream).is_empty());
    p.on_tick(&mut q.outbox(), t0 + delay).unwrap();
    assert_eq!(frames(&mut q.to_upstream).len(), 1, "forwarded once");
}

#[test]
fn latency_holds_each_request_once() {
    let plugin = compile(
        &simulate_latency::INFO,
        json!({"appliedPercentage": 100, "latencyMs": 300}),
    );
    let (mut p, mut q) = (pipeline("bob"), Queues::default());
    p.push_filter(filter(&plugin, true));
    let t0 = Instant::now();
    p.on_request(&request_frame(HEARTBEAT, 4, 1, b""), &mut q.outbox(), t0)
        .unwrap();
    assert!(frames(&mut q.to_upstream).is_empty());
    let wake = t0 + Duration::from_millis(300);
    assert_eq!(p.next_wake(), Some(wake));
    p.on_tick(&mut q.outbox(), wake).unwrap();
    assert_eq!(frames(&mut q.to_upstream).len(), 1);
    assert_eq!(p.next_wake(), None);
}

#[test]
fn a_slow_broker_holds_an_acks_0_produce_and_never_answers_it() {
    let plugin = compile(
        &simulate_slow_broker::INFO,
        json!({"rateInPercent": 100, "minLatencyMs": 200, "maxLatencyMs": 200}),
    );
    let (mut p, mut q) = (pipeline("carol"), Queues::default());
    p.push_filter(filter(&plugin, true));
    let t0 = Instant::now();
    let message = produce(9, 0, &["t"], 10);
    p.on_request(
        &request_frame(keys::PRODUCE, 9, 1, &message),
        &mut q.outbox(),
        t0,
    )
    .unwrap();
    assert!(frames(&mut q.to_upstream).is_empty());
    p.on_tick(&mut q.outbox(), t0 + Duration::from_millis(200))
        .unwrap();
    assert_eq!(frames(&mut q.to_upstream).len(), 1);
    assert!(!p.busy(), "nothing is owed to the client");
    assert!(q.to_client.is_empty());
}
