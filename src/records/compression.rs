//! Kafka's record batch codecs, as its clients write them:
//! - gzip: one or more gzip members;
//! - snappy: xerial framing (what the Java client writes: a magic header, then length-prefixed
//!   snappy blocks), or one raw snappy block (what librdkafka may write); written framed;
//! - lz4: the LZ4 frame format with independent blocks (KIP-57), written without checksums of
//!   the content, as Kafka's own stream writes;
//! - zstd: zstd frames.
//!
//! Decompression is bounded: a payload that expands past `limit` is an error, before more than
//! `limit` bytes are held (a small batch may not become gigabytes of records).

use std::io::{Read, Write};

use codec::records::Compression;

/// xerial's snappy stream header: magic, then version 1 and minimum compatible version 1.
const XERIAL_MAGIC: &[u8] = b"\x82SNAPPY\x00";
const XERIAL_HEADER_LEN: usize = 16;
/// The Java client's snappy block size.
const XERIAL_BLOCK: usize = 32 * 1024;

/// Why a payload could not be decompressed or compressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError(pub String);

impl std::fmt::Display for CodecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err(codec: &str, what: impl std::fmt::Display) -> CodecError {
    CodecError(format!("{codec}: {what}"))
}

/// The records bytes of a compressed batch payload, at most `limit` of them.
pub fn decompress(
    compression: Compression,
    payload: &[u8],
    limit: usize,
) -> Result<Vec<u8>, CodecError> {
    match compression {
        Compression::None => bounded(payload, limit, "none"),
        Compression::Gzip => {
            read_bounded(flate2::read::MultiGzDecoder::new(payload), limit, "gzip")
        }
        Compression::Snappy => snappy_decompress(payload, limit),
        Compression::Lz4 => read_bounded(lz4_flex::frame::FrameDecoder::new(payload), limit, "lz4"),
        Compression::Zstd => {
            let decoder = zstd::stream::read::Decoder::new(payload).map_err(|e| err("zstd", e))?;
            read_bounded(decoder, limit, "zstd")
        }
    }
}

/// `records` compressed with `compression`.
pub fn compress(compression: Compression, records: &[u8]) -> Result<Vec<u8>, CodecError> {
    match compression {
        Compression::None => Ok(records.to_vec()),
        Compression::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(records).map_err(|e| err("gzip", e))?;
            e.finish().map_err(|e| err("gzip", e))
        }
        Compression::Snappy => snappy_compress(records),
        Compression::Lz4 => {
            let mut info = lz4_flex::frame::FrameInfo::new();
            info.block_mode = lz4_flex::frame::BlockMode::Independent;
            info.block_size = lz4_flex::frame::BlockSize::Max64KB;
            let mut e = lz4_flex::frame::FrameEncoder::with_frame_info(info, Vec::new());
            e.write_all(records).map_err(|e| err("lz4", e))?;
            e.finish().map_err(|e| err("lz4", e))
        }
        Compression::Zstd => zstd::stream::encode_all(records, 3).map_err(|e| err("zstd", e)),
    }
}

fn bounded(bytes: &[u8], limit: usize, codec: &str) -> Result<Vec<u8>, CodecError> {
    if bytes.len() > limit {
        return Err(err(codec, format!("more than {limit} bytes of records")));
    }
    Ok(bytes.to_vec())
}

fn read_bounded(reader: impl Read, limit: usize, codec: &str) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|e| err(codec, e))?;
    if out.len() > limit {
        return Err(err(codec, format!("more than {limit} bytes of records")));
    }
    Ok(out)
}

fn snappy_decompress(payload: &[u8], limit: usize) -> Result<Vec<u8>, CodecError> {
    if !payload.starts_with(XERIAL_MAGIC) {
        return snappy_block(payload, limit, 0);
    }
    let mut rest = payload
        .get(XERIAL_HEADER_LEN..)
        .ok_or_else(|| err("snappy", "truncated stream header"))?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (len, tail) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| err("snappy", "truncated block length"))?;
        let len = usize::try_from(u32::from_be_bytes(*len)).unwrap_or(usize::MAX);
        let block = tail
            .get(..len)
            .ok_or_else(|| err("snappy", "block longer than the payload"))?;
        out.extend(snappy_block(block, limit, out.len())?);
        rest = &tail[len..];
    }
    Ok(out)
}

/// One raw snappy block, refused before decoding when it would pass `limit` with `held`.
fn snappy_block(block: &[u8], limit: usize, held: usize) -> Result<Vec<u8>, CodecError> {
    let len = snap::raw::decompress_len(block).map_err(|e| err("snappy", e))?;
    if held.saturating_add(len) > limit {
        return Err(err("snappy", format!("more than {limit} bytes of records")));
    }
    snap::raw::Decoder::new()
        .decompress_vec(block)
        .map_err(|e| err("snappy", e))
}

fn snappy_compress(records: &[u8]) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(records.len() / 2 + XERIAL_HEADER_LEN);
    out.extend_from_slice(XERIAL_MAGIC);
    out.extend_from_slice(&1i32.to_be_bytes());
    out.extend_from_slice(&1i32.to_be_bytes());
    let mut encoder = snap::raw::Encoder::new();
    for chunk in records.chunks(XERIAL_BLOCK) {
        let block = encoder.compress_vec(chunk).map_err(|e| err("snappy", e))?;
        let len = u32::try_from(block.len()).map_err(|_| err("snappy", "block too large"))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&block);
    }
    Ok(out)
}

#[cfg(test)]
#[path = "compression_tests.rs"]
mod tests;
