//! `/gateway/v2/virtual-cluster`: the `VirtualCluster` resource of reference 004.
//!
//! `passthrough` is built in (the whole cluster, unprefixed): it is listed and can be read, but
//! not written or deleted. `spec.prefix` is kgate's addition: physical topics and groups are
//! named `prefix + logical name`; it defaults to `metadata.name` (the reference's behaviour,
//! `customers` + `orders` = `customersorders`) and cannot change once the cluster exists.

use serde_json::{json, Map, Value};

use super::api::{body, error, no_content, AdminApi, KAFKA_MANAGED_REFUSAL};
use super::basic_auth::Caller;
use super::request::{self, ApiRequest, API_VERSION};
use super::routes::Reply;
use crate::acl::binding::{
    AclBinding, Operation, PatternType, Permission, ResourcePattern, ResourceType,
};
use crate::store::model::check_resource_name;
use crate::store::{AclMode, RemoveError, UpsertResult, VClusterType, VirtualCluster};

const KIND: &str = "VirtualCluster";

/// The API representation of `vcluster`; `aclMode` is left out while unset.
pub fn resource(vcluster: &VirtualCluster) -> Value {
    let mut spec = json!({
        "prefix": vcluster.prefix,
        "type": vcluster.kind.as_str(),
        "aclEnabled": vcluster.acl_enabled,
        "superUsers": vcluster.super_users,
        "acls": vcluster.acls,
    });
    if let Some(mode) = vcluster.acl_mode {
        spec["aclMode"] = Value::from(mode.as_str());
    }
    json!({
        "kind": KIND,
        "apiVersion": API_VERSION,
        "metadata": {"name": vcluster.name},
        "spec": spec,
    })
}

/// Parses a resource body and applies the defaults (prefix = name, type Standard, aclEnabled
/// false, aclMode KAFKA_API when ACLs are on); every error names its field.
pub fn parse_resource(body: &[u8]) -> Result<VirtualCluster, String> {
    let (metadata, spec) = request::resource_envelope(body, KIND)?;
    let mut metadata = request::object(metadata, "metadata", &["name"])?;
    let name = request::string(&mut metadata, "name", "metadata.name")?;
    check_resource_name("metadata.name", &name)?;
    let mut spec = match spec {
        Some(spec) => request::object(
            spec,
            "spec",
            &[
                "prefix",
                "type",
                "aclEnabled",
                "aclMode",
                "superUsers",
                "acls",
            ],
        )?,
        None => Map::new(),
    };
    let prefix = request::opt_string(&mut spec, "prefix", "spec.prefix")?.unwrap_or(name.clone());
    let kind = match request::opt_string(&mut spec, "type", "spec.type")? {
        None => VClusterType::Standard,
        Some(t) => VClusterType::parse(&t)
            .ok_or_else(|| format!("spec.type: expected Standard or Partner, got {t:?}"))?,
    };
    let acl_enabled =
        request::opt_bool(&mut spec, "aclEnabled", "spec.aclEnabled")?.unwrap_or(false);
    let acl_mode =
        match request::opt_string(&mut spec, "aclMode", "spec.aclMode")? {
            None => acl_enabled.then_some(AclMode::KafkaApi),
            Some(m) => Some(AclMode::parse(&m).ok_or_else(|| {
                format!("spec.aclMode: expected KAFKA_API or REST_API, got {m:?}")
            })?),
        };
    let super_users = request::opt_string_list(&mut spec, "superUsers", "spec.superUsers")?;
    let acls = request::opt_list(&mut spec, "acls", "spec.acls")?
        .into_iter()
        .enumerate()
        .map(|(i, v)| parse_binding(v, &format!("spec.acls[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let vcluster = VirtualCluster {
        name,
        prefix,
        kind,
        acl_enabled,
        acl_mode,
        super_users,
        acls,
    };
    vcluster.validate()?;
    Ok(vcluster)
}

/// One ACL binding in the reference's shape; `field` (`spec.acls[i]`) prefixes every error.
/// `host` defaults to `*` and `resourcePattern.patternType` to LITERAL, as with `kafka-acls`.
pub fn parse_binding(value: Value, field: &str) -> Result<AclBinding, String> {
    let mut map = request::object(
        value,
        field,
        &[
            "resourcePattern",
            "principal",
            "host",
            "operation",
            "permissionType",
        ],
    )?;
    let pattern_field = format!("{field}.resourcePattern");
    let pattern = map
        .remove("resourcePattern")
        .filter(|v| !v.is_null())
        .ok_or_else(|| format!("{pattern_field}: missing"))?;
    let mut pattern = request::object(
        pattern,
        &pattern_field,
        &["resourceType", "name", "patternType"],
    )?;
    let resource_type = named(
        &mut pattern,
        "resourceType",
        &pattern_field,
        ResourceType::parse,
        ResourceType::ALL.iter().map(|v| v.as_str()),
    )?
    .ok_or_else(|| format!("{pattern_field}.resourceType: missing"))?;
    let name = request::string(&mut pattern, "name", &format!("{pattern_field}.name"))?;
    let pattern_type = named(
        &mut pattern,
        "patternType",
        &pattern_field,
        PatternType::parse,
        PatternType::ALL.iter().map(|v| v.as_str()),
    )?
    .unwrap_or(PatternType::Literal);
    let principal = request::string(&mut map, "principal", &format!("{field}.principal"))?;
    let host = request::opt_string(&mut map, "host", &format!("{field}.host"))?
        .unwrap_or_else(|| "*".into());
    let operation = named(
        &mut map,
        "operation",
        field,
        Operation::parse,
        Operation::ALL.iter().map(|v| v.as_str()),
    )?
    .ok_or_else(|| format!("{field}.operation: missing"))?;
    let permission = named(
        &mut map,
        "permissionType",
        field,
        Permission::parse,
        Permission::ALL.iter().map(|v| v.as_str()),
    )?
    .ok_or_else(|| format!("{field}.permissionType: missing"))?;
    let binding = AclBinding {
        pattern: ResourcePattern {
            resource_type,
            name,
            pattern_type,
        },
        principal,
        host,
        operation,
        permission,
    };
    binding.validate().map_err(|e| format!("{field}.{e}"))?;
    Ok(binding)
}

/// An optional enum field spelled by name (case-insensitive); the error lists the names.
fn named<T>(
    map: &mut Map<String, Value>,
    key: &str,
    parent: &str,
    parse: fn(&str) -> Option<T>,
    names: impl Iterator<Item = &'static str>,
) -> Result<Option<T>, String> {
    let field = format!("{parent}.{key}");
    let Some(text) = request::opt_string(map, key, &field)? else {
        return Ok(None);
    };
    parse(&text).map(Some).ok_or_else(|| {
        format!(
            "{field}: expected one of {}, got {text:?}",
            names.collect::<Vec<_>>().join(", ")
        )
    })
}

/// `PUT`: create or replace; answers what happened.
pub fn upsert(api: &AdminApi, req: &ApiRequest, caller: &Caller) -> Reply {
    if api.kafka_managed {
        return error(400, KAFKA_MANAGED_REFUSAL);
    }
    let vcluster = match body(req).and_then(|b| parse_resource(b).map_err(|e| error(400, &e))) {
        Ok(vcluster) => vcluster,
        Err(reply) => return reply,
    };
    let result = match api.update(|current| {
        current
            .with_vcluster(vcluster.clone())
            .map_err(|e| error(400, &e))
    }) {
        Ok(result) => result,
        Err(reply) => return reply,
    };
    if result != UpsertResult::NotChanged {
        log::info!(
            "admin API: {} virtual cluster {:?} with prefix {:?} ({})",
            caller.username,
            vcluster.name,
            vcluster.prefix,
            result.as_str()
        );
    }
    Reply::json(
        200,
        json!({"resource": resource(&vcluster), "upsertResult": result.as_str()}),
    )
}

/// `GET` every virtual cluster, `passthrough` first.
pub fn list(api: &AdminApi) -> Reply {
    let state = api.state.snapshot();
    Reply::json(200, Value::Array(state.vclusters().map(resource).collect()))
}

/// The `{name}` of a path, decoded and checked.
fn path_name(raw: &str) -> Result<String, Reply> {
    let name =
        request::percent_decode(raw).ok_or_else(|| error(400, "name: invalid percent-encoding"))?;
    check_resource_name("name", &name).map_err(|e| error(400, &e))?;
    Ok(name)
}

/// `GET /gateway/v2/virtual-cluster/{name}`.
pub fn get(api: &AdminApi, raw_name: &str) -> Reply {
    let name = match path_name(raw_name) {
        Ok(name) => name,
        Err(reply) => return reply,
    };
    match api.state.snapshot().vcluster(&name) {
        Some(vcluster) => Reply::json(200, resource(vcluster)),
        None => error(404, &format!("virtual cluster {name:?} not found")),
    }
}

/// `DELETE /gateway/v2/virtual-cluster/{name}`: 409 while accounts or aliases belong to it.
pub fn delete(api: &AdminApi, raw_name: &str, caller: &Caller) -> Reply {
    let name = match path_name(raw_name) {
        Ok(name) => name,
        Err(reply) => return reply,
    };
    let deleted = api.update(|current| {
        current
            .without_vcluster(&name)
            .map(|next| (next, ()))
            .map_err(|e| match e {
                RemoveError::BuiltIn(m) => error(400, &m),
                RemoveError::Missing(m) => error(404, &m),
                RemoveError::InUse(m) => error(409, &m),
            })
    });
    if let Err(reply) = deleted {
        return reply;
    }
    log::info!(
        "admin API: {} deleted virtual cluster {name:?}",
        caller.username
    );
    no_content()
}

#[cfg(test)]
#[path = "virtual_clusters_tests.rs"]
mod tests;
