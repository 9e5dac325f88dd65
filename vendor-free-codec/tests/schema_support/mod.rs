//! Random valid bodies for any (api, version, direction), driven by the codec's schema tables,
//! for the oracle and rule tests.
//!
//! Every entity string is a marker `E~<letter><n>` (t topic, g group, x transactional id) that
//! no other string can contain, and every topic id starts with the bytes 7e7e7e7e that no other
//! uuid starts with, so a test can tell from the output alone whether each entity, and nothing
//! else, was renamed. Which unmarked fields are entities is written here again, independently
//! of the codec's `rules.rs`, from the Kafka documentation of the resource and key types.
#![allow(dead_code)]

use codec::primitives::Sink;
use codec::schema::{
    Direction, Element, Field, MessageRef, MessageSchema, Scalar, Type, WalkOptions,
    CONSUMER_PROTOCOL_ASSIGNMENT, CONSUMER_PROTOCOL_SUBSCRIPTION,
};

/// splitmix64: small, seedable, good enough to spread values.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// The first four bytes of every topic id the generator writes.
pub const TOPIC_ID_MARK: [u8; 4] = [0x7e; 4];
/// What a renaming visitor turns them into.
pub const RENAMED_ID_MARK: [u8; 4] = [0x5a; 4];

/// How the generator decides an unmarked field.
#[derive(Clone, Copy, Debug)]
pub enum TestRule {
    /// By an INT8 sibling, one of `values`; `absent` when the version lacks the selector.
    Sibling {
        selector: &'static str,
        absent: Option<i8>,
        values: &'static [i8],
        kinds: &'static [(i8, char)],
    },
    /// By the request's key type, given to the walk as an option.
    KeyTypeOption(&'static [(i8, char)]),
    /// Consumer-protocol bytes when the group is a consumer group.
    Consumer(&'static MessageSchema),
    Always(char),
}

const KEYS: &[(i8, char)] = &[(0, 'g'), (1, 'x')];
const CONFIGS: &[(i8, char)] = &[(2, 't'), (32, 'g')];
const ACLS: &[(i8, char)] = &[(2, 't'), (3, 'g'), (5, 'x')];
const KEY_TYPES: &[i8] = &[0, 1, 2];
const CONFIG_TYPES: &[i8] = &[2, 4, 8, 16, 32];
const ACL_TYPES: &[i8] = &[1, 2, 3, 4, 5, 6, 7];

const fn sib(
    selector: &'static str,
    values: &'static [i8],
    kinds: &'static [(i8, char)],
) -> TestRule {
    TestRule::Sibling {
        selector,
        absent: None,
        values,
        kinds,
    }
}

/// (schema name, dotted path of the field) -> rule.
pub fn test_rules() -> Vec<(&'static str, &'static str, TestRule)> {
    let key = TestRule::Sibling {
        selector: "KeyType",
        absent: Some(0),
        values: KEY_TYPES,
        kinds: KEYS,
    };
    vec![
        ("FindCoordinatorRequest", "Key", key),
        ("FindCoordinatorRequest", "CoordinatorKeys", key),
        (
            "FindCoordinatorResponse",
            "Coordinators.Key",
            TestRule::KeyTypeOption(KEYS),
        ),
        (
            "DescribeConfigsRequest",
            "Resources.ResourceName",
            sib("ResourceType", CONFIG_TYPES, CONFIGS),
        ),
        (
            "DescribeConfigsResponse",
            "Results.ResourceName",
            sib("ResourceType", CONFIG_TYPES, CONFIGS),
        ),
        (
            "AlterConfigsRequest",
            "Resources.ResourceName",
            sib("ResourceType", CONFIG_TYPES, CONFIGS),
        ),
        (
            "AlterConfigsResponse",
            "Responses.ResourceName",
            sib("ResourceType", CONFIG_TYPES, CONFIGS),
        ),
        (
            "IncrementalAlterConfigsRequest",
            "Resources.ResourceName",
            sib("ResourceType", CONFIG_TYPES, CONFIGS),
        ),
        (
            "IncrementalAlterConfigsResponse",
            "Responses.ResourceName",
            sib("ResourceType", CONFIG_TYPES, CONFIGS),
        ),
        (
            "CreateAclsRequest",
            "Creations.ResourceName",
            sib("ResourceType", ACL_TYPES, ACLS),
        ),
        (
            "DescribeAclsRequest",
            "ResourceNameFilter",
            sib("ResourceTypeFilter", ACL_TYPES, ACLS),
        ),
        (
            "DescribeAclsResponse",
            "Resources.ResourceName",
            sib("ResourceType", ACL_TYPES, ACLS),
        ),
        (
            "DeleteAclsRequest",
            "Filters.ResourceNameFilter",
            sib("ResourceTypeFilter", ACL_TYPES, ACLS),
        ),
        (
            "DeleteAclsResponse",
            "FilterResults.MatchingAcls.ResourceName",
            sib("ResourceType", ACL_TYPES, ACLS),
        ),
        (
            "JoinGroupRequest",
            "Protocols.Metadata",
            TestRule::Consumer(&CONSUMER_PROTOCOL_SUBSCRIPTION),
        ),
        (
            "JoinGroupResponse",
            "Members.Metadata",
            TestRule::Consumer(&CONSUMER_PROTOCOL_SUBSCRIPTION),
        ),
        (
            "SyncGroupRequest",
            "Assignments.Assignment",
            TestRule::Consumer(&CONSUMER_PROTOCOL_ASSIGNMENT),
        ),
        (
            "SyncGroupResponse",
            "Assignment",
            TestRule::Consumer(&CONSUMER_PROTOCOL_ASSIGNMENT),
        ),
        (
            "ListConfigResourcesResponse",
            "ConfigResources.ResourceName",
            sib("ResourceType", CONFIG_TYPES, CONFIGS),
        ),
        (
            "ShareGroupHeartbeatRequest",
            "SubscribedTopicNames",
            TestRule::Always('t'),
        ),
        (
            "InitializeShareGroupStateRequest",
            "GroupId",
            TestRule::Always('g'),
        ),
        (
            "ReadShareGroupStateRequest",
            "GroupId",
            TestRule::Always('g'),
        ),
        (
            "WriteShareGroupStateRequest",
            "GroupId",
            TestRule::Always('g'),
        ),
        (
            "DeleteShareGroupStateRequest",
            "GroupId",
            TestRule::Always('g'),
        ),
        (
            "ReadShareGroupStateSummaryRequest",
            "GroupId",
            TestRule::Always('g'),
        ),
        (
            "ConsumerProtocolSubscription",
            "Topics",
            TestRule::Always('t'),
        ),
    ]
}

/// A generated body and the options a walk of it needs.
pub struct Generated {
    pub body: Vec<u8>,
    pub options: WalkOptions,
    /// How many entity markers (names and ids) it holds.
    pub entities: usize,
}

struct Gen<'r> {
    rng: &'r mut Rng,
    schema: &'static str,
    rules: Vec<(&'static str, &'static str, TestRule)>,
    path: Vec<&'static str>,
    consumer: bool,
    key_type: i8,
    counter: &'r mut usize,
}

/// A random valid body of `schema` at `version`.
pub fn generate(schema: &'static MessageSchema, version: i16, rng: &mut Rng) -> Generated {
    let consumer = !rng.one_in(4);
    let key_type = rng.pick(KEY_TYPES);
    let mut counter = 0;
    let mut body = Vec::new();
    let mut g = Gen {
        rng,
        schema: schema.name,
        rules: test_rules(),
        path: Vec::new(),
        consumer,
        key_type,
        counter: &mut counter,
    };
    g.write_struct(
        schema.fields,
        version,
        schema.flexible.contains(version),
        &mut body,
    );
    Generated {
        body,
        options: WalkOptions {
            consumer_protocol: Some(consumer),
            coordinator_key_type: Some(key_type),
            allow_trailing_bytes: false,
        },
        entities: counter,
    }
}

impl Gen<'_> {
    fn rule_at(&self, path: &str) -> Option<TestRule> {
        self.rules
            .iter()
            .find(|(s, p, _)| *s == self.schema && *p == path)
            .map(|(_, _, r)| *r)
    }

    fn marker(&mut self, letter: char) -> String {
        *self.counter += 1;
        format!("E~{letter}{}", self.counter)
    }

    fn plain_text(&mut self) -> String {
        let len = self.rng.below(7);
        (0..len)
            .map(|_| {
                char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[self.rng.below(36) as usize])
            })
            .collect()
    }

    fn write_struct(&mut self, list: &'static [Field], v: i16, flexible: bool, out: &mut Vec<u8>) {
        // Selector values for the rules whose target is in this struct, chosen up front: the
        // target may come first (FindCoordinator v1-3: Key, then KeyType).
        let here = self.path.join(".");
        let mut chosen: Vec<(&'static str, i8, TestRule)> = Vec::new();
        for (s, p, rule) in self.rules.clone() {
            let parent = p.rsplit_once('.').map_or("", |(a, _)| a);
            if s == self.schema && parent == here {
                if let TestRule::Sibling {
                    selector, values, ..
                } = rule
                {
                    chosen.push((selector, self.rng.pick(values), rule));
                }
            }
        }
        for f in list {
            if f.versions.contains(v) && !(flexible && f.is_tagged_at(v)) {
                self.path.push(f.name);
                self.write_field(f, v, flexible, &chosen, list, out);
                self.path.pop();
            }
        }
        if flexible {
            let mut tagged: Vec<(u32, Vec<u8>)> = Vec::new();
            for f in list {
                if f.versions.contains(v) && f.is_tagged_at(v) && !self.rng.one_in(3) {
                    let mut data = Vec::new();
                    self.path.push(f.name);
                    self.write_field(f, v, flexible, &chosen, list, &mut data);
                    self.path.pop();
                    tagged.push((f.tag.expect("tag"), data));
                }
            }
            if self.rng.one_in(4) {
                let data = self.plain_text().into_bytes();
                tagged.push((9000 + self.rng.below(50) as u32, data));
            }
            tagged.sort_by_key(|(t, _)| *t);
            tagged.dedup_by_key(|(t, _)| *t);
            out.put_uvarint(tagged.len() as u32);
            for (tag, data) in tagged {
                out.put_uvarint(tag);
                out.put_uvarint(data.len() as u32);
                out.extend_from_slice(&data);
            }
        }
    }

    /// The entity letter of a string field here, if it is one.
    fn name_letter(
        &self,
        f: &Field,
        v: i16,
        chosen: &[(&str, i8, TestRule)],
        list: &[Field],
    ) -> Option<char> {
        if let Some(kind) = f.entity {
            return Some(match kind {
                codec::schema::EntityKind::TopicName => 't',
                codec::schema::EntityKind::GroupId => 'g',
                codec::schema::EntityKind::TransactionalId => 'x',
                codec::schema::EntityKind::TopicId => return None,
            });
        }
        let lookup = |kinds: &[(i8, char)], value: i8| {
            kinds.iter().find(|(k, _)| *k == value).map(|(_, c)| *c)
        };
        match self.rule_at(&self.path.join("."))? {
            TestRule::Always(c) => Some(c),
            TestRule::KeyTypeOption(kinds) => lookup(kinds, self.key_type),
            TestRule::Sibling {
                selector,
                absent,
                kinds,
                ..
            } => {
                let present = list
                    .iter()
                    .any(|s| s.name == selector && s.versions.contains(v));
                let value = if present {
                    chosen
                        .iter()
                        .find(|(s, _, _)| *s == selector)
                        .map(|(_, value, _)| *value)?
                } else {
                    absent?
                };
                lookup(kinds, value)
            }
            TestRule::Consumer(_) => None,
        }
    }

    fn write_field(
        &mut self,
        f: &Field,
        v: i16,
        flexible: bool,
        chosen: &[(&str, i8, TestRule)],
        list: &[Field],
        out: &mut Vec<u8>,
    ) {
        let nullable = f.nullable.contains(v);
        match f.ty {
            Type::Scalar(s) => self.write_scalar(f, s, nullable, v, flexible, chosen, list, out),
            Type::Struct(fields) => {
                if nullable {
                    if self.rng.one_in(3) {
                        out.put_i8(-1);
                        return;
                    }
                    out.put_i8(1);
                }
                self.write_struct(fields, v, flexible, out);
            }
            Type::Array(element) => {
                if nullable && self.rng.one_in(4) {
                    out.put_len(None, flexible, "array").expect("null");
                    return;
                }
                let count = self.rng.below(3) as usize;
                out.put_len(Some(count), flexible, "array").expect("count");
                for _ in 0..count {
                    match element {
                        Element::Struct(fields) => self.write_struct(fields, v, flexible, out),
                        Element::Scalar(s) => {
                            self.write_scalar(f, s, false, v, flexible, chosen, list, out)
                        }
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn write_scalar(
        &mut self,
        f: &Field,
        s: Scalar,
        nullable: bool,
        v: i16,
        flexible: bool,
        chosen: &[(&str, i8, TestRule)],
        list: &[Field],
        out: &mut Vec<u8>,
    ) {
        let r = self.rng.next();
        match s {
            Scalar::Bool => out.put_bool(r & 1 == 1),
            Scalar::Int8 => match chosen.iter().find(|(sel, _, _)| *sel == f.name) {
                Some((_, value, _)) => out.put_i8(*value),
                None => out.put_i8(r as i8),
            },
            Scalar::Int16 => out.put_i16(r as i16),
            Scalar::Uint16 => out.put_u16(r as u16),
            Scalar::Int32 => out.put_i32(r as i32),
            Scalar::Uint32 => out.put_u32(r as u32),
            Scalar::Int64 => out.put_i64(r as i64),
            Scalar::Float64 => out.put_f64((r % 1000) as f64 / 4.0),
            Scalar::Uuid => {
                let mut id = [0u8; 16];
                id.copy_from_slice(&[r.to_be_bytes(), self.rng.next().to_be_bytes()].concat());
                if f.entity == Some(codec::schema::EntityKind::TopicId) {
                    *self.counter += 1;
                    id[..4].copy_from_slice(&TOPIC_ID_MARK);
                } else {
                    id[0] = 0x11;
                }
                out.put_uuid(&id);
            }
            Scalar::String => {
                if nullable && self.rng.one_in(4) {
                    out.put_nullable_string(None, flexible, "string")
                        .expect("null");
                    return;
                }
                let is_protocol_type = self.path.len() == 1
                    && f.name == "ProtocolType"
                    && matches!(
                        self.schema,
                        "JoinGroupRequest"
                            | "JoinGroupResponse"
                            | "SyncGroupRequest"
                            | "SyncGroupResponse"
                    );
                let text = if is_protocol_type {
                    (if self.consumer { "consumer" } else { "connect" }).to_owned()
                } else {
                    match self.name_letter(f, v, chosen, list) {
                        Some(letter) => self.marker(letter),
                        None => self.plain_text(),
                    }
                };
                out.put_string(&text, flexible, "string").expect("string");
            }
            Scalar::Bytes | Scalar::Records => {
                if nullable && self.rng.one_in(4) {
                    out.put_nullable_bytes(None, flexible, "bytes")
                        .expect("null");
                    return;
                }
                let data = match self.rule_at(&self.path.join(".")) {
                    // A consumer group's bytes are the consumer protocol, or empty (a member
                    // without an assignment).
                    Some(TestRule::Consumer(_)) if self.consumer && self.rng.one_in(6) => {
                        Vec::new()
                    }
                    Some(TestRule::Consumer(protocol)) if self.consumer => {
                        self.consumer_bytes(protocol)
                    }
                    _ => self.plain_text().into_bytes(),
                };
                out.put_bytes(&data, flexible, "bytes").expect("bytes");
            }
        }
    }

    fn consumer_bytes(&mut self, protocol: &'static MessageSchema) -> Vec<u8> {
        let version = self.rng.below(4) as i16;
        let mut data = Vec::new();
        data.put_i16(version);
        let mut inner = Gen {
            rng: &mut *self.rng,
            schema: protocol.name,
            rules: test_rules(),
            path: Vec::new(),
            consumer: false,
            key_type: 0,
            counter: &mut *self.counter,
        };
        inner.write_struct(protocol.fields, version, false, &mut data);
        data
    }
}

/// A request of `api_key` at `version`.
pub fn request(api_key: i16, version: i16) -> MessageRef {
    MessageRef {
        api_key,
        version,
        direction: Direction::Request,
    }
}

/// A response of `api_key` at `version`.
pub fn response(api_key: i16, version: i16) -> MessageRef {
    MessageRef {
        api_key,
        version,
        direction: Direction::Response,
    }
}

/// The message's schema.
pub fn schema_of(api_key: i16, direction: Direction) -> &'static MessageSchema {
    let api = codec::schema::api_schema(api_key).expect("api");
    match direction {
        Direction::Request => api.request,
        Direction::Response => api.response,
    }
}
