//! Walking a records blob (a Produce or Fetch `records` field) batch by batch, without
//! decoding more than the framing. Every message format shares that framing: an INT64 offset,
//! an INT32 size of what follows, and the magic byte at offset 16.

use super::batch::{RecordBatch, LOG_OVERHEAD, MAGIC_OFFSET};
use crate::error::DecodeError;
use crate::primitives::Reader;

/// One complete batch's bytes, framing included, with its magic byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawBatch<'a> {
    /// 0 or 1 for legacy message sets, 2 for record batches.
    pub magic: i8,
    /// The whole batch, from its base offset to its last byte.
    pub bytes: &'a [u8],
}

/// A decoded entry of a records blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Batch<'a> {
    /// A record batch, magic 2.
    V2(RecordBatch),
    /// A legacy message (magic 0 or 1): recognised and passed through, never decoded, because
    /// its wrapper messages nest whole compressed message sets that only brokers unpack.
    Legacy(RawBatch<'a>),
}

impl<'a> RawBatch<'a> {
    /// Decode a magic 2 batch (checking its CRC); legacy ones pass through as they are.
    pub fn decode(&self) -> Result<Batch<'a>, DecodeError> {
        if self.magic != 2 {
            return Ok(Batch::Legacy(*self));
        }
        let mut r = Reader::new(self.bytes);
        let batch = RecordBatch::decode(&mut r)?;
        r.expect_empty("record batch")?;
        Ok(Batch::V2(batch))
    }
}

/// What the splitter finds next in a records blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry<'a> {
    /// A complete batch.
    Complete(RawBatch<'a>),
    /// The blob ends inside a batch: brokers cut Fetch responses at the byte limit, so this
    /// is normal at the end and is not an error. These are the bytes seen.
    Partial(&'a [u8]),
}

/// Find the batch at the start of `buf`. `Partial` when `buf` ends before the batch does.
/// A negative size or a batch too short to hold its magic byte is an error, and so is a
/// magic other than 0, 1 or 2.
pub fn split_batch(buf: &[u8]) -> Result<Entry<'_>, DecodeError> {
    let mut r = Reader::new(buf);
    let (Ok(_), Ok(size)) = (r.i64("batch base offset"), r.i32("batch length")) else {
        return Ok(Entry::Partial(buf));
    };
    let size = usize::try_from(size).map_err(|_| DecodeError::NegativeLength {
        context: "batch length",
    })?;
    if size < MAGIC_OFFSET + 1 - LOG_OVERHEAD {
        return Err(DecodeError::Truncated {
            context: "batch magic",
        });
    }
    let Some(bytes) = LOG_OVERHEAD
        .checked_add(size)
        .and_then(|total| buf.get(..total))
    else {
        return Ok(Entry::Partial(buf));
    };
    let magic = match bytes.get(MAGIC_OFFSET).map(|&m| m as i8) {
        Some(m @ 0..=2) => m,
        _ => {
            return Err(DecodeError::InvalidValue {
                context: "batch magic",
            })
        }
    };
    Ok(Entry::Complete(RawBatch { magic, bytes }))
}

/// An iterator over the batches of a records blob. It ends after a partial batch or the
/// first error.
#[derive(Debug, Clone)]
pub struct Batches<'a> {
    rest: &'a [u8],
}

impl<'a> Batches<'a> {
    /// Iterate over `blob`.
    pub fn new(blob: &'a [u8]) -> Self {
        Self { rest: blob }
    }
}

impl<'a> Iterator for Batches<'a> {
    type Item = Result<Entry<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let entry = split_batch(self.rest);
        self.rest = match entry {
            Ok(Entry::Complete(raw)) => self.rest.get(raw.bytes.len()..).unwrap_or_default(),
            Ok(Entry::Partial(_)) | Err(_) => &[],
        };
        Some(entry)
    }
}

impl core::iter::FusedIterator for Batches<'_> {}

/// Decode every batch of `blob`; returns them and the trailing partial batch, if any.
pub fn decode_batches(blob: &[u8]) -> Result<(Vec<Batch<'_>>, Option<&[u8]>), DecodeError> {
    let mut batches = Vec::new();
    for entry in Batches::new(blob) {
        match entry? {
            Entry::Complete(raw) => batches.push(raw.decode()?),
            Entry::Partial(bytes) => return Ok((batches, Some(bytes))),
        }
    }
    Ok((batches, None))
}
