use std::time::Instant;

use serde_json::json;

use super::INFO;
use crate::interceptors::plugins::test_support::*;
use crate::pipeline::filter::Verdict;

const V: i16 = 5;

#[test]
fn past_the_limit_the_join_is_refused_with_policy_violation() {
    let plugin = compile(
        &INFO,
        json!({"groupId": "myGroupId.*", "maximumJoinsPerMinute": 1, "action": "BLOCK"}),
    );
    let s = session(None);
    let t0 = Instant::now();
    let mut f = filter(&plugin, true);
    let sent = request(&mut *f, &s, 11, V, &join_group(V, "myGroupId-1"), t0);
    assert!(matches!(sent.verdict, Verdict::Pass));
    let sent = request(&mut *f, &s, 11, V, &join_group(V, "myGroupId-1"), t0);
    let Verdict::Answer(body) = sent.verdict else {
        panic!("expected a refusal, got {:?}", sent.verdict);
    };
    assert_eq!(top_error(11, V, &body), Some(44));
    // Other groups are counted apart or not at all.
    for group in ["myGroupId-2", "other"] {
        let sent = request(&mut *f, &s, 11, V, &join_group(V, group), t0);
        assert!(matches!(sent.verdict, Verdict::Pass), "{group}");
    }
}

#[test]
fn throttle_and_info_let_the_join_through() {
    let s = session(None);
    let t0 = Instant::now();
    let plugin = compile(
        &INFO,
        json!({"maximumJoinsPerMinute": 1, "action": "THROTTLE"}),
    );
    let mut f = filter(&plugin, true);
    request(&mut *f, &s, 11, V, &join_group(V, "g"), t0);
    let mut sent = request(&mut *f, &s, 11, V, &join_group(V, "g"), t0);
    assert!(matches!(sent.verdict, Verdict::Pass));
    let (_, answer) = response(
        &mut *f,
        &s,
        11,
        V,
        &empty_answer(11, V),
        &mut sent.notes,
        t0,
    );
    assert_eq!(throttle_ms(11, V, &answer), 100);
    let plugin = compile(&INFO, json!({"maximumJoinsPerMinute": 1, "action": "INFO"}));
    let mut f = filter(&plugin, true);
    for _ in 0..3 {
        let sent = request(&mut *f, &s, 11, V, &join_group(V, "g"), t0);
        assert!(matches!(sent.verdict, Verdict::Pass));
        assert!(!f.wants_answer(11, V, &sent.notes));
    }
    let e = config_error(&INFO, json!({"maximumJoinsPerMinute": "5"}));
    assert!(e.starts_with("spec.config.maximumJoinsPerMinute:"), "{e}");
}
