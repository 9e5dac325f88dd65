//! Walking the RECORDS fields of a Produce request or a Fetch answer, topic by topic, to change
//! the records of the matching topics.

use codec::schema::{Struct, Value};

use crate::acl::enforce::TopicNames;
use crate::records::open::map_records;
use crate::records::MAX_BATCH_RECORDS_BYTES;
use codec::records::Record;

use super::common::element_topic;
use crate::interceptors::settings::Pattern;

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
