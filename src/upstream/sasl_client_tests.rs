use super::*;
use codec::frame::{split_frame, Status};
use codec::header::RequestHeader;

fn creds(mechanism: SaslMechanism) -> std::sync::Arc<BackendCredentials> {
    std::sync::Arc::new(BackendCredentials::Password {
        mechanism,
        username: "gw".into(),
        password: Secret::from("gw-secret"),
    })
}

fn request_body(frame: &[u8]) -> (RequestHeader, Vec<u8>) {
    let Ok(Status::Complete(f)) = split_frame(frame, 1 << 20) else {
        panic!("a whole frame")
    };
    let (header, rest) = RequestHeader::decode_from(f.body).unwrap();
    (header, rest.rest().to_vec())
}

fn response<M: Message>(correlation_id: i32, version: i16, msg: &M) -> Vec<u8> {
    let mut out = Vec::new();
    ResponseHeader {
        correlation_id,
        ..Default::default()
    }
    .encode(&mut out, response_header_version(M::API_KEY, version))
    .unwrap();
    msg.encode_body(&mut out, version).unwrap();
    out
}

#[test]
fn plain_exchange_sends_rfc4616_credentials() {
    let c = creds(SaslMechanism::Plain);
    let (mut exchange, first) = SaslExchange::start(c.clone()).unwrap();
    let (header, body) = request_body(&first);
    assert_eq!((header.api_key, header.api_version), (17, 1));
    assert_eq!(
        SaslHandshakeRequest::decode_body(&body, 1)
            .unwrap()
            .mechanism,
        "PLAIN"
    );
    let ok = SaslHandshakeResponse {
        error_code: 0,
        mechanisms: vec!["PLAIN".into()],
    };
    let Step::Send(auth) = exchange
        .on_response(&response(header.correlation_id, 1, &ok))
        .unwrap()
    else {
        panic!()
    };
    let (header, body) = request_body(&auth);
    assert_eq!(header.api_key, 36);
    assert_eq!(
        SaslAuthenticateRequest::decode_body(&body, 1)
            .unwrap()
            .auth_bytes,
        b"\0gw\0gw-secret"
    );
    let done = SaslAuthenticateResponse {
        session_lifetime_ms: 5000,
        ..Default::default()
    };
    let step = exchange
        .on_response(&response(header.correlation_id, 1, &done))
        .unwrap();
    assert!(matches!(
        step,
        Step::Done {
            session_lifetime_ms: 5000
        }
    ));
}

#[test]
fn a_refused_mechanism_or_password_is_an_error_naming_it() {
    let c = creds(SaslMechanism::ScramSha512);
    let (mut exchange, _) = SaslExchange::start(c.clone()).unwrap();
    let refused = SaslHandshakeResponse {
        error_code: 33,
        mechanisms: vec!["SCRAM-SHA-256".into()],
    };
    let err = exchange
        .on_response(&response(-1_000_000, 1, &refused))
        .unwrap_err();
    assert!(
        err.contains("SCRAM-SHA-512") && err.contains("SCRAM-SHA-256"),
        "{err}"
    );

    let c = creds(SaslMechanism::Plain);
    let (mut exchange, _) = SaslExchange::start(c.clone()).unwrap();
    let ok = SaslHandshakeResponse {
        error_code: 0,
        mechanisms: vec!["PLAIN".into()],
    };
    exchange.on_response(&response(-1_000_000, 1, &ok)).unwrap();
    let bad = SaslAuthenticateResponse {
        error_code: 58,
        error_message: Some("Invalid credentials".into()),
        ..Default::default()
    };
    let err = exchange
        .on_response(&response(-999_999, 1, &bad))
        .unwrap_err();
    assert!(
        err.contains("Invalid credentials") && !err.contains("gw-secret"),
        "{err}"
    );
}

#[test]
fn scram_sends_a_client_first_message() {
    let c = creds(SaslMechanism::ScramSha256);
    let (mut exchange, _) = SaslExchange::start(c.clone()).unwrap();
    let ok = SaslHandshakeResponse {
        error_code: 0,
        mechanisms: vec!["SCRAM-SHA-256".into()],
    };
    let Step::Send(auth) = exchange.on_response(&response(-1_000_000, 1, &ok)).unwrap() else {
        panic!()
    };
    let (_, body) = request_body(&auth);
    let first = SaslAuthenticateRequest::decode_body(&body, 1)
        .unwrap()
        .auth_bytes;
    assert!(
        first.starts_with(b"n,,n=gw,r="),
        "{}",
        String::from_utf8_lossy(&first)
    );
}

#[test]
fn jaas_credentials_are_read() {
    let sasl = BackendSasl {
        mechanism: SaslMechanism::ScramSha256,
        jaas_config: r#"org.apache.kafka.common.security.scram.ScramLoginModule required username="gw" password="pw";"#.into(),
        token_endpoint_url: None,
    };
    let creds = BackendCredentials::from_config(&sasl).unwrap();
    assert_eq!(creds.mechanism(), "SCRAM-SHA-256");
    let missing = BackendSasl {
        jaas_config: "x required;".into(),
        ..sasl
    };
    let err = BackendCredentials::from_config(&missing).unwrap_err();
    assert!(
        err.contains("KAFKA_SASL_JAAS_CONFIG") && err.contains("username"),
        "{err}"
    );
}

fn oauth_creds() -> std::sync::Arc<BackendCredentials> {
    std::sync::Arc::new(BackendCredentials::OAuthBearer {
        token: RwLock::new(Some(Secret::from("header.payload.signature"))),
    })
}

/// Handshake accepted, token sent: the SaslAuthenticate request's correlation id and bytes.
fn oauth_token_sent(exchange: &mut SaslExchange) -> (i32, Vec<u8>) {
    let ok = SaslHandshakeResponse {
        error_code: 0,
        mechanisms: vec!["OAUTHBEARER".into()],
    };
    let Step::Send(auth) = exchange.on_response(&response(-1_000_000, 1, &ok)).unwrap() else {
        panic!("the token goes out after the handshake")
    };
    let (header, body) = request_body(&auth);
    let bytes = SaslAuthenticateRequest::decode_body(&body, 1)
        .unwrap()
        .auth_bytes;
    (header.correlation_id, bytes)
}

#[test]
fn oauthbearer_succeeds_on_an_empty_answer() {
    let (mut exchange, _) = SaslExchange::start(oauth_creds()).unwrap();
    let (cid, sent) = oauth_token_sent(&mut exchange);
    assert_eq!(sent, b"n,,\x01auth=Bearer header.payload.signature\x01\x01");
    let done = SaslAuthenticateResponse {
        session_lifetime_ms: 60_000,
        ..Default::default()
    };
    let step = exchange.on_response(&response(cid, 1, &done)).unwrap();
    assert!(matches!(
        step,
        Step::Done {
            session_lifetime_ms: 60_000
        }
    ));
}

/// Kafka answers a token it rejects with error 0 and a JSON error challenge (RFC 7628 3.2.2);
/// only after the client's %x01 does it fail the exchange. That first answer is no success.
#[test]
fn oauthbearer_error_challenge_is_acknowledged_and_fails() {
    let (mut exchange, _) = SaslExchange::start(oauth_creds()).unwrap();
    let (cid, _) = oauth_token_sent(&mut exchange);
    let challenge = SaslAuthenticateResponse {
        auth_bytes: br#"{"status":"invalid_token"}"#.to_vec(),
        ..Default::default()
    };
    let Step::Send(ack) = exchange.on_response(&response(cid, 1, &challenge)).unwrap() else {
        panic!("an error challenge is not the end of the exchange")
    };
    let (header, body) = request_body(&ack);
    assert_eq!(header.api_key, 36);
    assert_eq!(
        SaslAuthenticateRequest::decode_body(&body, 1)
            .unwrap()
            .auth_bytes,
        [0x01]
    );
    let failed = SaslAuthenticateResponse {
        error_code: 58,
        error_message: Some("Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER".into()),
        ..Default::default()
    };
    let err = exchange
        .on_response(&response(header.correlation_id, 1, &failed))
        .unwrap_err();
    assert!(
        err.contains("invalid_token") && err.contains("OAUTHBEARER") && !err.contains("signature"),
        "{err}"
    );
}
