//! A byte queue for one direction of a connection: bytes are appended at the tail and consumed
//! from the head, and the storage is reused rather than reallocated per frame.
//!
//! Idle connections must be cheap (thousands of clients that made one request and wait), so a
//! queue that drains gives its storage back unless it is small; busy connections must not pay
//! an allocation and a zero-fill per read, so the storage goes to a per-thread pool of
//! initialised buffers that the next queue needing room takes from. An idle connection then
//! holds only its small queues, and a worker holds at most [`POOL_BYTES`] of spare buffers.

use std::cell::RefCell;
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

/// A queue that empties keeps storage up to this size (a small answer's worth); larger storage
/// goes back to the thread's pool, so that an idle connection does not keep a read step or the
/// high-water mark of a burst.
const KEEP_WHEN_EMPTY: usize = 4 * 1024;

/// Buffers from a read step's size up to this size are pooled; larger ones are freed. Large
/// enough for the queues of a multi-megabyte Fetch answer, which must be held whole when it is
/// rewritten: allocating those afresh for every answer cost more CPU (the kernel faulting in and
/// clearing new pages) than moving the bytes.
const POOL_MAX_BUFFER: usize = 32 * 1024 * 1024;

/// The most spare buffer bytes one thread's pool holds: the two queues of one such answer.
const POOL_BYTES: usize = 64 * 1024 * 1024;

/// The most spare buffers one thread's pool holds.
const POOL_BUFFERS: usize = 32;

/// A queue needing `min` bytes takes a pooled buffer at most this many times larger (best fit),
/// so that a small read does not pin a large buffer to a connection that then goes idle.
const POOL_FIT: usize = 4;

thread_local! {
    /// Spare initialised buffers of this thread, most recently returned last.
    static POOL: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// A spare buffer of this thread's pool that holds `min` bytes, if there is one: the smallest
/// that holds `target` (at least `min`) and is not more than [`POOL_FIT`] times larger, else the
/// largest below `target`.
fn pool_take(min: usize, target: usize) -> Option<Vec<u8>> {
    let most = target.max(READ_CHUNK).saturating_mul(POOL_FIT);
    POOL.try_with(|pool| {
        let mut pool = pool.try_borrow_mut().ok()?;
        let fits = |b: &Vec<u8>| (target..=most).contains(&b.len());
        let below = |b: &Vec<u8>| (min..target).contains(&b.len());
        let index = match pool
            .iter()
            .enumerate()
            .filter(|(_, b)| fits(b))
            .min_by_key(|(_, b)| b.len())
        {
            Some((i, _)) => i,
            None => {
                pool.iter()
                    .enumerate()
                    .filter(|(_, b)| below(b))
                    .max_by_key(|(_, b)| b.len())?
                    .0
            }
        };
        Some(pool.swap_remove(index))
    })
    .ok()
    .flatten()
}

/// Give a buffer to this thread's pool, or free it when it does not belong there. Over the
/// pool's limits, the smallest buffers (the cheapest to make again) are freed first.
fn pool_give(buf: Vec<u8>) {
    if !(READ_CHUNK..=POOL_MAX_BUFFER).contains(&buf.len()) {
        return;
    }
    let _ = POOL.try_with(|pool| {
        if let Ok(mut pool) = pool.try_borrow_mut() {
            pool.push(buf);
            while pool.len() > POOL_BUFFERS || pool.iter().map(Vec::len).sum::<usize>() > POOL_BYTES
            {
                let smallest = pool
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, b)| b.len())
                    .map(|(i, _)| i);
                match smallest {
                    Some(i) => drop(pool.swap_remove(i)),
                    None => break,
                }
            }
        }
    });
}

/// Free this thread's spare buffers, keeping at most `keep_bytes` of them (the smallest go
/// first). The pool only grows back with traffic, so a worker that has been idle for a while
/// can call this to return the buffers of a past burst to the allocator.
pub fn trim_pool(keep_bytes: usize) {
    let _ = POOL.try_with(|pool| {
        if let Ok(mut pool) = pool.try_borrow_mut() {
            pool.sort_by_key(Vec::len);
            while pool.iter().map(Vec::len).sum::<usize>() > keep_bytes {
                pool.remove(0);
            }
        }
    });
}

/// Blocks at least this large move between queues with their storage rather than by copy.
const HAND_OVER_MIN: usize = 64 * 1024;

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
            if self.data.len() > KEEP_WHEN_EMPTY {
                pool_give(std::mem::take(&mut self.data));
            }
        }
    }

    /// Make room for `extra` bytes after the tail: move the live bytes to the front when that
    /// frees enough, else grow.
    fn reserve(&mut self, extra: usize) {
        self.reserve_toward(extra, 0);
    }

    /// [`ByteQueue::reserve`], for a queue that is expected to hold `expected` bytes (the frame
    /// being read): a pooled buffer that size is taken at once rather than growing by doubling
    /// through the sizes on the way. Only spare buffers are taken for it; fresh memory still
    /// grows only with bytes that arrived.
    fn reserve_toward(&mut self, extra: usize, expected: usize) {
        if self.data.len() - self.tail >= extra {
            return;
        }
        if self.head > 0 {
            self.data.copy_within(self.head..self.tail, 0);
            self.tail -= self.head;
            self.head = 0;
        }
        let needed = self.tail + extra;
        if self.data.len() >= needed {
            return;
        }
        if needed <= POOL_MAX_BUFFER {
            let target = expected.clamp(needed, POOL_MAX_BUFFER);
            if let Some(mut spare) = pool_take(needed, target) {
                if let (Some(to), Some(from)) =
                    (spare.get_mut(..self.tail), self.data.get(..self.tail))
                {
                    to.copy_from_slice(from);
                }
                pool_give(std::mem::replace(&mut self.data, spare));
                return;
            }
        }
        self.data.resize(needed.max(self.data.len() * 2), 0);
    }

    /// Move the first `n` bytes to the tail of `dst`. A large block moving to an empty queue
    /// is handed over with the storage that holds it (only what follows it, usually the start
    /// of the next frame, is copied): a Fetch answer of megabytes is not copied once more on
    /// its way from the broker's queue to the client's.
    pub fn move_front_to(&mut self, n: usize, dst: &mut ByteQueue) {
        let n = n.min(self.len());
        let rest = self.len() - n;
        if !dst.is_empty() || n < HAND_OVER_MIN || rest > n / 4 {
            dst.extend(self.as_slice().get(..n).unwrap_or_default());
            self.consume(n);
            return;
        }
        let (head, split, tail) = (self.head, self.head + n, self.tail);
        let storage = std::mem::take(&mut self.data);
        // Ours becomes the empty queue's old storage (or a pooled one) for the bytes after.
        std::mem::swap(&mut self.data, &mut dst.data);
        self.head = 0;
        self.tail = 0;
        self.extend(storage.get(split..tail).unwrap_or_default());
        dst.data = storage;
        dst.head = head;
        dst.tail = split;
    }

    /// Overwrite the bytes at `at` (from the head) with `bytes`, where they exist.
    pub fn patch(&mut self, at: usize, bytes: &[u8]) {
        let start = self.head + at;
        if let Some(place) = self.data.get_mut(start..start + bytes.len()) {
            if start + bytes.len() <= self.tail {
                place.copy_from_slice(bytes);
            }
        }
    }

    /// Read from `src` until it would block, it closes, or the queue holds `limit` bytes.
    /// Memory grows only with bytes that actually arrived, never with a declared length.
    pub fn read_from(&mut self, src: &mut impl Read, limit: usize) -> io::Result<IoOutcome> {
        loop {
            if self.len() >= limit {
                return Ok(IoOutcome::LimitReached);
            }
            self.reserve_toward(READ_CHUNK, limit);
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

impl Drop for ByteQueue {
    fn drop(&mut self) {
        pool_give(std::mem::take(&mut self.data));
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
        q.extend(&vec![9u8; 2 * POOL_MAX_BUFFER]);
        q.consume(q.len());
        assert!(q.is_empty());
        assert_eq!(
            q.data.len(),
            0,
            "a drained queue above the threshold gives its memory back"
        );
    }

    #[test]
    fn a_drained_queue_keeps_only_a_small_buffer_and_reuses_pooled_ones() {
        let mut q = ByteQueue::default();
        q.extend(b"small answer");
        q.consume(q.len());
        assert!(q.data.len() <= KEEP_WHEN_EMPTY, "a small buffer is kept");
        let mut src: &[u8] = &[5u8; 100];
        q.read_from(&mut src, 1 << 20).unwrap();
        assert!(
            q.data.len() >= READ_CHUNK,
            "a read step has room for a chunk"
        );
        let storage = q.data.as_ptr();
        q.consume(q.len());
        assert_eq!(q.data.len(), 0, "an idle queue holds no read step");
        let mut other = ByteQueue::default();
        let mut src: &[u8] = &[6u8; 10];
        other.read_from(&mut src, 1 << 20).unwrap();
        assert_eq!(
            other.data.as_ptr(),
            storage,
            "the next read on this thread reuses the pooled buffer"
        );
        assert_eq!(other.as_slice(), &[6u8; 10]);
    }

    #[test]
    fn a_queue_drained_slowly_keeps_fifo_order_without_moving_everything() {
        let mut q = ByteQueue::default();
        let mut expected = std::collections::VecDeque::new();
        let mut next = 0u8;
        for round in 0..200usize {
            let chunk: Vec<u8> = (0..(1000 + round * 97 % 5000))
                .map(|_| {
                    next = next.wrapping_add(1);
                    next
                })
                .collect();
            q.extend(&chunk);
            expected.extend(chunk);
            let take = (round * 31) % 3000;
            let take = take.min(q.len());
            q.consume(take);
            expected.drain(..take);
            assert!(q.as_slice().iter().eq(expected.iter()), "round {round}");
            assert!(
                q.data.len() <= 4 * (q.len() + 64 * 1024),
                "storage stays in proportion"
            );
        }
    }

    #[test]
    fn trimming_the_pool_frees_its_buffers() {
        let mut q = ByteQueue::default();
        q.extend(&vec![1u8; 3 * READ_CHUNK]);
        q.consume(q.len());
        let held = || POOL.with(|p| p.borrow().iter().map(Vec::len).sum::<usize>());
        assert!(held() >= 3 * READ_CHUNK);
        trim_pool(0);
        assert_eq!(held(), 0);
    }

    #[test]
    fn a_large_block_moves_with_its_storage_and_the_rest_stays() {
        let mut from = ByteQueue::default();
        let block: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        from.extend(b"xx");
        from.consume(2);
        from.extend(&block);
        from.extend(b"next frame");
        let mut to = ByteQueue::default();
        from.move_front_to(block.len(), &mut to);
        assert_eq!(to.as_slice(), block.as_slice());
        assert_eq!(from.as_slice(), b"next frame");
        to.patch(4, &[9, 9, 9, 9]);
        assert_eq!(
            to.as_slice()[..8],
            [block[0], block[1], block[2], block[3], 9, 9, 9, 9]
        );
        assert_eq!(to.as_slice()[8..], block[8..]);
        // Into a queue that holds bytes already, it is a copy, and order is kept.
        let mut from = ByteQueue::default();
        from.extend(&block);
        let mut to = ByteQueue::default();
        to.extend(b"first");
        from.move_front_to(block.len(), &mut to);
        assert_eq!(&to.as_slice()[..5], b"first");
        assert_eq!(&to.as_slice()[5..], block.as_slice());
        assert!(from.is_empty());
        to.patch(to.len() - 2, &[1, 2, 3]);
        assert_eq!(
            &to.as_slice()[to.len() - 2..],
            &block[block.len() - 2..],
            "no patch past the tail"
        );
    }

    #[test]
    fn growing_through_the_pool_keeps_the_bytes() {
        let mut warm = ByteQueue::default();
        warm.extend(&vec![0u8; 3 * READ_CHUNK]);
        drop(warm);
        let mut q = ByteQueue::default();
        let mut expected = Vec::new();
        for round in 0..40u8 {
            let chunk = vec![round; 9000];
            q.extend(&chunk);
            expected.extend_from_slice(&chunk);
            if round % 7 == 0 {
                q.consume(5000);
                expected.drain(..5000);
            }
        }
        assert_eq!(q.as_slice(), &expected[..]);
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
