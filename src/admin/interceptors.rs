//! `/gateway/v2/interceptor`: the `Interceptor` resource of reference 004, the resolve
//! endpoint (which interceptors a user would get), and `/gateway/v2/plugin`.

use serde_json::{json, Map, Value};

use super::api::{body, error, no_content, AdminApi};
use super::basic_auth::Caller;
use super::request::{self, ApiRequest, API_VERSION};
use super::routes::Reply;
use crate::interceptors::registry;
use crate::interceptors::resolve::{resolve, Target};
use crate::store::{Interceptor, Scope, UpsertResult, DEFAULT_VCLUSTER};

const KIND: &str = "Interceptor";

/// The API representation: the scope always with its three fields (`null`: any).
pub fn resource(i: &Interceptor) -> Value {
    let mut spec = json!({
        "pluginClass": i.plugin_class,
        "priority": i.priority,
        "config": i.config,
    });
    if let Some(comment) = &i.comment {
        spec["comment"] = Value::from(comment.as_str());
    }
    json!({
        "kind": KIND,
        "apiVersion": API_VERSION,
        "metadata": {"name": i.name, "scope": scope_json(&i.scope)},
        "spec": spec,
    })
}

fn scope_json(scope: &Scope) -> Value {
    json!({"vCluster": scope.vcluster, "group": scope.group, "username": scope.username})
}

/// A scope object: an absent `vCluster` is passthrough, an explicit `null` any cluster;
/// an absent or null `group` / `username` is any.
fn parse_scope(value: Option<Value>, field: &str) -> Result<Scope, String> {
    let Some(value) = value else {
        return Ok(Scope::default());
    };
    if value.is_null() {
        return Ok(Scope::default());
    }
    let mut map = request::object(value, field, &["vCluster", "group", "username"])?;
    let vcluster = match map.remove("vCluster") {
        None => Some(DEFAULT_VCLUSTER.to_owned()),
        Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => return Err(format!("{field}.vCluster: expected a string or null")),
    };
    let group = request::opt_string(&mut map, "group", &format!("{field}.group"))?;
    let username = request::opt_string(&mut map, "username", &format!("{field}.username"))?;
    let scope = Scope {
        vcluster,
        group,
        username,
    };
    scope.validate()?;
    Ok(scope)
}

/// Parses a resource body; every error names its field.
pub fn parse_resource(body: &[u8]) -> Result<Interceptor, String> {
    let (metadata, spec) = request::resource_envelope(body, KIND)?;
    let mut metadata = request::object(metadata, "metadata", &["name", "scope"])?;
    let name = request::string(&mut metadata, "name", "metadata.name")?;
    let scope = parse_scope(metadata.remove("scope"), "metadata.scope")?;
    let mut spec = request::object(
        spec.ok_or("spec: missing")?,
        "spec",
        &["pluginClass", "priority", "config", "comment"],
    )?;
    let plugin_class = request::string(&mut spec, "pluginClass", "spec.pluginClass")?;
    let priority = match spec.remove("priority") {
        None | Some(Value::Null) => return Err("spec.priority: missing".into()),
        Some(v) => v
            .as_i64()
            .filter(|p| i32::try_from(*p).is_ok())
            .ok_or_else(|| format!("spec.priority: expected a 32-bit integer, got {v}"))?,
    };
    let config = match spec.remove("config") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(v @ Value::Object(_)) => v,
        Some(_) => return Err("spec.config: expected a JSON object".into()),
    };
    let comment = request::opt_string(&mut spec, "comment", "spec.comment")?;
    let interceptor = Interceptor {
        name,
        scope,
        plugin_class,
        priority,
        config,
        comment,
    };
    interceptor.validate()?;
    Ok(interceptor)
}

/// `PUT`: create or replace (`?dryMode=true`: check only); answers what happened.
pub fn upsert(api: &AdminApi, req: &ApiRequest, caller: &Caller) -> Reply {
    let interceptor = match body(req).and_then(|b| parse_resource(b).map_err(|e| error(400, &e))) {
        Ok(i) => i,
        Err(reply) => return reply,
    };
    if dry_mode(req) {
        return match api.state.snapshot().with_interceptor(interceptor.clone()) {
            Ok((_, result)) => answer(&interceptor, result),
            Err(e) => error(400, &e),
        };
    }
    let result = match api.update(|current| {
        current
            .with_interceptor(interceptor.clone())
            .map_err(|e| error(400, &e))
    }) {
        Ok(result) => result,
        Err(reply) => return reply,
    };
    if result != UpsertResult::NotChanged {
        log::info!(
            "admin API: {} deployed interceptor {:?} ({}) at scope {} ({})",
            caller.username,
            interceptor.name,
            interceptor.plugin_class,
            scope_json(&interceptor.scope),
            result.as_str()
        );
    }
    answer(&interceptor, result)
}

fn answer(interceptor: &Interceptor, result: UpsertResult) -> Reply {
    Reply::json(
        200,
        json!({"resource": resource(interceptor), "upsertResult": result.as_str()}),
    )
}

/// `?dryMode=true`.
pub fn dry_mode(req: &ApiRequest) -> bool {
    req.query("dryMode")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// `GET`, filtered by `name`, `global`, `vcluster`, `group`, `username`.
pub fn list(api: &AdminApi, req: &ApiRequest) -> Reply {
    let name = req.query("name");
    let global = req.query("global").is_some_and(|v| v == "true");
    let vcluster = req.query("vcluster");
    let group = req.query("group");
    let username = req.query("username");
    let state = api.state.snapshot();
    let items: Vec<Value> = state
        .interceptors()
        .filter(|i| name.as_deref().is_none_or(|n| i.name == n))
        .filter(|i| {
            !global
                || (i.scope.group.is_none()
                    && i.scope.username.is_none()
                    && i.scope
                        .vcluster
                        .as_deref()
                        .is_none_or(|v| v == DEFAULT_VCLUSTER))
        })
        .filter(|i| vcluster.is_none() || i.scope.vcluster == vcluster)
        .filter(|i| group.is_none() || i.scope.group == group)
        .filter(|i| username.is_none() || i.scope.username == username)
        .map(resource)
        .collect();
    Reply::json(200, Value::Array(items))
}

/// `DELETE /gateway/v2/interceptor/{name}`, the body naming the scope (none: the default,
/// passthrough).
pub fn delete(api: &AdminApi, req: &ApiRequest, raw_name: &str, caller: &Caller) -> Reply {
    let Some(name) = request::percent_decode(raw_name) else {
        return error(400, "name: invalid percent-encoding");
    };
    let raw = match body(req) {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    let scope = if raw.iter().all(u8::is_ascii_whitespace) {
        Ok(Scope::default())
    } else {
        serde_json::from_slice::<Value>(raw)
            .map_err(|e| format!("body: not valid JSON ({e})"))
            .and_then(|v| parse_scope(Some(v), "body"))
    };
    let scope = match scope {
        Ok(scope) => scope,
        Err(e) => return error(400, &e),
    };
    let deleted = api.update(|current| {
        current
            .without_interceptor(&name, &scope)
            .map(|next| (next, ()))
            .ok_or_else(|| {
                error(
                    404,
                    &format!(
                        "interceptor {name:?} not found at scope {}",
                        scope_json(&scope)
                    ),
                )
            })
    });
    if let Err(reply) = deleted {
        return reply;
    }
    log::info!(
        "admin API: {} deleted interceptor {name:?} at scope {}",
        caller.username,
        scope_json(&scope)
    );
    no_content()
}

/// `POST /gateway/v2/interceptor/resolve` with `{vCluster, groups, username}`: the
/// interceptors that user would get, in chain order. Without `groups`, the user's groups.
pub fn resolve_for(api: &AdminApi, req: &ApiRequest) -> Reply {
    let parsed = body(req).and_then(|b| {
        let text_empty = b.iter().all(u8::is_ascii_whitespace);
        let map = if text_empty {
            Ok(Map::new())
        } else {
            request::json_object(b, &["vCluster", "groups", "username"])
        };
        map.map_err(|e| error(400, &e))
    });
    let mut map = match parsed {
        Ok(map) => map,
        Err(reply) => return reply,
    };
    let fields = (|| {
        let vcluster = request::opt_string(&mut map, "vCluster", "vCluster")?
            .unwrap_or_else(|| DEFAULT_VCLUSTER.to_owned());
        let groups = match map.get("groups") {
            None | Some(Value::Null) => None,
            Some(_) => Some(request::opt_string_list(&mut map, "groups", "groups")?),
        };
        let username = request::opt_string(&mut map, "username", "username")?;
        Ok::<_, String>((vcluster, groups, username))
    })();
    let (vcluster, groups, username) = match fields {
        Ok(f) => f,
        Err(e) => return error(400, &e),
    };
    let state = api.state.snapshot();
    let mut target = Target::of(&state, &vcluster, username.as_deref());
    if let Some(groups) = groups {
        target.groups = groups;
    }
    let items: Vec<Value> = resolve(&state, &target).into_iter().map(resource).collect();
    Reply::json(200, Value::Array(items))
}

/// `GET /gateway/v2/plugin`: every plugin, with the config fields it takes.
pub fn plugins() -> Reply {
    let items: Vec<Value> = registry::all()
        .iter()
        .map(|p| {
            let class = p.class_name();
            json!({
                "plugin": class,
                "pluginId": class,
                "title": p.title,
                "description": p.description,
                "parent": p.parent,
                "license": "Apache-2.0",
                "version": env!("CARGO_PKG_VERSION"),
                "readme": format!("# {}\n\n{}\n\nConfig fields: {}.", p.title, p.description, p.fields.join(", ")),
                "configFields": p.fields,
            })
        })
        .collect();
    Reply::json(200, Value::Array(items))
}

#[cfg(test)]
#[path = "interceptors_tests.rs"]
mod tests;
