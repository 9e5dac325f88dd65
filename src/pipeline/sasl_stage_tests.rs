//! The SASL stage inside the pipeline: the session it fills and the failure it parks.

use std::net::SocketAddr;
use std::time::Duration;

use codec::header::{request_header_version, RequestHeader};
use codec::messages::sasl_authenticate::SaslAuthenticateRequest;
use codec::messages::sasl_handshake::SaslHandshakeRequest;

use super::*;
use crate::config::SecurityMode;
use crate::proxy::listener::ListenerKind;
use crate::proxy::sasl_server::{AuthFailure, Authenticated, Authenticator};
use crate::proxy::shared::SaslServer;

/// Accepts one token, issued for service account `alice` of virtual cluster `tenant-a`.
#[derive(Debug)]
struct OneToken;

impl Authenticator for OneToken {
    fn mechanisms(&self) -> Vec<&'static str> {
        vec!["PLAIN"]
    }

    fn authenticate(&self, _: &str, auth_bytes: &[u8]) -> Result<Authenticated, AuthFailure> {
        if auth_bytes == b"good-token" {
            Ok(Authenticated {
                principal: "alice".into(),
                expires_at: None,
                vcluster: Some("tenant-a".into()),
            })
        } else {
            Err(AuthFailure {
                username: "mallory".into(),
                reason: "bad token".into(),
            })
        }
    }
}

const DELAY: Duration = Duration::from_millis(500);

fn pipeline() -> Pipeline {
    let mut shared = Arc::try_unwrap(Shared::for_tests(None)).unwrap();
    shared.sasl = Some(SaslServer {
        mode: SecurityMode::GatewayManaged,
        authenticator: Arc::new(OneToken),
        failed_auth_delay: DELAY,
        max_reauth: None,
    });
    let source: SocketAddr = "127.0.0.1:40001".parse().unwrap();
    Pipeline::new(
        Arc::new(shared),
        Session::new(source, ListenerKind::Port { broker_id: None }),
    )
}

fn frame(api_key: i16, version: i16, id: i32, message: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    RequestHeader {
        api_key,
        api_version: version,
        correlation_id: id,
        client_id: Some("c".into()),
        ..Default::default()
    }
    .encode(&mut body, request_header_version(api_key, version))
    .unwrap();
    body.extend_from_slice(message);
    let mut out = u32::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(&body);
    out
}

fn handshake() -> Vec<u8> {
    let mut message = Vec::new();
    SaslHandshakeRequest {
        mechanism: "PLAIN".into(),
    }
    .encode_body(&mut message, 1)
    .unwrap();
    frame(keys::SASL_HANDSHAKE, 1, 1, &message)
}

fn authenticate(token: &[u8]) -> Vec<u8> {
    let mut message = Vec::new();
    SaslAuthenticateRequest {
        auth_bytes: token.to_vec(),
        ..Default::default()
    }
    .encode_body(&mut message, 1)
    .unwrap();
    frame(keys::SASL_AUTHENTICATE, 1, 2, &message)
}

struct Queues(ByteQueue, ByteQueue);

impl Queues {
    fn outbox(&mut self) -> Outbox<'_> {
        Outbox {
            to_client: &mut self.0,
            to_upstream: &mut self.1,
        }
    }
}

#[test]
fn a_gateway_token_puts_its_account_and_virtual_cluster_in_the_session() {
    let (mut p, mut q) = (
        pipeline(),
        Queues(ByteQueue::default(), ByteQueue::default()),
    );
    let now = Instant::now();
    for request in [handshake(), authenticate(b"good-token")] {
        assert_eq!(
            p.on_request(&request, &mut q.outbox(), now).unwrap(),
            Took::Taken
        );
    }
    assert!(p.authenticated());
    assert_eq!(p.session.principal.as_deref(), Some("alice"));
    assert_eq!(p.session.service_account.as_deref(), Some("alice"));
    assert_eq!(p.session.vcluster, "tenant-a");
    assert!(q.1.is_empty(), "SASL is answered by kgate, never forwarded");
    assert!(!q.0.is_empty());
}

#[test]
fn a_failed_attempt_is_answered_after_the_delay_and_then_the_connection_closes() {
    let (mut p, mut q) = (
        pipeline(),
        Queues(ByteQueue::default(), ByteQueue::default()),
    );
    let now = Instant::now();
    p.on_request(&handshake(), &mut q.outbox(), now).unwrap();
    let answered = q.0.len();
    p.on_request(&authenticate(b"stolen"), &mut q.outbox(), now)
        .unwrap();
    assert_eq!(q.0.len(), answered, "the failure waits out the delay");
    assert_eq!(
        p.on_request(&frame(keys::API_VERSIONS, 0, 3, &[]), &mut q.outbox(), now)
            .unwrap(),
        Took::NotNow,
        "nothing more is taken after a failure"
    );
    p.on_tick(&mut q.outbox(), now + DELAY / 2).unwrap();
    assert_eq!(q.0.len(), answered);
    assert!(!p.closing());
    p.on_tick(&mut q.outbox(), now + DELAY).unwrap();
    assert!(q.0.len() > answered, "the failure answer went out");
    assert!(matches!(p.take_close(), Some(Close::Authentication(_))));
    assert_eq!(p.session.vcluster, session::PASSTHROUGH);
}

#[test]
fn requests_before_authentication_close_the_connection() {
    let (mut p, mut q) = (
        pipeline(),
        Queues(ByteQueue::default(), ByteQueue::default()),
    );
    let metadata = frame(keys::METADATA, 1, 1, &[0, 0, 0, 0]);
    let closed = p.on_request(&metadata, &mut q.outbox(), Instant::now());
    assert!(
        matches!(closed, Err(Close::Authentication(_))),
        "{closed:?}"
    );
    assert!(q.1.is_empty());
}
