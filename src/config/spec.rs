//! The table of environment variables: the parser reads through it and `--help` prints it, so
//! the documented defaults are the defaults actually used.

/// Where a variable's value comes from when it is unset or empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultValue {
    /// This literal, parsed exactly like a value from the environment.
    Literal(&'static str),
    /// Worked out at run time; the text says how.
    Computed(&'static str),
    /// No default: the gateway cannot start without it.
    Required,
}

/// One environment variable the gateway reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VarSpec {
    /// The variable's name.
    pub name: &'static str,
    /// Its default.
    pub default: DefaultValue,
    /// One line: what it does and what a value looks like.
    pub help: &'static str,
}

use DefaultValue::{Computed, Literal, Required};

macro_rules! vars {
    ($($id:ident = $name:literal, $default:expr, $help:literal;)*) => {
        $(
            #[doc = $help]
            pub const $id: VarSpec = VarSpec { name: $name, default: $default, help: $help };
        )*
        /// Every variable, in `--help` order.
        pub const ALL: &[VarSpec] = &[$($id),*];
    };
}

vars! {
    WORKER_THREADS = "GATEWAY_WORKER_THREADS", Computed("number of CPU cores"),
        "Event-loop threads that carry client connections (1-1024).";
    ADVERTISED_HOST = "GATEWAY_ADVERTISED_HOST", Literal("localhost"),
        "Host name clients are told to connect to in metadata responses.";
    BIND_HOST = "GATEWAY_BIND_HOST", Literal("0.0.0.0"),
        "IP address the Kafka and HTTP listeners bind to.";
    PORT_START = "GATEWAY_PORT_START", Literal("6969"),
        "First Kafka port: port GATEWAY_PORT_START + (id - GATEWAY_MIN_BROKERID) serves broker id, and every port also works as a bootstrap address.";
    PORT_COUNT = "GATEWAY_PORT_COUNT", Computed("broker id range + 2, from the cluster"),
        "Number of Kafka listener ports starting at GATEWAY_PORT_START.";
    MIN_BROKER_ID = "GATEWAY_MIN_BROKERID", Computed("lowest broker id the cluster reports"),
        "Broker id served on GATEWAY_PORT_START.";
    HTTP_PORT = "GATEWAY_HTTP_PORT", Literal("8888"),
        "Port of the HTTP server for /health/live, /health/ready and /metrics.";
    MAX_FRAME_BYTES = "GATEWAY_MAX_FRAME_BYTES", Literal("104857600"),
        "Largest request frame accepted from a client (1024-2147483647 bytes); a larger one closes that connection only.";
    IDLE_TIMEOUT_MS = "GATEWAY_IDLE_TIMEOUT_MS", Literal("600000"),
        "Close a client connection with no traffic for this long; 0 never closes.";
    MAX_CONNECTIONS = "GATEWAY_MAX_CONNECTIONS", Literal("10000"),
        "Client connections open at once across all workers (each uses two sockets); more are refused.";
    UPSTREAM_CONNECT_TIMEOUT_MS = "GATEWAY_UPSTREAM_CONNECT_TIMEOUT_MS", Literal("10000"),
        "Give up connecting to a broker after this long.";
    METADATA_REFRESH_MS = "GATEWAY_METADATA_REFRESH_MS", Literal("30000"),
        "Interval of the gateway's own metadata refresh of the broker list.";
    SHUTDOWN_TIMEOUT_MS = "GATEWAY_SHUTDOWN_TIMEOUT_MS", Literal("30000"),
        "On SIGTERM, wait this long for in-flight requests before closing connections.";
    DATA_DIR = "GATEWAY_DATA_DIR", Literal("kgate-data"),
        "Directory (relative to the working directory unless absolute) for the gateway state file, the generated admin password and the generated token key; created with mode 0700.";
    ADMIN_API_USERS = "GATEWAY_ADMIN_API_USERS", Computed("one user `admin` with a random password written to GATEWAY_DATA_DIR/admin-api-password"),
        "Admin API users, [{username: u, password: p, admin: true}, ...] (JSON also accepted); admin: false (the default) may only GET.";
    USER_POOL_SECRET_KEY = "GATEWAY_USER_POOL_SECRET_KEY", Computed("random, generated once and kept in GATEWAY_DATA_DIR/user-pool-secret-key"),
        "Base64 of at least 256 bits (openssl rand -base64 32) that signs service-account tokens; set the same value on every gateway node.";
    SECURITY_PROTOCOL = "GATEWAY_SECURITY_PROTOCOL", Computed("inferred from KAFKA_SECURITY_PROTOCOL: SASL ones become DELEGATED_*, others the same"),
        "Client-to-gateway security: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, DELEGATED_SASL_PLAINTEXT, DELEGATED_SASL_SSL.";
    BOOTSTRAP_SERVERS = "KAFKA_BOOTSTRAP_SERVERS", Required,
        "Backing cluster, host:port comma-separated ([::1]:9092 for IPv6).";
    SSL_KEY_STORE_PATH = "GATEWAY_SSL_KEY_STORE_PATH", Computed("required with SSL"),
        "PEM file with the server's private key and certificate chain (Kafka's PEM keystore).";
    SSL_KEY_STORE_TYPE = "GATEWAY_SSL_KEY_STORE_TYPE", Literal("PEM"),
        "Key store format: PEM only (JKS and PKCS12 must be converted, the error says how).";
    SSL_KEY_STORE_PASSWORD = "GATEWAY_SSL_KEY_STORE_PASSWORD", Computed("unset"),
        "Not used by PEM key stores; accepted for compatibility and ignored with a warning.";
    SSL_KEY_PASSWORD = "GATEWAY_SSL_KEY_PASSWORD", Computed("unset"),
        "Encrypted private keys are not supported: setting this is a start-up error saying how to decrypt the key.";
    SSL_TRUST_STORE_PATH = "GATEWAY_SSL_TRUST_STORE_PATH", Computed("unset"),
        "PEM file of CA certificates that client certificates must chain to (mutual TLS).";
    SSL_TRUST_STORE_TYPE = "GATEWAY_SSL_TRUST_STORE_TYPE", Literal("PEM"),
        "Trust store format: PEM only.";
    SSL_TRUST_STORE_PASSWORD = "GATEWAY_SSL_TRUST_STORE_PASSWORD", Computed("unset"),
        "Not used by PEM trust stores; accepted for compatibility and ignored with a warning.";
    SSL_CLIENT_AUTH = "GATEWAY_SSL_CLIENT_AUTH", Literal("NONE"),
        "Client certificates: NONE, REQUESTED (verified when presented) or REQUIRED (REQUIRE accepted).";
    SSL_PRINCIPAL_MAPPING_RULES = "GATEWAY_SSL_PRINCIPAL_MAPPING_RULES", Literal("DEFAULT"),
        "Kafka's ssl.principal.mapping.rules: RULE:pattern/replacement/[LU] entries and DEFAULT, comma-separated.";
    SSL_ENABLED_PROTOCOLS = "GATEWAY_SSL_ENABLED_PROTOCOLS", Literal("TLSv1.2,TLSv1.3"),
        "TLS versions offered to clients, comma-separated: TLSv1.2, TLSv1.3.";
    SSL_CIPHER_SUITES = "GATEWAY_SSL_CIPHER_SUITES", Computed("every suite of the enabled versions"),
        "Cipher suites offered to clients, IANA names comma-separated (TLS_AES_128_GCM_SHA256, ...).";
    SSL_RELOAD_INTERVAL_MS = "GATEWAY_SSL_RELOAD_INTERVAL_MS", Literal("10000"),
        "How often the key and trust store files are checked for changes; new connections use new files.";
    ROUTING_MECHANISM = "GATEWAY_ROUTING_MECHANISM", Literal("port"),
        "port: one port per broker; host: one TLS port, the broker chosen by the SNI name.";
    SNI_PORT = "GATEWAY_SNI_PORT", Computed("GATEWAY_PORT_START with host routing, else unset"),
        "Port of the host-routed (SNI) listener; with port routing, setting it runs both.";
    ADVERTISED_HOST_PREFIX = "GATEWAY_ADVERTISED_HOST_PREFIX", Literal("broker"),
        "Host routing: broker id N is named <prefix>N<separator><GATEWAY_ADVERTISED_HOST>.";
    SNI_HOST_SEPARATOR = "GATEWAY_SNI_HOST_SEPARATOR", Literal("."),
        "Host routing: the text between the broker part and GATEWAY_ADVERTISED_HOST.";
    FEATURE_FLAGS_MANDATORY_VCLUSTER = "GATEWAY_FEATURE_FLAGS_MANDATORY_VCLUSTER", Literal("false"),
        "true: a client whose principal has no service account is refused; false: it joins the passthrough virtual cluster.";
    ACL_STORE_ENABLED = "GATEWAY_ACL_STORE_ENABLED", Literal("false"),
        "true: ACLs apply to principals in passthrough (gateway-managed authentication), kept by kgate and managed with Kafka's Admin API by GATEWAY_ADMIN_API_USERS.";
    ACL_ENABLED = "GATEWAY_ACL_ENABLED", Computed("GATEWAY_ACL_STORE_ENABLED"),
        "The newer name of GATEWAY_ACL_STORE_ENABLED; setting both to different values is a start-up error.";
    SUPER_USERS = "GATEWAY_SUPER_USERS", Computed("none"),
        "Principals that bypass passthrough ACLs, comma-separated user names (alice or User:alice).";
    ALLOW_ANONYMOUS = "GATEWAY_ALLOW_ANONYMOUS", Literal("false"),
        "true: on a SASL listener, a client that sends no SaslHandshake is served as User:ANONYMOUS in passthrough (ACLs decide what it sees).";
    SECURITY_MODE = "GATEWAY_SECURITY_MODE", Computed("GATEWAY_MANAGED; KAFKA_MANAGED with a DELEGATED_* protocol"),
        "Who checks SASL credentials: GATEWAY_MANAGED (tokens, OAuth) or KAFKA_MANAGED (relayed to the cluster).";
    OAUTH_JWKS_URL = "GATEWAY_OAUTH_JWKS_URL", Computed("unset: OAUTHBEARER refused"),
        "Where the OAuth signing keys are: a file://, http:// or https:// JWKS URL.";
    OAUTH_EXPECTED_ISSUER = "GATEWAY_OAUTH_EXPECTED_ISSUER", Computed("unset: any issuer"),
        "The iss that OAUTHBEARER tokens must carry.";
    OAUTH_EXPECTED_AUDIENCES = "GATEWAY_OAUTH_EXPECTED_AUDIENCES", Computed("unset: any audience"),
        "Audiences accepted in a token's aud: comma-separated, or [a,b].";
    OAUTH_JWKS_REFRESH_MS = "GATEWAY_OAUTH_JWKS_REFRESH_MS", Literal("300000"),
        "How often the JWKS is fetched again; an unknown kid also triggers a fetch, with backoff.";
    FAILED_AUTH_DELAY_MS = "GATEWAY_FAILED_AUTH_DELAY_MS", Literal("100"),
        "A failed SASL attempt is answered after this delay (0-60000 ms), then the connection closes.";
    MAX_REAUTH_MS = "GATEWAY_AUTHENTICATION_CONNECTION_MAX_REAUTH_MS", Literal("0"),
        "Longest SASL session before the client must re-authenticate (KIP-368); 0: the token's expiry only.";
    BACKEND_SECURITY_PROTOCOL = "KAFKA_SECURITY_PROTOCOL", Literal("PLAINTEXT"),
        "Gateway-to-cluster security: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.";
    BACKEND_SASL_MECHANISM = "KAFKA_SASL_MECHANISM", Literal("PLAIN"),
        "kgate's SASL mechanism towards the cluster: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER.";
    BACKEND_SASL_JAAS_CONFIG = "KAFKA_SASL_JAAS_CONFIG", Computed("required with SASL"),
        "kgate's credentials in JAAS form: username/password, or clientId/clientSecret/scope for OAUTHBEARER.";
    BACKEND_SASL_TOKEN_ENDPOINT = "KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL", Computed("required with OAUTHBEARER"),
        "OAuth token endpoint for kgate's client-credentials grant towards the cluster.";
}

/// The variable named `name`, if the gateway knows it.
pub fn find(name: &str) -> Option<&'static VarSpec> {
    ALL.iter().find(|spec| spec.name == name)
}

/// What `kgate --help` prints.
pub fn help_text() -> String {
    let mut out = String::from(
        "kgate: a Kafka gateway.\n\n\
         Usage: kgate [--help]\n\n\
         All configuration comes from environment variables; an empty value counts as unset.\n\n",
    );
    let width = ALL.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for spec in ALL {
        let default = match spec.default {
            Literal(v) => format!("default: {v}"),
            Computed(how) => format!("default: {how}"),
            Required => "required".to_string(),
        };
        out.push_str(&format!("  {:width$}  {}\n", spec.name, spec.help));
        out.push_str(&format!("  {:width$}  ({default})\n", ""));
    }
    out.push_str(&format!(
        "  {:width$}  {}\n",
        "KAFKA_*",
        "Any other Kafka client property for the gateway's connections to the cluster: \
         strip KAFKA_, lower-case, '_' becomes '.' (KAFKA_SASL_MECHANISM -> sasl.mechanism)."
    ));
    out.push_str(
        "\nSecrets (names containing PASSWORD, SECRET, JAAS, TOKEN, CREDENTIAL or KEY) are never logged.\n\
         Log level: RUST_LOG (e.g. RUST_LOG=info).\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_prefixed() {
        for (i, spec) in ALL.iter().enumerate() {
            assert!(
                spec.name.starts_with("GATEWAY_") || spec.name.starts_with("KAFKA_"),
                "{}",
                spec.name
            );
            assert!(
                ALL[i + 1..].iter().all(|o| o.name != spec.name),
                "{}",
                spec.name
            );
        }
    }

    #[test]
    fn help_lists_every_variable_with_its_default() {
        let help = help_text();
        for spec in ALL {
            let line = help
                .lines()
                .position(|l| l.trim_start().starts_with(spec.name))
                .unwrap_or_else(|| panic!("{} missing from help", spec.name));
            let next = help.lines().nth(line + 1).unwrap_or_default();
            match spec.default {
                Literal(v) => assert!(next.contains(&format!("default: {v}")), "{next}"),
                Computed(how) => assert!(next.contains(how), "{next}"),
                Required => assert!(next.contains("required"), "{next}"),
            }
        }
    }

    #[test]
    fn find_knows_table_entries_only() {
        assert_eq!(find("GATEWAY_PORT_START"), Some(&PORT_START));
        assert_eq!(find("GATEWAY_PORT"), None);
    }
}
