//! Validating OAuth 2 access tokens (JWTs) presented over SASL/OAUTHBEARER.
//!
//! Only asymmetric algorithms are accepted: the gateway holds the issuer's public keys, and a
//! public key must never double as an HMAC secret (the "HS256 signed with the RSA public key"
//! forgery). The signature is checked before any claim, so nothing about an unauthenticated
//! token influences the answer beyond "bad token".

use std::fmt;
use std::time::Duration;

use serde_json::Value;

use super::jwks::Jwks;
use super::jws::{self, truncate, Alg, JwsError, VerifyKey};

/// The algorithms an access token may use.
const ACCEPTED: &[Alg] = &[Alg::Rs256, Alg::Es256];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthVerifier {
    /// `iss` must equal this when set.
    pub expected_issuer: Option<String>,
    /// When not empty, `aud` must contain at least one of these.
    pub expected_audiences: Vec<String>,
    /// Tolerance for clocks that disagree, applied to `exp`, `nbf` and `iat`.
    pub clock_skew: Duration,
}

impl Default for OAuthVerifier {
    fn default() -> Self {
        OAuthVerifier {
            expected_issuer: None,
            expected_audiences: Vec::new(),
            clock_skew: Duration::from_secs(30),
        }
    }
}

/// The claims kgate uses once a token is verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClaims {
    /// The principal name.
    pub sub: String,
    pub exp: u64,
    pub iss: Option<String>,
    pub aud: Vec<String>,
    /// From `scope` (space-separated, RFC 8693) or `scp` (an array, as some issuers write it).
    pub scope: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OAuthError {
    /// No key with this `kid` (empty when the token has none): refresh the JWKS and retry once.
    UnknownKid(String),
    Malformed(String),
    AlgRefused(String),
    BadSignature,
    Expired {
        exp: u64,
        now: u64,
    },
    NotYetValid {
        nbf: u64,
        now: u64,
    },
    WrongIssuer(String),
    WrongAudience(Vec<String>),
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OAuthError::UnknownKid(kid) => write!(f, "token key id {kid:?} is not in the JWKS"),
            OAuthError::Malformed(m) => write!(f, "malformed token: {m}"),
            OAuthError::AlgRefused(a) => write!(f, "token algorithm refused: {a}"),
            OAuthError::BadSignature => write!(f, "token signature does not verify"),
            OAuthError::Expired { exp, now } => write!(f, "token expired at {exp} (now {now})"),
            OAuthError::NotYetValid { nbf, now } => {
                write!(f, "token not valid before {nbf} (now {now})")
            }
            OAuthError::WrongIssuer(iss) => {
                write!(f, "token issuer {iss:?} is not the expected one")
            }
            OAuthError::WrongAudience(aud) => {
                write!(f, "token audience {aud:?} has none of the expected ones")
            }
        }
    }
}

impl std::error::Error for OAuthError {}

impl From<JwsError> for OAuthError {
    fn from(e: JwsError) -> Self {
        match e {
            JwsError::Malformed(m) => OAuthError::Malformed(m),
            JwsError::AlgRefused(a) => OAuthError::AlgRefused(a),
            JwsError::KeyMismatch(m) => OAuthError::AlgRefused(m),
            JwsError::BadSignature => OAuthError::BadSignature,
        }
    }
}

impl OAuthVerifier {
    /// Verify `token` against `keys` at time `now_unix` (seconds).
    pub fn verify(
        &self,
        token: &str,
        keys: &Jwks,
        now_unix: u64,
    ) -> Result<OAuthClaims, OAuthError> {
        let jws = jws::parse(token)?;
        let alg = jws.alg(ACCEPTED)?;
        let kid = jws.kid();
        let jwk = keys
            .get(kid)
            .ok_or_else(|| OAuthError::UnknownKid(truncate(kid.unwrap_or(""), 64)))?;
        if let Some(pinned) = jwk.alg {
            if pinned != alg {
                return Err(OAuthError::AlgRefused(format!(
                    "{} but the key is for {}",
                    alg.name(),
                    pinned.name()
                )));
            }
        }
        jws.verify(VerifyKey::Public(&jwk.key), ACCEPTED)?;
        let claims: Value = serde_json::from_slice(&jws.payload)
            .map_err(|e| OAuthError::Malformed(format!("payload: {e}")))?;
        let claims = claims
            .as_object()
            .ok_or_else(|| OAuthError::Malformed("payload is not a JSON object".into()))?;
        self.check_claims(claims, now_unix)
    }

    fn check_claims(
        &self,
        claims: &serde_json::Map<String, Value>,
        now: u64,
    ) -> Result<OAuthClaims, OAuthError> {
        let skew = self.clock_skew.as_secs();
        let exp = numeric_date(claims, "exp")?
            .ok_or_else(|| OAuthError::Malformed("no \"exp\" claim".into()))?;
        if now > exp.saturating_add(skew) {
            return Err(OAuthError::Expired { exp, now });
        }
        for name in ["nbf", "iat"] {
            if let Some(nbf) = numeric_date(claims, name)? {
                if nbf > now.saturating_add(skew) {
                    return Err(OAuthError::NotYetValid { nbf, now });
                }
            }
        }
        let iss = optional_string(claims, "iss")?;
        if let Some(expected) = &self.expected_issuer {
            if iss.as_deref() != Some(expected.as_str()) {
                return Err(OAuthError::WrongIssuer(truncate(
                    iss.as_deref().unwrap_or(""),
                    128,
                )));
            }
        }
        let aud = string_or_array(claims, "aud")?;
        if !self.expected_audiences.is_empty()
            && !aud.iter().any(|a| self.expected_audiences.contains(a))
        {
            return Err(OAuthError::WrongAudience(
                aud.iter().take(8).map(|a| truncate(a, 128)).collect(),
            ));
        }
        let sub = optional_string(claims, "sub")?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| OAuthError::Malformed("no \"sub\" claim".into()))?;
        let scope = match claims.get("scope") {
            Some(Value::String(s)) => s
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            Some(_) => return Err(OAuthError::Malformed("\"scope\" is not a string".into())),
            None => string_or_array(claims, "scp")?,
        };
        Ok(OAuthClaims {
            sub,
            exp,
            iss,
            aud,
            scope,
        })
    }
}

/// RFC 7519 NumericDate: seconds, possibly fractional; fractions are dropped.
fn numeric_date(
    claims: &serde_json::Map<String, Value>,
    name: &str,
) -> Result<Option<u64>, OAuthError> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => match (v.as_u64(), v.as_f64()) {
            (Some(n), _) => Ok(Some(n)),
            (None, Some(f)) if f.is_finite() && f >= 0.0 && f < u64::MAX as f64 => {
                Ok(Some(f as u64))
            }
            _ => Err(OAuthError::Malformed(format!(
                "\"{name}\" is not a non-negative number"
            ))),
        },
    }
}

fn optional_string(
    claims: &serde_json::Map<String, Value>,
    name: &str,
) -> Result<Option<String>, OAuthError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(OAuthError::Malformed(format!("\"{name}\" is not a string"))),
    }
}

fn string_or_array(
    claims: &serde_json::Map<String, Value>,
    name: &str,
) -> Result<Vec<String>, OAuthError> {
    let bad = || OAuthError::Malformed(format!("\"{name}\" is not a string or string array"));
    match claims.get(name) {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(String::from).ok_or_else(bad))
            .collect(),
        Some(_) => Err(bad()),
    }
}

#[cfg(test)]
#[path = "oauth_tests.rs"]
mod tests;
