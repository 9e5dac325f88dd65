use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::Duration;

use codec::header::{response_header_version, ResponseHeader};
use codec::messages::sasl_authenticate::SaslAuthenticateResponse;
use codec::messages::sasl_handshake::SaslHandshakeResponse;
use codec::Message;

use super::*;
use crate::auth::secret::Secret;
use crate::config::SaslMechanism;
use crate::upstream::sasl_client::BackendCredentials;

fn shared() -> Arc<Shared> {
    Shared::for_tests(None)
}

fn shared_with(backend_sasl: Option<Arc<BackendCredentials>>) -> Arc<Shared> {
    Shared::for_tests(backend_sasl)
}

/// A connected pair: (the std end the test drives, the non-blocking mio end kgate gets).
fn pair() -> (TcpStream, mio::net::TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (theirs, _) = listener.accept().unwrap();
    theirs.set_nonblocking(true).unwrap();
    (ours, mio::net::TcpStream::from_std(theirs))
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

/// The broker got the client's request unchanged but for the correlation id, which is kgate's
/// own (the pipeline's in-flight table maps it back); returns kgate's id.
fn same_but_correlation_id(got: &[u8], sent: &[u8]) -> i32 {
    assert_eq!(
        got.len(),
        sent.len(),
        "the request reached the broker whole"
    );
    assert_eq!(got[..8], sent[..8], "size, api key and version unchanged");
    assert_eq!(got[12..], sent[12..], "the rest of the request unchanged");
    i32::from_be_bytes(got[8..12].try_into().unwrap())
}

/// One pump with every readiness flag set (mio is edge-triggered; the test plays the events).
fn pump_ready(conn: &mut Connection) -> Result<(), Close> {
    conn.client_ready = Readiness {
        readable: true,
        writable: true,
    };
    if let Some(up) = conn.upstream.as_mut() {
        up.ready = Readiness {
            readable: true,
            writable: true,
        };
    }
    conn.pump()
}

/// Kafka answers a failed SaslAuthenticate and closes the connection at once: kgate may read
/// the answer and the close in one go, and the answer must still reach the client.
#[test]
fn an_answer_that_arrives_with_the_brokers_close_reaches_the_client() {
    let (mut client, client_end) = pair();
    let (upstream_end, broker_listener) = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        stream.set_nonblocking(true).unwrap();
        (mio::net::TcpStream::from_std(stream), listener)
    };
    let (mut broker, _) = broker_listener.accept().unwrap();
    let peer = client.local_addr().unwrap();
    let addr = broker.local_addr().unwrap();
    let mut conn = Connection::new(
        Transport::Plain(client_end),
        peer,
        ListenerKind::Port { broker_id: Some(1) },
        shared(),
    );
    conn.attach_upstream(Upstream::new(
        Transport::Plain(upstream_end),
        addr,
        Some(1),
        false,
    ));

    // SaslAuthenticate v1 (request header v1, no client id), correlation id 7: forwarded as is.
    let mut request = Vec::new();
    request.extend_from_slice(&36i16.to_be_bytes());
    request.extend_from_slice(&1i16.to_be_bytes());
    request.extend_from_slice(&7i32.to_be_bytes());
    request.extend_from_slice(&(-1i16).to_be_bytes());
    request.extend_from_slice(&5i32.to_be_bytes());
    request.extend_from_slice(b"\0u\0p!");
    client.write_all(&frame(&request)).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    pump_ready(&mut conn).unwrap();

    let mut got = vec![0u8; frame(&request).len()];
    broker.read_exact(&mut got).unwrap();
    let upstream_id = same_but_correlation_id(&got, &frame(&request));

    // The broker's error answer (SASL_AUTHENTICATION_FAILED) with kgate's id, then its close;
    // the client sees its own id, 7.
    let mut answer = upstream_id.to_be_bytes().to_vec();
    answer.extend_from_slice(&58i16.to_be_bytes());
    answer.extend_from_slice(&(-1i16).to_be_bytes());
    answer.extend_from_slice(&0i32.to_be_bytes());
    answer.extend_from_slice(&0i64.to_be_bytes());
    broker.write_all(&frame(&answer)).unwrap();
    broker.shutdown(Shutdown::Both).unwrap();
    drop(broker);
    std::thread::sleep(Duration::from_millis(50));

    let closed = pump_ready(&mut conn);
    assert!(matches!(closed, Err(Close::UpstreamClosed)), "{closed:?}");
    drop(conn); // the worker drops a closed connection

    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut seen = Vec::new();
    client.read_to_end(&mut seen).unwrap();
    answer[..4].copy_from_slice(&7i32.to_be_bytes());
    assert_eq!(
        seen,
        frame(&answer),
        "the client gets the broker's last answer, then the close"
    );
}

/// A client connection to a test broker: (kgate's connection, the client's end, the broker's end).
fn connection_to_test_broker(
    backend_sasl: Option<Arc<BackendCredentials>>,
) -> (Connection, TcpStream, TcpStream) {
    let (client, client_end) = pair();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    stream.set_nonblocking(true).unwrap();
    let (broker, _) = listener.accept().unwrap();
    broker
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let authenticate = backend_sasl.is_some();
    let mut conn = Connection::new(
        Transport::Plain(client_end),
        client.local_addr().unwrap(),
        ListenerKind::Port { broker_id: Some(1) },
        shared_with(backend_sasl),
    );
    conn.attach_upstream(Upstream::new(
        Transport::Plain(mio::net::TcpStream::from_std(stream)),
        broker.local_addr().unwrap(),
        Some(1),
        authenticate,
    ));
    (conn, client, broker)
}

/// The next request frame the broker receives: (api key, correlation id), or None if none came.
fn broker_reads(broker: &mut TcpStream) -> Option<(i16, i32)> {
    let mut size = [0u8; 4];
    match broker.read_exact(&mut size) {
        Ok(()) => {}
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            return None
        }
        Err(e) => panic!("broker read: {e}"),
    }
    let mut body = vec![0u8; u32::from_be_bytes(size) as usize];
    broker.read_exact(&mut body).unwrap();
    let peek = codec::header::peek_request(&body).unwrap();
    Some((peek.api_key, peek.correlation_id))
}

fn broker_answers<M: Message>(broker: &mut TcpStream, correlation_id: i32, version: i16, msg: &M) {
    let mut body = Vec::new();
    ResponseHeader {
        correlation_id,
        ..Default::default()
    }
    .encode(&mut body, response_header_version(M::API_KEY, version))
    .unwrap();
    msg.encode_body(&mut body, version).unwrap();
    broker.write_all(&frame(&body)).unwrap();
    std::thread::sleep(Duration::from_millis(30));
}

/// The broker's side of kgate's PLAIN exchange, granting a session of `lifetime_ms`.
fn broker_accepts_plain(conn: &mut Connection, broker: &mut TcpStream, lifetime_ms: i64) {
    let (key, cid) = broker_reads(broker).expect("kgate's SaslHandshake");
    assert_eq!(key, 17);
    let handshake = SaslHandshakeResponse {
        error_code: 0,
        mechanisms: vec!["PLAIN".into()],
    };
    broker_answers(broker, cid, 1, &handshake);
    pump_ready(conn).unwrap();
    let (key, cid) = broker_reads(broker).expect("kgate's SaslAuthenticate");
    assert_eq!(key, 36);
    let done = SaslAuthenticateResponse {
        session_lifetime_ms: lifetime_ms,
        ..Default::default()
    };
    broker_answers(broker, cid, 1, &done);
    pump_ready(conn).unwrap();
}

/// ListGroups v0 (an opaque request kgate forwards as it is).
fn list_groups(correlation_id: i32) -> Vec<u8> {
    let mut request = 16i16.to_be_bytes().to_vec();
    request.extend_from_slice(&0i16.to_be_bytes());
    request.extend_from_slice(&correlation_id.to_be_bytes());
    request.extend_from_slice(&(-1i16).to_be_bytes());
    frame(&request)
}

fn list_groups_answer(correlation_id: i32) -> Vec<u8> {
    let mut body = correlation_id.to_be_bytes().to_vec();
    body.extend_from_slice(&0i16.to_be_bytes());
    body.extend_from_slice(&0i32.to_be_bytes());
    body
}

/// KIP-368 towards the broker: when kgate's session is due for renewal while a request is in
/// flight and another arrives, the new one waits; once the first is answered kgate
/// re-authenticates, then sends the held request. (The held request used to be queued behind
/// the renewal, which waited for it to be answered: the connection hung.)
#[test]
fn a_request_arriving_while_the_broker_session_renews_waits_for_it() {
    let creds = Arc::new(BackendCredentials::Password {
        mechanism: SaslMechanism::Plain,
        username: "gw".into(),
        password: Secret::from("gw-secret"),
    });
    let (mut conn, mut client, mut broker) = connection_to_test_broker(Some(creds));
    pump_ready(&mut conn).unwrap();
    broker_accepts_plain(&mut conn, &mut broker, 60_000);

    client.write_all(&list_groups(1)).unwrap();
    std::thread::sleep(Duration::from_millis(30));
    pump_ready(&mut conn).unwrap();
    assert_eq!(broker_reads(&mut broker), Some((16, 1)));

    // the session is due while request 1 is unanswered; request 2 arrives meanwhile
    conn.upstream.as_mut().unwrap().reauth_at = Some(Instant::now());
    assert!(conn.on_tick(Instant::now()).unwrap());
    client.write_all(&list_groups(2)).unwrap();
    std::thread::sleep(Duration::from_millis(30));
    pump_ready(&mut conn).unwrap();
    assert_eq!(
        broker_reads(&mut broker),
        None,
        "request 2 went out during the renewal"
    );

    // request 1 answered: kgate renews first, then request 2 goes out
    broker.write_all(&frame(&list_groups_answer(1))).unwrap();
    std::thread::sleep(Duration::from_millis(30));
    pump_ready(&mut conn).unwrap();
    broker_accepts_plain(&mut conn, &mut broker, 60_000);
    assert_eq!(
        broker_reads(&mut broker),
        Some((16, 2)),
        "the held request after the renewal"
    );
    broker.write_all(&frame(&list_groups_answer(2))).unwrap();
    std::thread::sleep(Duration::from_millis(30));
    pump_ready(&mut conn).unwrap();

    client
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let mut answers = vec![0u8; 2 * frame(&list_groups_answer(1)).len()];
    client.read_exact(&mut answers).unwrap();
    let mut expected = frame(&list_groups_answer(1));
    expected.extend(frame(&list_groups_answer(2)));
    assert_eq!(answers, expected, "both answers, in order");
}

/// A host-routed client whose SNI name has not been checked yet gets no answer at all, not even
/// the local ApiVersions one: a refused name must see its connection closed and nothing else.
/// Once a broker is attached, the frame that waited is handled.
#[test]
fn a_host_routed_client_is_not_answered_before_its_route() {
    let (mut client, client_end) = pair();
    let peer = client.local_addr().unwrap();
    let mut conn = Connection::new(
        Transport::Plain(client_end),
        peer,
        ListenerKind::Sni,
        shared(),
    );
    // ApiVersions v0, correlation id 4242, client id "p".
    let mut request = Vec::new();
    request.extend_from_slice(&18i16.to_be_bytes());
    request.extend_from_slice(&0i16.to_be_bytes());
    request.extend_from_slice(&4242i32.to_be_bytes());
    request.extend_from_slice(&1i16.to_be_bytes());
    request.extend_from_slice(b"p");
    client.write_all(&frame(&request)).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    pump_ready(&mut conn).unwrap();
    assert!(
        conn.client_out.is_empty(),
        "answered before the route was known"
    );
    client
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut buf = [0u8; 64];
    assert!(client.read(&mut buf).is_err(), "bytes reached the client");
    assert_eq!(conn.client_in.len(), frame(&request).len());

    let (upstream_end, _broker) = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        stream.set_nonblocking(true).unwrap();
        (
            mio::net::TcpStream::from_std(stream),
            listener.accept().unwrap(),
        )
    };
    let addr = upstream_end.peer_addr().unwrap();
    conn.attach_upstream(Upstream::new(
        Transport::Plain(upstream_end),
        addr,
        None,
        false,
    ));
    let _ = conn.pump();
    assert!(
        conn.client_in.is_empty(),
        "the waiting frame was not handled after the route"
    );
}

/// A producer with acks=0 writes its last Produce and closes at once (its close()): kgate reads
/// the request and the close together, here before its broker connection is known to be up, and
/// the request must still reach the broker, as it would reach Kafka.
#[test]
fn a_request_that_arrives_with_the_clients_close_still_reaches_the_broker() {
    let (mut client, client_end) = pair();
    let broker_listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = broker_listener.local_addr().unwrap();
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_nonblocking(true).unwrap();
    let (mut broker, _) = broker_listener.accept().unwrap();
    let mut conn = Connection::new(
        Transport::Plain(client_end),
        client.local_addr().unwrap(),
        ListenerKind::Port { broker_id: Some(1) },
        shared(),
    );
    conn.attach_upstream(Upstream::new(
        Transport::Plain(mio::net::TcpStream::from_std(stream)),
        addr,
        Some(1),
        false,
    ));

    // Produce v3 with acks=0 (no answer expected) and no topics, then the client's close.
    let mut request = Vec::new();
    request.extend_from_slice(&0i16.to_be_bytes()); // Produce
    request.extend_from_slice(&3i16.to_be_bytes()); // version
    request.extend_from_slice(&9i32.to_be_bytes()); // correlation id
    request.extend_from_slice(&(-1i16).to_be_bytes()); // client id: null
    request.extend_from_slice(&(-1i16).to_be_bytes()); // transactional id: null
    request.extend_from_slice(&0i16.to_be_bytes()); // acks
    request.extend_from_slice(&30_000i32.to_be_bytes()); // timeout
    request.extend_from_slice(&0i32.to_be_bytes()); // topics
    client.write_all(&frame(&request)).unwrap();
    drop(client);
    std::thread::sleep(Duration::from_millis(50));

    // The request and the close are read while the broker connection is not writable yet.
    conn.client_ready = Readiness {
        readable: true,
        writable: true,
    };
    let waiting = conn.pump();
    assert!(
        waiting.is_ok(),
        "closed before the request went out: {waiting:?}"
    );
    // The broker connection is up: the request goes out, then the connection closes.
    let closed = pump_ready(&mut conn);
    assert!(matches!(closed, Err(Close::ClientClosed)), "{closed:?}");
    drop(conn);

    broker
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut got = Vec::new();
    broker.read_to_end(&mut got).unwrap();
    same_but_correlation_id(&got, &frame(&request));
}
