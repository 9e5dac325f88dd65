//! What kgate needs to know about a request before forwarding it.

use codec::api::keys;
use codec::header::request_header_version;
use codec::{DecodeError, Reader};

/// The `acks` of a Produce request; 0 means the broker sends no response. Read on every
/// Produce, so the header is skipped rather than decoded (no client id string is built).
pub fn produce_acks(body: &[u8]) -> Result<i16, DecodeError> {
    let mut r = Reader::new(body);
    let api_key = r.i16("request api key")?;
    let version = r.i16("request api version")?;
    debug_assert_eq!(api_key, keys::PRODUCE);
    let _correlation_id = r.i32("request correlation id")?;
    // The client id keeps its INT16 length even in header v2.
    let client_id_len = r.i16("client id length")?;
    if let Ok(len) = usize::try_from(client_id_len) {
        r.take(len, "client id")?;
    }
    let flexible = request_header_version(api_key, version) >= 2;
    if flexible {
        skip_tagged_fields(&mut r)?;
    }
    if version >= 3 {
        skip_nullable_string(&mut r, flexible)?;
    }
    r.i16("produce acks")
}

fn skip_tagged_fields(r: &mut Reader<'_>) -> Result<(), DecodeError> {
    let count = r.uvarint("header tagged fields")?;
    for _ in 0..count {
        let _tag = r.uvarint("header tag")?;
        let size = r.uvarint("header tagged field size")?;
        r.take(size as usize, "header tagged field")?;
    }
    Ok(())
}

fn skip_nullable_string(r: &mut Reader<'_>, flexible: bool) -> Result<(), DecodeError> {
    let len = if flexible {
        i64::from(r.uvarint("produce transactional id")?) - 1
    } else {
        i64::from(r.i16("produce transactional id")?)
    };
    if let Ok(len) = usize::try_from(len) {
        r.take(len, "produce transactional id")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use codec::header::RequestHeader;
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
