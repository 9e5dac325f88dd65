//! Random trees of every API, version and direction, from the descriptors: each encodes to a
//! body the walk accepts, decodes back to itself, re-encodes byte for byte, and fails to decode
//! when cut short; where the `kafka-protocol` crate knows the message, it reads our bytes and
//! writes them back identically, and its defaults are ours.

use super::super::read::read_struct;
use super::super::{Lvl, Presence};
use super::{request, response, STRICT, WALKABLE};
use crate::schema::cursor::Cursor;
use crate::schema::message_schema;
use crate::schema::types::{Element, Field, Scalar, Type};
use crate::schema::{decode, encode, new_element, walk, Direction, Entity, MessageRef, APIS};
use crate::schema::{Struct, Value};

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

struct Gen {
    rng: Rng,
    lvl: Lvl,
    /// Write known tagged fields (the oracle omits those at their defaults, so not for it).
    tagged: bool,
    /// How many known tagged fields were written.
    written: usize,
}

impl Gen {
    fn tree(&mut self, list: &'static [Field]) -> Struct {
        let mut s = Struct::default();
        for f in list {
            match self.lvl.presence(f) {
                Presence::Absent => {}
                Presence::Regular => s.fields.push((f.name, self.value(f))),
                Presence::Tagged if self.tagged && self.rng.one_in(2) => {
                    self.written += 1;
                    s.fields.push((f.name, self.value(f)));
                }
                Presence::Tagged => {}
            }
        }
        if self.lvl.flexible && self.rng.one_in(3) {
            for _ in 0..=self.rng.below(2) {
                let tag = 1000 + self.rng.below(5) as u32;
                let data = self.bytes();
                s.unknown_tags.push((tag, data));
            }
            s.unknown_tags.sort_by_key(|(t, _)| *t);
            // The oracle keeps unknown tags in a map: no repeats.
            s.unknown_tags.dedup_by_key(|(t, _)| *t);
        }
        s
    }

    fn value(&mut self, f: &'static Field) -> Value {
        let nullable = f.nullable.contains(self.lvl.version);
        if nullable && self.rng.one_in(5) {
            return Value::Null;
        }
        match f.ty {
            Type::Scalar(s) => self.scalar(s),
            Type::Struct(list) => Value::Struct(self.tree(list)),
            Type::Array(element) => {
                let n = self.rng.below(3);
                Value::Array(
                    (0..n)
                        .map(|_| match element {
                            Element::Struct(list) => Value::Struct(self.tree(list)),
                            Element::Scalar(s) => self.scalar(s),
                        })
                        .collect(),
                )
            }
        }
    }

    fn bytes(&mut self) -> Vec<u8> {
        let n = self.rng.below(6);
        (0..n).map(|_| self.rng.next() as u8).collect()
    }

    fn scalar(&mut self, s: Scalar) -> Value {
        let r = self.rng.next();
        match s {
            Scalar::Bool => Value::Bool(r & 1 == 1),
            Scalar::Int8 => Value::Int8(r as i8),
            Scalar::Int16 => Value::Int16(r as i16),
            Scalar::Uint16 => Value::Uint16(r as u16),
            Scalar::Int32 => Value::Int32(r as i32),
            Scalar::Uint32 => Value::Uint32(r as u32),
            Scalar::Int64 => Value::Int64(r as i64),
            Scalar::Float64 => Value::Float64(f64::from_bits(r)),
            Scalar::Uuid => Value::Uuid([r as u8; 16]),
            Scalar::String => {
                let words = ["", "orders", "é☃", "a-b.c_d"];
                Value::String(words[(r % 4) as usize].to_owned())
            }
            Scalar::Bytes => Value::Bytes(self.bytes()),
            Scalar::Records => Value::Records(self.bytes()),
        }
    }
}

fn every_message() -> impl Iterator<Item = MessageRef> {
    APIS.iter().flat_map(|api| {
        [
            (Direction::Request, api.request),
            (Direction::Response, api.response),
        ]
        .into_iter()
        .flat_map(move |(direction, schema)| {
            (schema.versions.min..=schema.versions.max).map(move |version| MessageRef {
                api_key: api.api_key,
                version,
                direction,
            })
        })
    })
}

fn generator(m: MessageRef, seed: u64, tagged: bool) -> (Gen, &'static [Field]) {
    let schema = message_schema(m).expect("schema");
    let lvl = Lvl {
        version: m.version,
        flexible: schema.flexible.contains(m.version),
    };
    let rng = Rng(seed ^ (m.api_key as u64) << 32 ^ (m.version as u64) << 16);
    (
        Gen {
            rng,
            lvl,
            tagged,
            written: 0,
        },
        schema.fields,
    )
}

#[test]
fn random_trees_of_every_message_round_trip() {
    let (mut count, mut tagged) = (0, 0);
    for m in every_message() {
        let what = format!("{m:?}");
        let defaults = new_element(m, &[]).expect("root");
        let body = encode(&defaults, m).expect("defaults encode");
        assert_eq!(decode(&body, m, &STRICT).expect("decode").root, defaults);
        for seed in 0..8 {
            let (mut g, fields) = generator(m, seed, true);
            let tree = g.tree(fields);
            tagged += g.written;
            let body = encode(&tree, m).unwrap_or_else(|e| panic!("{what}: {e}"));
            let walked = walk(&body, m, &WALKABLE, &mut |_: &Entity<'_>| None);
            assert_eq!(walked, Ok(None), "{what}: the walk disagrees");
            let back = decode(&body, m, &STRICT).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(back.root == tree, "{what} seed {seed}: tree differs");
            assert_eq!(back.encode(m).expect("re-encode"), body, "{what}");
            if seed == 0 {
                super::assert_prefixes_fail(&body, m, &what);
            }
            count += 1;
        }
    }
    assert!(
        count > 3000 && tagged > 200,
        "{count} trees, {tagged} tagged fields"
    );
}

/// (message, version) the `kafka-protocol` crate reads differently from our schemas: see
/// `ORACLE_DIFFERS` in `tests/schema_oracle.rs`.
const ORACLE_DIFFERS: &[(i16, Direction, i16)] = &[
    (8, Direction::Request, 10),
    (9, Direction::Request, 10),
    (22, Direction::Request, 6),
    (87, Direction::Response, 0),
];

/// The oracle decodes `body` (all of it) and encodes it again.
fn oracle(m: MessageRef, body: &[u8]) -> Result<Vec<u8>, String> {
    use bytes::Buf;
    use kafka_protocol::messages::{ApiKey, RequestKind, ResponseKind};
    let key = ApiKey::try_from(m.api_key).map_err(|()| "unknown key".to_owned())?;
    let mut buf = bytes::Bytes::copy_from_slice(body);
    let mut out = bytes::BytesMut::new();
    match m.direction {
        Direction::Request => RequestKind::decode(key, &mut buf, m.version)
            .and_then(|v| v.encode(&mut out, m.version)),
        Direction::Response => ResponseKind::decode(key, &mut buf, m.version)
            .and_then(|v| v.encode(&mut out, m.version)),
    }
    .map_err(|e| e.to_string())?;
    if buf.has_remaining() {
        return Err(format!("{} bytes left", buf.remaining()));
    }
    Ok(out.to_vec())
}

fn oracle_knows(m: MessageRef) -> bool {
    let Ok(key) = kafka_protocol::messages::ApiKey::try_from(m.api_key) else {
        return false;
    };
    let r = key.valid_versions();
    r.min <= m.version
        && m.version <= r.max
        && !ORACLE_DIFFERS.contains(&(m.api_key, m.direction, m.version))
}

#[test]
fn the_kafka_protocol_crate_reads_our_bodies_and_writes_the_same_bytes() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for m in every_message().filter(|m| oracle_knows(*m)) {
        for seed in 0..4 {
            let (mut g, fields) = generator(m, seed, false);
            let body = encode(&g.tree(fields), m).expect("encode");
            match oracle(m, &body) {
                Ok(theirs) if theirs == body => checked += 1,
                Ok(_) => failures.push(format!("{m:?} seed {seed}: other bytes")),
                Err(e) => failures.push(format!("{m:?} seed {seed}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 2000, "{checked} bodies");
}

/// The oracle's default value of `T` at `version`, decoded as the struct at `path`, agrees
/// with `new_element` (where ours is null, Kafka writes "" or []: see the module docs of
/// `value_encode`).
fn oracle_defaults_agree<T>(m: MessageRef, path: &[&str])
where
    T: kafka_protocol::protocol::Encodable + Default,
{
    let mut theirs = bytes::BytesMut::new();
    T::default().encode(&mut theirs, m.version).expect("oracle");
    let schema = message_schema(m).expect("schema");
    let mut list = schema.fields;
    for name in path {
        let f = list.iter().find(|f| f.name == *name).expect("field");
        list = match f.ty {
            Type::Struct(l) | Type::Array(Element::Struct(l)) => l,
            _ => panic!("not a struct"),
        };
    }
    let lvl = Lvl {
        version: m.version,
        flexible: schema.flexible.contains(m.version),
    };
    let mut cur = Cursor::new(&theirs);
    let theirs = read_struct(list, &mut cur, lvl).expect("ours reads theirs");
    let ours = new_element(m, path).expect("ours");
    assert_eq!(ours.fields.len(), theirs.fields.len());
    for ((name, a), (_, b)) in ours.fields.iter().zip(&theirs.fields) {
        let empty = matches!(b, Value::String(s) if s.is_empty())
            || matches!(b, Value::Array(a) if a.is_empty())
            || matches!(b, Value::Bytes(a) | Value::Records(a) if a.is_empty());
        assert!(a == b || (a.is_null() && empty), "{name}: {a:?} vs {b:?}");
    }
}

#[test]
fn defaults_agree_with_the_kafka_protocol_crate() {
    use kafka_protocol::messages as k;
    for v in [0, 8, 12] {
        oracle_defaults_agree::<k::MetadataRequest>(request(3, v), &[]);
        oracle_defaults_agree::<k::MetadataResponse>(response(3, v), &[]);
        oracle_defaults_agree::<k::metadata_response::MetadataResponseTopic>(
            response(3, v),
            &["Topics"],
        );
        oracle_defaults_agree::<k::metadata_response::MetadataResponsePartition>(
            response(3, v),
            &["Topics", "Partitions"],
        );
    }
    for v in [4, 12, 17] {
        oracle_defaults_agree::<k::FetchRequest>(request(1, v), &[]);
        oracle_defaults_agree::<k::fetch_request::FetchPartition>(
            request(1, v),
            &["Topics", "Partitions"],
        );
        oracle_defaults_agree::<k::fetch_response::PartitionData>(
            response(1, v),
            &["Responses", "Partitions"],
        );
    }
    for v in [3, 9, 12] {
        oracle_defaults_agree::<k::produce_response::PartitionProduceResponse>(
            response(0, v),
            &["Responses", "PartitionResponses"],
        );
    }
    for v in [2, 5, 7] {
        oracle_defaults_agree::<k::create_topics_response::CreatableTopicResult>(
            response(19, v),
            &["Topics"],
        );
    }
    oracle_defaults_agree::<k::JoinGroupRequest>(request(11, 5), &[]);
    oracle_defaults_agree::<k::OffsetCommitRequest>(request(8, 8), &[]);
    oracle_defaults_agree::<k::ListOffsetsRequest>(request(2, 7), &[]);
}
