//! Port-based routing: gateway port `start + (id - min)` stands for broker `id`.

/// The mapping between broker ids and gateway ports, fixed at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortMap {
    /// The host name clients are told to connect to.
    pub advertised_host: String,
    /// The first gateway port (`GATEWAY_PORT_START`).
    pub port_start: u16,
    /// The broker id served on `port_start` (`GATEWAY_MIN_BROKERID`).
    pub min_broker_id: i32,
    /// How many ports are served (`GATEWAY_PORT_COUNT`).
    pub port_count: u16,
}

impl PortMap {
    /// The gateway port for broker `id`, or `None` when it falls outside the configured range.
    pub fn port_for(&self, broker_id: i32) -> Option<u16> {
        let offset = i64::from(broker_id) - i64::from(self.min_broker_id);
        if offset < 0 || offset >= i64::from(self.port_count) {
            return None;
        }
        u16::try_from(i64::from(self.port_start) + offset).ok()
    }

    /// The broker id a gateway port stands for.
    pub fn broker_for(&self, port: u16) -> Option<i32> {
        let offset = port.checked_sub(self.port_start)?;
        (offset < self.port_count).then(|| self.min_broker_id + i32::from(offset))
    }

    /// Every port served, in order.
    pub fn ports(&self) -> impl Iterator<Item = u16> + '_ {
        (0..self.port_count).filter_map(|i| self.port_start.checked_add(i))
    }

    /// The default port count for brokers `ids`: the id range plus two spare ports, as the
    /// reference product does, so a new broker or two can join without a restart.
    pub fn default_port_count(min_id: i32, max_id: i32) -> u16 {
        let range = i64::from(max_id) - i64::from(min_id) + 1;
        u16::try_from(range.max(1) + 2).unwrap_or(u16::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> PortMap {
        PortMap {
            advertised_host: "gw".into(),
            port_start: 6969,
            min_broker_id: 1,
            port_count: 5,
        }
    }

    #[test]
    fn maps_ids_to_ports_and_back() {
        let m = map();
        assert_eq!(m.port_for(1), Some(6969));
        assert_eq!(m.port_for(3), Some(6971));
        assert_eq!(m.port_for(5), Some(6973));
        assert_eq!(m.port_for(6), None);
        assert_eq!(m.port_for(0), None);
        assert_eq!(m.broker_for(6971), Some(3));
        assert_eq!(m.broker_for(6974), None);
        assert_eq!(m.broker_for(6968), None);
        assert_eq!(m.ports().count(), 5);
    }

    #[test]
    fn default_count_is_the_range_plus_two() {
        assert_eq!(PortMap::default_port_count(1, 3), 5);
        assert_eq!(PortMap::default_port_count(111, 111), 3);
        assert_eq!(PortMap::default_port_count(100, 300), 203);
    }
}
