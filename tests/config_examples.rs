//! Every example in `config/` must be a configuration kgate accepts, without warnings.

use std::path::Path;

fn parse_env_file(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
        .collect()
}

#[test]
fn every_example_env_file_is_a_valid_configuration() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("config/ exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("env") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable example");
        let vars = parse_env_file(&text)
            .into_iter()
            .filter(|(k, _)| k != "RUST_LOG");
        let config = kgate::config::Config::from_vars(vars)
            .unwrap_or_else(|e| panic!("{} is rejected: {e}", path.display()));
        assert!(
            config.warnings.is_empty(),
            "{}: {:?}",
            path.display(),
            config.warnings
        );
        checked += 1;
    }
    assert!(checked >= 2, "expected the example files, found {checked}");
}

#[test]
fn every_example_interceptor_is_accepted_by_its_plugin() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/interceptors");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("config/interceptors exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable example");
        let doc: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
        assert_eq!(doc["kind"], "Interceptor", "{}", path.display());
        let spec = &doc["spec"];
        let class = spec["pluginClass"].as_str().expect("pluginClass");
        kgate::interceptors::registry::check(class, &spec["config"])
            .unwrap_or_else(|e| panic!("{} is rejected: {e}", path.display()));
        checked += 1;
    }
    assert!(
        checked >= 2,
        "expected the example interceptors, found {checked}"
    );
}
