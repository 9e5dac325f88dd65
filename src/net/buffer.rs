//! A byte queue for one direction of a connection: bytes are appended at the tail and consumed
//! from the head, and the storage is reused rather than reallocated per frame.

use std::io::{self, Read, Write};

/// How much to read from a socket in one call.
const READ_CHUNK: usize = 64 * 1024;

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

/// A frame body longer than `i32::MAX` bytes, which no size prefix can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameTooLong(pub usize);

/// Storage this large is released when the queue empties, so that an idle connection does not
/// keep the high-water mark of a burst.
const SHRINK_ABOVE: usize = 1024 * 1024;

/// A FIFO of bytes over one initialised buffer: live bytes are `data[head..tail]`. Reads go
/// straight into the free space after `tail`, so nothing is zero-filled per read; the buffer
/// grows (zero-filled once) only when a burst needs more room, and is released when it empties.
#[derive(Debug, Default)]
pub struct ByteQueue {
    data: Vec<u8>,
    head: usize,
    tail: usize,
}

impl ByteQueue {
    /// Bytes waiting to be consumed.
    pub fn len(&self) -> usize {
        self.tail - self.head
    }

    /// True when nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The waiting bytes.
    pub fn as_slice(&self) -> &[u8] {
        self.data.get(self.head..self.tail).unwrap_or_default()
    }

    /// Append bytes at the tail.
    pub fn extend(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        if let Some(space) = self.data.get_mut(self.tail..self.tail + bytes.len()) {
            space.copy_from_slice(bytes);
            self.tail += bytes.len();
        }
    }

    /// Append a Kafka frame: `body`'s INT32 size, then `body`. Errors (leaving the queue as it
    /// was) when the body is longer than a frame can say.
    pub fn push_frame(&mut self, body: &[u8]) -> Result<(), FrameTooLong> {
        let size = i32::try_from(body.len()).map_err(|_| FrameTooLong(body.len()))?;
        self.extend(&size.to_be_bytes());
        self.extend(body);
        Ok(())
    }

    /// Drop `n` bytes from the head.
    pub fn consume(&mut self, n: usize) {
        self.head = (self.head + n).min(self.tail);
        if self.head == self.tail {
            self.head = 0;
            self.tail = 0;
            if self.data.len() > SHRINK_ABOVE {
                self.data = Vec::new();
            }
        }
    }

    /// Make room for `extra` bytes after the tail: move the live bytes to the front when that
    /// frees enough, else grow.
    fn reserve(&mut self, extra: usize) {
        if self.data.len() - self.tail >= extra {
            return;
        }
        if self.head > 0 {
            self.data.copy_within(self.head..self.tail, 0);
            self.tail -= self.head;
            self.head = 0;
        }
        let needed = self.tail + extra;
        if self.data.len() < needed {
            self.data.resize(needed.max(self.data.len() * 2), 0);
        }
    }

    /// Read from `src` until it would block, it closes, or the queue holds `limit` bytes.
    /// Memory grows only with bytes that actually arrived, never with a declared length.
    pub fn read_from(&mut self, src: &mut impl Read, limit: usize) -> io::Result<IoOutcome> {
        loop {
            if self.len() >= limit {
                return Ok(IoOutcome::LimitReached);
            }
            self.reserve(READ_CHUNK);
            let space = self.data.get_mut(self.tail..).unwrap_or_default();
            match src.read(space) {
                Ok(0) => return Ok(IoOutcome::Closed),
                Ok(n) => self.tail += n,
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
    fn interleaved_use_keeps_fifo_order_and_releases_large_buffers() {
        let mut q = ByteQueue::default();
        let mut expected = Vec::new();
        for round in 0..50u8 {
            let chunk = vec![round; 1000 + usize::from(round) * 37];
            q.extend(&chunk);
            expected.extend_from_slice(&chunk);
            let take = q.len() / 3;
            assert_eq!(&q.as_slice()[..take], &expected[..take]);
            q.consume(take);
            expected.drain(..take);
            assert_eq!(q.as_slice(), &expected[..]);
        }
        q.extend(&vec![9u8; 2 * SHRINK_ABOVE]);
        q.consume(q.len());
        assert!(q.is_empty());
        assert_eq!(
            q.data.len(),
            0,
            "a drained queue above the threshold gives its memory back"
        );
    }

    #[test]
    fn push_frame_prefixes_the_size() {
        let mut q = ByteQueue::default();
        q.push_frame(b"abc").unwrap();
        assert_eq!(q.as_slice(), &[0, 0, 0, 3, b'a', b'b', b'c']);
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
