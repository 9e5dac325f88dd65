use codec::schema::{Struct, Value};
use serde_json::json;

use super::INFO;
use crate::interceptors::plugins::test_support::{
    answer, arr, assert_unchanged, config_error, elem, new_filter, request_tree, run, s,
};

const API: i16 = 1;

fn fetch(v: i16, isolation: i8, max_bytes: i32, topics: &[&str]) -> Struct {
    let topics = topics
        .iter()
        .map(|t| elem(API, v, &["Topics"], vec![("Topic", s(t))]))
        .collect();
    request_tree(
        API,
        v,
        vec![
            ("MaxWaitMs", Value::Int32(500)),
            ("MinBytes", Value::Int32(1)),
            ("MaxBytes", Value::Int32(max_bytes)),
            ("IsolationLevel", Value::Int8(isolation)),
            ("Topics", arr(topics)),
        ],
    )
}

#[test]
fn blocks_with_the_reference_message() {
    let config = json!({"isolationLevel": {"value": "read_committed", "action": "BLOCK"}});
    for v in [7, 12] {
        let mut f = new_filter(&INFO, config.clone());
        let out = run(f.as_mut(), API, v, &fetch(v, 0, 1000, &["topicName"]));
        let answer = answer(&out, API, v);
        assert_eq!(answer.int("ErrorCode"), Some(44));
        let Value::Array(topics) = answer.get("Responses").unwrap() else {
            panic!()
        };
        let p = topics[0]
            .as_struct()
            .unwrap()
            .array("Partitions")
            .unwrap_or_default();
        assert!(p.is_empty() || p[0].as_struct().unwrap().int("ErrorCode") == Some(44));
    }
    let mut f = new_filter(&INFO, config);
    let mut body = fetch(12, 0, 1000, &["topicName"]);
    body.set("RackId", s("r1"));
    let out = run(f.as_mut(), API, 12, &body);
    assert!(format!("{:?}", out.verdict).contains("Answer"));
}

#[test]
fn judges_limits_and_rack_and_passes_what_complies() {
    let config = json!({
        "topic": "topic.*",
        "rackIdRequired": {"value": true},
        "fetchMaxBytes": {"min": 1000, "max": 3000},
        "version": {"min": 4, "max": 13}
    });
    let mut f = new_filter(&INFO, config.clone());
    let mut ok = fetch(12, 1, 2000, &["topic1"]);
    ok.set("RackId", s("rack-a"));
    assert_unchanged(&run(f.as_mut(), API, 12, &ok), API, 12, &ok);
    let other = fetch(12, 1, 9000, &["other"]);
    assert_unchanged(&run(f.as_mut(), API, 12, &other), API, 12, &other);
    let bad = fetch(11, 1, 9000, &["topic1"]);
    let out = run(f.as_mut(), API, 11, &bad);
    assert_eq!(answer(&out, API, 11).int("ErrorCode"), Some(44));
    let info = json!({"fetchMaxBytes": {"max": 3000, "action": "INFO"}});
    let mut f = new_filter(&INFO, info);
    let req = fetch(5, 0, 9000, &["t"]);
    assert_unchanged(&run(f.as_mut(), API, 5, &req), API, 5, &req);
}

#[test]
fn config_errors_name_the_field() {
    let e = config_error(&INFO, json!({"isolationLevel": {"value": "read_all"}}));
    assert_eq!(
        e,
        "spec.config.isolationLevel.values[0]: \"read_all\" is not a known value"
    );
    let e = config_error(&INFO, json!({"maxWaitMs": {"min": 5, "max": 1}}));
    assert!(e.starts_with("spec.config.maxWaitMs: min 5"), "{e}");
}
