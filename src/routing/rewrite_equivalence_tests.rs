//! The skip-scan rewrites against the full decode and re-encode they replaced: byte for byte
//! the same output on well-formed answers, "unchanged" where there is nothing to rewrite, and
//! an error (never a panic, never a pass) on truncated ones.

use super::*;
use crate::routing::port_map::PortMap;
use codec::messages::fetch::{
    AbortedTransaction, EpochEndOffset, FetchableTopicResponse, PartitionData,
};
use codec::messages::metadata::{MetadataResponsePartition, MetadataResponseTopic};
use codec::messages::produce::{
    BatchIndexAndErrorMessage, LeaderIdAndEpoch, PartitionProduceResponse, TopicProduceResponse,
};
use codec::{RawTaggedField, TaggedFields};
use std::time::Instant;

const SECRET_HOST: &str = "broker-internal.example";

fn map() -> PortMap {
    PortMap {
        advertised_host: "gw.example".into(),
        port_start: 6969,
        min_broker_id: 1,
        port_count: 3,
    }
}

/// The rewrite as it was before the skip-scans: decode the whole answer, rewrite, re-encode.
fn full_decode_rewrite(
    kind: RewriteKind,
    api_key: i16,
    version: i16,
    body: &[u8],
    map: &dyn Advertise,
) -> Result<Rewritten, RewriteError> {
    let header_version = response_header_version(api_key, version);
    let mut r = Reader::new(body);
    let header = ResponseHeader::decode(&mut r, header_version)?;
    let rest = r.rest();
    let mut out = Rewritten::default();
    let body = match kind {
        RewriteKind::Metadata => {
            let mut msg: MetadataResponse = decode_lenient(api_key, rest, version)?;
            out.learnt = Some(learn(
                msg.brokers
                    .iter()
                    .map(|b| (b.node_id, b.host.as_str(), b.port)),
            ));
            msg.brokers
                .retain_mut(|b| map_endpoint(map, b.node_id, &mut b.host, &mut b.port));
            encode(&header, header_version, &msg, version)?
        }
        RewriteKind::ProduceEndpoints => {
            let mut msg: ProduceResponse = decode_lenient(api_key, rest, version)?;
            if msg.node_endpoints.is_empty() {
                return Ok(out);
            }
            msg.node_endpoints
                .retain_mut(|e| map_endpoint(map, e.node_id, &mut e.host, &mut e.port));
            encode(&header, header_version, &msg, version)?
        }
        RewriteKind::FetchEndpoints => {
            let mut msg: FetchResponse = decode_lenient(api_key, rest, version)?;
            if msg.node_endpoints.is_empty() {
                return Ok(out);
            }
            msg.node_endpoints
                .retain_mut(|e| map_endpoint(map, e.node_id, &mut e.host, &mut e.port));
            encode(&header, header_version, &msg, version)?
        }
        other => panic!("{other:?} is not compared here"),
    };
    out.body = Some(body);
    Ok(out)
}

fn frame<M: Message>(msg: &M, api_key: i16, version: i16) -> Vec<u8> {
    let mut out = Vec::new();
    ResponseHeader {
        correlation_id: 42,
        unknown_tagged_fields: if response_header_version(api_key, version) >= 1 {
            tags(&[3])
        } else {
            TaggedFields::default()
        },
    }
    .encode(&mut out, response_header_version(api_key, version))
    .unwrap();
    msg.encode_body(&mut out, version).unwrap();
    out
}

/// Unknown tagged fields with these tags, in the canonical (ascending) order.
fn tags(which: &[u32]) -> TaggedFields {
    TaggedFields(
        which
            .iter()
            .map(|&tag| RawTaggedField {
                tag,
                data: vec![tag as u8, 0xab, 0xcd],
            })
            .collect(),
    )
}

fn flex_tags(flexible: bool, which: &[u32]) -> TaggedFields {
    if flexible {
        tags(which)
    } else {
        TaggedFields::default()
    }
}

/// Both rewrites of `body`: they must agree on the output bytes and on the brokers learnt.
fn assert_same(kind: RewriteKind, api_key: i16, version: i16, body: &[u8]) -> Rewritten {
    let new = rewrite_response(kind, api_key, version, body, &map()).unwrap();
    let old = full_decode_rewrite(kind, api_key, version, body, &map()).unwrap();
    assert_eq!(
        new.body, old.body,
        "{kind:?} v{version}: output bytes differ"
    );
    assert_eq!(
        new.learnt, old.learnt,
        "{kind:?} v{version}: learnt brokers"
    );
    if let Some(out) = &new.body {
        assert!(
            !out.windows(SECRET_HOST.len())
                .any(|w| w == SECRET_HOST.as_bytes()),
            "{kind:?} v{version} leaks the broker host"
        );
    }
    new
}

/// Every strict prefix of `body` is an error for both rewrites, never a panic or a pass.
fn assert_prefixes_fail(kind: RewriteKind, api_key: i16, version: i16, body: &[u8]) {
    let header_len = if response_header_version(api_key, version) >= 1 {
        4 + 1 + 1 + 1 + 3
    } else {
        4
    };
    for cut in header_len..body.len() {
        let prefix = &body[..cut];
        assert!(
            rewrite_response(kind, api_key, version, prefix, &map()).is_err(),
            "{kind:?} v{version}: a prefix of {cut} of {} bytes was accepted",
            body.len()
        );
    }
}

fn metadata(version: i16, topics: usize, partitions: usize, nulls: bool) -> MetadataResponse {
    let flexible = version >= 9;
    let broker = |id: i32, rack: Option<&str>, t: &[u32]| MetadataResponseBroker {
        node_id: id,
        host: SECRET_HOST.into(),
        port: 9092 + id,
        rack: if version >= 1 {
            rack.map(str::to_owned)
        } else {
            None
        },
        unknown_tagged_fields: flex_tags(flexible, t),
    };
    MetadataResponse {
        throttle_time_ms: if version >= 3 { 17 } else { 0 },
        // 9 is outside the port range: hidden, not leaked.
        brokers: vec![
            broker(1, Some("rack-a"), &[2, 9]),
            broker(2, None, &[]),
            broker(9, Some("rack-b"), &[]),
        ],
        cluster_id: (version >= 2 && !nulls).then(|| "cluster-a".into()),
        controller_id: if version >= 1 { 2 } else { -1 },
        topics: (0..topics)
            .map(|t| MetadataResponseTopic {
                error_code: (t % 3) as i16,
                name: if version >= 12 && nulls && t == 0 {
                    None
                } else {
                    Some(format!("topic-{t:04}"))
                },
                topic_id: if version >= 10 {
                    [t as u8; 16]
                } else {
                    [0; 16]
                },
                is_internal: version >= 1 && t == 1,
                partitions: (0..partitions)
                    .map(|p| MetadataResponsePartition {
                        error_code: 0,
                        partition_index: p as i32,
                        leader_id: (p % 3) as i32 + 1,
                        leader_epoch: if version >= 7 { 5 } else { -1 },
                        replica_nodes: vec![1, 2, 3],
                        isr_nodes: vec![1, 2],
                        offline_replicas: if version >= 5 && p == 0 {
                            vec![3]
                        } else {
                            vec![]
                        },
                        unknown_tagged_fields: flex_tags(flexible && p == 1, &[0]),
                    })
                    .collect(),
                topic_authorized_operations: if version >= 8 { 0x0ff8 } else { i32::MIN },
                unknown_tagged_fields: flex_tags(flexible && t == 0, &[1, 4]),
            })
            .collect(),
        cluster_authorized_operations: if (8..=10).contains(&version) {
            0x0f
        } else {
            i32::MIN
        },
        error_code: if version >= 13 { 29 } else { 0 },
        unknown_tagged_fields: flex_tags(flexible, &[6]),
    }
}

#[test]
fn metadata_is_byte_identical_to_the_full_decode_at_every_version() {
    for version in 0..=13 {
        for nulls in [false, true] {
            for (topics, partitions) in [(0, 0), (1, 0), (3, 4), (40, 16)] {
                let body = frame(&metadata(version, topics, partitions, nulls), 3, version);
                let out = assert_same(RewriteKind::Metadata, 3, version, &body);
                assert!(out.body.is_some(), "metadata is always rewritten");
                assert_eq!(
                    out.learnt.map(|l| l.by_id.len()),
                    Some(3),
                    "every broker is learnt, the hidden one too"
                );
            }
        }
        let body = frame(&metadata(version, 2, 3, false), 3, version);
        assert_prefixes_fail(RewriteKind::Metadata, 3, version, &body);
    }
}

#[test]
fn metadata_padding_is_dropped_as_before() {
    for version in [0, 8, 9, 12, 13] {
        let mut body = frame(&metadata(version, 2, 2, false), 3, version);
        body.extend_from_slice(&[0, 0, 7]);
        assert_same(RewriteKind::Metadata, 3, version, &body);
    }
}

fn endpoint(id: i32) -> NodeEndpoint {
    NodeEndpoint {
        node_id: id,
        host: SECRET_HOST.into(),
        port: 9092 + id,
        rack: (id == 1).then(|| "rack-a".into()),
        ..Default::default()
    }
}

fn fetch(version: i16, endpoints: Vec<NodeEndpoint>, unknown_top: &[u32]) -> FetchResponse {
    let partition = |p: i32, records: Option<Vec<u8>>| PartitionData {
        partition_index: p,
        error_code: if p == 1 { 6 } else { 0 },
        high_watermark: 1000 + i64::from(p),
        last_stable_offset: 990,
        log_start_offset: 3,
        diverging_epoch: if p == 2 {
            EpochEndOffset {
                epoch: 4,
                end_offset: 77,
                ..Default::default()
            }
        } else {
            EpochEndOffset::default()
        },
        current_leader: if p == 1 {
            LeaderIdAndEpoch {
                leader_id: 2,
                leader_epoch: 8,
                ..Default::default()
            }
        } else {
            LeaderIdAndEpoch::default()
        },
        aborted_transactions: match p {
            0 => Some(vec![AbortedTransaction {
                producer_id: 5,
                first_offset: 6,
                ..Default::default()
            }]),
            1 => None,
            _ => Some(vec![]),
        },
        preferred_read_replica: -1,
        records,
        unknown_tagged_fields: tags(if p == 0 { &[7] } else { &[] }),
        ..Default::default()
    };
    FetchResponse {
        throttle_time_ms: 3,
        error_code: 0,
        session_id: 99,
        responses: vec![
            FetchableTopicResponse {
                topic: if version <= 12 {
                    "t".into()
                } else {
                    String::new()
                },
                topic_id: if version >= 13 { [9; 16] } else { [0; 16] },
                partitions: vec![
                    partition(0, Some(vec![0x5a; 70_000])),
                    partition(1, None),
                    partition(2, Some(vec![1, 2, 3])),
                ],
                unknown_tagged_fields: tags(&[2]),
            },
            FetchableTopicResponse {
                topic: if version <= 12 {
                    "u".into()
                } else {
                    String::new()
                },
                topic_id: if version >= 13 { [8; 16] } else { [0; 16] },
                partitions: vec![],
                ..Default::default()
            },
        ],
        node_endpoints: endpoints,
        unknown_tagged_fields: tags(unknown_top),
    }
}

#[test]
fn fetch_answers_without_endpoints_are_not_rewritten() {
    for version in 12..=18 {
        for unknown in [&[][..], &[1, 5][..]] {
            let body = frame(&fetch(version, vec![], unknown), 1, version);
            let out = assert_same(RewriteKind::FetchEndpoints, 1, version, &body);
            assert!(out.body.is_none(), "v{version}: forwarded as it is");
            assert!(out.learnt.is_none());
        }
    }
}

#[test]
fn fetch_endpoints_are_rewritten_as_before() {
    for version in 16..=18 {
        for unknown in [&[][..], &[1, 5][..]] {
            for endpoints in [
                vec![endpoint(1)],
                vec![endpoint(1), endpoint(3)],
                vec![endpoint(9)],
            ] {
                let body = frame(&fetch(version, endpoints.clone(), unknown), 1, version);
                let out = assert_same(RewriteKind::FetchEndpoints, 1, version, &body);
                let new = out.body.expect("endpoints are rewritten");
                let back = FetchResponse::decode_body(&new[4 + 1 + 1 + 1 + 3..], version).unwrap();
                let seen: Vec<_> = back
                    .node_endpoints
                    .iter()
                    .map(|e| (e.node_id, e.host.as_str(), e.port))
                    .collect();
                let expected: Vec<_> = endpoints
                    .iter()
                    .filter(|e| e.node_id <= 3)
                    .map(|e| (e.node_id, "gw.example", 6968 + e.node_id))
                    .collect();
                assert_eq!(seen, expected, "v{version}");
                assert_eq!(back.responses.len(), 2, "the records are carried over");
            }
        }
        let body = frame(&fetch(version, vec![endpoint(2)], &[1]), 1, version);
        assert_prefixes_fail(RewriteKind::FetchEndpoints, 1, version, &body);
        let body = frame(&fetch(version, vec![], &[1]), 1, version);
        assert_prefixes_fail(RewriteKind::FetchEndpoints, 1, version, &body);
    }
}

#[test]
fn an_empty_endpoint_list_on_the_wire_is_left_alone() {
    // Tag 0 present with an empty compact array: nothing to hide, forwarded as it is.
    let mut body = frame(&fetch(16, vec![], &[]), 1, 16);
    let last = body.pop();
    assert_eq!(last, Some(0), "no top-level tagged fields");
    body.extend_from_slice(&[1, 0, 1, 1]);
    let out = rewrite_response(RewriteKind::FetchEndpoints, 1, 16, &body, &map()).unwrap();
    assert!(out.body.is_none());
}

#[test]
fn fetch_padding_is_dropped_only_when_rewritten_as_before() {
    for endpoints in [vec![], vec![endpoint(1)]] {
        let mut body = frame(&fetch(17, endpoints, &[]), 1, 17);
        body.push(0);
        assert_same(RewriteKind::FetchEndpoints, 1, 17, &body);
    }
}

fn produce(version: i16, endpoints: Vec<NodeEndpoint>, unknown_top: &[u32]) -> ProduceResponse {
    let partition = |index: i32| PartitionProduceResponse {
        index,
        error_code: if index == 1 { 6 } else { 0 },
        base_offset: 12,
        log_append_time_ms: -1,
        log_start_offset: 0,
        record_errors: if index == 1 {
            vec![
                BatchIndexAndErrorMessage {
                    batch_index: 3,
                    batch_index_error_message: Some("bad".into()),
                    ..Default::default()
                },
                BatchIndexAndErrorMessage {
                    batch_index: 4,
                    batch_index_error_message: None,
                    unknown_tagged_fields: tags(&[0]),
                },
            ]
        } else {
            vec![]
        },
        error_message: (index == 1).then(|| "not leader".into()),
        current_leader: if index == 1 {
            LeaderIdAndEpoch {
                leader_id: 3,
                leader_epoch: 2,
                ..Default::default()
            }
        } else {
            LeaderIdAndEpoch::default()
        },
        unknown_tagged_fields: tags(if index == 0 { &[4] } else { &[] }),
    };
    ProduceResponse {
        responses: vec![TopicProduceResponse {
            name: if version <= 12 {
                "t".into()
            } else {
                String::new()
            },
            topic_id: if version >= 13 { [4; 16] } else { [0; 16] },
            partition_responses: vec![partition(0), partition(1)],
            unknown_tagged_fields: tags(&[1]),
        }],
        throttle_time_ms: 5,
        node_endpoints: endpoints,
        unknown_tagged_fields: tags(unknown_top),
    }
}

#[test]
fn produce_answers_with_and_without_endpoints() {
    for version in 10..=13 {
        for unknown in [&[][..], &[2][..]] {
            let body = frame(&produce(version, vec![], unknown), 0, version);
            let out = assert_same(RewriteKind::ProduceEndpoints, 0, version, &body);
            assert!(out.body.is_none(), "v{version}: forwarded as it is");
            let body = frame(
                &produce(version, vec![endpoint(3), endpoint(1)], unknown),
                0,
                version,
            );
            let out = assert_same(RewriteKind::ProduceEndpoints, 0, version, &body);
            assert!(out.body.is_some(), "v{version}: endpoints rewritten");
        }
        let body = frame(&produce(version, vec![endpoint(2)], &[]), 0, version);
        assert_prefixes_fail(RewriteKind::ProduceEndpoints, 0, version, &body);
    }
}

#[test]
fn versions_the_codec_does_not_know_are_errors_as_before() {
    let body = frame(&fetch(18, vec![], &[]), 1, 18);
    for (kind, key) in [
        (RewriteKind::FetchEndpoints, 1),
        (RewriteKind::ProduceEndpoints, 0),
        (RewriteKind::Metadata, 3),
    ] {
        let err = rewrite_response(kind, key, 99, &body, &map()).unwrap_err();
        assert!(
            matches!(
                err,
                RewriteError::Decode(DecodeError::UnsupportedVersion { .. })
            ),
            "{kind:?}: {err:?}"
        );
    }
}

/// Timing of both paths on a large cluster's Metadata answer and on a 1 MB Fetch answer:
/// `cargo test --release -- --ignored --nocapture rewrite_cost`.
#[test]
#[ignore]
fn rewrite_cost() {
    fn time(f: impl Fn()) -> f64 {
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            for _ in 0..10 {
                f();
            }
            best = best.min(t.elapsed().as_secs_f64() / 10.0);
        }
        best * 1e3
    }
    for (topics, partitions) in [(400, 16), (1000, 100)] {
        let body = frame(&metadata(12, topics, partitions, false), 3, 12);
        let new = time(|| {
            rewrite_response(RewriteKind::Metadata, 3, 12, &body, &map()).unwrap();
        });
        let old = time(|| {
            full_decode_rewrite(RewriteKind::Metadata, 3, 12, &body, &map()).unwrap();
        });
        println!(
            "metadata v12, {} partitions, {} KiB: skim {new:.3} ms, full decode {old:.3} ms",
            topics * partitions,
            body.len() / 1024
        );
    }
    let mut msg = fetch(17, vec![], &[]);
    msg.responses[0].partitions[0].records = Some(vec![0x5a; 1 << 20]);
    let body = frame(&msg, 1, 17);
    let new = time(|| {
        rewrite_response(RewriteKind::FetchEndpoints, 1, 17, &body, &map()).unwrap();
    });
    let old = time(|| {
        full_decode_rewrite(RewriteKind::FetchEndpoints, 1, 17, &body, &map()).unwrap();
    });
    println!("fetch v17, 1 MiB of records: skim {new:.4} ms, full decode {old:.4} ms");
}
