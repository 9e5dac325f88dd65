//! Gateway counters, shared by every worker as `Arc<Metrics>` and rendered for Prometheus.
//!
//! Every update is one relaxed atomic add: workers never wait on each other or on a scrape.
//! A scrape reads each counter independently, so a page may mix values from slightly different
//! instants; each counter on its own is exact.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

use codec::api::api_info;

/// API keys below this get their own counters; Kafka's keys are well under it today.
const KEYED_APIS: usize = 128;
/// The shared slot for negative keys, keys from 128 up, and vendor keys.
const OTHER: usize = KEYED_APIS;
/// Label of the shared slot.
const OTHER_LABEL: &str = "other";

/// Counters for one API key. Kept together so one update touches one cache line.
#[derive(Default)]
struct ApiCounters {
    requests: AtomicU64,
    responses: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    rewrites: AtomicU64,
}

/// All gateway counters. Create once, wrap in `Arc`, hand a clone to each thread.
pub struct Metrics {
    connections_open: AtomicI64,
    connections_accepted: AtomicU64,
    upstream_errors: AtomicU64,
    frame_limit_closes: AtomicU64,
    connection_limit_rejects: AtomicU64,
    idle_closes: AtomicU64,
    apis: [ApiCounters; KEYED_APIS + 1],
    /// Completed TLS handshakes by principal. Once per connection, not per request, so a lock
    /// is cheap here; the map is capped so that random names cannot grow it without bound.
    tls_handshakes: Mutex<BTreeMap<String, u64>>,
    /// SASL outcomes by (mechanism, success); once per attempt, so a lock is cheap.
    authentications: Mutex<BTreeMap<(String, bool), u64>>,
    /// Interceptor decisions by (plugin, action). Only decisions are counted (a request a
    /// policy lets pass untouched is not), so the lock stays off the common path.
    interceptor_decisions: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
}

/// Distinct principal labels kept; later ones are counted under `(other)`.
const MAX_PRINCIPAL_LABELS: usize = 1000;

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("connections_open", &self.connections_open())
            .finish_non_exhaustive()
    }
}

fn slot(api_key: i16) -> usize {
    match usize::try_from(api_key) {
        Ok(i) if i < KEYED_APIS => i,
        _ => OTHER,
    }
}

fn add(counter: &AtomicU64, n: usize) {
    // usize is at most 64 bits on every supported target; saturate rather than panic.
    counter.fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Relaxed);
}

impl Metrics {
    /// All counters at zero.
    pub fn new() -> Metrics {
        Metrics {
            connections_open: AtomicI64::new(0),
            connections_accepted: AtomicU64::new(0),
            upstream_errors: AtomicU64::new(0),
            frame_limit_closes: AtomicU64::new(0),
            connection_limit_rejects: AtomicU64::new(0),
            idle_closes: AtomicU64::new(0),
            apis: std::array::from_fn(|_| ApiCounters::default()),
            tls_handshakes: Mutex::new(BTreeMap::new()),
            authentications: Mutex::new(BTreeMap::new()),
            interceptor_decisions: Mutex::new(BTreeMap::new()),
        }
    }

    /// An interceptor running `plugin` decided `action` (BLOCK, INFO, OVERRIDE, THROTTLE).
    pub fn interceptor_decision(&self, plugin: &'static str, action: &'static str) {
        let mut map = match self.interceptor_decisions.lock() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        };
        *map.entry((plugin, action)).or_insert(0) += 1;
    }

    /// A SASL authentication with `mechanism` succeeded or failed.
    pub fn authentication(&self, mechanism: &str, success: bool) {
        let mut map = match self.authentications.lock() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Mechanism names come from clients: keep only the ones kgate knows as labels.
        let known = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"];
        let label = if known.contains(&mechanism) {
            mechanism
        } else {
            "other"
        };
        *map.entry((label.to_owned(), success)).or_insert(0) += 1;
    }

    /// A TLS client completed its handshake as `principal`.
    pub fn tls_handshake(&self, principal: &str) {
        let mut map = match self.tls_handshakes.lock() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        };
        let key = if map.contains_key(principal) || map.len() < MAX_PRINCIPAL_LABELS {
            principal.to_owned()
        } else {
            "(other)".to_owned()
        };
        *map.entry(key).or_insert(0) += 1;
    }

    /// A client connection is now being served (pair with [`Metrics::connection_closed`]).
    pub fn connection_opened(&self) {
        self.connections_open.fetch_add(1, Relaxed);
    }

    /// A served client connection ended. The gauge is signed so that an unpaired call shows up
    /// as a negative value instead of wrapping to a huge one.
    pub fn connection_closed(&self) {
        self.connections_open.fetch_sub(1, Relaxed);
    }

    /// A client connection was accepted by a listener (counted even if later refused).
    pub fn connection_accepted(&self) {
        self.connections_accepted.fetch_add(1, Relaxed);
    }

    /// A request frame of `bytes` (size prefix included) arrived from a client.
    pub fn request(&self, api_key: i16, bytes: usize) {
        let api = &self.apis[slot(api_key)];
        api.requests.fetch_add(1, Relaxed);
        add(&api.bytes_in, bytes);
    }

    /// A response frame of `bytes` was sent to a client.
    pub fn response(&self, api_key: i16, bytes: usize) {
        let api = &self.apis[slot(api_key)];
        api.responses.fetch_add(1, Relaxed);
        add(&api.bytes_out, bytes);
    }

    /// A broker connection failed or broke.
    pub fn upstream_error(&self) {
        self.upstream_errors.fetch_add(1, Relaxed);
    }

    /// A message was decoded and re-encoded rather than forwarded opaque.
    pub fn rewrite(&self, api_key: i16) {
        self.apis[slot(api_key)].rewrites.fetch_add(1, Relaxed);
    }

    /// A connection was closed for a frame over `GATEWAY_MAX_FRAME_BYTES`.
    pub fn frame_limit_close(&self) {
        self.frame_limit_closes.fetch_add(1, Relaxed);
    }

    /// A connection was refused because `GATEWAY_MAX_CONNECTIONS` were open.
    pub fn connection_limit_reject(&self) {
        self.connection_limit_rejects.fetch_add(1, Relaxed);
    }

    /// A connection was closed after `GATEWAY_IDLE_TIMEOUT_MS` without traffic.
    pub fn idle_close(&self) {
        self.idle_closes.fetch_add(1, Relaxed);
    }

    /// Client connections open now.
    pub fn connections_open(&self) -> i64 {
        self.connections_open.load(Relaxed)
    }

    /// The Prometheus text exposition format (version 0.0.4). Per-API series appear only once
    /// non-zero, which keeps a scrape small: a gateway sees a handful of the ~90 APIs.
    pub fn render_prometheus(&self) -> String {
        let mut out = String::with_capacity(4096);
        family(
            &mut out,
            "kgate_build_info",
            "gauge",
            "Version of this kgate build.",
        );
        sample(
            &mut out,
            "kgate_build_info",
            &format!("version=\"{}\"", env!("CARGO_PKG_VERSION")),
            1,
        );
        family(
            &mut out,
            "kgate_connections_open",
            "gauge",
            "Client connections open now.",
        );
        let open = self.connections_open();
        let _ = writeln!(out, "kgate_connections_open {open}");
        for (name, help, counter) in [
            (
                "kgate_connections_accepted_total",
                "Client connections accepted.",
                &self.connections_accepted,
            ),
            (
                "kgate_upstream_errors_total",
                "Broker connections that failed or broke.",
                &self.upstream_errors,
            ),
            (
                "kgate_frame_limit_closes_total",
                "Connections closed for a frame over GATEWAY_MAX_FRAME_BYTES.",
                &self.frame_limit_closes,
            ),
            (
                "kgate_connection_limit_rejects_total",
                "Connections refused at GATEWAY_MAX_CONNECTIONS.",
                &self.connection_limit_rejects,
            ),
            (
                "kgate_idle_closes_total",
                "Connections closed after GATEWAY_IDLE_TIMEOUT_MS without traffic.",
                &self.idle_closes,
            ),
        ] {
            family(&mut out, name, "counter", help);
            sample(&mut out, name, "", counter.load(Relaxed));
        }

        let totals = self.api_totals();
        family(
            &mut out,
            "kgate_requests_total",
            "counter",
            "Kafka frames by API: direction=request from clients, response to clients.",
        );
        for (label, t) in &totals {
            per_api(
                &mut out,
                "kgate_requests_total",
                label,
                "request",
                t.requests,
            );
            per_api(
                &mut out,
                "kgate_requests_total",
                label,
                "response",
                t.responses,
            );
        }
        family(
            &mut out,
            "kgate_bytes_total",
            "counter",
            "Kafka frame bytes by API: direction=in from clients, out to clients.",
        );
        for (label, t) in &totals {
            per_api(&mut out, "kgate_bytes_total", label, "in", t.bytes_in);
            per_api(&mut out, "kgate_bytes_total", label, "out", t.bytes_out);
        }
        family(
            &mut out,
            "kgate_rewrites_total",
            "counter",
            "Messages decoded and re-encoded rather than forwarded opaque, by API.",
        );
        for (label, t) in &totals {
            if t.rewrites > 0 {
                let labels = format!("api=\"{label}\"");
                sample(&mut out, "kgate_rewrites_total", &labels, t.rewrites);
            }
        }
        family(
            &mut out,
            "kgate_tls_handshakes_total",
            "counter",
            "TLS client handshakes completed, by mapped principal (ANONYMOUS without a certificate).",
        );
        let handshakes = match self.tls_handshakes.lock() {
            Ok(map) => map.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        for (principal, count) in handshakes {
            let labels = format!("principal=\"{}\"", escape_label(&principal));
            sample(&mut out, "kgate_tls_handshakes_total", &labels, count);
        }
        family(
            &mut out,
            "kgate_authentications_total",
            "counter",
            "SASL authentications by mechanism and result (success or failure).",
        );
        let authentications = match self.authentications.lock() {
            Ok(map) => map.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        for ((mechanism, success), count) in authentications {
            let result = if success { "success" } else { "failure" };
            let labels = format!("mechanism=\"{mechanism}\",result=\"{result}\"");
            sample(&mut out, "kgate_authentications_total", &labels, count);
        }
        family(
            &mut out,
            "kgate_interceptor_decisions_total",
            "counter",
            "Interceptor decisions by plugin and action (BLOCK, INFO, OVERRIDE, THROTTLE).",
        );
        let decisions = match self.interceptor_decisions.lock() {
            Ok(map) => map.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        for ((plugin, action), count) in decisions {
            let labels = format!("plugin=\"{plugin}\",action=\"{action}\"");
            sample(
                &mut out,
                "kgate_interceptor_decisions_total",
                &labels,
                count,
            );
        }
        out
    }

    /// One entry per known API with any traffic, in key order, then `other`: keys the codec
    /// does not name share it, so two vendor keys never produce duplicate series.
    fn api_totals(&self) -> Vec<(&'static str, Totals)> {
        let mut known = Vec::new();
        let mut other = Totals::default();
        for (i, counters) in self.apis.iter().enumerate() {
            let t = Totals::read(counters);
            if t.is_zero() {
                continue;
            }
            let name = i16::try_from(i)
                .ok()
                .filter(|_| i < KEYED_APIS)
                .and_then(api_info)
                .map(|info| info.name);
            match name {
                Some(name) => known.push((name, t)),
                None => other.add(&t),
            }
        }
        if !other.is_zero() {
            known.push((OTHER_LABEL, other));
        }
        known
    }
}

/// A consistent-enough copy of one API's counters for rendering.
#[derive(Default, Clone, Copy)]
struct Totals {
    requests: u64,
    responses: u64,
    bytes_in: u64,
    bytes_out: u64,
    rewrites: u64,
}

impl Totals {
    fn read(c: &ApiCounters) -> Totals {
        Totals {
            requests: c.requests.load(Relaxed),
            responses: c.responses.load(Relaxed),
            bytes_in: c.bytes_in.load(Relaxed),
            bytes_out: c.bytes_out.load(Relaxed),
            rewrites: c.rewrites.load(Relaxed),
        }
    }

    fn is_zero(&self) -> bool {
        self.requests == 0
            && self.responses == 0
            && self.bytes_in == 0
            && self.bytes_out == 0
            && self.rewrites == 0
    }

    fn add(&mut self, o: &Totals) {
        self.requests = self.requests.wrapping_add(o.requests);
        self.responses = self.responses.wrapping_add(o.responses);
        self.bytes_in = self.bytes_in.wrapping_add(o.bytes_in);
        self.bytes_out = self.bytes_out.wrapping_add(o.bytes_out);
        self.rewrites = self.rewrites.wrapping_add(o.rewrites);
    }
}

// Writing to a String cannot fail, so the fmt::Result is ignored.
/// A label value in the exposition format: backslash, double quote and newline escaped.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &str, value: u64) {
    if labels.is_empty() {
        let _ = writeln!(out, "{name} {value}");
    } else {
        let _ = writeln!(out, "{name}{{{labels}}} {value}");
    }
}

fn per_api(out: &mut String, name: &str, api: &str, direction: &str, value: u64) {
    if value > 0 {
        let labels = format!("api=\"{api}\",direction=\"{direction}\"");
        sample(out, name, &labels, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Arc;

    /// `series -> value` from an exposition, checking each sample follows its TYPE line.
    fn parse(text: &str) -> HashMap<String, f64> {
        let mut typed = Vec::new();
        let mut samples = HashMap::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let name = rest.split(' ').next().unwrap_or_default();
                typed.push(name.to_string());
                continue;
            }
            if line.starts_with('#') {
                continue;
            }
            let (series, value) = line.rsplit_once(' ').expect("sample has a value");
            let name = series.split('{').next().unwrap_or_default();
            assert_eq!(typed.last().map(String::as_str), Some(name), "{line}");
            let value: f64 = value.parse().expect("numeric value");
            assert!(
                samples.insert(series.to_string(), value).is_none(),
                "duplicate series {series}"
            );
        }
        samples
    }

    fn get(samples: &HashMap<String, f64>, series: &str) -> Option<f64> {
        samples.get(series).copied()
    }

    #[test]
    fn fresh_metrics_render_scalars_at_zero_and_no_api_series() {
        let samples = parse(&Metrics::new().render_prometheus());
        assert_eq!(get(&samples, "kgate_connections_open"), Some(0.0));
        assert_eq!(get(&samples, "kgate_idle_closes_total"), Some(0.0));
        assert!(samples.keys().all(|k| !k.contains("api=")), "{samples:?}");
    }

    #[test]
    fn counts_reach_the_rendered_series() {
        let m = Metrics::new();
        for _ in 0..3 {
            m.connection_accepted();
            m.connection_opened();
        }
        m.connection_closed();
        m.request(0, 100);
        m.request(0, 50);
        m.response(0, 20);
        m.request(3, 30);
        m.response(3, 300);
        m.rewrite(3);
        m.rewrite(3);
        m.upstream_error();
        m.frame_limit_close();
        m.connection_limit_reject();
        m.connection_limit_reject();
        m.idle_close();

        let s = parse(&m.render_prometheus());
        let expect = [
            ("kgate_connections_open", 2.0),
            ("kgate_connections_accepted_total", 3.0),
            ("kgate_upstream_errors_total", 1.0),
            ("kgate_frame_limit_closes_total", 1.0),
            ("kgate_connection_limit_rejects_total", 2.0),
            ("kgate_idle_closes_total", 1.0),
            (
                r#"kgate_requests_total{api="Produce",direction="request"}"#,
                2.0,
            ),
            (
                r#"kgate_requests_total{api="Produce",direction="response"}"#,
                1.0,
            ),
            (r#"kgate_bytes_total{api="Produce",direction="in"}"#, 150.0),
            (r#"kgate_bytes_total{api="Produce",direction="out"}"#, 20.0),
            (
                r#"kgate_requests_total{api="Metadata",direction="request"}"#,
                1.0,
            ),
            (
                r#"kgate_bytes_total{api="Metadata",direction="out"}"#,
                300.0,
            ),
            (r#"kgate_rewrites_total{api="Metadata"}"#, 2.0),
        ];
        for (series, value) in expect {
            assert_eq!(get(&s, series), Some(value), "{series}");
        }
        assert_eq!(get(&s, r#"kgate_rewrites_total{api="Produce"}"#), None);
        assert_eq!(
            get(&s, r#"kgate_bytes_total{api="Fetch",direction="in"}"#),
            None
        );
    }

    #[test]
    fn unknown_and_vendor_keys_share_the_other_series() {
        let m = Metrics::new();
        m.request(-1, 10);
        m.request(127, 20);
        m.request(i16::MAX, 30);
        m.request(1000, 40);
        let s = parse(&m.render_prometheus());
        assert_eq!(
            get(
                &s,
                r#"kgate_requests_total{api="other",direction="request"}"#
            ),
            Some(4.0)
        );
        assert_eq!(
            get(&s, r#"kgate_bytes_total{api="other",direction="in"}"#),
            Some(100.0)
        );
        assert!(!s.keys().any(|k| k.contains("Unknown")), "{s:?}");
    }

    #[test]
    fn every_series_has_help_and_type() {
        let m = Metrics::new();
        m.request(1, 1);
        m.rewrite(1);
        let text = m.render_prometheus();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap_or_default();
            assert!(text.contains(&format!("# HELP {name} ")), "{name}");
            assert!(text.contains(&format!("# TYPE {name} ")), "{name}");
        }
    }

    #[test]
    fn concurrent_updates_are_not_lost() {
        let m = Arc::new(Metrics::new());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let m = Arc::clone(&m);
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        m.request(1, 2);
                        m.connection_accepted();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("worker thread");
        }
        let s = parse(&m.render_prometheus());
        assert_eq!(
            get(
                &s,
                r#"kgate_requests_total{api="Fetch",direction="request"}"#
            ),
            Some(4000.0)
        );
        assert_eq!(
            get(&s, r#"kgate_bytes_total{api="Fetch",direction="in"}"#),
            Some(8000.0)
        );
        assert_eq!(get(&s, "kgate_connections_accepted_total"), Some(4000.0));
    }
}

#[cfg(test)]
mod tls_label_tests {
    use super::*;

    #[test]
    fn principals_are_counted_and_escaped() {
        let m = Metrics::new();
        m.tls_handshake("CN=alice,O=kgate");
        m.tls_handshake("CN=alice,O=kgate");
        m.tls_handshake("CN=\"quoted\\\\\"");
        let text = m.render_prometheus();
        assert!(
            text.contains("kgate_tls_handshakes_total{principal=\"CN=alice,O=kgate\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("kgate_tls_handshakes_total{principal=\"CN=\\\"quoted\\\\\\\\\\\"\"} 1"),
            "{text}"
        );
    }

    #[test]
    fn principal_labels_are_capped() {
        let m = Metrics::new();
        for i in 0..MAX_PRINCIPAL_LABELS + 5 {
            m.tls_handshake(&format!("CN=user{i}"));
        }
        let text = m.render_prometheus();
        assert!(
            text.contains("principal=\"(other)\"} 5"),
            "{}",
            &text[text.len().saturating_sub(300)..]
        );
    }
}
