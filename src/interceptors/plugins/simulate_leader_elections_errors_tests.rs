use std::collections::BTreeSet;
use std::time::Instant;

use serde_json::json;

use super::INFO;
use crate::interceptors::plugins::test_support::*;
use crate::pipeline::filter::{Verdict, Want};

#[test]
fn produce_is_answered_with_leader_election_errors() {
    let plugin = compile(&INFO, json!({"rateInPercent": 100}));
    let s = session(None);
    let now = Instant::now();
    let mut f = filter(&plugin, true);
    let mut seen = BTreeSet::new();
    for _ in 0..200 {
        let sent = request(&mut *f, &s, 0, 9, &produce(9, -1, &["a", "b"], 10), now);
        let Verdict::Answer(body) = sent.verdict else {
            panic!("expected an answer, got {:?}", sent.verdict);
        };
        let errors = partition_errors(0, 9, &body);
        assert_eq!(errors.len(), 2);
        assert!(errors.iter().all(|e| *e == errors[0]));
        seen.insert(errors[0]);
    }
    assert_eq!(seen, BTreeSet::from([5, 6, 8]));
    let sent = request(&mut *f, &s, 0, 9, &produce(9, 0, &["a"], 10), now);
    assert!(matches!(sent.verdict, Verdict::Pass));
    assert_eq!(f.wants(1, 12), Want::Nothing);
}

#[test]
fn rate_0_passes_and_config_errors_name_the_field() {
    let plugin = compile(&INFO, json!({"rateInPercent": 0}));
    let s = session(None);
    let mut f = filter(&plugin, true);
    let sent = request(
        &mut *f,
        &s,
        0,
        9,
        &produce(9, -1, &["a"], 10),
        Instant::now(),
    );
    assert!(matches!(sent.verdict, Verdict::Pass));
    let e = config_error(&INFO, json!({"rateInPercent": -1}));
    assert!(e.starts_with("spec.config.rateInPercent:"), "{e}");
    let e = config_error(&INFO, json!({"rateInPercent": 1, "other": 1}));
    assert!(e.starts_with("spec.config.other: unknown field"), "{e}");
}
