//! Tagged-field sections cost linear time in their size: a peer that sends 80,000 distinct tags
//! in one 400 KB frame must not stall a worker thread (the duplicate check used to compare every
//! tag with every earlier one). Duplicates stay an error, in any order.

use codec::primitives::Sink;
use codec::{DecodeError, Reader};
use std::time::{Duration, Instant};

const CONTEXT: &str = "tagged fields";

/// A section with `tags` in the given order, each with a one-byte value.
fn section(tags: impl ExactSizeIterator<Item = u32>) -> Vec<u8> {
    let mut out = Vec::new();
    out.put_uvarint(u32::try_from(tags.len()).expect("count"));
    for tag in tags {
        out.put_uvarint(tag);
        out.put_uvarint(1);
        out.push(0xab);
    }
    out
}

fn decode(bytes: &[u8]) -> Result<Vec<u32>, DecodeError> {
    let mut r = Reader::new(bytes);
    let fields = r.tagged_fields(CONTEXT)?;
    r.expect_empty(CONTEXT)?;
    Ok(fields.0.iter().map(|f| f.tag).collect())
}

/// Generous for a debug build on a busy 2-core machine; the quadratic check took seconds.
const BUDGET: Duration = Duration::from_millis(1500);

#[test]
fn eighty_thousand_ascending_tags_decode_in_linear_time() {
    let bytes = section(0..80_000);
    assert!(bytes.len() > 300_000, "{} bytes", bytes.len());
    let started = Instant::now();
    let tags = decode(&bytes).expect("distinct tags decode");
    let took = started.elapsed();
    eprintln!("80,000 ascending tags: {took:?}");
    assert_eq!(tags.len(), 80_000);
    assert!(took < BUDGET, "took {took:?}");
}

#[test]
fn eighty_thousand_descending_tags_decode_sorted() {
    let bytes = section((0..80_000).rev());
    let started = Instant::now();
    let tags = decode(&bytes).expect("distinct tags decode");
    let took = started.elapsed();
    eprintln!("80,000 descending tags: {took:?}");
    assert!(
        tags.windows(2).all(|w| w[0] < w[1]),
        "kept in ascending order"
    );
    assert_eq!(tags.len(), 80_000);
    assert!(took < BUDGET, "took {took:?}");
}

#[test]
fn duplicate_tags_are_an_error_in_any_order() {
    let invalid = Err(DecodeError::InvalidValue { context: CONTEXT });
    assert_eq!(decode(&section([3, 3].into_iter())), invalid);
    assert_eq!(decode(&section([1, 5, 9, 5].into_iter())), invalid);
    assert_eq!(decode(&section([9, 2, 7, 2].into_iter())), invalid);
    let mut many: Vec<u32> = (0..80_000).collect();
    many.push(40_000);
    assert_eq!(decode(&section(many.into_iter())), invalid);
    assert_eq!(decode(&section([4, 1, 3].into_iter())), Ok(vec![1, 3, 4]));
}
