//! Comparing secrets without leaking, through timing, how much of a guess was right.
//!
//! ring's `constant_time::verify_slices_are_equal` is deprecated, so both sides are MACed with a
//! per-process random key and the tags compared by `hmac::verify`, which ring keeps
//! constant-time. MACing also hides the expected secret's length.

use std::sync::OnceLock;

use ring::hmac;
use ring::rand::SystemRandom;

fn key() -> &'static hmac::Key {
    static KEY: OnceLock<hmac::Key> = OnceLock::new();
    KEY.get_or_init(|| {
        // Without system randomness a fixed key still gives constant-time comparison; the
        // random key only adds that tags cannot be precomputed.
        hmac::Key::generate(hmac::HMAC_SHA256, &SystemRandom::new())
            .unwrap_or_else(|_| hmac::Key::new(hmac::HMAC_SHA256, b"kgate-secret-eq"))
    })
}

/// Whether `given` equals `expected`, in time independent of where they differ.
pub fn secret_eq(given: &[u8], expected: &[u8]) -> bool {
    let tag = hmac::sign(key(), expected);
    hmac::verify(key(), given, tag.as_ref()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_only_when_identical() {
        assert!(secret_eq(b"conduktor", b"conduktor"));
        assert!(!secret_eq(b"conduktoR", b"conduktor"));
        assert!(!secret_eq(b"conduktor", b"conduktor "));
        assert!(!secret_eq(b"", b"x"));
        assert!(secret_eq(b"", b""));
    }
}
