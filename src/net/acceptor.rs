//! The acceptor thread: owns the listening sockets, enforces the connection limit, and hands
//! each accepted client to a worker in turn.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use mio::net::TcpListener;
use mio::{Events, Interest, Poll, Token};

use super::worker::{NewConnection, WorkerLink};
use crate::proxy::listener::ListenerKind;
use crate::proxy::shared::Shared;

/// A bound listening socket and the broker its port stands for.
#[derive(Debug)]
pub struct Listener {
    /// The socket.
    pub socket: TcpListener,
    /// What the port promises its connections.
    pub kind: ListenerKind,
    /// The bound address, for logs.
    pub addr: SocketAddr,
}

/// Bind `host:port` for the gateway, with a message naming the variable on failure.
pub fn bind(host: &str, port: u16, kind: ListenerKind) -> io::Result<Listener> {
    let std_listener = std::net::TcpListener::bind((host, port)).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot listen on {host}:{port} (GATEWAY_BIND_HOST / GATEWAY_PORT_START): {e}"),
        )
    })?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    Ok(Listener {
        socket: TcpListener::from_std(std_listener),
        kind,
        addr,
    })
}

/// Run the acceptor on its own thread until shutdown begins; the listeners close when it ends.
pub fn spawn(
    mut listeners: Vec<Listener>,
    workers: Vec<WorkerLink>,
    shared: Arc<Shared>,
) -> io::Result<JoinHandle<()>> {
    let poll = Poll::new()?;
    for (i, listener) in listeners.iter_mut().enumerate() {
        poll.registry()
            .register(&mut listener.socket, Token(i), Interest::READABLE)?;
    }
    std::thread::Builder::new()
        .name("kgate-acceptor".into())
        .spawn(move || {
            let mut acceptor = Acceptor {
                poll,
                listeners,
                workers,
                shared,
                next: 0,
            };
            if let Err(e) = acceptor.run() {
                log::error!("acceptor stopped on a poll error: {e}");
            }
        })
}

struct Acceptor {
    poll: Poll,
    listeners: Vec<Listener>,
    workers: Vec<WorkerLink>,
    shared: Arc<Shared>,
    next: usize,
}

impl Acceptor {
    fn run(&mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(64);
        while !self.shared.shutting_down.load(Ordering::Acquire) {
            if let Err(e) = self
                .poll
                .poll(&mut events, Some(Duration::from_millis(100)))
            {
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            for event in events.iter() {
                self.accept_all(event.token().0);
            }
        }
        for worker in &self.workers {
            worker.wake();
        }
        Ok(())
    }

    fn accept_all(&mut self, index: usize) {
        loop {
            let Some(listener) = self.listeners.get(index) else {
                return;
            };
            let kind = listener.kind;
            match listener.socket.accept() {
                Ok((stream, peer)) => self.dispatch(stream, peer, kind),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // Running out of file descriptors must not spin the loop or stop the gateway.
                    log::error!("accept on {} failed: {e}", listener.addr);
                    return;
                }
            }
        }
    }

    fn dispatch(&mut self, stream: mio::net::TcpStream, peer: SocketAddr, listener: ListenerKind) {
        let max = self.shared.settings.max_connections;
        let open = self.shared.open_connections.fetch_add(1, Ordering::AcqRel);
        if open >= max {
            self.shared.open_connections.fetch_sub(1, Ordering::AcqRel);
            self.shared.metrics.connection_limit_reject();
            log::warn!("connection from {peer} refused: {open} connections open, GATEWAY_MAX_CONNECTIONS={max}");
            return;
        }
        self.shared.metrics.connection_accepted();
        // mio's stream is handed over as a std stream: the worker registers it with its own poll.
        let stream = std::net::TcpStream::from(stream);
        let Some(worker) = self.workers.get(self.next % self.workers.len().max(1)) else {
            self.shared.open_connections.fetch_sub(1, Ordering::AcqRel);
            return;
        };
        self.next = self.next.wrapping_add(1);
        if let Err(e) = worker.send(NewConnection {
            stream,
            peer,
            listener,
        }) {
            self.shared.open_connections.fetch_sub(1, Ordering::AcqRel);
            log::error!("connection from {peer} dropped: {e}");
        }
    }
}
