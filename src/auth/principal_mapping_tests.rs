//! Cases ported from Kafka's `SslPrincipalMapperTest`, plus Java `replaceAll` behaviour checked
//! against OpenJDK 17.

use super::*;

fn rules(s: &str) -> String {
    parse(s).map(|m| m.to_string()).unwrap_or_else(|e| e)
}

#[test]
fn valid_rules_parse() {
    for r in [
        "DEFAULT",
        "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/",
        "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, DEFAULT",
        "RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/",
        "RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/L",
        "RULE:^cn=(.?),ou=(.?),dc=(.?),dc=(.?)$/$1@$2/U",
        "RULE:^CN=([^,ADEFLTU,]+)(,.*|$)/$1/",
        "RULE:^CN=([^,DEFAULT,]+)(,.*|$)/$1/",
    ] {
        assert!(parse(r).is_ok(), "{r}: {:?}", parse(r).err());
    }
}

#[test]
fn invalid_rules_are_errors_naming_the_rule() {
    for r in [
        "default",
        "DEFAUL",
        "DEFAULT/L",
        "DEFAULT/U",
        "RULE:CN=(.*?),OU=ServiceUsers.*/$1",
        "rule:^CN=(.*?),OU=ServiceUsers.*$/$1/",
        "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L/U",
        "RULE:^CN=(.*?),OU=ServiceUsers.*$/L",
        "RULE:^CN=(.*?),OU=ServiceUsers.*$/U",
        "RULE:^CN=(.*?),OU=ServiceUsers.*$/LU",
    ] {
        // Like Kafka, a rule with only one slash is split at its comma: the error names the piece.
        let err = parse(r).err().unwrap_or_default();
        let named = err
            .strip_prefix("Invalid rule: `")
            .and_then(|rest| rest.split('`').next())
            .unwrap_or_default();
        assert!(!named.is_empty() && r.starts_with(named), "{r}: {err}");
    }
    assert_eq!(
        parse("DEFAULT/L").err().as_deref(),
        Some("Invalid rule: `DEFAULT/L`, unmatched substring: `/L`")
    );
}

#[test]
fn first_matching_rule_names_the_principal() {
    let mapper = parse(
        &[
            "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L",
            "RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L",
            "RULE:^cn=(.*?),ou=(.*?),dc=(.*?),dc=(.*?)$/$1@$2/U",
            "RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U",
            "DEFAULT",
        ]
        .join(", "),
    )
    .unwrap();
    let cases = [
        ("CN=Duke,OU=ServiceUsers,O=Org,C=US", "duke"),
        ("CN=Duke,OU=SME,O=mycp,L=Fulton,ST=MD,C=US", "duke@sme"),
        ("cn=duke,ou=sme,dc=mycp,dc=com", "DUKE@SME"),
        ("cN=duke,OU=JavaSoft,O=Sun Microsystems", "DUKE"),
        (
            "OU=JavaSoft,O=Sun Microsystems,C=US",
            "OU=JavaSoft,O=Sun Microsystems,C=US",
        ),
    ];
    for (dn, expected) in cases {
        assert_eq!(mapper.map(dn).as_deref(), Ok(expected), "{dn}");
    }
}

#[test]
fn rules_split_as_kafka_splits_them() {
    let cases = [
        ("[]", ""),
        ("[DEFAULT]", "DEFAULT"),
        ("[RULE:/]", "RULE://"),
        ("[RULE:/.*]", "RULE:/.*/"),
        ("[RULE:/.*/L]", "RULE:/.*/L"),
        ("[RULE:/, DEFAULT]", "RULE://,DEFAULT"),
        ("[RULE:/, DEFAULT]", "  RULE:// ,  DEFAULT  "),
        (
            "[RULE:   /     , DEFAULT]",
            "  RULE:   /     / ,  DEFAULT  ",
        ),
        (
            "[RULE:  /     /U, DEFAULT]",
            "  RULE:  /     /U   ,DEFAULT  ",
        ),
        (
            "[RULE:([A-Z]*)/$1/U, RULE:([a-z]+)/$1, DEFAULT]",
            "  RULE:([A-Z]*)/$1/U   ,RULE:([a-z]+)/$1/,   DEFAULT  ",
        ),
        ("[]", ",   , , ,      , , ,   "),
        ("[RULE:/, DEFAULT]", ",,RULE://,,,DEFAULT,,"),
        (
            "[RULE: /   , DEFAULT]",
            ",  , RULE: /   /    ,,,   DEFAULT, ,   ",
        ),
        (
            "[RULE:   /  /U, DEFAULT]",
            "     ,  , RULE:   /  /U    ,,  ,DEFAULT, ,",
        ),
        (r"[RULE:\/\\\(\)\n\t/\/\/]", r"RULE:\/\\\(\)\n\t/\/\//"),
        (
            r"[RULE:\**\/+/*/L, RULE:\/*\**/**]",
            r"RULE:\**\/+/*/L,RULE:\/*\**/**/",
        ),
        (
            r"[RULE:,RULE:,/,RULE:,\//U, RULE:,/RULE:,, RULE:,RULE:,/L,RULE:,/L, RULE:, DEFAULT, /DEFAULT, DEFAULT]",
            r"RULE:,RULE:,/,RULE:,\//U,RULE:,/RULE:,/,RULE:,RULE:,/L,RULE:,/L,RULE:, DEFAULT, /DEFAULT/,DEFAULT",
        ),
    ];
    for (expected, input) in cases {
        assert_eq!(rules(input), expected, "{input}");
    }
}

#[test]
fn escaped_comma_in_a_dn_survives_a_rule_with_commas() {
    let mapper = parse(r"RULE:^CN=((\\, *|\w)+)(,.*|$)/$1/,DEFAULT").unwrap();
    assert_eq!(
        mapper
            .map(r"CN=Tkac\, Adam,OU=ITZ,DC=geodis,DC=cz")
            .as_deref(),
        Ok(r"Tkac\, Adam")
    );
}

#[test]
fn no_matching_rule_is_kafkas_error() {
    let mapper = parse("RULE:^CN=(.*),O=kgate$/$1/").unwrap();
    assert_eq!(mapper.map("CN=a,O=kgate").as_deref(), Ok("a"));
    assert_eq!(
        mapper.map("CN=a,O=other").err().as_deref(),
        Some("No rules apply to CN=a,O=other, rules [RULE:^CN=(.*),O=kgate$/$1]")
    );
    assert!(parse("").unwrap().map("CN=a").is_err());
}

#[test]
fn match_must_cover_the_whole_dn() {
    // Java matches(): `a|ab` matches "ab" by backtracking, then replaceAll finds "a" and keeps "b".
    let mapper = parse("RULE:a|ab/x/").unwrap();
    assert_eq!(mapper.map("ab").as_deref(), Ok("xb"));
    assert!(parse("RULE:CN=a/x/").unwrap().map("CN=ab").is_err());
}

#[test]
fn replace_all_semantics_follow_java() {
    // "abc".replaceAll(".*", "x") is "xx" in Java: the empty match at the end counts.
    let mapper = parse("RULE:.*/x/").unwrap();
    assert_eq!(mapper.map("abc").as_deref(), Ok("xx"));
    // Escapes and group references in Java's replacement syntax.
    let mapper = parse(r"RULE:^CN=(\w+)$/\$1=$1\\/").unwrap();
    assert_eq!(mapper.map("CN=bob").as_deref(), Ok(r"$1=bob\"));
    // $12 with one group is group 1 followed by "2"; $5 with one group is literal.
    let mapper = parse("RULE:^CN=(\\w+)$/$12-$5/").unwrap();
    assert_eq!(mapper.map("CN=bob").as_deref(), Ok("bob2-$5"));
    let mapper = parse("RULE:^CN=(?<user>\\w+)$/${user}@x/U").unwrap();
    assert_eq!(mapper.map("CN=bob").as_deref(), Ok("BOB@X"));
}

#[test]
fn kafkas_backreference_escaping_quirk_is_kept() {
    // Kafka inserts the second escape one place early: "$5$6" becomes "\$\5$6", and Java then
    // fails on "No group 6". Here that failure is reported when the rule is parsed.
    assert_eq!(
        escape_literal_back_references("$5$6", 1).as_deref(),
        Ok(r"\$\5$6")
    );
    let err = parse("RULE:^CN=(.*)$/$5$6/").err().unwrap_or_default();
    assert!(err.contains("no group 6"), "{err}");
}

#[test]
fn bad_patterns_and_replacements_are_errors() {
    for r in [
        "RULE:^CN=(.*$/$1/",
        "RULE:^CN=(?=x).*$/x/",
        r"RULE:^CN=.*$/a\/",
        "RULE:^CN=(.*)$/$x/",
        "RULE:^CN=(.*)$/$/",
        "RULE:^CN=(.*)$/${nope}/",
        "RULE:^CN=.*$/${}/",
    ] {
        let err = parse(r).err().unwrap_or_default();
        assert!(err.starts_with("Invalid rule: `"), "{r}: {err}");
    }
}

#[test]
fn default_mapper_returns_the_dn() {
    let dn = "CN=client\\, one,OU=eng+OU=ops";
    assert_eq!(PrincipalMapper::default().map(dn).as_deref(), Ok(dn));
    assert_eq!(parse("DEFAULT").unwrap().map(dn).as_deref(), Ok(dn));
}
