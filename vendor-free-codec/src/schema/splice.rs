//! The rewritten output, built lazily: nothing is allocated until the first replacement, and
//! the bytes between replacements are copied in one piece each.

use super::error::WalkError;
use crate::error::DecodeError;
use crate::primitives::Sink;
use crate::EncodeError;

/// Output for the input region starting at `start`: `out` holds the rewritten bytes up to the
/// input offset `copied`; everything after `copied` is still the input's.
#[derive(Debug)]
pub(super) struct Splice {
    copied: usize,
    out: Option<Vec<u8>>,
}

/// A position bug in the interpreter, reported rather than panicking.
const OUT_OF_ORDER: WalkError = WalkError::Malformed(DecodeError::InvalidValue {
    context: "rewrite out of order",
});

impl Prefix {
    /// The prefix of strings in a (non-)flexible version.
    pub fn of_string(flexible: bool) -> Prefix {
        if flexible {
            Prefix::Compact
        } else {
            Prefix::I16
        }
    }

    /// The prefix of bytes and records in a (non-)flexible version.
    pub fn of_bytes(flexible: bool) -> Prefix {
        if flexible {
            Prefix::Compact
        } else {
            Prefix::I32
        }
    }
}

impl Splice {
    pub fn new(start: usize) -> Self {
        Self {
            copied: start,
            out: None,
        }
    }

    /// Replace `input[start..end]` with what `write` appends.
    pub fn replace(
        &mut self,
        input: &[u8],
        start: usize,
        end: usize,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), WalkError>,
    ) -> Result<(), WalkError> {
        let unchanged = input.get(self.copied..start).ok_or(OUT_OF_ORDER)?;
        // The first replacement sizes the buffer for the whole region: names change by a few
        // bytes, so one allocation is the common case.
        let out = self
            .out
            .get_or_insert_with(|| Vec::with_capacity(input.len().saturating_sub(start) + 64));
        out.extend_from_slice(unchanged);
        write(out)?;
        self.copied = end;
        Ok(())
    }

    /// Replace `input[start..end]` (a length prefix and the region it measures) with `region`
    /// behind a new prefix in `form`: how a rewritten tagged field or consumer-protocol bytes
    /// go back into their enclosing message.
    pub fn replace_region(
        &mut self,
        input: &[u8],
        start: usize,
        end: usize,
        form: Prefix,
        region: &[u8],
        context: &'static str,
    ) -> Result<(), WalkError> {
        self.replace(input, start, end, |o| {
            put_prefix(o, form, Some(region.len()), context)?;
            o.extend_from_slice(region);
            Ok(())
        })
    }

    /// The rewritten region up to `end`, or `None` when nothing in it was replaced.
    pub fn finish(self, input: &[u8], end: usize) -> Result<Option<Vec<u8>>, WalkError> {
        match self.out {
            None => Ok(None),
            Some(mut out) => {
                out.extend_from_slice(input.get(self.copied..end).ok_or(OUT_OF_ORDER)?);
                Ok(Some(out))
            }
        }
    }
}

/// How a length-prefixed value is prefixed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Prefix {
    /// INT16 (non-flexible strings).
    I16,
    /// INT32 (non-flexible bytes).
    I32,
    /// UNSIGNED_VARINT of length + 1 (compact strings and bytes).
    Compact,
    /// UNSIGNED_VARINT of the length (tagged field values).
    Varint,
}

/// Write `len` (or null) in `prefix`'s form.
pub(super) fn put_prefix(
    out: &mut Vec<u8>,
    prefix: Prefix,
    len: Option<usize>,
    context: &'static str,
) -> Result<(), WalkError> {
    let too_long = WalkError::TooLong(EncodeError::TooLong { context });
    match prefix {
        Prefix::I16 => out
            .put_string_len(len, false, context)
            .map_err(WalkError::TooLong),
        Prefix::I32 => out.put_len(len, false, context).map_err(WalkError::TooLong),
        Prefix::Compact => out
            .put_compact_len(len, context)
            .map_err(WalkError::TooLong),
        Prefix::Varint => {
            let n = len.ok_or(too_long)?;
            out.put_uvarint(u32::try_from(n).map_err(|_| too_long)?);
            Ok(())
        }
    }
}
