//! kgate answers ApiVersions itself: the broker's ranges, capped where kgate must decode.
//!
//! An API kgate rewrites is limited to the versions its codec knows, so a client never sends
//! (or receives) a version kgate cannot rewrite. Produce and Fetch keep the broker's minimum
//! because only their newest versions carry addresses; every other API, known or vendor, keeps
//! the broker's range and passes through untouched.

use codec::api::keys;
use codec::header::ResponseHeader;
use codec::messages::api_versions::{ApiVersion, ApiVersionsResponse};
use codec::messages::describe_cluster::DescribeClusterResponse;
use codec::messages::fetch::FetchResponse;
use codec::messages::find_coordinator::FindCoordinatorResponse;
use codec::messages::metadata::MetadataResponse;
use codec::messages::produce::ProduceResponse;
use codec::messages::sasl_authenticate::SaslAuthenticateResponse;
use codec::{EncodeError, Message};

/// Kafka's UNSUPPORTED_VERSION error code.
pub const UNSUPPORTED_VERSION: i16 = 35;

/// How kgate limits one API's advertised range.
enum Cap {
    /// Both ends clamped to the codec's range: every version is decoded.
    Both(i16, i16),
    /// Only the maximum capped: old versions pass through opaque.
    Max(i16),
}

fn cap_for(api_key: i16) -> Option<Cap> {
    fn both<M: Message>() -> Cap {
        Cap::Both(M::VERSIONS.0, M::VERSIONS.1)
    }
    match api_key {
        keys::METADATA => Some(both::<MetadataResponse>()),
        keys::FIND_COORDINATOR => Some(both::<FindCoordinatorResponse>()),
        keys::DESCRIBE_CLUSTER => Some(both::<DescribeClusterResponse>()),
        keys::PRODUCE => Some(Cap::Max(ProduceResponse::VERSIONS.1)),
        keys::FETCH => Some(Cap::Max(FetchResponse::VERSIONS.1)),
        _ => None,
    }
}

/// The ranges kgate advertises, given the broker's own ApiVersions answer. With `local_sasl`,
/// kgate answers SaslHandshake and SaslAuthenticate itself, so it advertises its own ranges for
/// them. SaslHandshake keeps v0 in its range because librdkafka requires it to enable SASL at
/// all (it then uses v1); a client that really uses v0 is refused (see `sasl_server`).
pub fn advertised(broker: &ApiVersionsResponse, local_sasl: bool) -> ApiVersionsResponse {
    let own = |key: i16| {
        key == keys::API_VERSIONS
            || (local_sasl && (key == keys::SASL_HANDSHAKE || key == keys::SASL_AUTHENTICATE))
    };
    let mut api_keys: Vec<ApiVersion> = broker
        .api_keys
        .iter()
        .filter(|a| !own(a.api_key))
        .filter_map(|a| {
            let (min, max) = match cap_for(a.api_key) {
                None => (a.min_version, a.max_version),
                Some(Cap::Both(lo, hi)) => (a.min_version.max(lo), a.max_version.min(hi)),
                Some(Cap::Max(hi)) => (a.min_version, a.max_version.min(hi)),
            };
            let max = max.min(schema_max(a.api_key));
            (min <= max).then(|| ApiVersion {
                min_version: min,
                max_version: max,
                ..a.clone()
            })
        })
        .collect();
    api_keys.push(ApiVersion {
        api_key: keys::API_VERSIONS,
        min_version: ApiVersionsResponse::VERSIONS.0,
        max_version: ApiVersionsResponse::VERSIONS.1,
        ..ApiVersion::default()
    });
    if local_sasl {
        api_keys.push(ApiVersion {
            api_key: keys::SASL_HANDSHAKE,
            min_version: 0,
            max_version: 1,
            ..ApiVersion::default()
        });
        api_keys.push(ApiVersion {
            api_key: keys::SASL_AUTHENTICATE,
            min_version: SaslAuthenticateResponse::VERSIONS.0,
            max_version: SaslAuthenticateResponse::VERSIONS.1,
            ..ApiVersion::default()
        });
    }
    api_keys.sort_by_key(|a| a.api_key);
    ApiVersionsResponse {
        error_code: 0,
        throttle_time_ms: 0,
        api_keys,
        ..broker.clone()
    }
}

/// The newest version kgate's schemas describe (both directions) for an API they know; an API
/// they do not know keeps the broker's range (it passes opaque, and is never offered to a
/// tenant). Why cap for every client: ApiVersions comes before SASL, so kgate cannot yet know
/// whether the client is a tenant, whose every request must be walked by the schemas.
fn schema_max(api_key: i16) -> i16 {
    codec::schema::api_schema(api_key).map_or(i16::MAX, |api| {
        api.request.versions.max.min(api.response.versions.max)
    })
}

/// The complete response body (header v0 included, no size prefix) to a client's ApiVersions
/// request at `version`. A version above what kgate speaks gets the KIP-511 answer: error
/// UNSUPPORTED_VERSION in v0 form, listing what is supported so the client can retry.
pub fn answer(
    advertised: &ApiVersionsResponse,
    correlation_id: i32,
    version: i16,
) -> Result<Vec<u8>, EncodeError> {
    let (msg, encode_version) = if ApiVersionsResponse::supports(version) {
        (advertised.clone(), version)
    } else {
        (
            ApiVersionsResponse {
                error_code: UNSUPPORTED_VERSION,
                ..advertised.clone()
            },
            0,
        )
    };
    let mut out = Vec::with_capacity(msg.encoded_size(encode_version)? + 4);
    ResponseHeader {
        correlation_id,
        ..ResponseHeader::default()
    }
    .encode(&mut out, 0)?;
    msg.encode_body(&mut out, encode_version)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use codec::Reader;

    fn broker() -> ApiVersionsResponse {
        let api = |api_key, min_version, max_version| ApiVersion {
            api_key,
            min_version,
            max_version,
            ..Default::default()
        };
        ApiVersionsResponse {
            api_keys: vec![
                api(0, 0, 99),
                api(1, 0, 99),
                api(3, 0, 99),
                api(18, 0, 3),
                api(19, 2, 7),
                api(32000, 0, 5),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn caps_rewritten_apis_and_keeps_the_rest() {
        let ours = advertised(&broker(), false);
        let range = |key: i16| {
            ours.api_keys
                .iter()
                .find(|a| a.api_key == key)
                .map(|a| (a.min_version, a.max_version))
        };
        assert_eq!(
            range(0),
            Some((0, ProduceResponse::VERSIONS.1)),
            "Produce keeps the broker's minimum"
        );
        assert_eq!(range(1), Some((0, FetchResponse::VERSIONS.1)));
        assert_eq!(
            range(3),
            Some(MetadataResponse::VERSIONS),
            "Metadata is clamped at both ends"
        );
        assert_eq!(
            range(18),
            Some(ApiVersionsResponse::VERSIONS),
            "ApiVersions is kgate's own"
        );
        assert_eq!(
            range(19),
            Some((2, 7)),
            "opaque APIs keep the broker's range"
        );
        assert_eq!(range(32000), Some((0, 5)), "vendor keys pass through");
        assert_eq!(range(60), None, "nothing the broker lacks is invented");
    }

    #[test]
    fn sasl_answered_locally_is_advertised_with_kgates_ranges() {
        let ours = advertised(&broker(), true);
        let range = |key: i16| {
            ours.api_keys
                .iter()
                .find(|a| a.api_key == key)
                .map(|a| (a.min_version, a.max_version))
        };
        assert_eq!(range(17), Some((0, 1)));
        assert_eq!(range(36), Some((0, 2)));
        assert_eq!(
            advertised(&broker(), false)
                .api_keys
                .iter()
                .find(|a| a.api_key == 36),
            None
        );
    }

    #[test]
    fn a_too_new_request_gets_the_kip_511_answer_in_v0_form() {
        let ours = advertised(&broker(), false);
        let body = answer(&ours, 9, 99).unwrap();
        let mut r = Reader::new(&body);
        assert_eq!(r.i32("correlation id").unwrap(), 9);
        let msg = ApiVersionsResponse::decode_body(r.rest(), 0).unwrap();
        assert_eq!(msg.error_code, UNSUPPORTED_VERSION);
        assert!(msg
            .api_keys
            .iter()
            .any(|a| a.api_key == keys::API_VERSIONS && a.max_version == 4));
    }

    #[test]
    fn a_supported_request_is_answered_at_its_version_with_header_v0() {
        let ours = advertised(&broker(), false);
        for version in 0..=4 {
            let body = answer(&ours, 1, version).unwrap();
            let mut r = Reader::new(&body);
            assert_eq!(r.i32("correlation id").unwrap(), 1);
            let msg = ApiVersionsResponse::decode_body(r.rest(), version).unwrap();
            assert_eq!(msg.error_code, 0);
            assert_eq!(msg.api_keys.len(), ours.api_keys.len());
        }
    }
}
