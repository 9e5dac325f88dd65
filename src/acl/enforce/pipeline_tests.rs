//! The enforcer in a real pipeline, through the `Filter` trait: frames in, frames out.

use std::sync::Arc;
use std::time::Instant;

use codec::header::{request_header_version, RequestHeader};
use codec::messages::produce::{
    PartitionProduceData, PartitionProduceResponse, ProduceRequest, ProduceResponse,
    TopicProduceData, TopicProduceResponse,
};
use codec::Message;

use super::test_support::{allow, session, FakeNames, FakeSource};
use super::AclEnforcer;
use crate::acl::binding::{Operation, ResourceType};
use crate::net::buffer::ByteQueue;
use crate::pipeline::{Delivery, Outbox, Pipeline};
use crate::proxy::shared::Shared;

fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

fn produce_frame(correlation_id: i32, topics: &[&str]) -> Vec<u8> {
    let mut body = Vec::new();
    RequestHeader {
        api_key: 0,
        api_version: 9,
        correlation_id,
        client_id: Some("test".into()),
        ..Default::default()
    }
    .encode(&mut body, request_header_version(0, 9))
    .unwrap();
    ProduceRequest {
        acks: -1,
        timeout_ms: 1000,
        topic_data: topics
            .iter()
            .map(|t| TopicProduceData {
                name: (*t).into(),
                partition_data: vec![PartitionProduceData {
                    index: 0,
                    records: Some(vec![9; 8]),
                    ..Default::default()
                }],
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
    .encode_body(&mut body, 9)
    .unwrap();
    framed(&body)
}

/// Frame bodies (size prefixes removed) of a queue, emptying it.
fn frames(queue: &mut ByteQueue) -> Vec<Vec<u8>> {
    let bytes = queue.as_slice().to_vec();
    queue.consume(bytes.len());
    let mut out = Vec::new();
    let mut rest = bytes.as_slice();
    while rest.len() >= 4 {
        let size = usize::try_from(u32::from_be_bytes(rest[..4].try_into().unwrap())).unwrap();
        out.push(rest[4..4 + size].to_vec());
        rest = &rest[4 + size..];
    }
    out
}

/// (topic, error code) of a Produce v9 answer frame body (id and header tags first).
fn produce_codes(frame: &[u8]) -> Vec<(String, i16)> {
    let answer = ProduceResponse::decode_body(&frame[5..], 9).unwrap();
    answer
        .responses
        .iter()
        .map(|t| (t.name.clone(), t.partition_responses[0].error_code))
        .collect()
}

#[test]
fn through_the_pipeline_a_produce_is_split_and_its_answer_merged() {
    let source = FakeSource::new(vec![allow(
        "User:alice",
        Operation::Write,
        ResourceType::Topic,
        "orders",
    )]);
    let mut p = Pipeline::new(Shared::for_tests(None), session(Some("alice")));
    p.push_filter(Box::new(AclEnforcer::new(
        source,
        Arc::new(FakeNames::default()),
    )));
    let (mut to_client, mut to_upstream) = (ByteQueue::default(), ByteQueue::default());
    let mut out = Outbox {
        to_client: &mut to_client,
        to_upstream: &mut to_upstream,
    };

    // Everything denied: answered by kgate, the broker hears nothing.
    p.on_request(&produce_frame(7, &["secret"]), &mut out, Instant::now())
        .unwrap();
    assert!(out.to_upstream.is_empty());
    let local = frames(out.to_client).remove(0);
    assert_eq!(i32::from_be_bytes(local[..4].try_into().unwrap()), 7);
    assert_eq!(produce_codes(&local), [("secret".to_owned(), 29)]);

    // Partly denied: the broker gets the allowed topic, the client one merged answer.
    p.on_request(
        &produce_frame(8, &["orders", "secret"]),
        &mut out,
        Instant::now(),
    )
    .unwrap();
    let sent = frames(out.to_upstream).remove(0);
    let (header, rest) = RequestHeader::decode_from(&sent).unwrap();
    let forwarded = ProduceRequest::decode_body(rest.rest(), 9).unwrap();
    assert_eq!(forwarded.topic_data.len(), 1);
    assert_eq!(forwarded.topic_data[0].name, "orders");
    let mut reply = header.correlation_id.to_be_bytes().to_vec();
    reply.push(0); // response header v1: no tagged fields
    ProduceResponse {
        responses: vec![TopicProduceResponse {
            name: "orders".into(),
            partition_responses: vec![PartitionProduceResponse {
                index: 0,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
    .encode_body(&mut reply, 9)
    .unwrap();
    let delivery = p
        .on_response(&framed(&reply), &mut out, Instant::now())
        .unwrap();
    assert_eq!(delivery, Delivery::Done, "the answer was changed");
    let merged = frames(out.to_client).remove(0);
    assert_eq!(i32::from_be_bytes(merged[..4].try_into().unwrap()), 8);
    assert_eq!(
        produce_codes(&merged),
        [("orders".to_owned(), 0), ("secret".to_owned(), 29)]
    );
}
