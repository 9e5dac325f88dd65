//! A records blob (the RECORDS field of a Produce or Fetch) with its batches opened: each
//! magic-2 batch's records decompressed and decoded, so a plugin can read or change them, then
//! sealed again with the batch's own codec (lengths, offsets deltas and the CRC-32C are the
//! codec's to compute). Legacy message sets (magic 0 and 1) and a Fetch's trailing partial
//! batch stay the bytes they were.

use codec::records::{decode_batches, Batch, BatchRecords, Compression, Record, RecordBatch};
use codec::Reader;

use super::compression::{compress, decompress};

/// One entry of an opened blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// A record batch with its records decoded; `compression` is what it is sealed with.
    Batch {
        /// The batch, its records as [`BatchRecords::Records`].
        batch: RecordBatch,
        /// Its codec on the wire.
        compression: Compression,
    },
    /// Bytes kept as they are (legacy messages, a partial batch at the end).
    Raw(Vec<u8>),
}

/// Opens every batch of `blob`; no batch may hold more than `limit` bytes of records.
pub fn open(blob: &[u8], limit: usize) -> Result<Vec<Opened>, String> {
    let (batches, partial) = decode_batches(blob).map_err(|e| format!("record batch: {e}"))?;
    let mut out = Vec::with_capacity(batches.len() + 1);
    for b in batches {
        out.push(match b {
            Batch::Legacy(raw) => Opened::Raw(raw.bytes.to_vec()),
            Batch::V2(mut batch) => {
                let compression = batch.compression();
                if let BatchRecords::Compressed { count, payload, .. } = &batch.records {
                    let bytes = decompress(compression, payload, limit)
                        .map_err(|e| format!("record batch: {e}"))?;
                    batch.records = BatchRecords::Records(records(&bytes, *count)?);
                }
                Opened::Batch { batch, compression }
            }
        });
    }
    if let Some(partial) = partial {
        out.push(Opened::Raw(partial.to_vec()));
    }
    Ok(out)
}

/// `count` records from decompressed bytes, which they must fill exactly.
fn records(bytes: &[u8], count: i32) -> Result<Vec<Record>, String> {
    let count = usize::try_from(count).map_err(|_| "record batch: negative records count")?;
    let mut r = Reader::new(bytes);
    // Each record takes at least 7 bytes: the count cannot ask for more than the bytes hold.
    let mut list = Vec::with_capacity(count.min(bytes.len() / 7));
    for _ in 0..count {
        list.push(Record::decode(&mut r).map_err(|e| format!("record: {e}"))?);
    }
    r.expect_empty("records")
        .map_err(|e| format!("record batch: {e}"))?;
    Ok(list)
}

/// The blob of `entries`, each batch compressed again with its own codec.
pub fn seal(entries: &[Opened]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for entry in entries {
        match entry {
            Opened::Raw(bytes) => out.extend_from_slice(bytes),
            Opened::Batch { batch, compression } => {
                let mut sealed = batch.clone();
                if let (BatchRecords::Records(list), false) =
                    (&batch.records, *compression == Compression::None)
                {
                    let mut plain = Vec::new();
                    for record in list {
                        record
                            .encode(&mut plain)
                            .map_err(|e| format!("record: {e}"))?;
                    }
                    let count =
                        i32::try_from(list.len()).map_err(|_| "record batch: too many records")?;
                    sealed.records = BatchRecords::Compressed {
                        compression: *compression,
                        count,
                        payload: compress(*compression, &plain).map_err(|e| e.to_string())?,
                    };
                }
                sealed
                    .encode(&mut out)
                    .map_err(|e| format!("record batch: {e}"))?;
            }
        }
    }
    Ok(out)
}

/// `blob` with `change` applied to every record of every batch; `None` when `change` changed
/// nothing (it says so by returning false), so the bytes stay as they were.
pub fn map_records(
    blob: &[u8],
    limit: usize,
    change: &mut dyn FnMut(&mut Record) -> bool,
) -> Result<Option<Vec<u8>>, String> {
    let mut opened = open(blob, limit)?;
    let mut changed = false;
    for entry in &mut opened {
        if let Opened::Batch { batch, .. } = entry {
            if let BatchRecords::Records(list) = &mut batch.records {
                for record in list {
                    changed |= change(record);
                }
            }
        }
    }
    if !changed {
        return Ok(None);
    }
    seal(&opened).map(Some)
}

#[cfg(test)]
#[path = "open_tests.rs"]
mod tests;
