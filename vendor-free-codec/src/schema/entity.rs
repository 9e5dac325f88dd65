//! What the interpreter shows a visitor and what a visitor may answer.

pub use super::types::EntityKind;

/// An entity's value as it is on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityValue<'a> {
    /// A name (topic name, group id, transactional id).
    Name(&'a str),
    /// A null name (a nullable field, e.g. a DescribeAcls filter that matches any name).
    Null,
    /// A topic id.
    Id([u8; 16]),
}

/// One entity met in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entity<'a> {
    /// What it is.
    pub kind: EntityKind,
    /// Its value.
    pub value: EntityValue<'a>,
    /// The schema field it was found in (for logs and errors).
    pub field: &'static str,
}

/// A visitor's answer: the value to write instead. Its form must match the entity's: a name (or
/// null, where the field is nullable) for a name, an id for an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replacement {
    /// Write this name.
    Name(String),
    /// Write null (only where the field is nullable at this version).
    Null,
    /// Write this topic id.
    Id([u8; 16]),
}

/// Called once per entity, in wire order. `None` keeps the value as it is.
pub trait Visitor {
    /// Look at `entity`; return a replacement to rewrite it.
    fn visit(&mut self, entity: &Entity<'_>) -> Option<Replacement>;
}

impl<F: FnMut(&Entity<'_>) -> Option<Replacement>> Visitor for F {
    fn visit(&mut self, entity: &Entity<'_>) -> Option<Replacement> {
        self(entity)
    }
}
