//! TLS with rustls (ring provider): loading PEM files, building server and client
//! configurations, and reloading them when the files change.

pub mod client;
pub mod files;
pub mod reload;
pub mod server;

/// The crypto provider every configuration uses.
pub fn provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}
