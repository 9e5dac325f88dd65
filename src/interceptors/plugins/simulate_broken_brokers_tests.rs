use std::time::Instant;

use serde_json::json;

use super::INFO;
use crate::interceptors::plugins::test_support::*;
use crate::pipeline::filter::{Verdict, Want};

#[test]
fn at_100_percent_produce_and_fetch_are_answered_with_the_mapped_errors() {
    let plugin = compile(
        &INFO,
        json!({"rateInPercent": 100, "errorMap": {"PRODUCE": "NOT_ENOUGH_REPLICAS", "FETCH": "OFFSET_OUT_OF_RANGE"}}),
    );
    let s = session(None);
    let now = Instant::now();
    let mut f = filter(&plugin, true);
    let sent = request(&mut *f, &s, 0, 9, &produce(9, -1, &["a", "b"], 10), now);
    let Verdict::Answer(body) = sent.verdict else {
        panic!("expected an answer, got {:?}", sent.verdict);
    };
    assert_eq!(partition_errors(0, 9, &body), vec![19, 19]);
    let sent = request(&mut *f, &s, 1, 12, &fetch(12, &["a"]), now);
    let Verdict::Answer(body) = sent.verdict else {
        panic!("expected an answer, got {:?}", sent.verdict);
    };
    assert_eq!(partition_errors(1, 12, &body), vec![1]);
    // acks=0 expects no answer: it always passes.
    let sent = request(&mut *f, &s, 0, 9, &produce(9, 0, &["a"], 10), now);
    assert!(matches!(sent.verdict, Verdict::Pass));
    // Other APIs are not looked at.
    assert_eq!(f.wants(3, 12), Want::Nothing);
}

#[test]
fn defaults_and_rate_0() {
    let plugin = compile(&INFO, json!({"rateInPercent": 100}));
    let s = session(None);
    let now = Instant::now();
    let mut f = filter(&plugin, true);
    let sent = request(&mut *f, &s, 0, 7, &produce(7, 1, &["a"], 10), now);
    let Verdict::Answer(body) = sent.verdict else {
        panic!("expected an answer, got {:?}", sent.verdict);
    };
    assert_eq!(partition_errors(0, 7, &body), vec![2]);
    let sent = request(&mut *f, &s, 1, 12, &fetch(12, &["a"]), now);
    let Verdict::Answer(body) = sent.verdict else {
        panic!("expected an answer, got {:?}", sent.verdict);
    };
    assert_eq!(partition_errors(1, 12, &body), vec![-1]);
    let plugin = compile(&INFO, json!({"rateInPercent": 0}));
    let mut f = filter(&plugin, true);
    assert_eq!(f.wants(0, 9), Want::Nothing);
    let sent = request(&mut *f, &s, 0, 9, &produce(9, -1, &["a"], 10), now);
    assert!(matches!(sent.verdict, Verdict::Pass));
}

#[test]
fn config_errors_name_the_field() {
    let e = config_error(&INFO, json!({}));
    assert_eq!(e, "spec.config.rateInPercent: missing");
    let e = config_error(&INFO, json!({"rateInPercent": 101}));
    assert!(e.starts_with("spec.config.rateInPercent:"), "{e}");
    let e = config_error(
        &INFO,
        json!({"rateInPercent": 5, "errorMap": {"PRODUCE": "OFFSET_OUT_OF_RANGE"}}),
    );
    assert!(
        e.starts_with("spec.config.errorMap.PRODUCE: expected one of"),
        "{e}"
    );
    let e = config_error(
        &INFO,
        json!({"rateInPercent": 5, "errorMap": {"METADATA": "CORRUPT_MESSAGE"}}),
    );
    assert!(
        e.starts_with("spec.config.errorMap.METADATA: unknown field"),
        "{e}"
    );
}
