//! Parsing an HTTP/1.1 response from bytes received so far: status 200 required, the body
//! framed by `Content-Length`, chunked encoding, or the end of the connection.

use super::{MAX_BODY, MAX_HEADERS};

/// `Ok(None)` means "read more". `eof` says the peer closed, so read-to-end bodies are done.
pub(super) fn parse(buf: &[u8], eof: bool) -> Result<Option<Vec<u8>>, String> {
    let Some(head_len) = find(buf, b"\r\n\r\n") else {
        if buf.len() > MAX_HEADERS {
            return Err(format!(
                "response headers are larger than {MAX_HEADERS} bytes"
            ));
        }
        return if eof {
            Err("the connection closed before the response headers".into())
        } else {
            Ok(None)
        };
    };
    let head = std::str::from_utf8(buf.get(..head_len).unwrap_or_default())
        .map_err(|_| "response headers are not UTF-8".to_string())?;
    let rest = buf.get(head_len + 4..).unwrap_or_default();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let (version, code) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if !version.starts_with("HTTP/1.") || code.len() != 3 {
        return Err(format!(
            "not an HTTP/1.x response: {:?}",
            snippet(status_line.as_bytes())
        ));
    }
    if code != "200" {
        return Err(format!(
            "HTTP status {} (expected 200): {:?}",
            snippet(status_line.get(9..).unwrap_or(code).as_bytes()),
            snippet(rest)
        ));
    }
    let mut content_length: Option<usize> = None;
    let mut chunked = false;
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or("a response header line has no ':'")?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let n: usize = value
                .parse()
                .map_err(|_| "Content-Length is not a number".to_string())?;
            if content_length.is_some_and(|c| c != n) {
                return Err("conflicting Content-Length headers".into());
            }
            content_length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        }
    }
    if chunked {
        return dechunk(rest);
    }
    match content_length {
        Some(n) if n > MAX_BODY => Err(format!("response body is larger than {MAX_BODY} bytes")),
        Some(n) => Ok(rest.get(..n).map(<[u8]>::to_vec)),
        None if rest.len() > MAX_BODY => {
            Err(format!("response body is larger than {MAX_BODY} bytes"))
        }
        None => Ok(eof.then(|| rest.to_vec())),
    }
}

/// Decode `Transfer-Encoding: chunked`; `None` until the last chunk and trailers are in.
fn dechunk(mut rest: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut body = Vec::new();
    loop {
        let Some(eol) = find(rest, b"\r\n") else {
            return if rest.len() > 1024 {
                Err("a chunk size line is too long".into())
            } else {
                Ok(None)
            };
        };
        let line = std::str::from_utf8(rest.get(..eol).unwrap_or_default())
            .map_err(|_| "a chunk size is not ASCII".to_string())?;
        let hex = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(hex, 16)
            .map_err(|_| format!("invalid chunk size {:?}", snippet(hex.as_bytes())))?;
        rest = rest.get(eol + 2..).unwrap_or_default();
        if size == 0 {
            // Trailers (usually none) end with an empty line.
            let done = rest.starts_with(b"\r\n") || find(rest, b"\r\n\r\n").is_some();
            return Ok(done.then_some(body));
        }
        if size > MAX_BODY || body.len() + size > MAX_BODY {
            return Err(format!("response body is larger than {MAX_BODY} bytes"));
        }
        let Some(data) = rest.get(..size) else {
            return Ok(None);
        };
        match rest.get(size..size + 2) {
            None => return Ok(None),
            Some(b"\r\n") => {}
            Some(_) => return Err("a chunk is not followed by CRLF".into()),
        }
        body.extend_from_slice(data);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// At most 200 printable characters of what a server sent, for an error message.
fn snippet(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes.get(..200).unwrap_or(bytes))
        .chars()
        .filter(|c| !c.is_control())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello+extra";
        assert_eq!(parse(ok, false).unwrap().unwrap(), b"hello");
        assert_eq!(
            parse(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", false),
            Ok(None)
        );
        assert_eq!(parse(b"HTTP/1.1 200 OK\r\n\r\nabc", false), Ok(None));
        assert_eq!(
            parse(b"HTTP/1.0 200 OK\r\n\r\nabc", true).unwrap().unwrap(),
            b"abc"
        );
        let chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        assert_eq!(parse(chunked, false).unwrap().unwrap(), b"hello world");
        for cut in 45..chunked.len() {
            assert_eq!(parse(&chunked[..cut], false), Ok(None), "cut at {cut}");
        }
    }

    #[test]
    fn errors() {
        let cases: &[(&[u8], &str)] = &[
            (
                b"HTTP/1.1 404 Not Found\r\n\r\n{\"error\":\"x\"}",
                "HTTP status 404 Not Found",
            ),
            (b"SSH-2.0\r\n\r\n", "not an HTTP"),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
                "not a number",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                "conflicting",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n",
                "larger than",
            ),
            (b"HTTP/1.1 200 OK\r\nbroken\r\n\r\n", "no ':'"),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                "chunk size",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
                "CRLF",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\n",
                "larger than",
            ),
        ];
        for (bytes, expected) in cases {
            let err = parse(bytes, false).unwrap_err();
            assert!(err.contains(expected), "{err}");
        }
        assert!(parse(b"HTTP/1.1 200", true).is_err());
        assert!(parse(&vec![b'a'; MAX_HEADERS + 1], false).is_err());
    }
}
