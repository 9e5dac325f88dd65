use super::*;

#[test]
fn plain_login_module() {
    let c = parse(r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="gw" password="s3cr3t";"#).unwrap();
    assert_eq!(
        c.login_module,
        "org.apache.kafka.common.security.plain.PlainLoginModule"
    );
    assert_eq!(c.control_flag, "required");
    assert_eq!(c.get("username"), Some("gw"));
    assert_eq!(c.get("password"), Some("s3cr3t"));
    assert_eq!(c.options.len(), 2);
    assert!(!format!("{c:?}").contains("s3cr3t"));
}

#[test]
fn scram_login_module_spread_over_lines() {
    let c = parse(
        "org.apache.kafka.common.security.scram.ScramLoginModule required\n  username=\"alice\"\n  password=\"a \\\"quoted\\\" \\\\ pass\";\n",
    )
    .unwrap();
    assert_eq!(
        c.login_module,
        "org.apache.kafka.common.security.scram.ScramLoginModule"
    );
    assert_eq!(c.get("username"), Some("alice"));
    assert_eq!(c.get("password"), Some(r#"a "quoted" \ pass"#));
}

#[test]
fn oauthbearer_login_module_with_typographic_quotes() {
    let c = parse("org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId=“my-app” clientSecret=“x=y;z” scope=“.default”;").unwrap();
    assert_eq!(c.get("clientId"), Some("my-app"));
    assert_eq!(c.get("clientSecret"), Some("x=y;z"));
    assert_eq!(c.get("scope"), Some(".default"));
}

#[test]
fn bare_values_and_flags_in_any_case() {
    let c = parse("com.sun.security.auth.module.Krb5LoginModule REQUIRED useKeyTab=true storeKey = true keyTab=\"/k.tab\";").unwrap();
    assert_eq!(c.control_flag, "required");
    assert_eq!(c.get("useKeyTab"), Some("true"));
    assert_eq!(c.get("storeKey"), Some("true"));
    let c = parse("software.amazon.msk.auth.iam.IAMLoginModule required;").unwrap();
    assert!(c.options.is_empty());
    assert_eq!(
        c.require("KAFKA_SASL_JAAS_CONFIG", "username"),
        Err("KAFKA_SASL_JAAS_CONFIG: the login module has no \"username\" option".into())
    );
}

#[test]
fn empty_quoted_values_are_kept() {
    let c = parse(r#"M required username="" password=x;"#).unwrap();
    assert_eq!(c.get("username"), Some(""));
}

#[test]
fn errors_are_clear_and_never_echo_values() {
    let pw = "hunter2";
    let cases = [
        (String::new(), "login module class"),
        ("M".to_string(), "expected one of"),
        (format!("M mandatory password=\"{pw}\";"), "expected one of"),
        (
            format!("M required password=\"{pw}\""),
            "missing the final ';'",
        ),
        (format!("M required password=\"{pw}"), "no closing quote"),
        (format!("M required password=“{pw}\";"), "no closing quote"),
        (format!("M required password=\"{pw}\\"), "ends in '\\'"),
        (format!("M required password {pw};"), "no '='"),
        ("M required password=;".to_string(), "has no value"),
        (
            format!("M required password={pw} password={pw};"),
            "set twice",
        ),
        (format!("M required =\"{pw}\";"), "option name"),
        (
            format!("M required password={pw}; N required password={pw};"),
            "exactly one",
        ),
    ];
    for (text, expected) in cases {
        let err = parse(&text).unwrap_err();
        assert!(err.contains(expected), "{text}: {err}");
        assert!(!err.contains(pw), "{err}");
    }
}
