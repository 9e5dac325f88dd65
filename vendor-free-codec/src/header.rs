//! Request and response headers, and which header version each (api key, version) uses.

use crate::api::{api_info, keys};
use crate::error::{DecodeError, EncodeError};
use crate::primitives::{Reader, Sink, TaggedFields};

/// The header version a request of `api_key` at `api_version` uses: 2 when the API version is
/// flexible, 1 otherwise, 0 for ControlledShutdown v0. Unknown keys are taken as version 1,
/// whose first eight bytes (key, version, correlation id) are shared by every header version.
pub fn request_header_version(api_key: i16, api_version: i16) -> i16 {
    if api_key == keys::CONTROLLED_SHUTDOWN && api_version == 0 {
        return 0;
    }
    match api_info(api_key) {
        Some(info) if info.is_flexible(api_version) => 2,
        _ => 1,
    }
}

/// The header version a response of `api_key` at `api_version` uses: 1 when flexible, 0
/// otherwise. ApiVersions always answers with v0 so that any client can read its error code.
pub fn response_header_version(api_key: i16, api_version: i16) -> i16 {
    if api_key == keys::API_VERSIONS {
        return 0;
    }
    match api_info(api_key) {
        Some(info) if info.is_flexible(api_version) => 1,
        _ => 0,
    }
}

/// The three fields every request header starts with, read without decoding the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestPeek {
    /// The API key.
    pub api_key: i16,
    /// The API version.
    pub api_version: i16,
    /// The correlation id the response will carry.
    pub correlation_id: i32,
}

/// Read the api key, version and correlation id at the start of a request body.
pub fn peek_request(body: &[u8]) -> Result<RequestPeek, DecodeError> {
    let mut r = Reader::new(body);
    Ok(RequestPeek {
        api_key: r.i16("request api key")?,
        api_version: r.i16("request api version")?,
        correlation_id: r.i32("request correlation id")?,
    })
}

/// Read the correlation id at the start of a response body.
pub fn peek_correlation_id(body: &[u8]) -> Result<i32, DecodeError> {
    Reader::new(body).i32("response correlation id")
}

/// A request header (v0, v1 or v2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestHeader {
    /// The API key.
    pub api_key: i16,
    /// The API version.
    pub api_version: i16,
    /// The correlation id.
    pub correlation_id: i32,
    /// The client id (v1+); v2 keeps the INT16 length prefix.
    pub client_id: Option<String>,
    /// Tagged fields (v2+), all unknown to this codec.
    pub unknown_tagged_fields: TaggedFields,
}

impl RequestHeader {
    /// Decode a header of `header_version` (0, 1 or 2).
    pub fn decode(r: &mut Reader<'_>, header_version: i16) -> Result<Self, DecodeError> {
        let mut header = Self {
            api_key: r.i16("request api key")?,
            api_version: r.i16("request api version")?,
            correlation_id: r.i32("request correlation id")?,
            ..Self::default()
        };
        if header_version >= 1 {
            header.client_id = r.nullable_string(false, "client id")?;
        }
        if header_version >= 2 {
            header.unknown_tagged_fields = r.tagged_fields("request header tagged fields")?;
        }
        Ok(header)
    }

    /// Decode the header at the start of a request body, choosing the header version from the
    /// API key and version it carries. Returns the header and the reader at the body.
    pub fn decode_from(body: &[u8]) -> Result<(Self, Reader<'_>), DecodeError> {
        let peek = peek_request(body)?;
        let mut r = Reader::new(body);
        let header = Self::decode(
            &mut r,
            request_header_version(peek.api_key, peek.api_version),
        )?;
        Ok((header, r))
    }

    /// Encode at `header_version`.
    pub fn encode<S: Sink>(&self, w: &mut S, header_version: i16) -> Result<(), EncodeError> {
        w.put_i16(self.api_key);
        w.put_i16(self.api_version);
        w.put_i32(self.correlation_id);
        if header_version >= 1 {
            w.put_nullable_string(self.client_id.as_deref(), false, "client id")?;
        }
        if header_version >= 2 {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

/// A response header (v0 or v1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseHeader {
    /// The correlation id of the request this answers.
    pub correlation_id: i32,
    /// Tagged fields (v1+), all unknown to this codec.
    pub unknown_tagged_fields: TaggedFields,
}

impl ResponseHeader {
    /// Decode a header of `header_version` (0 or 1).
    pub fn decode(r: &mut Reader<'_>, header_version: i16) -> Result<Self, DecodeError> {
        let mut header = Self {
            correlation_id: r.i32("response correlation id")?,
            ..Self::default()
        };
        if header_version >= 1 {
            header.unknown_tagged_fields = r.tagged_fields("response header tagged fields")?;
        }
        Ok(header)
    }

    /// Encode at `header_version`.
    pub fn encode<S: Sink>(&self, w: &mut S, header_version: i16) -> Result<(), EncodeError> {
        w.put_i32(self.correlation_id);
        if header_version >= 1 {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}
