//! The pipeline driven with frames alone: no sockets.

use std::net::SocketAddr;
use std::time::Duration;

use codec::api::keys;
use codec::header::{request_header_version, RequestHeader};
use codec::messages::api_versions::{ApiVersion, ApiVersionsRequest, ApiVersionsResponse};
use codec::messages::metadata::{
    MetadataRequest, MetadataRequestTopic, MetadataResponse, MetadataResponseTopic,
};

use super::test_filters::{DelayAnswers, RenameTopic};
use super::*;
use crate::proxy::listener::ListenerKind;

const HEARTBEAT: i16 = 12;

fn shared() -> Arc<Shared> {
    let shared = Shared::for_tests(None);
    *shared.api_versions.write().unwrap() = Arc::new(ApiVersionsResponse {
        api_keys: vec![ApiVersion {
            api_key: keys::METADATA,
            min_version: 0,
            max_version: 12,
            ..Default::default()
        }],
        ..Default::default()
    });
    shared
}

fn pipeline() -> Pipeline {
    let source: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    Pipeline::new(
        shared(),
        Session::new(source, ListenerKind::Port { broker_id: Some(1) }),
    )
}

/// Both queues of a connection, as `Connection` holds them.
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

fn answer_frame(api_key: i16, version: i16, upstream_id: i32, message: &[u8]) -> Vec<u8> {
    framed(&response_frame(upstream_id, api_key, version, message).unwrap())
}

fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

/// Split a queue into frame bodies (size prefixes removed), emptying it.
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
    assert!(rest.is_empty(), "a partial frame was queued");
    out
}

fn request_id(body: &[u8]) -> i32 {
    i32::from_be_bytes(body[4..8].try_into().unwrap())
}

fn answer_id(body: &[u8]) -> i32 {
    i32::from_be_bytes(body[..4].try_into().unwrap())
}

fn offer(p: &mut Pipeline, q: &mut Queues, frame: &[u8]) -> Took {
    p.on_request(frame, &mut q.outbox(), Instant::now())
        .unwrap()
}

/// Offer an answer the way `Connection` does: one the pipeline leaves as it is is moved to the
/// client's queue with the client's id.
fn answer(p: &mut Pipeline, q: &mut Queues, frame: &[u8]) {
    answer_at(p, q, frame, Instant::now());
}

fn answer_at(p: &mut Pipeline, q: &mut Queues, frame: &[u8], now: Instant) {
    if let Delivery::AsIs { client_id } = p.on_response(frame, &mut q.outbox(), now).unwrap() {
        copy_with_id(frame, ANSWER_ID_AT, client_id, &mut q.to_client);
        p.release_ready(&mut q.outbox());
    }
}

#[test]
fn the_broker_sees_kgates_ids_and_the_client_gets_its_own_back() {
    let (mut p, mut q) = (pipeline(), Queues::default());
    // A client may reuse a correlation id; upstream ids stay distinct.
    for message in [b"first".as_slice(), b"second"] {
        assert_eq!(
            offer(&mut p, &mut q, &request_frame(HEARTBEAT, 4, 5, message)),
            Took::Taken
        );
    }
    let sent = frames(&mut q.to_upstream);
    assert_eq!(sent.len(), 2);
    let ids: Vec<i32> = sent.iter().map(|f| request_id(f)).collect();
    assert_ne!(ids[0], ids[1]);
    assert!(sent[0].ends_with(b"first") && sent[1].ends_with(b"second"));
    answer(&mut p, &mut q, &answer_frame(HEARTBEAT, 4, ids[0], b"one"));
    answer(&mut p, &mut q, &answer_frame(HEARTBEAT, 4, ids[1], b"two"));
    let got = frames(&mut q.to_client);
    assert_eq!(got.len(), 2);
    assert_eq!((answer_id(&got[0]), answer_id(&got[1])), (5, 5));
    assert!(got[0].ends_with(b"one") && got[1].ends_with(b"two"));
    assert!(!p.busy());
}

#[test]
fn an_answer_nobody_asked_for_closes_the_connection() {
    let (mut p, mut q) = (pipeline(), Queues::default());
    offer(&mut p, &mut q, &request_frame(HEARTBEAT, 4, 1, b""));
    let id = request_id(&frames(&mut q.to_upstream)[0]);
    let stray = answer_frame(HEARTBEAT, 4, id + 1, b"");
    assert!(matches!(
        p.on_response(&stray, &mut q.outbox(), Instant::now()),
        Err(Close::BadResponse(_))
    ));
}

#[test]
fn a_local_answer_keeps_its_place_behind_a_forwarded_one() {
    let (mut p, mut q) = (pipeline(), Queues::default());
    offer(&mut p, &mut q, &request_frame(HEARTBEAT, 4, 1, b""));
    offer(
        &mut p,
        &mut q,
        &request_frame(keys::API_VERSIONS, 3, 2, &[0, 0, 0]),
    );
    assert!(
        q.to_client.is_empty(),
        "the ApiVersions answer must wait for request 1's"
    );
    let id = request_id(&frames(&mut q.to_upstream)[0]);
    answer(&mut p, &mut q, &answer_frame(HEARTBEAT, 4, id, b""));
    let got: Vec<i32> = frames(&mut q.to_client)
        .iter()
        .map(|f| answer_id(f))
        .collect();
    assert_eq!(got, [1, 2]);
}

#[test]
fn apiversions_fills_the_session_with_the_clients_software() {
    let (mut p, mut q) = (pipeline(), Queues::default());
    let mut message = Vec::new();
    ApiVersionsRequest {
        client_software_name: "librdkafka".into(),
        client_software_version: "2.16.1".into(),
        ..Default::default()
    }
    .encode_body(&mut message, 3)
    .unwrap();
    offer(
        &mut p,
        &mut q,
        &request_frame(keys::API_VERSIONS, 3, 9, &message),
    );
    assert_eq!(p.session.software_name.as_deref(), Some("librdkafka"));
    assert_eq!(p.session.software_version.as_deref(), Some("2.16.1"));
    assert_eq!(p.session.client_id.as_deref(), Some("test-client"));
    assert_eq!(p.session.vcluster, session::PASSTHROUGH);
    assert_eq!(answer_id(&frames(&mut q.to_client)[0]), 9);
}

fn produce_v9(acks: i16) -> Vec<u8> {
    let mut message = vec![0]; // null compact transactional id
    message.extend_from_slice(&acks.to_be_bytes());
    message.extend_from_slice(&30_000i32.to_be_bytes());
    message.extend_from_slice(&[1, 0]); // no topics, no tagged fields
    message
}

#[test]
fn acks_zero_expects_nothing_and_an_answer_anyway_is_dropped() {
    let (mut p, mut q) = (pipeline(), Queues::default());
    offer(
        &mut p,
        &mut q,
        &request_frame(keys::PRODUCE, 9, 3, &produce_v9(0)),
    );
    assert!(!p.busy(), "nothing is owed to the client");
    let id = request_id(&frames(&mut q.to_upstream)[0]);
    // tansu answers acks=0; Kafka does not. Either way the client gets nothing.
    answer(
        &mut p,
        &mut q,
        &answer_frame(keys::PRODUCE, 9, id, &[1, 0, 0, 0, 0, 0]),
    );
    assert!(q.to_client.is_empty());
    // A later request with acks=1 is answered as usual.
    offer(
        &mut p,
        &mut q,
        &request_frame(keys::PRODUCE, 9, 4, &produce_v9(1)),
    );
    let id = request_id(&frames(&mut q.to_upstream)[0]);
    answer(
        &mut p,
        &mut q,
        &answer_frame(keys::PRODUCE, 9, id, &[1, 0, 0, 0, 0, 0]),
    );
    assert_eq!(answer_id(&frames(&mut q.to_client)[0]), 4);
}

#[test]
fn the_rename_filter_renames_a_topic_both_ways() {
    let (mut p, mut q) = (pipeline(), Queues::default());
    p.push_filter(Box::new(RenameTopic {
        client_name: "orders".into(),
        broker_name: "tenant-a.orders".into(),
    }));
    let mut message = Vec::new();
    MetadataRequest {
        topics: Some(vec![MetadataRequestTopic {
            name: Some("orders".into()),
            ..Default::default()
        }]),
        ..Default::default()
    }
    .encode_body(&mut message, 12)
    .unwrap();
    offer(
        &mut p,
        &mut q,
        &request_frame(keys::METADATA, 12, 77, &message),
    );
    let sent = frames(&mut q.to_upstream).remove(0);
    let (header, rest) = RequestHeader::decode_from(&sent).unwrap();
    let upstream = MetadataRequest::decode_body(rest.rest(), 12).unwrap();
    assert_eq!(
        upstream.topics.unwrap()[0].name.as_deref(),
        Some("tenant-a.orders")
    );
    let mut reply = Vec::new();
    MetadataResponse {
        topics: vec![MetadataResponseTopic {
            name: Some("tenant-a.orders".into()),
            ..Default::default()
        }],
        ..Default::default()
    }
    .encode_body(&mut reply, 12)
    .unwrap();
    answer(
        &mut p,
        &mut q,
        &answer_frame(keys::METADATA, 12, header.correlation_id, &reply),
    );
    let got = frames(&mut q.to_client).remove(0);
    assert_eq!(answer_id(&got), 77);
    // Metadata v12 answers carry response header v1: the id, then an empty tagged section.
    let seen = MetadataResponse::decode_body(&got[5..], 12).unwrap();
    assert_eq!(seen.topics[0].name.as_deref(), Some("orders"));
}

#[test]
fn the_delay_filter_holds_answers_until_their_time() {
    let (mut p, mut q) = (pipeline(), Queues::default());
    p.push_filter(Box::new(DelayAnswers {
        api_key: HEARTBEAT,
        delay: Duration::from_millis(300),
    }));
    let start = Instant::now();
    offer(&mut p, &mut q, &request_frame(HEARTBEAT, 4, 1, b""));
    offer(
        &mut p,
        &mut q,
        &request_frame(keys::API_VERSIONS, 3, 2, &[0, 0, 0]),
    );
    let id = request_id(&frames(&mut q.to_upstream)[0]);
    answer_at(&mut p, &mut q, &answer_frame(HEARTBEAT, 4, id, b""), start);
    assert!(
        q.to_client.is_empty(),
        "held, and the local answer behind it too"
    );
    assert_eq!(p.next_wake(), Some(start + Duration::from_millis(300)));
    p.on_tick(&mut q.outbox(), start + Duration::from_millis(100))
        .unwrap();
    assert!(q.to_client.is_empty());
    p.on_tick(&mut q.outbox(), start + Duration::from_millis(300))
        .unwrap();
    let got: Vec<i32> = frames(&mut q.to_client)
        .iter()
        .map(|f| answer_id(f))
        .collect();
    assert_eq!(got, [1, 2]);
}

/// Looks something up with a request of its own before letting a Heartbeat through.
#[derive(Debug, Default)]
struct LookupFirst {
    looked_up: Option<Vec<u8>>,
    token: Option<u64>,
}

impl Filter for LookupFirst {
    fn name(&self) -> &'static str {
        "lookup-first"
    }

    fn wants(&self, api_key: i16, _version: i16) -> Want {
        if api_key == HEARTBEAT {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        if self.looked_up.is_some() {
            return Verdict::Pass;
        }
        let token = ctx.side_request(keys::METADATA, 1, vec![0, 0, 0, 0]);
        self.token = Some(token);
        Verdict::Park(Wake::Event(token))
    }

    fn on_side_answer(&mut self, token: u64, api_key: i16, _version: i16, body: &[u8]) {
        assert_eq!((Some(token), api_key), (self.token, keys::METADATA));
        self.looked_up = Some(body.to_vec());
    }
}

#[test]
fn a_filter_waits_for_its_own_request_and_the_client_never_sees_it() {
    let (mut p, mut q) = (pipeline(), Queues::default());
    p.push_filter(Box::new(LookupFirst::default()));
    offer(&mut p, &mut q, &request_frame(HEARTBEAT, 4, 1, b"hb"));
    assert_eq!(
        offer(&mut p, &mut q, &request_frame(HEARTBEAT, 4, 2, b"hb2")),
        Took::NotNow,
        "requests after a parked one wait in order"
    );
    let sent = frames(&mut q.to_upstream);
    assert_eq!(sent.len(), 1, "only the side request went out");
    let (side, _) = RequestHeader::decode_from(&sent[0]).unwrap();
    assert_eq!(
        (side.api_key, side.client_id.as_deref()),
        (keys::METADATA, Some("kgate"))
    );
    answer(
        &mut p,
        &mut q,
        &answer_frame(keys::METADATA, 1, side.correlation_id, b"lookup"),
    );
    assert!(
        q.to_client.is_empty(),
        "a side answer never reaches the client"
    );
    let sent = frames(&mut q.to_upstream);
    assert_eq!(sent.len(), 1, "the parked request went on");
    assert!(sent[0].ends_with(b"hb"));
    answer(
        &mut p,
        &mut q,
        &answer_frame(HEARTBEAT, 4, request_id(&sent[0]), b""),
    );
    assert_eq!(answer_id(&frames(&mut q.to_client)[0]), 1);
}

#[test]
fn a_client_that_never_reads_stops_being_served() {
    let (mut p, mut q) = (pipeline(), Queues::default());
    let request = request_frame(keys::API_VERSIONS, 3, 1, &[0, 0, 0]);
    let mut taken = 0usize;
    while offer(&mut p, &mut q, &request) == Took::Taken {
        taken += 1;
        assert!(
            taken < 1_000_000,
            "kgate kept answering a client that never reads"
        );
    }
    assert!(q.to_client.len() >= QUEUE_CAP);
    assert!(q.to_client.len() < QUEUE_CAP + 64 * 1024);
    // Once the client reads, requests are taken again.
    let n = q.to_client.len();
    q.to_client.consume(n);
    assert_eq!(offer(&mut p, &mut q, &request), Took::Taken);
}

#[test]
fn a_request_a_filter_closes_on_names_the_filter() {
    #[derive(Debug)]
    struct Refuse;
    impl Filter for Refuse {
        fn name(&self) -> &'static str {
            "refuse"
        }
        fn wants(&self, _: i16, _: i16) -> Want {
            Want::Message
        }
        fn on_request(&mut self, _: &mut RequestCtx<'_>) -> Verdict {
            Verdict::Close("not today".into())
        }
    }
    let (mut p, mut q) = (pipeline(), Queues::default());
    p.push_filter(Box::new(Refuse));
    let err = p
        .on_request(
            &request_frame(HEARTBEAT, 4, 1, b""),
            &mut q.outbox(),
            Instant::now(),
        )
        .unwrap_err();
    assert_eq!(err.to_string(), "filter refuse: not today");
}

/// Denies one topic: the broker never hears of it, and the client's answer has it with
/// TOPIC_AUTHORIZATION_FAILED in the broker's shape (a request split and its answer merged).
#[derive(Debug)]
struct DenyTopic(&'static str);

const DENIED: &str = "deny-topic.denied";
const TOPIC_AUTHORIZATION_FAILED: i16 = 29;

impl Filter for DenyTopic {
    fn name(&self) -> &'static str {
        "deny-topic"
    }

    fn wants(&self, api_key: i16, _version: i16) -> Want {
        if api_key == keys::METADATA {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        let mut request = MetadataRequest::decode_body(ctx.body, ctx.api_version).unwrap();
        let topics = request.topics.as_mut().unwrap();
        let before = topics.len();
        topics.retain(|t| t.name.as_deref() != Some(self.0));
        ctx.notes.put(DENIED, before != topics.len());
        ctx.body.clear();
        request.encode_body(ctx.body, ctx.api_version).unwrap();
        Verdict::Pass
    }

    fn on_response(&mut self, ctx: &mut ResponseCtx<'_>) -> Verdict {
        if ctx.notes.get::<bool>(DENIED) != Some(&true) {
            return Verdict::Pass;
        }
        let mut answer = MetadataResponse::decode_body(ctx.body, ctx.api_version).unwrap();
        answer.topics.push(MetadataResponseTopic {
            error_code: TOPIC_AUTHORIZATION_FAILED,
            name: Some(self.0.into()),
            ..Default::default()
        });
        let mut body = Vec::new();
        answer.encode_body(&mut body, ctx.api_version).unwrap();
        Verdict::Answer(body)
    }
}

#[test]
fn a_filter_splits_a_request_and_merges_the_answer() {
    let (mut p, mut q) = (pipeline(), Queues::default());
    p.push_filter(Box::new(DenyTopic("secret")));
    let mut message = Vec::new();
    let topic = |name: &str| MetadataRequestTopic {
        name: Some(name.into()),
        ..Default::default()
    };
    MetadataRequest {
        topics: Some(vec![topic("public"), topic("secret")]),
        ..Default::default()
    }
    .encode_body(&mut message, 9)
    .unwrap();
    offer(
        &mut p,
        &mut q,
        &request_frame(keys::METADATA, 9, 11, &message),
    );
    let sent = frames(&mut q.to_upstream).remove(0);
    let (header, rest) = RequestHeader::decode_from(&sent).unwrap();
    let names: Vec<_> = MetadataRequest::decode_body(rest.rest(), 9)
        .unwrap()
        .topics
        .unwrap()
        .into_iter()
        .map(|t| t.name.unwrap())
        .collect();
    assert_eq!(
        names,
        ["public"],
        "the broker never hears of the denied topic"
    );
    let mut reply = Vec::new();
    MetadataResponse {
        topics: vec![MetadataResponseTopic {
            name: Some("public".into()),
            ..Default::default()
        }],
        ..Default::default()
    }
    .encode_body(&mut reply, 9)
    .unwrap();
    answer(
        &mut p,
        &mut q,
        &answer_frame(keys::METADATA, 9, header.correlation_id, &reply),
    );
    let got = frames(&mut q.to_client).remove(0);
    assert_eq!(answer_id(&got), 11);
    let seen = MetadataResponse::decode_body(&got[5..], 9).unwrap();
    let topics: Vec<_> = seen
        .topics
        .iter()
        .map(|t| (t.name.as_deref().unwrap(), t.error_code))
        .collect();
    assert_eq!(
        topics,
        [("public", 0), ("secret", TOPIC_AUTHORIZATION_FAILED)]
    );
}

#[test]
fn the_rename_filter_leaves_records_as_they_came() {
    use codec::messages::produce::{
        PartitionProduceData, PartitionProduceResponse, ProduceRequest, ProduceResponse,
        TopicProduceData, TopicProduceResponse,
    };
    let (mut p, mut q) = (pipeline(), Queues::default());
    p.push_filter(Box::new(RenameTopic {
        client_name: "orders".into(),
        broker_name: "tenant-a.orders".into(),
    }));
    // Not a valid batch: the filter must not look inside records, so any bytes go through.
    let records: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let mut message = Vec::new();
    ProduceRequest {
        acks: -1,
        timeout_ms: 1000,
        topic_data: vec![TopicProduceData {
            name: "orders".into(),
            partition_data: vec![PartitionProduceData {
                index: 0,
                records: Some(records.clone()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
    .encode_body(&mut message, 9)
    .unwrap();
    offer(
        &mut p,
        &mut q,
        &request_frame(keys::PRODUCE, 9, 21, &message),
    );
    let sent = frames(&mut q.to_upstream).remove(0);
    let (header, rest) = RequestHeader::decode_from(&sent).unwrap();
    let upstream = ProduceRequest::decode_body(rest.rest(), 9).unwrap();
    assert_eq!(upstream.topic_data[0].name, "tenant-a.orders");
    assert_eq!(
        upstream.topic_data[0].partition_data[0].records.as_deref(),
        Some(records.as_slice())
    );
    let mut reply = Vec::new();
    ProduceResponse {
        responses: vec![TopicProduceResponse {
            name: "tenant-a.orders".into(),
            partition_responses: vec![PartitionProduceResponse {
                base_offset: 42,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
    .encode_body(&mut reply, 9)
    .unwrap();
    answer(
        &mut p,
        &mut q,
        &answer_frame(keys::PRODUCE, 9, header.correlation_id, &reply),
    );
    let got = frames(&mut q.to_client).remove(0);
    assert_eq!(answer_id(&got), 21);
    let seen = ProduceResponse::decode_body(&got[5..], 9).unwrap();
    assert_eq!(seen.responses[0].name, "orders");
    assert_eq!(seen.responses[0].partition_responses[0].base_offset, 42);
}

#[path = "tenancy_tests.rs"]
mod tenancy;

/// Answers every request itself with an empty body.
#[derive(Debug)]
struct AnswerEverything;

impl Filter for AnswerEverything {
    fn name(&self) -> &'static str {
        "answer-everything"
    }

    fn wants(&self, _api_key: i16, _api_version: i16) -> Want {
        Want::Message
    }

    fn on_request(&mut self, _ctx: &mut RequestCtx<'_>) -> Verdict {
        Verdict::Answer(vec![0, 0, 0, 0, 0, 0])
    }
}

#[test]
fn a_filter_answering_an_acks_zero_produce_closes_the_connection() {
    let (mut p, mut q) = (pipeline(), Queues::default());
    p.push_filter(Box::new(AnswerEverything));
    let frame = request_frame(keys::PRODUCE, 9, 3, &produce_v9(0));
    let closed = p.on_request(&frame, &mut q.outbox(), Instant::now());
    let Err(Close::Filter(reason)) = closed else {
        panic!("expected a close, got {closed:?}");
    };
    assert!(reason.contains("acks=0"), "{reason}");
    assert!(
        q.to_client.is_empty(),
        "no answer the client does not expect"
    );
}
