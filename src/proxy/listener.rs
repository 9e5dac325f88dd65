//! What a listening port promises its connections: which broker, and in which scheme the
//! answers name brokers.

/// The kind of listener a connection arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerKind {
    /// Port routing: the port stands for a broker (`None`: a spare port, any broker).
    Port {
        /// The broker the port stands for.
        broker_id: Option<i32>,
    },
    /// Host routing: the TLS SNI name picks the broker.
    Sni,
}
