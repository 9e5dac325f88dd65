//! Helpers shared by the codec's unit tests.

use crate::message::Message;
use crate::primitives::{RawTaggedField, TaggedFields};
use core::fmt::Debug;

/// Assert the round-trip properties for `msg` at `version`: the computed size equals the
/// encoded length, decoding consumes every byte and gives back `msg`, and re-encoding the
/// decoded value gives the same bytes. Returns the encoded bytes.
pub fn assert_round_trip<M: Message + PartialEq + Debug>(msg: &M, version: i16) -> Vec<u8> {
    let mut bytes = Vec::new();
    msg.encode_body(&mut bytes, version)
        .unwrap_or_else(|e| panic!("encode v{version} of {msg:?}: {e}"));
    let size = msg.encoded_size(version).expect("size");
    assert_eq!(size, bytes.len(), "computed size at v{version}");
    let decoded = M::decode_body(&bytes, version)
        .unwrap_or_else(|e| panic!("decode v{version}: {e}\n{msg:?}"));
    assert_eq!(&decoded, msg, "round trip at v{version}");
    let mut again = Vec::new();
    decoded.encode_body(&mut again, version).expect("re-encode");
    assert_eq!(again, bytes, "re-encoded bytes at v{version}");
    bytes
}

/// Unknown tagged fields to put in a flexible structure: two tags out of order on purpose
/// (the encoder must sort them), none when `flexible` is false.
pub fn unknown_tags(flexible: bool) -> TaggedFields {
    if !flexible {
        return TaggedFields::default();
    }
    TaggedFields(vec![
        RawTaggedField {
            tag: 9000,
            data: vec![1, 2, 3],
        },
        RawTaggedField {
            tag: 8000,
            data: vec![],
        },
    ])
}

/// `unknown_tags` as the decoder returns them: in wire order, which is ascending.
pub fn unknown_tags_sorted(flexible: bool) -> TaggedFields {
    let mut tags = unknown_tags(flexible);
    tags.0.sort_by_key(|f| f.tag);
    tags
}
