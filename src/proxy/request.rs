//! What kgate needs to know about a request before forwarding it.

use codec::api::keys;
use codec::header::RequestHeader;
use codec::DecodeError;

/// The `acks` of a Produce request; 0 means the broker sends no response.
pub fn produce_acks(body: &[u8]) -> Result<i16, DecodeError> {
    let (header, mut r) = RequestHeader::decode_from(body)?;
    debug_assert_eq!(header.api_key, keys::PRODUCE);
    if header.api_version >= 3 {
        let flexible = header.api_version >= 9;
        let _transactional_id = r.nullable_string(flexible, "produce transactional id")?;
    }
    r.i16("produce acks")
}

#[cfg(test)]
mod tests {
    use super::*;
    use codec::Sink;

    fn produce(version: i16, acks: i16) -> Vec<u8> {
        let mut out = Vec::new();
        let header_version = codec::header::request_header_version(keys::PRODUCE, version);
        RequestHeader {
            api_key: 0,
            api_version: version,
            correlation_id: 5,
            client_id: Some("c".into()),
            ..Default::default()
        }
        .encode(&mut out, header_version)
        .unwrap();
        out.put_nullable_string(Some("txn"), version >= 9, "t")
            .unwrap();
        out.put_i16(acks);
        out.put_i32(30_000);
        out
    }

    #[test]
    fn reads_acks_at_flexible_and_older_versions() {
        assert_eq!(produce_acks(&produce(3, 0)), Ok(0));
        assert_eq!(produce_acks(&produce(9, -1)), Ok(-1));
        assert_eq!(produce_acks(&produce(13, 1)), Ok(1));
        assert!(produce_acks(&produce(9, 1)[..12]).is_err());
    }
}
