//! Alias topics are windows on someone else's topic: a tenant may read and write through one
//! but not create, delete, grow or truncate the physical topic behind it. CreateTopics,
//! DeleteTopics, CreatePartitions and DeleteRecords on an alias are answered
//! INVALID_TOPIC_EXCEPTION by kgate; the rest of such a request goes to the broker, and the
//! client gets one answer in the broker's shape.

use codec::schema::{self, Direction, MessageRef, Struct, Value, WalkOptions};

use super::tenant::Tenant;

/// Kafka's INVALID_TOPIC_EXCEPTION.
pub const INVALID_TOPIC_EXCEPTION: i16 = 17;

const CREATE_TOPICS: i16 = 19;
const DELETE_TOPICS: i16 = 20;
const DELETE_RECORDS: i16 = 21;
const CREATE_PARTITIONS: i16 = 37;

/// The aliases a request named, taken out of it.
#[derive(Debug, Default)]
pub struct Refused {
    /// The refused topics, with their partitions for DeleteRecords.
    topics: Vec<(String, Vec<i64>)>,
}

impl Refused {
    /// True when nothing was refused.
    pub fn is_empty(&self) -> bool {
        self.topics.is_empty()
    }
}

/// Where an API's topics are in its request and answer.
struct Shape {
    request_list: &'static str,
    answer_list: &'static str,
    /// DeleteTopics v0-5 lists bare names; later versions structs.
    bare_names_before: i16,
}

fn shape(api_key: i16) -> Option<Shape> {
    let (request_list, answer_list) = match api_key {
        CREATE_TOPICS => ("Topics", "Topics"),
        DELETE_TOPICS => ("Topics", "Responses"),
        CREATE_PARTITIONS => ("Topics", "Results"),
        DELETE_RECORDS => ("Topics", "Topics"),
        _ => return None,
    };
    Some(Shape {
        request_list,
        answer_list,
        bare_names_before: if api_key == DELETE_TOPICS { 6 } else { 0 },
    })
}

fn message(api_key: i16, version: i16, direction: Direction) -> MessageRef {
    MessageRef {
        api_key,
        version,
        direction,
    }
}

const LENIENT: WalkOptions = WalkOptions {
    consumer_protocol: None,
    coordinator_key_type: None,
    allow_trailing_bytes: true,
};

/// Take the aliases out of a request that may not touch them (names as the tenant wrote
/// them). Returns the new body (`None`: unchanged) and what was refused.
pub fn take_aliases(
    api_key: i16,
    version: i16,
    body: &[u8],
    tenant: &Tenant,
) -> Result<(Option<Vec<u8>>, Refused), schema::WalkError> {
    let mut refused = Refused::default();
    let Some(shape) = shape(api_key) else {
        return Ok((None, refused));
    };
    if api_key == DELETE_TOPICS && version < shape.bare_names_before {
        let m = message(api_key, version, Direction::Request);
        let mut decoded = schema::decode(body, m, &LENIENT)?;
        if let Some(names) = decoded.root.array_mut("TopicNames") {
            names.retain(|n| match n.as_str() {
                Some(name) if tenant.alias(name).is_some() => {
                    refused.topics.push((name.to_owned(), Vec::new()));
                    false
                }
                _ => true,
            });
        }
        return finish(decoded, m, refused);
    }
    let m = message(api_key, version, Direction::Request);
    let mut decoded = schema::decode(body, m, &LENIENT)?;
    if let Some(topics) = decoded.root.array_mut(shape.request_list) {
        topics.retain(|t| {
            let Some(t) = t.as_struct() else { return true };
            match t.str("Name") {
                Some(name) if tenant.alias(name).is_some() => {
                    let partitions = partitions_of(t);
                    refused.topics.push((name.to_owned(), partitions));
                    false
                }
                _ => true,
            }
        });
    }
    finish(decoded, m, refused)
}

fn finish(
    decoded: schema::Decoded,
    m: MessageRef,
    refused: Refused,
) -> Result<(Option<Vec<u8>>, Refused), schema::WalkError> {
    if refused.is_empty() {
        return Ok((None, refused));
    }
    Ok((Some(decoded.encode(m)?), refused))
}

fn partitions_of(topic: &Struct) -> Vec<i64> {
    topic
        .array("Partitions")
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.as_struct()?.int("PartitionIndex"))
        .collect()
}

/// True when a request lost every topic to `take_aliases` (answer it locally).
pub fn nothing_left(api_key: i16, version: i16, body: &[u8]) -> bool {
    let Some(shape) = shape(api_key) else {
        return false;
    };
    let list = if api_key == DELETE_TOPICS && version < shape.bare_names_before {
        "TopicNames"
    } else {
        shape.request_list
    };
    let m = message(api_key, version, Direction::Request);
    schema::decode(body, m, &LENIENT)
        .ok()
        .is_some_and(|d| d.root.array(list).is_some_and(<[Value]>::is_empty))
}

/// Add the refused topics to an answer body (`None`: an answer built from nothing).
pub fn add_refusals(
    api_key: i16,
    version: i16,
    answer: Option<&[u8]>,
    refused: &Refused,
) -> Result<Vec<u8>, schema::WalkError> {
    let m = message(api_key, version, Direction::Response);
    let mut decoded = match answer {
        Some(body) => schema::decode(body, m, &LENIENT)?,
        None => schema::Decoded::default(),
    };
    let Some(shape) = shape(api_key) else {
        return decoded.encode(m);
    };
    let mut entries = Vec::new();
    for (name, partitions) in &refused.topics {
        let mut entry = schema::new_element(m, &[shape.answer_list])?;
        entry.set("Name", Value::String(name.clone()));
        let why = format!("{name} is an alias topic: it cannot be created, deleted or altered");
        if api_key == DELETE_RECORDS {
            let mut parts = Vec::new();
            for p in partitions {
                let mut part = schema::new_element(m, &[shape.answer_list, "Partitions"])?;
                part.set_int("PartitionIndex", *p);
                part.set_int("ErrorCode", i64::from(INVALID_TOPIC_EXCEPTION));
                parts.push(Value::Struct(part));
            }
            entry.set("Partitions", Value::Array(parts));
        } else {
            entry.set_int("ErrorCode", i64::from(INVALID_TOPIC_EXCEPTION));
            if entry.get("ErrorMessage").is_some() {
                entry.set("ErrorMessage", Value::String(why));
            }
        }
        entries.push(Value::Struct(entry));
    }
    match decoded.root.array_mut(shape.answer_list) {
        Some(list) => list.extend(entries),
        None => decoded.root.set(shape.answer_list, Value::Array(entries)),
    }
    decoded.encode(m)
}
