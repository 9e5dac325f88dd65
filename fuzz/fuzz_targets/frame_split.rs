//! `codec::frame::split_frames` on arbitrary bytes with a small maximum frame size.
//!
//! Invariant: it never panics; on success the bytes consumed never exceed the input, the
//! frames tile the consumed prefix exactly (each body is the bytes after its own 4-byte size
//! prefix, as long as the prefix says, and no longer than the maximum), and what is left is
//! not a complete frame. On error, the error is one of the two framing errors.
#![no_main]

use codec::frame::{split_frame, split_frames, SIZE_PREFIX};
use codec::{DecodeError, Status};
use libfuzzer_sys::fuzz_target;

/// Small, so that both complete frames and `FrameTooLarge` are easy to reach.
const MAX: usize = 64;

fuzz_target!(|data: &[u8]| {
    match split_frames(data, MAX) {
        Ok((frames, consumed)) => {
            assert!(consumed <= data.len());
            let mut offset = 0;
            for body in &frames {
                let prefix: [u8; 4] = data[offset..offset + SIZE_PREFIX].try_into().unwrap();
                assert_eq!(i32::from_be_bytes(prefix) as usize, body.len());
                assert!(body.len() <= MAX);
                let start = offset + SIZE_PREFIX;
                assert_eq!(*body, &data[start..start + body.len()]);
                offset = start + body.len();
            }
            assert_eq!(offset, consumed);
            match split_frame(&data[consumed..], MAX) {
                Ok(Status::Partial { needed }) => assert!(needed > data.len() - consumed),
                other => panic!("split_frames stopped before {other:?}"),
            }
        }
        Err(DecodeError::FrameTooLarge { size, max }) => assert!(size > max && max == MAX),
        Err(DecodeError::NegativeLength { context }) => assert_eq!(context, "frame size"),
        Err(other) => panic!("unexpected framing error {other:?}"),
    }
});
