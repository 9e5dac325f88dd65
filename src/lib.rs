pub mod config;
pub mod metrics;
