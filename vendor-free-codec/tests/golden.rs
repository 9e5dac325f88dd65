//! Golden-byte tests: frames captured from real clients (librdkafka, kafka-python) and from
//! tansu's answers to them (see `tests/golden/README.md` and `scripts/capture_frames.py`).
//!
//! Every `tests/golden/<source>/<NNN>-<Api>-v<version>-<request|response>.bin` is decoded with
//! the typed codec, its header and body re-encoded, and the bytes compared with the file. The
//! record bytes of Produce requests and Fetch responses are walked batch by batch and each
//! batch's CRC-32C is checked (an independent check written here: the codec's record-batch API
//! is not on this branch yet).
//!
//! Run with `cargo test -p vendor-free-codec --test golden -- --nocapture` to see the list of
//! fixtures checked.

use codec::records::{Batch, Batches, Entry};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use codec::header::{request_header_version, response_header_version};
use codec::messages::{
    decode_request_frame, decode_response_frame, AnyRequest, AnyResponse, TYPED_API_KEYS,
};

/// Fixtures whose bytes are a legitimate non-canonical encoding by the peer: for these the test
/// asserts decode -> encode -> decode gives the same value and that the second encode is
/// stable, instead of byte equality with the file. `(path relative to tests/golden, why)`.
/// Keep in step with the "Exceptions" section of `tests/golden/README.md`.
const NON_CANONICAL: &[(&str, &str)] = &[
    (
        "kafka-python/002-ApiVersions-v4-response.bin",
        TANSU_API_VERSIONS_DEFAULT_TAGS,
    ),
    (
        "kafka-python/036-ApiVersions-v4-response.bin",
        TANSU_API_VERSIONS_DEFAULT_TAGS,
    ),
    (
        "librdkafka/002-ApiVersions-v3-response.bin",
        TANSU_API_VERSIONS_DEFAULT_TAGS,
    ),
    (
        "librdkafka/039-ApiVersions-v3-response.bin",
        TANSU_API_VERSIONS_DEFAULT_TAGS,
    ),
    (
        "kafka-python/006-CreateTopics-v7-response.bin",
        "tansu sends the topic's TopicConfigErrorCode (tag 0) with its default 0: \
         01 00 02 0000",
    ),
    (
        "librdkafka/029-Fetch-v16-response.bin",
        TANSU_FETCH_EMPTY_NODE_ENDPOINTS,
    ),
    (
        "librdkafka/031-Fetch-v16-response.bin",
        TANSU_FETCH_EMPTY_NODE_ENDPOINTS,
    ),
    (
        "librdkafka/033-Fetch-v16-response.bin",
        TANSU_FETCH_EMPTY_NODE_ENDPOINTS,
    ),
];

const TANSU_API_VERSIONS_DEFAULT_TAGS: &str =
    "tansu sends all four top-level tagged fields with their defaults: SupportedFeatures [] \
     (tag 0), FinalizedFeaturesEpoch -1 (tag 1), FinalizedFeatures [] (tag 2), ZkMigrationReady \
     false (tag 3): 04 00 01 01 01 08 ffffffffffffffff 02 01 01 03 01 00";

const TANSU_FETCH_EMPTY_NODE_ENDPOINTS: &str =
    "tansu sends NodeEndpoints (tag 0, v16+) as an empty array, its default: 01 00 01 01";

/// The typed APIs the capture exercised: the test fails if any has no request or no response
/// fixture (no silently empty test). All eleven typed APIs are covered (DescribeCluster only by
/// kafka-python: librdkafka's `describe_cluster()` sends Metadata).
const EXPECTED_APIS: &[&str] = &[
    "Produce",
    "Fetch",
    "ListOffsets",
    "Metadata",
    "FindCoordinator",
    "SaslHandshake",
    "ApiVersions",
    "CreateTopics",
    "DeleteTopics",
    "SaslAuthenticate",
    "DescribeCluster",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
}

struct Fixture {
    rel: String,
    api_name: String,
    api_key: i16,
    version: i16,
    direction: Direction,
    bytes: Vec<u8>,
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "bin") {
            out.push(path);
        }
    }
}

fn api_key_by_name(name: &str) -> Option<i16> {
    TYPED_API_KEYS
        .iter()
        .copied()
        .find(|&k| codec::api::api_name(k) == name)
}

/// `NNN-<Api>-v<version>-<request|response>.bin`
fn parse_name(file_name: &str) -> Result<(String, i16, Direction), String> {
    let stem = file_name
        .strip_suffix(".bin")
        .ok_or_else(|| format!("{file_name}: not a .bin"))?;
    let parts: Vec<&str> = stem.split('-').collect();
    let [_seq, api, version, direction] = parts.as_slice() else {
        return Err(format!(
            "{file_name}: expected NNN-Api-vN-request|response.bin"
        ));
    };
    let version = version
        .strip_prefix('v')
        .and_then(|v| v.parse::<i16>().ok())
        .ok_or_else(|| format!("{file_name}: bad version {version:?}"))?;
    let direction = match *direction {
        "request" => Direction::Request,
        "response" => Direction::Response,
        other => return Err(format!("{file_name}: bad direction {other:?}")),
    };
    Ok((api.to_string(), version, direction))
}

fn load_fixtures() -> Vec<Fixture> {
    let root = golden_dir();
    let mut paths = Vec::new();
    walk(&root, &mut paths);
    paths
        .into_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(&root)
                .expect("under tests/golden")
                .to_string_lossy()
                .replace('\\', "/");
            let file_name = path.file_name().expect("file name").to_string_lossy();
            let (api_name, version, direction) =
                parse_name(&file_name).unwrap_or_else(|e| panic!("{e}"));
            let api_key = api_key_by_name(&api_name)
                .unwrap_or_else(|| panic!("{rel}: {api_name} is not a typed API of the codec"));
            let bytes = std::fs::read(&path).expect("read fixture");
            Fixture {
                rel,
                api_name,
                api_key,
                version,
                direction,
                bytes,
            }
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::new();
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Where two byte strings first differ, with a hex excerpt of both around that offset.
fn describe_difference(expected: &[u8], actual: &[u8]) -> String {
    let at = expected
        .iter()
        .zip(actual)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(actual.len()));
    let from = at.saturating_sub(16);
    let excerpt = |b: &[u8]| hex(&b[from.min(b.len())..(at + 24).min(b.len())]);
    format!(
        "lengths: file {} / re-encoded {}; first difference at byte {at}; \
         from byte {from}: file {} / re-encoded {}",
        expected.len(),
        actual.len(),
        excerpt(expected),
        excerpt(actual)
    )
}

/// Decoded frame: header re-encoded + body re-encoded, and the decoded value for comparisons.
enum Decoded {
    Request(codec::header::RequestHeader, AnyRequest),
    Response(codec::header::ResponseHeader, AnyResponse),
}

impl PartialEq for Decoded {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Request(h1, b1), Self::Request(h2, b2)) => h1 == h2 && b1 == b2,
            (Self::Response(h1, b1), Self::Response(h2, b2)) => h1 == h2 && b1 == b2,
            _ => false,
        }
    }
}

fn decode(f: &Fixture, bytes: &[u8]) -> Result<Decoded, String> {
    match f.direction {
        Direction::Request => {
            let (header, body) =
                decode_request_frame(bytes).map_err(|e| format!("decode request: {e:?}"))?;
            if (header.api_key, header.api_version) != (f.api_key, f.version) {
                return Err(format!(
                    "header says api {} v{}, file name says {} v{}",
                    header.api_key, header.api_version, f.api_key, f.version
                ));
            }
            Ok(Decoded::Request(header, body))
        }
        Direction::Response => {
            let (header, body) = decode_response_frame(f.api_key, f.version, bytes)
                .map_err(|e| format!("decode response: {e:?}"))?;
            Ok(Decoded::Response(header, body))
        }
    }
}

fn encode(f: &Fixture, decoded: &Decoded) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    match decoded {
        Decoded::Request(header, body) => {
            header
                .encode(&mut out, request_header_version(f.api_key, f.version))
                .map_err(|e| format!("encode request header: {e:?}"))?;
            body.encode(&mut out, f.version)
                .map_err(|e| format!("encode request body: {e:?}"))?;
        }
        Decoded::Response(header, body) => {
            header
                .encode(&mut out, response_header_version(f.api_key, f.version))
                .map_err(|e| format!("encode response header: {e:?}"))?;
            body.encode(&mut out, f.version)
                .map_err(|e| format!("encode response body: {e:?}"))?;
        }
    }
    Ok(out)
}

// ---- record batches (independent walk: the codec's records API is not on this branch) ----

/// Walk the record batches in `records` with the codec's own record-batch API: each must be
/// magic 2, decode (which checks its CRC-32C) and re-encode byte for byte. A trailing partial
/// batch (allowed in Fetch responses) is reported, not an error. Returns (batches, codecs).
fn walk_batches(records: &[u8], allow_partial_tail: bool) -> Result<(usize, Vec<u8>), String> {
    let mut batches = 0;
    let mut codecs = Vec::new();
    for entry in Batches::new(records) {
        let raw = match entry.map_err(|e| format!("batch framing: {e}"))? {
            Entry::Complete(raw) => raw,
            Entry::Partial(_) if allow_partial_tail => break,
            Entry::Partial(tail) => return Err(format!("{} trailing bytes", tail.len())),
        };
        let Batch::V2(batch) = raw.decode().map_err(|e| format!("batch {batches}: {e}"))? else {
            return Err(format!("batch {batches}: magic {}, expected 2", raw.magic));
        };
        let mut again = Vec::new();
        batch
            .encode(&mut again)
            .map_err(|e| format!("batch {batches} re-encode: {e}"))?;
        if again != raw.bytes {
            return Err(format!("batch {batches} does not re-encode byte for byte"));
        }
        // The attribute bits of the codec: 0 none .. 4 zstd.
        codecs.push(batch.compression().bits() as u8);
        batches += 1;
    }
    Ok((batches, codecs))
}

fn check_records(decoded: &Decoded) -> Result<(String, Vec<u8>), String> {
    let mut sets: Vec<(&[u8], bool)> = Vec::new();
    match decoded {
        Decoded::Request(_, AnyRequest::Produce(p)) => {
            for t in &p.topic_data {
                for part in &t.partition_data {
                    if let Some(r) = &part.records {
                        sets.push((r, false));
                    }
                }
            }
        }
        Decoded::Response(_, AnyResponse::Fetch(f)) => {
            for t in &f.responses {
                for part in &t.partitions {
                    if let Some(r) = &part.records {
                        sets.push((r, true));
                    }
                }
            }
        }
        _ => return Ok((String::new(), Vec::new())),
    }
    let mut batches = 0;
    let mut codecs = Vec::new();
    for (records, partial_ok) in sets {
        let (n, c) = walk_batches(records, partial_ok)?;
        batches += n;
        codecs.extend(c);
    }
    codecs.sort_unstable();
    codecs.dedup();
    let names: Vec<&str> = codecs
        .iter()
        .map(|c| match c {
            0 => "none",
            1 => "gzip",
            2 => "snappy",
            3 => "lz4",
            4 => "zstd",
            _ => "?",
        })
        .collect();
    Ok((
        format!(", {batches} batches crc ok [{}]", names.join(",")),
        codecs,
    ))
}

// ---- the test ----

fn check(f: &Fixture, codecs_seen: &mut Vec<u8>) -> Result<String, String> {
    let decoded = decode(f, &f.bytes)?;
    let encoded = encode(f, &decoded)?;
    let (records, codecs) = check_records(&decoded)?;
    codecs_seen.extend(codecs);
    if let Some((_, why)) = NON_CANONICAL.iter().find(|(name, _)| *name == f.rel) {
        let again = decode(f, &encoded)?;
        if again != decoded {
            return Err("non-canonical fixture: decode(encode(decode(file))) differs".into());
        }
        // The codec may only drop default-valued tagged fields, never add bytes.
        if encoded.len() >= f.bytes.len() {
            return Err(format!(
                "non-canonical fixture re-encodes no shorter than the file: {}",
                describe_difference(&f.bytes, &encoded)
            ));
        }
        let twice = encode(f, &again)?;
        if twice != encoded {
            return Err(format!(
                "non-canonical fixture: second encode not stable: {}",
                describe_difference(&encoded, &twice)
            ));
        }
        return Ok(format!(
            "ok (non-canonical, round trip stable: {why}){records}"
        ));
    }
    if encoded != f.bytes {
        return Err(format!(
            "re-encoded bytes differ: {}",
            describe_difference(&f.bytes, &encoded)
        ));
    }
    Ok(format!("ok, {} bytes identical{records}", f.bytes.len()))
}

#[test]
fn golden_frames_decode_and_re_encode_byte_for_byte() {
    let fixtures = load_fixtures();
    assert!(
        !fixtures.is_empty(),
        "no fixtures under {}",
        golden_dir().display()
    );

    let mut failures = Vec::new();
    let mut codecs_seen = Vec::new();
    // api name -> (requests, responses)
    let mut seen: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for f in &fixtures {
        let entry = seen.entry(f.api_name.clone()).or_default();
        match f.direction {
            Direction::Request => entry.0 += 1,
            Direction::Response => entry.1 += 1,
        }
        match check(f, &mut codecs_seen) {
            Ok(note) => println!("golden {}: {note}", f.rel),
            Err(e) => {
                println!("golden {}: FAIL {e}", f.rel);
                failures.push(format!("{} ({} v{}): {e}", f.rel, f.api_name, f.version));
            }
        }
    }

    println!("golden: {} fixtures checked", fixtures.len());
    for (api, (req, resp)) in &seen {
        println!("golden:   {api}: {req} requests, {resp} responses");
    }
    for (name, _) in NON_CANONICAL {
        assert!(
            fixtures.iter().any(|f| f.rel == *name),
            "NON_CANONICAL names {name}, which is not a fixture"
        );
    }
    for api in EXPECTED_APIS {
        let (req, resp) = seen.get(*api).copied().unwrap_or_default();
        assert!(
            req > 0 && resp > 0,
            "no {api} {} fixture under tests/golden",
            if req == 0 { "request" } else { "response" }
        );
    }
    codecs_seen.sort_unstable();
    codecs_seen.dedup();
    assert_eq!(
        codecs_seen,
        [0, 1, 2, 3, 4],
        "record batches walked should cover none, gzip, snappy, lz4 and zstd"
    );
    assert!(
        failures.is_empty(),
        "{} of {} golden fixtures failed:\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n")
    );
}
