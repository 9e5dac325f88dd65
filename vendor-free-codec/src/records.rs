//! Record data: record batches v2 (magic 2) with their CRC-32C, and the framing shared with
//! the legacy message sets (magic 0 and 1), which are recognised and passed through.
//!
//! The codec never decompresses: a compressed batch keeps its payload as bytes, and only its
//! codec is named ([`Compression`]). The gateway forwards batches opaque unless an
//! interceptor asks for records.

pub mod batch;
pub mod crc32c;
pub mod split;
#[cfg(test)]
mod tests;

pub use batch::{BatchRecords, Compression, Record, RecordBatch, RecordHeader};
pub use crc32c::{crc32c, Crc32c};
pub use split::{decode_batches, split_batch, Batch, Batches, Entry, RawBatch};
