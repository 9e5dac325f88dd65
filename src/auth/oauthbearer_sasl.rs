//! SASL OAUTHBEARER framing (RFC 7628): the client's initial response carrying the bearer
//! token, and the server's JSON error. Token validation itself is in [`super::oauth`].
//!
//! The token is a credential: it is never part of an error message or a `Debug` rendering.

use std::collections::BTreeMap;
use std::fmt;

const KVSEP: u8 = 0x01;

/// A parsed client initial response.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientInitialResponse {
    pub authzid: Option<String>,
    pub token: String,
    /// Kafka SASL extensions (KIP-342): every key/value pair other than `auth`.
    pub extensions: BTreeMap<String, String>,
}

impl fmt::Debug for ClientInitialResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientInitialResponse")
            .field("authzid", &self.authzid)
            .field("token", &"***")
            .field("extensions", &self.extensions)
            .finish()
    }
}

/// The lone `%x01` a client sends to end the exchange after a server error.
pub fn is_abort(msg: &[u8]) -> bool {
    msg == [KVSEP]
}

/// Parse `n,[a=authzid],\x01auth=Bearer <token>\x01(key=value\x01)*\x01`.
pub fn parse_client_initial(msg: &[u8]) -> Result<ClientInitialResponse, String> {
    let text = std::str::from_utf8(msg).map_err(|_| "OAUTHBEARER: message is not UTF-8")?;
    let rest = text
        .strip_prefix("n,")
        .or_else(|| text.strip_prefix("y,"))
        .ok_or("OAUTHBEARER: message must start with the GS2 header n, or y,")?;
    let (authzid, rest) = rest
        .split_once(',')
        .ok_or("OAUTHBEARER: GS2 header is not terminated by ','")?;
    let authzid = match authzid {
        "" => None,
        a => Some(
            a.strip_prefix("a=")
                .filter(|a| !a.is_empty())
                .ok_or("OAUTHBEARER: invalid authzid in the GS2 header")?
                .to_owned(),
        ),
    };
    let pairs = rest
        .strip_prefix('\u{1}')
        .and_then(|r| r.strip_suffix("\u{1}\u{1}"))
        .ok_or("OAUTHBEARER: key/value pairs must be framed by \\x01 ... \\x01\\x01")?;
    let mut token = None;
    let mut extensions = BTreeMap::new();
    for pair in pairs.split('\u{1}') {
        let (key, value) = pair
            .split_once('=')
            .ok_or("OAUTHBEARER: a key/value pair has no '='")?;
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err("OAUTHBEARER: a key is not 1*ALPHA".into());
        }
        if !value
            .bytes()
            .all(|b| matches!(b, 0x20..=0x7e | b'\t' | b'\r' | b'\n'))
        {
            return Err(format!(
                "OAUTHBEARER: the value of {key:?} has invalid characters"
            ));
        }
        if key == "auth" {
            if token.is_some() {
                return Err("OAUTHBEARER: more than one auth=".into());
            }
            token = Some(bearer_token(value)?);
        } else if extensions
            .insert(key.to_owned(), value.to_owned())
            .is_some()
        {
            return Err(format!("OAUTHBEARER: duplicate key {key:?}"));
        }
    }
    Ok(ClientInitialResponse {
        authzid,
        token: token.ok_or("OAUTHBEARER: no auth= pair")?,
        extensions,
    })
}

/// `Bearer <b64token>` (RFC 6750 section 2.1); the scheme is case-insensitive.
fn bearer_token(value: &str) -> Result<String, String> {
    let (scheme, token) = value
        .split_once(' ')
        .ok_or("OAUTHBEARER: auth= is not \"Bearer <token>\"")?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err("OAUTHBEARER: auth= scheme is not Bearer".into());
    }
    let token = token.trim_start_matches(' ');
    let body = token.trim_end_matches('=');
    let valid = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
    if !valid {
        return Err("OAUTHBEARER: the bearer token has invalid characters".into());
    }
    Ok(token.to_owned())
}

/// Build the initial response, for kgate authenticating to a broker with a token.
pub fn build_client_initial(
    authzid: Option<&str>,
    token: &str,
    extensions: &[(&str, &str)],
) -> Result<Vec<u8>, String> {
    bearer_token(&format!("Bearer {token}"))?;
    let mut out = String::from("n,");
    if let Some(a) = authzid {
        if a.is_empty() || a.contains(',') || a.contains('=') {
            return Err("OAUTHBEARER: authzid must be non-empty without ',' or '='".into());
        }
        out.push_str("a=");
        out.push_str(a);
    }
    out.push_str(",\u{1}auth=Bearer ");
    out.push_str(token);
    out.push('\u{1}');
    for (key, value) in extensions {
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphabetic()) || *key == "auth" {
            return Err(format!("OAUTHBEARER: invalid extension name {key:?}"));
        }
        if !value
            .bytes()
            .all(|b| matches!(b, 0x20..=0x7e | b'\t' | b'\r' | b'\n'))
        {
            return Err(format!(
                "OAUTHBEARER: extension {key:?} has invalid characters"
            ));
        }
        out.push_str(key);
        out.push('=');
        out.push_str(value);
        out.push('\u{1}');
    }
    out.push('\u{1}');
    Ok(out.into_bytes())
}

/// The server's error challenge (RFC 7628 section 3.2.2), e.g. `{"status":"invalid_token"}`.
/// The client answers it with [`is_abort`]'s lone `\x01`, and then fails.
pub fn server_error_response(status: &str, scope: Option<&str>) -> Vec<u8> {
    let mut obj = serde_json::Map::new();
    obj.insert("status".into(), status.into());
    if let Some(scope) = scope {
        obj.insert("scope".into(), scope.into());
    }
    serde_json::Value::Object(obj).to_string().into_bytes()
}

#[cfg(test)]
#[path = "oauthbearer_sasl_tests.rs"]
mod tests;
