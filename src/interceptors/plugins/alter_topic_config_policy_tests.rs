use codec::schema::{Direction, Struct, Value};
use serde_json::json;

use super::INFO;
use crate::interceptors::plugins::test_support::{
    answer, arr, assert_unchanged, config_error, dec, elem, items, new_filter, request_tree, run, s,
};
use crate::pipeline::filter::Verdict;

/// A request of `api` (33 or 44) with one resource per (type, name, configs); configs are
/// (name, value, operation).
type Resource<'a> = (i8, &'a str, &'a [(&'a str, &'a str, i8)]);

fn alter(api: i16, v: i16, resources: &[Resource<'_>]) -> Struct {
    let resources = resources
        .iter()
        .map(|(kind, name, configs)| {
            let configs = configs
                .iter()
                .map(|(k, val, op)| {
                    let mut c = elem(
                        api,
                        v,
                        &["Resources", "Configs"],
                        vec![("Name", s(k)), ("Value", s(val))],
                    );
                    if api == 44 {
                        c.set("ConfigOperation", Value::Int8(*op));
                    }
                    c
                })
                .collect();
            elem(
                api,
                v,
                &["Resources"],
                vec![
                    ("ResourceType", Value::Int8(*kind)),
                    ("ResourceName", s(name)),
                    ("Configs", arr(configs)),
                ],
            )
        })
        .collect();
    request_tree(api, v, vec![("Resources", arr(resources))])
}

#[test]
fn blocks_with_the_reference_message_at_both_apis() {
    for (api, v) in [(33, 0), (33, 2), (44, 0), (44, 1)] {
        let mut f = new_filter(&INFO, json!({"retentionMs": {"min": 10, "max": 100}}));
        let req = alter(api, v, &[(2, "cars", &[("retention.ms", "1", 0)])]);
        let out = run(f.as_mut(), api, v, &req);
        let answer = answer(&out, api, v);
        let r = items(&answer, "Responses")[0];
        assert_eq!(r.str("ResourceName"), Some("cars"));
        assert_eq!(r.int("ErrorCode"), Some(44));
        assert_eq!(
            r.str("ErrorMessage"),
            Some(
                "Request parameters do not satisfy the configured policy. retention.ms is '1', \
                 must not be less than '10'."
            )
        );
    }
}

#[test]
fn only_matching_topic_resources_are_judged() {
    let mut f = new_filter(
        &INFO,
        json!({"topic": "cars.*", "retentionMs": {"min": 10}}),
    );
    let req = alter(
        44,
        1,
        &[
            (2, "cars", &[("retention.ms", "1", 0)]),
            (2, "bikes", &[("retention.ms", "1", 0)]),
            (4, "1", &[("retention.ms", "1", 0)]),
        ],
    );
    let out = run(f.as_mut(), 44, 1, &req);
    assert!(matches!(out.verdict, Verdict::Pass));
    let sent = dec(44, 1, Direction::Request, &out.body);
    let names: Vec<_> = items(&sent, "Resources")
        .iter()
        .map(|r| r.str("ResourceName").unwrap().to_owned())
        .collect();
    assert_eq!(names, ["bikes", "1"]);
    assert!(f.wants_answer(44, 1, &out.notes));
}

#[test]
fn passes_values_in_range_deletes_and_info() {
    let config = json!({
        "retentionMs": {"min": 10, "max": 100},
        "segmentMs": {"min": 10, "action": "INFO"}
    });
    for (api, v) in [(33, 1), (44, 1)] {
        let mut f = new_filter(&INFO, config.clone());
        let req = alter(
            api,
            v,
            &[(2, "t", &[("retention.ms", "50", 0), ("segment.ms", "1", 0)])],
        );
        assert_unchanged(&run(f.as_mut(), api, v, &req), api, v, &req);
    }
    let mut f = new_filter(&INFO, config);
    let req = alter(44, 0, &[(2, "t", &[("retention.ms", "1", 1)])]);
    assert_unchanged(&run(f.as_mut(), 44, 0, &req), 44, 0, &req);
}

#[test]
fn blacklisted_configs_cannot_be_set_or_deleted() {
    let mut f = new_filter(&INFO, json!({"blacklist": {"values": ["retention.ms"]}}));
    for op in [0, 1] {
        let req = alter(44, 1, &[(2, "t", &[("retention.ms", "5", op)])]);
        let out = run(f.as_mut(), 44, 1, &req);
        let answer = answer(&out, 44, 1);
        let message = items(&answer, "Responses")[0]
            .str("ErrorMessage")
            .unwrap()
            .to_owned();
        assert!(message.contains("retention.ms is blacklisted"), "{message}");
    }
}

#[test]
fn override_rewrites_values() {
    let mut f = new_filter(
        &INFO,
        json!({
            "flushMs": {"min": 10, "max": 100, "action": "OVERRIDE", "overrideValue": 20},
            "cleanupPolicy": {"value": ["delete"], "action": "OVERRIDE"}
        }),
    );
    let req = alter(
        33,
        2,
        &[(
            2,
            "t",
            &[("flush.ms", "1000", 0), ("cleanup.policy", "compact", 0)],
        )],
    );
    let out = run(f.as_mut(), 33, 2, &req);
    assert!(matches!(out.verdict, Verdict::Pass));
    let sent = dec(33, 2, Direction::Request, &out.body);
    let configs = items(items(&sent, "Resources")[0], "Configs");
    assert_eq!(configs[0].str("Value"), Some("20"));
    assert_eq!(configs[1].str("Value"), Some("delete"));
}

#[test]
fn config_errors_name_the_field() {
    let e = config_error(&INFO, json!({"blacklist": {"action": "BLOCK"}}));
    assert_eq!(e, "spec.config.blacklist.values: missing");
    let e = config_error(&INFO, json!({"flushMs": {"max": 1, "action": "OVERRIDE"}}));
    assert_eq!(
        e,
        "spec.config.flushMs.overrideValue: required with action OVERRIDE"
    );
    let e = config_error(&INFO, json!({"topic": "("}));
    assert!(
        e.starts_with("spec.config.topic: not a valid regular expression"),
        "{e}"
    );
}
