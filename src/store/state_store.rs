//! The one writer of the gateway state: the admin API (on its thread) and the data path (Kafka's
//! CreateAcls / DeleteAcls in KAFKA_API mode, on worker threads) both change the state through
//! [`StateStore::update`], so neither loses the other's changes.

use std::fmt;
use std::sync::{Arc, Mutex};

use super::state::{GatewayState, StateHandle};
use super::{load_handle, Store, StoreError};

/// The store and the handle workers read, changed together under one lock.
pub struct StateStore {
    handle: Arc<StateHandle>,
    store: Mutex<Box<dyn Store>>,
}

impl fmt::Debug for StateStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateStore")
            .field("generation", &self.handle.generation())
            .finish_non_exhaustive()
    }
}

/// Why [`StateStore::update`] changed nothing.
#[derive(Debug)]
pub enum UpdateError<E> {
    /// The change itself refused (its own error).
    Refused(E),
    /// Storing failed; nothing was published.
    Store(StoreError),
}

impl<E: fmt::Display> fmt::Display for UpdateError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpdateError::Refused(e) => e.fmt(f),
            UpdateError::Store(e) => write!(f, "cannot store the change: {e}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for UpdateError<E> {}

impl StateStore {
    /// Loads the state from `store` (a start-up error when it is unreadable or breaks the rules).
    pub fn open(store: Box<dyn Store>) -> Result<StateStore, String> {
        let handle = Arc::new(load_handle(store.as_ref())?);
        Ok(StateStore {
            handle,
            store: Mutex::new(store),
        })
    }

    /// The handle workers read the state through.
    pub fn handle(&self) -> Arc<StateHandle> {
        Arc::clone(&self.handle)
    }

    /// Read-modify-write: `change` gets the current state and returns the next one (and a value
    /// for the caller). Under one lock, so concurrent updates apply one after the other and
    /// never overwrite each other. The next state is stored, then published; when it equals
    /// the current one nothing is written, and when storing fails nothing is published.
    ///
    /// `change` runs with the lock held: keep it to computing the new state.
    pub fn update<T, E>(
        &self,
        change: impl FnOnce(&GatewayState) -> Result<(GatewayState, T), E>,
    ) -> Result<T, UpdateError<E>> {
        let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.handle.snapshot();
        let (next, value) = change(&current).map_err(UpdateError::Refused)?;
        if next != *current {
            store.save(&next.to_stored()).map_err(UpdateError::Store)?;
            self.handle.replace(next);
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::model::{AccountKind, ServiceAccount};
    use crate::store::{MemoryStore, StoredState};
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn local(name: &str) -> ServiceAccount {
        ServiceAccount {
            name: name.into(),
            vcluster: "passthrough".into(),
            kind: AccountKind::Local,
        }
    }

    /// Counts saves; fails them while `fail` is set.
    #[derive(Debug, Default)]
    struct Counting {
        inner: MemoryStore,
        saves: Arc<AtomicUsize>,
        fail: bool,
    }

    impl Store for Counting {
        fn load(&self) -> Result<StoredState, StoreError> {
            self.inner.load()
        }

        fn save(&mut self, state: &StoredState) -> Result<(), StoreError> {
            if self.fail {
                return Err(StoreError::Io(std::io::Error::other("disk full")));
            }
            self.saves.fetch_add(1, Ordering::SeqCst);
            self.inner.save(state)
        }
    }

    #[test]
    fn concurrent_updates_are_all_kept() {
        let saves = Arc::new(AtomicUsize::new(0));
        let store = Arc::new(
            StateStore::open(Box::new(Counting {
                saves: Arc::clone(&saves),
                ..Counting::default()
            }))
            .expect("open"),
        );
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || {
                    for i in 0..25 {
                        store
                            .update(|s| s.with_account(local(&format!("u{t}-{i}"))))
                            .expect("update");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        let handle = store.handle();
        assert_eq!(handle.snapshot().accounts().count(), 200);
        assert_eq!(handle.generation(), 200);
        assert_eq!(saves.load(Ordering::SeqCst), 200);
    }

    #[test]
    fn an_unchanged_state_is_neither_stored_nor_published() {
        let saves = Arc::new(AtomicUsize::new(0));
        let store = StateStore::open(Box::new(Counting {
            saves: Arc::clone(&saves),
            ..Counting::default()
        }))
        .expect("open");
        let r = store
            .update(|s| s.with_account(local("a")))
            .expect("create");
        assert_eq!(r.as_str(), "CREATED");
        let r = store.update(|s| s.with_account(local("a"))).expect("same");
        assert_eq!(r.as_str(), "NOT_CHANGED");
        assert_eq!(saves.load(Ordering::SeqCst), 1);
        assert_eq!(store.handle().generation(), 1);
    }

    #[test]
    fn refusals_and_store_failures_publish_nothing() {
        let store = StateStore::open(Box::new(Counting {
            fail: true,
            ..Counting::default()
        }))
        .expect("open");
        let err = store.update(|s| s.with_account(local("a b"))).unwrap_err();
        assert!(matches!(err, UpdateError::Refused(ref e) if e.starts_with("metadata.name")));
        let err = store.update(|s| s.with_account(local("a"))).unwrap_err();
        assert!(matches!(err, UpdateError::Store(_)), "{err}");
        assert!(err.to_string().contains("disk full"), "{err}");
        assert_eq!(store.handle().generation(), 0);
        assert_eq!(store.handle().snapshot().accounts().count(), 0);
    }
}
