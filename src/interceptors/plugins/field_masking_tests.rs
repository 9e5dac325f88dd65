use serde_json::json;

use super::*;
use crate::interceptors::plugins::test_support::config_error;

/// The masking part of a config (which must compile as a whole).
fn masking(config: Json) -> Arc<Masking> {
    compile(&config).unwrap();
    Arc::new(Masking {
        topic: Pattern::any(),
        policies: config["policies"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, p)| policy(p, &format!("p[{i}]")).unwrap())
            .collect(),
        fail_fetch: true,
    })
}

#[test]
fn rules_mask_the_named_fields_only() {
    let m = masking(json!({"policies": [
        {"name": "all", "rule": {"type": "MASK_ALL"}, "fields": ["password", "customer.pin"]},
        {"name": "card", "rule": {"type": "MASK_LAST_N", "maskingChar": "X", "numberOfChars": 4},
         "fields": ["cards[*].number"]},
        {"name": "first", "rule": {"type": "MASK_FIRST_N", "numberOfChars": 2}, "fields": ["code"]}
    ]}));
    let record = json!({"password": "hunter2", "customer": {"pin": 1234, "name": "Ann"},
                        "cards": [{"number": "4111222233334444"}, {"number": "5500"}],
                        "code": "ABCDE", "other": "kept"});
    let masked: Json =
        serde_json::from_slice(&m.mask(record.to_string().as_bytes()).unwrap().unwrap()).unwrap();
    assert_eq!(
        masked,
        json!({"password": "*******", "customer": {"pin": "****", "name": "Ann"},
               "cards": [{"number": "411122223333XXXX"}, {"number": "XXXX"}],
               "code": "**CDE", "other": "kept"})
    );
    assert_eq!(m.mask(br#"{"other": 1}"#).unwrap(), None);
    assert!(m.mask(b"not json").is_err());
}

#[test]
fn configs_are_checked_naming_the_field() {
    let e = config_error(&INFO, json!({"policies": []}));
    assert!(
        e.starts_with("spec.config.policies: at least one policy"),
        "{e}"
    );
    let e = config_error(
        &INFO,
        json!({"policies": [{"rule": {"type": "MASK_SOME"}, "fields": ["a"]}]}),
    );
    assert!(e.starts_with("spec.config.policies[0].rule.type"), "{e}");
    let e = config_error(
        &INFO,
        json!({"policies": [{"rule": {"type": "MASK_LAST_N"}, "fields": ["a"]}]}),
    );
    assert!(
        e.starts_with("spec.config.policies[0].rule.numberOfChars"),
        "{e}"
    );
    let e = config_error(
        &INFO,
        json!({"policies": [{"rule": {"type": "MASK_ALL"}, "fields": ["a[x]"]}]}),
    );
    assert!(e.starts_with("spec.config.policies[0].fields[0]"), "{e}");
    let e = config_error(
        &INFO,
        json!({"policies": [{"rule": {"type": "MASK_ALL"}, "fields": ["a"]}], "errorPolicy": "x"}),
    );
    assert!(e.starts_with("spec.config.errorPolicy"), "{e}");
}
