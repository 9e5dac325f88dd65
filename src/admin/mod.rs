//! The admin HTTP server on `GATEWAY_HTTP_PORT`: health and metrics (no authentication), and
//! the `gateway/v2` API for service accounts, tokens, virtual clusters and alias topics (HTTP
//! Basic, see [`basic_auth`]).
//!
//! tiny_http on one dedicated blocking thread: the admin API is low-traffic, and keeping it off
//! the workers means a slow scrape can never delay Kafka traffic.

mod alias_topics;
mod api;
pub mod basic_auth;
mod groups;
mod interceptors;
pub mod request;
mod routes;
mod secret_eq;
mod service_accounts;
mod state;
#[cfg(test)]
mod test_support;
mod tokens;
mod virtual_clusters;

use std::io::{self, Read};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use tiny_http::{Header, Request, Response, Server};

pub use api::{AdminApi, OPENAPI};
pub use request::ApiRequest;
pub use routes::{route, Reply, PROMETHEUS_CONTENT_TYPE};
pub use state::AdminState;

/// How long to wait before binding again after the listener failed (e.g. out of file
/// descriptors); tiny_http stops accepting for good after one accept error.
const REBIND_DELAY: Duration = Duration::from_secs(1);

/// Starts the admin server on `bind_host:port` (port 0 picks a free port; see
/// [`AdminHandle::local_addr`]). Binding errors are returned, with the address in the message.
pub fn spawn(
    bind_host: &str,
    port: u16,
    state: Arc<AdminState>,
    api: Arc<AdminApi>,
) -> io::Result<AdminHandle> {
    let server = bind(&format_addr(bind_host, port), (bind_host, port))?;
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| io::Error::other("admin HTTP server is not on an IP address"))?;
    let shared = Arc::new(Shared {
        stopping: AtomicBool::new(false),
        server: Mutex::new(server),
    });
    let thread = thread::Builder::new().name("kgate-admin".into()).spawn({
        let shared = Arc::clone(&shared);
        move || serve(&shared, addr, &state, &api)
    })?;
    log::info!("admin HTTP server listening on {addr}");
    Ok(AdminHandle {
        shared,
        thread: Some(thread),
        addr,
    })
}

/// The running server. Dropping it stops the server too.
pub struct AdminHandle {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    addr: SocketAddr,
}

impl std::fmt::Debug for AdminHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminHandle")
            .field("addr", &self.addr)
            .field("running", &self.thread.is_some())
            .finish_non_exhaustive()
    }
}

impl AdminHandle {
    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, finishes the request in hand, and joins the server thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.shared.stopping.store(true, Ordering::Release);
        self.shared.server().unblock();
        if thread.join().is_err() {
            log::error!("admin HTTP server thread panicked");
        }
    }
}

impl Drop for AdminHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// State shared by the handle and the server thread.
struct Shared {
    stopping: AtomicBool,
    /// The current server; replaced when the listener has to be bound again. `stopping` is
    /// checked under this lock before replacing, so a stop can never miss the new server.
    server: Mutex<Arc<Server>>,
}

impl Shared {
    fn server(&self) -> MutexGuard<'_, Arc<Server>> {
        self.server.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }
}

fn serve(shared: &Shared, addr: SocketAddr, state: &AdminState, api: &AdminApi) {
    loop {
        let server = Arc::clone(&shared.server());
        match server.recv() {
            Ok(request) => respond(request, state, api),
            Err(_) if shared.stopping() => return,
            Err(e) => {
                log::error!("admin HTTP server on {addr} stopped accepting: {e}; binding again");
                if !rebind(shared, addr) {
                    return;
                }
            }
        }
    }
}

/// Binds `addr` again, retrying every [`REBIND_DELAY`]; `false` if asked to stop meanwhile.
fn rebind(shared: &Shared, addr: SocketAddr) -> bool {
    loop {
        let until = Instant::now() + REBIND_DELAY;
        while Instant::now() < until {
            if shared.stopping() {
                return false;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let mut current = shared.server();
        if shared.stopping() {
            return false;
        }
        match bind(&addr.to_string(), addr) {
            Ok(server) => {
                *current = server;
                log::info!("admin HTTP server listening on {addr} again");
                return true;
            }
            Err(e) => log::error!("{e}; retrying"),
        }
    }
}

fn respond(mut request: Request, state: &AdminState, api: &AdminApi) {
    let api_request = read_request(&mut request);
    let reply = api
        .handle(&api_request)
        .unwrap_or_else(|| route(&api_request.method, &api_request.url, state));
    let mut response = Response::from_string(reply.body).with_status_code(reply.status);
    for (name, value) in [("Content-Type", reply.content_type)]
        .into_iter()
        .chain(reply.headers)
    {
        // Our header names and values are static ASCII, so this cannot fail in practice.
        if let Ok(header) = Header::from_bytes(name, value) {
            response.add_header(header);
        }
    }
    if let Err(e) = request.respond(response) {
        log::debug!("admin HTTP client went away: {e}");
    }
}

/// The parts of `request` the handlers look at; the body is read up to
/// [`request::MAX_BODY_BYTES`] and dropped (`None`) beyond.
fn read_request(request: &mut Request) -> ApiRequest {
    let authorization = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))
        .map(|h| h.value.as_str().to_string());
    let mut body = Vec::new();
    let limit = request::MAX_BODY_BYTES as u64 + 1;
    let read = request.as_reader().take(limit).read_to_end(&mut body);
    let body = match read {
        Ok(_) if body.len() <= request::MAX_BODY_BYTES => Some(body),
        Ok(_) => None,
        Err(e) => {
            log::debug!("admin HTTP request body unreadable: {e}");
            None
        }
    };
    ApiRequest {
        method: request.method().as_str().to_string(),
        url: request.url().to_string(),
        authorization,
        body,
    }
}

fn bind(shown: &str, addr: impl std::net::ToSocketAddrs) -> io::Result<Arc<Server>> {
    Server::http(addr).map(Arc::new).map_err(|e| {
        let kind = e
            .downcast_ref::<io::Error>()
            .map_or(io::ErrorKind::Other, io::Error::kind);
        io::Error::new(kind, format!("admin HTTP server on {shown}: {e}"))
    })
}

/// `host:port`, bracketing IPv6 literals.
fn format_addr(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests;
