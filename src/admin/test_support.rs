//! Helpers for the admin API's unit tests: an API over a file store in a test directory, and
//! one request through [`AdminApi::handle`].

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

use super::api::AdminApi;
use super::basic_auth::AdminUsers;
use super::request::ApiRequest;
use super::routes::Reply;
use crate::auth::user_pool_key::UserPoolKey;
use crate::config::{AdminUser, MasterCredentials};
use crate::store::test_dir::TestDir;
use crate::store::FileStore;

pub(super) const NOW: u64 = 1_700_000_000;

pub(super) fn api(dir: &TestDir, master: Option<MasterCredentials>) -> AdminApi {
    let users = AdminUsers::new(vec![
        AdminUser {
            username: "admin".into(),
            password: "conduktor".into(),
            admin: true,
        },
        AdminUser {
            username: "reader".into(),
            password: "r".into(),
            admin: false,
        },
    ]);
    let store = FileStore::open(dir.path()).expect("store");
    let mut api = AdminApi::new(
        users,
        Box::new(store),
        UserPoolKey::parse("k", &STANDARD.encode([5u8; 32])).expect("key"),
        master,
    )
    .expect("api");
    api.now = || NOW;
    api
}

pub(super) fn call(
    api: &AdminApi,
    method: &str,
    url: &str,
    user: Option<(&str, &str)>,
    body: &str,
) -> (u16, Value, Reply) {
    let req = ApiRequest {
        method: method.into(),
        url: url.into(),
        authorization: user.map(|(u, p)| format!("Basic {}", STANDARD.encode(format!("{u}:{p}")))),
        body: Some(body.as_bytes().to_vec()),
    };
    let reply = api.handle(&req).expect("API path");
    let json = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    (reply.status, json, reply)
}

pub(super) const ADMIN: Option<(&str, &str)> = Some(("admin", "conduktor"));
pub(super) const READER: Option<(&str, &str)> = Some(("reader", "r"));
