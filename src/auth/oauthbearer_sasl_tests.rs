use super::*;

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln-_";

#[test]
fn rfc7628_example_parses() {
    // RFC 7628 section 4.1, without the host/port pairs, which are extensions to Kafka.
    let msg = b"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01";
    let r = parse_client_initial(msg).unwrap();
    assert_eq!(r.authzid.as_deref(), Some("user@example.com"));
    assert_eq!(r.token, "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==");
    assert_eq!(
        r.extensions.get("host").map(String::as_str),
        Some("server.example.com")
    );
    assert_eq!(r.extensions.get("port").map(String::as_str), Some("143"));
}

#[test]
fn build_and_parse_round_trip() {
    let msg = build_client_initial(None, TOKEN, &[("traceId", "abc 1")]).unwrap();
    assert_eq!(
        msg,
        format!("n,,\x01auth=Bearer {TOKEN}\x01traceId=abc 1\x01\x01").into_bytes()
    );
    let r = parse_client_initial(&msg).unwrap();
    assert_eq!(r.authzid, None);
    assert_eq!(r.token, TOKEN);
    assert_eq!(r.extensions.len(), 1);
    let msg = build_client_initial(Some("svc"), TOKEN, &[]).unwrap();
    assert!(msg.starts_with(b"n,a=svc,\x01"));
    assert_eq!(
        parse_client_initial(&msg).unwrap().authzid.as_deref(),
        Some("svc")
    );
}

#[test]
fn bearer_scheme_is_case_insensitive() {
    let msg = format!("n,,\x01auth=bearer {TOKEN}\x01\x01");
    assert_eq!(parse_client_initial(msg.as_bytes()).unwrap().token, TOKEN);
}

#[test]
fn malformed_messages_are_rejected_without_the_token() {
    let secret = "SECRETtokenVALUE";
    let cases: Vec<(String, &str)> = vec![
        (format!("\x01auth=Bearer {secret}\x01\x01"), "GS2"),
        (format!("p=x,,\x01auth=Bearer {secret}\x01\x01"), "GS2"),
        (
            format!("n,\x01auth=Bearer {secret}\x01\x01"),
            "not terminated",
        ),
        (format!("n,b=u,\x01auth=Bearer {secret}\x01\x01"), "authzid"),
        (format!("n,,auth=Bearer {secret}\x01\x01"), "framed"),
        (format!("n,,\x01auth=Bearer {secret}\x01"), "framed"),
        ("n,,\x01\x01".into(), "framed"),
        ("n,,\x01x=1\x01\x01".into(), "no auth="),
        (format!("n,,\x01auth=Basic {secret}\x01\x01"), "not Bearer"),
        (
            format!("n,,\x01auth=Bearer{secret}\x01\x01"),
            "not \"Bearer",
        ),
        (
            format!("n,,\x01auth=Bearer {secret}!\x01\x01"),
            "invalid characters",
        ),
        ("n,,\x01auth=Bearer \x01\x01".into(), "invalid characters"),
        (
            format!("n,,\x01auth=Bearer {secret}\x01auth=Bearer x\x01\x01"),
            "more than one",
        ),
        (
            format!("n,,\x01auth=Bearer {secret}\x01k=1\x01k=2\x01\x01"),
            "duplicate",
        ),
        (
            format!("n,,\x01auth=Bearer {secret}\x01k1=1\x01\x01"),
            "1*ALPHA",
        ),
        (
            format!("n,,\x01auth=Bearer {secret}\x01novalue\x01\x01"),
            "no '='",
        ),
        (
            format!("n,,\x01auth=Bearer {secret}\x01k=\x7f\x01\x01"),
            "invalid characters",
        ),
    ];
    for (msg, expected) in cases {
        let err = parse_client_initial(msg.as_bytes()).unwrap_err();
        assert!(err.contains(expected), "{msg:?}: {err}");
        assert!(!err.contains(secret), "{err}");
    }
    assert!(parse_client_initial(b"n,,\x01auth=Bearer \xff\x01\x01").is_err());
}

#[test]
fn build_refuses_what_would_not_parse() {
    assert!(build_client_initial(None, "has space", &[]).is_err());
    assert!(build_client_initial(None, "", &[]).is_err());
    assert!(build_client_initial(Some("a,b"), TOKEN, &[]).is_err());
    assert!(build_client_initial(None, TOKEN, &[("auth", "x")]).is_err());
    assert!(build_client_initial(None, TOKEN, &[("k", "\x01")]).is_err());
}

#[test]
fn abort_and_server_error() {
    assert!(is_abort(b"\x01"));
    assert!(!is_abort(b"\x01\x01"));
    assert_eq!(
        server_error_response("invalid_token", None),
        br#"{"status":"invalid_token"}"#.to_vec()
    );
    let v: serde_json::Value = serde_json::from_slice(&server_error_response(
        "insufficient_scope",
        Some("a \"b\""),
    ))
    .unwrap();
    assert_eq!(v["scope"], "a \"b\"");
}

#[test]
fn debug_hides_the_token() {
    let r = parse_client_initial(format!("n,,\x01auth=Bearer {TOKEN}\x01\x01").as_bytes()).unwrap();
    assert!(!format!("{r:?}").contains(TOKEN));
}
