//! Record batches: `codec::records::decode_batches` on arbitrary bytes, as they are and again
//! with the first batch's CRC-32C fixed up so that mutations reach the record parser.
//!
//! Invariant: decoding never panics, and every magic 2 batch that decodes re-encodes to
//! exactly `encoded_size()` bytes that decode back to the same value (the bytes themselves
//! may differ: the wire may hold over-long varints, the encoder writes the shortest).
#![no_main]

use codec::records::{crc32c, decode_batches, Batch, RecordBatch};
use codec::Reader;
use libfuzzer_sys::fuzz_target;

fn check(data: &[u8]) {
    let Ok((batches, _partial)) = decode_batches(data) else {
        return;
    };
    for batch in batches {
        if let Batch::V2(batch) = batch {
            let mut bytes = Vec::new();
            batch
                .encode(&mut bytes)
                .expect("a decoded batch re-encodes");
            assert_eq!(bytes.len(), batch.encoded_size().expect("size"));
            let mut r = Reader::new(&bytes);
            let again = RecordBatch::decode(&mut r).expect("a re-encoded batch decodes");
            assert!(r.is_empty(), "re-encoded batch has trailing bytes");
            assert_eq!(again, batch);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    // Bytes 17..21 hold the CRC of bytes 21..(12 + batch length).
    if data.len() >= 21 {
        let declared = i32::from_be_bytes(data[8..12].try_into().unwrap());
        let end = usize::try_from(declared)
            .ok()
            .and_then(|n| n.checked_add(12))
            .unwrap_or(data.len())
            .clamp(21, data.len());
        let mut fixed = data.to_vec();
        let crc = crc32c(&fixed[21..end]);
        fixed[17..21].copy_from_slice(&crc.to_be_bytes());
        check(&fixed);
    }
});
