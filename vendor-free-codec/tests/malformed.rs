//! A table of malformed inputs, each with the exact error it must produce (variant and
//! context), plus the framing edge cases. Decoding a hostile length must also never allocate
//! in proportion to it: a counting allocator records the largest request on this thread.

use codec::frame::{split_frame, split_frames, Frame, DEFAULT_MAX_FRAME};
use codec::header::RequestHeader;
use codec::messages::describe_cluster::{DescribeClusterRequest, DescribeClusterResponse};
use codec::records::{BatchRecords, Record, RecordBatch};
use codec::{DecodeError, Message, Reader, Status};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator, noting the largest single allocation made by each thread.
struct Counting;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to `System`; the bookkeeping is a thread-local
// `Cell` with a const initialiser, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = LARGEST.try_with(|l| l.set(l.get().max(layout.size())));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = LARGEST.try_with(|l| l.set(l.get().max(new_size)));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Run `f` and return its result with the largest allocation it made on this thread.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|l| l.set(0));
    let out = f();
    (out, LARGEST.with(Cell::get))
}

type Decode = fn(&[u8]) -> Result<(), DecodeError>;

/// Decode `f` over all of `bytes`, requiring every byte to be consumed.
fn whole<T>(
    bytes: &[u8],
    f: impl FnOnce(&mut Reader<'_>) -> Result<T, DecodeError>,
) -> Result<(), DecodeError> {
    let mut r = Reader::new(bytes);
    f(&mut r)?;
    r.expect_empty("test input")
}

const CTX: &str = "field";
const TRUNC: DecodeError = DecodeError::Truncated { context: CTX };
const NEG: DecodeError = DecodeError::NegativeLength { context: CTX };
const HUGE: DecodeError = DecodeError::LengthExceedsRemaining { context: CTX };

fn be32(v: i32) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

/// `(name, input, decoder, expected error)`.
fn table() -> Vec<(&'static str, Vec<u8>, Decode, DecodeError)> {
    let string: Decode = |b| whole(b, |r| r.string(false, CTX));
    let compact_string: Decode = |b| whole(b, |r| r.string(true, CTX));
    let bytes: Decode = |b| whole(b, |r| r.bytes(false, CTX));
    let compact_bytes: Decode = |b| whole(b, |r| r.bytes(true, CTX));
    let array: Decode = |b| whole(b, |r| r.array(false, CTX, |r| r.i32(CTX)));
    let compact_array: Decode = |b| whole(b, |r| r.array(true, CTX, |r| r.i32(CTX)));
    let uvarint: Decode = |b| whole(b, |r| r.uvarint(CTX));
    let varlong: Decode = |b| whole(b, |r| r.varlong(CTX));
    let tagged: Decode = |b| whole(b, |r| r.tagged_fields(CTX));
    let batch: Decode = |b| whole(b, RecordBatch::decode);
    let describe_v0: Decode = |b| DescribeClusterRequest::decode_body(b, 0).map(drop);
    let mut bad_crc = sample_batch_bytes();
    let last = bad_crc.len() - 1;
    bad_crc[last] ^= 0xff;
    let stored = u32::from_be_bytes([bad_crc[17], bad_crc[18], bad_crc[19], bad_crc[20]]);
    let actual = codec::records::crc32c(&bad_crc[21..]);

    vec![
        (
            "string length -2",
            (-2i16).to_be_bytes().to_vec(),
            string,
            NEG,
        ),
        (
            "string length -1 (null)",
            vec![0xff, 0xff],
            string,
            DecodeError::UnexpectedNull { context: CTX },
        ),
        ("bytes length -5", be32(-5), bytes, NEG),
        ("array length -3", be32(-3), array, NEG),
        (
            "string i16::MAX, 3 bytes left",
            [&i16::MAX.to_be_bytes()[..], b"abc"].concat(),
            string,
            HUGE,
        ),
        (
            "bytes i32::MAX, 3 bytes left",
            [be32(i32::MAX), vec![1, 2, 3]].concat(),
            bytes,
            HUGE,
        ),
        (
            "array i32::MAX, 3 bytes left",
            [be32(i32::MAX), vec![1, 2, 3]].concat(),
            array,
            HUGE,
        ),
        // Compact length i32::MAX: UNSIGNED_VARINT of i32::MAX + 1.
        (
            "compact string i32::MAX",
            vec![0x80, 0x80, 0x80, 0x80, 0x08, b'a'],
            compact_string,
            HUGE,
        ),
        (
            "compact bytes u32::MAX - 1",
            vec![0xff, 0xff, 0xff, 0xff, 0x0f, 0],
            compact_bytes,
            HUGE,
        ),
        (
            "compact array i32::MAX",
            vec![0x80, 0x80, 0x80, 0x80, 0x08, 0, 0, 0, 1],
            compact_array,
            HUGE,
        ),
        (
            "six-byte varint",
            vec![0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
            uvarint,
            DecodeError::VarintTooLong { context: CTX },
        ),
        (
            "fifth varint byte over 32 bits",
            vec![0xff, 0xff, 0xff, 0xff, 0x1f],
            uvarint,
            DecodeError::VarintTooLong { context: CTX },
        ),
        (
            "eleven-byte varlong",
            [vec![0x80; 10], vec![0]].concat(),
            varlong,
            DecodeError::VarintTooLong { context: CTX },
        ),
        ("unterminated varint", vec![0x80, 0x80], uvarint, TRUNC),
        (
            "invalid UTF-8",
            vec![0, 2, 0xc3, 0x28],
            string,
            DecodeError::InvalidUtf8 { context: CTX },
        ),
        (
            "invalid UTF-8, compact",
            vec![3, 0xff, 0xfe],
            compact_string,
            DecodeError::InvalidUtf8 { context: CTX },
        ),
        // v0: include_cluster_authorized_operations, empty tagged fields, then one byte too many.
        (
            "trailing byte after DescribeCluster",
            vec![1, 0, 0],
            describe_v0,
            DecodeError::TrailingBytes {
                context: "message body",
            },
        ),
        (
            "duplicate tagged field tag",
            vec![2, 5, 1, 0xaa, 5, 1, 0xbb],
            tagged,
            DecodeError::InvalidValue { context: CTX },
        ),
        (
            "tagged-field count over bytes left",
            vec![3, 1, 0],
            tagged,
            HUGE,
        ),
        (
            "tagged-field size over bytes left",
            vec![1, 1, 9, 0],
            tagged,
            HUGE,
        ),
        (
            "record batch crc mismatch",
            bad_crc,
            batch,
            DecodeError::CrcMismatch {
                expected: stored,
                actual,
            },
        ),
    ]
}

fn sample_batch_bytes() -> Vec<u8> {
    let batch = RecordBatch {
        records: BatchRecords::Records(vec![Record {
            key: Some(b"k".to_vec()),
            value: Some(vec![7; 64]),
            ..Record::default()
        }]),
        ..RecordBatch::default()
    };
    let mut out = Vec::new();
    batch.encode(&mut out).expect("encode");
    out
}

#[test]
fn malformed_inputs_give_the_exact_error_without_large_allocations() {
    for (name, input, decode, expected) in table() {
        let (result, largest) = largest_allocation(|| decode(&input));
        assert_eq!(result, Err(expected), "{name}");
        // A hostile length must not become an allocation; the inputs here are tiny.
        assert!(largest < 4096, "{name}: allocated {largest} bytes");
    }
}

#[test]
fn the_allocation_counter_sees_allocations() {
    let (v, largest) = largest_allocation(|| vec![0u8; 100_000]);
    assert!(largest >= v.len());
}

/// How one field of a compound value fails when the input stops inside it.
#[derive(Clone, Copy)]
enum Kind {
    /// A fixed-width value: `Truncated`.
    Fixed,
    /// A length prefix of this many bytes, then the body: `Truncated` in the prefix,
    /// `LengthExceedsRemaining` in the body (the prefix promises more than is left).
    Prefixed(usize),
    /// An element count (array or tagged fields): `Truncated` inside it, and
    /// `LengthExceedsRemaining` while fewer bytes follow than it counts.
    Count(usize),
}

/// The error for a value made of `fields` cut after `cut` bytes, from the rules above.
fn expected_at(fields: &[(&'static str, Kind, Vec<u8>)], cut: usize) -> DecodeError {
    let mut pos = 0;
    for &(context, kind, ref bytes) in fields {
        let end = pos + bytes.len();
        match kind {
            Kind::Fixed if cut < end => return DecodeError::Truncated { context },
            Kind::Prefixed(n) if cut < pos + n => return DecodeError::Truncated { context },
            Kind::Prefixed(_) if cut < end => {
                return DecodeError::LengthExceedsRemaining { context }
            }
            Kind::Count(_) if cut < end => return DecodeError::Truncated { context },
            Kind::Count(n) if cut - end < n => {
                return DecodeError::LengthExceedsRemaining { context }
            }
            _ => {}
        }
        pos = end;
    }
    panic!("cut {cut} is past the end")
}

fn assert_every_cut(fields: &[(&'static str, Kind, Vec<u8>)], decode: Decode) {
    let input: Vec<u8> = fields.iter().flat_map(|(_, _, b)| b.clone()).collect();
    assert_eq!(decode(&input), Ok(()), "the whole input decodes");
    for cut in 0..input.len() {
        assert_eq!(
            decode(&input[..cut]),
            Err(expected_at(fields, cut)),
            "cut at {cut}"
        );
    }
}

#[test]
fn every_truncation_of_a_primitive_names_it() {
    let fixed: [(usize, Decode); 6] = [
        (2, |b| whole(b, |r| r.i16(CTX))),
        (4, |b| whole(b, |r| r.i32(CTX))),
        (4, |b| whole(b, |r| r.u32(CTX))),
        (8, |b| whole(b, |r| r.i64(CTX))),
        (8, |b| whole(b, |r| r.f64(CTX))),
        (16, |b| whole(b, |r| r.uuid(CTX))),
    ];
    for (width, decode) in fixed {
        assert_eq!(decode(&vec![0; width]), Ok(()));
        for cut in 0..width {
            assert_eq!(
                decode(&vec![0; cut]),
                Err(TRUNC),
                "width {width}, cut {cut}"
            );
        }
    }
    let string: Decode = |b| whole(b, |r| r.string(false, CTX));
    assert_every_cut(
        &[(CTX, Kind::Prefixed(2), vec![0, 3, b'a', b'b', b'c'])],
        string,
    );
    let bytes: Decode = |b| whole(b, |r| r.bytes(false, CTX));
    assert_every_cut(&[(CTX, Kind::Prefixed(4), vec![0, 0, 0, 2, 9, 9])], bytes);
    let varint: Decode = |b| whole(b, |r| r.varint(CTX));
    assert_every_cut(&[(CTX, Kind::Fixed, vec![0xff, 0xff, 0x03])], varint);
}

#[test]
fn every_truncation_of_a_request_header_names_the_field() {
    let fields = vec![
        ("request api key", Kind::Fixed, vec![0, 60]),
        ("request api version", Kind::Fixed, vec![0, 1]),
        ("request correlation id", Kind::Fixed, be32(77)),
        (
            "client id",
            Kind::Prefixed(2),
            [&[0u8, 4][..], b"kcat"].concat(),
        ),
        ("request header tagged fields", Kind::Count(0), vec![0]),
    ];
    assert_every_cut(&fields, |b| whole(b, |r| RequestHeader::decode(r, 2)));
}

#[test]
fn every_truncation_of_a_describe_cluster_response_names_the_field() {
    let fields = vec![
        ("throttle time", Kind::Fixed, be32(5)),
        ("error code", Kind::Fixed, vec![0, 0]),
        (
            "error message",
            Kind::Prefixed(1),
            [&[5u8][..], b"oops"].concat(),
        ),
        ("endpoint type", Kind::Fixed, vec![1]),
        (
            "cluster id",
            Kind::Prefixed(1),
            [&[3u8][..], b"c1"].concat(),
        ),
        ("controller id", Kind::Fixed, be32(1)),
        ("brokers", Kind::Count(1), vec![2]),
        ("broker id", Kind::Fixed, be32(1)),
        (
            "broker host",
            Kind::Prefixed(1),
            [&[5u8][..], b"host"].concat(),
        ),
        ("broker port", Kind::Fixed, be32(9092)),
        ("broker rack", Kind::Fixed, vec![0]),
        ("broker is fenced", Kind::Fixed, vec![0]),
        ("broker tagged fields", Kind::Count(0), vec![0]),
        (
            "cluster authorized operations",
            Kind::Fixed,
            be32(-2_147_483_648),
        ),
        (
            "describe cluster response tagged fields",
            Kind::Count(0),
            vec![0],
        ),
    ];
    assert_every_cut(&fields, |b| {
        DescribeClusterResponse::decode_body(b, 2).map(drop)
    });
}

#[test]
fn frames_over_the_maximum_or_negative_are_errors() {
    let buf = [be32(1025), vec![0; 8]].concat();
    assert_eq!(
        split_frame(&buf, 1024),
        Err(DecodeError::FrameTooLarge {
            size: 1025,
            max: 1024
        })
    );
    let huge = be32(i32::MAX);
    let (result, largest) = largest_allocation(|| split_frame(&huge, DEFAULT_MAX_FRAME));
    assert_eq!(
        result,
        Err(DecodeError::FrameTooLarge {
            size: i32::MAX as usize,
            max: DEFAULT_MAX_FRAME
        })
    );
    assert!(largest < 4096);
    assert_eq!(
        split_frame(&be32(-1), 1024),
        Err(DecodeError::NegativeLength {
            context: "frame size"
        })
    );
    // An error in the middle of a buffer stops the split: frames before it are not returned
    // as if the stream were healthy.
    let buf = [be32(1), vec![7], be32(-9)].concat();
    assert_eq!(
        split_frames(&buf, 1024),
        Err(DecodeError::NegativeLength {
            context: "frame size"
        })
    );
}

#[test]
fn short_buffers_are_partial_with_the_bytes_needed() {
    let frame = [be32(5), b"hello".to_vec()].concat();
    for cut in 0..4 {
        assert_eq!(
            split_frame(&frame[..cut], 1024),
            Ok(Status::Partial { needed: 4 })
        );
    }
    for cut in 4..frame.len() {
        assert_eq!(
            split_frame(&frame[..cut], 1024),
            Ok(Status::Partial { needed: 9 })
        );
    }
    assert_eq!(
        split_frame(&frame, 1024),
        Ok(Status::Complete(Frame {
            body: b"hello",
            len: 9
        }))
    );
}

#[test]
fn several_frames_in_one_buffer() {
    let bodies: [&[u8]; 4] = [b"one", b"", b"three", &[0xff; 300]];
    let mut buf = Vec::new();
    for body in bodies {
        codec::frame::encode_frame(body, &mut buf).expect("frame");
    }
    let whole_len = buf.len();
    buf.extend_from_slice(&be32(10)[..3]); // the start of the next frame's prefix
    let (frames, consumed) = split_frames(&buf, 1024).expect("split");
    assert_eq!(frames, bodies.to_vec());
    assert_eq!(consumed, whole_len);
    let (frames, consumed) = split_frames(&buf[..whole_len - 1], 1024).expect("split");
    assert_eq!(frames, bodies[..3].to_vec());
    assert_eq!(consumed, 4 + 3 + 4 + 4 + 5);
}
