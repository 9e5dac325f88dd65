//! State every worker reads: routing, advertised versions, metrics, counters.

use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, RwLock};

use codec::messages::api_versions::ApiVersionsResponse;

use super::listener::ListenerKind;
use super::sasl_server::Authenticator;
use super::settings::Settings;
use crate::auth::principal_mapping::PrincipalMapper;
use crate::config::SecurityMode;
use crate::interceptors::runtime::Interceptors;
use crate::metrics::Metrics;
use crate::routing::address_book::AddressBook;
use crate::routing::advertise::Advertise;
use crate::routing::host_map::HostMap;
use crate::routing::port_map::PortMap;
use crate::tls::reload::CurrentServerConfig;
use crate::upstream::sasl_client::BackendCredentials;
use crate::vcluster::runtime::Tenancy;

/// Read-mostly state shared by the acceptor, the workers and the control plane.
#[derive(Debug)]
pub struct Shared {
    /// Limits and timeouts.
    pub settings: Settings,
    /// Broker id to gateway port.
    pub port_map: PortMap,
    /// Broker id to real address.
    pub book: AddressBook,
    /// The ApiVersions answer kgate gives clients.
    pub api_versions: RwLock<Arc<ApiVersionsResponse>>,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Client connections open now.
    pub open_connections: AtomicUsize,
    /// Set once shutdown has begun.
    pub shutting_down: AtomicBool,
    /// Server-side TLS, when clients connect over TLS.
    pub server_tls: Option<ServerTlsState>,
    /// Client-side TLS towards brokers, when the cluster requires it.
    pub backend_tls: Option<Arc<rustls::ClientConfig>>,
    /// Host-routing names, when an SNI listener runs.
    pub host_map: Option<HostMap>,
    /// Client SASL, when the listeners require it.
    pub sasl: Option<SaslServer>,
    /// kgate's own SASL credentials towards brokers, when the cluster requires them.
    pub backend_sasl: Option<Arc<BackendCredentials>>,
    /// Virtual clusters, aliases and ACLs; `None` with KAFKA_MANAGED security (the cluster's
    /// own ACLs apply) and in tests that do not need it.
    pub tenancy: Option<Arc<Tenancy>>,
    /// Interceptors of the gateway state; `None` in tests that do not need them.
    pub interceptors: Option<Arc<Interceptors>>,
}

/// Client SASL as the data path applies it.
#[derive(Debug)]
pub struct SaslServer {
    /// Who checks credentials.
    pub mode: SecurityMode,
    /// The checks kgate makes itself (GATEWAY_MANAGED).
    pub authenticator: Arc<dyn Authenticator>,
    /// How long a failed attempt waits for its answer.
    pub failed_auth_delay: std::time::Duration,
    /// The longest session before re-authentication.
    pub max_reauth: Option<std::time::Duration>,
}

/// What every TLS client connection needs.
#[derive(Debug)]
pub struct ServerTlsState {
    /// The server configuration in force (replaced when the files change).
    pub current: Arc<CurrentServerConfig>,
    /// `GATEWAY_SSL_PRINCIPAL_MAPPING_RULES`.
    pub mapper: PrincipalMapper,
}

impl Shared {
    /// How answers name brokers to a client of `listener`.
    pub fn advertiser(&self, listener: ListenerKind) -> &dyn Advertise {
        match (listener, &self.host_map) {
            (ListenerKind::Sni, Some(hosts)) => hosts,
            _ => &self.port_map,
        }
    }

    /// The current ApiVersions answer.
    pub fn api_versions(&self) -> Arc<ApiVersionsResponse> {
        match self.api_versions.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Replace the ApiVersions answer.
    pub fn set_api_versions(&self, advertised: ApiVersionsResponse) {
        let mut guard = match self.api_versions.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Arc::new(advertised);
    }
}

#[cfg(test)]
impl Shared {
    /// Shared state for tests: port routing from 9092, no TLS, no SASL, and the given
    /// credentials towards the broker.
    pub fn for_tests(backend_sasl: Option<Arc<BackendCredentials>>) -> Arc<Self> {
        use std::time::Duration;
        Arc::new(Self {
            settings: Settings {
                max_frame_bytes: 1 << 20,
                idle_timeout: None,
                connect_timeout: Duration::from_secs(5),
                shutdown_timeout: Duration::from_secs(5),
                max_connections: 10,
            },
            port_map: PortMap {
                advertised_host: "127.0.0.1".into(),
                port_start: 9092,
                min_broker_id: 1,
                port_count: 3,
            },
            book: AddressBook::new(Vec::new()),
            api_versions: RwLock::new(Arc::default()),
            metrics: Arc::new(Metrics::new()),
            open_connections: AtomicUsize::new(0),
            shutting_down: AtomicBool::new(false),
            server_tls: None,
            backend_tls: None,
            host_map: None,
            sasl: None,
            backend_sasl,
            tenancy: None,
            interceptors: None,
        })
    }
}
