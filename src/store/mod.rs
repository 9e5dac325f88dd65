//! Gateway state (service accounts, virtual clusters, alias topics, ACLs created through Kafka's
//! API, interceptors and gateway groups): how it is kept, how it changes, and how workers see it.
//!
//! Persistence sits behind [`Store`] so that a multi-node store (Kafka internal topics) can
//! replace the default file store without touching the admin API or the data path.

pub mod alias;
pub mod file;
pub mod interceptor;
pub mod memory;
pub mod model;
pub mod private_file;
pub mod state;
pub mod state_store;
#[cfg(test)]
pub(crate) mod test_dir;
pub mod vcluster;

use std::fmt;

pub use alias::{AliasTopic, MAIN_CLUSTER, PHYSICAL_CLUSTERS};
pub use file::FileStore;
pub use interceptor::{GatewayGroup, GroupMember, Interceptor, Scope};
pub use memory::MemoryStore;
pub use model::{AccountKind, ServiceAccount, DEFAULT_VCLUSTER};
pub use state::{GatewayState, RemoveError, StateHandle, StoredState, UpsertResult};
pub use state_store::{StateStore, UpdateError};
pub use vcluster::{AclMode, VClusterType, VirtualCluster};

/// Where the state is persisted. Writes come one at a time, through [`StateStore::update`].
pub trait Store: Send + fmt::Debug {
    /// The persisted state; an empty one when nothing was ever saved.
    fn load(&self) -> Result<StoredState, StoreError>;
    /// Persists `state` completely or not at all.
    fn save(&mut self, state: &StoredState) -> Result<(), StoreError>;
}

/// Why the state could not be read or written.
#[derive(Debug)]
pub enum StoreError {
    /// The file system refused (permissions, disk full, ...); the message names the path.
    Io(std::io::Error),
    /// The stored data does not parse.
    Corrupt(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Io(e) => write!(f, "{e}"),
            StoreError::Corrupt(why) => write!(f, "stored state is unreadable: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Loads the state from `store` into a handle for the workers; a start-up error when the stored
/// data is unreadable or breaks the rules, since serving without it would drop accounts.
pub fn load_handle(store: &dyn Store) -> Result<StateHandle, String> {
    let stored = store.load().map_err(|e| e.to_string())?;
    let state = GatewayState::from_stored(stored).map_err(|e| format!("stored state: {e}"))?;
    Ok(StateHandle::new(state))
}
