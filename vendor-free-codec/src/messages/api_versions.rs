//! ApiVersions (key 18): the first request of every connection. kgate answers it itself, from
//! the intersection of the broker's ranges and what its codec can decode.
//!
//! The response's feature information travels in tagged fields (tags 0-3 at v3+). They are
//! decoded into typed fields and, as Kafka's own generated code does, written back only when
//! they differ from their schema default, so a field present on the wire with its default
//! value is not reproduced byte for byte.

use crate::error::{DecodeError, EncodeError};
use crate::message::{Message, Versioned};
use crate::primitives::{encode_tagged, Reader, Sink, TaggedFields};

/// The first flexible version of both the request and the response.
const FLEXIBLE_FROM: i16 = 3;

/// ApiVersions request, versions 0-4, flexible from v3. Empty before v3.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiVersionsRequest {
    /// The name of the client (v3+).
    pub client_software_name: String,
    /// The version of the client (v3+).
    pub client_software_version: String,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Versioned for ApiVersionsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self::default();
        if version >= 3 {
            this.client_software_name = r.string(flexible, "client software name")?;
            this.client_software_version = r.string(flexible, "client software version")?;
        }
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("api versions request tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        if version >= 3 {
            w.put_string(&self.client_software_name, flexible, "client software name")?;
            w.put_string(
                &self.client_software_version,
                flexible,
                "client software version",
            )?;
        }
        if flexible {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for ApiVersionsRequest {
    const API_KEY: i16 = 18;
    const VERSIONS: (i16, i16) = (0, 4);
    const FLEXIBLE_FROM: Option<i16> = Some(FLEXIBLE_FROM);
}

/// ApiVersions response, versions 0-4, flexible from v3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersionsResponse {
    /// The top-level error code.
    pub error_code: i16,
    /// The APIs supported by the broker.
    pub api_keys: Vec<ApiVersion>,
    /// Throttle time in milliseconds (v1+).
    pub throttle_time_ms: i32,
    /// Features supported by the broker (v3+, tag 0).
    pub supported_features: Vec<SupportedFeatureKey>,
    /// The epoch of the finalized features, -1 when unknown (v3+, tag 1).
    pub finalized_features_epoch: i64,
    /// Cluster-wide finalized features, valid only when the epoch is >= 0 (v3+, tag 2).
    pub finalized_features: Vec<FinalizedFeatureKey>,
    /// Set by a KRaft controller ready for ZK migration (v3+, tag 3).
    pub zk_migration_ready: bool,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Default for ApiVersionsResponse {
    fn default() -> Self {
        Self {
            error_code: 0,
            api_keys: Vec::new(),
            throttle_time_ms: 0,
            supported_features: Vec::new(),
            finalized_features_epoch: -1,
            finalized_features: Vec::new(),
            zk_migration_ready: false,
            unknown_tagged_fields: TaggedFields::default(),
        }
    }
}

/// One API's version range in an [`ApiVersionsResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiVersion {
    /// The API key.
    pub api_key: i16,
    /// The minimum supported version, inclusive.
    pub min_version: i16,
    /// The maximum supported version, inclusive.
    pub max_version: i16,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Versioned for ApiVersion {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            api_key: r.i16("api key")?,
            min_version: r.i16("api min version")?,
            max_version: r.i16("api max version")?,
            ..Self::default()
        };
        if flexible {
            this.unknown_tagged_fields = r.tagged_fields("api version tagged fields")?;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        w.put_i16(self.api_key);
        w.put_i16(self.min_version);
        w.put_i16(self.max_version);
        if version >= FLEXIBLE_FROM {
            w.put_tagged_fields(&[], &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

/// One feature the broker supports, in [`ApiVersionsResponse::supported_features`]. Only ever
/// written inside a tagged field, so always in the flexible encoding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SupportedFeatureKey {
    /// The name of the feature.
    pub name: String,
    /// The minimum supported version of the feature.
    pub min_version: i16,
    /// The maximum supported version of the feature.
    pub max_version: i16,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Versioned for SupportedFeatureKey {
    fn decode(r: &mut Reader<'_>, _version: i16) -> Result<Self, DecodeError> {
        Ok(Self {
            name: r.string(true, "supported feature name")?,
            min_version: r.i16("supported feature min version")?,
            max_version: r.i16("supported feature max version")?,
            unknown_tagged_fields: r.tagged_fields("supported feature tagged fields")?,
        })
    }

    fn encode<S: Sink>(&self, w: &mut S, _version: i16) -> Result<(), EncodeError> {
        w.put_string(&self.name, true, "supported feature name")?;
        w.put_i16(self.min_version);
        w.put_i16(self.max_version);
        w.put_tagged_fields(&[], &self.unknown_tagged_fields)
    }
}

/// One cluster-wide finalized feature, in [`ApiVersionsResponse::finalized_features`]. Only
/// ever written inside a tagged field, so always in the flexible encoding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FinalizedFeatureKey {
    /// The name of the feature.
    pub name: String,
    /// The cluster-wide finalized max version level.
    pub max_version_level: i16,
    /// The cluster-wide finalized min version level.
    pub min_version_level: i16,
    /// Tagged fields this codec does not know.
    pub unknown_tagged_fields: TaggedFields,
}

impl Versioned for FinalizedFeatureKey {
    fn decode(r: &mut Reader<'_>, _version: i16) -> Result<Self, DecodeError> {
        Ok(Self {
            name: r.string(true, "finalized feature name")?,
            max_version_level: r.i16("finalized feature max version level")?,
            min_version_level: r.i16("finalized feature min version level")?,
            unknown_tagged_fields: r.tagged_fields("finalized feature tagged fields")?,
        })
    }

    fn encode<S: Sink>(&self, w: &mut S, _version: i16) -> Result<(), EncodeError> {
        w.put_string(&self.name, true, "finalized feature name")?;
        w.put_i16(self.max_version_level);
        w.put_i16(self.min_version_level);
        w.put_tagged_fields(&[], &self.unknown_tagged_fields)
    }
}

impl Versioned for ApiVersionsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        let mut this = Self {
            error_code: r.i16("error code")?,
            api_keys: r.array(flexible, "api keys", |r| ApiVersion::decode(r, version))?,
            ..Self::default()
        };
        if version >= 1 {
            this.throttle_time_ms = r.i32("throttle time")?;
        }
        if flexible {
            let mut tagged = r.tagged_fields("api versions response tagged fields")?;
            if let Some(features) = tagged.take_decoded(0, "supported features", |r| {
                r.array(true, "supported features", |r| {
                    SupportedFeatureKey::decode(r, version)
                })
            })? {
                this.supported_features = features;
            }
            if let Some(epoch) = tagged.take_decoded(1, "finalized features epoch", |r| {
                r.i64("finalized features epoch")
            })? {
                this.finalized_features_epoch = epoch;
            }
            if let Some(features) = tagged.take_decoded(2, "finalized features", |r| {
                r.array(true, "finalized features", |r| {
                    FinalizedFeatureKey::decode(r, version)
                })
            })? {
                this.finalized_features = features;
            }
            if let Some(ready) =
                tagged.take_decoded(3, "zk migration ready", |r| r.bool("zk migration ready"))?
            {
                this.zk_migration_ready = ready;
            }
            this.unknown_tagged_fields = tagged;
        }
        Ok(this)
    }

    fn encode<S: Sink>(&self, w: &mut S, version: i16) -> Result<(), EncodeError> {
        let flexible = version >= FLEXIBLE_FROM;
        w.put_i16(self.error_code);
        w.put_array(&self.api_keys, flexible, "api keys", |w, k| {
            k.encode(w, version)
        })?;
        if version >= 1 {
            w.put_i32(self.throttle_time_ms);
        }
        if flexible {
            // Kafka writes a tagged field only when it differs from its default.
            let mut known = Vec::new();
            if !self.supported_features.is_empty() {
                known.push(encode_tagged(0, |w| {
                    w.put_array(
                        &self.supported_features,
                        true,
                        "supported features",
                        |w, f| f.encode(w, version),
                    )
                })?);
            }
            if self.finalized_features_epoch != -1 {
                known.push(encode_tagged(1, |w| {
                    w.put_i64(self.finalized_features_epoch);
                    Ok(())
                })?);
            }
            if !self.finalized_features.is_empty() {
                known.push(encode_tagged(2, |w| {
                    w.put_array(
                        &self.finalized_features,
                        true,
                        "finalized features",
                        |w, f| f.encode(w, version),
                    )
                })?);
            }
            if self.zk_migration_ready {
                known.push(encode_tagged(3, |w| {
                    w.put_bool(self.zk_migration_ready);
                    Ok(())
                })?);
            }
            w.put_tagged_fields(&known, &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

impl Message for ApiVersionsResponse {
    const API_KEY: i16 = 18;
    const VERSIONS: (i16, i16) = (0, 4);
    const FLEXIBLE_FROM: Option<i16> = Some(FLEXIBLE_FROM);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::RawTaggedField;
    use crate::testing::{
        assert_oracle_agrees, assert_prefixes_fail, assert_round_trip, oracle_knows,
        unknown_tags_sorted,
    };
    use kafka_protocol::messages as oracle;

    fn request(version: i16) -> ApiVersionsRequest {
        let flexible = version >= 3;
        if version >= 3 {
            ApiVersionsRequest {
                client_software_name: "kgate-test".into(),
                client_software_version: "0.1.0".into(),
                unknown_tagged_fields: unknown_tags_sorted(flexible),
            }
        } else {
            ApiVersionsRequest::default()
        }
    }

    fn response(version: i16) -> ApiVersionsResponse {
        let flexible = version >= 3;
        let mut this = ApiVersionsResponse {
            error_code: 35,
            api_keys: vec![
                ApiVersion {
                    api_key: 18,
                    min_version: 0,
                    max_version: 4,
                    unknown_tagged_fields: unknown_tags_sorted(flexible),
                },
                ApiVersion {
                    api_key: 3,
                    min_version: 1,
                    max_version: 13,
                    unknown_tagged_fields: TaggedFields::default(),
                },
            ],
            throttle_time_ms: if version >= 1 { 250 } else { 0 },
            ..ApiVersionsResponse::default()
        };
        if flexible {
            this.supported_features = vec![
                SupportedFeatureKey {
                    name: "metadata.version".into(),
                    min_version: 1,
                    max_version: 26,
                    unknown_tagged_fields: unknown_tags_sorted(true),
                },
                SupportedFeatureKey {
                    name: "kraft.version".into(),
                    min_version: 0,
                    max_version: 1,
                    unknown_tagged_fields: TaggedFields::default(),
                },
            ];
            this.finalized_features_epoch = 42;
            this.finalized_features = vec![
                FinalizedFeatureKey {
                    name: "metadata.version".into(),
                    max_version_level: 26,
                    min_version_level: 1,
                    unknown_tagged_fields: unknown_tags_sorted(true),
                },
                FinalizedFeatureKey {
                    name: "group.version".into(),
                    max_version_level: 1,
                    min_version_level: 1,
                    unknown_tagged_fields: TaggedFields::default(),
                },
            ];
            this.zk_migration_ready = true;
            this.unknown_tagged_fields = unknown_tags_sorted(true);
        }
        this
    }

    #[test]
    fn round_trips_every_version() {
        for version in 0..=4 {
            assert_round_trip(&request(version), version);
            assert_round_trip(&response(version), version);
        }
    }

    #[test]
    fn agrees_with_the_oracle() {
        for version in 0..=4 {
            if oracle_knows::<oracle::ApiVersionsRequest>(version) {
                let bytes = assert_round_trip(&request(version), version);
                assert_oracle_agrees::<oracle::ApiVersionsRequest, ApiVersionsRequest>(
                    &bytes, version,
                );
            }
            if oracle_knows::<oracle::ApiVersionsResponse>(version) {
                let bytes = assert_round_trip(&response(version), version);
                assert_oracle_agrees::<oracle::ApiVersionsResponse, ApiVersionsResponse>(
                    &bytes, version,
                );
            }
        }
    }

    #[test]
    fn requests_before_v3_are_empty() {
        for version in 0..=2 {
            assert_eq!(request(version).encoded_size(version), Ok(0));
            assert_eq!(
                ApiVersionsRequest::decode_body(&[], version),
                Ok(ApiVersionsRequest::default())
            );
        }
    }

    #[test]
    fn known_tags_are_typed_and_unknown_tags_stay_raw() {
        // error code 0, no api keys, throttle 0, then tags 1 (epoch 7), 3 (true), 5 (raw).
        let body = [
            0, 0, // error code
            1, // empty compact array
            0, 0, 0, 0, // throttle
            3, // three tagged fields
            1, 8, 0, 0, 0, 0, 0, 0, 0, 7, // tag 1: epoch 7
            3, 1, 1, // tag 3: true
            5, 2, 0xab, 0xcd, // tag 5: unknown
        ];
        let decoded = ApiVersionsResponse::decode_body(&body, 3).expect("decode");
        assert_eq!(decoded.finalized_features_epoch, 7);
        assert!(decoded.zk_migration_ready);
        assert!(decoded.supported_features.is_empty());
        assert_eq!(
            decoded.unknown_tagged_fields,
            TaggedFields(vec![RawTaggedField {
                tag: 5,
                data: vec![0xab, 0xcd],
            }])
        );
        let mut again = Vec::new();
        decoded.encode_body(&mut again, 3).expect("encode");
        assert_eq!(again, body);
    }

    #[test]
    fn a_known_tag_with_extra_bytes_is_an_error() {
        // tag 3 (a bool) with two bytes of data.
        let body = [0, 0, 1, 0, 0, 0, 0, 1, 3, 2, 1, 0];
        assert_eq!(
            ApiVersionsResponse::decode_body(&body, 3),
            Err(DecodeError::TrailingBytes {
                context: "zk migration ready"
            })
        );
    }

    #[test]
    fn a_known_tag_repeated_as_unknown_is_refused() {
        let mut msg = response(3);
        msg.unknown_tagged_fields = TaggedFields(vec![RawTaggedField {
            tag: 1,
            data: vec![0; 8],
        }]);
        assert_eq!(
            msg.encode_body(&mut Vec::new(), 3),
            Err(EncodeError::DuplicateTag { tag: 1 })
        );
    }

    #[test]
    fn rejects_unsupported_versions() {
        assert_eq!(
            ApiVersionsRequest::decode_body(&[], 5),
            Err(DecodeError::UnsupportedVersion {
                api_key: 18,
                version: 5
            })
        );
        assert_eq!(
            ApiVersionsResponse::decode_body(&[0, 0, 0, 0, 0, 0], -1),
            Err(DecodeError::UnsupportedVersion {
                api_key: 18,
                version: -1
            })
        );
        assert_eq!(
            response(4).encode_body(&mut Vec::new(), 5),
            Err(EncodeError::UnsupportedVersion {
                api_key: 18,
                version: 5
            })
        );
    }

    #[test]
    fn every_prefix_is_truncated() {
        for version in 0..=4 {
            let bytes = assert_round_trip(&response(version), version);
            assert_prefixes_fail::<ApiVersionsResponse>(&bytes, version);
            let bytes = assert_round_trip(&request(version), version);
            assert_prefixes_fail::<ApiVersionsRequest>(&bytes, version);
        }
    }
}
