//! kgate's own OAuth token towards an OAUTHBEARER cluster: the client-credentials grant
//! against `KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL`, cached and renewed before it expires,
//! on a thread of its own so that no worker waits on HTTP.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustls::ClientConfig;

use super::sasl_client::BackendCredentials;
use crate::auth::http_fetch;
use crate::auth::jaas;
use crate::auth::secret::Secret;
use crate::config::{BackendSasl, SaslMechanism};

const TIMEOUT: Duration = Duration::from_secs(10);

/// Fetch a token now (start-up fails clearly if the endpoint refuses kgate) and keep renewing
/// it; `None` unless the mechanism is OAUTHBEARER.
pub fn start(
    sasl: &BackendSasl,
    creds: &Arc<BackendCredentials>,
    tls: Option<Arc<ClientConfig>>,
    stop: Arc<AtomicBool>,
) -> Result<Option<JoinHandle<()>>, String> {
    if sasl.mechanism != SaslMechanism::OAuthBearer {
        return Ok(None);
    }
    let url = sasl
        .token_endpoint_url
        .clone()
        .ok_or("KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL is required")?;
    let options =
        jaas::parse(&sasl.jaas_config).map_err(|e| format!("KAFKA_SASL_JAAS_CONFIG: {e}"))?;
    let client_id = options
        .require("KAFKA_SASL_JAAS_CONFIG", "clientId")?
        .to_owned();
    let client_secret = Secret::from(options.require("KAFKA_SASL_JAAS_CONFIG", "clientSecret")?);
    let scope = options.get("scope").map(str::to_owned);
    let fetch = move || {
        fetch_token(
            &url,
            &client_id,
            &client_secret,
            scope.as_deref(),
            tls.clone(),
        )
    };
    let mut lifetime = install(creds, fetch()?)?;
    let creds = Arc::clone(creds);
    let handle = std::thread::Builder::new()
        .name("kgate-oauth-token".into())
        .spawn(move || {
            // Renew at 80% of the lifetime, retry failures every 10 s until the old one ends.
            let mut next = Instant::now() + lifetime.mul_f32(0.8);
            while !stop.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(200));
                if Instant::now() < next {
                    continue;
                }
                match fetch().and_then(|token| install(&creds, token)) {
                    Ok(new_lifetime) => {
                        lifetime = new_lifetime;
                        next = Instant::now() + lifetime.mul_f32(0.8);
                    }
                    Err(e) => {
                        log::warn!(
                            "renewing kgate's OAuth token for the cluster failed, retrying: {e}"
                        );
                        next = Instant::now() + Duration::from_secs(10);
                    }
                }
            }
        })
        .map_err(|e| format!("cannot start the OAuth token thread: {e}"))?;
    Ok(Some(handle))
}

fn fetch_token(
    url: &str,
    client_id: &str,
    client_secret: &Secret,
    scope: Option<&str>,
    tls: Option<Arc<ClientConfig>>,
) -> Result<(Secret, Duration), String> {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let body = http_fetch::post_form(
        url,
        &form,
        Some((client_id, client_secret.expose())),
        TIMEOUT,
        tls,
    )
    .map_err(|e| format!("token endpoint: {e}"))?;
    let answer: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|_| "token endpoint: the answer is not JSON".to_owned())?;
    let token = answer
        .get("access_token")
        .and_then(|t| t.as_str())
        .ok_or("token endpoint: no access_token in the answer")?;
    let expires_in = answer
        .get("expires_in")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(3600);
    Ok((Secret::from(token), Duration::from_secs(expires_in.max(10))))
}

fn install(
    creds: &BackendCredentials,
    (token, lifetime): (Secret, Duration),
) -> Result<Duration, String> {
    let BackendCredentials::OAuthBearer { token: slot } = creds else {
        return Err("not OAUTHBEARER credentials".into());
    };
    let mut guard = slot
        .write()
        .map_err(|_| "token cache poisoned".to_owned())?;
    *guard = Some(token);
    Ok(lifetime)
}
