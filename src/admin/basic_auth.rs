//! HTTP Basic authentication of admin API callers (`GATEWAY_ADMIN_API_USERS`).
//!
//! There is no built-in password: when no user is configured, one `admin` user gets a random
//! password, kept in `GATEWAY_DATA_DIR` (mode 0600) so it survives restarts and only the
//! gateway's OS user can read it. Logs name the file, never the password.

use std::path::Path;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};

use super::secret_eq::secret_eq;
use crate::config::AdminUser;
use crate::store::private_file;

/// The generated password's file inside `GATEWAY_DATA_DIR`.
pub const PASSWORD_FILE: &str = "admin-api-password";
/// The generated user's name.
pub const GENERATED_USER: &str = "admin";

/// Who is calling, once authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The admin API user name.
    pub username: String,
    /// May change state.
    pub admin: bool,
}

/// The users allowed to call the admin API.
#[derive(Debug, Clone)]
pub struct AdminUsers {
    users: Vec<AdminUser>,
}

impl AdminUsers {
    /// These users.
    pub fn new(users: Vec<AdminUser>) -> AdminUsers {
        AdminUsers { users }
    }

    /// The configured users, or the generated `admin` user whose password is in
    /// `data_dir/admin-api-password` (created on first start).
    pub fn configured_or_generated(
        configured: Option<&[AdminUser]>,
        data_dir: &Path,
    ) -> Result<AdminUsers, String> {
        if let Some(users) = configured {
            return Ok(AdminUsers::new(users.to_vec()));
        }
        let path = data_dir.join(PASSWORD_FILE);
        let password = generated_password(&path)?;
        log::warn!(
            "GATEWAY_ADMIN_API_USERS is not set: the admin API user is `{GENERATED_USER}` with \
             the password stored in {}",
            path.display()
        );
        Ok(AdminUsers::new(vec![AdminUser {
            username: GENERATED_USER.into(),
            password,
            admin: true,
        }]))
    }

    /// Checks an `Authorization` header value. `None` when missing or wrong; every user is
    /// compared, so timing says nothing about which part was wrong.
    pub fn authenticate(&self, authorization: Option<&str>) -> Option<Caller> {
        let (username, password) = parse_basic(authorization?)?;
        let mut found = None;
        for user in &self.users {
            let name_ok = secret_eq(username.as_bytes(), user.username.as_bytes());
            let password_ok = secret_eq(password.as_bytes(), user.password.as_bytes());
            if name_ok && password_ok && found.is_none() {
                found = Some(Caller {
                    username: user.username.clone(),
                    admin: user.admin,
                });
            }
        }
        found
    }
}

/// `Basic base64(user:password)`, scheme case-insensitive.
fn parse_basic(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

fn generated_password(path: &Path) -> Result<String, String> {
    let mut random = [0u8; 24];
    SystemRandom::new()
        .fill(&mut random)
        .map_err(|_| "cannot generate the admin password: no system randomness".to_string())?;
    let (bytes, _) = private_file::read_or_create(path, || {
        format!("{}\n", URL_SAFE_NO_PAD.encode(random)).into_bytes()
    })
    .map_err(|e| format!("admin API password (GATEWAY_ADMIN_API_USERS unset): {e}"))?;
    let password = String::from_utf8(bytes)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            format!(
                "{}: empty or not text; delete it to generate a new password",
                path.display()
            )
        })?;
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_dir::TestDir;
    use std::os::unix::fs::PermissionsExt;

    fn basic(user: &str, password: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
    }

    fn users() -> AdminUsers {
        AdminUsers::new(vec![
            AdminUser {
                username: "admin".into(),
                password: "conduktor".into(),
                admin: true,
            },
            AdminUser {
                username: "reader".into(),
                password: "r:with:colons".into(),
                admin: false,
            },
        ])
    }

    #[test]
    fn right_credentials_give_the_callers_role() {
        let u = users();
        let admin = u
            .authenticate(Some(&basic("admin", "conduktor")))
            .expect("admin");
        assert!(admin.admin);
        let reader = u
            .authenticate(Some(&basic("reader", "r:with:colons")))
            .expect("reader");
        assert_eq!(reader.username, "reader");
        assert!(!reader.admin);
        let lower = basic("admin", "conduktor").replace("Basic", "basic");
        assert!(u.authenticate(Some(&lower)).is_some());
    }

    #[test]
    fn wrong_or_malformed_credentials_are_refused() {
        let u = users();
        for header in [
            basic("admin", "conduktoR"),
            basic("admin", "r:with:colons"),
            basic("nobody", "conduktor"),
            basic("admin", ""),
            "Bearer abc".into(),
            "Basic !!!".into(),
            format!("Basic {}", STANDARD.encode("no-colon")),
            "Basic".into(),
            String::new(),
        ] {
            assert_eq!(u.authenticate(Some(&header)), None, "{header}");
        }
        assert_eq!(u.authenticate(None), None);
    }

    #[test]
    fn generated_password_is_private_random_and_stable() {
        let dir = TestDir::new();
        let first = AdminUsers::configured_or_generated(None, dir.path()).expect("generate");
        let path = dir.path().join(PASSWORD_FILE);
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let password = std::fs::read_to_string(&path).expect("read");
        let password = password.trim();
        assert!(password.len() >= 32, "{}", password.len());
        assert!(first
            .authenticate(Some(&basic("admin", password)))
            .is_some());
        let again = AdminUsers::configured_or_generated(None, dir.path()).expect("reuse");
        assert!(again
            .authenticate(Some(&basic("admin", password)))
            .is_some());
        let other = TestDir::new();
        let other_users = AdminUsers::configured_or_generated(None, other.path()).expect("other");
        assert!(other_users
            .authenticate(Some(&basic("admin", password)))
            .is_none());
    }

    #[test]
    fn configured_users_write_no_password_file() {
        let dir = TestDir::new();
        let list = vec![AdminUser {
            username: "a".into(),
            password: "b".into(),
            admin: true,
        }];
        AdminUsers::configured_or_generated(Some(&list), dir.path()).expect("configured");
        assert!(!dir.path().join(PASSWORD_FILE).exists());
    }
}
