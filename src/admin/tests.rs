//! The admin server over real sockets: bind, HTTP requests with `TcpStream`, stop.

use super::*;
use crate::metrics::Metrics;
use std::io::{Read, Write};
use std::net::TcpStream;

struct HttpReply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl HttpReply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request on a fresh connection, read until the server closes it.
fn http(addr: SocketAddr, method: &str, path: &str) -> HttpReply {
    http_with(addr, method, path, "", "")
}

/// Like [`http`], with extra header lines (each ending in CRLF) and a body.
fn http_with(addr: SocketAddr, method: &str, path: &str, headers: &str, body: &str) -> HttpReply {
    let mut stream = TcpStream::connect(addr).expect("connect to admin server");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set timeout");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n{headers}\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("send request");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read response");
    let (head, body) = raw.split_once("\r\n\r\n").expect("header/body separator");
    let mut lines = head.lines();
    let status_line = lines.next().expect("status line");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    HttpReply {
        status,
        headers,
        body: body.to_string(),
    }
}

fn test_api() -> Arc<AdminApi> {
    let users = basic_auth::AdminUsers::new(vec![crate::config::AdminUser {
        username: "admin".into(),
        password: "pw".into(),
        admin: true,
    }]);
    let key = crate::auth::user_pool_key::UserPoolKey::parse("k", &"A".repeat(44)).expect("key");
    let store = Box::new(crate::store::MemoryStore::default());
    Arc::new(AdminApi::new(users, store, key, None).expect("api"))
}

fn start() -> (AdminHandle, Arc<AdminState>) {
    let state = Arc::new(AdminState::new(Arc::new(Metrics::new())));
    let handle = spawn("127.0.0.1", 0, Arc::clone(&state), test_api()).expect("spawn admin server");
    assert_ne!(handle.local_addr().port(), 0);
    (handle, state)
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).expect("JSON body")
}

#[test]
fn health_endpoints() {
    let (handle, state) = start();
    let addr = handle.local_addr();

    let live = http(addr, "GET", "/health/live");
    assert_eq!(live.status, 200);
    assert_eq!(json(&live.body), serde_json::json!({"status": "UP"}));
    assert_eq!(live.header("Content-Type"), Some("application/json"));

    let ready = http(addr, "GET", "/health/ready");
    assert_eq!(ready.status, 503);
    assert_eq!(json(&ready.body)["status"], "DOWN");
    assert!(json(&ready.body)["reason"]
        .as_str()
        .is_some_and(|r| r.contains("starting")));

    state.set_ready();
    assert_eq!(http(addr, "GET", "/health/ready").status, 200);
    handle.stop();
}

#[test]
fn metrics_endpoint_serves_live_counters() {
    let (handle, state) = start();
    state.metrics.connection_opened();
    state.metrics.request(0, 42);
    let reply = http(handle.local_addr(), "GET", "/metrics");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("Content-Type"), Some(PROMETHEUS_CONTENT_TYPE));
    assert!(
        reply.body.contains("\nkgate_connections_open 1\n"),
        "{}",
        reply.body
    );
    assert!(
        reply
            .body
            .contains("kgate_bytes_total{api=\"Produce\",direction=\"in\"} 42\n"),
        "{}",
        reply.body
    );
    handle.stop();
}

#[test]
fn unknown_paths_and_methods() {
    let (handle, _state) = start();
    let addr = handle.local_addr();
    let missing = http(addr, "GET", "/admin");
    assert_eq!(missing.status, 404);
    assert_eq!(json(&missing.body)["error"], "not found");
    let wrong = http(addr, "POST", "/health/live");
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.header("Allow"), Some("GET, HEAD"));
    handle.stop();
}

#[test]
fn stop_joins_and_releases_the_port() {
    let (handle, _state) = start();
    let addr = handle.local_addr();
    assert_eq!(http(addr, "GET", "/health/live").status, 200);
    handle.stop();
    // The listener closes on tiny_http's accept thread shortly after the join.
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(addr).is_ok() {
        assert!(Instant::now() < deadline, "still accepting after stop");
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn bind_error_names_the_address() {
    let (handle, _state) = start();
    let port = handle.local_addr().port();
    let state = Arc::new(AdminState::new(Arc::new(Metrics::new())));
    let err = spawn("127.0.0.1", port, state, test_api()).expect_err("port is taken");
    assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    handle.stop();
}

#[test]
fn ipv6_addresses_are_formatted_with_brackets() {
    assert_eq!(format_addr("::1", 8888), "[::1]:8888");
    assert_eq!(format_addr("0.0.0.0", 8888), "0.0.0.0:8888");
}

#[test]
fn service_account_over_http_with_basic_auth() {
    let (handle, _state) = start();
    let addr = handle.local_addr();
    let body = r#"{"kind":"GatewayServiceAccount","apiVersion":"gateway/v2","metadata":{"name":"jdoe"},"spec":{"type":"LOCAL"}}"#;
    let denied = http_with(addr, "PUT", "/gateway/v2/service-account", "", body);
    assert_eq!(denied.status, 401);
    assert_eq!(
        denied.header("WWW-Authenticate"),
        Some("Basic realm=\"kgate\"")
    );
    // admin:pw
    let auth = "Authorization: Basic YWRtaW46cHc=\r\n";
    let created = http_with(addr, "PUT", "/gateway/v2/service-account", auth, body);
    assert_eq!(created.status, 200, "{}", created.body);
    assert!(created.body.contains("\"CREATED\""), "{}", created.body);
    let listed = http_with(addr, "GET", "/gateway/v2/service-account", auth, "");
    assert!(listed.body.contains("\"jdoe\""), "{}", listed.body);
    assert_eq!(
        http(addr, "GET", "/health/live").status,
        200,
        "health needs no auth"
    );
    handle.stop();
}
