//! A read position over the whole body. The interpreter needs absolute offsets (to splice
//! replacements into the output), which [`Reader`] does not keep; the primitives themselves are
//! [`Reader`]'s, so every length check is the same one the typed codec makes.

use super::splice::Prefix;
use crate::error::DecodeError;
use crate::primitives::Reader;

/// Reads `input[pos..end]`; `pos` is always an offset into the whole body.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cursor<'a> {
    input: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor over all of `input`.
    pub fn new(input: &'a [u8]) -> Self {
        Self {
            input,
            pos: 0,
            end: input.len(),
        }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn end(&self) -> usize {
        self.end
    }

    pub fn remaining(&self) -> usize {
        self.end.saturating_sub(self.pos)
    }

    /// Run a [`Reader`] primitive at the current position and advance past what it read.
    pub fn read<T>(
        &mut self,
        f: impl FnOnce(&mut Reader<'a>) -> Result<T, DecodeError>,
    ) -> Result<T, DecodeError> {
        let rest = self.input.get(self.pos..self.end).unwrap_or_default();
        let mut r = Reader::new(rest);
        let value = f(&mut r)?;
        self.pos += rest.len() - r.remaining();
        Ok(value)
    }

    /// Skip `n` bytes, returning them.
    pub fn take(&mut self, n: usize, context: &'static str) -> Result<&'a [u8], DecodeError> {
        self.read(|r| r.take(n, context))
    }

    /// Split off the next `n` bytes as a cursor of their own (same absolute offsets) and move
    /// past them.
    pub fn sub(&mut self, n: usize, context: &'static str) -> Result<Cursor<'a>, DecodeError> {
        let start = self.pos;
        self.take(n, context)?;
        Ok(Cursor {
            input: self.input,
            pos: start,
            end: self.pos,
        })
    }

    /// Error unless everything up to `end` has been read.
    pub fn expect_empty(&self, context: &'static str) -> Result<(), DecodeError> {
        if self.pos == self.end {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes { context })
        }
    }

    /// A length in `form` (the prefix of a string, bytes or records); `None` for null.
    pub fn len(
        &mut self,
        form: Prefix,
        context: &'static str,
    ) -> Result<Option<usize>, DecodeError> {
        match form {
            Prefix::I16 => self.read(|r| r.len_i16(context)),
            Prefix::I32 => self.read(|r| r.len_i32(context)),
            Prefix::Compact => self.read(|r| r.len_compact(context)),
            Prefix::Varint => {
                let n = self.read(|r| r.uvarint(context))?;
                let n = usize::try_from(n)
                    .map_err(|_| DecodeError::LengthExceedsRemaining { context })?;
                Ok(Some(n))
            }
        }
    }
}
