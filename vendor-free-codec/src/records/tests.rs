//! Unit tests of record batches, the splitter and legacy detection.

use super::*;
use crate::error::DecodeError;
use crate::primitives::Reader;

/// Three records: headers (one with a null value), a null key, a null value, negative deltas.
pub(crate) fn sample_batch() -> RecordBatch {
    RecordBatch {
        base_offset: 1_000,
        partition_leader_epoch: 7,
        attributes: 0,
        last_offset_delta: 2,
        base_timestamp: 1_700_000_000_000,
        max_timestamp: 1_700_000_000_500,
        producer_id: 42,
        producer_epoch: 3,
        base_sequence: 10,
        records: BatchRecords::Records(vec![
            Record {
                attributes: 0,
                timestamp_delta: 0,
                offset_delta: 0,
                key: Some(b"key-0".to_vec()),
                value: Some(b"value zero".to_vec()),
                headers: vec![
                    RecordHeader {
                        key: "trace".into(),
                        value: Some(b"abc".to_vec()),
                    },
                    RecordHeader {
                        key: "empty".into(),
                        value: None,
                    },
                ],
            },
            Record {
                attributes: 0,
                timestamp_delta: 500,
                offset_delta: 1,
                key: None,
                value: Some(vec![0u8; 300]),
                headers: vec![],
            },
            Record {
                attributes: 0,
                timestamp_delta: -3,
                offset_delta: 2,
                key: Some(vec![]),
                value: None,
                headers: vec![RecordHeader {
                    key: "ünïcode".into(),
                    value: Some(vec![]),
                }],
            },
        ]),
    }
}

fn encode(batch: &RecordBatch) -> Vec<u8> {
    let mut out = Vec::new();
    batch.encode(&mut out).expect("encode");
    out
}

fn decode(bytes: &[u8]) -> Result<RecordBatch, DecodeError> {
    let mut r = Reader::new(bytes);
    let batch = RecordBatch::decode(&mut r)?;
    r.expect_empty("test batch")?;
    Ok(batch)
}

/// A v2 batch header written field by field from the protocol spec, independent of the
/// encoder under test: `(attributes, count)` then `body`, with the length and CRC filled in.
fn hand_batch(attributes: i16, count: i32, body: &[u8]) -> Vec<u8> {
    let mut crc_part = Vec::new();
    crc_part.extend_from_slice(&attributes.to_be_bytes());
    crc_part.extend_from_slice(&5i32.to_be_bytes()); // last offset delta
    crc_part.extend_from_slice(&11i64.to_be_bytes()); // base timestamp
    crc_part.extend_from_slice(&12i64.to_be_bytes()); // max timestamp
    crc_part.extend_from_slice(&13i64.to_be_bytes()); // producer id
    crc_part.extend_from_slice(&14i16.to_be_bytes()); // producer epoch
    crc_part.extend_from_slice(&15i32.to_be_bytes()); // base sequence
    crc_part.extend_from_slice(&count.to_be_bytes());
    crc_part.extend_from_slice(body);
    let mut out = Vec::new();
    out.extend_from_slice(&99i64.to_be_bytes());
    out.extend_from_slice(&((9 + crc_part.len()) as i32).to_be_bytes());
    out.extend_from_slice(&(-1i32).to_be_bytes());
    out.push(2);
    out.extend_from_slice(&crc32c(&crc_part).to_be_bytes());
    out.extend_from_slice(&crc_part);
    out
}

/// The byte offset where each header field ends, with the context its truncation reports.
const HEADER_FIELDS: &[(usize, &str)] = &[
    (8, "batch base offset"),
    (12, "batch length"),
    (16, "partition leader epoch"),
    (17, "batch magic"),
    (21, "batch crc"),
    (23, "batch attributes"),
    (27, "last offset delta"),
    (35, "base timestamp"),
    (43, "max timestamp"),
    (51, "producer id"),
    (53, "producer epoch"),
    (57, "base sequence"),
    (61, "records count"),
];

#[test]
fn round_trips_records_headers_and_nulls() {
    let batch = sample_batch();
    let bytes = encode(&batch);
    assert_eq!(batch.encoded_size().expect("size"), bytes.len());
    assert_eq!(bytes.get(16), Some(&2), "magic");
    let declared = i32::from_be_bytes(bytes[8..12].try_into().expect("4 bytes"));
    assert_eq!(declared as usize, bytes.len() - 12, "batch length");
    let stored_crc = u32::from_be_bytes(bytes[17..21].try_into().expect("4 bytes"));
    assert_eq!(stored_crc, crc32c(&bytes[21..]), "crc over attributes..end");
    let decoded = decode(&bytes).expect("decode");
    assert_eq!(decoded, batch);
    assert_eq!(encode(&decoded), bytes);
}

#[test]
fn header_layout_matches_a_hand_written_batch() {
    let records = vec![Record {
        value: Some(b"v".to_vec()),
        ..Record::default()
    }];
    let mut body = Vec::new();
    for record in &records {
        record.encode(&mut body).expect("record");
    }
    // One record by hand: length 7, attrs, ts 0, offset 0, key null (-1 = 0x01), value len 1.
    assert_eq!(body, [14, 0, 0, 0, 1, 2, b'v', 0]);
    let expected = hand_batch(0x10, 1, &body);
    let batch = RecordBatch {
        base_offset: 99,
        partition_leader_epoch: -1,
        attributes: 0x10,
        last_offset_delta: 5,
        base_timestamp: 11,
        max_timestamp: 12,
        producer_id: 13,
        producer_epoch: 14,
        base_sequence: 15,
        records: BatchRecords::Records(records),
    };
    assert_eq!(encode(&batch), expected);
    assert_eq!(decode(&expected), Ok(batch));
}

#[test]
fn crc_mismatch_is_an_error_with_both_values() {
    let mut bytes = encode(&sample_batch());
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let stored = u32::from_be_bytes(bytes[17..21].try_into().expect("4 bytes"));
    let actual = crc32c(&bytes[21..]);
    assert_ne!(stored, actual);
    assert_eq!(
        decode(&bytes),
        Err(DecodeError::CrcMismatch {
            expected: stored,
            actual
        })
    );

    // A damaged CRC field is reported the same way.
    let mut bytes = encode(&sample_batch());
    bytes[18] ^= 0x80;
    let stored = u32::from_be_bytes(bytes[17..21].try_into().expect("4 bytes"));
    assert_eq!(
        decode(&bytes),
        Err(DecodeError::CrcMismatch {
            expected: stored,
            actual: crc32c(&bytes[21..])
        })
    );
}

#[test]
fn every_prefix_is_truncated_for_the_decoder_and_partial_for_the_splitter() {
    let bytes = encode(&sample_batch());
    for cut in 0..bytes.len() {
        let prefix = &bytes[..cut];
        let context = match cut {
            0..=7 => "batch base offset",
            8..=11 => "batch length",
            _ => "record batch",
        };
        assert_eq!(
            decode(prefix),
            Err(DecodeError::Truncated { context }),
            "cut at {cut}"
        );
        let entries: Vec<_> = Batches::new(prefix).collect();
        if cut == 0 {
            assert!(entries.is_empty());
        } else {
            assert_eq!(entries, vec![Ok(Entry::Partial(prefix))], "cut at {cut}");
        }
        assert_eq!(
            decode_batches(prefix),
            Ok((vec![], Some(prefix).filter(|p| !p.is_empty())))
        );
    }
}

/// Cut the batch inside its declared length: fix the length (and the CRC when it is whole)
/// so that the decoder reaches the field where the bytes run out.
#[test]
fn every_cut_inside_the_batch_names_the_field() {
    let batch = sample_batch();
    let full = encode(&batch);
    let BatchRecords::Records(records) = &batch.records else {
        unreachable!("sample is uncompressed")
    };
    // Where each record starts and where its length varint ends.
    let mut spans = Vec::new();
    let mut start = 61;
    for record in records {
        let mut one = Vec::new();
        record.encode(&mut one).expect("record");
        let prefix_len = one.iter().position(|b| b & 0x80 == 0).expect("varint end") + 1;
        spans.push((start, start + prefix_len, start + one.len()));
        start += one.len();
    }
    assert_eq!(start, full.len());

    for cut in 12..full.len() {
        let mut bytes = full[..cut].to_vec();
        bytes[8..12].copy_from_slice(&((cut - 12) as i32).to_be_bytes());
        if cut >= 21 {
            let crc = crc32c(&bytes[21..]);
            bytes[17..21].copy_from_slice(&crc.to_be_bytes());
        }
        let expected = if cut < 61 {
            let (_, context) = HEADER_FIELDS
                .iter()
                .find(|(end, _)| cut < *end)
                .expect("a header field");
            DecodeError::Truncated { context }
        } else if cut - 61 < records.len() {
            // Fewer bytes than records: the count alone is already impossible.
            DecodeError::LengthExceedsRemaining {
                context: "records count",
            }
        } else {
            let &(_, prefix_end, _) = spans
                .iter()
                .find(|(_, _, end)| cut < *end)
                .expect("a record");
            if cut < prefix_end || spans.iter().any(|(s, _, _)| *s == cut) {
                DecodeError::Truncated {
                    context: "record length",
                }
            } else {
                DecodeError::LengthExceedsRemaining {
                    context: "record length",
                }
            }
        };
        assert_eq!(decode(&bytes), Err(expected), "cut at {cut}");
    }
}

#[test]
fn compressed_batch_keeps_its_payload() {
    let payload: Vec<u8> = (0..200u8).collect();
    // gzip, transactional, control: flags live beside the codec bits.
    let bytes = hand_batch(0x01 | 0x10 | 0x20, 17, &payload);
    let batch = decode(&bytes).expect("decode");
    assert_eq!(batch.compression(), Compression::Gzip);
    assert!(batch.is_transactional());
    assert!(batch.is_control());
    assert!(!batch.is_log_append_time());
    assert_eq!(batch.wire_attributes(), 0x31);
    assert_eq!(
        batch.records,
        BatchRecords::Compressed {
            compression: Compression::Gzip,
            count: 17,
            payload
        }
    );
    assert_eq!(encode(&batch), bytes);
    for (bits, codec) in [
        (2, Compression::Snappy),
        (3, Compression::Lz4),
        (4, Compression::Zstd),
    ] {
        let batch = decode(&hand_batch(bits | 0x08, 1, b"x")).expect("decode");
        assert_eq!(batch.compression(), codec);
        assert!(batch.is_log_append_time());
        assert_eq!(Compression::from_attributes(codec.bits()), Ok(codec));
    }
}

#[test]
fn unknown_compression_and_magic_are_invalid() {
    for bits in 5..=7 {
        assert_eq!(
            decode(&hand_batch(bits, 0, &[])),
            Err(DecodeError::InvalidValue {
                context: "batch compression"
            })
        );
    }
    let mut bytes = hand_batch(0, 0, &[]);
    bytes[16] = 3;
    assert_eq!(
        decode(&bytes),
        Err(DecodeError::InvalidValue {
            context: "batch magic"
        })
    );
    assert_eq!(
        split_batch(&bytes),
        Err(DecodeError::InvalidValue {
            context: "batch magic"
        })
    );
}

#[test]
fn records_must_fill_the_batch_exactly() {
    let mut body = Vec::new();
    Record::default().encode(&mut body).expect("record");
    let extra = [body.as_slice(), &[0]].concat();
    assert_eq!(
        decode(&hand_batch(0, 1, &extra)),
        Err(DecodeError::TrailingBytes {
            context: "record batch"
        })
    );
    assert_eq!(
        decode(&hand_batch(0, -1, &body)),
        Err(DecodeError::NegativeLength {
            context: "records count"
        })
    );
    // A record whose length leaves a byte unread inside it.
    let mut padded = body.clone();
    padded[0] += 2; // zig-zag: length + 1
    padded.push(0);
    assert_eq!(
        decode(&hand_batch(0, 1, &padded)),
        Err(DecodeError::TrailingBytes { context: "record" })
    );
}

#[test]
fn bad_record_fields_are_named() {
    // attrs, ts delta 0, offset delta 0, then key/value/headers as given.
    let record = |tail: &[u8]| {
        let mut body = vec![0, 0, 0];
        body.extend_from_slice(tail);
        let mut out = vec![(body.len() as u8) << 1];
        out.extend_from_slice(&body);
        hand_batch(0, 1, &out)
    };
    let cases: &[(&[u8], DecodeError)] = &[
        // key length -2 (zig-zag 3)
        (
            &[3, 1, 0],
            DecodeError::NegativeLength {
                context: "record key",
            },
        ),
        // key length 5 with two bytes left
        (
            &[10, 1, 0],
            DecodeError::LengthExceedsRemaining {
                context: "record key",
            },
        ),
        // header count -1
        (
            &[1, 1, 1],
            DecodeError::NegativeLength {
                context: "record headers count",
            },
        ),
        // one header with a null key
        (
            &[1, 1, 2, 1, 1],
            DecodeError::UnexpectedNull {
                context: "header key",
            },
        ),
        // one header with an invalid UTF-8 key
        (
            &[1, 1, 2, 2, 0xff, 1],
            DecodeError::InvalidUtf8 {
                context: "header key",
            },
        ),
        // header value length -3
        (
            &[1, 1, 2, 0, 5],
            DecodeError::NegativeLength {
                context: "header value",
            },
        ),
        // six-byte varint in the value length
        (
            &[1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0],
            DecodeError::VarintTooLong {
                context: "record value",
            },
        ),
    ];
    for (tail, expected) in cases {
        assert_eq!(decode(&record(tail)), Err(*expected), "tail {tail:?}");
    }
}

/// A magic 1 message: offset, size, crc (IEEE, not checked here), magic, attributes,
/// timestamp, key, value.
fn legacy_message(magic: u8, value: &[u8]) -> Vec<u8> {
    let mut inner = vec![0, 0, 0, 0, magic, 0];
    if magic == 1 {
        inner.extend_from_slice(&5i64.to_be_bytes());
    }
    inner.extend_from_slice(&(-1i32).to_be_bytes());
    inner.extend_from_slice(&(value.len() as i32).to_be_bytes());
    inner.extend_from_slice(value);
    let mut out = 3i64.to_be_bytes().to_vec();
    out.extend_from_slice(&(inner.len() as i32).to_be_bytes());
    out.extend_from_slice(&inner);
    out
}

#[test]
fn legacy_message_sets_pass_through() {
    let v0 = legacy_message(0, b"old");
    let v1 = legacy_message(1, b"older");
    let v2 = encode(&sample_batch());
    let blob = [v0.as_slice(), &v1, &v2, &v2[..30]].concat();
    let entries: Vec<_> = Batches::new(&blob)
        .collect::<Result<_, _>>()
        .expect("split");
    assert_eq!(
        entries,
        vec![
            Entry::Complete(RawBatch {
                magic: 0,
                bytes: &v0
            }),
            Entry::Complete(RawBatch {
                magic: 1,
                bytes: &v1
            }),
            Entry::Complete(RawBatch {
                magic: 2,
                bytes: &v2
            }),
            Entry::Partial(&v2[..30]),
        ]
    );
    let (batches, partial) = decode_batches(&blob).expect("decode");
    assert_eq!(
        batches,
        vec![
            Batch::Legacy(RawBatch {
                magic: 0,
                bytes: &v0
            }),
            Batch::Legacy(RawBatch {
                magic: 1,
                bytes: &v1
            }),
            Batch::V2(sample_batch()),
        ]
    );
    assert_eq!(partial, Some(&v2[..30]));
    // The typed decoder refuses legacy bytes rather than misreading them.
    assert_eq!(
        decode(&v1),
        Err(DecodeError::InvalidValue {
            context: "batch magic"
        })
    );
}

#[test]
fn splitter_rejects_impossible_sizes_and_stops_after_an_error() {
    let mut negative = encode(&sample_batch());
    negative[8..12].copy_from_slice(&(-5i32).to_be_bytes());
    let good = encode(&sample_batch());
    let blob = [good.as_slice(), &negative].concat();
    let entries: Vec<_> = Batches::new(&blob).collect();
    assert_eq!(
        entries,
        vec![
            Ok(Entry::Complete(RawBatch {
                magic: 2,
                bytes: &good
            })),
            Err(DecodeError::NegativeLength {
                context: "batch length"
            }),
        ]
    );
    let mut tiny = good.clone();
    tiny[8..12].copy_from_slice(&4i32.to_be_bytes());
    assert_eq!(
        split_batch(&tiny),
        Err(DecodeError::Truncated {
            context: "batch magic"
        })
    );
}

/// The independent oracle: batches written by the `kafka-protocol` crate decode here to the
/// same records, and re-encode to the same bytes.
#[test]
fn agrees_with_the_oracle() {
    use bytes::{Bytes, BytesMut};
    use kafka_protocol::indexmap::IndexMap;
    use kafka_protocol::protocol::StrBytes;
    use kafka_protocol::records as kp;

    let theirs: Vec<kp::Record> = (0..5i64)
        .map(|i| {
            let mut headers = IndexMap::new();
            headers.insert(
                StrBytes::from_static_str("h"),
                Some(Bytes::from(vec![i as u8])),
            );
            if i % 2 == 0 {
                headers.insert(StrBytes::from_static_str("nil"), None);
            }
            kp::Record {
                transactional: true,
                control: false,
                delete_horizon: false,
                partition_leader_epoch: 4,
                producer_id: 77,
                producer_epoch: 2,
                timestamp_type: kp::TimestampType::Creation,
                offset: 500 + i,
                sequence: 9 + i as i32,
                timestamp: 1_000 + 10 * i,
                key: (i != 1).then(|| Bytes::from(format!("k{i}"))),
                value: (i != 3).then(|| Bytes::from(vec![b'v'; i as usize * 40])),
                headers,
            }
        })
        .collect();
    let mut buf = BytesMut::new();
    kp::RecordBatchEncoder::encode(
        &mut buf,
        &theirs,
        &kp::RecordEncodeOptions {
            version: 2,
            compression: kp::Compression::None,
        },
    )
    .expect("oracle encode");

    let ours = decode(&buf).expect("decode the oracle's batch");
    assert_eq!(ours.base_offset, 500);
    assert_eq!(ours.last_offset_delta, 4);
    assert_eq!(ours.producer_id, 77);
    assert_eq!(ours.base_sequence, 9);
    assert!(ours.is_transactional());
    let BatchRecords::Records(records) = &ours.records else {
        panic!("uncompressed expected")
    };
    assert_eq!(records.len(), theirs.len());
    for (mine, theirs) in records.iter().zip(&theirs) {
        assert_eq!(
            ours.base_offset + i64::from(mine.offset_delta),
            theirs.offset
        );
        assert_eq!(ours.base_timestamp + mine.timestamp_delta, theirs.timestamp);
        assert_eq!(mine.key.as_deref(), theirs.key.as_deref());
        assert_eq!(mine.value.as_deref(), theirs.value.as_deref());
        let headers: Vec<(&str, Option<&[u8]>)> = theirs
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_deref()))
            .collect();
        let mine: Vec<(&str, Option<&[u8]>)> = mine
            .headers
            .iter()
            .map(|h| (h.key.as_str(), h.value.as_deref()))
            .collect();
        assert_eq!(mine, headers);
    }
    assert_eq!(
        encode(&ours),
        &buf[..],
        "our re-encoding of the oracle's bytes"
    );

    let mut mine = Bytes::from(encode(&sample_batch()));
    let back = kp::RecordBatchDecoder::decode(&mut mine).expect("oracle decodes ours");
    assert_eq!(back.records.len(), 3);
    assert_eq!(back.records[1].offset, 1_001);
    assert_eq!(back.records[2].timestamp, 1_700_000_000_000 - 3);
}
