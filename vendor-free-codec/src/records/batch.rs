//! Record batch v2 (magic 2): the 61-byte header, then records or a compressed payload.
//!
//! Lengths inside a batch are checked against the batch's own bytes: once the batch is
//! complete, an inner length that runs past it is corruption (`LengthExceedsRemaining`),
//! not a reason to read more.

use super::crc32c::Crc32c;
use crate::error::{DecodeError, EncodeError};
use crate::primitives::{Reader, Sink, SizeCounter};

/// Bytes before the batch length field's end: base offset (8) and batch length (4). Kafka
/// calls this the log overhead; the batch length counts the bytes after it.
pub const LOG_OVERHEAD: usize = 12;
/// The size of the whole v2 header, up to and including the records count.
pub const BATCH_HEADER_SIZE: usize = 61;
/// Offset of the magic byte, the same in every message format.
pub const MAGIC_OFFSET: usize = 16;
/// Bytes of the header after the batch length and before the CRC'd part: partition leader
/// epoch (4), magic (1), crc (4).
const PRE_CRC: usize = 9;

const COMPRESSION_MASK: i16 = 0x07;
const TIMESTAMP_TYPE_BIT: i16 = 0x08;
const TRANSACTIONAL_BIT: i16 = 0x10;
const CONTROL_BIT: i16 = 0x20;
const DELETE_HORIZON_BIT: i16 = 0x40;

/// The compression codec named by a batch's attributes. The codec never decompresses; this
/// only names what the payload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Records are stored as they are.
    None,
    /// gzip.
    Gzip,
    /// Snappy (xerial framing).
    Snappy,
    /// LZ4 frame.
    Lz4,
    /// Zstandard.
    Zstd,
}

impl Compression {
    /// The codec in the low three bits of `attributes`; 5..=7 are not defined by Kafka.
    pub fn from_attributes(attributes: i16) -> Result<Self, DecodeError> {
        match attributes & COMPRESSION_MASK {
            0 => Ok(Self::None),
            1 => Ok(Self::Gzip),
            2 => Ok(Self::Snappy),
            3 => Ok(Self::Lz4),
            4 => Ok(Self::Zstd),
            _ => Err(DecodeError::InvalidValue {
                context: "batch compression",
            }),
        }
    }

    /// The attribute bits for this codec.
    pub fn bits(self) -> i16 {
        match self {
            Self::None => 0,
            Self::Gzip => 1,
            Self::Snappy => 2,
            Self::Lz4 => 3,
            Self::Zstd => 4,
        }
    }
}

/// A record header: a non-null UTF-8 key and a nullable value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordHeader {
    /// The header key.
    pub key: String,
    /// The header value; `None` is null.
    pub value: Option<Vec<u8>>,
}

/// One record of an uncompressed batch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    /// Record attributes (unused by Kafka so far, kept as read).
    pub attributes: i8,
    /// Timestamp relative to the batch's base timestamp.
    pub timestamp_delta: i64,
    /// Offset relative to the batch's base offset.
    pub offset_delta: i32,
    /// The key; `None` is null.
    pub key: Option<Vec<u8>>,
    /// The value; `None` is null (a tombstone).
    pub value: Option<Vec<u8>>,
    /// The headers, in wire order.
    pub headers: Vec<RecordHeader>,
}

/// What follows a batch header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchRecords {
    /// An uncompressed batch's records; the header's count is their number.
    Records(Vec<Record>),
    /// A compressed batch, kept as it came: the records count from the header and the
    /// compressed bytes after it. Written back with `compression`'s attribute bits; with
    /// [`Compression::None`] the payload is taken as already-encoded records.
    Compressed {
        /// The codec of the payload.
        compression: Compression,
        /// The records count the header declares.
        count: i32,
        /// The bytes after the header.
        payload: Vec<u8>,
    },
}

/// A record batch, magic 2. The batch length, magic and CRC are not stored: they follow from
/// the rest and are computed on encode, so an edited batch cannot carry a stale checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordBatch {
    /// The offset of the first record.
    pub base_offset: i64,
    /// The partition leader epoch.
    pub partition_leader_epoch: i32,
    /// The attributes without the compression bits, which belong to `records` (timestamp
    /// type, transactional, control, delete horizon, and any bits Kafka may add).
    pub attributes: i16,
    /// Offset delta of the last record.
    pub last_offset_delta: i32,
    /// Timestamp of the first record (or the delete horizon, when that bit is set).
    pub base_timestamp: i64,
    /// The largest timestamp in the batch.
    pub max_timestamp: i64,
    /// The producer id, or -1.
    pub producer_id: i64,
    /// The producer epoch, or -1.
    pub producer_epoch: i16,
    /// The first sequence number, or -1.
    pub base_sequence: i32,
    /// The records, or the compressed payload.
    pub records: BatchRecords,
}

impl Default for RecordBatch {
    fn default() -> Self {
        Self {
            base_offset: 0,
            partition_leader_epoch: -1,
            attributes: 0,
            last_offset_delta: -1,
            base_timestamp: -1,
            max_timestamp: -1,
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            records: BatchRecords::Records(Vec::new()),
        }
    }
}

impl RecordBatch {
    /// The payload's codec.
    pub fn compression(&self) -> Compression {
        match &self.records {
            BatchRecords::Records(_) => Compression::None,
            BatchRecords::Compressed { compression, .. } => *compression,
        }
    }

    /// The attributes as written on the wire, compression bits included.
    pub fn wire_attributes(&self) -> i16 {
        (self.attributes & !COMPRESSION_MASK) | self.compression().bits()
    }

    /// True when timestamps are the broker's log-append time rather than the producer's.
    pub fn is_log_append_time(&self) -> bool {
        self.attributes & TIMESTAMP_TYPE_BIT != 0
    }

    /// True for a batch written by a transactional producer.
    pub fn is_transactional(&self) -> bool {
        self.attributes & TRANSACTIONAL_BIT != 0
    }

    /// True for a control batch (transaction markers), which clients never see as records.
    pub fn is_control(&self) -> bool {
        self.attributes & CONTROL_BIT != 0
    }

    /// True when the base timestamp holds the delete horizon (compacted tombstones).
    pub fn has_delete_horizon(&self) -> bool {
        self.attributes & DELETE_HORIZON_BIT != 0
    }

    /// Decode one batch at the start of `r`, checking its magic and CRC-32C. A batch whose
    /// declared length runs past `r` is `Truncated { context: "record batch" }`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let base_offset = r.i64("batch base offset")?;
        let length = r.i32("batch length")?;
        let length = usize::try_from(length).map_err(|_| DecodeError::NegativeLength {
            context: "batch length",
        })?;
        let mut b = r.sub(length, "record batch")?;
        let partition_leader_epoch = b.i32("partition leader epoch")?;
        let magic = b.i8("batch magic")?;
        if magic != 2 {
            return Err(DecodeError::InvalidValue {
                context: "batch magic",
            });
        }
        let expected = b.u32("batch crc")?;
        let actual = super::crc32c::crc32c(b.rest());
        if expected != actual {
            return Err(DecodeError::CrcMismatch { expected, actual });
        }
        let wire_attributes = b.i16("batch attributes")?;
        let mut batch = Self {
            base_offset,
            partition_leader_epoch,
            attributes: wire_attributes & !COMPRESSION_MASK,
            last_offset_delta: b.i32("last offset delta")?,
            base_timestamp: b.i64("base timestamp")?,
            max_timestamp: b.i64("max timestamp")?,
            producer_id: b.i64("producer id")?,
            producer_epoch: b.i16("producer epoch")?,
            base_sequence: b.i32("base sequence")?,
            records: BatchRecords::Records(Vec::new()),
        };
        let count = b.i32("records count")?;
        let compression = Compression::from_attributes(wire_attributes)?;
        batch.records = if compression == Compression::None {
            BatchRecords::Records(decode_records(&mut b, count)?)
        } else {
            BatchRecords::Compressed {
                compression,
                count,
                payload: b.rest().to_vec(),
            }
        };
        Ok(batch)
    }

    /// The number of bytes [`RecordBatch::encode`] writes.
    pub fn encoded_size(&self) -> Result<usize, EncodeError> {
        let mut counter = SizeCounter::default();
        self.encode_checksummed(&mut counter)?;
        Ok(LOG_OVERHEAD + PRE_CRC + counter.0)
    }

    /// Encode the batch, computing its length and CRC-32C.
    pub fn encode<S: Sink>(&self, w: &mut S) -> Result<(), EncodeError> {
        let mut counter = SizeCounter::default();
        self.encode_checksummed(&mut counter)?;
        let length = i32::try_from(PRE_CRC + counter.0).map_err(|_| EncodeError::TooLong {
            context: "record batch",
        })?;
        let mut crc = Crc32c::new();
        self.encode_checksummed(&mut crc)?;
        w.put_i64(self.base_offset);
        w.put_i32(length);
        w.put_i32(self.partition_leader_epoch);
        w.put_i8(2);
        w.put_u32(crc.finish());
        self.encode_checksummed(w)
    }

    /// Everything the CRC covers: attributes to the end.
    fn encode_checksummed<S: Sink>(&self, w: &mut S) -> Result<(), EncodeError> {
        w.put_i16(self.wire_attributes());
        w.put_i32(self.last_offset_delta);
        w.put_i64(self.base_timestamp);
        w.put_i64(self.max_timestamp);
        w.put_i64(self.producer_id);
        w.put_i16(self.producer_epoch);
        w.put_i32(self.base_sequence);
        match &self.records {
            BatchRecords::Records(records) => {
                let count = i32::try_from(records.len()).map_err(|_| EncodeError::TooLong {
                    context: "records count",
                })?;
                w.put_i32(count);
                for record in records {
                    record.encode(w)?;
                }
            }
            BatchRecords::Compressed { count, payload, .. } => {
                w.put_i32(*count);
                w.put(payload);
            }
        }
        Ok(())
    }
}

/// Read `count` records, which must fill the rest of the batch exactly.
fn decode_records(b: &mut Reader<'_>, count: i32) -> Result<Vec<Record>, DecodeError> {
    let count = usize::try_from(count).map_err(|_| DecodeError::NegativeLength {
        context: "records count",
    })?;
    // Every record takes at least one byte, so this bounds the allocation by the input.
    if count > b.remaining() {
        return Err(DecodeError::LengthExceedsRemaining {
            context: "records count",
        });
    }
    let mut records = Vec::with_capacity(count);
    for _ in 0..count {
        records.push(Record::decode(b)?);
    }
    b.expect_empty("record batch")?;
    Ok(records)
}

/// A varint length that must fit in what remains; `Ok(None)` for -1.
fn varint_len(r: &mut Reader<'_>, context: &'static str) -> Result<Option<usize>, DecodeError> {
    match r.varint(context)? {
        -1 => Ok(None),
        n => {
            let n = usize::try_from(n).map_err(|_| DecodeError::NegativeLength { context })?;
            if n > r.remaining() {
                Err(DecodeError::LengthExceedsRemaining { context })
            } else {
                Ok(Some(n))
            }
        }
    }
}

/// Varint-length nullable bytes, as record keys, values and header values are written.
fn varint_bytes(r: &mut Reader<'_>, context: &'static str) -> Result<Option<Vec<u8>>, DecodeError> {
    varint_len(r, context)?
        .map(|n| r.take(n, context).map(<[u8]>::to_vec))
        .transpose()
}

fn put_varint_len<S: Sink>(
    w: &mut S,
    len: Option<usize>,
    context: &'static str,
) -> Result<(), EncodeError> {
    let n = match len {
        None => -1,
        Some(n) => i32::try_from(n).map_err(|_| EncodeError::TooLong { context })?,
    };
    w.put_varint(n);
    Ok(())
}

fn put_varint_bytes<S: Sink>(
    w: &mut S,
    bytes: Option<&[u8]>,
    context: &'static str,
) -> Result<(), EncodeError> {
    put_varint_len(w, bytes.map(<[u8]>::len), context)?;
    if let Some(bytes) = bytes {
        w.put(bytes);
    }
    Ok(())
}

impl Record {
    /// Decode one record: its varint length, then a body that must be consumed exactly.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let len = varint_len(r, "record length")?.ok_or(DecodeError::NegativeLength {
            context: "record length",
        })?;
        let mut b = r.sub(len, "record")?;
        let mut record = Self {
            attributes: b.i8("record attributes")?,
            timestamp_delta: b.varlong("record timestamp delta")?,
            offset_delta: b.varint("record offset delta")?,
            key: varint_bytes(&mut b, "record key")?,
            value: varint_bytes(&mut b, "record value")?,
            headers: Vec::new(),
        };
        let count =
            varint_len(&mut b, "record headers count")?.ok_or(DecodeError::NegativeLength {
                context: "record headers count",
            })?;
        // `varint_len` bounded `count` by the bytes left; each header takes at least two.
        record.headers = Vec::with_capacity(count);
        for _ in 0..count {
            let key_len = varint_len(&mut b, "header key")?.ok_or(DecodeError::UnexpectedNull {
                context: "header key",
            })?;
            let key = core::str::from_utf8(b.take(key_len, "header key")?)
                .map_err(|_| DecodeError::InvalidUtf8 {
                    context: "header key",
                })?
                .to_owned();
            let value = varint_bytes(&mut b, "header value")?;
            record.headers.push(RecordHeader { key, value });
        }
        b.expect_empty("record")?;
        Ok(record)
    }

    /// Encode the record with its varint length prefix.
    pub fn encode<S: Sink>(&self, w: &mut S) -> Result<(), EncodeError> {
        let mut counter = SizeCounter::default();
        self.encode_body(&mut counter)?;
        put_varint_len(w, Some(counter.0), "record")?;
        self.encode_body(w)
    }

    fn encode_body<S: Sink>(&self, w: &mut S) -> Result<(), EncodeError> {
        w.put_i8(self.attributes);
        w.put_varlong(self.timestamp_delta);
        w.put_varint(self.offset_delta);
        put_varint_bytes(w, self.key.as_deref(), "record key")?;
        put_varint_bytes(w, self.value.as_deref(), "record value")?;
        put_varint_len(w, Some(self.headers.len()), "record headers count")?;
        for header in &self.headers {
            put_varint_bytes(w, Some(header.key.as_bytes()), "header key")?;
            put_varint_bytes(w, header.value.as_deref(), "header value")?;
        }
        Ok(())
    }
}
