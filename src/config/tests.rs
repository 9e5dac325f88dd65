//! `Config::from_vars` end to end: defaults, errors, warnings, redaction.

use super::*;

const BOOTSTRAP: (&str, &str) = ("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");

fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

fn with_bootstrap(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let mut all = vec![BOOTSTRAP];
    all.extend_from_slice(vars);
    load(&all)
}

fn error(vars: &[(&str, &str)]) -> ConfigError {
    match with_bootstrap(vars) {
        Ok(cfg) => panic!("{vars:?} accepted: {cfg:?}"),
        Err(e) => e,
    }
}

#[test]
fn defaults() {
    let cfg = with_bootstrap(&[]).expect("defaults load");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(cfg.worker_threads, cores);
    assert_eq!(cfg.advertised_host, "localhost");
    assert_eq!(cfg.bind_host, IpAddr::from([0, 0, 0, 0]));
    assert_eq!(cfg.port_start, 6969);
    assert_eq!(cfg.port_count, None);
    assert_eq!(cfg.min_broker_id, None);
    assert_eq!(cfg.http_port, 8888);
    assert_eq!(cfg.max_frame_bytes, 104_857_600);
    assert_eq!(cfg.idle_timeout, Some(Duration::from_millis(600_000)));
    assert_eq!(cfg.max_connections, 10_000);
    assert_eq!(cfg.upstream_connect_timeout, Duration::from_millis(10_000));
    assert_eq!(cfg.metadata_refresh, Duration::from_millis(30_000));
    assert_eq!(cfg.shutdown_timeout, Duration::from_millis(30_000));
    assert_eq!(cfg.security_protocol, GatewaySecurityProtocol::Plaintext);
    assert_eq!(
        cfg.backend.security_protocol,
        BackendSecurityProtocol::Plaintext
    );
    assert_eq!(
        cfg.backend.bootstrap_servers,
        vec![("localhost".to_string(), 9092)]
    );
    assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
}

#[test]
fn values_are_read_into_their_fields() {
    let cfg = with_bootstrap(&[
        ("GATEWAY_WORKER_THREADS", "3"),
        ("GATEWAY_ADVERTISED_HOST", "gw.example.com"),
        ("GATEWAY_BIND_HOST", "::"),
        ("GATEWAY_PORT_START", "7000"),
        ("GATEWAY_PORT_COUNT", "5"),
        ("GATEWAY_MIN_BROKERID", "100"),
        ("GATEWAY_HTTP_PORT", "9999"),
        ("GATEWAY_MAX_FRAME_BYTES", "2048"),
        ("GATEWAY_IDLE_TIMEOUT_MS", "0"),
        ("GATEWAY_MAX_CONNECTIONS", "12"),
        ("GATEWAY_UPSTREAM_CONNECT_TIMEOUT_MS", "1"),
        ("GATEWAY_METADATA_REFRESH_MS", "2"),
        ("GATEWAY_SHUTDOWN_TIMEOUT_MS", "3"),
        ("GATEWAY_SECURITY_PROTOCOL", "plaintext"),
    ])
    .expect("valid values load");
    assert_eq!(cfg.worker_threads, 3);
    assert_eq!(cfg.advertised_host, "gw.example.com");
    assert!(cfg.bind_host.is_ipv6());
    assert_eq!(cfg.port_start, 7000);
    assert_eq!(cfg.port_count, Some(5));
    assert_eq!(cfg.min_broker_id, Some(100));
    assert_eq!(cfg.http_port, 9999);
    assert_eq!(cfg.max_frame_bytes, 2048);
    assert_eq!(cfg.idle_timeout, None);
    assert_eq!(cfg.max_connections, 12);
    assert_eq!(cfg.upstream_connect_timeout, Duration::from_millis(1));
    assert_eq!(cfg.metadata_refresh, Duration::from_millis(2));
    assert_eq!(cfg.shutdown_timeout, Duration::from_millis(3));
}

#[test]
fn empty_value_means_default_and_later_duplicate_wins() {
    let cfg = with_bootstrap(&[
        ("GATEWAY_PORT_START", "  "),
        ("GATEWAY_HTTP_PORT", "1000"),
        ("GATEWAY_HTTP_PORT", "2000"),
    ])
    .expect("loads");
    assert_eq!(cfg.port_start, 6969);
    assert_eq!(cfg.http_port, 2000);
}

#[test]
fn each_bad_value_names_its_variable_and_expectation() {
    let cases: &[(&str, &str, &str)] = &[
        ("GATEWAY_WORKER_THREADS", "0", "an integer 1-1024"),
        ("GATEWAY_ADVERTISED_HOST", "a host", "a host name"),
        ("GATEWAY_BIND_HOST", "localhost", "an IP address"),
        ("GATEWAY_PORT_START", "abc", "a port number 1-65535"),
        ("GATEWAY_PORT_COUNT", "1", "a port count 2-"),
        ("GATEWAY_MIN_BROKERID", "-1", "a broker id"),
        ("GATEWAY_HTTP_PORT", "70000", "a port number 1-65535"),
        (
            "GATEWAY_MAX_FRAME_BYTES",
            "100",
            "an integer 1024-2147483647",
        ),
        ("GATEWAY_IDLE_TIMEOUT_MS", "-5", "or 0 for never"),
        ("GATEWAY_MAX_CONNECTIONS", "0", "an integer 1-1000000"),
        ("GATEWAY_UPSTREAM_CONNECT_TIMEOUT_MS", "0", "milliseconds"),
        ("GATEWAY_METADATA_REFRESH_MS", "1s", "milliseconds"),
        (
            "GATEWAY_SHUTDOWN_TIMEOUT_MS",
            "",
            "(valid: empty is default)",
        ),
        ("GATEWAY_SECURITY_PROTOCOL", "TLS", "one of PLAINTEXT, SSL"),
        ("KAFKA_SECURITY_PROTOCOL", "NONE", "one of PLAINTEXT, SSL"),
    ];
    for (var, bad, expected) in cases {
        if bad.is_empty() {
            assert!(with_bootstrap(&[(var, bad)]).is_ok());
            continue;
        }
        let err = error(&[(var, bad)]);
        let text = err.to_string();
        assert_eq!(err.var(), *var, "{text}");
        assert!(text.starts_with(&format!("{var}: expected ")), "{text}");
        assert!(text.contains(expected), "{text}");
        assert!(text.ends_with(&format!("got {bad:?}")), "{text}");
    }
}

#[test]
fn port_start_message_matches_the_documented_example() {
    assert_eq!(
        error(&[("GATEWAY_PORT_START", "abc")]).to_string(),
        r#"GATEWAY_PORT_START: expected a port number 1-65535, got "abc""#
    );
}

#[test]
fn port_range_must_fit_below_65536() {
    assert!(
        with_bootstrap(&[("GATEWAY_PORT_START", "65530"), ("GATEWAY_PORT_COUNT", "6")]).is_ok()
    );
    let err = error(&[("GATEWAY_PORT_START", "65530"), ("GATEWAY_PORT_COUNT", "7")]);
    assert_eq!(err.var(), "GATEWAY_PORT_COUNT");
    assert!(err.to_string().contains("a port count 2-6 "), "{err}");
}

#[test]
fn http_port_may_not_collide_with_kafka_ports() {
    let err = error(&[("GATEWAY_HTTP_PORT", "6969")]);
    assert_eq!(err.var(), "GATEWAY_HTTP_PORT");
    let err = error(&[("GATEWAY_PORT_COUNT", "4"), ("GATEWAY_HTTP_PORT", "6972")]);
    assert!(err.to_string().contains("6969-6972"), "{err}");
    assert!(with_bootstrap(&[("GATEWAY_PORT_COUNT", "4"), ("GATEWAY_HTTP_PORT", "6973")]).is_ok());
}

#[test]
fn sasl_modes_and_their_rules() {
    let managed =
        with_bootstrap(&[("GATEWAY_SECURITY_PROTOCOL", "SASL_PLAINTEXT")]).expect("loads");
    let sasl = managed.client_sasl.expect("client SASL");
    assert_eq!(sasl.mode, SecurityMode::GatewayManaged);
    assert_eq!(
        sasl.failed_auth_delay,
        std::time::Duration::from_millis(100)
    );
    assert_eq!(sasl.max_reauth, None);
    let scram = [
        ("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT"),
        ("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256"),
        ("KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"gw\" password=\"pw\";"),
    ];
    let inferred = with_bootstrap(&scram).expect("loads");
    assert!(inferred.security_protocol_inferred);
    assert_eq!(
        inferred.security_protocol,
        GatewaySecurityProtocol::SaslPlaintext
    );
    assert_eq!(
        inferred.client_sasl.as_ref().expect("sasl").mode,
        SecurityMode::KafkaManaged,
        "a SASL cluster infers delegated SASL"
    );
    assert!(format!("{:?}", inferred.redacted_summary())
        .contains("inferred from KAFKA_SECURITY_PROTOCOL"));
    assert_eq!(
        inferred
            .backend
            .sasl
            .as_ref()
            .expect("backend sasl")
            .mechanism,
        SaslMechanism::ScramSha256
    );
    let delegated_without_sasl_cluster =
        error(&[("GATEWAY_SECURITY_PROTOCOL", "DELEGATED_SASL_PLAINTEXT")]);
    assert_eq!(
        delegated_without_sasl_cluster.var(),
        "KAFKA_SECURITY_PROTOCOL"
    );
    let missing_jaas = error(&[
        ("GATEWAY_SECURITY_PROTOCOL", "PLAINTEXT"),
        ("KAFKA_SECURITY_PROTOCOL", "SASL_SSL"),
    ]);
    assert_eq!(missing_jaas.var(), "KAFKA_SASL_JAAS_CONFIG");
    let oauth_without_endpoint = error(&[
        ("GATEWAY_SECURITY_PROTOCOL", "PLAINTEXT"),
        ("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT"),
        ("KAFKA_SASL_MECHANISM", "OAUTHBEARER"),
        ("KAFKA_SASL_JAAS_CONFIG", "x required;"),
    ]);
    assert_eq!(
        oauth_without_endpoint.var(),
        "KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL"
    );
    let bad_jwks = error(&[
        ("GATEWAY_SECURITY_PROTOCOL", "SASL_PLAINTEXT"),
        ("GATEWAY_OAUTH_JWKS_URL", "ftp://x"),
    ]);
    assert_eq!(bad_jwks.var(), "GATEWAY_OAUTH_JWKS_URL");
    let audiences = with_bootstrap(&[
        ("GATEWAY_SECURITY_PROTOCOL", "SASL_PLAINTEXT"),
        ("GATEWAY_OAUTH_JWKS_URL", "file:///jwks.json"),
        (
            "GATEWAY_OAUTH_EXPECTED_AUDIENCES",
            "[00000002-0000-0000-c000-000000000000, api://b]",
        ),
    ])
    .expect("loads");
    let oauth = audiences.client_sasl.expect("sasl").oauth.expect("oauth");
    assert_eq!(
        oauth.expected_audiences,
        vec!["00000002-0000-0000-c000-000000000000", "api://b"]
    );
    let jaas = format!("{:?}", with_bootstrap(&scram).expect("loads"));
    assert!(
        !jaas.contains("password=\"pw\""),
        "the JAAS config leaked: {jaas}"
    );
}

#[test]
fn bootstrap_servers_are_required() {
    let err = load(&[("KAFKA_SASL_MECHANISM", "PLAIN")]).unwrap_err();
    assert!(matches!(err, ConfigError::Missing { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("KAFKA_BOOTSTRAP_SERVERS is required"),
        "{err}"
    );
    assert!(load(&[("KAFKA_BOOTSTRAP_SERVERS", "")]).is_err());
}

#[test]
fn bootstrap_servers_are_parsed() {
    let cfg =
        load(&[("KAFKA_BOOTSTRAP_SERVERS", "PLAINTEXT://b1:9092, [::1]:9093")]).expect("loads");
    assert_eq!(
        cfg.backend.bootstrap_servers,
        vec![("b1".to_string(), 9092), ("::1".to_string(), 9093)]
    );
    let err = load(&[("KAFKA_BOOTSTRAP_SERVERS", "b1:9092,b2:port")]).unwrap_err();
    assert_eq!(err.var(), "KAFKA_BOOTSTRAP_SERVERS");
}

#[test]
fn kafka_variables_become_properties() {
    let cfg = with_bootstrap(&[
        ("KAFKA_SASL_MECHANISM", "PLAIN"),
        ("KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/ts.jks"),
        ("KAFKA_", "nothing"),
        ("PATH", "/usr/bin"),
    ])
    .expect("loads");
    let props = cfg.backend.properties.as_map();
    assert_eq!(
        props.get("bootstrap.servers").map(String::as_str),
        Some("localhost:9092")
    );
    assert_eq!(cfg.backend.properties.get("sasl.mechanism"), Some("PLAIN"));
    assert_eq!(
        cfg.backend.properties.get("ssl.truststore.location"),
        Some("/etc/ts.jks")
    );
    assert_eq!(props.len(), 3, "{props:?}");
    // `KAFKA_` maps to nothing; the SASL and SSL settings are unused under PLAINTEXT.
    assert_eq!(cfg.warnings.len(), 3, "{:?}", cfg.warnings);
    assert!(
        cfg.warnings
            .iter()
            .any(|w| w.starts_with("KAFKA_ names no")),
        "{:?}",
        cfg.warnings
    );
}

#[test]
fn unknown_gateway_variables_are_warnings() {
    let cfg = with_bootstrap(&[
        ("GATEWAY_FEATURE_FLAGS_ANALYTICS", "false"),
        ("GATEWAY_PORT_STRAT", "7000"),
    ])
    .expect("unknown names do not stop start-up");
    assert_eq!(cfg.warnings.len(), 2, "{:?}", cfg.warnings);
    assert!(cfg
        .warnings
        .iter()
        .any(|w| w.starts_with("GATEWAY_FEATURE_FLAGS_ANALYTICS ")));
    assert!(cfg
        .warnings
        .iter()
        .any(|w| w.starts_with("GATEWAY_PORT_STRAT ")));
    assert_eq!(cfg.port_start, 6969);
}

#[test]
fn summary_redacts_secrets_and_lists_everything() {
    let jaas = r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="gw" password="s3cr3t-pw";"#;
    let cfg = with_bootstrap(&[
        ("KAFKA_SASL_JAAS_CONFIG", jaas),
        ("KAFKA_SSL_TRUSTSTORE_PASSWORD", "ts-pass-123"),
        ("KAFKA_SASL_MECHANISM", "PLAIN"),
    ])
    .expect("loads");
    let summary = cfg.redacted_summary();
    let all = format!("{summary:?} {cfg:?}");
    for secret in ["s3cr3t-pw", "PlainLoginModule", "ts-pass-123"] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
    let value = |name: &str| {
        summary
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(value("KAFKA_SASL_JAAS_CONFIG"), Some(redact::REDACTED));
    assert_eq!(
        value("KAFKA_SSL_TRUSTSTORE_PASSWORD"),
        Some(redact::REDACTED)
    );
    assert_eq!(value("KAFKA_SASL_MECHANISM"), Some("PLAIN"));
    assert_eq!(value("GATEWAY_PORT_START"), Some("6969"));
    assert_eq!(value("GATEWAY_IDLE_TIMEOUT_MS"), Some("600000"));
    assert_eq!(value("KAFKA_BOOTSTRAP_SERVERS"), Some("localhost:9092"));
    // TLS files and options are listed only when TLS is on (see the TLS tests).
    let sasl_only = |name: &str| {
        name == "GATEWAY_SECURITY_MODE"
            || name.starts_with("GATEWAY_OAUTH_")
            || name == "GATEWAY_FAILED_AUTH_DELAY_MS"
            || name == "GATEWAY_AUTHENTICATION_CONNECTION_MAX_REAUTH_MS"
    };
    let listed = |name: &str| {
        name.starts_with("GATEWAY_") && !name.starts_with("GATEWAY_SSL_") && !sasl_only(name)
    };
    for spec in spec::ALL.iter().filter(|s| listed(s.name)) {
        assert!(value(spec.name).is_some(), "{} missing", spec.name);
    }
}

#[test]
fn tls_settings_are_read_and_listed() {
    let cfg = with_bootstrap(&[
        ("GATEWAY_SECURITY_PROTOCOL", "SSL"),
        ("GATEWAY_SSL_KEY_STORE_PATH", "/etc/kgate/server.pem"),
        ("GATEWAY_SSL_TRUST_STORE_PATH", "/etc/kgate/ca.pem"),
        ("GATEWAY_SSL_CLIENT_AUTH", "require"),
        ("GATEWAY_SSL_ENABLED_PROTOCOLS", "TLSv1.3"),
        ("GATEWAY_SSL_KEY_STORE_PASSWORD", "changeit"),
        ("GATEWAY_ROUTING_MECHANISM", "host"),
    ])
    .expect("loads");
    let tls = cfg.server_tls.as_ref().expect("server TLS");
    assert_eq!(tls.client_auth, ClientAuth::Required);
    assert_eq!(tls.protocols, vec![TlsVersion::Tls13]);
    assert_eq!(cfg.routing.mechanism, RoutingMechanism::Host);
    assert_eq!(
        cfg.routing.sni_port,
        Some(6969),
        "host routing listens on GATEWAY_PORT_START"
    );
    assert!(
        cfg.warnings
            .iter()
            .any(|w| w.starts_with("GATEWAY_SSL_KEY_STORE_PASSWORD")),
        "{:?}",
        cfg.warnings
    );
    let summary = format!("{:?}", cfg.redacted_summary());
    assert!(!summary.contains("changeit"), "{summary}");
    for spec in spec::ALL.iter().filter(|s| {
        s.name.starts_with("GATEWAY_SSL_")
            && !s.name.contains("PASSWORD")
            && !s.name.ends_with("_TYPE")
    }) {
        assert!(
            summary.contains(spec.name),
            "{} missing from {summary}",
            spec.name
        );
    }
}

#[test]
fn tls_misconfigurations_name_the_variable() {
    let ssl = ("GATEWAY_SECURITY_PROTOCOL", "SSL");
    let key = ("GATEWAY_SSL_KEY_STORE_PATH", "/k.pem");
    assert_eq!(error(&[ssl]).var(), "GATEWAY_SSL_KEY_STORE_PATH");
    let jks = error(&[ssl, key, ("GATEWAY_SSL_KEY_STORE_TYPE", "JKS")]);
    assert_eq!(jks.var(), "GATEWAY_SSL_KEY_STORE_TYPE");
    assert!(jks.to_string().contains("keytool -importkeystore"), "{jks}");
    let encrypted = error(&[ssl, key, ("GATEWAY_SSL_KEY_PASSWORD", "hunter2")]);
    assert_eq!(encrypted.var(), "GATEWAY_SSL_KEY_PASSWORD");
    assert!(
        encrypted.to_string().contains("openssl pkey"),
        "{encrypted}"
    );
    assert!(!encrypted.to_string().contains("hunter2"), "{encrypted}");
    assert_eq!(
        error(&[ssl, key, ("GATEWAY_SSL_CLIENT_AUTH", "REQUIRED")]).var(),
        "GATEWAY_SSL_TRUST_STORE_PATH"
    );
    assert_eq!(
        error(&[ssl, key, ("GATEWAY_SSL_CLIENT_AUTH", "maybe")]).var(),
        "GATEWAY_SSL_CLIENT_AUTH"
    );
    assert_eq!(
        error(&[ssl, key, ("GATEWAY_SSL_ENABLED_PROTOCOLS", "TLSv1.1")]).var(),
        "GATEWAY_SSL_ENABLED_PROTOCOLS"
    );
    assert_eq!(
        error(&[("GATEWAY_ROUTING_MECHANISM", "host")]).var(),
        "GATEWAY_ROUTING_MECHANISM"
    );
}

#[test]
fn backend_tls_follows_kafka_property_semantics() {
    // Clients on PLAINTEXT: left unset, an SSL cluster would mean SSL clients (the reference's
    // inference), which needs a key store.
    let plain_clients = ("GATEWAY_SECURITY_PROTOCOL", "PLAINTEXT");
    let on = with_bootstrap(&[
        plain_clients,
        ("KAFKA_SECURITY_PROTOCOL", "SSL"),
        ("KAFKA_SSL_TRUSTSTORE_LOCATION", "/ca.pem"),
    ])
    .expect("loads");
    let tls = on.backend.tls.expect("backend TLS");
    assert!(
        tls.verify_hostname,
        "hostname verification is on by default"
    );
    assert_eq!(
        tls.trust_store_path.as_deref(),
        Some(std::path::Path::new("/ca.pem"))
    );
    let off = with_bootstrap(&[
        plain_clients,
        ("KAFKA_SECURITY_PROTOCOL", "SSL"),
        ("KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM", ""),
    ])
    .expect("loads");
    assert!(
        !off.backend.tls.expect("tls").verify_hostname,
        "empty turns it off, as in Kafka"
    );
    let jks = error(&[
        plain_clients,
        ("KAFKA_SECURITY_PROTOCOL", "SSL"),
        ("KAFKA_SSL_TRUSTSTORE_TYPE", "JKS"),
    ]);
    assert_eq!(jks.var(), "KAFKA_SSL_TRUSTSTORE_TYPE");
}
