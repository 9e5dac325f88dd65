use super::*;
use crate::auth::jws::{self, VerifyKey};

const N: &str = crate::auth::jws::tests::RFC_RSA_N;
const X: &str = crate::auth::jws::tests::RFC_EC_X;
const Y: &str = crate::auth::jws::tests::RFC_EC_Y;

fn doc() -> String {
    format!(
        r#"{{"keys":[
            {{"kty":"RSA","kid":"r1","n":"{N}","e":"AQAB","alg":"RS256","use":"sig"}},
            {{"kty":"EC","crv":"P-256","kid":"e1","x":"{X}","y":"{Y}"}},
            {{"kty":"EC","crv":"P-384","kid":"e384","x":"AA","y":"AA"}},
            {{"kty":"RSA","kid":"enc","n":"{N}","e":"AQAB","use":"enc"}},
            {{"kty":"OKP","crv":"Ed25519","kid":"ed","x":"AA"}},
            {{"kty":"RSA","kid":"r384","n":"{N}","e":"AQAB","alg":"RS384"}}
        ]}}"#
    )
}

#[test]
fn keys_are_indexed_by_kid_and_verify_the_rfc_vectors() {
    let jwks = Jwks::parse(doc().as_bytes()).unwrap();
    assert_eq!(jwks.len(), 2);
    let rsa = jwks.get(Some("r1")).unwrap();
    assert_eq!(rsa.alg, Some(Alg::Rs256));
    let ec = jwks.get(Some("e1")).unwrap();
    assert_eq!(ec.alg, None);
    let all = [Alg::Rs256, Alg::Es256];
    let t = jws::parse(jws::tests::RFC_RS256).unwrap();
    assert!(t.verify(VerifyKey::Public(&rsa.key), &all).is_ok());
    let t = jws::parse(jws::tests::RFC_ES256).unwrap();
    assert!(t.verify(VerifyKey::Public(&ec.key), &all).is_ok());
}

#[test]
fn unsupported_keys_are_skipped_with_a_note() {
    let jwks = Jwks::parse(doc().as_bytes()).unwrap();
    for kid in ["e384", "enc", "ed", "r384"] {
        assert!(jwks.get(Some(kid)).is_none(), "{kid}");
        assert!(
            jwks.notes().iter().any(|n| n.contains(&format!("{kid:?}"))),
            "no note for {kid}: {:?}",
            jwks.notes()
        );
    }
    assert_eq!(jwks.notes().len(), 4);
}

#[test]
fn a_token_without_kid_matches_only_a_lone_key() {
    let one = format!(r#"{{"keys":[{{"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}"}}]}}"#);
    let jwks = Jwks::parse(one.as_bytes()).unwrap();
    assert!(jwks.get(None).is_some());
    assert!(jwks.get(Some("other")).is_none());
    let two = Jwks::parse(doc().as_bytes()).unwrap();
    assert!(two.get(None).is_none());
}

#[test]
fn leading_zeros_in_the_modulus_are_tolerated() {
    let mut n = jws::b64url_decode(N, "n").unwrap();
    n.insert(0, 0);
    let padded = jws::b64url_encode(&n);
    let d = format!(r#"{{"keys":[{{"kty":"RSA","kid":"k","n":"{padded}","e":"AAEAAQ"}}]}}"#);
    let jwks = Jwks::parse(d.as_bytes()).unwrap();
    let t = jws::parse(jws::tests::RFC_RS256).unwrap();
    let key = &jwks.get(Some("k")).unwrap().key;
    assert!(t.verify(VerifyKey::Public(key), &[Alg::Rs256]).is_ok());
}

#[test]
fn malformed_documents_and_keys_are_rejected_clearly() {
    let short_n = jws::b64url_encode(&[0xc5; 128]);
    let cases: &[(String, &str)] = &[
        ("nope".into(), "not JSON"),
        (r#"{"kids":[]}"#.into(), "no \"keys\" array"),
        (r#"{"keys":[1]}"#.into(), "#0 is not a JSON object"),
        (r#"{"keys":[{"kid":"a"}]}"#.into(), "no \"kty\""),
        (
            r#"{"keys":[{"kty":"RSA","kid":"a","e":"AQAB"}]}"#.into(),
            "no \"n\"",
        ),
        (
            format!(r#"{{"keys":[{{"kty":"RSA","kid":"a","n":"{N}=","e":"AQAB"}}]}}"#),
            "base64url",
        ),
        (
            format!(r#"{{"keys":[{{"kty":"RSA","kid":"a","n":"{short_n}","e":"AQAB"}}]}}"#),
            "1024 bits",
        ),
        (
            format!(r#"{{"keys":[{{"kty":"EC","crv":"P-256","kid":"a","x":"{X}","y":"AQAB"}}]}}"#),
            "32 bytes",
        ),
        (
            format!(
                r#"{{"keys":[{{"kty":"EC","crv":"P-256","kid":"a","x":"{X}","y":"{Y}","alg":"RS256"}}]}}"#
            ),
            "does not match",
        ),
        (
            format!(
                r#"{{"keys":[{{"kty":"EC","crv":"P-256","kid":"a","x":"{X}","y":"{Y}"}},{{"kty":"EC","crv":"P-256","kid":"a","x":"{X}","y":"{Y}"}}]}}"#
            ),
            "duplicate kid",
        ),
        (
            r#"{"keys":[{"kty":"RSA","kid":7}]}"#.into(),
            "\"kid\" is not a string",
        ),
    ];
    for (doc, expected) in cases {
        let err = Jwks::parse(doc.as_bytes()).unwrap_err();
        assert!(err.contains(expected), "{doc}: {err}");
    }
}

#[test]
fn hmac_keys_in_a_jwks_are_never_used() {
    let d = r#"{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0","alg":"HS256"}]}"#;
    let jwks = Jwks::parse(d.as_bytes()).unwrap();
    assert!(jwks.is_empty());
    assert_eq!(jwks.notes().len(), 1);
}
