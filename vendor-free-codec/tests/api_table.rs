//! The API table (`codec::api::APIS`) and the header-version rules checked against Kafka's own
//! JSON schemas in `shared/kafka-protocol/`: `newest/` first, `older/` for the keys it lacks.
//!
//! The schema directory is `$KGATE_PROTOCOL_DIR` when set, else `shared/kafka-protocol` beside
//! the checkout. A missing directory fails the test: a check that silently skips proves nothing.

use codec::api::{api_info, APIS};
use codec::header::{request_header_version, response_header_version};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What one `*Request.json` says about its API.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Schema {
    name: String,
    min: i16,
    max: i16,
    flexible_from: Option<i16>,
    file: PathBuf,
    text: String,
}

fn protocol_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KGATE_PROTOCOL_DIR") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/kafka-protocol")
}

/// Remove `//` comments, leaving `//` inside JSON strings (URLs in `about` texts) alone.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let (mut in_string, mut escaped) = (false, false);
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '/' && chars.peek() == Some(&'/') {
            for rest in chars.by_ref() {
                if rest == '\n' {
                    out.push('\n');
                    break;
                }
            }
        } else {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

/// "3-13" -> (3, 13); "0" -> (0, 0).
fn parse_range(s: &str) -> (i16, i16) {
    let parse = |v: &str| {
        v.trim()
            .parse::<i16>()
            .unwrap_or_else(|e| panic!("version {v:?}: {e}"))
    };
    match s.split_once('-') {
        Some((lo, hi)) => (parse(lo), parse(hi)),
        None => (parse(s), parse(s)),
    }
}

/// "9+" -> Some(9); "none" -> None.
fn parse_flexible(s: &str) -> Option<i16> {
    if s == "none" {
        return None;
    }
    let from = s
        .strip_suffix('+')
        .unwrap_or_else(|| panic!("flexibleVersions {s:?} is neither none nor N+"));
    Some(
        from.parse()
            .unwrap_or_else(|e| panic!("flexibleVersions {s:?}: {e}")),
    )
}

fn read_requests(dir: &Path) -> BTreeMap<i16, Schema> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| {
        panic!(
            "cannot read {} (set KGATE_PROTOCOL_DIR): {e}",
            dir.display()
        )
    });
    let mut out = BTreeMap::new();
    for entry in entries {
        let path = entry.expect("directory entry").path();
        let is_request = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with("Request.json"));
        if !is_request {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read schema");
        let json: serde_json::Value = serde_json::from_str(&strip_comments(&text))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(json["type"], "request", "{}", path.display());
        let key = json["apiKey"].as_i64().expect("apiKey") as i16;
        let full_name = json["name"].as_str().expect("name");
        let name = full_name
            .strip_suffix("Request")
            .unwrap_or_else(|| panic!("{full_name} does not end in Request"));
        let (min, max) = parse_range(json["validVersions"].as_str().expect("validVersions"));
        let flexible_from = parse_flexible(json["flexibleVersions"].as_str().expect("flexible"));
        let schema = Schema {
            name: name.to_owned(),
            min,
            max,
            flexible_from,
            file: path.clone(),
            text,
        };
        if let Some(other) = out.insert(key, schema) {
            panic!(
                "key {key} in both {} and {}",
                other.file.display(),
                path.display()
            );
        }
    }
    out
}

/// Every schema, newest/ winning over older/ for a key in both.
fn schemas() -> BTreeMap<i16, Schema> {
    let dir = protocol_dir();
    let newest = read_requests(&dir.join("newest"));
    let mut all = read_requests(&dir.join("older"));
    assert!(
        !newest.is_empty() && !all.is_empty(),
        "no schemas in {}",
        dir.display()
    );
    all.extend(newest);
    all
}

#[test]
fn comments_are_stripped_outside_strings_only() {
    let text =
        "{ // a comment \"with a quote\n \"about\": \"see http://x/y \\\" // still\" // gone\n}";
    let json: serde_json::Value = serde_json::from_str(&strip_comments(text)).expect("parse");
    assert_eq!(json["about"], "see http://x/y \" // still");
}

#[test]
fn api_table_matches_the_schemas() {
    let schemas = schemas();
    let table: BTreeMap<i16, _> = APIS.iter().map(|a| (a.key, a)).collect();
    assert_eq!(table.len(), APIS.len(), "duplicate keys in APIS");
    let missing: Vec<_> = schemas.keys().filter(|k| !table.contains_key(k)).collect();
    let extra: Vec<_> = table.keys().filter(|k| !schemas.contains_key(k)).collect();
    assert!(
        missing.is_empty(),
        "keys in the schemas but not in APIS: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "keys in APIS but not in the schemas: {extra:?}"
    );
    let mut wrong = Vec::new();
    for (key, schema) in &schemas {
        let info = table[key];
        let ours = (
            info.name,
            info.min_version,
            info.max_version,
            info.flexible_from,
        );
        let theirs = (
            schema.name.as_str(),
            schema.min,
            schema.max,
            schema.flexible_from,
        );
        if ours != theirs {
            wrong.push(format!(
                "key {key}: APIS has {ours:?}, {} has {theirs:?}",
                schema.file.display()
            ));
        }
        assert_eq!(api_info(*key).map(|i| i.key), Some(*key), "api_info({key})");
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn header_versions_follow_the_flexible_versions() {
    for (key, schema) in schemas() {
        for version in schema.min..=schema.max {
            let flexible = schema.flexible_from.is_some_and(|f| version >= f);
            // ControlledShutdown v0's header has no client id; its schema says so in a comment.
            let expected_request = if key == 7 && version == 0 {
                assert!(
                    schema.text.contains("non-standard request header"),
                    "{} no longer documents its v0 header",
                    schema.file.display()
                );
                0
            } else if flexible {
                2
            } else {
                1
            };
            assert_eq!(
                request_header_version(key, version),
                expected_request,
                "request header of {} v{version}",
                schema.name
            );
            // ApiVersions answers with header v0 at every version, so any client can read the
            // error code of a version it does not speak.
            let expected_response = if key == 18 { 0 } else { i16::from(flexible) };
            assert_eq!(
                response_header_version(key, version),
                expected_response,
                "response header of {} v{version}",
                schema.name
            );
        }
    }
}
