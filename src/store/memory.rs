//! A store that keeps nothing across restarts: for tests, and for callers that want the API
//! without a data directory.

use super::state::StoredState;
use super::{Store, StoreError};

/// State in memory only.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Option<StoredState>,
}

impl Store for MemoryStore {
    fn load(&self) -> Result<StoredState, StoreError> {
        Ok(self.state.clone().unwrap_or_else(StoredState::empty))
    }

    fn save(&mut self, state: &StoredState) -> Result<(), StoreError> {
        self.state = Some(state.clone());
        Ok(())
    }
}
