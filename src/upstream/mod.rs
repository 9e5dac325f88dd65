//! Connections kgate makes on its own behalf: the control plane.

pub mod control;
pub mod control_client;
