//! Tokens are minted here with ring: an ECDSA P-256 key generated per run and an RSA 2048 key
//! from `testdata/oauth_rsa2048_pkcs8.der`
//! (`openssl genrsa 2048 | openssl pkcs8 -topk8 -nocrypt -outform DER`), as ring cannot
//! generate RSA keys.

use super::*;
use crate::auth::jws::{b64url_encode, PublicKey};
use ring::rand::SystemRandom;
use ring::rsa::PublicKeyComponents;
use ring::signature::{EcdsaKeyPair, KeyPair, RsaKeyPair};
use serde_json::json;

const RSA_PKCS8: &[u8] = include_bytes!("testdata/oauth_rsa2048_pkcs8.der");
const NOW: u64 = 1_700_000_000;

struct Issuer {
    rsa: RsaKeyPair,
    ec: EcdsaKeyPair,
    rng: SystemRandom,
}

impl Issuer {
    fn new() -> Issuer {
        let rng = SystemRandom::new();
        let alg = &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        Issuer {
            rsa: RsaKeyPair::from_pkcs8(RSA_PKCS8).unwrap(),
            ec: EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap(),
            rng,
        }
    }

    fn rsa_public(&self) -> PublicKeyComponents<Vec<u8>> {
        PublicKeyComponents::from(self.rsa.public())
    }

    fn jwks(&self) -> Jwks {
        let rsa = self.rsa_public();
        let point = self.ec.public_key().as_ref();
        let doc = json!({"keys": [
            {"kty": "RSA", "kid": "rsa1", "alg": "RS256", "use": "sig",
             "n": b64url_encode(&rsa.n), "e": b64url_encode(&rsa.e)},
            {"kty": "EC", "crv": "P-256", "kid": "ec1",
             "x": b64url_encode(&point[1..33]), "y": b64url_encode(&point[33..])},
        ]});
        Jwks::parse(doc.to_string().as_bytes()).unwrap()
    }

    fn mint(&self, header: Value, claims: Value) -> String {
        let input = format!(
            "{}.{}",
            b64url_encode(header.to_string().as_bytes()),
            b64url_encode(claims.to_string().as_bytes())
        );
        let sig = match header["alg"].as_str().unwrap() {
            "RS256" => {
                let mut sig = vec![0; self.rsa.public().modulus_len()];
                let pad = &ring::signature::RSA_PKCS1_SHA256;
                self.rsa
                    .sign(pad, &self.rng, input.as_bytes(), &mut sig)
                    .unwrap();
                sig
            }
            "ES256" => self
                .ec
                .sign(&self.rng, input.as_bytes())
                .unwrap()
                .as_ref()
                .to_vec(),
            other => panic!("test cannot mint {other}"),
        };
        format!("{input}.{}", b64url_encode(&sig))
    }
}

fn claims() -> Value {
    json!({"sub": "alice", "iss": "https://idp.example", "aud": ["kafka", "other"],
           "exp": NOW + 300, "iat": NOW - 10, "scope": "produce consume"})
}

fn verifier() -> OAuthVerifier {
    OAuthVerifier {
        expected_issuer: Some("https://idp.example".into()),
        expected_audiences: vec!["kafka".into()],
        ..OAuthVerifier::default()
    }
}

fn rs(kid: &str) -> Value {
    json!({"alg": "RS256", "kid": kid, "typ": "JWT"})
}

#[test]
fn good_rs256_and_es256_tokens_verify() {
    let issuer = Issuer::new();
    let keys = issuer.jwks();
    for header in [rs("rsa1"), json!({"alg": "ES256", "kid": "ec1"})] {
        let token = issuer.mint(header, claims());
        let got = verifier().verify(&token, &keys, NOW).unwrap();
        assert_eq!(got.sub, "alice");
        assert_eq!(got.exp, NOW + 300);
        assert_eq!(got.iss.as_deref(), Some("https://idp.example"));
        assert_eq!(got.aud, vec!["kafka", "other"]);
        assert_eq!(got.scope, vec!["produce", "consume"]);
    }
}

#[test]
fn expiry_is_checked_with_30_seconds_of_skew() {
    let issuer = Issuer::new();
    let keys = issuer.jwks();
    let mut c = claims();
    c["exp"] = json!(NOW - 20);
    let token = issuer.mint(rs("rsa1"), c);
    assert!(verifier().verify(&token, &keys, NOW).is_ok());
    assert_eq!(
        verifier().verify(&token, &keys, NOW + 11),
        Err(OAuthError::Expired {
            exp: NOW - 20,
            now: NOW + 11
        })
    );
}

#[test]
fn not_before_in_the_future_is_refused() {
    let issuer = Issuer::new();
    let keys = issuer.jwks();
    let mut c = claims();
    c["nbf"] = json!(NOW + 60);
    let token = issuer.mint(rs("rsa1"), c);
    assert!(matches!(
        verifier().verify(&token, &keys, NOW),
        Err(OAuthError::NotYetValid { .. })
    ));
    assert!(verifier().verify(&token, &keys, NOW + 31).is_ok());
}

#[test]
fn wrong_issuer_is_refused() {
    let issuer = Issuer::new();
    let mut c = claims();
    c["iss"] = json!("https://evil.example");
    let token = issuer.mint(rs("rsa1"), c);
    assert_eq!(
        verifier().verify(&token, &issuer.jwks(), NOW),
        Err(OAuthError::WrongIssuer("https://evil.example".into()))
    );
}

#[test]
fn audience_may_be_a_string_or_an_array() {
    let issuer = Issuer::new();
    let keys = issuer.jwks();
    let mut c = claims();
    c["aud"] = json!("kafka");
    let token = issuer.mint(rs("rsa1"), c.clone());
    assert_eq!(
        verifier().verify(&token, &keys, NOW).unwrap().aud,
        vec!["kafka"]
    );
    c["aud"] = json!(["web", "mobile"]);
    let token = issuer.mint(rs("rsa1"), c.clone());
    assert!(matches!(
        verifier().verify(&token, &keys, NOW),
        Err(OAuthError::WrongAudience(a)) if a == vec!["web", "mobile"]
    ));
    c["aud"] = json!("web");
    let token = issuer.mint(rs("rsa1"), c);
    assert!(matches!(
        verifier().verify(&token, &keys, NOW),
        Err(OAuthError::WrongAudience(_))
    ));
}

#[test]
fn unknown_kid_is_reported_so_the_caller_can_refresh() {
    let issuer = Issuer::new();
    let token = issuer.mint(rs("rotated-2"), claims());
    assert_eq!(
        verifier().verify(&token, &issuer.jwks(), NOW),
        Err(OAuthError::UnknownKid("rotated-2".into()))
    );
}

#[test]
fn tampered_claims_fail_the_signature() {
    let issuer = Issuer::new();
    let token = issuer.mint(rs("rsa1"), claims());
    let mut parts: Vec<String> = token.split('.').map(String::from).collect();
    let mut c = claims();
    c["sub"] = json!("admin");
    parts[1] = b64url_encode(c.to_string().as_bytes());
    assert_eq!(
        verifier().verify(&parts.join("."), &issuer.jwks(), NOW),
        Err(OAuthError::BadSignature)
    );
}

#[test]
fn alg_none_is_refused() {
    let issuer = Issuer::new();
    let header = b64url_encode(br#"{"alg":"none","kid":"rsa1"}"#);
    let body = b64url_encode(claims().to_string().as_bytes());
    let token = format!("{header}.{body}.");
    assert_eq!(
        verifier().verify(&token, &issuer.jwks(), NOW),
        Err(OAuthError::AlgRefused("none".into()))
    );
}

/// The classic confusion attack: the attacker knows the RSA public key and uses it as an HMAC
/// secret. A verifier that let the header choose HMAC would accept this.
#[test]
fn hs256_signed_with_the_rsa_public_key_is_refused() {
    let issuer = Issuer::new();
    let keys = issuer.jwks();
    let rsa = issuer.rsa_public();
    let secrets: [&[u8]; 3] = [issuer.rsa.public().as_ref(), &rsa.n, b"rsa1"];
    for secret in secrets {
        let input = format!(
            "{}.{}",
            b64url_encode(br#"{"alg":"HS256","kid":"rsa1"}"#),
            b64url_encode(claims().to_string().as_bytes())
        );
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
        let sig = ring::hmac::sign(&key, input.as_bytes());
        let token = format!("{input}.{}", b64url_encode(sig.as_ref()));
        // The forgery is a valid HS256 token for that secret: only the policy stops it.
        let jws = jws::parse(&token).unwrap();
        assert!(jws.verify(VerifyKey::Hmac(secret), &[Alg::Hs256]).is_ok());
        assert_eq!(
            verifier().verify(&token, &keys, NOW),
            Err(OAuthError::AlgRefused("HS256".into()))
        );
    }
}

#[test]
fn a_key_pinned_to_rs256_refuses_es256_and_an_ec_key_refuses_rs256() {
    let issuer = Issuer::new();
    let keys = issuer.jwks();
    let token = issuer.mint(json!({"alg": "ES256", "kid": "rsa1"}), claims());
    assert!(matches!(
        verifier().verify(&token, &keys, NOW),
        Err(OAuthError::AlgRefused(_))
    ));
    let token = issuer.mint(rs("ec1"), claims());
    assert!(matches!(
        verifier().verify(&token, &keys, NOW),
        Err(OAuthError::AlgRefused(_))
    ));
    assert!(matches!(
        keys.get(Some("ec1")).map(|k| &k.key),
        Some(PublicKey::EcP256 { .. })
    ));
}

#[test]
fn missing_or_mistyped_claims_are_malformed() {
    let issuer = Issuer::new();
    let keys = issuer.jwks();
    let v = OAuthVerifier::default();
    for (name, value) in [
        ("sub", Value::Null),
        ("sub", json!("")),
        ("exp", Value::Null),
        ("exp", json!("soon")),
        ("exp", json!(-1)),
        ("aud", json!(7)),
        ("iss", json!(["a"])),
    ] {
        let mut c = claims();
        if value.is_null() {
            c.as_object_mut().unwrap().remove(name);
        } else {
            c[name] = value;
        }
        let token = issuer.mint(rs("rsa1"), c);
        assert!(
            matches!(v.verify(&token, &keys, NOW), Err(OAuthError::Malformed(_))),
            "{name}"
        );
    }
}

#[test]
fn defaults_check_no_issuer_or_audience_and_scp_arrays_are_scopes() {
    let issuer = Issuer::new();
    let token = issuer.mint(
        json!({"alg": "ES256", "kid": "ec1"}),
        json!({"sub": "svc", "exp": NOW as f64 + 1.5, "scp": ["a", "b"]}),
    );
    let got = OAuthVerifier::default()
        .verify(&token, &issuer.jwks(), NOW)
        .unwrap();
    assert_eq!(got.scope, vec!["a", "b"]);
    assert_eq!(got.exp, NOW + 1);
    assert_eq!(got.iss, None);
}

#[test]
fn errors_never_contain_the_signature() {
    let issuer = Issuer::new();
    let mut c = claims();
    c["exp"] = json!(NOW - 1000);
    let token = issuer.mint(rs("rsa1"), c);
    let sig = token.rsplit('.').next().unwrap();
    let err = verifier().verify(&token, &issuer.jwks(), NOW).unwrap_err();
    assert!(!err.to_string().contains(sig));
    assert!(!err.to_string().contains(&sig[..16]));
}
