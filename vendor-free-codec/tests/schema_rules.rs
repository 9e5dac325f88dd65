//! The entities the schemas do not mark, on bodies written by hand from the schemas: which
//! FindCoordinator keys, config and ACL resource names are entities, and the topics inside
//! consumer-protocol bytes (with their enclosing length fixed up after a rename).

mod schema_support;

use codec::primitives::Sink;
use codec::schema::{
    self, Entity, EntityKind, EntityValue, MessageRef, Replacement, WalkError, WalkOptions,
};
use codec::DecodeError;
use schema_support::{request, response};
use EntityKind::{GroupId, TopicName, TransactionalId};

/// Every entity a scan sees, nulls as "<null>".
fn seen(
    body: &[u8],
    m: MessageRef,
    options: &WalkOptions,
) -> Result<Vec<(EntityKind, String)>, WalkError> {
    let mut out = Vec::new();
    schema::scan(body, m, options, |e| {
        let value = match e.value {
            EntityValue::Name(n) => n.to_owned(),
            EntityValue::Null => "<null>".to_owned(),
            EntityValue::Id(id) => format!("{id:02x?}"),
        };
        out.push((e.kind, value));
    })?;
    Ok(out)
}

/// Prefix every name with "tenant.".
fn prefixed(
    body: &[u8],
    m: MessageRef,
    options: &WalkOptions,
) -> Result<Option<Vec<u8>>, WalkError> {
    let mut rename = |e: &Entity<'_>| match e.value {
        EntityValue::Name(n) => Some(Replacement::Name(format!("tenant.{n}"))),
        _ => None,
    };
    schema::walk(body, m, options, &mut rename)
}

fn s16(out: &mut Vec<u8>, s: &str) {
    out.put_string(s, false, "test").expect("string");
}

fn compact(out: &mut Vec<u8>, s: &str) {
    out.put_string(s, true, "test").expect("string");
}

const NONE: WalkOptions = WalkOptions {
    consumer_protocol: None,
    coordinator_key_type: None,
    allow_trailing_bytes: false,
};

#[test]
fn find_coordinator_v0_key_is_a_group() {
    let mut body = Vec::new();
    s16(&mut body, "orders");
    assert_eq!(
        seen(&body, request(10, 0), &NONE),
        Ok(vec![(GroupId, "orders".into())])
    );
}

/// v1-3 put Key before KeyType: the walk reads ahead for the key type.
#[test]
fn find_coordinator_v1_to_v3_key_by_the_key_type_after_it() {
    for (key_type, expected) in [(0, Some(GroupId)), (1, Some(TransactionalId)), (2, None)] {
        let mut v1 = Vec::new();
        s16(&mut v1, "k");
        v1.put_i8(key_type);
        let mut v3 = Vec::new();
        compact(&mut v3, "k");
        v3.put_i8(key_type);
        v3.put_uvarint(0);
        for (body, version) in [(v1, 1), (v3, 3)] {
            let want: Vec<_> = expected.map(|k| (k, "k".to_owned())).into_iter().collect();
            assert_eq!(
                seen(&body, request(10, version), &NONE),
                Ok(want),
                "v{version} key type {key_type}"
            );
            let renamed = prefixed(&body, request(10, version), &NONE).expect("walk");
            assert_eq!(renamed.is_some(), expected.is_some());
        }
    }
}

#[test]
fn find_coordinator_v4_batched_keys_by_key_type() {
    let mut body = Vec::new();
    body.put_i8(1);
    body.put_uvarint(3);
    compact(&mut body, "tx-a");
    compact(&mut body, "tx-b");
    body.put_uvarint(0);
    assert_eq!(
        seen(&body, request(10, 4), &NONE),
        Ok(vec![
            (TransactionalId, "tx-a".into()),
            (TransactionalId, "tx-b".into())
        ])
    );
    let mut expected = Vec::new();
    expected.put_i8(1);
    expected.put_uvarint(3);
    compact(&mut expected, "tenant.tx-a");
    compact(&mut expected, "tenant.tx-b");
    expected.put_uvarint(0);
    assert_eq!(prefixed(&body, request(10, 4), &NONE), Ok(Some(expected)));
}

fn coordinator_response(key: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.put_i32(0);
    body.put_uvarint(2);
    compact(&mut body, key);
    body.put_i32(1);
    compact(&mut body, "broker-1");
    body.put_i32(9092);
    body.put_i16(0);
    body.put_uvarint(0);
    body.put_uvarint(0);
    body.put_uvarint(0);
    body
}

/// The response does not say what its keys are: the caller passes the request's key type.
#[test]
fn find_coordinator_v4_response_keys_by_the_requests_key_type() {
    let body = coordinator_response("g1");
    let missing = seen(&body, response(10, 4), &NONE);
    assert!(
        matches!(missing, Err(WalkError::MissingContext { .. })),
        "{missing:?}"
    );
    let group = WalkOptions {
        coordinator_key_type: Some(0),
        ..NONE
    };
    assert_eq!(
        seen(&body, response(10, 4), &group),
        Ok(vec![(GroupId, "g1".into())])
    );
    let share = WalkOptions {
        coordinator_key_type: Some(2),
        ..NONE
    };
    assert_eq!(seen(&body, response(10, 4), &share), Ok(vec![]));
    let renamed = prefixed(&body, response(10, 4), &group)
        .expect("walk")
        .expect("renamed");
    assert_eq!(renamed, coordinator_response("tenant.g1"));
}

fn describe_configs_v1(resources: &[(i8, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    body.put_i32(resources.len() as i32);
    for (resource_type, name) in resources {
        body.put_i8(*resource_type);
        s16(&mut body, name);
        body.put_i32(-1);
    }
    body.put_bool(false);
    body
}

#[test]
fn config_resource_names_by_resource_type() {
    let body = describe_configs_v1(&[(2, "orders"), (4, "1"), (32, "billing"), (8, "metrics")]);
    assert_eq!(
        seen(&body, request(32, 1), &NONE),
        Ok(vec![
            (TopicName, "orders".into()),
            (GroupId, "billing".into())
        ])
    );
    let expected = describe_configs_v1(&[
        (2, "tenant.orders"),
        (4, "1"),
        (32, "tenant.billing"),
        (8, "metrics"),
    ]);
    assert_eq!(prefixed(&body, request(32, 1), &NONE), Ok(Some(expected)));
}

#[test]
fn incremental_alter_configs_response_names_by_resource_type() {
    let mut body = Vec::new();
    body.put_i32(0);
    body.put_uvarint(3);
    for (resource_type, name) in [(2i8, "t"), (4, "0")] {
        body.put_i16(0);
        body.put_nullable_string(None, true, "test").expect("null");
        body.put_i8(resource_type);
        compact(&mut body, name);
        body.put_uvarint(0);
    }
    body.put_uvarint(0);
    assert_eq!(
        seen(&body, response(44, 1), &NONE),
        Ok(vec![(TopicName, "t".into())])
    );
}

fn create_acls_v1(creations: &[(i8, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    body.put_i32(creations.len() as i32);
    for (resource_type, name) in creations {
        body.put_i8(*resource_type);
        s16(&mut body, name);
        body.put_i8(3);
        s16(&mut body, "User:alice");
        s16(&mut body, "*");
        body.put_i8(2);
        body.put_i8(3);
    }
    body
}

#[test]
fn acl_resource_names_by_resource_type() {
    let body = create_acls_v1(&[
        (2, "orders"),
        (3, "billing"),
        (4, "kafka-cluster"),
        (5, "tx"),
        (7, "alice"),
    ]);
    assert_eq!(
        seen(&body, request(30, 1), &NONE),
        Ok(vec![
            (TopicName, "orders".into()),
            (GroupId, "billing".into()),
            (TransactionalId, "tx".into())
        ])
    );
    let expected = create_acls_v1(&[
        (2, "tenant.orders"),
        (3, "tenant.billing"),
        (4, "kafka-cluster"),
        (5, "tenant.tx"),
        (7, "alice"),
    ]);
    assert_eq!(prefixed(&body, request(30, 1), &NONE), Ok(Some(expected)));
}

/// A null filter name matches every name; the visitor sees it as null.
#[test]
fn describe_acls_filter_name_may_be_null() {
    for (name, expected) in [(None, "<null>"), (Some("orders"), "orders")] {
        let mut body = Vec::new();
        body.put_i8(2);
        body.put_nullable_string(name, false, "test").expect("name");
        body.put_i8(3);
        body.put_nullable_string(None, false, "test")
            .expect("principal");
        body.put_nullable_string(None, false, "test").expect("host");
        body.put_i8(2);
        body.put_i8(3);
        assert_eq!(
            seen(&body, request(29, 1), &NONE),
            Ok(vec![(TopicName, expected.into())])
        );
    }
}

fn subscription_v0(topics: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    out.put_i16(0);
    out.put_i32(topics.len() as i32);
    for t in topics {
        s16(&mut out, t);
    }
    out.put_i32(-1);
    out
}

fn join_group_v5(protocol_type: &str, metadata: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    s16(&mut body, "grp");
    body.put_i32(10_000);
    body.put_i32(30_000);
    s16(&mut body, "");
    body.put_nullable_string(None, false, "test")
        .expect("instance");
    s16(&mut body, protocol_type);
    body.put_i32(1);
    s16(&mut body, "range");
    body.put_bytes(metadata, false, "test").expect("metadata");
    body
}

#[test]
fn join_group_consumer_metadata_topics_are_renamed_and_lengths_fixed() {
    let body = join_group_v5("consumer", &subscription_v0(&["orders", "payments"]));
    assert_eq!(
        seen(&body, request(11, 5), &NONE),
        Ok(vec![
            (GroupId, "grp".into()),
            (TopicName, "orders".into()),
            (TopicName, "payments".into())
        ])
    );
    let expected = {
        let mut b = join_group_v5(
            "consumer",
            &subscription_v0(&["tenant.orders", "tenant.payments"]),
        );
        // The group id is renamed too.
        b.splice(0..5, {
            let mut g = Vec::new();
            s16(&mut g, "tenant.grp");
            g
        });
        b
    };
    assert_eq!(prefixed(&body, request(11, 5), &NONE), Ok(Some(expected)));
}

#[test]
fn other_protocol_types_keep_their_bytes_opaque() {
    let body = join_group_v5("connect", b"\x00\x01not a subscription");
    assert_eq!(
        seen(&body, request(11, 5), &NONE),
        Ok(vec![(GroupId, "grp".into())])
    );
}

#[test]
fn consumer_bytes_that_do_not_parse_are_an_error() {
    let garbage = join_group_v5("consumer", b"\x00\x00\x00\x00\x00\x09abc");
    assert_eq!(
        seen(&garbage, request(11, 5), &NONE),
        Err(WalkError::ConsumerProtocol(
            DecodeError::LengthExceedsRemaining { context: "Topics" }
        ))
    );
    let mut trailing = subscription_v0(&["a"]);
    trailing.push(0);
    assert_eq!(
        seen(&join_group_v5("consumer", &trailing), request(11, 5), &NONE),
        Err(WalkError::ConsumerProtocol(DecodeError::TrailingBytes {
            context: "ConsumerProtocolSubscription"
        }))
    );
    let mut future = subscription_v0(&["a"]);
    future[1] = 9;
    assert_eq!(
        seen(&join_group_v5("consumer", &future), request(11, 5), &NONE),
        Err(WalkError::ConsumerProtocol(
            DecodeError::UnsupportedVersion {
                api_key: 11,
                version: 9
            }
        ))
    );
}

fn assignment_v0(partitions: &[(&str, &[i32])]) -> Vec<u8> {
    let mut out = Vec::new();
    out.put_i16(0);
    out.put_i32(partitions.len() as i32);
    for (topic, ids) in partitions {
        s16(&mut out, topic);
        out.put_i32(ids.len() as i32);
        for id in *ids {
            out.put_i32(*id);
        }
    }
    out.put_bytes(b"ud", false, "test").expect("user data");
    out
}

fn sync_group_response_v3(assignment: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.put_i32(0);
    body.put_i16(0);
    body.put_bytes(assignment, false, "test")
        .expect("assignment");
    body
}

/// SyncGroup v0-4 do not carry the protocol type: the caller says.
#[test]
fn sync_group_assignment_by_the_callers_protocol_type() {
    let body = sync_group_response_v3(&assignment_v0(&[("orders", &[0, 1])]));
    assert!(matches!(
        seen(&body, response(14, 3), &NONE),
        Err(WalkError::MissingContext { .. })
    ));
    let consumer = WalkOptions {
        consumer_protocol: Some(true),
        ..NONE
    };
    assert_eq!(
        seen(&body, response(14, 3), &consumer),
        Ok(vec![(TopicName, "orders".into())])
    );
    let other = WalkOptions {
        consumer_protocol: Some(false),
        ..NONE
    };
    assert_eq!(seen(&body, response(14, 3), &other), Ok(vec![]));
    let expected = sync_group_response_v3(&assignment_v0(&[("tenant.orders", &[0, 1])]));
    assert_eq!(
        prefixed(&body, response(14, 3), &consumer),
        Ok(Some(expected))
    );
    // An empty assignment (a member with nothing assigned) holds no names either way.
    assert_eq!(
        seen(&sync_group_response_v3(&[]), response(14, 3), &NONE),
        Ok(vec![])
    );
}

/// From v5 the message's own ProtocolType decides, whatever the option says.
#[test]
fn sync_group_v5_protocol_type_in_the_message_wins() {
    let mut body = Vec::new();
    body.put_i32(0);
    body.put_i16(0);
    compact(&mut body, "consumer");
    compact(&mut body, "range");
    body.put_bytes(&assignment_v0(&[("orders", &[0])]), true, "test")
        .expect("assignment");
    body.put_uvarint(0);
    let says_no = WalkOptions {
        consumer_protocol: Some(false),
        ..NONE
    };
    assert_eq!(
        seen(&body, response(14, 5), &says_no),
        Ok(vec![(TopicName, "orders".into())])
    );
}

fn list_config_resources_v1(resources: &[(&str, i8)]) -> Vec<u8> {
    let mut body = Vec::new();
    body.put_i32(0);
    body.put_i16(0);
    body.put_uvarint(resources.len() as u32 + 1);
    for (name, resource_type) in resources {
        compact(&mut body, name);
        body.put_i8(*resource_type);
        body.put_uvarint(0);
    }
    body.put_uvarint(0);
    body
}

/// ListConfigResources names the type after the name: every element is read ahead once.
#[test]
fn list_config_resources_names_by_the_type_after_them() {
    let body = list_config_resources_v1(&[("orders", 2), ("1", 4), ("billing", 32), ("m", 16)]);
    assert_eq!(
        seen(&body, response(74, 1), &NONE),
        Ok(vec![
            (TopicName, "orders".into()),
            (GroupId, "billing".into())
        ])
    );
    let expected = list_config_resources_v1(&[
        ("tenant.orders", 2),
        ("1", 4),
        ("tenant.billing", 32),
        ("m", 16),
    ]);
    assert_eq!(prefixed(&body, response(74, 1), &NONE), Ok(Some(expected)));
}

/// Kafka 3.9's ShareGroupHeartbeat schema does not mark its topic names.
#[test]
fn share_group_heartbeat_topics_are_topic_names() {
    let mut body = Vec::new();
    compact(&mut body, "share-grp");
    compact(&mut body, "m");
    body.put_i32(0);
    body.put_nullable_string(None, true, "test").expect("rack");
    body.put_uvarint(2);
    compact(&mut body, "orders");
    body.put_uvarint(0);
    assert_eq!(
        seen(&body, request(76, 0), &NONE),
        Ok(vec![
            (GroupId, "share-grp".into()),
            (TopicName, "orders".into())
        ])
    );
}
