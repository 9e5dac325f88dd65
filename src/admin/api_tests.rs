use super::*;
use crate::admin::test_support::{api, call, ADMIN, NOW, READER};
use crate::auth::token;
use crate::store::test_dir::TestDir;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

const JDOE: &str = r#"{"kind":"GatewayServiceAccount","apiVersion":"gateway/v2","metadata":{"name":"jdoe","vCluster":"passthrough"},"spec":{"type":"LOCAL"}}"#;
const SA: &str = "/gateway/v2/service-account";

#[test]
fn reference_flow_put_token_list() {
    let dir = TestDir::new();
    let api = api(&dir, None);
    let (status, body, _) = call(&api, "PUT", SA, ADMIN, JDOE);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["upsertResult"], "CREATED");
    assert_eq!(
        body["resource"],
        serde_json::from_str::<Value>(JDOE).expect("json")
    );
    let (status, body, _) = call(
        &api,
        "POST",
        "/gateway/v2/token",
        ADMIN,
        r#"{"username":"jdoe","vCluster":"passthrough","lifeTimeSeconds":3600000}"#,
    );
    assert_eq!(status, 200, "{body}");
    let claims = token::verify(
        body["token"].as_str().expect("token"),
        api.key().bytes(),
        NOW + 1,
    )
    .expect("valid");
    assert_eq!(
        (
            claims.username.as_str(),
            claims.vcluster.as_deref(),
            claims.exp
        ),
        ("jdoe", Some("passthrough"), Some(NOW + 3_600_000))
    );
    let (status, body, _) = call(&api, "GET", SA, READER, "");
    assert_eq!(status, 200);
    assert_eq!(body.as_array().map(Vec::len), Some(1));
    assert!(
        api.state()
            .snapshot()
            .local_account("passthrough", "jdoe")
            .is_some(),
        "published to workers"
    );
}

#[test]
fn upsert_results_and_persistence() {
    let dir = TestDir::new();
    let api1 = api(&dir, None);
    assert_eq!(
        call(&api1, "PUT", SA, ADMIN, JDOE).1["upsertResult"],
        "CREATED"
    );
    assert_eq!(
        call(&api1, "PUT", SA, ADMIN, JDOE).1["upsertResult"],
        "NOT_CHANGED"
    );
    let external = JDOE.replace(
        r#"{"type":"LOCAL"}"#,
        r#"{"type":"EXTERNAL","externalNames":["sub-1"]}"#,
    );
    assert_eq!(
        call(&api1, "PUT", SA, ADMIN, &external).1["upsertResult"],
        "UPDATED"
    );
    drop(api1);
    let api2 = api(&dir, None);
    assert_eq!(
        api2.state()
            .snapshot()
            .external_account("sub-1")
            .map(|a| a.name.clone()),
        Some("jdoe".into())
    );
    let (status, body, _) = call(
        &api2,
        "POST",
        "/gateway/v2/token",
        ADMIN,
        r#"{"username":"jdoe","lifeTimeSeconds":60}"#,
    );
    assert_eq!(status, 400, "EXTERNAL accounts get no token");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("username:"),
        "{body}"
    );
}

#[test]
fn authentication_and_roles() {
    let dir = TestDir::new();
    let api = api(&dir, None);
    let (status, _, reply) = call(&api, "GET", SA, None, "");
    assert_eq!(status, 401);
    assert!(reply
        .headers
        .contains(&("WWW-Authenticate", "Basic realm=\"kgate\"")));
    assert_eq!(call(&api, "GET", SA, Some(("admin", "wrong")), "").0, 401);
    assert_eq!(call(&api, "PUT", SA, READER, JDOE).0, 403);
    assert_eq!(
        call(&api, "DELETE", SA, READER, r#"{"name":"jdoe"}"#).0,
        403
    );
    assert_eq!(call(&api, "POST", "/gateway/v2/token", READER, "{}").0, 403);
    assert_eq!(
        call(&api, "GET", "/gateway/v2/openapi.json", None, "").0,
        200
    );
    assert!(
        api.state().snapshot().accounts().next().is_none(),
        "nothing was written"
    );
}

#[test]
fn bad_bodies_name_the_field() {
    let dir = TestDir::new();
    let api = api(&dir, None);
    for (body, field) in [
        ("{", "body"),
        (&JDOE.replace("\"spec\"", "\"spek\"")[..], "spek"),
        (&JDOE.replace("\"jdoe\"", "\"j doe\""), "metadata.name"),
        (&JDOE.replace("\"jdoe\"", "1"), "metadata.name"),
        (
            &JDOE.replace("\"vCluster\"", "\"vcluster\""),
            "metadata.vcluster",
        ),
        (&JDOE.replace("LOCAL", "REMOTE"), "spec.type"),
        (
            &JDOE.replace(r#"{"type":"LOCAL"}"#, r#"{"type":"EXTERNAL"}"#),
            "spec.externalNames",
        ),
        (
            &JDOE.replace(
                r#"{"type":"LOCAL"}"#,
                r#"{"type":"EXTERNAL","externalNames":[]}"#,
            ),
            "spec.externalNames",
        ),
        (&JDOE.replace("GatewayServiceAccount", "Other"), "kind"),
        (&JDOE.replace("gateway/v2", "v1"), "apiVersion"),
    ] {
        let (status, json, _) = call(&api, "PUT", SA, ADMIN, body);
        assert_eq!(status, 400, "{body}");
        let msg = json["error"].as_str().unwrap_or_default();
        assert!(msg.starts_with(field), "{body}: {msg}");
    }
    let (status, json, _) = call(
        &api,
        "POST",
        "/gateway/v2/token",
        ADMIN,
        r#"{"username":"jdoe","lifeTimeSeconds":0}"#,
    );
    assert_eq!(status, 400);
    assert!(json["error"]
        .as_str()
        .unwrap_or_default()
        .starts_with("lifeTimeSeconds"));
}

#[test]
fn external_names_stay_unique_across_accounts() {
    let dir = TestDir::new();
    let api = api(&dir, None);
    let ext = |name: &str| {
        JDOE.replace("jdoe", name).replace(
            r#"{"type":"LOCAL"}"#,
            r#"{"type":"EXTERNAL","externalNames":["same"]}"#,
        )
    };
    assert_eq!(call(&api, "PUT", SA, ADMIN, &ext("one")).0, 200);
    let (status, json, _) = call(&api, "PUT", SA, ADMIN, &ext("two"));
    assert_eq!(status, 400);
    assert!(
        json["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("spec.externalNames[0]"),
        "{json}"
    );
}

#[test]
fn get_and_delete_one() {
    let dir = TestDir::new();
    let api = api(&dir, None);
    call(&api, "PUT", SA, ADMIN, &JDOE.replace("passthrough", "vc-b"));
    assert_eq!(
        call(&api, "GET", "/gateway/v2/service-account/jdoe", READER, "").0,
        404
    );
    let (status, json, _) = call(
        &api,
        "GET",
        "/gateway/v2/service-account/jdoe?vcluster=vc-b",
        READER,
        "",
    );
    assert_eq!(
        (status, &json["metadata"]["vCluster"]),
        (200, &Value::from("vc-b"))
    );
    assert_eq!(
        call(&api, "GET", "/gateway/v2/service-account/a%20b", READER, "").0,
        400
    );
    assert_eq!(
        call(&api, "GET", &format!("{SA}?vcluster=other"), READER, "").1,
        Value::Array(vec![])
    );
    assert_eq!(call(&api, "DELETE", SA, ADMIN, r#"{"name":"jdoe"}"#).0, 404);
    assert_eq!(
        call(
            &api,
            "DELETE",
            SA,
            ADMIN,
            r#"{"name":"jdoe","vCluster":"vc-b"}"#
        )
        .0,
        204
    );
    assert_eq!(
        call(
            &api,
            "DELETE",
            SA,
            ADMIN,
            r#"{"name":"jdoe","vCluster":"vc-b"}"#
        )
        .0,
        404
    );
    assert_eq!(
        call(
            &api,
            "POST",
            "/gateway/v2/token",
            ADMIN,
            r#"{"username":"jdoe","vCluster":"vc-b","lifeTimeSeconds":5}"#
        )
        .0,
        404
    );
    assert_eq!(call(&api, "POST", SA, ADMIN, "").0, 405);
    assert_eq!(call(&api, "GET", "/gateway/v2/nope", ADMIN, "").0, 404);
    let too_big = ApiRequest {
        method: "PUT".into(),
        url: SA.into(),
        authorization: Some(format!("Basic {}", STANDARD.encode("admin:conduktor"))),
        body: None,
    };
    assert_eq!(api.handle(&too_big).map(|r| r.status), Some(413));
}

#[test]
fn tenant_endpoint() {
    let dir = TestDir::new();
    let path = "/auth/tenant/1-cluster1/user/test@conduktor.io/token";
    let creds = r#"{"username":"superUser","password":"pw"}"#;
    let off = api(&dir, None);
    let (status, json, _) = call(&off, "POST", path, None, creds);
    assert_eq!(status, 404);
    assert!(json["error"]
        .as_str()
        .unwrap_or_default()
        .contains("JWT_AUTH_MASTER_USERNAME"));
    let on = api(
        &dir,
        Some(MasterCredentials {
            username: "superUser".into(),
            password: "pw".into(),
        }),
    );
    let (status, json, _) = call(&on, "POST", path, None, creds);
    assert_eq!(status, 200, "{json}");
    let claims =
        token::verify(json["data"].as_str().expect("data"), on.key().bytes(), NOW).expect("valid");
    assert_eq!(
        (
            claims.org_id,
            claims.cluster_id.as_deref(),
            claims.username.as_str()
        ),
        (Some(1), Some("cluster1"), "test@conduktor.io")
    );
    assert_eq!(
        call(
            &on,
            "POST",
            path,
            None,
            r#"{"username":"superUser","password":"pW"}"#
        )
        .0,
        401
    );
    assert_eq!(
        call(&on, "POST", path, None, r#"{"username":"superUser"}"#).0,
        400
    );
    assert_eq!(
        call(
            &on,
            "POST",
            "/auth/tenant/x-cluster1/user/u/token",
            None,
            creds
        )
        .0,
        400
    );
    assert_eq!(
        call(&on, "POST", "/auth/tenant/1/user/u/token", None, creds).0,
        400
    );
    assert_eq!(call(&on, "GET", path, None, "").0, 405);
    assert_eq!(
        call(&on, "POST", "/auth/tenant/1-c/token", None, creds).0,
        404
    );
}

#[test]
fn openapi_document_parses_and_lists_the_endpoints() {
    let doc: Value = serde_json::from_str(OPENAPI).expect("valid JSON");
    assert_eq!(doc["openapi"], "3.0.3");
    for path in [
        SA,
        "/gateway/v2/service-account/{name}",
        "/gateway/v2/token",
        "/auth/tenant/{tenant}/user/{user}/token",
        "/gateway/v2/virtual-cluster",
        "/gateway/v2/interceptor",
        "/gateway/v2/interceptor/{name}",
        "/gateway/v2/interceptor/resolve",
        "/gateway/v2/plugin",
        "/gateway/v2/group",
        "/gateway/v2/group/{name}",
        "/gateway/v2/virtual-cluster/{name}",
        "/gateway/v2/alias-topic",
        "/gateway/v2/alias-topic/{name}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path}");
    }
}
