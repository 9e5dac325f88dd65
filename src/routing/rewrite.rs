//! Rewriting the responses that carry broker addresses, so that no upstream host or port ever
//! reaches a client: Metadata, FindCoordinator (single and batched), DescribeCluster, and the
//! KIP-951 `NodeEndpoints` of Produce and Fetch responses.

use std::collections::BTreeSet;
use std::sync::Mutex;

use codec::header::{response_header_version, ResponseHeader};
use codec::messages::describe_cluster::DescribeClusterResponse;
use codec::messages::fetch::FetchResponse;
use codec::messages::find_coordinator::FindCoordinatorResponse;
use codec::messages::metadata::MetadataResponse;
use codec::messages::produce::ProduceResponse;
use codec::{DecodeError, EncodeError, Message, Reader};

use super::address_book::{BrokerAddress, Brokers};
use super::advertise::Advertise;

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
    let rest = r.rest();
    let mut out = Rewritten::default();
    let body = match kind {
        RewriteKind::Metadata => {
            let mut msg: MetadataResponse = decode_lenient(api_key, rest, version)?;
            out.learnt = Some(learn(
                msg.brokers
                    .iter()
                    .map(|b| (b.node_id, b.host.as_str(), b.port)),
            ));
            msg.brokers
                .retain_mut(|b| map_endpoint(map, b.node_id, &mut b.host, &mut b.port));
            encode(&header, header_version, &msg, version)?
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
            let mut msg: ProduceResponse = decode_lenient(api_key, rest, version)?;
            if msg.node_endpoints.is_empty() {
                return Ok(out);
            }
            msg.node_endpoints
                .retain_mut(|e| map_endpoint(map, e.node_id, &mut e.host, &mut e.port));
            encode(&header, header_version, &msg, version)?
        }
        RewriteKind::FetchEndpoints => {
            let mut msg: FetchResponse = decode_lenient(api_key, rest, version)?;
            if msg.node_endpoints.is_empty() {
                return Ok(out);
            }
            msg.node_endpoints
                .retain_mut(|e| map_endpoint(map, e.node_id, &mut e.host, &mut e.port));
            encode(&header, header_version, &msg, version)?
        }
    };
    out.body = Some(body);
    Ok(out)
}

/// Decode a broker's answer, tolerating bytes past the end of the message as Kafka clients do
/// (librdkafka's mock cluster pads Metadata answers with one); they are dropped and reported
/// once per API version.
fn decode_lenient<M: Message>(api_key: i16, body: &[u8], version: i16) -> Result<M, DecodeError> {
    let (msg, trailing) = M::decode_body_prefix(body, version)?;
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
    Ok(msg)
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
