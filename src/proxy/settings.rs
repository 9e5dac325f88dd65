//! The limits and timeouts the data path works with, taken from the configuration once.

use std::time::Duration;

/// Data-path settings shared by every worker.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest request frame accepted from a client (`GATEWAY_MAX_FRAME_BYTES`).
    pub max_frame_bytes: usize,
    /// Connections idle this long are closed (`GATEWAY_IDLE_TIMEOUT_MS`); `None`: never.
    pub idle_timeout: Option<Duration>,
    /// Upstream connections not established in this time fail.
    pub connect_timeout: Duration,
    /// How long a graceful shutdown waits for in-flight requests.
    pub shutdown_timeout: Duration,
    /// The most client connections open at once (`GATEWAY_MAX_CONNECTIONS`).
    pub max_connections: usize,
}

/// Bytes queued towards one peer before kgate stops reading from the other side.
pub const QUEUE_CAP: usize = 4 * 1024 * 1024;

/// The largest response frame accepted from a broker. Brokers are trusted more than clients,
/// but memory still only grows with bytes that arrive.
pub const MAX_RESPONSE_FRAME: usize = 1024 * 1024 * 1024;
