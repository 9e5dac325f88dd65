//! Configuration: the environment, read once at start into typed fields.
//!
//! Every `GATEWAY_*` variable is described in [`spec`], which both the parser and `--help` use.
//! Every `KAFKA_*` variable becomes a Kafka client property for the gateway's own connections to
//! the cluster, as in Conduktor Gateway. Other variables are ignored. An empty value counts as
//! unset, because deployment files often write `NAME=` to mean "use the default".

mod admin;
mod backend;
pub mod bootstrap;
mod error;
pub mod redact;
mod sasl;
mod security;
pub mod spec;
mod tenancy;
mod tls;
mod value;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

pub use admin::{AdminConfig, AdminUser, MasterCredentials};
pub use backend::{Backend, KafkaProperties};
pub use error::ConfigError;
pub use sasl::{BackendSasl, ClientSasl, OAuthSettings, SaslMechanism, SecurityMode};
pub use security::{BackendSecurityProtocol, GatewaySecurityProtocol};
pub use spec::help_text;
pub use tenancy::Tenancy;
pub use tls::{BackendTls, ClientAuth, Routing, RoutingMechanism, ServerTls, TlsVersion};

use spec::{DefaultValue, VarSpec};

/// The gateway's whole configuration. `Debug` is safe to log: Kafka properties redact secrets.
#[derive(Debug, Clone)]
pub struct Config {
    /// Event-loop threads (`GATEWAY_WORKER_THREADS`).
    pub worker_threads: usize,
    /// Host given to clients in metadata (`GATEWAY_ADVERTISED_HOST`).
    pub advertised_host: String,
    /// Address the listeners bind (`GATEWAY_BIND_HOST`).
    pub bind_host: IpAddr,
    /// First Kafka port, the bootstrap port (`GATEWAY_PORT_START`).
    pub port_start: u16,
    /// Number of Kafka ports; `None` = computed from the cluster (`GATEWAY_PORT_COUNT`).
    pub port_count: Option<u16>,
    /// Broker id of the first broker port; `None` = lowest id in the cluster
    /// (`GATEWAY_MIN_BROKERID`).
    pub min_broker_id: Option<i32>,
    /// Admin HTTP port (`GATEWAY_HTTP_PORT`).
    pub http_port: u16,
    /// Largest frame accepted (`GATEWAY_MAX_FRAME_BYTES`).
    pub max_frame_bytes: usize,
    /// Idle client connections are closed after this; `None` = never (`GATEWAY_IDLE_TIMEOUT_MS`).
    pub idle_timeout: Option<Duration>,
    /// Client connections open at once (`GATEWAY_MAX_CONNECTIONS`).
    pub max_connections: usize,
    /// Broker connect timeout (`GATEWAY_UPSTREAM_CONNECT_TIMEOUT_MS`).
    pub upstream_connect_timeout: Duration,
    /// Control-plane metadata refresh interval (`GATEWAY_METADATA_REFRESH_MS`).
    pub metadata_refresh: Duration,
    /// Grace period on shutdown (`GATEWAY_SHUTDOWN_TIMEOUT_MS`).
    pub shutdown_timeout: Duration,
    /// Client-side security (`GATEWAY_SECURITY_PROTOCOL`).
    pub security_protocol: GatewaySecurityProtocol,
    /// True when `GATEWAY_SECURITY_PROTOCOL` was not set and was inferred from the cluster's.
    pub security_protocol_inferred: bool,
    /// Server-side TLS, present when `GATEWAY_SECURITY_PROTOCOL` is SSL or SASL_SSL.
    pub server_tls: Option<ServerTls>,
    /// Client SASL, present when `GATEWAY_SECURITY_PROTOCOL` is a SASL one.
    pub client_sasl: Option<ClientSasl>,
    /// Port or host (SNI) routing.
    pub routing: Routing,
    /// The backing cluster (`KAFKA_*`).
    pub backend: Backend,
    /// Things worth a log line that do not stop the gateway, e.g. unknown `GATEWAY_*` names.
    pub warnings: Vec<String>,
    /// Admin API users, data directory, token key (`GATEWAY_ADMIN_API_USERS`, ...).
    pub admin: AdminConfig,
    /// Virtual-cluster membership, passthrough ACLs, anonymous clients.
    pub tenancy: Tenancy,
}

/// Most frames are far smaller; below this even a Metadata response for a tiny cluster fails.
const MIN_FRAME_BYTES: usize = 1024;
/// Kafka frame sizes are `int32`.
const MAX_FRAME_BYTES: usize = i32::MAX as usize;
/// More would be a configuration mistake, not a machine.
const MAX_WORKER_THREADS: usize = 1024;
/// Each client connection also holds an upstream socket; beyond this, file limits bite first.
const MAX_CONNECTIONS: usize = 1_000_000;

impl Config {
    /// Reads the process environment. Only `GATEWAY_*` and `KAFKA_*` variables are looked at.
    pub fn from_env() -> Result<Config, ConfigError> {
        let mut vars = Vec::new();
        for (name, value) in std::env::vars_os() {
            // A name that is not UTF-8 cannot be one of ours.
            let Some(name) = name.to_str() else { continue };
            if !is_ours(name) {
                continue;
            }
            let value = value.into_string().map_err(|_| ConfigError::NotUnicode {
                var: name.to_string(),
            })?;
            vars.push((name.to_string(), value));
        }
        Config::from_vars(vars)
    }

    /// Builds the configuration from `(name, value)` pairs; a later duplicate wins, as in a
    /// shell. Tests use this so they never touch the process environment.
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let env = Env::new(vars);
        let mut warnings = env.unknown_gateway_vars();

        let worker_threads = match env.get(&spec::WORKER_THREADS) {
            Some(raw) => value::size(spec::WORKER_THREADS.name, raw, 1, MAX_WORKER_THREADS)?,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let port_start = env.require(&spec::PORT_START, value::port)?;
        let port_count = env.read(&spec::PORT_COUNT, |var, raw| {
            port_count(var, raw, port_start)
        })?;
        let http_port = env.require(&spec::HTTP_PORT, value::port)?;
        check_http_port(http_port, port_start, port_count)?;

        let (backend, backend_warnings) = Backend::from_env(&env)?;
        warnings.extend(backend_warnings);
        let explicit_protocol = env.read(&spec::SECURITY_PROTOCOL, security::parse_gateway)?;
        let security_protocol_inferred = explicit_protocol.is_none();
        let (security_protocol, delegated) = explicit_protocol
            .unwrap_or_else(|| backend.security_protocol.inferred_gateway_protocol());
        let server_tls = if security_protocol.is_tls() {
            Some(ServerTls::from_env(&env, &mut warnings)?)
        } else {
            None
        };
        let client_sasl = if security_protocol.is_sasl() {
            Some(ClientSasl::from_env(&env, delegated)?)
        } else {
            None
        };
        if client_sasl
            .as_ref()
            .is_some_and(|s| s.mode == SecurityMode::KafkaManaged)
            && !backend.security_protocol.is_sasl()
        {
            return Err(ConfigError::invalid(
                spec::BACKEND_SECURITY_PROTOCOL.name,
                "SASL_PLAINTEXT or SASL_SSL: Kafka-managed SASL relays clients' credentials to a SASL cluster",
                &format!("{:?}", backend.security_protocol).to_uppercase(),
            ));
        }
        let routing = Routing::from_env(&env, port_start, server_tls.is_some())?;
        let tenancy = Tenancy::from_env(&env, client_sasl.as_ref())?;

        Ok(Config {
            worker_threads,
            advertised_host: env.require(&spec::ADVERTISED_HOST, value::host)?,
            bind_host: env.require(&spec::BIND_HOST, value::ip)?,
            port_start,
            port_count,
            min_broker_id: env.read(&spec::MIN_BROKER_ID, value::broker_id)?,
            http_port,
            max_frame_bytes: env.require(&spec::MAX_FRAME_BYTES, |var, raw| {
                value::size(var, raw, MIN_FRAME_BYTES, MAX_FRAME_BYTES)
            })?,
            idle_timeout: env.require(&spec::IDLE_TIMEOUT_MS, value::millis_or_never)?,
            max_connections: env.require(&spec::MAX_CONNECTIONS, |var, raw| {
                value::size(var, raw, 1, MAX_CONNECTIONS)
            })?,
            upstream_connect_timeout: env
                .require(&spec::UPSTREAM_CONNECT_TIMEOUT_MS, value::millis)?,
            metadata_refresh: env.require(&spec::METADATA_REFRESH_MS, value::millis)?,
            shutdown_timeout: env.require(&spec::SHUTDOWN_TIMEOUT_MS, value::millis)?,
            security_protocol,
            security_protocol_inferred,
            server_tls,
            client_sasl,
            routing,
            backend,
            warnings,
            admin: AdminConfig::from_env(&env)?,
            tenancy,
        })
    }

    /// `GATEWAY_SECURITY_PROTOCOL` as the start-up log shows it, saying when it was inferred.
    fn protocol_summary(&self) -> String {
        let name = match self.security_protocol {
            GatewaySecurityProtocol::Plaintext => "PLAINTEXT",
            GatewaySecurityProtocol::Ssl => "SSL",
            GatewaySecurityProtocol::SaslPlaintext => "SASL_PLAINTEXT",
            GatewaySecurityProtocol::SaslSsl => "SASL_SSL",
        };
        let mode = match &self.client_sasl {
            Some(sasl) if sasl.mode == SecurityMode::KafkaManaged => {
                " (KAFKA_MANAGED: delegated to the cluster)"
            }
            Some(_) => " (GATEWAY_MANAGED)",
            None => "",
        };
        let inferred = if self.security_protocol_inferred {
            ", inferred from KAFKA_SECURITY_PROTOCOL"
        } else {
            ""
        };
        format!("{name}{mode}{inferred}")
    }

    /// The effective configuration as `(variable, value)` pairs, for the start-up log. Secret
    /// values (see [`redact`]) are replaced by `[redacted]`.
    pub fn redacted_summary(&self) -> Vec<(String, String)> {
        let ms = |d: Duration| d.as_millis().to_string();
        let or_cluster = |v: Option<String>| v.unwrap_or_else(|| "(from the cluster)".into());
        let mut out: Vec<(String, String)> = [
            (&spec::WORKER_THREADS, self.worker_threads.to_string()),
            (&spec::ADVERTISED_HOST, self.advertised_host.clone()),
            (&spec::BIND_HOST, self.bind_host.to_string()),
            (&spec::PORT_START, self.port_start.to_string()),
            (
                &spec::PORT_COUNT,
                or_cluster(self.port_count.map(|n| n.to_string())),
            ),
            (
                &spec::MIN_BROKER_ID,
                or_cluster(self.min_broker_id.map(|n| n.to_string())),
            ),
            (&spec::HTTP_PORT, self.http_port.to_string()),
            (&spec::MAX_FRAME_BYTES, self.max_frame_bytes.to_string()),
            (
                &spec::IDLE_TIMEOUT_MS,
                self.idle_timeout.map_or("0 (never)".into(), ms),
            ),
            (&spec::MAX_CONNECTIONS, self.max_connections.to_string()),
            (
                &spec::UPSTREAM_CONNECT_TIMEOUT_MS,
                ms(self.upstream_connect_timeout),
            ),
            (&spec::METADATA_REFRESH_MS, ms(self.metadata_refresh)),
            (&spec::SHUTDOWN_TIMEOUT_MS, ms(self.shutdown_timeout)),
            (&spec::SECURITY_PROTOCOL, self.protocol_summary()),
        ]
        .into_iter()
        .map(|(spec, v): (&VarSpec, String)| (spec.name.to_string(), v))
        .collect();
        let routing = &self.routing;
        out.push((
            spec::ROUTING_MECHANISM.name.into(),
            format!("{:?}", routing.mechanism).to_lowercase(),
        ));
        out.push((
            spec::SNI_PORT.name.into(),
            routing.sni_port.map_or("(none)".into(), |p| p.to_string()),
        ));
        out.push((
            spec::ADVERTISED_HOST_PREFIX.name.into(),
            routing.host_prefix.clone(),
        ));
        out.push((
            spec::SNI_HOST_SEPARATOR.name.into(),
            routing.host_separator.clone(),
        ));
        if let Some(tls) = &self.server_tls {
            out.extend(tls.summary());
        }
        if let Some(sasl) = &self.client_sasl {
            out.extend(sasl.summary());
        }
        out.extend(self.backend.redacted_summary());
        out.extend(self.admin.redacted_summary());
        out.extend(self.tenancy.summary());
        out
    }
}

/// Variables the gateway looks at.
fn is_ours(name: &str) -> bool {
    name.starts_with("GATEWAY_")
        || name.starts_with(backend::PREFIX)
        || admin::EXTRA_VARS.contains(&name)
}

/// `GATEWAY_PORT_COUNT`: the bootstrap port plus at least one broker port, inside 1-65535.
fn port_count(var: &str, raw: &str, start: u16) -> Result<u16, ConfigError> {
    let room = 65_536 - u64::from(start);
    let n = value::integer(var, raw, 2, room).map_err(|_| {
        ConfigError::invalid(
            var,
            format!(
                "a port count 2-{room} (the bootstrap port plus one per broker, \
                 ending at or below 65535 with {}={start})",
                spec::PORT_START.name
            ),
            raw,
        )
    })?;
    u16::try_from(n).map_err(|_| ConfigError::invalid(var, "a port count 2-65535", raw))
}

/// The admin port must not be one the Kafka listeners will bind.
fn check_http_port(http: u16, start: u16, count: Option<u16>) -> Result<(), ConfigError> {
    let end = u32::from(start) + u32::from(count.unwrap_or(1));
    if (u32::from(start)..end).contains(&u32::from(http)) {
        return Err(ConfigError::invalid(
            spec::HTTP_PORT.name,
            format!(
                "a port outside the Kafka ports {start}-{} ({} and {})",
                end - 1,
                spec::PORT_START.name,
                spec::PORT_COUNT.name
            ),
            &http.to_string(),
        ));
    }
    Ok(())
}

/// The relevant variables, split by prefix, with empty values dropped.
pub(crate) struct Env {
    gateway: BTreeMap<String, String>,
    kafka: BTreeMap<String, String>,
    /// Names set to an empty value: unset for most, but Kafka gives a few a meaning.
    empty: std::collections::BTreeSet<String>,
    /// Unprefixed names the gateway reads ([`admin::EXTRA_VARS`]).
    extra: BTreeMap<String, String>,
}

impl Env {
    fn new(vars: impl IntoIterator<Item = (String, String)>) -> Env {
        let mut env = Env {
            gateway: BTreeMap::new(),
            kafka: BTreeMap::new(),
            empty: std::collections::BTreeSet::new(),
            extra: BTreeMap::new(),
        };
        for (name, value) in vars {
            let map = if name.starts_with("GATEWAY_") {
                &mut env.gateway
            } else if name.starts_with(backend::PREFIX) {
                &mut env.kafka
            } else if admin::EXTRA_VARS.contains(&name.as_str()) {
                &mut env.extra
            } else {
                continue;
            };
            if value.trim().is_empty() {
                map.remove(&name);
                env.empty.insert(name);
            } else {
                env.empty.remove(&name);
                map.insert(name, value);
            }
        }
        env
    }

    /// The value set for `spec`, else its literal default, else `None`.
    fn get(&self, spec: &VarSpec) -> Option<&str> {
        let set = self.gateway.get(spec.name).or(self.kafka.get(spec.name));
        match (set, spec.default) {
            (Some(v), _) => Some(v),
            (None, DefaultValue::Literal(v)) => Some(v),
            (None, DefaultValue::Computed(_) | DefaultValue::Required) => None,
        }
    }

    /// Parses `spec`'s value; `None` when it has no value and no literal default.
    fn read<T>(
        &self,
        spec: &VarSpec,
        parse: impl FnOnce(&str, &str) -> Result<T, ConfigError>,
    ) -> Result<Option<T>, ConfigError> {
        self.get(spec).map(|raw| parse(spec.name, raw)).transpose()
    }

    /// Parses `spec`'s value, which must exist (set, or a literal default).
    fn require<T>(
        &self,
        spec: &'static VarSpec,
        parse: impl FnOnce(&str, &str) -> Result<T, ConfigError>,
    ) -> Result<T, ConfigError> {
        self.read(spec, parse)?.ok_or(ConfigError::Missing {
            var: spec.name,
            why: spec.help,
        })
    }

    /// A warning for each `GATEWAY_*` name the table does not know.
    fn unknown_gateway_vars(&self) -> Vec<String> {
        self.gateway
            .keys()
            .filter(|name| spec::find(name).is_none())
            .map(|name| format!("{name} is not recognised by this build and is ignored"))
            .collect()
    }

    /// The `KAFKA_*` variables that were set.
    /// True when `spec` was set (not only defaulted).
    pub(crate) fn is_explicit(&self, spec: &VarSpec) -> bool {
        self.raw(spec.name).is_some()
    }

    /// True when `name` is set to an empty value (its last occurrence).
    pub(crate) fn is_set_empty(&self, name: &str) -> bool {
        self.empty.contains(name)
    }

    /// A raw value as set, without defaults.
    pub(crate) fn raw(&self, name: &str) -> Option<&str> {
        self.gateway
            .get(name)
            .or(self.kafka.get(name))
            .or(self.extra.get(name))
            .map(String::as_str)
    }

    fn kafka(&self) -> impl Iterator<Item = (&str, &str)> {
        self.kafka.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

#[cfg(test)]
mod tests;
