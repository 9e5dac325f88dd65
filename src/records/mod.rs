//! Opening record batches for plugins that look inside records: the batch codecs (gzip,
//! snappy, lz4, zstd) and a batch's records in and out. The codec crate keeps batches as bytes
//! and stays dependency-free; the compression libraries live here.

pub mod compression;
pub mod open;

/// The most records bytes one batch may decompress to: a bound on what a small compressed
/// batch can make kgate hold (Kafka's own message size limits are far below it).
pub const MAX_BATCH_RECORDS_BYTES: usize = 256 * 1024 * 1024;
