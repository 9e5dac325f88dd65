//! DynamicHeaderInjectionPlugin and MessageHeaderRemovalPlugin on real bodies, compressed batches
//! included.

use std::time::Instant;

use codec::records::{BatchRecords, Compression, Record, RecordBatch, RecordHeader};
use codec::schema::{Direction, Value};
use serde_json::json;

use super::test_support::{
    arr, dec, elem, enc, mref, new_filter, request_tree, response, run, s, session,
};
use super::{header_injection, header_removal};
use crate::pipeline::filter::{Notes, Verdict};
use crate::records::compression::compress;
use crate::records::open::{open, Opened};

fn batch(codec: Compression, headers: &[(&str, &[u8])]) -> Vec<u8> {
    let record = Record {
        value: Some(b"v".to_vec()),
        headers: headers
            .iter()
            .map(|(k, v)| RecordHeader {
                key: (*k).into(),
                value: Some(v.to_vec()),
            })
            .collect(),
        ..Default::default()
    };
    let mut plain = Vec::new();
    record.encode(&mut plain).unwrap();
    let b = RecordBatch {
        last_offset_delta: 0,
        records: BatchRecords::Compressed {
            compression: codec,
            count: 1,
            payload: compress(codec, &plain).unwrap(),
        },
        ..RecordBatch::default()
    };
    let mut out = Vec::new();
    b.encode(&mut out).unwrap();
    out
}

fn headers_of(records: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in open(records, 1 << 20).unwrap() {
        if let Opened::Batch { batch, .. } = entry {
            if let BatchRecords::Records(list) = batch.records {
                for r in list {
                    out.extend(
                        r.headers
                            .into_iter()
                            .map(|h| (h.key, h.value.unwrap_or_default())),
                    );
                }
            }
        }
    }
    out
}

fn produce(topic: &str, records: Vec<u8>) -> codec::schema::Struct {
    let part = elem(
        0,
        9,
        &["TopicData", "PartitionData"],
        vec![("Records", Value::Records(records))],
    );
    let t = elem(
        0,
        9,
        &["TopicData"],
        vec![("Name", s(topic)), ("PartitionData", arr(vec![part]))],
    );
    request_tree(
        0,
        9,
        vec![("Acks", Value::Int16(-1)), ("TopicData", arr(vec![t]))],
    )
}

fn produced_records(body: &[u8]) -> Vec<u8> {
    let root = dec(0, 9, Direction::Request, body);
    let t = root.array("TopicData").unwrap()[0].as_struct().unwrap();
    let p = t.array("PartitionData").unwrap()[0].as_struct().unwrap();
    match p.get("Records") {
        Some(Value::Records(b)) => b.clone(),
        other => panic!("records: {other:?}"),
    }
}

#[test]
fn injected_headers_carry_the_producer_into_its_compressed_batches() {
    let config = json!({"topic": "orders.*", "headers": {"X-User": "{{user}}", "keep": "new"}});
    for codec in [Compression::Gzip, Compression::Zstd, Compression::Snappy] {
        let mut f = new_filter(&header_injection::INFO, config.clone());
        let req = produce("orders", batch(codec, &[("keep", b"old")]));
        let out = run(f.as_mut(), 0, 9, &req);
        assert!(matches!(out.verdict, Verdict::Pass));
        let records = produced_records(&out.body);
        assert_eq!(
            headers_of(&records),
            vec![
                ("keep".into(), b"old".to_vec()),
                ("X-User".into(), b"alice".to_vec())
            ],
            "{codec:?}: an existing header is kept without overrideIfExists"
        );
        // another topic is left as it was
        let mut f = new_filter(&header_injection::INFO, config.clone());
        let req = produce("payments", batch(codec, &[]));
        let out = run(f.as_mut(), 0, 9, &req);
        assert_eq!(out.body, enc(0, 9, Direction::Request, &req));
    }
    let e = super::test_support::config_error(
        &header_injection::INFO,
        json!({"headers": {"X": "{{nope}}"}}),
    );
    assert!(
        e.starts_with("spec.config.headers.X: unknown variable"),
        "{e}"
    );
}

/// An element of a Fetch v12 answer at `path` with `fields` set.
fn fetch_answer_elem(path: &[&str], fields: Vec<(&'static str, Value)>) -> codec::schema::Struct {
    let mut e = codec::schema::new_element(mref(1, 12, Direction::Response), path).unwrap();
    for (k, v) in fields {
        e.set(k, v);
    }
    e
}

#[test]
fn removed_headers_are_not_fetched() {
    let records = batch(Compression::Lz4, &[("X-User", b"alice"), ("trace", b"t")]);
    let part = fetch_answer_elem(
        &["Responses", "Partitions"],
        vec![("Records", Value::Records(records))],
    );
    let t = fetch_answer_elem(
        &["Responses"],
        vec![("Topic", s("orders")), ("Partitions", arr(vec![part]))],
    );
    let root = fetch_answer_elem(&[], vec![("Responses", arr(vec![t]))]);
    let body = enc(1, 12, Direction::Response, &root);
    let mut f = new_filter(
        &header_removal::INFO,
        json!({"topic": "orders", "headerKeyRegex": "X-.*"}),
    );
    let alice = session(Some("alice"));
    let (verdict, _) = response(
        f.as_mut(),
        &alice,
        1,
        12,
        &body,
        &mut Notes::default(),
        Instant::now(),
    );
    let Verdict::Answer(new) = verdict else {
        panic!("expected the answer rewritten, got {verdict:?}");
    };
    let root = dec(1, 12, Direction::Response, &new);
    let t = root.array("Responses").unwrap()[0].as_struct().unwrap();
    let p = t.array("Partitions").unwrap()[0].as_struct().unwrap();
    let Some(Value::Records(records)) = p.get("Records") else {
        panic!("records");
    };
    assert_eq!(headers_of(records), vec![("trace".into(), b"t".to_vec())]);
}
