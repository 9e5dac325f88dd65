//! Topic APIs (Produce, Fetch, Metadata, CreateTopics, DeleteTopics) through the hooks.

use codec::messages::produce::{
    PartitionProduceResponse, ProduceRequest, ProduceResponse, TopicProduceResponse,
};
use codec::schema::{Direction, Value};
use codec::Message;

use super::test_support::*;
use crate::acl::binding::{Operation, PatternType, Permission, ResourceType};
use crate::pipeline::filter::Verdict;

use Direction::{Request as Req, Response as Resp};
use Operation::{Create, Describe, Read, Write};
use ResourceType::{Cluster, Topic, TransactionalId};

#[test]
fn a_partly_denied_produce_writes_the_allowed_topic_and_merges_29_for_the_other() {
    let mut h = Harness::new("alice", vec![allow(ALICE, Write, Topic, "orders")]);
    let sent = h.request(
        0,
        9,
        &produce_tree(9, &[("orders", &[0, 1]), ("secret", &[0])], None),
    );
    assert!(matches!(sent.verdict, Verdict::Pass));
    let forwarded = ProduceRequest::decode_body(&sent.body, 9).unwrap();
    let names: Vec<_> = forwarded
        .topic_data
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["orders"],
        "the broker never hears of the denied topic"
    );
    assert_eq!(
        forwarded.topic_data[0].partition_data[1].records,
        Some(vec![1, 2, 3]),
        "records go through as they came"
    );
    let broker = ProduceResponse {
        responses: vec![TopicProduceResponse {
            name: "orders".into(),
            partition_responses: [0, 1]
                .iter()
                .map(|p| PartitionProduceResponse {
                    index: *p,
                    base_offset: 42,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let mut body = Vec::new();
    broker.encode_body(&mut body, 9).unwrap();
    let merged = h.response(0, 9, &dec(0, 9, Resp, &body), &sent.notes);
    let merged = ProduceResponse::decode_body(&enc(0, 9, Resp, &merged), 9).unwrap();
    assert_eq!(
        produce_codes(&merged),
        [
            ("orders".into(), 0, 0),
            ("orders".into(), 1, 0),
            ("secret".into(), 0, 29)
        ]
    );
    let secret = &merged.responses[1].partition_responses[0];
    assert_eq!(secret.base_offset, -1);
    let message = secret.error_message.as_deref().unwrap();
    assert!(
        message.contains("WRITE") && message.contains("secret"),
        "{message}"
    );
}

#[test]
fn an_all_denied_produce_is_answered_locally_in_the_brokers_shape() {
    for version in [3, 8, 9, 12] {
        let mut h = Harness::new("alice", vec![allow(ALICE, Write, Topic, "orders")]);
        let sent = h.request(
            0,
            version,
            &produce_tree(version, &[("secret", &[0, 2]), ("other", &[1])], None),
        );
        let answer = ProduceResponse::decode_body(answered(&sent), version).unwrap();
        assert_eq!(
            produce_codes(&answer),
            [
                ("other".into(), 1, 29),
                ("secret".into(), 0, 29),
                ("secret".into(), 2, 29)
            ],
            "v{version}"
        );
    }
}

#[test]
fn produce_v13_names_topics_by_id() {
    let names = FakeNames([(id(1), "orders".to_owned()), (id(2), "secret".to_owned())].into());
    let mut h = Harness::with_names("alice", vec![allow(ALICE, Write, Topic, "orders")], names);
    let topic = |n: u8| {
        elem(
            0,
            13,
            Req,
            &["TopicData"],
            vec![
                ("TopicId", Value::Uuid(id(n))),
                (
                    "PartitionData",
                    arr(vec![elem(
                        0,
                        13,
                        Req,
                        &["TopicData", "PartitionData"],
                        vec![("Index", Value::Int32(0))],
                    )]),
                ),
            ],
        )
    };
    let req = st(vec![
        ("Acks", Value::Int16(1)),
        ("TopicData", arr(vec![topic(1), topic(2), topic(3)])),
    ]);
    let sent = h.request(0, 13, &req);
    assert!(matches!(sent.verdict, Verdict::Pass));
    let fwd = dec(0, 13, Req, &sent.body);
    assert_eq!(items(&fwd, "TopicData")[0].uuid("TopicId"), Some(id(1)));
    assert_eq!(items(&fwd, "TopicData").len(), 1);
    let merged = h.response(0, 13, &st(vec![]), &sent.notes);
    let got: Vec<_> = items(&merged, "Responses")
        .iter()
        .map(|t| {
            let p = items(t, "PartitionResponses")[0];
            (t.uuid("TopicId").unwrap(), p.int("ErrorCode").unwrap())
        })
        .collect();
    assert_eq!(
        got,
        [(id(2), 29), (id(3), 100)],
        "an unknown id is UNKNOWN_TOPIC_ID"
    );
    let message = items(&merged, "Responses")[0]
        .array("PartitionResponses")
        .unwrap()[0]
        .as_struct()
        .unwrap()
        .str("ErrorMessage")
        .unwrap()
        .to_owned();
    assert!(
        !message.contains("secret"),
        "a name asked by id is not told: {message}"
    );
}

#[test]
fn transactional_produce_without_write_on_the_transactional_id_is_53_for_everything() {
    let mut h = Harness::new("alice", vec![allow(ALICE, Write, Topic, "orders")]);
    let sent = h.request(0, 9, &produce_tree(9, &[("orders", &[0, 1])], Some("tx-1")));
    let answer = ProduceResponse::decode_body(answered(&sent), 9).unwrap();
    assert_eq!(
        produce_codes(&answer),
        [("orders".into(), 0, 53), ("orders".into(), 1, 53)]
    );
    // With WRITE on the transactional id it goes through.
    let mut h = Harness::new(
        "alice",
        vec![
            allow(ALICE, Write, Topic, "orders"),
            allow(ALICE, Write, TransactionalId, "tx-1"),
        ],
    );
    let sent = h.request(0, 9, &produce_tree(9, &[("orders", &[0])], Some("tx-1")));
    assert!(matches!(sent.verdict, Verdict::Pass));
    assert!(sent.notes.is_empty());
}

#[test]
fn a_denied_produce_with_acks_0_closes_the_connection_as_kafka_does() {
    let mut h = Harness::new("alice", vec![allow(ALICE, Write, Topic, "orders")]);
    let mut req = produce_tree(9, &[("orders", &[0]), ("secret", &[0])], None);
    req.set_int("Acks", 0);
    let sent = h.request(0, 9, &req);
    match sent.verdict {
        Verdict::Close(why) => assert!(why.contains("secret"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn metadata_for_all_topics_leaves_out_what_the_principal_may_not_describe() {
    let mut h = Harness::new(
        "alice",
        vec![
            binding(
                Permission::Allow,
                ALICE,
                Read,
                Topic,
                PatternType::Prefixed,
                "pub",
            ),
            deny(ALICE, Describe, Topic, "pub-hidden"),
        ],
    );
    let sent = h.request(3, 12, &st(vec![("Topics", Value::Null)]));
    assert!(matches!(sent.verdict, Verdict::Pass));
    let broker = st(vec![(
        "Topics",
        arr(vec![
            metadata_topic(12, "pub-a", 1),
            metadata_topic(12, "secret", 2),
            metadata_topic(12, "pub-hidden", 3),
            metadata_topic(12, "pub-b", 4),
        ]),
    )]);
    let seen = h.response(3, 12, &broker, &sent.notes);
    let names: Vec<_> = items(&seen, "Topics")
        .iter()
        .map(|t| t.str("Name").unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        ["pub-a", "pub-b"],
        "READ implies DESCRIBE; DENY wins"
    );
}

#[test]
fn metadata_for_a_named_topic_denied_is_29_with_a_zero_id_and_no_auto_create() {
    let mut h = Harness::new("alice", vec![allow(ALICE, Describe, Topic, "public")]);
    let topic = |name: &str| elem(3, 12, Req, &["Topics"], vec![("Name", s(name))]);
    let req = st(vec![
        ("Topics", arr(vec![topic("public"), topic("secret")])),
        ("AllowAutoTopicCreation", Value::Bool(true)),
    ]);
    let sent = h.request(3, 12, &req);
    assert!(matches!(sent.verdict, Verdict::Pass));
    let fwd = dec(3, 12, Req, &sent.body);
    assert_eq!(name_codes_req(&fwd), ["public"]);
    assert_eq!(
        fwd.get("AllowAutoTopicCreation"),
        Some(&Value::Bool(false)),
        "alice may not create 'public': auto-creation is off"
    );
    let mut missing = metadata_topic(12, "public", 0);
    missing.set_int("ErrorCode", 3);
    let seen = h.response(
        3,
        12,
        &st(vec![("Topics", arr(vec![missing]))]),
        &sent.notes,
    );
    assert_eq!(
        name_codes(&seen, "Topics", "Name", "ErrorCode"),
        [("public".into(), 29), ("secret".into(), 29)],
        "a topic it may not create is 29, as Kafka answers"
    );
    assert_eq!(items(&seen, "Topics")[1].uuid("TopicId"), Some([0; 16]));
}

#[test]
fn metadata_with_create_on_the_cluster_keeps_auto_creation() {
    let mut h = Harness::new(
        "alice",
        vec![
            allow(ALICE, Describe, Topic, "new"),
            allow(ALICE, Create, Cluster, "kafka-cluster"),
        ],
    );
    let req = st(vec![
        (
            "Topics",
            arr(vec![elem(3, 9, Req, &["Topics"], vec![("Name", s("new"))])]),
        ),
        ("AllowAutoTopicCreation", Value::Bool(true)),
    ]);
    let sent = h.request(3, 9, &req);
    assert!(matches!(sent.verdict, Verdict::Pass));
    assert_eq!(sent.body, enc(3, 9, Req, &req), "nothing to change");
}

#[test]
fn metadata_by_id_denied_is_29_with_a_null_name() {
    let names = FakeNames([(id(7), "secret".to_owned())].into());
    let mut h = Harness::with_names("alice", vec![], names);
    let req = st(vec![(
        "Topics",
        arr(vec![elem(
            3,
            12,
            Req,
            &["Topics"],
            vec![("TopicId", Value::Uuid(id(7))), ("Name", Value::Null)],
        )]),
    )]);
    let sent = h.request(3, 12, &req);
    let seen = h.response(3, 12, &st(vec![]), &sent.notes);
    let t = items(&seen, "Topics")[0];
    assert_eq!(t.int("ErrorCode"), Some(29));
    assert_eq!(t.get("Name"), Some(&Value::Null));
    assert_eq!(t.uuid("TopicId"), Some(id(7)));
}

#[test]
fn fetch_by_id_gets_29_for_a_denied_topic_and_100_for_an_unknown_id() {
    let names = FakeNames([(id(1), "orders".to_owned()), (id(2), "secret".to_owned())].into());
    let mut h = Harness::with_names("alice", vec![allow(ALICE, Read, Topic, "orders")], names);
    let req = st(vec![(
        "Topics",
        arr(vec![
            fetch_topic(13, Value::Uuid(id(1)), &[0]),
            fetch_topic(13, Value::Uuid(id(2)), &[0, 1]),
            fetch_topic(13, Value::Uuid(id(9)), &[3]),
        ]),
    )]);
    let sent = h.request(1, 13, &req);
    assert!(matches!(sent.verdict, Verdict::Pass));
    let fwd = dec(1, 13, Req, &sent.body);
    assert_eq!(items(&fwd, "Topics").len(), 1);
    let seen = h.response(1, 13, &st(vec![]), &sent.notes);
    let got: Vec<_> = items(&seen, "Responses")
        .iter()
        .flat_map(|t| {
            items(t, "Partitions")
                .into_iter()
                .map(|p| {
                    (
                        t.uuid("TopicId").unwrap()[0],
                        p.int("PartitionIndex").unwrap(),
                        p.int("ErrorCode").unwrap(),
                        p.int("HighWatermark").unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(got, [(2, 0, 29, -1), (2, 1, 29, -1), (9, 3, 100, -1)]);
}

#[test]
fn deny_beats_allow_and_wildcards_and_prefixes_match() {
    let bindings = vec![
        binding(
            Permission::Allow,
            "User:*",
            Operation::All,
            Topic,
            PatternType::Literal,
            "*",
        ),
        deny(ALICE, Read, Topic, "secret"),
        binding(
            Permission::Deny,
            ALICE,
            Read,
            Topic,
            PatternType::Prefixed,
            "hr-",
        ),
    ];
    let mut h = Harness::new("alice", bindings);
    let req = st(vec![(
        "Topics",
        arr(vec![
            fetch_topic(12, s("orders"), &[0]),
            fetch_topic(12, s("secret"), &[0]),
            fetch_topic(12, s("hr-pay"), &[0]),
            fetch_topic(12, s("hr"), &[0]),
        ]),
    )]);
    let sent = h.request(1, 12, &req);
    let fwd = dec(1, 12, Req, &sent.body);
    let kept: Vec<_> = items(&fwd, "Topics")
        .iter()
        .map(|t| t.str("Topic").unwrap().to_owned())
        .collect();
    assert_eq!(kept, ["orders", "hr"]);
    // Bob is not denied anything.
    let mut h = Harness::new("bob", h.source.bindings());
    let sent = h.request(1, 12, &req);
    assert!(matches!(sent.verdict, Verdict::Pass));
    assert!(sent.notes.is_empty());
}

#[test]
fn an_all_denied_fetch_is_answered_locally() {
    let mut h = Harness::new("alice", vec![]);
    let req = st(vec![(
        "Topics",
        arr(vec![fetch_topic(12, s("secret"), &[0])]),
    )]);
    let sent = h.request(1, 12, &req);
    let answer = dec(1, 12, Resp, answered(&sent));
    assert_eq!(answer.int("ErrorCode"), Some(0));
    let t = items(&answer, "Responses")[0];
    assert_eq!(t.str("Topic"), Some("secret"));
    assert_eq!(items(t, "Partitions")[0].int("ErrorCode"), Some(29));
}

#[test]
fn create_topics_needs_create_on_the_cluster_or_the_topic() {
    let mut h = Harness::new(
        "alice",
        vec![binding(
            Permission::Allow,
            ALICE,
            Create,
            Topic,
            PatternType::Prefixed,
            "team-",
        )],
    );
    let topic = |name: &str| elem(19, 7, Req, &["Topics"], vec![("Name", s(name))]);
    let sent = h.request(
        19,
        7,
        &st(vec![("Topics", arr(vec![topic("team-a"), topic("other")]))]),
    );
    let fwd = dec(19, 7, Req, &sent.body);
    assert_eq!(name_codes_req(&fwd), ["team-a"]);
    let broker = st(vec![(
        "Topics",
        arr(vec![elem(
            19,
            7,
            Resp,
            &["Topics"],
            vec![("Name", s("team-a"))],
        )]),
    )]);
    let seen = h.response(19, 7, &broker, &sent.notes);
    assert_eq!(
        name_codes(&seen, "Topics", "Name", "ErrorCode"),
        [("team-a".into(), 0), ("other".into(), 29)]
    );
    let created = items(&seen, "Topics")[0];
    assert_eq!(
        created.int("TopicConfigErrorCode"),
        Some(29),
        "no DESCRIBE_CONFIGS: the configs are withheld"
    );
}

#[test]
fn a_followers_fetch_needs_cluster_action_even_when_the_topics_are_allowed() {
    let names = FakeNames([(id(1), "orders".to_owned())].into());
    let mut h = Harness::with_names("alice", vec![allow(ALICE, Read, Topic, "orders")], names);
    for version in [12, 15] {
        let topic = if version < 13 {
            s("orders")
        } else {
            Value::Uuid(id(1))
        };
        let mut req = st(vec![(
            "Topics",
            arr(vec![fetch_topic(version, topic.clone(), &[0])]),
        )]);
        if version < 15 {
            req.set("ReplicaId", Value::Int32(3));
        } else {
            let state = elem(
                1,
                version,
                Req,
                &["ReplicaState"],
                vec![("ReplicaId", Value::Int32(3))],
            );
            req.set("ReplicaState", Value::Struct(state));
        }
        let sent = h.request(1, version, &req);
        let answer = dec(1, version, Resp, answered(&sent));
        let t = items(&answer, "Responses")[0];
        assert_eq!(
            items(t, "Partitions")[0].int("ErrorCode"),
            Some(29),
            "v{version}"
        );
        // As a consumer it passes.
        let req = st(vec![(
            "Topics",
            arr(vec![fetch_topic(version, topic.clone(), &[0])]),
        )]);
        let sent = h.request(1, version, &req);
        assert!(matches!(sent.verdict, Verdict::Pass), "v{version}");
    }
}

#[test]
fn the_fast_path_passes_only_what_is_all_allowed() {
    use super::check::Check;
    use super::tree::Msg;
    use crate::acl::authorizer::{Authorizer, Requester};
    let authorizer = Authorizer::new(
        vec![
            allow(ALICE, Write, Topic, "orders"),
            allow(ALICE, Write, TransactionalId, "tx"),
        ],
        Vec::new(),
    );
    let names = FakeNames::default();
    let c = Check {
        authorizer: &authorizer,
        who: Requester {
            principal: ALICE,
            host: "10.0.0.7",
        },
        names: &names,
    };
    let m = Msg {
        api_key: 0,
        version: 9,
    };
    let fast = |topics: &[(&str, &[i32])], txn| {
        super::fast::all_allowed(&c, m, &produce_request(9, topics, txn))
    };
    assert!(fast(&[("orders", &[0, 1])], None));
    assert!(fast(&[("orders", &[0])], Some("tx")));
    assert!(!fast(&[("orders", &[0]), ("secret", &[0])], None));
    assert!(!fast(&[("orders", &[0])], Some("other-tx")));
}

#[test]
fn metadata_before_v4_refuses_a_topic_the_principal_may_not_create() {
    let mut h = Harness::new("alice", vec![allow(ALICE, Describe, Topic, "t")]);
    let req = st(vec![(
        "Topics",
        arr(vec![elem(3, 3, Req, &["Topics"], vec![("Name", s("t"))])]),
    )]);
    let sent = h.request(3, 3, &req);
    assert!(
        matches!(sent.verdict, Verdict::Pass),
        "Metadata always reaches the broker"
    );
    assert!(items(&dec(3, 3, Req, &sent.body), "Topics").is_empty());
    let seen = h.response(3, 3, &st(vec![]), &sent.notes);
    assert_eq!(
        name_codes(&seen, "Topics", "Name", "ErrorCode"),
        [("t".into(), 29)]
    );
}

#[test]
fn delete_topics_by_id_does_not_name_a_topic_the_principal_may_not_describe() {
    let names = FakeNames([(id(1), "secret".to_owned()), (id(2), "visible".to_owned())].into());
    let mut h = Harness::with_names(
        "alice",
        vec![allow(ALICE, Describe, Topic, "visible")],
        names,
    );
    let topic = |n: u8| {
        elem(
            20,
            6,
            Req,
            &["Topics"],
            vec![("Name", Value::Null), ("TopicId", Value::Uuid(id(n)))],
        )
    };
    let sent = h.request(20, 6, &st(vec![("Topics", arr(vec![topic(1), topic(2)]))]));
    let answer = dec(20, 6, Resp, answered(&sent));
    let got: Vec<_> = items(&answer, "Responses")
        .iter()
        .map(|r| (r.get("Name").cloned(), r.int("ErrorCode").unwrap()))
        .collect();
    assert_eq!(
        got,
        [(Some(Value::Null), 29), (Some(s("visible")), 29)],
        "DESCRIBE without DELETE names it; without DESCRIBE it stays unnamed"
    );
}
