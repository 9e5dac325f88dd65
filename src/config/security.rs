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
}

/// The protocol the gateway uses to reach the cluster (`KAFKA_SECURITY_PROTOCOL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendSecurityProtocol {
    /// No TLS, no authentication.
    Plaintext,
    /// TLS, optionally with a client certificate.
    Ssl,
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
const AVAILABLE: &str = "PLAINTEXT, SSL";

/// Parses `GATEWAY_SECURITY_PROTOCOL`; case-insensitive like Kafka's own parsing.
pub fn parse_gateway(var: &str, raw: &str) -> Result<GatewaySecurityProtocol, ConfigError> {
    match known(var, raw, GATEWAY_PROTOCOLS)? {
        "PLAINTEXT" => Ok(GatewaySecurityProtocol::Plaintext),
        "SSL" => Ok(GatewaySecurityProtocol::Ssl),
        other => Err(not_available(var, other)),
    }
}

/// Parses `KAFKA_SECURITY_PROTOCOL` (`security.protocol`).
pub fn parse_backend(var: &str, raw: &str) -> Result<BackendSecurityProtocol, ConfigError> {
    match known(var, raw, BACKEND_PROTOCOLS)? {
        "PLAINTEXT" => Ok(BackendSecurityProtocol::Plaintext),
        "SSL" => Ok(BackendSecurityProtocol::Ssl),
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
    fn plaintext_is_accepted_in_any_case() {
        assert_eq!(
            parse_gateway("G", " plaintext "),
            Ok(GatewaySecurityProtocol::Plaintext)
        );
        assert_eq!(
            parse_backend("K", "PLAINTEXT"),
            Ok(BackendSecurityProtocol::Plaintext)
        );
    }

    #[test]
    fn every_other_known_gateway_mode_is_not_available_yet() {
        for mode in GATEWAY_PROTOCOLS
            .iter()
            .filter(|m| !["PLAINTEXT", "SSL"].contains(*m))
        {
            let err = parse_gateway("GATEWAY_SECURITY_PROTOCOL", mode).unwrap_err();
            assert!(
                matches!(&err, ConfigError::NotAvailable { value, .. } if value == mode),
                "{err}"
            );
            assert!(err.to_string().contains("not available in this build yet"));
        }
    }

    #[test]
    fn delegated_modes_are_not_backend_protocols() {
        let err = parse_backend("KAFKA_SECURITY_PROTOCOL", "DELEGATED_SASL_SSL").unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { .. }), "{err}");
    }

    #[test]
    fn unknown_value_lists_the_valid_ones() {
        let err = parse_gateway("GATEWAY_SECURITY_PROTOCOL", "TLS").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("GATEWAY_SECURITY_PROTOCOL: expected one of PLAINTEXT"));
        for mode in GATEWAY_PROTOCOLS {
            assert!(text.contains(mode), "{text}");
        }
        assert!(text.ends_with(r#"got "TLS""#), "{text}");
    }
}
