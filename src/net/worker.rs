//! A worker thread: its own `mio::Poll`, its own connections, no locks on the data path.
//! New connections arrive from the acceptor through a channel plus a `mio::Waker`.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token, Waker};

use crate::config::SecurityMode;
use crate::net::transport::Transport;
use crate::proxy::connection::{Close, Connection};
use crate::proxy::listener::ListenerKind;
use crate::proxy::shared::Shared;
use crate::proxy::upstream::Upstream;
use crate::routing::address_book::Brokers;

/// How often timeouts and shutdown progress are checked when no event arrives.
const TICK: Duration = Duration::from_millis(200);

/// How long a quiet worker keeps its spare read buffers.
const SPARE_BUFFERS_KEPT_FOR: Duration = Duration::from_secs(10);
/// The waker's token; connection tokens are `2 * slot` (client) and `2 * slot + 1` (broker).
const WAKER: Token = Token(usize::MAX);

/// An accepted client on its way to a worker.
#[derive(Debug)]
pub struct NewConnection {
    /// The accepted socket, already non-blocking.
    pub stream: std::net::TcpStream,
    /// The client's address.
    pub peer: SocketAddr,
    /// The listener it came in on.
    pub listener: ListenerKind,
}

/// The acceptor's way to a worker.
#[derive(Debug, Clone)]
pub struct WorkerLink {
    /// Where new connections go.
    pub tx: Sender<NewConnection>,
    /// Wakes the worker's poll.
    pub waker: Arc<Waker>,
}

impl WorkerLink {
    /// Hand a connection over and wake the worker.
    pub fn send(&self, conn: NewConnection) -> io::Result<()> {
        self.tx
            .send(conn)
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "worker has stopped"))?;
        self.waker.wake()
    }

    /// Wake the worker so it notices shutdown.
    pub fn wake(&self) {
        let _ = self.waker.wake();
    }
}

/// Start worker `index`. Returns the link the acceptor uses and the thread's handle.
pub fn spawn(index: usize, shared: Arc<Shared>) -> io::Result<(WorkerLink, JoinHandle<()>)> {
    let poll = Poll::new()?;
    let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name(format!("kgate-worker-{index}"))
        .spawn(move || {
            let mut worker = Worker {
                poll,
                rx,
                shared,
                slots: Vec::new(),
                free: Vec::new(),
                shutdown_deadline: None,
                next_wake: None,
                last_timers: Instant::now(),
                last_event: Instant::now(),
                spare_returned: false,
            };
            if let Err(e) = worker.run() {
                log::error!("worker {index} stopped on a poll error: {e}");
            }
        })?;
    Ok((WorkerLink { tx, waker }, handle))
}

struct Worker {
    poll: Poll,
    rx: Receiver<NewConnection>,
    shared: Arc<Shared>,
    slots: Vec<Option<Connection>>,
    free: Vec<usize>,
    shutdown_deadline: Option<Instant>,
    /// The earliest time parked work of some connection wakes (a delayed answer).
    next_wake: Option<Instant>,
    /// When the timers were last checked.
    last_timers: Instant,
    /// When the last socket event came; spare buffers go back after a quiet while.
    last_event: Instant,
    /// The spare buffers went back since the last event.
    spare_returned: bool,
}

impl Worker {
    fn run(&mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        loop {
            // Parked work wakes on time, not up to a tick late.
            let timeout = self.next_wake.map_or(TICK, |t| {
                t.saturating_duration_since(Instant::now()).min(TICK)
            });
            if let Err(e) = self.poll.poll(&mut events, Some(timeout)) {
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if events.is_empty() {
                self.return_spare_buffers();
            } else {
                self.last_event = Instant::now();
                self.spare_returned = false;
            }
            for event in events.iter() {
                if event.token() == WAKER {
                    self.accept_new();
                    continue;
                }
                let slot = event.token().0 / 2;
                let upstream_side = event.token().0 % 2 == 1;
                let Some(Some(conn)) = self.slots.get_mut(slot) else {
                    continue;
                };
                // Errors and hang-ups are observed by reading or writing, so they count as both.
                let readable = event.is_readable() || event.is_read_closed() || event.is_error();
                let writable = event.is_writable() || event.is_write_closed() || event.is_error();
                let ready = match (upstream_side, conn.upstream.as_mut()) {
                    (true, Some(up)) => &mut up.ready,
                    (true, None) => continue,
                    (false, _) => &mut conn.client_ready,
                };
                ready.readable |= readable;
                ready.writable |= writable;
                self.pump(slot);
            }
            // Timers are checked once a tick (or when parked work is due), not after every
            // event: the check visits every connection, and a busy worker wakes thousands of
            // times a second.
            let now = Instant::now();
            if now >= self.last_timers + TICK || self.next_wake.is_some_and(|t| now >= t) {
                self.last_timers = now;
                self.check_timeouts();
            }
            if self.shared.shutting_down.load(Ordering::Acquire) && self.drain_for_shutdown() {
                return Ok(());
            }
        }
    }

    /// A worker quiet for a while returns the spare read buffers of its last burst (the
    /// thread's pool in `net::buffer`) to the allocator.
    fn return_spare_buffers(&mut self) {
        if !self.spare_returned && self.last_event.elapsed() >= SPARE_BUFFERS_KEPT_FOR {
            crate::net::buffer::trim_pool(0);
            self.spare_returned = true;
        }
    }

    fn accept_new(&mut self) {
        loop {
            match self.rx.try_recv() {
                Ok(new) => self.open(new),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return,
            }
        }
    }

    /// Pump one connection; once a host-routed client has named its broker, connect to it.
    fn pump(&mut self, slot: usize) {
        let Some(Some(conn)) = self.slots.get_mut(slot) else {
            return;
        };
        let mut result = conn.pump();
        if result.is_ok() {
            if let Some(route) = conn.sni_route() {
                result = route.and_then(|target| self.attach(slot, target));
                if result.is_ok() {
                    if let Some(Some(conn)) = self.slots.get_mut(slot) {
                        result = conn.pump();
                    }
                }
            }
        }
        if let Err(close) = result {
            self.close(slot, close);
        }
    }

    fn open(&mut self, new: NewConnection) {
        let NewConnection {
            stream,
            peer,
            listener,
        } = new;
        let sock = TcpStream::from_std(stream);
        let _ = sock.set_nodelay(true);
        let client = match &self.shared.server_tls {
            Some(tls) => match rustls::ServerConnection::new(tls.current.get()) {
                Ok(server) => Transport::tls(sock, server),
                Err(e) => {
                    self.release_count();
                    log::error!("connection from {peer} closed: cannot start TLS: {e}");
                    return;
                }
            },
            None => Transport::Plain(sock),
        };
        let conn = Connection::new(client, peer, listener, Arc::clone(&self.shared));
        let Some(slot) = self.insert(conn) else {
            return;
        };
        if let ListenerKind::Port { broker_id } = listener {
            if let Err(close) = self.attach(slot, broker_id) {
                self.close(slot, close);
            }
        }
    }

    /// Connect the connection in `slot` to `target` (a broker id, or any broker) and register
    /// the new socket.
    fn attach(&mut self, slot: usize, target: Option<i32>) -> Result<(), Close> {
        let mut upstream = self
            .connect_upstream(target)
            .map_err(Close::UpstreamError)?;
        self.poll
            .registry()
            .register(
                upstream.transport.socket(),
                Token(2 * slot + 1),
                Interest::READABLE | Interest::WRITABLE,
            )
            .map_err(Close::UpstreamError)?;
        let Some(Some(conn)) = self.slots.get_mut(slot) else {
            return Ok(());
        };
        let to = upstream
            .broker_id
            .map_or_else(|| "any broker".to_owned(), |id| format!("broker {id}"));
        log::info!(
            "connection from {} opened, to {to} at {}",
            conn.peer,
            upstream.addr
        );
        conn.attach_upstream(upstream);
        Ok(())
    }

    /// Start connecting to broker `broker_id`, or to any broker for a bootstrap connection or
    /// a port whose broker the cluster does not have.
    fn connect_upstream(&self, broker_id: Option<i32>) -> io::Result<Upstream> {
        let book = &self.shared.book;
        let (address, target) = match broker_id.and_then(|id| book.broker(id).map(|a| (a, id))) {
            Some((address, id)) => (address, Some(id)),
            None => (
                book.any_broker().ok_or_else(|| {
                    io::Error::new(io::ErrorKind::NotFound, "no broker is known yet")
                })?,
                None,
            ),
        };
        let addr = (address.host.as_str(), address.port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("broker host {} does not resolve", address.host),
                )
            })?;
        let sock = TcpStream::connect(addr)?;
        let transport = match &self.shared.backend_tls {
            Some(config) => {
                let name = crate::tls::client::server_name(&address.host)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
                let client =
                    rustls::ClientConnection::new(Arc::clone(config), name).map_err(|e| {
                        io::Error::other(format!("cannot start TLS to the broker: {e}"))
                    })?;
                Transport::tls(sock, client)
            }
            None => Transport::Plain(sock),
        };
        // With Kafka-managed SASL the client's own exchange authenticates the connection.
        let delegated = self
            .shared
            .sasl
            .as_ref()
            .is_some_and(|s| s.mode == SecurityMode::KafkaManaged);
        let authenticate = self.shared.backend_sasl.is_some() && !delegated;
        Ok(Upstream::new(transport, addr, target, authenticate))
    }

    fn insert(&mut self, mut conn: Connection) -> Option<usize> {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        });
        let registered = self.poll.registry().register(
            conn.client.socket(),
            Token(2 * slot),
            Interest::READABLE | Interest::WRITABLE,
        );
        if let Err(e) = registered {
            log::error!(
                "connection from {} closed: cannot register its socket: {e}",
                conn.peer
            );
            self.free.push(slot);
            self.release_count();
            return None;
        }
        self.shared.metrics.connection_opened();
        if let Some(entry) = self.slots.get_mut(slot) {
            *entry = Some(conn);
        }
        Some(slot)
    }

    fn close(&mut self, slot: usize, why: Close) {
        let Some(mut conn) = self.slots.get_mut(slot).and_then(Option::take) else {
            return;
        };
        let registry = self.poll.registry();
        let _ = registry.deregister(conn.client.socket());
        if let Some(up) = conn.upstream.as_mut() {
            let _ = registry.deregister(up.transport.socket());
        }
        self.free.push(slot);
        self.release_count();
        self.shared.metrics.connection_closed();
        match &why {
            Close::ClientClosed | Close::Shutdown | Close::BrokerBack(_) => {
                log::info!("connection from {} closed: {why}", conn.peer)
            }
            Close::Idle => {
                self.shared.metrics.idle_close();
                log::info!("connection from {} closed: {why}", conn.peer);
            }
            Close::UpstreamClosed
            | Close::UpstreamError(_)
            | Close::ConnectTimeout
            | Close::BadResponse(_)
            | Close::BrokerGone => {
                self.shared.metrics.upstream_error();
                log::warn!("connection from {} closed: {why}", conn.peer);
            }
            _ => log::warn!("connection from {} closed: {why}", conn.peer),
        }
    }

    fn release_count(&self) {
        self.shared.open_connections.fetch_sub(1, Ordering::AcqRel);
    }

    fn check_timeouts(&mut self) {
        let now = Instant::now();
        let settings = &self.shared.settings;
        let brokers = self.shared.book.snapshot();
        let mut expired = Vec::new();
        for (slot, conn) in self.slots.iter().enumerate() {
            let Some(conn) = conn else { continue };
            let connecting_since = match &conn.upstream {
                Some(up) if !up.connected => Some(up.started),
                Some(_) => None,
                // Host routing: still waiting for the client's TLS handshake to name a broker.
                None => Some(conn.accepted),
            };
            let attached = conn.upstream.as_ref().map(|up| up.broker_id);
            if let Some(why) = membership_close(conn.listener, attached, &brokers) {
                expired.push((slot, why));
            } else if connecting_since
                .is_some_and(|t| now.duration_since(t) > settings.connect_timeout)
            {
                expired.push((slot, Close::ConnectTimeout));
            } else if settings
                .idle_timeout
                .is_some_and(|idle| now.duration_since(conn.last_activity) > idle)
            {
                expired.push((slot, Close::Idle));
            }
        }
        for (slot, why) in expired {
            self.close(slot, why);
        }
        let mut next_wake: Option<Instant> = None;
        for slot in 0..self.slots.len() {
            let Some(Some(conn)) = self.slots.get_mut(slot) else {
                continue;
            };
            let result = conn.on_tick(now);
            next_wake = match (next_wake, conn.pipeline.next_wake()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            match result {
                Ok(true) => self.pump(slot),
                Ok(false) => {}
                Err(close) => self.close(slot, close),
            }
        }
        self.next_wake = next_wake;
    }

    /// Stop reading requests, let in-flight ones finish, close what is done. Returns true when
    /// the worker may exit.
    fn drain_for_shutdown(&mut self) -> bool {
        let deadline = *self
            .shutdown_deadline
            .get_or_insert_with(|| Instant::now() + self.shared.settings.shutdown_timeout);
        let timed_out = Instant::now() >= deadline;
        for slot in 0..self.slots.len() {
            let Some(Some(conn)) = self.slots.get_mut(slot) else {
                continue;
            };
            conn.draining = true;
            let result = conn.pump();
            let done = conn.drained();
            match result {
                Err(close) => self.close(slot, close),
                Ok(()) if done || timed_out => self.close(slot, Close::Shutdown),
                Ok(()) => {}
            }
        }
        self.slots.iter().all(Option::is_none)
    }
}

/// Whether the cluster's broker list ends a connection that came in on `listener` and is
/// attached to a broker (`attached`: `Some(Some(id))` broker id, `Some(None)` any broker, `None`
/// not attached yet): its broker left the cluster; or the broker its port stands for is known
/// again while the connection, opened when that broker was away, is served by another broker as
/// a bootstrap connection. A client that took that port for the broker would otherwise keep
/// sending the broker's requests to another one (librdkafka 2.0 does: NOT_LEADER until its
/// messages time out).
fn membership_close(
    listener: ListenerKind,
    attached: Option<Option<i32>>,
    brokers: &Brokers,
) -> Option<Close> {
    match (listener, attached?) {
        (_, Some(id)) if !brokers.by_id.contains_key(&id) => Some(Close::BrokerGone),
        (
            ListenerKind::Port {
                broker_id: Some(id),
            },
            None,
        ) if brokers.by_id.contains_key(&id) => Some(Close::BrokerBack(id)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::address_book::BrokerAddress;

    fn brokers(ids: &[i32]) -> Brokers {
        let mut b = Brokers::default();
        for &id in ids {
            let port = u16::try_from(9090 + id).unwrap_or(9092);
            b.by_id.insert(
                id,
                BrokerAddress {
                    host: "127.0.0.1".into(),
                    port,
                },
            );
        }
        b
    }

    fn port_of(id: i32) -> ListenerKind {
        ListenerKind::Port {
            broker_id: Some(id),
        }
    }

    #[test]
    fn a_connection_to_a_broker_that_left_closes() {
        let away = brokers(&[1, 3]);
        assert!(matches!(
            membership_close(port_of(2), Some(Some(2)), &away),
            Some(Close::BrokerGone)
        ));
        assert!(matches!(
            membership_close(ListenerKind::Sni, Some(Some(2)), &away),
            Some(Close::BrokerGone)
        ));
        assert!(membership_close(port_of(2), Some(Some(2)), &brokers(&[1, 2, 3])).is_none());
    }

    #[test]
    fn a_stand_in_connection_closes_when_its_ports_broker_is_back() {
        // Opened on broker 2's port while broker 2 was away: served by any broker meanwhile.
        assert!(membership_close(port_of(2), Some(None), &brokers(&[1, 3])).is_none());
        assert!(matches!(
            membership_close(port_of(2), Some(None), &brokers(&[1, 2, 3])),
            Some(Close::BrokerBack(2))
        ));
    }

    #[test]
    fn bootstrap_connections_and_unattached_ones_stay() {
        let all = brokers(&[1, 2, 3]);
        let spare = ListenerKind::Port { broker_id: None };
        assert!(membership_close(spare, Some(None), &all).is_none());
        assert!(membership_close(ListenerKind::Sni, Some(None), &all).is_none());
        assert!(membership_close(port_of(2), None, &all).is_none());
        assert!(membership_close(port_of(2), None, &brokers(&[1])).is_none());
    }
}
