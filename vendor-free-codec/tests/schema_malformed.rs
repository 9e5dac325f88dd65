//! Malformed bodies and unfit replacements give the exact typed error, and hostile shapes
//! (tens of thousands of tags or names) cost linear time.

mod schema_support;

use codec::primitives::Sink;
use codec::schema::{self, Entity, EntityValue, MessageRef, Replacement, WalkError, WalkOptions};
use codec::{DecodeError, EncodeError};
use schema_support::{request, response};
use std::time::{Duration, Instant};

fn identity(body: &[u8], m: MessageRef) -> Result<Option<Vec<u8>>, WalkError> {
    schema::walk(body, m, &WalkOptions::default(), &mut |_: &Entity<'_>| None)
}

/// What it is, the message, its body, the expected result.
type Case = (
    &'static str,
    MessageRef,
    Vec<u8>,
    Result<Option<Vec<u8>>, WalkError>,
);

fn bad(e: DecodeError) -> Result<Option<Vec<u8>>, WalkError> {
    Err(WalkError::Malformed(e))
}

/// ApiVersions v3 response with these top-level tagged fields: (tag, value bytes).
fn api_versions_v3_response(tags: &[(u32, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    body.put_i16(0);
    body.put_uvarint(1);
    body.put_i32(0);
    body.put_uvarint(tags.len() as u32);
    for (tag, data) in tags {
        body.put_uvarint(*tag);
        body.put_uvarint(data.len() as u32);
        body.extend_from_slice(data);
    }
    body
}

#[test]
fn malformed_bodies_give_the_exact_error() {
    let cases: Vec<Case> = vec![
        (
            "unknown api key",
            request(999, 0),
            vec![],
            bad(DecodeError::UnknownApiKey { api_key: 999 }),
        ),
        (
            "version outside the schema",
            request(3, 99),
            vec![],
            bad(DecodeError::UnsupportedVersion {
                api_key: 3,
                version: 99,
            }),
        ),
        (
            "string longer than the body",
            request(10, 0),
            vec![0, 5, b'a'],
            bad(DecodeError::LengthExceedsRemaining { context: "Key" }),
        ),
        (
            "negative string length",
            request(10, 0),
            vec![0xff, 0xfe],
            bad(DecodeError::NegativeLength { context: "Key" }),
        ),
        (
            "null where not nullable",
            request(10, 0),
            vec![0xff, 0xff],
            bad(DecodeError::UnexpectedNull { context: "Key" }),
        ),
        (
            "entity not UTF-8",
            request(10, 0),
            vec![0, 1, 0xff],
            bad(DecodeError::InvalidUtf8 { context: "Key" }),
        ),
        (
            "fixed field cut short",
            request(12, 0),
            vec![0, 1, b'g', 0, 0],
            bad(DecodeError::Truncated {
                context: "GenerationId",
            }),
        ),
        (
            "trailing bytes",
            request(10, 0),
            vec![0, 1, b'g', 0],
            bad(DecodeError::TrailingBytes {
                context: "message body",
            }),
        ),
        (
            "array count beyond the body",
            request(20, 1),
            vec![0, 0, 0x03, 0xe8, 0, 1, b't', 0, 0, 0, 0],
            bad(DecodeError::LengthExceedsRemaining {
                context: "TopicNames",
            }),
        ),
        (
            "compact length varint too long",
            request(18, 3),
            vec![0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            bad(DecodeError::VarintTooLong {
                context: "ClientSoftwareName",
            }),
        ),
        (
            "more tagged fields than bytes",
            request(18, 3),
            vec![1, 1, 100, 0, 0],
            bad(DecodeError::LengthExceedsRemaining {
                context: "tagged fields",
            }),
        ),
        (
            "a known tag twice",
            response(18, 3),
            api_versions_v3_response(&[(0, &[1]), (0, &[1])]),
            bad(DecodeError::InvalidValue {
                context: "duplicate tagged field",
            }),
        ),
        (
            "a tagged field longer than its value",
            response(18, 3),
            api_versions_v3_response(&[(3, &[0, 0])]),
            bad(DecodeError::TrailingBytes {
                context: "ZkMigrationReady",
            }),
        ),
        (
            "tagged field size beyond the body",
            response(18, 3),
            {
                let mut b = api_versions_v3_response(&[(3, &[0])]);
                let at = b.len() - 2;
                b[at] = 9;
                b
            },
            bad(DecodeError::Truncated {
                context: "tagged field",
            }),
        ),
        (
            "nullable struct with a bad presence byte",
            request(75, 0),
            vec![1, 0, 0, 0, 10, 5],
            bad(DecodeError::InvalidValue { context: "Cursor" }),
        ),
    ];
    for (what, m, body, expected) in cases {
        assert_eq!(identity(&body, m), expected, "{what}");
    }
}

#[test]
fn trailing_bytes_are_kept_when_allowed() {
    let body = [0, 1, b'g', 7, 7];
    let options = WalkOptions {
        allow_trailing_bytes: true,
        ..WalkOptions::default()
    };
    let mut rename = |_: &Entity<'_>| Some(Replacement::Name("hh".into()));
    let renamed = schema::walk(&body, request(10, 0), &options, &mut rename);
    assert_eq!(renamed, Ok(Some(vec![0, 2, b'h', b'h', 7, 7])));
}

#[test]
fn replacements_that_do_not_fit_are_errors() {
    let key = [0, 1, b'g'];
    let mut id = |_: &Entity<'_>| Some(Replacement::Id([0; 16]));
    assert_eq!(
        schema::walk(&key, request(10, 0), &WalkOptions::default(), &mut id),
        Err(WalkError::BadReplacement { field: "Key" })
    );
    let mut null = |_: &Entity<'_>| Some(Replacement::Null);
    assert_eq!(
        schema::walk(&key, request(10, 0), &WalkOptions::default(), &mut null),
        Err(WalkError::BadReplacement { field: "Key" })
    );
    let mut huge = |_: &Entity<'_>| Some(Replacement::Name("x".repeat(40_000)));
    assert_eq!(
        schema::walk(&key, request(10, 0), &WalkOptions::default(), &mut huge),
        Err(WalkError::TooLong(EncodeError::TooLong { context: "Key" }))
    );
}

const BUDGET: Duration = Duration::from_millis(2000);

/// ApiVersions v3 request with 80,000 unknown top-level tags: kept byte for byte, in linear time.
#[test]
fn eighty_thousand_unknown_tags_walk_in_linear_time() {
    let mut body = Vec::new();
    body.put_string("kgate-test", true, "name").expect("name");
    body.put_string("1.0", true, "version").expect("version");
    body.put_uvarint(80_000);
    for tag in (0..80_000u32).rev() {
        body.put_uvarint(tag);
        body.put_uvarint(1);
        body.push(0);
    }
    let started = Instant::now();
    let scan = schema::scan(&body, request(18, 3), &WalkOptions::default(), |_| {}).expect("scan");
    assert_eq!(identity(&body, request(18, 3)), Ok(None));
    let took = started.elapsed();
    eprintln!("walk + scan of 80,000 tags: {took:?}");
    assert!(scan.has_tagged_field(63));
    assert!(took < BUDGET, "took {took:?}");
}

/// A Metadata v12 request naming 50,000 topics, every one renamed: one pass, one output buffer.
#[test]
fn fifty_thousand_renames_cost_linear_time() {
    let mut body = Vec::new();
    body.put_uvarint(50_001);
    for i in 0..50_000 {
        body.put_uuid(&[0; 16]);
        body.put_nullable_string(Some(&format!("topic-{i}")), true, "name")
            .expect("name");
        body.put_uvarint(0);
    }
    body.extend_from_slice(&[1, 0, 0]);
    let started = Instant::now();
    let mut rename = |e: &Entity<'_>| match e.value {
        EntityValue::Name(n) => Some(Replacement::Name(format!("tenant-a.{n}"))),
        _ => None,
    };
    let renamed = schema::walk(&body, request(3, 12), &WalkOptions::default(), &mut rename)
        .expect("walk")
        .expect("renamed");
    let took = started.elapsed();
    eprintln!("50,000 renames: {took:?}");
    assert_eq!(renamed.len(), body.len() + 50_000 * "tenant-a.".len());
    assert!(took < BUDGET, "took {took:?}");
}

/// Kafka readers accept a length varint written longer than needed (0x82 0x00 for 2). A walk
/// keeps such a prefix where the entity is unchanged and writes the shortest form where it
/// rewrites one (found by fuzzing: fuzz/regressions/schema_walk/).
#[test]
fn non_canonical_length_prefixes_are_kept_or_normalized() {
    let body = [0x82, 0x00, b'g', 0, 0];
    assert_eq!(identity(&body, request(10, 3)), Ok(None));
    let mut rename = |_: &Entity<'_>| Some(Replacement::Name("h".into()));
    assert_eq!(
        schema::walk(&body, request(10, 3), &WalkOptions::default(), &mut rename),
        Ok(Some(vec![0x02, b'h', 0, 0]))
    );
}
