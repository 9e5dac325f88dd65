//! What each API needs, as Kafka's `KafkaApis` checks it (`../shared/ACLS.md`). The table is
//! the list of APIs the enforcer knows: an API missing from it is refused (fail closed).
//!
//! | API | needs | denied |
//! |---|---|---|
//! | Produce | WRITE each topic; transactional: WRITE the transactional id | 29 per partition (split); 53 for all |
//! | Fetch | READ each topic (a follower: CLUSTER_ACTION) | 29 per partition (split); unknown id 100 |
//! | ListOffsets, OffsetForLeaderEpoch | DESCRIBE each topic | 29 per partition (split) |
//! | Metadata | DESCRIBE each topic; auto-create: CREATE cluster or topic | all topics: left out; named: 29, id zeroed; by id: 29, name null |
//! | OffsetCommit | READ the group, READ each topic | 30 for all; 29 per partition (split) |
//! | OffsetFetch | DESCRIBE the group(s), DESCRIBE each topic | 30; 29 per partition; all topics: left out |
//! | FindCoordinator | DESCRIBE the group / transactional id | 30 / 53 (per key from v4) |
//! | JoinGroup, Heartbeat, LeaveGroup, SyncGroup | READ the group | 30 |
//! | DescribeGroups, ConsumerGroupDescribe | DESCRIBE each group | 30 per group (split) |
//! | ListGroups | DESCRIBE cluster, else the list is filtered by DESCRIBE group | filtered |
//! | CreateTopics | CREATE cluster, else CREATE each topic | 29 per topic (split) |
//! | DeleteTopics, DeleteRecords | DELETE each topic | 29 (split) |
//! | InitProducerId | WRITE the transactional id; none: IDEMPOTENT_WRITE cluster or WRITE any topic | 53 / 31 |
//! | AddPartitionsToTxn | WRITE the transactional id and each topic (v4+: CLUSTER_ACTION) | 53; 29, the rest 55 |
//! | AddOffsetsToTxn | WRITE the transactional id, READ the group | 53 / 30 |
//! | EndTxn | WRITE the transactional id | 53 |
//! | TxnOffsetCommit | WRITE the transactional id, READ the group, READ each topic | 53 / 30 for all; 29 (split) |
//! | DescribeAcls, CreateAcls, DeleteAcls | answered by kgate | see `acl_apis` |
//! | DescribeConfigs / AlterConfigs / IncrementalAlterConfigs | DESCRIBE_CONFIGS / ALTER_CONFIGS on the topic, group, or cluster (brokers, loggers, client metrics) | 29 / 30 / 31 per resource (split) |
//! | CreatePartitions | ALTER each topic | 29 (split) |
//! | DeleteGroups | DELETE each group | 30 (split) |
//! | OffsetDelete | DELETE the group, READ each topic | 30; 29 per partition (split) |
//! | DescribeCluster | nothing (authorized operations computed) | |
//! | DescribeProducers | READ each topic | 29 per partition (split) |
//! | DescribeTransactions | DESCRIBE each transactional id (topics filtered) | 53 (split) |
//! | ListTransactions | the list is filtered by DESCRIBE transactional id | filtered |
//! | ConsumerGroupHeartbeat | READ the group, DESCRIBE each subscribed topic | 30 / 29 |
//! | DescribeTopicPartitions | DESCRIBE each topic | 29 (split); all topics: left out |
//! | cluster APIs (DescribeLogDirs, ElectLeaders, reassignments, quotas, SCRAM, features, quorum, ...) | an operation on the cluster | 31 |
//! | broker-internal APIs | CLUSTER_ACTION on the cluster | 31 |
//! | ApiVersions, SaslHandshake, SaslAuthenticate, telemetry | nothing | |

use crate::acl::binding::Operation;

/// What an API needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Nothing: ApiVersions, SASL, client telemetry.
    Nothing,
    /// Answered by kgate itself, never forwarded: the ACL APIs.
    Local,
    /// This operation on the cluster, for the whole request.
    Cluster(Operation),
    /// Checks per resource the request names (topics, groups, transactional ids, configs).
    Resources,
}

/// The table: each API key the enforcer knows, and what it needs.
pub const TABLE: &[(i16, Need)] = &[
    (0, Need::Resources),                            // Produce
    (1, Need::Resources),                            // Fetch
    (2, Need::Resources),                            // ListOffsets
    (3, Need::Resources),                            // Metadata
    (4, Need::Cluster(Operation::ClusterAction)),    // LeaderAndIsr
    (5, Need::Cluster(Operation::ClusterAction)),    // StopReplica
    (6, Need::Cluster(Operation::ClusterAction)),    // UpdateMetadata
    (7, Need::Cluster(Operation::ClusterAction)),    // ControlledShutdown
    (8, Need::Resources),                            // OffsetCommit
    (9, Need::Resources),                            // OffsetFetch
    (10, Need::Resources),                           // FindCoordinator
    (11, Need::Resources),                           // JoinGroup
    (12, Need::Resources),                           // Heartbeat
    (13, Need::Resources),                           // LeaveGroup
    (14, Need::Resources),                           // SyncGroup
    (15, Need::Resources),                           // DescribeGroups
    (16, Need::Resources),                           // ListGroups
    (17, Need::Nothing),                             // SaslHandshake
    (18, Need::Nothing),                             // ApiVersions
    (19, Need::Resources),                           // CreateTopics
    (20, Need::Resources),                           // DeleteTopics
    (21, Need::Resources),                           // DeleteRecords
    (22, Need::Resources),                           // InitProducerId
    (23, Need::Resources),                           // OffsetForLeaderEpoch
    (24, Need::Resources),                           // AddPartitionsToTxn
    (25, Need::Resources),                           // AddOffsetsToTxn
    (26, Need::Resources),                           // EndTxn
    (27, Need::Cluster(Operation::ClusterAction)),   // WriteTxnMarkers
    (28, Need::Resources),                           // TxnOffsetCommit
    (29, Need::Local),                               // DescribeAcls
    (30, Need::Local),                               // CreateAcls
    (31, Need::Local),                               // DeleteAcls
    (32, Need::Resources),                           // DescribeConfigs
    (33, Need::Resources),                           // AlterConfigs
    (34, Need::Cluster(Operation::Alter)),           // AlterReplicaLogDirs
    (35, Need::Cluster(Operation::Describe)),        // DescribeLogDirs
    (36, Need::Nothing),                             // SaslAuthenticate
    (37, Need::Resources),                           // CreatePartitions
    (42, Need::Resources),                           // DeleteGroups
    (43, Need::Cluster(Operation::Alter)),           // ElectLeaders
    (44, Need::Resources),                           // IncrementalAlterConfigs
    (45, Need::Cluster(Operation::Alter)),           // AlterPartitionReassignments
    (46, Need::Cluster(Operation::Describe)),        // ListPartitionReassignments
    (47, Need::Resources),                           // OffsetDelete
    (48, Need::Cluster(Operation::DescribeConfigs)), // DescribeClientQuotas
    (49, Need::Cluster(Operation::AlterConfigs)),    // AlterClientQuotas
    (50, Need::Cluster(Operation::Describe)),        // DescribeUserScramCredentials
    (51, Need::Cluster(Operation::Alter)),           // AlterUserScramCredentials
    (52, Need::Cluster(Operation::ClusterAction)),   // Vote
    (53, Need::Cluster(Operation::ClusterAction)),   // BeginQuorumEpoch
    (54, Need::Cluster(Operation::ClusterAction)),   // EndQuorumEpoch
    (55, Need::Cluster(Operation::Describe)),        // DescribeQuorum
    (56, Need::Cluster(Operation::ClusterAction)),   // AlterPartition
    (57, Need::Cluster(Operation::Alter)),           // UpdateFeatures
    (58, Need::Cluster(Operation::ClusterAction)),   // Envelope
    (59, Need::Cluster(Operation::ClusterAction)),   // FetchSnapshot
    (60, Need::Resources),                           // DescribeCluster
    (61, Need::Resources),                           // DescribeProducers
    (62, Need::Cluster(Operation::ClusterAction)),   // BrokerRegistration
    (63, Need::Cluster(Operation::ClusterAction)),   // BrokerHeartbeat
    (64, Need::Cluster(Operation::Alter)),           // UnregisterBroker
    (65, Need::Resources),                           // DescribeTransactions
    (66, Need::Resources),                           // ListTransactions
    (67, Need::Cluster(Operation::ClusterAction)),   // AllocateProducerIds
    (68, Need::Resources),                           // ConsumerGroupHeartbeat
    (69, Need::Resources),                           // ConsumerGroupDescribe
    (70, Need::Cluster(Operation::ClusterAction)),   // ControllerRegistration
    (71, Need::Nothing),                             // GetTelemetrySubscriptions
    (72, Need::Nothing),                             // PushTelemetry
    (73, Need::Cluster(Operation::ClusterAction)),   // AssignReplicasToDirs
    (74, Need::Cluster(Operation::DescribeConfigs)), // ListConfigResources
    (75, Need::Resources),                           // DescribeTopicPartitions
    (80, Need::Cluster(Operation::Alter)),           // AddRaftVoter
    (81, Need::Cluster(Operation::Alter)),           // RemoveRaftVoter
    (82, Need::Cluster(Operation::ClusterAction)),   // UpdateRaftVoter
];

/// What `api_key` needs; `None` for an API the enforcer does not know (refused).
pub fn need(api_key: i16) -> Option<Need> {
    TABLE
        .iter()
        .find(|(key, _)| *key == api_key)
        .map(|(_, need)| *need)
}
