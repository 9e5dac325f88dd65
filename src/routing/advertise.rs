//! What clients are told a broker's address is: a gateway port (port routing) or a gateway
//! host name (host routing). Each connection answers in the scheme of the listener it came in
//! on.

use super::host_map::HostMap;
use super::port_map::PortMap;

/// A way to name brokers to clients.
pub trait Advertise {
    /// The gateway address standing for broker `node_id`, or `None` when it cannot be served.
    fn endpoint(&self, node_id: i32) -> Option<(String, i32)>;

    /// What to change so that an unservable broker becomes servable, for the log.
    fn out_of_range_hint(&self) -> String;
}

impl Advertise for PortMap {
    fn endpoint(&self, node_id: i32) -> Option<(String, i32)> {
        self.port_for(node_id)
            .map(|port| (self.advertised_host.clone(), i32::from(port)))
    }

    fn out_of_range_hint(&self) -> String {
        format!(
            "it is outside the gateway's port range (GATEWAY_MIN_BROKERID={}, GATEWAY_PORT_COUNT={}): \
             raise GATEWAY_PORT_COUNT or lower GATEWAY_MIN_BROKERID to serve it",
            self.min_broker_id, self.port_count
        )
    }
}

impl Advertise for HostMap {
    fn endpoint(&self, node_id: i32) -> Option<(String, i32)> {
        (node_id >= 0).then(|| (self.name_for(node_id), i32::from(self.port)))
    }

    fn out_of_range_hint(&self) -> String {
        "negative broker ids have no host name".into()
    }
}
