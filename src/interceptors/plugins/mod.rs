//! The built-in plugins, by family: safeguards (policies on what clients may ask) and chaos
//! (faults to test how applications cope).

pub mod chaos_random;
pub mod client_id_required;
pub mod common;
pub mod field_masking;
pub mod group_limit;
pub mod header_injection;
pub mod header_removal;
pub mod read_only_topic;
pub mod record_lists;
pub mod throttle;
// safeguards: policies
pub mod alter_topic_config_policy;
pub mod consumer_group_policy;
pub mod create_topic_policy;
pub mod fetch_policy;
pub mod limit_commit_offset_policy;
pub mod limit_connection_policy;
pub mod limit_join_group_policy;
mod per_topic_policy;
pub mod produce_policy;
pub mod producer_rate_limiting_policy;
mod request_policy;
mod topic_config_rules;
// chaos: faults
pub mod simulate_broken_brokers;
pub mod simulate_latency;
pub mod simulate_leader_elections_errors;
pub mod simulate_slow_broker;
pub mod simulate_slow_producers_consumers;
mod simulated_errors;

#[cfg(test)]
pub mod test_support;

use super::registry::PluginInfo;

/// Every plugin, in listing order.
pub static ALL: &[PluginInfo] = &[
    read_only_topic::INFO,
    client_id_required::INFO,
    // safeguards: policies
    create_topic_policy::INFO,
    alter_topic_config_policy::INFO,
    produce_policy::INFO,
    fetch_policy::INFO,
    consumer_group_policy::INFO,
    limit_connection_policy::INFO,
    limit_commit_offset_policy::INFO,
    limit_join_group_policy::INFO,
    producer_rate_limiting_policy::INFO,
    header_injection::INFO,
    field_masking::INFO,
    header_removal::INFO,
    // chaos: faults
    simulate_broken_brokers::INFO,
    simulate_latency::INFO,
    simulate_slow_broker::INFO,
    simulate_slow_producers_consumers::INFO,
    simulate_leader_elections_errors::INFO,
];

#[cfg(test)]
#[path = "header_plugins_tests.rs"]
mod header_plugins_tests;
