//! Who a client is. For mTLS that is the subject of the client certificate, rendered as Java
//! renders it and then passed through Kafka's `ssl.principal.mapping.rules`, so that rules and
//! ACL principals written for a Kafka broker mean the same thing behind kgate.

pub mod gateway_auth;
pub mod http_fetch;
pub mod jaas;
pub mod jwks;
pub mod jwks_cache;
pub mod jws;
pub mod local_tokens;
pub mod oauth;
pub mod oauthbearer_sasl;
pub mod plain;
pub mod principal_mapping;
pub mod scram;
pub mod secret;
pub mod token;
pub mod user_pool_key;
pub mod x509_name;

use principal_mapping::PrincipalMapper;

/// The principal name for a client certificate (DER), as a Kafka broker would derive it.
pub fn principal_from_cert(cert_der: &[u8], mapper: &PrincipalMapper) -> Result<String, String> {
    let dn = x509_name::subject_dn(cert_der).map_err(|e| e.to_string())?;
    mapper.map(&dn)
}
