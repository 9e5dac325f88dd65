use std::time::Instant;

use serde_json::json;

use super::INFO;
use crate::interceptors::plugins::test_support::*;
use crate::pipeline::filter::Verdict;

#[test]
fn only_requests_naming_a_matching_topic_are_slowed() {
    let plugin = compile(
        &INFO,
        json!({"topic": "slow-.*", "rateInPercent": 100, "minLatencyMs": 10, "maxLatencyMs": 10}),
    );
    let s = session(None);
    let t0 = Instant::now();
    let mut f = filter(&plugin, true);
    let mut sent = request(&mut *f, &s, 1, 12, &fetch(12, &["fast", "slow-1"]), t0);
    assert!(f.wants_answer(1, 12, &sent.notes));
    let (verdict, _) = response(
        &mut *f,
        &s,
        1,
        12,
        &empty_answer(1, 12),
        &mut sent.notes,
        t0,
    );
    assert_eq!(
        parked_until(&verdict),
        Some(t0 + std::time::Duration::from_millis(10))
    );
    let sent = request(&mut *f, &s, 0, 9, &produce(9, -1, &["slow-2"], 1), t0);
    assert!(f.wants_answer(0, 9, &sent.notes));
    // Other topics are not slowed.
    for (api, version, body) in [
        (1, 12, fetch(12, &["fast"])),
        (0, 9, produce(9, 1, &["fast"], 1)),
    ] {
        let sent = request(&mut *f, &s, api, version, &body, t0);
        assert!(matches!(sent.verdict, Verdict::Pass));
        assert!(!f.wants_answer(api, version, &sent.notes));
    }
    let e = config_error(
        &INFO,
        json!({"topic": "((", "rateInPercent": 1, "minLatencyMs": 1, "maxLatencyMs": 2}),
    );
    assert!(e.starts_with("spec.config.topic:"), "{e}");
}
