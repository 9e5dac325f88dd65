//! Writing a [`Struct`] tree back to a body, and the defaults of missing fields.
//!
//! The schema at the message's version drives the writing, as it drives the reading: a field of
//! the version missing from a struct gets its default (the schema's `default` for integers and
//! bools, else zero, false, "", empty, or null where the field is nullable), a tagged field is
//! written only when present, and anything the schema cannot hold (a value of the wrong kind, a
//! null where the field is not nullable, a field the version does not have) is an
//! [`WalkError::Encode`] naming the field.
//!
//! A nullable field the schema gives no `default` defaults to null here, where Kafka's own
//! generated classes (and the `kafka-protocol` crate) use "" or an empty array: for the entries
//! a gateway adds to an answer, null is the safer "nothing" (no error message, no configs).

use super::{Lvl, Presence, Struct, Value};
use crate::primitives::Sink;
use crate::schema::error::WalkError;
use crate::schema::splice::{put_prefix, Prefix};
use crate::schema::types::{Element, Field, Scalar, Type};
use crate::schema::{message_schema, MessageRef};

const WRONG_KIND: &str = "the value's kind does not match the field's type";
const NOT_NULLABLE: &str = "null where the field is not nullable at this version";
const NO_SUCH_FIELD: &str = "no such field at this version";
const TWICE: &str = "the field is given twice";
const TAG_TAKEN: &str = "an unknown tagged field has the tag of this known field";
const NOT_A_STRUCT: &str =
    "the path names a field that is neither a struct nor an array of structs";

fn error(field: &'static str, why: &'static str) -> WalkError {
    WalkError::Encode { field, why }
}

/// Encode a tree back to a body at `message.version` (the bytes after the header). Bytes that
/// followed the message when it was decoded are [`Decoded::trailing`](super::Decoded), which
/// [`Decoded::encode`](super::Decoded::encode) appends.
pub fn encode(root: &Struct, message: MessageRef) -> Result<Vec<u8>, WalkError> {
    let schema = message_schema(message)?;
    let lvl = Lvl {
        version: message.version,
        flexible: schema.flexible.contains(message.version),
    };
    let mut out = Vec::new();
    write_struct(&mut out, schema.fields, root, lvl)?;
    Ok(out)
}

/// A new struct with every field present at the version set to its default (tagged fields
/// left out): the element of the array of structs at `path` (field names from the root, e.g.
/// `&["Topics", "Partitions"]`), the struct field at `path`, or the message itself for an empty
/// path. Fill in a name and an error code and push it.
pub fn new_element(message: MessageRef, path: &[&str]) -> Result<Struct, WalkError> {
    let schema = message_schema(message)?;
    let lvl = Lvl {
        version: message.version,
        flexible: schema.flexible.contains(message.version),
    };
    let mut list = schema.fields;
    let mut parent = schema.name;
    for name in path {
        let f = list
            .iter()
            .find(|f| f.name == *name && lvl.presence(f) != Presence::Absent)
            .ok_or_else(|| match list.iter().find(|f| f.name == *name) {
                Some(f) => error(f.name, NO_SUCH_FIELD),
                None => error(parent, "the path names a field this struct does not have"),
            })?;
        list = match f.ty {
            Type::Struct(fields) | Type::Array(Element::Struct(fields)) => fields,
            _ => return Err(error(f.name, NOT_A_STRUCT)),
        };
        parent = f.name;
    }
    Ok(default_struct(list, lvl))
}

fn default_struct(list: &'static [Field], lvl: Lvl) -> Struct {
    Struct {
        fields: list
            .iter()
            .filter(|f| lvl.presence(f) == Presence::Regular)
            .map(|f| (f.name, default_value(f, lvl)))
            .collect(),
        unknown_tags: Vec::new(),
    }
}

/// The value a missing field is written with.
fn default_value(f: &Field, lvl: Lvl) -> Value {
    let nullable = f.nullable.contains(lvl.version);
    match f.ty {
        Type::Scalar(Scalar::String | Scalar::Bytes | Scalar::Records)
        | Type::Struct(_)
        | Type::Array(_)
            if nullable =>
        {
            Value::Null
        }
        Type::Scalar(s) => default_scalar(s, f.default),
        Type::Struct(list) => Value::Struct(default_struct(list, lvl)),
        Type::Array(_) => Value::Array(Vec::new()),
    }
}

/// A scalar's default; `d` is the schema's (already range-checked by the generator).
fn default_scalar(s: Scalar, d: i64) -> Value {
    match s {
        Scalar::Bool => Value::Bool(d != 0),
        Scalar::Int8 => Value::Int8(i8::try_from(d).unwrap_or_default()),
        Scalar::Int16 => Value::Int16(i16::try_from(d).unwrap_or_default()),
        Scalar::Uint16 => Value::Uint16(u16::try_from(d).unwrap_or_default()),
        Scalar::Int32 => Value::Int32(i32::try_from(d).unwrap_or_default()),
        Scalar::Uint32 => Value::Uint32(u32::try_from(d).unwrap_or_default()),
        Scalar::Int64 => Value::Int64(d),
        Scalar::Float64 => Value::Float64(0.0),
        Scalar::String => Value::String(String::new()),
        Scalar::Bytes => Value::Bytes(Vec::new()),
        Scalar::Records => Value::Records(Vec::new()),
        Scalar::Uuid => Value::Uuid([0; 16]),
    }
}

fn write_struct(
    out: &mut Vec<u8>,
    list: &'static [Field],
    s: &Struct,
    lvl: Lvl,
) -> Result<(), WalkError> {
    check_names(list, s, lvl)?;
    for f in list {
        if lvl.presence(f) != Presence::Regular {
            continue;
        }
        match s.get(f.name) {
            Some(value) => write_field(out, f, value, lvl)?,
            None => write_field(out, f, &default_value(f, lvl), lvl)?,
        }
    }
    if lvl.flexible {
        write_tagged(out, list, s, lvl)?;
    }
    Ok(())
}

/// Every field of `s` exists at the version, once.
fn check_names(list: &'static [Field], s: &Struct, lvl: Lvl) -> Result<(), WalkError> {
    for (i, (name, _)) in s.fields.iter().enumerate() {
        if !list
            .iter()
            .any(|f| f.name == *name && lvl.presence(f) != Presence::Absent)
        {
            return Err(error(name, NO_SUCH_FIELD));
        }
        if s.fields.iter().take(i).any(|(n, _)| n == name) {
            return Err(error(name, TWICE));
        }
    }
    Ok(())
}

/// The tagged-field section: the known tagged fields present in `s` and its unknown ones,
/// merged in ascending tag order (equal unknown tags in their order in `s`).
fn write_tagged(
    out: &mut Vec<u8>,
    list: &'static [Field],
    s: &Struct,
    lvl: Lvl,
) -> Result<(), WalkError> {
    let mut known: Vec<(u32, Vec<u8>)> = Vec::new();
    for f in list {
        let Some(tag) = f.tag.filter(|_| lvl.presence(f) == Presence::Tagged) else {
            continue;
        };
        if s.unknown_tags.iter().any(|(t, _)| *t == tag) {
            return Err(error(f.name, TAG_TAKEN));
        }
        if let Some(value) = s.get(f.name) {
            let mut data = Vec::new();
            write_field(&mut data, f, value, lvl)?;
            known.push((tag, data));
        }
    }
    let mut all: Vec<(u32, &[u8])> = known
        .iter()
        .map(|(t, d)| (*t, d.as_slice()))
        .chain(s.unknown_tags.iter().map(|(t, d)| (*t, d.as_slice())))
        .collect();
    all.sort_by_key(|(tag, _)| *tag);
    put_prefix(out, Prefix::Varint, Some(all.len()), "tagged fields")?;
    for (tag, data) in all {
        out.put_uvarint(tag);
        put_prefix(out, Prefix::Varint, Some(data.len()), "tagged field")?;
        out.extend_from_slice(data);
    }
    Ok(())
}

fn write_field(out: &mut Vec<u8>, f: &Field, value: &Value, lvl: Lvl) -> Result<(), WalkError> {
    let nullable = f.nullable.contains(lvl.version);
    match (f.ty, value) {
        (_, Value::Null) if !nullable => Err(error(f.name, NOT_NULLABLE)),
        (Type::Scalar(s), value) => write_scalar(out, f.name, s, nullable, value, lvl),
        (Type::Struct(_), Value::Null) => {
            out.put_i8(-1);
            Ok(())
        }
        (Type::Struct(list), Value::Struct(s)) => {
            if nullable {
                out.put_i8(1);
            }
            write_struct(out, list, s, lvl)
        }
        (Type::Array(_), Value::Null) => put_len(out, None, f.name, lvl),
        (Type::Array(element), Value::Array(items)) => {
            put_len(out, Some(items.len()), f.name, lvl)?;
            for item in items {
                match (element, item) {
                    (Element::Struct(list), Value::Struct(s)) => write_struct(out, list, s, lvl)?,
                    (Element::Scalar(s), item) => write_scalar(out, f.name, s, false, item, lvl)?,
                    (Element::Struct(_), Value::Null) => return Err(error(f.name, NOT_NULLABLE)),
                    (Element::Struct(_), _) => return Err(error(f.name, WRONG_KIND)),
                }
            }
            Ok(())
        }
        _ => Err(error(f.name, WRONG_KIND)),
    }
}

fn put_len(
    out: &mut Vec<u8>,
    len: Option<usize>,
    name: &'static str,
    lvl: Lvl,
) -> Result<(), WalkError> {
    out.put_len(len, lvl.flexible, name)
        .map_err(WalkError::TooLong)
}

fn write_scalar(
    out: &mut Vec<u8>,
    name: &'static str,
    s: Scalar,
    nullable: bool,
    value: &Value,
    lvl: Lvl,
) -> Result<(), WalkError> {
    let string = Prefix::of_string(lvl.flexible);
    let bytes = Prefix::of_bytes(lvl.flexible);
    match (s, value) {
        (Scalar::Bool, Value::Bool(v)) => out.put_bool(*v),
        (Scalar::Int8, Value::Int8(v)) => out.put_i8(*v),
        (Scalar::Int16, Value::Int16(v)) => out.put_i16(*v),
        (Scalar::Uint16, Value::Uint16(v)) => out.put_u16(*v),
        (Scalar::Int32, Value::Int32(v)) => out.put_i32(*v),
        (Scalar::Uint32, Value::Uint32(v)) => out.put_u32(*v),
        (Scalar::Int64, Value::Int64(v)) => out.put_i64(*v),
        (Scalar::Float64, Value::Float64(v)) => out.put_f64(*v),
        (Scalar::Uuid, Value::Uuid(v)) => out.put_uuid(v),
        (Scalar::String, Value::String(v)) => {
            put_prefix(out, string, Some(v.len()), name)?;
            out.extend_from_slice(v.as_bytes());
        }
        (Scalar::Bytes, Value::Bytes(v)) | (Scalar::Records, Value::Records(v)) => {
            put_prefix(out, bytes, Some(v.len()), name)?;
            out.extend_from_slice(v);
        }
        (Scalar::String | Scalar::Bytes | Scalar::Records, Value::Null) if nullable => {
            let prefix = if s == Scalar::String { string } else { bytes };
            put_prefix(out, prefix, None, name)?;
        }
        (_, Value::Null) if nullable => {
            return Err(error(name, "null for a type that has no null form"));
        }
        (_, Value::Null) => return Err(error(name, NOT_NULLABLE)),
        _ => return Err(error(name, WRONG_KIND)),
    }
    Ok(())
}
