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

use crate::proxy::connection::{Close, Connection};
use crate::proxy::shared::Shared;

/// How often timeouts and shutdown progress are checked when no event arrives.
const TICK: Duration = Duration::from_millis(200);
/// The waker's token; connection tokens are `2 * slot` (client) and `2 * slot + 1` (broker).
const WAKER: Token = Token(usize::MAX);

/// An accepted client on its way to a worker.
#[derive(Debug)]
pub struct NewConnection {
    /// The accepted socket, already non-blocking.
    pub stream: std::net::TcpStream,
    /// The client's address.
    pub peer: SocketAddr,
    /// The broker the listening port stands for, if any.
    pub broker_id: Option<i32>,
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
}

impl Worker {
    fn run(&mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        loop {
            if let Err(e) = self.poll.poll(&mut events, Some(TICK)) {
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
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
                let ready = if upstream_side {
                    &mut conn.upstream_ready
                } else {
                    &mut conn.client_ready
                };
                ready.readable |= readable;
                ready.writable |= writable;
                if let Err(close) = conn.pump() {
                    self.close(slot, close);
                }
            }
            self.check_timeouts();
            if self.shared.shutting_down.load(Ordering::Acquire) && self.drain_for_shutdown() {
                return Ok(());
            }
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

    fn open(&mut self, new: NewConnection) {
        let NewConnection {
            stream,
            peer,
            broker_id,
        } = new;
        match self.connect_upstream(broker_id) {
            Ok((upstream, upstream_addr, target)) => {
                let client = TcpStream::from_std(stream);
                let _ = client.set_nodelay(true);
                let conn = Connection::new(
                    client,
                    peer,
                    upstream,
                    upstream_addr,
                    target,
                    Arc::clone(&self.shared),
                );
                self.insert(conn);
            }
            Err(e) => {
                self.shared.metrics.upstream_error();
                self.release_count();
                log::warn!("connection from {peer} closed: {e}");
            }
        }
    }

    /// Start connecting to the broker a listener stands for, or any broker for a port that
    /// serves as a bootstrap address.
    fn connect_upstream(
        &self,
        broker_id: Option<i32>,
    ) -> io::Result<(TcpStream, SocketAddr, Option<i32>)> {
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
        Ok((TcpStream::connect(addr)?, addr, target))
    }

    fn insert(&mut self, mut conn: Connection) {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        });
        let registry = self.poll.registry();
        let both = Interest::READABLE | Interest::WRITABLE;
        let registered = registry
            .register(&mut conn.client, Token(2 * slot), both)
            .and_then(|()| registry.register(&mut conn.upstream, Token(2 * slot + 1), both));
        if let Err(e) = registered {
            log::error!(
                "connection from {} closed: cannot register sockets: {e}",
                conn.peer
            );
            self.free.push(slot);
            self.release_count();
            return;
        }
        self.shared.metrics.connection_opened();
        let target = conn
            .broker_id
            .map_or_else(|| "any broker".to_owned(), |id| format!("broker {id}"));
        log::info!(
            "connection from {} opened, to {target} at {}",
            conn.peer,
            conn.upstream_addr
        );
        if let Some(entry) = self.slots.get_mut(slot) {
            *entry = Some(conn);
        }
    }

    fn close(&mut self, slot: usize, why: Close) {
        let Some(mut conn) = self.slots.get_mut(slot).and_then(Option::take) else {
            return;
        };
        let registry = self.poll.registry();
        let _ = registry.deregister(&mut conn.client);
        let _ = registry.deregister(&mut conn.upstream);
        self.free.push(slot);
        self.release_count();
        self.shared.metrics.connection_closed();
        match &why {
            Close::ClientClosed | Close::Shutdown => {
                log::info!("connection from {} closed: {why}", conn.peer)
            }
            Close::Idle => {
                self.shared.metrics.idle_close();
                log::info!("connection from {} closed: {why}", conn.peer);
            }
            Close::UpstreamClosed
            | Close::UpstreamError(_)
            | Close::ConnectTimeout
            | Close::BadResponse(_) => {
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
            if conn
                .broker_id
                .is_some_and(|id| !brokers.by_id.contains_key(&id))
            {
                expired.push((slot, Close::BrokerGone));
            } else if !conn.upstream_connected
                && now.duration_since(conn.connect_started) > settings.connect_timeout
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
