//! Virtual clusters (reference 004, `VirtualCluster`): isolated tenants on the one backing
//! cluster, each seeing only the topics and groups under its prefix.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::model::{check_name, check_resource_name, DEFAULT_VCLUSTER};
use crate::acl::binding::AclBinding;

/// kgate's own topics start with this; no tenant may see them.
pub const INTERNAL_TOPIC_PREFIX: &str = "_kgate";

/// Standard (internal multi-tenancy) or Partner (sharing with another organisation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum VClusterType {
    /// Internal multi-tenancy.
    #[default]
    Standard,
    /// External data sharing; in KAFKA_API mode it needs ACLs with a super user.
    Partner,
}

impl VClusterType {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            VClusterType::Standard => "Standard",
            VClusterType::Partner => "Partner",
        }
    }

    /// Parses the API spelling (case-insensitive).
    pub fn parse(text: &str) -> Option<VClusterType> {
        [VClusterType::Standard, VClusterType::Partner]
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text))
    }
}

/// How a virtual cluster's ACLs are managed; fixed once set (the two are incompatible:
/// cumulative Kafka operations versus one idempotent list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AclMode {
    /// Super users manage ACLs with Kafka's CreateAcls / DeleteAcls (`kafka-acls`); kgate
    /// answers those itself and keeps the bindings in [`super::GatewayState::kafka_acls`].
    #[serde(rename = "KAFKA_API")]
    KafkaApi,
    /// The whole list is `spec.acls`, set through the admin API.
    #[serde(rename = "REST_API")]
    RestApi,
}

impl AclMode {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AclMode::KafkaApi => "KAFKA_API",
            AclMode::RestApi => "REST_API",
        }
    }

    /// Parses the API spelling (case-insensitive).
    pub fn parse(text: &str) -> Option<AclMode> {
        [AclMode::KafkaApi, AclMode::RestApi]
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(text))
    }
}

/// A virtual cluster, as stored and as the data path sees it. Defaults (prefix = name, aclMode
/// KAFKA_API when ACLs are on) are applied by the parser: this is the effective configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualCluster {
    /// `metadata.name`.
    pub name: String,
    /// Physical topics and groups of this cluster are named `prefix + logical name`. Empty only
    /// for the built-in `passthrough`.
    pub prefix: String,
    /// Standard or Partner.
    #[serde(rename = "type")]
    pub kind: VClusterType,
    /// Whether ACLs are checked in this cluster.
    #[serde(rename = "aclEnabled")]
    pub acl_enabled: bool,
    /// How ACLs are managed; `None` when never set.
    #[serde(rename = "aclMode", default, skip_serializing_if = "Option::is_none")]
    pub acl_mode: Option<AclMode>,
    /// KAFKA_API mode: service accounts that bypass ACLs and may manage them.
    #[serde(rename = "superUsers", default)]
    pub super_users: Vec<String>,
    /// REST_API mode: every binding of the cluster.
    #[serde(default)]
    pub acls: Vec<AclBinding>,
}

impl VirtualCluster {
    /// The built-in cluster every account belongs to unless told otherwise: the whole backing
    /// cluster, unprefixed. Its ACLs are not configured here (GATEWAY_ACL_STORE_ENABLED).
    pub fn passthrough() -> &'static VirtualCluster {
        static PASSTHROUGH: OnceLock<VirtualCluster> = OnceLock::new();
        PASSTHROUGH.get_or_init(|| VirtualCluster {
            name: DEFAULT_VCLUSTER.into(),
            prefix: String::new(),
            kind: VClusterType::Standard,
            acl_enabled: false,
            acl_mode: None,
            super_users: Vec::new(),
            acls: Vec::new(),
        })
    }

    /// A cluster named `name` with every default (prefix = name, Standard, no ACLs).
    pub fn named(name: &str) -> VirtualCluster {
        VirtualCluster {
            name: name.into(),
            prefix: name.into(),
            ..VirtualCluster::passthrough().clone()
        }
    }

    /// Checks one cluster on its own (names, prefix, the ACL rules of reference 004); the
    /// error names the field. Rules between clusters are [`super::GatewayState::with_vcluster`]'s.
    pub fn validate(&self) -> Result<(), String> {
        check_resource_name("metadata.name", &self.name)?;
        if self.name == DEFAULT_VCLUSTER {
            return Err(builtin_passthrough());
        }
        check_prefix(&self.prefix)?;
        for (i, user) in self.super_users.iter().enumerate() {
            check_name(&format!("spec.superUsers[{i}]"), user)?;
            if self.super_users[..i].contains(user) {
                return Err(format!("spec.superUsers[{i}]: {user:?} is listed twice"));
            }
        }
        for (i, acl) in self.acls.iter().enumerate() {
            acl.validate().map_err(|e| format!("spec.acls[{i}].{e}"))?;
            if let Some(j) = self.acls[..i].iter().position(|other| other == acl) {
                return Err(format!(
                    "spec.acls[{i}]: the same binding as spec.acls[{j}]"
                ));
            }
        }
        if !self.acl_enabled {
            if !self.super_users.is_empty() {
                return Err("spec.superUsers: only allowed when spec.aclEnabled is true".into());
            }
            if !self.acls.is_empty() {
                return Err("spec.acls: only allowed when spec.aclEnabled is true".into());
            }
            if self.kind == VClusterType::Partner && self.acl_mode == Some(AclMode::KafkaApi) {
                return Err(
                    "spec.aclEnabled: a Partner virtual cluster in KAFKA_API mode needs \
                            aclEnabled true and at least one superUser"
                        .into(),
                );
            }
            return Ok(());
        }
        match self.acl_mode {
            None => {
                Err("spec.aclMode: must be KAFKA_API or REST_API when aclEnabled is true".into())
            }
            Some(AclMode::KafkaApi) => {
                if self.super_users.is_empty() {
                    return Err(
                        "spec.superUsers: KAFKA_API mode needs at least one super user \
                                (a service account that may manage ACLs with kafka-acls)"
                            .into(),
                    );
                }
                if !self.acls.is_empty() {
                    return Err("spec.acls: not allowed in KAFKA_API mode, where ACLs are \
                                managed through Kafka's CreateAcls/DeleteAcls (kafka-acls); \
                                use aclMode REST_API to list them here"
                        .into());
                }
                Ok(())
            }
            Some(AclMode::RestApi) => {
                if self.acls.is_empty() {
                    return Err("spec.acls: REST_API mode needs the complete list of ACL \
                                bindings (at least one)"
                        .into());
                }
                if !self.super_users.is_empty() {
                    return Err(
                        "spec.superUsers: not allowed in REST_API mode (every right \
                                comes from spec.acls)"
                            .into(),
                    );
                }
                Ok(())
            }
        }
    }

    /// Whether this cluster's prefix and `other`'s overlap: one starts with the other, so a
    /// tenant would see the other's topics.
    pub fn overlaps(&self, other: &VirtualCluster) -> bool {
        self.prefix.starts_with(&other.prefix) || other.prefix.starts_with(&self.prefix)
    }
}

/// Why `passthrough` cannot be written.
pub(crate) fn builtin_passthrough() -> String {
    format!(
        "metadata.name: {DEFAULT_VCLUSTER:?} is kgate's built-in virtual cluster (the whole \
         cluster, without prefix); it cannot be created, changed or deleted here, and its ACLs \
         come from GATEWAY_ACL_STORE_ENABLED"
    )
}

/// A prefix: the name rule, and nothing that would expose internal topics (kgate's `_kgate...`,
/// Kafka's `__consumer_offsets`, `__transaction_state`).
fn check_prefix(prefix: &str) -> Result<(), String> {
    check_resource_name("spec.prefix", prefix)?;
    if prefix.starts_with(INTERNAL_TOPIC_PREFIX) || INTERNAL_TOPIC_PREFIX.starts_with(prefix) {
        return Err(format!(
            "spec.prefix: {prefix:?} would expose kgate's internal topics \
             ({INTERNAL_TOPIC_PREFIX}...); choose another prefix"
        ));
    }
    if prefix.starts_with("__") {
        return Err(format!(
            "spec.prefix: {prefix:?} would expose Kafka's internal topics (__consumer_offsets, \
             __transaction_state); choose another prefix"
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "vcluster_tests.rs"]
mod tests;
