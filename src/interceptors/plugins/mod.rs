//! The built-in plugins, by family: safeguards (policies on what clients may ask) and chaos
//! (faults to test how applications cope).

pub mod client_id_required;
pub mod common;
pub mod read_only_topic;
// safeguards: policies
// chaos: faults

use super::registry::PluginInfo;

/// Every plugin, in listing order.
pub static ALL: &[PluginInfo] = &[
    read_only_topic::INFO,
    client_id_required::INFO,
    // safeguards: policies
    // chaos: faults
];
