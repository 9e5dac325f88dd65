use serde_json::json;

use super::*;
use crate::store::{GatewayGroup, GroupMember, Scope, VirtualCluster};

fn interceptor(name: &str, scope: Scope, priority: i64) -> Interceptor {
    Interceptor {
        name: name.into(),
        scope,
        plugin_class: "io.conduktor.gateway.interceptor.safeguard.ReadOnlyTopicPolicyPlugin".into(),
        priority,
        config: json!({"topic": format!("{priority}")}),
        comment: None,
    }
}

fn scope(vcluster: Option<&str>, group: Option<&str>, username: Option<&str>) -> Scope {
    Scope {
        vcluster: vcluster.map(Into::into),
        group: group.map(Into::into),
        username: username.map(Into::into),
    }
}

fn state() -> GatewayState {
    let mut s = GatewayState::default()
        .with_vcluster(VirtualCluster::named("vc1"))
        .unwrap()
        .0;
    s = s
        .with_group(GatewayGroup {
            name: "ops".into(),
            members: vec![
                GroupMember {
                    name: "carol".into(),
                    vcluster: None,
                },
                GroupMember {
                    name: "dave".into(),
                    vcluster: Some("vc1".into()),
                },
            ],
        })
        .unwrap()
        .0;
    for i in [
        interceptor("p", scope(None, None, None), 1),
        interceptor("p", scope(Some("vc1"), None, None), 2),
        interceptor("p", scope(Some("passthrough"), Some("ops"), None), 3),
        interceptor("p", scope(Some("passthrough"), None, Some("bob")), 4),
        interceptor("q", Scope::default(), 0),
    ] {
        s = s.with_interceptor(i).unwrap().0;
    }
    s
}

fn resolved(s: &GatewayState, vcluster: &str, user: &str) -> Vec<(String, i64)> {
    resolve(s, &Target::of(s, vcluster, Some(user)))
        .into_iter()
        .map(|i| (i.name.clone(), i.priority))
        .collect()
}

#[test]
fn the_most_specific_scope_of_a_name_wins() {
    let s = state();
    // alice: passthrough, no group: global p; q (passthrough only)
    assert_eq!(
        resolved(&s, "passthrough", "alice"),
        [("q".into(), 0), ("p".into(), 1)]
    );
    // bob: his own p
    assert_eq!(
        resolved(&s, "passthrough", "bob"),
        [("q".into(), 0), ("p".into(), 4)]
    );
    // carol: in ops
    assert_eq!(
        resolved(&s, "passthrough", "carol"),
        [("q".into(), 0), ("p".into(), 3)]
    );
    // erin in vc1: the vc1 p, not q (global excluding virtual clusters)
    assert_eq!(resolved(&s, "vc1", "erin"), [("p".into(), 2)]);
    // dave is in ops only within vc1, and ops' p is scoped to passthrough: vc1's p
    assert_eq!(resolved(&s, "vc1", "dave"), [("p".into(), 2)]);
}

#[test]
fn scopes_name_existing_clusters_and_groups() {
    let s = state();
    let e = s
        .with_interceptor(interceptor("x", scope(Some("nope"), None, None), 1))
        .unwrap_err();
    assert!(e.contains("metadata.scope.vCluster"), "{e}");
    let e = s
        .with_interceptor(interceptor("x", scope(None, Some("nope"), None), 1))
        .unwrap_err();
    assert!(e.contains("metadata.scope.group"), "{e}");
    assert!(s.without_group("ops").unwrap_err().contains("interceptor"));
    assert!(s.without_vcluster("vc1").is_err());
}
