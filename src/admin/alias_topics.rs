//! `/gateway/v2/alias-topic`: the `AliasTopic` resource of reference 004, a logical topic of a
//! virtual cluster standing for any physical topic.

use serde_json::{json, Map, Value};

use super::api::{body, error, no_content, AdminApi, KAFKA_MANAGED_REFUSAL};
use super::basic_auth::Caller;
use super::request::{self, ApiRequest, API_VERSION};
use super::routes::Reply;
use crate::store::model::{check_resource_name, check_topic_name};
use crate::store::{AliasTopic, UpsertResult, VClusterType, DEFAULT_VCLUSTER, MAIN_CLUSTER};

const KIND: &str = "AliasTopic";

/// The API representation of `alias`.
pub fn resource(alias: &AliasTopic) -> Value {
    json!({
        "kind": KIND,
        "apiVersion": API_VERSION,
        "metadata": {"name": alias.name, "vCluster": alias.vcluster},
        "spec": {"physicalName": alias.physical_name, "physicalCluster": alias.physical_cluster},
    })
}

/// Parses a resource body (defaults: vCluster `passthrough`, physicalCluster `main`); also says
/// whether `spec.physicalCluster` was given, which Partner clusters require.
pub fn parse_resource(body: &[u8]) -> Result<(AliasTopic, bool), String> {
    let (metadata, spec) = request::resource_envelope(body, KIND)?;
    let mut metadata = request::object(metadata, "metadata", &["name", "vCluster"])?;
    let name = request::string(&mut metadata, "name", "metadata.name")?;
    let vcluster = request::opt_string(&mut metadata, "vCluster", "metadata.vCluster")?
        .unwrap_or_else(|| DEFAULT_VCLUSTER.into());
    let mut spec = match spec {
        Some(spec) => request::object(spec, "spec", &["physicalName", "physicalCluster"])?,
        None => Map::new(),
    };
    let physical_name = request::string(&mut spec, "physicalName", "spec.physicalName")?;
    let physical_cluster =
        request::opt_string(&mut spec, "physicalCluster", "spec.physicalCluster")?;
    let explicit = physical_cluster.is_some();
    let alias = AliasTopic {
        name,
        vcluster,
        physical_name,
        physical_cluster: physical_cluster.unwrap_or_else(|| MAIN_CLUSTER.into()),
    };
    alias.validate()?;
    Ok((alias, explicit))
}

/// `PUT`: create or replace; answers what happened.
pub fn upsert(api: &AdminApi, req: &ApiRequest, caller: &Caller) -> Reply {
    if api.kafka_managed {
        return error(400, KAFKA_MANAGED_REFUSAL);
    }
    let (alias, explicit) =
        match body(req).and_then(|b| parse_resource(b).map_err(|e| error(400, &e))) {
            Ok(parsed) => parsed,
            Err(reply) => return reply,
        };
    let result = match api.update(|current| {
        let partner = current
            .vcluster(&alias.vcluster)
            .is_some_and(|v| v.kind == VClusterType::Partner);
        if partner && !explicit {
            return Err(error(
                400,
                &format!(
                    "spec.physicalCluster: required for an alias in Partner virtual cluster \
                     {:?} (this gateway has one physical cluster, {MAIN_CLUSTER:?})",
                    alias.vcluster
                ),
            ));
        }
        current
            .with_alias(alias.clone())
            .map_err(|e| error(400, &e))
    }) {
        Ok(result) => result,
        Err(reply) => return reply,
    };
    if result != UpsertResult::NotChanged {
        log::info!(
            "admin API: {} alias topic {:?} in vCluster {:?} -> {:?} ({})",
            caller.username,
            alias.name,
            alias.vcluster,
            alias.physical_name,
            result.as_str()
        );
    }
    Reply::json(
        200,
        json!({"resource": resource(&alias), "upsertResult": result.as_str()}),
    )
}

/// `GET` the list, optionally only one vCluster's (`?vcluster=`).
pub fn list(api: &AdminApi, req: &ApiRequest) -> Reply {
    let only = req.query("vcluster");
    let state = api.state.snapshot();
    let items: Vec<Value> = state
        .aliases()
        .filter(|a| only.as_deref().is_none_or(|vc| a.vcluster == vc))
        .map(resource)
        .collect();
    Reply::json(200, Value::Array(items))
}

/// `GET /gateway/v2/alias-topic/{name}?vcluster=` (default `passthrough`).
pub fn get(api: &AdminApi, req: &ApiRequest, raw_name: &str) -> Reply {
    let Some(name) = request::percent_decode(raw_name) else {
        return error(400, "name: invalid percent-encoding");
    };
    let vcluster = req
        .query("vcluster")
        .unwrap_or_else(|| DEFAULT_VCLUSTER.into());
    if let Err(e) =
        check_topic_name("name", &name).and_then(|()| check_resource_name("vcluster", &vcluster))
    {
        return error(400, &e);
    }
    match api.state.snapshot().alias(&vcluster, &name) {
        Some(alias) => Reply::json(200, resource(alias)),
        None => missing(&name, &vcluster),
    }
}

/// `DELETE` with body `{"name": .., "vCluster": ..}`.
pub fn delete(api: &AdminApi, req: &ApiRequest, caller: &Caller) -> Reply {
    let parsed = body(req)
        .and_then(|b| request::name_in_vcluster(b, check_topic_name).map_err(|e| error(400, &e)));
    let (name, vcluster) = match parsed {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let deleted = api.update(|current| {
        current
            .without_alias(&vcluster, &name)
            .map(|next| (next, ()))
            .ok_or_else(|| missing(&name, &vcluster))
    });
    if let Err(reply) = deleted {
        return reply;
    }
    log::info!(
        "admin API: {} deleted alias topic {name:?} in vCluster {vcluster:?}",
        caller.username
    );
    no_content()
}

fn missing(name: &str, vcluster: &str) -> Reply {
    error(
        404,
        &format!("alias topic {name:?} not found in vCluster {vcluster:?}"),
    )
}
