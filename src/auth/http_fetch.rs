//! A minimal blocking HTTP/1.1 client for the two requests OAuth needs: fetching a JWKS and
//! posting a client-credentials grant. Blocking and hand-written on purpose: it runs on a
//! refresh thread, never on a worker's event loop, and kgate has no async runtime or HTTP crate.
//!
//! Bounded everywhere a server could make it wait or allocate: a connect/read timeout, an overall
//! deadline, headers capped at 64 KiB and bodies at 1 MiB. Redirects are not followed.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rustls::ClientConfig;

pub const MAX_BODY: usize = 1024 * 1024;
const MAX_HEADERS: usize = 64 * 1024;

/// Fetch `file://`, `http://` or `https://` content. For HTTPS without `tls`, the system CA
/// bundle is used.
pub fn fetch(
    url: &str,
    timeout: Duration,
    tls: Option<Arc<ClientConfig>>,
) -> Result<Vec<u8>, String> {
    if let Some(path) = url.strip_prefix("file://") {
        return read_file(path);
    }
    let target = Target::parse(url)?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: kgate\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
        target.path, target.host_header
    );
    send(&target, request.as_bytes(), timeout, tls)
}

/// POST an `application/x-www-form-urlencoded` form, optionally with HTTP Basic credentials
/// (each part form-encoded first, as RFC 6749 section 2.3.1 and Kafka's client do).
pub fn post_form(
    url: &str,
    form: &[(&str, &str)],
    basic_auth: Option<(&str, &str)>,
    timeout: Duration,
    tls: Option<Arc<ClientConfig>>,
) -> Result<Vec<u8>, String> {
    let target = Target::parse(url)?;
    let body = form
        .iter()
        .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut request = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: kgate\r\nAccept: application/json\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
        target.path,
        target.host_header,
        body.len()
    );
    if let Some((user, password)) = basic_auth {
        let credentials = format!("{}:{}", form_encode(user), form_encode(password));
        request.push_str("Authorization: Basic ");
        request.push_str(&STANDARD.encode(credentials));
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request.push_str(&body);
    send(&target, request.as_bytes(), timeout, tls)
}

fn read_file(path: &str) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open {path}: {e}"))?;
    let mut out = Vec::new();
    file.take(MAX_BODY as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    if out.len() > MAX_BODY {
        return Err(format!("{path} is larger than {MAX_BODY} bytes"));
    }
    Ok(out)
}

/// `application/x-www-form-urlencoded`: unreserved bytes as is, space as `+`, the rest `%XX`.
pub fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

struct Target {
    https: bool,
    host: String,
    port: u16,
    host_header: String,
    path: String,
    /// The URL without its query, for messages (a query may carry a key).
    display: String,
}

impl Target {
    fn parse(url: &str) -> Result<Target, String> {
        let (https, rest) = if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = url.strip_prefix("http://") {
            (false, r)
        } else {
            return Err("URL must start with file://, http:// or https://".into());
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (rest.get(..i).unwrap_or(""), rest.get(i..).unwrap_or("/")),
            None => (rest, "/"),
        };
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_owned()
        };
        if path.bytes().any(|b| b <= b' ' || b == 0x7f) || path.contains('#') {
            return Err("URL path contains spaces, control characters or a fragment".into());
        }
        if authority.contains('@') {
            return Err("URL must not contain credentials (user@host)".into());
        }
        let (host, port) = split_host_port(authority, if https { 443 } else { 80 })?;
        let scheme = if https { "https" } else { "http" };
        let path_only = path.split('?').next().unwrap_or("/");
        Ok(Target {
            https,
            host,
            port,
            host_header: authority.to_owned(),
            display: format!("{scheme}://{authority}{path_only}"),
            path,
        })
    }
}

fn split_host_port(authority: &str, default_port: u16) -> Result<(String, u16), String> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or("URL has an unclosed '['")?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err("URL has no host".into());
    }
    let port = match port {
        None => default_port,
        Some(p) => p
            .parse()
            .map_err(|_| format!("URL port {p:?} is not a number"))?,
    };
    Ok((host.to_owned(), port))
}

fn send(
    target: &Target,
    request: &[u8],
    timeout: Duration,
    tls: Option<Arc<ClientConfig>>,
) -> Result<Vec<u8>, String> {
    let deadline = Instant::now()
        .checked_add(timeout)
        .ok_or("the HTTP timeout is too large")?;
    let tcp = connect(target, timeout)?;
    let result = if target.https {
        let config = match tls {
            Some(c) => c,
            None => system_config()?,
        };
        let name = crate::tls::client::server_name(&target.host)?;
        let conn = rustls::ClientConnection::new(config, name)
            .map_err(|e| format!("{}: TLS setup failed: {e}", target.display))?;
        let mut stream = rustls::StreamOwned::new(conn, tcp);
        exchange(&mut stream, request, deadline)
    } else {
        let mut stream = tcp;
        exchange(&mut stream, request, deadline)
    };
    result.map_err(|e| format!("{}: {e}", target.display))
}

fn system_config() -> Result<Arc<ClientConfig>, String> {
    let roots = crate::tls::files::load_system_trust("GATEWAY_OAUTH_JWKS_URL")?;
    let config = ClientConfig::builder_with_provider(crate::tls::provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS client configuration: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn connect(target: &Target, timeout: Duration) -> Result<TcpStream, String> {
    let addrs = (target.host.as_str(), target.port)
        .to_socket_addrs()
        .map_err(|e| format!("{}: cannot resolve {}: {e}", target.display, target.host))?;
    let mut last = format!("{}: {} has no address", target.display, target.host);
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                s.set_read_timeout(Some(timeout))
                    .and_then(|_| s.set_write_timeout(Some(timeout)))
                    .map_err(|e| format!("{}: {e}", target.display))?;
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = format!("{}: cannot connect to {addr}: {e}", target.display),
        }
    }
    Err(last)
}

/// Send the request and read until the response is complete by its framing, or EOF.
fn exchange<S: Read + Write>(
    stream: &mut S,
    request: &[u8],
    deadline: Instant,
) -> Result<Vec<u8>, String> {
    stream
        .write_all(request)
        .and_then(|_| stream.flush())
        .map_err(|e| format!("sending the request failed: {e}"))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some(body) = response::parse(&buf, false)? {
            return Ok(body);
        }
        if Instant::now() > deadline {
            return Err("timed out waiting for the response".into());
        }
        let n = match stream.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            // Servers often close without TLS close_notify; the framing check below decides.
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => 0,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err("timed out waiting for the response".into())
            }
            Err(e) => return Err(format!("reading the response failed: {e}")),
        };
        if n == 0 {
            return response::parse(&buf, true)?
                .ok_or_else(|| "the connection closed before the response was complete".into());
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        if buf.len() > MAX_HEADERS + MAX_BODY + 64 * 1024 {
            return Err(format!("response is larger than {MAX_BODY} bytes"));
        }
    }
}

#[path = "http_response.rs"]
mod response;

#[cfg(test)]
#[path = "http_fetch_tests.rs"]
mod tests;
