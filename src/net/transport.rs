//! One socket type for plain TCP and TLS, so that buffers and framing never know which it is.
//!
//! `Read` gives plaintext: for TLS it reads records from the socket until plaintext is
//! available or the socket would block, driving the handshake on the way. `Write` takes
//! plaintext and pushes records out as far as the socket accepts. A TLS write can stall on the
//! handshake rather than on the socket, so the transport says which: only a blocked socket
//! clears the connection's writable flag (mio is edge-triggered).

use std::io::{self, Read, Write};

use mio::net::TcpStream;
use rustls::pki_types::CertificateDer;
use rustls::Connection;

/// A connection's socket, plain or TLS.
#[derive(Debug)]
pub enum Transport {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<TlsSocket>),
}

/// rustls over a non-blocking TCP socket.
#[derive(Debug)]
pub struct TlsSocket {
    sock: TcpStream,
    conn: Connection,
    socket_write_blocked: bool,
}

impl Transport {
    /// Wrap `sock` in TLS driven by `conn`.
    pub fn tls(sock: TcpStream, conn: impl Into<Connection>) -> Self {
        Self::Tls(Box::new(TlsSocket {
            sock,
            conn: conn.into(),
            socket_write_blocked: false,
        }))
    }

    /// The TCP socket, to register with mio and query.
    pub fn socket(&mut self) -> &mut TcpStream {
        match self {
            Self::Plain(sock) => sock,
            Self::Tls(tls) => &mut tls.sock,
        }
    }

    /// The TCP socket, read-only.
    pub fn socket_ref(&self) -> &TcpStream {
        match self {
            Self::Plain(sock) => sock,
            Self::Tls(tls) => &tls.sock,
        }
    }

    /// True when the last write stopped because the socket itself would block.
    pub fn socket_write_blocked(&self) -> bool {
        match self {
            Self::Plain(_) => true,
            Self::Tls(tls) => tls.socket_write_blocked,
        }
    }

    /// Push pending TLS records out. Returns true when nothing is left pending.
    pub fn flush_pending(&mut self) -> io::Result<bool> {
        match self {
            Self::Plain(_) => Ok(true),
            Self::Tls(tls) => tls.write_pending(),
        }
    }

    /// True when TLS records wait to be written.
    pub fn has_pending_output(&self) -> bool {
        match self {
            Self::Plain(_) => false,
            Self::Tls(tls) => tls.conn.wants_write(),
        }
    }

    /// True while a TLS handshake is in progress.
    pub fn is_handshaking(&self) -> bool {
        match self {
            Self::Plain(_) => false,
            Self::Tls(tls) => tls.conn.is_handshaking(),
        }
    }

    /// The SNI name a TLS client sent, once its ClientHello has been read.
    pub fn sni(&self) -> Option<&str> {
        match self {
            Self::Tls(tls) => match &tls.conn {
                Connection::Server(server) => server.server_name(),
                Connection::Client(_) => None,
            },
            Self::Plain(_) => None,
        }
    }

    /// The peer's certificate chain, once the handshake is done.
    pub fn peer_certificates(&self) -> Option<&[CertificateDer<'static>]> {
        match self {
            Self::Tls(tls) => tls.conn.peer_certificates(),
            Self::Plain(_) => None,
        }
    }
}

impl TlsSocket {
    fn write_pending(&mut self) -> io::Result<bool> {
        while self.conn.wants_write() {
            match self.conn.write_tls(&mut self.sock) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "peer accepts no bytes",
                    ))
                }
                Ok(_) => self.socket_write_blocked = false,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.socket_write_blocked = true;
                    return Ok(false);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }
}

impl Read for Transport {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let tls = match self {
            Self::Plain(sock) => return sock.read(buf),
            Self::Tls(tls) => tls,
        };
        loop {
            match tls.conn.reader().read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // The peer closed without close_notify: for a proxy, that is a close.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
                Err(e) => return Err(e),
            }
            match tls.conn.read_tls(&mut tls.sock) {
                Ok(0) => return Ok(0),
                Ok(_) => {
                    if let Err(e) = tls.conn.process_new_packets() {
                        // Tell the peer why, then fail the connection.
                        let _ = tls.write_pending();
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("TLS: {e}"),
                        ));
                    }
                    tls.write_pending()?;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl Write for Transport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let tls = match self {
            Self::Plain(sock) => return sock.write(buf),
            Self::Tls(tls) => tls,
        };
        // Accept new plaintext only once earlier records are out, so rustls buffers stay small.
        if !tls.write_pending()? {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = tls.conn.writer().write(buf)?;
        tls.write_pending()?;
        if n == 0 {
            // rustls holds plaintext until the handshake completes and its buffer is full.
            tls.socket_write_blocked = false;
            return Err(io::ErrorKind::WouldBlock.into());
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_pending().map(|_| ())
    }
}
