//! Kafka's primitive types over a borrowed cursor ([`Reader`]) and a byte sink ([`Sink`]).
//!
//! Every length read from the wire is checked against what remains before anything is
//! allocated. Encoding goes through [`Sink`], so one encode routine serves both the real
//! writer (`Vec<u8>`) and the size pass ([`SizeCounter`]).

use crate::error::{DecodeError, EncodeError};

/// A cursor over borrowed bytes. Reads never panic: running out is [`DecodeError::Truncated`].
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over all of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The unread bytes, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        self.buf
    }

    /// Consume the next `n` bytes.
    pub fn take(&mut self, n: usize, context: &'static str) -> Result<&'a [u8], DecodeError> {
        if n > self.buf.len() {
            return Err(DecodeError::Truncated { context });
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    /// Consume `n` bytes as a reader of their own, for length-delimited parts.
    pub fn sub(&mut self, n: usize, context: &'static str) -> Result<Reader<'a>, DecodeError> {
        self.take(n, context).map(Reader::new)
    }

    /// Error unless every byte has been read.
    pub fn expect_empty(&self, context: &'static str) -> Result<(), DecodeError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes { context })
        }
    }

    fn fixed<const N: usize>(&mut self, context: &'static str) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N, context)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// BOOLEAN: one byte, non-zero is true.
    pub fn bool(&mut self, context: &'static str) -> Result<bool, DecodeError> {
        Ok(self.u8(context)? != 0)
    }

    /// An unsigned byte.
    pub fn u8(&mut self, context: &'static str) -> Result<u8, DecodeError> {
        Ok(self.fixed::<1>(context)?[0])
    }

    /// INT8.
    pub fn i8(&mut self, context: &'static str) -> Result<i8, DecodeError> {
        Ok(i8::from_be_bytes(self.fixed(context)?))
    }

    /// INT16, big-endian.
    pub fn i16(&mut self, context: &'static str) -> Result<i16, DecodeError> {
        Ok(i16::from_be_bytes(self.fixed(context)?))
    }

    /// UINT16, big-endian.
    pub fn u16(&mut self, context: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.fixed(context)?))
    }

    /// INT32, big-endian.
    pub fn i32(&mut self, context: &'static str) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(self.fixed(context)?))
    }

    /// UINT32, big-endian.
    pub fn u32(&mut self, context: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.fixed(context)?))
    }

    /// INT64, big-endian.
    pub fn i64(&mut self, context: &'static str) -> Result<i64, DecodeError> {
        Ok(i64::from_be_bytes(self.fixed(context)?))
    }

    /// FLOAT64, IEEE 754 big-endian.
    pub fn f64(&mut self, context: &'static str) -> Result<f64, DecodeError> {
        Ok(f64::from_be_bytes(self.fixed(context)?))
    }

    /// UUID: 16 raw bytes.
    pub fn uuid(&mut self, context: &'static str) -> Result<[u8; 16], DecodeError> {
        self.fixed(context)
    }

    /// UNSIGNED_VARINT of at most 5 bytes (a u32).
    pub fn uvarint(&mut self, context: &'static str) -> Result<u32, DecodeError> {
        let mut value: u32 = 0;
        for i in 0..5 {
            let byte = self.u8(context)?;
            let bits = u32::from(byte & 0x7f);
            if i == 4 && bits > 0x0f {
                return Err(DecodeError::VarintTooLong { context });
            }
            value |= bits << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(DecodeError::VarintTooLong { context })
    }

    /// An unsigned varlong of at most 10 bytes.
    pub fn uvarlong(&mut self, context: &'static str) -> Result<u64, DecodeError> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let byte = self.u8(context)?;
            let bits = u64::from(byte & 0x7f);
            if i == 9 && bits > 0x01 {
                return Err(DecodeError::VarintTooLong { context });
            }
            value |= bits << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(DecodeError::VarintTooLong { context })
    }

    /// VARINT: zig-zag encoded i32.
    pub fn varint(&mut self, context: &'static str) -> Result<i32, DecodeError> {
        let raw = self.uvarint(context)?;
        Ok(((raw >> 1) as i32) ^ -((raw & 1) as i32))
    }

    /// VARLONG: zig-zag encoded i64.
    pub fn varlong(&mut self, context: &'static str) -> Result<i64, DecodeError> {
        let raw = self.uvarlong(context)?;
        Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64))
    }

    /// A length that must fit in what remains: the guard before any allocation.
    fn checked_len(&self, len: usize, context: &'static str) -> Result<usize, DecodeError> {
        if len > self.buf.len() {
            Err(DecodeError::LengthExceedsRemaining { context })
        } else {
            Ok(len)
        }
    }

    /// An INT16 length: -1 is null, other negatives are errors.
    pub(crate) fn len_i16(&mut self, context: &'static str) -> Result<Option<usize>, DecodeError> {
        match self.i16(context)? {
            -1 => Ok(None),
            n if n < 0 => Err(DecodeError::NegativeLength { context }),
            n => self.checked_len(n as usize, context).map(Some),
        }
    }

    /// An INT32 length: -1 is null, other negatives are errors.
    pub(crate) fn len_i32(&mut self, context: &'static str) -> Result<Option<usize>, DecodeError> {
        match self.i32(context)? {
            -1 => Ok(None),
            n if n < 0 => Err(DecodeError::NegativeLength { context }),
            n => self.checked_len(n as usize, context).map(Some),
        }
    }

    /// A compact length: UNSIGNED_VARINT of length + 1; 0 is null.
    pub(crate) fn len_compact(
        &mut self,
        context: &'static str,
    ) -> Result<Option<usize>, DecodeError> {
        match self.uvarint(context)? {
            0 => Ok(None),
            n => self.checked_len((n - 1) as usize, context).map(Some),
        }
    }

    fn utf8(&mut self, len: usize, context: &'static str) -> Result<String, DecodeError> {
        let bytes = self.take(len, context)?;
        core::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| DecodeError::InvalidUtf8 { context })
    }

    /// STRING / COMPACT_STRING (non-nullable), by `flexible`.
    pub fn string(&mut self, flexible: bool, context: &'static str) -> Result<String, DecodeError> {
        self.nullable_string(flexible, context)?
            .ok_or(DecodeError::UnexpectedNull { context })
    }

    /// NULLABLE_STRING / COMPACT_NULLABLE_STRING, by `flexible`.
    pub fn nullable_string(
        &mut self,
        flexible: bool,
        context: &'static str,
    ) -> Result<Option<String>, DecodeError> {
        let len = if flexible {
            self.len_compact(context)?
        } else {
            self.len_i16(context)?
        };
        len.map(|n| self.utf8(n, context)).transpose()
    }

    /// BYTES / COMPACT_BYTES (non-nullable), by `flexible`.
    pub fn bytes(&mut self, flexible: bool, context: &'static str) -> Result<Vec<u8>, DecodeError> {
        self.nullable_bytes(flexible, context)?
            .ok_or(DecodeError::UnexpectedNull { context })
    }

    /// NULLABLE_BYTES / COMPACT_NULLABLE_BYTES (and RECORDS), by `flexible`.
    pub fn nullable_bytes(
        &mut self,
        flexible: bool,
        context: &'static str,
    ) -> Result<Option<Vec<u8>>, DecodeError> {
        let len = if flexible {
            self.len_compact(context)?
        } else {
            self.len_i32(context)?
        };
        len.map(|n| self.take(n, context).map(<[u8]>::to_vec))
            .transpose()
    }

    /// The element count of an ARRAY / COMPACT_ARRAY (non-nullable), by `flexible`.
    ///
    /// Every element takes at least one byte on the wire, so a count larger than what remains
    /// is rejected here, before the caller allocates for it.
    pub fn array_len(
        &mut self,
        flexible: bool,
        context: &'static str,
    ) -> Result<usize, DecodeError> {
        self.nullable_array_len(flexible, context)?
            .ok_or(DecodeError::UnexpectedNull { context })
    }

    /// The element count of a nullable array; `None` is null.
    pub fn nullable_array_len(
        &mut self,
        flexible: bool,
        context: &'static str,
    ) -> Result<Option<usize>, DecodeError> {
        if flexible {
            self.len_compact(context)
        } else {
            self.len_i32(context)
        }
    }

    /// Read an array whose elements are decoded by `element`.
    pub fn array<T>(
        &mut self,
        flexible: bool,
        context: &'static str,
        element: impl FnMut(&mut Reader<'a>) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        let len = self.array_len(flexible, context)?;
        self.elements(len, element)
    }

    /// Read a nullable array whose elements are decoded by `element`.
    pub fn nullable_array<T>(
        &mut self,
        flexible: bool,
        context: &'static str,
        element: impl FnMut(&mut Reader<'a>) -> Result<T, DecodeError>,
    ) -> Result<Option<Vec<T>>, DecodeError> {
        match self.nullable_array_len(flexible, context)? {
            None => Ok(None),
            Some(len) => self.elements(len, element).map(Some),
        }
    }

    fn elements<T>(
        &mut self,
        len: usize,
        mut element: impl FnMut(&mut Reader<'a>) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        // `len` is already bounded by the remaining bytes, but an element in memory is larger
        // than its smallest wire form: cap the up-front reservation and let the vector grow.
        let mut out = Vec::with_capacity(len.min(1024));
        for _ in 0..len {
            out.push(element(self)?);
        }
        Ok(out)
    }

    /// A tagged-field section: every field kept raw, sorted by tag. Duplicate tags are an error.
    pub fn tagged_fields(&mut self, context: &'static str) -> Result<TaggedFields, DecodeError> {
        let count = self.uvarint(context)? as usize;
        // Each field is at least two bytes (tag and size), so this bounds the allocation.
        if count > self.remaining() / 2 {
            return Err(DecodeError::LengthExceedsRemaining { context });
        }
        let mut fields: Vec<RawTaggedField> = Vec::with_capacity(count);
        // Writers send tags in ascending order: checking each against the last one read is
        // O(1) and proves there is no duplicate. Any other order is sorted once and checked
        // for equal neighbours, so no input costs more than O(n log n).
        let mut ascending = true;
        for _ in 0..count {
            let tag = self.uvarint(context)?;
            let size = self.uvarint(context)? as usize;
            let size = self.checked_len(size, context)?;
            ascending = ascending && fields.last().is_none_or(|last| last.tag < tag);
            let data = self.take(size, context)?.to_vec();
            fields.push(RawTaggedField { tag, data });
        }
        // Kept in ascending tag order, the order they are written back in, so that a value
        // decoded from out-of-order input still round-trips to itself.
        if !ascending {
            fields.sort_by_key(|f| f.tag);
            if fields
                .windows(2)
                .any(|w| matches!(w, [a, b] if a.tag == b.tag))
            {
                return Err(DecodeError::InvalidValue { context });
            }
        }
        Ok(TaggedFields(fields))
    }
}

/// One tagged field kept as raw bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawTaggedField {
    /// The tag number.
    pub tag: u32,
    /// The field's bytes, without the tag and size prefix.
    pub data: Vec<u8>,
}

/// A tagged-field section as read from the wire, sorted by tag: known tags are taken out by the
/// message that owns the section; what is left is written back unchanged, in ascending order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaggedFields(pub Vec<RawTaggedField>);

impl TaggedFields {
    /// Remove and return the field with `tag`, if present.
    pub fn take(&mut self, tag: u32) -> Option<Vec<u8>> {
        let index = self.0.iter().position(|f| f.tag == tag)?;
        Some(self.0.remove(index).data)
    }

    /// Decode the field with `tag`, if present, with `decode`, which must consume all of it.
    pub fn take_decoded<T>(
        &mut self,
        tag: u32,
        context: &'static str,
        decode: impl FnOnce(&mut Reader<'_>) -> Result<T, DecodeError>,
    ) -> Result<Option<T>, DecodeError> {
        match self.take(tag) {
            None => Ok(None),
            Some(data) => {
                let mut r = Reader::new(&data);
                let value = decode(&mut r)?;
                r.expect_empty(context)?;
                Ok(Some(value))
            }
        }
    }

    /// True when no field is present.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Where encoded bytes go: a `Vec<u8>` to write, a [`SizeCounter`] to measure.
pub trait Sink {
    /// Append `bytes`.
    fn put(&mut self, bytes: &[u8]);

    /// BOOLEAN.
    fn put_bool(&mut self, v: bool) {
        self.put(&[u8::from(v)]);
    }
    /// INT8.
    fn put_i8(&mut self, v: i8) {
        self.put(&v.to_be_bytes());
    }
    /// INT16.
    fn put_i16(&mut self, v: i16) {
        self.put(&v.to_be_bytes());
    }
    /// UINT16.
    fn put_u16(&mut self, v: u16) {
        self.put(&v.to_be_bytes());
    }
    /// INT32.
    fn put_i32(&mut self, v: i32) {
        self.put(&v.to_be_bytes());
    }
    /// UINT32.
    fn put_u32(&mut self, v: u32) {
        self.put(&v.to_be_bytes());
    }
    /// INT64.
    fn put_i64(&mut self, v: i64) {
        self.put(&v.to_be_bytes());
    }
    /// FLOAT64.
    fn put_f64(&mut self, v: f64) {
        self.put(&v.to_be_bytes());
    }
    /// UUID.
    fn put_uuid(&mut self, v: &[u8; 16]) {
        self.put(v);
    }

    /// UNSIGNED_VARINT.
    fn put_uvarint(&mut self, mut v: u32) {
        while v >= 0x80 {
            self.put(&[(v as u8) | 0x80]);
            v >>= 7;
        }
        self.put(&[v as u8]);
    }

    /// Unsigned varlong.
    fn put_uvarlong(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.put(&[(v as u8) | 0x80]);
            v >>= 7;
        }
        self.put(&[v as u8]);
    }

    /// VARINT (zig-zag).
    fn put_varint(&mut self, v: i32) {
        self.put_uvarint(((v << 1) ^ (v >> 31)) as u32);
    }

    /// VARLONG (zig-zag).
    fn put_varlong(&mut self, v: i64) {
        self.put_uvarlong(((v << 1) ^ (v >> 63)) as u64);
    }

    /// A length prefix for strings (INT16) or compact forms, -1 / 0 for null.
    fn put_string_len(
        &mut self,
        len: Option<usize>,
        flexible: bool,
        context: &'static str,
    ) -> Result<(), EncodeError> {
        if flexible {
            self.put_compact_len(len, context)
        } else {
            match len {
                None => self.put_i16(-1),
                Some(n) => {
                    let n = i16::try_from(n).map_err(|_| EncodeError::TooLong { context })?;
                    self.put_i16(n);
                }
            }
            Ok(())
        }
    }

    /// A length prefix for bytes and arrays (INT32) or compact forms, -1 / 0 for null.
    fn put_len(
        &mut self,
        len: Option<usize>,
        flexible: bool,
        context: &'static str,
    ) -> Result<(), EncodeError> {
        if flexible {
            self.put_compact_len(len, context)
        } else {
            match len {
                None => self.put_i32(-1),
                Some(n) => {
                    let n = i32::try_from(n).map_err(|_| EncodeError::TooLong { context })?;
                    self.put_i32(n);
                }
            }
            Ok(())
        }
    }

    /// UNSIGNED_VARINT of length + 1, 0 for null.
    fn put_compact_len(
        &mut self,
        len: Option<usize>,
        context: &'static str,
    ) -> Result<(), EncodeError> {
        match len {
            None => self.put_uvarint(0),
            Some(n) => {
                let n = u32::try_from(n)
                    .ok()
                    .and_then(|n| n.checked_add(1))
                    .ok_or(EncodeError::TooLong { context })?;
                self.put_uvarint(n);
            }
        }
        Ok(())
    }

    /// STRING / COMPACT_STRING.
    fn put_string(
        &mut self,
        v: &str,
        flexible: bool,
        context: &'static str,
    ) -> Result<(), EncodeError> {
        self.put_string_len(Some(v.len()), flexible, context)?;
        self.put(v.as_bytes());
        Ok(())
    }

    /// NULLABLE_STRING / COMPACT_NULLABLE_STRING.
    fn put_nullable_string(
        &mut self,
        v: Option<&str>,
        flexible: bool,
        context: &'static str,
    ) -> Result<(), EncodeError> {
        match v {
            None => self.put_string_len(None, flexible, context),
            Some(s) => self.put_string(s, flexible, context),
        }
    }

    /// BYTES / COMPACT_BYTES.
    fn put_bytes(
        &mut self,
        v: &[u8],
        flexible: bool,
        context: &'static str,
    ) -> Result<(), EncodeError> {
        self.put_len(Some(v.len()), flexible, context)?;
        self.put(v);
        Ok(())
    }

    /// NULLABLE_BYTES / COMPACT_NULLABLE_BYTES (and RECORDS).
    fn put_nullable_bytes(
        &mut self,
        v: Option<&[u8]>,
        flexible: bool,
        context: &'static str,
    ) -> Result<(), EncodeError> {
        match v {
            None => self.put_len(None, flexible, context),
            Some(b) => self.put_bytes(b, flexible, context),
        }
    }

    /// An array: its length prefix, then each element through `element`.
    fn put_array<T>(
        &mut self,
        items: &[T],
        flexible: bool,
        context: &'static str,
        mut element: impl FnMut(&mut Self, &T) -> Result<(), EncodeError>,
    ) -> Result<(), EncodeError>
    where
        Self: Sized,
    {
        self.put_len(Some(items.len()), flexible, context)?;
        for item in items {
            element(self, item)?;
        }
        Ok(())
    }

    /// A nullable array.
    fn put_nullable_array<T>(
        &mut self,
        items: Option<&[T]>,
        flexible: bool,
        context: &'static str,
        element: impl FnMut(&mut Self, &T) -> Result<(), EncodeError>,
    ) -> Result<(), EncodeError>
    where
        Self: Sized,
    {
        match items {
            None => self.put_len(None, flexible, context),
            Some(items) => self.put_array(items, flexible, context, element),
        }
    }

    /// A tagged-field section: `known` fields (already encoded, by tag) merged with the
    /// `unknown` ones kept from decoding, written in ascending tag order.
    fn put_tagged_fields(
        &mut self,
        known: &[(u32, Vec<u8>)],
        unknown: &TaggedFields,
    ) -> Result<(), EncodeError> {
        let mut all: Vec<(u32, &[u8])> = known
            .iter()
            .map(|(t, d)| (*t, d.as_slice()))
            .chain(unknown.0.iter().map(|f| (f.tag, f.data.as_slice())))
            .collect();
        all.sort_by_key(|(t, _)| *t);
        let duplicate = all.windows(2).find_map(|pair| match pair {
            [(a, _), (b, _)] if a == b => Some(*a),
            _ => None,
        });
        if let Some(tag) = duplicate {
            return Err(EncodeError::DuplicateTag { tag });
        }
        let count = u32::try_from(all.len()).map_err(|_| EncodeError::TooLong {
            context: "tagged fields",
        })?;
        self.put_uvarint(count);
        for (tag, data) in all {
            self.put_uvarint(tag);
            let size = u32::try_from(data.len()).map_err(|_| EncodeError::TooLong {
                context: "tagged field",
            })?;
            self.put_uvarint(size);
            self.put(data);
        }
        Ok(())
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A sink that only counts: the size pass of an encoder, with no allocation.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SizeCounter(pub usize);

impl Sink for SizeCounter {
    fn put(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
}

/// Encode a tagged field's value into the `(tag, bytes)` form [`Sink::put_tagged_fields`] takes.
pub fn encode_tagged(
    tag: u32,
    encode: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
) -> Result<(u32, Vec<u8>), EncodeError> {
    let mut data = Vec::new();
    encode(&mut data)?;
    Ok((tag, data))
}
