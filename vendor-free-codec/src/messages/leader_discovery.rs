//! KIP-951 leader discovery: the leader hint of a partition and the address of a broker, sent in
//! the tagged fields of Produce (v10+) and Fetch (v16+) responses. The same shapes in both, so
//! one definition serves both. They only appear inside tagged fields, so they are always
//! flexibly encoded.

use crate::error::{DecodeError, EncodeError};
use crate::message::Versioned;
use crate::primitives::{Reader, Sink, TaggedFields};

/// A partition's leader as the broker knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderIdAndEpoch {
    /// The leader's broker id, or -1 if unknown.
    pub leader_id: i32,
    /// The leader epoch, or -1.
    pub leader_epoch: i32,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for LeaderIdAndEpoch {
    fn default() -> Self {
        Self {
            leader_id: -1,
            leader_epoch: -1,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

/// A broker's address, which kgate rewrites to its own.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeEndpoint {
    /// The broker id.
    pub node_id: i32,
    /// The broker host name.
    pub host: String,
    /// The broker port.
    pub port: i32,
    /// The broker's rack, if any.
    pub rack: Option<String>,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Versioned for LeaderIdAndEpoch {
    fn decode(r: &mut Reader<'_>, _version: i16) -> Result<Self, DecodeError> {
        Ok(Self {
            leader_id: r.i32("leader id")?,
            leader_epoch: r.i32("leader epoch")?,
            unknown_tagged_fields: r.tagged_fields("leader id and epoch tagged fields")?,
        })
    }

    fn encode<S: Sink>(&self, w: &mut S, _version: i16) -> Result<(), EncodeError> {
        w.put_i32(self.leader_id);
        w.put_i32(self.leader_epoch);
        w.put_tagged_fields(&[], &self.unknown_tagged_fields)
    }
}

impl Versioned for NodeEndpoint {
    fn decode(r: &mut Reader<'_>, _version: i16) -> Result<Self, DecodeError> {
        Ok(Self {
            node_id: r.i32("node id")?,
            host: r.string(true, "node host")?,
            port: r.i32("node port")?,
            rack: r.nullable_string(true, "node rack")?,
            unknown_tagged_fields: r.tagged_fields("node endpoint tagged fields")?,
        })
    }

    fn encode<S: Sink>(&self, w: &mut S, _version: i16) -> Result<(), EncodeError> {
        w.put_i32(self.node_id);
        w.put_string(&self.host, true, "node host")?;
        w.put_i32(self.port);
        w.put_nullable_string(self.rack.as_deref(), true, "node rack")?;
        w.put_tagged_fields(&[], &self.unknown_tagged_fields)
    }
}

/// Two endpoints for the Produce and Fetch tests: one with a rack and unknown tagged fields (in
/// flexible versions), one without.
#[cfg(test)]
pub(crate) fn sample_endpoints(flexible: bool) -> Vec<NodeEndpoint> {
    vec![
        NodeEndpoint {
            node_id: 112,
            host: "broker-2.internal".into(),
            port: 9093,
            rack: Some("rack-b".into()),
            unknown_tagged_fields: crate::testing::unknown_tags_sorted(flexible),
        },
        NodeEndpoint {
            node_id: 113,
            host: "broker-3.internal".into(),
            port: 9094,
            rack: None,
            unknown_tagged_fields: TaggedFields::default(),
        },
    ]
}
