//! Gateway tokens: compact JWS (RFC 7515) with HS256, signed with the user-pool key.
//!
//! A client sends the token as its SASL/PLAIN password, so verifying one is on the connection
//! path: it must be cheap, never panic on hostile input, and compare the signature in constant
//! time (ring's `hmac::verify`). Only HS256 is accepted, whatever the header claims, so a token
//! saying `"alg":"none"` or an asymmetric algorithm is refused rather than trusted.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::hmac;
use serde::{Deserialize, Serialize};

/// What a token says. The field names are those Conduktor Gateway puts in its tokens, so tokens
/// read the same in `jwt decode` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    /// The service account (or, for tenant tokens, the user) the token stands for.
    pub username: String,
    /// The virtual cluster of the service account; tenant tokens carry none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcluster: Option<String>,
    /// Expiry, seconds since the Unix epoch; `None` never expires (tenant tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<u64>,
    /// Issue time, seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// Tenant tokens: the organisation id.
    #[serde(rename = "orgId", default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<i64>,
    /// Tenant tokens: the cluster id within the organisation.
    #[serde(rename = "clusterId", default, skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
}

/// Why a token was refused. Messages never contain the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Not three base64url parts, or a part that is not the JSON it should be.
    Malformed(&'static str),
    /// The header names another algorithm than HS256.
    UnsupportedAlgorithm,
    /// The signature does not match: forged, altered, or signed with another key.
    BadSignature,
    /// `exp` is in the past.
    Expired,
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenError::Malformed(what) => write!(f, "malformed token: {what}"),
            TokenError::UnsupportedAlgorithm => write!(f, "token algorithm is not HS256"),
            TokenError::BadSignature => write!(f, "token signature does not verify"),
            TokenError::Expired => write!(f, "token has expired"),
        }
    }
}

impl std::error::Error for TokenError {}

/// The header Conduktor Gateway writes; kept identical so tokens look the same.
const HEADER: &str = r#"{"alg":"HS256"}"#;

/// Tokens longer than this are refused before any decoding: a password field is no place for
/// megabytes, and decoding them would only cost memory.
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// Signs `claims` with `key`.
pub fn issue(claims: &TokenClaims, key: &[u8]) -> String {
    // Serialising a struct of strings and integers cannot fail; fall back to an empty object
    // rather than panic, which would only produce a token that fails to verify.
    let payload = serde_json::to_vec(claims).unwrap_or_else(|_| b"{}".to_vec());
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(HEADER),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, key),
        signing_input.as_bytes(),
    );
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

/// Checks signature, algorithm and expiry, and returns the claims.
pub fn verify(token: &str, key: &[u8], now_unix: u64) -> Result<TokenClaims, TokenError> {
    let payload = verify_signature(token, key)?;
    let claims: TokenClaims =
        serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed("claims"))?;
    match claims.exp {
        Some(exp) if now_unix >= exp => Err(TokenError::Expired),
        _ => Ok(claims),
    }
}

/// Checks the header's algorithm and the signature; returns the decoded payload bytes. Split
/// from [`verify`] so the signature check can be tested on tokens whose claims are not ours.
pub fn verify_signature(token: &str, key: &[u8]) -> Result<Vec<u8>, TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed("too long"));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed("expected three dot-separated parts"));
    };
    let header = decode(header, "header")?;
    let header: serde_json::Value =
        serde_json::from_slice(&header).map_err(|_| TokenError::Malformed("header"))?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return Err(TokenError::UnsupportedAlgorithm);
    }
    let payload = decode(payload, "payload")?;
    let signature = decode(signature, "signature")?;
    let signing_input_len = token.len() - signature_len(token);
    let signing_input = &token.as_bytes()[..signing_input_len];
    hmac::verify(
        &hmac::Key::new(hmac::HMAC_SHA256, key),
        signing_input,
        &signature,
    )
    .map_err(|_| TokenError::BadSignature)?;
    Ok(payload)
}

/// Length of the last part plus its leading dot; the caller has checked there are three parts.
fn signature_len(token: &str) -> usize {
    token.rfind('.').map_or(0, |dot| token.len() - dot)
}

fn decode(part: &str, what: &'static str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| TokenError::Malformed(what))
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
