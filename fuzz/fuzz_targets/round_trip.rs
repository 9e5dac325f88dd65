//! Decode, encode, compare: a request frame body is decoded, encoded, decoded again and
//! encoded again.
//!
//! Invariant: the two encodings are byte for byte equal (encoding is canonical and stable),
//! and when the input itself was canonical (its first decode re-encodes to the input), nothing
//! was lost: the input comes back unchanged.
#![no_main]

use codec::messages::{decode_request_frame, encode_request_frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok((header, request)) = decode_request_frame(data) else {
        return;
    };
    let mut first = Vec::new();
    encode_request_frame(&header, &request, &mut first).expect("a decoded request encodes");
    let (header2, request2) = decode_request_frame(&first).expect("our encoding decodes");
    let mut second = Vec::new();
    encode_request_frame(&header2, &request2, &mut second).expect("re-encodes");
    assert_eq!(first, second, "encoding is not stable");
    if first == data {
        assert_eq!((header, request), (header2, request2));
    }
});
