//! Who asks and what the authorizer says, in the terms the handlers need: a yes, or the
//! [`Denial`] Kafka would answer.

use crate::acl::authorizer::{Authorizer, Requester};
use crate::acl::binding::{Operation, ResourceType, CLUSTER_NAME};

use super::shape::{Denial, Shown, Target};
use super::TopicNames;

/// Kafka's error codes the enforcer answers with.
pub(crate) mod code {
    /// UNKNOWN_SERVER_ERROR.
    pub const UNKNOWN_SERVER_ERROR: i16 = -1;
    /// UNKNOWN_TOPIC_OR_PARTITION.
    pub const UNKNOWN_TOPIC_OR_PARTITION: i16 = 3;
    /// TOPIC_AUTHORIZATION_FAILED.
    pub const TOPIC_AUTHORIZATION_FAILED: i16 = 29;
    /// GROUP_AUTHORIZATION_FAILED.
    pub const GROUP_AUTHORIZATION_FAILED: i16 = 30;
    /// CLUSTER_AUTHORIZATION_FAILED.
    pub const CLUSTER_AUTHORIZATION_FAILED: i16 = 31;
    /// INVALID_REQUEST.
    pub const INVALID_REQUEST: i16 = 42;
    /// TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
    pub const TRANSACTIONAL_ID_AUTHORIZATION_FAILED: i16 = 53;
    /// SECURITY_DISABLED.
    pub const SECURITY_DISABLED: i16 = 54;
    /// OPERATION_NOT_ATTEMPTED.
    pub const OPERATION_NOT_ATTEMPTED: i16 = 55;
    /// UNKNOWN_TOPIC_ID.
    pub const UNKNOWN_TOPIC_ID: i16 = 100;
}

/// One request's view of the authorizer.
#[derive(Clone, Copy)]
pub(crate) struct Check<'a> {
    /// The bindings and super users.
    pub authorizer: &'a Authorizer,
    /// Who asks.
    pub who: Requester<'a>,
    /// Topic ids to names.
    pub names: &'a dyn TopicNames,
}

impl std::fmt::Debug for Check<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check").field("who", &self.who).finish()
    }
}

impl Check<'_> {
    /// May the requester do `op` on the resource `name` of `rt`?
    pub fn allows(&self, op: Operation, rt: ResourceType, name: &str) -> bool {
        self.authorizer.authorize(&self.who, op, rt, name)
    }

    /// May the requester do `op` on the cluster?
    pub fn cluster(&self, op: Operation) -> bool {
        self.allows(op, ResourceType::Cluster, CLUSTER_NAME)
    }

    /// The message for a refused `op` on `name` of `rt`.
    pub fn message(&self, op: Operation, rt: ResourceType, name: &str) -> String {
        format!(
            "{} is not authorized to {op} {rt} '{name}'",
            self.who.principal
        )
    }

    /// `None` when allowed, else the denial with `code`.
    fn judge(&self, op: Operation, rt: ResourceType, name: &str, code: i16) -> Option<Denial> {
        if self.allows(op, rt, name) {
            None
        } else {
            Some(Denial::new(code, self.message(op, rt, name)))
        }
    }

    /// `op` on the group `name` (GROUP_AUTHORIZATION_FAILED).
    pub fn group(&self, op: Operation, name: &str) -> Option<Denial> {
        self.judge(
            op,
            ResourceType::Group,
            name,
            code::GROUP_AUTHORIZATION_FAILED,
        )
    }

    /// `op` on the transactional id `name` (TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
    pub fn txn(&self, op: Operation, name: &str) -> Option<Denial> {
        self.judge(
            op,
            ResourceType::TransactionalId,
            name,
            code::TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        )
    }

    /// `op` on the cluster (CLUSTER_AUTHORIZATION_FAILED).
    pub fn on_cluster(&self, op: Operation) -> Option<Denial> {
        self.judge(
            op,
            ResourceType::Cluster,
            CLUSTER_NAME,
            code::CLUSTER_AUTHORIZATION_FAILED,
        )
    }

    /// The name of the topic an element targets: its own, or its id's; an id nobody can name
    /// is UNKNOWN_TOPIC_ID.
    pub fn topic_name(&self, t: &Target) -> Result<String, Denial> {
        if let Some(name) = &t.name {
            return Ok(name.clone());
        }
        match t.id {
            Some(id) => self.names.name_of(id).ok_or_else(|| {
                Denial::new(
                    code::UNKNOWN_TOPIC_ID,
                    format!("unknown topic id {}", id_text(id)),
                )
                .showing(Shown::Hidden)
            }),
            None => Err(Denial::new(
                code::TOPIC_AUTHORIZATION_FAILED,
                format!("{} named no topic", self.who.principal),
            )),
        }
    }

    /// `op` on the topic `name` (TOPIC_AUTHORIZATION_FAILED).
    pub fn topic_named(&self, op: Operation, name: &str) -> Option<Denial> {
        self.judge(
            op,
            ResourceType::Topic,
            name,
            code::TOPIC_AUTHORIZATION_FAILED,
        )
    }

    /// `op` on the topic an element targets (TOPIC_AUTHORIZATION_FAILED; UNKNOWN_TOPIC_ID for
    /// an id nobody can name). A topic given by id only is named neither in the answer nor in
    /// the message: the principal may not learn the name of a topic it may not use.
    pub fn topic(&self, op: Operation, t: &Target) -> Option<Denial> {
        let name = match self.topic_name(t) {
            Ok(name) => name,
            Err(denial) => return Some(denial),
        };
        if self.allows(op, ResourceType::Topic, &name) {
            return None;
        }
        Some(match (&t.name, t.id) {
            (None, Some(id)) => Denial::new(
                code::TOPIC_AUTHORIZATION_FAILED,
                format!(
                    "{} is not authorized to {op} TOPIC with id {}",
                    self.who.principal,
                    id_text(id)
                ),
            )
            .showing(Shown::Hidden),
            _ => Denial::new(
                code::TOPIC_AUTHORIZATION_FAILED,
                self.message(op, ResourceType::Topic, &name),
            ),
        })
    }

    /// Kafka's bit set of the operations the requester may do on the resource (bit = the
    /// operation's code), over the operations Kafka supports for its type.
    pub fn authorized_operations(&self, rt: ResourceType, name: &str) -> i32 {
        use Operation::*;
        let ops: &[Operation] = match rt {
            ResourceType::Topic => &[
                Read,
                Write,
                Create,
                Describe,
                Delete,
                Alter,
                DescribeConfigs,
                AlterConfigs,
            ],
            ResourceType::Group => &[Read, Describe, Delete, DescribeConfigs, AlterConfigs],
            ResourceType::Cluster => &[
                Create,
                ClusterAction,
                DescribeConfigs,
                AlterConfigs,
                IdempotentWrite,
                Alter,
                Describe,
            ],
            ResourceType::TransactionalId => &[Describe, Write],
            _ => &[],
        };
        ops.iter()
            .filter(|op| self.allows(**op, rt, name))
            .fold(0i32, |bits, op| bits | (1i32 << op.code()))
    }
}

/// A topic id as Kafka prints it (URL-safe base64 without padding).
pub(crate) fn id_text(id: [u8; 16]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id)
}
