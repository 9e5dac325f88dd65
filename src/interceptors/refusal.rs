//! Refusals in the broker's shape, for plugins: a whole request, or some of its topics (the
//! rest goes on, and the refused topics' errors are merged into the broker's answer).

pub use crate::acl::enforce::refusals::{
    names_topics, refuse_topics, refuse_whole, Refused, Split,
};

/// Kafka's TOPIC_AUTHORIZATION_FAILED, which read-only topics answer (as the reference does).
pub const TOPIC_AUTHORIZATION_FAILED: i16 = 29;
