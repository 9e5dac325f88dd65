//! State every worker reads: routing, advertised versions, metrics, counters.

use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, RwLock};

use codec::messages::api_versions::ApiVersionsResponse;

use super::settings::Settings;
use crate::metrics::Metrics;
use crate::routing::address_book::AddressBook;
use crate::routing::port_map::PortMap;

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
}

impl Shared {
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
