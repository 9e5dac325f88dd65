//! `bootstrap.servers`: the comma-separated `host:port` list clients use to find the cluster.

use std::net::Ipv6Addr;

use super::error::ConfigError;
use super::value::is_hostname;

const EXPECTED: &str =
    "a comma-separated list of host:port, e.g. broker-1:9092,[::1]:9092 (IPv6 in brackets)";

/// Parses the list into `(host, port)` pairs; IPv6 hosts come back without brackets, ready for
/// `ToSocketAddrs`. Empty entries (a trailing comma) are skipped as Kafka clients do, but at
/// least one server is required.
pub fn parse(var: &str, raw: &str) -> Result<Vec<(String, u16)>, ConfigError> {
    let servers = raw
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| server(var, entry))
        .collect::<Result<Vec<_>, _>>()?;
    if servers.is_empty() {
        return Err(ConfigError::invalid(var, EXPECTED, raw));
    }
    Ok(servers)
}

fn server(var: &str, entry: &str) -> Result<(String, u16), ConfigError> {
    let bad = || ConfigError::invalid(var, EXPECTED, entry);
    let rest = strip_scheme(entry).ok_or_else(|| {
        ConfigError::invalid(
            var,
            "host:port with no scheme, or PLAINTEXT://host:port",
            entry,
        )
    })?;
    let (host, port) = if let Some(bracketed) = rest.strip_prefix('[') {
        let (addr, after) = bracketed.split_once(']').ok_or_else(bad)?;
        addr.parse::<Ipv6Addr>().map_err(|_| bad())?;
        (addr, after.strip_prefix(':').ok_or_else(bad)?)
    } else {
        let (host, port) = rest.rsplit_once(':').ok_or_else(bad)?;
        // A bare IPv6 address is ambiguous: which colon starts the port?
        if host.contains(':') || !is_hostname(host) {
            return Err(bad());
        }
        (host, port)
    };
    match port.parse::<u16>() {
        Ok(p) if p >= 1 => Ok((host.to_string(), p)),
        _ => Err(ConfigError::invalid(
            var,
            format!("a port number 1-65535 in {entry:?}"),
            port,
        )),
    }
}

/// The entry without an optional `PLAINTEXT://`; `None` for any other scheme, which would
/// promise a security mode this parser does not set up.
fn strip_scheme(entry: &str) -> Option<&str> {
    match entry.split_once("://") {
        None => Some(entry),
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("PLAINTEXT") => Some(rest),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VAR: &str = "KAFKA_BOOTSTRAP_SERVERS";

    fn ok(raw: &str) -> Vec<(String, u16)> {
        match parse(VAR, raw) {
            Ok(v) => v,
            Err(e) => panic!("{raw:?}: {e}"),
        }
    }

    #[test]
    fn list_with_spaces_and_trailing_comma() {
        assert_eq!(
            ok(" broker-1:9092 , 10.0.0.2:19092,"),
            vec![
                ("broker-1".to_string(), 9092),
                ("10.0.0.2".to_string(), 19092)
            ]
        );
    }

    #[test]
    fn ipv6_in_brackets() {
        assert_eq!(
            ok("[::1]:9092,[fe80::1:2]:9093"),
            vec![("::1".to_string(), 9092), ("fe80::1:2".to_string(), 9093)]
        );
    }

    #[test]
    fn plaintext_scheme_is_optional() {
        assert_eq!(
            ok("PLAINTEXT://localhost:9092, plaintext://[::1]:9093"),
            vec![("localhost".to_string(), 9092), ("::1".to_string(), 9093)]
        );
    }

    #[test]
    fn bad_port_names_the_port() {
        let err = parse(VAR, "broker:99999").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"KAFKA_BOOTSTRAP_SERVERS: expected a port number 1-65535 in "broker:99999", got "99999""#
        );
        assert!(parse(VAR, "broker:0").is_err());
        assert!(parse(VAR, "broker:").is_err());
    }

    #[test]
    fn malformed_entries_are_rejected() {
        for bad in [
            "",
            " , ",
            "broker",
            "::1:9092",
            "[::1]9092",
            "[::1:9092",
            "[nothost]:9092",
            "bad host:9092",
            "SSL://broker:9093",
            "good:9092,bad",
        ] {
            let err = parse(VAR, bad).expect_err(bad);
            assert_eq!(err.var(), VAR);
        }
    }
}
