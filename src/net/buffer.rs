//! A byte queue for one direction of a connection: bytes are appended at the tail and consumed
//! from the head, and the storage is reused rather than reallocated per frame.

use std::io::{self, Read, Write};

/// How much to read from a socket in one call.
const READ_CHUNK: usize = 64 * 1024;

/// A growable FIFO of bytes with a consumed-prefix offset.
#[derive(Debug, Default)]
pub struct ByteQueue {
    data: Vec<u8>,
    head: usize,
}

/// What a read or write pass over a socket ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoOutcome {
    /// The socket has no more to give or take for now.
    WouldBlock,
    /// The peer closed its side.
    Closed,
    /// The caller's limit was reached before the socket blocked; try again later.
    LimitReached,
}

impl ByteQueue {
    /// Bytes waiting to be consumed.
    pub fn len(&self) -> usize {
        self.data.len() - self.head
    }

    /// True when nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The waiting bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.data[self.head..]
    }

    /// Append bytes at the tail.
    pub fn extend(&mut self, bytes: &[u8]) {
        self.compact_if_worthwhile(bytes.len());
        self.data.extend_from_slice(bytes);
    }

    /// Drop `n` bytes from the head.
    pub fn consume(&mut self, n: usize) {
        self.head = (self.head + n).min(self.data.len());
        if self.head == self.data.len() {
            self.data.clear();
            self.head = 0;
        }
    }

    /// Move the live bytes to the front when the dead prefix is large, so the vector does not
    /// grow without bound while a steady stream passes through it.
    fn compact_if_worthwhile(&mut self, incoming: usize) {
        if self.head > 0
            && (self.head >= self.data.len() / 2
                || self.data.len() + incoming > self.data.capacity())
        {
            self.data.drain(..self.head);
            self.head = 0;
        }
    }

    /// Read from `src` until it would block, it closes, or the queue holds `limit` bytes.
    /// Memory grows only with bytes that actually arrived, never with a declared length.
    pub fn read_from(&mut self, src: &mut impl Read, limit: usize) -> io::Result<IoOutcome> {
        loop {
            if self.len() >= limit {
                return Ok(IoOutcome::LimitReached);
            }
            self.compact_if_worthwhile(READ_CHUNK);
            let start = self.data.len();
            self.data.resize(start + READ_CHUNK, 0);
            let result = src.read(&mut self.data[start..]);
            let got = match &result {
                Ok(n) => *n,
                Err(_) => 0,
            };
            self.data.truncate(start + got);
            match result {
                Ok(0) => return Ok(IoOutcome::Closed),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(IoOutcome::WouldBlock)
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Write the queue to `dst` until it is empty or `dst` would block. Returns whether the
    /// queue drained.
    pub fn write_to(&mut self, dst: &mut impl Write) -> io::Result<bool> {
        while !self.is_empty() {
            match dst.write(self.as_slice()) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "peer accepts no bytes",
                    ))
                }
                Ok(n) => self.consume(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_consumes_and_compacts() {
        let mut q = ByteQueue::default();
        q.extend(b"hello");
        q.extend(b" world");
        q.consume(6);
        assert_eq!(q.as_slice(), b"world");
        q.extend(b"!");
        assert_eq!(q.as_slice(), b"world!");
        q.consume(100);
        assert!(q.is_empty());
    }

    #[test]
    fn reads_until_closed_and_respects_the_limit() {
        let mut q = ByteQueue::default();
        let mut src: &[u8] = &[7u8; 10];
        assert_eq!(q.read_from(&mut src, 1 << 20).unwrap(), IoOutcome::Closed);
        assert_eq!(q.len(), 10);
        let big = vec![1u8; 200 * 1024];
        let mut src: &[u8] = &big;
        let mut q = ByteQueue::default();
        assert_eq!(
            q.read_from(&mut src, 100 * 1024).unwrap(),
            IoOutcome::LimitReached
        );
        assert!(q.len() >= 100 * 1024 && q.len() < 200 * 1024);
    }

    #[test]
    fn writes_everything_to_a_willing_sink() {
        let mut q = ByteQueue::default();
        q.extend(b"abc");
        let mut out = Vec::new();
        assert!(q.write_to(&mut out).unwrap());
        assert_eq!(out, b"abc");
        assert!(q.is_empty());
    }
}
