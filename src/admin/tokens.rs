//! Token endpoints: `POST /gateway/v2/token` for LOCAL service accounts, and Conduktor's older
//! `POST /auth/tenant/{org}-{cluster}/user/{user}/token`, authenticated by the master
//! credentials in the body rather than by an admin API user.

use serde_json::{json, Value};

use super::api::{body, error, AdminApi};
use super::basic_auth::Caller;
use super::request::{self, ApiRequest};
use super::routes::Reply;
use super::secret_eq::secret_eq;
use super::service_accounts::missing;
use crate::auth::token::{self, TokenClaims};
use crate::store::model::check_name;
use crate::store::{AccountKind, DEFAULT_VCLUSTER};

/// Ten years: longer is surely a unit mistake, and such a token outlives any key rotation.
pub const MAX_LIFETIME_SECONDS: u64 = 10 * 365 * 24 * 3600;

/// `POST /gateway/v2/token` with `{"username", "vCluster", "lifeTimeSeconds"}`.
pub fn issue(api: &AdminApi, req: &ApiRequest, caller: &Caller) -> Reply {
    let parsed = body(req).and_then(|b| parse_token_request(b).map_err(|e| error(400, &e)));
    let (username, vcluster, lifetime) = match parsed {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let state = api.state.snapshot();
    let Some(account) = state.account(&vcluster, &username) else {
        return missing(&username, &vcluster);
    };
    if account.kind != AccountKind::Local {
        return error(
            400,
            &format!("username: service account {username:?} is EXTERNAL; tokens are only for LOCAL accounts"),
        );
    }
    let now = (api.now)();
    let claims = TokenClaims {
        username: username.clone(),
        vcluster: Some(vcluster.clone()),
        exp: Some(now.saturating_add(lifetime)),
        iat: Some(now),
        org_id: None,
        cluster_id: None,
    };
    log::info!(
        "admin API: {} issued a token for {username:?} in vCluster {vcluster:?}, valid {lifetime} s",
        caller.username
    );
    Reply::json(
        200,
        json!({"token": token::issue(&claims, api.key.bytes())}),
    )
}

fn parse_token_request(body: &[u8]) -> Result<(String, String, u64), String> {
    let mut map = request::json_object(body, &["username", "vCluster", "lifeTimeSeconds"])?;
    let username = request::string(&mut map, "username", "username")?;
    let vcluster = request::opt_string(&mut map, "vCluster", "vCluster")?
        .unwrap_or_else(|| DEFAULT_VCLUSTER.into());
    check_name("username", &username)?;
    check_name("vCluster", &vcluster)?;
    let lifetime = match map.remove("lifeTimeSeconds") {
        None | Some(Value::Null) => return Err("lifeTimeSeconds: missing".into()),
        Some(v) => v
            .as_u64()
            .filter(|s| (1..=MAX_LIFETIME_SECONDS).contains(s))
            .ok_or_else(|| {
                format!("lifeTimeSeconds: expected an integer 1-{MAX_LIFETIME_SECONDS}")
            })?,
    };
    Ok((username, vcluster, lifetime))
}

/// `POST /auth/tenant/{org}-{cluster}/user/{user}/token`; `rest` is the path after
/// `/auth/tenant/`. Answers 404 while `JWT_AUTH_MASTER_*` are unset: the endpoint is off.
pub fn tenant(api: &AdminApi, req: &ApiRequest, rest: &str) -> Reply {
    let Some((tenant, user)) = rest
        .strip_suffix("/token")
        .and_then(|r| r.split_once("/user/"))
        .filter(|(t, u)| !t.contains('/') && !u.contains('/'))
    else {
        return error(
            404,
            "not found: expected /auth/tenant/{org}-{cluster}/user/{user}/token",
        );
    };
    if req.method != "POST" {
        let mut reply = error(405, "method not allowed");
        reply.headers.push(("Allow", "POST"));
        return reply;
    }
    let Some(master) = &api.master else {
        return error(
            404,
            "the tenant token endpoint is off: set JWT_AUTH_MASTER_USERNAME and JWT_AUTH_MASTER_PASSWORD",
        );
    };
    let credentials = body(req).and_then(|b| {
        let parse = || -> Result<(String, String), String> {
            let mut map = request::json_object(b, &["username", "password"])?;
            Ok((
                request::string(&mut map, "username", "username")?,
                request::string(&mut map, "password", "password")?,
            ))
        };
        parse().map_err(|e| error(400, &e))
    });
    let (username, password) = match credentials {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    let user_ok = secret_eq(username.as_bytes(), master.username.as_bytes());
    let password_ok = secret_eq(password.as_bytes(), master.password.as_bytes());
    if !(user_ok && password_ok) {
        return error(401, "username/password: not the master credentials (JWT_AUTH_MASTER_USERNAME / JWT_AUTH_MASTER_PASSWORD)");
    }
    let (org_id, cluster_id, user) = match parse_tenant(tenant, user) {
        Ok(parts) => parts,
        Err(e) => return error(400, &e),
    };
    let claims = TokenClaims {
        username: user,
        vcluster: None,
        exp: None,
        iat: Some((api.now)()),
        org_id: Some(org_id),
        cluster_id: Some(cluster_id),
    };
    log::info!(
        "tenant token issued for {:?} in tenant {org_id}-{}",
        claims.username,
        claims.cluster_id.as_deref().unwrap_or_default()
    );
    Reply::json(200, json!({"data": token::issue(&claims, api.key.bytes())}))
}

/// `{org}-{cluster}` (org an integer, as in the reference's `orgId`) and the user.
fn parse_tenant(tenant: &str, user: &str) -> Result<(i64, String, String), String> {
    let decode = |field: &str, raw: &str| {
        request::percent_decode(raw).ok_or_else(|| format!("{field}: invalid percent-encoding"))
    };
    let tenant = decode("tenant", tenant)?;
    let user = decode("user", user)?;
    let (org, cluster) = tenant
        .split_once('-')
        .ok_or("tenant: expected {organisation id}-{cluster id}, e.g. 1-cluster1")?;
    let org_id: i64 = org
        .parse()
        .map_err(|_| "tenant: the organisation id before '-' must be an integer".to_string())?;
    check_name("tenant cluster id", cluster)?;
    check_name("user", &user)?;
    Ok((org_id, cluster.to_string(), user))
}
