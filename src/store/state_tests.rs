use super::*;
use crate::store::model::DEFAULT_VCLUSTER;

fn local(vcluster: &str, name: &str) -> ServiceAccount {
    ServiceAccount {
        name: name.into(),
        vcluster: vcluster.into(),
        kind: AccountKind::Local,
    }
}

fn external(name: &str, names: &[&str]) -> ServiceAccount {
    ServiceAccount {
        name: name.into(),
        vcluster: DEFAULT_VCLUSTER.into(),
        kind: AccountKind::External {
            external_names: names.iter().map(|s| s.to_string()).collect(),
        },
    }
}

#[test]
fn upsert_reports_created_not_changed_updated() {
    let s0 = GatewayState::default();
    let (s1, r) = s0.with_account(local("vc", "jdoe")).expect("create");
    assert_eq!(r, UpsertResult::Created);
    let (s2, r) = s1.with_account(local("vc", "jdoe")).expect("same");
    assert_eq!(r, UpsertResult::NotChanged);
    assert_eq!(s2, s1);
    let (s3, r) = s2
        .with_account(ServiceAccount {
            kind: AccountKind::External {
                external_names: vec!["sub-1".into()],
            },
            ..local("vc", "jdoe")
        })
        .expect("update");
    assert_eq!(r, UpsertResult::Updated);
    assert!(s3.local_account("vc", "jdoe").is_none(), "now EXTERNAL");
    assert_eq!(
        s3.external_account("sub-1").map(|a| a.name.as_str()),
        Some("jdoe")
    );
}

#[test]
fn lookups_respect_vcluster_and_type() {
    let (s, _) = GatewayState::default()
        .with_account(local("vc-a", "jdoe"))
        .expect("a");
    let (s, _) = s.with_account(external("app", &["CN=app"])).expect("b");
    assert!(s.local_account("vc-a", "jdoe").is_some());
    assert!(s.local_account(DEFAULT_VCLUSTER, "jdoe").is_none());
    assert!(s.local_account(DEFAULT_VCLUSTER, "app").is_none());
    assert_eq!(
        s.external_account("CN=app").map(|a| &a.name[..]),
        Some("app")
    );
    assert!(s.external_account("app").is_none());
    assert_eq!(s.accounts().count(), 2);
}

#[test]
fn external_names_are_unique_across_accounts_and_freed_on_change() {
    let (s, _) = GatewayState::default()
        .with_account(external("one", &["shared"]))
        .expect("one");
    let err = s
        .with_account(external("two", &["other", "shared"]))
        .unwrap_err();
    assert!(err.starts_with("spec.externalNames[1]"), "{err}");
    assert!(err.contains("\"one\""), "{err}");
    // The owner may keep its own name, and renaming frees the old one.
    let (s, _) = s
        .with_account(external("one", &["renamed"]))
        .expect("rename");
    assert!(s.external_account("shared").is_none());
    let (s, r) = s
        .with_account(external("two", &["shared"]))
        .expect("now free");
    assert_eq!(r, UpsertResult::Created);
    let s = s.without_account(DEFAULT_VCLUSTER, "two").expect("delete");
    assert!(s.external_account("shared").is_none());
    assert!(s.without_account(DEFAULT_VCLUSTER, "two").is_none());
}

#[test]
fn invalid_accounts_are_refused() {
    let err = GatewayState::default()
        .with_account(local("vc", "a b"))
        .unwrap_err();
    assert!(err.starts_with("metadata.name"), "{err}");
}

#[test]
fn stored_round_trip_and_bad_version() {
    let (s, _) = GatewayState::default()
        .with_account(local("vc", "jdoe"))
        .expect("a");
    let (s, _) = s.with_account(external("app", &["x"])).expect("b");
    let back = GatewayState::from_stored(s.to_stored()).expect("reload");
    assert_eq!(back, s);
    let mut stored = s.to_stored();
    stored.version = 99;
    assert!(GatewayState::from_stored(stored)
        .unwrap_err()
        .contains("version 99"));
}

#[test]
fn handle_publishes_new_snapshots_and_old_ones_stay_intact() {
    let handle = StateHandle::new(GatewayState::default());
    let before = handle.snapshot();
    let (next, _) = before.with_account(local("vc", "jdoe")).expect("create");
    handle.replace(next);
    assert_eq!(handle.generation(), 1);
    assert!(before.local_account("vc", "jdoe").is_none());
    assert!(handle.snapshot().local_account("vc", "jdoe").is_some());
}

// --- virtual clusters, aliases, Kafka ACLs --------------------------------------------------

use crate::acl::binding::{
    AclBinding, Operation, PatternType, Permission, ResourcePattern, ResourceType,
};
use crate::store::alias::{AliasTopic, MAIN_CLUSTER};
use crate::store::vcluster::{AclMode, VClusterType, VirtualCluster};

fn vc(name: &str, prefix: &str) -> VirtualCluster {
    VirtualCluster {
        prefix: prefix.into(),
        ..VirtualCluster::named(name)
    }
}

fn kafka_api(name: &str) -> VirtualCluster {
    VirtualCluster {
        acl_enabled: true,
        acl_mode: Some(AclMode::KafkaApi),
        super_users: vec!["admin".into()],
        ..VirtualCluster::named(name)
    }
}

fn alias(vcluster: &str, name: &str, physical: &str) -> AliasTopic {
    AliasTopic {
        name: name.into(),
        vcluster: vcluster.into(),
        physical_name: physical.into(),
        physical_cluster: MAIN_CLUSTER.into(),
    }
}

fn acl(topic: &str) -> AclBinding {
    AclBinding {
        pattern: ResourcePattern {
            resource_type: ResourceType::Topic,
            name: topic.into(),
            pattern_type: PatternType::Literal,
        },
        principal: "User:app".into(),
        host: "*".into(),
        operation: Operation::Write,
        permission: Permission::Allow,
    }
}

fn with_vc(s: &GatewayState, v: VirtualCluster) -> GatewayState {
    s.with_vcluster(v).expect("valid virtual cluster").0
}

#[test]
fn passthrough_is_built_in() {
    let s = GatewayState::default();
    let p = s.vcluster(DEFAULT_VCLUSTER).expect("always there");
    assert_eq!((p.prefix.as_str(), p.kind), ("", VClusterType::Standard));
    assert_eq!(s.vclusters().count(), 1);
    assert_eq!(s.declared_vclusters(), 0);
    let err = s
        .with_vcluster(VirtualCluster::named("passthrough"))
        .unwrap_err();
    assert!(err.contains("GATEWAY_ACL_STORE_ENABLED"), "{err}");
    assert!(matches!(
        s.without_vcluster("passthrough"),
        Err(RemoveError::BuiltIn(_))
    ));
    assert!(s.to_stored().virtual_clusters.is_empty());
}

#[test]
fn vcluster_upsert_results_and_listing_order() {
    let s0 = GatewayState::default();
    let (s1, r) = s0.with_vcluster(VirtualCluster::named("zeta")).expect("z");
    assert_eq!(r, UpsertResult::Created);
    let (s2, r) = s1
        .with_vcluster(VirtualCluster::named("zeta"))
        .expect("same");
    assert_eq!((r, &s2), (UpsertResult::NotChanged, &s1));
    let s3 = with_vc(&s2, VirtualCluster::named("alpha"));
    let (s4, r) = s3
        .with_vcluster(VirtualCluster {
            kind: VClusterType::Partner,
            ..VirtualCluster::named("zeta")
        })
        .expect("update");
    assert_eq!(r, UpsertResult::Updated);
    let names: Vec<_> = s4.vclusters().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["passthrough", "alpha", "zeta"]);
    assert_eq!(
        s4.vcluster("zeta").map(|v| v.kind),
        Some(VClusterType::Partner)
    );
    assert!(s4.vcluster("nope").is_none());
}

#[test]
fn prefixes_must_not_overlap() {
    let s = with_vc(&GatewayState::default(), vc("a", "a"));
    for (name, prefix) in [("ab", "ab"), ("x", "a"), ("y", "")] {
        let err = s.with_vcluster(vc(name, prefix)).unwrap_err();
        assert!(err.starts_with("spec.prefix"), "{err}");
    }
    let err = with_vc(&GatewayState::default(), vc("long", "vc-alice.x"))
        .with_vcluster(vc("short", "vc-alice."))
        .unwrap_err();
    assert!(err.contains("\"long\""), "names the other cluster: {err}");
    // Disjoint prefixes are fine, and a cluster never overlaps itself.
    let s = with_vc(&s, vc("b", "b."));
    assert!(s
        .with_vcluster(VirtualCluster {
            kind: VClusterType::Partner,
            ..vc("a", "a")
        })
        .is_ok());
}

#[test]
fn prefix_and_acl_mode_cannot_change() {
    let s = with_vc(&GatewayState::default(), vc("alice", "vc-alice."));
    let err = s.with_vcluster(VirtualCluster::named("alice")).unwrap_err();
    assert!(
        err.starts_with("spec.prefix") && err.contains("vc-alice."),
        "{err}"
    );
    let s = with_vc(&GatewayState::default(), kafka_api("c"));
    let rest = VirtualCluster {
        acl_mode: Some(AclMode::RestApi),
        super_users: vec![],
        acls: vec![acl("t")],
        ..kafka_api("c")
    };
    let err = s.with_vcluster(rest).unwrap_err();
    assert!(
        err.starts_with("spec.aclMode") && err.contains("KAFKA_API"),
        "{err}"
    );
    let err = s.with_vcluster(VirtualCluster::named("c")).unwrap_err();
    assert!(
        err.starts_with("spec.aclMode"),
        "unsetting is a change too: {err}"
    );
    // Turning ACLs off keeps the mode.
    let off = VirtualCluster {
        acl_enabled: false,
        super_users: vec![],
        ..kafka_api("c")
    };
    assert_eq!(s.with_vcluster(off).expect("off").1, UpsertResult::Updated);
    // A cluster without a mode may get one.
    let s = with_vc(&GatewayState::default(), VirtualCluster::named("c"));
    assert!(s.with_vcluster(kafka_api("c")).is_ok());
}

#[test]
fn a_vcluster_in_use_cannot_be_deleted() {
    let s = with_vc(&GatewayState::default(), VirtualCluster::named("vc-alice"));
    let (s, _) = s.with_account(local("vc-alice", "bob")).expect("bob");
    let (s, _) = s.with_account(local("vc-alice", "alice")).expect("alice");
    let (s, _) = s.with_account(local("other", "carol")).expect("carol");
    let (s, _) = s
        .with_alias(alias("vc-alice", "stock", "internal.stock"))
        .expect("alias");
    let err = s.without_vcluster("vc-alice").unwrap_err();
    assert_eq!(
        err,
        RemoveError::InUse(
            "2 service account(s) (alice, bob) and 1 alias topic(s) (stock) belong to \
             vc-alice; delete them first"
                .into()
        )
    );
    let s = s.without_alias("vc-alice", "stock").expect("alias gone");
    let err = s.without_vcluster("vc-alice").unwrap_err().to_string();
    assert!(
        err.starts_with("2 service account(s) (alice, bob) belong"),
        "{err}"
    );
    let s = s.without_account("vc-alice", "alice").expect("a");
    let s = s.without_account("vc-alice", "bob").expect("b");
    let s = s
        .with_kafka_acls("vc-alice", vec![acl("t")])
        .without_vcluster("vc-alice")
        .expect("free now");
    assert!(s.vcluster("vc-alice").is_none());
    assert!(s.kafka_acls("vc-alice").is_empty(), "its ACLs went with it");
    assert!(matches!(
        s.without_vcluster("vc-alice"),
        Err(RemoveError::Missing(_))
    ));
    assert!(s.account("other", "carol").is_some());
}

#[test]
fn long_lists_in_errors_are_cut() {
    let mut s = with_vc(&GatewayState::default(), VirtualCluster::named("big"));
    for i in 0..12 {
        s = s
            .with_account(local("big", &format!("u{i:02}")))
            .expect("a")
            .0;
    }
    let err = s.without_vcluster("big").unwrap_err().to_string();
    assert!(err.starts_with("12 service account(s) (u00, u01,"), "{err}");
    assert!(err.contains("u09, ... (2 more)"), "{err}");
}

#[test]
fn aliases() {
    let s = with_vc(&GatewayState::default(), VirtualCluster::named("partner"));
    let err = s.with_alias(alias("nowhere", "a", "t")).unwrap_err();
    assert!(
        err.starts_with("metadata.vCluster") && err.contains("nowhere"),
        "{err}"
    );
    let (s, r) = s
        .with_alias(alias("partner", "stock", "internal.stock"))
        .expect("a");
    assert_eq!(r, UpsertResult::Created);
    let (s, r) = s
        .with_alias(alias("partner", "stock", "internal.stock"))
        .expect("same");
    assert_eq!(r, UpsertResult::NotChanged);
    let (s, r) = s
        .with_alias(alias("partner", "stock", "internal.stock2"))
        .expect("b");
    assert_eq!(r, UpsertResult::Updated);
    // passthrough takes aliases too, and the same physical topic in another cluster is fine.
    let (s, _) = s
        .with_alias(alias(DEFAULT_VCLUSTER, "stock", "internal.stock2"))
        .expect("c");
    let err = s
        .with_alias(alias("partner", "other", "internal.stock2"))
        .unwrap_err();
    assert!(
        err.starts_with("spec.physicalName") && err.contains("\"stock\""),
        "{err}"
    );
    let mut bad = alias("partner", "x", "y");
    bad.physical_cluster = "backup".into();
    assert!(s
        .with_alias(bad)
        .unwrap_err()
        .starts_with("spec.physicalCluster"));
    assert_eq!(
        s.alias("partner", "stock")
            .map(|a| a.physical_name.as_str()),
        Some("internal.stock2")
    );
    assert_eq!(s.aliases_in("partner").count(), 1);
    assert_eq!(s.aliases_in(DEFAULT_VCLUSTER).count(), 1);
    assert_eq!(s.aliases_in("part").count(), 0);
    assert_eq!(s.aliases().count(), 2);
    let s = s.without_alias("partner", "stock").expect("delete");
    assert!(s.alias("partner", "stock").is_none());
    assert!(s.without_alias("partner", "stock").is_none());
}

#[test]
fn kafka_acls_per_vcluster() {
    let s = with_vc(&GatewayState::default(), kafka_api("vc"));
    assert!(s.kafka_acls("vc").is_empty());
    let s = s.with_kafka_acls("vc", vec![acl("a"), acl("b")]);
    let s = s.with_kafka_acls(DEFAULT_VCLUSTER, vec![acl("c")]);
    assert_eq!(s.kafka_acls("vc"), &[acl("a"), acl("b")]);
    assert_eq!(s.kafka_acls(DEFAULT_VCLUSTER), &[acl("c")]);
    let dropped = s.with_kafka_acls("deleted-meanwhile", vec![acl("x")]);
    assert_eq!(dropped, s, "no ACLs for a cluster that does not exist");
    let cleared = s.with_kafka_acls("vc", vec![]);
    assert!(cleared.kafka_acls("vc").is_empty());
    assert!(!cleared.to_stored().kafka_acls.contains_key("vc"));
}

#[test]
fn version_3_round_trip_with_everything() {
    let s = with_vc(&GatewayState::default(), kafka_api("vc-a"));
    let s = with_vc(&s, vc("vc-b", "b."));
    let (s, _) = s.with_account(local("vc-a", "admin")).expect("a");
    let (s, _) = s
        .with_alias(alias("vc-b", "stock", "internal.stock"))
        .expect("b");
    let s = s.with_kafka_acls("vc-a", vec![acl("t")]);
    let (s, _) = s
        .with_group(crate::store::GatewayGroup {
            name: "ops".into(),
            members: vec![crate::store::GroupMember {
                name: "admin".into(),
                vcluster: Some("vc-a".into()),
            }],
        })
        .expect("group");
    let (s, _) = s
        .with_interceptor(crate::store::Interceptor {
            name: "ro".into(),
            scope: crate::store::Scope {
                vcluster: Some("vc-a".into()),
                group: Some("ops".into()),
                username: None,
            },
            plugin_class: "io.conduktor.gateway.interceptor.safeguard.ReadOnlyTopicPolicyPlugin"
                .into(),
            priority: 1,
            config: serde_json::json!({"topic": "ro-.*"}),
            comment: None,
        })
        .expect("interceptor");
    let stored = s.to_stored();
    assert_eq!(stored.version, 3);
    let json = serde_json::to_string(&stored).expect("json");
    let parsed: StoredState = serde_json::from_str(&json).expect("parses");
    assert_eq!(GatewayState::from_stored(parsed).expect("reload"), s);
}

#[test]
fn version_1_files_still_load() {
    let v1 = r#"{"version":1,"serviceAccounts":[{"name":"jdoe","vCluster":"passthrough","type":"LOCAL"}]}"#;
    let stored: StoredState = serde_json::from_str(v1).expect("v1 parses");
    let s = GatewayState::from_stored(stored).expect("v1 loads");
    assert!(s.local_account(DEFAULT_VCLUSTER, "jdoe").is_some());
    assert_eq!(
        s.to_stored().version,
        StoredState::VERSION,
        "written back as 2"
    );
}

#[test]
fn stored_data_breaking_the_rules_is_refused() {
    let mut stored = with_vc(&GatewayState::default(), vc("a", "a")).to_stored();
    stored.virtual_clusters.push(vc("ab", "ab"));
    let err = GatewayState::from_stored(stored).unwrap_err();
    assert!(
        err.starts_with("virtual cluster \"ab\": spec.prefix"),
        "{err}"
    );
    let mut stored = StoredState::empty();
    stored.alias_topics.push(alias("ghost", "t", "t"));
    let err = GatewayState::from_stored(stored).unwrap_err();
    assert!(err.contains("metadata.vCluster"), "{err}");
    let mut stored = StoredState::empty();
    stored.kafka_acls.insert("ghost".into(), vec![acl("t")]);
    assert!(GatewayState::from_stored(stored)
        .unwrap_err()
        .contains("\"ghost\""));
    let mut stored = StoredState::empty();
    let mut bad = acl("t");
    bad.principal = "nobody".into();
    stored.kafka_acls.insert(DEFAULT_VCLUSTER.into(), vec![bad]);
    let err = GatewayState::from_stored(stored).unwrap_err();
    assert!(
        err.starts_with("kafkaAcls.passthrough[0].principal"),
        "{err}"
    );
}
