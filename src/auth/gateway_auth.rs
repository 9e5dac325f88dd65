//! The credentials kgate checks itself (GATEWAY_MANAGED): OAUTHBEARER tokens against the
//! JWKS, and PLAIN with gateway-issued tokens.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::jwks_cache::JwksCache;
use super::oauth::{OAuthError, OAuthVerifier};
use super::oauthbearer_sasl::parse_client_initial;
use crate::proxy::sasl_server::{AuthFailure, Authenticated, Authenticator};

/// OAUTHBEARER as configured by `GATEWAY_OAUTH_*`.
#[derive(Debug)]
pub struct OAuthCheck {
    /// Issuer, audiences, clock skew.
    pub verifier: OAuthVerifier,
    /// The signing keys.
    pub jwks: Arc<JwksCache>,
}

/// A mapping from an external principal to a service account (EXTERNAL accounts).
pub trait ExternalNames: Send + Sync + std::fmt::Debug {
    /// The service account that renames `external`, if any: its name and virtual cluster.
    fn rename(&self, external: &str) -> Option<(String, String)>;
}

/// kgate's own checks.
#[derive(Debug)]
pub struct GatewayAuthenticator {
    /// OAUTHBEARER, when configured.
    pub oauth: Option<OAuthCheck>,
    /// PLAIN with gateway tokens, when configured.
    pub plain: Option<Arc<dyn Authenticator>>,
    /// EXTERNAL service accounts.
    pub external_names: Option<Arc<dyn ExternalNames>>,
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl GatewayAuthenticator {
    fn oauth(&self, oauth: &OAuthCheck, auth_bytes: &[u8]) -> Result<Authenticated, AuthFailure> {
        let failure = |username: &str, reason: String| AuthFailure {
            username: username.to_owned(),
            reason,
        };
        let initial = parse_client_initial(auth_bytes).map_err(|e| failure("unknown", e))?;
        let keys = oauth.jwks.keys().ok_or_else(|| {
            failure(
                "unknown",
                "the OAuth signing keys are not loaded yet".into(),
            )
        })?;
        let claims = oauth
            .verifier
            .verify(&initial.token, &keys, now_unix())
            .map_err(|e| {
                if let OAuthError::UnknownKid(_) = e {
                    oauth.jwks.request_refresh();
                }
                failure(
                    initial.authzid.as_deref().unwrap_or("unknown"),
                    e.to_string(),
                )
            })?;
        let (principal, vcluster) = match self
            .external_names
            .as_ref()
            .and_then(|names| names.rename(&claims.sub))
        {
            Some((account, vcluster)) => (account, Some(vcluster)),
            None => (claims.sub.clone(), None),
        };
        Ok(Authenticated {
            principal,
            vcluster,
            expires_at: Some(UNIX_EPOCH + Duration::from_secs(claims.exp)),
        })
    }
}

impl Authenticator for GatewayAuthenticator {
    fn mechanisms(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.plain.is_some() {
            out.push("PLAIN");
        }
        if self.oauth.is_some() {
            out.push("OAUTHBEARER");
        }
        out
    }

    fn authenticate(
        &self,
        mechanism: &str,
        auth_bytes: &[u8],
    ) -> Result<Authenticated, AuthFailure> {
        match (mechanism, &self.oauth, &self.plain) {
            ("OAUTHBEARER", Some(oauth), _) => self.oauth(oauth, auth_bytes),
            ("PLAIN", _, Some(plain)) => plain.authenticate(mechanism, auth_bytes),
            _ => Err(AuthFailure {
                username: "unknown".into(),
                reason: format!("{mechanism} is not offered"),
            }),
        }
    }
}
