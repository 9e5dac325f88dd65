//! A tenant sees and changes the configuration of its own topics and groups only. Broker,
//! broker-logger and client-metrics resources describe the shared cluster (a broker's
//! `advertised.listeners` names the real brokers), so DescribeConfigs, AlterConfigs and
//! IncrementalAlterConfigs for them are answered CLUSTER_AUTHORIZATION_FAILED by kgate; the
//! topic and group resources of the same request go to the broker and the client gets one answer.

use codec::schema::{self, Decoded, Direction, MessageRef, Struct, Value, WalkError, WalkOptions};

/// Kafka's CLUSTER_AUTHORIZATION_FAILED.
pub const CLUSTER_AUTHORIZATION_FAILED: i16 = 31;

const DESCRIBE_CONFIGS: i16 = 32;
const ALTER_CONFIGS: i16 = 33;
const INCREMENTAL_ALTER_CONFIGS: i16 = 44;
/// Config resource types a tenant may name: topics and groups.
const TENANT_RESOURCE_TYPES: [i64; 2] = [2, 32];

const LENIENT: WalkOptions = WalkOptions {
    consumer_protocol: None,
    coordinator_key_type: None,
    allow_trailing_bytes: true,
};

/// The resources taken out of a request: (type, name).
#[derive(Debug, Default)]
pub struct Withheld(Vec<(i64, String)>);

impl Withheld {
    /// True when nothing was taken out.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// True for the APIs this guard watches.
pub fn applies(api_key: i16) -> bool {
    matches!(
        api_key,
        DESCRIBE_CONFIGS | ALTER_CONFIGS | INCREMENTAL_ALTER_CONFIGS
    )
}

fn answer_list(api_key: i16) -> &'static str {
    if api_key == DESCRIBE_CONFIGS {
        "Results"
    } else {
        "Responses"
    }
}

fn message(api_key: i16, version: i16, direction: Direction) -> MessageRef {
    MessageRef {
        api_key,
        version,
        direction,
    }
}

/// Take the resources a tenant may not touch out of a request. Returns the new body (`None`:
/// unchanged), what was taken, and whether nothing is left to forward.
pub fn withhold(
    api_key: i16,
    version: i16,
    body: &[u8],
) -> Result<(Option<Vec<u8>>, Withheld, bool), WalkError> {
    let m = message(api_key, version, Direction::Request);
    let mut decoded = schema::decode(body, m, &LENIENT)?;
    let mut withheld = Withheld::default();
    let Some(resources) = decoded.root.array_mut("Resources") else {
        return Ok((None, withheld, false));
    };
    resources.retain(|r| {
        let Some(r) = r.as_struct() else { return true };
        let kind = r.int("ResourceType").unwrap_or(0);
        if TENANT_RESOURCE_TYPES.contains(&kind) {
            return true;
        }
        withheld
            .0
            .push((kind, r.str("ResourceName").unwrap_or_default().to_owned()));
        false
    });
    let empty = resources.is_empty();
    if withheld.is_empty() {
        return Ok((None, withheld, false));
    }
    Ok((Some(decoded.encode(m)?), withheld, empty))
}

/// Add the withheld resources to an answer (`None`: an answer built from nothing).
pub fn add_refusals(
    api_key: i16,
    version: i16,
    answer: Option<&[u8]>,
    withheld: &Withheld,
) -> Result<Vec<u8>, WalkError> {
    let m = message(api_key, version, Direction::Response);
    let mut decoded = match answer {
        Some(body) => schema::decode(body, m, &LENIENT)?,
        None => Decoded::default(),
    };
    let list = answer_list(api_key);
    let mut entries = Vec::new();
    for (kind, name) in &withheld.0 {
        let mut entry: Struct = schema::new_element(m, &[list])?;
        entry.set_int("ErrorCode", i64::from(CLUSTER_AUTHORIZATION_FAILED));
        entry.set(
            "ErrorMessage",
            Value::String(
                "only the virtual cluster's topics and groups have configurations here".into(),
            ),
        );
        entry.set_int("ResourceType", *kind);
        entry.set("ResourceName", Value::String(name.clone()));
        entries.push(Value::Struct(entry));
    }
    match decoded.root.array_mut(list) {
        Some(items) => items.extend(entries),
        None => decoded.root.set(list, Value::Array(entries)),
    }
    decoded.encode(m)
}
