//! Skip-scans over broker answers: the structure of a response walked with the codec's
//! [`Reader`], every length checked, nothing decoded into values, nothing copied and nothing
//! allocated. They tell the rewrite where the few parts that carry addresses are, so that the
//! rest of an answer (record batches, thousands of partitions) goes out as the broker wrote it.
//!
//! What a skim checks: every length and count fits in the bytes that remain, nulls only where
//! the schema allows them, varints of legal width. What it does not check (the full decoder
//! does): UTF-8 of strings, the contents of nested tagged fields. Those bytes reach the client
//! unchanged, so the client's own decoder judges them, as it would without the gateway.

use codec::{DecodeError, Reader};

/// Where the parts of a Metadata response body (header excluded) are, as byte offsets into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetadataLayout {
    /// Start of the broker array (after the throttle time, v3+).
    pub brokers_start: usize,
    /// End of the broker array: the cluster id (v2+) or the controller id follows.
    pub brokers_end: usize,
    /// End of the message; bytes past it are padding.
    pub end: usize,
}

/// Offsets of the Metadata response `body` (header excluded) at `version`.
pub fn metadata(body: &[u8], version: i16) -> Result<MetadataLayout, DecodeError> {
    let flexible = version >= 9;
    let mut r = Reader::new(body);
    if version >= 3 {
        skip(&mut r, 4, "throttle time")?;
    }
    let brokers_start = offset(body, &r);
    for _ in 0..array_len(&mut r, flexible, false, "brokers")? {
        skip(&mut r, 4, "broker node id")?;
        skip_string(&mut r, flexible, false, "broker host")?;
        skip(&mut r, 4, "broker port")?;
        if version >= 1 {
            skip_string(&mut r, flexible, true, "broker rack")?;
        }
        if flexible {
            skip_tagged(&mut r, "broker tagged fields")?;
        }
    }
    let brokers_end = offset(body, &r);
    if version >= 2 {
        skip_string(&mut r, flexible, true, "cluster id")?;
    }
    if version >= 1 {
        skip(&mut r, 4, "controller id")?;
    }
    for _ in 0..array_len(&mut r, flexible, false, "topics")? {
        skip(&mut r, 2, "topic error code")?;
        skip_string(&mut r, flexible, version >= 12, "topic name")?;
        if version >= 10 {
            skip(&mut r, 16, "topic id")?;
        }
        if version >= 1 {
            skip(&mut r, 1, "topic is internal")?;
        }
        for _ in 0..array_len(&mut r, flexible, false, "partitions")? {
            // error code, partition index, leader id
            skip(&mut r, 2 + 4 + 4, "partition")?;
            if version >= 7 {
                skip(&mut r, 4, "leader epoch")?;
            }
            skip_i32_array(&mut r, flexible, "replica nodes")?;
            skip_i32_array(&mut r, flexible, "isr nodes")?;
            if version >= 5 {
                skip_i32_array(&mut r, flexible, "offline replicas")?;
            }
            if flexible {
                skip_tagged(&mut r, "partition tagged fields")?;
            }
        }
        if version >= 8 {
            skip(&mut r, 4, "topic authorized operations")?;
        }
        if flexible {
            skip_tagged(&mut r, "topic tagged fields")?;
        }
    }
    if (8..=10).contains(&version) {
        skip(&mut r, 4, "cluster authorized operations")?;
    }
    if version >= 13 {
        skip(&mut r, 2, "error code")?;
    }
    if flexible {
        skip_tagged(&mut r, "metadata response tagged fields")?;
    }
    Ok(MetadataLayout {
        brokers_start,
        brokers_end,
        end: offset(body, &r),
    })
}

/// The offset in the Fetch response `body` (header excluded, flexible versions, v12+) where its
/// top-level tagged fields (`NodeEndpoints` is tag 0 from v16) start.
pub fn fetch_tagged_start(body: &[u8], version: i16) -> Result<usize, DecodeError> {
    let flexible = version >= 12;
    let mut r = Reader::new(body);
    skip(&mut r, 4, "throttle time")?;
    if version >= 7 {
        // error code, session id
        skip(&mut r, 2 + 4, "fetch session")?;
    }
    for _ in 0..array_len(&mut r, flexible, false, "responses")? {
        if version <= 12 {
            skip_string(&mut r, flexible, false, "topic name")?;
        } else {
            skip(&mut r, 16, "topic id")?;
        }
        for _ in 0..array_len(&mut r, flexible, false, "partitions")? {
            // partition index, error code, high watermark, last stable offset
            skip(&mut r, 4 + 2 + 8 + 8, "partition data")?;
            if version >= 5 {
                skip(&mut r, 8, "log start offset")?;
            }
            for _ in 0..array_len(&mut r, flexible, true, "aborted transactions")? {
                skip(&mut r, 16, "aborted transaction")?;
                if flexible {
                    skip_tagged(&mut r, "aborted transaction tagged fields")?;
                }
            }
            if version >= 11 {
                skip(&mut r, 4, "preferred read replica")?;
            }
            skip_bytes(&mut r, flexible, "records")?;
            if flexible {
                skip_tagged(&mut r, "partition data tagged fields")?;
            }
        }
        if flexible {
            skip_tagged(&mut r, "fetchable topic tagged fields")?;
        }
    }
    Ok(offset(body, &r))
}

/// The offset in the Produce response `body` (header excluded) where its top-level tagged
/// fields (flexible versions, v9+; `NodeEndpoints` is tag 0 from v10) start.
pub fn produce_tagged_start(body: &[u8], version: i16) -> Result<usize, DecodeError> {
    let flexible = version >= 9;
    let mut r = Reader::new(body);
    for _ in 0..array_len(&mut r, flexible, false, "responses")? {
        if version <= 12 {
            skip_string(&mut r, flexible, false, "topic name")?;
        } else {
            skip(&mut r, 16, "topic id")?;
        }
        for _ in 0..array_len(&mut r, flexible, false, "partition responses")? {
            // index, error code, base offset, log append time
            skip(&mut r, 4 + 2 + 8 + 8, "partition response")?;
            if version >= 5 {
                skip(&mut r, 8, "log start offset")?;
            }
            if version >= 8 {
                for _ in 0..array_len(&mut r, flexible, false, "record errors")? {
                    skip(&mut r, 4, "batch index")?;
                    skip_string(&mut r, flexible, true, "batch index error message")?;
                    if flexible {
                        skip_tagged(&mut r, "record error tagged fields")?;
                    }
                }
                skip_string(&mut r, flexible, true, "error message")?;
            }
            if flexible {
                skip_tagged(&mut r, "partition produce response tagged fields")?;
            }
        }
        if flexible {
            skip_tagged(&mut r, "topic produce response tagged fields")?;
        }
    }
    skip(&mut r, 4, "throttle time")?;
    Ok(offset(body, &r))
}

/// True when the tagged-field section at the start of `section` holds `tag` with something in
/// it other than an empty compact array. Conservative: a field that is there but unreadable
/// counts as present, so that the full decoder (which rejects it) sees it.
pub fn has_nonempty_tag(section: &[u8], tag: u32) -> Result<bool, DecodeError> {
    let mut r = Reader::new(section);
    let context = "tagged fields";
    let count = r.uvarint(context)?;
    let mut found = false;
    for _ in 0..count {
        let this = r.uvarint(context)?;
        let size = r.uvarint(context)? as usize;
        let data = r.take(size, context)?;
        if this == tag {
            let empty_array = matches!(Reader::new(data).uvarint(context), Ok(1)) && size == 1;
            found |= !empty_array;
        }
    }
    Ok(found)
}

fn offset(body: &[u8], r: &Reader<'_>) -> usize {
    body.len() - r.remaining()
}

fn skip(r: &mut Reader<'_>, n: usize, context: &'static str) -> Result<(), DecodeError> {
    r.take(n, context).map(|_| ())
}

/// A length or count prefix: compact (UNSIGNED_VARINT of n + 1, 0 for null) when `flexible`,
/// else INT16 (`short`) or INT32, -1 for null. `None` is null. Checked against what remains
/// (every element of an array takes at least one byte).
fn length(
    r: &mut Reader<'_>,
    flexible: bool,
    short: bool,
    context: &'static str,
) -> Result<Option<usize>, DecodeError> {
    let n = if flexible {
        match r.uvarint(context)? {
            0 => return Ok(None),
            n => (n - 1) as usize,
        }
    } else {
        let n = if short {
            i32::from(r.i16(context)?)
        } else {
            r.i32(context)?
        };
        match n {
            -1 => return Ok(None),
            n if n < 0 => return Err(DecodeError::NegativeLength { context }),
            n => n as usize,
        }
    };
    if n > r.remaining() {
        return Err(DecodeError::LengthExceedsRemaining { context });
    }
    Ok(Some(n))
}

fn not_null(
    len: Option<usize>,
    nullable: bool,
    context: &'static str,
) -> Result<usize, DecodeError> {
    match len {
        Some(n) => Ok(n),
        None if nullable => Ok(0),
        None => Err(DecodeError::UnexpectedNull { context }),
    }
}

fn array_len(
    r: &mut Reader<'_>,
    flexible: bool,
    nullable: bool,
    context: &'static str,
) -> Result<usize, DecodeError> {
    not_null(length(r, flexible, false, context)?, nullable, context)
}

fn skip_string(
    r: &mut Reader<'_>,
    flexible: bool,
    nullable: bool,
    context: &'static str,
) -> Result<(), DecodeError> {
    let n = not_null(length(r, flexible, true, context)?, nullable, context)?;
    skip(r, n, context)
}

/// Nullable BYTES / RECORDS.
fn skip_bytes(
    r: &mut Reader<'_>,
    flexible: bool,
    context: &'static str,
) -> Result<(), DecodeError> {
    let n = length(r, flexible, false, context)?.unwrap_or(0);
    skip(r, n, context)
}

fn skip_i32_array(
    r: &mut Reader<'_>,
    flexible: bool,
    context: &'static str,
) -> Result<(), DecodeError> {
    let n = array_len(r, flexible, false, context)?;
    let bytes = n
        .checked_mul(4)
        .ok_or(DecodeError::LengthExceedsRemaining { context })?;
    skip(r, bytes, context)
}

fn skip_tagged(r: &mut Reader<'_>, context: &'static str) -> Result<(), DecodeError> {
    let count = r.uvarint(context)? as usize;
    // Each field is at least two bytes (tag and size).
    if count > r.remaining() / 2 {
        return Err(DecodeError::LengthExceedsRemaining { context });
    }
    for _ in 0..count {
        r.uvarint(context)?;
        let size = r.uvarint(context)? as usize;
        skip(r, size, context)?;
    }
    Ok(())
}
