//! Security protocols on both sides of the gateway.
//!
//! Every protocol Conduktor Gateway knows is recognised, so that a configuration written for it
//! fails with "not available in this build yet" rather than "unknown value": the operator then
//! knows the value is right and the build is what lacks it.

use super::error::ConfigError;

/// The protocol clients use to reach the gateway (`GATEWAY_SECURITY_PROTOCOL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewaySecurityProtocol {
    /// No TLS, no authentication.
    Plaintext,
    /// TLS, optionally with client certificates (mutual TLS).
    Ssl,
    /// SASL without TLS.
    SaslPlaintext,
    /// SASL over TLS.
    SaslSsl,
}

impl GatewaySecurityProtocol {
    /// True when clients connect over TLS.
    pub fn is_tls(self) -> bool {
        matches!(self, Self::Ssl | Self::SaslSsl)
    }

    /// True when clients authenticate with SASL.
    pub fn is_sasl(self) -> bool {
        matches!(self, Self::SaslPlaintext | Self::SaslSsl)
    }
}

/// The protocol the gateway uses to reach the cluster (`KAFKA_SECURITY_PROTOCOL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendSecurityProtocol {
    /// No TLS, no authentication.
    Plaintext,
    /// TLS, optionally with a client certificate.
    Ssl,
    /// SASL without TLS.
    SaslPlaintext,
    /// SASL over TLS.
    SaslSsl,
}

impl BackendSecurityProtocol {
    /// True when kgate reaches brokers over TLS.
    pub fn is_tls(self) -> bool {
        matches!(self, Self::Ssl | Self::SaslSsl)
    }

    /// True when kgate authenticates to brokers with SASL.
    pub fn is_sasl(self) -> bool {
        matches!(self, Self::SaslPlaintext | Self::SaslSsl)
    }

    /// The client-side protocol the reference product infers when none is set: SASL clusters
    /// get delegated SASL, the others the same protocol.
    pub fn inferred_gateway_protocol(self) -> (GatewaySecurityProtocol, bool) {
        match self {
            Self::Plaintext => (GatewaySecurityProtocol::Plaintext, false),
            Self::Ssl => (GatewaySecurityProtocol::Ssl, false),
            Self::SaslPlaintext => (GatewaySecurityProtocol::SaslPlaintext, true),
            Self::SaslSsl => (GatewaySecurityProtocol::SaslSsl, true),
        }
    }
}

/// Values `GATEWAY_SECURITY_PROTOCOL` may take in Conduktor Gateway.
pub const GATEWAY_PROTOCOLS: &[&str] = &[
    "PLAINTEXT",
    "SSL",
    "SASL_PLAINTEXT",
    "SASL_SSL",
    "DELEGATED_SASL_PLAINTEXT",
    "DELEGATED_SASL_SSL",
];

/// Values Kafka clients accept for `security.protocol`.
pub const BACKEND_PROTOCOLS: &[&str] = &["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"];

/// Protocols this build implements, for error messages.
const AVAILABLE: &str =
    "PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, DELEGATED_SASL_PLAINTEXT, DELEGATED_SASL_SSL";

/// Parses `GATEWAY_SECURITY_PROTOCOL`; case-insensitive like Kafka's own parsing. The second
/// value is true for the older `DELEGATED_*` spellings, which mean KAFKA_MANAGED security.
pub fn parse_gateway(var: &str, raw: &str) -> Result<(GatewaySecurityProtocol, bool), ConfigError> {
    match known(var, raw, GATEWAY_PROTOCOLS)? {
        "PLAINTEXT" => Ok((GatewaySecurityProtocol::Plaintext, false)),
        "SSL" => Ok((GatewaySecurityProtocol::Ssl, false)),
        "SASL_PLAINTEXT" => Ok((GatewaySecurityProtocol::SaslPlaintext, false)),
        "SASL_SSL" => Ok((GatewaySecurityProtocol::SaslSsl, false)),
        "DELEGATED_SASL_PLAINTEXT" => Ok((GatewaySecurityProtocol::SaslPlaintext, true)),
        "DELEGATED_SASL_SSL" => Ok((GatewaySecurityProtocol::SaslSsl, true)),
        other => Err(not_available(var, other)),
    }
}

/// Parses `KAFKA_SECURITY_PROTOCOL` (`security.protocol`).
pub fn parse_backend(var: &str, raw: &str) -> Result<BackendSecurityProtocol, ConfigError> {
    match known(var, raw, BACKEND_PROTOCOLS)? {
        "PLAINTEXT" => Ok(BackendSecurityProtocol::Plaintext),
        "SSL" => Ok(BackendSecurityProtocol::Ssl),
        "SASL_PLAINTEXT" => Ok(BackendSecurityProtocol::SaslPlaintext),
        "SASL_SSL" => Ok(BackendSecurityProtocol::SaslSsl),
        other => Err(not_available(var, other)),
    }
}

/// The table's spelling of `raw`, or an error listing every valid value.
fn known(var: &str, raw: &str, valid: &[&'static str]) -> Result<&'static str, ConfigError> {
    let wanted = raw.trim();
    valid
        .iter()
        .copied()
        .find(|name| name.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| ConfigError::invalid(var, format!("one of {}", valid.join(", ")), raw))
}

fn not_available(var: &str, value: &str) -> ConfigError {
    ConfigError::NotAvailable {
        var: var.to_string(),
        value: value.to_string(),
        available: AVAILABLE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_gateway_protocol_is_accepted_in_any_case() {
        assert_eq!(
            parse_gateway("G", " plaintext "),
            Ok((GatewaySecurityProtocol::Plaintext, false))
        );
        assert_eq!(
            parse_gateway("G", "sasl_ssl"),
            Ok((GatewaySecurityProtocol::SaslSsl, false))
        );
        assert_eq!(
            parse_gateway("G", "DELEGATED_SASL_PLAINTEXT"),
            Ok((GatewaySecurityProtocol::SaslPlaintext, true)),
            "the older spelling means Kafka-managed SASL"
        );
        assert_eq!(
            parse_backend("K", "SASL_SSL"),
            Ok(BackendSecurityProtocol::SaslSsl)
        );
    }

    #[test]
    fn delegated_modes_are_not_backend_protocols() {
        let err = parse_backend("KAFKA_SECURITY_PROTOCOL", "DELEGATED_SASL_SSL").unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { .. }), "{err}");
    }

    #[test]
    fn unknown_value_lists_the_valid_ones() {
        let err = parse_gateway("GATEWAY_SECURITY_PROTOCOL", "TLS").unwrap_err();
        assert!(err.to_string().contains("DELEGATED_SASL_SSL"), "{err}");
    }

    #[test]
    fn inference_follows_the_reference_table() {
        use BackendSecurityProtocol as B;
        use GatewaySecurityProtocol as G;
        assert_eq!(
            B::Plaintext.inferred_gateway_protocol(),
            (G::Plaintext, false)
        );
        assert_eq!(B::Ssl.inferred_gateway_protocol(), (G::Ssl, false));
        assert_eq!(
            B::SaslPlaintext.inferred_gateway_protocol(),
            (G::SaslPlaintext, true)
        );
        assert_eq!(B::SaslSsl.inferred_gateway_protocol(), (G::SaslSsl, true));
    }
}
