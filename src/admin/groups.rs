//! `/gateway/v2/group`: the `GatewayGroup` resource of reference 004, users that interceptors
//! target together.

use serde_json::{json, Value};

use super::api::{body, error, no_content, AdminApi};
use super::basic_auth::Caller;
use super::interceptors::dry_mode;
use super::request::{self, ApiRequest, API_VERSION};
use super::routes::Reply;
use crate::store::model::check_resource_name;
use crate::store::{GatewayGroup, GroupMember, UpsertResult};

const KIND: &str = "GatewayGroup";

/// The API representation.
pub fn resource(group: &GatewayGroup) -> Value {
    let members: Vec<Value> = group
        .members
        .iter()
        .map(|m| match &m.vcluster {
            Some(v) => json!({"name": m.name, "vCluster": v}),
            None => json!({"name": m.name}),
        })
        .collect();
    json!({
        "kind": KIND,
        "apiVersion": API_VERSION,
        "metadata": {"name": group.name},
        "spec": {"members": members},
    })
}

/// Parses a resource body; every error names its field.
pub fn parse_resource(body: &[u8]) -> Result<GatewayGroup, String> {
    let (metadata, spec) = request::resource_envelope(body, KIND)?;
    let mut metadata = request::object(metadata, "metadata", &["name"])?;
    let name = request::string(&mut metadata, "name", "metadata.name")?;
    let mut spec = match spec {
        Some(spec) => request::object(spec, "spec", &["members"])?,
        None => serde_json::Map::new(),
    };
    let members = request::opt_list(&mut spec, "members", "spec.members")?
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let field = format!("spec.members[{i}]");
            let mut m = request::object(v, &field, &["name", "vCluster"])?;
            Ok(GroupMember {
                name: request::string(&mut m, "name", &format!("{field}.name"))?,
                vcluster: request::opt_string(&mut m, "vCluster", &format!("{field}.vCluster"))?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let group = GatewayGroup { name, members };
    group.validate()?;
    Ok(group)
}

/// `PUT`: create or replace (`?dryMode=true`: check only).
pub fn upsert(api: &AdminApi, req: &ApiRequest, caller: &Caller) -> Reply {
    let group = match body(req).and_then(|b| parse_resource(b).map_err(|e| error(400, &e))) {
        Ok(g) => g,
        Err(reply) => return reply,
    };
    let result = if dry_mode(req) {
        api.state
            .snapshot()
            .with_group(group.clone())
            .map(|(_, r)| r)
            .map_err(|e| error(400, &e))
    } else {
        api.update(|current| {
            current
                .with_group(group.clone())
                .map_err(|e| error(400, &e))
        })
    };
    let result = match result {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    if result != UpsertResult::NotChanged && !dry_mode(req) {
        log::info!(
            "admin API: {} set gateway group {:?} ({} member(s), {})",
            caller.username,
            group.name,
            group.members.len(),
            result.as_str()
        );
    }
    Reply::json(
        200,
        json!({"resource": resource(&group), "upsertResult": result.as_str()}),
    )
}

/// `GET` every group.
pub fn list(api: &AdminApi) -> Reply {
    let state = api.state.snapshot();
    Reply::json(200, Value::Array(state.groups().map(resource).collect()))
}

fn path_name(raw: &str) -> Result<String, Reply> {
    let name =
        request::percent_decode(raw).ok_or_else(|| error(400, "name: invalid percent-encoding"))?;
    check_resource_name("name", &name).map_err(|e| error(400, &e))?;
    Ok(name)
}

/// `GET /gateway/v2/group/{name}`.
pub fn get(api: &AdminApi, raw_name: &str) -> Reply {
    let name = match path_name(raw_name) {
        Ok(n) => n,
        Err(reply) => return reply,
    };
    match api.state.snapshot().group(&name) {
        Some(g) => Reply::json(200, resource(g)),
        None => error(404, &format!("gateway group {name:?} not found")),
    }
}

/// `DELETE /gateway/v2/group/{name}`: 409 while interceptors are scoped to it.
pub fn delete(api: &AdminApi, raw_name: &str, caller: &Caller) -> Reply {
    let name = match path_name(raw_name) {
        Ok(n) => n,
        Err(reply) => return reply,
    };
    let deleted = api.update(|current| match current.without_group(&name) {
        Ok(Some(next)) => Ok((next, ())),
        Ok(None) => Err(error(404, &format!("gateway group {name:?} not found"))),
        Err(e) => Err(error(409, &e)),
    });
    if let Err(reply) = deleted {
        return reply;
    }
    log::info!(
        "admin API: {} deleted gateway group {name:?}",
        caller.username
    );
    no_content()
}
