use std::time::{Duration, Instant};

use serde_json::json;

use super::INFO;
use crate::interceptors::plugins::test_support::*;
use crate::pipeline::filter::{Verdict, Want};

#[test]
fn every_request_is_held_once_then_passes_when_it_wakes() {
    let plugin = compile(&INFO, json!({"appliedPercentage": 100, "latencyMs": 300}));
    let s = session(None);
    let t0 = Instant::now();
    let mut f = filter(&plugin, true);
    assert_eq!(f.wants(3, 12), Want::Message);
    let sent = request(&mut *f, &s, 3, 12, &[], t0);
    let wake = t0 + Duration::from_millis(300);
    assert_eq!(parked_until(&sent.verdict), Some(wake));
    // Re-run early (a spurious wake): still held, same deadline.
    let early = request(&mut *f, &s, 3, 12, &[], t0 + Duration::from_millis(1));
    assert_eq!(parked_until(&early.verdict), Some(wake));
    // Re-run on wake: it has had its latency.
    let woken = request(&mut *f, &s, 3, 12, &[], wake);
    assert!(matches!(woken.verdict, Verdict::Pass));
    // The next request gets its own.
    let next = request(&mut *f, &s, 0, 9, &produce(9, 0, &["t"], 1), wake);
    assert_eq!(
        parked_until(&next.verdict),
        Some(wake + Duration::from_millis(300))
    );
}

#[test]
fn at_0_percent_nothing_is_looked_at_and_config_errors_name_the_field() {
    let plugin = compile(&INFO, json!({"appliedPercentage": 0, "latencyMs": 300}));
    let s = session(None);
    let mut f = filter(&plugin, true);
    assert_eq!(f.wants(3, 12), Want::Nothing);
    let sent = request(&mut *f, &s, 3, 12, &[], Instant::now());
    assert!(matches!(sent.verdict, Verdict::Pass));
    let e = config_error(&INFO, json!({"appliedPercentage": 50}));
    assert_eq!(e, "spec.config.latencyMs: missing");
    let e = config_error(&INFO, json!({"appliedPercentage": 150, "latencyMs": 1}));
    assert!(e.starts_with("spec.config.appliedPercentage:"), "{e}");
}
