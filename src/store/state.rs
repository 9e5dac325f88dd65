//! The gateway state as workers see it: an immutable snapshot, replaced whole on each change.
//!
//! Workers read without locks on their hot path (they hold an `Arc` for the length of a
//! request); the admin thread builds a new state beside the old one and swaps the pointer, so
//! no reader ever sees a half-applied change.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};

use super::model::{AccountKind, ServiceAccount};

/// What the store persists. Versioned so a later format can still read this one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredState {
    /// Format version, [`StoredState::VERSION`].
    pub version: u32,
    /// Every service account, in (vCluster, name) order.
    #[serde(rename = "serviceAccounts", default)]
    pub service_accounts: Vec<ServiceAccount>,
}

impl StoredState {
    /// The format this build writes.
    pub const VERSION: u32 = 1;
}

/// What an upsert did, in the API's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertResult {
    /// No account had this (vCluster, name).
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

/// One immutable view of the gateway's resources, indexed for the data path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GatewayState {
    accounts: BTreeMap<(String, String), ServiceAccount>,
    /// External name -> (vCluster, name) of its account.
    external: HashMap<String, (String, String)>,
}

impl GatewayState {
    /// Builds the indexes; refuses stored data that breaks the rules (a hand-edited file).
    pub fn from_stored(stored: StoredState) -> Result<GatewayState, String> {
        if stored.version != StoredState::VERSION {
            return Err(format!(
                "state format version {} is not supported (this build reads {})",
                stored.version,
                StoredState::VERSION
            ));
        }
        let mut state = GatewayState::default();
        for account in stored.service_accounts {
            state = state.with_account(account)?.0;
        }
        Ok(state)
    }

    /// What the store writes.
    pub fn to_stored(&self) -> StoredState {
        StoredState {
            version: StoredState::VERSION,
            service_accounts: self.accounts.values().cloned().collect(),
        }
    }

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

    /// A new state with `account` created or replaced. Errors (validation, an external name
    /// taken by another account) name the field at fault.
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

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
