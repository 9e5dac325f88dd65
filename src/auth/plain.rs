//! SASL PLAIN (RFC 4616): `[authzid] NUL authcid NUL passwd`.
//!
//! Lengths are capped at the RFC's 255 characters so a client cannot make kgate hold or hash
//! arbitrarily large "passwords"; error messages name the field, never its contents.

use super::secret::Secret;

/// RFC 4616's limit, applied to each field (in characters).
pub const MAX_FIELD_CHARS: usize = 255;

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
    let authzid = field(authzid, "authorization id", true)?;
    let username = field(username, "user name", false)?;
    let password = field(password, "password", false)?;
    Ok(PlainCredentials {
        authzid: (!authzid.is_empty()).then_some(authzid),
        username,
        password: Secret::new(password),
    })
}

/// Build a PLAIN message, for kgate authenticating to a broker.
pub fn encode(authzid: Option<&str>, username: &str, password: &str) -> Result<Vec<u8>, String> {
    let authzid = authzid.unwrap_or("");
    check(authzid, "authorization id", true)?;
    check(username, "user name", false)?;
    check(password, "password", false)?;
    let mut out = Vec::with_capacity(authzid.len() + username.len() + password.len() + 2);
    out.extend_from_slice(authzid.as_bytes());
    out.push(0);
    out.extend_from_slice(username.as_bytes());
    out.push(0);
    out.extend_from_slice(password.as_bytes());
    Ok(out)
}

fn field(bytes: &[u8], name: &str, may_be_empty: bool) -> Result<String, String> {
    let s = std::str::from_utf8(bytes).map_err(|_| format!("PLAIN: {name} is not UTF-8"))?;
    check(s, name, may_be_empty)?;
    Ok(s.to_owned())
}

fn check(s: &str, name: &str, may_be_empty: bool) -> Result<(), String> {
    if s.is_empty() && !may_be_empty {
        return Err(format!("PLAIN: {name} is empty"));
    }
    if s.contains('\0') {
        return Err(format!("PLAIN: {name} contains NUL"));
    }
    if s.chars().count() > MAX_FIELD_CHARS {
        return Err(format!(
            "PLAIN: {name} is longer than {MAX_FIELD_CHARS} characters"
        ));
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
        assert!(parse(format!("\0{max}\0{max}").as_bytes()).is_ok());
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"tim\0hunter2".to_vec(), "three"),
            (b"\0tim\0hunter2\0".to_vec(), "three"),
            (b"".to_vec(), "three"),
            (b"\0\0hunter2".to_vec(), "user name is empty"),
            (b"\0tim\0".to_vec(), "password is empty"),
            (b"\0tim\0hunter2\xff".to_vec(), "password is not UTF-8"),
            (
                format!("\0tim\0hunter2{long}").into_bytes(),
                "password is longer",
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
