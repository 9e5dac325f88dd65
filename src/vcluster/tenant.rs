//! One virtual cluster as the data path sees it: how a name the tenant uses becomes the name
//! on the backing cluster, and back.

use std::borrow::Cow;
use std::collections::HashMap;

use codec::schema::EntityKind;

/// Topics whose names start with this belong to kgate itself (its state store) and are never
/// shown to a tenant. Virtual-cluster prefixes may not start with it.
pub const INTERNAL_TOPIC_PREFIX: &str = "_kgate";

/// A virtual cluster's naming: its prefix and its alias topics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tenant {
    /// The virtual cluster's name.
    pub name: String,
    /// Prepended to every topic, group and transactional id; empty for passthrough.
    pub prefix: String,
    /// Alias topics: logical name -> physical name.
    aliases: HashMap<String, String>,
    /// Physical name -> the logical names of the aliases that point to it (sorted).
    alias_targets: HashMap<String, Vec<String>>,
}

impl Tenant {
    /// A virtual cluster with `prefix` and `aliases` (logical, physical).
    pub fn new(
        name: impl Into<String>,
        prefix: impl Into<String>,
        aliases: impl IntoIterator<Item = (String, String)>,
    ) -> Tenant {
        let mut tenant = Tenant {
            name: name.into(),
            prefix: prefix.into(),
            ..Tenant::default()
        };
        for (logical, physical) in aliases {
            let names = tenant.alias_targets.entry(physical.clone()).or_default();
            names.push(logical.clone());
            names.sort();
            tenant.aliases.insert(logical, physical);
        }
        tenant
    }

    /// True for the unprefixed cluster: every physical topic is visible as it is.
    pub fn is_passthrough(&self) -> bool {
        self.prefix.is_empty()
    }

    /// True when names need no translation at all.
    pub fn is_identity(&self) -> bool {
        self.prefix.is_empty() && self.aliases.is_empty()
    }

    /// The physical topic an alias names, if `logical` is an alias.
    pub fn alias(&self, logical: &str) -> Option<&str> {
        self.aliases.get(logical).map(String::as_str)
    }

    /// The aliases pointing to `physical`, sorted.
    pub fn aliases_of(&self, physical: &str) -> &[String] {
        self.alias_targets
            .get(physical)
            .map_or(&[], |names| names.as_slice())
    }

    /// The name on the backing cluster of the `kind` the tenant calls `logical`.
    pub fn to_physical<'a>(&self, kind: EntityKind, logical: &'a str) -> Cow<'a, str> {
        if kind == EntityKind::TopicName {
            if let Some(physical) = self.aliases.get(logical) {
                return Cow::Owned(physical.clone());
            }
        }
        if self.prefix.is_empty() {
            Cow::Borrowed(logical)
        } else {
            Cow::Owned(format!("{}{logical}", self.prefix))
        }
    }

    /// The name the tenant knows a physical `kind` by, or `None` when it is not the tenant's
    /// (another tenant's, kgate's own, or outside the prefix). In a prefixed cluster an aliased
    /// topic shows as its first alias; a request that named another alias is answered with
    /// that one by the caller, which remembers what it asked.
    pub fn to_logical<'a>(&self, kind: EntityKind, physical: &'a str) -> Option<Cow<'a, str>> {
        if self.prefix.is_empty() {
            // Passthrough sees every physical topic as it is; an alias name is only given
            // back where the client asked by it.
            return Some(Cow::Borrowed(physical));
        }
        if kind == EntityKind::TopicName {
            if let Some(first) = self.aliases_of(physical).first() {
                return Some(Cow::Owned(first.clone()));
            }
        }
        let logical = physical.strip_prefix(self.prefix.as_str())?;
        if logical.is_empty() || (kind == EntityKind::TopicName && is_internal(logical)) {
            return None;
        }
        Some(Cow::Borrowed(logical))
    }

    /// True when the physical topic is visible in this virtual cluster.
    pub fn owns_topic(&self, physical: &str) -> bool {
        if self.prefix.is_empty() {
            return true;
        }
        self.alias_targets.contains_key(physical)
            || physical
                .strip_prefix(self.prefix.as_str())
                .is_some_and(|rest| !rest.is_empty() && !is_internal(rest))
    }
}

fn is_internal(name: &str) -> bool {
    name.starts_with(INTERNAL_TOPIC_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntityKind::{GroupId, TopicName, TransactionalId};

    fn alice() -> Tenant {
        Tenant::new(
            "vc-alice",
            "vc-alice.",
            [("stock".to_string(), "internal.eu.stock".to_string())],
        )
    }

    #[test]
    fn names_gain_the_prefix_and_lose_it_on_the_way_back() {
        let t = alice();
        assert_eq!(t.to_physical(TopicName, "orders"), "vc-alice.orders");
        assert_eq!(t.to_physical(GroupId, "g1"), "vc-alice.g1");
        assert_eq!(t.to_physical(TransactionalId, "tx"), "vc-alice.tx");
        assert_eq!(
            t.to_logical(TopicName, "vc-alice.orders").as_deref(),
            Some("orders")
        );
        assert_eq!(t.to_logical(GroupId, "vc-alice.g1").as_deref(), Some("g1"));
    }

    #[test]
    fn other_tenants_and_bare_prefixes_are_not_visible() {
        let t = alice();
        assert_eq!(t.to_logical(TopicName, "vc-bob.orders"), None);
        assert_eq!(t.to_logical(TopicName, "orders"), None);
        assert_eq!(t.to_logical(TopicName, "vc-alice."), None);
        assert_eq!(t.to_logical(TopicName, "vc-alice._kgate_state"), None);
        assert!(!t.owns_topic("vc-bob.orders"));
        assert!(!t.owns_topic("__consumer_offsets"));
        assert!(t.owns_topic("vc-alice.orders"));
    }

    #[test]
    fn aliases_map_both_ways_for_topics_only() {
        let t = alice();
        assert_eq!(t.to_physical(TopicName, "stock"), "internal.eu.stock");
        assert_eq!(t.to_physical(GroupId, "stock"), "vc-alice.stock");
        assert_eq!(
            t.to_logical(TopicName, "internal.eu.stock").as_deref(),
            Some("stock")
        );
        assert!(t.owns_topic("internal.eu.stock"));
        assert_eq!(t.to_logical(GroupId, "internal.eu.stock"), None);
    }

    #[test]
    fn passthrough_is_the_identity_except_for_its_aliases() {
        let p = Tenant::new("passthrough", "", []);
        assert!(p.is_identity() && p.is_passthrough());
        assert_eq!(p.to_physical(TopicName, "orders"), "orders");
        assert_eq!(
            p.to_logical(TopicName, "anything").as_deref(),
            Some("anything")
        );
        let p = Tenant::new("passthrough", "", [("a".to_string(), "b".to_string())]);
        assert!(!p.is_identity());
        assert_eq!(p.to_physical(TopicName, "a"), "b");
    }
}
