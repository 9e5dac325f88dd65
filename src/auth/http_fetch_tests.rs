use super::*;
use std::io::BufRead;
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;

const T: Duration = Duration::from_secs(5);

/// A one-shot HTTP server: answers one connection with `response`, reports the request.
fn serve(response: Vec<u8>) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = std::io::BufReader::new(stream);
        let mut request = String::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            request.push_str(&line);
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        request.push_str(&String::from_utf8(body).unwrap());
        let mut stream = reader.into_inner();
        let _ = stream.write_all(&response);
        tx.send(request).unwrap();
    });
    (base, rx)
}

#[test]
fn get_with_content_length() {
    let (base, rx) = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"keys\":[]}".to_vec());
    let body = fetch(&format!("{base}/jwks.json?x=1"), T, None).unwrap();
    assert_eq!(body, br#"{"keys":[]}"#);
    let request = rx.recv().unwrap();
    assert!(
        request.starts_with("GET /jwks.json?x=1 HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(request.contains(&format!("Host: {}\r\n", &base[7..])));
    assert!(request.contains("Connection: close\r\n"));
}

#[test]
fn get_chunked_and_read_to_end() {
    let (base, _rx) = serve(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
            .to_vec(),
    );
    assert_eq!(fetch(&base, T, None).unwrap(), b"abcde");
    let (base, _rx) = serve(b"HTTP/1.0 200 OK\r\n\r\nuntil the end".to_vec());
    assert_eq!(fetch(&base, T, None).unwrap(), b"until the end");
}

#[test]
fn non_200_and_oversized_bodies_are_errors() {
    let (base, _rx) = serve(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec());
    let err = fetch(&format!("{base}/missing?key=SECRET"), T, None).unwrap_err();
    assert!(err.contains("404"), "{err}");
    assert!(err.contains("/missing"), "{err}");
    assert!(!err.contains("SECRET"), "{err}");
    let mut big = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
    big.extend(std::iter::repeat_n(b'a', MAX_BODY + 10));
    let (base, _rx) = serve(big);
    let err = fetch(&base, T, None).unwrap_err();
    assert!(err.contains("larger than"), "{err}");
}

#[test]
fn a_truncated_response_is_an_error() {
    let (base, _rx) = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort".to_vec());
    let err = fetch(&base, T, None).unwrap_err();
    assert!(err.contains("closed before"), "{err}");
}

#[test]
fn a_silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let started = Instant::now();
    let err = fetch(&url, Duration::from_millis(300), None).unwrap_err();
    assert!(err.contains("timed out"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
    drop(listener);
}

#[test]
fn post_form_encodes_the_body_and_basic_credentials() {
    let (base, rx) = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".to_vec());
    let form = [("grant_type", "client_credentials"), ("scope", "a b/c&d=é")];
    let body = post_form(
        &format!("{base}/token"),
        &form,
        Some(("my app", "s:cr&t")),
        T,
        None,
    )
    .unwrap();
    assert_eq!(body, b"{}");
    let request = rx.recv().unwrap();
    assert!(request.starts_with("POST /token HTTP/1.1\r\n"), "{request}");
    assert!(request.contains("Content-Type: application/x-www-form-urlencoded\r\n"));
    let expected_auth = STANDARD.encode("my+app:s%3Acr%26t");
    assert!(
        request.contains(&format!("Authorization: Basic {expected_auth}\r\n")),
        "{request}"
    );
    assert!(request.ends_with("\r\n\r\ngrant_type=client_credentials&scope=a+b%2Fc%26d%3D%C3%A9"));
}

#[test]
fn file_urls_are_read() {
    let path = std::env::temp_dir().join(format!("kgate-http-fetch-{}.json", std::process::id()));
    std::fs::write(&path, b"{\"keys\":[1]}").unwrap();
    let url = format!("file://{}", path.display());
    assert_eq!(fetch(&url, T, None).unwrap(), b"{\"keys\":[1]}");
    std::fs::remove_file(&path).unwrap();
    assert!(fetch(&url, T, None).unwrap_err().contains("cannot open"));
}

#[test]
fn https_to_a_plain_server_fails_cleanly() {
    let (base, _rx) = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".to_vec());
    let url = base.replace("http://", "https://");
    let config = ClientConfig::builder_with_provider(crate::tls::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let err = fetch(&url, T, Some(Arc::new(config))).unwrap_err();
    assert!(err.starts_with("https://127.0.0.1:"), "{err}");
}

#[test]
fn bad_urls_are_refused() {
    let cases = [
        ("ftp://x/", "must start with"),
        ("http:///path", "no host"),
        ("http://user:pw@host/", "credentials"),
        ("http://host:99999/", "not a number"),
        ("http://host/a b", "spaces"),
        ("http://[::1/", "unclosed"),
    ];
    for (url, expected) in cases {
        let err = fetch(url, T, None).unwrap_err();
        assert!(err.contains(expected), "{url}: {err}");
        assert!(!err.contains("pw"), "{err}");
    }
}

#[test]
fn targets_parse_ipv6_ports_and_queries() {
    let t = Target::parse("https://[::1]:8443?a=b").unwrap();
    assert_eq!((t.host.as_str(), t.port, t.https), ("::1", 8443, true));
    assert_eq!(t.path, "/?a=b");
    assert_eq!(t.host_header, "[::1]:8443");
    let t = Target::parse("http://idp.example").unwrap();
    assert_eq!((t.port, t.path.as_str()), (80, "/"));
}
