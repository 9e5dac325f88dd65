//! kgate's Kafka wire codec, written by hand from Apache Kafka's JSON message schemas.
//!
//! Sans-io: bytes in, typed values out, and back. No dependencies, no I/O, no logging, and no
//! panics on any input: every length read from the wire is checked against the bytes that
//! remain before anything is allocated.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod api;
pub mod error;
pub mod frame;
pub mod header;
pub mod message;
pub mod messages;
pub mod primitives;
pub mod records;
pub mod schema;
#[cfg(test)]
mod testing;

pub use error::{DecodeError, EncodeError};
pub use frame::Status;
pub use message::{Message, Versioned};
pub use primitives::{RawTaggedField, Reader, Sink, SizeCounter, TaggedFields};
