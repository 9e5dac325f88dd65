//! `/gateway/v2/service-account`: the `GatewayServiceAccount` resource in Conduktor's shape
//! (`apiVersion`, `kind`, `metadata`, `spec`).
//!
//! An account may name a `metadata.vCluster` that is not declared (older setups create accounts
//! before their virtual cluster): the PUT is accepted with a warning in the log, and clients of
//! such an account are refused at connection until the virtual cluster exists.

use serde_json::{json, Value};

use super::api::{body, error, no_content, AdminApi};
use super::basic_auth::Caller;
use super::request::{self, ApiRequest};
use super::routes::Reply;
use crate::store::model::check_name;
use crate::store::{AccountKind, ServiceAccount, UpsertResult, DEFAULT_VCLUSTER};

const KIND: &str = "GatewayServiceAccount";
const API_VERSION: &str = "gateway/v2";

/// The API representation of `account`.
pub fn resource(account: &ServiceAccount) -> Value {
    let spec = match &account.kind {
        AccountKind::Local => json!({"type": "LOCAL"}),
        AccountKind::External { external_names } => {
            json!({"type": "EXTERNAL", "externalNames": external_names})
        }
    };
    json!({
        "kind": KIND,
        "apiVersion": API_VERSION,
        "metadata": {"name": account.name, "vCluster": account.vcluster},
        "spec": spec,
    })
}

/// Parses a resource body; every error names its field.
pub fn parse_resource(body: &[u8]) -> Result<ServiceAccount, String> {
    let mut top = request::json_object(body, &["kind", "apiVersion", "metadata", "spec"])?;
    let kind = request::string(&mut top, "kind", "kind")?;
    if kind != KIND {
        return Err(format!("kind: expected {KIND:?}, got {kind:?}"));
    }
    let version = request::string(&mut top, "apiVersion", "apiVersion")?;
    if version != API_VERSION {
        return Err(format!(
            "apiVersion: expected {API_VERSION:?}, got {version:?}"
        ));
    }
    let metadata = top.remove("metadata").ok_or("metadata: missing")?;
    let mut metadata = request::object(metadata, "metadata", &["name", "vCluster"])?;
    let name = request::string(&mut metadata, "name", "metadata.name")?;
    let vcluster = request::opt_string(&mut metadata, "vCluster", "metadata.vCluster")?
        .unwrap_or_else(|| DEFAULT_VCLUSTER.into());
    let spec = top.remove("spec").ok_or("spec: missing")?;
    let mut spec = request::object(spec, "spec", &["type", "externalNames"])?;
    let kind = match request::string(&mut spec, "type", "spec.type")?.as_str() {
        "LOCAL" => {
            if spec.get("externalNames").is_some_and(|v| !v.is_null()) {
                return Err("spec.externalNames: only allowed when spec.type is EXTERNAL".into());
            }
            AccountKind::Local
        }
        "EXTERNAL" => AccountKind::External {
            external_names: external_names(spec.remove("externalNames"))?,
        },
        other => {
            return Err(format!(
                "spec.type: expected LOCAL or EXTERNAL, got {other:?}"
            ))
        }
    };
    let account = ServiceAccount {
        name,
        vcluster,
        kind,
    };
    account.validate()?;
    Ok(account)
}

fn external_names(value: Option<Value>) -> Result<Vec<String>, String> {
    let Some(Value::Array(items)) = value else {
        return Err("spec.externalNames: expected a non-empty list of strings for EXTERNAL".into());
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::String(s) => Ok(s),
            _ => Err(format!("spec.externalNames[{i}]: expected a string")),
        })
        .collect()
}

/// `PUT`: create or replace; answers what happened.
pub fn upsert(api: &AdminApi, req: &ApiRequest, caller: &Caller) -> Reply {
    let account = match body(req).and_then(|b| parse_resource(b).map_err(|e| error(400, &e))) {
        Ok(account) => account,
        Err(reply) => return reply,
    };
    let (result, declared) = match api.update(|current| {
        let declared = current.vcluster(&account.vcluster).is_some();
        let (next, result) = current
            .with_account(account.clone())
            .map_err(|e| error(400, &e))?;
        Ok((next, (result, declared)))
    }) {
        Ok(done) => done,
        Err(reply) => return reply,
    };
    if result != UpsertResult::NotChanged {
        log::info!(
            "admin API: {} service account {:?} in vCluster {:?} ({})",
            caller.username,
            account.name,
            account.vcluster,
            result.as_str()
        );
    }
    if !declared {
        log::warn!(
            "admin API: service account {:?} names vCluster {:?}, which is not declared: its \
             clients are refused at connection until PUT /gateway/v2/virtual-cluster creates it",
            account.name,
            account.vcluster
        );
    }
    Reply::json(
        200,
        json!({"resource": resource(&account), "upsertResult": result.as_str()}),
    )
}

/// `GET` the list, optionally only one vCluster's (`?vcluster=`).
pub fn list(api: &AdminApi, req: &ApiRequest) -> Reply {
    let only = req.query("vcluster");
    let state = api.state.snapshot();
    let items: Vec<Value> = state
        .accounts()
        .filter(|a| only.as_deref().is_none_or(|vc| a.vcluster == vc))
        .map(resource)
        .collect();
    Reply::json(200, Value::Array(items))
}

/// `GET /gateway/v2/service-account/{name}?vcluster=`.
pub fn get(api: &AdminApi, req: &ApiRequest, raw_name: &str) -> Reply {
    let name = match request::percent_decode(raw_name) {
        Some(name) => name,
        None => return error(400, "name: invalid percent-encoding"),
    };
    let vcluster = req
        .query("vcluster")
        .unwrap_or_else(|| DEFAULT_VCLUSTER.into());
    if let Err(e) = check_name("name", &name).and_then(|()| check_name("vcluster", &vcluster)) {
        return error(400, &e);
    }
    match api.state.snapshot().account(&vcluster, &name) {
        Some(account) => Reply::json(200, resource(account)),
        None => missing(&name, &vcluster),
    }
}

/// `DELETE` with body `{"name": .., "vCluster": ..}`.
pub fn delete(api: &AdminApi, req: &ApiRequest, caller: &Caller) -> Reply {
    let parsed = body(req)
        .and_then(|b| request::name_in_vcluster(b, check_name).map_err(|e| error(400, &e)));
    let (name, vcluster) = match parsed {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let deleted = api.update(|current| {
        current
            .without_account(&vcluster, &name)
            .map(|next| (next, ()))
            .ok_or_else(|| missing(&name, &vcluster))
    });
    if let Err(reply) = deleted {
        return reply;
    }
    log::info!(
        "admin API: {} deleted service account {name:?} in vCluster {vcluster:?}",
        caller.username
    );
    no_content()
}

pub(super) fn missing(name: &str, vcluster: &str) -> Reply {
    error(
        404,
        &format!("service account {name:?} not found in vCluster {vcluster:?}"),
    )
}
