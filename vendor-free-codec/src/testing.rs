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

/// The independent oracle, in both directions, at the byte level: the `kafka-protocol` crate
/// decodes `ours` (bytes our encoder wrote for `msg`) into its own type `T`, consuming them
/// all, and re-encodes them to the same bytes; then it encodes its default value, which we
/// decode and re-encode byte for byte. Versions the oracle does not know are skipped by the
/// caller's loop, not here: this asserts that the oracle knows `version`.
pub fn assert_oracle_agrees<T, M>(ours: &[u8], version: i16)
where
    T: kafka_protocol::protocol::Decodable
        + kafka_protocol::protocol::Encodable
        + kafka_protocol::protocol::Message
        + Default,
    M: Message + PartialEq + Debug,
{
    use bytes::{Buf, BytesMut};
    assert!(
        oracle_knows::<T>(version),
        "the oracle does not know v{version}"
    );
    let mut buf = bytes::Bytes::copy_from_slice(ours);
    let theirs = T::decode(&mut buf, version)
        .unwrap_or_else(|e| panic!("oracle failed to decode our v{version} bytes: {e}"));
    assert_eq!(
        buf.remaining(),
        0,
        "oracle left bytes of our v{version} encoding"
    );
    let mut again = BytesMut::new();
    theirs
        .encode(&mut again, version)
        .expect("oracle re-encode");
    assert_eq!(
        &again[..],
        ours,
        "oracle re-encoding of our v{version} bytes differs"
    );

    let mut theirs_default = BytesMut::new();
    T::default()
        .encode(&mut theirs_default, version)
        .expect("oracle encode default");
    let decoded = M::decode_body(&theirs_default, version)
        .unwrap_or_else(|e| panic!("we failed to decode the oracle's v{version} default: {e}"));
    let mut ours_again = Vec::new();
    decoded
        .encode_body(&mut ours_again, version)
        .expect("re-encode");
    assert_eq!(
        ours_again,
        &theirs_default[..],
        "our re-encoding of the oracle's v{version} bytes"
    );
}

/// True when the oracle's type `T` knows `version`.
pub fn oracle_knows<T: kafka_protocol::protocol::Message>(version: i16) -> bool {
    (T::VERSIONS.min..=T::VERSIONS.max).contains(&version)
}

/// Decode every proper prefix of `bytes` at `version`; each must fail with `Truncated` or
/// `LengthExceedsRemaining` (anything else panics). Returns how many of each.
pub fn prefix_failures<M: Message + Debug>(bytes: &[u8], version: i16) -> (usize, usize) {
    let (mut truncated, mut too_long) = (0, 0);
    for end in 0..bytes.len() {
        match M::decode_body(bytes.get(..end).unwrap_or_default(), version) {
            Err(crate::DecodeError::Truncated { .. }) => truncated += 1,
            Err(crate::DecodeError::LengthExceedsRemaining { .. }) => too_long += 1,
            other => panic!("prefix of {end} bytes at v{version}: {other:?}"),
        }
    }
    (truncated, too_long)
}

/// Every proper prefix of `bytes` fails to decode with a truncation error.
pub fn assert_prefixes_fail<M: Message + Debug>(bytes: &[u8], version: i16) {
    prefix_failures::<M>(bytes, version);
}

/// `msg` round-trips at `version`, every proper prefix of its encoding fails to decode, and
/// both kinds of truncation error occur (a cut length prefix, and a cut length-delimited value).
pub fn assert_every_prefix_fails<M: Message + PartialEq + Debug>(msg: &M, version: i16) {
    let bytes = assert_round_trip(msg, version);
    let (truncated, too_long) = prefix_failures::<M>(&bytes, version);
    assert!(
        truncated > 0 && too_long > 0,
        "v{version}: {truncated} / {too_long}"
    );
}
