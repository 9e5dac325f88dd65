//! Reading PEM key stores and trust stores, with errors that say what to do.

use std::path::Path;

use rustls::pki_types::pem::{self, PemObject, SectionKind};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::RootCertStore;

/// A private key and its certificate chain, leaf first.
#[derive(Debug)]
pub struct KeyAndChain {
    /// The certificate chain.
    pub chain: Vec<CertificateDer<'static>>,
    /// The private key.
    pub key: PrivateKeyDer<'static>,
}

/// JKS files start with this magic number.
const JKS_MAGIC: [u8; 4] = [0xFE, 0xED, 0xFE, 0xED];

fn read(var: &str, path: &Path) -> Result<Vec<u8>, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("{var}: cannot read {}: {e}", path.display()))?;
    if bytes.starts_with(&JKS_MAGIC) {
        return Err(format!(
            "{var}: {} is a JKS store; kgate reads PEM. Convert it: keytool -importkeystore -srckeystore {0} \
             -destkeystore store.p12 -deststoretype PKCS12 && openssl pkcs12 -in store.p12 -nodes -out store.pem",
            path.display()
        ));
    }
    if bytes.first() == Some(&0x30) {
        return Err(format!(
            "{var}: {} looks like a binary (DER or PKCS12) store; kgate reads PEM. Convert it: \
             openssl pkcs12 -in {0} -nodes -out store.pem",
            path.display()
        ));
    }
    Ok(bytes)
}

/// Load a PEM file holding a private key and its certificate chain (Kafka's PEM keystore).
pub fn load_key_and_chain(var: &str, path: &Path) -> Result<KeyAndChain, String> {
    let bytes = read(var, path)?;
    if contains(&bytes, b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || contains(&bytes, b"Proc-Type: 4,ENCRYPTED")
    {
        return Err(format!(
            "{var}: the private key in {} is encrypted, which kgate does not support; decrypt it with \
             `openssl pkey -in {0} -out key.pem` and keep the file readable only by kgate",
            path.display()
        ));
    }
    let mut chain = Vec::new();
    let mut key = None;
    for section in <(SectionKind, Vec<u8>) as PemObject>::pem_slice_iter(&bytes) {
        let (kind, der) = section.map_err(|e| pem_error(var, path, e))?;
        match kind {
            SectionKind::Certificate => chain.push(CertificateDer::from(der)),
            SectionKind::PrivateKey => key = Some(PrivateKeyDer::Pkcs8(der.into())),
            SectionKind::RsaPrivateKey => key = Some(PrivateKeyDer::Pkcs1(der.into())),
            SectionKind::EcPrivateKey => key = Some(PrivateKeyDer::Sec1(der.into())),
            _ => {}
        }
    }
    let key = key.ok_or_else(|| {
        format!(
            "{var}: {} holds no private key (PEM, unencrypted)",
            path.display()
        )
    })?;
    if chain.is_empty() {
        return Err(format!("{var}: {} holds no certificate", path.display()));
    }
    Ok(KeyAndChain { chain, key })
}

/// Load a PEM file of CA certificates.
pub fn load_trust(var: &str, path: &Path) -> Result<RootCertStore, String> {
    let bytes = read(var, path)?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&bytes) {
        let cert = cert.map_err(|e| pem_error(var, path, e))?;
        roots.add(cert).map_err(|e| {
            format!(
                "{var}: a certificate in {} is not a usable CA: {e}",
                path.display()
            )
        })?;
    }
    if roots.is_empty() {
        return Err(format!("{var}: {} holds no certificate", path.display()));
    }
    Ok(roots)
}

/// Debian's and Red Hat's CA bundles, for TLS to clusters with publicly signed certificates.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// The system's CA bundle, when no trust store is configured.
pub fn load_system_trust(var: &str) -> Result<RootCertStore, String> {
    for bundle in SYSTEM_BUNDLES {
        let path = Path::new(bundle);
        if path.exists() {
            return load_trust(var, path);
        }
    }
    Err(format!(
        "{var} is not set and no system CA bundle was found ({})",
        SYSTEM_BUNDLES.join(", ")
    ))
}

fn pem_error(var: &str, path: &Path, e: pem::Error) -> String {
    format!("{var}: {} is not valid PEM: {e:?}", path.display())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
