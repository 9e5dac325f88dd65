//! Files only the gateway's user may read (mode 0600), written so that a crash never leaves a
//! half-written one: generated secrets and the state file both go through here.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Temporary files start with this, so a reader can recognise (and ignore) leftovers.
pub const TEMP_PREFIX: &str = ".tmp-";

/// Creates `dir` (and parents) with mode 0700 when missing.
pub fn ensure_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot create {}: {e}", dir.display())))
}

/// Replaces `path` with `bytes` atomically: temp file in the same directory, fsync, rename over
/// the old file, fsync the directory so the rename itself survives a power cut.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent(path);
    ensure_dir(dir)?;
    let temp = temp_path(path);
    let result = write_new(&temp, bytes).and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
        .map_err(|e| io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display())))?;
    sync_dir(dir)
}

/// Reads `path` when it exists; otherwise stores `make()` there (0600) and returns it with
/// `true`. When another process creates the file first, its content wins, so concurrent first
/// starts agree on one value.
pub fn read_or_create(path: &Path, make: impl FnOnce() -> Vec<u8>) -> io::Result<(Vec<u8>, bool)> {
    match fs::read(path) {
        Ok(bytes) => return Ok((bytes, false)),
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            return Err(io::Error::new(
                e.kind(),
                format!("cannot read {}: {e}", path.display()),
            ))
        }
        Err(_) => {}
    }
    let bytes = make();
    let dir = parent(path);
    ensure_dir(dir)?;
    let temp = temp_path(path);
    write_new(&temp, &bytes)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot write {}: {e}", temp.display())))?;
    // hard_link fails when `path` exists: the first writer wins and nobody overwrites it.
    let linked = fs::hard_link(&temp, path);
    let _ = fs::remove_file(&temp);
    match linked {
        Ok(()) => {
            sync_dir(dir)?;
            Ok((bytes, true))
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => fs::read(path).map(|b| (b, false)),
        Err(e) => Err(io::Error::new(
            e.kind(),
            format!("cannot create {}: {e}", path.display()),
        )),
    }
}

fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io::Error::new(e.kind(), format!("cannot sync {}: {e}", dir.display())))
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A name no other writer (thread or process) uses at the same time.
fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy());
    parent(path).join(format!("{TEMP_PREFIX}{name}-{}-{n}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_dir::TestDir;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn write_atomic_replaces_content_with_mode_0600_and_no_leftovers() {
        let dir = TestDir::new();
        let path = dir.path().join("sub").join("state.json");
        write_atomic(&path, b"one").expect("first write");
        write_atomic(&path, b"two").expect("second write");
        assert_eq!(fs::read(&path).expect("read"), b"two");
        assert_eq!(mode(&path), 0o600);
        let names: Vec<_> = fs::read_dir(path.parent().expect("parent"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state.json")]);
    }

    #[test]
    fn read_or_create_generates_once_then_reuses() {
        let dir = TestDir::new();
        let path = dir.path().join("secret");
        let (first, created) = read_or_create(&path, || b"generated".to_vec()).expect("create");
        assert!(created);
        assert_eq!(first, b"generated");
        assert_eq!(mode(&path), 0o600);
        let (again, created) = read_or_create(&path, || b"other".to_vec()).expect("reuse");
        assert!(!created);
        assert_eq!(again, b"generated");
    }
}
