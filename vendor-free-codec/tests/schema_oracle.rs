//! The schema interpreter (`codec::schema`) against an independent oracle, the `kafka-protocol`
//! crate, for every (api, version, direction) both know.
//!
//! For each one, random valid bodies are written from our schema tables (entities carry
//! markers, see `schema_support`), decoded and re-encoded by the oracle to get its bytes B, then:
//! (a) an identity walk of B replaces nothing and borrows (B byte for byte); (b) a renaming walk
//! (`E~x` -> `RR~x`, one byte longer on purpose; topic ids 7e7e7e7e.. -> 5a5a5a5a..) gives bytes
//! the oracle decodes to exactly the value of B with every marker substituted, so every entity was
//! renamed, with the right kind, and nothing else changed; (c) renaming back gives B again;
//! (d) a scan sees the same entities. Where the oracle cannot be used, the (api, version) is
//! listed with the reason, and the list is pinned so that it cannot grow unnoticed.

mod schema_support;

use bytes::{Buf, Bytes, BytesMut};
use codec::schema::{self, Direction, Entity, EntityKind, EntityValue, MessageRef, Replacement};
use kafka_protocol::messages::{
    ApiKey, ConsumerProtocolAssignment, ConsumerProtocolSubscription, RequestKind, ResponseKind,
};
use kafka_protocol::protocol::Decodable;
use schema_support::{generate, schema_of, Rng, RENAMED_ID_MARK, TOPIC_ID_MARK};
use std::collections::BTreeSet;

const SEEDS: u64 = 12;

/// Decode with the oracle (it must consume every byte) and re-encode: its bytes and its Debug.
fn oracle(m: MessageRef, body: &[u8]) -> Result<(Vec<u8>, String), String> {
    let key = ApiKey::try_from(m.api_key).map_err(|()| "unknown api key".to_owned())?;
    let mut buf = Bytes::copy_from_slice(body);
    let mut out = BytesMut::new();
    let debug = match m.direction {
        Direction::Request => {
            let value = RequestKind::decode(key, &mut buf, m.version)
                .map_err(|e| format!("decode: {e}"))?;
            value
                .encode(&mut out, m.version)
                .map_err(|e| format!("encode: {e}"))?;
            format!("{value:?}")
        }
        Direction::Response => {
            let value = ResponseKind::decode(key, &mut buf, m.version)
                .map_err(|e| format!("decode: {e}"))?;
            value
                .encode(&mut out, m.version)
                .map_err(|e| format!("encode: {e}"))?;
            format!("{value:?}")
        }
    };
    if buf.has_remaining() {
        return Err(format!(
            "decode left {} of {} bytes",
            buf.remaining(),
            body.len()
        ));
    }
    Ok((out.to_vec(), debug))
}

/// Undo `bytes::Bytes`'s Debug escapes.
fn unescape(literal: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chars = literal.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c as u8);
            continue;
        }
        match chars.next() {
            Some('n') => out.push(b'\n'),
            Some('r') => out.push(b'\r'),
            Some('t') => out.push(b'\t'),
            Some('0') => out.push(0),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(u8::from_str_radix(&hex, 16).expect("hex escape"));
            }
            Some(other) => out.push(other as u8),
            None => {}
        }
    }
    out
}

/// The oracle's view of consumer-protocol bytes, if `bytes` are that.
fn consumer_debug(api_key: i16, bytes: &[u8]) -> Option<String> {
    if bytes.len() < 2 {
        return None;
    }
    let version = i16::from_be_bytes([bytes[0], bytes[1]]);
    let mut buf = Bytes::copy_from_slice(&bytes[2..]);
    let text = match api_key {
        11 => format!(
            "{:?}",
            ConsumerProtocolSubscription::decode(&mut buf, version).ok()?
        ),
        14 => format!(
            "{:?}",
            ConsumerProtocolAssignment::decode(&mut buf, version).ok()?
        ),
        _ => return None,
    };
    (!buf.has_remaining()).then(|| format!("ConsumerProtocol(v{version} {text})"))
}

/// Replace every consumer-protocol byte literal in a Debug text by the oracle's decoding of
/// it, so that renamed topics inside (whose length prefixes change) compare as values.
fn normalize(api_key: i16, debug: &str) -> String {
    let mut out = String::new();
    let mut rest = debug;
    while let Some(at) = rest.find("b\"") {
        // A string ending in b ("9b") is not a byte literal: those follow ' ', '(' or '['.
        let starts_literal = at == 0 || matches!(rest.as_bytes()[at - 1], b' ' | b'(' | b'[');
        if !starts_literal {
            out.push_str(&rest[..at + 2]);
            rest = &rest[at + 2..];
            continue;
        }
        out.push_str(&rest[..at]);
        let body = &rest[at + 2..];
        let mut end = 0;
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                end = i;
                break;
            }
        }
        let literal = &body[..end];
        match consumer_debug(api_key, &unescape(literal)) {
            Some(text) => out.push_str(&text),
            None => {
                out.push_str("b\"");
                out.push_str(literal);
                out.push('"');
            }
        }
        rest = &body[end + 1..];
    }
    out.push_str(rest);
    out
}

fn uuid_debug_prefix(mark: [u8; 4]) -> String {
    mark.iter().map(|b| format!("{b:02x}")).collect::<String>() + "-"
}

/// What a correct renaming walk turns the oracle's Debug text into.
fn expected_after_rename(api_key: i16, debug: &str) -> String {
    normalize(api_key, debug).replace("E~", "RR~").replace(
        &uuid_debug_prefix(TOPIC_ID_MARK),
        &uuid_debug_prefix(RENAMED_ID_MARK),
    )
}

fn letter(kind: EntityKind) -> char {
    match kind {
        EntityKind::TopicName => 't',
        EntityKind::GroupId => 'g',
        EntityKind::TransactionalId => 'x',
        EntityKind::TopicId => 'i',
    }
}

/// Renames `from<letter>...` to `to<letter>...` and ids by their mark; records every entity
/// that does not carry the marker of its kind (a false positive or a wrong kind).
struct Renamer<'a> {
    from: &'a str,
    to: &'a str,
    ids: ([u8; 4], [u8; 4]),
    seen: usize,
    wrong: Vec<String>,
}

impl schema::Visitor for Renamer<'_> {
    fn visit(&mut self, e: &Entity<'_>) -> Option<Replacement> {
        self.seen += 1;
        match (e.kind, e.value) {
            (_, EntityValue::Null) => None,
            (EntityKind::TopicId, EntityValue::Id(id)) => {
                if id[..4] != self.ids.0 {
                    self.wrong.push(format!("{}: id {id:02x?}", e.field));
                    return None;
                }
                let mut new = id;
                new[..4].copy_from_slice(&self.ids.1);
                Some(Replacement::Id(new))
            }
            (kind, EntityValue::Name(name)) => {
                let Some(rest) = name.strip_prefix(self.from) else {
                    self.wrong
                        .push(format!("{}: {kind:?} {name:?} is not a marker", e.field));
                    return None;
                };
                if !rest.starts_with(letter(kind)) {
                    self.wrong
                        .push(format!("{}: {name:?} seen as {kind:?}", e.field));
                }
                Some(Replacement::Name(format!("{}{rest}", self.to)))
            }
            (kind, value) => {
                self.wrong
                    .push(format!("{}: {kind:?} with {value:?}", e.field));
                None
            }
        }
    }
}

fn renamer<'a>(from: &'a str, to: &'a str, ids: ([u8; 4], [u8; 4])) -> Renamer<'a> {
    Renamer {
        from,
        to,
        ids,
        seen: 0,
        wrong: Vec::new(),
    }
}

/// One oracle body B through checks (a)-(d); an error names what failed.
fn check(
    m: MessageRef,
    b: &[u8],
    debug_b: &str,
    options: &schema::WalkOptions,
) -> Result<(), String> {
    let mut identity = |_: &Entity<'_>| None;
    match schema::walk(b, m, options, &mut identity) {
        Ok(None) => {}
        other => return Err(format!("identity walk: {other:?}")),
    }
    let mut same = |e: &Entity<'_>| match e.value {
        EntityValue::Name(n) => Some(Replacement::Name(n.to_owned())),
        EntityValue::Null => None,
        EntityValue::Id(id) => Some(Replacement::Id(id)),
    };
    match schema::walk(b, m, options, &mut same) {
        Ok(None) => {}
        other => return Err(format!("same-value walk: {other:?}")),
    }
    let mut forward = renamer("E~", "RR~", (TOPIC_ID_MARK, RENAMED_ID_MARK));
    let renamed =
        schema::walk(b, m, options, &mut forward).map_err(|e| format!("rename walk: {e}"))?;
    if !forward.wrong.is_empty() {
        return Err(format!("wrong entities: {:?}", forward.wrong));
    }
    let renamed = renamed.unwrap_or_else(|| b.to_vec());
    let (_, debug_renamed) =
        oracle(m, &renamed).map_err(|e| format!("oracle on renamed bytes: {e}"))?;
    let expected = expected_after_rename(m.api_key, debug_b);
    let actual = normalize(m.api_key, &debug_renamed);
    if expected != actual {
        return Err(format!(
            "renamed value differs:\nexpected {expected}\nactual   {actual}"
        ));
    }
    let mut back = renamer("RR~", "E~", (RENAMED_ID_MARK, TOPIC_ID_MARK));
    let restored =
        schema::walk(&renamed, m, options, &mut back).map_err(|e| format!("rename back: {e}"))?;
    if restored.as_deref().unwrap_or(&renamed) != b {
        return Err("renaming back does not give B".to_owned());
    }
    let mut scanned = 0;
    schema::scan(b, m, options, |_| scanned += 1).map_err(|e| format!("scan: {e}"))?;
    if scanned != forward.seen {
        return Err(format!(
            "scan saw {scanned} entities, walk {}",
            forward.seen
        ));
    }
    Ok(())
}

/// "FooRequest v0", "FooRequest v1", ... -> "FooRequest v0-1".
fn ranges(names: &[String]) -> Vec<String> {
    let mut out: Vec<(String, i16, i16)> = Vec::new();
    for name in names {
        let (message, version) = name.rsplit_once(" v").expect("name v");
        let version: i16 = version.parse().expect("version");
        match out.last_mut() {
            Some((m, _, hi)) if m == message && *hi + 1 == version => *hi = version,
            _ => out.push((message.to_owned(), version, version)),
        }
    }
    out.into_iter()
        .map(|(m, lo, hi)| {
            if lo == hi {
                format!("{m} v{lo}")
            } else {
                format!("{m} v{lo}-{hi}")
            }
        })
        .collect()
}

/// (api, version, direction) where the oracle's schema differs from ours, with the reason.
/// Pinned: a change here must be looked at.
const ORACLE_DIFFERS: &[(&str, &str)] = &[
    (
        "OffsetCommitRequest v10",
        "kafka-protocol 0.18 lists v10 but was generated while v10 was Kafka's unstable draft: \
         its fields stop at v9 (Topics[].TopicId is 'none'), so it cannot read a 4.1 v10 body",
    ),
    (
        "OffsetFetchRequest v10",
        "the same: the oracle's fields stop at v9 (Groups[].Topics[].TopicId is 'none')",
    ),
    (
        "InitProducerIdRequest v6",
        "the same: the oracle's fields stop at v5 (Enable2Pc and KeepPreparedTxn are 'none')",
    ),
    (
        "ReadShareGroupStateSummaryResponse v0",
        "our schema is Kafka 3.9's (older/), without Partitions[].LeaderEpoch, which the \
         oracle's 4.x schema has at v0",
    ),
];

#[test]
fn every_api_and_version_against_the_oracle() {
    let mut covered = 0;
    let mut entities = 0;
    let mut oracle_lacks: Vec<String> = Vec::new();
    let mut oracle_differs: Vec<String> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    for api in schema::APIS.iter() {
        for direction in [Direction::Request, Direction::Response] {
            let ours = schema_of(api.api_key, direction);
            let theirs = ApiKey::try_from(api.api_key)
                .ok()
                .map(|k| k.valid_versions());
            for version in ours.versions.min..=ours.versions.max {
                let m = MessageRef {
                    api_key: api.api_key,
                    version,
                    direction,
                };
                let name = format!("{}{direction:?} v{version}", api.name);
                if !theirs.is_some_and(|r| r.min <= version && version <= r.max) {
                    oracle_lacks.push(name);
                    continue;
                }
                let mut problem = None;
                for seed in 0..SEEDS {
                    let mut rng = Rng(seed * 7919 + (api.api_key as u64) * 131 + version as u64);
                    let g = generate(ours, version, &mut rng);
                    let (b, debug_b) = match oracle(m, &g.body) {
                        Ok(x) => x,
                        Err(e) => {
                            problem = Some(format!("{name}: {e}"));
                            break;
                        }
                    };
                    entities += g.entities;
                    if let Err(e) = check(m, &b, &debug_b, &g.options) {
                        failures.push(format!("{name} seed {seed}: {e}"));
                        break;
                    }
                }
                match problem {
                    Some(p) => oracle_differs.push(p),
                    None => covered += 1,
                }
            }
        }
    }
    println!(
        "covered {covered} (api, version, direction) against the oracle, {entities} entity markers"
    );
    println!(
        "the oracle lacks {}: {}",
        oracle_lacks.len(),
        ranges(&oracle_lacks).join(", ")
    );
    println!(
        "the oracle cannot check {} (pinned, with the reason):",
        oracle_differs.len()
    );
    for d in &oracle_differs {
        let name = d.split(':').next().unwrap_or_default();
        let why = ORACLE_DIFFERS
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("NOT PINNED", |(_, w)| w);
        println!("  {d}\n    why: {why}");
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let differs: BTreeSet<&str> = oracle_differs
        .iter()
        .map(|d| d.split(':').next().unwrap_or_default())
        .collect();
    let pinned: BTreeSet<&str> = ORACLE_DIFFERS.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        differs, pinned,
        "the list of (api, version) the oracle cannot check changed"
    );
}
