//! The gateway state as workers see it: an immutable snapshot, replaced whole on each change.
//!
//! Workers read without locks on their hot path (they hold an `Arc` for the length of a
//! request); the admin thread builds a new state beside the old one and swaps the pointer, so
//! no reader ever sees a half-applied change. Writers go through [`super::StateStore`], which
//! stores each change before publishing it here.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};

use super::alias::AliasTopic;
use super::interceptor::{GatewayGroup, Interceptor, Scope};
use super::model::{AccountKind, ServiceAccount, DEFAULT_VCLUSTER};
use super::vcluster::{builtin_passthrough, VirtualCluster};
use crate::acl::binding::AclBinding;

/// What the store persists. Versioned so a later format can still read this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredState {
    /// Format version, [`StoredState::VERSION`] when written by this build.
    pub version: u32,
    /// Every service account, in (vCluster, name) order.
    #[serde(rename = "serviceAccounts", default)]
    pub service_accounts: Vec<ServiceAccount>,
    /// Every declared virtual cluster (not `passthrough`), in name order. Since version 2.
    #[serde(rename = "virtualClusters", default)]
    pub virtual_clusters: Vec<VirtualCluster>,
    /// Every alias topic, in (vCluster, name) order. Since version 2.
    #[serde(rename = "aliasTopics", default)]
    pub alias_topics: Vec<AliasTopic>,
    /// Virtual cluster -> the bindings created with Kafka's CreateAcls (KAFKA_API mode).
    /// Since version 2.
    #[serde(rename = "kafkaAcls", default)]
    pub kafka_acls: BTreeMap<String, Vec<AclBinding>>,
    /// Every interceptor, in (name, scope) order. Since version 3.
    #[serde(default)]
    pub interceptors: Vec<Interceptor>,
    /// Every gateway group, in name order. Since version 3.
    #[serde(default)]
    pub groups: Vec<GatewayGroup>,
}

impl StoredState {
    /// The format this build writes. Version 1 (service accounts only) is still read.
    pub const VERSION: u32 = 3;

    /// The formats this build reads.
    pub const READABLE: &'static [u32] = &[1, 2, 3];

    /// Nothing stored yet.
    pub fn empty() -> StoredState {
        StoredState {
            version: StoredState::VERSION,
            service_accounts: Vec::new(),
            virtual_clusters: Vec::new(),
            alias_topics: Vec::new(),
            kafka_acls: BTreeMap::new(),
            interceptors: Vec::new(),
            groups: Vec::new(),
        }
    }
}

impl Default for StoredState {
    fn default() -> StoredState {
        StoredState::empty()
    }
}

/// What an upsert did, in the API's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertResult {
    /// No resource had this key.
    Created,
    /// It existed with another spec.
    Updated,
    /// It existed exactly like this; nothing was written.
    NotChanged,
}

impl UpsertResult {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            UpsertResult::Created => "CREATED",
            UpsertResult::Updated => "UPDATED",
            UpsertResult::NotChanged => "NOT_CHANGED",
        }
    }
}

/// Why a virtual cluster cannot be deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoveError {
    /// `passthrough` is built in (the API answers 400).
    BuiltIn(String),
    /// No such virtual cluster (404).
    Missing(String),
    /// Service accounts or alias topics still belong to it (409); the message lists them.
    InUse(String),
}

impl fmt::Display for RemoveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoveError::BuiltIn(m) | RemoveError::Missing(m) | RemoveError::InUse(m) => {
                f.write_str(m)
            }
        }
    }
}

/// Names shown in an error: the first few, then how many more.
const LISTED_NAMES: usize = 10;

/// One immutable view of the gateway's resources, indexed for the data path. Equality compares
/// the resources only (nothing like a generation counter is part of a state).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GatewayState {
    accounts: BTreeMap<(String, String), ServiceAccount>,
    /// External name -> (vCluster, name) of its account.
    external: HashMap<String, (String, String)>,
    /// Declared virtual clusters by name; `passthrough` is never in here.
    vclusters: BTreeMap<String, VirtualCluster>,
    /// (vCluster, name) -> alias.
    aliases: BTreeMap<(String, String), AliasTopic>,
    /// Virtual cluster -> bindings created through Kafka's CreateAcls; no empty lists.
    kafka_acls: BTreeMap<String, Vec<AclBinding>>,
    /// (name, scope) -> interceptor.
    interceptors: BTreeMap<(String, Scope), Interceptor>,
    /// Gateway groups by name.
    groups: BTreeMap<String, GatewayGroup>,
}

impl GatewayState {
    /// Builds the indexes; refuses stored data that breaks the rules (a hand-edited file).
    /// Version 1 (service accounts only) is upgraded in memory.
    pub fn from_stored(stored: StoredState) -> Result<GatewayState, String> {
        if !StoredState::READABLE.contains(&stored.version) {
            return Err(format!(
                "state format version {} is not supported (this build reads {})",
                stored.version,
                StoredState::READABLE
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(" and ")
            ));
        }
        let mut state = GatewayState::default();
        for vcluster in stored.virtual_clusters {
            let name = vcluster.name.clone();
            state = state
                .with_vcluster(vcluster)
                .map_err(|e| format!("virtual cluster {name:?}: {e}"))?
                .0;
        }
        for alias in stored.alias_topics {
            let key = (alias.vcluster.clone(), alias.name.clone());
            state = state
                .with_alias(alias)
                .map_err(|e| format!("alias topic {:?} in vCluster {:?}: {e}", key.1, key.0))?
                .0;
        }
        for account in stored.service_accounts {
            state = state.with_account(account)?.0;
        }
        for (vcluster, bindings) in stored.kafka_acls {
            if state.vcluster(&vcluster).is_none() {
                return Err(format!(
                    "kafkaAcls: virtual cluster {vcluster:?} is not declared"
                ));
            }
            for (i, binding) in bindings.iter().enumerate() {
                binding
                    .validate()
                    .map_err(|e| format!("kafkaAcls.{vcluster}[{i}].{e}"))?;
            }
            state = state.with_kafka_acls(&vcluster, bindings);
        }
        for group in stored.groups {
            let name = group.name.clone();
            state = state
                .with_group(group)
                .map_err(|e| format!("gateway group {name:?}: {e}"))?
                .0;
        }
        for interceptor in stored.interceptors {
            let name = interceptor.name.clone();
            state = state
                .with_interceptor(interceptor)
                .map_err(|e| format!("interceptor {name:?}: {e}"))?
                .0;
        }
        Ok(state)
    }

    /// What the store writes (always the current format).
    pub fn to_stored(&self) -> StoredState {
        StoredState {
            version: StoredState::VERSION,
            service_accounts: self.accounts.values().cloned().collect(),
            virtual_clusters: self.vclusters.values().cloned().collect(),
            alias_topics: self.aliases.values().cloned().collect(),
            kafka_acls: self.kafka_acls.clone(),
            interceptors: self.interceptors.values().cloned().collect(),
            groups: self.groups.values().cloned().collect(),
        }
    }

    // --- service accounts -----------------------------------------------------------------

    /// The LOCAL account `name` in `vcluster`: whom a gateway token may stand for.
    pub fn local_account(&self, vcluster: &str, name: &str) -> Option<&ServiceAccount> {
        self.account(vcluster, name)
            .filter(|a| a.kind == AccountKind::Local)
    }

    /// The EXTERNAL account that renames the external principal `external_name`.
    pub fn external_account(&self, external_name: &str) -> Option<&ServiceAccount> {
        let key = self.external.get(external_name)?;
        self.accounts.get(key)
    }

    /// Any account by (vCluster, name).
    pub fn account(&self, vcluster: &str, name: &str) -> Option<&ServiceAccount> {
        self.accounts.get(&(vcluster.to_string(), name.to_string()))
    }

    /// Every account, in (vCluster, name) order.
    pub fn accounts(&self) -> impl Iterator<Item = &ServiceAccount> {
        self.accounts.values()
    }

    /// The accounts of one virtual cluster, in name order.
    pub fn accounts_in<'a>(
        &'a self,
        vcluster: &'a str,
    ) -> impl Iterator<Item = &'a ServiceAccount> {
        in_vcluster(&self.accounts, vcluster)
    }

    /// A new state with `account` created or replaced. Errors (validation, an external name
    /// taken by another account) name the field at fault. The account's virtual cluster need
    /// not be declared (older setups create accounts first); see the admin API.
    pub fn with_account(
        &self,
        account: ServiceAccount,
    ) -> Result<(GatewayState, UpsertResult), String> {
        account.validate()?;
        let key = (account.vcluster.clone(), account.name.clone());
        let result = match self.accounts.get(&key) {
            Some(old) if *old == account => return Ok((self.clone(), UpsertResult::NotChanged)),
            Some(_) => UpsertResult::Updated,
            None => UpsertResult::Created,
        };
        for (i, external) in account.external_names().iter().enumerate() {
            if let Some(owner) = self.external.get(external).filter(|owner| **owner != key) {
                return Err(format!(
                    "spec.externalNames[{i}]: {external:?} already belongs to service account \
                     {:?} in vCluster {:?}",
                    owner.1, owner.0
                ));
            }
        }
        let mut next = self.without_key(&key);
        for external in account.external_names() {
            next.external.insert(external.clone(), key.clone());
        }
        next.accounts.insert(key, account);
        Ok((next, result))
    }

    /// A new state without the account, or `None` when there is no such account.
    pub fn without_account(&self, vcluster: &str, name: &str) -> Option<GatewayState> {
        let key = (vcluster.to_string(), name.to_string());
        self.accounts
            .contains_key(&key)
            .then(|| self.without_key(&key))
    }

    fn without_key(&self, key: &(String, String)) -> GatewayState {
        let mut next = self.clone();
        if let Some(old) = next.accounts.remove(key) {
            for external in old.external_names() {
                next.external.remove(external);
            }
        }
        next
    }

    // --- virtual clusters -------------------------------------------------------------------

    /// A virtual cluster by name; `passthrough` is always there (built in, unprefixed).
    pub fn vcluster(&self, name: &str) -> Option<&VirtualCluster> {
        if name == DEFAULT_VCLUSTER {
            return Some(VirtualCluster::passthrough());
        }
        self.vclusters.get(name)
    }

    /// Every virtual cluster: `passthrough` first, then the declared ones in name order.
    pub fn vclusters(&self) -> impl Iterator<Item = &VirtualCluster> {
        std::iter::once::<&VirtualCluster>(VirtualCluster::passthrough())
            .chain(self.vclusters.values())
    }

    /// How many virtual clusters were declared (`passthrough` not counted).
    pub fn declared_vclusters(&self) -> usize {
        self.vclusters.len()
    }

    /// A new state with `vcluster` created or replaced. Refused (the error names the field):
    /// an invalid cluster, `passthrough`, a prefix that overlaps another cluster's, a changed
    /// prefix, a changed aclMode.
    pub fn with_vcluster(
        &self,
        vcluster: VirtualCluster,
    ) -> Result<(GatewayState, UpsertResult), String> {
        vcluster.validate()?;
        let result = match self.vclusters.get(&vcluster.name) {
            Some(old) if *old == vcluster => return Ok((self.clone(), UpsertResult::NotChanged)),
            Some(old) => {
                if old.prefix != vcluster.prefix {
                    return Err(format!(
                        "spec.prefix: virtual cluster {:?} has prefix {:?}; changing it to {:?} \
                         would hide every topic and group created under the old one (an omitted \
                         spec.prefix means metadata.name). Delete the virtual cluster and create \
                         it again to change it",
                        old.name, old.prefix, vcluster.prefix
                    ));
                }
                if let Some(mode) = old.acl_mode.filter(|m| vcluster.acl_mode != Some(*m)) {
                    return Err(format!(
                        "spec.aclMode: virtual cluster {:?} is in {} mode, which cannot change \
                         once set (KAFKA_API and REST_API are incompatible); to turn ACLs off, \
                         keep aclMode {} and set aclEnabled false",
                        old.name,
                        mode.as_str(),
                        mode.as_str()
                    ));
                }
                UpsertResult::Updated
            }
            None => UpsertResult::Created,
        };
        if let Some(other) = self
            .vclusters
            .values()
            .find(|other| other.name != vcluster.name && other.overlaps(&vcluster))
        {
            return Err(format!(
                "spec.prefix: {:?} overlaps the prefix {:?} of virtual cluster {:?} (one starts \
                 with the other), so each would see the other's topics; choose a prefix that \
                 neither starts nor is the start of another cluster's",
                vcluster.prefix, other.prefix, other.name
            ));
        }
        let mut next = self.clone();
        next.vclusters.insert(vcluster.name.clone(), vcluster);
        Ok((next, result))
    }

    /// A new state without the virtual cluster `name` and its Kafka ACLs. Refused for
    /// `passthrough`, for a cluster that does not exist, and while service accounts or alias
    /// topics belong to it (the error lists them).
    pub fn without_vcluster(&self, name: &str) -> Result<GatewayState, RemoveError> {
        if name == DEFAULT_VCLUSTER {
            return Err(RemoveError::BuiltIn(builtin_passthrough()));
        }
        if !self.vclusters.contains_key(name) {
            return Err(RemoveError::Missing(format!(
                "virtual cluster {name:?} not found"
            )));
        }
        let accounts: Vec<&str> = self.accounts_in(name).map(|a| a.name.as_str()).collect();
        let aliases: Vec<&str> = self.aliases_in(name).map(|a| a.name.as_str()).collect();
        let interceptors: Vec<&str> = self
            .interceptors()
            .filter(|i| i.scope.vcluster.as_deref() == Some(name))
            .map(|i| i.name.as_str())
            .collect();
        if !accounts.is_empty() || !aliases.is_empty() || !interceptors.is_empty() {
            let mut parts = Vec::new();
            if !accounts.is_empty() {
                parts.push(format!(
                    "{} service account(s) ({})",
                    accounts.len(),
                    listed(&accounts)
                ));
            }
            if !aliases.is_empty() {
                parts.push(format!(
                    "{} alias topic(s) ({})",
                    aliases.len(),
                    listed(&aliases)
                ));
            }
            if !interceptors.is_empty() {
                parts.push(format!(
                    "{} interceptor(s) ({})",
                    interceptors.len(),
                    listed(&interceptors)
                ));
            }
            return Err(RemoveError::InUse(format!(
                "{} belong to {name}; delete them first",
                parts.join(" and ")
            )));
        }
        let mut next = self.clone();
        next.vclusters.remove(name);
        next.kafka_acls.remove(name);
        Ok(next)
    }

    // --- alias topics -----------------------------------------------------------------------

    /// The alias `name` in `vcluster`.
    pub fn alias(&self, vcluster: &str, name: &str) -> Option<&AliasTopic> {
        self.aliases.get(&(vcluster.to_string(), name.to_string()))
    }

    /// The aliases of one virtual cluster, in name order.
    pub fn aliases_in<'a>(&'a self, vcluster: &'a str) -> impl Iterator<Item = &'a AliasTopic> {
        in_vcluster(&self.aliases, vcluster)
    }

    /// Every alias, in (vCluster, name) order.
    pub fn aliases(&self) -> impl Iterator<Item = &AliasTopic> {
        self.aliases.values()
    }

    /// A new state with `alias` created or replaced. Refused (the error names the field): an
    /// invalid alias, an undeclared virtual cluster, a physical topic another alias of the same
    /// virtual cluster already stands for.
    pub fn with_alias(&self, alias: AliasTopic) -> Result<(GatewayState, UpsertResult), String> {
        alias.validate()?;
        if self.vcluster(&alias.vcluster).is_none() {
            return Err(format!(
                "metadata.vCluster: virtual cluster {:?} does not exist (create it with PUT \
                 /gateway/v2/virtual-cluster first)",
                alias.vcluster
            ));
        }
        let key = (alias.vcluster.clone(), alias.name.clone());
        let result = match self.aliases.get(&key) {
            Some(old) if *old == alias => return Ok((self.clone(), UpsertResult::NotChanged)),
            Some(_) => UpsertResult::Updated,
            None => UpsertResult::Created,
        };
        if let Some(other) = self.aliases_in(&alias.vcluster).find(|other| {
            other.name != alias.name
                && other.physical_name == alias.physical_name
                && other.physical_cluster == alias.physical_cluster
        }) {
            return Err(format!(
                "spec.physicalName: {:?} already appears in vCluster {:?} as alias {:?}; one \
                 physical topic has one name per virtual cluster",
                alias.physical_name, alias.vcluster, other.name
            ));
        }
        let mut next = self.clone();
        next.aliases.insert(key, alias);
        Ok((next, result))
    }

    /// A new state without the alias, or `None` when there is no such alias.
    pub fn without_alias(&self, vcluster: &str, name: &str) -> Option<GatewayState> {
        let key = (vcluster.to_string(), name.to_string());
        self.aliases.contains_key(&key).then(|| {
            let mut next = self.clone();
            next.aliases.remove(&key);
            next
        })
    }

    // --- ACLs created through Kafka's API (KAFKA_API mode) -----------------------------------

    /// The bindings created with Kafka's CreateAcls in `vcluster` (`passthrough` included),
    /// in the order they were given to [`GatewayState::with_kafka_acls`].
    pub fn kafka_acls(&self, vcluster: &str) -> &[AclBinding] {
        self.kafka_acls.get(vcluster).map_or(&[], Vec::as_slice)
    }

    /// A new state where `vcluster`'s Kafka-API bindings are `bindings` (stored as given: the
    /// caller keeps them validated and free of duplicates). Bindings for a virtual cluster that
    /// does not exist (deleted meanwhile) are dropped, as deleting a cluster drops its ACLs.
    pub fn with_kafka_acls(&self, vcluster: &str, bindings: Vec<AclBinding>) -> GatewayState {
        let mut next = self.clone();
        if bindings.is_empty() || self.vcluster(vcluster).is_none() {
            next.kafka_acls.remove(vcluster);
        } else {
            next.kafka_acls.insert(vcluster.to_string(), bindings);
        }
        next
    }
}

/// The values keyed `(vcluster, _)` of a map ordered by (vCluster, name).
fn in_vcluster<'a, V>(
    map: &'a BTreeMap<(String, String), V>,
    vcluster: &'a str,
) -> impl Iterator<Item = &'a V> {
    map.range((vcluster.to_string(), String::new())..)
        .take_while(move |((vc, _), _)| vc == vcluster)
        .map(|(_, v)| v)
}

/// `a, b, c` or `a, b, ... (12 more)`.
fn listed(names: &[&str]) -> String {
    let shown = names[..names.len().min(LISTED_NAMES)].join(", ");
    match names.len().checked_sub(LISTED_NAMES) {
        Some(more) if more > 0 => format!("{shown}, ... ({more} more)"),
        _ => shown,
    }
}

/// Where workers get the current state. Cheap to read: one read lock and an `Arc` clone.
#[derive(Debug, Default)]
pub struct StateHandle {
    current: RwLock<Arc<GatewayState>>,
    generation: AtomicU64,
}

impl StateHandle {
    /// A handle starting at `state`, generation 0.
    pub fn new(state: GatewayState) -> StateHandle {
        StateHandle {
            current: RwLock::new(Arc::new(state)),
            generation: AtomicU64::new(0),
        }
    }

    /// The state now; hold it for the length of one request so the request sees one version.
    pub fn snapshot(&self) -> Arc<GatewayState> {
        Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Bumped by every [`StateHandle::replace`]: a worker compares it with the generation of
    /// the snapshot it holds to know whether to take a new one.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Publishes `state` (after it was stored).
    pub fn replace(&self, state: GatewayState) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(state);
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

#[path = "state_interceptors.rs"]
mod interceptors;

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
