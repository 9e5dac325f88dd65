//! Reading a body into a [`Struct`] tree by the schema at the message's version: every length
//! and count checked against the bytes that remain before it is used, nothing allocated from
//! them, no panics.

use super::{Decoded, Lvl, Presence, Struct, Value};
use crate::error::DecodeError;
use crate::schema::cursor::Cursor;
use crate::schema::error::WalkError;
use crate::schema::splice::Prefix;
use crate::schema::types::{Element, Field, Scalar, Type};
use crate::schema::{message_schema, MessageRef, WalkOptions};

/// Decode a body (the bytes after the request or response header) into a tree.
///
/// Of `options`, only [`WalkOptions::allow_trailing_bytes`] matters: bytes after the message
/// are an error unless it is set, and then kept in [`Decoded::trailing`] (which
/// [`Decoded::encode`] writes back). Consumer-protocol bytes stay [`Value::Bytes`], so the
/// other options are not needed.
pub fn decode(
    body: &[u8],
    message: MessageRef,
    options: &WalkOptions,
) -> Result<Decoded, WalkError> {
    let schema = message_schema(message)?;
    let lvl = Lvl {
        version: message.version,
        flexible: schema.flexible.contains(message.version),
    };
    let mut cur = Cursor::new(body);
    let root = read_struct(schema.fields, &mut cur, lvl)?;
    if !options.allow_trailing_bytes {
        cur.expect_empty("message body")?;
    }
    let trailing = cur.take(cur.remaining(), "message body")?.to_vec();
    Ok(Decoded { root, trailing })
}

pub(super) fn read_struct(
    list: &'static [Field],
    cur: &mut Cursor<'_>,
    lvl: Lvl,
) -> Result<Struct, WalkError> {
    let mut fields = Vec::with_capacity(list.len());
    for f in list {
        if lvl.presence(f) == Presence::Regular {
            fields.push((f.name, read_field(f, cur, lvl)?));
        }
    }
    let mut unknown_tags = Vec::new();
    if lvl.flexible {
        let tagged = read_tagged(list, cur, lvl, &mut unknown_tags)?;
        if !tagged.is_empty() {
            fields = merge(list, lvl, fields, tagged);
        }
    }
    Ok(Struct {
        fields,
        unknown_tags,
    })
}

/// The tagged-field section: known tags as (index in `list`, value), unknown ones into
/// `unknown` (sorted by tag, equal tags in wire order).
fn read_tagged(
    list: &'static [Field],
    cur: &mut Cursor<'_>,
    lvl: Lvl,
    unknown: &mut Vec<(u32, Vec<u8>)>,
) -> Result<Vec<(usize, Value)>, WalkError> {
    let count = cur.read(|r| r.uvarint("tagged fields"))?;
    // Each field takes at least two bytes (tag and size).
    if usize::try_from(count).map_or(true, |c| c > cur.remaining() / 2) {
        return Err(DecodeError::LengthExceedsRemaining {
            context: "tagged fields",
        }
        .into());
    }
    let mut known: Vec<(usize, Value)> = Vec::new();
    for _ in 0..count {
        let tag = cur.read(|r| r.uvarint("tag"))?;
        let size = cur
            .len(Prefix::Varint, "tagged field size")?
            .unwrap_or_default();
        let mut content = cur.sub(size, "tagged field")?;
        let found = list
            .iter()
            .enumerate()
            .find(|(_, f)| f.tag == Some(tag) && lvl.presence(f) == Presence::Tagged);
        let Some((index, f)) = found else {
            unknown.push((tag, content.take(size, "tagged field")?.to_vec()));
            continue;
        };
        if known.iter().any(|(i, _)| *i == index) {
            return Err(DecodeError::InvalidValue {
                context: "duplicate tagged field",
            }
            .into());
        }
        let value = read_field(f, &mut content, lvl)?;
        content.expect_empty(f.name)?;
        known.push((index, value));
    }
    unknown.sort_by_key(|(tag, _)| *tag);
    known.sort_by_key(|(index, _)| *index);
    Ok(known)
}

/// The regular fields (in schema order) and the known tagged ones (sorted by index) as one
/// list in schema order.
fn merge(
    list: &'static [Field],
    lvl: Lvl,
    regular: Vec<(&'static str, Value)>,
    tagged: Vec<(usize, Value)>,
) -> Vec<(&'static str, Value)> {
    let mut out = Vec::with_capacity(regular.len() + tagged.len());
    let mut regular = regular.into_iter();
    let mut tagged = tagged.into_iter().peekable();
    for (index, f) in list.iter().enumerate() {
        match lvl.presence(f) {
            Presence::Absent => {}
            Presence::Regular => out.extend(regular.next()),
            Presence::Tagged => {
                if let Some((_, value)) = tagged.next_if(|(i, _)| *i == index) {
                    out.push((f.name, value));
                }
            }
        }
    }
    out
}

fn read_field(f: &'static Field, cur: &mut Cursor<'_>, lvl: Lvl) -> Result<Value, WalkError> {
    let nullable = f.nullable.contains(lvl.version);
    match f.ty {
        Type::Scalar(s) => read_scalar(f.name, s, nullable, cur, lvl),
        Type::Struct(list) => {
            if nullable {
                // A nullable struct is preceded by a presence byte: -1 null, 1 present.
                match cur.read(|r| r.i8(f.name))? {
                    -1 => return Ok(Value::Null),
                    1 => {}
                    _ => return Err(DecodeError::InvalidValue { context: f.name }.into()),
                }
            }
            Ok(Value::Struct(read_struct(list, cur, lvl)?))
        }
        Type::Array(element) => {
            let Some(count) = cur.read(|r| r.nullable_array_len(lvl.flexible, f.name))? else {
                return null(f.name, nullable);
            };
            // `count` is at most the bytes that remain; an element in memory is larger than
            // its smallest wire form, so cap the up-front reservation and let the vector grow.
            let mut items = Vec::with_capacity(count.min(1024));
            for _ in 0..count {
                items.push(match element {
                    Element::Struct(list) => Value::Struct(read_struct(list, cur, lvl)?),
                    Element::Scalar(s) => read_scalar(f.name, s, false, cur, lvl)?,
                });
            }
            Ok(Value::Array(items))
        }
    }
}

fn read_scalar(
    name: &'static str,
    s: Scalar,
    nullable: bool,
    cur: &mut Cursor<'_>,
    lvl: Lvl,
) -> Result<Value, WalkError> {
    Ok(match s {
        Scalar::Bool => Value::Bool(cur.read(|r| r.bool(name))?),
        Scalar::Int8 => Value::Int8(cur.read(|r| r.i8(name))?),
        Scalar::Int16 => Value::Int16(cur.read(|r| r.i16(name))?),
        Scalar::Uint16 => Value::Uint16(cur.read(|r| r.u16(name))?),
        Scalar::Int32 => Value::Int32(cur.read(|r| r.i32(name))?),
        Scalar::Uint32 => Value::Uint32(cur.read(|r| r.u32(name))?),
        Scalar::Int64 => Value::Int64(cur.read(|r| r.i64(name))?),
        Scalar::Float64 => Value::Float64(cur.read(|r| r.f64(name))?),
        Scalar::Uuid => Value::Uuid(cur.read(|r| r.uuid(name))?),
        Scalar::String => {
            let Some(len) = cur.len(Prefix::of_string(lvl.flexible), name)? else {
                return null(name, nullable);
            };
            let text = core::str::from_utf8(cur.take(len, name)?)
                .map_err(|_| DecodeError::InvalidUtf8 { context: name })?;
            Value::String(text.to_owned())
        }
        Scalar::Bytes | Scalar::Records => {
            let Some(len) = cur.len(Prefix::of_bytes(lvl.flexible), name)? else {
                return null(name, nullable);
            };
            let bytes = cur.take(len, name)?.to_vec();
            if s == Scalar::Records {
                Value::Records(bytes)
            } else {
                Value::Bytes(bytes)
            }
        }
    })
}

fn null(name: &'static str, nullable: bool) -> Result<Value, WalkError> {
    if nullable {
        Ok(Value::Null)
    } else {
        Err(DecodeError::UnexpectedNull { context: name }.into())
    }
}
