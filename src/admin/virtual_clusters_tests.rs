//! `/gateway/v2/virtual-cluster` and `/gateway/v2/alias-topic` through [`AdminApi::handle`].

use serde_json::{json, Value};

use crate::admin::test_support::{api, call, ADMIN, READER};
use crate::admin::AdminApi;
use crate::store::test_dir::TestDir;

const VC: &str = "/gateway/v2/virtual-cluster";
const AT: &str = "/gateway/v2/alias-topic";
const SA: &str = "/gateway/v2/service-account";

fn vcluster(name: &str, spec: Value) -> String {
    json!({"kind": "VirtualCluster", "apiVersion": "gateway/v2",
           "metadata": {"name": name}, "spec": spec})
    .to_string()
}

fn alias(name: &str, vcluster: &str, physical: &str) -> String {
    json!({"kind": "AliasTopic", "apiVersion": "gateway/v2",
           "metadata": {"name": name, "vCluster": vcluster},
           "spec": {"physicalName": physical}})
    .to_string()
}

fn account(name: &str, vcluster: &str) -> String {
    json!({"kind": "GatewayServiceAccount", "apiVersion": "gateway/v2",
           "metadata": {"name": name, "vCluster": vcluster}, "spec": {"type": "LOCAL"}})
    .to_string()
}

fn acl(principal: &str) -> Value {
    json!({"resourcePattern": {"resourceType": "TOPIC", "name": "orders", "patternType": "LITERAL"},
           "principal": principal, "host": "*", "operation": "READ", "permissionType": "ALLOW"})
}

/// The status and error message of a call that should fail.
fn refused(api: &AdminApi, method: &str, url: &str, body: &str) -> (u16, String) {
    let (status, json, _) = call(api, method, url, ADMIN, body);
    (
        status,
        json["error"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn create_list_get_update_delete() {
    let dir = TestDir::new();
    let api = api(&dir, None);
    let (status, body, _) = call(&api, "PUT", VC, ADMIN, &vcluster("customers", json!({})));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["upsertResult"], "CREATED");
    assert_eq!(
        body["resource"],
        json!({"kind": "VirtualCluster", "apiVersion": "gateway/v2",
               "metadata": {"name": "customers"},
               "spec": {"prefix": "customers", "type": "Standard", "aclEnabled": false,
                        "superUsers": [], "acls": []}})
    );
    let same = vcluster(
        "customers",
        json!({"prefix": "customers", "type": "Standard"}),
    );
    assert_eq!(
        call(&api, "PUT", VC, ADMIN, &same).1["upsertResult"],
        "NOT_CHANGED"
    );
    let kafka = vcluster(
        "customers",
        json!({"type": "Standard", "aclEnabled": true, "superUsers": ["admin"]}),
    );
    let (status, body, _) = call(&api, "PUT", VC, ADMIN, &kafka);
    assert_eq!(
        (status, &body["upsertResult"]),
        (200, &json!("UPDATED")),
        "{body}"
    );
    assert_eq!(
        body["resource"]["spec"]["aclMode"], "KAFKA_API",
        "the default"
    );
    let (status, list, _) = call(&api, "GET", VC, READER, "");
    assert_eq!(status, 200);
    let names: Vec<_> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v["metadata"]["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["passthrough", "customers"]);
    assert_eq!(list[0]["spec"]["prefix"], "");
    let (status, one, _) = call(&api, "GET", &format!("{VC}/customers"), READER, "");
    assert_eq!((status, &one), (200, &body["resource"]));
    let (status, pt, _) = call(&api, "GET", &format!("{VC}/passthrough"), READER, "");
    assert_eq!((status, &pt["spec"]["type"]), (200, &json!("Standard")));
    assert!(pt["spec"].get("aclMode").is_none(), "{pt}");
    let (status, err) = refused(&api, "GET", &format!("{VC}/nobody"), "");
    assert_eq!(status, 404);
    assert!(err.contains("\"nobody\""), "{err}");
    assert_eq!(call(&api, "GET", &format!("{VC}/a%20b"), READER, "").0, 400);
    assert_eq!(
        call(&api, "DELETE", &format!("{VC}/customers"), ADMIN, "").0,
        204
    );
    assert_eq!(
        call(&api, "DELETE", &format!("{VC}/customers"), ADMIN, "").0,
        404
    );
    assert!(api.state().snapshot().vcluster("customers").is_none());
}

#[test]
fn persisted_across_a_restart() {
    let dir = TestDir::new();
    let first = api(&dir, None);
    let rest = vcluster(
        "vc-alice",
        json!({"prefix": "vc-alice.", "aclEnabled": true, "aclMode": "REST_API",
               "acls": [acl("User:orders-app")]}),
    );
    assert_eq!(call(&first, "PUT", VC, ADMIN, &rest).0, 200);
    assert_eq!(
        call(
            &first,
            "PUT",
            AT,
            ADMIN,
            &alias("stock", "vc-alice", "internal.stock")
        )
        .0,
        200
    );
    drop(first);
    let second = api(&dir, None);
    let state = second.state().snapshot();
    let vc = state.vcluster("vc-alice").expect("kept");
    assert_eq!(vc.prefix, "vc-alice.");
    assert_eq!(vc.acls.len(), 1);
    assert!(state.alias("vc-alice", "stock").is_some());
    let (_, body, _) = call(&second, "GET", &format!("{VC}/vc-alice"), ADMIN, "");
    assert_eq!(body["spec"]["acls"], json!([acl("User:orders-app")]));
}

#[test]
fn refusals_name_the_field() {
    let dir = TestDir::new();
    let api = api(&dir, None);
    assert_eq!(
        call(&api, "PUT", VC, ADMIN, &vcluster("a", json!({}))).0,
        200
    );
    let cases: Vec<(String, &str)> = vec![
        (vcluster("a b", json!({})), "metadata.name"),
        (vcluster("ab", json!({})), "spec.prefix"),
        (vcluster("x", json!({"prefix": "a"})), "spec.prefix"),
        (vcluster("x", json!({"prefix": ""})), "spec.prefix"),
        (vcluster("_kgate", json!({})), "spec.prefix"),
        (vcluster("x", json!({"type": "Other"})), "spec.type"),
        (
            vcluster("x", json!({"aclEnabled": "yes"})),
            "spec.aclEnabled",
        ),
        (vcluster("x", json!({"aclMode": "BOTH"})), "spec.aclMode"),
        (
            vcluster("x", json!({"superUsers": ["admin"]})),
            "spec.superUsers",
        ),
        (
            vcluster("x", json!({"aclEnabled": true})),
            "spec.superUsers",
        ),
        (
            vcluster("x", json!({"aclEnabled": true, "aclMode": "REST_API"})),
            "spec.acls",
        ),
        (
            vcluster(
                "x",
                json!({"aclEnabled": true, "aclMode": "REST_API", "acls": [acl("User:a")],
                       "superUsers": ["admin"]}),
            ),
            "spec.superUsers",
        ),
        (
            vcluster(
                "x",
                json!({"aclEnabled": true, "aclMode": "REST_API", "acls": [acl("nobody")]}),
            ),
            "spec.acls[0].principal",
        ),
        (
            vcluster(
                "x",
                json!({"aclEnabled": true, "aclMode": "REST_API",
                       "acls": [acl("User:a"), {"principal": "User:b"}]}),
            ),
            "spec.acls[1].resourcePattern",
        ),
        (
            vcluster(
                "x",
                json!({"aclEnabled": true, "aclMode": "REST_API",
                       "acls": [{"resourcePattern": {"resourceType": "TOPIC", "name": "t"},
                                 "principal": "User:a", "operation": "READS",
                                 "permissionType": "ALLOW"}]}),
            ),
            "spec.acls[0].operation",
        ),
        (
            vcluster("x", json!({"type": "Partner", "aclMode": "KAFKA_API"})),
            "spec.aclEnabled",
        ),
        (vcluster("x", json!({"colour": "red"})), "spec.colour"),
        (
            vcluster("x", json!({})).replace("VirtualCluster", "AliasTopic"),
            "kind",
        ),
    ];
    for (body, field) in cases {
        let (status, err) = refused(&api, "PUT", VC, &body);
        assert_eq!(status, 400, "{body}: {err}");
        assert!(err.starts_with(field), "{body}: {err}");
    }
    let (_, err) = refused(&api, "PUT", VC, &vcluster("ab", json!({})));
    assert!(
        err.contains("virtual cluster \"a\""),
        "names the other: {err}"
    );
    assert_eq!(api.state().snapshot().declared_vclusters(), 1);
}

#[test]
fn passthrough_prefix_and_acl_mode_are_fixed() {
    let dir = TestDir::new();
    let api = api(&dir, None);
    let (status, err) = refused(&api, "PUT", VC, &vcluster("passthrough", json!({})));
    assert_eq!(status, 400);
    assert!(err.contains("GATEWAY_ACL_STORE_ENABLED"), "{err}");
    let (status, err) = refused(&api, "DELETE", &format!("{VC}/passthrough"), "");
    assert_eq!(status, 400, "{err}");
    let kafka = json!({"aclEnabled": true, "aclMode": "KAFKA_API", "superUsers": ["admin"],
                       "prefix": "vc-a."});
    assert_eq!(
        call(&api, "PUT", VC, ADMIN, &vcluster("vc-a", kafka)).0,
        200
    );
    let (status, err) = refused(
        &api,
        "PUT",
        VC,
        &vcluster(
            "vc-a",
            json!({"aclEnabled": true, "aclMode": "REST_API", "acls": [acl("User:a")],
                   "prefix": "vc-a."}),
        ),
    );
    assert_eq!(status, 400);
    assert!(
        err.starts_with("spec.aclMode") && err.contains("cannot change"),
        "{err}"
    );
    let (status, err) = refused(
        &api,
        "PUT",
        VC,
        &vcluster(
            "vc-a",
            json!({"aclEnabled": true, "superUsers": ["admin"], "prefix": "vc-b."}),
        ),
    );
    assert_eq!(status, 400);
    assert!(
        err.starts_with("spec.prefix") && err.contains("vc-a."),
        "{err}"
    );
}

#[test]
fn delete_is_refused_while_accounts_or_aliases_belong_to_it() {
    let dir = TestDir::new();
    let api = api(&dir, None);
    assert_eq!(
        call(&api, "PUT", VC, ADMIN, &vcluster("vc-alice", json!({}))).0,
        200
    );
    assert_eq!(
        call(&api, "PUT", SA, ADMIN, &account("alice", "vc-alice")).0,
        200
    );
    assert_eq!(
        call(&api, "PUT", SA, ADMIN, &account("bob", "vc-alice")).0,
        200
    );
    assert_eq!(
        call(
            &api,
            "PUT",
            AT,
            ADMIN,
            &alias("stock", "vc-alice", "internal.stock")
        )
        .0,
        200
    );
    let (status, err) = refused(&api, "DELETE", &format!("{VC}/vc-alice"), "");
    assert_eq!(status, 409);
    assert_eq!(
        err,
        "2 service account(s) (alice, bob) and 1 alias topic(s) (stock) belong to vc-alice; \
         delete them first"
    );
    for body in [
        r#"{"name":"alice","vCluster":"vc-alice"}"#,
        r#"{"name":"bob","vCluster":"vc-alice"}"#,
    ] {
        assert_eq!(call(&api, "DELETE", SA, ADMIN, body).0, 204);
    }
    let (status, err) = refused(&api, "DELETE", &format!("{VC}/vc-alice"), "");
    assert_eq!(status, 409);
    assert!(err.starts_with("1 alias topic(s) (stock)"), "{err}");
    assert_eq!(
        call(
            &api,
            "DELETE",
            AT,
            ADMIN,
            r#"{"name":"stock","vCluster":"vc-alice"}"#
        )
        .0,
        204
    );
    assert_eq!(
        call(&api, "DELETE", &format!("{VC}/vc-alice"), ADMIN, "").0,
        204
    );
}

#[test]
fn an_account_in_an_undeclared_vcluster_is_still_accepted() {
    let dir = TestDir::new();
    let api = api(&dir, None);
    let (status, body, _) = call(&api, "PUT", SA, ADMIN, &account("early", "vc-later"));
    assert_eq!(
        (status, &body["upsertResult"]),
        (200, &json!("CREATED")),
        "{body}"
    );
}

#[test]
fn alias_topics() {
    let dir = TestDir::new();
    let api = api(&dir, None);
    let (status, body, _) = call(&api, "PUT", AT, ADMIN, &alias("stock", "partner", "t"));
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("metadata.vCluster"),
        "{body}"
    );
    let partner = vcluster("partner", json!({"type": "Partner", "prefix": "partner."}));
    assert_eq!(call(&api, "PUT", VC, ADMIN, &partner).0, 200);
    let (status, err) = refused(
        &api,
        "PUT",
        AT,
        &alias("stock", "partner", "internal.stock"),
    );
    assert_eq!(status, 400);
    assert!(
        err.starts_with("spec.physicalCluster"),
        "Partner needs it: {err}"
    );
    let explicit = json!({"kind": "AliasTopic", "apiVersion": "gateway/v2",
                          "metadata": {"name": "stock", "vCluster": "partner"},
                          "spec": {"physicalName": "internal.stock", "physicalCluster": "main"}});
    let (status, body, _) = call(&api, "PUT", AT, ADMIN, &explicit.to_string());
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"resource": explicit, "upsertResult": "CREATED"})
    );
    let mut other = explicit.clone();
    other["spec"]["physicalCluster"] = json!("backup");
    let (status, err) = refused(&api, "PUT", AT, &other.to_string());
    assert_eq!(status, 400);
    assert!(
        err.starts_with("spec.physicalCluster") && err.contains("\"main\""),
        "{err}"
    );
    // passthrough is the default vCluster, and physicalCluster defaults to main there.
    let plain = json!({"kind": "AliasTopic", "apiVersion": "gateway/v2",
                       "metadata": {"name": "orders"}, "spec": {"physicalName": "orders.v2"}});
    let (status, body, _) = call(&api, "PUT", AT, ADMIN, &plain.to_string());
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["resource"]["metadata"]["vCluster"], "passthrough");
    assert_eq!(body["resource"]["spec"]["physicalCluster"], "main");
    let mut dup = explicit.clone();
    dup["metadata"]["name"] = json!("dup");
    let (status, err) = refused(&api, "PUT", AT, &dup.to_string());
    assert_eq!(status, 400);
    assert!(err.starts_with("spec.physicalName"), "{err}");
    let (_, list, _) = call(&api, "GET", AT, READER, "");
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    let (_, list, _) = call(&api, "GET", &format!("{AT}?vcluster=partner"), READER, "");
    assert_eq!(list, json!([explicit]));
    let (status, one, _) = call(
        &api,
        "GET",
        &format!("{AT}/stock?vcluster=partner"),
        READER,
        "",
    );
    assert_eq!((status, &one), (200, &explicit));
    assert_eq!(call(&api, "GET", &format!("{AT}/stock"), READER, "").0, 404);
    assert_eq!(
        call(&api, "GET", &format!("{AT}/orders"), READER, "").0,
        200
    );
    assert_eq!(call(&api, "GET", &format!("{AT}/a%20b"), READER, "").0, 400);
    assert_eq!(
        call(&api, "DELETE", AT, ADMIN, r#"{"name":"stock"}"#).0,
        404
    );
    assert_eq!(call(&api, "DELETE", AT, ADMIN, r#"{"nme":"stock"}"#).0, 400);
    assert_eq!(
        call(
            &api,
            "DELETE",
            AT,
            ADMIN,
            r#"{"name":"stock","vCluster":"partner"}"#
        )
        .0,
        204
    );
    assert_eq!(
        call(&api, "DELETE", AT, READER, r#"{"name":"orders"}"#).0,
        403
    );
}

#[test]
fn roles_and_methods() {
    let dir = TestDir::new();
    let api = api(&dir, None);
    assert_eq!(call(&api, "GET", VC, None, "").0, 401);
    assert_eq!(
        call(&api, "PUT", VC, READER, &vcluster("a", json!({}))).0,
        403
    );
    assert_eq!(
        call(&api, "PUT", AT, READER, &alias("a", "passthrough", "b")).0,
        403
    );
    assert_eq!(call(&api, "DELETE", &format!("{VC}/a"), READER, "").0, 403);
    let (status, _, reply) = call(&api, "DELETE", VC, ADMIN, "");
    assert_eq!(status, 405);
    assert!(reply.headers.contains(&("Allow", "GET, PUT")));
    let (status, _, reply) = call(&api, "PUT", &format!("{VC}/a"), ADMIN, "");
    assert_eq!(status, 405);
    assert!(reply.headers.contains(&("Allow", "GET, DELETE")));
    assert_eq!(call(&api, "POST", &format!("{AT}/a"), ADMIN, "").0, 405);
    assert_eq!(api.state().snapshot().declared_vclusters(), 0);
}

#[test]
fn kafka_managed_refuses_virtual_resources() {
    let dir = TestDir::new();
    let api = api(&dir, None)
        .with_kafka_managed(true)
        .expect("empty state");
    for (url, body) in [
        (VC, vcluster("a", json!({}))),
        (AT, alias("a", "passthrough", "b")),
    ] {
        let (status, err) = refused(&api, "PUT", url, &body);
        assert_eq!(status, 400);
        assert!(
            err.contains("GATEWAY_SECURITY_MODE=GATEWAY_MANAGED"),
            "{err}"
        );
    }
    // Reads still answer (passthrough only).
    assert_eq!(
        call(&api, "GET", VC, READER, "").1.as_array().map(Vec::len),
        Some(1)
    );
    drop(api);
    // A state that already holds virtual resources does not start with KAFKA_MANAGED.
    let gm = crate::admin::test_support::api(&dir, None);
    assert_eq!(
        call(&gm, "PUT", VC, ADMIN, &vcluster("vc-a", json!({}))).0,
        200
    );
    drop(gm);
    let err = crate::admin::test_support::api(&dir, None)
        .with_kafka_managed(true)
        .unwrap_err();
    assert!(
        err.contains("GATEWAY_SECURITY_MODE") && err.contains("vc-a"),
        "{err}"
    );
}

#[test]
fn writers_share_one_store_with_the_data_path() {
    let dir = TestDir::new();
    let api = api(&dir, None);
    let kafka = json!({"aclEnabled": true, "superUsers": ["admin"]});
    assert_eq!(call(&api, "PUT", VC, ADMIN, &vcluster("vc", kafka)).0, 200);
    // What a worker does on CreateAcls: through the same store, seen by the API's next write.
    let binding: crate::acl::binding::AclBinding =
        serde_json::from_value(acl("User:app")).expect("binding");
    api.state_store()
        .update(|s| Ok::<_, String>((s.with_kafka_acls("vc", vec![binding.clone()]), ())))
        .expect("stored");
    assert_eq!(call(&api, "PUT", SA, ADMIN, &account("app", "vc")).0, 200);
    let state = api.state().snapshot();
    assert_eq!(state.kafka_acls("vc"), &[binding]);
    assert!(state.account("vc", "app").is_some());
}
