//! Group, transaction, config and cluster APIs through the hooks, and every API at every
//! version.

use codec::schema::{Direction, Value};

use super::test_support::*;
use super::Filter as _;
use crate::acl::binding::{Operation, ResourceType};
use crate::pipeline::filter::{Verdict, Want};

use Direction::{Request as Req, Response as Resp};
use Operation::{Describe, Read, Write};
use ResourceType::{Cluster, Group, Topic, TransactionalId};

#[test]
fn group_apis_answer_30_when_the_group_is_denied() {
    let mut h = Harness::new("alice", vec![allow(ALICE, Read, Group, "mine")]);
    for (api, version) in [(11, 9), (12, 4), (13, 5), (14, 5), (11, 0)] {
        let sent = h.request(api, version, &st(vec![("GroupId", s("theirs"))]));
        let answer = dec(api, version, Resp, answered(&sent));
        assert_eq!(answer.int("ErrorCode"), Some(30), "api {api} v{version}");
        let sent = h.request(api, version, &st(vec![("GroupId", s("mine"))]));
        assert!(
            matches!(sent.verdict, Verdict::Pass),
            "api {api} v{version}"
        );
    }
}

#[test]
fn offset_commit_to_a_denied_group_is_30_for_every_partition() {
    let mut h = Harness::new("alice", vec![allow(ALICE, Read, Topic, "orders")]);
    let topic = elem(
        8,
        9,
        Req,
        &["Topics"],
        vec![
            ("Name", s("orders")),
            (
                "Partitions",
                arr(vec![elem(
                    8,
                    9,
                    Req,
                    &["Topics", "Partitions"],
                    vec![("PartitionIndex", Value::Int32(4))],
                )]),
            ),
        ],
    );
    let req = st(vec![("GroupId", s("g")), ("Topics", arr(vec![topic]))]);
    let sent = h.request(8, 9, &req);
    let answer = dec(8, 9, Resp, answered(&sent));
    let t = items(&answer, "Topics")[0];
    assert_eq!(t.str("Name"), Some("orders"));
    assert_eq!(items(t, "Partitions")[0].int("ErrorCode"), Some(30));
    assert_eq!(items(t, "Partitions")[0].int("PartitionIndex"), Some(4));
}

#[test]
fn offset_fetch_v8_splits_groups_and_topics() {
    let mut h = Harness::new(
        "alice",
        vec![
            allow(ALICE, Describe, Group, "a"),
            allow(ALICE, Describe, Topic, "t1"),
        ],
    );
    let topic = |name: &str| {
        elem(
            9,
            8,
            Req,
            &["Groups", "Topics"],
            vec![("Name", s(name)), ("PartitionIndexes", ints(&[0]))],
        )
    };
    let group = |name: &str| {
        elem(
            9,
            8,
            Req,
            &["Groups"],
            vec![
                ("GroupId", s(name)),
                ("Topics", arr(vec![topic("t1"), topic("t2")])),
            ],
        )
    };
    let sent = h.request(
        9,
        8,
        &st(vec![("Groups", arr(vec![group("a"), group("b")]))]),
    );
    let fwd = dec(9, 8, Req, &sent.body);
    assert_eq!(items(&fwd, "Groups").len(), 1);
    assert_eq!(items(items(&fwd, "Groups")[0], "Topics").len(), 1);
    let broker_group = elem(
        9,
        8,
        Resp,
        &["Groups"],
        vec![
            ("GroupId", s("a")),
            (
                "Topics",
                arr(vec![elem(
                    9,
                    8,
                    Resp,
                    &["Groups", "Topics"],
                    vec![("Name", s("t1"))],
                )]),
            ),
        ],
    );
    let seen = h.response(
        9,
        8,
        &st(vec![("Groups", arr(vec![broker_group]))]),
        &sent.notes,
    );
    assert_eq!(
        name_codes(&seen, "Groups", "GroupId", "ErrorCode"),
        [("a".into(), 0), ("b".into(), 30)]
    );
    let a = items(&seen, "Groups")[0];
    let topics: Vec<_> = items(a, "Topics")
        .iter()
        .map(|t| {
            let p = items(t, "Partitions");
            (
                t.str("Name").unwrap().to_owned(),
                p.first().map(|p| p.int("ErrorCode").unwrap()),
            )
        })
        .collect();
    assert_eq!(topics, [("t1".into(), None), ("t2".into(), Some(29))]);
}

#[test]
fn list_groups_is_filtered_without_describe_on_the_cluster() {
    let mut h = Harness::new("alice", vec![allow(ALICE, Describe, Group, "mine")]);
    let sent = h.request(16, 4, &st(vec![]));
    let group = |name: &str| elem(16, 4, Resp, &["Groups"], vec![("GroupId", s(name))]);
    let broker = st(vec![("Groups", arr(vec![group("mine"), group("theirs")]))]);
    let seen = h.response(16, 4, &broker, &sent.notes);
    assert_eq!(
        name_codes_groups(&seen),
        ["mine"],
        "only what alice may describe"
    );
    let mut h = Harness::new(
        "alice",
        vec![allow(ALICE, Describe, Cluster, "kafka-cluster")],
    );
    let sent = h.request(16, 4, &st(vec![]));
    assert!(
        sent.notes.is_empty(),
        "DESCRIBE on the cluster sees every group"
    );
}

#[test]
fn describe_groups_answers_30_for_denied_groups_and_fills_authorized_operations() {
    let mut h = Harness::new("alice", vec![allow(ALICE, Read, Group, "mine")]);
    let req = st(vec![
        ("Groups", strs(&["mine", "theirs"])),
        ("IncludeAuthorizedOperations", Value::Bool(true)),
    ]);
    let sent = h.request(15, 5, &req);
    let fwd = dec(15, 5, Req, &sent.body);
    assert_eq!(fwd.get("Groups"), Some(&strs(&["mine"])));
    let broker = st(vec![(
        "Groups",
        arr(vec![elem(
            15,
            5,
            Resp,
            &["Groups"],
            vec![("GroupId", s("mine"))],
        )]),
    )]);
    let seen = h.response(15, 5, &broker, &sent.notes);
    assert_eq!(
        name_codes(&seen, "Groups", "GroupId", "ErrorCode"),
        [("mine".into(), 0), ("theirs".into(), 30)]
    );
    let read_and_describe = (1 << Read.code()) | (1 << Describe.code());
    assert_eq!(
        items(&seen, "Groups")[0].int("AuthorizedOperations"),
        Some(read_and_describe)
    );
}

#[test]
fn init_producer_id_needs_the_transactional_id_or_idempotent_write() {
    let mut h = Harness::new("alice", vec![]);
    let sent = h.request(22, 4, &st(vec![("TransactionalId", s("tx"))]));
    let answer = dec(22, 4, Resp, answered(&sent));
    assert_eq!(answer.int("ErrorCode"), Some(53));
    assert_eq!(answer.int("ProducerId"), Some(-1));
    let sent = h.request(22, 4, &st(vec![("TransactionalId", Value::Null)]));
    assert_eq!(dec(22, 4, Resp, answered(&sent)).int("ErrorCode"), Some(31));
    let mut h = Harness::new("alice", vec![allow(ALICE, Write, Topic, "any")]);
    let sent = h.request(22, 4, &st(vec![("TransactionalId", Value::Null)]));
    assert!(
        matches!(sent.verdict, Verdict::Pass),
        "WRITE on a topic is enough"
    );
}

#[test]
fn describe_configs_splits_by_resource_type() {
    let mut h = Harness::new(
        "alice",
        vec![allow(ALICE, Operation::DescribeConfigs, Topic, "orders")],
    );
    let res = |rt: i8, name: &str| {
        elem(
            32,
            4,
            Req,
            &["Resources"],
            vec![("ResourceType", Value::Int8(rt)), ("ResourceName", s(name))],
        )
    };
    let req = st(vec![(
        "Resources",
        arr(vec![
            res(2, "orders"),
            res(2, "secret"),
            res(4, "1"),
            res(32, "g"),
        ]),
    )]);
    let sent = h.request(32, 4, &req);
    let fwd = dec(32, 4, Req, &sent.body);
    assert_eq!(items(&fwd, "Resources").len(), 1);
    let seen = h.response(32, 4, &st(vec![]), &sent.notes);
    assert_eq!(
        name_codes(&seen, "Results", "ResourceName", "ErrorCode"),
        [("secret".into(), 29), ("1".into(), 31), ("g".into(), 30)]
    );
}

#[test]
fn cluster_apis_answer_31_and_unknown_apis_are_refused() {
    let mut h = Harness::new("alice", vec![]);
    // DescribeLogDirs v4: a top-level error code.
    let sent = h.request(35, 4, &st(vec![]));
    assert_eq!(dec(35, 4, Resp, answered(&sent)).int("ErrorCode"), Some(31));
    // ElectLeaders v0: no top-level error code; every partition gets it.
    let tp = elem(
        43,
        0,
        Req,
        &["TopicPartitions"],
        vec![("Topic", s("t")), ("Partitions", ints(&[0, 1]))],
    );
    let sent = h.request(43, 0, &st(vec![("TopicPartitions", arr(vec![tp]))]));
    let answer = dec(43, 0, Resp, answered(&sent));
    let result = items(&answer, "ReplicaElectionResults")[0];
    assert_eq!(
        name_codes(result, "PartitionResult", "ErrorMessage", "ErrorCode")
            .iter()
            .map(|(_, c)| *c)
            .collect::<Vec<_>>(),
        [31, 31]
    );
    // Delegation tokens are not in the table: refused.
    let sent = h.request(38, 3, &st(vec![]));
    let answer = dec(38, 3, Resp, answered(&sent));
    assert_eq!(answer.int("ErrorCode"), Some(31));
    // A super user passes.
    h.session.principal = Some("root".into());
    let sent = h.request(35, 4, &st(vec![]));
    assert!(matches!(sent.verdict, Verdict::Pass));
}

#[test]
fn with_acls_off_requests_pass_and_wants_skips_only_what_needs_nothing() {
    let mut h = Harness::new("alice", vec![]);
    h.source.with(|s| s.present = false);
    let sent = h.request(0, 9, &produce_tree(9, &[("secret", &[0])], None));
    assert!(matches!(sent.verdict, Verdict::Pass));
    h.source.with(|s| {
        s.present = true;
        s.enabled = false;
    });
    let sent = h.request(0, 9, &produce_tree(9, &[("secret", &[0])], None));
    assert!(matches!(sent.verdict, Verdict::Pass));
    assert!(h.enforcer.last_policy().is_some_and(|p| !p.enabled));
    for key in [17, 18, 36, 71, 72] {
        assert_eq!(h.enforcer.wants(key, 0), Want::Nothing, "key {key}");
    }
    for key in [0, 1, 3, 29, 30, 31, 38, 76, 200] {
        assert_eq!(h.enforcer.wants(key, 0), Want::Message, "key {key}");
    }
}

#[test]
fn list_and_describe_transactions_hide_what_the_principal_may_not_describe() {
    let mut h = Harness::new(
        "alice",
        vec![allow(ALICE, Describe, TransactionalId, "tx-mine")],
    );
    let sent = h.request(66, 1, &st(vec![]));
    let state = |id: &str| {
        elem(
            66,
            1,
            Resp,
            &["TransactionStates"],
            vec![("TransactionalId", s(id))],
        )
    };
    let broker = st(vec![(
        "TransactionStates",
        arr(vec![state("tx-mine"), state("tx-other")]),
    )]);
    let seen = h.response(66, 1, &broker, &sent.notes);
    assert_eq!(items(&seen, "TransactionStates").len(), 1);
    let sent = h.request(65, 0, &st(vec![("TransactionalIds", strs(&["tx-other"]))]));
    let answer = dec(65, 0, Resp, answered(&sent));
    assert_eq!(
        name_codes(&answer, "TransactionStates", "TransactionalId", "ErrorCode"),
        [("tx-other".into(), 53)]
    );
}

/// Every API of the table at every version: a request naming one resource of each list
/// (denied to a principal without bindings) is handled without a decode or encode error,
/// and a local answer decodes as the response of its version.
#[test]
fn every_api_at_every_version_is_handled_in_the_brokers_shape() {
    use super::requirements::{Need, TABLE};
    use codec::schema::{api_schema, Element, Type};
    let expected_close = [27]; // WriteTxnMarkers: no error code to answer with.
    for &(api, need) in TABLE {
        if matches!(need, Need::Nothing) {
            continue;
        }
        let schema = api_schema(api).unwrap();
        let versions = schema.request.versions;
        for version in versions.min..=versions.max.min(20) {
            let mut req = st(vec![]);
            for f in schema.request.fields {
                if !f.versions.contains(version) || f.tag.is_some() && f.tagged.contains(version) {
                    continue;
                }
                match f.ty {
                    Type::Array(Element::Struct(_)) => {
                        let mut e = elem(api, version, Req, &[f.name], vec![]);
                        for (name, v) in e.fields.iter_mut() {
                            if matches!(v, Value::String(_)) && name.contains("Name") {
                                *v = s("x");
                            }
                        }
                        req.set(f.name, arr(vec![e]));
                    }
                    Type::Array(Element::Scalar(codec::schema::Scalar::String)) => {
                        req.set(f.name, strs(&["x"]));
                    }
                    _ => {}
                }
            }
            if api == 0 {
                req.set("Acks", Value::Int16(-1));
            }
            let mut h = Harness::new("nobody", vec![]);
            let sent = h.request(api, version, &req);
            match &sent.verdict {
                Verdict::Answer(body) => {
                    let _ = dec(api, version, Resp, body);
                }
                Verdict::Pass => {
                    if !sent.notes.is_empty() {
                        let _ = h.response(api, version, &st(vec![]), &sent.notes);
                    }
                }
                Verdict::Close(why) => assert!(
                    expected_close.contains(&api)
                        && !why.contains("decode")
                        && !why.contains("encode"),
                    "api {api} v{version}: {why}"
                ),
                Verdict::Park(_) => panic!("api {api} v{version} parked"),
            }
        }
    }
}

#[test]
fn consumer_group_apis_check_the_topics_they_show() {
    let mut h = Harness::new(
        "alice",
        vec![
            allow(ALICE, Read, Group, "g"),
            allow(ALICE, Describe, Topic, "mine"),
        ],
    );
    // ConsumerGroupHeartbeat subscribing to a topic alice may not describe: 29.
    let req = st(vec![
        ("GroupId", s("g")),
        ("SubscribedTopicNames", strs(&["mine", "theirs"])),
    ]);
    let sent = h.request(68, 0, &req);
    let answer = dec(68, 0, Resp, answered(&sent));
    assert_eq!(answer.int("ErrorCode"), Some(29));
    assert!(answer.str("ErrorMessage").unwrap().contains("'theirs'"));
    // ConsumerGroupDescribe: a group assigning a topic alice may not describe is 29.
    let sent = h.request(69, 0, &st(vec![("GroupIds", strs(&["g"]))]));
    assert!(matches!(sent.verdict, Verdict::Pass));
    let tp = |name: &str| {
        st(vec![
            ("TopicId", Value::Uuid(id(1))),
            ("TopicName", s(name)),
            ("Partitions", ints(&[0])),
        ])
    };
    let member = elem(
        69,
        0,
        Resp,
        &["Groups", "Members"],
        vec![(
            "Assignment",
            Value::Struct(st(vec![(
                "TopicPartitions",
                arr(vec![tp("mine"), tp("theirs")]),
            )])),
        )],
    );
    let group = elem(
        69,
        0,
        Resp,
        &["Groups"],
        vec![("GroupId", s("g")), ("Members", arr(vec![member]))],
    );
    let seen = h.response(69, 0, &st(vec![("Groups", arr(vec![group]))]), &sent.notes);
    let g = items(&seen, "Groups")[0];
    assert_eq!(
        (g.str("GroupId"), g.int("ErrorCode")),
        (Some("g"), Some(29))
    );
    assert!(
        items(g, "Members").is_empty(),
        "nothing of the group is shown"
    );
}

#[test]
fn add_partitions_to_txn_with_a_denied_topic_attempts_nothing() {
    let mut h = Harness::new(
        "alice",
        vec![
            allow(ALICE, Write, TransactionalId, "tx"),
            allow(ALICE, Write, Topic, "orders"),
        ],
    );
    let topic = |name: &str| {
        elem(
            24,
            3,
            Req,
            &["V3AndBelowTopics"],
            vec![("Name", s(name)), ("Partitions", ints(&[0]))],
        )
    };
    let req = st(vec![
        ("V3AndBelowTransactionalId", s("tx")),
        (
            "V3AndBelowTopics",
            arr(vec![topic("orders"), topic("secret")]),
        ),
    ]);
    let sent = h.request(24, 3, &req);
    let answer = dec(24, 3, Resp, answered(&sent));
    let codes: Vec<_> = items(&answer, "ResultsByTopicV3AndBelow")
        .iter()
        .map(|t| {
            (
                t.str("Name").unwrap().to_owned(),
                items(t, "ResultsByPartition")[0]
                    .int("PartitionErrorCode")
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(codes, [("orders".into(), 55), ("secret".into(), 29)]);
}

#[test]
fn offset_fetch_for_all_topics_shows_only_what_the_principal_may_describe() {
    let mut h = Harness::new(
        "alice",
        vec![
            allow(ALICE, Describe, Group, "g"),
            allow(ALICE, Describe, Topic, "mine"),
        ],
    );
    let sent = h.request(
        9,
        7,
        &st(vec![("GroupId", s("g")), ("Topics", Value::Null)]),
    );
    let topic = |name: &str| elem(9, 7, Resp, &["Topics"], vec![("Name", s(name))]);
    let broker = st(vec![("Topics", arr(vec![topic("mine"), topic("theirs")]))]);
    let seen = h.response(9, 7, &broker, &sent.notes);
    assert_eq!(name_codes_req(&seen), ["mine"]);
    // Another group: 30 at the top level from v2.
    let sent = h.request(
        9,
        7,
        &st(vec![("GroupId", s("other")), ("Topics", Value::Null)]),
    );
    assert_eq!(dec(9, 7, Resp, answered(&sent)).int("ErrorCode"), Some(30));
}
