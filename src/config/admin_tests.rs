use super::*;

fn users(raw: &str) -> Result<Vec<AdminUser>, ConfigError> {
    parse_users("GATEWAY_ADMIN_API_USERS", raw)
}

fn user(username: &str, password: &str, admin: bool) -> AdminUser {
    AdminUser {
        username: username.into(),
        password: password.into(),
        admin,
    }
}

#[test]
fn reference_yaml_inline_list() {
    let got = users("[{username: admin, password: conduktor, admin: true}, {username: reader, password: r, admin: false}]")
        .expect("parses");
    assert_eq!(
        got,
        vec![user("admin", "conduktor", true), user("reader", "r", false)]
    );
}

#[test]
fn json_and_quoted_values() {
    let got = users(r#"[{"username":"a","password":"p,w}\"x","admin":true}, {username: 'b', password: 'it''s: ok'}]"#)
        .expect("parses");
    assert_eq!(
        got,
        vec![user("a", "p,w}\"x", true), user("b", "it's: ok", false)]
    );
    // Plain values may contain ':' (passwords often do).
    assert_eq!(
        users("[{username: c, password: a:b}]").expect("parses")[0].password,
        "a:b"
    );
    assert_eq!(users(" [ ] ").expect("empty"), vec![]);
}

#[test]
fn errors_name_the_variable_and_never_show_passwords() {
    for (raw, why) in [
        ("{username: a, password: hunter2}", "expected '['"),
        ("[{username: a, password: hunter2", "expected ','"),
        ("[{username: a}]", "password is missing"),
        ("[{password: hunter2}]", "username is missing"),
        (
            "[{username: a, password: hunter2, admin: yes}]",
            "admin must be true or false",
        ),
        (
            "[{username: a, password: hunter2, role: x}]",
            "unknown key \"role\"",
        ),
        (
            "[{username: a, password: hunter2}, {username: a, password: hunter2}]",
            "listed twice",
        ),
        ("[{username: 'a, password: hunter2}]", "unterminated"),
        (
            "[{username: a, password: hunter2}] trailing",
            "after the list",
        ),
    ] {
        let err = users(raw).unwrap_err();
        let text = err.to_string();
        assert_eq!(err.var(), "GATEWAY_ADMIN_API_USERS");
        assert!(text.contains(why), "{raw}: {text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}

#[test]
fn debug_redacts_passwords() {
    let shown = format!(
        "{:?} {:?}",
        user("a", "hunter2", true),
        MasterCredentials {
            username: "m".into(),
            password: "hunter2".into()
        }
    );
    assert!(!shown.contains("hunter2"), "{shown}");
}

fn load(vars: &[(&str, &str)]) -> Result<AdminConfig, ConfigError> {
    let env = Env::new(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    AdminConfig::from_env(&env)
}

#[test]
fn defaults_generate_users_and_key_in_the_data_dir() {
    let cfg = load(&[]).expect("defaults");
    assert_eq!(cfg.users, None);
    assert_eq!(cfg.data_dir, PathBuf::from("kgate-data"));
    assert_eq!(cfg.user_pool_key, None);
    assert_eq!(cfg.master, None);
}

#[test]
fn values_are_read() {
    let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let cfg = load(&[
        (
            "GATEWAY_ADMIN_API_USERS",
            "[{username: a, password: b, admin: true}]",
        ),
        ("GATEWAY_DATA_DIR", "/var/lib/kgate"),
        ("GATEWAY_USER_POOL_SECRET_KEY", key),
        ("JWT_AUTH_MASTER_USERNAME", "superUser"),
        ("JWT_AUTH_MASTER_PASSWORD", "pw"),
    ])
    .expect("loads");
    assert_eq!(cfg.users, Some(vec![user("a", "b", true)]));
    assert_eq!(cfg.data_dir, PathBuf::from("/var/lib/kgate"));
    let expected: Vec<u8> = (0..32).collect();
    assert_eq!(
        cfg.user_pool_key.as_ref().map(|k| k.bytes()),
        Some(&expected[..])
    );
    assert_eq!(
        cfg.master.as_ref().map(|m| m.username.as_str()),
        Some("superUser")
    );
    let summary = format!("{:?}", cfg.redacted_summary());
    assert!(
        !summary.contains(key) && !summary.contains("\"pw\""),
        "{summary}"
    );
}

#[test]
fn bad_key_and_half_master_credentials_are_errors() {
    let err = load(&[("GATEWAY_USER_POOL_SECRET_KEY", "c2hvcnQ=")]).unwrap_err();
    assert_eq!(err.var(), "GATEWAY_USER_POOL_SECRET_KEY");
    assert!(!err.to_string().contains("c2hvcnQ"), "{err}");
    let err = load(&[("JWT_AUTH_MASTER_USERNAME", "u")]).unwrap_err();
    assert_eq!(err.var(), "JWT_AUTH_MASTER_PASSWORD");
    let err = load(&[("JWT_AUTH_MASTER_PASSWORD", "p")]).unwrap_err();
    assert_eq!(err.var(), "JWT_AUTH_MASTER_USERNAME");
}
