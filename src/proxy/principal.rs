//! Who a TLS client is: its certificate's subject, mapped by the principal mapping rules.

use crate::auth::principal_mapping::PrincipalMapper;
use crate::auth::x509_name::subject_dn;
use crate::net::transport::Transport;

/// Kafka's principal for a client that presented no certificate.
pub const ANONYMOUS: &str = "ANONYMOUS";

/// The principal name (without Kafka's `User:` type) of the client behind `transport`, once
/// its handshake is done: the mapped subject of its certificate, or `ANONYMOUS`.
pub fn tls_principal(transport: &Transport, mapper: &PrincipalMapper) -> Result<String, String> {
    let Some(leaf) = transport.peer_certificates().and_then(<[_]>::first) else {
        return Ok(ANONYMOUS.to_owned());
    };
    let dn =
        subject_dn(leaf.as_ref()).map_err(|e| format!("unreadable certificate subject: {e}"))?;
    mapper.map(&dn)
}
