//! The backing cluster: `KAFKA_*` variables as Kafka client properties.

use std::collections::BTreeMap;
use std::fmt;

use super::error::ConfigError;
use super::redact;
use super::sasl::BackendSasl;
use super::security::{self, BackendSecurityProtocol};
use super::spec;
use super::tls::BackendTls;
use super::{bootstrap, Env};

/// Variables with this prefix are Kafka client properties.
pub const PREFIX: &str = "KAFKA_";

/// How the gateway reaches the cluster.
#[derive(Debug, Clone)]
pub struct Backend {
    /// `bootstrap.servers`, parsed; IPv6 hosts without brackets.
    pub bootstrap_servers: Vec<(String, u16)>,
    /// `security.protocol`.
    pub security_protocol: BackendSecurityProtocol,
    /// TLS towards the brokers, present when `security.protocol` is SSL or SASL_SSL.
    pub tls: Option<BackendTls>,
    /// kgate's SASL credentials, present when `security.protocol` is a SASL one.
    pub sasl: Option<BackendSasl>,
    /// Every property, including the two above as given.
    pub properties: KafkaProperties,
}

/// Kafka client properties by name (`sasl.jaas.config`). `Debug` hides secret values, so a
/// `{:?}` of the configuration can never leak one into a log.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KafkaProperties(BTreeMap<String, String>);

impl KafkaProperties {
    /// The property's value, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// All properties, sorted by name. Values include secrets: do not log them.
    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

impl fmt::Debug for KafkaProperties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, v)| (k, redact::shown(k, v))))
            .finish()
    }
}

/// `KAFKA_SASL_JAAS_CONFIG` -> `sasl.jaas.config`, as Conduktor Gateway maps them.
pub fn property_name(var: &str) -> Option<String> {
    let rest = var.strip_prefix(PREFIX)?;
    (!rest.is_empty()).then(|| rest.to_ascii_lowercase().replace('_', "."))
}

/// The variable a property came from, for messages and the summary.
fn var_name(property: &str) -> String {
    format!(
        "{PREFIX}{}",
        property.to_ascii_uppercase().replace('.', "_")
    )
}

impl Backend {
    /// Reads every `KAFKA_*` variable; returns warnings for names that map to no property.
    pub(crate) fn from_env(env: &Env) -> Result<(Backend, Vec<String>), ConfigError> {
        let mut properties = BTreeMap::new();
        let mut warnings = Vec::new();
        for (var, value) in env.kafka() {
            match property_name(var) {
                Some(name) => {
                    properties.insert(name, value.to_string());
                }
                None => warnings.push(format!("{var} names no Kafka property and is ignored")),
            }
        }
        let bootstrap_servers = env.require(&spec::BOOTSTRAP_SERVERS, bootstrap::parse)?;
        let security_protocol =
            env.require(&spec::BACKEND_SECURITY_PROTOCOL, security::parse_backend)?;
        let tls = if security_protocol.is_tls() {
            Some(BackendTls::from_env(env)?)
        } else {
            None
        };
        let sasl = if security_protocol.is_sasl() {
            Some(BackendSasl::from_env(env)?)
        } else {
            None
        };
        // SASL is not implemented yet, and TLS settings do nothing under PLAINTEXT: say so
        // rather than ignore them silently.
        {
            let unused_prefix = |name: &str| {
                (sasl.is_none() && name.starts_with("sasl."))
                    || (tls.is_none() && name.starts_with("ssl."))
            };
            warnings.extend(
                properties
                    .keys()
                    .filter(|name| unused_prefix(name))
                    .map(|name| {
                        format!(
                            "{} is set but not used with {}={}",
                            var_name(name),
                            spec::BACKEND_SECURITY_PROTOCOL.name,
                            format!("{security_protocol:?}").to_uppercase()
                        )
                    }),
            );
        }
        let backend = Backend {
            bootstrap_servers,
            security_protocol,
            tls,
            sasl,
            properties: KafkaProperties(properties),
        };
        Ok((backend, warnings))
    }

    /// `(KAFKA_* variable, value)` for each property, secrets redacted.
    pub(crate) fn redacted_summary(&self) -> Vec<(String, String)> {
        self.properties
            .0
            .iter()
            .map(|(name, value)| {
                let var = var_name(name);
                let shown = redact::shown(&var, value).to_string();
                (var, shown)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_like_conduktor() {
        assert_eq!(
            property_name("KAFKA_BOOTSTRAP_SERVERS").as_deref(),
            Some("bootstrap.servers")
        );
        assert_eq!(
            property_name("KAFKA_SASL_JAAS_CONFIG").as_deref(),
            Some("sasl.jaas.config")
        );
        assert_eq!(property_name("KAFKA_"), None);
        assert_eq!(property_name("GATEWAY_X"), None);
        assert_eq!(var_name("ssl.key.password"), "KAFKA_SSL_KEY_PASSWORD");
    }

    #[test]
    fn tls_and_sasl_settings_under_plaintext_are_warned_about() {
        let env = Env::new(
            [
                ("KAFKA_BOOTSTRAP_SERVERS", "b:9092"),
                ("KAFKA_SASL_MECHANISM", "PLAIN"),
                ("KAFKA_CLIENT_ID", "gw"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let (_, warnings) = Backend::from_env(&env).expect("loads");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("KAFKA_SASL_MECHANISM is set"),
            "{warnings:?}"
        );
    }

    #[test]
    fn debug_hides_secret_values() {
        let mut map = BTreeMap::new();
        map.insert(
            "sasl.jaas.config".to_string(),
            "password=\"hunter2\"".into(),
        );
        map.insert("sasl.mechanism".to_string(), "PLAIN".into());
        let shown = format!("{:?}", KafkaProperties(map));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("PLAIN"), "{shown}");
        assert!(shown.contains(redact::REDACTED), "{shown}");
    }
}
