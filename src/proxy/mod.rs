//! The per-connection pipeline: frames in, decide, rewrite, frames out.

pub mod connection;
pub mod inflight;
pub mod listener;
pub mod principal;
pub mod request;
pub mod sasl_server;
pub mod settings;
pub mod shared;
pub mod upstream;
