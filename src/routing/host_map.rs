//! Host-based routing: one TLS port, the broker chosen by the SNI name.
//!
//! The bootstrap name is `GATEWAY_ADVERTISED_HOST`; broker `N` is
//! `<GATEWAY_ADVERTISED_HOST_PREFIX>N<GATEWAY_SNI_HOST_SEPARATOR><GATEWAY_ADVERTISED_HOST>`,
//! e.g. `broker111.kafka.example.com`, so one certificate for the name and `*.` the name covers
//! every broker.

/// The naming scheme of a host-routed listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostMap {
    /// The bootstrap name, and the suffix of every broker name.
    pub advertised_host: String,
    /// What broker names start with.
    pub prefix: String,
    /// What stands between the broker part and the advertised host.
    pub separator: String,
    /// The port clients are told to use (the SNI listener's).
    pub port: u16,
}

/// What an SNI name asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SniTarget {
    /// The bootstrap name: any broker.
    Bootstrap,
    /// One broker.
    Broker(i32),
}

impl HostMap {
    /// The name clients use for broker `id`.
    pub fn name_for(&self, id: i32) -> String {
        format!(
            "{}{id}{}{}",
            self.prefix, self.separator, self.advertised_host
        )
    }

    /// What `sni` asks for, or `None` if it is not a name of this gateway. Host names compare
    /// without regard to case, as DNS does.
    pub fn target(&self, sni: &str) -> Option<SniTarget> {
        let sni = sni.to_ascii_lowercase();
        let host = self.advertised_host.to_ascii_lowercase();
        if sni == host {
            return Some(SniTarget::Bootstrap);
        }
        let broker_part = sni
            .strip_suffix(&host)?
            .strip_suffix(&self.separator.to_ascii_lowercase())?;
        let id = broker_part.strip_prefix(&self.prefix.to_ascii_lowercase())?;
        // Only plain decimal ids: "+1" or "01" would make two names for one broker.
        if id.is_empty()
            || !id.bytes().all(|b| b.is_ascii_digit())
            || (id.len() > 1 && id.starts_with('0'))
        {
            return None;
        }
        id.parse().ok().map(SniTarget::Broker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> HostMap {
        HostMap {
            advertised_host: "kafka.example.com".into(),
            prefix: "broker".into(),
            separator: ".".into(),
            port: 9092,
        }
    }

    #[test]
    fn names_round_trip() {
        let m = map();
        assert_eq!(m.name_for(111), "broker111.kafka.example.com");
        assert_eq!(
            m.target("broker111.kafka.example.com"),
            Some(SniTarget::Broker(111))
        );
        assert_eq!(
            m.target("BROKER7.Kafka.Example.com"),
            Some(SniTarget::Broker(7))
        );
        assert_eq!(m.target("kafka.example.com"), Some(SniTarget::Bootstrap));
    }

    #[test]
    fn foreign_and_malformed_names_are_refused() {
        let m = map();
        for name in [
            "nope.kafka.example.com",
            "broker.kafka.example.com",
            "broker01.kafka.example.com",
            "broker+1.kafka.example.com",
            "broker1.other.example.com",
            "broker1kafka.example.com",
            "broker99999999999.kafka.example.com",
            "",
        ] {
            assert_eq!(m.target(name), None, "{name}");
        }
    }
}
