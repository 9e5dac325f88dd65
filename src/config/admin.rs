//! The admin API's configuration: who may call it, where state lives, the token key, and the
//! master credentials of the older tenant token endpoint.
//!
//! Passwords are parsed here but never shown: errors say which entry and field is wrong, and
//! the redacted summary lists user names only.

use std::path::PathBuf;

use super::error::ConfigError;
use super::redact::REDACTED;
use super::spec;
use super::Env;
use crate::auth::user_pool_key::UserPoolKey;

#[path = "admin_users_syntax.rs"]
mod syntax;

/// Read although they lack the `GATEWAY_` prefix: Conduktor Gateway's names for the master
/// credentials of `POST /auth/tenant/{tenant}/user/{user}/token`.
pub const MASTER_USERNAME_VAR: &str = "JWT_AUTH_MASTER_USERNAME";
/// See [`MASTER_USERNAME_VAR`].
pub const MASTER_PASSWORD_VAR: &str = "JWT_AUTH_MASTER_PASSWORD";
/// Variables outside the `GATEWAY_`/`KAFKA_` prefixes that the gateway reads.
pub const EXTRA_VARS: &[&str] = &[MASTER_USERNAME_VAR, MASTER_PASSWORD_VAR];

/// One admin API user (`GATEWAY_ADMIN_API_USERS`).
#[derive(Clone, PartialEq, Eq)]
pub struct AdminUser {
    /// Basic-auth user name.
    pub username: String,
    /// Basic-auth password.
    pub password: String,
    /// May change state (PUT, POST, DELETE); others may only read.
    pub admin: bool,
}

impl std::fmt::Debug for AdminUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminUser")
            .field("username", &self.username)
            .field("password", &REDACTED)
            .field("admin", &self.admin)
            .finish()
    }
}

/// `JWT_AUTH_MASTER_USERNAME` / `JWT_AUTH_MASTER_PASSWORD`.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterCredentials {
    /// Expected `username` in the request body.
    pub username: String,
    /// Expected `password` in the request body.
    pub password: String,
}

impl std::fmt::Debug for MasterCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterCredentials")
            .field("username", &self.username)
            .field("password", &REDACTED)
            .finish()
    }
}

/// Everything the admin API needs from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminConfig {
    /// `None`: no users configured, so one `admin` user with a generated password is used.
    pub users: Option<Vec<AdminUser>>,
    /// `GATEWAY_DATA_DIR`: state, generated password and generated key.
    pub data_dir: PathBuf,
    /// `GATEWAY_USER_POOL_SECRET_KEY`; `None` means generated and kept in `data_dir`.
    pub user_pool_key: Option<UserPoolKey>,
    /// `None` disables the tenant token endpoint.
    pub master: Option<MasterCredentials>,
}

impl AdminConfig {
    pub(crate) fn from_env(env: &Env) -> Result<AdminConfig, ConfigError> {
        let users = env
            .read(&spec::ADMIN_API_USERS, parse_users)?
            .filter(|u| !u.is_empty());
        let data_dir = env.require(&spec::DATA_DIR, |var, raw| {
            let dir = raw.trim();
            if dir.contains('\0') {
                return Err(ConfigError::invalid(var, "a directory path", raw));
            }
            Ok(PathBuf::from(dir))
        })?;
        let user_pool_key = env
            .raw(spec::USER_POOL_SECRET_KEY.name)
            .map(|raw| {
                UserPoolKey::parse(spec::USER_POOL_SECRET_KEY.name, raw).map_err(|why| {
                    ConfigError::invalid(
                        spec::USER_POOL_SECRET_KEY.name,
                        why.split_once(": expected ")
                            .map_or(why.as_str(), |(_, e)| e)
                            .to_string(),
                        REDACTED,
                    )
                })
            })
            .transpose()?;
        let master = match (env.raw(MASTER_USERNAME_VAR), env.raw(MASTER_PASSWORD_VAR)) {
            (None, None) => None,
            (Some(username), Some(password)) => Some(MasterCredentials {
                username: username.to_string(),
                password: password.to_string(),
            }),
            (Some(_), None) => return Err(pair_error(MASTER_PASSWORD_VAR, MASTER_USERNAME_VAR)),
            (None, Some(_)) => return Err(pair_error(MASTER_USERNAME_VAR, MASTER_PASSWORD_VAR)),
        };
        Ok(AdminConfig {
            users,
            data_dir,
            user_pool_key,
            master,
        })
    }

    /// For the start-up log: user names and roles, never passwords.
    pub fn redacted_summary(&self) -> Vec<(String, String)> {
        let users = match &self.users {
            None => "(generated: admin, password in GATEWAY_DATA_DIR)".to_string(),
            Some(users) => users
                .iter()
                .map(|u| {
                    format!(
                        "{} ({})",
                        u.username,
                        if u.admin { "admin" } else { "read-only" }
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
        };
        vec![
            (
                spec::DATA_DIR.name.into(),
                self.data_dir.display().to_string(),
            ),
            (spec::ADMIN_API_USERS.name.into(), users),
            (
                spec::USER_POOL_SECRET_KEY.name.into(),
                match self.user_pool_key {
                    Some(_) => REDACTED.into(),
                    None => "(generated, kept in GATEWAY_DATA_DIR)".into(),
                },
            ),
            (
                MASTER_USERNAME_VAR.into(),
                self.master
                    .as_ref()
                    .map_or("(unset: tenant token endpoint off)".into(), |m| {
                        m.username.clone()
                    }),
            ),
        ]
    }
}

fn pair_error(missing: &'static str, set: &str) -> ConfigError {
    ConfigError::invalid(
        missing,
        format!("a value, since {set} is set (set both or neither)"),
        "",
    )
}

/// Parses the reference's inline list, `[{username: admin, password: conduktor, admin: true}]`;
/// JSON is the same shape with quotes, so one parser reads both.
pub fn parse_users(var: &str, raw: &str) -> Result<Vec<AdminUser>, ConfigError> {
    let fail = |why: String| {
        ConfigError::invalid(
            var,
            format!("a list like [{{username: admin, password: secret, admin: true}}]: {why}"),
            REDACTED,
        )
    };
    let entries = syntax::parse(raw).map_err(fail)?;
    let mut users: Vec<AdminUser> = Vec::new();
    for (i, entry) in entries.into_iter().enumerate() {
        let mut username = None;
        let mut password = None;
        let mut admin = false;
        for (key, value) in entry {
            match key.as_str() {
                "username" => username = Some(value),
                "password" => password = Some(value),
                "admin" => {
                    admin = match value.to_ascii_lowercase().as_str() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(fail(format!("entry {i}: admin must be true or false"))),
                    }
                }
                other => {
                    return Err(fail(format!(
                        "entry {i}: unknown key {other:?} (username, password, admin)"
                    )))
                }
            }
        }
        let username = username
            .filter(|u| !u.is_empty())
            .ok_or_else(|| fail(format!("entry {i}: username is missing")))?;
        let password = password
            .filter(|p| !p.is_empty())
            .ok_or_else(|| fail(format!("entry {i}: password is missing")))?;
        if username.contains(':') {
            return Err(fail(format!("entry {i}: username must not contain ':'")));
        }
        if users.iter().any(|u| u.username == username) {
            return Err(fail(format!(
                "entry {i}: username {username:?} is listed twice"
            )));
        }
        users.push(AdminUser {
            username,
            password,
            admin,
        });
    }
    Ok(users)
}

#[cfg(test)]
#[path = "admin_tests.rs"]
mod tests;
