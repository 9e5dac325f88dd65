use std::time::{Duration, Instant};

use serde_json::json;

use super::INFO;
use crate::interceptors::plugins::test_support::*;
use crate::pipeline::filter::{Verdict, Want};

#[test]
fn answers_are_held_within_the_range() {
    let plugin = compile(
        &INFO,
        json!({"rateInPercent": 100, "minLatencyMs": 50, "maxLatencyMs": 120}),
    );
    let s = session(None);
    let t0 = Instant::now();
    let mut f = filter(&plugin, true);
    for (api, version, body) in [
        (0, 9, produce(9, -1, &["t"], 5)),
        (1, 12, fetch(12, &["t"])),
    ] {
        for _ in 0..20 {
            let mut sent = request(&mut *f, &s, api, version, &body, t0);
            assert!(matches!(sent.verdict, Verdict::Pass));
            assert!(f.wants_answer(api, version, &sent.notes));
            let answer = empty_answer(api, version);
            let (verdict, after) =
                response(&mut *f, &s, api, version, &answer, &mut sent.notes, t0);
            assert_eq!(after, answer);
            let until = parked_until(&verdict).expect("a parked answer");
            let delay = until - t0;
            assert!(
                (Duration::from_millis(50)..=Duration::from_millis(120)).contains(&delay),
                "{delay:?}"
            );
        }
    }
    // An acks=0 Produce has no answer: the request is held instead, once.
    let sent = request(&mut *f, &s, 0, 9, &produce(9, 0, &["t"], 5), t0);
    let until = parked_until(&sent.verdict).expect("a parked request");
    let woken = request(&mut *f, &s, 0, 9, &produce(9, 0, &["t"], 5), until);
    assert!(matches!(woken.verdict, Verdict::Pass));
    assert_eq!(f.wants(3, 12), Want::Nothing);
}

#[test]
fn rate_0_delays_nothing_and_min_must_not_exceed_max() {
    let plugin = compile(
        &INFO,
        json!({"rateInPercent": 0, "minLatencyMs": 50, "maxLatencyMs": 120}),
    );
    let s = session(None);
    let mut f = filter(&plugin, true);
    assert_eq!(f.wants(0, 9), Want::Nothing);
    let sent = request(
        &mut *f,
        &s,
        0,
        9,
        &produce(9, -1, &["t"], 5),
        Instant::now(),
    );
    assert!(!f.wants_answer(0, 9, &sent.notes));
    let e = config_error(
        &INFO,
        json!({"rateInPercent": 10, "minLatencyMs": 500, "maxLatencyMs": 120}),
    );
    assert!(e.starts_with("spec.config.maxLatencyMs:"), "{e}");
    let e = config_error(&INFO, json!({"rateInPercent": 10, "maxLatencyMs": 120}));
    assert_eq!(e, "spec.config.minLatencyMs: missing");
    let e = config_error(
        &INFO,
        json!({"rateInPercent": 10, "minLatencyMs": 1, "maxLatencyMs": 2, "topic": "x"}),
    );
    assert!(e.starts_with("spec.config.topic: unknown field"), "{e}");
}
