use super::*;

/// RFC 7515 Appendix A.1: an HS256 JWS and its key (JWK `k`, base64url).
const RFC_TOKEN: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.\
eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.\
dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const RFC_KEY: &str =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

fn rfc_key() -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(RFC_KEY)
        .expect("RFC key is base64url")
}

fn claims(exp: Option<u64>) -> TokenClaims {
    TokenClaims {
        username: "jdoe".into(),
        vcluster: Some("passthrough".into()),
        exp,
        iat: Some(1_000),
        org_id: None,
        cluster_id: None,
    }
}

#[test]
fn rfc7515_a1_signature_verifies_with_its_key() {
    let payload = verify_signature(RFC_TOKEN, &rfc_key()).expect("RFC example verifies");
    let json: serde_json::Value = serde_json::from_slice(&payload).expect("payload is JSON");
    assert_eq!(json["iss"], "joe");
    assert_eq!(json["exp"], 1_300_819_380);
}

#[test]
fn rfc7515_a1_fails_with_another_key_or_a_changed_payload() {
    let mut key = rfc_key();
    key[0] ^= 1;
    assert_eq!(
        verify_signature(RFC_TOKEN, &key),
        Err(TokenError::BadSignature)
    );
    // "joe" -> "jod" in the payload: same length, different bytes.
    let altered = RFC_TOKEN.replacen("eyJpc3MiOiJqb2Ui", "eyJpc3MiOiJqb2Qi", 1);
    assert_ne!(altered, RFC_TOKEN);
    assert_eq!(
        verify_signature(&altered, &rfc_key()),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn issue_then_verify_round_trips() {
    let key = b"0123456789abcdef0123456789abcdef";
    let token = issue(&claims(Some(2_000)), key);
    assert!(token.starts_with("eyJhbGciOiJIUzI1NiJ9."), "{token}");
    assert_eq!(verify(&token, key, 1_999), Ok(claims(Some(2_000))));
}

#[test]
fn expiry_is_enforced_at_and_after_exp() {
    let key = b"k";
    let token = issue(&claims(Some(2_000)), key);
    assert_eq!(verify(&token, key, 2_000), Err(TokenError::Expired));
    assert_eq!(verify(&token, key, u64::MAX), Err(TokenError::Expired));
    let forever = issue(&claims(None), key);
    assert!(verify(&forever, key, u64::MAX).is_ok());
}

#[test]
fn tenant_claims_use_conduktor_names() {
    let tenant = TokenClaims {
        username: "test@conduktor.io".into(),
        vcluster: None,
        exp: None,
        iat: None,
        org_id: Some(1),
        cluster_id: Some("cluster1".into()),
    };
    let json = serde_json::to_value(&tenant).expect("serialises");
    assert_eq!(
        json,
        serde_json::json!({"orgId": 1, "clusterId": "cluster1", "username": "test@conduktor.io"})
    );
}

#[test]
fn other_algorithms_are_refused_even_with_a_valid_hmac() {
    let key = b"secret";
    for header in [
        r#"{"alg":"none"}"#,
        r#"{"alg":"RS256"}"#,
        r#"{"typ":"JWT"}"#,
    ] {
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(None)).expect("json"));
        let input = format!("{}.{body}", URL_SAFE_NO_PAD.encode(header));
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), input.as_bytes());
        let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()));
        assert_eq!(
            verify(&token, key, 0),
            Err(TokenError::UnsupportedAlgorithm),
            "{header}"
        );
    }
}

#[test]
fn malformed_tokens_are_errors_not_panics() {
    let key = b"k";
    let good = issue(&claims(None), key);
    let (head, _) = good.split_once('.').expect("dot");
    for bad in [
        "",
        ".",
        "..",
        "a.b",
        "a.b.c.d",
        "!!!.e30.AAAA",
        &format!("{head}.%%%.AAAA"),
        &"a".repeat(MAX_TOKEN_LEN + 1),
    ] {
        assert!(
            matches!(verify(bad, key, 0), Err(TokenError::Malformed(_))),
            "{bad:?}"
        );
    }
    assert_eq!(
        verify(&format!("{head}.e30."), key, 0),
        Err(TokenError::BadSignature)
    );
    // A valid signature over claims that are not ours (no username) is malformed, not accepted.
    let foreign = {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(HEADER),
            URL_SAFE_NO_PAD.encode("{}")
        );
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    };
    assert_eq!(
        verify(&foreign, key, 0),
        Err(TokenError::Malformed("claims"))
    );
}
