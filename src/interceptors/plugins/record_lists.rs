//! Walking the RECORDS fields of a Produce request or a Fetch answer, topic by topic, to change
//! the records of the matching topics.

use codec::schema::{decode, encode, Direction, MessageRef, Struct, Value, WalkOptions};

use crate::acl::enforce::TopicNames;
use crate::records::open::map_records;
use crate::records::MAX_BATCH_RECORDS_BYTES;
use codec::records::Record;

use super::common::element_topic;
use crate::interceptors::settings::Pattern;
use crate::pipeline::filter::ResponseCtx;

/// Applies `change` to the records of every partition of the topics `topic` matches, in a
/// Produce request (`TopicData`/`PartitionData`) or a Fetch answer (`Responses`/`Partitions`).
/// True when a record changed.
pub fn change_records(
    root: &mut Struct,
    api_key: i16,
    topic: &Pattern,
    names: &dyn TopicNames,
    change: &mut dyn FnMut(&str, &mut Record) -> bool,
) -> Result<bool, String> {
    let (topics, name_field, partitions) = if api_key == 0 {
        ("TopicData", "Name", "PartitionData")
    } else {
        ("Responses", "Topic", "Partitions")
    };
    let mut changed = false;
    for t in root.array_mut(topics).into_iter().flatten() {
        let Some(t) = t.as_struct_mut() else {
            continue;
        };
        let Some(name) = element_topic(t, name_field, names) else {
            continue;
        };
        if !topic.matches(&name) {
            continue;
        }
        for p in t.array_mut(partitions).into_iter().flatten() {
            let Some(Value::Records(bytes)) = p.as_struct_mut().and_then(|p| p.get_mut("Records"))
            else {
                continue;
            };
            let mut on_record = |r: &mut Record| change(&name, r);
            if let Some(new) = map_records(bytes, MAX_BATCH_RECORDS_BYTES, &mut on_record)? {
                *bytes = new;
                changed = true;
            }
        }
    }
    Ok(changed)
}

/// The Fetch answer of `ctx` with `change` applied to the records of the topics `topic` matches:
/// the new body, or `None` when nothing changed. The first error `change` returns (with the
/// topic) fails the whole answer: a plugin that cannot do its work on one record must not let
/// the answer through as if it had.
pub fn change_fetched_records(
    ctx: &ResponseCtx<'_>,
    topic: &Pattern,
    change: &mut dyn FnMut(&mut Record) -> Result<bool, String>,
) -> Result<Option<Vec<u8>>, String> {
    let m = MessageRef {
        api_key: ctx.api_key,
        version: ctx.api_version,
        direction: Direction::Response,
    };
    let options = WalkOptions {
        allow_trailing_bytes: true,
        ..WalkOptions::default()
    };
    let mut tree = decode(ctx.body, m, &options)
        .map_err(|e| format!("cannot decode Fetch v{}: {e}", ctx.api_version))?;
    let mut failure = None;
    let changed = change_records(
        &mut tree.root,
        ctx.api_key,
        topic,
        ctx.topic_names,
        &mut |name, record| match change(record) {
            Ok(changed) => changed,
            Err(e) => {
                failure.get_or_insert(format!("topic {name:?}: {e}"));
                false
            }
        },
    )?;
    if let Some(why) = failure {
        return Err(why);
    }
    if !changed {
        return Ok(None);
    }
    let mut body = encode(&tree.root, m)
        .map_err(|e| format!("cannot encode Fetch v{}: {e}", ctx.api_version))?;
    body.extend_from_slice(&tree.trailing);
    Ok(Some(body))
}
