//! SASL PLAIN with gateway-issued tokens: the password is a token from the admin API, whose
//! username must be the SASL username and name an existing LOCAL service account.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::gateway_auth::ExternalNames;
use super::plain;
use super::token::{self, TokenError};
use super::user_pool_key::UserPoolKey;
use crate::proxy::sasl_server::{AuthFailure, Authenticated, Authenticator};
use crate::store::{StateHandle, DEFAULT_VCLUSTER};

/// PLAIN against the user pool key and the service accounts.
#[derive(Debug)]
pub struct LocalTokens {
    /// The key tokens are signed with.
    pub key: UserPoolKey,
    /// The service accounts.
    pub state: Arc<StateHandle>,
}

impl Authenticator for LocalTokens {
    fn mechanisms(&self) -> Vec<&'static str> {
        vec!["PLAIN"]
    }

    fn authenticate(
        &self,
        _mechanism: &str,
        auth_bytes: &[u8],
    ) -> Result<Authenticated, AuthFailure> {
        let credentials = plain::parse(auth_bytes).map_err(|e| AuthFailure {
            username: "unknown".into(),
            reason: e,
        })?;
        let username = credentials.username.clone();
        let fail = |reason: &str| AuthFailure {
            username: username.clone(),
            reason: reason.to_owned(),
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let claims = token::verify(credentials.password.expose(), self.key.bytes(), now).map_err(
            |e| match e {
                TokenError::Expired => fail("the token has expired"),
                TokenError::BadSignature => fail("the token is not signed with this gateway's key"),
                _ => fail("the password is not a valid gateway token"),
            },
        )?;
        if claims.username != username {
            return Err(fail("the token was issued to another user"));
        }
        let vcluster = claims.vcluster.as_deref().unwrap_or(DEFAULT_VCLUSTER);
        let state = self.state.snapshot();
        if state.local_account(vcluster, &username).is_none() {
            return Err(fail(
                "no LOCAL service account of that name in the token's virtual cluster",
            ));
        }
        if state.vcluster(vcluster).is_none() {
            return Err(fail(&format!(
                "the account's virtual cluster {vcluster} is not declared"
            )));
        }
        Ok(Authenticated {
            principal: username,
            vcluster: Some(vcluster.to_owned()),
            expires_at: claims.exp.map(|exp| UNIX_EPOCH + Duration::from_secs(exp)),
        })
    }
}

/// EXTERNAL service accounts, read from the current state snapshot.
#[derive(Debug)]
pub struct StateExternalNames(pub Arc<StateHandle>);

impl ExternalNames for StateExternalNames {
    fn rename(&self, external: &str) -> Option<(String, String)> {
        self.0
            .snapshot()
            .external_account(external)
            .map(|account| (account.name.clone(), account.vcluster.clone()))
    }
}
