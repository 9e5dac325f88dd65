use codec::records::{BatchRecords, Compression, Record, RecordBatch, RecordHeader};
use codec::schema::{Struct, Value};
use serde_json::json;

use super::INFO;
use crate::interceptors::plugins::test_support::{
    answer, arr, assert_unchanged, config_error, elem, items, new_filter, request_tree, run, s,
};
use crate::pipeline::filter::Verdict;

const API: i16 = 0;

/// One batch: `codec`, producer id, whether its record has a header.
fn batch(codec: Compression, producer_id: i64, header: bool) -> Vec<u8> {
    let record = Record {
        value: Some(b"v".to_vec()),
        headers: if header {
            vec![RecordHeader {
                key: "h".into(),
                value: None,
            }]
        } else {
            Vec::new()
        },
        ..Default::default()
    };
    let records = if codec == Compression::None {
        BatchRecords::Records(vec![record])
    } else {
        let mut plain = Vec::new();
        record.encode(&mut plain).unwrap();
        BatchRecords::Compressed {
            compression: codec,
            count: 1,
            payload: crate::records::compression::compress(codec, &plain).unwrap(),
        }
    };
    let b = RecordBatch {
        producer_id,
        producer_epoch: if producer_id >= 0 { 0 } else { -1 },
        records,
        ..Default::default()
    };
    let mut out = Vec::new();
    b.encode(&mut out).unwrap();
    out
}

fn produce(v: i16, acks: i16, txn: Option<&str>, topics: &[(&str, Vec<u8>)]) -> Struct {
    let topics = topics
        .iter()
        .map(|(name, records)| {
            let p = elem(
                API,
                v,
                &["TopicData", "PartitionData"],
                vec![("Records", Value::Records(records.clone()))],
            );
            elem(
                API,
                v,
                &["TopicData"],
                vec![("Name", s(name)), ("PartitionData", arr(vec![p]))],
            )
        })
        .collect();
    request_tree(
        API,
        v,
        vec![
            ("Acks", Value::Int16(acks)),
            ("TimeoutMs", Value::Int32(1000)),
            ("TransactionalId", txn.map_or(Value::Null, s)),
            ("TopicData", arr(topics)),
        ],
    )
}

#[test]
fn blocks_acks_and_compressions_with_the_reference_message() {
    let config = json!({
        "acks": {"value": [-1], "action": "BLOCK"},
        "compressions": {"value": ["NONE", "GZIP"], "action": "BLOCK"}
    });
    for v in [3, 8, 9] {
        let mut f = new_filter(&INFO, config.clone());
        let mut records = batch(Compression::Snappy, -1, false);
        records.extend(batch(Compression::Gzip, -1, false));
        let req = produce(v, 1, None, &[("cars", records)]);
        let out = run(f.as_mut(), API, v, &req);
        let answer = answer(&out, API, v);
        let t = items(&answer, "Responses")[0];
        let p = items(t, "PartitionResponses")[0];
        assert_eq!(p.int("ErrorCode"), Some(44));
        if v < 8 {
            continue; // no ErrorMessage before v8
        }
        assert_eq!(
            p.str("ErrorMessage"),
            Some(
                "Request parameters do not satisfy the configured policy. Topic 'cars' with \
                 invalid value for 'acks': 1. Valid value is one of the values: -1. Topic \
                 'cars' with invalid value for 'compressions': SNAPPY. Valid value is one of \
                 the values: [GZIP, NONE]."
            )
        );
    }
}

#[test]
fn acks_zero_closes_instead_of_answering() {
    let mut f = new_filter(&INFO, json!({"acks": {"value": [-1, 1]}}));
    let req = produce(8, 0, None, &[("cars", batch(Compression::None, -1, false))]);
    let out = run(f.as_mut(), API, 8, &req);
    assert!(
        matches!(&out.verdict, Verdict::Close(why) if why.contains("'acks': 0")),
        "{:?}",
        out.verdict
    );
}

#[test]
fn passes_compliant_requests_other_topics_and_info() {
    let config = json!({
        "topic": "cars.*",
        "acks": {"value": [-1]},
        "compressions": {"value": ["LZ4", "NONE"]},
        "idempotenceRequired": {"value": true},
        "transactionRequired": {"value": true},
        "recordHeaderRequired": {"value": true},
        "version": {"min": 3, "max": 9}
    });
    for v in [3, 9] {
        let mut f = new_filter(&INFO, config.clone());
        let mut records = batch(Compression::Lz4, 7, true);
        records.extend(batch(Compression::None, 7, true));
        let req = produce(
            v,
            -1,
            Some("tx"),
            &[
                ("cars", records),
                ("bikes", batch(Compression::Gzip, -1, false)),
            ],
        );
        assert_unchanged(&run(f.as_mut(), API, v, &req), API, v, &req);
    }
    let mut f = new_filter(&INFO, json!({"acks": {"value": [-1], "action": "INFO"}}));
    let req = produce(7, 1, None, &[("cars", batch(Compression::None, -1, false))]);
    assert_unchanged(&run(f.as_mut(), API, 7, &req), API, 7, &req);
}

#[test]
fn idempotence_transactions_headers_and_version() {
    let mut f = new_filter(
        &INFO,
        json!({
            "idempotenceRequired": {"value": true},
            "transactionRequired": {"value": true},
            "recordHeaderRequired": {"value": true},
            "version": {"max": 7}
        }),
    );
    let req = produce(
        9,
        -1,
        None,
        &[("cars", batch(Compression::None, -1, false))],
    );
    let out = run(f.as_mut(), API, 9, &req);
    let answer = answer(&out, API, 9);
    let t = items(&answer, "Responses")[0];
    let message = items(t, "PartitionResponses")[0]
        .str("ErrorMessage")
        .unwrap()
        .to_owned();
    for part in [
        "Produce version is '9', must not be greater than 7",
        "Transactional id is required",
        "Idempotence is required",
        "Headers are required",
    ] {
        assert!(message.contains(part), "{part} not in {message}");
    }
}

#[test]
fn config_errors_name_the_field() {
    let e = config_error(&INFO, json!({"acks": {"value": [2]}}));
    assert_eq!(e, "spec.config.acks.value: 2 is not -1, 0 or 1");
    let e = config_error(&INFO, json!({"compressions": {"value": ["BROTLI"]}}));
    assert_eq!(
        e,
        "spec.config.compressions.values[0]: \"BROTLI\" is not a known value"
    );
    let e = config_error(&INFO, json!({"acks": {"value": [1], "action": "OVERRIDE"}}));
    assert!(
        e.starts_with("spec.config.acks.action: expected one of BLOCK, INFO"),
        "{e}"
    );
}

#[test]
fn record_headers_are_checked_inside_compressed_batches() {
    let config = json!({"recordHeaderRequired": {"value": true}});
    for codec in [
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let mut f = new_filter(&INFO, config.clone());
        let req = produce(9, -1, None, &[("cars", batch(codec, -1, false))]);
        let out = run(f.as_mut(), API, 9, &req);
        let answer = answer(&out, API, 9);
        let t = items(&answer, "Responses")[0];
        let p = items(t, "PartitionResponses")[0];
        assert_eq!(p.int("ErrorCode"), Some(44), "{codec:?}");
        let mut f = new_filter(&INFO, config.clone());
        let req = produce(9, -1, None, &[("cars", batch(codec, -1, true))]);
        assert_unchanged(&run(f.as_mut(), API, 9, &req), API, 9, &req);
    }
}
