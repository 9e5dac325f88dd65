//! kgate: a Kafka gateway. A network proxy that speaks the Kafka wire protocol on both sides,
//! so clients only change their bootstrap address.

pub mod acl;
pub mod admin;
pub mod auth;
pub mod config;
pub mod gateway;
pub mod interceptors;
pub mod metrics;
pub mod net;
pub mod pipeline;
pub mod proxy;
pub mod records;
pub mod routing;
pub mod signals;
pub mod store;
pub mod tls;
pub mod upstream;
pub mod vcluster;
