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
