//! Small helpers over the codec's value tree: decode and encode a body, look a field up in the
//! schema at the message's version, set a field by its schema type, build error entries.

use codec::schema::{
    decode, encode, message_schema, new_element, Direction, Element, Field, MessageRef, Scalar,
    Struct, Type, Value, WalkOptions,
};

/// A message of one API at one version (request and response alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Msg {
    /// The API key.
    pub api_key: i16,
    /// The version.
    pub version: i16,
}

impl Msg {
    /// The request body's reference.
    pub fn req(self) -> MessageRef {
        MessageRef {
            api_key: self.api_key,
            version: self.version,
            direction: Direction::Request,
        }
    }

    /// The response body's reference.
    pub fn resp(self) -> MessageRef {
        MessageRef {
            api_key: self.api_key,
            version: self.version,
            direction: Direction::Response,
        }
    }

    /// The API's name, for messages and logs.
    pub fn name(self) -> &'static str {
        codec::api::api_name(self.api_key)
    }
}

/// Bytes after a message are kept (and written back), as a walk allows them.
const OPTIONS: WalkOptions = WalkOptions {
    consumer_protocol: None,
    coordinator_key_type: None,
    allow_trailing_bytes: true,
};

/// A decoded body and the bytes that followed it.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    /// The message.
    pub root: Struct,
    /// Bytes after it, written back as they came.
    pub trailing: Vec<u8>,
}

/// Decodes `body` as `m`.
pub(crate) fn read(body: &[u8], m: MessageRef) -> Result<Body, String> {
    let d = decode(body, m, &OPTIONS).map_err(|e| {
        format!(
            "acl: cannot decode {} v{} {:?}: {e}",
            codec::api::api_name(m.api_key),
            m.version,
            m.direction
        )
    })?;
    Ok(Body {
        root: d.root,
        trailing: d.trailing,
    })
}

/// Encodes `root` as `m`, then `trailing`.
pub(crate) fn write(root: &Struct, trailing: &[u8], m: MessageRef) -> Result<Vec<u8>, String> {
    let mut out = encode(root, m).map_err(|e| {
        format!(
            "acl: cannot encode {} v{} {:?}: {e}",
            codec::api::api_name(m.api_key),
            m.version,
            m.direction
        )
    })?;
    out.extend_from_slice(trailing);
    Ok(out)
}

/// The message `m` with every field at its default: the start of a locally built answer.
pub(crate) fn empty(m: MessageRef) -> Result<Struct, String> {
    element(m, &[])
}

/// A new element of the struct array at `path`, its fields at their defaults.
pub(crate) fn element(m: MessageRef, path: &[&str]) -> Result<Struct, String> {
    new_element(m, path).map_err(|e| {
        format!(
            "acl: no element {path:?} in {} v{}: {e}",
            codec::api::api_name(m.api_key),
            m.version
        )
    })
}

/// The fields of the struct at `path` (`[]`: the message itself), whatever their versions.
pub(crate) fn fields_at(m: MessageRef, path: &[&str]) -> Option<&'static [Field]> {
    let mut list = message_schema(m).ok()?.fields;
    for step in path {
        let f = list.iter().find(|f| f.name == *step)?;
        list = match f.ty {
            Type::Struct(inner) | Type::Array(Element::Struct(inner)) => inner,
            _ => return None,
        };
    }
    Some(list)
}

/// The field `name` of the struct at `path`, when it exists at `m`'s version.
pub(crate) fn field(m: MessageRef, path: &[&str], name: &str) -> Option<&'static Field> {
    fields_at(m, path)?
        .iter()
        .find(|f| f.name == name && f.versions.contains(m.version))
}

/// True when the struct at `path` has the field `name` at `m`'s version.
pub(crate) fn has(m: MessageRef, path: &[&str], name: &str) -> bool {
    field(m, path, name).is_some()
}

/// A value to set, converted to the field's schema type by [`put`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Put<'a> {
    /// An integer of whatever width the field has.
    Int(i64),
    /// A string.
    Str(&'a str),
    /// A string, or null where the field is nullable (else the empty string).
    OptStr(Option<&'a str>),
    /// A topic id.
    Id([u8; 16]),
    /// A boolean.
    Bool(bool),
    /// Empty records (where the field is RECORDS).
    NoRecords,
}

/// Sets the field `name` of `s` (a struct at `path` of `m`) to `v` in the field's own type;
/// false (nothing set) when the field does not exist at the version or the value does not fit.
pub(crate) fn put(s: &mut Struct, m: MessageRef, path: &[&str], name: &str, v: Put<'_>) -> bool {
    let Some(f) = field(m, path, name) else {
        return false;
    };
    let nullable = f.nullable.contains(m.version);
    let value = match (f.ty, v) {
        (Type::Scalar(scalar), Put::Int(i)) => match int_value(scalar, i) {
            Some(value) => value,
            None => return false,
        },
        (Type::Scalar(Scalar::String), Put::Str(text)) => Value::String(text.to_owned()),
        (Type::Scalar(Scalar::String), Put::OptStr(Some(text))) => Value::String(text.to_owned()),
        (Type::Scalar(Scalar::String), Put::OptStr(None)) if nullable => Value::Null,
        (Type::Scalar(Scalar::String), Put::OptStr(None)) => Value::String(String::new()),
        (Type::Scalar(Scalar::Uuid), Put::Id(id)) => Value::Uuid(id),
        (Type::Scalar(Scalar::Bool), Put::Bool(b)) => Value::Bool(b),
        (Type::Scalar(Scalar::Records), Put::NoRecords) => Value::Records(Vec::new()),
        _ => return false,
    };
    s.set(f.name, value);
    true
}

fn int_value(scalar: Scalar, i: i64) -> Option<Value> {
    Some(match scalar {
        Scalar::Int8 => Value::Int8(i8::try_from(i).ok()?),
        Scalar::Int16 => Value::Int16(i16::try_from(i).ok()?),
        Scalar::Uint16 => Value::Uint16(u16::try_from(i).ok()?),
        Scalar::Int32 => Value::Int32(i32::try_from(i).ok()?),
        Scalar::Uint32 => Value::Uint32(u32::try_from(i).ok()?),
        Scalar::Int64 => Value::Int64(i),
        _ => return None,
    })
}

/// The non-empty string or nonzero topic id an element names.
pub(crate) fn nonzero(id: Option<[u8; 16]>) -> Option<[u8; 16]> {
    id.filter(|id| *id != [0; 16])
}

/// The integers of an array of integers (absent or null: none).
pub(crate) fn ints(s: &Struct, name: &str) -> Vec<i32> {
    s.array(name)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_int().and_then(|i| i32::try_from(i).ok()))
        .collect()
}

/// Sets `ErrorCode` (and `ErrorMessage`, where the version has it) of the message itself.
pub(crate) fn set_top_error(root: &mut Struct, m: MessageRef, code: i16, message: &str) {
    put(root, m, &[], "ErrorCode", Put::Int(code.into()));
    put(root, m, &[], "ErrorMessage", Put::Str(message));
}

/// Appends `items` to the array `name` of `s` (making it an array when absent or null).
pub(crate) fn append(s: &mut Struct, name: &'static str, items: impl IntoIterator<Item = Struct>) {
    let mut items = items.into_iter().map(Value::Struct).peekable();
    if items.peek().is_none() {
        return;
    }
    match s.array_mut(name) {
        Some(list) => list.extend(items),
        None => s.set(name, Value::Array(items.collect())),
    }
}
