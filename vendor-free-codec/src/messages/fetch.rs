//! Fetch (key 1): consumers and followers reading records. The response carries the KIP-951
//! `NodeEndpoints`, which kgate rewrites so that no upstream address reaches a client; the
//! records stay opaque bytes here.

use crate::error::{DecodeError, EncodeError};
use crate::message::{Message, Versioned};
use crate::primitives::{encode_tagged, Reader, Sink, TaggedFields};

pub use super::leader_discovery::{LeaderIdAndEpoch, NodeEndpoint};

/// The first flexible version of both the request and the response.
const FLEXIBLE_FROM: i16 = 12;

/// Fetch request, versions 4-18, flexible from 12.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchRequest {
    /// The cluster id, if known (tagged, tag 0, v12+).
    pub cluster_id: Option<String>,
    /// The follower's broker id, or -1 for a consumer (v0-14; v15+ uses `replica_state`).
    pub replica_id: i32,
    /// The follower's state (tagged, tag 1, v15+).
    pub replica_state: ReplicaState,
    /// The longest the broker may wait for `min_bytes`, in milliseconds.
    pub max_wait_ms: i32,
    /// The minimum bytes to accumulate in the response.
    pub min_bytes: i32,
    /// The maximum bytes to return (KIP-74).
    pub max_bytes: i32,
    /// 0 = read uncommitted, 1 = read committed.
    pub isolation_level: i8,
    /// The fetch session id (v7+).
    pub session_id: i32,
    /// The fetch session epoch (v7+).
    pub session_epoch: i32,
    /// The topics to fetch.
    pub topics: Vec<FetchTopic>,
    /// Partitions to remove from an incremental fetch session (v7+).
    pub forgotten_topics_data: Vec<ForgottenTopic>,
    /// The consumer's rack (v11+).
    pub rack_id: String,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for FetchRequest {
    fn default() -> Self {
        Self {
            cluster_id: None,
            replica_id: -1,
            replica_state: ReplicaState::default(),
            max_wait_ms: 0,
            min_bytes: 0,
            max_bytes: i32::MAX,
            isolation_level: 0,
            session_id: 0,
            session_epoch: -1,
            topics: Vec::new(),
            forgotten_topics_data: Vec::new(),
            rack_id: String::new(),
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

/// The state of a follower replica in a [`FetchRequest`] (v15+).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaState {
    /// The follower's broker id, or -1 for a consumer.
    pub replica_id: i32,
    /// The follower's broker epoch, or -1.
    pub replica_epoch: i64,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for ReplicaState {
    fn default() -> Self {
        Self {
            replica_id: -1,
            replica_epoch: -1,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

/// One topic of a [`FetchRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FetchTopic {
    /// The topic name (v0-12).
    pub topic: String,
    /// The topic id (v13+).
    pub topic_id: [u8; 16],
    /// The partitions to fetch.
    pub partitions: Vec<FetchPartition>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

/// One partition of a [`FetchTopic`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPartition {
    /// The partition index.
    pub partition: i32,
    /// The fetcher's view of the leader epoch (v9+).
    pub current_leader_epoch: i32,
    /// The offset to fetch from.
    pub fetch_offset: i64,
    /// The epoch of the last fetched record, or -1 (v12+).
    pub last_fetched_epoch: i32,
    /// The follower's log start offset (v5+).
    pub log_start_offset: i64,
    /// The maximum bytes to return for this partition.
    pub partition_max_bytes: i32,
    /// The follower's log directory id (tagged, tag 0, v17+).
    pub replica_directory_id: [u8; 16],
    /// The follower's high watermark; `i64::MAX` when not supported (tagged, tag 1, v18+).
    pub high_watermark: i64,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for FetchPartition {
    fn default() -> Self {
        Self {
            partition: 0,
            current_leader_epoch: -1,
            fetch_offset: 0,
            last_fetched_epoch: -1,
            log_start_offset: -1,
            partition_max_bytes: 0,
            replica_directory_id: [0; 16],
            high_watermark: i64::MAX,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

/// Partitions to forget in an incremental [`FetchRequest`] (v7+).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ForgottenTopic {
    /// The topic name (v7-12).
    pub topic: String,
    /// The topic id (v13+).
    pub topic_id: [u8; 16],
    /// The partition indexes to forget.
    pub partitions: Vec<i32>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Versioned for ReplicaState {
    fn decode(r: &mut Reader<'_>, _version: i16) -> Result<Self, DecodeError> {
        // Only ever present at flexible versions (it is a tagged field).
        Ok(Self {
            replica_id: r.i32("replica id")?,
            replica_epoch: r.i64("replica epoch")?,
            unknown_tagged_fields: r.tagged_fields("replica state tagged fields")?,
        })
    }

    fn encode<S: Sink>(&self, w: &mut S, _version: i16) -> Result<(), EncodeError> {
        w.put_i32(self.replica_id);
        w.put_i64(self.replica_epoch);
        w.put_tagged_fields(&[], &self.unknown_tagged_fields)
    }
}

impl Versioned for FetchPartition {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            partition: r.i32("partition")?,
            ..Self::default()
        };
        if version >= 9 {
            this.current_leader_epoch = r.i32("current leader epoch")?;
        }
        this.fetch_offset = r.i64("fetch offset")?;
        if version >= 12 {
            this.last_fetched_epoch = r.i32("last fetched epoch")?;
        }
        if version >= 5 {
            this.log_start_offset = r.i64("log start offset")?;
        }
        this.partition_max_bytes = r.i32("partition max bytes")?;
        if flexible {
            let mut tagged = r.tagged_fields("fetch partition tagged fields")?;
            if version >= 17 {
                if let Some(id) = tagged.take_decoded(0, "replica directory id", |r| {
                    r.uuid("replica directory id")
                })? {
                    this.replica_directory_id = id;
                }
            }
            if version >= 18 {
                if let Some(hw) =
                    tagged.take_decoded(1, "high watermark", |r| r.i64("high watermark"))?
                {
                    this.high_watermark = hw;
                }
            }
            this.unknown_tagged_fields = tagged;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_i32(self.partition);
        if version >= 9 {
            w.put_i32(self.current_leader_epoch);
        }
        w.put_i64(self.fetch_offset);
        if version >= 12 {
            w.put_i32(self.last_fetched_epoch);
        }
        if version >= 5 {
            w.put_i64(self.log_start_offset);
        }
        w.put_i32(self.partition_max_bytes);
        if flexible {
            let mut known = Vec::new();
            if version >= 17 && self.replica_directory_id != [0; 16] {
                known.push(encode_tagged(0, |b| {
                    b.put_uuid(&self.replica_directory_id);
                    Ok(())
                })?);
            }
            if version >= 18 && self.high_watermark != i64::MAX {
                known.push(encode_tagged(1, |b| {
                    b.put_i64(self.high_watermark);
                    Ok(())
                })?);
            }
            w.put_tagged_fields(&known, &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for FetchTopic {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self::default();
        if version <= 12 {
            this.topic = r.string(flexible, "topic name")?;
        }
        if version >= 13 {
            this.topic_id = r.uuid("topic id")?;
        }
        this.partitions = r.array(flexible, "partitions", |r| {
            FetchPartition::decode(r, version)
        })?;
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("fetch topic tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        if version <= 12 {
            w.put_string(&self.topic, flexible, "topic name")?;
        }
        if version >= 13 {
            w.put_uuid(&self.topic_id);
        }
        w.put_array(&self.partitions, flexible, "partitions", |w, p| {
            p.encode(w, version)
        })?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for ForgottenTopic {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self::default();
        if version <= 12 {
            this.topic = r.string(flexible, "forgotten topic name")?;
        }
        if version >= 13 {
            this.topic_id = r.uuid("forgotten topic id")?;
        }
        this.partitions = r.array(flexible, "forgotten partitions", |r| {
            r.i32("forgotten partition")
        })?;
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("forgotten topic tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        if version <= 12 {
            w.put_string(&self.topic, flexible, "forgotten topic name")?;
        }
        if version >= 13 {
            w.put_uuid(&self.topic_id);
        }
        w.put_array(
            &self.partitions,
            flexible,
            "forgotten partitions",
            |w, p| {
                w.put_i32(*p);
                Ok(())
            },
        )?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for FetchRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self::default();
        if version <= 14 {
            this.replica_id = r.i32("replica id")?;
        }
        this.max_wait_ms = r.i32("max wait")?;
        this.min_bytes = r.i32("min bytes")?;
        this.max_bytes = r.i32("max bytes")?;
        this.isolation_level = r.i8("isolation level")?;
        if version >= 7 {
            this.session_id = r.i32("session id")?;
            this.session_epoch = r.i32("session epoch")?;
        }
        this.topics = r.array(flexible, "topics", |r| FetchTopic::decode(r, version))?;
        if version >= 7 {
            this.forgotten_topics_data = r.array(flexible, "forgotten topics", |r| {
                ForgottenTopic::decode(r, version)
            })?;
        }
        if version >= 11 {
            this.rack_id = r.string(flexible, "rack id")?;
        }
        if flexible {
            let mut tagged = r.tagged_fields("fetch request tagged fields")?;
            this.cluster_id = tagged
                .take_decoded(0, "cluster id", |r| r.nullable_string(true, "cluster id"))?
                .flatten();
            if version >= 15 {
                if let Some(state) =
                    tagged.take_decoded(1, "replica state", |r| ReplicaState::decode(r, version))?
                {
                    this.replica_state = state;
                }
            }
            this.unknown_tagged_fields = tagged;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        if version <= 14 {
            w.put_i32(self.replica_id);
        }
        w.put_i32(self.max_wait_ms);
        w.put_i32(self.min_bytes);
        w.put_i32(self.max_bytes);
        w.put_i8(self.isolation_level);
        if version >= 7 {
            w.put_i32(self.session_id);
            w.put_i32(self.session_epoch);
        }
        w.put_array(&self.topics, flexible, "topics", |w, t| {
            t.encode(w, version)
        })?;
        if version >= 7 {
            w.put_array(
                &self.forgotten_topics_data,
                flexible,
                "forgotten topics",
                |w, t| t.encode(w, version),
            )?;
        }
        if version >= 11 {
            w.put_string(&self.rack_id, flexible, "rack id")?;
        }
        if flexible {
            let mut known = Vec::new();
            if let Some(cluster_id) = &self.cluster_id {
                known.push(encode_tagged(0, |b| {
                    b.put_string(cluster_id, true, "cluster id")
                })?);
            }
            if version >= 15 && self.replica_state != ReplicaState::default() {
                known.push(encode_tagged(1, |b| self.replica_state.encode(b, version))?);
            }
            w.put_tagged_fields(&known, &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for FetchRequest {
    const API_KEY: i16 = 1;
    const VERSIONS: (i16, i16) = (4, 18);
    const FLEXIBLE_FROM: Option<i16> = Some(FLEXIBLE_FROM);
}

/// Fetch response, versions 4-18, flexible from 12.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FetchResponse {
    /// Throttle time in milliseconds.
    pub throttle_time_ms: i32,
    /// The top-level error code (v7+).
    pub error_code: i16,
    /// The fetch session id, or 0 (v7+).
    pub session_id: i32,
    /// The response topics.
    pub responses: Vec<FetchableTopicResponse>,
    /// Endpoints of the current leaders named in partition errors (tagged, tag 0, v16+).
    /// Upstream addresses: kgate must rewrite them before the response reaches a client.
    pub node_endpoints: Vec<NodeEndpoint>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

/// One topic of a [`FetchResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FetchableTopicResponse {
    /// The topic name (v0-12).
    pub topic: String,
    /// The topic id (v13+).
    pub topic_id: [u8; 16],
    /// The topic's partitions.
    pub partitions: Vec<PartitionData>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

/// One partition of a [`FetchableTopicResponse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionData {
    /// The partition index.
    pub partition_index: i32,
    /// The error code, or 0.
    pub error_code: i16,
    /// The high watermark.
    pub high_watermark: i64,
    /// The last stable offset.
    pub last_stable_offset: i64,
    /// The log start offset (v5+).
    pub log_start_offset: i64,
    /// Where the follower's log diverges (tagged, tag 0, v12+).
    pub diverging_epoch: EpochEndOffset,
    /// The current leader (tagged, tag 1, v12+).
    pub current_leader: LeaderIdAndEpoch,
    /// The snapshot to fetch instead, below the log start offset (tagged, tag 2, v12+).
    pub snapshot_id: SnapshotId,
    /// The aborted transactions, or null.
    pub aborted_transactions: Option<Vec<AbortedTransaction>>,
    /// The replica the consumer should fetch from next, or -1 (v11+).
    pub preferred_read_replica: i32,
    /// The record batches, kept as raw bytes: records.rs reads them only when asked.
    pub records: Option<Vec<u8>>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for PartitionData {
    fn default() -> Self {
        Self {
            partition_index: 0,
            error_code: 0,
            high_watermark: 0,
            last_stable_offset: -1,
            log_start_offset: -1,
            diverging_epoch: EpochEndOffset::default(),
            current_leader: LeaderIdAndEpoch::default(),
            snapshot_id: SnapshotId::default(),
            // A nullable array without a schema default defaults to empty, as in Kafka.
            aborted_transactions: Some(Vec::new()),
            preferred_read_replica: -1,
            records: None,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

/// The largest epoch and its end offset, in a [`PartitionData`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochEndOffset {
    /// The largest epoch.
    pub epoch: i32,
    /// The end offset of that epoch.
    pub end_offset: i64,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for EpochEndOffset {
    fn default() -> Self {
        Self {
            epoch: -1,
            end_offset: -1,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

/// A snapshot's end offset and epoch, in a [`PartitionData`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotId {
    /// The snapshot's end offset.
    pub end_offset: i64,
    /// The snapshot's epoch.
    pub epoch: i32,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for SnapshotId {
    fn default() -> Self {
        Self {
            end_offset: -1,
            epoch: -1,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

/// An aborted transaction in a [`PartitionData`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AbortedTransaction {
    /// The producer id of the aborted transaction.
    pub producer_id: i64,
    /// The first offset of the aborted transaction.
    pub first_offset: i64,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

// The four structures below only ever appear inside tagged fields, so always flexibly encoded.

impl Versioned for EpochEndOffset {
    fn decode(r: &mut Reader<'_>, _version: i16) -> Result<Self, DecodeError> {
        Ok(Self {
            epoch: r.i32("diverging epoch")?,
            end_offset: r.i64("diverging end offset")?,
            unknown_tagged_fields: r.tagged_fields("diverging epoch tagged fields")?,
        })
    }

    fn encode<S: Sink>(&self, w: &mut S, _version: i16) -> Result<(), EncodeError> {
        w.put_i32(self.epoch);
        w.put_i64(self.end_offset);
        w.put_tagged_fields(&[], &self.unknown_tagged_fields)
    }
}

impl Versioned for SnapshotId {
    fn decode(r: &mut Reader<'_>, _version: i16) -> Result<Self, DecodeError> {
        Ok(Self {
            end_offset: r.i64("snapshot end offset")?,
            epoch: r.i32("snapshot epoch")?,
            unknown_tagged_fields: r.tagged_fields("snapshot id tagged fields")?,
        })
    }

    fn encode<S: Sink>(&self, w: &mut S, _version: i16) -> Result<(), EncodeError> {
        w.put_i64(self.end_offset);
        w.put_i32(self.epoch);
        w.put_tagged_fields(&[], &self.unknown_tagged_fields)
    }
}

impl Versioned for AbortedTransaction {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let mut this = Self {
            producer_id: r.i64("aborted producer id")?,
            first_offset: r.i64("aborted first offset")?,
            ..Self::default()
        };
        if version >= FLEXIBLE_FROM {
            this.unknown_tagged_fields = r.tagged_fields("aborted transaction tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        w.put_i64(self.producer_id);
        w.put_i64(self.first_offset);
        if version >= FLEXIBLE_FROM {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for PartitionData {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            partition_index: r.i32("partition index")?,
            error_code: r.i16("error code")?,
            high_watermark: r.i64("high watermark")?,
            last_stable_offset: r.i64("last stable offset")?,
            ..Self::default()
        };
        if version >= 5 {
            this.log_start_offset = r.i64("log start offset")?;
        }
        this.aborted_transactions = r.nullable_array(flexible, "aborted transactions", |r| {
            AbortedTransaction::decode(r, version)
        })?;
        if version >= 11 {
            this.preferred_read_replica = r.i32("preferred read replica")?;
        }
        this.records = r.nullable_bytes(flexible, "records")?;
        if flexible {
            let mut tagged = r.tagged_fields("partition data tagged fields")?;
            if let Some(v) =
                tagged.take_decoded(0, "diverging epoch", |r| EpochEndOffset::decode(r, version))?
            {
                this.diverging_epoch = v;
            }
            if let Some(v) = tagged.take_decoded(1, "current leader", |r| {
                LeaderIdAndEpoch::decode(r, version)
            })? {
                this.current_leader = v;
            }
            if let Some(v) =
                tagged.take_decoded(2, "snapshot id", |r| SnapshotId::decode(r, version))?
            {
                this.snapshot_id = v;
            }
            this.unknown_tagged_fields = tagged;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_i32(self.partition_index);
        w.put_i16(self.error_code);
        w.put_i64(self.high_watermark);
        w.put_i64(self.last_stable_offset);
        if version >= 5 {
            w.put_i64(self.log_start_offset);
        }
        w.put_nullable_array(
            self.aborted_transactions.as_deref(),
            flexible,
            "aborted transactions",
            |w, t| t.encode(w, version),
        )?;
        if version >= 11 {
            w.put_i32(self.preferred_read_replica);
        }
        w.put_nullable_bytes(self.records.as_deref(), flexible, "records")?;
        if flexible {
            let mut known = Vec::new();
            if self.diverging_epoch != EpochEndOffset::default() {
                known.push(encode_tagged(0, |b| {
                    self.diverging_epoch.encode(b, version)
                })?);
            }
            if self.current_leader != LeaderIdAndEpoch::default() {
                known.push(encode_tagged(1, |b| {
                    self.current_leader.encode(b, version)
                })?);
            }
            if self.snapshot_id != SnapshotId::default() {
                known.push(encode_tagged(2, |b| self.snapshot_id.encode(b, version))?);
            }
            w.put_tagged_fields(&known, &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for FetchableTopicResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self::default();
        if version <= 12 {
            this.topic = r.string(flexible, "topic name")?;
        }
        if version >= 13 {
            this.topic_id = r.uuid("topic id")?;
        }
        this.partitions = r.array(flexible, "partitions", |r| {
            PartitionData::decode(r, version)
        })?;
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("fetchable topic tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        if version <= 12 {
            w.put_string(&self.topic, flexible, "topic name")?;
        }
        if version >= 13 {
            w.put_uuid(&self.topic_id);
        }
        w.put_array(&self.partitions, flexible, "partitions", |w, p| {
            p.encode(w, version)
        })?;
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Versioned for FetchResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            throttle_time_ms: r.i32("throttle time")?,
            ..Self::default()
        };
        if version >= 7 {
            this.error_code = r.i16("error code")?;
            this.session_id = r.i32("session id")?;
        }
        this.responses = r.array(flexible, "responses", |r| {
            FetchableTopicResponse::decode(r, version)
        })?;
        if flexible {
            let mut tagged = r.tagged_fields("fetch response tagged fields")?;
            if version >= 16 {
                if let Some(endpoints) = tagged.take_decoded(0, "node endpoints", |r| {
                    r.array(true, "node endpoints", |r| NodeEndpoint::decode(r, version))
                })? {
                    this.node_endpoints = endpoints;
                }
            }
            this.unknown_tagged_fields = tagged;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_i32(self.throttle_time_ms);
        if version >= 7 {
            w.put_i16(self.error_code);
            w.put_i32(self.session_id);
        }
        w.put_array(&self.responses, flexible, "responses", |w, t| {
            t.encode(w, version)
        })?;
        if flexible {
            let mut known = Vec::new();
            if version >= 16 && !self.node_endpoints.is_empty() {
                known.push(encode_tagged(0, |b| {
                    b.put_array(&self.node_endpoints, true, "node endpoints", |w, n| {
                        n.encode(w, version)
                    })
                })?);
            }
            w.put_tagged_fields(&known, &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for FetchResponse {
    const API_KEY: i16 = 1;
    const VERSIONS: (i16, i16) = (4, 18);
    const FLEXIBLE_FROM: Option<i16> = Some(FLEXIBLE_FROM);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{
        assert_every_prefix_fails, assert_oracle_agrees, assert_round_trip, oracle_knows,
        unknown_tags_sorted,
    };
    use kafka_protocol::messages as oracle;

    fn uuid(seed: u8) -> [u8; 16] {
        let mut id = [0u8; 16];
        for (i, b) in id.iter_mut().enumerate() {
            *b = seed.wrapping_add(i as u8);
        }
        id
    }

    fn request(version: i16) -> FetchRequest {
        let flexible = version >= 12;
        let partition = |index: i32| FetchPartition {
            partition: index,
            current_leader_epoch: if version >= 9 { 4 } else { -1 },
            fetch_offset: 5_000 + i64::from(index),
            last_fetched_epoch: if version >= 12 { 3 } else { -1 },
            log_start_offset: if version >= 5 { 100 } else { -1 },
            partition_max_bytes: 1 << 20,
            replica_directory_id: if version >= 17 { uuid(50) } else { [0; 16] },
            high_watermark: if version >= 18 { 7_777 } else { i64::MAX },
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        };
        let topic = |name: &str, seed: u8| FetchTopic {
            topic: if version <= 12 {
                name.into()
            } else {
                String::new()
            },
            topic_id: if version >= 13 { uuid(seed) } else { [0; 16] },
            partitions: vec![partition(0), partition(1)],
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        };
        let forgotten = |name: &str, seed: u8| ForgottenTopic {
            topic: if version <= 12 {
                name.into()
            } else {
                String::new()
            },
            topic_id: if version >= 13 { uuid(seed) } else { [0; 16] },
            partitions: vec![7, 8, 9],
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        };
        FetchRequest {
            cluster_id: if flexible {
                Some("cluster-a".into())
            } else {
                None
            },
            replica_id: if version <= 14 { 111 } else { -1 },
            replica_state: if version >= 15 {
                ReplicaState {
                    replica_id: 111,
                    replica_epoch: 42,
                    unknown_tagged_fields: unknown_tags_sorted(flexible),
                }
            } else {
                ReplicaState::default()
            },
            max_wait_ms: 500,
            min_bytes: 1,
            max_bytes: 52_428_800,
            isolation_level: 1,
            session_id: if version >= 7 { 99 } else { 0 },
            session_epoch: if version >= 7 { 3 } else { -1 },
            topics: vec![topic("orders", 1), topic("payments", 100)],
            forgotten_topics_data: if version >= 7 {
                vec![forgotten("old", 200), forgotten("older", 220)]
            } else {
                Vec::new()
            },
            rack_id: if version >= 11 {
                "rack-a".into()
            } else {
                String::new()
            },
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        }
    }

    fn response(version: i16) -> FetchResponse {
        let flexible = version >= 12;
        let partition = |index: i32, aborted: bool| PartitionData {
            partition_index: index,
            error_code: 6,
            high_watermark: 10_000,
            last_stable_offset: 9_000,
            log_start_offset: if version >= 5 { 10 } else { -1 },
            diverging_epoch: if flexible {
                EpochEndOffset {
                    epoch: 5,
                    end_offset: 8_000,
                    unknown_tagged_fields: unknown_tags_sorted(flexible),
                }
            } else {
                EpochEndOffset::default()
            },
            current_leader: if flexible {
                LeaderIdAndEpoch {
                    leader_id: 112,
                    leader_epoch: 6,
                    unknown_tagged_fields: unknown_tags_sorted(flexible),
                }
            } else {
                LeaderIdAndEpoch::default()
            },
            snapshot_id: if flexible {
                SnapshotId {
                    end_offset: 7_000,
                    epoch: 4,
                    unknown_tagged_fields: unknown_tags_sorted(flexible),
                }
            } else {
                SnapshotId::default()
            },
            aborted_transactions: aborted.then(|| {
                vec![
                    AbortedTransaction {
                        producer_id: 31,
                        first_offset: 9_100,
                        unknown_tagged_fields: unknown_tags_sorted(flexible),
                    },
                    AbortedTransaction {
                        producer_id: 32,
                        first_offset: 9_200,
                        unknown_tagged_fields: unknown_tags_sorted(flexible),
                    },
                ]
            }),
            preferred_read_replica: if version >= 11 { 113 } else { -1 },
            records: if aborted {
                Some(vec![0, 0, 0, 0, 0, 0, 0, 1, 2, 3])
            } else {
                None
            },
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        };
        let topic = |name: &str, seed: u8| FetchableTopicResponse {
            topic: if version <= 12 {
                name.into()
            } else {
                String::new()
            },
            topic_id: if version >= 13 { uuid(seed) } else { [0; 16] },
            partitions: vec![partition(0, true), partition(1, false)],
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        };
        FetchResponse {
            throttle_time_ms: 25,
            error_code: if version >= 7 { 3 } else { 0 },
            session_id: if version >= 7 { 99 } else { 0 },
            responses: vec![topic("orders", 1), topic("payments", 100)],
            node_endpoints: if version >= 16 {
                crate::messages::leader_discovery::sample_endpoints(flexible)
            } else {
                Vec::new()
            },
            unknown_tagged_fields: unknown_tags_sorted(flexible),
        }
    }

    #[test]
    fn round_trips_every_version() {
        for version in 4..=18 {
            assert_round_trip(&request(version), version);
            assert_round_trip(&response(version), version);
            let no_cluster_id = FetchRequest {
                cluster_id: None,
                ..request(version)
            };
            assert_round_trip(&no_cluster_id, version);
        }
    }

    #[test]
    fn agrees_with_the_oracle() {
        for version in 4..=18 {
            if oracle_knows::<oracle::FetchRequest>(version) {
                let bytes = assert_round_trip(&request(version), version);
                assert_oracle_agrees::<oracle::FetchRequest, FetchRequest>(&bytes, version);
            }
            if oracle_knows::<oracle::FetchResponse>(version) {
                let bytes = assert_round_trip(&response(version), version);
                assert_oracle_agrees::<oracle::FetchResponse, FetchResponse>(&bytes, version);
            }
        }
    }

    #[test]
    fn oracle_reads_the_tagged_fields_where_we_put_them() {
        // The byte-level oracle check keeps unknown tags raw on both sides, so it would not see
        // a known field written under the wrong tag: read the oracle's typed values instead.
        use kafka_protocol::protocol::Decodable;
        let bytes = assert_round_trip(&request(18), 18);
        let theirs = oracle::FetchRequest::decode(&mut bytes::Bytes::from(bytes), 18).unwrap();
        assert_eq!(theirs.cluster_id.as_deref(), Some("cluster-a"));
        assert_eq!(*theirs.replica_state.replica_id, 111);
        assert_eq!(theirs.replica_state.replica_epoch, 42);
        let p = &theirs.topics[1].partitions[1];
        assert_eq!(p.high_watermark, 7_777);
        assert_eq!(p.replica_directory_id.as_bytes(), &uuid(50));
        assert_eq!((p.last_fetched_epoch, p.log_start_offset), (3, 100));

        let bytes = assert_round_trip(&response(18), 18);
        let theirs = oracle::FetchResponse::decode(&mut bytes::Bytes::from(bytes), 18).unwrap();
        assert_eq!(theirs.node_endpoints[0].host.as_str(), "broker-2.internal");
        assert_eq!(theirs.node_endpoints[1].port, 9094);
        let p = &theirs.responses[0].partitions[0];
        assert_eq!(
            (p.diverging_epoch.epoch, p.diverging_epoch.end_offset),
            (5, 8_000)
        );
        assert_eq!(*p.current_leader.leader_id, 112);
        assert_eq!((p.snapshot_id.end_offset, p.snapshot_id.epoch), (7_000, 4));
        assert_eq!(*p.preferred_read_replica, 113);
        assert_eq!(
            p.records.as_deref(),
            Some(&[0, 0, 0, 0, 0, 0, 0, 1, 2, 3][..])
        );
    }

    #[test]
    fn known_tagged_fields_are_typed_and_defaults_not_written() {
        let bytes = assert_round_trip(&request(18), 18);
        let decoded = FetchRequest::decode_body(&bytes, 18).expect("decode");
        assert_eq!(decoded.cluster_id.as_deref(), Some("cluster-a"));
        assert_eq!(decoded.replica_state.replica_epoch, 42);
        assert!(decoded
            .unknown_tagged_fields
            .0
            .iter()
            .all(|f| f.tag >= 8000));

        let plain = FetchRequest {
            unknown_tagged_fields: TaggedFields::default(),
            ..FetchRequest::default()
        };
        let bytes = assert_round_trip(&plain, 18);
        // Empty topics, empty forgotten topics, empty rack id, then an empty tagged section.
        assert_eq!(bytes.get(bytes.len() - 4..), Some(&[1, 1, 1, 0][..]));
    }

    #[test]
    fn malformed_known_tagged_fields_are_errors() {
        use crate::primitives::RawTaggedField;
        // A known tag whose bytes are too short or too long for its type must not be taken
        // as a value, nor silently kept as unknown.
        for (data, expected) in [
            (
                vec![0; 3],
                DecodeError::Truncated {
                    context: "high watermark",
                },
            ),
            (
                vec![0; 9],
                DecodeError::TrailingBytes {
                    context: "high watermark",
                },
            ),
        ] {
            let mut msg = request(18);
            msg.topics[0].partitions[0].high_watermark = i64::MAX;
            msg.topics[0].partitions[0].unknown_tagged_fields =
                TaggedFields(vec![RawTaggedField { tag: 1, data }]);
            let mut bytes = Vec::new();
            msg.encode_body(&mut bytes, 18).expect("encode");
            assert_eq!(FetchRequest::decode_body(&bytes, 18), Err(expected));
        }
    }

    #[test]
    fn rejects_unsupported_versions() {
        for version in [3, 19] {
            assert_eq!(
                FetchRequest::decode_body(&[0; 32], version),
                Err(DecodeError::UnsupportedVersion {
                    api_key: 1,
                    version
                })
            );
            assert_eq!(
                FetchResponse::decode_body(&[0; 32], version),
                Err(DecodeError::UnsupportedVersion {
                    api_key: 1,
                    version
                })
            );
        }
    }

    #[test]
    fn every_prefix_is_truncated() {
        for version in 4..=18 {
            assert_every_prefix_fails(&request(version), version);
            assert_every_prefix_fails(&response(version), version);
        }
    }
}
