use codec::records::RecordHeader;

use super::*;

fn batch(compression: Compression, n: usize) -> Vec<u8> {
    let records: Vec<Record> = (0..n)
        .map(|i| Record {
            attributes: 0,
            timestamp_delta: i as i64,
            offset_delta: i as i32,
            key: Some(format!("k{i}").into_bytes()),
            value: Some(format!("{{\"n\": {i}, \"card\": \"4111\"}}").into_bytes()),
            headers: vec![RecordHeader {
                key: "h".into(),
                value: Some(b"v".to_vec()),
            }],
        })
        .collect();
    let mut plain = Vec::new();
    for r in &records {
        r.encode(&mut plain).unwrap();
    }
    let b = RecordBatch {
        last_offset_delta: n as i32 - 1,
        base_timestamp: 1_700_000_000_000,
        max_timestamp: 1_700_000_000_000 + n as i64,
        records: if compression == Compression::None {
            BatchRecords::Records(records)
        } else {
            BatchRecords::Compressed {
                compression,
                count: n as i32,
                payload: compress(compression, &plain).unwrap(),
            }
        },
        ..RecordBatch::default()
    };
    let mut out = Vec::new();
    b.encode(&mut out).unwrap();
    out
}

#[test]
fn batches_open_change_and_seal_with_their_codec() {
    for c in [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let mut blob = batch(c, 50);
        blob.extend(batch(c, 3));
        let mut opened = open(&blob, 1 << 20).unwrap();
        assert_eq!(opened.len(), 2);
        let Opened::Batch { batch, compression } = &mut opened[0] else {
            panic!("a batch");
        };
        assert_eq!(*compression, c);
        let BatchRecords::Records(list) = &mut batch.records else {
            panic!("records");
        };
        assert_eq!(list.len(), 50);
        list[7].value = Some(b"changed".to_vec());
        let sealed = seal(&opened).unwrap();
        // the codec reads the result (CRC included) and sees the change
        let again = open(&sealed, 1 << 20).unwrap();
        let Opened::Batch { batch, compression } = &again[0] else {
            panic!("a batch");
        };
        assert_eq!(*compression, c, "sealed with the producer's codec");
        let BatchRecords::Records(list) = &batch.records else {
            panic!("records");
        };
        assert_eq!(list[7].value.as_deref(), Some(&b"changed"[..]));
        assert_eq!(
            list[8].value,
            Some(b"{\"n\": 8, \"card\": \"4111\"}".to_vec())
        );
        assert_eq!(again[1], opened[1]);
    }
}

#[test]
fn a_partial_batch_at_the_end_is_kept_and_limits_hold() {
    let mut blob = batch(Compression::Gzip, 10);
    let cut = batch(Compression::None, 5);
    blob.extend_from_slice(&cut[..cut.len() / 2]);
    let opened = open(&blob, 1 << 20).unwrap();
    assert!(matches!(opened.last(), Some(Opened::Raw(_))));
    assert!(seal(&opened).unwrap().ends_with(&cut[..cut.len() / 2]));
    assert!(open(&batch(Compression::Zstd, 1000), 100).is_err());
}

#[test]
fn random_payloads_in_valid_batches_are_errors_never_panics() {
    // xorshift: reproducible without a dependency
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..400 {
        let c = [
            Compression::Gzip,
            Compression::Snappy,
            Compression::Lz4,
            Compression::Zstd,
        ][round % 4];
        let len = (next() % 300) as usize;
        let mut payload: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if round % 3 == 0 {
            // a valid compressed prefix followed by junk reaches deeper into the decoders
            let mut valid = compress(c, &batch_records_bytes()).unwrap();
            valid.truncate(valid.len() / 2);
            valid.extend(payload);
            payload = valid;
        }
        let b = RecordBatch {
            records: BatchRecords::Compressed {
                compression: c,
                count: (next() % 5) as i32,
                payload,
            },
            ..RecordBatch::default()
        };
        let mut blob = Vec::new();
        b.encode(&mut blob).unwrap();
        let _ = open(&blob, 1 << 16);
    }
}

fn batch_records_bytes() -> Vec<u8> {
    let mut plain = Vec::new();
    for i in 0..20 {
        Record {
            value: Some(vec![i; 30]),
            ..Default::default()
        }
        .encode(&mut plain)
        .unwrap();
    }
    plain
}
