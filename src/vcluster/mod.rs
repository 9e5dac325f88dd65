//! Virtual clusters: tenants sharing one physical cluster through name prefixes, alias topics,
//! and topic-id isolation.
//!
//! A connection's principal belongs to a virtual cluster through its service account
//! ([`runtime`]); its pipeline then carries a [`filter::TenantFilter`] that translates every
//! name on the way in and out ([`tenant::Tenant`]), confines lists to the tenant ([`lists`]),
//! and keeps it away from topic ids that are not its own ([`topic_ids`]). APIs that cannot be
//! confined are neither advertised to a tenant nor served ([`apis`]).

pub mod acl_policy;
pub mod alias_guard;
pub mod apis;
pub mod config_guard;
pub mod filter;
pub mod id_lookup;
pub mod lists;
pub mod runtime;
pub mod tenant;
pub mod topic_ids;
