//! The value tree (`codec::schema::{decode, encode}`) on arbitrary bytes, as any message.
//!
//! Input: as `schema_walk`'s: byte 0 picks the API (its key), byte 1 the version (offset from
//! the lowest), byte 2 the direction (bit 0) and whether trailing bytes are allowed (0x20); the
//! rest is the body.
//!
//! Invariant: nothing panics; whenever decode succeeds, encode succeeds, decode(encode(x)) == x
//! and a second encode gives the same bytes; the re-encoding is never longer than the input (it
//! is the canonical form: shortest varints, tags in ascending order, bools 0 or 1); the walk
//! accepts every encoding; and decode accepts whatever a walk accepts, except strings that are
//! not UTF-8 (which a walk does not look into unless they are entities).
#![no_main]

use codec::schema::{self, Direction, Entity, MessageRef, WalkError, WalkOptions, APIS};
use codec::DecodeError;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [key, offset, flags, body @ ..] = data else {
        return;
    };
    let Some(api) = APIS.get(usize::from(*key) % APIS.len()) else {
        return;
    };
    let (direction, versions) = if flags & 1 == 0 {
        (Direction::Request, api.request.versions)
    } else {
        (Direction::Response, api.response.versions)
    };
    let span = i32::from(versions.max) - i32::from(versions.min) + 1;
    let version = versions.min + (i32::from(*offset) % span.max(1)) as i16;
    let m = MessageRef {
        api_key: api.api_key,
        version,
        direction,
    };
    // Context the walk may need; the tree needs none of it.
    let options = WalkOptions {
        consumer_protocol: Some(false),
        coordinator_key_type: Some(0),
        allow_trailing_bytes: flags & 0x20 != 0,
    };

    let decoded = schema::decode(body, m, &options);
    let walked = schema::walk(body, m, &options, &mut |_: &Entity<'_>| None);
    if walked.is_ok() {
        assert!(
            matches!(
                decoded,
                Ok(_) | Err(WalkError::Malformed(DecodeError::InvalidUtf8 { .. }))
            ),
            "the walk accepts what decode refuses: {decoded:?}"
        );
    }
    let Ok(x) = decoded else {
        return;
    };
    let bytes = x.encode(m).expect("a decoded tree encodes");
    assert!(bytes.len() <= body.len(), "re-encoding grew the body");
    let strict = WalkOptions {
        allow_trailing_bytes: !x.trailing.is_empty(),
        ..options
    };
    assert!(
        matches!(
            schema::walk(&bytes, m, &strict, &mut |_: &Entity<'_>| None),
            Ok(None) | Err(WalkError::ConsumerProtocol(_) | WalkError::MissingContext { .. })
        ),
        "the walk refuses an encoding"
    );
    let y = schema::decode(&bytes, m, &strict).expect("an encoding decodes");
    assert!(y == x, "decode(encode(x)) != x");
    assert_eq!(
        y.encode(m).expect("encodes again"),
        bytes,
        "second encode differs"
    );
});
