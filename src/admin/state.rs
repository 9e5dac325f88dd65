//! What the admin server reports on, shared with the rest of the gateway.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::metrics::Metrics;

/// Shared between the admin thread and whoever decides readiness (the control plane).
#[derive(Debug)]
pub struct AdminState {
    /// The counters `/metrics` renders.
    pub metrics: Arc<Metrics>,
    /// Whether `/health/ready` answers 200. Prefer [`AdminState::set_ready`] and
    /// [`AdminState::set_not_ready`], which keep the reason in step.
    pub ready: AtomicBool,
    /// Why the gateway is not ready; only read when `ready` is false.
    reason: Mutex<String>,
}

impl AdminState {
    /// Not ready until the cluster has been reached: a load balancer must not send clients to a
    /// gateway that cannot serve them yet.
    pub fn new(metrics: Arc<Metrics>) -> AdminState {
        AdminState {
            metrics,
            ready: AtomicBool::new(false),
            reason: Mutex::new("starting: the Kafka cluster has not been reached yet".into()),
        }
    }

    /// Clients can be served.
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    /// Clients cannot be served, with a reason for operators (shown by `/health/ready`; must not
    /// contain secrets).
    pub fn set_not_ready(&self, reason: impl Into<String>) {
        // The reason is written before the flag so a reader that sees "not ready" sees it too.
        *self.reason.lock().unwrap_or_else(|p| p.into_inner()) = reason.into();
        self.ready.store(false, Ordering::Release);
    }

    /// `Ok` when ready, else why not.
    pub fn readiness(&self) -> Result<(), String> {
        if self.ready.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err(self
                .reason
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_not_ready_and_follows_updates() {
        let state = AdminState::new(Arc::new(Metrics::new()));
        assert!(state.readiness().unwrap_err().contains("starting"));
        state.set_ready();
        assert_eq!(state.readiness(), Ok(()));
        state.set_not_ready("no broker reachable");
        assert_eq!(state.readiness(), Err("no broker reachable".to_string()));
    }
}
