//! Writes seed corpora for the fuzz targets: `kgate-fuzz-seeds <corpus dir>` creates
//! `<dir>/frame_split/` and `<dir>/record_batch/` with one file per seed.

use codec::frame::encode_frame;
use codec::records::{BatchRecords, Compression, Record, RecordBatch, RecordHeader};
use std::path::Path;

fn batch(attributes: i16, records: BatchRecords) -> Vec<u8> {
    let batch = RecordBatch {
        base_offset: 100,
        partition_leader_epoch: 3,
        attributes,
        last_offset_delta: 2,
        base_timestamp: 1_700_000_000_000,
        max_timestamp: 1_700_000_000_009,
        producer_id: 4000,
        producer_epoch: 1,
        base_sequence: 0,
        records,
    };
    let mut out = Vec::new();
    batch.encode(&mut out).expect("encode");
    out
}

fn records() -> BatchRecords {
    BatchRecords::Records(vec![
        Record {
            key: Some(b"key".to_vec()),
            value: Some(b"value".to_vec()),
            headers: vec![
                RecordHeader {
                    key: "trace".into(),
                    value: Some(b"1".to_vec()),
                },
                RecordHeader {
                    key: "none".into(),
                    value: None,
                },
            ],
            ..Record::default()
        },
        Record {
            timestamp_delta: 9,
            offset_delta: 1,
            key: None,
            value: None,
            ..Record::default()
        },
        Record {
            timestamp_delta: -1,
            offset_delta: 2,
            value: Some(vec![0; 200]),
            ..Record::default()
        },
    ])
}

/// A magic 1 message: offset, size, crc, magic, attributes, timestamp, null key, value.
fn legacy() -> Vec<u8> {
    let mut inner = vec![0, 0, 0, 0, 1, 0];
    inner.extend_from_slice(&5i64.to_be_bytes());
    inner.extend_from_slice(&(-1i32).to_be_bytes());
    inner.extend_from_slice(&3i32.to_be_bytes());
    inner.extend_from_slice(b"old");
    let mut out = 7i64.to_be_bytes().to_vec();
    out.extend_from_slice(&(inner.len() as i32).to_be_bytes());
    out.extend_from_slice(&inner);
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).expect("create corpus dir");
    std::fs::write(dir.join(name), bytes).expect("write seed");
}

fn main() {
    let root = std::env::args()
        .nth(1)
        .expect("usage: kgate-fuzz-seeds <corpus dir>");
    let root = Path::new(&root);

    let plain = batch(0, records());
    let control = batch(0x30, BatchRecords::Records(vec![Record::default()]));
    let gzip = batch(
        0x10,
        BatchRecords::Compressed {
            compression: Compression::Gzip,
            count: 3,
            payload: vec![0x1f, 0x8b, 8, 0, 1, 2, 3],
        },
    );
    let empty = batch(0, BatchRecords::Records(vec![]));
    let dir = root.join("record_batch");
    write(&dir, "plain", &plain);
    write(&dir, "control", &control);
    write(&dir, "gzip", &gzip);
    write(&dir, "empty", &empty);
    write(&dir, "legacy", &legacy());
    write(
        &dir,
        "mixed_with_partial",
        &[legacy(), plain.clone(), gzip.clone(), plain[..40].to_vec()].concat(),
    );

    let dir = root.join("frame_split");
    let mut frames = Vec::new();
    for body in [&b"ping"[..], b"", &[7; 64]] {
        encode_frame(body, &mut frames).expect("frame");
    }
    write(&dir, "three_frames", &frames);
    write(&dir, "partial", &[&frames[..], &[0, 0, 0, 9, 1]].concat());
    write(&dir, "too_large", &[0, 0, 0, 65, 0]);
    write(&dir, "negative", &[0xff, 0xff, 0xff, 0xfe]);
}
