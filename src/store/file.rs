//! The default store: one JSON file in `GATEWAY_DATA_DIR`, replaced atomically on each write.

use std::io;
use std::path::{Path, PathBuf};

use super::private_file;
use super::state::StoredState;
use super::{Store, StoreError};

/// The state file's name inside the data directory.
pub const STATE_FILE: &str = "state.json";

/// State in `<dir>/state.json`. Temporary files left by a crash mid-write are never read: the
/// rename is the commit point, so the file is always either the old or the new state.
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// A store in `dir`, created (mode 0700) if missing.
    pub fn open(dir: &Path) -> Result<FileStore, StoreError> {
        private_file::ensure_dir(dir).map_err(StoreError::Io)?;
        Ok(FileStore {
            path: dir.join(STATE_FILE),
        })
    }

    /// Where the state lives, for log lines.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Store for FileStore {
    fn load(&self) -> Result<StoredState, StoreError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| StoreError::Corrupt(format!("{}: {e}", self.path.display()))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(StoredState::empty()),
            Err(e) => Err(StoreError::Io(io::Error::new(
                e.kind(),
                format!("cannot read {}: {e}", self.path.display()),
            ))),
        }
    }

    fn save(&mut self, state: &StoredState) -> Result<(), StoreError> {
        let mut bytes = serde_json::to_vec_pretty(state)
            .map_err(|e| StoreError::Corrupt(format!("cannot serialise the state: {e}")))?;
        bytes.push(b'\n');
        private_file::write_atomic(&self.path, &bytes).map_err(StoreError::Io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::model::{AccountKind, ServiceAccount};
    use crate::store::state::GatewayState;
    use crate::store::test_dir::TestDir;

    fn account(name: &str) -> ServiceAccount {
        ServiceAccount {
            name: name.into(),
            vcluster: "passthrough".into(),
            kind: AccountKind::Local,
        }
    }

    #[test]
    fn empty_directory_loads_an_empty_state() {
        let dir = TestDir::new();
        let store = FileStore::open(&dir.path().join("new")).expect("open");
        let state = GatewayState::from_stored(store.load().expect("load")).expect("valid");
        assert_eq!(state.accounts().count(), 0);
    }

    #[test]
    fn accounts_survive_dropping_and_reopening_the_store() {
        let dir = TestDir::new();
        let mut store = FileStore::open(dir.path()).expect("open");
        let mut state = GatewayState::default();
        for name in ["jdoe", "alice", "bob"] {
            state = state.with_account(account(name)).expect("valid").0;
            store.save(&state.to_stored()).expect("save");
        }
        drop(store);
        let reopened = FileStore::open(dir.path()).expect("reopen");
        let back = GatewayState::from_stored(reopened.load().expect("load")).expect("valid");
        let names: Vec<_> = back.accounts().map(|a| a.name.clone()).collect();
        assert_eq!(names, ["alice", "bob", "jdoe"]);
    }

    #[test]
    fn a_leftover_temp_file_is_ignored() {
        let dir = TestDir::new();
        let mut store = FileStore::open(dir.path()).expect("open");
        let state = GatewayState::default()
            .with_account(account("kept"))
            .expect("valid")
            .0;
        store.save(&state.to_stored()).expect("save");
        // What a crash between "write temp" and "rename" leaves behind: a half-written file.
        let temp = dir
            .path()
            .join(format!("{}{STATE_FILE}-1-0", private_file::TEMP_PREFIX));
        std::fs::write(&temp, b"{\"version\":1,\"serviceAccounts\":[{\"na").expect("temp");
        let back = GatewayState::from_stored(store.load().expect("load")).expect("valid");
        assert!(back.local_account("passthrough", "kept").is_some());
        assert_eq!(back.accounts().count(), 1);
    }

    #[test]
    fn a_corrupt_state_file_is_an_error_naming_the_file() {
        let dir = TestDir::new();
        let store = FileStore::open(dir.path()).expect("open");
        std::fs::write(store.path(), b"not json").expect("write");
        let err = store.load().unwrap_err().to_string();
        assert!(err.contains(STATE_FILE), "{err}");
    }
}
