//! A small blocking Kafka client for kgate's own requests, on its own connection and its own
//! correlation ids, so it never collides with client traffic.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;

use super::sasl_client::{BackendCredentials, SaslExchange, Step};

use codec::frame::{frame_size, Status, SIZE_PREFIX};
use codec::header::{
    request_header_version, response_header_version, RequestHeader, ResponseHeader,
};
use codec::{Message, Reader};

use crate::routing::address_book::BrokerAddress;

/// The client id kgate's own requests carry.
const CLIENT_ID: &str = "kgate-control";
/// The largest answer the control plane accepts (a Metadata answer for a large cluster).
const MAX_ANSWER: usize = 64 * 1024 * 1024;

/// A control-plane failure, with enough context for one log line.
#[derive(Debug)]
pub struct ControlError(pub String);

impl std::fmt::Display for ControlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for ControlClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlClient")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl From<io::Error> for ControlError {
    fn from(e: io::Error) -> Self {
        Self(e.to_string())
    }
}

/// A blocking byte stream: plain TCP or TLS.
trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

/// One blocking connection to a broker.
pub struct ControlClient {
    stream: Box<dyn Stream>,
    next_correlation_id: i32,
    /// Where this client is connected, for logs.
    pub address: BrokerAddress,
}

impl ControlClient {
    /// Connect with `timeout` for the connection and for each read and write, over TLS when
    /// `tls` is given.
    pub fn connect(
        address: &BrokerAddress,
        timeout: Duration,
        tls: Option<&Arc<ClientConfig>>,
    ) -> Result<Self, ControlError> {
        let mut last = ControlError(format!(
            "{}:{} does not resolve",
            address.host, address.port
        ));
        for addr in (address.host.as_str(), address.port).to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, timeout) {
                Ok(stream) => {
                    stream.set_read_timeout(Some(timeout))?;
                    stream.set_write_timeout(Some(timeout))?;
                    stream.set_nodelay(true)?;
                    let stream: Box<dyn Stream> = match tls {
                        None => Box::new(stream),
                        Some(config) => {
                            let name = crate::tls::client::server_name(&address.host)
                                .map_err(ControlError)?;
                            let conn = rustls::ClientConnection::new(Arc::clone(config), name)
                                .map_err(|e| {
                                    ControlError(format!(
                                        "TLS to {}:{}: {e}",
                                        address.host, address.port
                                    ))
                                })?;
                            Box::new(rustls::StreamOwned::new(conn, stream))
                        }
                    };
                    return Ok(Self {
                        stream,
                        next_correlation_id: 1,
                        address: address.clone(),
                    });
                }
                Err(e) => last = ControlError(format!("{}:{}: {e}", address.host, address.port)),
            }
        }
        Err(last)
    }

    /// Send `request` at `version` and wait for its answer.
    pub fn call<Req: Message, Resp: Message>(
        &mut self,
        request: &Req,
        version: i16,
    ) -> Result<Resp, ControlError> {
        let body = self.call_raw(request, version)?;
        let name = codec::api::api_name(Req::API_KEY);
        // Trailing bytes are tolerated as Kafka clients tolerate them (see routing::rewrite).
        Resp::decode_body_prefix(&body, version)
            .map(|(value, _)| value)
            .map_err(|e| ControlError(format!("{name} v{version} answer: {e}")))
    }

    /// Send `request` at `version`; return the answer's body (after the header), undecoded.
    pub fn call_raw<Req: Message>(
        &mut self,
        request: &Req,
        version: i16,
    ) -> Result<Vec<u8>, ControlError> {
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        let header = RequestHeader {
            api_key: Req::API_KEY,
            api_version: version,
            correlation_id,
            client_id: Some(CLIENT_ID.to_owned()),
            ..RequestHeader::default()
        };
        let mut body = Vec::new();
        let encode_error =
            |e: codec::EncodeError| ControlError(format!("cannot encode request: {e}"));
        header
            .encode(&mut body, request_header_version(Req::API_KEY, version))
            .map_err(encode_error)?;
        request
            .encode_body(&mut body, version)
            .map_err(encode_error)?;
        let mut frame = Vec::with_capacity(body.len() + SIZE_PREFIX);
        codec::frame::encode_frame(&body, &mut frame).map_err(encode_error)?;
        self.stream.write_all(&frame)?;

        let answer = self.read_frame()?;
        let mut r = Reader::new(&answer);
        let name = codec::api::api_name(Req::API_KEY);
        let header = ResponseHeader::decode(&mut r, response_header_version(Req::API_KEY, version))
            .map_err(|e| ControlError(format!("{name} v{version} answer header: {e}")))?;
        if header.correlation_id != correlation_id {
            return Err(ControlError(format!(
                "{name} answer carries correlation id {}, expected {correlation_id}",
                header.correlation_id
            )));
        }
        Ok(r.rest().to_vec())
    }

    /// Authenticate with kgate's own credentials, before any other request.
    pub fn authenticate(&mut self, creds: &Arc<BackendCredentials>) -> Result<(), ControlError> {
        let failed = |e: String| {
            ControlError(format!(
                "SASL authentication failed ({}): {e}",
                creds.mechanism()
            ))
        };
        let (mut exchange, mut frame) = SaslExchange::start(Arc::clone(creds)).map_err(failed)?;
        loop {
            self.stream.write_all(&frame)?;
            let answer = self.read_frame()?;
            match exchange.on_response(&answer).map_err(failed)? {
                Step::Send(next) => frame = next,
                Step::Done { .. } => return Ok(()),
            }
        }
    }

    fn read_frame(&mut self) -> Result<Vec<u8>, ControlError> {
        let mut prefix = [0u8; SIZE_PREFIX];
        self.stream.read_exact(&mut prefix)?;
        let size = match frame_size(&prefix, MAX_ANSWER) {
            Ok(Status::Complete(size)) => size,
            Ok(Status::Partial { .. }) => return Err(ControlError("short frame prefix".into())),
            Err(e) => return Err(ControlError(format!("answer frame: {e}"))),
        };
        let mut body = vec![0u8; size];
        self.stream.read_exact(&mut body)?;
        Ok(body)
    }
}
