//! Connections kgate makes on its own behalf: the control plane.

pub mod control;
pub mod control_client;
pub mod oauth_token;
pub mod sasl_client;
