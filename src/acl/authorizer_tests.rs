//! Cases taken from Apache Kafka's own authorizer tests; each group names the Kafka test it
//! comes from:
//! - `server/src/test/java/org/apache/kafka/security/authorizer/AuthorizerTest.java`
//!   (formerly `core/.../AclAuthorizerTest.scala` / `BaseAuthorizerTest.scala`),
//! - `metadata/src/test/java/org/apache/kafka/metadata/authorizer/StandardAuthorizerTest.java`,
//! - `clients/src/test/java/org/apache/kafka/common/resource/ResourcePatternFilterTest.java`.
//!
//! Kafka's tests add and remove ACLs on a live authorizer; here each step is a fresh
//! `Authorizer` over the bindings present at that step.

use super::*;
use crate::acl::binding::{
    Operation::{self, *},
    PatternType::{self, Literal, Match, Prefixed},
    Permission::{self, Allow, Deny},
    ResourceType::{self, Cluster, Group, Topic, TransactionalId},
    CLUSTER_NAME,
};

fn acl(
    resource_type: ResourceType,
    name: &str,
    pattern_type: PatternType,
    principal: &str,
    host: &str,
    operation: Operation,
    permission: Permission,
) -> AclBinding {
    AclBinding {
        pattern: ResourcePattern {
            resource_type,
            name: name.into(),
            pattern_type,
        },
        principal: principal.into(),
        host: host.into(),
        operation,
        permission,
    }
}

fn authz(bindings: &[AclBinding]) -> Authorizer {
    Authorizer::new(
        bindings.to_vec(),
        ["User:superuser1", "User:superuser2"].map(String::from),
    )
}

fn who<'a>(principal: &'a str, host: &'a str) -> Requester<'a> {
    Requester { principal, host }
}

/// (principal, host, operation, resource type, resource name, expected)
type Case<'a> = (&'a str, &'a str, Operation, ResourceType, &'a str, bool);

fn check(a: &Authorizer, cases: &[Case<'_>]) {
    for &(principal, host, op, rt, name, expected) in cases {
        assert_eq!(
            a.authorize(&who(principal, host), op, rt, name),
            expected,
            "{principal}@{host} {op} on {rt} {name:?}"
        );
    }
}

/// Every operation a request can ask for (ANY is filter-only).
fn real_operations() -> impl Iterator<Item = Operation> {
    Operation::ALL
        .iter()
        .copied()
        .filter(|op| *op != Operation::Any)
}

const ALICE: &str = "User:alice";
const BOB: &str = "User:bob";
const H1: &str = "192.168.1.1";
const H2: &str = "192.168.1.2";

// ---- AuthorizerTest.testTopicAcl: deny wins, host matching, READ/WRITE imply DESCRIBE ----

#[test]
fn kafka_test_topic_acl() {
    let r = "foo-resource";
    let a = authz(&[
        acl(Topic, r, Literal, ALICE, H1, Read, Allow),
        acl(Topic, r, Literal, ALICE, H2, Read, Allow),
        acl(Topic, r, Literal, ALICE, H1, Read, Deny),
        acl(Topic, r, Literal, ALICE, H1, Write, Allow),
        acl(Topic, r, Literal, ALICE, "*", Describe, Allow),
        acl(Topic, r, Literal, "User:rob", "*", Read, Allow),
        acl(Topic, r, Literal, "User:batman", "*", Write, Allow),
    ]);
    check(
        &a,
        &[
            (ALICE, H2, Read, Topic, r, true),
            (ALICE, H1, Read, Topic, r, false), // the DENY from host1 wins
            (ALICE, H1, Write, Topic, r, true),
            (ALICE, H2, Write, Topic, r, false), // WRITE only allowed from host1
            (ALICE, H1, Describe, Topic, r, true),
            (ALICE, H2, Describe, Topic, r, true),
            (ALICE, H1, Alter, Topic, r, false),
            (ALICE, H2, Alter, Topic, r, false),
            ("User:rob", H1, Describe, Topic, r, true), // READ implies DESCRIBE
            ("User:batman", H1, Describe, Topic, r, true), // WRITE implies DESCRIBE
            ("User:rob", H1, Read, Topic, r, true),
            ("User:batman", H1, Write, Topic, r, true),
            ("User:rob", H1, Read, Topic, "another-topic", false), // literal: that name only
            ("User:rob", H1, Read, Group, r, false),               // that type only
        ],
    );
}

// ---- AuthorizerTest.testDenyTakesPrecedence / testAllowAllAccess ----

#[test]
fn kafka_test_deny_takes_precedence_and_allow_all() {
    let r = "foo-resource";
    let host = "192.168.2.1";
    let a = authz(&[
        acl(Topic, r, Literal, WILDCARD_PRINCIPAL, "*", All, Allow),
        acl(Topic, r, Literal, ALICE, host, All, Deny),
    ]);
    check(
        &a,
        &[
            (ALICE, host, Read, Topic, r, false),
            (ALICE, "192.168.2.2", Read, Topic, r, true), // the DENY is for one host
            ("User:random", "192.0.4.4", Read, Topic, r, true), // allow-all
        ],
    );
}

// ---- AuthorizerTest.testSuperUserHasAccess (+ kgate's bare super-user names) ----

#[test]
fn kafka_test_super_user_has_access() {
    let r = "foo-resource";
    let deny_all = [acl(Topic, r, Literal, WILDCARD_PRINCIPAL, "*", All, Deny)];
    let a = Authorizer::new(
        deny_all.to_vec(),
        ["User:superuser1", " superuser2 ", "", "User:*"].map(String::from),
    );
    check(
        &a,
        &[
            ("User:superuser1", "192.0.4.4", Read, Topic, r, true),
            ("User:superuser2", "192.0.4.4", Read, Topic, r, true), // bare name = User:name
            (
                "User:superuser2",
                "192.0.4.4",
                Delete,
                Cluster,
                CLUSTER_NAME,
                true,
            ), // no ACL at all
            ("User:alice", "192.0.4.4", Read, Topic, r, false),
            // "User:*" in the super-user list is a user named "*", not everyone (exact match).
            ("User:someone", "192.0.4.4", Read, Topic, "other", false),
        ],
    );
    assert!(a.is_super_user(&who("User:superuser2", "h")));
    assert!(!a.is_super_user(&who("superuser2", "h")));
    assert!(!a.is_super_user(&who("Group:superuser1", "h")));
}

// ---- AuthorizerTest.testWildCardAcls / testNoAclFound / testAccessAllowedIfAllowAclExistsOnWildcardResource ----

#[test]
fn kafka_test_wildcard_acls_and_no_acl_found() {
    let r = "foo-resource";
    let host = "192.168.3.1";
    check(
        &authz(&[]),
        &[
            (ALICE, host, Read, Topic, r, false), // fail closed without ACLs
            (ALICE, host, Describe, Cluster, CLUSTER_NAME, false),
        ],
    );
    let read_any = acl(Topic, "*", Literal, ALICE, host, Read, Allow);
    check(
        &authz(std::slice::from_ref(&read_any)),
        &[(ALICE, host, Read, Topic, r, true)],
    );
    let a = authz(&[
        read_any,
        acl(Topic, r, Literal, ALICE, host, Write, Allow),
        acl(Topic, "*", Literal, ALICE, host, Write, Deny),
    ]);
    check(
        &a,
        &[
            (ALICE, host, Write, Topic, r, false), // DENY on `*` beats ALLOW on the name
            (ALICE, host, Read, Topic, r, true),
            (ALICE, host, Read, Topic, "*", true), // the name `*` itself
        ],
    );
    let anyone = authz(&[acl(
        Topic,
        "*",
        Literal,
        WILDCARD_PRINCIPAL,
        "*",
        Read,
        Allow,
    )]);
    check(
        &anyone,
        &[("User:ANONYMOUS", "10.1.1.1", Read, Topic, "x", true)],
    );
}

// ---- AuthorizerTest.testAuthorizeWithEmptyResourceName ----

#[test]
fn kafka_test_authorize_with_empty_resource_name() {
    check(&authz(&[]), &[(ALICE, H1, Read, Group, "", false)]);
    let a = authz(&[acl(
        Group,
        "*",
        Literal,
        WILDCARD_PRINCIPAL,
        "*",
        Read,
        Allow,
    )]);
    check(&a, &[(ALICE, H1, Read, Group, "", true)]);
}

// ---- AuthorizerTest.testAccessAllowedIfAllowAclExistsOnPrefixedResource / testAuthorizeWithPrefixedResource ----

#[test]
fn kafka_test_prefixed_resources() {
    let read = |name: &str, pt, perm| acl(Topic, name, pt, WILDCARD_PRINCIPAL, "*", Read, perm);
    let only_allow = authz(&[read("foo", Prefixed, Allow)]);
    check(
        &only_allow,
        &[
            (ALICE, H1, Read, Topic, "foo-1234", true),
            (ALICE, H1, Read, Topic, "foo", true), // a prefix matches its own name
            (ALICE, H1, Read, Topic, "fo", false), // but not a shorter one
            (ALICE, H1, Read, Topic, "xfoo", false),
        ],
    );
    // Unrelated DENYs around the allowed prefix do not get in the way.
    let a = authz(&[
        read("a_other", Literal, Deny),
        read("a_other", Prefixed, Deny),
        read("foo-1a2b", Prefixed, Deny),
        read("foo-3c4d-zzz", Prefixed, Deny),
        read("fooo-", Prefixed, Deny),
        read("fo-", Prefixed, Deny),
        read("fop-", Prefixed, Deny),
        read("fon-", Prefixed, Deny),
        read("z_other", Prefixed, Deny),
        read("z_other", Literal, Deny),
        read("foo", Prefixed, Allow),
    ]);
    check(
        &a,
        &[
            (ALICE, H1, Read, Topic, "foo-5e6f", true),
            (ALICE, H1, Read, Topic, "foo-1a2b-x", false), // the longer DENY prefix applies
            (ALICE, H1, Read, Topic, "fooo-1", false),
        ],
    );
}

// ---- AuthorizerTest.testSingleCharacterResourceAcls ----

#[test]
fn kafka_test_single_character_resource_acls() {
    let read = |name: &str, pt| acl(Topic, name, pt, WILDCARD_PRINCIPAL, "*", Read, Allow);
    check(
        &authz(&[read("f", Literal)]),
        &[
            (ALICE, H1, Read, Topic, "f", true),
            (ALICE, H1, Read, Topic, "foo", false),
        ],
    );
    check(
        &authz(&[read("f", Literal), read("_", Prefixed)]),
        &[
            (ALICE, H1, Read, Topic, "_foo", true),
            (ALICE, H1, Read, Topic, "_", true),
            (ALICE, H1, Read, Topic, "foo_", false),
        ],
    );
}

// ---- StandardAuthorizerTest.testAuthorizationWithManyAcls ----

#[test]
fn kafka_test_authorization_with_many_acls() {
    let a = authz(&[
        acl(
            Topic,
            "green2",
            Literal,
            WILDCARD_PRINCIPAL,
            "*",
            Read,
            Allow,
        ),
        acl(Topic, "green", Prefixed, BOB, "*", Read, Allow),
        acl(Topic, "betamax4", Literal, BOB, "*", Read, Allow),
        acl(Topic, "betamax", Literal, BOB, "*", Read, Allow),
        acl(
            Topic,
            "beta",
            Prefixed,
            WILDCARD_PRINCIPAL,
            "*",
            Read,
            Allow,
        ),
        acl(
            Topic,
            "alpha",
            Prefixed,
            WILDCARD_PRINCIPAL,
            "*",
            Read,
            Allow,
        ),
        acl(Topic, "alp", Prefixed, BOB, "*", Read, Deny),
        acl(Group, "*", Literal, BOB, "*", Write, Allow),
        acl(
            Group,
            "wheel",
            Literal,
            WILDCARD_PRINCIPAL,
            "*",
            Write,
            Deny,
        ),
    ]);
    check(
        &a,
        &[
            (BOB, H1, Read, Topic, "green1", true),
            (BOB, H1, Write, Group, "wheel", false),
            (BOB, H1, Read, Topic, "alpha", false), // PREFIXED DENY "alp" beats ALLOW "alpha"
            (BOB, H1, Write, Group, "arbitrary", true),
            (BOB, H1, Read, Topic, "ala", false),
            (ALICE, H1, Read, Topic, "alpha", true), // the DENY is bob's only
            (ALICE, H1, Read, Topic, "betamax", true),
            (ALICE, H1, Read, Topic, "green1", false),
        ],
    );
}

// ---- StandardAuthorizerTest.testTopicAclWithOperationAll / testSimpleAuthorizations ----

#[test]
fn kafka_test_topic_acl_with_operation_all() {
    let a = authz(&[
        acl(Topic, "foo", Literal, WILDCARD_PRINCIPAL, "*", All, Allow),
        acl(Topic, "bar", Prefixed, ALICE, "*", All, Allow),
        acl(Topic, "baz", Literal, BOB, "*", All, Allow),
    ]);
    check(
        &a,
        &[
            (ALICE, H1, Write, Topic, "foo", true),
            (ALICE, H1, DescribeConfigs, Topic, "bar", true),
            (ALICE, H1, Describe, Topic, "baz", false),
            (BOB, H1, Write, Topic, "foo", true),
            (BOB, H1, Read, Topic, "bar", false),
            (BOB, H1, Describe, Topic, "baz", true),
            ("User:malory", H1, Describe, Topic, "foo", true),
            ("User:malory", H1, Write, Topic, "bar", false),
            ("User:malory", H1, Read, Topic, "baz", false),
        ],
    );
    let simple = authz(&[
        acl(Topic, "foo_", Prefixed, BOB, "*", Read, Allow),
        acl(Topic, "foo_", Prefixed, BOB, "*", Write, Allow),
        acl(
            Group,
            "bar",
            Literal,
            WILDCARD_PRINCIPAL,
            "*",
            DescribeConfigs,
            Allow,
        ),
        acl(
            Group,
            "bar",
            Literal,
            WILDCARD_PRINCIPAL,
            "*",
            AlterConfigs,
            Allow,
        ),
    ]);
    check(
        &simple,
        &[
            (BOB, H1, Read, Topic, "foo_", true),
            ("User:fred", H1, AlterConfigs, Group, "bar", true),
        ],
    );
}

// ---- StandardAuthorizerTest.testFindResultImplication ----

#[test]
fn kafka_test_find_result_implication() {
    let foo = |op, perm| acl(Topic, "foo_", Prefixed, BOB, "*", op, perm);
    let can = |bindings: &[AclBinding], op| {
        authz(bindings).authorize(&who(BOB, H1), op, Topic, "foo_bar")
    };
    for op in [Describe, Read, Write, Delete, Alter] {
        assert!(
            can(&[foo(op, Allow)], Describe),
            "ALLOW {op} implies DESCRIBE"
        );
    }
    assert!(
        !can(&[foo(Create, Allow)], Describe),
        "CREATE does not imply DESCRIBE"
    );
    for op in [Read, Write, Delete, Alter] {
        // DENY does not imply: a DENY of READ leaves an ALLOW of DESCRIBE standing.
        assert!(
            can(&[foo(op, Deny), foo(Describe, Allow)], Describe),
            "DENY {op}"
        );
        assert!(
            !can(&[foo(op, Deny), foo(Describe, Allow)], op),
            "DENY {op} denies {op}"
        );
    }
    assert!(!can(&[foo(Describe, Deny), foo(Read, Allow)], Describe));
    for op in [DescribeConfigs, AlterConfigs] {
        assert!(
            can(&[foo(op, Allow)], DescribeConfigs),
            "ALLOW {op} implies DESCRIBE_CONFIGS"
        );
    }
    assert!(can(
        &[foo(AlterConfigs, Deny), foo(DescribeConfigs, Allow)],
        DescribeConfigs
    ));
    assert!(!can(
        &[foo(AlterConfigs, Deny), foo(All, Allow)],
        AlterConfigs
    ));
    // Implications go one way: DESCRIBE does not give READ, DESCRIBE_CONFIGS not ALTER_CONFIGS.
    assert!(!can(&[foo(Describe, Allow)], Read));
    assert!(!can(&[foo(DescribeConfigs, Allow)], AlterConfigs));
}

// ---- AuthorizerTest.testAclInheritance (testImplicationsOfAllow / testImplicationsOfDeny), on the CLUSTER resource ----

#[test]
fn kafka_test_acl_inheritance() {
    let user = ALICE;
    let host = "192.168.3.1";
    let cluster = |op, perm| acl(Cluster, CLUSTER_NAME, Literal, user, "*", op, perm);
    let allow_cases: [(Operation, &[Operation]); 6] = [
        (All, Operation::ALL),
        (Read, &[Describe]),
        (Write, &[Describe]),
        (Delete, &[Describe]),
        (Alter, &[Describe]),
        (AlterConfigs, &[DescribeConfigs]),
    ];
    for (parent, implied) in allow_cases {
        let a = authz(&[cluster(parent, Allow)]);
        for op in real_operations() {
            let expected = op == parent || implied.contains(&op);
            assert_eq!(
                a.authorize(&who(user, host), op, Cluster, CLUSTER_NAME),
                expected,
                "ALLOW {parent} -> {op}"
            );
        }
    }
    let deny_cases: [(Operation, &[Operation]); 3] = [
        (All, Operation::ALL),
        (Describe, &[]),
        (DescribeConfigs, &[]),
    ];
    for (parent, implied) in deny_cases {
        let a = authz(&[cluster(parent, Deny), cluster(All, Allow)]);
        for op in real_operations() {
            let denied = op == parent || implied.contains(&op);
            assert_eq!(
                a.authorize(&who(user, host), op, Cluster, CLUSTER_NAME),
                !denied,
                "DENY {parent} -> {op}"
            );
        }
    }
}

// ---- StandardAuthorizerTest.testFindResultPrincipalMatching, AuthorizerTest.testAllowAccessWithCustomPrincipal: principals and hosts ----

#[test]
fn kafka_test_principal_and_host_matching() {
    let a = authz(&[
        acl(Topic, "foo_", Prefixed, BOB, "*", Read, Allow),
        acl(Group, "bar", Literal, WILDCARD_PRINCIPAL, "*", Read, Deny),
        acl(Group, "bar", Literal, ALICE, "*", Read, Allow),
        acl(Topic, "t", Literal, ALICE, H1, Read, Deny),
        acl(Topic, "t", Literal, ALICE, H2, Read, Allow),
        acl(Topic, "v6", Literal, ALICE, "0:0:0:0:0:0:0:1", Read, Allow),
    ]);
    check(
        &a,
        &[
            (BOB, H1, Read, Topic, "foo_bar", true),
            (ALICE, H1, Read, Topic, "foo_bar", false), // principal does not match
            (ALICE, H1, Read, Group, "bar", false),     // User:* DENY applies to alice
            (ALICE, H2, Read, Topic, "t", true),
            (ALICE, H1, Read, Topic, "t", false),
            (ALICE, "192.168.1.3", Read, Topic, "t", false), // no binding for that host
            ("Group:alice", H2, Read, Topic, "t", false),    // the principal type counts
            (ALICE, "0:0:0:0:0:0:0:1", Read, Topic, "v6", true),
            (ALICE, "::1", Read, Topic, "v6", false), // hosts are compared as text
        ],
    );
}

#[test]
fn kafka_host_writes_addresses_as_java_does() {
    let host = |s: &str| kafka_host(s.parse().expect("an address"));
    assert_eq!(host("10.0.0.1"), "10.0.0.1");
    assert_eq!(host("::1"), "0:0:0:0:0:0:0:1");
    assert_eq!(host("2001:db8::ab"), "2001:db8:0:0:0:0:0:ab");
    assert_eq!(host("::ffff:10.0.0.1"), "10.0.0.1");
}

// ---- The CLUSTER resource and resource-type isolation (AuthorizerTest.testAclManagementAPIs resources) ----

#[test]
fn cluster_resource_and_type_isolation() {
    let a = authz(&[
        acl(Cluster, CLUSTER_NAME, Literal, ALICE, "*", Create, Allow),
        acl(
            Cluster,
            CLUSTER_NAME,
            Literal,
            BOB,
            "*",
            IdempotentWrite,
            Allow,
        ),
        acl(Topic, "*", Literal, "User:carol", "*", All, Allow),
    ]);
    check(
        &a,
        &[
            (ALICE, H1, Create, Cluster, CLUSTER_NAME, true),
            (ALICE, H1, Create, Topic, "new-topic", false),
            (ALICE, H1, Describe, Cluster, CLUSTER_NAME, false), // CREATE implies nothing
            (BOB, H1, IdempotentWrite, Cluster, CLUSTER_NAME, true),
            (BOB, H1, Write, Topic, "t", false),
            ("User:carol", H1, Write, Topic, "t", true),
            ("User:carol", H1, Read, Group, "g", false), // TOPIC bindings say nothing of groups
            ("User:carol", H1, Write, TransactionalId, "tx", false),
        ],
    );
}

#[test]
fn names_are_matched_by_characters_and_bindings_kept_once() {
    let b = acl(Topic, "é", Prefixed, ALICE, "*", Read, Allow);
    let a = authz(&[
        acl(Topic, "a", Prefixed, ALICE, "*", Read, Allow),
        b.clone(),
        b.clone(),
    ]);
    check(
        &a,
        &[
            (ALICE, H1, Read, Topic, "日本", false), // prefix length 1 is inside a character
            (ALICE, H1, Read, Topic, "éa", true),
            (ALICE, H1, Read, Topic, "abc", true),
        ],
    );
    assert_eq!(a.len(), 2);
    assert_eq!(a.bindings().filter(|x| **x == b).count(), 1);
}

// ---- authorize_any: AuthorizerTest.testAuthorizeByResourceType* ----

fn any(
    bindings: &[AclBinding],
    principal: &str,
    host: &str,
    op: Operation,
    rt: ResourceType,
) -> bool {
    authz(bindings).authorize_any(&who(principal, host), op, rt)
}

const U1: &str = "User:user1";
const U2: &str = "User:user2";

#[test]
fn kafka_test_authorize_by_resource_type_multiple_add_and_remove() {
    let allow = acl(Topic, "sb1-x", Literal, U1, H1, Read, Allow);
    let deny = acl(Topic, "sb1-x", Literal, U1, H1, Read, Deny);
    assert!(!any(&[], U1, H1, Read, Topic));
    assert!(any(std::slice::from_ref(&allow), U1, H1, Read, Topic));
    assert!(!any(&[allow, deny], U1, H1, Read, Topic));
}

#[test]
fn kafka_test_authorize_by_resource_type_isolation_unrelated_deny_wont_dominate_allow() {
    let r1 = |principal, host, op, perm| acl(Topic, "sb1-x", Literal, principal, host, op, perm);
    let bindings = [
        r1(U1, H1, Read, Deny),
        r1(U2, H1, Read, Deny),
        r1(U1, H2, Write, Deny),
        r1(U2, H2, Read, Deny),
        r1(U1, H2, Read, Allow),
        acl(Topic, "sb2-x", Literal, U1, H2, Read, Deny),
        acl(Group, "s", Prefixed, U1, H2, Read, Deny),
    ];
    assert!(!any(&bindings, U1, H1, Read, Topic));
    assert!(!any(&bindings, U1, H1, Read, Group));
    assert!(!any(&bindings, U1, H1, Read, TransactionalId));
    assert!(!any(&bindings, U1, H1, Read, Cluster));
    assert!(any(&bindings, U1, H2, Read, Topic)); // sb2's DENY does not shadow sb1's ALLOW
}

#[test]
fn kafka_test_authorize_by_resource_type_deny_takes_precedence() {
    let allow = acl(Topic, "sb1-x", Literal, U1, H1, Write, Allow);
    let deny = acl(Topic, "sb1-x", Literal, U1, H1, Write, Deny);
    assert!(any(std::slice::from_ref(&allow), U1, H1, Write, Topic));
    assert!(!any(&[allow, deny], U1, H1, Write, Topic));
}

#[test]
fn kafka_test_authorize_by_resource_type_prefixed_resource_deny_dominate() {
    let g = |name: &str, perm| acl(Group, name, Prefixed, U1, H1, Read, perm);
    let mut bindings = vec![g("abcde", Allow)];
    assert!(any(&bindings, U1, H1, Read, Group));
    bindings.push(g("abcd", Deny));
    assert!(!any(&bindings, U1, H1, Read, Group));
    bindings.push(g("abc", Allow));
    assert!(any(&bindings, U1, H1, Read, Group));
    bindings.push(g("a", Deny));
    assert!(!any(&bindings, U1, H1, Read, Group));
    bindings.push(g("ab", Allow));
    assert!(!any(&bindings, U1, H1, Read, Group));
}

#[test]
fn kafka_test_authorize_by_resource_type_wildcard_resource_deny_dominate() {
    let g = |name: &str, pt, perm| acl(Group, name, pt, U1, H1, Write, perm);
    let mut bindings = vec![g("hello", Prefixed, Allow)];
    assert!(any(&bindings, U1, H1, Write, Group));
    bindings.push(g("*", Literal, Deny));
    assert!(!any(&bindings, U1, H1, Write, Group));
    bindings.push(g("*", Literal, Allow));
    assert!(!any(&bindings, U1, H1, Write, Group));
    bindings.push(g("aloha", Literal, Allow));
    assert!(!any(&bindings, U1, H1, Write, Group));
}

#[test]
fn kafka_test_authorize_by_resource_type_with_all_operation_ace() {
    let r = |op, perm| acl(Topic, "sb1-x", Literal, U1, H1, op, perm);
    assert!(!any(&[], U1, H1, Read, Topic));
    let mut bindings = vec![r(Write, Deny), r(All, Allow)];
    assert!(any(&bindings, U1, H1, Read, Topic));
    bindings.push(r(All, Deny));
    assert!(!any(&bindings, U1, H1, Read, Topic));
}

#[test]
fn kafka_test_authorize_by_resource_type_with_all_host_ace() {
    let r = |name: &str, host: &str, perm| acl(Topic, name, Literal, U1, host, Read, perm);
    let mut bindings = vec![r("sb1", H1, Allow)];
    assert!(any(&bindings, U1, H1, Read, Topic));
    bindings.push(r("sb1", "*", Deny));
    assert!(!any(&bindings, U1, H1, Read, Topic));
    bindings.push(r("sb2", H1, Deny));
    assert!(!any(&bindings, U1, H1, Read, Topic));
    assert!(!any(&bindings, U1, H2, Read, Topic));
    bindings.push(r("sb2", "*", Allow));
    assert!(any(&bindings, U1, H2, Read, Topic));
    bindings.push(r("sb2", "*", Deny));
    assert!(!any(&bindings, U1, H2, Read, Topic));
}

#[test]
fn kafka_test_authorize_by_resource_type_with_all_principal_ace() {
    let r =
        |name: &str, principal: &str, perm| acl(Topic, name, Literal, principal, H1, Read, perm);
    let mut bindings = vec![r("sb1", U1, Allow)];
    assert!(any(&bindings, U1, H1, Read, Topic));
    bindings.push(r("sb1", WILDCARD_PRINCIPAL, Deny));
    assert!(!any(&bindings, U1, H1, Read, Topic));
    bindings.push(r("sb2", U1, Deny));
    assert!(!any(&bindings, U1, H1, Read, Topic));
    assert!(!any(&bindings, U2, H1, Read, Topic));
    bindings.push(r("sb2", WILDCARD_PRINCIPAL, Allow));
    assert!(any(&bindings, U2, H1, Read, Topic));
    bindings.push(r("sb2", WILDCARD_PRINCIPAL, Deny));
    assert!(!any(&bindings, U2, H1, Read, Topic));
}

#[test]
fn kafka_test_authorize_by_resource_type_super_user_has_access() {
    let deny_all = |rt| acl(rt, "*", Literal, WILDCARD_PRINCIPAL, "*", All, Deny);
    let bindings = [
        deny_all(Topic),
        deny_all(Cluster),
        deny_all(Group),
        deny_all(TransactionalId),
    ];
    for rt in [Topic, Cluster, Group, TransactionalId] {
        assert!(
            any(&bindings, "User:superuser1", "192.0.4.4", Read, rt),
            "{rt}"
        );
        assert!(!any(&bindings, U1, "192.0.4.4", Read, rt), "{rt}");
    }
}

/// Consequences of Kafka's algorithm worth pinning down (all follow from the
/// `authorizeByResourceType` default method).
#[test]
fn authorize_by_resource_type_details() {
    // InitProducerId without a transactional id: WRITE on some topic, e.g. through a prefix.
    let tenant = acl(Topic, "tenant-", Prefixed, U1, "*", Write, Allow);
    assert!(any(std::slice::from_ref(&tenant), U1, H1, Write, Topic));
    // A LITERAL DENY never shadows a PREFIXED ALLOW (other names under the prefix remain).
    let literal_deny = acl(Topic, "tenant-", Literal, U1, "*", Write, Deny);
    assert!(any(&[tenant.clone(), literal_deny], U1, H1, Write, Topic));
    // A PREFIXED DENY shadows a LITERAL ALLOW under it.
    let lit = acl(Topic, "tenant-a", Literal, U1, "*", Write, Allow);
    let prefix_deny = acl(Topic, "ten", Prefixed, U1, "*", Write, Deny);
    assert!(!any(&[lit.clone(), prefix_deny], U1, H1, Write, Topic));
    // Beyond the first `hardcode` check there are no implications: ALLOW READ on one topic
    // does not answer "DESCRIBE on any topic"...
    let read_one = acl(Topic, "orders", Literal, U1, "*", Read, Allow);
    assert!(!any(&[read_one], U1, H1, Describe, Topic));
    // ...but ALLOW READ on every topic does, through `authorize(..., "hardcode")`.
    let read_all = acl(Topic, "*", Literal, U1, "*", Read, Allow);
    assert!(any(&[read_all], U1, H1, Describe, Topic));
    // Other principals' and hosts' bindings say nothing.
    assert!(!any(std::slice::from_ref(&lit), U2, H1, Write, Topic));
    assert!(!any(
        &[acl(Topic, "t", Literal, U1, H2, Write, Allow)],
        U1,
        H1,
        Write,
        Topic
    ));
    // Filter-only arguments (Kafka throws) are refused.
    assert!(!any(
        std::slice::from_ref(&lit),
        U1,
        H1,
        Operation::Any,
        Topic
    ));
    assert!(!any(&[lit], U1, H1, Write, ResourceType::Any));
}

// ---- Filters: ResourcePatternFilterTest (pattern part) ----

fn pattern_filter(rt: ResourceType, name: Option<&str>, pt: PatternType) -> AclFilter {
    AclFilter {
        resource_type: rt,
        name: name.map(String::from),
        pattern_type: pt,
        ..AclFilter::any()
    }
}

#[test]
fn kafka_resource_pattern_filter_test() {
    let on = |rt, name: &str, pt| acl(rt, name, pt, ALICE, "*", Read, Allow);
    let cases: &[(&str, AclFilter, AclBinding, bool)] = &[
        (
            "shouldNotMatchIfDifferentResourceType",
            pattern_filter(Topic, Some("Name"), Literal),
            on(Group, "Name", Literal),
            false,
        ),
        (
            "shouldNotMatchIfDifferentName",
            pattern_filter(Topic, Some("Different"), Prefixed),
            on(Topic, "Name", Prefixed),
            false,
        ),
        (
            "shouldNotMatchIfDifferentNameCase",
            pattern_filter(Topic, Some("NAME"), Literal),
            on(Topic, "Name", Literal),
            false,
        ),
        (
            "shouldNotMatchIfDifferentPatternType",
            pattern_filter(Topic, Some("Name"), Literal),
            on(Topic, "Name", Prefixed),
            false,
        ),
        (
            "shouldMatchWhereResourceTypeIsAny",
            pattern_filter(ResourceType::Any, Some("Name"), Prefixed),
            on(Topic, "Name", Prefixed),
            true,
        ),
        (
            "shouldMatchWhereResourceNameIsAny",
            pattern_filter(Topic, None, Prefixed),
            on(Topic, "Name", Prefixed),
            true,
        ),
        (
            "shouldMatchWherePatternTypeIsAny",
            pattern_filter(Topic, None, PatternType::Any),
            on(Topic, "Name", Prefixed),
            true,
        ),
        (
            "shouldMatchWherePatternTypeIsMatch",
            pattern_filter(Topic, None, Match),
            on(Topic, "Name", Prefixed),
            true,
        ),
        (
            "shouldMatchLiteralIfExactMatch",
            pattern_filter(Topic, Some("Name"), Literal),
            on(Topic, "Name", Literal),
            true,
        ),
        (
            "shouldMatchLiteralIfNameMatchesAndFilterIsOnPatternTypeAny",
            pattern_filter(Topic, Some("Name"), PatternType::Any),
            on(Topic, "Name", Literal),
            true,
        ),
        (
            "shouldMatchLiteralIfNameMatchesAndFilterIsOnPatternTypeMatch",
            pattern_filter(Topic, Some("Name"), Match),
            on(Topic, "Name", Literal),
            true,
        ),
        (
            "shouldNotMatchLiteralIfNamePrefixed",
            pattern_filter(Topic, Some("Name-something"), Match),
            on(Topic, "Name", Literal),
            false,
        ),
        (
            "shouldMatchLiteralWildcardIfExactMatch",
            pattern_filter(Topic, Some("*"), Literal),
            on(Topic, "*", Literal),
            true,
        ),
        (
            "shouldNotMatchLiteralWildcardAgainstOtherName",
            pattern_filter(Topic, Some("Name"), Literal),
            on(Topic, "*", Literal),
            false,
        ),
        (
            "shouldNotMatchLiteralWildcardTheWayAround",
            pattern_filter(Topic, Some("*"), Literal),
            on(Topic, "Name", Literal),
            false,
        ),
        (
            "shouldNotMatchLiteralWildcardIfFilterHasPatternTypeOfAny",
            pattern_filter(Topic, Some("Name"), PatternType::Any),
            on(Topic, "*", Literal),
            false,
        ),
        (
            "shouldMatchLiteralWildcardIfFilterHasPatternTypeOfMatch",
            pattern_filter(Topic, Some("Name"), Match),
            on(Topic, "*", Literal),
            true,
        ),
        (
            "shouldMatchPrefixedIfExactMatch",
            pattern_filter(Topic, Some("Name"), Prefixed),
            on(Topic, "Name", Prefixed),
            true,
        ),
        (
            "shouldNotMatchIfBothPrefixedAndFilterIsPrefixOfResource",
            pattern_filter(Topic, Some("Name"), Prefixed),
            on(Topic, "Name-something", Prefixed),
            false,
        ),
        (
            "shouldNotMatchIfBothPrefixedAndResourceIsPrefixOfFilter",
            pattern_filter(Topic, Some("Name-something"), Prefixed),
            on(Topic, "Name", Prefixed),
            false,
        ),
        (
            "shouldNotMatchPrefixedIfNamePrefixedAnyFilterTypeIsAny",
            pattern_filter(Topic, Some("Name-something"), PatternType::Any),
            on(Topic, "Name", Prefixed),
            false,
        ),
        (
            "shouldMatchPrefixedIfNamePrefixedAnyFilterTypeIsMatch",
            pattern_filter(Topic, Some("Name-something"), Match),
            on(Topic, "Name", Prefixed),
            true,
        ),
        // kgate's own: MATCH does not select a prefix longer than the name.
        (
            "matchDoesNotSelectLongerPrefix",
            pattern_filter(Topic, Some("fo"), Match),
            on(Topic, "foo", Prefixed),
            false,
        ),
        (
            "matchWithoutNameSelectsEverything",
            pattern_filter(ResourceType::Any, None, Match),
            on(Group, "g", Literal),
            true,
        ),
    ];
    for (name, filter, binding, expected) in cases {
        assert_eq!(filter.matches(binding), *expected, "{name}");
    }
}

// ---- Filters: AuthorizerTest.testAclsFilter / testGetAclsPrincipal (entry part) ----

#[test]
fn kafka_test_acls_filter() {
    let r1 = "foo-1";
    let r2 = "bar-1";
    let acl1 = acl(Topic, r1, Literal, ALICE, "*", Read, Allow);
    let acl2 = acl(Topic, r1, Literal, ALICE, "192.168.0.1", Write, Allow);
    let acl3 = acl(Topic, r2, Literal, ALICE, "*", Describe, Allow);
    let acl4 = acl(
        Topic,
        "bar-",
        Prefixed,
        WILDCARD_PRINCIPAL,
        "*",
        Read,
        Allow,
    );
    let a = authz(&[acl1.clone(), acl2.clone(), acl3.clone(), acl4.clone()]);
    let select = |f: &AclFilter| a.matching(f).cloned().collect::<Vec<_>>();

    let all = vec![acl1.clone(), acl2.clone(), acl3.clone(), acl4.clone()];
    assert_eq!(select(&AclFilter::any()), all);
    assert_eq!(
        select(&pattern_filter(Topic, Some(r1), Literal)),
        vec![acl1.clone(), acl2.clone()]
    );
    assert_eq!(
        select(&pattern_filter(Topic, Some("bar-"), Prefixed)),
        vec![acl4.clone()]
    );
    let matching = pattern_filter(ResourceType::Any, Some(r2), Match);
    assert_eq!(select(&matching), vec![acl3.clone(), acl4.clone()]);
    assert_eq!(select(&AclFilter::exact(&acl1)), vec![acl1.clone()]);
    assert_eq!(
        select(&pattern_filter(Topic, Some("baz"), PatternType::Any)),
        vec![]
    );

    // Entry filters: principal and host compared as text, operation and permission exactly.
    let entry = |principal: Option<&str>, host: Option<&str>, operation, permission| AclFilter {
        principal: principal.map(String::from),
        host: host.map(String::from),
        operation,
        permission,
        ..AclFilter::any()
    };
    let any_op = Operation::Any;
    let any_perm = Permission::Any;
    assert_eq!(
        select(&entry(Some(ALICE), None, any_op, any_perm)),
        vec![acl1.clone(), acl2.clone(), acl3.clone()]
    );
    assert_eq!(
        select(&entry(Some(WILDCARD_PRINCIPAL), None, any_op, any_perm)),
        vec![acl4.clone()]
    );
    assert_eq!(
        select(&entry(None, Some("192.168.0.1"), any_op, any_perm)),
        vec![acl2.clone()]
    );
    assert_eq!(
        select(&entry(None, Some("*"), Read, any_perm)),
        vec![acl1.clone(), acl4.clone()]
    );
    assert_eq!(select(&entry(None, None, any_op, Deny)), vec![]);
    assert_eq!(select(&entry(None, None, Describe, Allow)), vec![acl3]);
}

#[test]
fn kafka_test_get_acls_principal() {
    let r = "foo-resource";
    let by = |principal: &str| AclFilter {
        principal: Some(principal.into()),
        ..AclFilter::any()
    };
    let specific = acl(Topic, r, Literal, ALICE, "*", Write, Allow);
    assert!(!by(WILDCARD_PRINCIPAL).matches(&specific));
    assert!(by(ALICE).matches(&specific));
    let wildcard = acl(Topic, r, Literal, WILDCARD_PRINCIPAL, "*", Write, Allow);
    assert!(by(WILDCARD_PRINCIPAL).matches(&wildcard));
    assert!(!by(ALICE).matches(&wildcard));
    // An operation filter of READ does not select an ALL binding, nor ALL a READ one.
    let all = acl(Topic, r, Literal, ALICE, "*", All, Allow);
    let op = |operation| AclFilter {
        operation,
        ..AclFilter::any()
    };
    assert!(!op(Read).matches(&all));
    assert!(op(All).matches(&all));
    assert!(!op(All).matches(&specific));
}

#[test]
fn filter_validity_and_indefinite_fields() {
    // Kafka refuses only UNKNOWN elements, which come in as codes.
    assert_eq!(
        AclFilter::from_codes(1, None, 1, None, None, 1, 1),
        Some(AclFilter::any())
    );
    assert_eq!(AclFilter::from_codes(0, None, 1, None, None, 1, 1), None);
    assert_eq!(AclFilter::from_codes(2, None, 9, None, None, 1, 1), None);
    assert_eq!(AclFilter::from_codes(2, None, 3, None, None, 0, 1), None);
    assert_eq!(AclFilter::from_codes(2, None, 3, None, None, 3, 4), None);
    let f = AclFilter::from_codes(2, Some("t".into()), 2, None, None, 3, 3).expect("valid");
    assert_eq!(
        (f.resource_type, f.pattern_type, f.operation, f.permission),
        (Topic, Match, Read, Allow)
    );
    assert_eq!(pattern_filter(Topic, None, Match).invalid_reason(), None);
    assert_eq!(AclFilter::any().invalid_reason(), None);

    assert_eq!(
        AclFilter::any().find_indefinite_field(),
        Some("Resource type is ANY.")
    );
    assert_eq!(
        pattern_filter(Topic, None, Literal).find_indefinite_field(),
        Some("Resource name is NULL.")
    );
    assert_eq!(
        pattern_filter(Topic, Some("t"), Match).find_indefinite_field(),
        Some("Resource pattern type is MATCH.")
    );
    assert_eq!(
        pattern_filter(Topic, Some("t"), Literal).find_indefinite_field(),
        Some("Principal is NULL")
    );
    let b = acl(Topic, "t", Literal, ALICE, "*", Read, Allow);
    assert_eq!(AclFilter::exact(&b).find_indefinite_field(), None);
    let no_op = AclFilter {
        operation: Operation::Any,
        ..AclFilter::exact(&b)
    };
    assert_eq!(no_op.find_indefinite_field(), Some("Operation is ANY"));
}
