//! The `gateway/v2` API and the older tenant token endpoint: authentication, routing to the
//! handlers, and the one place where state changes are stored and published.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::basic_auth::{AdminUsers, Caller};
use super::request::ApiRequest;
use super::routes::Reply;
use super::{service_accounts, tokens};
use crate::auth::user_pool_key::{self, UserPoolKey};
use crate::config::{AdminConfig, MasterCredentials};
use crate::store::{self, FileStore, GatewayState, StateHandle, Store};

/// The OpenAPI document of this API, served at `/gateway/v2/openapi.json`.
pub const OPENAPI: &str = include_str!("../../openapi/gateway-v2.json");

/// Everything the API handlers share. Lives on the admin thread; workers only see the
/// [`StateHandle`].
pub struct AdminApi {
    pub(super) users: AdminUsers,
    pub(super) state: Arc<StateHandle>,
    store: Mutex<Box<dyn Store>>,
    pub(super) key: UserPoolKey,
    pub(super) master: Option<MasterCredentials>,
    /// Seconds since the Unix epoch; replaceable so token expiry is testable.
    pub(super) now: fn() -> u64,
}

impl std::fmt::Debug for AdminApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminApi").finish_non_exhaustive()
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl AdminApi {
    /// An API over `store`, whose state is loaded into a new handle (see [`AdminApi::state`]).
    pub fn new(
        users: AdminUsers,
        store: Box<dyn Store>,
        key: UserPoolKey,
        master: Option<MasterCredentials>,
    ) -> Result<AdminApi, String> {
        let state = Arc::new(store::load_handle(store.as_ref())?);
        Ok(AdminApi {
            users,
            state,
            store: Mutex::new(store),
            key,
            master,
            now: unix_now,
        })
    }

    /// Start-up: the file store, users and key from the configuration (generating the password
    /// and key in `GATEWAY_DATA_DIR` when not configured). Errors are worded for operators.
    pub fn from_config(config: &AdminConfig) -> Result<AdminApi, String> {
        let file_store =
            FileStore::open(&config.data_dir).map_err(|e| format!("GATEWAY_DATA_DIR: {e}"))?;
        log::info!("gateway state in {}", file_store.path().display());
        let users = AdminUsers::configured_or_generated(config.users.as_deref(), &config.data_dir)?;
        let (key, source) =
            user_pool_key::resolve(config.user_pool_key.as_ref(), &config.data_dir)?;
        user_pool_key::log_source(&source);
        if config.master.is_none() {
            log::info!(
                "tenant token endpoint off: JWT_AUTH_MASTER_USERNAME and \
                 JWT_AUTH_MASTER_PASSWORD are not set"
            );
        }
        let api = AdminApi::new(users, Box::new(file_store), key, config.master.clone())?;
        log::info!(
            "{} service account(s) loaded",
            api.state.snapshot().accounts().count()
        );
        Ok(api)
    }

    /// The handle workers read the state through.
    pub fn state(&self) -> Arc<StateHandle> {
        Arc::clone(&self.state)
    }

    /// The token signing key (the data path verifies tokens with it).
    pub fn key(&self) -> &UserPoolKey {
        &self.key
    }

    /// Answers `req` when its path belongs to this API; `None` leaves it to the health and
    /// metrics routes.
    pub fn handle(&self, req: &ApiRequest) -> Option<Reply> {
        let path = req.path();
        if let Some(rest) = path.strip_prefix("/auth/tenant/") {
            return Some(tokens::tenant(self, req, rest));
        }
        let rest = path.strip_prefix("/gateway/")?;
        Some(match rest {
            "v2/openapi.json" => match method(req, &["GET", "HEAD"]) {
                Err(reply) => reply,
                Ok(()) => Reply {
                    status: 200,
                    content_type: "application/json",
                    headers: Vec::new(),
                    body: OPENAPI.to_string(),
                },
            },
            "v2/service-account" => self.authorized(req, &["GET", "PUT", "DELETE"], |caller| {
                match req.method.as_str() {
                    "PUT" => service_accounts::upsert(self, req, caller),
                    "DELETE" => service_accounts::delete(self, req, caller),
                    _ => service_accounts::list(self, req),
                }
            }),
            "v2/token" => {
                self.authorized(req, &["POST"], |caller| tokens::issue(self, req, caller))
            }
            _ => match rest.strip_prefix("v2/service-account/") {
                Some(name) => {
                    self.authorized(req, &["GET"], |_| service_accounts::get(self, req, name))
                }
                None => not_found(path),
            },
        })
    }

    /// Checks the method, then the caller (401), then the role (403: read-only users may GET).
    fn authorized(
        &self,
        req: &ApiRequest,
        allowed: &[&'static str],
        handler: impl FnOnce(&Caller) -> Reply,
    ) -> Reply {
        if let Err(reply) = method(req, allowed) {
            return reply;
        }
        let Some(caller) = self.users.authenticate(req.authorization.as_deref()) else {
            let mut reply = error(401, "authentication required: HTTP Basic with an admin API user (GATEWAY_ADMIN_API_USERS)");
            reply
                .headers
                .push(("WWW-Authenticate", "Basic realm=\"kgate\""));
            return reply;
        };
        let reads = matches!(req.method.as_str(), "GET" | "HEAD");
        if !reads && !caller.admin {
            return error(
                403,
                &format!(
                    "user {:?} is read-only: {} needs an admin user",
                    caller.username, req.method
                ),
            );
        }
        handler(&caller)
    }

    /// Stores `next` and publishes it to the workers; nothing is published when storing fails.
    pub(super) fn commit(&self, next: GatewayState) -> Result<(), Reply> {
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        store.save(&next.to_stored()).map_err(|e| {
            log::error!("cannot store the gateway state: {e}");
            error(500, &format!("cannot store the change: {e}"))
        })?;
        self.state.replace(next);
        Ok(())
    }
}

/// 405 with `Allow` unless the method is one of `allowed`.
fn method(req: &ApiRequest, allowed: &[&'static str]) -> Result<(), Reply> {
    if allowed.contains(&req.method.as_str()) || (req.method == "HEAD" && allowed.contains(&"GET"))
    {
        return Ok(());
    }
    let mut reply = Reply::json(
        405,
        json!({"status": 405, "error": "method not allowed", "allowed": allowed}),
    );
    reply.headers.push(("Allow", allow_header(allowed)));
    Err(reply)
}

/// `Allow` header values for the method sets above (headers are `&'static str`).
fn allow_header(allowed: &[&str]) -> &'static str {
    match allowed {
        ["GET", "PUT", "DELETE"] => "GET, PUT, DELETE",
        ["POST"] => "POST",
        _ => "GET, HEAD",
    }
}

/// A JSON error: `{"status": .., "error": message}`.
pub(super) fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, json!({"status": status, "error": message}))
}

fn not_found(path: &str) -> Reply {
    Reply::json(
        404,
        json!({"status": 404, "error": "not found", "path": path}),
    )
}

/// The request body, or the reply for a missing or oversized one.
pub(super) fn body(req: &ApiRequest) -> Result<&[u8], Reply> {
    req.body.as_deref().ok_or_else(|| {
        error(
            413,
            &format!("body: larger than {} bytes", super::request::MAX_BODY_BYTES),
        )
    })
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
