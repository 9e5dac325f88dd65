use super::*;

/// RFC 7515 appendix A.2 (RS256) and A.3 (ES256): the same payload signed by the RFC's keys.
pub(crate) const RFC_RSA_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
pub(crate) const RFC_RS256: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
pub(crate) const RFC_EC_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
pub(crate) const RFC_EC_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
pub(crate) const RFC_ES256: &str = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

const ALL: &[Alg] = &[Alg::Rs256, Alg::Es256, Alg::Hs256];

fn rfc_rsa() -> PublicKey {
    PublicKey::Rsa {
        n: b64url_decode(RFC_RSA_N, "n").unwrap(),
        e: vec![1, 0, 1],
    }
}

fn rfc_ec() -> PublicKey {
    PublicKey::EcP256 {
        x: b64url_decode(RFC_EC_X, "x").unwrap(),
        y: b64url_decode(RFC_EC_Y, "y").unwrap(),
    }
}

fn tamper_payload(token: &str) -> String {
    let mut parts: Vec<&str> = token.split('.').collect();
    let payload =
        b64url_encode(br#"{"iss":"joe","exp":1300819380,"http://example.com/is_root":false}"#);
    parts[1] = &payload;
    parts.join(".")
}

#[test]
fn rfc7515_a2_rs256_verifies() {
    let key = rfc_rsa();
    let jws = parse(RFC_RS256).unwrap();
    assert_eq!(jws.verify(VerifyKey::Public(&key), ALL), Ok(Alg::Rs256));
    let claims: Value = serde_json::from_slice(&jws.payload).unwrap();
    assert_eq!(claims["iss"], "joe");
    assert_eq!(claims["exp"], 1300819380);
}

#[test]
fn rfc7515_a3_es256_verifies() {
    let key = rfc_ec();
    let jws = parse(RFC_ES256).unwrap();
    assert_eq!(jws.verify(VerifyKey::Public(&key), ALL), Ok(Alg::Es256));
}

#[test]
fn tampered_payload_fails() {
    for (token, key) in [(RFC_RS256, rfc_rsa()), (RFC_ES256, rfc_ec())] {
        let bad = tamper_payload(token);
        let jws = parse(&bad).unwrap();
        assert_eq!(
            jws.verify(VerifyKey::Public(&key), ALL),
            Err(JwsError::BadSignature)
        );
    }
}

#[test]
fn wrong_key_type_is_a_mismatch_not_a_pass() {
    let jws = parse(RFC_RS256).unwrap();
    assert!(matches!(
        jws.verify(VerifyKey::Public(&rfc_ec()), ALL),
        Err(JwsError::KeyMismatch(_))
    ));
    assert!(matches!(
        jws.verify(VerifyKey::Hmac(b"secret"), ALL),
        Err(JwsError::KeyMismatch(_))
    ));
}

#[test]
fn alg_not_accepted_is_refused() {
    let jws = parse(RFC_RS256).unwrap();
    assert_eq!(
        jws.verify(VerifyKey::Public(&rfc_rsa()), &[Alg::Es256]),
        Err(JwsError::AlgRefused("RS256".into()))
    );
}

#[test]
fn alg_none_is_refused_even_when_everything_is_accepted() {
    let header = b64url_encode(br#"{"alg":"none"}"#);
    let payload = b64url_encode(br#"{"sub":"admin"}"#);
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}.AAAA"),
    ] {
        let jws = parse(&token).unwrap();
        assert_eq!(
            jws.verify(VerifyKey::Hmac(b""), ALL),
            Err(JwsError::AlgRefused("none".into()))
        );
    }
}

#[test]
fn hs256_verifies_only_with_the_right_secret() {
    let header = b64url_encode(br#"{"alg":"HS256"}"#);
    let payload = b64url_encode(br#"{"sub":"x"}"#);
    let input = format!("{header}.{payload}");
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"k1");
    let sig = b64url_encode(ring::hmac::sign(&key, input.as_bytes()).as_ref());
    let token = format!("{input}.{sig}");
    let jws = parse(&token).unwrap();
    assert_eq!(jws.verify(VerifyKey::Hmac(b"k1"), ALL), Ok(Alg::Hs256));
    assert_eq!(
        jws.verify(VerifyKey::Hmac(b"k2"), ALL),
        Err(JwsError::BadSignature)
    );
}

#[test]
fn malformed_tokens_are_rejected() {
    let (h, rest) = RFC_RS256.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    let cases = [
        format!("{h}.{p}"),
        format!("{h}.{p}.{s}.{s}"),
        format!("{h}=.{p}.{s}"),
        format!("{h}.{p}.{s}="),
        format!("{h}.{p}+.{s}"),
        format!("{h}.{p}.{}", s.replace('_', "/")),
        format!("{}.{p}.{s}", b64url_encode(b"not json")),
        format!("{}.{p}.{s}", b64url_encode(b"[1,2]")),
        format!("{h}.{}.{s}", b64url_encode(b"{\"a\":")),
        String::new(),
        "..".into(),
    ];
    for case in &cases {
        assert!(
            matches!(parse(case), Err(JwsError::Malformed(_))),
            "accepted {case:?}"
        );
    }
}

#[test]
fn long_alg_names_are_truncated_in_errors() {
    let long = "X".repeat(500);
    let header = b64url_encode(format!(r#"{{"alg":"{long}"}}"#).as_bytes());
    let token = format!("{header}.{}.AA", b64url_encode(b"{}"));
    let err = parse(&token).unwrap().alg(ALL).unwrap_err().to_string();
    assert!(err.len() < 100, "{err}");
}
