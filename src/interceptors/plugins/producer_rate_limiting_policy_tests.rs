use std::time::{Duration, Instant};

use serde_json::json;

use super::INFO;
use crate::interceptors::plugins::test_support::*;
use crate::pipeline::filter::{Verdict, Want};

const V: i16 = 9;

#[test]
fn over_the_rate_the_answer_is_throttled_and_the_next_request_held() {
    let plugin = compile(&INFO, json!({"maximumBytesPerSecond": 1000}));
    let s = session(Some("alice"));
    let t0 = Instant::now();
    let body = produce(V, -1, &["t"], 900);
    let n = body.len();
    assert!(n > 900 && n < 1000, "{n}");
    let mut a = filter(&plugin, true);
    // The first second's worth passes untouched.
    let first = request(&mut *a, &s, 0, V, &body, t0);
    assert!(matches!(first.verdict, Verdict::Pass));
    assert!(!a.wants_answer(0, V, &first.notes));
    // Another connection of the same principal overdraws the shared bucket: n bytes of debt
    // less what was left over, at 1000 bytes a second.
    let mut b = filter(&plugin, true);
    let mut second = request(&mut *b, &s, 0, V, &body, t0);
    assert!(matches!(second.verdict, Verdict::Pass));
    let debt = (2 * n - 1000) as u64;
    let expected = Duration::from_millis(debt);
    assert!(b.wants_answer(0, V, &second.notes));
    let (verdict, answer) = response(
        &mut *b,
        &s,
        0,
        V,
        &empty_answer(0, V),
        &mut second.notes,
        t0,
    );
    assert!(matches!(verdict, Verdict::Pass));
    assert_eq!(throttle_ms(0, V, &answer), debt as i64);
    // The connection's next request (any API) waits out the delay; then it is judged afresh.
    assert_eq!(b.wants(3, 12), Want::Message);
    let held = request(&mut *b, &s, 3, 12, &[], t0);
    assert_eq!(parked_until(&held.verdict), Some(t0 + expected));
    let woken = request(&mut *b, &s, 3, 12, &[], t0 + expected);
    assert!(matches!(woken.verdict, Verdict::Pass));
    assert_eq!(b.wants(3, 12), Want::Nothing);
    // The other principal has a bucket of its own.
    let bob = session(Some("bob"));
    let other = request(&mut *a, &bob, 0, V, &body, t0);
    assert!(!a.wants_answer(0, V, &other.notes));
}

#[test]
fn a_broker_throttle_time_that_is_higher_stays_and_acks_0_still_holds() {
    let plugin = compile(&INFO, json!({"maximumBytesPerSecond": 10}));
    let s = session(None);
    let t0 = Instant::now();
    let mut f = filter(&plugin, true);
    let body = produce(V, 0, &["t"], 100);
    let sent = request(&mut *f, &s, 0, V, &body, t0);
    // acks=0: passed (never answered here), and the next request is still held.
    assert!(matches!(sent.verdict, Verdict::Pass));
    let held = request(&mut *f, &s, 3, 12, &[], t0);
    let until = parked_until(&held.verdict).expect("held");
    assert!(until > t0 + Duration::from_secs(5));
    // The delay is capped at 30 s however large the debt.
    let big = produce(V, -1, &["t"], 100_000);
    let mut sent = request(&mut *f, &s, 0, V, &big, until);
    let (_, answer) = response(
        &mut *f,
        &s,
        0,
        V,
        &empty_answer(0, V),
        &mut sent.notes,
        until,
    );
    assert_eq!(throttle_ms(0, V, &answer), 30_000);
    // A broker throttle time above the plugin's stays as the broker set it.
    let (_, answer) = response(
        &mut *f,
        &s,
        0,
        V,
        &answer_with_throttle(0, V, 45_000),
        &mut sent.notes,
        until,
    );
    assert_eq!(throttle_ms(0, V, &answer), 45_000);
}

#[test]
fn info_never_throttles_and_config_errors_name_the_field() {
    let plugin = compile(
        &INFO,
        json!({"maximumBytesPerSecond": 10, "action": "INFO"}),
    );
    let s = session(None);
    let t0 = Instant::now();
    let mut f = filter(&plugin, true);
    for _ in 0..3 {
        let sent = request(&mut *f, &s, 0, V, &produce(V, 1, &["t"], 100), t0);
        assert!(matches!(sent.verdict, Verdict::Pass));
        assert!(!f.wants_answer(0, V, &sent.notes));
    }
    assert_eq!(f.wants(3, 12), Want::Nothing);
    let e = config_error(&INFO, json!({"maximumBytesPerSecond": 0}));
    assert!(e.starts_with("spec.config.maximumBytesPerSecond:"), "{e}");
    let e = config_error(
        &INFO,
        json!({"maximumBytesPerSecond": 10, "action": "THROTTLE"}),
    );
    assert!(e.starts_with("spec.config.action:"), "{e}");
}
