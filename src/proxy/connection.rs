//! One client connection and its upstream connection (1:1), and the pump that moves frames
//! between them. `Connection` owns the sockets, buffers and readiness; what happens to each
//! frame is decided by its [`Pipeline`].
//!
//! mio is edge-triggered, so each side keeps a readiness flag that an event sets and a
//! `WouldBlock` clears; the pump runs until no side can make progress. When the queue towards
//! one peer is over [`QUEUE_CAP`], the other side is not read (backpressure) until it drains.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use codec::frame::{frame_size, split_frame, Status, SIZE_PREFIX};
use codec::header::peek_correlation_id;

use super::sasl_server::MAX_UNAUTHENTICATED_FRAME;

#[path = "connection_upstream_auth.rs"]
mod upstream_auth;
use super::listener::ListenerKind;
use super::principal::tls_principal;
use super::settings::{MAX_RESPONSE_FRAME, QUEUE_CAP};
use super::shared::Shared;
use super::upstream::Upstream;
use crate::net::buffer::{ByteQueue, IoOutcome};
use crate::net::transport::Transport;
use crate::pipeline::session::Session;
use crate::pipeline::{Delivery, Outbox, Pipeline, Took};
use crate::routing::host_map::SniTarget;

/// Answers at least this large are streamed to the client as they arrive (see
/// `start_passthrough`); smaller ones are forwarded whole.
const STREAM_MIN: usize = 64 * 1024;

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
    /// The broker this port stands for is back, but another broker served the connection while
    /// it was away; closed so that the client reconnects to the right one.
    BrokerBack(i32),
    /// A TLS ClientHello arrived on a plaintext listener.
    TlsOnPlaintext,
    /// Host routing could not pick a broker.
    Sni(String),
    /// The client's identity could not be established.
    Authentication(String),
    /// kgate could not authenticate to the broker.
    UpstreamAuth(String),
    /// A filter of the pipeline ended the connection.
    Filter(String),
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
            Self::BrokerBack(id) => write!(
                f,
                "broker {id} is back; another broker served this connection on its port meanwhile"
            ),
            Self::TlsOnPlaintext => write!(
                f,
                "the client is using TLS against a plaintext listener (set GATEWAY_SECURITY_PROTOCOL=SSL, or use a plaintext client)"
            ),
            Self::Sni(why) => write!(f, "SNI routing: {why}"),
            Self::Authentication(why) => write!(f, "authentication: {why}"),
            Self::UpstreamAuth(why) => write!(f, "kgate's SASL authentication to the broker failed: {why}"),
            Self::Filter(why) => write!(f, "filter {why}"),
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
    /// The client's socket, plain or TLS.
    pub client: Transport,
    /// The client's address, for logs.
    pub peer: SocketAddr,
    /// The listener the client came in on.
    pub listener: ListenerKind,
    /// Client socket readiness.
    pub client_ready: Readiness,
    /// The broker connection; `None` until the broker is known (host routing waits for SNI).
    pub upstream: Option<Upstream>,
    /// When the client was accepted.
    pub accepted: Instant,
    /// Last time bytes moved in either direction.
    pub last_activity: Instant,
    /// When set, no new requests are read; the connection closes once in-flight work is done.
    pub draining: bool,
    seen_request: bool,
    /// Bytes of an opaque answer still to stream to the client as they arrive.
    passthrough_left: usize,
    /// The client closed its side: nothing more is read from or written to it, and the
    /// connection closes once the requests it sent before are written to the broker.
    client_eof: bool,
    client_in: ByteQueue,
    client_out: ByteQueue,
    upstream_in: ByteQueue,
    upstream_out: ByteQueue,
    /// What happens to each frame.
    pub pipeline: Pipeline,
    shared: Arc<Shared>,
}

impl Connection {
    /// A newly accepted client; the broker connection is attached with
    /// [`Connection::attach_upstream`].
    pub fn new(
        client: Transport,
        peer: SocketAddr,
        listener: ListenerKind,
        shared: Arc<Shared>,
    ) -> Self {
        let now = Instant::now();
        Self {
            client,
            peer,
            listener,
            client_ready: Readiness::default(),
            upstream: None,
            accepted: now,
            last_activity: now,
            draining: false,
            seen_request: false,
            passthrough_left: 0,
            client_eof: false,
            client_in: ByteQueue::default(),
            client_out: ByteQueue::default(),
            upstream_in: ByteQueue::default(),
            upstream_out: ByteQueue::default(),
            pipeline: Pipeline::new(Arc::clone(&shared), Session::new(peer, listener)),
            shared,
        }
    }

    /// Attach the broker connection; requests read before it wait in `client_in` (host routing)
    /// or are already queued for it.
    pub fn attach_upstream(&mut self, upstream: Upstream) {
        self.upstream = Some(upstream);
        // Frames that waited for the route are handled by the next pump's read attempt.
        self.client_ready.readable = true;
    }

    /// The broker this connection is for, if one.
    pub fn broker_id(&self) -> Option<i32> {
        self.upstream.as_ref().and_then(|u| u.broker_id)
    }

    /// For a host-routed connection still without a broker: where its SNI name points, once
    /// known (`Ok(None)`: the bootstrap name, any broker), or why it cannot be served.
    pub fn sni_route(&self) -> Option<Result<Option<i32>, Close>> {
        if self.upstream.is_some() || self.listener != ListenerKind::Sni {
            return None;
        }
        let Some(name) = self.client.sni() else {
            return (!self.client.is_handshaking())
                .then(|| Err(Close::Sni("the client sent no SNI name".into())));
        };
        let Some(map) = self.shared.host_map.as_ref() else {
            return Some(Err(Close::Sni("host routing is not configured".into())));
        };
        Some(match map.target(name) {
            Some(SniTarget::Bootstrap) => Ok(None),
            Some(SniTarget::Broker(id)) if self.shared.book.broker(id).is_some() => Ok(Some(id)),
            Some(SniTarget::Broker(id)) => Err(Close::Sni(format!(
                "SNI name {name:?} is broker {id}, which the cluster does not have"
            ))),
            None => Err(Close::Sni(format!("unknown SNI name {name:?}"))),
        })
    }

    /// True when a draining connection has nothing left to do.
    pub fn drained(&self) -> bool {
        !self.pipeline.busy()
            && self.client_out.is_empty()
            && self.upstream_out.is_empty()
            && !self.client.has_pending_output()
    }

    /// Move bytes until no side can make progress.
    pub fn pump(&mut self) -> Result<(), Close> {
        if let Some(upstream) = &mut self.upstream {
            upstream.check_connected()?;
        }
        self.start_upstream_auth()?;
        loop {
            let mut progress = !self.client_eof
                && flush_tls(&mut self.client, &mut self.client_ready)
                    .map_err(Close::ClientError)?;
            progress |= self.read_client()?;
            self.after_client_handshake()?;
            if let Some(up) = self.upstream.as_mut().filter(|u| u.connected) {
                progress |=
                    flush_tls(&mut up.transport, &mut up.ready).map_err(Close::UpstreamError)?;
            }
            self.start_upstream_auth()?;
            progress |= self.take_waiting_requests()?;
            progress |= self.write_upstream()?;
            progress |= self.read_upstream()?;
            progress |= self.write_client()?;
            if !progress {
                if self.client_eof && self.upstream_flushed() {
                    return Err(Close::ClientClosed);
                }
                if self.pipeline.closing()
                    && self.client_out.is_empty()
                    && !self.client.has_pending_output()
                {
                    if let Some(close) = self.pipeline.take_close() {
                        return Err(close);
                    }
                }
                return Ok(());
            }
            self.last_activity = Instant::now();
        }
    }

    /// Once a TLS client's handshake is done: its principal, logged and counted once.
    fn after_client_handshake(&mut self) -> Result<(), Close> {
        if self.pipeline.session.principal.is_some() || self.client.is_handshaking() {
            return Ok(());
        }
        let Some(tls) = self.shared.server_tls.as_ref() else {
            return Ok(());
        };
        if !matches!(self.client, Transport::Tls(_)) {
            return Ok(());
        }
        let name = tls_principal(&self.client, &tls.mapper).map_err(Close::Authentication)?;
        self.shared.metrics.tls_handshake(&name);
        log::info!(
            "connection from {}: TLS established{}, principal=User:{name}",
            self.peer,
            self.client
                .sni()
                .map(|sni| format!(" (SNI {sni})"))
                .unwrap_or_default()
        );
        self.pipeline.session.principal = Some(name);
        Ok(())
    }

    fn read_client(&mut self) -> Result<bool, Close> {
        if self.client_eof
            || !self.client_ready.readable
            || self.draining
            || self.upstream_out.len() >= QUEUE_CAP
        {
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
            IoOutcome::Closed => return self.client_closed(),
            IoOutcome::LimitReached => {}
        }
        let got = self.client_in.len() - before;
        self.handle_requests()?;
        Ok(got > 0)
    }

    /// The client closed its side. A Kafka broker still serves the requests a client sent before
    /// closing, and clients rely on it: a producer with acks=0 writes its last Produce and closes
    /// at once. So the complete requests read so far still go to the broker (the broker
    /// connection may still be opening), and only then does the connection close.
    fn client_closed(&mut self) -> Result<bool, Close> {
        self.handle_requests()?;
        if self.upstream_flushed() {
            return Err(Close::ClientClosed);
        }
        self.client_eof = true;
        self.client_ready.readable = false;
        Ok(true)
    }

    /// Nothing of the client's requests is left to write to the broker: none queued, none held
    /// in the client's queue while kgate renews its broker session.
    fn upstream_flushed(&self) -> bool {
        self.upstream_out.is_empty()
            && self.upstream.as_ref().is_none_or(|up| {
                let held = up.renewing() && !self.client_in.is_empty();
                !up.transport.has_pending_output() && !held
            })
    }

    fn read_upstream(&mut self) -> Result<bool, Close> {
        let Some(up) = self.upstream.as_mut() else {
            return Ok(false);
        };
        if !up.connected || !up.ready.readable || self.client_out.len() >= QUEUE_CAP {
            return Ok(false);
        }
        let before = self.upstream_in.len();
        // While an answer streams through, the queue starts mid-frame: no size prefix to read.
        let limit = if self.passthrough_left > 0 {
            READ_LIMIT
        } else {
            pending_frame_len(&self.upstream_in).max(READ_LIMIT)
        };
        let outcome = self
            .upstream_in
            .read_from(&mut up.transport, limit)
            .map_err(Close::UpstreamError)?;
        match outcome {
            IoOutcome::WouldBlock => up.ready.readable = false,
            IoOutcome::Closed => {
                // The answers that came with the close still go to the client: Kafka answers a
                // failed SaslAuthenticate and closes the connection right after it.
                self.handle_responses()?;
                self.flush_client_now();
                return Err(Close::UpstreamClosed);
            }
            IoOutcome::LimitReached => {}
        }
        let got = self.upstream_in.len() - before;
        self.handle_responses()?;
        Ok(got > 0)
    }

    /// Before a close: write what is queued for the client, as far as its socket takes it now.
    fn flush_client_now(&mut self) {
        if self.client_out.write_to(&mut self.client).is_ok() {
            let _ = self.client.flush_pending();
        }
    }

    fn write_upstream(&mut self) -> Result<bool, Close> {
        let Some(up) = self.upstream.as_mut() else {
            return Ok(false);
        };
        // kgate's own SASL frames go first; client requests wait until it is authenticated.
        let queue = if !up.auth_out.is_empty() {
            &mut up.auth_out
        } else if up.auth.is_open() {
            &mut self.upstream_out
        } else {
            return Ok(false);
        };
        if !up.connected || !up.ready.writable || queue.is_empty() {
            return Ok(false);
        }
        let before = queue.len();
        let drained = queue
            .write_to(&mut up.transport)
            .map_err(Close::UpstreamError)?;
        if !drained && up.transport.socket_write_blocked() {
            up.ready.writable = false;
        }
        Ok(queue.len() < before)
    }

    fn write_client(&mut self) -> Result<bool, Close> {
        if self.client_eof || !self.client_ready.writable || self.client_out.is_empty() {
            return Ok(false);
        }
        let before = self.client_out.len();
        let drained = self
            .client_out
            .write_to(&mut self.client)
            .map_err(Close::ClientError)?;
        if !drained && self.client.socket_write_blocked() {
            self.client_ready.writable = false;
        }
        Ok(self.client_out.len() < before)
    }

    /// Offer every complete request frame in the client's queue to the pipeline, until it
    /// takes no more.
    fn handle_requests(&mut self) -> Result<(), Close> {
        // A host-routed client is served only once its SNI name has been checked (`sni_route`,
        // run by the worker after each pump): until then its frames wait in `client_in`, so a
        // name that is refused never gets a local answer (ApiVersions, SASL) first.
        if self.upstream.is_none() && self.listener == ListenerKind::Sni {
            return Ok(());
        }
        let max = if self.pipeline.authenticated() {
            self.shared.settings.max_frame_bytes
        } else {
            self.shared
                .settings
                .max_frame_bytes
                .min(MAX_UNAUTHENTICATED_FRAME)
        };
        if !self.seen_request && self.client_in.len() >= 2 {
            if matches!(self.client, Transport::Plain(_))
                && looks_like_tls(self.client_in.as_slice())
            {
                return Err(Close::TlsOnPlaintext);
            }
            self.seen_request = true;
        }
        let now = Instant::now();
        loop {
            if self.upstream.as_ref().is_some_and(Upstream::renewing) {
                // Held in the client's queue until kgate's session with the broker is renewed.
                return Ok(());
            }
            let len = match split_frame(self.client_in.as_slice(), max) {
                Ok(Status::Complete(frame)) => frame.len,
                Ok(Status::Partial { .. }) => return Ok(()),
                Err(e) => {
                    self.shared.metrics.frame_limit_close();
                    return Err(Close::FrameLimit(format!(
                        "request frame rejected ({e}); GATEWAY_MAX_FRAME_BYTES={max}"
                    )));
                }
            };
            let frame = self.client_in.as_slice().get(..len).unwrap_or_default();
            let mut out = Outbox {
                to_client: &mut self.client_out,
                to_upstream: &mut self.upstream_out,
            };
            match self.pipeline.on_request(frame, &mut out, now)? {
                Took::Taken => self.client_in.consume(len),
                Took::NotNow => return Ok(()),
            }
        }
    }

    /// Requests that waited in the client's queue (kgate renewing its broker session, the
    /// client's answers backed up, a parked request) go on once they may; true if any did.
    fn take_waiting_requests(&mut self) -> Result<bool, Close> {
        if self.client_in.is_empty() || self.upstream.as_ref().is_some_and(Upstream::renewing) {
            return Ok(false);
        }
        let before = self.client_in.len();
        self.handle_requests()?;
        Ok(self.client_in.len() < before)
    }

    /// Offer every complete answer in the broker's queue to the pipeline; stream a large one
    /// nobody needs to see.
    fn handle_responses(&mut self) -> Result<(), Close> {
        if !self.upstream_auth_step()? {
            return Ok(());
        }
        let now = Instant::now();
        loop {
            if self.passthrough_left > 0 {
                if !self.stream_passthrough() {
                    return Ok(());
                }
                continue;
            }
            let len = match split_frame(self.upstream_in.as_slice(), MAX_RESPONSE_FRAME) {
                Ok(Status::Complete(frame)) => frame.len,
                Ok(Status::Partial { .. }) => {
                    if self.start_passthrough()? {
                        continue;
                    }
                    return Ok(());
                }
                Err(e) => return Err(Close::BadResponse(format!("frame: {e}"))),
            };
            let frame = self.upstream_in.as_slice().get(..len).unwrap_or_default();
            let mut out = Outbox {
                to_client: &mut self.client_out,
                to_upstream: &mut self.upstream_out,
            };
            match self.pipeline.on_response(frame, &mut out, now)? {
                Delivery::Done => self.upstream_in.consume(len),
                Delivery::AsIs { client_id } => {
                    let at = self.client_out.len();
                    self.upstream_in.move_front_to(len, &mut self.client_out);
                    self.client_out
                        .patch(at + SIZE_PREFIX, &client_id.to_be_bytes());
                    let mut out = Outbox {
                        to_client: &mut self.client_out,
                        to_upstream: &mut self.upstream_out,
                    };
                    self.pipeline.release_ready(&mut out);
                }
            }
        }
    }

    /// A large answer that has not fully arrived: if the pipeline lets it, stream it to the
    /// client as its bytes come, with the client's correlation id in place of kgate's.
    fn start_passthrough(&mut self) -> Result<bool, Close> {
        let buf = self.upstream_in.as_slice();
        let Ok(Status::Complete(size)) = frame_size(buf, MAX_RESPONSE_FRAME) else {
            return Ok(false);
        };
        if size < STREAM_MIN || buf.len() < SIZE_PREFIX + 4 {
            return Ok(false);
        }
        let upstream_id = peek_correlation_id(buf.get(SIZE_PREFIX..).unwrap_or_default())
            .map_err(|e| Close::BadResponse(e.to_string()))?;
        let Some(client_id) = self.pipeline.stream_answer(upstream_id, size + SIZE_PREFIX) else {
            return Ok(false);
        };
        let prefix = buf.get(..SIZE_PREFIX).unwrap_or_default();
        self.client_out.extend(prefix);
        self.client_out.extend(&client_id.to_be_bytes());
        self.upstream_in.consume(SIZE_PREFIX + 4);
        self.passthrough_left = size - 4;
        Ok(true)
    }

    /// Move what has arrived of a streamed answer; true once it is complete.
    fn stream_passthrough(&mut self) -> bool {
        let n = self.passthrough_left.min(self.upstream_in.len());
        let bytes = self.upstream_in.as_slice().get(..n).unwrap_or_default();
        self.client_out.extend(bytes);
        self.upstream_in.consume(n);
        self.passthrough_left -= n;
        if self.passthrough_left > 0 {
            return false;
        }
        let mut out = Outbox {
            to_client: &mut self.client_out,
            to_upstream: &mut self.upstream_out,
        };
        self.pipeline.release_ready(&mut out);
        true
    }
}

/// A TLS record header (handshake, TLS 1.x) where a Kafka frame should start: a TLS client on
/// a plaintext listener.
fn looks_like_tls(bytes: &[u8]) -> bool {
    matches!(bytes, [0x16, 0x03, ..])
}

/// Flush pending TLS records when the socket is writable; true if any went out.
fn flush_tls(transport: &mut Transport, ready: &mut Readiness) -> io::Result<bool> {
    if !ready.writable || !transport.has_pending_output() {
        return Ok(false);
    }
    let done = transport.flush_pending()?;
    if !done && transport.socket_write_blocked() {
        ready.writable = false;
    }
    Ok(done)
}

/// The bytes a queue must hold for the frame at its head to be complete, or 0 if unknown.
fn pending_frame_len(queue: &ByteQueue) -> usize {
    match frame_size(queue.as_slice(), usize::MAX) {
        Ok(Status::Complete(size)) => size.saturating_add(SIZE_PREFIX),
        _ => 0,
    }
}

#[cfg(test)]
#[path = "connection_tests.rs"]
mod tests;
