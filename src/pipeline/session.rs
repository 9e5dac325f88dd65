//! Who a connection is and what applies to it. Filters decide by the session; it fills in as
//! the connection goes: the source and listener at accept, the principal after TLS or SASL,
//! the client id with the first request, the client software with ApiVersions v3+.

use std::net::SocketAddr;

use crate::proxy::listener::ListenerKind;

/// The virtual cluster of a connection that no tenant claims: names pass through unchanged.
pub const PASSTHROUGH: &str = "passthrough";

/// What kgate knows of one client connection.
#[derive(Debug, Clone)]
pub struct Session {
    /// The client's address.
    pub source: SocketAddr,
    /// The listener it came in on.
    pub listener: ListenerKind,
    /// The principal (without Kafka's `User:`): from the client certificate or SASL.
    pub principal: Option<String>,
    /// The gateway service account, when the client authenticated as one.
    pub service_account: Option<String>,
    /// The virtual cluster the connection belongs to.
    pub vcluster: String,
    /// The `client.id` of its requests.
    pub client_id: Option<String>,
    /// The client library's name (ApiVersions v3+).
    pub software_name: Option<String>,
    /// The client library's version (ApiVersions v3+).
    pub software_version: Option<String>,
}

impl Session {
    /// A connection just accepted.
    pub fn new(source: SocketAddr, listener: ListenerKind) -> Self {
        Self {
            source,
            listener,
            principal: None,
            service_account: None,
            vcluster: PASSTHROUGH.to_owned(),
            client_id: None,
            software_name: None,
            software_version: None,
        }
    }
}
