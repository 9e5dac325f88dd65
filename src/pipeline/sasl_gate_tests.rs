use super::*;

#[test]
fn plain_and_scram_succeed_on_their_last_round() {
    assert_eq!(
        delegated_step("PLAIN", 1, 0, b""),
        DelegatedStep::Authenticated
    );
    let server_first = b"r=nonce,s=c2FsdA==,i=4096";
    assert_eq!(
        delegated_step("SCRAM-SHA-256", 1, 0, server_first),
        DelegatedStep::Continue
    );
    assert_eq!(
        delegated_step("SCRAM-SHA-512", 2, 0, b"v=signature"),
        DelegatedStep::Authenticated
    );
    assert_eq!(delegated_step("PLAIN", 1, 58, b""), DelegatedStep::Failed);
    assert_eq!(
        delegated_step("SCRAM-SHA-256", 2, 58, b""),
        DelegatedStep::Failed
    );
}

#[test]
fn an_oauthbearer_error_challenge_is_not_a_success() {
    assert_eq!(
        delegated_step("OAUTHBEARER", 1, 0, b""),
        DelegatedStep::Authenticated
    );
    // Kafka's answer to a token it rejects: error 0 and a JSON error, then a failure after %x01.
    let challenge = br#"{"status":"invalid_token"}"#;
    assert_eq!(
        delegated_step("OAUTHBEARER", 1, 0, challenge),
        DelegatedStep::Continue
    );
    assert_eq!(
        delegated_step("OAUTHBEARER", 2, 58, b""),
        DelegatedStep::Failed
    );
}

#[test]
fn claimed_usernames_never_carry_the_secret() {
    assert_eq!(
        claimed_username("PLAIN", b"\0alice\0alice-secret").as_deref(),
        Some("alice")
    );
    assert_eq!(
        claimed_username("SCRAM-SHA-256", b"n,,n=bob,r=abc").as_deref(),
        Some("bob")
    );
    assert_eq!(claimed_username("OAUTHBEARER", b"\x01"), None);
}
