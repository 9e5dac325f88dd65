//! The `gateway/v2` API and the older tenant token endpoint: authentication, routing to the
//! handlers, and the one place where state changes go to the [`StateStore`].

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::basic_auth::{AdminUsers, Caller};
use super::request::ApiRequest;
use super::routes::Reply;
use super::{alias_topics, groups, interceptors, service_accounts, tokens, virtual_clusters};
use crate::auth::user_pool_key::{self, UserPoolKey};
use crate::config::{AdminConfig, Config, MasterCredentials, SecurityMode};
use crate::store::{
    FileStore, GatewayState, StateHandle, StateStore, Store, UpdateError, DEFAULT_VCLUSTER,
};

/// The OpenAPI document of this API, served at `/gateway/v2/openapi.json`.
pub const OPENAPI: &str = include_str!("../../openapi/gateway-v2.json");

/// Everything the API handlers share. Lives on the admin thread; workers see the
/// [`StateHandle`], and change the state through the shared [`StateStore`].
pub struct AdminApi {
    pub(super) users: AdminUsers,
    /// The store's handle, for reads.
    pub(super) state: Arc<StateHandle>,
    states: Arc<StateStore>,
    pub(super) key: UserPoolKey,
    pub(super) master: Option<MasterCredentials>,
    /// Client SASL is KAFKA_MANAGED: virtual resources are refused.
    pub(super) kafka_managed: bool,
    /// Seconds since the Unix epoch; replaceable so token expiry is testable.
    pub(super) now: fn() -> u64,
}

/// Why virtual clusters and alias topics are refused with KAFKA_MANAGED.
pub(super) const KAFKA_MANAGED_REFUSAL: &str = "virtual clusters and alias topics need \
     gateway-managed authentication (GATEWAY_SECURITY_MODE=GATEWAY_MANAGED); with \
     GATEWAY_SECURITY_MODE=KAFKA_MANAGED clients are the cluster's own users and the cluster's \
     own ACLs apply";

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
        let states = Arc::new(StateStore::open(store)?);
        Ok(AdminApi {
            users,
            state: states.handle(),
            states,
            key,
            master,
            kafka_managed: false,
            now: unix_now,
        })
    }

    /// The same API for a gateway whose client SASL is KAFKA_MANAGED (`true`): virtual clusters
    /// and alias topics are refused, and a state that already holds some is a start-up error
    /// naming GATEWAY_SECURITY_MODE.
    pub fn with_kafka_managed(mut self, kafka_managed: bool) -> Result<AdminApi, String> {
        if kafka_managed {
            let state = self.state.snapshot();
            let declared: Vec<&str> = state
                .vclusters()
                .filter(|v| v.name != DEFAULT_VCLUSTER)
                .map(|v| v.name.as_str())
                .collect();
            let aliases: Vec<String> = state
                .aliases()
                .map(|a| format!("{}/{}", a.vcluster, a.name))
                .collect();
            let mut held = Vec::new();
            if !declared.is_empty() {
                held.push(format!(
                    "{} virtual cluster(s) ({})",
                    declared.len(),
                    declared.join(", ")
                ));
            }
            if !aliases.is_empty() {
                held.push(format!(
                    "{} alias topic(s) ({})",
                    aliases.len(),
                    aliases.join(", ")
                ));
            }
            if !held.is_empty() {
                return Err(format!(
                    "GATEWAY_SECURITY_MODE is KAFKA_MANAGED, but the gateway state holds {}, \
                     which need gateway-managed authentication: start with \
                     GATEWAY_SECURITY_MODE=GATEWAY_MANAGED, or delete them first (with \
                     GATEWAY_MANAGED) before switching",
                    held.join(" and ")
                ));
            }
        }
        self.kafka_managed = kafka_managed;
        Ok(self)
    }

    /// Start-up: the file store, users and key from the configuration (generating the password
    /// and key in `GATEWAY_DATA_DIR` when not configured), and whether client SASL is
    /// KAFKA_MANAGED. Errors are worded for operators.
    pub fn from_config(config: &Config) -> Result<AdminApi, String> {
        let kafka_managed = config
            .client_sasl
            .as_ref()
            .is_some_and(|s| s.mode == SecurityMode::KafkaManaged);
        AdminApi::from_admin_config(&config.admin)?.with_kafka_managed(kafka_managed)
    }

    /// [`AdminApi::from_config`] without the security mode (as GATEWAY_MANAGED).
    pub fn from_admin_config(config: &AdminConfig) -> Result<AdminApi, String> {
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
        let state = api.state.snapshot();
        log::info!(
            "{} service account(s), {} virtual cluster(s) and {} alias topic(s) loaded",
            state.accounts().count(),
            state.declared_vclusters(),
            state.aliases().count()
        );
        for account in state.accounts() {
            if state.vcluster(&account.vcluster).is_none() {
                log::warn!(
                    "service account {:?} belongs to vCluster {:?}, which is not declared: its \
                     clients are refused until PUT /gateway/v2/virtual-cluster creates it",
                    account.name,
                    account.vcluster
                );
            }
        }
        Ok(api)
    }

    /// The handle workers read the state through.
    pub fn state(&self) -> Arc<StateHandle> {
        Arc::clone(&self.state)
    }

    /// The writer the data path changes the state through (KAFKA_API ACLs), shared with this
    /// API so neither loses the other's changes.
    pub fn state_store(&self) -> Arc<StateStore> {
        Arc::clone(&self.states)
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
            "v2/virtual-cluster" => {
                self.authorized(req, &["GET", "PUT"], |caller| match req.method.as_str() {
                    "PUT" => virtual_clusters::upsert(self, req, caller),
                    _ => virtual_clusters::list(self),
                })
            }
            "v2/alias-topic" => self.authorized(req, &["GET", "PUT", "DELETE"], |caller| match req
                .method
                .as_str()
            {
                "PUT" => alias_topics::upsert(self, req, caller),
                "DELETE" => alias_topics::delete(self, req, caller),
                _ => alias_topics::list(self, req),
            }),
            "v2/interceptor" => {
                self.authorized(req, &["GET", "PUT"], |caller| match req.method.as_str() {
                    "PUT" => interceptors::upsert(self, req, caller),
                    _ => interceptors::list(self, req),
                })
            }
            // Reads the state only: a read-only user may ask.
            "v2/interceptor/resolve" => {
                self.authorized(req, &["POST"], |_| interceptors::resolve_for(self, req))
            }
            "v2/plugin" => self.authorized(req, &["GET"], |_| interceptors::plugins()),
            "v2/group" => {
                self.authorized(req, &["GET", "PUT"], |caller| match req.method.as_str() {
                    "PUT" => groups::upsert(self, req, caller),
                    _ => groups::list(self),
                })
            }
            _ => {
                if let Some(name) = rest.strip_prefix("v2/service-account/") {
                    self.authorized(req, &["GET"], |_| service_accounts::get(self, req, name))
                } else if let Some(name) = rest.strip_prefix("v2/virtual-cluster/") {
                    self.authorized(req, &["GET", "DELETE"], |caller| {
                        match req.method.as_str() {
                            "DELETE" => virtual_clusters::delete(self, name, caller),
                            _ => virtual_clusters::get(self, name),
                        }
                    })
                } else if let Some(name) = rest.strip_prefix("v2/interceptor/") {
                    self.authorized(req, &["DELETE"], |caller| {
                        interceptors::delete(self, req, name, caller)
                    })
                } else if let Some(name) = rest.strip_prefix("v2/group/") {
                    self.authorized(req, &["GET", "DELETE"], |caller| {
                        match req.method.as_str() {
                            "DELETE" => groups::delete(self, name, caller),
                            _ => groups::get(self, name),
                        }
                    })
                } else if let Some(name) = rest.strip_prefix("v2/alias-topic/") {
                    self.authorized(req, &["GET"], |_| alias_topics::get(self, req, name))
                } else {
                    not_found(path)
                }
            }
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
        let reads = matches!(req.method.as_str(), "GET" | "HEAD")
            || req.path() == "/gateway/v2/interceptor/resolve";
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

    /// Applies `change` through the [`StateStore`] (stored, then published to the workers);
    /// the change's own refusal is its reply, a store failure a 500.
    pub(super) fn update<T>(
        &self,
        change: impl FnOnce(&GatewayState) -> Result<(GatewayState, T), Reply>,
    ) -> Result<T, Reply> {
        self.states.update(change).map_err(|e| match e {
            UpdateError::Refused(reply) => reply,
            UpdateError::Store(e) => {
                log::error!("cannot store the gateway state: {e}");
                error(500, &format!("cannot store the change: {e}"))
            }
        })
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
        ["GET", "PUT"] => "GET, PUT",
        ["GET", "DELETE"] => "GET, DELETE",
        ["POST"] => "POST",
        ["DELETE"] => "DELETE",
        _ => "GET, HEAD",
    }
}

/// A JSON error: `{"status": .., "error": message}`.
pub(super) fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, json!({"status": status, "error": message}))
}

/// 204, as every DELETE answers.
pub(super) fn no_content() -> Reply {
    Reply {
        status: 204,
        content_type: "application/json",
        headers: Vec::new(),
        body: String::new(),
    }
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
