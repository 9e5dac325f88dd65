use super::*;
use crate::acl::binding::{Operation, PatternType, Permission, ResourcePattern, ResourceType};

fn binding(principal: &str) -> AclBinding {
    AclBinding {
        pattern: ResourcePattern {
            resource_type: ResourceType::Topic,
            name: "orders".into(),
            pattern_type: PatternType::Literal,
        },
        principal: principal.into(),
        host: "*".into(),
        operation: Operation::Read,
        permission: Permission::Allow,
    }
}

fn kafka_api() -> VirtualCluster {
    VirtualCluster {
        acl_enabled: true,
        acl_mode: Some(AclMode::KafkaApi),
        super_users: vec!["admin".into()],
        ..VirtualCluster::named("customers")
    }
}

fn rest_api() -> VirtualCluster {
    VirtualCluster {
        acl_enabled: true,
        acl_mode: Some(AclMode::RestApi),
        acls: vec![binding("User:orders-app")],
        ..VirtualCluster::named("customers")
    }
}

fn err(vc: VirtualCluster) -> String {
    vc.validate().unwrap_err()
}

#[test]
fn the_reference_examples_are_valid() {
    assert_eq!(VirtualCluster::named("customers").validate(), Ok(()));
    assert_eq!(VirtualCluster::named("customers").prefix, "customers");
    assert_eq!(kafka_api().validate(), Ok(()));
    assert_eq!(rest_api().validate(), Ok(()));
}

#[test]
fn names_and_prefixes() {
    assert!(err(VirtualCluster::named("a@b")).starts_with("metadata.name"));
    assert!(err(VirtualCluster::named("")).starts_with("metadata.name"));
    let e = err(VirtualCluster::named("passthrough"));
    assert!(e.starts_with("metadata.name"), "{e}");
    assert!(e.contains("GATEWAY_ACL_STORE_ENABLED"), "{e}");
    for bad in ["", "a b", "_kgate", "_kgate-x", "_", "_kg", "__consumer"] {
        let vc = VirtualCluster {
            prefix: bad.into(),
            ..VirtualCluster::named("vc")
        };
        assert!(err(vc).starts_with("spec.prefix"), "{bad:?}");
    }
    for good in ["vc-alice.", "_x", "a"] {
        let vc = VirtualCluster {
            prefix: good.into(),
            ..VirtualCluster::named("vc")
        };
        assert_eq!(vc.validate(), Ok(()), "{good:?}");
    }
}

#[test]
fn acl_rules_of_the_reference() {
    // aclEnabled false: no superUsers, no acls.
    let off = |vc: VirtualCluster| VirtualCluster {
        acl_enabled: false,
        ..vc
    };
    assert!(err(off(kafka_api())).starts_with("spec.superUsers"));
    assert!(err(off(rest_api())).starts_with("spec.acls"));
    // ...but a mode may stay set (ACLs turned off after being on).
    let paused = VirtualCluster {
        super_users: vec![],
        ..off(kafka_api())
    };
    assert_eq!(paused.validate(), Ok(()));
    // KAFKA_API: at least one super user, no acls.
    assert!(err(VirtualCluster {
        super_users: vec![],
        ..kafka_api()
    })
    .starts_with("spec.superUsers"));
    assert!(err(VirtualCluster {
        acls: vec![binding("User:a")],
        ..kafka_api()
    })
    .starts_with("spec.acls"));
    // REST_API: at least one acl, no super users.
    assert!(err(VirtualCluster {
        acls: vec![],
        ..rest_api()
    })
    .starts_with("spec.acls"));
    assert!(err(VirtualCluster {
        super_users: vec!["admin".into()],
        ..rest_api()
    })
    .starts_with("spec.superUsers"));
    // aclEnabled with no mode (the parser defaults it; a hand-edited file may not).
    assert!(err(VirtualCluster {
        acl_mode: None,
        ..kafka_api()
    })
    .starts_with("spec.aclMode"));
    // Partner + KAFKA_API needs ACLs on.
    let partner = VirtualCluster {
        kind: VClusterType::Partner,
        ..paused
    };
    assert!(err(partner.clone()).starts_with("spec.aclEnabled"));
    assert_eq!(
        VirtualCluster {
            acl_enabled: true,
            super_users: vec!["admin".into()],
            ..partner
        }
        .validate(),
        Ok(())
    );
}

#[test]
fn bindings_and_super_users_are_checked_one_by_one() {
    let e = err(VirtualCluster {
        acls: vec![binding("User:a"), binding("nobody")],
        ..rest_api()
    });
    assert!(e.starts_with("spec.acls[1].principal"), "{e}");
    let e = err(VirtualCluster {
        acls: vec![binding("User:a"), binding("User:a")],
        ..rest_api()
    });
    assert!(e.starts_with("spec.acls[1]"), "{e}");
    let e = err(VirtualCluster {
        super_users: vec!["ok".into(), "not ok".into()],
        ..kafka_api()
    });
    assert!(e.starts_with("spec.superUsers[1]"), "{e}");
    let e = err(VirtualCluster {
        super_users: vec!["a".into(), "a".into()],
        ..kafka_api()
    });
    assert!(e.contains("twice"), "{e}");
}

#[test]
fn overlap_is_either_prefix_starting_with_the_other() {
    let vc = |p: &str| VirtualCluster {
        prefix: p.into(),
        ..VirtualCluster::named("x")
    };
    assert!(vc("a").overlaps(&vc("ab")));
    assert!(vc("ab").overlaps(&vc("a")));
    assert!(vc("a").overlaps(&vc("a")));
    assert!(!vc("a.").overlaps(&vc("b.")));
    assert!(!vc("ab").overlaps(&vc("ac")));
}

#[test]
fn stored_shape() {
    let json = serde_json::to_value(kafka_api()).expect("json");
    assert_eq!(
        json,
        serde_json::json!({"name": "customers", "prefix": "customers", "type": "Standard",
                           "aclEnabled": true, "aclMode": "KAFKA_API",
                           "superUsers": ["admin"], "acls": []})
    );
    let plain = serde_json::to_value(VirtualCluster::named("a")).expect("json");
    assert!(plain.get("aclMode").is_none(), "{plain}");
    let back: VirtualCluster = serde_json::from_value(plain).expect("parses");
    assert_eq!(back, VirtualCluster::named("a"));
    assert_eq!(VClusterType::parse("partner"), Some(VClusterType::Partner));
    assert_eq!(AclMode::parse("rest_api"), Some(AclMode::RestApi));
    assert_eq!(AclMode::parse("REST"), None);
}
