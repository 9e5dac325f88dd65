//! SASL on both sides: who manages client credentials (`GATEWAY_SECURITY_MODE`), how OAuth
//! tokens are checked, the rules around authentication, and kgate's own SASL credentials
//! towards the cluster (`KAFKA_SASL_*`).

use std::time::Duration;

use super::error::ConfigError;
use super::spec;
use super::value;
use super::Env;

/// Who checks client credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityMode {
    /// kgate: PLAIN with gateway-issued tokens, OAUTHBEARER against a JWKS.
    GatewayManaged,
    /// The cluster: the client's SASL exchange is relayed to the broker.
    KafkaManaged,
}

/// How OAUTHBEARER tokens from clients are verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthSettings {
    /// Where the signing keys are (`file://`, `http://`, `https://`).
    pub jwks_url: String,
    /// The `iss` tokens must carry, if set.
    pub expected_issuer: Option<String>,
    /// Tokens must name one of these in `aud`, if any are set.
    pub expected_audiences: Vec<String>,
    /// How often the JWKS is fetched again (also on an unknown `kid`, with backoff).
    pub jwks_refresh: Duration,
}

/// Client authentication settings, present when `GATEWAY_SECURITY_PROTOCOL` is a SASL one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSasl {
    /// Gateway- or Kafka-managed.
    pub mode: SecurityMode,
    /// OAUTHBEARER verification, when configured.
    pub oauth: Option<OAuthSettings>,
    /// How long a failed attempt waits before its answer.
    pub failed_auth_delay: Duration,
    /// The longest session before re-authentication (KIP-368); `None`: the token's expiry only.
    pub max_reauth: Option<Duration>,
}

/// A SASL mechanism kgate can use towards brokers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaslMechanism {
    /// RFC 4616.
    Plain,
    /// RFC 7677.
    ScramSha256,
    /// RFC 5802 with SHA-512.
    ScramSha512,
    /// RFC 7628, with a client-credentials token.
    OAuthBearer,
}

impl SaslMechanism {
    /// The name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Self::Plain => "PLAIN",
            Self::ScramSha256 => "SCRAM-SHA-256",
            Self::ScramSha512 => "SCRAM-SHA-512",
            Self::OAuthBearer => "OAUTHBEARER",
        }
    }
}

/// kgate's own SASL credentials towards the cluster.
#[derive(Clone, PartialEq, Eq)]
pub struct BackendSasl {
    /// `KAFKA_SASL_MECHANISM`.
    pub mechanism: SaslMechanism,
    /// `KAFKA_SASL_JAAS_CONFIG`, a secret: never logged.
    pub jaas_config: String,
    /// `KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL`, for OAUTHBEARER.
    pub token_endpoint_url: Option<String>,
}

impl std::fmt::Debug for BackendSasl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackendSasl")
            .field("mechanism", &self.mechanism)
            .field("jaas_config", &super::redact::REDACTED)
            .field("token_endpoint_url", &self.token_endpoint_url)
            .finish()
    }
}

fn mode(var: &str, raw: &str) -> Result<SecurityMode, ConfigError> {
    match raw.trim().to_ascii_uppercase().as_str() {
        "GATEWAY_MANAGED" => Ok(SecurityMode::GatewayManaged),
        "KAFKA_MANAGED" => Ok(SecurityMode::KafkaManaged),
        _ => Err(ConfigError::invalid(
            var,
            "GATEWAY_MANAGED or KAFKA_MANAGED",
            raw,
        )),
    }
}

/// `a,b` or the reference's `[a, b]`, quotes optional.
fn audiences(_var: &str, raw: &str) -> Result<Vec<String>, ConfigError> {
    let inner = raw.trim().trim_start_matches('[').trim_end_matches(']');
    Ok(inner
        .split(',')
        .map(|a| a.trim().trim_matches('"').trim_matches('\'').to_owned())
        .filter(|a| !a.is_empty())
        .collect())
}

fn mechanism(var: &str, raw: &str) -> Result<SaslMechanism, ConfigError> {
    match raw.trim().to_ascii_uppercase().as_str() {
        "PLAIN" => Ok(SaslMechanism::Plain),
        "SCRAM-SHA-256" => Ok(SaslMechanism::ScramSha256),
        "SCRAM-SHA-512" => Ok(SaslMechanism::ScramSha512),
        "OAUTHBEARER" => Ok(SaslMechanism::OAuthBearer),
        _ => Err(ConfigError::invalid(
            var,
            "PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER",
            raw,
        )),
    }
}

impl ClientSasl {
    /// `(variable, value)` lines for the start-up log.
    pub(crate) fn summary(&self) -> Vec<(String, String)> {
        let mode = match self.mode {
            SecurityMode::GatewayManaged => "GATEWAY_MANAGED",
            SecurityMode::KafkaManaged => "KAFKA_MANAGED",
        };
        let mut out = vec![
            (spec::SECURITY_MODE.name.to_owned(), mode.to_owned()),
            (
                spec::FAILED_AUTH_DELAY_MS.name.to_owned(),
                self.failed_auth_delay.as_millis().to_string(),
            ),
            (
                spec::MAX_REAUTH_MS.name.to_owned(),
                self.max_reauth
                    .map_or("0 (the token's expiry only)".into(), |d| {
                        d.as_millis().to_string()
                    }),
            ),
        ];
        match &self.oauth {
            Some(oauth) => {
                out.push((spec::OAUTH_JWKS_URL.name.to_owned(), oauth.jwks_url.clone()));
                out.push((
                    spec::OAUTH_EXPECTED_ISSUER.name.to_owned(),
                    oauth
                        .expected_issuer
                        .clone()
                        .unwrap_or_else(|| "(any)".into()),
                ));
                out.push((
                    spec::OAUTH_EXPECTED_AUDIENCES.name.to_owned(),
                    oauth.expected_audiences.join(","),
                ));
                out.push((
                    spec::OAUTH_JWKS_REFRESH_MS.name.to_owned(),
                    oauth.jwks_refresh.as_millis().to_string(),
                ));
            }
            None => out.push((
                spec::OAUTH_JWKS_URL.name.to_owned(),
                "(unset: OAUTHBEARER refused)".into(),
            )),
        }
        out
    }

    /// The client-side SASL settings; `delegated` is true for the `DELEGATED_*` protocol names.
    pub(crate) fn from_env(env: &Env, delegated: bool) -> Result<ClientSasl, ConfigError> {
        let explicit = env.read(&spec::SECURITY_MODE, mode)?;
        let mode = match (explicit, delegated) {
            (Some(SecurityMode::GatewayManaged), true) => {
                return Err(ConfigError::invalid(
                    spec::SECURITY_MODE.name,
                    "KAFKA_MANAGED (or unset) with a DELEGATED_* GATEWAY_SECURITY_PROTOCOL",
                    "GATEWAY_MANAGED",
                ))
            }
            (Some(mode), _) => mode,
            (None, true) => SecurityMode::KafkaManaged,
            (None, false) => SecurityMode::GatewayManaged,
        };
        let oauth = match env.read(&spec::OAUTH_JWKS_URL, |_, raw| Ok(raw.trim().to_owned()))? {
            None => None,
            Some(jwks_url) => {
                if !["file://", "http://", "https://"]
                    .iter()
                    .any(|p| jwks_url.starts_with(p))
                {
                    return Err(ConfigError::invalid(
                        spec::OAUTH_JWKS_URL.name,
                        "a file://, http:// or https:// URL",
                        &jwks_url,
                    ));
                }
                Some(OAuthSettings {
                    jwks_url,
                    expected_issuer: env.read(&spec::OAUTH_EXPECTED_ISSUER, |_, raw| {
                        Ok(raw.trim().to_owned())
                    })?,
                    expected_audiences: env
                        .read(&spec::OAUTH_EXPECTED_AUDIENCES, audiences)?
                        .unwrap_or_default(),
                    jwks_refresh: env.require(&spec::OAUTH_JWKS_REFRESH_MS, value::millis)?,
                })
            }
        };
        Ok(ClientSasl {
            mode,
            oauth,
            failed_auth_delay: env.require(&spec::FAILED_AUTH_DELAY_MS, |var, raw| {
                value::integer(var, raw, 0, 60_000).map(Duration::from_millis)
            })?,
            max_reauth: env.require(&spec::MAX_REAUTH_MS, value::millis_or_never)?,
        })
    }
}

impl BackendSasl {
    /// kgate's SASL settings towards a SASL cluster.
    pub(crate) fn from_env(env: &Env) -> Result<BackendSasl, ConfigError> {
        let mechanism = env.require(&spec::BACKEND_SASL_MECHANISM, mechanism)?;
        let jaas_config = env
            .raw(spec::BACKEND_SASL_JAAS_CONFIG.name)
            .map(str::to_owned)
            .ok_or(ConfigError::Missing {
                var: spec::BACKEND_SASL_JAAS_CONFIG.name,
                why: "a SASL KAFKA_SECURITY_PROTOCOL needs kgate's credentials in JAAS form",
            })?;
        let token_endpoint_url = env
            .raw(spec::BACKEND_SASL_TOKEN_ENDPOINT.name)
            .map(|u| u.trim().to_owned());
        if mechanism == SaslMechanism::OAuthBearer && token_endpoint_url.is_none() {
            return Err(ConfigError::Missing {
                var: spec::BACKEND_SASL_TOKEN_ENDPOINT.name,
                why: "KAFKA_SASL_MECHANISM=OAUTHBEARER gets its token from this endpoint (client-credentials grant)",
            });
        }
        Ok(BackendSasl {
            mechanism,
            jaas_config,
            token_endpoint_url,
        })
    }
}
