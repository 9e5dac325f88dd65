//! `/gateway/v2/interceptor`, `/interceptor/resolve`, `/plugin` and `/group` through
//! [`AdminApi::handle`].

use serde_json::{json, Value};

use crate::admin::test_support::{api, call, ADMIN, READER};
use crate::store::test_dir::TestDir;

const IC: &str = "/gateway/v2/interceptor";
const GR: &str = "/gateway/v2/group";
const READ_ONLY: &str = "io.conduktor.gateway.interceptor.safeguard.ReadOnlyTopicPolicyPlugin";

fn interceptor(name: &str, scope: Option<Value>, priority: i64, config: Value) -> String {
    let mut metadata = json!({"name": name});
    if let Some(scope) = scope {
        metadata["scope"] = scope;
    }
    json!({"kind": "Interceptor", "apiVersion": "gateway/v2", "metadata": metadata,
           "spec": {"pluginClass": READ_ONLY, "priority": priority, "config": config}})
    .to_string()
}

fn group(name: &str, members: Value) -> String {
    json!({"kind": "GatewayGroup", "apiVersion": "gateway/v2", "metadata": {"name": name},
           "spec": {"members": members}})
    .to_string()
}

#[test]
fn scopes_are_stored_as_the_reference_table_says() {
    let dir = TestDir::new();
    let api = api(&dir, None);
    let (status, body, _) = call(
        &api,
        "PUT",
        IC,
        ADMIN,
        &interceptor("ro", None, 1, json!({})),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["upsertResult"], "CREATED");
    assert_eq!(
        body["resource"]["metadata"]["scope"],
        json!({"vCluster": "passthrough", "group": null, "username": null})
    );
    let all_null = json!({"vCluster": null, "group": null, "username": null});
    let (status, body, _) = call(
        &api,
        "PUT",
        IC,
        ADMIN,
        &interceptor("ro", Some(all_null.clone()), 2, json!({"topic": "a.*"})),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["resource"]["metadata"]["scope"], all_null);
    let (status, body, _) = call(
        &api,
        "PUT",
        IC,
        ADMIN,
        &interceptor("ro", Some(json!({"username": "bob"})), 3, json!({})),
    );
    assert_eq!(status, 200, "{body}");
    let (_, list, _) = call(&api, "GET", IC, READER, "");
    assert_eq!(list.as_array().unwrap().len(), 3);
    let (_, list, _) = call(&api, "GET", &format!("{IC}?username=bob"), READER, "");
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (_, list, _) = call(&api, "GET", &format!("{IC}?global=true"), READER, "");
    assert_eq!(list.as_array().unwrap().len(), 2);
    // resolve: bob gets his own, alice the passthrough one (priority 1 beats nothing: same name)
    let (status, got, _) = call(
        &api,
        "POST",
        &format!("{IC}/resolve"),
        READER,
        r#"{"vCluster": "passthrough", "username": "bob"}"#,
    );
    assert_eq!(status, 200);
    assert_eq!(got[0]["spec"]["priority"], 3);
    let (_, got, _) = call(
        &api,
        "POST",
        &format!("{IC}/resolve"),
        READER,
        r#"{"username": "alice"}"#,
    );
    assert_eq!(got.as_array().unwrap().len(), 1);
    assert_eq!(got[0]["spec"]["priority"], 1);
    // delete the default-scope one (no body), then the user one
    let (status, _, _) = call(&api, "DELETE", &format!("{IC}/ro"), ADMIN, "");
    assert_eq!(status, 204);
    let (status, _, _) = call(&api, "DELETE", &format!("{IC}/ro"), ADMIN, "");
    assert_eq!(status, 404);
    let (status, _, _) = call(
        &api,
        "DELETE",
        &format!("{IC}/ro"),
        ADMIN,
        r#"{"username": "bob"}"#,
    );
    assert_eq!(status, 204);
    let (_, list, _) = call(&api, "GET", IC, READER, "");
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[test]
fn bad_configs_are_refused_naming_the_field_and_dry_mode_stores_nothing() {
    let dir = TestDir::new();
    let api = api(&dir, None);
    let cases = [
        (
            interceptor("x", None, 1, json!({"topic": "(("})),
            "spec.config.topic",
        ),
        (
            interceptor("x", None, 1, json!({"nope": 1})),
            "spec.config.nope",
        ),
        (
            interceptor("x", None, 1, json!({"action": "OVERRIDE"})),
            "spec.config.action",
        ),
        (
            interceptor("x", Some(json!({"vCluster": "missing"})), 1, json!({})),
            "metadata.scope.vCluster",
        ),
        (
            interceptor("x", Some(json!({"group": "missing"})), 1, json!({})),
            "metadata.scope.group",
        ),
        (interceptor("bad name", None, 1, json!({})), "metadata.name"),
    ];
    for (body, field) in cases {
        let (status, reply, _) = call(&api, "PUT", IC, ADMIN, &body);
        assert_eq!(status, 400, "{body}");
        let msg = reply["error"].as_str().unwrap();
        assert!(msg.starts_with(field), "{msg} should name {field}");
    }
    let unknown = json!({"kind": "Interceptor", "apiVersion": "gateway/v2", "metadata": {"name": "x"},
                         "spec": {"pluginClass": "com.example.Nope", "priority": 1}});
    let (status, reply, _) = call(&api, "PUT", IC, ADMIN, &unknown.to_string());
    assert_eq!(status, 400);
    assert!(reply["error"]
        .as_str()
        .unwrap()
        .starts_with("spec.pluginClass"));
    let no_priority = json!({"kind": "Interceptor", "apiVersion": "gateway/v2", "metadata": {"name": "x"},
                             "spec": {"pluginClass": READ_ONLY}});
    let (status, reply, _) = call(&api, "PUT", IC, ADMIN, &no_priority.to_string());
    assert_eq!(status, 400);
    assert_eq!(reply["error"], "spec.priority: missing");
    let (status, reply, _) = call(
        &api,
        "PUT",
        &format!("{IC}?dryMode=true"),
        ADMIN,
        &interceptor("ok", None, 1, json!({"topic": "t.*"})),
    );
    assert_eq!(status, 200);
    assert_eq!(reply["upsertResult"], "CREATED");
    let (_, list, _) = call(&api, "GET", IC, READER, "");
    assert_eq!(list, json!([]));
    // read-only users may read and resolve, not write
    let (status, _, _) = call(
        &api,
        "PUT",
        IC,
        READER,
        &interceptor("ok", None, 1, json!({})),
    );
    assert_eq!(status, 403);
}

#[test]
fn groups_scope_interceptors_and_cannot_go_while_used() {
    let dir = TestDir::new();
    let api = api(&dir, None);
    let (status, body, _) = call(
        &api,
        "PUT",
        GR,
        ADMIN,
        &group("ops", json!([{"name": "carol"}, {"name": "dave"}])),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body, _) = call(
        &api,
        "PUT",
        GR,
        ADMIN,
        &group("bad", json!([{"name": "x", "vCluster": "missing"}])),
    );
    assert_eq!(status, 400);
    assert!(body["error"]
        .as_str()
        .unwrap()
        .starts_with("spec.members[0].vCluster"));
    let (status, _, _) = call(
        &api,
        "PUT",
        IC,
        ADMIN,
        &interceptor("ro", Some(json!({"group": "ops"})), 1, json!({})),
    );
    assert_eq!(status, 200);
    let (_, got, _) = call(
        &api,
        "POST",
        &format!("{IC}/resolve"),
        READER,
        r#"{"username": "carol"}"#,
    );
    assert_eq!(got.as_array().unwrap().len(), 1, "carol is in ops: {got}");
    let (status, body, _) = call(&api, "DELETE", &format!("{GR}/ops"), ADMIN, "");
    assert_eq!(status, 409, "{body}");
    let (status, body, _) = call(&api, "GET", &format!("{GR}/ops"), READER, "");
    assert_eq!(status, 200);
    assert_eq!(body["spec"]["members"][1]["name"], "dave");
    let (_, plugins, _) = call(&api, "GET", "/gateway/v2/plugin", READER, "");
    assert!(plugins
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["plugin"] == READ_ONLY && p["configFields"] == json!(["topic", "action"])));
}
