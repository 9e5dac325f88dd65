//! `safeguard.ProducePolicyPlugin`: how producers must write to the matching topics: allowed
//! `acks`, allowed compressions, idempotence, transactions, record headers and request
//! versions. A breaking Produce is refused whole with POLICY_VIOLATION (BLOCK) or logged
//! (INFO); a refused Produce with acks=0, which gets no answer, closes the connection (what
//! Kafka does with errors on acks=0).
//!
//! Compressions and producer ids are read from each batch header, never decompressing; only
//! `recordHeaderRequired` opens the batches (decompressing them) to see each record.

use std::sync::Arc;

use codec::records::{BatchRecords, Batches, Entry};
use codec::schema::Value;
use serde_json::Value as Json;

use super::common::{applies_to_unnamed, block, decode_request, element_topic, Findings};
use super::request_policy::{RequestPolicy, RequestPolicyFilter};
use crate::interceptors::plugin::{policy_message, Action, Decisions, Env, Plugin};
use crate::interceptors::registry::PluginInfo;
use crate::interceptors::rules::{BoolRule, Range, ValuesRule};
use crate::interceptors::settings::{Pattern, Settings};
use crate::pipeline::filter::{Filter, RequestCtx, Verdict};
use crate::records::open::{open, Opened};
use crate::records::MAX_BATCH_RECORDS_BYTES;

/// The registry entry.
pub const INFO: PluginInfo = PluginInfo {
    class: "safeguard.ProducePolicyPlugin",
    title: "Produce policy",
    description: "Checks acks, compression, idempotence, transactions, record headers and the \
                  request version of produce requests; blocks or logs.",
    parent: "safeguard",
    fields: FIELDS,
    compile,
};

const PRODUCE: i16 = 0;

const FIELDS: &[&str] = &[
    "topic",
    "acks",
    "compressions",
    "idempotenceRequired",
    "transactionRequired",
    "recordHeaderRequired",
    "version",
];

const ACTIONS: &[Action] = &[Action::Block, Action::Info];

/// Codec names by the attributes' compression bits.
const CODECS: [&str; 5] = ["NONE", "GZIP", "SNAPPY", "LZ4", "ZSTD"];

#[derive(Debug, Clone)]
struct Acks {
    values: Vec<i64>,
    action: Action,
}

#[derive(Debug, Clone)]
struct Policy {
    topic: Pattern,
    acks: Option<Acks>,
    compressions: Option<ValuesRule>,
    idempotence: Option<BoolRule>,
    transaction: Option<BoolRule>,
    headers: Option<BoolRule>,
    version: Option<Range>,
}

fn compile(config: &Json) -> Result<Arc<dyn Plugin>, String> {
    let mut s = Settings::new(config, FIELDS)?;
    let acks = match s.nested("acks", &["value", "values", "action"])? {
        None => None,
        Some(mut a) => {
            let field = a.field("value");
            let values = match (a.ints("value")?, a.ints("values")?) {
                (Some(v), None) | (None, Some(v)) => v,
                _ => return Err(format!("{field}: give value (a list of acks)")),
            };
            if let Some(bad) = values.iter().find(|v| !(-1..=1).contains(*v)) {
                return Err(format!("{field}: {bad} is not -1, 0 or 1"));
            }
            Some(Acks {
                values,
                action: a.action(ACTIONS, Action::Block)?,
            })
        }
    };
    let codec = |v: &str| {
        let upper = v.to_ascii_uppercase();
        CODECS.contains(&upper.as_str()).then_some(upper)
    };
    let mut compressions = ValuesRule::read(&mut s, "compressions", ACTIONS, &codec)?;
    if let Some(c) = compressions.as_mut() {
        c.values.sort();
        c.values.dedup();
    }
    Ok(Arc::new(Policy {
        topic: s.pattern("topic")?.unwrap_or_else(Pattern::any),
        acks,
        compressions,
        idempotence: BoolRule::read(&mut s, "idempotenceRequired", ACTIONS)?,
        transaction: BoolRule::read(&mut s, "transactionRequired", ACTIONS)?,
        headers: BoolRule::read(&mut s, "recordHeaderRequired", ACTIONS)?,
        version: Range::read(&mut s, "version", ACTIONS)?,
    }))
}

impl Plugin for Policy {
    fn filter(&self, env: Env) -> Box<dyn Filter> {
        RequestPolicyFilter::boxed(self, env)
    }
}

/// What the batches of one topic hold.
#[derive(Debug, Default)]
struct Seen {
    codecs: Vec<&'static str>,
    not_idempotent: bool,
    without_headers: bool,
}

/// Reads the batch headers of a records field (and, when `headers`, the records, decompressed).
fn scan(records: &[u8], headers: bool, seen: &mut Seen) -> Result<(), String> {
    for entry in Batches::new(records) {
        let Entry::Complete(raw) = entry.map_err(|e| format!("records: {e}"))? else {
            break;
        };
        let b = raw.bytes;
        let byte = |at: usize| b.get(at).copied().unwrap_or(0);
        let bits = if raw.magic == 2 { byte(22) } else { byte(17) } & 7;
        let codec = CODECS.get(usize::from(bits)).copied().unwrap_or("UNKNOWN");
        if !seen.codecs.contains(&codec) {
            seen.codecs.push(codec);
        }
        let producer_id = b
            .get(43..51)
            .and_then(|p| p.try_into().ok())
            .map(i64::from_be_bytes)
            .filter(|_| raw.magic == 2)
            .unwrap_or(-1);
        seen.not_idempotent |= producer_id < 0;
        if !headers || seen.without_headers {
            continue;
        }
        if raw.magic != 2 {
            seen.without_headers = true;
        } else {
            for opened in open(raw.bytes, MAX_BATCH_RECORDS_BYTES)? {
                if let Opened::Batch { batch, .. } = opened {
                    if let BatchRecords::Records(list) = &batch.records {
                        seen.without_headers |= list.iter().any(|r| r.headers.is_empty());
                    }
                }
            }
        }
    }
    Ok(())
}

impl RequestPolicy for Policy {
    const NAME: &'static str = "ProducePolicyPlugin";
    const API_KEY: i16 = PRODUCE;

    fn judge(&self, ctx: &RequestCtx<'_>, found: &mut Findings) -> Result<(), String> {
        if let Some(why) = self
            .version
            .as_ref()
            .and_then(|r| r.violation(ctx.api_version.into()))
        {
            let action = self.version.as_ref().map_or(Action::Block, |r| r.action);
            found.add(
                action,
                format!("Produce version is '{}', {why}", ctx.api_version),
            );
        }
        let tree = decode_request(ctx)?;
        let root = &tree.root;
        if self.transaction.is_some_and(|r| r.value) && root.str("TransactionalId").is_none() {
            let action = self.transaction.map_or(Action::Block, |r| r.action);
            found.add(action, "Transactional id is required".into());
        }
        let acks = root.int("Acks").unwrap_or(-1);
        let needs_headers = self.headers.is_some_and(|r| r.value);
        let mut idempotent = true;
        let mut with_headers = true;
        for topic in root.array("TopicData").unwrap_or_default() {
            let Some(topic) = topic.as_struct() else {
                continue;
            };
            let name = match element_topic(topic, "Name", ctx.topic_names) {
                Some(name) if self.topic.matches(&name) => name,
                Some(_) => continue,
                None if applies_to_unnamed(&self.topic) => topic
                    .uuid("TopicId")
                    .unwrap_or_default()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
                None => continue,
            };
            if let Some(rule) = self.acks.as_ref().filter(|r| !r.values.contains(&acks)) {
                let allowed = match rule.values.as_slice() {
                    [one] => one.to_string(),
                    many => format!("{many:?}"),
                };
                found.add(
                    rule.action,
                    format!(
                        "Topic '{name}' with invalid value for 'acks': {acks}. Valid value is \
                         one of the values: {allowed}"
                    ),
                );
            }
            let mut seen = Seen::default();
            for partition in topic.array("PartitionData").unwrap_or_default() {
                if let Some(Value::Records(records)) =
                    partition.as_struct().and_then(|p| p.get("Records"))
                {
                    scan(records, needs_headers, &mut seen)?;
                }
            }
            idempotent &= !seen.not_idempotent;
            with_headers &= !seen.without_headers;
            if let Some(rule) = &self.compressions {
                for codec in seen.codecs.iter().filter(|c| !rule.allows(c)) {
                    found.add(
                        rule.action,
                        format!(
                            "Topic '{name}' with invalid value for 'compressions': {codec}. \
                             Valid value is one of the values: {}",
                            rule.describe()
                        ),
                    );
                }
            }
        }
        if let Some(rule) = self.idempotence.filter(|r| r.value && !idempotent) {
            found.add(rule.action, "Idempotence is required".into());
        }
        if let Some(rule) = self.headers.filter(|r| r.value && !with_headers) {
            found.add(rule.action, "Headers are required".into());
        }
        Ok(())
    }

    /// An acks=0 Produce gets no answer: Kafka closes the connection on its errors.
    fn refuse(&self, ctx: &RequestCtx<'_>, decisions: &Decisions, blocked: &[String]) -> Verdict {
        if codec_acks(ctx) == Some(0) {
            return Verdict::Close(policy_message(blocked));
        }
        block(ctx, decisions, blocked)
    }
}

/// The request's acks.
fn codec_acks(ctx: &RequestCtx<'_>) -> Option<i64> {
    decode_request(ctx).ok()?.root.int("Acks")
}

#[cfg(test)]
#[path = "produce_policy_tests.rs"]
mod tests;
