//! A generic value tree for any message at any version, read and written by the descriptor
//! tables alone: how the gateway edits a message structurally (drop elements from an array,
//! set an error code, add an error entry for the part of a request it refused).
//!
//! Why a tree beside [`walk`](super::walk): a walk can only replace names and ids in place; an
//! edit that changes the shape of a message (fewer topics, one more error entry) needs the
//! message as values. Decoding is strict in the same ways a walk is (every length checked
//! against the bytes that remain before anything is allocated, nothing panics) and keeps what
//! this build does not understand: unknown tagged fields as raw bytes, records and
//! consumer-protocol bytes as the bytes they were, and bytes after the message (when allowed) in
//! [`Decoded::trailing`].
//!
//! Round trip: for any body Kafka's own serializers could have written,
//! `decode(b)?.encode(m)? == b` byte for byte (tagged fields at their defaults included: a
//! tagged field is written when it is in the tree, whatever its value). A body that is valid but
//! not canonical comes back in the canonical form, never longer: varints in their shortest form,
//! tagged fields in ascending tag order (unknown ones with equal tags in their wire order), and
//! a bool byte other than 0 or 1 as 1. A string must be UTF-8 to decode
//! ([`DecodeError::InvalidUtf8`](crate::DecodeError::InvalidUtf8)), although a walk does not
//! look into strings that are no entity.

use super::error::WalkError;
use super::types::Field;
use super::MessageRef;

#[path = "value_decode.rs"]
mod read;
#[cfg(test)]
#[path = "value_tests.rs"]
mod tests;
#[path = "value_encode.rs"]
mod write;

pub use read::decode;
pub use write::{encode, new_element};

/// One value of a message tree.
///
/// Equality compares `Float64` by its bits (so that a NaN equals itself and a tree compares
/// equal to its own round trip).
#[derive(Debug, Clone)]
pub enum Value {
    /// A null string, bytes, records, array or struct, where the field is nullable at the
    /// message's version.
    Null,
    /// BOOLEAN.
    Bool(bool),
    /// INT8.
    Int8(i8),
    /// INT16.
    Int16(i16),
    /// UINT16.
    Uint16(u16),
    /// INT32.
    Int32(i32),
    /// UINT32.
    Uint32(u32),
    /// INT64.
    Int64(i64),
    /// FLOAT64.
    Float64(f64),
    /// STRING.
    String(String),
    /// BYTES (consumer-protocol bytes included: they stay bytes).
    Bytes(Vec<u8>),
    /// RECORDS, as the bytes they were on the wire.
    Records(Vec<u8>),
    /// UUID.
    Uuid([u8; 16]),
    /// A struct (a struct field, an element of an array of structs, or the message itself).
    Struct(Struct),
    /// An array.
    Array(Vec<Value>),
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int8(a), Int8(b)) => a == b,
            (Int16(a), Int16(b)) => a == b,
            (Uint16(a), Uint16(b)) => a == b,
            (Int32(a), Int32(b)) => a == b,
            (Uint32(a), Uint32(b)) => a == b,
            (Int64(a), Int64(b)) => a == b,
            (Float64(a), Float64(b)) => a.to_bits() == b.to_bits(),
            (String(a), String(b)) => a == b,
            (Bytes(a), Bytes(b)) | (Records(a), Records(b)) => a == b,
            (Uuid(a), Uuid(b)) => a == b,
            (Struct(a), Struct(b)) => a == b,
            (Array(a), Array(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Value {}

impl Value {
    /// The struct, if this is one.
    pub fn as_struct(&self) -> Option<&Struct> {
        match self {
            Value::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// The struct, if this is one, to change.
    pub fn as_struct_mut(&mut self) -> Option<&mut Struct> {
        match self {
            Value::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a non-null string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value of any integer kind, widened.
    pub fn as_int(&self) -> Option<i64> {
        match *self {
            Value::Int8(v) => Some(v.into()),
            Value::Int16(v) => Some(v.into()),
            Value::Uint16(v) => Some(v.into()),
            Value::Int32(v) => Some(v.into()),
            Value::Uint32(v) => Some(v.into()),
            Value::Int64(v) => Some(v),
            _ => None,
        }
    }

    /// The elements of a non-null array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The elements of a non-null array, to change.
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// True for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// A struct: the message itself, a struct field, or an element of an array of structs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Struct {
    /// The fields present at the message's version, in schema order (tagged fields only when
    /// present on the wire). [`encode`] gives a missing field its default and writes a tagged
    /// field only when it is here.
    pub fields: Vec<(&'static str, Value)>,
    /// Tagged fields this build does not know: (tag, raw bytes), in ascending tag order as
    /// decoded, written back in ascending tag order.
    pub unknown_tags: Vec<(u32, Vec<u8>)>,
}

impl Struct {
    /// The field `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The field `name`, to change.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.fields
            .iter_mut()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    /// Replace the field `name`, or append it when absent (order does not matter to
    /// [`encode`]).
    pub fn set(&mut self, name: &'static str, value: Value) {
        match self.get_mut(name) {
            Some(slot) => *slot = value,
            None => self.fields.push((name, value)),
        }
    }

    /// Remove the field `name` (a tagged field is then not written; any other gets its
    /// default), returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let at = self.fields.iter().position(|(n, _)| *n == name)?;
        Some(self.fields.remove(at).1)
    }

    /// The text of the non-null string field `name`.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    /// The integer field `name`, of any integer kind.
    pub fn int(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(Value::as_int)
    }

    /// Set the integer field `name` to `value`, keeping its integer kind. False (and nothing
    /// changed) when the field is absent, not an integer, or `value` is out of its range.
    pub fn set_int(&mut self, name: &str, value: i64) -> bool {
        fn put<T: TryFrom<i64>>(slot: &mut T, value: i64) -> bool {
            T::try_from(value).map(|v| *slot = v).is_ok()
        }
        match self.get_mut(name) {
            Some(Value::Int8(slot)) => put(slot, value),
            Some(Value::Int16(slot)) => put(slot, value),
            Some(Value::Uint16(slot)) => put(slot, value),
            Some(Value::Int32(slot)) => put(slot, value),
            Some(Value::Uint32(slot)) => put(slot, value),
            Some(Value::Int64(slot)) => put(slot, value),
            _ => false,
        }
    }

    /// The uuid field `name`.
    pub fn uuid(&self, name: &str) -> Option<[u8; 16]> {
        match self.get(name) {
            Some(Value::Uuid(id)) => Some(*id),
            _ => None,
        }
    }

    /// The elements of the non-null array field `name`.
    pub fn array(&self, name: &str) -> Option<&[Value]> {
        self.get(name).and_then(Value::as_array)
    }

    /// The elements of the non-null array field `name`, to change.
    pub fn array_mut(&mut self, name: &str) -> Option<&mut Vec<Value>> {
        self.get_mut(name).and_then(Value::as_array_mut)
    }
}

/// A decoded body: the message and whatever followed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decoded {
    /// The message.
    pub root: Struct,
    /// Bytes after the end of the message, kept when
    /// [`WalkOptions::allow_trailing_bytes`](super::WalkOptions::allow_trailing_bytes) allowed them (empty otherwise).
    pub trailing: Vec<u8>,
}

impl Decoded {
    /// [`encode`] the message, then append [`Decoded::trailing`]: the body as it came, for any
    /// body [`decode`] returned this from (in the canonical form described in the module).
    pub fn encode(&self, message: MessageRef) -> Result<Vec<u8>, WalkError> {
        let mut out = encode(&self.root, message)?;
        out.extend_from_slice(&self.trailing);
        Ok(out)
    }
}

/// The message's version and whether it is flexible.
#[derive(Debug, Clone, Copy)]
struct Lvl {
    version: i16,
    flexible: bool,
}

impl Lvl {
    /// Whether `f` is on the wire at this version, and whether as a tagged field.
    fn presence(self, f: &Field) -> Presence {
        if !f.versions.contains(self.version) {
            Presence::Absent
        } else if self.flexible && f.is_tagged_at(self.version) {
            Presence::Tagged
        } else {
            Presence::Regular
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    Absent,
    Regular,
    Tagged,
}
