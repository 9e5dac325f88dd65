//! Typed request and response bodies, one file per API. Adding an API is one new file and one
//! line here.

pub mod api_versions;
pub mod create_topics;
pub mod delete_topics;
pub mod describe_cluster;
pub mod fetch;
pub mod find_coordinator;
pub mod leader_discovery;
pub mod list_offsets;
pub mod metadata;
pub mod produce;
pub mod sasl_authenticate;
pub mod sasl_handshake;

mod any;
pub use any::{
    decode_request_frame, decode_response_frame, encode_request_frame, AnyRequest, AnyResponse,
    TYPED_API_KEYS,
};
