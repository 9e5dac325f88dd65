//! Sockets and threads: listeners, the acceptor, the workers' event loops, buffers.

pub mod acceptor;
pub mod buffer;
pub mod transport;
pub mod worker;
