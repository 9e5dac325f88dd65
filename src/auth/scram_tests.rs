use super::*;

/// RFC 7677 section 3: user "user", password "pencil".
const RFC_CLIENT_NONCE: &str = "rOprNGfwEbeRWgbNEkqO";
const RFC_SERVER_FIRST: &str =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const RFC_CLIENT_FINAL: &str = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const RFC_SERVER_FINAL: &str = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

fn rfc_client() -> (ScramClient, String) {
    ScramClient::new_with_nonce(ScramMechanism::Sha256, "user", "pencil", RFC_CLIENT_NONCE)
}

#[test]
fn rfc7677_sha256_example() {
    let (mut client, first) = rfc_client();
    assert_eq!(first, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    let fin = client
        .handle_server_first(RFC_SERVER_FIRST.as_bytes())
        .unwrap();
    assert_eq!(fin, RFC_CLIENT_FINAL);
    client
        .verify_server_final(RFC_SERVER_FINAL.as_bytes())
        .unwrap();
}

#[test]
fn a_wrong_server_signature_or_error_is_refused() {
    let (mut client, _) = rfc_client();
    assert!(client
        .verify_server_final(RFC_SERVER_FINAL.as_bytes())
        .is_err());
    client
        .handle_server_first(RFC_SERVER_FIRST.as_bytes())
        .unwrap();
    let wrong = RFC_SERVER_FINAL.replace("6rri", "6rrj");
    assert_eq!(
        client.verify_server_final(wrong.as_bytes()),
        Err("SCRAM: the server signature is wrong".into())
    );
    assert_eq!(
        client.verify_server_final(b"e=invalid-proof"),
        Err("SCRAM: server refused: invalid-proof".into())
    );
    assert!(client.verify_server_final(b"x=1").is_err());
    assert!(client.verify_server_final(b"v=***").is_err());
}

#[test]
fn hostile_or_broken_server_first_messages_are_refused() {
    let cases = [
        ("r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "nonce"),
        (
            "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            "nonce",
        ),
        (
            "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1",
            "iteration count 1",
        ),
        (
            "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999",
            "iteration",
        ),
        (
            "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=x",
            "not a number",
        ),
        ("r=rOprNGfwEbeRWgbNEkqOx,s=***,i=4096", "base64"),
        ("r=rOprNGfwEbeRWgbNEkqOx,i=4096", "no s="),
        ("m=ext,r=rOprNGfwEbeRWgbNEkqOx,s=W22Z,i=4096", "extension"),
        ("e=unknown-user", "refused: unknown-user"),
        ("garbage", "malformed attribute"),
    ];
    for (msg, expected) in cases {
        let (mut client, _) = rfc_client();
        let err = client.handle_server_first(msg.as_bytes()).unwrap_err();
        assert!(err.contains(expected), "{msg}: {err}");
    }
}

#[test]
fn errors_never_contain_the_password() {
    let (mut client, _) =
        ScramClient::new_with_nonce(ScramMechanism::Sha256, "u", "pencil-secret", "abc");
    let err = client
        .handle_server_first(b"r=abcd,s=***,i=4096")
        .unwrap_err();
    assert!(!err.contains("pencil"));
    assert!(!format!("{client:?}").contains("pencil"));
}

/// The server's side of RFC 5802, written out independently of [`ScramClient`].
struct TestServer {
    mechanism: ScramMechanism,
    salt: Vec<u8>,
    iterations: u32,
    stored_key: Vec<u8>,
    server_key: Vec<u8>,
}

impl TestServer {
    fn new(mechanism: ScramMechanism, password: &str) -> TestServer {
        let salt = b"kgate-test-salt!".to_vec();
        let iterations = 4096;
        let mut salted = vec![0; mechanism.digest().output_len()];
        pbkdf2::derive(
            mechanism.pbkdf2(),
            NonZeroU32::new(iterations).unwrap(),
            &salt,
            password.as_bytes(),
            &mut salted,
        );
        let client_key = hmac_sign(mechanism, &salted, b"Client Key");
        TestServer {
            mechanism,
            stored_key: digest::digest(mechanism.digest(), &client_key)
                .as_ref()
                .to_vec(),
            server_key: hmac_sign(mechanism, &salted, b"Server Key"),
            salt,
            iterations,
        }
    }

    /// Runs a whole exchange; returns the server-final message or the server's error.
    fn exchange(&self, client: &mut ScramClient, first: &str) -> Result<String, String> {
        let bare = first.strip_prefix("n,,").unwrap();
        let client_nonce = bare.split(",r=").nth(1).unwrap();
        let server_first = format!(
            "r={client_nonce}srv,s={},i={}",
            STANDARD.encode(&self.salt),
            self.iterations
        );
        let fin = client.handle_server_first(server_first.as_bytes())?;
        let (without_proof, proof) = fin.rsplit_once(",p=").unwrap();
        assert_eq!(without_proof, format!("c=biws,r={client_nonce}srv"));
        let auth = format!("{bare},{server_first},{without_proof}");
        let signature = hmac_sign(self.mechanism, &self.stored_key, auth.as_bytes());
        let proof = STANDARD.decode(proof).unwrap();
        let client_key: Vec<u8> = proof.iter().zip(&signature).map(|(p, s)| p ^ s).collect();
        let stored = digest::digest(self.mechanism.digest(), &client_key);
        if stored.as_ref() != self.stored_key.as_slice() {
            return Err("invalid-proof".into());
        }
        let v = hmac_sign(self.mechanism, &self.server_key, auth.as_bytes());
        Ok(format!("v={}", STANDARD.encode(v)))
    }
}

#[test]
fn sha512_client_agrees_with_an_independent_server() {
    let server = TestServer::new(ScramMechanism::Sha512, "s3cr3t");
    let (mut client, first) = ScramClient::new(ScramMechanism::Sha512, "gw", "s3cr3t").unwrap();
    let server_final = server.exchange(&mut client, &first).unwrap();
    client.verify_server_final(server_final.as_bytes()).unwrap();
    // A SHA-512 proof is 64 bytes, so this is not a SHA-256 computation in disguise.
    let (mut again, first) = ScramClient::new(ScramMechanism::Sha512, "gw", "s3cr3t").unwrap();
    let bare = first.strip_prefix("n,,").unwrap();
    let nonce = bare.split(",r=").nth(1).unwrap();
    let fin = again
        .handle_server_first(format!("r={nonce}x,s=AAAA,i=4096").as_bytes())
        .unwrap();
    let proof = STANDARD.decode(fin.rsplit_once(",p=").unwrap().1).unwrap();
    assert_eq!(proof.len(), 64);
}

#[test]
fn wrong_password_fails_the_server_check() {
    let server = TestServer::new(ScramMechanism::Sha512, "s3cr3t");
    let (mut client, first) = ScramClient::new(ScramMechanism::Sha512, "gw", "guess").unwrap();
    assert_eq!(
        server.exchange(&mut client, &first),
        Err("invalid-proof".into())
    );
}

#[test]
fn nonces_are_fresh_and_printable() {
    let (_, a) = ScramClient::new(ScramMechanism::Sha256, "u", "p").unwrap();
    let (_, b) = ScramClient::new(ScramMechanism::Sha256, "u", "p").unwrap();
    assert_ne!(a, b);
    let nonce = a.rsplit_once(",r=").unwrap().1;
    assert!(nonce.len() >= 24);
    assert!(nonce
        .bytes()
        .all(|c| (0x21..=0x7e).contains(&c) && c != b','));
}

#[test]
fn usernames_are_escaped_and_unescaped() {
    let (_, first) = ScramClient::new_with_nonce(ScramMechanism::Sha256, "a=b,c", "p", "n");
    assert_eq!(first, "n,,n=a=3Db=2Cc,r=n");
    assert_eq!(scram_username(first.as_bytes()).unwrap(), "a=b,c");
}

#[test]
fn scram_username_reads_client_first_messages() {
    let ok = [
        ("n,,n=user,r=rOprNGfwEbeRWgbNEkqO", "user"),
        ("y,,n=alice,r=abc", "alice"),
        ("n,a=alice,n=alice,r=abc,tokenauth=true", "alice"),
        ("n,,n=J\u{f6}rg,r=abc", "J\u{f6}rg"),
    ];
    for (msg, user) in ok {
        assert_eq!(scram_username(msg.as_bytes()).unwrap(), user, "{msg}");
    }
    let bad = [
        ("p=tls-unique,,n=u,r=a", "channel binding"),
        ("x,,n=u,r=a", "GS2"),
        ("n,,r=a,n=u", "n=user,r=nonce"),
        ("n,,n=,r=a", "n=user,r=nonce"),
        ("n,,n=u", "n=user,r=nonce"),
        ("n,,n=a=2Xb,r=a", "escape"),
        ("n,,n=a=3,r=a", "escape"),
        ("n,,m=x,n=u,r=a", "extension"),
        ("n,b,n=u,r=a", "authzid"),
        ("n", "GS2"),
        ("", "GS2"),
    ];
    for (msg, expected) in bad {
        let err = scram_username(msg.as_bytes()).unwrap_err();
        assert!(err.contains(expected), "{msg}: {err}");
    }
    assert!(scram_username(b"n,,n=\xff,r=a").is_err());
}
