//! The client side: kgate connecting to brokers over TLS (`KAFKA_SSL_*`).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, Error, SignatureScheme};

use super::files::{load_key_and_chain, load_system_trust, load_trust};
use crate::config::BackendTls;

const TRUST_VAR: &str = "KAFKA_SSL_TRUSTSTORE_LOCATION";
const KEY_VAR: &str = "KAFKA_SSL_KEYSTORE_LOCATION";

/// Build the configuration for connections to brokers.
pub fn build(tls: &BackendTls) -> Result<Arc<ClientConfig>, String> {
    let roots = Arc::new(match &tls.trust_store_path {
        Some(path) => load_trust(TRUST_VAR, path)?,
        None => load_system_trust(TRUST_VAR)?,
    });
    let provider = super::provider();
    let webpki = WebPkiServerVerifier::builder_with_provider(roots, Arc::clone(&provider))
        .build()
        .map_err(|e| format!("{TRUST_VAR}: {e}"))?;
    let verifier: Arc<dyn ServerCertVerifier> = if tls.verify_hostname {
        webpki
    } else {
        Arc::new(ChainOnly(webpki))
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS to the cluster: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let config = match &tls.key_store_path {
        Some(path) => {
            let keys = load_key_and_chain(KEY_VAR, path)?;
            builder
                .with_client_auth_cert(keys.chain, keys.key)
                .map_err(|e| {
                    format!(
                        "{KEY_VAR}: the key and certificate in {} do not work together: {e}",
                        path.display()
                    )
                })?
        }
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// The name to verify a broker's certificate against.
pub fn server_name(host: &str) -> Result<ServerName<'static>, String> {
    ServerName::try_from(host.to_owned())
        .map_err(|e| format!("broker host {host:?} is not a valid TLS server name: {e}"))
}

/// Verifies the chain and signatures but not the host name: what Kafka does when
/// `ssl.endpoint.identification.algorithm` is empty.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(Error::InvalidCertificate(CertificateError::NotValidForName))
            | Err(Error::InvalidCertificate(CertificateError::NotValidForNameContext { .. })) => {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
