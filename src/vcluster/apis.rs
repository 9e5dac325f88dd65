//! The APIs a tenant may use: those whose every name kgate can translate and whose answers it
//! can confine to the tenant. Everything else (broker administration, quotas, SCRAM users,
//! log dirs, reassignments, share groups) is neither advertised to a tenant nor served.

use codec::messages::api_versions::ApiVersionsResponse;

/// API keys a virtual cluster serves, sorted.
const TENANT_APIS: &[i16] = &[
    0,  // Produce
    1,  // Fetch
    2,  // ListOffsets
    3,  // Metadata
    8,  // OffsetCommit
    9,  // OffsetFetch
    10, // FindCoordinator
    11, // JoinGroup
    12, // Heartbeat
    13, // LeaveGroup
    14, // SyncGroup
    15, // DescribeGroups
    16, // ListGroups
    17, // SaslHandshake
    18, // ApiVersions
    19, // CreateTopics
    20, // DeleteTopics
    21, // DeleteRecords
    22, // InitProducerId
    23, // OffsetForLeaderEpoch
    24, // AddPartitionsToTxn
    25, // AddOffsetsToTxn
    26, // EndTxn
    28, // TxnOffsetCommit
    29, // DescribeAcls (answered by kgate)
    30, // CreateAcls (answered by kgate)
    31, // DeleteAcls (answered by kgate)
    32, // DescribeConfigs
    33, // AlterConfigs
    36, // SaslAuthenticate
    37, // CreatePartitions
    42, // DeleteGroups
    44, // IncrementalAlterConfigs
    47, // OffsetDelete
    60, // DescribeCluster
    61, // DescribeProducers
    65, // DescribeTransactions
    66, // ListTransactions
    68, // ConsumerGroupHeartbeat
    69, // ConsumerGroupDescribe
    71, // GetTelemetrySubscriptions
    72, // PushTelemetry
    75, // DescribeTopicPartitions
];

/// True when a tenant may use `api_key`.
pub fn tenant_may_use(api_key: i16) -> bool {
    TENANT_APIS.binary_search(&api_key).is_ok()
}

/// The ApiVersions answer for a tenant: the gateway's, without the APIs a tenant may not use.
pub fn for_tenant(advertised: &ApiVersionsResponse) -> ApiVersionsResponse {
    let mut answer = advertised.clone();
    answer.api_keys.retain(|a| tenant_may_use(a.api_key));
    answer
}

#[cfg(test)]
mod tests {
    use super::*;
    use codec::messages::api_versions::ApiVersion;

    #[test]
    fn the_table_is_sorted() {
        assert!(TENANT_APIS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn admin_apis_are_not_advertised_to_tenants() {
        let all = ApiVersionsResponse {
            api_keys: [0, 3, 35, 43, 57, 68]
                .into_iter()
                .map(|api_key| ApiVersion {
                    api_key,
                    ..ApiVersion::default()
                })
                .collect(),
            ..ApiVersionsResponse::default()
        };
        let keys: Vec<i16> = for_tenant(&all)
            .api_keys
            .iter()
            .map(|a| a.api_key)
            .collect();
        assert_eq!(keys, vec![0, 3, 68]);
    }
}
