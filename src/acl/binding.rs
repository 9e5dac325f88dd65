//! An ACL binding in Kafka's terms (resource pattern, principal, host, operation, permission),
//! with Kafka's wire codes and the names the admin API and `kafka-acls` use.

use serde::{Deserialize, Serialize};

/// The resource the cluster itself is, in ACLs.
pub const CLUSTER_NAME: &str = "kafka-cluster";

/// The `*` that matches any resource name, principal or host.
pub const WILDCARD: &str = "*";

macro_rules! kafka_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:expr, $text:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)*
        }

        impl $name {
            /// Every value, in code order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// Kafka's wire code.
            pub const fn code(self) -> i8 {
                match self { $($name::$variant => $code,)* }
            }

            /// The value of a wire code, if it is one.
            pub fn from_code(code: i8) -> Option<$name> {
                match code { $($code => Some($name::$variant),)* _ => None }
            }

            /// The upper-case name Kafka's tools print (`TOPIC`, `PREFIXED`, `READ`, `ALLOW`).
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            /// Parses the upper-case name (case-insensitive, as Kafka's tools accept).
            pub fn parse(text: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(text))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

kafka_enum!(
    /// What kind of resource a binding is about. `Any` only appears in filters.
    ResourceType {
        /// Filters only: any type.
        Any = 1, "ANY";
        /// A topic.
        Topic = 2, "TOPIC";
        /// A consumer group.
        Group = 3, "GROUP";
        /// The cluster (`kafka-cluster`).
        Cluster = 4, "CLUSTER";
        /// A transactional id.
        TransactionalId = 5, "TRANSACTIONAL_ID";
        /// A delegation token (kept for completeness; kgate checks none).
        DelegationToken = 6, "DELEGATION_TOKEN";
        /// A user (kept for completeness; kgate checks none).
        User = 7, "USER";
    }
);

kafka_enum!(
    /// How a binding's name matches. `Any` and `Match` only appear in filters.
    PatternType {
        /// Filters only: any pattern type.
        Any = 1, "ANY";
        /// Filters only: every binding that would match the name.
        Match = 2, "MATCH";
        /// The exact name, or `*` for every name.
        Literal = 3, "LITERAL";
        /// Every name starting with the binding's name.
        Prefixed = 4, "PREFIXED";
    }
);

kafka_enum!(
    /// What a principal wants to do. `Any` only appears in filters.
    Operation {
        /// Filters only: any operation.
        Any = 1, "ANY";
        /// Every operation.
        All = 2, "ALL";
        /// Consume, commit, join a group.
        Read = 3, "READ";
        /// Produce.
        Write = 4, "WRITE";
        /// Create topics.
        Create = 5, "CREATE";
        /// Delete topics, records, groups.
        Delete = 6, "DELETE";
        /// Add partitions.
        Alter = 7, "ALTER";
        /// See that a resource exists.
        Describe = 8, "DESCRIBE";
        /// Broker-to-broker operations.
        ClusterAction = 9, "CLUSTER_ACTION";
        /// Read configurations.
        DescribeConfigs = 10, "DESCRIBE_CONFIGS";
        /// Change configurations.
        AlterConfigs = 11, "ALTER_CONFIGS";
        /// Idempotent produce without a transactional id.
        IdempotentWrite = 12, "IDEMPOTENT_WRITE";
        /// Create delegation tokens.
        CreateTokens = 13, "CREATE_TOKENS";
        /// Describe delegation tokens.
        DescribeTokens = 14, "DESCRIBE_TOKENS";
        /// Two-phase commit of transactions (KIP-939).
        TwoPhaseCommit = 15, "TWO_PHASE_COMMIT";
    }
);

kafka_enum!(
    /// Whether a binding allows or denies. `Any` only appears in filters.
    Permission {
        /// Filters only: either.
        Any = 1, "ANY";
        /// Deny; wins over any allow.
        Deny = 2, "DENY";
        /// Allow.
        Allow = 3, "ALLOW";
    }
);

/// The resource side of a binding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourcePattern {
    /// The resource type.
    #[serde(rename = "resourceType")]
    pub resource_type: ResourceType,
    /// The name, `*` (LITERAL only) for every name, or a prefix (PREFIXED).
    pub name: String,
    /// LITERAL or PREFIXED.
    #[serde(rename = "patternType")]
    pub pattern_type: PatternType,
}

/// One ACL binding, in the admin API's shape (reference 004, `spec.acls`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AclBinding {
    /// What it is about.
    #[serde(rename = "resourcePattern")]
    pub pattern: ResourcePattern,
    /// `User:name` or `User:*`.
    pub principal: String,
    /// A client address, or `*`.
    pub host: String,
    /// The operation.
    pub operation: Operation,
    /// ALLOW or DENY.
    #[serde(rename = "permissionType")]
    pub permission: Permission,
}

impl AclBinding {
    /// Checks that the binding can be stored (no filter-only values, a principal of the form
    /// `Type:name`, names not empty); the error names the field as the admin API spells it.
    pub fn validate(&self) -> Result<(), String> {
        use PatternType::{Literal, Prefixed};
        if matches!(self.pattern.resource_type, ResourceType::Any) {
            return Err("resourcePattern.resourceType: ANY is only valid in a filter".into());
        }
        if !matches!(self.pattern.pattern_type, Literal | Prefixed) {
            return Err(format!(
                "resourcePattern.patternType: expected LITERAL or PREFIXED, got {}",
                self.pattern.pattern_type
            ));
        }
        if self.pattern.name.is_empty() {
            return Err("resourcePattern.name: must not be empty".into());
        }
        if self.pattern.resource_type == ResourceType::Cluster && self.pattern.name != CLUSTER_NAME
        {
            return Err(format!(
                "resourcePattern.name: a CLUSTER resource is named {CLUSTER_NAME:?}"
            ));
        }
        match self.principal.split_once(':') {
            Some((kind, name)) if !kind.is_empty() && !name.is_empty() => {}
            _ => {
                return Err(format!(
                    "principal: expected \"User:<name>\" or \"User:*\", got {:?}",
                    self.principal
                ))
            }
        }
        if self.host.is_empty() {
            return Err("host: must not be empty (\"*\" for any host)".into());
        }
        if matches!(self.operation, Operation::Any) {
            return Err("operation: ANY is only valid in a filter".into());
        }
        if matches!(self.permission, Permission::Any) {
            return Err("permissionType: expected ALLOW or DENY".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding() -> AclBinding {
        AclBinding {
            pattern: ResourcePattern {
                resource_type: ResourceType::Topic,
                name: "orders".into(),
                pattern_type: PatternType::Literal,
            },
            principal: "User:orders-app".into(),
            host: "*".into(),
            operation: Operation::Read,
            permission: Permission::Allow,
        }
    }

    #[test]
    fn codes_and_names_follow_kafka() {
        assert_eq!(ResourceType::Topic.code(), 2);
        assert_eq!(
            ResourceType::from_code(5),
            Some(ResourceType::TransactionalId)
        );
        assert_eq!(ResourceType::from_code(0), None);
        assert_eq!(PatternType::Prefixed.code(), 4);
        assert_eq!(Operation::IdempotentWrite.code(), 12);
        assert_eq!(
            Operation::parse("describe_configs"),
            Some(Operation::DescribeConfigs)
        );
        assert_eq!(Permission::from_code(2), Some(Permission::Deny));
    }

    #[test]
    fn the_reference_shape_round_trips() {
        let json = serde_json::json!({
            "resourcePattern": {"resourceType": "TOPIC", "name": "orders", "patternType": "LITERAL"},
            "principal": "User:orders-app", "host": "*", "operation": "READ",
            "permissionType": "ALLOW"
        });
        let parsed: AclBinding = serde_json::from_value(json.clone()).expect("parses");
        assert_eq!(parsed, binding());
        assert_eq!(serde_json::to_value(&parsed).expect("json"), json);
    }

    #[test]
    fn validation_names_the_field() {
        let mut b = binding();
        assert_eq!(b.validate(), Ok(()));
        b.pattern.pattern_type = PatternType::Match;
        assert!(b
            .validate()
            .unwrap_err()
            .starts_with("resourcePattern.patternType"));
        let mut b = binding();
        b.principal = "alice".into();
        assert!(b.validate().unwrap_err().starts_with("principal"));
        let mut b = binding();
        b.pattern.resource_type = ResourceType::Cluster;
        assert!(b
            .validate()
            .unwrap_err()
            .starts_with("resourcePattern.name"));
        let mut b = binding();
        b.operation = Operation::Any;
        assert!(b.validate().unwrap_err().starts_with("operation"));
    }
}
