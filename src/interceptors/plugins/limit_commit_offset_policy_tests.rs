use std::time::{Duration, Instant};

use serde_json::json;

use super::INFO;
use crate::interceptors::plugins::test_support::*;
use crate::pipeline::filter::{Verdict, Want};

const V: i16 = 8;

#[test]
fn past_the_limit_every_partition_of_the_commit_is_refused() {
    let plugin = compile(
        &INFO,
        json!({"groupId": "orders-.*", "maximumCommitsPerMinute": 2}),
    );
    let s = session(Some("alice"));
    let t0 = Instant::now();
    // Two connections share the count.
    let mut a = filter(&plugin, true);
    let mut b = filter(&plugin, true);
    for f in [&mut a, &mut b] {
        let sent = request(&mut **f, &s, 8, V, &offset_commit(V, "orders-eu", "t"), t0);
        assert!(matches!(sent.verdict, Verdict::Pass));
    }
    let sent = request(&mut *a, &s, 8, V, &offset_commit(V, "orders-eu", "t"), t0);
    let Verdict::Answer(body) = sent.verdict else {
        panic!("expected a refusal, got {:?}", sent.verdict);
    };
    assert_eq!(partition_errors(8, V, &body), vec![44, 44]);
    // Another group, and a group the pattern does not match, are not limited.
    for group in ["orders-us", "billing"] {
        let sent = request(&mut *b, &s, 8, V, &offset_commit(V, group, "t"), t0);
        assert!(matches!(sent.verdict, Verdict::Pass), "{group}");
    }
    // A minute later the window is new.
    let later = t0 + Duration::from_secs(60);
    let sent = request(
        &mut *a,
        &s,
        8,
        V,
        &offset_commit(V, "orders-eu", "t"),
        later,
    );
    assert!(matches!(sent.verdict, Verdict::Pass));
}

#[test]
fn throttle_raises_the_answer_throttle_time_and_holds_the_next_request() {
    let plugin = compile(
        &INFO,
        json!({"maximumCommitsPerMinute": 1, "action": "THROTTLE", "throttleTimeMs": 500}),
    );
    let s = session(None);
    let t0 = Instant::now();
    let mut f = filter(&plugin, true);
    let first = request(&mut *f, &s, 8, V, &offset_commit(V, "g", "t"), t0);
    assert!(matches!(first.verdict, Verdict::Pass));
    assert!(!f.wants_answer(8, V, &first.notes));
    let mut second = request(&mut *f, &s, 8, V, &offset_commit(V, "g", "t"), t0);
    assert!(matches!(second.verdict, Verdict::Pass));
    assert!(f.wants_answer(8, V, &second.notes));
    let (verdict, answer) = response(
        &mut *f,
        &s,
        8,
        V,
        &empty_answer(8, V),
        &mut second.notes,
        t0,
    );
    assert!(matches!(verdict, Verdict::Pass));
    assert_eq!(throttle_ms(8, V, &answer), 500);
    // The next request, of any API, waits out the throttle.
    assert_eq!(f.wants(3, 12), Want::Message);
    let next = request(&mut *f, &s, 3, 12, &[], t0 + Duration::from_millis(10));
    assert_eq!(
        parked_until(&next.verdict),
        Some(t0 + Duration::from_millis(500))
    );
    let woken = request(&mut *f, &s, 3, 12, &[], t0 + Duration::from_millis(500));
    assert!(matches!(woken.verdict, Verdict::Pass));
    assert_eq!(f.wants(3, 12), Want::Nothing);
}

#[test]
fn config_errors_name_the_field() {
    let e = config_error(&INFO, json!({"groupId": "x"}));
    assert_eq!(e, "spec.config.maximumCommitsPerMinute: missing");
    let e = config_error(
        &INFO,
        json!({"maximumCommitsPerMinute": 5, "groupId": "(("}),
    );
    assert!(e.starts_with("spec.config.groupId:"), "{e}");
    let e = config_error(
        &INFO,
        json!({"maximumCommitsPerMinute": 5, "throttleTimeMs": -1}),
    );
    assert!(e.starts_with("spec.config.throttleTimeMs:"), "{e}");
}
