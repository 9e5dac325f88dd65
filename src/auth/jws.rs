//! JWS compact serialization (RFC 7515): parsing and signature verification.
//!
//! The caller always names the algorithms it accepts. A token's `alg` header is attacker-chosen,
//! so letting it pick the verification method is how `alg: none` and "HS256 keyed with the RSA
//! public key" forgeries work; here `none` is never accepted and HMAC only when asked for.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde_json::{Map, Value};
use std::fmt;

/// Signature algorithms kgate can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Rs256,
    Es256,
    Hs256,
}

impl Alg {
    /// The `alg` header value; anything else (including `none`) is not an [`Alg`].
    pub fn from_name(name: &str) -> Option<Alg> {
        match name {
            "RS256" => Some(Alg::Rs256),
            "ES256" => Some(Alg::Es256),
            "HS256" => Some(Alg::Hs256),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Es256 => "ES256",
            Alg::Hs256 => "HS256",
        }
    }

    /// HMAC algorithms use a shared secret; an issuer's public key must never serve as one.
    pub fn is_hmac(self) -> bool {
        matches!(self, Alg::Hs256)
    }
}

/// A public key as published in a JWKS: the raw big-endian components.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// RSA modulus and exponent, without leading zero bytes.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// P-256 affine coordinates, 32 bytes each.
    EcP256 { x: Vec<u8>, y: Vec<u8> },
}

/// What to verify a signature with.
#[derive(Clone, Copy)]
pub enum VerifyKey<'a> {
    Public(&'a PublicKey),
    /// A shared HMAC secret. Not `Debug`, so it cannot end up in a log line.
    Hmac(&'a [u8]),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwsError {
    /// Not three dot-separated parts, bad base64url, or a header/payload that is not JSON.
    Malformed(String),
    /// `alg` is `none`, unknown, or not in the caller's accepted list.
    AlgRefused(String),
    /// The key's type does not fit the algorithm (e.g. an EC key for RS256).
    KeyMismatch(String),
    BadSignature,
}

impl fmt::Display for JwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwsError::Malformed(m) => write!(f, "malformed JWS: {m}"),
            JwsError::AlgRefused(a) => write!(f, "JWS algorithm refused: {a}"),
            JwsError::KeyMismatch(m) => write!(f, "JWS key does not fit the algorithm: {m}"),
            JwsError::BadSignature => write!(f, "JWS signature does not verify"),
        }
    }
}

impl std::error::Error for JwsError {}

/// A parsed, not yet verified, compact JWS.
#[derive(Debug, Clone)]
pub struct Jws<'a> {
    /// The protected header as JSON (an object).
    pub header: Map<String, Value>,
    /// The decoded payload bytes (valid JSON).
    pub payload: Vec<u8>,
    signing_input: &'a str,
    signature: Vec<u8>,
}

/// Strict base64url without padding: `=`, `+`, `/`, whitespace and non-zero trailing bits are
/// all rejected, so that one token has exactly one encoding.
pub fn b64url_decode(part: &str, what: &str) -> Result<Vec<u8>, JwsError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|e| JwsError::Malformed(format!("{what} is not unpadded base64url: {e}")))
}

pub fn b64url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Split and decode a compact JWS. Nothing is trusted until [`Jws::verify`] succeeds.
pub fn parse(token: &str) -> Result<Jws<'_>, JwsError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwsError::Malformed(
            "expected exactly three dot-separated parts".into(),
        ));
    };
    let header_bytes = b64url_decode(h, "header")?;
    let header = match serde_json::from_slice::<Value>(&header_bytes) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return Err(JwsError::Malformed("header is not a JSON object".into())),
        Err(e) => return Err(JwsError::Malformed(format!("header is not JSON: {e}"))),
    };
    let payload = b64url_decode(p, "payload")?;
    if let Err(e) = serde_json::from_slice::<Value>(&payload) {
        return Err(JwsError::Malformed(format!("payload is not JSON: {e}")));
    }
    let signature = b64url_decode(s, "signature")?;
    // h.len() + 1 + p.len() is within token: both are prefixes split off it.
    let signing_input = token.get(..h.len() + 1 + p.len()).unwrap_or_default();
    Ok(Jws {
        header,
        payload,
        signing_input,
        signature,
    })
}

impl Jws<'_> {
    /// The `alg` header as written, for messages and for choosing the algorithm.
    pub fn alg_name(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// The algorithm, if it is one of `accepted`. `none` and unknown names are always refused.
    pub fn alg(&self, accepted: &[Alg]) -> Result<Alg, JwsError> {
        let name = self
            .alg_name()
            .ok_or_else(|| JwsError::Malformed("header has no string \"alg\"".into()))?;
        match Alg::from_name(name) {
            Some(alg) if accepted.contains(&alg) => Ok(alg),
            _ => Err(JwsError::AlgRefused(truncate(name, 32))),
        }
    }

    /// Verify the signature with `key`, using the header's algorithm if `accepted` allows it.
    pub fn verify(&self, key: VerifyKey<'_>, accepted: &[Alg]) -> Result<Alg, JwsError> {
        let alg = self.alg(accepted)?;
        let msg = self.signing_input.as_bytes();
        let sig = self.signature.as_slice();
        let ok = match (alg, key) {
            (Alg::Rs256, VerifyKey::Public(PublicKey::Rsa { n, e })) => {
                RsaPublicKeyComponents { n, e }
                    .verify(&signature::RSA_PKCS1_2048_8192_SHA256, msg, sig)
                    .is_ok()
            }
            (Alg::Es256, VerifyKey::Public(PublicKey::EcP256 { x, y })) => {
                if x.len() != 32 || y.len() != 32 {
                    return Err(JwsError::KeyMismatch(
                        "P-256 coordinates must be 32 bytes".into(),
                    ));
                }
                let mut point = Vec::with_capacity(65);
                point.push(0x04);
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &point)
                    .verify(msg, sig)
                    .is_ok()
            }
            (Alg::Hs256, VerifyKey::Hmac(secret)) => {
                let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
                ring::hmac::verify(&key, msg, sig).is_ok()
            }
            (alg, VerifyKey::Public(PublicKey::Rsa { .. })) => {
                return Err(JwsError::KeyMismatch(format!(
                    "{} with an RSA key",
                    alg.name()
                )))
            }
            (alg, VerifyKey::Public(PublicKey::EcP256 { .. })) => {
                return Err(JwsError::KeyMismatch(format!(
                    "{} with an EC key",
                    alg.name()
                )))
            }
            (alg, VerifyKey::Hmac(_)) => {
                return Err(JwsError::KeyMismatch(format!(
                    "{} with an HMAC secret",
                    alg.name()
                )))
            }
        };
        if ok {
            Ok(alg)
        } else {
            Err(JwsError::BadSignature)
        }
    }
}

/// Attacker-supplied strings are shortened before they go into an error message.
pub(crate) fn truncate(s: &str, max_chars: usize) -> String {
    let mut out: String = s.chars().take(max_chars).collect();
    if s.chars().count() > max_chars {
        out.push('…');
    }
    out
}

#[cfg(test)]
#[path = "jws_tests.rs"]
pub(crate) mod tests;
