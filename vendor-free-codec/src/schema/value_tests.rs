//! The value tree on frames captured from real clients, on bodies the typed encoders write, on
//! random trees of every API and version (checked against the walk and the `kafka-protocol`
//! crate), and on edits, bad trees and truncated input.

use super::{decode, encode, new_element, Decoded, Struct, Value};
use crate::error::DecodeError;
use crate::header::{response_header_version, RequestHeader, ResponseHeader};
use crate::message::Message;
use crate::messages::{create_topics, fetch, find_coordinator, metadata, produce};
use crate::primitives::Reader;
use crate::schema::types::{Element, Field, Type};
use crate::schema::{walk, Direction, Entity, MessageRef, WalkError, WalkOptions};
use crate::testing::unknown_tags;
use std::path::Path;

fn request(api_key: i16, version: i16) -> MessageRef {
    MessageRef {
        api_key,
        version,
        direction: Direction::Request,
    }
}

fn response(api_key: i16, version: i16) -> MessageRef {
    MessageRef {
        api_key,
        version,
        direction: Direction::Response,
    }
}

const STRICT: WalkOptions = WalkOptions {
    consumer_protocol: None,
    coordinator_key_type: None,
    allow_trailing_bytes: false,
};

/// Options under which a walk of any generated body needs no more context.
const WALKABLE: WalkOptions = WalkOptions {
    consumer_protocol: Some(false),
    coordinator_key_type: Some(0),
    allow_trailing_bytes: false,
};

/// Decode `body`, check that it encodes back byte for byte, and return the tree.
fn round_trip(body: &[u8], m: MessageRef, what: &str) -> Decoded {
    let decoded = decode(body, m, &STRICT).unwrap_or_else(|e| panic!("{what}: decode: {e}"));
    let again = decoded
        .encode(m)
        .unwrap_or_else(|e| panic!("{what}: encode: {e}"));
    assert!(again == body, "{what}: not byte for byte");
    decoded
}

/// Every prefix of `body` fails to decode (and nothing panics).
fn assert_prefixes_fail(body: &[u8], m: MessageRef, what: &str) {
    for len in 0..body.len() {
        let prefix = body.get(..len).unwrap_or_default();
        assert!(
            decode(prefix, m, &STRICT).is_err(),
            "{what}: a {len}-byte prefix decoded"
        );
    }
}

/// (name, message, body) of every golden frame, header removed.
fn golden_frames() -> Vec<(String, MessageRef, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut out = Vec::new();
    for dir in ["librdkafka", "kafka-python"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
            .expect("golden dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "bin"))
            .collect();
        paths.sort();
        for path in paths {
            let stem = path.file_stem().and_then(|s| s.to_str()).expect("name");
            let parts: Vec<&str> = stem.split('-').collect();
            let api_key = crate::api::APIS
                .iter()
                .find(|a| a.name == parts[1])
                .expect("api")
                .key;
            let version: i16 = parts[2].trim_start_matches('v').parse().expect("version");
            let frame = std::fs::read(&path).expect("read");
            let (m, body) = if parts[3] == "request" {
                let (_, rest) = RequestHeader::decode_from(&frame).expect("request header");
                (request(api_key, version), rest.rest().to_vec())
            } else {
                let mut r = Reader::new(&frame);
                ResponseHeader::decode(&mut r, response_header_version(api_key, version))
                    .expect("response header");
                (response(api_key, version), r.rest().to_vec())
            };
            out.push((format!("{dir}/{stem}"), m, body));
        }
    }
    out
}

#[test]
fn every_golden_frame_round_trips_byte_for_byte_and_every_prefix_fails() {
    let frames = golden_frames();
    assert!(frames.len() > 80, "{} frames", frames.len());
    for (name, m, body) in &frames {
        let decoded = round_trip(body, *m, name);
        assert!(decoded.trailing.is_empty());
        assert_prefixes_fail(body, *m, name);
    }
}

/// The body the typed encoder writes for `msg` at every version it knows: it round-trips, its
/// prefixes fail, and the tree is returned per version.
fn typed<M: Message>(msg: &M, direction: Direction) -> Vec<(i16, Decoded)> {
    let (lo, hi) = M::VERSIONS;
    (lo..=hi)
        .map(|v| {
            let mut body = Vec::new();
            msg.encode_body(&mut body, v).expect("typed encode");
            let m = MessageRef {
                api_key: M::API_KEY,
                version: v,
                direction,
            };
            let what = format!("typed api {} v{v}", M::API_KEY);
            assert_prefixes_fail(&body, m, &what);
            (v, round_trip(&body, m, &what))
        })
        .collect()
}

fn metadata_response(flexible: bool) -> metadata::MetadataResponse {
    let partition = |i| metadata::MetadataResponsePartition {
        partition_index: i,
        leader_id: 111,
        leader_epoch: 4,
        replica_nodes: vec![111, 112],
        isr_nodes: vec![111],
        offline_replicas: vec![112],
        ..Default::default()
    };
    let topic = |name: &str, id: u8| metadata::MetadataResponseTopic {
        name: Some(name.to_owned()),
        topic_id: [id; 16],
        partitions: vec![partition(0), partition(1)],
        topic_authorized_operations: 8,
        unknown_tagged_fields: unknown_tags(flexible),
        ..Default::default()
    };
    metadata::MetadataResponse {
        throttle_time_ms: 5,
        brokers: vec![metadata::MetadataResponseBroker {
            node_id: 111,
            host: "broker-1".into(),
            port: 9092,
            rack: Some("r1".into()),
            ..Default::default()
        }],
        cluster_id: Some("cluster".into()),
        controller_id: 111,
        topics: vec![topic("a", 1), topic("b", 2), topic("c", 3)],
        unknown_tagged_fields: unknown_tags(flexible),
        ..Default::default()
    }
}

#[test]
fn typed_metadata_bodies_round_trip_at_every_version() {
    let request = metadata::MetadataRequest {
        topics: Some(vec![metadata::MetadataRequestTopic {
            name: Some("orders".into()),
            ..Default::default()
        }]),
        ..Default::default()
    };
    for (v, d) in typed(&request, Direction::Request) {
        let topics = d.root.array("Topics").expect("topics");
        let name = topics[0].as_struct().and_then(|t| t.str("Name"));
        assert_eq!(name, Some("orders"), "v{v}");
    }
    for flexible in [false, true] {
        for (v, d) in typed(&metadata_response(flexible), Direction::Response) {
            let topics = d.root.array("Topics").expect("topics");
            assert_eq!(topics.len(), 3, "v{v}");
            let b = topics[1].as_struct().expect("struct");
            assert_eq!(b.str("Name"), Some("b"));
            assert_eq!(b.uuid("TopicId"), (v >= 10).then_some([2; 16]));
            let tags = v >= 9 && flexible;
            assert_eq!(b.unknown_tags.len(), if tags { 2 } else { 0 }, "v{v}");
            if tags {
                assert_eq!(b.unknown_tags[0], (8000, vec![]), "sorted on decode");
            }
        }
    }
}

#[test]
fn typed_produce_fetch_find_coordinator_and_create_topics_round_trip() {
    let records = vec![0xAB; 70];
    let produce = produce::ProduceRequest {
        transactional_id: Some("tx".into()),
        acks: -1,
        timeout_ms: 3000,
        topic_data: vec![produce::TopicProduceData {
            name: "orders".into(),
            partition_data: vec![produce::PartitionProduceData {
                index: 2,
                records: Some(records.clone()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        unknown_tagged_fields: unknown_tags(true),
    };
    for (_, d) in typed(&produce, Direction::Request) {
        let topic = d.root.array("TopicData").expect("topics")[0].as_struct();
        let part = topic.and_then(|t| t.array("PartitionData")).expect("parts")[0].as_struct();
        let got = part.and_then(|p| p.get("Records"));
        assert_eq!(got, Some(&Value::Records(records.clone())));
    }
    let produce_response = produce::ProduceResponse {
        responses: vec![produce::TopicProduceResponse {
            name: "orders".into(),
            partition_responses: vec![produce::PartitionProduceResponse {
                index: 2,
                error_code: 6,
                error_message: Some("not leader".into()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        throttle_time_ms: 1,
        ..Default::default()
    };
    typed(&produce_response, Direction::Response);
    let fetch = fetch::FetchRequest {
        max_wait_ms: 500,
        topics: vec![fetch::FetchTopic {
            topic: "orders".into(),
            topic_id: [7; 16],
            partitions: vec![fetch::FetchPartition {
                partition: 1,
                fetch_offset: 42,
                partition_max_bytes: 1 << 20,
                ..Default::default()
            }],
            ..Default::default()
        }],
        rack_id: "r1".into(),
        ..Default::default()
    };
    typed(&fetch, Direction::Request);
    let fetch_response = fetch::FetchResponse {
        responses: vec![fetch::FetchableTopicResponse {
            topic: "orders".into(),
            topic_id: [7; 16],
            partitions: vec![fetch::PartitionData {
                partition_index: 1,
                high_watermark: 100,
                records: Some(records),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    typed(&fetch_response, Direction::Response);
    let find = find_coordinator::FindCoordinatorRequest {
        key: "group".into(),
        key_type: 0,
        coordinator_keys: vec!["group".into(), "other".into()],
        ..Default::default()
    };
    typed(&find, Direction::Request);
    let found = find_coordinator::FindCoordinatorResponse {
        error_message: Some("none".into()),
        node_id: 111,
        host: "broker".into(),
        port: 9092,
        coordinators: vec![find_coordinator::Coordinator {
            key: "group".into(),
            node_id: 111,
            host: "broker".into(),
            port: 9092,
            ..Default::default()
        }],
        ..Default::default()
    };
    typed(&found, Direction::Response);
    let create = create_topics::CreateTopicsRequest {
        topics: vec![create_topics::CreatableTopic {
            name: "orders".into(),
            num_partitions: 3,
            replication_factor: 1,
            configs: vec![create_topics::CreatableTopicConfig {
                name: "retention.ms".into(),
                value: None,
                ..Default::default()
            }],
            ..Default::default()
        }],
        timeout_ms: 1000,
        ..Default::default()
    };
    typed(&create, Direction::Request);
    let created = create_topics::CreateTopicsResponse {
        topics: vec![create_topics::CreatableTopicResult {
            name: "orders".into(),
            error_code: 36,
            error_message: Some("exists".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    typed(&created, Direction::Response);
}

#[test]
fn a_metadata_answer_loses_a_topic_and_gains_an_error_entry() {
    let m = response(3, 12);
    let mut body = Vec::new();
    metadata_response(true)
        .encode_body(&mut body, 12)
        .expect("encode");
    let mut d = decode(&body, m, &STRICT).expect("decode");
    let topics = d.root.array_mut("Topics").expect("topics");
    topics.retain(|t| t.as_struct().and_then(|t| t.str("Name")) != Some("b"));
    let mut refused = new_element(m, &["Topics"]).expect("element");
    refused.set("Name", Value::String("secret".into()));
    assert!(refused.set_int("ErrorCode", 29));
    topics.push(Value::Struct(refused));
    let edited = d.encode(m).expect("encode");

    let typed = metadata::MetadataResponse::decode_body(&edited, 12).expect("typed decode");
    let names: Vec<_> = typed.topics.iter().map(|t| t.name.as_deref()).collect();
    assert_eq!(names, [Some("a"), Some("c"), Some("secret")]);
    let secret = &typed.topics[2];
    assert_eq!(secret.error_code, 29);
    assert_eq!(secret.topic_id, [0; 16]);
    assert!(!secret.is_internal && secret.partitions.is_empty());
    // The schema's default, not 0.
    assert_eq!(secret.topic_authorized_operations, i32::MIN);
    assert_eq!(typed.topics[1].partitions.len(), 2);
    assert_eq!(typed.brokers[0].host, "broker-1");
    assert_eq!(decode(&edited, m, &STRICT).expect("again"), d);
}

#[test]
fn defaults_come_from_the_schemas() {
    let p = new_element(response(3, 12), &["Topics", "Partitions"]).expect("partition");
    assert_eq!(p.int("LeaderEpoch"), Some(-1));
    assert_eq!(p.get("ReplicaNodes"), Some(&Value::Array(vec![])));
    let root = new_element(request(3, 12), &[]).expect("root");
    assert_eq!(root.get("AllowAutoTopicCreation"), Some(&Value::Bool(true)));
    assert_eq!(root.get("Topics"), Some(&Value::Null), "nullable: null");
    let fetch = new_element(request(1, 12), &[]).expect("fetch");
    assert_eq!(fetch.get("MaxBytes"), Some(&Value::Int32(i32::MAX)));
    assert_eq!(fetch.get("ReplicaId"), Some(&Value::Int32(-1)));
    // A missing field gets its default on encode, too: an empty struct is the default message.
    for m in [response(3, 12), request(1, 12), request(3, 3)] {
        let from_empty = encode(&Struct::default(), m).expect("empty");
        let defaults = encode(&new_element(m, &[]).expect("root"), m).expect("defaults");
        assert_eq!(from_empty, defaults);
    }
}

#[path = "value_random_tests.rs"]
mod random;

#[test]
fn bad_trees_are_errors_that_name_the_field() {
    let m = response(3, 12);
    let base = new_element(m, &[]).expect("root");
    let field_of = |root: &Struct| match encode(root, m) {
        Err(WalkError::Encode { field, .. }) => field,
        other => panic!("expected an encode error, got {other:?}"),
    };
    let mut t = base.clone();
    t.set("ThrottleTimeMs", Value::Int16(1));
    assert_eq!(field_of(&t), "ThrottleTimeMs");
    let mut t = base.clone();
    t.set("ControllerId", Value::Null);
    assert_eq!(field_of(&t), "ControllerId");
    let mut t = base.clone();
    t.set("NoSuchField", Value::Int32(1));
    assert_eq!(field_of(&t), "NoSuchField");
    let mut t = base.clone();
    t.set("ClusterAuthorizedOperations", Value::Int32(1)); // v8-10 only
    assert_eq!(field_of(&t), "ClusterAuthorizedOperations");
    let mut t = base.clone();
    t.fields.push(("ThrottleTimeMs", Value::Int32(2)));
    t.fields.push(("ThrottleTimeMs", Value::Int32(3)));
    assert_eq!(field_of(&t), "ThrottleTimeMs");
    let mut t = base.clone();
    t.set("Topics", Value::Array(vec![Value::Int32(1)]));
    assert_eq!(field_of(&t), "Topics");
    let mut broker = new_element(m, &["Brokers"]).expect("broker");
    broker.set("Host", Value::Null);
    let mut t = base.clone();
    t.set("Brokers", Value::Array(vec![Value::Struct(broker)]));
    assert_eq!(field_of(&t), "Host");
    let mut partition = new_element(m, &["Topics", "Partitions"]).expect("partition");
    partition.set("IsrNodes", Value::Array(vec![Value::Int32(1), Value::Null]));
    let mut topic = new_element(m, &["Topics"]).expect("topic");
    topic.set("Partitions", Value::Array(vec![Value::Struct(partition)]));
    let mut t = base;
    t.set("Topics", Value::Array(vec![Value::Struct(topic)]));
    assert_eq!(field_of(&t), "IsrNodes");

    // An unknown tag that is a known tag at this version.
    let fetch = response(1, 16);
    let mut t = new_element(fetch, &[]).expect("fetch");
    t.unknown_tags.push((0, vec![0]));
    assert!(matches!(
        encode(&t, fetch),
        Err(WalkError::Encode {
            field: "NodeEndpoints",
            ..
        })
    ));
    // A string too long for its INT16 prefix.
    let mut t = new_element(request(3, 3), &["Topics"]).expect("topic");
    t.set("Name", Value::String("x".repeat(40_000)));
    let mut root = new_element(request(3, 3), &[]).expect("root");
    root.set("Topics", Value::Array(vec![Value::Struct(t)]));
    assert!(matches!(
        encode(&root, request(3, 3)),
        Err(WalkError::TooLong(_))
    ));
    assert!(matches!(
        encode(&Struct::default(), request(3, 99)),
        Err(WalkError::Malformed(DecodeError::UnsupportedVersion { .. }))
    ));
}

#[test]
fn new_element_paths_and_set_int() {
    let m = response(3, 12);
    for (path, field) in [
        (&["Topics", "Nope"][..], "Topics"),
        (&["ThrottleTimeMs"][..], "ThrottleTimeMs"),
        (
            &["Topics", "TopicAuthorizedOperations"][..],
            "TopicAuthorizedOperations",
        ),
    ] {
        match new_element(m, path) {
            Err(WalkError::Encode { field: f, .. }) => assert_eq!(f, field, "{path:?}"),
            other => panic!("{path:?}: {other:?}"),
        }
    }
    // A field of another version.
    assert!(new_element(response(3, 5), &["Topics", "NoSuch"]).is_err());
    let mut topic = new_element(m, &["Topics"]).expect("topic");
    assert!(topic.set_int("ErrorCode", 3));
    assert_eq!(topic.get("ErrorCode"), Some(&Value::Int16(3)), "kind kept");
    assert!(!topic.set_int("ErrorCode", 70_000), "out of range");
    assert_eq!(topic.int("ErrorCode"), Some(3));
    assert!(!topic.set_int("Name", 1), "not an integer");
    assert!(!topic.set_int("Absent", 1));
    assert_eq!(topic.remove("ErrorCode"), Some(Value::Int16(3)));
    assert_eq!(topic.int("ErrorCode"), None);
}

#[test]
fn trailing_bytes_are_kept_when_allowed() {
    let m = request(10, 0);
    let body = b"\x00\x06orders\xff\xfe";
    assert_eq!(
        decode(body, m, &STRICT),
        Err(WalkError::Malformed(DecodeError::TrailingBytes {
            context: "message body"
        }))
    );
    let lax = WalkOptions {
        allow_trailing_bytes: true,
        ..STRICT
    };
    let d = decode(body, m, &lax).expect("lax");
    assert_eq!(d.trailing, [0xff, 0xfe]);
    assert_eq!(d.root.str("Key"), Some("orders"));
    assert_eq!(d.encode(m).expect("encode"), body);
    assert_eq!(encode(&d.root, m).expect("root only"), b"\x00\x06orders");
}

/// A flexible struct with its tags out of order, and a bool byte of 2: decoded in the
/// canonical form, which round-trips.
#[test]
fn non_canonical_bodies_come_back_canonical() {
    // FindCoordinator v4 request: Key string missing (v0-3), KeyType int8, CoordinatorKeys.
    let m = request(10, 4);
    let mut body = vec![0u8, 2, 2, b'g'];
    body.extend_from_slice(&[2, 9, 1, 0xaa, 3, 0]);
    let d = round_trip_canonical(&body, m);
    assert_eq!(d.root.unknown_tags, [(3, vec![]), (9, vec![0xaa])]);
    assert_eq!(
        d.encode(m).expect("encode"),
        [0, 2, 2, b'g', 2, 3, 0, 9, 1, 0xaa]
    );
    // Metadata v4 request: Topics null, AllowAutoTopicCreation = 2.
    let m = request(3, 4);
    let d = round_trip_canonical(&[0xff, 0xff, 0xff, 0xff, 2], m);
    assert_eq!(
        d.root.get("AllowAutoTopicCreation"),
        Some(&Value::Bool(true))
    );
}

fn round_trip_canonical(body: &[u8], m: MessageRef) -> Decoded {
    assert!(walk(body, m, &WALKABLE, &mut |_: &Entity<'_>| None).is_ok());
    let d = decode(body, m, &STRICT).expect("decode");
    let canonical = d.encode(m).expect("encode");
    assert_eq!(canonical.len(), body.len());
    assert_eq!(decode(&canonical, m, &STRICT).expect("again"), d);
    d
}

#[test]
fn strings_must_be_utf8_and_nullable_structs_need_a_presence_byte() {
    // ApiVersions v3 request: ClientSoftwareName is no entity, so a walk passes it.
    let m = request(18, 3);
    let body = [2, 0xff, 2, b'1', 0];
    assert!(walk(&body, m, &WALKABLE, &mut |_: &Entity<'_>| None).is_ok());
    assert_eq!(
        decode(&body, m, &STRICT),
        Err(WalkError::Malformed(DecodeError::InvalidUtf8 {
            context: "ClientSoftwareName"
        }))
    );
}

/// No struct has two fields of one name at one version, so fields are found by name.
#[test]
fn field_names_are_unique_at_every_version() {
    fn check(list: &'static [Field], version: i16, at: &str) {
        for (i, f) in list.iter().enumerate() {
            if !f.versions.contains(version) {
                continue;
            }
            let twice = list
                .iter()
                .skip(i + 1)
                .any(|g| g.name == f.name && g.versions.contains(version));
            assert!(!twice, "{at}.{} v{version}", f.name);
            if let Type::Struct(l) | Type::Array(Element::Struct(l)) = f.ty {
                check(l, version, at);
            }
        }
    }
    for api in crate::schema::APIS.iter() {
        for schema in [api.request, api.response] {
            for v in schema.versions.min..=schema.versions.max {
                check(schema.fields, v, schema.name);
            }
        }
    }
}
