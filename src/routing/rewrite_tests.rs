//! The no-leak promise: after a rewrite, no upstream host or port remains in the bytes.

use super::*;
use crate::routing::port_map::PortMap;
use codec::messages::describe_cluster::DescribeClusterBroker;
use codec::messages::find_coordinator::Coordinator;
use codec::messages::metadata::MetadataResponseBroker;
use codec::messages::produce::NodeEndpoint;

const SECRET_HOST: &str = "broker-internal.example";

fn map() -> PortMap {
    PortMap {
        advertised_host: "gw.example".into(),
        port_start: 6969,
        min_broker_id: 1,
        port_count: 3,
    }
}

fn frame<M: Message>(msg: &M, api_key: i16, version: i16) -> Vec<u8> {
    let mut out = Vec::new();
    ResponseHeader {
        correlation_id: 42,
        ..ResponseHeader::default()
    }
    .encode(&mut out, response_header_version(api_key, version))
    .unwrap();
    msg.encode_body(&mut out, version).unwrap();
    out
}

fn decode<M: Message>(body: &[u8], api_key: i16, version: i16) -> M {
    let mut r = Reader::new(body);
    let header = ResponseHeader::decode(&mut r, response_header_version(api_key, version)).unwrap();
    assert_eq!(
        header.correlation_id, 42,
        "the correlation id survives the rewrite"
    );
    M::decode_body(r.rest(), version).unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn broker(id: i32) -> MetadataResponseBroker {
    MetadataResponseBroker {
        node_id: id,
        host: SECRET_HOST.into(),
        port: 9092 + id,
        rack: None,
        ..Default::default()
    }
}

#[test]
fn metadata_carries_only_gateway_addresses_at_every_version() {
    for version in 0..=13 {
        let msg = MetadataResponse {
            brokers: vec![broker(1), broker(3)],
            ..MetadataResponse::default()
        };
        let body = frame(&msg, 3, version);
        let out = rewrite_response(RewriteKind::Metadata, 3, version, &body, &map()).unwrap();
        let new = out.body.expect("metadata is always rewritten");
        assert!(
            !contains(&new, SECRET_HOST.as_bytes()),
            "v{version} leaks the broker host"
        );
        let back: MetadataResponse = decode(&new, 3, version);
        let seen: Vec<_> = back
            .brokers
            .iter()
            .map(|b| (b.node_id, b.host.as_str(), b.port))
            .collect();
        assert_eq!(
            seen,
            vec![(1, "gw.example", 6969), (3, "gw.example", 6971)],
            "v{version}"
        );
        let learnt = out.learnt.expect("brokers are learnt");
        assert_eq!(learnt.by_id.get(&3).map(|a| a.port), Some(9095));
    }
}

#[test]
fn a_broker_outside_the_port_range_is_hidden_not_leaked() {
    let msg = MetadataResponse {
        brokers: vec![broker(1), broker(9)],
        ..MetadataResponse::default()
    };
    let body = frame(&msg, 3, 12);
    let new = rewrite_response(RewriteKind::Metadata, 3, 12, &body, &map())
        .unwrap()
        .body
        .unwrap();
    assert!(!contains(&new, SECRET_HOST.as_bytes()));
    let back: MetadataResponse = decode(&new, 3, 12);
    assert_eq!(
        back.brokers.iter().map(|b| b.node_id).collect::<Vec<_>>(),
        vec![1]
    );
}

#[test]
fn find_coordinator_single_and_batched() {
    for version in 0..=3 {
        let msg = FindCoordinatorResponse {
            node_id: 2,
            host: SECRET_HOST.into(),
            port: 9094,
            ..Default::default()
        };
        let body = frame(&msg, 10, version);
        let new = rewrite_response(RewriteKind::FindCoordinator, 10, version, &body, &map())
            .unwrap()
            .body
            .unwrap();
        let back: FindCoordinatorResponse = decode(&new, 10, version);
        assert_eq!(
            (back.node_id, back.host.as_str(), back.port, back.error_code),
            (2, "gw.example", 6970, 0)
        );
    }
    for version in 4..=6 {
        let coordinator = |key: &str, id| Coordinator {
            key: key.into(),
            node_id: id,
            host: SECRET_HOST.into(),
            port: 9092,
            ..Default::default()
        };
        let msg = FindCoordinatorResponse {
            coordinators: vec![coordinator("g1", 1), coordinator("g2", 7)],
            ..Default::default()
        };
        let body = frame(&msg, 10, version);
        let new = rewrite_response(RewriteKind::FindCoordinator, 10, version, &body, &map())
            .unwrap()
            .body
            .unwrap();
        assert!(!contains(&new, SECRET_HOST.as_bytes()), "v{version}");
        let back: FindCoordinatorResponse = decode(&new, 10, version);
        assert_eq!(
            (
                back.coordinators[0].host.as_str(),
                back.coordinators[0].port
            ),
            ("gw.example", 6969)
        );
        let unmapped = &back.coordinators[1];
        assert_eq!(
            (unmapped.host.as_str(), unmapped.port, unmapped.error_code),
            ("", -1, COORDINATOR_NOT_AVAILABLE)
        );
    }
}

#[test]
fn describe_cluster_brokers_are_rewritten() {
    let msg = DescribeClusterResponse {
        brokers: vec![DescribeClusterBroker {
            broker_id: 2,
            host: SECRET_HOST.into(),
            port: 1,
            ..Default::default()
        }],
        ..Default::default()
    };
    let body = frame(&msg, 60, 1);
    let new = rewrite_response(RewriteKind::DescribeCluster, 60, 1, &body, &map())
        .unwrap()
        .body
        .unwrap();
    assert!(!contains(&new, SECRET_HOST.as_bytes()));
    let back: DescribeClusterResponse = decode(&new, 60, 1);
    assert_eq!(
        (back.brokers[0].host.as_str(), back.brokers[0].port),
        ("gw.example", 6970)
    );
}

#[test]
fn produce_leader_hints_are_rewritten_and_plain_answers_pass_untouched() {
    let plain = frame(&ProduceResponse::default(), 0, 11);
    let out = rewrite_response(RewriteKind::ProduceEndpoints, 0, 11, &plain, &map()).unwrap();
    assert!(
        out.body.is_none(),
        "nothing to rewrite: the original bytes go out"
    );
    let msg = ProduceResponse {
        node_endpoints: vec![NodeEndpoint {
            node_id: 3,
            host: SECRET_HOST.into(),
            port: 9,
            ..Default::default()
        }],
        ..Default::default()
    };
    let body = frame(&msg, 0, 11);
    let new = rewrite_response(RewriteKind::ProduceEndpoints, 0, 11, &body, &map())
        .unwrap()
        .body
        .unwrap();
    assert!(!contains(&new, SECRET_HOST.as_bytes()));
    let back: ProduceResponse = decode(&new, 0, 11);
    assert_eq!(
        (
            back.node_endpoints[0].host.as_str(),
            back.node_endpoints[0].port
        ),
        ("gw.example", 6971)
    );
}

#[test]
fn a_response_that_does_not_decode_is_an_error_not_forwarded() {
    let err =
        rewrite_response(RewriteKind::Metadata, 3, 12, &[0, 0, 0, 42, 0, 1], &map()).unwrap_err();
    assert!(matches!(err, RewriteError::Decode(_)), "{err:?}");
}

#[test]
fn bytes_past_the_end_of_a_broker_answer_are_dropped_not_fatal() {
    let msg = MetadataResponse {
        brokers: vec![broker(1)],
        ..MetadataResponse::default()
    };
    let mut body = frame(&msg, 3, 12);
    body.push(0);
    let new = rewrite_response(RewriteKind::Metadata, 3, 12, &body, &map())
        .unwrap()
        .body
        .unwrap();
    let back: MetadataResponse = decode(&new, 3, 12);
    assert_eq!(back.brokers.len(), 1);
    assert_eq!(
        new.len(),
        body.len() - 1 - SECRET_HOST.len() + "gw.example".len(),
        "the padding is dropped"
    );
}
