//! SASL PLAIN (RFC 4616): `[authzid] NUL authcid NUL passwd`.
//!
//! RFC 4616 requires accepting at least 255 octets per field; it sets no maximum. Names are
//! capped at 255 characters, but passwords get more room: Conduktor-style service accounts send
//! a JWT as the PLAIN password, and a JWT with a few claims is easily longer than 255. The caps
//! only bound what a client can make kgate hold. Error messages name the field, never its
//! contents.

use super::secret::Secret;

/// For the authorization id and the user name, in characters.
pub const MAX_NAME_CHARS: usize = 255;
/// For the password, in characters: room for a JWT used as a password.
pub const MAX_PASSWORD_CHARS: usize = 8192;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainCredentials {
    /// Who the client wants to act as; `None` when empty (act as `username`).
    pub authzid: Option<String>,
    pub username: String,
    pub password: Secret,
}

/// Parse a client's PLAIN message.
pub fn parse(msg: &[u8]) -> Result<PlainCredentials, String> {
    let mut parts = msg.split(|b| *b == 0);
    let (Some(authzid), Some(username), Some(password), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("PLAIN: expected exactly three NUL-separated fields".into());
    };
    let authzid = field(authzid, "authorization id", true, MAX_NAME_CHARS)?;
    let username = field(username, "user name", false, MAX_NAME_CHARS)?;
    let password = field(password, "password", false, MAX_PASSWORD_CHARS)?;
    Ok(PlainCredentials {
        authzid: (!authzid.is_empty()).then_some(authzid),
        username,
        password: Secret::new(password),
    })
}

/// Build a PLAIN message, for kgate authenticating to a broker.
pub fn encode(authzid: Option<&str>, username: &str, password: &str) -> Result<Vec<u8>, String> {
    let authzid = authzid.unwrap_or("");
    check(authzid, "authorization id", true, MAX_NAME_CHARS)?;
    check(username, "user name", false, MAX_NAME_CHARS)?;
    check(password, "password", false, MAX_PASSWORD_CHARS)?;
    let mut out = Vec::with_capacity(authzid.len() + username.len() + password.len() + 2);
    out.extend_from_slice(authzid.as_bytes());
    out.push(0);
    out.extend_from_slice(username.as_bytes());
    out.push(0);
    out.extend_from_slice(password.as_bytes());
    Ok(out)
}

fn field(bytes: &[u8], name: &str, may_be_empty: bool, max: usize) -> Result<String, String> {
    let s = std::str::from_utf8(bytes).map_err(|_| format!("PLAIN: {name} is not UTF-8"))?;
    check(s, name, may_be_empty, max)?;
    Ok(s.to_owned())
}

fn check(s: &str, name: &str, may_be_empty: bool, max: usize) -> Result<(), String> {
    if s.is_empty() && !may_be_empty {
        return Err(format!("PLAIN: {name} is empty"));
    }
    if s.contains('\0') {
        return Err(format!("PLAIN: {name} contains NUL"));
    }
    if s.chars().count() > max {
        return Err(format!("PLAIN: {name} is longer than {max} characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4616_examples() {
        let c = parse(b"\0tim\0tanstaaftanstaaf").unwrap();
        assert_eq!(c.authzid, None);
        assert_eq!(c.username, "tim");
        assert_eq!(c.password.expose(), "tanstaaftanstaaf");
        let c = parse(b"Ursel\0Kurt\0xipj3plmq").unwrap();
        assert_eq!(c.authzid.as_deref(), Some("Ursel"));
        assert_eq!(c.username, "Kurt");
        assert_eq!(c.password.expose(), "xipj3plmq");
    }

    #[test]
    fn encode_round_trips() {
        let msg = encode(Some("Ursel"), "Kurt", "xipj3plmq").unwrap();
        assert_eq!(msg, b"Ursel\0Kurt\0xipj3plmq");
        assert_eq!(encode(None, "tim", "tanstaaftanstaaf").unwrap()[0], 0);
        let c = parse(&encode(None, "J\u{f6}rg", "p\u{e4}ss").unwrap()).unwrap();
        assert_eq!(
            (c.username.as_str(), c.password.expose()),
            ("J\u{f6}rg", "p\u{e4}ss")
        );
    }

    #[test]
    fn malformed_messages_are_rejected_without_echoing_the_password() {
        let long = "x".repeat(256);
        let max = "\u{e9}".repeat(255);
        let jwt_sized = "j".repeat(1500);
        assert!(parse(format!("{max}\0{max}\0{jwt_sized}").as_bytes()).is_ok());
        let too_long = "x".repeat(MAX_PASSWORD_CHARS + 1);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"tim\0hunter2".to_vec(), "three"),
            (b"\0tim\0hunter2\0".to_vec(), "three"),
            (b"".to_vec(), "three"),
            (b"\0\0hunter2".to_vec(), "user name is empty"),
            (b"\0tim\0".to_vec(), "password is empty"),
            (b"\0tim\0hunter2\xff".to_vec(), "password is not UTF-8"),
            (
                format!("\0tim\0hunter2{too_long}").into_bytes(),
                "password is longer",
            ),
            (
                format!("{long}\0tim\0hunter2").into_bytes(),
                "authorization id is longer",
            ),
            (
                format!("\0{long}\0hunter2").into_bytes(),
                "user name is longer",
            ),
        ];
        for (msg, expected) in cases {
            let err = parse(&msg).unwrap_err();
            assert!(err.contains(expected), "{err}");
            assert!(!err.contains("hunter2"));
        }
        assert!(encode(None, "a\0b", "p").is_err());
        assert!(encode(None, "a", "").is_err());
        assert!(encode(Some(&long), "a", "p").is_err());
    }

    #[test]
    fn debug_hides_the_password() {
        let c = parse(b"\0tim\0hunter2").unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
