//! Tenancy and authorization settings: virtual-cluster membership, passthrough ACLs, anonymous
//! clients.

use super::error::ConfigError;
use super::sasl::{ClientSasl, SecurityMode};
use super::spec;
use super::Env;

/// How principals are placed in virtual clusters and which ACLs apply outside them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tenancy {
    /// `GATEWAY_FEATURE_FLAGS_MANDATORY_VCLUSTER`: refuse principals with no service account.
    pub mandatory_vcluster: bool,
    /// `GATEWAY_ACL_STORE_ENABLED` / `GATEWAY_ACL_ENABLED`: ACLs for passthrough principals.
    pub passthrough_acls: bool,
    /// `GATEWAY_SUPER_USERS`: principals (`User:name`) that bypass passthrough ACLs.
    pub super_users: Vec<String>,
    /// `GATEWAY_ALLOW_ANONYMOUS`: SASL listeners also serve clients that do not authenticate.
    pub allow_anonymous: bool,
}

impl Tenancy {
    pub(super) fn from_env(env: &Env, sasl: Option<&ClientSasl>) -> Result<Tenancy, ConfigError> {
        let mandatory_vcluster = env.require(&spec::FEATURE_FLAGS_MANDATORY_VCLUSTER, boolean)?;
        let store = env.require(&spec::ACL_STORE_ENABLED, boolean)?;
        let newer = env.read(&spec::ACL_ENABLED, boolean)?;
        let passthrough_acls = match newer {
            Some(n) if env.is_explicit(&spec::ACL_STORE_ENABLED) && n != store => {
                return Err(ConfigError::invalid(
                    spec::ACL_ENABLED.name,
                    format!(
                        "the same value as {} (both are set, to different values)",
                        spec::ACL_STORE_ENABLED.name
                    ),
                    &n.to_string(),
                ))
            }
            Some(n) => n,
            None => store,
        };
        let kafka_managed = sasl.is_some_and(|s| s.mode == SecurityMode::KafkaManaged);
        if passthrough_acls && kafka_managed {
            return Err(ConfigError::invalid(
                spec::ACL_STORE_ENABLED.name,
                "false with GATEWAY_SECURITY_MODE=KAFKA_MANAGED: the cluster's own ACLs apply \
                 to delegated principals",
                "true",
            ));
        }
        let super_users = env
            .read(&spec::SUPER_USERS, principals)?
            .unwrap_or_default();
        let allow_anonymous = env.require(&spec::ALLOW_ANONYMOUS, boolean)?;
        if allow_anonymous && sasl.is_none() {
            log::debug!(
                "{} has no effect without a SASL listener: PLAINTEXT and SSL clients are \
                 anonymous anyway",
                spec::ALLOW_ANONYMOUS.name
            );
        }
        Ok(Tenancy {
            mandatory_vcluster,
            passthrough_acls,
            super_users,
            allow_anonymous,
        })
    }

    /// The settings for the start-up log.
    pub fn summary(&self) -> Vec<(String, String)> {
        vec![
            (
                spec::FEATURE_FLAGS_MANDATORY_VCLUSTER.name.into(),
                self.mandatory_vcluster.to_string(),
            ),
            (
                spec::ACL_STORE_ENABLED.name.into(),
                self.passthrough_acls.to_string(),
            ),
            (
                spec::ACL_ENABLED.name.into(),
                self.passthrough_acls.to_string(),
            ),
            (
                spec::SUPER_USERS.name.into(),
                if self.super_users.is_empty() {
                    "(none)".into()
                } else {
                    self.super_users.join(",")
                },
            ),
            (
                spec::ALLOW_ANONYMOUS.name.into(),
                self.allow_anonymous.to_string(),
            ),
        ]
    }
}

/// `true` or `false`, any case.
pub(super) fn boolean(var: &str, raw: &str) -> Result<bool, ConfigError> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ConfigError::invalid(var, "true or false", raw)),
    }
}

/// A comma-separated list of user names; each becomes `User:name`.
fn principals(var: &str, raw: &str) -> Result<Vec<String>, ConfigError> {
    let mut out = Vec::new();
    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let principal = if item.contains(':') {
            item.to_owned()
        } else {
            format!("User:{item}")
        };
        match principal.split_once(':') {
            Some((kind, name)) if !kind.is_empty() && !name.is_empty() => {}
            _ => {
                return Err(ConfigError::invalid(
                    var,
                    "comma-separated user names (alice or User:alice)",
                    raw,
                ))
            }
        }
        out.push(principal);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn base() -> Vec<(String, String)> {
        vec![("KAFKA_BOOTSTRAP_SERVERS".into(), "localhost:9092".into())]
    }

    fn with(extra: &[(&str, &str)]) -> Result<Config, crate::config::ConfigError> {
        let mut vars = base();
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Config::from_vars(vars)
    }

    #[test]
    fn defaults_are_off() {
        let t = with(&[]).expect("starts").tenancy;
        assert!(!t.mandatory_vcluster && !t.passthrough_acls && !t.allow_anonymous);
        assert!(t.super_users.is_empty());
    }

    #[test]
    fn both_acl_names_are_read_and_must_agree() {
        let t = with(&[("GATEWAY_ACL_ENABLED", "true")])
            .expect("starts")
            .tenancy;
        assert!(t.passthrough_acls);
        let t = with(&[("GATEWAY_ACL_STORE_ENABLED", "TRUE")])
            .expect("starts")
            .tenancy;
        assert!(t.passthrough_acls);
        let err = with(&[
            ("GATEWAY_ACL_STORE_ENABLED", "true"),
            ("GATEWAY_ACL_ENABLED", "false"),
        ])
        .unwrap_err();
        assert_eq!(err.var(), "GATEWAY_ACL_ENABLED");
        let err = with(&[("GATEWAY_ACL_STORE_ENABLED", "yes")]).unwrap_err();
        assert_eq!(err.var(), "GATEWAY_ACL_STORE_ENABLED");
    }

    #[test]
    fn super_users_become_principals() {
        let t = with(&[("GATEWAY_SUPER_USERS", "admin, User:ops ,")])
            .expect("starts")
            .tenancy;
        assert_eq!(t.super_users, vec!["User:admin", "User:ops"]);
        assert!(with(&[("GATEWAY_SUPER_USERS", "User:")]).is_err());
    }

    #[test]
    fn acl_store_is_refused_with_kafka_managed_security() {
        let err = with(&[
            ("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT"),
            ("KAFKA_SASL_MECHANISM", "PLAIN"),
            (
                "KAFKA_SASL_JAAS_CONFIG",
                r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="gw" password="pw";"#,
            ),
            ("GATEWAY_SECURITY_PROTOCOL", "DELEGATED_SASL_PLAINTEXT"),
            ("GATEWAY_ACL_STORE_ENABLED", "true"),
        ])
        .unwrap_err();
        assert_eq!(err.var(), "GATEWAY_ACL_STORE_ENABLED");
        assert!(err.to_string().contains("KAFKA_MANAGED"), "{err}");
    }
}
