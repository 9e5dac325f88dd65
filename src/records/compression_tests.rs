use super::*;

const ALL: [Compression; 5] = [
    Compression::None,
    Compression::Gzip,
    Compression::Snappy,
    Compression::Lz4,
    Compression::Zstd,
];

fn sample() -> Vec<u8> {
    (0..200_000u32)
        .flat_map(|i| (i % 251).to_le_bytes())
        .collect()
}

#[test]
fn every_codec_round_trips() {
    let data = sample();
    for c in ALL {
        let packed = compress(c, &data).unwrap();
        assert_eq!(decompress(c, &packed, data.len()).unwrap(), data, "{c:?}");
    }
}

#[test]
fn a_payload_expanding_past_the_limit_is_refused() {
    let zeros = vec![0u8; 1 << 20];
    for c in ALL {
        let packed = compress(c, &zeros).unwrap();
        let e = decompress(c, &packed, 1000).unwrap_err();
        assert!(e.0.contains("more than 1000 bytes"), "{c:?}: {e}");
    }
}

#[test]
fn raw_snappy_blocks_are_read_as_librdkafka_may_write_them() {
    let data = sample();
    let raw = snap::raw::Encoder::new().compress_vec(&data).unwrap();
    assert_eq!(
        decompress(Compression::Snappy, &raw, data.len()).unwrap(),
        data
    );
}

#[test]
fn garbage_is_an_error_never_a_panic() {
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    for c in ALL[1..].iter().copied() {
        let _ = decompress(c, &junk, 1 << 20);
        let mut framed = XERIAL_MAGIC.to_vec();
        framed.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 1]);
        assert!(decompress(Compression::Snappy, &framed, 1 << 20).is_err());
    }
}
