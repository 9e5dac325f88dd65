//! TLS settings on both sides, and host (SNI) routing, from `GATEWAY_SSL_*` and `KAFKA_SSL_*`.
//!
//! Only paths and options are read here; the files are loaded (and their errors reported with
//! the variable's name) when the gateway starts, and again whenever they change.

use std::path::PathBuf;
use std::time::Duration;

use super::error::ConfigError;
use super::spec;
use super::value;
use super::Env;

/// Whether clients must present a certificate (`GATEWAY_SSL_CLIENT_AUTH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// No client certificate is asked for.
    None,
    /// A certificate is asked for; one that is presented must be valid.
    Requested,
    /// A valid certificate is required.
    Required,
}

/// A TLS protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

/// The gateway's server side of TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTls {
    /// PEM file with the private key and the certificate chain.
    pub key_store_path: PathBuf,
    /// PEM file of CAs that client certificates must chain to.
    pub trust_store_path: Option<PathBuf>,
    /// Client certificate policy.
    pub client_auth: ClientAuth,
    /// `GATEWAY_SSL_PRINCIPAL_MAPPING_RULES`, as written.
    pub principal_mapping_rules: String,
    /// Versions offered.
    pub protocols: Vec<TlsVersion>,
    /// Cipher suites offered (IANA names); empty: every suite of the enabled versions.
    pub cipher_suites: Vec<String>,
    /// How often the files are checked for changes.
    pub reload_interval: Duration,
}

/// How a listener picks the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutingMechanism {
    /// One port per broker.
    Port,
    /// One TLS port; the SNI name picks the broker.
    Host,
}

/// Listener layout and host-routing names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    /// `GATEWAY_ROUTING_MECHANISM`.
    pub mechanism: RoutingMechanism,
    /// The host-routed listener's port, if one runs.
    pub sni_port: Option<u16>,
    /// Broker names: `<prefix><id><separator><advertised host>`.
    pub host_prefix: String,
    /// See `host_prefix`.
    pub host_separator: String,
}

/// The gateway's client side of TLS towards the cluster (`KAFKA_SSL_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendTls {
    /// CAs the brokers' certificates must chain to; `None`: the system's CA bundle.
    pub trust_store_path: Option<PathBuf>,
    /// PEM key and chain presented to brokers that ask for a client certificate.
    pub key_store_path: Option<PathBuf>,
    /// Check that the broker's certificate names the host connected to. Kafka's default
    /// (`https`); an empty `KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM` turns it off.
    pub verify_hostname: bool,
}

const CONVERT_HINT: &str = "PEM (convert a JKS or PKCS12 store: keytool -importkeystore -srckeystore store.jks \
     -destkeystore store.p12 -deststoretype PKCS12, then openssl pkcs12 -in store.p12 -nodes -out store.pem)";

/// A store type variable: only PEM is read.
fn pem_only(var: &str, raw: &str) -> Result<(), ConfigError> {
    if raw.trim().eq_ignore_ascii_case("PEM") {
        Ok(())
    } else {
        Err(ConfigError::invalid(var, CONVERT_HINT, raw))
    }
}

fn path(_var: &str, raw: &str) -> Result<PathBuf, ConfigError> {
    Ok(PathBuf::from(raw.trim()))
}

fn client_auth(var: &str, raw: &str) -> Result<ClientAuth, ConfigError> {
    match raw.trim().to_ascii_uppercase().as_str() {
        "NONE" => Ok(ClientAuth::None),
        "REQUESTED" | "REQUEST" => Ok(ClientAuth::Requested),
        "REQUIRED" | "REQUIRE" => Ok(ClientAuth::Required),
        _ => Err(ConfigError::invalid(
            var,
            "NONE, REQUESTED or REQUIRED",
            raw,
        )),
    }
}

fn protocols(var: &str, raw: &str) -> Result<Vec<TlsVersion>, ConfigError> {
    let mut out = Vec::new();
    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let version = match item {
            "TLSv1.2" => TlsVersion::Tls12,
            "TLSv1.3" => TlsVersion::Tls13,
            _ => {
                return Err(ConfigError::invalid(
                    var,
                    "TLSv1.2 and/or TLSv1.3, comma-separated",
                    raw,
                ))
            }
        };
        if !out.contains(&version) {
            out.push(version);
        }
    }
    if out.is_empty() {
        return Err(ConfigError::invalid(
            var,
            "TLSv1.2 and/or TLSv1.3, comma-separated",
            raw,
        ));
    }
    Ok(out)
}

fn list(_var: &str, raw: &str) -> Result<Vec<String>, ConfigError> {
    Ok(raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect())
}

fn mechanism(var: &str, raw: &str) -> Result<RoutingMechanism, ConfigError> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "port" => Ok(RoutingMechanism::Port),
        "host" => Ok(RoutingMechanism::Host),
        _ => Err(ConfigError::invalid(var, "port or host", raw)),
    }
}

impl ServerTls {
    /// `(variable, value)` lines for the start-up log; the files' paths, not their contents.
    pub(crate) fn summary(&self) -> Vec<(String, String)> {
        let versions: Vec<&str> = self
            .protocols
            .iter()
            .map(|v| match v {
                TlsVersion::Tls12 => "TLSv1.2",
                TlsVersion::Tls13 => "TLSv1.3",
            })
            .collect();
        vec![
            (
                spec::SSL_KEY_STORE_PATH.name.into(),
                self.key_store_path.display().to_string(),
            ),
            (
                spec::SSL_TRUST_STORE_PATH.name.into(),
                self.trust_store_path
                    .as_ref()
                    .map_or("(none)".into(), |p| p.display().to_string()),
            ),
            (
                spec::SSL_CLIENT_AUTH.name.into(),
                format!("{:?}", self.client_auth).to_uppercase(),
            ),
            (
                spec::SSL_PRINCIPAL_MAPPING_RULES.name.into(),
                self.principal_mapping_rules.clone(),
            ),
            (spec::SSL_ENABLED_PROTOCOLS.name.into(), versions.join(",")),
            (
                spec::SSL_CIPHER_SUITES.name.into(),
                if self.cipher_suites.is_empty() {
                    "(all)".into()
                } else {
                    self.cipher_suites.join(",")
                },
            ),
            (
                spec::SSL_RELOAD_INTERVAL_MS.name.into(),
                self.reload_interval.as_millis().to_string(),
            ),
        ]
    }

    /// The server TLS settings; `warnings` gets one line per ignored password variable.
    pub(crate) fn from_env(
        env: &Env,
        warnings: &mut Vec<String>,
    ) -> Result<ServerTls, ConfigError> {
        env.require(&spec::SSL_KEY_STORE_TYPE, pem_only)?;
        env.require(&spec::SSL_TRUST_STORE_TYPE, pem_only)?;
        if env.raw(spec::SSL_KEY_PASSWORD.name).is_some() {
            return Err(ConfigError::invalid(
                spec::SSL_KEY_PASSWORD.name,
                "unset: encrypted private keys are not supported; decrypt the key with \
                 `openssl pkey -in encrypted.pem -out key.pem` and keep the file readable only by kgate",
                "[redacted]",
            ));
        }
        for ignored in [
            &spec::SSL_KEY_STORE_PASSWORD,
            &spec::SSL_TRUST_STORE_PASSWORD,
        ] {
            if env.raw(ignored.name).is_some() {
                warnings.push(format!(
                    "{} is not used by PEM stores and is ignored",
                    ignored.name
                ));
            }
        }
        let key_store_path = env
            .read(&spec::SSL_KEY_STORE_PATH, path)?
            .ok_or(ConfigError::Missing {
            var: spec::SSL_KEY_STORE_PATH.name,
            why: "GATEWAY_SECURITY_PROTOCOL=SSL needs the server's key and certificate chain (PEM)",
        })?;
        let trust_store_path = env.read(&spec::SSL_TRUST_STORE_PATH, path)?;
        let client_auth = env.require(&spec::SSL_CLIENT_AUTH, client_auth)?;
        if client_auth != ClientAuth::None && trust_store_path.is_none() {
            return Err(ConfigError::Missing {
                var: spec::SSL_TRUST_STORE_PATH.name,
                why: "GATEWAY_SSL_CLIENT_AUTH asks for client certificates, which must chain to these CAs",
            });
        }
        Ok(ServerTls {
            key_store_path,
            trust_store_path,
            client_auth,
            principal_mapping_rules: env
                .require(&spec::SSL_PRINCIPAL_MAPPING_RULES, |_, raw| {
                    Ok(raw.to_owned())
                })?,
            protocols: env.require(&spec::SSL_ENABLED_PROTOCOLS, protocols)?,
            cipher_suites: env
                .read(&spec::SSL_CIPHER_SUITES, list)?
                .unwrap_or_default(),
            reload_interval: env.require(&spec::SSL_RELOAD_INTERVAL_MS, value::millis)?,
        })
    }
}

impl Routing {
    /// The listener layout; `port_start` is the default SNI port under host routing.
    pub(crate) fn from_env(env: &Env, port_start: u16, tls: bool) -> Result<Routing, ConfigError> {
        let mechanism = env.require(&spec::ROUTING_MECHANISM, mechanism)?;
        let sni_port = match (mechanism, env.read(&spec::SNI_PORT, value::port)?) {
            (RoutingMechanism::Host, port) => Some(port.unwrap_or(port_start)),
            (RoutingMechanism::Port, port) => port,
        };
        if let (Some(port), false) = (sni_port, tls) {
            // Name the variable the operator actually set.
            let (var, got) = match mechanism {
                RoutingMechanism::Host => (spec::ROUTING_MECHANISM.name, "host".to_owned()),
                RoutingMechanism::Port => (spec::SNI_PORT.name, port.to_string()),
            };
            return Err(ConfigError::invalid(
                var,
                "unset unless GATEWAY_SECURITY_PROTOCOL is SSL: host routing reads the TLS SNI name",
                &got,
            ));
        }
        Ok(Routing {
            mechanism,
            sni_port,
            host_prefix: env.require(&spec::ADVERTISED_HOST_PREFIX, |_, raw| {
                Ok(raw.trim().to_owned())
            })?,
            host_separator: env.require(&spec::SNI_HOST_SEPARATOR, |_, raw| {
                Ok(raw.trim().to_owned())
            })?,
        })
    }
}

impl BackendTls {
    /// The cluster-side TLS settings from Kafka's own property names.
    pub(crate) fn from_env(env: &Env) -> Result<BackendTls, ConfigError> {
        for var in ["KAFKA_SSL_TRUSTSTORE_TYPE", "KAFKA_SSL_KEYSTORE_TYPE"] {
            if let Some(raw) = env.raw(var) {
                pem_only(var, raw)?;
            }
        }
        if env.raw("KAFKA_SSL_KEY_PASSWORD").is_some() {
            return Err(ConfigError::invalid(
                "KAFKA_SSL_KEY_PASSWORD",
                "unset: encrypted private keys are not supported; decrypt the key with \
                 `openssl pkey -in encrypted.pem -out key.pem`",
                "[redacted]",
            ));
        }
        let verify_hostname = if env.is_set_empty("KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM") {
            false
        } else {
            match env.raw("KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM") {
                None => true,
                Some(raw) if raw.trim().eq_ignore_ascii_case("https") => true,
                Some(raw) => {
                    return Err(ConfigError::invalid(
                        "KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM",
                        "https (the default) or empty to turn hostname verification off",
                        raw,
                    ))
                }
            }
        };
        Ok(BackendTls {
            trust_store_path: env
                .raw("KAFKA_SSL_TRUSTSTORE_LOCATION")
                .map(|p| PathBuf::from(p.trim())),
            key_store_path: env
                .raw("KAFKA_SSL_KEYSTORE_LOCATION")
                .map(|p| PathBuf::from(p.trim())),
            verify_hostname,
        })
    }
}
