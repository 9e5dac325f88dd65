//! Rewriting the responses that carry broker addresses, so that no upstream host or port ever
//! reaches a client: Metadata, FindCoordinator (single and batched), DescribeCluster, and the
//! KIP-951 `NodeEndpoints` of Produce and Fetch responses.

use std::collections::BTreeSet;
use std::sync::Mutex;

use codec::header::{response_header_version, ResponseHeader};
use codec::messages::describe_cluster::DescribeClusterResponse;
use codec::messages::fetch::FetchResponse;
use codec::messages::find_coordinator::FindCoordinatorResponse;
use codec::messages::metadata::{MetadataResponse, MetadataResponseBroker};
use codec::messages::produce::{NodeEndpoint, ProduceResponse};
use codec::primitives::encode_tagged;
use codec::{DecodeError, EncodeError, Message, Reader, Sink, SizeCounter, Versioned};

use super::address_book::{BrokerAddress, Brokers};
use super::advertise::Advertise;
use super::skim;

/// Kafka's COORDINATOR_NOT_AVAILABLE: makes the client look the coordinator up again.
const COORDINATOR_NOT_AVAILABLE: i16 = 15;

/// Which response shape a request's answer has to be rewritten as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RewriteKind {
    /// Metadata: the broker list.
    Metadata,
    /// FindCoordinator: one coordinator (v0-3) or a batch (v4+).
    FindCoordinator,
    /// DescribeCluster: the broker list.
    DescribeCluster,
    /// Produce v10+: leader hints in `NodeEndpoints`.
    ProduceEndpoints,
    /// Fetch v16+: leader hints in `NodeEndpoints`.
    FetchEndpoints,
}

impl RewriteKind {
    /// The rewrite a response to `api_key` at `version` needs, if any.
    pub fn for_request(api_key: i16, version: i16) -> Option<Self> {
        use codec::api::keys;
        match api_key {
            keys::METADATA => Some(Self::Metadata),
            keys::FIND_COORDINATOR => Some(Self::FindCoordinator),
            keys::DESCRIBE_CLUSTER => Some(Self::DescribeCluster),
            keys::PRODUCE if version >= 10 => Some(Self::ProduceEndpoints),
            keys::FETCH if version >= 16 => Some(Self::FetchEndpoints),
            _ => None,
        }
    }
}

/// Why a response could not be rewritten. The connection is closed: forwarding the original
/// would leak broker addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RewriteError {
    /// The response did not decode.
    Decode(DecodeError),
    /// The rewritten response did not encode.
    Encode(EncodeError),
}

impl std::fmt::Display for RewriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Decode(e) => write!(f, "cannot decode the broker's response: {e}"),
            Self::Encode(e) => write!(f, "cannot encode the rewritten response: {e}"),
        }
    }
}

impl From<DecodeError> for RewriteError {
    fn from(e: DecodeError) -> Self {
        Self::Decode(e)
    }
}

impl From<EncodeError> for RewriteError {
    fn from(e: EncodeError) -> Self {
        Self::Encode(e)
    }
}

/// The outcome of a rewrite: the new response body (header included, no size prefix), or
/// `None` when nothing had to change and the original bytes can go out as they are. Brokers
/// learnt from a Metadata response are returned for the address book.
#[derive(Debug, Default)]
pub struct Rewritten {
    /// The replacement body, if any.
    pub body: Option<Vec<u8>>,
    /// The brokers a Metadata response described.
    pub learnt: Option<Brokers>,
}

/// Rewrite the response `body` (header included) to `api_key` at `version`.
///
/// Metadata: the broker list is decoded and rewritten; the rest of the body (the topics and
/// their partitions, the bulk of a large cluster's answer) is skip-scanned for its end and
/// copied as bytes. Produce and Fetch: the body is skip-scanned up to its top-level tagged
/// fields, record batches skipped as bytes; an answer without `NodeEndpoints` (nearly all of
/// them) is neither decoded nor copied (`body: None`), and one with them has only its tagged
/// section decoded and rewritten. FindCoordinator and DescribeCluster answers are small: they
/// are decoded and re-encoded whole.
pub fn rewrite_response(
    kind: RewriteKind,
    api_key: i16,
    version: i16,
    body: &[u8],
    map: &dyn Advertise,
) -> Result<Rewritten, RewriteError> {
    let header_version = response_header_version(api_key, version);
    let mut r = Reader::new(body);
    let header = ResponseHeader::decode(&mut r, header_version)?;
    let header_len = body.len() - r.remaining();
    let rest = r.rest();
    let mut out = Rewritten::default();
    let body = match kind {
        RewriteKind::Metadata => {
            return rewrite_metadata(api_key, version, body, header_len, map);
        }
        RewriteKind::DescribeCluster => {
            let mut msg: DescribeClusterResponse = decode_lenient(api_key, rest, version)?;
            msg.brokers
                .retain_mut(|b| map_endpoint(map, b.broker_id, &mut b.host, &mut b.port));
            encode(&header, header_version, &msg, version)?
        }
        RewriteKind::FindCoordinator => {
            let mut msg: FindCoordinatorResponse = decode_lenient(api_key, rest, version)?;
            if version < 4 && !map_coordinator(map, msg.node_id, &mut msg.host, &mut msg.port) {
                msg.error_code = COORDINATOR_NOT_AVAILABLE;
            }
            for c in &mut msg.coordinators {
                if !map_coordinator(map, c.node_id, &mut c.host, &mut c.port) {
                    c.error_code = COORDINATOR_NOT_AVAILABLE;
                }
            }
            encode(&header, header_version, &msg, version)?
        }
        RewriteKind::ProduceEndpoints => {
            check_version::<ProduceResponse>(version)?;
            if version < 9 {
                // Not flexible: no tagged fields, no endpoints; nothing to rewrite.
                return Ok(out);
            }
            let tagged_start = skim::produce_tagged_start(rest, version)?;
            match rewrite_endpoints(api_key, version, rest, tagged_start, 10, map)? {
                None => return Ok(out),
                Some(section) => splice(body, header_len + tagged_start, &section),
            }
        }
        RewriteKind::FetchEndpoints => {
            check_version::<FetchResponse>(version)?;
            if version < 12 {
                return Ok(out);
            }
            let tagged_start = skim::fetch_tagged_start(rest, version)?;
            match rewrite_endpoints(api_key, version, rest, tagged_start, 16, map)? {
                None => return Ok(out),
                Some(section) => splice(body, header_len + tagged_start, &section),
            }
        }
    };
    out.body = Some(body);
    Ok(out)
}

/// Metadata: decode and rewrite the broker list only; the bytes before it (header, throttle
/// time) and after it, up to the end of the message, are copied. Bytes past the end are
/// dropped, as the full decode and re-encode did.
fn rewrite_metadata(
    api_key: i16,
    version: i16,
    body: &[u8],
    header_len: usize,
    map: &dyn Advertise,
) -> Result<Rewritten, RewriteError> {
    check_version::<MetadataResponse>(version)?;
    let rest = body.get(header_len..).unwrap_or_default();
    let layout = skim::metadata(rest, version)?;
    report_trailing(api_key, version, rest.len() - layout.end);
    let flexible = version >= 9;
    let mut r = Reader::new(
        rest.get(layout.brokers_start..layout.brokers_end)
            .unwrap_or_default(),
    );
    let mut brokers = r.array(flexible, "brokers", |r| {
        MetadataResponseBroker::decode(r, version)
    })?;
    let learnt = learn(brokers.iter().map(|b| (b.node_id, b.host.as_str(), b.port)));
    brokers.retain_mut(|b| map_endpoint(map, b.node_id, &mut b.host, &mut b.port));
    let mut size = SizeCounter::default();
    size.put_array(&brokers, flexible, "brokers", |w, b| b.encode(w, version))?;
    let before = body
        .get(..header_len + layout.brokers_start)
        .unwrap_or_default();
    let after = rest.get(layout.brokers_end..layout.end).unwrap_or_default();
    let mut new = Vec::with_capacity(before.len() + size.0 + after.len());
    new.extend_from_slice(before);
    new.put_array(&brokers, flexible, "brokers", |w, b| b.encode(w, version))?;
    new.extend_from_slice(after);
    Ok(Rewritten {
        body: Some(new),
        learnt: Some(learnt),
    })
}

/// The top-level tagged section of a Produce or Fetch answer, which starts at `tagged_start`
/// in `rest` (the body after the header): `None` when it carries no `NodeEndpoints` (tag 0,
/// from version `endpoints_from`), else the section rewritten.
fn rewrite_endpoints(
    api_key: i16,
    version: i16,
    rest: &[u8],
    tagged_start: usize,
    endpoints_from: i16,
    map: &dyn Advertise,
) -> Result<Option<Vec<u8>>, RewriteError> {
    let section = rest.get(tagged_start..).unwrap_or_default();
    if version < endpoints_from || !skim::has_nonempty_tag(section, 0)? {
        let mut r = Reader::new(section);
        r.tagged_fields("response tagged fields")?;
        report_trailing(api_key, version, r.remaining());
        return Ok(None);
    }
    let mut r = Reader::new(section);
    let mut tagged = r.tagged_fields("response tagged fields")?;
    report_trailing(api_key, version, r.remaining());
    let mut endpoints = tagged
        .take_decoded(0, "node endpoints", |r| {
            r.array(true, "node endpoints", |r| NodeEndpoint::decode(r, version))
        })?
        .unwrap_or_default();
    if endpoints.is_empty() {
        return Ok(None);
    }
    endpoints.retain_mut(|e| map_endpoint(map, e.node_id, &mut e.host, &mut e.port));
    let mut known = Vec::new();
    if !endpoints.is_empty() {
        known.push(encode_tagged(0, |b| {
            b.put_array(&endpoints, true, "node endpoints", |w, n| {
                n.encode(w, version)
            })
        })?);
    }
    let mut out = Vec::new();
    out.put_tagged_fields(&known, &tagged)?;
    Ok(Some(out))
}

/// `body` up to `at`, then `tail`.
fn splice(body: &[u8], at: usize, tail: &[u8]) -> Vec<u8> {
    let head = body.get(..at).unwrap_or_default();
    let mut out = Vec::with_capacity(head.len() + tail.len());
    out.extend_from_slice(head);
    out.extend_from_slice(tail);
    out
}

fn check_version<M: Message>(version: i16) -> Result<(), DecodeError> {
    if M::supports(version) {
        Ok(())
    } else {
        Err(DecodeError::UnsupportedVersion {
            api_key: M::API_KEY,
            version,
        })
    }
}

/// Decode a broker's answer, tolerating bytes past the end of the message as Kafka clients do
/// (librdkafka's mock cluster pads Metadata answers with one); they are dropped and reported
/// once per API version.
fn decode_lenient<M: Message>(api_key: i16, body: &[u8], version: i16) -> Result<M, DecodeError> {
    let (msg, trailing) = M::decode_body_prefix(body, version)?;
    report_trailing(api_key, version, trailing);
    Ok(msg)
}

/// Bytes past the end of a broker's answer are dropped (or, in an answer forwarded unchanged,
/// left for the client to ignore), and reported once per API version.
fn report_trailing(api_key: i16, version: i16, trailing: usize) {
    if trailing > 0 {
        static REPORTED: Mutex<BTreeSet<(i16, i16)>> = Mutex::new(BTreeSet::new());
        let first_time = match REPORTED.lock() {
            Ok(mut seen) => seen.insert((api_key, version)),
            Err(poisoned) => poisoned.into_inner().insert((api_key, version)),
        };
        if first_time {
            log::warn!(
                "the broker's {} v{version} answer carries {trailing} bytes past its end; they are dropped",
                codec::api::api_name(api_key)
            );
        }
    }
}

fn encode<M: Message>(
    header: &ResponseHeader,
    header_version: i16,
    msg: &M,
    version: i16,
) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(msg.encoded_size(version)? + 16);
    header.encode(&mut out, header_version)?;
    msg.encode_body(&mut out, version)?;
    Ok(out)
}

fn learn<'a>(brokers: impl Iterator<Item = (i32, &'a str, i32)>) -> Brokers {
    let mut learnt = Brokers::default();
    for (id, host, port) in brokers {
        if let Ok(port) = u16::try_from(port) {
            learnt.by_id.insert(
                id,
                BrokerAddress {
                    host: host.to_owned(),
                    port,
                },
            );
        }
    }
    learnt
}

/// Replace a broker's address with the gateway's. A broker the gateway cannot serve is
/// reported (once per id) and the caller drops it, rather than leaking it.
fn map_endpoint(map: &dyn Advertise, node_id: i32, host: &mut String, port: &mut i32) -> bool {
    match map.endpoint(node_id) {
        Some((gateway_host, gateway_port)) => {
            *host = gateway_host;
            *port = gateway_port;
            true
        }
        None => {
            report_out_of_range(map, node_id);
            false
        }
    }
}

/// A coordinator answer with an error carries no usable address (node -1, host ""); it is
/// blanked rather than mapped so that nothing of the broker's remains.
fn map_coordinator(map: &dyn Advertise, node_id: i32, host: &mut String, port: &mut i32) -> bool {
    if node_id < 0 {
        host.clear();
        *port = -1;
        return true;
    }
    if map_endpoint(map, node_id, host, port) {
        return true;
    }
    host.clear();
    *port = -1;
    false
}

fn report_out_of_range(map: &dyn Advertise, node_id: i32) {
    static REPORTED: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());
    let first_time = match REPORTED.lock() {
        Ok(mut seen) => seen.insert(node_id),
        Err(poisoned) => poisoned.into_inner().insert(node_id),
    };
    if first_time {
        log::error!(
            "broker {node_id} is hidden from clients: {}",
            map.out_of_range_hint()
        );
    }
}

#[cfg(test)]
#[path = "rewrite_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "rewrite_equivalence_tests.rs"]
mod equivalence_tests;
