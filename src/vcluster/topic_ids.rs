//! Topic ids -> physical topic names, learnt from the answers kgate sees.
//!
//! Why: newer Fetch, Produce, OffsetCommit and Metadata versions name topics by id only, and
//! ids are never rewritten (they are random, so they reveal nothing), but a tenant must not
//! reach a topic outside its cluster by guessing or replaying an id. Every connection's answers
//! (Metadata, CreateTopics, DescribeTopicPartitions) teach this map, which all workers share, so
//! a client that learnt an id on one connection can use it on another.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// A topic id on the wire.
pub type TopicId = [u8; 16];

/// The all-zero id: "no id" (a request that names its topics).
pub const NO_ID: TopicId = [0; 16];

/// More ids than any cluster has; past it the map starts again, so a stream of made-up ids
/// cannot grow it without bound.
const MAX_IDS: usize = 1 << 20;

/// The id -> name map every worker shares.
#[derive(Debug)]
pub struct TopicIds {
    names: RwLock<HashMap<TopicId, Arc<str>>>,
    /// Seed and counter of the placeholders that stand for foreign ids.
    seed: u64,
    next: AtomicU64,
}

impl Default for TopicIds {
    fn default() -> Self {
        TopicIds::new()
    }
}

impl TopicIds {
    /// An empty map.
    pub fn new() -> TopicIds {
        let mut seed = [0u8; 8];
        // A placeholder must not collide with a real id; a random seed makes that as unlikely
        // as two random topic ids colliding. Without randomness the process start time will do.
        if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut seed).is_err() {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            seed = (nanos as u64).to_be_bytes();
        }
        TopicIds {
            names: RwLock::new(HashMap::new()),
            seed: u64::from_be_bytes(seed),
            next: AtomicU64::new(1),
        }
    }

    /// The physical name of `id`, if kgate has seen it.
    pub fn name_of(&self, id: &TopicId) -> Option<Arc<str>> {
        let names = self.names.read().unwrap_or_else(|p| p.into_inner());
        names.get(id).cloned()
    }

    /// Remember that `id` is `name` (a zero id is ignored).
    pub fn learn(&self, id: TopicId, name: &str) {
        if id == NO_ID || name.is_empty() {
            return;
        }
        if self.name_of(&id).as_deref() == Some(name) {
            return;
        }
        let mut names = self.names.write().unwrap_or_else(|p| p.into_inner());
        if names.len() >= MAX_IDS {
            names.clear();
        }
        names.insert(id, Arc::from(name));
    }

    /// A fresh id that names no topic: sent to the broker in place of an id the tenant may
    /// not use, so the broker itself answers UNKNOWN_TOPIC_ID for it.
    pub fn placeholder(&self) -> TopicId {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&self.seed.to_be_bytes());
        id[8..].copy_from_slice(&n.to_be_bytes());
        // Kafka ids are version-4 UUIDs; keep the shape so no tool chokes on it.
        id[6] = (id[6] & 0x0f) | 0x40;
        id[8] = (id[8] & 0x3f) | 0x80;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_and_forgets_nothing_it_should_keep() {
        let ids = TopicIds::new();
        let id = [7u8; 16];
        assert_eq!(ids.name_of(&id), None);
        ids.learn(id, "vc-alice.orders");
        assert_eq!(ids.name_of(&id).as_deref(), Some("vc-alice.orders"));
        ids.learn(NO_ID, "x");
        assert_eq!(ids.name_of(&NO_ID), None);
    }

    #[test]
    fn placeholders_are_distinct_and_not_zero() {
        let ids = TopicIds::new();
        let a = ids.placeholder();
        let b = ids.placeholder();
        assert_ne!(a, b);
        assert_ne!(a, NO_ID);
        assert_eq!(a[6] >> 4, 4);
    }
}
