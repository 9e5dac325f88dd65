//! Entities inside tagged fields. Kafka's schemas have none today, so these walk a small
//! schema of their own: a rename must fix up the tagged field's size, and unknown tags between
//! known ones must come through untouched.

use super::types::{EntityKind, Field, MessageSchema, Scalar, Type, Versions};
use super::{run_schema, Direction, Entity, EntityValue, MessageRef, Replacement, WalkOptions};
use crate::primitives::Sink;

static NESTED: [Field; 1] = [
    Field::new("Name", Type::Scalar(Scalar::String), Versions::since(0))
        .entity(EntityKind::GroupId),
];

static FIELDS: [Field; 3] = [
    Field::new("Id", Type::Scalar(Scalar::Int32), Versions::since(0)),
    Field::new("Topic", Type::Scalar(Scalar::String), Versions::since(0))
        .tagged(Versions::since(0), 5)
        .entity(EntityKind::TopicName),
    Field::new("Nested", Type::Struct(&NESTED), Versions::since(0)).tagged(Versions::since(0), 7),
];

static SCHEMA: MessageSchema = MessageSchema {
    name: "TaggedTest",
    versions: Versions::range(0, 0),
    flexible: Versions::since(0),
    fields: &FIELDS,
};

const M: MessageRef = MessageRef {
    api_key: -1,
    version: 0,
    direction: Direction::Request,
};

/// Id 42; tag 5 = topic; unknown tag 6 = [9, 9]; tag 7 = { Name = group }.
fn body(topic: &str, group: &str) -> Vec<u8> {
    let mut out = Vec::new();
    out.put_i32(42);
    out.put_uvarint(3);
    let mut topic_bytes = Vec::new();
    topic_bytes.put_string(topic, true, "t").expect("topic");
    out.put_uvarint(5);
    out.put_uvarint(topic_bytes.len() as u32);
    out.extend_from_slice(&topic_bytes);
    out.extend_from_slice(&[6, 2, 9, 9]);
    let mut nested = Vec::new();
    nested.put_string(group, true, "g").expect("group");
    nested.put_uvarint(0);
    out.put_uvarint(7);
    out.put_uvarint(nested.len() as u32);
    out.extend_from_slice(&nested);
    out
}

#[test]
fn renames_inside_tagged_fields_fix_their_sizes() {
    let original = body("orders", "billing");
    let mut rename = |e: &Entity<'_>| match e.value {
        EntityValue::Name(n) => Some(Replacement::Name(format!("tenant-{n}"))),
        _ => None,
    };
    let (renamed, _) =
        run_schema(&original, &SCHEMA, M, &WalkOptions::default(), &mut rename).expect("walk");
    assert_eq!(renamed, Some(body("tenant-orders", "tenant-billing")));
    let mut identity = |_: &Entity<'_>| None;
    let (same, tags) = run_schema(
        &original,
        &SCHEMA,
        M,
        &WalkOptions::default(),
        &mut identity,
    )
    .expect("walk");
    assert_eq!(same, None);
    assert_eq!(tags, (1 << 5) | (1 << 6) | (1 << 7));
}

/// A name that grows past 127 bytes needs a two-byte size varint.
#[test]
fn a_tagged_field_size_may_grow_a_byte() {
    let original = body("t", "g");
    let long = "x".repeat(200);
    let mut rename = |e: &Entity<'_>| match (e.kind, e.value) {
        (EntityKind::TopicName, EntityValue::Name(_)) => Some(Replacement::Name(long.clone())),
        _ => None,
    };
    let (renamed, _) =
        run_schema(&original, &SCHEMA, M, &WalkOptions::default(), &mut rename).expect("walk");
    assert_eq!(renamed, Some(body(&long, "g")));
}
