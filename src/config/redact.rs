//! Which configuration keys hold secrets.
//!
//! The rule, applied to environment variable names and Kafka property names alike: split the
//! upper-cased key on `_` and `.`; it is secret when any word contains `PASSWORD`, `SECRET`,
//! `JAAS`, `TOKEN` or `CREDENTIAL`, or a word is exactly `KEY` and not followed by `STORE`
//! (so `ssl.key.password` and `KAFKA_AWS_ACCESS_KEY_ID` are secret, while
//! `GATEWAY_SSL_KEY_STORE_PATH` and `ssl.keystore.type` are not). The rule errs towards
//! redacting: `sasl.oauthbearer.token.endpoint.url` is hidden although it is only a URL.

/// Shown in place of a secret value.
pub const REDACTED: &str = "[redacted]";

const SECRET_WORDS: &[&str] = &["PASSWORD", "SECRET", "JAAS", "TOKEN", "CREDENTIAL"];

/// Whether the value of `key` must never be shown.
pub fn is_secret(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    let words: Vec<&str> = upper.split(['_', '.']).collect();
    words.iter().enumerate().any(|(i, word)| {
        SECRET_WORDS.iter().any(|s| word.contains(s))
            || (*word == "KEY" && words.get(i + 1) != Some(&"STORE"))
    })
}

/// `value`, or [`REDACTED`] when `key` is secret.
pub fn shown<'a>(key: &str, value: &'a str) -> &'a str {
    if is_secret(key) {
        REDACTED
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets() {
        for key in [
            "KAFKA_SASL_JAAS_CONFIG",
            "sasl.jaas.config",
            "ssl.truststore.password",
            "ssl.key.password",
            "KAFKA_SSL_KEYSTORE_PASSWORD",
            "KAFKA_AWS_SECRET_ACCESS_KEY",
            "aws.access.key.id",
            "GATEWAY_OAUTH_TOKEN",
            "google.credentials.json",
        ] {
            assert!(is_secret(key), "{key} not redacted");
        }
    }

    #[test]
    fn non_secrets() {
        for key in [
            "bootstrap.servers",
            "KAFKA_SECURITY_PROTOCOL",
            "ssl.keystore.type",
            "ssl.keystore.location",
            "GATEWAY_SSL_KEY_STORE_PATH",
            "GATEWAY_SSL_KEY_STORE_TYPE",
            "GATEWAY_PORT_START",
            "sasl.mechanism",
        ] {
            assert!(!is_secret(key), "{key} redacted");
        }
    }

    #[test]
    fn shown_hides_only_secrets() {
        assert_eq!(
            shown("sasl.jaas.config", "user=\"a\" password=\"b\""),
            REDACTED
        );
        assert_eq!(shown("sasl.mechanism", "PLAIN"), "PLAIN");
    }
}
