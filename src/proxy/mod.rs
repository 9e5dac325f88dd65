//! The connection: the sockets and buffers of one client and its upstream, and what every
//! worker shares. What happens to each frame is decided by the pipeline (`crate::pipeline`).

pub mod connection;
pub mod listener;
pub mod principal;
pub mod request;
pub mod sasl_server;
pub mod settings;
pub mod shared;
pub mod upstream;
