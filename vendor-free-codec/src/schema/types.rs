//! The descriptor types the generated tables are written in: plain `'static` data, so that the
//! interpreter can follow any message at any version without code per API.

/// An inclusive range of versions; empty when `min > max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions {
    /// The lowest version in the range.
    pub min: i16,
    /// The highest version in the range (`i16::MAX` for "N+").
    pub max: i16,
}

impl Versions {
    /// No version ("none" in the schemas).
    pub const NONE: Versions = Versions { min: 1, max: 0 };

    /// `min` to `max`, both included.
    pub const fn range(min: i16, max: i16) -> Versions {
        Versions { min, max }
    }

    /// `min` and every later version ("N+").
    pub const fn since(min: i16) -> Versions {
        Versions { min, max: i16::MAX }
    }

    /// True when `version` is in the range.
    pub const fn contains(&self, version: i16) -> bool {
        self.min <= version && version <= self.max
    }
}

/// What the gateway renames: the entities named by `entityType` in the schemas, and topic ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// A topic name.
    TopicName,
    /// A consumer group id (also the FindCoordinator key of key type 0).
    GroupId,
    /// A transactional id (also the FindCoordinator key of key type 1).
    TransactionalId,
    /// A topic id: a `uuid` field named `TopicId`.
    TopicId,
}

/// A primitive wire type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// BOOLEAN.
    Bool,
    /// INT8.
    Int8,
    /// INT16.
    Int16,
    /// UINT16.
    Uint16,
    /// INT32.
    Int32,
    /// UINT32.
    Uint32,
    /// INT64.
    Int64,
    /// FLOAT64.
    Float64,
    /// STRING (compact in flexible versions).
    String,
    /// BYTES (compact in flexible versions).
    Bytes,
    /// RECORDS: bytes the interpreter never looks into.
    Records,
    /// UUID.
    Uuid,
}

impl Scalar {
    /// The wire size of a fixed-size scalar; `None` for the length-prefixed ones.
    pub const fn fixed_size(self) -> Option<usize> {
        match self {
            Scalar::Bool | Scalar::Int8 => Some(1),
            Scalar::Int16 | Scalar::Uint16 => Some(2),
            Scalar::Int32 | Scalar::Uint32 => Some(4),
            Scalar::Int64 | Scalar::Float64 => Some(8),
            Scalar::Uuid => Some(16),
            Scalar::String | Scalar::Bytes | Scalar::Records => None,
        }
    }
}

/// An array's element type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    /// An array of primitives.
    Scalar(Scalar),
    /// An array of structs with these fields.
    Struct(&'static [Field]),
}

/// A field's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// A primitive.
    Scalar(Scalar),
    /// A single struct with these fields.
    Struct(&'static [Field]),
    /// An array.
    Array(Element),
}

/// One field of a message or struct, with its version gates as in the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The field's name in the schema.
    pub name: &'static str,
    /// Its type.
    pub ty: Type,
    /// The versions in which the field exists.
    pub versions: Versions,
    /// The versions in which it may be null.
    pub nullable: Versions,
    /// The versions in which it is a tagged field (then `tag` is set).
    pub tagged: Versions,
    /// The tag, for a tagged field.
    pub tag: Option<u32>,
    /// The entity the field holds (for arrays: each element), when the schema alone says so.
    pub entity: Option<EntityKind>,
    /// The schema's `default`: the value of an integer field, 1 for a bool field that defaults
    /// to true, 0 otherwise (every other type defaults to its empty or null value).
    pub default: i64,
}

impl Field {
    /// A field present in `versions`, not nullable, not tagged, no entity.
    pub const fn new(name: &'static str, ty: Type, versions: Versions) -> Field {
        Field {
            name,
            ty,
            versions,
            nullable: Versions::NONE,
            tagged: Versions::NONE,
            tag: None,
            entity: None,
            default: 0,
        }
    }

    /// The same field, nullable in `versions`.
    pub const fn nullable(self, versions: Versions) -> Field {
        Field {
            nullable: versions,
            ..self
        }
    }

    /// The same field, tagged with `tag` in `versions`.
    pub const fn tagged(self, versions: Versions, tag: u32) -> Field {
        Field {
            tagged: versions,
            tag: Some(tag),
            ..self
        }
    }

    /// The same field, holding `kind`.
    pub const fn entity(self, kind: EntityKind) -> Field {
        Field {
            entity: Some(kind),
            ..self
        }
    }

    /// The same field, with the schema default `value` (as the `default` field holds it).
    pub const fn default(self, value: i64) -> Field {
        Field {
            default: value,
            ..self
        }
    }

    /// True when the field is a tagged field at `version` (of a flexible message).
    pub const fn is_tagged_at(&self, version: i16) -> bool {
        self.tag.is_some() && self.tagged.contains(version)
    }
}

/// A request, a response, or a data message (the consumer protocol).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageSchema {
    /// The schema's name (`MetadataRequest`, `ConsumerProtocolSubscription`, ...).
    pub name: &'static str,
    /// The valid versions.
    pub versions: Versions,
    /// The flexible versions (compact forms and tagged fields).
    pub flexible: Versions,
    /// The top-level fields.
    pub fields: &'static [Field],
}

/// One API key: its request and response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiSchema {
    /// The API key.
    pub api_key: i16,
    /// The API's name (`Produce`, `Fetch`, ...).
    pub name: &'static str,
    /// The request body.
    pub request: &'static MessageSchema,
    /// The response body.
    pub response: &'static MessageSchema,
}
