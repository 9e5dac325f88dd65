//! JSON Web Key Sets (RFC 7517): the issuer's published verification keys, indexed by `kid`.
//!
//! Issuers publish keys kgate has no use for (encryption keys, other curves, RS384); those are
//! skipped with a note so the operator can see why a token's `kid` is missing. A key that claims
//! a supported type but is broken fails the whole document: that is an issuer misconfiguration
//! worth a clear error, not something to paper over.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::jws::{b64url_decode, truncate, Alg, PublicKey};

/// One usable verification key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    pub kid: Option<String>,
    /// The `alg` the issuer pinned this key to, if any: a token must then use exactly that.
    pub alg: Option<Alg>,
    pub key: PublicKey,
}

#[derive(Debug, Clone, Default)]
pub struct Jwks {
    by_kid: HashMap<String, Jwk>,
    without_kid: Vec<Jwk>,
    notes: Vec<String>,
}

impl Jwks {
    /// Parse a JWKS document (`{"keys":[...]}`).
    pub fn parse(doc: &[u8]) -> Result<Jwks, String> {
        let root: Value =
            serde_json::from_slice(doc).map_err(|e| format!("JWKS is not JSON: {e}"))?;
        let keys = root
            .get("keys")
            .and_then(Value::as_array)
            .ok_or("JWKS has no \"keys\" array")?;
        let mut jwks = Jwks::default();
        for (index, value) in keys.iter().enumerate() {
            let obj = value
                .as_object()
                .ok_or_else(|| format!("JWKS key #{index} is not a JSON object"))?;
            let label = match obj.get("kid").and_then(Value::as_str) {
                Some(kid) => format!("JWKS key #{index} (kid {:?})", truncate(kid, 64)),
                None => format!("JWKS key #{index}"),
            };
            match parse_key(obj).map_err(|e| format!("{label}: {e}"))? {
                Parsed::Key(jwk) => jwks.insert(jwk, &label)?,
                Parsed::Skipped(why) => jwks.notes.push(format!("{label} ignored: {why}")),
            }
        }
        Ok(jwks)
    }

    fn insert(&mut self, jwk: Jwk, label: &str) -> Result<(), String> {
        match &jwk.kid {
            Some(kid) => {
                if self.by_kid.contains_key(kid) {
                    return Err(format!("{label}: duplicate kid"));
                }
                self.by_kid.insert(kid.clone(), jwk);
            }
            None => self.without_kid.push(jwk),
        }
        Ok(())
    }

    /// The key for a token's `kid`. A token without `kid` is only matched when the set holds
    /// exactly one usable key, so there is never a guess between keys.
    pub fn get(&self, kid: Option<&str>) -> Option<&Jwk> {
        match kid {
            Some(kid) => self.by_kid.get(kid),
            None if self.len() == 1 => self.by_kid.values().chain(&self.without_kid).next(),
            None => None,
        }
    }

    /// Why keys were skipped, for a log line after each (re)load.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    pub fn len(&self) -> usize {
        self.by_kid.len() + self.without_kid.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

enum Parsed {
    Key(Jwk),
    Skipped(String),
}

fn parse_key(obj: &Map<String, Value>) -> Result<Parsed, String> {
    let kid = match obj.get("kid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("\"kid\" is not a string".into()),
    };
    if let Some(usage) = opt_str(obj, "use")? {
        if usage != "sig" {
            return Ok(Parsed::Skipped(format!(
                "use {:?} is not \"sig\"",
                truncate(usage, 16)
            )));
        }
    }
    let alg = match opt_str(obj, "alg")? {
        None => None,
        Some(name) => match Alg::from_name(name) {
            Some(alg) if !alg.is_hmac() => Some(alg),
            _ => {
                return Ok(Parsed::Skipped(format!(
                    "alg {:?} is not supported",
                    truncate(name, 16)
                )))
            }
        },
    };
    let kty = opt_str(obj, "kty")?.ok_or("no \"kty\"")?;
    let key = match kty {
        "RSA" => {
            let n = strip_leading_zeros(req_b64(obj, "n")?);
            let e = strip_leading_zeros(req_b64(obj, "e")?);
            if n.len() < 256 {
                return Err(format!(
                    "RSA modulus is {} bits; at least 2048 are required",
                    n.len() * 8
                ));
            }
            if e.is_empty() || e.len() > 4 {
                return Err("RSA exponent is out of range".into());
            }
            PublicKey::Rsa { n, e }
        }
        "EC" => {
            let crv = opt_str(obj, "crv")?.ok_or("EC key has no \"crv\"")?;
            if crv != "P-256" {
                return Ok(Parsed::Skipped(format!(
                    "curve {:?} is not supported",
                    truncate(crv, 16)
                )));
            }
            let x = req_b64(obj, "x")?;
            let y = req_b64(obj, "y")?;
            if x.len() != 32 || y.len() != 32 {
                return Err("P-256 \"x\" and \"y\" must be 32 bytes each".into());
            }
            PublicKey::EcP256 { x, y }
        }
        other => {
            return Ok(Parsed::Skipped(format!(
                "kty {:?} is not supported",
                truncate(other, 16)
            )))
        }
    };
    match (alg, &key) {
        (Some(Alg::Es256), PublicKey::Rsa { .. })
        | (Some(Alg::Rs256), PublicKey::EcP256 { .. }) => {
            Err("\"alg\" does not match \"kty\"".into())
        }
        _ => Ok(Parsed::Key(Jwk { kid, alg, key })),
    }
}

fn opt_str<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, String> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("\"{name}\" is not a string")),
    }
}

fn req_b64(obj: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    let s = opt_str(obj, name)?.ok_or_else(|| format!("no \"{name}\""))?;
    b64url_decode(s, name).map_err(|e| e.to_string())
}

/// RFC 7518 says minimal big-endian, but some issuers pad; ring wants no leading zeros.
fn strip_leading_zeros(mut v: Vec<u8>) -> Vec<u8> {
    let zeros = v.iter().take_while(|b| **b == 0).count();
    v.drain(..zeros);
    v
}

#[cfg(test)]
#[path = "jwks_tests.rs"]
mod tests;
