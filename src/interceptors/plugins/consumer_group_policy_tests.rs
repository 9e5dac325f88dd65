use codec::schema::{Direction, Struct, Value};
use serde_json::json;

use super::INFO;
use crate::interceptors::plugins::test_support::{
    answer, assert_unchanged, config_error, dec, new_filter, request_tree, run, s,
};
use crate::pipeline::filter::{Verdict, Want};

const API: i16 = 11;

fn join(v: i16, group: &str, member: &str, rebalance: i32) -> Struct {
    let mut r = request_tree(
        API,
        v,
        vec![
            ("GroupId", s(group)),
            ("SessionTimeoutMs", Value::Int32(45000)),
            ("MemberId", s(member)),
            ("ProtocolType", s("consumer")),
        ],
    );
    if v >= 1 {
        r.set("RebalanceTimeoutMs", Value::Int32(rebalance));
    }
    r
}

#[test]
fn blocks_a_bad_group_id_with_the_reference_message() {
    for v in [0, 5, 9] {
        let mut f = new_filter(
            &INFO,
            json!({"groupId": {"value": "group.*", "action": "BLOCK"}}),
        );
        let out = run(f.as_mut(), API, v, &join(v, "invalid_group_id", "", 300000));
        assert_eq!(answer(&out, API, v).int("ErrorCode"), Some(44));
    }
}

#[test]
fn passes_good_groups_empty_member_ids_and_info() {
    let config = json!({
        "groupId": {"value": "group.*"},
        "memberId": {"value": "member.*", "action": "BLOCK"},
        "sessionTimeoutMs": {"max": 60000, "action": "INFO"}
    });
    for v in [1, 6] {
        let mut f = new_filter(&INFO, config.clone());
        let req = join(v, "group-a", "", 300000);
        assert_unchanged(&run(f.as_mut(), API, v, &req), API, v, &req);
        let req = join(v, "group-a", "member-1", 300000);
        assert_unchanged(&run(f.as_mut(), API, v, &req), API, v, &req);
    }
    let mut f = new_filter(
        &INFO,
        json!({"sessionTimeoutMs": {"max": 100, "action": "INFO"}}),
    );
    let req = join(4, "g", "", 1000);
    assert_unchanged(&run(f.as_mut(), API, 4, &req), API, 4, &req);
    let mut f = new_filter(&INFO, json!({"memberId": {"value": "member.*"}}));
    let out = run(f.as_mut(), API, 4, &join(4, "g", "consumer-1-abc", 1000));
    assert_eq!(answer(&out, API, 4).int("ErrorCode"), Some(44));
}

#[test]
fn override_rewrites_the_rebalance_timeout() {
    let config = json!({
        "rebalanceTimeoutMs": {"min": 30000, "action": "OVERRIDE", "overrideValue": 40000}
    });
    for v in [2, 7] {
        let mut f = new_filter(&INFO, config.clone());
        let out = run(f.as_mut(), API, v, &join(v, "g", "", 1000));
        assert!(matches!(out.verdict, Verdict::Pass));
        let sent = dec(API, v, Direction::Request, &out.body);
        assert_eq!(sent.int("RebalanceTimeoutMs"), Some(40000));
    }
}

#[test]
fn other_group_apis_are_checked_by_group_id_when_blocking() {
    let mut f = new_filter(&INFO, json!({"groupId": {"value": "group.*"}}));
    assert_eq!(f.wants(12, 4), Want::Message);
    for v in [0, 4] {
        let hb = request_tree(
            12,
            v,
            vec![
                ("GroupId", s("bad")),
                ("MemberId", s("m")),
                ("GenerationId", Value::Int32(1)),
            ],
        );
        let out = run(f.as_mut(), 12, v, &hb);
        assert_eq!(answer(&out, 12, v).int("ErrorCode"), Some(44));
        let hb = request_tree(12, v, vec![("GroupId", s("group-1")), ("MemberId", s("m"))]);
        assert_unchanged(&run(f.as_mut(), 12, v, &hb), 12, v, &hb);
    }
    let f = new_filter(
        &INFO,
        json!({"groupId": {"value": "group.*", "action": "INFO"}}),
    );
    assert_eq!(f.wants(12, 4), Want::Nothing);
}

#[test]
fn config_errors_name_the_field() {
    let e = config_error(&INFO, json!({"groupId": {"action": "BLOCK"}}));
    assert_eq!(e, "spec.config.groupId.value: missing");
    let e = config_error(
        &INFO,
        json!({"memberId": {"value": "m", "action": "OVERRIDE"}}),
    );
    assert!(
        e.starts_with("spec.config.memberId.action: expected one of"),
        "{e}"
    );
}
