//! The server side: what clients connecting to kgate over TLS are offered and asked for.

use std::sync::Arc;

use rustls::server::WebPkiClientVerifier;
use rustls::{ServerConfig, SupportedCipherSuite, SupportedProtocolVersion};

use super::files::{load_key_and_chain, load_trust};
use crate::config::{spec, ClientAuth, ServerTls, TlsVersion};

/// Build the server configuration from the files and options; every error names the variable.
pub fn build(tls: &ServerTls) -> Result<Arc<ServerConfig>, String> {
    let provider = Arc::new(rustls::crypto::CryptoProvider {
        cipher_suites: cipher_suites(&tls.cipher_suites, &tls.protocols)?,
        ..rustls::crypto::ring::default_provider()
    });
    let versions: Vec<&'static SupportedProtocolVersion> = tls
        .protocols
        .iter()
        .map(|v| match v {
            TlsVersion::Tls12 => &rustls::version::TLS12,
            TlsVersion::Tls13 => &rustls::version::TLS13,
        })
        .collect();
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&versions)
        .map_err(|e| format!("{}: {e}", spec::SSL_ENABLED_PROTOCOLS.name))?;
    let trust_var = spec::SSL_TRUST_STORE_PATH.name;
    let builder = match (tls.client_auth, &tls.trust_store_path) {
        (ClientAuth::None, _) | (_, None) => builder.with_no_client_auth(),
        (auth, Some(path)) => {
            let roots = Arc::new(load_trust(trust_var, path)?);
            let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider);
            let verifier = if auth == ClientAuth::Requested {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            builder.with_client_cert_verifier(
                verifier.build().map_err(|e| format!("{trust_var}: {e}"))?,
            )
        }
    };
    let key_var = spec::SSL_KEY_STORE_PATH.name;
    let keys = load_key_and_chain(key_var, &tls.key_store_path)?;
    let config = builder
        .with_single_cert(keys.chain, keys.key)
        .map_err(|e| {
            format!(
                "{key_var}: the key and certificate in {} do not work together: {e}",
                tls.key_store_path.display()
            )
        })?;
    Ok(Arc::new(config))
}

/// The suites named in `GATEWAY_SSL_CIPHER_SUITES` (IANA or rustls spelling), or every suite of
/// the enabled versions when none is named.
fn cipher_suites(
    names: &[String],
    versions: &[TlsVersion],
) -> Result<Vec<SupportedCipherSuite>, String> {
    let all = rustls::crypto::ring::default_provider().cipher_suites;
    let enabled = |s: &SupportedCipherSuite| match s {
        SupportedCipherSuite::Tls12(_) => versions.contains(&TlsVersion::Tls12),
        SupportedCipherSuite::Tls13(_) => versions.contains(&TlsVersion::Tls13),
    };
    if names.is_empty() {
        return Ok(all.into_iter().filter(enabled).collect());
    }
    let iana = |s: &SupportedCipherSuite| {
        s.suite()
            .as_str()
            .unwrap_or_default()
            .replace("TLS13_", "TLS_")
    };
    let mut chosen = Vec::new();
    for name in names {
        let wanted = name.replace("TLS13_", "TLS_");
        let suite = all.iter().find(|s| iana(s) == wanted).ok_or_else(|| {
            let known: Vec<String> = all.iter().map(iana).collect();
            format!(
                "{}: unknown cipher suite {name}; known: {}",
                spec::SSL_CIPHER_SUITES.name,
                known.join(", ")
            )
        })?;
        if enabled(suite) {
            chosen.push(*suite);
        }
    }
    if chosen.is_empty() {
        return Err(format!(
            "{}: none of the named suites belongs to a version in {}",
            spec::SSL_CIPHER_SUITES.name,
            spec::SSL_ENABLED_PROTOCOLS.name
        ));
    }
    Ok(chosen)
}
