//! The control plane: learns the cluster's brokers and API versions at start, then refreshes
//! them periodically on its own connection.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustls::ClientConfig;

use codec::messages::api_versions::{ApiVersionsRequest, ApiVersionsResponse};
use codec::messages::metadata::{MetadataRequest, MetadataResponse};
use codec::Message;

use crate::routing::api_versions::UNSUPPORTED_VERSION;

use super::control_client::{ControlClient, ControlError};
use super::sasl_client::BackendCredentials;
use crate::routing::address_book::{BrokerAddress, Brokers};

/// What the cluster said about itself.
#[derive(Debug, Clone)]
pub struct ClusterView {
    /// The broker's ApiVersions answer.
    pub api_versions: ApiVersionsResponse,
    /// The brokers by id.
    pub brokers: Brokers,
}

/// How to reach the cluster for kgate's own requests.
#[derive(Debug, Clone)]
pub struct ClusterAccess {
    /// `KAFKA_BOOTSTRAP_SERVERS`.
    pub bootstrap: Vec<BrokerAddress>,
    /// Connect, read and write timeout.
    pub timeout: Duration,
    /// TLS towards brokers, if the cluster needs it.
    pub tls: Option<Arc<ClientConfig>>,
    /// kgate's SASL credentials, if the cluster needs them.
    pub sasl: Option<Arc<BackendCredentials>>,
}

/// Ask one of the bootstrap servers for its API versions and its brokers.
pub fn describe_cluster(access: &ClusterAccess) -> Result<ClusterView, ControlError> {
    let (bootstrap, timeout, tls, sasl) = (
        &access.bootstrap,
        access.timeout,
        access.tls.as_ref(),
        access.sasl.as_ref(),
    );
    let mut last = ControlError("no bootstrap server configured (KAFKA_BOOTSTRAP_SERVERS)".into());
    for address in bootstrap {
        match ControlClient::connect(address, timeout, tls)
            .and_then(|mut client| {
                if let Some(creds) = sasl {
                    client.authenticate(creds)?;
                }
                Ok(client)
            })
            .and_then(|mut client| describe_with(&mut client))
        {
            Ok(view) => return Ok(view),
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn describe_with(client: &mut ControlClient) -> Result<ClusterView, ControlError> {
    let api_versions = api_versions(client)?;
    let ours = MetadataRequest::VERSIONS;
    let theirs = api_versions
        .api_keys
        .iter()
        .find(|a| a.api_key == MetadataRequest::API_KEY)
        .map(|a| (a.min_version, a.max_version))
        .ok_or_else(|| ControlError("the broker does not offer Metadata".into()))?;
    let version = ours.1.min(theirs.1);
    if version < ours.0.max(theirs.0).max(1) {
        return Err(ControlError(format!(
            "no common Metadata version (broker {theirs:?}, kgate {ours:?})"
        )));
    }
    // An empty topic list (not null) asks for brokers only; from v1 on, null would mean all.
    let request = MetadataRequest {
        topics: Some(Vec::new()),
        ..MetadataRequest::default()
    };
    let metadata: MetadataResponse = client.call(&request, version)?;
    let mut brokers = Brokers::default();
    for b in &metadata.brokers {
        let port = u16::try_from(b.port)
            .map_err(|_| ControlError(format!("broker {} reports port {}", b.node_id, b.port)))?;
        brokers.by_id.insert(
            b.node_id,
            BrokerAddress {
                host: b.host.clone(),
                port,
            },
        );
    }
    if brokers.by_id.is_empty() {
        return Err(ControlError("the cluster reports no brokers".into()));
    }
    Ok(ClusterView {
        api_versions,
        brokers,
    })
}

/// ApiVersions at v3, falling back to v0 when the broker answers UNSUPPORTED_VERSION. Such an
/// answer is in v0 form whatever was asked (KIP-511), so its error code is read before the
/// body is decoded at the version asked for.
fn api_versions(client: &mut ControlClient) -> Result<ApiVersionsResponse, ControlError> {
    let request = ApiVersionsRequest {
        client_software_name: "kgate".into(),
        client_software_version: env!("CARGO_PKG_VERSION").into(),
        ..ApiVersionsRequest::default()
    };
    let body = client.call_raw(&request, 3)?;
    if error_code(&body) != Some(UNSUPPORTED_VERSION) {
        let answer = ApiVersionsResponse::decode_body(&body, 3)
            .map_err(|e| ControlError(format!("ApiVersions v3 answer: {e}")))?;
        return check(answer);
    }
    let answer: ApiVersionsResponse = client.call(&ApiVersionsRequest::default(), 0)?;
    check(answer)
}

fn error_code(body: &[u8]) -> Option<i16> {
    codec::Reader::new(body).i16("error code").ok()
}

fn check(answer: ApiVersionsResponse) -> Result<ApiVersionsResponse, ControlError> {
    if answer.error_code != 0 {
        return Err(ControlError(format!(
            "ApiVersions failed with error code {}",
            answer.error_code
        )));
    }
    Ok(answer)
}

/// Refresh the cluster view every `interval` on its own thread until `stop` is set. Failures
/// are logged and retried; `on_view` receives every successful answer, `on_failure` each error.
pub fn spawn_refresher(
    access: ClusterAccess,
    interval: Duration,
    stop: Arc<AtomicBool>,
    mut on_view: impl FnMut(ClusterView) + Send + 'static,
    mut on_failure: impl FnMut(&ControlError) + Send + 'static,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("kgate-control".into())
        .spawn(move || {
            let mut next = Instant::now() + interval;
            while !stop.load(Ordering::Acquire) {
                if Instant::now() < next {
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
                next = Instant::now() + interval;
                match describe_cluster(&access) {
                    Ok(view) => on_view(view),
                    Err(e) => on_failure(&e),
                }
            }
        })
}
