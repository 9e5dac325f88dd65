//! SCRAM-SHA-256 / SCRAM-SHA-512 client (RFC 5802, RFC 7677), for kgate authenticating to
//! brokers, and [`scram_username`] for learning who a relayed client claims to be.
//!
//! Like Kafka, no SASLprep is applied: Kafka's own client and broker hash the UTF-8 bytes as
//! given, and kgate must derive the same keys they do.

use std::fmt::Write as _;
use std::num::NonZeroU32;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use ring::{digest, hmac, pbkdf2};

use super::secret::{ct_eq, Secret};

/// The lowest iteration count Kafka accepts; fewer means a weakened or hostile server.
const MIN_ITERATIONS: u32 = 4096;
/// PBKDF2 runs on a worker thread: a server asking for millions of rounds would stall it.
const MAX_ITERATIONS: u32 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScramMechanism {
    Sha256,
    Sha512,
}

impl ScramMechanism {
    /// The SASL mechanism name as Kafka spells it.
    pub fn from_name(name: &str) -> Option<ScramMechanism> {
        match name {
            "SCRAM-SHA-256" => Some(ScramMechanism::Sha256),
            "SCRAM-SHA-512" => Some(ScramMechanism::Sha512),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ScramMechanism::Sha256 => "SCRAM-SHA-256",
            ScramMechanism::Sha512 => "SCRAM-SHA-512",
        }
    }

    fn pbkdf2(self) -> pbkdf2::Algorithm {
        match self {
            ScramMechanism::Sha256 => pbkdf2::PBKDF2_HMAC_SHA256,
            ScramMechanism::Sha512 => pbkdf2::PBKDF2_HMAC_SHA512,
        }
    }

    fn hmac(self) -> hmac::Algorithm {
        match self {
            ScramMechanism::Sha256 => hmac::HMAC_SHA256,
            ScramMechanism::Sha512 => hmac::HMAC_SHA512,
        }
    }

    fn digest(self) -> &'static digest::Algorithm {
        match self {
            ScramMechanism::Sha256 => &digest::SHA256,
            ScramMechanism::Sha512 => &digest::SHA512,
        }
    }
}

/// The keys both sides derive from the password; public so tests and a future server side can
/// use the exact same derivation.
pub struct ScramKeys {
    pub client_key: Vec<u8>,
    pub stored_key: Vec<u8>,
    pub server_key: Vec<u8>,
}

/// SaltedPassword, ClientKey, StoredKey and ServerKey of RFC 5802 section 3.
pub fn derive_keys(
    mechanism: ScramMechanism,
    password: &str,
    salt: &[u8],
    iterations: NonZeroU32,
) -> ScramKeys {
    let len = mechanism.digest().output_len();
    let mut salted = vec![0u8; len];
    pbkdf2::derive(
        mechanism.pbkdf2(),
        iterations,
        salt,
        password.as_bytes(),
        &mut salted,
    );
    let key = hmac::Key::new(mechanism.hmac(), &salted);
    salted.iter_mut().for_each(|b| *b = 0);
    let client_key = hmac::sign(&key, b"Client Key").as_ref().to_vec();
    let server_key = hmac::sign(&key, b"Server Key").as_ref().to_vec();
    let stored_key = digest::digest(mechanism.digest(), &client_key)
        .as_ref()
        .to_vec();
    ScramKeys {
        client_key,
        stored_key,
        server_key,
    }
}

/// HMAC(key, message) with the mechanism's hash.
pub fn hmac_sign(mechanism: ScramMechanism, key: &[u8], message: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(mechanism.hmac(), key), message)
        .as_ref()
        .to_vec()
}

/// One SCRAM exchange, from the client's side.
pub struct ScramClient {
    mechanism: ScramMechanism,
    password: Secret,
    client_nonce: String,
    client_first_bare: String,
    /// Set once the client-final message is built: what the server must prove it knows.
    expected_server_signature: Option<Vec<u8>>,
}

impl std::fmt::Debug for ScramClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScramClient")
            .field("mechanism", &self.mechanism)
            .field("client_first_bare", &self.client_first_bare)
            .finish_non_exhaustive()
    }
}

impl ScramClient {
    /// Start an exchange with a fresh random nonce. Returns the client and its first message.
    pub fn new(
        mechanism: ScramMechanism,
        username: &str,
        password: &str,
    ) -> Result<(ScramClient, String), String> {
        let mut raw = [0u8; 24];
        SystemRandom::new()
            .fill(&mut raw)
            .map_err(|_| "SCRAM: the system random generator failed".to_string())?;
        // base64url is printable and has no ',', as the nonce grammar requires.
        Ok(Self::with_nonce(
            mechanism,
            username,
            password,
            &URL_SAFE_NO_PAD.encode(raw),
        ))
    }

    /// Deterministic start, for test vectors.
    #[cfg(test)]
    pub(crate) fn new_with_nonce(
        mechanism: ScramMechanism,
        username: &str,
        password: &str,
        nonce: &str,
    ) -> (ScramClient, String) {
        Self::with_nonce(mechanism, username, password, nonce)
    }

    fn with_nonce(
        mechanism: ScramMechanism,
        username: &str,
        password: &str,
        nonce: &str,
    ) -> (ScramClient, String) {
        let client_first_bare = format!("n={},r={nonce}", escape_saslname(username));
        let first = format!("n,,{client_first_bare}");
        let client = ScramClient {
            mechanism,
            password: Secret::from(password),
            client_nonce: nonce.to_owned(),
            client_first_bare,
            expected_server_signature: None,
        };
        (client, first)
    }

    /// Answer the server-first message with the client-final message (with the proof).
    pub fn handle_server_first(&mut self, msg: &[u8]) -> Result<String, String> {
        if self.expected_server_signature.is_some() {
            return Err("SCRAM: server-first message received twice".into());
        }
        let server_first =
            std::str::from_utf8(msg).map_err(|_| "SCRAM: server-first is not UTF-8")?;
        let attrs = attributes(server_first)?;
        let mut nonce = None;
        let mut salt = None;
        let mut iterations = None;
        for (i, (key, value)) in attrs.iter().enumerate() {
            match (i, *key) {
                (0, "m") => return Err("SCRAM: server requires an unsupported extension".into()),
                (_, "e") => return Err(server_error(value)),
                (0, "r") => nonce = Some(*value),
                (1, "s") => salt = Some(*value),
                (2, "i") => iterations = Some(*value),
                _ => {}
            }
        }
        let nonce = nonce.ok_or("SCRAM: server-first does not start with r=")?;
        if nonce.len() <= self.client_nonce.len() || !nonce.starts_with(&self.client_nonce) {
            return Err("SCRAM: server nonce does not extend the client nonce".into());
        }
        let salt = STANDARD
            .decode(salt.ok_or("SCRAM: server-first has no s= after r=")?)
            .map_err(|_| "SCRAM: salt is not base64")?;
        let iterations: u32 = iterations
            .ok_or("SCRAM: server-first has no i= after s=")?
            .parse()
            .map_err(|_| "SCRAM: iteration count is not a number")?;
        if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
            return Err(format!(
                "SCRAM: iteration count {iterations} is outside {MIN_ITERATIONS}..={MAX_ITERATIONS}"
            ));
        }
        let iterations = NonZeroU32::new(iterations).ok_or("SCRAM: zero iterations")?;

        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let keys = derive_keys(self.mechanism, self.password.expose(), &salt, iterations);
        let client_signature = hmac_sign(self.mechanism, &keys.stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = keys
            .client_key
            .iter()
            .zip(&client_signature)
            .map(|(k, s)| k ^ s)
            .collect();
        self.expected_server_signature = Some(hmac_sign(
            self.mechanism,
            &keys.server_key,
            auth_message.as_bytes(),
        ));
        let mut out = without_proof;
        let _ = write!(out, ",p={}", STANDARD.encode(proof));
        Ok(out)
    }

    /// Check the server-final message: the server proves it knows the password too.
    pub fn verify_server_final(&self, msg: &[u8]) -> Result<(), String> {
        let expected = self
            .expected_server_signature
            .as_deref()
            .ok_or("SCRAM: server-final received before server-first")?;
        let text = std::str::from_utf8(msg).map_err(|_| "SCRAM: server-final is not UTF-8")?;
        let attrs = attributes(text)?;
        match attrs.first() {
            Some(("e", value)) => Err(server_error(value)),
            Some(("v", value)) => {
                let got = STANDARD
                    .decode(value)
                    .map_err(|_| "SCRAM: server signature is not base64")?;
                if ct_eq(&got, expected) {
                    Ok(())
                } else {
                    Err("SCRAM: the server signature is wrong".into())
                }
            }
            _ => Err("SCRAM: server-final has neither v= nor e=".into()),
        }
    }
}

/// `a=b,c=d` into `[("a","b"),("c","d")]`. RFC 5802 names are one letter; Kafka's extensions
/// (`tokenauth=true`) are words, so any alphanumeric name is accepted here.
fn attributes(msg: &str) -> Result<Vec<(&str, &str)>, String> {
    msg.split(',')
        .map(|part| match part.split_once('=') {
            Some((k, v)) if !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                Ok((k, v))
            }
            _ => Err(format!(
                "SCRAM: malformed attribute {:?}",
                super::jws::truncate(part, 16)
            )),
        })
        .collect()
}

/// Server errors (`e=invalid-proof`) are short tokens from a fixed vocabulary; cap them anyway.
fn server_error(value: &str) -> String {
    format!("SCRAM: server refused: {}", super::jws::truncate(value, 64))
}

/// RFC 5802 saslname: `=` and `,` are the only characters with a meaning inside an attribute.
pub fn escape_saslname(name: &str) -> String {
    name.replace('=', "=3D").replace(',', "=2C")
}

pub fn unescape_saslname(name: &str) -> Result<String, String> {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(pos) = rest.find('=') {
        out.push_str(rest.get(..pos).unwrap_or_default());
        let after = rest.get(pos..).unwrap_or_default();
        if let Some(tail) = after.strip_prefix("=3D") {
            out.push('=');
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("=2C") {
            out.push(',');
            rest = tail;
        } else {
            return Err("SCRAM: invalid '=' escape in the user name".into());
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The user name in a client-first message (`n,,n=user,r=nonce[,ext]`), unescaped.
pub fn scram_username(client_first: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(client_first).map_err(|_| "SCRAM: client-first is not UTF-8")?;
    let (cbind, rest) = text
        .split_once(',')
        .ok_or("SCRAM: client-first has no GS2 header")?;
    match cbind {
        "n" | "y" => {}
        _ if cbind.starts_with("p=") => {
            return Err("SCRAM: channel binding is not supported".into())
        }
        _ => return Err("SCRAM: client-first has an invalid GS2 header".into()),
    }
    let (authzid, bare) = rest
        .split_once(',')
        .ok_or("SCRAM: client-first has no GS2 header")?;
    if !authzid.is_empty() && !authzid.starts_with("a=") {
        return Err("SCRAM: client-first has an invalid authzid".into());
    }
    let attrs = attributes(bare)?;
    match (attrs.first(), attrs.get(1)) {
        (Some(("n", user)), Some(("r", nonce))) if !user.is_empty() && !nonce.is_empty() => {
            unescape_saslname(user)
        }
        (Some(("m", _)), _) => Err("SCRAM: client requires an unsupported extension".into()),
        _ => Err("SCRAM: client-first must start with n=user,r=nonce".into()),
    }
}

#[cfg(test)]
#[path = "scram_tests.rs"]
mod tests;
