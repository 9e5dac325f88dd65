//! Answers that list resources the tenant did not name (the whole cluster's topics, every
//! group, every transaction) are confined to the tenant's own, and the topic ids they show are
//! learnt; plus the few request values the name translation needs to know.

use codec::schema::{self as value, Decoded, Struct, Value};
use codec::schema::{
    Direction, Element, EntityKind, Field, MessageRef, MessageSchema, Type, WalkError, WalkOptions,
};

use super::tenant::Tenant;
use super::topic_ids::TopicIds;

const METADATA: i16 = 3;
const JOIN_GROUP: i16 = 11;
const LIST_GROUPS: i16 = 16;
const CREATE_TOPICS: i16 = 19;
const CONSUMER_GROUP_HEARTBEAT: i16 = 68;
const LIST_TRANSACTIONS: i16 = 66;
const DESCRIBE_TOPIC_PARTITIONS: i16 = 75;

fn request(api_key: i16, version: i16, body: &[u8]) -> Option<Struct> {
    let message = MessageRef {
        api_key,
        version,
        direction: Direction::Request,
    };
    let lenient = WalkOptions {
        allow_trailing_bytes: true,
        ..WalkOptions::default()
    };
    value::decode(body, message, &lenient).ok().map(|d| d.root)
}

/// The group id of a JoinGroup or SyncGroup request.
pub fn group_of(api_key: i16, version: i16, body: &[u8]) -> Option<String> {
    request(api_key, version, body)?
        .str("GroupId")
        .map(str::to_owned)
}

/// A JoinGroup request's group and whether its protocol type is "consumer".
pub fn join_group_protocol(version: i16, body: &[u8]) -> Option<(String, bool)> {
    let join = request(JOIN_GROUP, version, body)?;
    let group = join.str("GroupId")?.to_owned();
    Some((group, join.str("ProtocolType") == Some("consumer")))
}

/// What a FindCoordinator request looks for: 0 group, 1 transaction (v0 only has groups).
pub fn coordinator_key_type(version: i16, body: &[u8]) -> Option<i8> {
    let find = request(10, version, body)?;
    Some(
        find.int("KeyType")
            .and_then(|k| i8::try_from(k).ok())
            .unwrap_or(0),
    )
}

/// KIP-848 regex subscriptions (ConsumerGroupHeartbeat v1+) are matched by the broker against
/// physical names: a tenant's regex is confined to its prefix, `\Q<prefix>\E(?:<regex>)` (RE2
/// syntax, matched in full as Kafka does). `None` when there is no regex to confine.
pub fn confine_regex(
    version: i16,
    body: &[u8],
    tenant: &Tenant,
) -> Result<Option<Vec<u8>>, WalkError> {
    if tenant.is_passthrough() || version < 1 {
        return Ok(None);
    }
    let message = MessageRef {
        api_key: CONSUMER_GROUP_HEARTBEAT,
        version,
        direction: Direction::Request,
    };
    let lenient = WalkOptions {
        allow_trailing_bytes: true,
        ..WalkOptions::default()
    };
    let mut decoded = value::decode(body, message, &lenient)?;
    let Some(regex) = decoded.root.str("SubscribedTopicRegex").map(str::to_owned) else {
        return Ok(None);
    };
    // Prefixes are [a-zA-Z0-9._-]: nothing in them can end the \Q..\E quote.
    let confined = format!("\\Q{}\\E(?:{regex})", tenant.prefix);
    decoded
        .root
        .set("SubscribedTopicRegex", Value::String(confined));
    decoded.encode(message).map(Some)
}

/// True for a Metadata request about every topic (a null list; an empty one in v0).
pub fn asks_all_topics(api_key: i16, version: i16, body: &[u8]) -> bool {
    if api_key != METADATA {
        return false;
    }
    match request(api_key, version, body)
        .as_ref()
        .map(|m| m.get("Topics"))
    {
        Some(Some(Value::Null)) => true,
        Some(Some(Value::Array(topics))) => version == 0 && topics.is_empty(),
        _ => false,
    }
}

/// Learn the topic ids an answer shows and, for a prefixed tenant, drop from the lists what
/// is not the tenant's. With `list_aliases` (passthrough's answer about every topic), each
/// aliased topic is listed a second time under each alias name. `None` when the body is
/// unchanged.
pub fn confine(
    body: &[u8],
    message: MessageRef,
    tenant: &Tenant,
    ids: &TopicIds,
    list_aliases: bool,
) -> Result<Option<Vec<u8>>, WalkError> {
    let options = WalkOptions {
        allow_trailing_bytes: true,
        ..WalkOptions::default()
    };
    let changed = match message.api_key {
        METADATA | CREATE_TOPICS | DESCRIBE_TOPIC_PARTITIONS => {
            let mut decoded = value::decode(body, message, &options)?;
            learn_ids(&decoded.root, ids);
            let keep_all = tenant.is_passthrough();
            let changed = !keep_all
                && retain(&mut decoded.root, "Topics", |t| {
                    t.str("Name").is_some_and(|n| tenant.owns_topic(n))
                });
            let cursor = message.api_key == DESCRIBE_TOPIC_PARTITIONS
                && !keep_all
                && clear_foreign_cursor(&mut decoded.root, tenant);
            let listed = list_aliases
                && message.api_key == METADATA
                && add_alias_entries(&mut decoded.root, tenant);
            (changed || cursor || listed).then_some(decoded)
        }
        LIST_GROUPS if !tenant.is_passthrough() => {
            let mut decoded = value::decode(body, message, &options)?;
            let changed = retain(&mut decoded.root, "Groups", |g| {
                owns(tenant, EntityKind::GroupId, g.str("GroupId"))
            });
            changed.then_some(decoded)
        }
        LIST_TRANSACTIONS if !tenant.is_passthrough() => {
            let mut decoded = value::decode(body, message, &options)?;
            let changed = retain(&mut decoded.root, "TransactionStates", |t| {
                owns(
                    tenant,
                    EntityKind::TransactionalId,
                    t.str("TransactionalId"),
                )
            });
            changed.then_some(decoded)
        }
        _ => None,
    };
    changed.map(|d: Decoded| d.encode(message)).transpose()
}

fn owns(tenant: &Tenant, kind: EntityKind, physical: Option<&str>) -> bool {
    physical.is_some_and(|p| tenant.to_logical(kind, p).is_some())
}

/// True when a message at `version` has a topic-id field anywhere.
pub fn mentions_topic_ids(schema: &'static MessageSchema, version: i16) -> bool {
    fn walk(fields: &'static [Field], version: i16, depth: usize) -> bool {
        depth < 8
            && fields.iter().any(|f| {
                f.versions.contains(version)
                    && match f.ty {
                        Type::Scalar(_) => f.entity == Some(EntityKind::TopicId),
                        Type::Struct(inner) | Type::Array(Element::Struct(inner)) => {
                            walk(inner, version, depth + 1)
                        }
                        Type::Array(Element::Scalar(_)) => false,
                    }
            })
    }
    walk(schema.fields, version, 0)
}

/// Keep the elements of the struct array `field` that `keep` accepts; true when any went.
fn retain(root: &mut Struct, field: &str, keep: impl Fn(&Struct) -> bool) -> bool {
    let Some(items) = root.array_mut(field) else {
        return false;
    };
    let before = items.len();
    items.retain(|item| item.as_struct().is_some_and(&keep));
    items.len() != before
}

/// Copies of the aliased topics' entries under their alias names; true when any was added.
fn add_alias_entries(root: &mut Struct, tenant: &Tenant) -> bool {
    let Some(topics) = root.array_mut("Topics") else {
        return false;
    };
    let mut added = Vec::new();
    for topic in topics.iter().filter_map(Value::as_struct) {
        let Some(physical) = topic.str("Name") else {
            continue;
        };
        for alias in tenant.aliases_of(physical) {
            let mut copy = topic.clone();
            copy.set("Name", Value::String(alias.clone()));
            added.push(Value::Struct(copy));
        }
    }
    let any = !added.is_empty();
    topics.extend(added);
    any
}

/// Remember the (id, name) of every topic an answer lists.
pub fn learn_ids(root: &Struct, ids: &TopicIds) {
    for topic in root.array("Topics").unwrap_or_default() {
        let Some(topic) = topic.as_struct() else {
            continue;
        };
        if let (Some(name), Some(id)) = (topic.str("Name"), topic.uuid("TopicId")) {
            ids.learn(id, name);
        }
    }
}

/// DescribeTopicPartitions pages through topics; a cursor at a foreign topic ends the list.
fn clear_foreign_cursor(root: &mut Struct, tenant: &Tenant) -> bool {
    let foreign = root
        .get("NextCursor")
        .and_then(Value::as_struct)
        .and_then(|c| c.str("TopicName"))
        .is_some_and(|n| !tenant.owns_topic(n));
    if foreign {
        root.set("NextCursor", Value::Null);
    }
    foreign
}

#[cfg(test)]
#[path = "lists_tests.rs"]
mod tests;
