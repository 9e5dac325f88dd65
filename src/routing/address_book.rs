//! The broker address book: broker id to the broker's real address, shared by all workers.
//!
//! It is refreshed by the control plane and by the Metadata responses that pass through. Readers
//! take a cheap `Arc` snapshot; writers replace the snapshot only when something changed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

/// A broker's real (upstream) address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerAddress {
    /// Host name or IP literal as the cluster advertises it.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// An immutable view of the brokers known at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Brokers {
    /// Broker id to address.
    pub by_id: BTreeMap<i32, BrokerAddress>,
}

/// The shared, replaceable broker map.
#[derive(Debug, Default)]
pub struct AddressBook {
    current: RwLock<Arc<Brokers>>,
    next_bootstrap: AtomicUsize,
    bootstrap: Vec<BrokerAddress>,
}

impl AddressBook {
    /// A book that falls back to `bootstrap` addresses until the cluster has described itself.
    pub fn new(bootstrap: Vec<BrokerAddress>) -> Self {
        Self {
            bootstrap,
            ..Self::default()
        }
    }

    /// The brokers known now.
    pub fn snapshot(&self) -> Arc<Brokers> {
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Replace the broker list when `brokers` differs from it. Returns true if it changed.
    pub fn update(&self, brokers: Brokers) -> bool {
        if *self.snapshot() == brokers {
            return false;
        }
        let mut guard = match self.current.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Arc::new(brokers);
        true
    }

    /// The address of broker `id`, if the cluster has reported it.
    pub fn broker(&self, id: i32) -> Option<BrokerAddress> {
        self.snapshot().by_id.get(&id).cloned()
    }

    /// An address for a connection that may reach any broker: the known brokers in turn, or
    /// the configured bootstrap servers before the cluster has answered.
    pub fn any_broker(&self) -> Option<BrokerAddress> {
        let n = self.next_bootstrap.fetch_add(1, Ordering::Relaxed);
        let snapshot = self.snapshot();
        if !snapshot.by_id.is_empty() {
            return snapshot
                .by_id
                .values()
                .nth(n % snapshot.by_id.len())
                .cloned();
        }
        if self.bootstrap.is_empty() {
            return None;
        }
        self.bootstrap.get(n % self.bootstrap.len()).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(host: &str, port: u16) -> BrokerAddress {
        BrokerAddress {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn falls_back_to_bootstrap_then_rotates_over_known_brokers() {
        let book = AddressBook::new(vec![addr("seed", 9092)]);
        assert_eq!(book.any_broker(), Some(addr("seed", 9092)));
        let mut brokers = Brokers::default();
        brokers.by_id.insert(1, addr("b1", 1));
        brokers.by_id.insert(2, addr("b2", 2));
        assert!(book.update(brokers.clone()));
        assert!(!book.update(brokers));
        let seen: Vec<_> = (0..4)
            .filter_map(|_| book.any_broker())
            .map(|a| a.port)
            .collect();
        assert!(seen.contains(&1) && seen.contains(&2));
        assert_eq!(book.broker(2), Some(addr("b2", 2)));
        assert_eq!(book.broker(3), None);
    }
}
