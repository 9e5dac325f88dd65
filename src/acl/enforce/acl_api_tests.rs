//! DescribeAcls, CreateAcls and DeleteAcls answered by kgate.

use codec::schema::{Direction, Struct, Value};

use super::test_support::*;
use super::AclMode;
use crate::acl::binding::{Operation, PatternType, Permission, ResourceType};

use Direction::{Request as Req, Response as Resp};

/// A CreateAcls creation (v3).
fn creation(rt: i8, name: &str, pattern: i8, principal: &str, op: i8, perm: i8) -> Struct {
    elem(
        30,
        3,
        Req,
        &["Creations"],
        vec![
            ("ResourceType", Value::Int8(rt)),
            ("ResourceName", s(name)),
            ("ResourcePatternType", Value::Int8(pattern)),
            ("Principal", s(principal)),
            ("Host", s("*")),
            ("Operation", Value::Int8(op)),
            ("PermissionType", Value::Int8(perm)),
        ],
    )
}

fn create(h: &mut Harness, creations: Vec<Struct>) -> Vec<(i64, Option<String>)> {
    let sent = h.request(30, 3, &st(vec![("Creations", arr(creations))]));
    let answer = dec(30, 3, Resp, answered(&sent));
    items(&answer, "Results")
        .iter()
        .map(|r| {
            (
                r.int("ErrorCode").unwrap(),
                r.str("ErrorMessage").map(str::to_owned),
            )
        })
        .collect()
}

/// A filter (DescribeAcls request fields / DeleteAcls filter fields): any, but for these.
fn filter(fields: Vec<(&'static str, Value)>) -> Vec<(&'static str, Value)> {
    let mut all = vec![
        ("ResourceTypeFilter", Value::Int8(1)),
        ("ResourceNameFilter", Value::Null),
        ("PatternTypeFilter", Value::Int8(1)),
        ("PrincipalFilter", Value::Null),
        ("HostFilter", Value::Null),
        ("Operation", Value::Int8(1)),
        ("PermissionType", Value::Int8(1)),
    ];
    for (name, v) in fields {
        if let Some(slot) = all.iter_mut().find(|(n, _)| *n == name) {
            slot.1 = v;
        }
    }
    all
}

/// DescribeAcls (v`version`): the error code and (type, name, pattern, [(principal, op)]).
type Described = (i64, Vec<(i64, String, i64, Vec<(String, i64)>)>);

fn describe(h: &mut Harness, version: i16, fields: Vec<(&'static str, Value)>) -> Described {
    let sent = h.request(29, version, &st(filter(fields)));
    let answer = dec(29, version, Resp, answered(&sent));
    let resources = items(&answer, "Resources")
        .iter()
        .map(|r| {
            (
                r.int("ResourceType").unwrap(),
                r.str("ResourceName").unwrap().to_owned(),
                r.int("PatternType").unwrap(),
                items(r, "Acls")
                    .iter()
                    .map(|a| {
                        (
                            a.str("Principal").unwrap().to_owned(),
                            a.int("Operation").unwrap(),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    (answer.int("ErrorCode").unwrap(), resources)
}

const TOPIC: i8 = 2;
const GROUP: i8 = 3;
const LITERAL: i8 = 3;
const PREFIXED: i8 = 4;
const READ: i8 = 3;
const WRITE: i8 = 4;
const ALLOW: i8 = 3;
const DENY: i8 = 2;

#[test]
fn create_describe_delete_round_trip_for_an_acl_admin() {
    let mut h = Harness::new("admin", vec![]);
    let results = create(
        &mut h,
        vec![
            creation(TOPIC, "orders", LITERAL, "User:alice", READ, ALLOW),
            creation(TOPIC, "orders", LITERAL, "User:bob", WRITE, ALLOW),
            creation(GROUP, "team-", PREFIXED, "User:alice", READ, ALLOW),
        ],
    );
    assert_eq!(results, [(0, None), (0, None), (0, None)]);
    assert_eq!(h.source.bindings().len(), 3);
    // The bindings apply from the next request: alice may read orders now.
    let mut alice = Harness::new("alice", h.source.bindings());
    let sent = alice.request(
        1,
        12,
        &st(vec![(
            "Topics",
            arr(vec![elem(
                1,
                12,
                Req,
                &["Topics"],
                vec![("Topic", s("orders"))],
            )]),
        )]),
    );
    assert!(matches!(
        sent.verdict,
        crate::pipeline::filter::Verdict::Pass
    ));

    for version in [1, 2, 3] {
        let (code, resources) = describe(&mut h, version, vec![]);
        assert_eq!(code, 0);
        assert_eq!(
            resources,
            [
                (
                    2,
                    "orders".into(),
                    3,
                    vec![("User:alice".into(), 3), ("User:bob".into(), 4)]
                ),
                (3, "team-".into(), 4, vec![("User:alice".into(), 3)]),
            ],
            "grouped by resource, v{version}"
        );
    }
    let (_, resources) = describe(
        &mut h,
        3,
        vec![
            ("ResourceTypeFilter", Value::Int8(GROUP)),
            ("ResourceNameFilter", s("team-blue")),
            ("PatternTypeFilter", Value::Int8(2)), // MATCH
        ],
    );
    assert_eq!(resources.len(), 1, "MATCH finds the prefix that applies");

    let sent = h.request(
        31,
        3,
        &st(vec![(
            "Filters",
            arr(vec![
                elem(
                    31,
                    3,
                    Req,
                    &["Filters"],
                    filter(vec![("PrincipalFilter", s("User:alice"))]),
                ),
                elem(
                    31,
                    3,
                    Req,
                    &["Filters"],
                    filter(vec![("PrincipalFilter", s("User:nobody"))]),
                ),
            ]),
        )]),
    );
    let answer = dec(31, 3, Resp, answered(&sent));
    let results = items(&answer, "FilterResults");
    assert_eq!(results[0].int("ErrorCode"), Some(0));
    let matched: Vec<_> = items(results[0], "MatchingAcls")
        .iter()
        .map(|m| {
            (
                m.str("ResourceName").unwrap().to_owned(),
                m.int("PatternType").unwrap(),
                m.str("Principal").unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        matched,
        [
            ("orders".into(), 3, "User:alice".into()),
            ("team-".into(), 4, "User:alice".into())
        ]
    );
    assert!(items(results[1], "MatchingAcls").is_empty());
    let left = h.source.bindings();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].principal, "User:bob");
}

#[test]
fn create_acls_refuses_what_cannot_be_stored_creation_by_creation() {
    let mut h = Harness::new("admin", vec![]);
    let results = create(
        &mut h,
        vec![
            creation(TOPIC, "ok", LITERAL, "User:alice", READ, ALLOW),
            creation(TOPIC, "t", 2, "User:alice", READ, ALLOW), // MATCH
            creation(TOPIC, "t", 1, "User:alice", READ, ALLOW), // ANY
            creation(1, "t", LITERAL, "User:alice", READ, ALLOW), // resource ANY
            creation(0, "t", LITERAL, "User:alice", READ, ALLOW), // UNKNOWN
            creation(TOPIC, "t", LITERAL, "User:alice", 1, ALLOW), // operation ANY
            creation(TOPIC, "t", LITERAL, "User:alice", READ, 1), // permission ANY
            creation(TOPIC, "", LITERAL, "User:alice", READ, ALLOW),
            creation(TOPIC, "t", LITERAL, "alice", READ, ALLOW),
            creation(4, "not-the-cluster", LITERAL, "User:alice", 7, ALLOW),
        ],
    );
    assert_eq!(results[0], (0, None));
    for (i, (code, message)) in results.iter().enumerate().skip(1) {
        assert_eq!(*code, 42, "creation {i}");
        assert!(
            message.as_deref().is_some_and(|m| !m.is_empty()),
            "creation {i}"
        );
    }
    assert_eq!(h.source.bindings().len(), 1, "only the valid one is stored");
}

#[test]
fn acl_apis_answer_security_disabled_when_acls_are_off() {
    let mut h = Harness::new("admin", vec![]);
    for present in [false, true] {
        h.source.with(|s| {
            s.present = present;
            s.enabled = false;
        });
        let (code, _) = describe(&mut h, 3, vec![]);
        assert_eq!(code, 54);
        let results = create(
            &mut h,
            vec![creation(TOPIC, "t", LITERAL, "User:a", READ, ALLOW)],
        );
        assert_eq!(results[0].0, 54);
        let sent = h.request(
            31,
            1,
            &st(vec![(
                "Filters",
                arr(vec![elem(31, 1, Req, &["Filters"], filter(vec![]))]),
            )]),
        );
        let answer = dec(31, 1, Resp, answered(&sent));
        assert_eq!(
            items(&answer, "FilterResults")[0].int("ErrorCode"),
            Some(54)
        );
    }
    assert_eq!(h.source.0.lock().unwrap().writes, 0);
}

#[test]
fn only_acl_admins_may_use_the_acl_apis() {
    let admin_made = vec![binding(
        Permission::Allow,
        "User:alice",
        Operation::All,
        ResourceType::Cluster,
        PatternType::Literal,
        "kafka-cluster",
    )];
    // Even ALL on the cluster does not make alice an ACL admin.
    let mut h = Harness::new("alice", admin_made);
    let results = create(
        &mut h,
        vec![creation(TOPIC, "t", LITERAL, "User:alice", READ, ALLOW)],
    );
    assert_eq!(results[0].0, 31);
    assert!(results[0].1.as_deref().unwrap().contains("User:alice"));
    assert_eq!(describe(&mut h, 2, vec![]).0, 31);
    assert_eq!(h.source.bindings().len(), 1);
}

#[test]
fn in_rest_api_mode_describe_is_read_only_and_changes_are_refused() {
    let existing = vec![allow(
        "User:alice",
        Operation::Read,
        ResourceType::Topic,
        "t",
    )];
    let mut h = Harness::new("root", existing);
    h.source.with(|s| s.mode = AclMode::RestApi);
    let (code, resources) = describe(&mut h, 3, vec![]);
    assert_eq!((code, resources.len()), (0, 1), "a super user may describe");
    let results = create(
        &mut h,
        vec![creation(TOPIC, "x", LITERAL, "User:alice", READ, ALLOW)],
    );
    assert_eq!(results[0].0, 31);
    assert!(results[0].1.as_deref().unwrap().contains("REST API"));
    h.session.principal = Some("alice".into());
    assert_eq!(describe(&mut h, 3, vec![]).0, 31);
    assert_eq!(h.source.bindings().len(), 1);
}

#[test]
fn a_failed_write_is_an_unknown_server_error_with_its_message() {
    let mut h = Harness::new("admin", vec![]);
    h.source
        .with(|s| s.fail_writes = Some("the state store is read-only".into()));
    let results = create(
        &mut h,
        vec![
            creation(TOPIC, "t", LITERAL, "User:alice", READ, ALLOW),
            creation(TOPIC, "t", LITERAL, "User:alice", READ, DENY),
        ],
    );
    assert_eq!(
        results,
        [
            (-1, Some("the state store is read-only".into())),
            (-1, Some("the state store is read-only".into()))
        ]
    );
}

#[test]
fn describe_acls_with_unknown_codes_is_an_invalid_request() {
    let mut h = Harness::new("admin", vec![]);
    let (code, _) = describe(&mut h, 3, vec![("Operation", Value::Int8(0))]);
    assert_eq!(code, 42);
}
