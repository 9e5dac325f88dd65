//! The hot path: a Produce or Fetch whose every topic (and transactional id) is allowed passes
//! after a scan of its entities, without building a value tree (no copy of the records).
//! Anything else, or anything the scan cannot vouch for, takes the full path.

use codec::schema::{scan, EntityKind, EntityValue, WalkOptions};

use crate::acl::binding::{Operation, ResourceType};

use super::check::Check;
use super::tree::Msg;

/// FetchRequest's tagged `ReplicaState` (v15+): a follower's fetch.
const REPLICA_STATE_TAG: u32 = 1;

/// True when the request may go as it is: every entity allowed, and (Fetch) not a follower's.
pub(crate) fn all_allowed(c: &Check<'_>, m: Msg, body: &[u8]) -> bool {
    let op = match m.api_key {
        0 => Operation::Write,
        1 => Operation::Read,
        _ => return false,
    };
    if m.api_key == 1 && m.version < 15 {
        // ReplicaId is the first field up to v14: a consumer's is negative.
        let consumer = body
            .get(..4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .is_some_and(|b| i32::from_be_bytes(b) < 0);
        if !consumer {
            return false;
        }
    }
    let mut allowed = true;
    let options = WalkOptions {
        allow_trailing_bytes: true,
        ..WalkOptions::default()
    };
    let scanned = scan(body, m.req(), &options, |e| {
        if !allowed {
            return;
        }
        allowed = match (e.kind, e.value) {
            (_, EntityValue::Null) => true,
            (EntityKind::TopicName, EntityValue::Name(name)) => {
                c.allows(op, ResourceType::Topic, name)
            }
            (EntityKind::TopicId, EntityValue::Id(id)) => c
                .names
                .name_of(id)
                .is_some_and(|name| c.allows(op, ResourceType::Topic, &name)),
            (EntityKind::TransactionalId, EntityValue::Name(txn)) => {
                c.allows(Operation::Write, ResourceType::TransactionalId, txn)
            }
            _ => false,
        };
    });
    match scanned {
        Ok(found) => allowed && !(m.api_key == 1 && found.has_tagged_field(REPLICA_STATE_TAG)),
        Err(_) => false,
    }
}
