//! Codec throughput in MB/s, std only: `cargo bench -p vendor-free-codec`.
//!
//! Each case is a function returning one or more [`Case`]s; to add one, write the function
//! and list it in [`CASES`]. A case runs for about a second after a calibration run.

use codec::frame::{encode_frame, split_frames, DEFAULT_MAX_FRAME};
use codec::messages::metadata::{
    MetadataResponse, MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use codec::messages::produce::{PartitionProduceData, ProduceRequest, TopicProduceData};
use codec::primitives::Reader;
use codec::records::{BatchRecords, Record, RecordBatch, RecordHeader};
use codec::Message;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// One measurement: `run` processes `bytes` bytes per call.
struct Case {
    name: &'static str,
    bytes: usize,
    run: Box<dyn FnMut()>,
}

/// Every case builder, in the order they are reported.
const CASES: &[fn() -> Vec<Case>] = &[
    metadata_cases,
    produce_cases,
    record_batch_cases,
    frame_split_cases,
];

/// How long each case is measured for.
const TARGET: Duration = Duration::from_secs(1);

/// A 1 MiB batch of 1 KiB records, each with a key and one header.
fn one_mib_batch() -> RecordBatch {
    let records = (0..1024)
        .map(|i: i32| Record {
            attributes: 0,
            timestamp_delta: i64::from(i),
            offset_delta: i,
            key: Some(format!("key-{i:06}").into_bytes()),
            value: Some(vec![(i % 251) as u8; 1000]),
            headers: vec![RecordHeader {
                key: "h".into(),
                value: Some(b"v".to_vec()),
            }],
        })
        .collect();
    RecordBatch {
        last_offset_delta: 1023,
        records: BatchRecords::Records(records),
        ..RecordBatch::default()
    }
}

fn record_batch_cases() -> Vec<Case> {
    let batch = one_mib_batch();
    let mut bytes = Vec::new();
    batch.encode(&mut bytes).expect("encode");
    let len = bytes.len();
    let mut out = Vec::with_capacity(len);
    vec![
        Case {
            name: "record batch decode (1 MiB, 1 KiB records)",
            bytes: len,
            run: Box::new(move || {
                let mut r = Reader::new(black_box(&bytes));
                black_box(RecordBatch::decode(&mut r).expect("decode"));
            }),
        },
        Case {
            name: "record batch encode (1 MiB, 1 KiB records)",
            bytes: len,
            run: Box::new(move || {
                out.clear();
                black_box(&batch).encode(&mut out).expect("encode");
                black_box(&out);
            }),
        },
    ]
}

/// Decode and encode cases for one typed message at `version`.
fn message_cases<M: Message + 'static>(name: &'static str, msg: M, version: i16) -> Vec<Case> {
    let mut bytes = Vec::new();
    msg.encode_body(&mut bytes, version).expect("encode");
    let len = bytes.len();
    let mut out = Vec::with_capacity(len);
    let decode_name: &'static str =
        Box::leak(format!("{name} decode ({} KiB)", len / 1024).into_boxed_str());
    let encode_name: &'static str =
        Box::leak(format!("{name} encode ({} KiB)", len / 1024).into_boxed_str());
    vec![
        Case {
            name: decode_name,
            bytes: len,
            run: Box::new(move || {
                black_box(M::decode_body(black_box(&bytes), version).expect("decode"));
            }),
        },
        Case {
            name: encode_name,
            bytes: len,
            run: Box::new(move || {
                out.clear();
                black_box(&msg)
                    .encode_body(&mut out, version)
                    .expect("encode");
                black_box(&out);
            }),
        },
    ]
}

/// A Metadata v12 response for a large cluster: 12 brokers, 2,000 topics of 12 partitions.
fn metadata_cases() -> Vec<Case> {
    let brokers = (0..12)
        .map(|id| MetadataResponseBroker {
            node_id: id,
            host: format!("broker-{id}.kafka.internal.example.com"),
            port: 9092,
            rack: Some(format!("rack-{}", id % 3)),
            ..Default::default()
        })
        .collect();
    let topics = (0..2000)
        .map(|t| MetadataResponseTopic {
            name: Some(format!("team-{}.events.topic-{t}", t % 40)),
            topic_id: [t as u8; 16],
            partitions: (0..12)
                .map(|p| MetadataResponsePartition {
                    partition_index: p,
                    leader_id: p % 12,
                    leader_epoch: 7,
                    replica_nodes: vec![p % 12, (p + 1) % 12, (p + 2) % 12],
                    isr_nodes: vec![p % 12, (p + 1) % 12, (p + 2) % 12],
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    let msg = MetadataResponse {
        brokers,
        topics,
        cluster_id: Some("cluster".into()),
        controller_id: 1,
        ..Default::default()
    };
    message_cases("metadata response v12", msg, 12)
}

/// A Produce v9 request carrying a 1 MiB batch for each of 4 partitions.
fn produce_cases() -> Vec<Case> {
    let mut batch = Vec::new();
    one_mib_batch().encode(&mut batch).expect("batch");
    let msg = ProduceRequest {
        acks: -1,
        timeout_ms: 30_000,
        topic_data: vec![TopicProduceData {
            name: "events".into(),
            partition_data: (0..4)
                .map(|index| PartitionProduceData {
                    index,
                    records: Some(batch.clone()),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }],
        ..Default::default()
    };
    message_cases("produce request v9", msg, 9)
}

fn frame_split_cases() -> Vec<Case> {
    // 10 000 frames of 100 bytes: the shape of a pipelined stream of small requests.
    let mut buf = Vec::new();
    for i in 0..10_000u32 {
        encode_frame(&[(i % 256) as u8; 100], &mut buf).expect("frame");
    }
    let len = buf.len();
    vec![Case {
        name: "frame split (10 000 frames of 100 B)",
        bytes: len,
        run: Box::new(move || {
            let (frames, consumed) =
                split_frames(black_box(&buf), DEFAULT_MAX_FRAME).expect("split");
            assert_eq!(consumed, len);
            black_box(frames);
        }),
    }]
}

/// Calibrate over about a tenth of [`TARGET`] (which also warms caches), then run enough
/// calls for about [`TARGET`].
fn measure(case: &mut Case) -> (u64, Duration) {
    let start = Instant::now();
    let mut calls = 0u128;
    while start.elapsed() < TARGET / 10 {
        (case.run)();
        calls += 1;
    }
    let per_call = (start.elapsed().as_nanos() / calls).max(1);
    let iterations = (TARGET.as_nanos() / per_call).clamp(1, 100_000_000) as u64;
    let start = Instant::now();
    for _ in 0..iterations {
        (case.run)();
    }
    (iterations, start.elapsed())
}

fn main() {
    // `cargo bench -- <filter>` runs only the cases whose name contains the filter.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    for build in CASES {
        for mut case in build() {
            if filter.as_deref().is_some_and(|f| !case.name.contains(f)) {
                continue;
            }
            let (iterations, elapsed) = measure(&mut case);
            let mb = case.bytes as f64 * iterations as f64 / 1e6;
            println!(
                "{:<48} {:>9.1} MB/s  ({} iterations of {} bytes in {:.2?})",
                case.name,
                mb / elapsed.as_secs_f64(),
                iterations,
                case.bytes,
                elapsed
            );
        }
    }
}
