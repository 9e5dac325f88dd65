//! Inputs that once broke a fuzz invariant (`fuzz/regressions/<target>/`), replayed with the
//! same invariant: whatever decodes encodes, and the encoding decodes back to the same value.

use codec::header::response_header_version;
use codec::messages::{
    decode_request_frame, decode_response_frame, encode_request_frame, AnyRequest, TYPED_API_KEYS,
};
use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut found: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read(&p).expect("readable"),
            )
        })
        .collect();
    found.sort();
    assert!(
        !found.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    found
}

#[test]
fn request_decode_regressions() {
    for (name, data) in inputs("request_decode") {
        let Ok((header, request)) = decode_request_frame(&data) else {
            continue;
        };
        let mut out = Vec::new();
        encode_request_frame(&header, &request, &mut out).expect(&name);
        let again = decode_request_frame(&out).expect(&name);
        assert_eq!((header, request), again, "{name}");
    }
}

#[test]
fn response_decode_regressions() {
    for (name, data) in inputs("response_decode") {
        let [which, version, body @ ..] = data.as_slice() else {
            continue;
        };
        let api_key = TYPED_API_KEYS[usize::from(*which) % TYPED_API_KEYS.len()];
        let (lo, hi) = AnyRequest::versions(api_key).expect("typed");
        let version = lo + (i16::from(*version) % (hi - lo + 1));
        let Ok((header, response)) = decode_response_frame(api_key, version, body) else {
            continue;
        };
        let mut out = Vec::new();
        header
            .encode(&mut out, response_header_version(api_key, version))
            .expect(&name);
        response.encode(&mut out, version).expect(&name);
        let again = decode_response_frame(api_key, version, &out).expect(&name);
        assert_eq!((header, response), again, "{name}");
    }
}
