//! A response frame body of any typed API through `codec::messages::decode_response_frame`.
//! A response does not name its API, so the first two bytes choose it: the API (an index into
//! the typed keys) and the version (taken modulo the API's range, so most inputs are valid).
//!
//! Invariant: it never panics; whatever decodes also encodes, and the encoding decodes back to
//! the same header and message.
#![no_main]

use codec::header::response_header_version;
use codec::messages::{decode_response_frame, AnyRequest, TYPED_API_KEYS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [which, version, body @ ..] = data else {
        return;
    };
    let api_key = TYPED_API_KEYS[usize::from(*which) % TYPED_API_KEYS.len()];
    let (lo, hi) = AnyRequest::versions(api_key).expect("typed");
    let version = lo + (i16::from(*version) % (hi - lo + 1));
    if let Ok((header, response)) = decode_response_frame(api_key, version, body) {
        let mut out = Vec::new();
        header
            .encode(&mut out, response_header_version(api_key, version))
            .expect("header encodes");
        response
            .encode(&mut out, version)
            .expect("a decoded response encodes");
        let (header2, response2) =
            decode_response_frame(api_key, version, &out).expect("our encoding decodes");
        assert_eq!(header, header2);
        assert_eq!(response, response2);
    }
});
