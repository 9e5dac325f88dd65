//! A request frame body of any API key and version (the header says which) through
//! `codec::messages::decode_request_frame`.
//!
//! Invariant: it never panics; whatever decodes also encodes, and the encoding decodes back to
//! the same header and message.
#![no_main]

use codec::messages::{decode_request_frame, encode_request_frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((header, request)) = decode_request_frame(data) {
        let mut out = Vec::new();
        encode_request_frame(&header, &request, &mut out).expect("a decoded request encodes");
        let (header2, request2) = decode_request_frame(&out).expect("our encoding decodes");
        assert_eq!(header, header2);
        assert_eq!(request, request2);
    }
});
