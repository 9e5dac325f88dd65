//! The API table: every API key Kafka defines, with its name, valid versions and first flexible
//! version, as in `shared/kafka-protocol/` (newest/ first, older/ for the APIs newest/ lacks).
//! `tests/api_table.rs` checks this table against the JSON schemas.

/// What the codec knows about one API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiInfo {
    /// The API key.
    pub key: i16,
    /// The API's name, as in the schema file names (`Produce`, `Fetch`, ...).
    pub name: &'static str,
    /// The lowest valid version.
    pub min_version: i16,
    /// The highest valid version.
    pub max_version: i16,
    /// The first flexible version, or `None` when the API is never flexible.
    pub flexible_from: Option<i16>,
}

impl ApiInfo {
    /// True when `version` uses compact forms and tagged fields.
    pub fn is_flexible(&self, version: i16) -> bool {
        self.flexible_from.is_some_and(|f| version >= f)
    }

    /// True when `version` is within the valid range.
    pub fn is_valid(&self, version: i16) -> bool {
        (self.min_version..=self.max_version).contains(&version)
    }
}

const fn api(key: i16, name: &'static str, min: i16, max: i16, flexible_from: i16) -> ApiInfo {
    ApiInfo {
        key,
        name,
        min_version: min,
        max_version: max,
        flexible_from: if flexible_from < 0 {
            None
        } else {
            Some(flexible_from)
        },
    }
}

/// Every API key, in key order. A negative flexible version means "never flexible".
pub const APIS: &[ApiInfo] = &[
    api(0, "Produce", 3, 13, 9),
    api(1, "Fetch", 4, 18, 12),
    api(2, "ListOffsets", 1, 11, 6),
    api(3, "Metadata", 0, 13, 9),
    api(4, "LeaderAndIsr", 0, 7, 4),
    api(5, "StopReplica", 0, 4, 2),
    api(6, "UpdateMetadata", 0, 8, 6),
    api(7, "ControlledShutdown", 0, 3, 3),
    api(8, "OffsetCommit", 2, 10, 8),
    api(9, "OffsetFetch", 1, 10, 6),
    api(10, "FindCoordinator", 0, 6, 3),
    api(11, "JoinGroup", 0, 9, 6),
    api(12, "Heartbeat", 0, 4, 4),
    api(13, "LeaveGroup", 0, 5, 4),
    api(14, "SyncGroup", 0, 5, 4),
    api(15, "DescribeGroups", 0, 6, 5),
    api(16, "ListGroups", 0, 5, 3),
    api(17, "SaslHandshake", 0, 1, -1),
    api(18, "ApiVersions", 0, 4, 3),
    api(19, "CreateTopics", 2, 7, 5),
    api(20, "DeleteTopics", 1, 6, 4),
    api(21, "DeleteRecords", 0, 2, 2),
    api(22, "InitProducerId", 0, 6, 2),
    api(23, "OffsetForLeaderEpoch", 2, 4, 4),
    api(24, "AddPartitionsToTxn", 0, 5, 3),
    api(25, "AddOffsetsToTxn", 0, 4, 3),
    api(26, "EndTxn", 0, 5, 3),
    api(27, "WriteTxnMarkers", 1, 2, 1),
    api(28, "TxnOffsetCommit", 0, 5, 3),
    api(29, "DescribeAcls", 1, 3, 2),
    api(30, "CreateAcls", 1, 3, 2),
    api(31, "DeleteAcls", 1, 3, 2),
    api(32, "DescribeConfigs", 1, 4, 4),
    api(33, "AlterConfigs", 0, 2, 2),
    api(34, "AlterReplicaLogDirs", 1, 2, 2),
    api(35, "DescribeLogDirs", 1, 5, 2),
    api(36, "SaslAuthenticate", 0, 2, 2),
    api(37, "CreatePartitions", 0, 3, 2),
    api(38, "CreateDelegationToken", 0, 3, 2),
    api(39, "RenewDelegationToken", 0, 2, 2),
    api(40, "ExpireDelegationToken", 0, 2, 2),
    api(41, "DescribeDelegationToken", 0, 3, 2),
    api(42, "DeleteGroups", 0, 2, 2),
    api(43, "ElectLeaders", 0, 2, 2),
    api(44, "IncrementalAlterConfigs", 0, 1, 1),
    api(45, "AlterPartitionReassignments", 0, 1, 0),
    api(46, "ListPartitionReassignments", 0, 0, 0),
    api(47, "OffsetDelete", 0, 0, -1),
    api(48, "DescribeClientQuotas", 0, 1, 1),
    api(49, "AlterClientQuotas", 0, 1, 1),
    api(50, "DescribeUserScramCredentials", 0, 0, 0),
    api(51, "AlterUserScramCredentials", 0, 0, 0),
    api(52, "Vote", 0, 1, 0),
    api(53, "BeginQuorumEpoch", 0, 1, 1),
    api(54, "EndQuorumEpoch", 0, 1, 1),
    api(55, "DescribeQuorum", 0, 2, 0),
    api(56, "AlterPartition", 0, 3, 0),
    api(57, "UpdateFeatures", 0, 2, 0),
    api(58, "Envelope", 0, 0, 0),
    api(59, "FetchSnapshot", 0, 1, 0),
    api(60, "DescribeCluster", 0, 2, 0),
    api(61, "DescribeProducers", 0, 0, 0),
    api(62, "BrokerRegistration", 0, 4, 0),
    api(63, "BrokerHeartbeat", 0, 1, 0),
    api(64, "UnregisterBroker", 0, 0, 0),
    api(65, "DescribeTransactions", 0, 0, 0),
    api(66, "ListTransactions", 0, 2, 0),
    api(67, "AllocateProducerIds", 0, 0, 0),
    api(68, "ConsumerGroupHeartbeat", 0, 0, 0),
    api(69, "ConsumerGroupDescribe", 0, 0, 0),
    api(70, "ControllerRegistration", 0, 0, 0),
    api(71, "GetTelemetrySubscriptions", 0, 0, 0),
    api(72, "PushTelemetry", 0, 0, 0),
    api(73, "AssignReplicasToDirs", 0, 0, 0),
    api(74, "ListConfigResources", 0, 1, 0),
    api(75, "DescribeTopicPartitions", 0, 0, 0),
    api(76, "ShareGroupHeartbeat", 0, 0, 0),
    api(77, "ShareGroupDescribe", 0, 0, 0),
    api(78, "ShareFetch", 0, 0, 0),
    api(79, "ShareAcknowledge", 0, 0, 0),
    api(80, "AddRaftVoter", 0, 0, 0),
    api(81, "RemoveRaftVoter", 0, 0, 0),
    api(82, "UpdateRaftVoter", 0, 0, 0),
    api(83, "InitializeShareGroupState", 0, 0, 0),
    api(84, "ReadShareGroupState", 0, 0, 0),
    api(85, "WriteShareGroupState", 0, 0, 0),
    api(86, "DeleteShareGroupState", 0, 0, 0),
    api(87, "ReadShareGroupStateSummary", 0, 0, 0),
];

/// The table entry for `key`, if Kafka defines it.
pub fn api_info(key: i16) -> Option<&'static ApiInfo> {
    let index = usize::try_from(key).ok()?;
    // The table is dense from key 0; the lookup still checks the key it finds.
    APIS.get(index)
        .filter(|info| info.key == key)
        .or_else(|| APIS.iter().find(|i| i.key == key))
}

/// The API's name, or `"Unknown"` for keys Kafka does not define (vendor extensions).
pub fn api_name(key: i16) -> &'static str {
    api_info(key).map_or("Unknown", |info| info.name)
}

/// Well-known API keys the gateway refers to by name.
#[allow(missing_docs)]
pub mod keys {
    pub const PRODUCE: i16 = 0;
    pub const FETCH: i16 = 1;
    pub const LIST_OFFSETS: i16 = 2;
    pub const METADATA: i16 = 3;
    pub const CONTROLLED_SHUTDOWN: i16 = 7;
    pub const FIND_COORDINATOR: i16 = 10;
    pub const SASL_HANDSHAKE: i16 = 17;
    pub const API_VERSIONS: i16 = 18;
    pub const CREATE_TOPICS: i16 = 19;
    pub const DELETE_TOPICS: i16 = 20;
    pub const SASL_AUTHENTICATE: i16 = 36;
    pub const DESCRIBE_CLUSTER: i16 = 60;
}
