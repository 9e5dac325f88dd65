//! Dispatch by API key: decode or encode any typed message without naming its type. The table
//! below is the only place that lists the typed APIs.

use crate::error::{DecodeError, EncodeError};
use crate::header::{
    request_header_version, response_header_version, RequestHeader, ResponseHeader,
};
use crate::message::Message;
use crate::primitives::Reader;

use super::*;

macro_rules! typed_apis {
    ($($variant:ident => $module:ident :: $request:ident, $response:ident;)*) => {
        /// A request body of any typed API.
        #[derive(Debug, Clone, PartialEq)]
        #[allow(missing_docs)]
        pub enum AnyRequest {
            $($variant($module::$request),)*
        }

        /// A response body of any typed API.
        #[derive(Debug, Clone, PartialEq)]
        #[allow(missing_docs)]
        pub enum AnyResponse {
            $($variant($module::$response),)*
        }

        impl AnyRequest {
            /// Decode a whole request body of `api_key` at `version`.
            pub fn decode(api_key: i16, version: i16, body: &[u8]) -> Result<Self, DecodeError> {
                $(if api_key == <$module::$request as Message>::API_KEY {
                    return $module::$request::decode_body(body, version).map(Self::$variant);
                })*
                Err(DecodeError::UnknownApiKey { api_key })
            }

            /// Append the body encoded at `version`.
            pub fn encode(&self, out: &mut Vec<u8>, version: i16) -> Result<(), EncodeError> {
                match self {
                    $(Self::$variant(m) => m.encode_body(out, version),)*
                }
            }

            /// The valid versions of the typed API `api_key`, if it is typed.
            pub fn versions(api_key: i16) -> Option<(i16, i16)> {
                $(if api_key == <$module::$request as Message>::API_KEY {
                    return Some(<$module::$request as Message>::VERSIONS);
                })*
                None
            }
        }

        impl AnyResponse {
            /// Decode a whole response body of `api_key` at `version`.
            pub fn decode(api_key: i16, version: i16, body: &[u8]) -> Result<Self, DecodeError> {
                $(if api_key == <$module::$response as Message>::API_KEY {
                    return $module::$response::decode_body(body, version).map(Self::$variant);
                })*
                Err(DecodeError::UnknownApiKey { api_key })
            }

            /// Append the body encoded at `version`.
            pub fn encode(&self, out: &mut Vec<u8>, version: i16) -> Result<(), EncodeError> {
                match self {
                    $(Self::$variant(m) => m.encode_body(out, version),)*
                }
            }
        }

        /// Every typed API key, in key order of the table.
        pub const TYPED_API_KEYS: &[i16] = &[$(<$module::$request as Message>::API_KEY,)*];
    };
}

typed_apis! {
    Produce => produce::ProduceRequest, ProduceResponse;
    Fetch => fetch::FetchRequest, FetchResponse;
    ListOffsets => list_offsets::ListOffsetsRequest, ListOffsetsResponse;
    Metadata => metadata::MetadataRequest, MetadataResponse;
    FindCoordinator => find_coordinator::FindCoordinatorRequest, FindCoordinatorResponse;
    SaslHandshake => sasl_handshake::SaslHandshakeRequest, SaslHandshakeResponse;
    ApiVersions => api_versions::ApiVersionsRequest, ApiVersionsResponse;
    CreateTopics => create_topics::CreateTopicsRequest, CreateTopicsResponse;
    DeleteTopics => delete_topics::DeleteTopicsRequest, DeleteTopicsResponse;
    SaslAuthenticate => sasl_authenticate::SaslAuthenticateRequest, SaslAuthenticateResponse;
    DescribeCluster => describe_cluster::DescribeClusterRequest, DescribeClusterResponse;
}

/// Decode a whole request frame body (size prefix removed): the header, at the version its API
/// key and version call for, then the typed body.
pub fn decode_request_frame(frame: &[u8]) -> Result<(RequestHeader, AnyRequest), DecodeError> {
    let (header, body) = RequestHeader::decode_from(frame)?;
    let request = AnyRequest::decode(header.api_key, header.api_version, body.rest())?;
    Ok((header, request))
}

/// Decode a whole response frame body to a request of `api_key` at `version` (a response does
/// not name its API: the caller knows it from the request).
pub fn decode_response_frame(
    api_key: i16,
    version: i16,
    frame: &[u8],
) -> Result<(ResponseHeader, AnyResponse), DecodeError> {
    let mut r = Reader::new(frame);
    let header = ResponseHeader::decode(&mut r, response_header_version(api_key, version))?;
    let response = AnyResponse::decode(api_key, version, r.rest())?;
    Ok((header, response))
}

/// Encode a request frame body: header at the right version, then the body.
pub fn encode_request_frame(
    header: &RequestHeader,
    request: &AnyRequest,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    header.encode(
        out,
        request_header_version(header.api_key, header.api_version),
    )?;
    request.encode(out, header.api_version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_typed_api_is_in_the_table_once() {
        let mut keys = TYPED_API_KEYS.to_vec();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), 11);
        for key in keys {
            let (lo, hi) = AnyRequest::versions(key).unwrap();
            let info = crate::api::api_info(key).unwrap();
            assert_eq!(
                (lo, hi),
                (info.min_version, info.max_version),
                "{}",
                info.name
            );
        }
    }

    #[test]
    fn the_table_order_is_the_one_fuzz_seed_sh_encodes() {
        // fuzz/seed.sh prefixes response seeds with an index into this table.
        assert_eq!(TYPED_API_KEYS, &[0, 1, 2, 3, 10, 17, 18, 19, 20, 36, 60]);
    }

    #[test]
    fn unknown_keys_are_an_error() {
        assert_eq!(
            AnyRequest::decode(32000, 0, &[]),
            Err(DecodeError::UnknownApiKey { api_key: 32000 })
        );
        assert_eq!(
            AnyResponse::decode(-1, 0, &[]),
            Err(DecodeError::UnknownApiKey { api_key: -1 })
        );
    }

    #[test]
    fn a_request_frame_decodes_and_re_encodes() {
        let header = RequestHeader {
            api_key: 60,
            api_version: 1,
            correlation_id: 7,
            client_id: Some("c".into()),
            ..Default::default()
        };
        let request =
            AnyRequest::DescribeCluster(describe_cluster::DescribeClusterRequest::default());
        let mut frame = Vec::new();
        encode_request_frame(&header, &request, &mut frame).unwrap();
        let (h, r) = decode_request_frame(&frame).unwrap();
        assert_eq!((h, r), (header, request));
    }
}
