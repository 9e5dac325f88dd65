//! One client connection and its upstream connection (1:1), and the pump that moves frames
//! between them.
//!
//! mio is edge-triggered, so each side keeps a readiness flag that an event sets and a
//! `WouldBlock` clears; the pump runs until no side can make progress. When the queue towards
//! one peer is over [`QUEUE_CAP`], the other side is not read (backpressure) until it drains.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use codec::api::{api_name, keys};
use codec::frame::{frame_size, split_frame, Status, SIZE_PREFIX};
use codec::header::{peek_correlation_id, peek_request};
use mio::net::TcpStream;

use super::inflight::{Action, Answer, InFlight, InFlightQueue};
use super::request::produce_acks;
use super::settings::{MAX_RESPONSE_FRAME, QUEUE_CAP};
use super::shared::Shared;
use crate::net::buffer::{ByteQueue, IoOutcome};
use crate::routing::api_versions;
use crate::routing::rewrite::{rewrite_response, RewriteKind};

/// Read from a socket in steps of at most this many bytes beyond a pending frame.
const READ_LIMIT: usize = 256 * 1024;

/// Why a connection ends; the text goes into the connection's closing log line.
#[derive(Debug)]
pub enum Close {
    /// The client closed its side.
    ClientClosed,
    /// The broker closed its side.
    UpstreamClosed,
    /// A socket error on the client side.
    ClientError(io::Error),
    /// A socket error, refused or failed connection on the broker side.
    UpstreamError(io::Error),
    /// A request frame larger than `GATEWAY_MAX_FRAME_BYTES`, or a malformed size.
    FrameLimit(String),
    /// The client sent something kgate cannot serve safely.
    BadRequest(String),
    /// The broker sent something kgate cannot serve safely.
    BadResponse(String),
    /// No traffic for `GATEWAY_IDLE_TIMEOUT_MS`.
    Idle,
    /// The broker did not accept the connection in time.
    ConnectTimeout,
    /// Shutdown finished or timed out.
    Shutdown,
    /// The cluster no longer lists the broker this connection is for.
    BrokerGone,
}

impl std::fmt::Display for Close {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ClientClosed => write!(f, "client closed the connection"),
            Self::UpstreamClosed => write!(f, "broker closed the connection"),
            Self::ClientError(e) => write!(f, "client socket error: {e}"),
            Self::UpstreamError(e) => write!(f, "broker connection failed: {e}"),
            Self::FrameLimit(why) => write!(f, "{why}"),
            Self::BadRequest(why) => write!(f, "bad request: {why}"),
            Self::BadResponse(why) => write!(f, "bad response from broker: {why}"),
            Self::Idle => write!(f, "idle for longer than GATEWAY_IDLE_TIMEOUT_MS"),
            Self::ConnectTimeout => write!(f, "broker did not accept the connection in time"),
            Self::Shutdown => write!(f, "gateway shutting down"),
            Self::BrokerGone => write!(f, "the broker left the cluster"),
        }
    }
}

/// Edge-triggered readiness of one socket.
#[derive(Debug, Default, Clone, Copy)]
pub struct Readiness {
    /// The socket may have bytes to read.
    pub readable: bool,
    /// The socket may accept bytes.
    pub writable: bool,
}

/// A client connection paired with its upstream connection.
#[derive(Debug)]
pub struct Connection {
    /// The client's socket.
    pub client: TcpStream,
    /// The client's address, for logs.
    pub peer: SocketAddr,
    /// The broker's socket.
    pub upstream: TcpStream,
    /// The broker this connection is for (`None`: a bootstrap connection to any broker).
    pub broker_id: Option<i32>,
    /// The upstream address, for logs.
    pub upstream_addr: SocketAddr,
    /// Client socket readiness.
    pub client_ready: Readiness,
    /// Broker socket readiness.
    pub upstream_ready: Readiness,
    /// True once the upstream TCP handshake has completed.
    pub upstream_connected: bool,
    /// When the upstream connect started.
    pub connect_started: Instant,
    /// Last time bytes moved in either direction.
    pub last_activity: Instant,
    /// When set, no new requests are read; the connection closes once in-flight work is done.
    pub draining: bool,
    client_in: ByteQueue,
    client_out: ByteQueue,
    upstream_in: ByteQueue,
    upstream_out: ByteQueue,
    inflight: InFlightQueue,
    shared: Arc<Shared>,
}

impl Connection {
    /// Pair an accepted client with a broker connection being established.
    pub fn new(
        client: TcpStream,
        peer: SocketAddr,
        upstream: TcpStream,
        upstream_addr: SocketAddr,
        broker_id: Option<i32>,
        shared: Arc<Shared>,
    ) -> Self {
        let now = Instant::now();
        Self {
            client,
            peer,
            upstream,
            broker_id,
            upstream_addr,
            client_ready: Readiness::default(),
            upstream_ready: Readiness::default(),
            upstream_connected: false,
            connect_started: now,
            last_activity: now,
            draining: false,
            client_in: ByteQueue::default(),
            client_out: ByteQueue::default(),
            upstream_in: ByteQueue::default(),
            upstream_out: ByteQueue::default(),
            inflight: InFlightQueue::default(),
            shared,
        }
    }

    /// True when a draining connection has nothing left to do.
    pub fn drained(&self) -> bool {
        self.inflight.is_empty() && self.client_out.is_empty() && self.upstream_out.is_empty()
    }

    /// Check whether a pending upstream connect has completed.
    fn check_upstream_connected(&mut self) -> Result<(), Close> {
        if self.upstream_connected || !self.upstream_ready.writable {
            return Ok(());
        }
        if let Some(e) = self.upstream.take_error().map_err(Close::UpstreamError)? {
            return Err(Close::UpstreamError(e));
        }
        match self.upstream.peer_addr() {
            Ok(_) => {
                self.upstream_connected = true;
                let _ = self.upstream.set_nodelay(true);
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                self.upstream_ready.writable = false;
                Ok(())
            }
            Err(e) => Err(Close::UpstreamError(e)),
        }
    }

    /// Move bytes until no side can make progress.
    pub fn pump(&mut self) -> Result<(), Close> {
        self.check_upstream_connected()?;
        loop {
            let mut progress = false;
            progress |= self.read_client()?;
            progress |= self.write_upstream()?;
            progress |= self.read_upstream()?;
            progress |= self.write_client()?;
            if !progress {
                return Ok(());
            }
            self.last_activity = Instant::now();
        }
    }

    fn read_client(&mut self) -> Result<bool, Close> {
        if !self.client_ready.readable || self.draining || self.upstream_out.len() >= QUEUE_CAP {
            return Ok(false);
        }
        let before = self.client_in.len();
        let limit = pending_frame_len(&self.client_in).max(READ_LIMIT);
        let outcome = self
            .client_in
            .read_from(&mut self.client, limit)
            .map_err(Close::ClientError)?;
        match outcome {
            IoOutcome::WouldBlock => self.client_ready.readable = false,
            IoOutcome::Closed => return Err(Close::ClientClosed),
            IoOutcome::LimitReached => {}
        }
        let got = self.client_in.len() - before;
        self.handle_requests()?;
        Ok(got > 0)
    }

    fn read_upstream(&mut self) -> Result<bool, Close> {
        if !self.upstream_connected
            || !self.upstream_ready.readable
            || self.client_out.len() >= QUEUE_CAP
        {
            return Ok(false);
        }
        let before = self.upstream_in.len();
        let limit = pending_frame_len(&self.upstream_in).max(READ_LIMIT);
        let outcome = self
            .upstream_in
            .read_from(&mut self.upstream, limit)
            .map_err(Close::UpstreamError)?;
        match outcome {
            IoOutcome::WouldBlock => self.upstream_ready.readable = false,
            IoOutcome::Closed => return Err(Close::UpstreamClosed),
            IoOutcome::LimitReached => {}
        }
        let got = self.upstream_in.len() - before;
        self.handle_responses()?;
        Ok(got > 0)
    }

    fn write_upstream(&mut self) -> Result<bool, Close> {
        if !self.upstream_connected || !self.upstream_ready.writable || self.upstream_out.is_empty()
        {
            return Ok(false);
        }
        let before = self.upstream_out.len();
        let drained = self
            .upstream_out
            .write_to(&mut self.upstream)
            .map_err(Close::UpstreamError)?;
        if !drained {
            self.upstream_ready.writable = false;
        }
        Ok(self.upstream_out.len() < before)
    }

    fn write_client(&mut self) -> Result<bool, Close> {
        if !self.client_ready.writable || self.client_out.is_empty() {
            return Ok(false);
        }
        let before = self.client_out.len();
        let drained = self
            .client_out
            .write_to(&mut self.client)
            .map_err(Close::ClientError)?;
        if !drained {
            self.client_ready.writable = false;
        }
        Ok(self.client_out.len() < before)
    }

    /// Take every complete request frame from the client's queue and route it.
    fn handle_requests(&mut self) -> Result<(), Close> {
        let max = self.shared.settings.max_frame_bytes;
        loop {
            let frame = match split_frame(self.client_in.as_slice(), max) {
                Ok(Status::Complete(frame)) => frame,
                Ok(Status::Partial { .. }) => return Ok(()),
                Err(e) => {
                    self.shared.metrics.frame_limit_close();
                    return Err(Close::FrameLimit(format!(
                        "request frame rejected ({e}); GATEWAY_MAX_FRAME_BYTES={max}"
                    )));
                }
            };
            let len = frame.len;
            let decision = route_request(&self.shared, frame.body)?;
            self.shared.metrics.request(decision.api_key, len);
            match decision.action {
                None => self.inflight.push_silent(decision.correlation_id),
                Some(Action::Local(body)) => self.inflight.push(InFlight {
                    correlation_id: decision.correlation_id,
                    api_key: decision.api_key,
                    api_version: decision.api_version,
                    action: Action::Local(body),
                }),
                Some(action) => self.inflight.push(InFlight {
                    correlation_id: decision.correlation_id,
                    api_key: decision.api_key,
                    api_version: decision.api_version,
                    action,
                }),
            }
            if decision.forward {
                let bytes = self.client_in.as_slice().get(..len).unwrap_or_default();
                self.upstream_out.extend(bytes);
            }
            self.client_in.consume(len);
            self.release_local_answers();
        }
    }

    /// Take every complete response frame from the broker's queue, match it with the head of
    /// the in-flight queue, rewrite if needed, and queue it for the client.
    fn handle_responses(&mut self) -> Result<(), Close> {
        loop {
            let frame = match split_frame(self.upstream_in.as_slice(), MAX_RESPONSE_FRAME) {
                Ok(Status::Complete(frame)) => frame,
                Ok(Status::Partial { .. }) => return Ok(()),
                Err(e) => return Err(Close::BadResponse(format!("frame: {e}"))),
            };
            let len = frame.len;
            let correlation_id =
                peek_correlation_id(frame.body).map_err(|e| Close::BadResponse(e.to_string()))?;
            let entry = match self.inflight.take_for_response(correlation_id) {
                Answer::Entry(entry) => entry,
                Answer::Silent => {
                    self.upstream_in.consume(len);
                    continue;
                }
                Answer::Unexpected => {
                    return Err(Close::BadResponse(format!(
                        "unexpected response with correlation id {correlation_id}"
                    )))
                }
            };
            if entry.correlation_id != correlation_id {
                return Err(Close::BadResponse(format!(
                    "correlation id {correlation_id} answers out of order (expected {})",
                    entry.correlation_id
                )));
            }
            match entry.action {
                Action::Rewrite(kind) => {
                    rewrite_into(&self.shared, &mut self.client_out, kind, &entry, frame.body)?;
                }
                _ => {
                    let bytes = self.upstream_in.as_slice().get(..len).unwrap_or_default();
                    self.client_out.extend(bytes);
                    self.shared.metrics.response(entry.api_key, len);
                }
            }
            self.upstream_in.consume(len);
            self.release_local_answers();
        }
    }

    /// Queue local answers that have reached the head of the in-flight queue.
    fn release_local_answers(&mut self) {
        while let Some(body) = self.inflight.pop_local() {
            let size = u32::try_from(body.len()).unwrap_or(u32::MAX);
            self.client_out.extend(&size.to_be_bytes());
            self.client_out.extend(&body);
            self.shared
                .metrics
                .response(keys::API_VERSIONS, body.len() + SIZE_PREFIX);
        }
    }
}

/// Rewrite a broker's response and queue it for the client.
fn rewrite_into(
    shared: &Shared,
    client_out: &mut ByteQueue,
    kind: RewriteKind,
    entry: &InFlight,
    body: &[u8],
) -> Result<(), Close> {
    let rewritten = rewrite_response(
        kind,
        entry.api_key,
        entry.api_version,
        body,
        &shared.port_map,
    )
    .map_err(|e| {
        Close::BadResponse(format!(
            "{} v{}: {e}",
            api_name(entry.api_key),
            entry.api_version
        ))
    })?;
    if let Some(brokers) = rewritten.learnt {
        if shared.book.update(brokers) {
            log::info!(
                "broker list changed: {:?}",
                shared.book.snapshot().by_id.keys().collect::<Vec<_>>()
            );
        }
    }
    let out = rewritten.body.as_deref().unwrap_or(body);
    if rewritten.body.is_some() {
        shared.metrics.rewrite(entry.api_key);
    }
    let size = u32::try_from(out.len())
        .map_err(|_| Close::BadResponse("rewritten response too large".into()))?;
    client_out.extend(&size.to_be_bytes());
    client_out.extend(out);
    shared
        .metrics
        .response(entry.api_key, out.len() + SIZE_PREFIX);
    Ok(())
}

/// The bytes a queue must hold for the frame at its head to be complete, or 0 if unknown.
fn pending_frame_len(queue: &ByteQueue) -> usize {
    match frame_size(queue.as_slice(), usize::MAX) {
        Ok(Status::Complete(size)) => size.saturating_add(SIZE_PREFIX),
        _ => 0,
    }
}

/// How one request is handled.
#[derive(Debug)]
struct Decision {
    api_key: i16,
    api_version: i16,
    correlation_id: i32,
    /// Whether the frame goes to the broker.
    forward: bool,
    /// What to queue for the answer; `None` when no answer is expected.
    action: Option<Action>,
}

/// Decide what to do with one request frame (size prefix removed).
fn route_request(shared: &Shared, body: &[u8]) -> Result<Decision, Close> {
    let peek = peek_request(body).map_err(|e| Close::BadRequest(e.to_string()))?;
    let mut decision = Decision {
        api_key: peek.api_key,
        api_version: peek.api_version,
        correlation_id: peek.correlation_id,
        forward: true,
        action: Some(Action::Forward),
    };
    match peek.api_key {
        keys::API_VERSIONS => {
            let answer = api_versions::answer(
                &shared.api_versions(),
                peek.correlation_id,
                peek.api_version,
            )
            .map_err(|e| Close::BadRequest(format!("cannot answer ApiVersions: {e}")))?;
            decision.forward = false;
            decision.action = Some(Action::Local(answer));
        }
        keys::PRODUCE => {
            let acks =
                produce_acks(body).map_err(|e| Close::BadRequest(format!("Produce: {e}")))?;
            if acks == 0 {
                decision.action = None;
            } else if let Some(kind) = RewriteKind::for_request(peek.api_key, peek.api_version) {
                decision.action = Some(Action::Rewrite(kind));
            }
        }
        key => {
            if let Some(kind) = RewriteKind::for_request(key, peek.api_version) {
                check_rewritable(shared, key, peek.api_version)?;
                decision.action = Some(Action::Rewrite(kind));
            }
        }
    }
    Ok(decision)
}

/// A request whose answer carries addresses must be at a version kgate can rewrite: kgate
/// never advertises others, so a client sending one is refused rather than served with a leak.
fn check_rewritable(shared: &Shared, api_key: i16, version: i16) -> Result<(), Close> {
    let advertised = shared.api_versions();
    let ok = advertised
        .api_keys
        .iter()
        .any(|a| a.api_key == api_key && (a.min_version..=a.max_version).contains(&version));
    if ok {
        Ok(())
    } else {
        Err(Close::BadRequest(format!(
            "{} v{version} is not a version this gateway advertises",
            api_name(api_key)
        )))
    }
}
