use codec::schema::{Direction, Struct, Value};
use serde_json::json;

use super::INFO;
use crate::interceptors::plugins::test_support::{
    answer, arr, assert_unchanged, config_error, dec, elem, items, new_filter, request_tree, run, s,
};
use crate::pipeline::filter::Verdict;

const API: i16 = 19;

fn topic(v: i16, name: &str, partitions: i32, rf: i16, configs: &[(&str, &str)]) -> Struct {
    let configs = configs
        .iter()
        .map(|(k, val)| {
            elem(
                API,
                v,
                &["Topics", "Configs"],
                vec![("Name", s(k)), ("Value", s(val))],
            )
        })
        .collect();
    elem(
        API,
        v,
        &["Topics"],
        vec![
            ("Name", s(name)),
            ("NumPartitions", Value::Int32(partitions)),
            ("ReplicationFactor", Value::Int16(rf)),
            ("Configs", arr(configs)),
        ],
    )
}

fn create(v: i16, topics: Vec<Struct>) -> Struct {
    request_tree(
        API,
        v,
        vec![("Topics", arr(topics)), ("timeoutMs", Value::Int32(5000))],
    )
}

fn config_value(topic: &Struct, name: &str) -> String {
    items(topic, "Configs")
        .into_iter()
        .find(|c| c.str("Name") == Some(name))
        .and_then(|c| c.str("Value"))
        .unwrap()
        .to_owned()
}

#[test]
fn blocks_a_topic_with_the_reference_message() {
    let config = json!({
        "numPartition": {"max": 3, "action": "BLOCK"},
        "replicationFactor": {"min": 2}
    });
    for v in [2, 5, 7] {
        let mut f = new_filter(&INFO, config.clone());
        let req = create(v, vec![topic(v, "roads", 100, 1, &[])]);
        let out = run(f.as_mut(), API, v, &req);
        let answer = answer(&out, API, v);
        let t = items(&answer, "Topics")[0];
        assert_eq!(t.str("Name"), Some("roads"));
        assert_eq!(t.int("ErrorCode"), Some(44));
        assert_eq!(
            t.str("ErrorMessage"),
            Some(
                "Request parameters do not satisfy the configured policy. Topic 'roads' with \
                 number partitions is '100', must not be greater than 3. Topic 'roads' with \
                 replication factor is '1', must not be less than 2."
            )
        );
    }
}

#[test]
fn refuses_only_the_breaking_topic_and_merges_its_error() {
    let mut f = new_filter(
        &INFO,
        json!({"topic": "orders-.*", "retentionMs": {"min": 10}}),
    );
    let v = 5;
    let req = create(
        v,
        vec![
            topic(v, "orders-eu", 1, 1, &[("retention.ms", "1")]),
            topic(v, "logs", 1, 1, &[("retention.ms", "1")]),
        ],
    );
    let out = run(f.as_mut(), API, v, &req);
    assert!(matches!(out.verdict, Verdict::Pass), "{:?}", out.verdict);
    let forwarded = dec(API, v, Direction::Request, &out.body);
    let names: Vec<_> = items(&forwarded, "Topics")
        .iter()
        .map(|t| t.str("Name").unwrap().to_owned())
        .collect();
    assert_eq!(names, ["logs"]);
    assert!(f.wants_answer(API, v, &out.notes));
}

#[test]
fn passes_what_is_in_range_other_topics_and_broker_defaults() {
    let config = json!({
        "topic": "orders-.*",
        "numPartition": {"min": 1, "max": 3},
        "replicationFactor": {"min": 3},
        "cleanupPolicy": {"values": ["delete", "compact"]}
    });
    for v in [2, 6] {
        let mut f = new_filter(&INFO, config.clone());
        let req = create(
            v,
            vec![
                topic(
                    v,
                    "orders-1",
                    3,
                    -1,
                    &[("cleanup.policy", "compact,delete")],
                ),
                topic(v, "other", 100, 1, &[]),
            ],
        );
        assert_unchanged(&run(f.as_mut(), API, v, &req), API, v, &req);
    }
}

#[test]
fn info_logs_and_passes_unchanged() {
    let mut f = new_filter(
        &INFO,
        json!({"segmentMs": {"min": 10, "max": 100, "action": "INFO"}}),
    );
    let req = create(4, vec![topic(4, "t", 1, 1, &[("segment.ms", "5000")])]);
    assert_unchanged(&run(f.as_mut(), API, 4, &req), API, 4, &req);
}

#[test]
fn override_rewrites_partitions_replication_and_configs() {
    let config = json!({
        "replicationFactor": {"min": 2, "max": 4, "action": "OVERRIDE", "overrideValue": 3},
        "cleanupPolicy": {"values": ["delete"], "action": "OVERRIDE"},
        "uncleanLeaderElectionEnable": {"value": false, "action": "OVERRIDE"},
        "retentionMs": {"max": 100, "action": "OVERRIDE", "overrideValue": 50}
    });
    for v in [3, 5] {
        let mut f = new_filter(&INFO, config.clone());
        let configs = [
            ("cleanup.policy", "compact"),
            ("unclean.leader.election.enable", "true"),
            ("retention.ms", "99"),
        ];
        let req = create(v, vec![topic(v, "t", 6, 1, &configs)]);
        let out = run(f.as_mut(), API, v, &req);
        assert!(matches!(out.verdict, Verdict::Pass));
        let sent = dec(API, v, Direction::Request, &out.body);
        let t = items(&sent, "Topics")[0];
        assert_eq!(t.int("ReplicationFactor"), Some(3));
        assert_eq!(t.int("NumPartitions"), Some(6));
        assert_eq!(config_value(t, "cleanup.policy"), "delete");
        assert_eq!(config_value(t, "unclean.leader.election.enable"), "false");
        assert_eq!(config_value(t, "retention.ms"), "99");
    }
}

#[test]
fn naming_convention_and_enumerations() {
    let mut f = new_filter(
        &INFO,
        json!({
            "namingConvention": {"value": "[a-z]+\\.[a-z]+"},
            "compressionType": {"values": ["producer", "gzip"]}
        }),
    );
    let req = create(
        5,
        vec![topic(
            5,
            "Bad_Name",
            1,
            1,
            &[("compression.type", "snappy")],
        )],
    );
    let out = run(f.as_mut(), API, 5, &req);
    let answer = answer(&out, API, 5);
    let message = items(&answer, "Topics")[0]
        .str("ErrorMessage")
        .unwrap()
        .to_owned();
    assert!(
        message.contains(
            "Topic 'Bad_Name' is invalid, naming convention must match with regular expression \
             '[a-z]+\\.[a-z]+'"
        ),
        "{message}"
    );
    assert!(
        message.contains(
            "Topic 'Bad_Name' with compression.type is 'snappy', must be one of the values: \
             [producer, gzip]"
        ),
        "{message}"
    );
}

#[test]
fn config_errors_name_the_field() {
    let e = config_error(&INFO, json!({"numPartition": {"max": "x"}}));
    assert_eq!(
        e,
        "spec.config.numPartition.max: expected an integer, got \"x\""
    );
    let e = config_error(&INFO, json!({"cleanupPolicy": {"values": ["forever"]}}));
    assert_eq!(
        e,
        "spec.config.cleanupPolicy.values[0]: \"forever\" is not a known value"
    );
    let e = config_error(
        &INFO,
        json!({"retentionMs": {"min": 1, "action": "OVERRIDE"}}),
    );
    assert_eq!(
        e,
        "spec.config.retentionMs.overrideValue: required with action OVERRIDE"
    );
    let e = config_error(&INFO, json!({"numPartitions": {"max": 1}}));
    assert!(
        e.starts_with("spec.config.numPartitions: unknown field"),
        "{e}"
    );
}
