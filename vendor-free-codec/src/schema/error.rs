//! Why a walk failed. The variants are separate because the gateway acts on them differently:
//! a malformed body is the peer's fault, bad consumer-protocol bytes may be a non-consumer group
//! the caller misdescribed, missing context is the caller's own omission.

use crate::error::{DecodeError, EncodeError};
use core::fmt;

/// A walk or scan that could not complete. No partial output is ever returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WalkError {
    /// The message body does not decode at its (api key, version).
    Malformed(DecodeError),
    /// Bytes that should hold the consumer protocol (JoinGroup metadata, SyncGroup assignments
    /// of a "consumer" group) do not decode as it. Their topic names cannot be seen, so the
    /// message must not be forwarded as it is.
    ConsumerProtocol(DecodeError),
    /// The body alone cannot say whether a field is an entity, and the caller's
    /// [`WalkOptions`](super::WalkOptions) did not either.
    MissingContext {
        /// Which option is missing.
        context: &'static str,
    },
    /// The visitor's replacement does not fit the field (an id for a name, null where the
    /// field is not nullable).
    BadReplacement {
        /// The field.
        field: &'static str,
    },
    /// The replacement (or a length prefix it changes) is too long for its length prefix.
    TooLong(EncodeError),
    /// A value tree does not fit the message's schema at its version
    /// ([`encode`](super::encode)), or a path names no struct ([`new_element`](super::new_element)).
    Encode {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        why: &'static str,
    },
}

impl From<DecodeError> for WalkError {
    fn from(e: DecodeError) -> Self {
        WalkError::Malformed(e)
    }
}

impl fmt::Display for WalkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(e) => write!(f, "malformed message: {e}"),
            Self::ConsumerProtocol(e) => write!(f, "malformed consumer protocol bytes: {e}"),
            Self::MissingContext { context } => write!(f, "cannot tell entities apart: {context}"),
            Self::BadReplacement { field } => write!(f, "replacement does not fit field {field}"),
            Self::TooLong(e) => write!(f, "rewritten message: {e}"),
            Self::Encode { field, why } => write!(f, "cannot encode field {field}: {why}"),
        }
    }
}

impl std::error::Error for WalkError {}
