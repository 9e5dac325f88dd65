//! The interpreter: one pass over a body, following the generated descriptors.
//!
//! Every byte is read once (twice inside a struct whose selector follows its target, and once
//! more per enclosing rewritten length-prefixed region, both bounded by the schemas), so the cost
//! is linear in the body whatever its counts and tags say. Lengths and counts are checked
//! against the bytes that remain before they are used; nothing is allocated from them.

use super::cursor::Cursor;
use super::entity::{Entity, EntityValue, Replacement, Visitor};
use super::error::WalkError;
use super::rules::{kind_of, Active, Decide, Selectors};
use super::splice::{put_prefix, Prefix, Splice};
use super::types::{Element, EntityKind, Field, MessageSchema, Scalar, Type};
use super::WalkOptions;
use crate::error::DecodeError;

/// Where in a message the walk is.
#[derive(Debug, Clone, Copy)]
pub(super) struct Level {
    pub version: i16,
    pub flexible: bool,
    /// The message's own top-level struct (whose tagged fields a scan reports).
    pub top: bool,
}

impl Level {
    fn nested(self) -> Level {
        Level { top: false, ..self }
    }
}

pub(super) struct Engine<'a, 'v> {
    pub input: &'a [u8],
    pub visitor: &'v mut dyn Visitor,
    pub options: WalkOptions,
    pub api_key: i16,
    /// The rules of the schema being walked (the consumer protocol's inside its bytes).
    pub active: Active,
    /// From the message's own ProtocolType: `Some(true)` for "consumer".
    pub consumer_group: Option<bool>,
    /// True during a lookahead: read only, visit nothing.
    pub reading_ahead: bool,
    /// Bit N: top-level tagged field N (N < 64) is present and non-empty.
    pub top_tags: u64,
}

const MISSING_KEY_TYPE: WalkError = WalkError::MissingContext {
    context: "WalkOptions::coordinator_key_type (the KeyType of the FindCoordinator request)",
};
const MISSING_PROTOCOL_TYPE: WalkError = WalkError::MissingContext {
    context: "WalkOptions::consumer_protocol (this version does not carry ProtocolType)",
};
const SELECTOR_NOT_READ: WalkError = WalkError::MissingContext {
    context: "a resource or key type was not read before its name",
};

impl<'a> Engine<'a, '_> {
    /// Walk one struct's fields, then (flexible versions) its tagged fields. Returns the
    /// selector values read in it.
    pub fn struct_body(
        &mut self,
        list: &'static [Field],
        cur: &mut Cursor<'a>,
        out: &mut Splice,
        lvl: Level,
    ) -> Result<Selectors, WalkError> {
        let mut sel = Selectors::default();
        if !self.reading_ahead && self.active.needs_lookahead(list, lvl.version) {
            sel = self.read_ahead(list, *cur, lvl)?;
        }
        for field in list {
            if field.versions.contains(lvl.version)
                && !(lvl.flexible && field.is_tagged_at(lvl.version))
            {
                self.field(field, cur, out, lvl, &mut sel)?;
            }
        }
        if lvl.flexible {
            self.tagged_section(list, cur, out, lvl, &mut sel)?;
        }
        Ok(sel)
    }

    /// Read a struct once without visiting, for the selectors it holds.
    fn read_ahead(
        &mut self,
        list: &'static [Field],
        mut cur: Cursor<'a>,
        lvl: Level,
    ) -> Result<Selectors, WalkError> {
        self.reading_ahead = true;
        let mut scratch = Splice::new(cur.pos());
        let result = self.struct_body(list, &mut cur, &mut scratch, lvl);
        self.reading_ahead = false;
        result
    }

    /// Walk one field; returns whether it is non-empty (not null; an array with elements).
    fn field(
        &mut self,
        f: &'static Field,
        cur: &mut Cursor<'a>,
        out: &mut Splice,
        lvl: Level,
        sel: &mut Selectors,
    ) -> Result<bool, WalkError> {
        let nullable = f.nullable.contains(lvl.version);
        match f.ty {
            Type::Scalar(s) => self.scalar(f, s, nullable, cur, out, lvl, sel),
            Type::Struct(list) => {
                if nullable {
                    // A nullable struct is preceded by a presence byte: -1 null, 1 present.
                    match cur.read(|r| r.i8(f.name))? {
                        -1 => return Ok(false),
                        1 => {}
                        _ => return Err(DecodeError::InvalidValue { context: f.name }.into()),
                    }
                }
                self.struct_body(list, cur, out, lvl.nested())?;
                Ok(true)
            }
            Type::Array(element) => {
                let Some(count) = cur.read(|r| r.nullable_array_len(lvl.flexible, f.name))? else {
                    return null_unless_nullable(f, nullable);
                };
                self.elements(f, element, count, cur, out, lvl, sel)?;
                Ok(count > 0)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn elements(
        &mut self,
        f: &'static Field,
        element: Element,
        count: usize,
        cur: &mut Cursor<'a>,
        out: &mut Splice,
        lvl: Level,
        sel: &mut Selectors,
    ) -> Result<(), WalkError> {
        match element {
            Element::Struct(list) => {
                for _ in 0..count {
                    self.struct_body(list, cur, out, lvl.nested())?;
                }
            }
            Element::Scalar(s) => match s.fixed_size() {
                // Plain numbers: skip the whole run at once.
                Some(size) if f.entity.is_none() => {
                    let total = count
                        .checked_mul(size)
                        .ok_or(DecodeError::LengthExceedsRemaining { context: f.name })?;
                    cur.take(total, f.name)?;
                }
                _ => {
                    for _ in 0..count {
                        self.scalar(f, s, false, cur, out, lvl, sel)?;
                    }
                }
            },
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn scalar(
        &mut self,
        f: &'static Field,
        s: Scalar,
        nullable: bool,
        cur: &mut Cursor<'a>,
        out: &mut Splice,
        lvl: Level,
        sel: &mut Selectors,
    ) -> Result<bool, WalkError> {
        match s {
            Scalar::String => self.string(f, nullable, cur, out, lvl, sel),
            Scalar::Bytes | Scalar::Records => self.bytes(f, nullable, cur, out, lvl),
            Scalar::Uuid => {
                let start = cur.pos();
                let id = cur.read(|r| r.uuid(f.name))?;
                if f.entity == Some(EntityKind::TopicId) && !self.reading_ahead {
                    self.visit_id(f, id, start, cur.pos(), out)?;
                }
                Ok(true)
            }
            Scalar::Int8 => {
                let value = cur.read(|r| r.i8(f.name))?;
                for (slot, bound) in self.active.iter() {
                    if bound.selector.is_some_and(|(s, _)| core::ptr::eq(s, f)) {
                        if let Some(v) = sel.get_mut(slot) {
                            *v = Some(value);
                        }
                    }
                }
                Ok(true)
            }
            Scalar::Bool
            | Scalar::Int16
            | Scalar::Uint16
            | Scalar::Int32
            | Scalar::Uint32
            | Scalar::Int64
            | Scalar::Float64 => {
                cur.take(s.fixed_size().unwrap_or_default(), f.name)?;
                Ok(true)
            }
        }
    }

    fn string(
        &mut self,
        f: &'static Field,
        nullable: bool,
        cur: &mut Cursor<'a>,
        out: &mut Splice,
        lvl: Level,
        sel: &Selectors,
    ) -> Result<bool, WalkError> {
        let start = cur.pos();
        let prefix = Prefix::of_string(lvl.flexible);
        let bytes = match cur.len(prefix, f.name)? {
            Some(n) => Some(cur.take(n, f.name)?),
            None if nullable => None,
            None => return Err(DecodeError::UnexpectedNull { context: f.name }.into()),
        };
        if lvl.top
            && self
                .active
                .protocol_type
                .is_some_and(|p| core::ptr::eq(p, f))
        {
            self.consumer_group = bytes.map(|b| b == b"consumer");
        }
        if let Some(kind) = self.name_kind(f, lvl, sel)? {
            let text = match bytes {
                Some(b) => Some(
                    core::str::from_utf8(b)
                        .map_err(|_| DecodeError::InvalidUtf8 { context: f.name })?,
                ),
                None => None,
            };
            let prefix = if lvl.flexible {
                Prefix::Compact
            } else {
                Prefix::I16
            };
            self.visit_name(f, kind, text, nullable, prefix, start, cur.pos(), out)?;
        }
        Ok(bytes.is_some())
    }

    /// What the string field `f` holds here, if an entity.
    fn name_kind(
        &self,
        f: &'static Field,
        lvl: Level,
        sel: &Selectors,
    ) -> Result<Option<EntityKind>, WalkError> {
        if self.reading_ahead {
            return Ok(None);
        }
        if f.entity.is_some() {
            return Ok(f.entity);
        }
        let Some((slot, bound)) = self.active.rule_for(f) else {
            return Ok(None);
        };
        match bound.decide {
            Decide::Always(kind) => Ok(Some(kind)),
            Decide::BySibling {
                when_absent, kinds, ..
            } => {
                let present = bound
                    .selector
                    .is_some_and(|(s, _)| s.versions.contains(lvl.version));
                let value = if present {
                    sel.get(slot).copied().flatten().ok_or(SELECTOR_NOT_READ)?
                } else {
                    match when_absent {
                        Some(v) => v,
                        None => return Ok(None),
                    }
                };
                Ok(kind_of(kinds, value))
            }
            Decide::ByRequestKeyType(kinds) => {
                let key_type = self.options.coordinator_key_type.ok_or(MISSING_KEY_TYPE)?;
                Ok(kind_of(kinds, key_type))
            }
            Decide::ConsumerBytes(_) => Ok(None),
        }
    }

    fn bytes(
        &mut self,
        f: &'static Field,
        nullable: bool,
        cur: &mut Cursor<'a>,
        out: &mut Splice,
        lvl: Level,
    ) -> Result<bool, WalkError> {
        let start = cur.pos();
        let prefix = Prefix::of_bytes(lvl.flexible);
        let Some(len) = cur.len(prefix, f.name)? else {
            return null_unless_nullable(f, nullable);
        };
        let content = cur.sub(len, f.name)?;
        if len == 0 || self.reading_ahead {
            return Ok(len > 0);
        }
        if let Some((_, bound)) = self.active.rule_for(f) {
            if let Decide::ConsumerBytes(protocol) = bound.decide {
                let consumer = self
                    .consumer_group
                    .or(self.options.consumer_protocol)
                    .ok_or(MISSING_PROTOCOL_TYPE)?;
                if consumer {
                    let prefix = if lvl.flexible {
                        Prefix::Compact
                    } else {
                        Prefix::I32
                    };
                    self.consumer_bytes(f, protocol, content, prefix, start, out)?;
                }
            }
        }
        Ok(true)
    }

    /// Walk consumer-protocol bytes (an INT16 version, then the body at that version) with the
    /// protocol's own rules, and fix up the enclosing length if anything in them changed.
    fn consumer_bytes(
        &mut self,
        f: &'static Field,
        protocol: &'static MessageSchema,
        content: Cursor<'a>,
        prefix: Prefix,
        prefix_start: usize,
        out: &mut Splice,
    ) -> Result<(), WalkError> {
        let outer = self.active;
        self.active = Active::for_schema(protocol);
        let mut child = Splice::new(content.pos());
        let result = self.versioned_body(protocol, content, &mut child);
        self.active = outer;
        result.map_err(|e| match e {
            WalkError::Malformed(d) => WalkError::ConsumerProtocol(d),
            other => other,
        })?;
        if let Some(new) = child.finish(self.input, content.end())? {
            out.replace_region(
                self.input,
                prefix_start,
                content.end(),
                prefix,
                &new,
                f.name,
            )?;
        }
        Ok(())
    }

    fn versioned_body(
        &mut self,
        protocol: &'static MessageSchema,
        mut cur: Cursor<'a>,
        out: &mut Splice,
    ) -> Result<(), WalkError> {
        let version = cur.read(|r| r.i16(protocol.name))?;
        if !protocol.versions.contains(version) {
            // Newer consumer-protocol versions may add fields that hold names: refuse rather
            // than pass them through unseen.
            return Err(DecodeError::UnsupportedVersion {
                api_key: self.api_key,
                version,
            }
            .into());
        }
        let lvl = Level {
            version,
            flexible: protocol.flexible.contains(version),
            top: false,
        };
        self.struct_body(protocol.fields, &mut cur, out, lvl)?;
        cur.expect_empty(protocol.name)?;
        Ok(())
    }

    /// The tagged-field section of a struct: known tags are walked inside their own length
    /// (fixed up when they change); unknown ones are kept as they are. One lookup per tag in
    /// the struct's own short field list, so many tags cost linear time.
    fn tagged_section(
        &mut self,
        list: &'static [Field],
        cur: &mut Cursor<'a>,
        out: &mut Splice,
        lvl: Level,
        sel: &mut Selectors,
    ) -> Result<(), WalkError> {
        let count = cur.read(|r| r.uvarint("tagged fields"))?;
        // Each field takes at least two bytes (tag and size).
        if usize::try_from(count).map_or(true, |c| c > cur.remaining() / 2) {
            return Err(DecodeError::LengthExceedsRemaining {
                context: "tagged fields",
            }
            .into());
        }
        let mut seen: u64 = 0;
        for _ in 0..count {
            let tag = cur.read(|r| r.uvarint("tag"))?;
            let size_start = cur.pos();
            let size = cur
                .len(Prefix::Varint, "tagged field size")?
                .unwrap_or_default();
            let mut content = cur.sub(size, "tagged field")?;
            let known = list.iter().enumerate().find(|(_, f)| {
                f.tag == Some(tag)
                    && f.is_tagged_at(lvl.version)
                    && f.versions.contains(lvl.version)
            });
            let Some((index, f)) = known else {
                self.note_top_tag(lvl, tag, size > 0);
                continue;
            };
            let bit = 1u64
                .checked_shl(u32::try_from(index).unwrap_or(u32::MAX))
                .unwrap_or(0);
            if seen & bit != 0 {
                return Err(DecodeError::InvalidValue {
                    context: "duplicate tagged field",
                }
                .into());
            }
            seen |= bit;
            let mut child = Splice::new(content.pos());
            let non_empty = self.field(f, &mut content, &mut child, lvl, sel)?;
            content.expect_empty(f.name)?;
            self.note_top_tag(lvl, tag, non_empty);
            if let Some(new) = child.finish(self.input, content.end())? {
                out.replace_region(
                    self.input,
                    size_start,
                    content.end(),
                    Prefix::Varint,
                    &new,
                    f.name,
                )?;
            }
        }
        Ok(())
    }

    fn note_top_tag(&mut self, lvl: Level, tag: u32, non_empty: bool) {
        if lvl.top && non_empty && !self.reading_ahead {
            self.top_tags |= 1u64.checked_shl(tag).unwrap_or(0);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn visit_name(
        &mut self,
        f: &'static Field,
        kind: EntityKind,
        value: Option<&str>,
        nullable: bool,
        prefix: Prefix,
        start: usize,
        end: usize,
        out: &mut Splice,
    ) -> Result<(), WalkError> {
        let entity = Entity {
            kind,
            value: value.map_or(EntityValue::Null, EntityValue::Name),
            field: f.name,
        };
        let new = match self.visitor.visit(&entity) {
            None => return Ok(()),
            Some(Replacement::Name(name)) => Some(name),
            Some(Replacement::Null) if nullable => None,
            Some(_) => return Err(WalkError::BadReplacement { field: f.name }),
        };
        if new.as_deref() == value {
            return Ok(());
        }
        out.replace(self.input, start, end, |o| {
            put_prefix(o, prefix, new.as_ref().map(String::len), f.name)?;
            o.extend_from_slice(new.as_deref().unwrap_or_default().as_bytes());
            Ok(())
        })
    }

    fn visit_id(
        &mut self,
        f: &'static Field,
        id: [u8; 16],
        start: usize,
        end: usize,
        out: &mut Splice,
    ) -> Result<(), WalkError> {
        let entity = Entity {
            kind: EntityKind::TopicId,
            value: EntityValue::Id(id),
            field: f.name,
        };
        match self.visitor.visit(&entity) {
            None => Ok(()),
            Some(Replacement::Id(new)) if new == id => Ok(()),
            Some(Replacement::Id(new)) => out.replace(self.input, start, end, |o| {
                o.extend_from_slice(&new);
                Ok(())
            }),
            Some(_) => Err(WalkError::BadReplacement { field: f.name }),
        }
    }
}

fn null_unless_nullable(f: &Field, nullable: bool) -> Result<bool, WalkError> {
    if nullable {
        Ok(false)
    } else {
        Err(DecodeError::UnexpectedNull { context: f.name }.into())
    }
}
