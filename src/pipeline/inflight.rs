//! kgate-owned correlation ids, and the order answers go back to the client in.
//!
//! Every frame kgate sends to a broker carries an id kgate chose, never the client's: so kgate
//! can send requests of its own on the connection, answer some requests itself and drop the
//! answers nobody waits for, and still hand the client its answers in request order with its
//! own ids. Two queues keep this:
//! - `sent`, in the order frames went to the broker (a broker answers in that order): each
//!   upstream id and who waits for its answer (a client slot, a side request, or nobody);
//! - `slots`, one per client request that expects an answer, in the client's order: the
//!   client's correlation id and, once known, the answer. Only the head slot's answer may be
//!   written to the client, so a local answer waits behind a forwarded one sent before it.

use std::collections::VecDeque;
use std::time::Instant;

use super::filter::Notes;
use crate::routing::rewrite::RewriteKind;

/// What happens to a broker's answer before it goes to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// Pass it through untouched: it may be streamed before it has fully arrived.
    Forward,
    /// Rewrite the broker addresses it carries.
    Rewrite(RewriteKind),
    /// Forward it and learn whether the client authenticated (KAFKA_MANAGED SASL).
    WatchSaslAuthenticate,
}

/// Why a slot's answer must wait even once it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Until this time (failed-authentication delay, throttling, test latency).
    At(Instant),
    /// Until the side request with this token is answered.
    Event(u64),
}

/// A client request that expects an answer.
#[derive(Debug)]
pub struct Slot {
    /// Position in the client's order.
    pub seq: u64,
    /// The client's correlation id, which the answer must carry.
    pub client_id: i32,
    /// The request's API key.
    pub api_key: i16,
    /// The request's API version.
    pub api_version: i16,
    /// What to do with the broker's answer.
    pub handling: Handling,
    /// The answer frame body (response header included), once known ([`InFlightTable::answer`]).
    answer: Option<Vec<u8>>,
    /// The answer is held until this wakes it.
    pub parked: Option<Wake>,
    /// Close the connection once this answer has been written (a failed authentication).
    pub close_after: Option<String>,
    /// What the request's filters noted for its answer.
    pub notes: Notes,
    /// Whether any filter wants to see the answer.
    pub filtered: bool,
}

/// Who waits for the answer to a frame sent upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiter {
    /// The client slot with this sequence number.
    Client(u64),
    /// A request kgate sent itself; the token names it to the filter that sent it.
    Side {
        /// The filter's position in the chain.
        filter: usize,
        /// The token the filter was given.
        token: u64,
    },
    /// Nobody: a Produce with acks=0. Kafka never answers it; some brokers do.
    Silent,
}

/// How an answer from the broker relates to what was sent.
#[derive(Debug, PartialEq, Eq)]
pub enum Matched {
    /// It answers this waiter.
    Waiter(Waiter),
    /// Nothing sent is waiting for this id: the broker broke the protocol.
    Unexpected,
}

/// Silent (acks=0) requests remembered at most; the oldest are forgotten first.
const SILENT_CAP: usize = 100_000;

/// The in-flight table of one connection.
#[derive(Debug, Default)]
pub struct InFlightTable {
    sent: VecDeque<(i32, Waiter)>,
    silent_count: usize,
    slots: VecDeque<Slot>,
    next_upstream_id: i32,
    next_seq: u64,
    /// Bytes of the answers held in slots.
    held: usize,
}

impl InFlightTable {
    /// The next upstream correlation id: positive, wrapping back to 1.
    pub fn next_upstream_id(&mut self) -> i32 {
        self.next_upstream_id = if self.next_upstream_id >= i32::MAX - 1 {
            1
        } else {
            self.next_upstream_id + 1
        };
        self.next_upstream_id
    }

    /// Open a slot for a client request at the tail of the client's order; its sequence number.
    pub fn open_slot(&mut self, client_id: i32, api_key: i16, api_version: i16) -> u64 {
        self.next_seq += 1;
        self.slots.push_back(Slot {
            seq: self.next_seq,
            client_id,
            api_key,
            api_version,
            handling: Handling::Forward,
            answer: None,
            parked: None,
            close_after: None,
            notes: Notes::default(),
            filtered: false,
        });
        self.next_seq
    }

    /// The slot with sequence number `seq`, if still open.
    pub fn slot_mut(&mut self, seq: u64) -> Option<&mut Slot> {
        let front = self.slots.front()?.seq;
        let index = usize::try_from(seq.checked_sub(front)?).ok()?;
        self.slots.get_mut(index)
    }

    /// True when `seq` is the oldest open slot: its answer may go straight to the client.
    pub fn is_head(&self, seq: u64) -> bool {
        self.slots
            .front()
            .is_some_and(|s| s.seq == seq && s.parked.is_none())
    }

    /// Record a frame sent upstream with `upstream_id`.
    pub fn sent(&mut self, upstream_id: i32, waiter: Waiter) {
        if waiter == Waiter::Silent {
            if self.silent_count >= SILENT_CAP {
                if let Some(pos) = self.sent.iter().position(|(_, w)| *w == Waiter::Silent) {
                    self.sent.remove(pos);
                    self.silent_count -= 1;
                }
            }
            self.silent_count += 1;
        }
        self.sent.push_back((upstream_id, waiter));
    }

    /// Match an answer carrying `upstream_id`. A broker answers in send order, so silent
    /// requests before the match were never answered and are forgotten.
    pub fn take_answer(&mut self, upstream_id: i32) -> Matched {
        while let Some(&(id, waiter)) = self.sent.front() {
            if id == upstream_id {
                self.sent.pop_front();
                if waiter == Waiter::Silent {
                    self.silent_count -= 1;
                }
                return Matched::Waiter(waiter);
            }
            if waiter != Waiter::Silent {
                return Matched::Unexpected;
            }
            self.sent.pop_front();
            self.silent_count -= 1;
        }
        Matched::Unexpected
    }

    /// The waiter of the oldest answer still expected (silent requests skipped), with its id.
    pub fn expected(&self) -> Option<(i32, Waiter)> {
        self.sent
            .iter()
            .find(|(_, w)| *w != Waiter::Silent)
            .copied()
    }

    /// True when some answer is still expected from the broker or owed to the client.
    pub fn busy(&self) -> bool {
        !self.slots.is_empty() || self.sent.len() > self.silent_count
    }

    /// True when an answer from the broker is still expected.
    pub fn awaiting_upstream(&self) -> bool {
        self.sent.len() > self.silent_count
    }

    /// Bytes of answers known but not yet handed to the client: they count towards the
    /// client's queue, so a client that never reads cannot make kgate hold unbounded answers.
    pub fn held_bytes(&self) -> usize {
        self.held
    }

    /// Give slot `seq` its answer (frame body, response header included), held until `parked`
    /// wakes, if set.
    pub fn answer(&mut self, seq: u64, answer: Vec<u8>, parked: Option<Wake>) {
        let len = answer.len();
        if let Some(slot) = self.slot_mut(seq) {
            slot.answer = Some(answer);
            slot.parked = parked;
            self.held += len;
        }
    }

    /// Wake parked slots whose time has come or whose event fired.
    pub fn wake(&mut self, now: Instant, fired: Option<u64>) {
        for slot in &mut self.slots {
            let due = match slot.parked {
                Some(Wake::At(t)) => now >= t,
                Some(Wake::Event(e)) => fired == Some(e),
                None => false,
            };
            if due {
                slot.parked = None;
            }
        }
    }

    /// The earliest time a parked slot wakes.
    pub fn next_wake(&self) -> Option<Instant> {
        self.slots
            .iter()
            .filter_map(|s| match s.parked {
                Some(Wake::At(t)) => Some(t),
                _ => None,
            })
            .min()
    }

    /// Take the head slot and its answer if the answer is ready to go out.
    pub fn pop_ready(&mut self) -> Option<(Slot, Vec<u8>)> {
        let head = self.slots.front()?;
        if head.answer.is_none() || head.parked.is_some() {
            return None;
        }
        let mut slot = self.slots.pop_front()?;
        let answer = slot.answer.take()?;
        self.held -= answer.len();
        Some((slot, answer))
    }

    /// Remove a slot whose request turned out to expect no answer.
    pub fn close_slot(&mut self, seq: u64) {
        if let Some(pos) = self.slots.iter().position(|s| s.seq == seq) {
            self.slots.remove(pos);
        }
    }

    /// Remove the head slot (its answer was written straight to the client).
    pub fn close_head(&mut self, seq: u64) -> Option<Slot> {
        if self.slots.front().is_some_and(|s| s.seq == seq) {
            return self.slots.pop_front();
        }
        None
    }
}

#[cfg(test)]
#[path = "inflight_tests.rs"]
mod tests;
