use super::*;
use codec::Reader;

#[derive(Debug)]
struct Fixed;

impl Authenticator for Fixed {
    fn mechanisms(&self) -> Vec<&'static str> {
        vec!["PLAIN"]
    }

    fn authenticate(
        &self,
        _mechanism: &str,
        auth_bytes: &[u8],
    ) -> Result<Authenticated, AuthFailure> {
        match auth_bytes {
            b"alice" | b"alice-again" => Ok(Authenticated {
                principal: "alice".into(),
                vcluster: None,
                expires_at: Some(SystemTime::now() + Duration::from_secs(60)),
            }),
            b"bob" => Ok(Authenticated {
                principal: "bob".into(),
                vcluster: Some("tenant-b".into()),
                expires_at: None,
            }),
            _ => Err(AuthFailure {
                username: "mallory".into(),
                reason: "bad token".into(),
            }),
        }
    }
}

fn header(api_key: i16, api_version: i16) -> RequestHeader {
    RequestHeader {
        api_key,
        api_version,
        correlation_id: 9,
        ..RequestHeader::default()
    }
}

fn handshake_body(mechanism: &str) -> Vec<u8> {
    let mut out = Vec::new();
    SaslHandshakeRequest {
        mechanism: mechanism.into(),
    }
    .encode_body(&mut out, 1)
    .unwrap();
    out
}

fn auth_body(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    SaslAuthenticateRequest {
        auth_bytes: bytes.to_vec(),
        ..Default::default()
    }
    .encode_body(&mut out, 1)
    .unwrap();
    out
}

fn decode_auth(answer: &[u8]) -> SaslAuthenticateResponse {
    let mut r = Reader::new(answer);
    assert_eq!(r.i32("cid").unwrap(), 9);
    SaslAuthenticateResponse::decode_body(r.rest(), 1).unwrap()
}

#[test]
fn handshake_then_authenticate_with_session_lifetime() {
    let mut state = AuthState::Pending { mechanism: None };
    let SaslOutcome::Answer(a) =
        handshake(&mut state, &Fixed, &header(17, 1), &handshake_body("PLAIN")).unwrap()
    else {
        panic!("handshake answers")
    };
    let mut r = Reader::new(&a);
    r.i32("cid").unwrap();
    let hs = SaslHandshakeResponse::decode_body(r.rest(), 1).unwrap();
    assert_eq!(
        (hs.error_code, hs.mechanisms),
        (0, vec!["PLAIN".to_owned()])
    );
    let max = Some(Duration::from_secs(5));
    let out = authenticate(
        &mut state,
        &Fixed,
        max,
        &header(36, 1),
        &auth_body(b"alice"),
    )
    .unwrap();
    let SaslOutcome::Success {
        answer, principal, ..
    } = out
    else {
        panic!("success expected")
    };
    assert_eq!(principal, "alice");
    let msg = decode_auth(&answer);
    assert_eq!(msg.error_code, 0);
    assert!(
        (4_000..=5_000).contains(&msg.session_lifetime_ms),
        "{}",
        msg.session_lifetime_ms
    );
    assert!(state.is_authenticated());
}

#[test]
fn handshake_v0_is_refused_with_a_reason() {
    let mut state = AuthState::Pending { mechanism: None };
    let mut body = Vec::new();
    SaslHandshakeRequest {
        mechanism: "PLAIN".into(),
    }
    .encode_body(&mut body, 0)
    .unwrap();
    let err = handshake(&mut state, &Fixed, &header(17, 0), &body).unwrap_err();
    assert!(err.contains("raw SASL tokens"), "{err}");
}

#[test]
fn unsupported_mechanism_lists_the_offered_ones() {
    let mut state = AuthState::Pending { mechanism: None };
    let SaslOutcome::Answer(a) = handshake(
        &mut state,
        &Fixed,
        &header(17, 1),
        &handshake_body("GSSAPI"),
    )
    .unwrap() else {
        panic!()
    };
    let mut r = Reader::new(&a);
    r.i32("cid").unwrap();
    let hs = SaslHandshakeResponse::decode_body(r.rest(), 1).unwrap();
    assert_eq!(hs.error_code, UNSUPPORTED_SASL_MECHANISM);
    assert_eq!(state, AuthState::Pending { mechanism: None });
}

#[test]
fn failures_carry_error_58_and_never_authenticate() {
    let mut state = AuthState::Pending {
        mechanism: Some("PLAIN".into()),
    };
    let out = authenticate(
        &mut state,
        &Fixed,
        None,
        &header(36, 1),
        &auth_body(b"forged"),
    )
    .unwrap();
    let SaslOutcome::Failure {
        answer, username, ..
    } = out
    else {
        panic!("failure expected")
    };
    assert_eq!(username, "mallory");
    assert_eq!(decode_auth(&answer).error_code, SASL_AUTHENTICATION_FAILED);
    assert!(!state.is_authenticated());
}

#[test]
fn authenticate_without_handshake_is_an_illegal_state() {
    let mut state = AuthState::Pending { mechanism: None };
    let out = authenticate(
        &mut state,
        &Fixed,
        None,
        &header(36, 1),
        &auth_body(b"alice"),
    )
    .unwrap();
    let SaslOutcome::Failure { answer, .. } = out else {
        panic!()
    };
    assert_eq!(decode_auth(&answer).error_code, ILLEGAL_SASL_STATE);
}

#[test]
fn reauthentication_keeps_the_principal() {
    let mut state = AuthState::Pending {
        mechanism: Some("PLAIN".into()),
    };
    authenticate(
        &mut state,
        &Fixed,
        None,
        &header(36, 1),
        &auth_body(b"alice"),
    )
    .unwrap();
    handshake(&mut state, &Fixed, &header(17, 1), &handshake_body("PLAIN")).unwrap();
    let same = authenticate(
        &mut state,
        &Fixed,
        None,
        &header(36, 1),
        &auth_body(b"alice-again"),
    )
    .unwrap();
    assert!(matches!(same, SaslOutcome::Success { .. }));
    handshake(&mut state, &Fixed, &header(17, 1), &handshake_body("PLAIN")).unwrap();
    let other = authenticate(&mut state, &Fixed, None, &header(36, 1), &auth_body(b"bob")).unwrap();
    let SaslOutcome::Failure { reason, .. } = other else {
        panic!("switching principal must fail")
    };
    assert!(reason.contains("keep the principal alice"), "{reason}");
}

#[test]
fn only_the_sasl_requests_pass_before_authentication() {
    assert!(allowed_before_auth(keys::API_VERSIONS));
    assert!(allowed_before_auth(keys::SASL_HANDSHAKE));
    assert!(allowed_before_auth(keys::SASL_AUTHENTICATE));
    assert!(!allowed_before_auth(keys::METADATA));
    assert!(!allowed_before_auth(keys::PRODUCE));
}
