//! Parsers from one raw environment value to one typed value.
//!
//! Each takes the variable name so its error can say which variable is wrong; surrounding
//! whitespace is ignored because it is invisible in most deployment files.

use std::net::IpAddr;
use std::time::Duration;

use super::error::ConfigError;

/// A TCP port a listener binds or a client dials; 0 ("any port") is not a useful setting.
pub fn port(var: &str, raw: &str) -> Result<u16, ConfigError> {
    match raw.trim().parse::<u16>() {
        Ok(p) if p >= 1 => Ok(p),
        _ => Err(ConfigError::invalid(var, "a port number 1-65535", raw)),
    }
}

/// An unsigned integer in `min..=max`.
pub fn integer(var: &str, raw: &str, min: u64, max: u64) -> Result<u64, ConfigError> {
    match raw.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(ConfigError::invalid(
            var,
            format!("an integer {min}-{max}"),
            raw,
        )),
    }
}

/// A `usize` in `min..=max`; `max` is capped to what the platform can hold.
pub fn size(var: &str, raw: &str, min: usize, max: usize) -> Result<usize, ConfigError> {
    let n = integer(var, raw, min as u64, max as u64)?;
    usize::try_from(n).map_err(|_| ConfigError::invalid(var, "a smaller number", raw))
}

/// A broker id: Kafka ids are non-negative `int32`.
pub fn broker_id(var: &str, raw: &str) -> Result<i32, ConfigError> {
    match raw.trim().parse::<i32>() {
        Ok(id) if id >= 0 => Ok(id),
        _ => Err(ConfigError::invalid(
            var,
            format!("a broker id 0-{}", i32::MAX),
            raw,
        )),
    }
}

/// A positive duration in milliseconds, at most a day (larger is surely a unit mistake).
pub fn millis(var: &str, raw: &str) -> Result<Duration, ConfigError> {
    integer(var, raw, 1, MAX_MILLIS)
        .map(Duration::from_millis)
        .map_err(|_| ConfigError::invalid(var, "milliseconds 1-86400000", raw))
}

/// Like [`millis`], but 0 means "never" and gives `None`.
pub fn millis_or_never(var: &str, raw: &str) -> Result<Option<Duration>, ConfigError> {
    match integer(var, raw, 0, MAX_MILLIS) {
        Ok(0) => Ok(None),
        Ok(n) => Ok(Some(Duration::from_millis(n))),
        Err(_) => Err(ConfigError::invalid(
            var,
            "milliseconds 1-86400000, or 0 for never",
            raw,
        )),
    }
}

const MAX_MILLIS: u64 = 86_400_000;

/// A local address to bind; a name would need resolving, which may not match any interface.
pub fn ip(var: &str, raw: &str) -> Result<IpAddr, ConfigError> {
    raw.trim()
        .parse()
        .map_err(|_| ConfigError::invalid(var, "an IP address such as 0.0.0.0 or ::", raw))
}

/// A host name or IP literal that clients are told to dial.
pub fn host(var: &str, raw: &str) -> Result<String, ConfigError> {
    let h = raw.trim();
    if h.parse::<IpAddr>().is_ok() || is_hostname(h) {
        Ok(h.to_string())
    } else {
        Err(ConfigError::invalid(
            var,
            "a host name (letters, digits, '-', '.', '_') or an IP address",
            raw,
        ))
    }
}

/// Loose RFC 1123 check: what a DNS name or `/etc/hosts` entry can look like. `_` is allowed
/// because container and cloud names use it.
pub fn is_hostname(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert_eq!(port("P", " 6969 "), Ok(6969));
        assert_eq!(port("P", "65535"), Ok(65535));
        for bad in ["0", "65536", "-1", "abc", "", "69 69"] {
            let err = port("GATEWAY_PORT_START", bad).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("GATEWAY_PORT_START: expected a port number 1-65535, got {bad:?}")
            );
        }
    }

    #[test]
    fn integers_respect_bounds() {
        assert_eq!(integer("N", "5", 1, 10), Ok(5));
        let err = integer("N", "11", 1, 10).unwrap_err();
        assert_eq!(err.to_string(), r#"N: expected an integer 1-10, got "11""#);
        assert!(integer("N", "0", 1, 10).is_err());
        assert!(integer("N", "1.5", 1, 10).is_err());
        assert_eq!(size("N", "7", 1, 10), Ok(7));
    }

    #[test]
    fn broker_ids_are_non_negative() {
        assert_eq!(broker_id("B", "0"), Ok(0));
        assert_eq!(broker_id("B", "111"), Ok(111));
        assert!(broker_id("B", "-1").is_err());
        assert!(broker_id("B", "2147483648").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(millis("T", "1500"), Ok(Duration::from_millis(1500)));
        assert!(millis("T", "0").is_err());
        assert!(millis("T", "86400001").is_err());
        assert_eq!(millis_or_never("T", "0"), Ok(None));
        assert_eq!(
            millis_or_never("T", "10"),
            Ok(Some(Duration::from_millis(10)))
        );
        let err = millis_or_never("GATEWAY_IDLE_TIMEOUT_MS", "10m").unwrap_err();
        assert!(err.to_string().contains("or 0 for never"), "{err}");
    }

    #[test]
    fn hosts() {
        assert_eq!(host("H", "gw.example.com"), Ok("gw.example.com".into()));
        assert_eq!(host("H", "kafka_1"), Ok("kafka_1".into()));
        assert_eq!(host("H", "::1"), Ok("::1".into()));
        for bad in ["", "a b", "-a", "a..b", "http://x", "a:9092"] {
            assert!(host("H", bad).is_err(), "{bad:?} accepted");
        }
        assert!(ip("I", "0.0.0.0").is_ok());
        assert!(ip("I", "::").is_ok());
        assert!(ip("I", "localhost").is_err());
    }
}
