//! A password or client secret held in memory: never printed, wiped when dropped.
//!
//! The wipe is best effort (copies made by the allocator or by callers are not reached), but it
//! keeps credentials out of core dumps and logs in the common case without an extra dependency.

use std::fmt;
use std::sync::atomic::{compiler_fence, Ordering};

/// UTF-8 secret bytes. `Debug` prints `***`; there is no `Display`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(s: String) -> Secret {
        Secret(s.into_bytes())
    }

    /// The secret itself, for the one place that needs it (a hash, a wire message).
    pub fn expose(&self) -> &str {
        // Always valid: built from a String only.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Secret {
        Secret::new(s.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        for b in self.0.iter_mut() {
            *b = 0;
        }
        compiler_fence(Ordering::SeqCst);
    }
}

/// Compare secrets (passwords, signatures, proofs) in time independent of where they differ.
///
/// ring 0.17 marks this function deprecated ("no promises regarding side channels") while still
/// implementing it as its constant-time comparison; it is the one the project standardised on,
/// kept behind this single function so a replacement touches one place.
#[allow(deprecated)]
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    ring::constant_time::verify_slices_are_equal(a, b).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let s = Secret::from("hunter2");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(s.expose(), "hunter2");
        assert!(!format!("{:?}", Some(s)).contains("hunter2"));
    }

    #[test]
    fn ct_eq_compares_contents_and_lengths() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"abcd"));
        assert!(ct_eq(b"", b""));
    }
}
