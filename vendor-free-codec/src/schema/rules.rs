//! The entities the schemas do not mark, as a small hand-written table.
//!
//! Some names are entities only by a value next to them (a config resource is a topic when its
//! ResourceType is 2), by the request a response answers (FindCoordinator v4+ keys), or hide
//! inside opaque bytes (the consumer protocol in JoinGroup and SyncGroup). Rules name fields by
//! path, so a schema update that moves one fails `rules_resolve` in the tests instead of silently
//! passing names through.

use super::generated as g;
use super::types::{EntityKind, Field, MessageSchema, Type};
use EntityKind::{GroupId, TopicName, TransactionalId};

/// How a rule decides what its field holds.
#[derive(Debug, Clone, Copy)]
pub(super) enum Decide {
    /// Always this entity (the schema just does not say so).
    Always(EntityKind),
    /// By the INT8 field `selector` of the same struct; other values are not entities.
    /// `when_absent` is the value when the selector does not exist at the version.
    BySibling {
        selector: &'static str,
        when_absent: Option<i8>,
        kinds: &'static [(i8, EntityKind)],
    },
    /// By the key type of the FindCoordinator request this response answers, which only the
    /// caller knows ([`super::WalkOptions::coordinator_key_type`]).
    ByRequestKeyType(&'static [(i8, EntityKind)]),
    /// Bytes that hold `protocol` when the group's protocol type is "consumer": the top-level
    /// ProtocolType field where the version has it, else the caller's option.
    ConsumerBytes(&'static MessageSchema),
}

/// One hand-written rule: the field at `path` in `schema`.
#[derive(Debug)]
pub(super) struct Rule {
    pub schema: &'static MessageSchema,
    pub path: &'static [&'static str],
    pub decide: Decide,
}

/// FindCoordinator key types: 0 group, 1 transaction. Others (2, share groups) are not renamed.
const COORDINATOR_KEYS: &[(i8, EntityKind)] = &[(0, GroupId), (1, TransactionalId)];
/// Config resource types: 2 topic, 32 group. Others (brokers, client metrics) are kept.
const CONFIG_RESOURCES: &[(i8, EntityKind)] = &[(2, TopicName), (32, GroupId)];
/// ACL resource types: 2 topic, 3 group, 5 transactional id. Others are kept.
const ACL_RESOURCES: &[(i8, EntityKind)] = &[(2, TopicName), (3, GroupId), (5, TransactionalId)];

const fn by(selector: &'static str, kinds: &'static [(i8, EntityKind)]) -> Decide {
    Decide::BySibling {
        selector,
        when_absent: None,
        kinds,
    }
}

const fn rule(
    schema: &'static MessageSchema,
    path: &'static [&'static str],
    decide: Decide,
) -> Rule {
    Rule {
        schema,
        path,
        decide,
    }
}

/// Every hand-written rule.
pub(super) static RULES: &[Rule] = &[
    // FindCoordinator v0 has no KeyType and always means a group.
    rule(
        &g::FIND_COORDINATOR_REQUEST,
        &["Key"],
        Decide::BySibling {
            selector: "KeyType",
            when_absent: Some(0),
            kinds: COORDINATOR_KEYS,
        },
    ),
    rule(
        &g::FIND_COORDINATOR_REQUEST,
        &["CoordinatorKeys"],
        by("KeyType", COORDINATOR_KEYS),
    ),
    rule(
        &g::FIND_COORDINATOR_RESPONSE,
        &["Coordinators", "Key"],
        Decide::ByRequestKeyType(COORDINATOR_KEYS),
    ),
    rule(
        &g::DESCRIBE_CONFIGS_REQUEST,
        &["Resources", "ResourceName"],
        by("ResourceType", CONFIG_RESOURCES),
    ),
    rule(
        &g::DESCRIBE_CONFIGS_RESPONSE,
        &["Results", "ResourceName"],
        by("ResourceType", CONFIG_RESOURCES),
    ),
    rule(
        &g::ALTER_CONFIGS_REQUEST,
        &["Resources", "ResourceName"],
        by("ResourceType", CONFIG_RESOURCES),
    ),
    rule(
        &g::ALTER_CONFIGS_RESPONSE,
        &["Responses", "ResourceName"],
        by("ResourceType", CONFIG_RESOURCES),
    ),
    rule(
        &g::INCREMENTAL_ALTER_CONFIGS_REQUEST,
        &["Resources", "ResourceName"],
        by("ResourceType", CONFIG_RESOURCES),
    ),
    rule(
        &g::INCREMENTAL_ALTER_CONFIGS_RESPONSE,
        &["Responses", "ResourceName"],
        by("ResourceType", CONFIG_RESOURCES),
    ),
    rule(
        &g::CREATE_ACLS_REQUEST,
        &["Creations", "ResourceName"],
        by("ResourceType", ACL_RESOURCES),
    ),
    rule(
        &g::DESCRIBE_ACLS_REQUEST,
        &["ResourceNameFilter"],
        by("ResourceTypeFilter", ACL_RESOURCES),
    ),
    rule(
        &g::DESCRIBE_ACLS_RESPONSE,
        &["Resources", "ResourceName"],
        by("ResourceType", ACL_RESOURCES),
    ),
    rule(
        &g::DELETE_ACLS_REQUEST,
        &["Filters", "ResourceNameFilter"],
        by("ResourceTypeFilter", ACL_RESOURCES),
    ),
    rule(
        &g::DELETE_ACLS_RESPONSE,
        &["FilterResults", "MatchingAcls", "ResourceName"],
        by("ResourceType", ACL_RESOURCES),
    ),
    rule(
        &g::JOIN_GROUP_REQUEST,
        &["Protocols", "Metadata"],
        Decide::ConsumerBytes(&g::CONSUMER_PROTOCOL_SUBSCRIPTION),
    ),
    rule(
        &g::JOIN_GROUP_RESPONSE,
        &["Members", "Metadata"],
        Decide::ConsumerBytes(&g::CONSUMER_PROTOCOL_SUBSCRIPTION),
    ),
    rule(
        &g::SYNC_GROUP_REQUEST,
        &["Assignments", "Assignment"],
        Decide::ConsumerBytes(&g::CONSUMER_PROTOCOL_ASSIGNMENT),
    ),
    rule(
        &g::SYNC_GROUP_RESPONSE,
        &["Assignment"],
        Decide::ConsumerBytes(&g::CONSUMER_PROTOCOL_ASSIGNMENT),
    ),
    // ListConfigResources v1+ names the type after the name (read ahead per element); v0 lists
    // client-metrics resources only, which are kept.
    rule(
        &g::LIST_CONFIG_RESOURCES_RESPONSE,
        &["ConfigResources", "ResourceName"],
        by("ResourceType", CONFIG_RESOURCES),
    ),
    // Kafka 3.9's share-group schemas (older/) leave these unmarked; later schemas mark them.
    rule(
        &g::SHARE_GROUP_HEARTBEAT_REQUEST,
        &["SubscribedTopicNames"],
        Decide::Always(TopicName),
    ),
    rule(
        &g::INITIALIZE_SHARE_GROUP_STATE_REQUEST,
        &["GroupId"],
        Decide::Always(GroupId),
    ),
    rule(
        &g::READ_SHARE_GROUP_STATE_REQUEST,
        &["GroupId"],
        Decide::Always(GroupId),
    ),
    rule(
        &g::WRITE_SHARE_GROUP_STATE_REQUEST,
        &["GroupId"],
        Decide::Always(GroupId),
    ),
    rule(
        &g::DELETE_SHARE_GROUP_STATE_REQUEST,
        &["GroupId"],
        Decide::Always(GroupId),
    ),
    rule(
        &g::READ_SHARE_GROUP_STATE_SUMMARY_REQUEST,
        &["GroupId"],
        Decide::Always(GroupId),
    ),
    // The subscription's topic list carries no entityType in the schema.
    rule(
        &g::CONSUMER_PROTOCOL_SUBSCRIPTION,
        &["Topics"],
        Decide::Always(TopicName),
    ),
];

/// The most rules one schema has (FindCoordinator request: two).
const MAX_BOUND: usize = 4;

/// A rule bound to its schema's field descriptors, compared by address while walking.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bound {
    pub target: &'static Field,
    /// The struct (field list) the target is in.
    pub parent: &'static [Field],
    pub target_index: usize,
    /// For [`Decide::BySibling`]: the selector and its index in `parent`.
    pub selector: Option<(&'static Field, usize)>,
    pub decide: Decide,
}

/// The rules of one schema, bound, plus its top-level ProtocolType field where a consumer
/// bytes rule needs it.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Active {
    bound: [Option<Bound>; MAX_BOUND],
    pub protocol_type: Option<&'static Field>,
}

/// The field list a struct-typed field holds.
fn children(field: &Field) -> Option<&'static [Field]> {
    match field.ty {
        Type::Struct(list) | Type::Array(super::types::Element::Struct(list)) => Some(list),
        _ => None,
    }
}

fn position(list: &'static [Field], name: &str) -> Option<(usize, &'static Field)> {
    list.iter().enumerate().find(|(_, f)| f.name == name)
}

/// Bind `rule` to the descriptors of its schema; `None` when its path or selector is missing.
pub(super) fn bind(rule: &Rule) -> Option<Bound> {
    let (last, parents) = rule.path.split_last()?;
    let mut parent = rule.schema.fields;
    for name in parents {
        parent = children(position(parent, name)?.1)?;
    }
    let (target_index, target) = position(parent, last)?;
    let selector = match rule.decide {
        Decide::BySibling { selector, .. } => {
            Some(position(parent, selector).map(|(i, f)| (f, i))?)
        }
        _ => None,
    };
    Some(Bound {
        target,
        parent,
        target_index,
        selector,
        decide: rule.decide,
    })
}

impl Active {
    /// The rules of `schema` (its address identifies it).
    pub fn for_schema(schema: &'static MessageSchema) -> Active {
        let mut active = Active::default();
        let mine = RULES
            .iter()
            .filter(|r| core::ptr::eq(r.schema, schema))
            .filter_map(bind);
        for (slot, bound) in active.bound.iter_mut().zip(mine) {
            if matches!(bound.decide, Decide::ConsumerBytes(_)) {
                active.protocol_type = position(schema.fields, "ProtocolType").map(|(_, f)| f);
            }
            *slot = Some(bound);
        }
        active
    }

    /// Each bound rule with its slot number.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Bound)> {
        self.bound
            .iter()
            .enumerate()
            .filter_map(|(i, b)| b.as_ref().map(|b| (i, b)))
    }

    /// The rule for `field`, if one applies.
    pub fn rule_for(&self, field: &Field) -> Option<(usize, &Bound)> {
        self.iter().find(|(_, b)| core::ptr::eq(b.target, field))
    }

    /// True when, in `list` at `version`, a rule's target comes before its selector, so the
    /// struct must be read ahead once for the selector (FindCoordinator v1-3: Key, then KeyType).
    pub fn needs_lookahead(&self, list: &'static [Field], version: i16) -> bool {
        self.iter().any(|(_, b)| {
            core::ptr::eq(b.parent, list)
                && b.selector.is_some_and(|(sel, sel_index)| {
                    sel_index > b.target_index
                        && sel.versions.contains(version)
                        && b.target.versions.contains(version)
                })
        })
    }
}

/// Per-struct values of selector fields, by rule slot.
pub(super) type Selectors = [Option<i8>; MAX_BOUND];

/// The entity `kinds` maps `value` to.
pub(super) fn kind_of(kinds: &[(i8, EntityKind)], value: i8) -> Option<EntityKind> {
    kinds.iter().find(|(v, _)| *v == value).map(|(_, k)| *k)
}

#[cfg(test)]
mod tests {
    use super::super::types::{Element, Scalar};
    use super::*;

    /// A schema update that renames or moves a field a rule names must fail here, not pass
    /// the names through unseen.
    #[test]
    fn every_rule_binds_to_its_schema() {
        for rule in RULES {
            let bound = bind(rule)
                .unwrap_or_else(|| panic!("{} {:?} does not bind", rule.schema.name, rule.path));
            let at = format!("{} {:?}", rule.schema.name, rule.path);
            let string = matches!(
                bound.target.ty,
                Type::Scalar(Scalar::String) | Type::Array(Element::Scalar(Scalar::String))
            );
            match rule.decide {
                Decide::ConsumerBytes(_) => {
                    assert_eq!(bound.target.ty, Type::Scalar(Scalar::Bytes), "{at}")
                }
                _ => assert!(string, "{at}"),
            }
            if let Some((selector, _)) = bound.selector {
                assert_eq!(selector.ty, Type::Scalar(Scalar::Int8), "{at}");
            }
            assert_eq!(
                bound.target.entity, None,
                "{} {:?} is marked already",
                rule.schema.name, rule.path
            );
        }
    }

    #[test]
    fn every_schema_fits_the_bound_rule_slots() {
        for rule in RULES {
            let count = RULES
                .iter()
                .filter(|r| core::ptr::eq(r.schema, rule.schema))
                .count();
            assert!(count <= MAX_BOUND, "{}", rule.schema.name);
            assert_eq!(Active::for_schema(rule.schema).iter().count(), count);
        }
    }

    /// The consumer-bytes rules need the message's ProtocolType.
    #[test]
    fn consumer_bytes_rules_find_protocol_type() {
        for rule in RULES
            .iter()
            .filter(|r| matches!(r.decide, Decide::ConsumerBytes(_)))
        {
            assert!(
                Active::for_schema(rule.schema).protocol_type.is_some(),
                "{}",
                rule.schema.name
            );
        }
    }
}
