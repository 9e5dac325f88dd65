//! The broker half of a connection.

use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use super::connection::{Close, Readiness};
use crate::net::buffer::ByteQueue;
use crate::net::transport::Transport;
use crate::upstream::sasl_client::SaslExchange;

/// A connection to a broker, possibly still being established.
#[derive(Debug)]
pub struct Upstream {
    /// The socket, plain or TLS.
    pub transport: Transport,
    /// The broker's address, for logs.
    pub addr: SocketAddr,
    /// The broker id, when the connection is for one broker.
    pub broker_id: Option<i32>,
    /// Readiness flags (edge-triggered).
    pub ready: Readiness,
    /// True once the TCP handshake has completed.
    pub connected: bool,
    /// When the connect started, for the connect timeout.
    pub started: Instant,
    /// kgate's own SASL authentication on this connection.
    pub auth: UpstreamAuth,
    /// kgate's SASL frames, sent before any client request.
    pub auth_out: ByteQueue,
    /// When to re-authenticate, if the broker gave the session a lifetime.
    pub reauth_at: Option<Instant>,
    /// True once the first authentication on this connection has completed.
    pub authenticated_before: bool,
}

/// Where kgate's own authentication to the broker stands on one connection.
#[derive(Debug)]
pub enum UpstreamAuth {
    /// The cluster needs none, or the client's own exchange is relayed (KAFKA_MANAGED).
    NotNeeded,
    /// To start once the connection is up.
    NotStarted,
    /// Waiting for the broker's answer.
    InProgress(SaslExchange),
    /// Authenticated: client requests may flow.
    Done,
    /// The broker's session is ending (KIP-368): the requests already queued still go out, new
    /// ones wait in the client's queue; once every answer has arrived, kgate authenticates again
    /// on the same connection.
    ReauthDue,
}

impl UpstreamAuth {
    /// True when queued client requests may be sent.
    pub fn is_open(&self) -> bool {
        matches!(self, Self::NotNeeded | Self::Done | Self::ReauthDue)
    }
}

impl Upstream {
    /// A connection being established.
    /// `authenticate`: kgate must authenticate with its own credentials before client
    /// requests go through.
    pub fn new(
        transport: Transport,
        addr: SocketAddr,
        broker_id: Option<i32>,
        authenticate: bool,
    ) -> Self {
        Self {
            transport,
            addr,
            broker_id,
            ready: Readiness::default(),
            connected: false,
            started: Instant::now(),
            auth: if authenticate {
                UpstreamAuth::NotStarted
            } else {
                UpstreamAuth::NotNeeded
            },
            auth_out: ByteQueue::default(),
            reauth_at: None,
            authenticated_before: false,
        }
    }

    /// True while kgate renews its session on this connection (KIP-368): new client requests
    /// wait, so that the connection drains and no answer interleaves with kgate's exchange.
    pub fn renewing(&self) -> bool {
        match self.auth {
            UpstreamAuth::ReauthDue => true,
            UpstreamAuth::InProgress(_) => self.authenticated_before,
            _ => false,
        }
    }

    /// Check whether the TCP connect has completed, once the socket has become writable.
    pub fn check_connected(&mut self) -> Result<(), Close> {
        if self.connected || !self.ready.writable {
            return Ok(());
        }
        let sock = self.transport.socket();
        if let Some(e) = sock.take_error().map_err(Close::UpstreamError)? {
            return Err(Close::UpstreamError(e));
        }
        match sock.peer_addr() {
            Ok(_) => {
                self.connected = true;
                let _ = sock.set_nodelay(true);
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                self.ready.writable = false;
                Ok(())
            }
            Err(e) => Err(Close::UpstreamError(e)),
        }
    }
}
