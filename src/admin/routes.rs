//! Request routing, kept free of sockets so every route is testable as a plain function.

use serde_json::json;

use super::state::AdminState;

/// The Prometheus text format content type scrapers expect.
pub const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
const JSON: &str = "application/json";

/// What to send back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// `Content-Type` header value.
    pub content_type: &'static str,
    /// Extra headers, e.g. `Allow` on 405.
    pub headers: Vec<(&'static str, &'static str)>,
    /// Response body.
    pub body: String,
}

impl Reply {
    /// A JSON reply.
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply {
            status,
            content_type: JSON,
            headers: Vec::new(),
            body: body.to_string(),
        }
    }
}

enum Route {
    Live,
    Ready,
    Metrics,
}

/// Answers one request. `url` may carry a query string, which is ignored. HEAD is answered
/// like GET (tiny_http drops the body).
pub fn route(method: &str, url: &str, state: &AdminState) -> Reply {
    let path = url.split_once('?').map_or(url, |(p, _)| p);
    let route = match path {
        "/health/live" => Route::Live,
        "/health/ready" => Route::Ready,
        "/metrics" => Route::Metrics,
        _ => {
            return Reply::json(
                404,
                json!({"status": 404, "error": "not found", "path": path}),
            )
        }
    };
    if method != "GET" && method != "HEAD" {
        let mut reply = Reply::json(
            405,
            json!({"status": 405, "error": "method not allowed", "allowed": ["GET", "HEAD"]}),
        );
        reply.headers.push(("Allow", "GET, HEAD"));
        return reply;
    }
    match route {
        Route::Live => Reply::json(200, json!({"status": "UP"})),
        Route::Ready => match state.readiness() {
            Ok(()) => Reply::json(200, json!({"status": "UP"})),
            Err(reason) => Reply::json(503, json!({"status": "DOWN", "reason": reason})),
        },
        Route::Metrics => Reply {
            status: 200,
            content_type: PROMETHEUS_CONTENT_TYPE,
            headers: Vec::new(),
            body: state.metrics.render_prometheus(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;
    use std::sync::Arc;

    fn state() -> AdminState {
        AdminState::new(Arc::new(Metrics::new()))
    }

    fn body(reply: &Reply) -> serde_json::Value {
        serde_json::from_str(&reply.body).expect("JSON body")
    }

    #[test]
    fn live_is_up_even_when_not_ready() {
        let reply = route("GET", "/health/live", &state());
        assert_eq!(reply.status, 200);
        assert_eq!(body(&reply), json!({"status": "UP"}));
    }

    #[test]
    fn ready_follows_state_and_escapes_the_reason() {
        let s = state();
        s.set_not_ready("broker \"b1\" unreachable");
        let reply = route("GET", "/health/ready?verbose", &s);
        assert_eq!(reply.status, 503);
        assert_eq!(body(&reply)["reason"], "broker \"b1\" unreachable");
        s.set_ready();
        assert_eq!(route("HEAD", "/health/ready", &s).status, 200);
    }

    #[test]
    fn metrics_render_current_counters() {
        let s = state();
        s.metrics.connection_accepted();
        let reply = route("GET", "/metrics", &s);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.content_type, PROMETHEUS_CONTENT_TYPE);
        assert!(reply
            .body
            .contains("\nkgate_connections_accepted_total 1\n"));
    }

    #[test]
    fn unknown_path_and_wrong_method() {
        let s = state();
        let reply = route("GET", "/nope", &s);
        assert_eq!(reply.status, 404);
        assert_eq!(body(&reply)["path"], "/nope");
        let reply = route("POST", "/metrics", &s);
        assert_eq!(reply.status, 405);
        assert_eq!(reply.headers, vec![("Allow", "GET, HEAD")]);
        assert_eq!(route("DELETE", "/nope", &s).status, 404);
    }
}
