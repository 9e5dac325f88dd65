//! The schema interpreter on frames captured from real clients (`tests/golden/`) and on
//! messages built with the `kafka-protocol` crate: identity walks borrow, renames change exactly
//! the names, and scans report KIP-951 NodeEndpoints without copying records.

use bytes::{Bytes, BytesMut};
use codec::header::{response_header_version, RequestHeader, ResponseHeader};
use codec::messages::metadata::{MetadataRequest, MetadataResponse};
use codec::schema::{self, Direction, Entity, EntityValue, MessageRef, Replacement, WalkOptions};
use codec::{Message, Reader};
use kafka_protocol::messages::{
    ConsumerProtocolSubscription, FetchResponse, JoinGroupRequest, JoinGroupResponse,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use std::path::{Path, PathBuf};

struct Golden {
    name: String,
    message: MessageRef,
    body: Vec<u8>,
}

fn api_key_of(name: &str) -> i16 {
    codec::api::APIS
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("api {name}"))
        .key
}

/// Every golden frame, header removed.
fn golden_frames() -> Vec<Golden> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["librdkafka", "kafka-python"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("golden dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "bin") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("name")
                .to_owned();
            // NNN-Api-vV-direction
            let parts: Vec<&str> = stem.split('-').collect();
            let (api, version, direction) = (parts[1], parts[2], parts[3]);
            let version: i16 = version.trim_start_matches('v').parse().expect("version");
            let api_key = api_key_of(api);
            let frame = std::fs::read(&path).expect("read");
            let (direction, body) = if direction == "request" {
                let (_, rest) = RequestHeader::decode_from(&frame).expect("request header");
                (Direction::Request, rest.rest().to_vec())
            } else {
                let mut r = Reader::new(&frame);
                ResponseHeader::decode(&mut r, response_header_version(api_key, version))
                    .expect("response header");
                (Direction::Response, r.rest().to_vec())
            };
            Golden {
                name: format!(
                    "{}/{stem}",
                    path.parent()
                        .and_then(|p| p.file_name())
                        .and_then(|n| n.to_str())
                        .unwrap_or("")
                ),
                message: MessageRef {
                    api_key,
                    version,
                    direction,
                },
                body,
            }
        })
        .collect()
}

/// Adds or strips "tenant." on names; flips topic ids.
fn tenant(add: bool) -> impl FnMut(&Entity<'_>) -> Option<Replacement> {
    move |e| match e.value {
        EntityValue::Name(n) if add => Some(Replacement::Name(format!("tenant.{n}"))),
        EntityValue::Name(n) => Some(Replacement::Name(
            n.strip_prefix("tenant.").expect("prefixed").to_owned(),
        )),
        EntityValue::Id(mut id) => {
            id.iter_mut().for_each(|b| *b ^= 0xff);
            Some(Replacement::Id(id))
        }
        EntityValue::Null => None,
    }
}

fn names(body: &[u8], m: MessageRef, options: &WalkOptions) -> Vec<String> {
    let mut out = Vec::new();
    schema::scan(body, m, options, |e| {
        if let EntityValue::Name(n) = e.value {
            out.push(n.to_owned());
        }
    })
    .expect("scan");
    out
}

#[test]
fn every_golden_frame_walks_and_renames_reversibly() {
    let frames = golden_frames();
    assert!(frames.len() > 80, "{} frames", frames.len());
    // The consumers in the capture look up group coordinators (key type 0).
    let options = WalkOptions {
        coordinator_key_type: Some(0),
        ..WalkOptions::default()
    };
    for g in &frames {
        let mut identity = |_: &Entity<'_>| None;
        assert_eq!(
            schema::walk(&g.body, g.message, &options, &mut identity),
            Ok(None),
            "{}",
            g.name
        );
        let renamed = schema::walk(&g.body, g.message, &options, &mut tenant(true))
            .unwrap_or_else(|e| panic!("{}: {e}", g.name))
            .unwrap_or_else(|| g.body.clone());
        let before: Vec<String> = names(&g.body, g.message, &options)
            .iter()
            .map(|n| format!("tenant.{n}"))
            .collect();
        assert_eq!(names(&renamed, g.message, &options), before, "{}", g.name);
        let back = schema::walk(&renamed, g.message, &options, &mut tenant(false)).expect("back");
        assert_eq!(
            back.as_deref().unwrap_or(&renamed),
            g.body.as_slice(),
            "{}",
            g.name
        );
    }
}

fn golden(name: &str) -> Golden {
    golden_frames()
        .into_iter()
        .find(|g| g.name == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn metadata_v12_request_and_response_rename_only_the_names() {
    // The first captured v12 request that names topics, and the first response that has some.
    let frames = golden_frames();
    let v12 = |direction| {
        frames.iter().filter(move |g| {
            g.message.api_key == 3 && g.message.version == 12 && g.message.direction == direction
        })
    };
    let request = v12(Direction::Request)
        .find(|g| {
            MetadataRequest::decode_body(&g.body, 12)
                .is_ok_and(|m| m.topics.is_some_and(|t| !t.is_empty()))
        })
        .expect("a Metadata v12 request naming topics");
    let response = v12(Direction::Response)
        .find(|g| MetadataResponse::decode_body(&g.body, 12).is_ok_and(|m| !m.topics.is_empty()))
        .expect("a Metadata v12 response with topics");
    let options = WalkOptions::default();

    let renamed =
        schema::walk(&request.body, request.message, &options, &mut tenant(true)).expect("walk");
    let mut expected = MetadataRequest::decode_body(&request.body, 12).expect("typed decode");
    for t in expected.topics.iter_mut().flatten() {
        t.name = t.name.as_ref().map(|n| format!("tenant.{n}"));
        t.topic_id.iter_mut().for_each(|b| *b ^= 0xff);
    }
    let renamed = renamed.unwrap_or_else(|| request.body.clone());
    assert_eq!(
        MetadataRequest::decode_body(&renamed, 12).expect("decode renamed"),
        expected
    );

    let renamed = schema::walk(
        &response.body,
        response.message,
        &options,
        &mut tenant(true),
    )
    .expect("walk")
    .expect("the response names topics");
    let mut expected = MetadataResponse::decode_body(&response.body, 12).expect("typed decode");
    assert!(!expected.topics.is_empty());
    for t in &mut expected.topics {
        t.name = t.name.as_ref().map(|n| format!("tenant.{n}"));
        t.topic_id.iter_mut().for_each(|b| *b ^= 0xff);
    }
    assert_eq!(
        MetadataResponse::decode_body(&renamed, 12).expect("decode renamed"),
        expected
    );
}

fn subscription(topics: &[&str]) -> Bytes {
    let value = ConsumerProtocolSubscription::default()
        .with_topics(
            topics
                .iter()
                .map(|t| StrBytes::from_string(t.to_string()))
                .collect(),
        )
        .with_rack_id(Some(StrBytes::from_static_str("rack-a")))
        .with_generation_id(7);
    let mut out = BytesMut::new();
    out.extend_from_slice(&3i16.to_be_bytes());
    value.encode(&mut out, 3).expect("encode subscription");
    out.freeze()
}

fn decode_subscription(bytes: &Bytes) -> Vec<String> {
    let mut b = bytes.slice(2..);
    let value = ConsumerProtocolSubscription::decode(&mut b, 3).expect("subscription");
    value.topics.iter().map(|t| t.to_string()).collect()
}

/// A JoinGroup v9 exchange as a Java consumer sends it, built with `kafka-protocol`: the group id
/// and every subscribed topic, inside the metadata bytes, are renamed; the oracle reads the result.
#[test]
fn join_group_v9_with_consumer_metadata_renames_inside_the_bytes() {
    use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
    use kafka_protocol::messages::join_group_response::JoinGroupResponseMember;
    let request = JoinGroupRequest::default()
        .with_group_id(StrBytes::from_static_str("orders-app").into())
        .with_member_id(StrBytes::from_static_str("m-1"))
        .with_protocol_type(StrBytes::from_static_str("consumer"))
        .with_protocols(vec![JoinGroupRequestProtocol::default()
            .with_name(StrBytes::from_static_str("range"))
            .with_metadata(subscription(&["orders", "payments"]))]);
    let mut body = BytesMut::new();
    request.encode(&mut body, 9).expect("encode");
    let m = MessageRef {
        api_key: 11,
        version: 9,
        direction: Direction::Request,
    };
    let renamed = schema::walk(&body, m, &WalkOptions::default(), &mut tenant(true))
        .expect("walk")
        .expect("renamed");
    let decoded = JoinGroupRequest::decode(&mut Bytes::from(renamed), 9).expect("oracle decodes");
    assert_eq!(decoded.group_id.as_str(), "tenant.orders-app");
    assert_eq!(
        decode_subscription(&decoded.protocols[0].metadata),
        ["tenant.orders", "tenant.payments"]
    );

    let response = JoinGroupResponse::default()
        .with_protocol_type(Some(StrBytes::from_static_str("consumer")))
        .with_protocol_name(Some(StrBytes::from_static_str("range")))
        .with_leader(StrBytes::from_static_str("m-1"))
        .with_member_id(StrBytes::from_static_str("m-1"))
        .with_members(vec![JoinGroupResponseMember::default()
            .with_member_id(StrBytes::from_static_str("m-1"))
            .with_metadata(subscription(&["orders"]))]);
    let mut body = BytesMut::new();
    response.encode(&mut body, 9).expect("encode");
    let m = MessageRef {
        direction: Direction::Response,
        ..m
    };
    let renamed = schema::walk(&body, m, &WalkOptions::default(), &mut tenant(true))
        .expect("walk")
        .expect("renamed");
    let decoded = JoinGroupResponse::decode(&mut Bytes::from(renamed), 9).expect("oracle decodes");
    assert_eq!(
        decode_subscription(&decoded.members[0].metadata),
        ["tenant.orders"]
    );
}

/// "Does this Fetch response carry NodeEndpoints?" without copying its records.
#[test]
fn scan_reports_non_empty_node_endpoints() {
    use kafka_protocol::messages::fetch_response::{
        FetchableTopicResponse, NodeEndpoint, PartitionData,
    };
    // tansu sends NodeEndpoints as an empty array: present, but nothing to rewrite.
    let captured = golden("librdkafka/029-Fetch-v16-response");
    let scan = schema::scan(
        &captured.body,
        captured.message,
        &WalkOptions::default(),
        |_| {},
    )
    .expect("scan");
    assert!(!scan.has_tagged_field(0));

    let response =
        FetchResponse::default()
            .with_responses(vec![FetchableTopicResponse::default()
                .with_partitions(vec![PartitionData::default()
                    .with_records(Some(Bytes::from_static(b"opaque records")))])])
            .with_node_endpoints(vec![NodeEndpoint::default()
                .with_node_id(1.into())
                .with_host(StrBytes::from_static_str("broker-1"))
                .with_port(9092)]);
    let mut body = BytesMut::new();
    response.encode(&mut body, 16).expect("encode");
    let m = MessageRef {
        api_key: 1,
        version: 16,
        direction: Direction::Response,
    };
    let mut ids = 0;
    let scan = schema::scan(&body, m, &WalkOptions::default(), |_| ids += 1).expect("scan");
    assert!(scan.has_tagged_field(0));
    assert!(!scan.has_tagged_field(1));
    assert_eq!(ids, 1, "the topic id");
}
