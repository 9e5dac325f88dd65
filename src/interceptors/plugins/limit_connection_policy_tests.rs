use std::time::{Duration, Instant};

use serde_json::json;

use super::INFO;
use crate::interceptors::plugins::test_support::*;
use crate::pipeline::filter::{Verdict, Want};

#[test]
fn over_the_limit_the_first_request_is_refused_with_policy_violation() {
    let plugin = compile(&INFO, json!({"maximumConnectionsPerSecond": 2}));
    let s = session(None);
    let t0 = Instant::now();
    for _ in 0..2 {
        let mut f = filter(&plugin, true);
        let sent = request(&mut *f, &s, 11, 5, &join_group(5, "g"), t0);
        assert!(matches!(sent.verdict, Verdict::Pass));
        // Judged once: the connection's later requests stay on the fast path.
        assert_eq!(f.wants(11, 5), Want::Nothing);
    }
    let mut third = filter(&plugin, true);
    let sent = request(&mut *third, &s, 11, 5, &join_group(5, "g"), t0);
    let Verdict::Answer(body) = sent.verdict else {
        panic!("expected a refusal, got {:?}", sent.verdict);
    };
    assert_eq!(top_error(11, 5, &body), Some(44));
    // An acks=0 Produce is never answered: the connection is closed, naming the limit.
    let mut fourth = filter(&plugin, true);
    let sent = request(&mut *fourth, &s, 0, 9, &produce(9, 0, &["t"], 10), t0);
    let Verdict::Close(why) = sent.verdict else {
        panic!("expected a close, got {:?}", sent.verdict);
    };
    assert!(why.contains("maximumConnectionsPerSecond 2"), "{why}");
    // A second later the window is new.
    let mut later = filter(&plugin, true);
    let sent = request(
        &mut *later,
        &s,
        11,
        5,
        &join_group(5, "g"),
        t0 + Duration::from_secs(1),
    );
    assert!(matches!(sent.verdict, Verdict::Pass));
}

#[test]
fn throttle_holds_the_first_request_and_rebuilt_chains_do_not_count() {
    let plugin = compile(
        &INFO,
        json!({"maximumConnectionsPerSecond": 1, "action": "THROTTLE", "throttleTimeMs": 250}),
    );
    let s = session(None);
    let t0 = Instant::now();
    let mut first = filter(&plugin, true);
    assert!(matches!(
        request(&mut *first, &s, 3, 12, &[], t0).verdict,
        Verdict::Pass
    ));
    // A chain rebuilt after a state change is not a new connection.
    let rebuilt = filter(&plugin, false);
    assert_eq!(rebuilt.wants(3, 12), Want::Nothing);
    let mut second = filter(&plugin, true);
    let sent = request(&mut *second, &s, 3, 12, &[], t0);
    assert_eq!(
        parked_until(&sent.verdict),
        Some(t0 + Duration::from_millis(250))
    );
    // Woken early it waits again; on time it passes.
    let early = request(
        &mut *second,
        &s,
        3,
        12,
        &[],
        t0 + Duration::from_millis(100),
    );
    assert_eq!(
        parked_until(&early.verdict),
        Some(t0 + Duration::from_millis(250))
    );
    let woken = request(
        &mut *second,
        &s,
        3,
        12,
        &[],
        t0 + Duration::from_millis(250),
    );
    assert!(matches!(woken.verdict, Verdict::Pass));
    assert_eq!(second.wants(3, 12), Want::Nothing);
}

#[test]
fn info_only_logs_and_config_errors_name_the_field() {
    let plugin = compile(
        &INFO,
        json!({"maximumConnectionsPerSecond": 1, "action": "INFO"}),
    );
    let s = session(None);
    let t0 = Instant::now();
    for _ in 0..3 {
        let mut f = filter(&plugin, true);
        assert!(matches!(
            request(&mut *f, &s, 11, 5, &join_group(5, "g"), t0).verdict,
            Verdict::Pass
        ));
    }
    let e = config_error(&INFO, json!({}));
    assert_eq!(e, "spec.config.maximumConnectionsPerSecond: missing");
    let e = config_error(&INFO, json!({"maximumConnectionsPerSecond": 0}));
    assert!(
        e.starts_with("spec.config.maximumConnectionsPerSecond:"),
        "{e}"
    );
    let e = config_error(
        &INFO,
        json!({"maximumConnectionsPerSecond": 1, "action": "OVERRIDE"}),
    );
    assert!(e.starts_with("spec.config.action:"), "{e}");
}

#[test]
fn a_first_request_whose_answer_cannot_carry_the_error_closes_the_connection() {
    let plugin = compile(&INFO, json!({"maximumConnectionsPerSecond": 1}));
    let s = session(None);
    let t0 = Instant::now();
    let mut a = filter(&plugin, true);
    let sent = request(&mut *a, &s, 3, 12, &empty_request(3, 12), t0);
    assert!(matches!(sent.verdict, Verdict::Pass));
    // A Metadata answer has no top-level error code (and this one names no topic).
    let mut b = filter(&plugin, true);
    let sent = request(&mut *b, &s, 3, 12, &empty_request(3, 12), t0);
    let Verdict::Close(why) = sent.verdict else {
        panic!("expected a close, got {:?}", sent.verdict);
    };
    assert!(
        why.contains("more than maximumConnectionsPerSecond 1"),
        "{why}"
    );
}
