//! The FIFO of requests awaiting an answer on one connection. Kafka answers in request order,
//! so the head of the queue always describes the next response.

use std::collections::VecDeque;

use crate::routing::rewrite::RewriteKind;

/// What to do with the answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Pass the broker's response to the client untouched.
    Forward,
    /// Rewrite broker addresses in the broker's response.
    Rewrite(RewriteKind),
    /// Forward the broker's answer to a relayed SaslAuthenticate, and learn from it whether the
    /// client authenticated (KAFKA_MANAGED).
    WatchSaslAuthenticate,
    /// kgate answered itself: this frame body goes out when it reaches the head of the queue,
    /// so that answers keep the order of the requests.
    Local(Vec<u8>),
}

/// One request awaiting its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    /// The request's correlation id, which the answer must carry.
    pub correlation_id: i32,
    /// The request's API key.
    pub api_key: i16,
    /// The request's API version.
    pub api_version: i16,
    /// What to do with the answer.
    pub action: Action,
}

/// How a response relates to the requests in flight.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// It answers this request (the caller still checks the correlation id).
    Entry(InFlight),
    /// It answers a request sent with acks=0. Kafka never answers those, some brokers do; the
    /// client expects nothing, so the response is dropped.
    Silent,
    /// No request is waiting for it.
    Unexpected,
}

/// Silent (acks=0) requests remembered at most; older ones are forgotten first.
const SILENT_CAP: usize = 100_000;

/// The queue of a connection's in-flight requests.
#[derive(Debug, Default)]
pub struct InFlightQueue {
    queue: VecDeque<(u64, InFlight)>,
    silent: VecDeque<(u64, i32)>,
    next_seq: u64,
}

impl InFlightQueue {
    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// Add a request at the tail.
    pub fn push(&mut self, entry: InFlight) {
        let seq = self.seq();
        self.queue.push_back((seq, entry));
    }

    /// Remember a request that expects no answer (Produce with acks=0).
    pub fn push_silent(&mut self, correlation_id: i32) {
        let seq = self.seq();
        if self.silent.len() >= SILENT_CAP {
            self.silent.pop_front();
        }
        self.silent.push_back((seq, correlation_id));
    }

    /// Match a response carrying `correlation_id`. Responses come in request order, so silent
    /// requests sent before the head of the queue are either answered now or never.
    pub fn take_for_response(&mut self, correlation_id: i32) -> Answer {
        let bound = self.queue.front().map_or(u64::MAX, |(seq, _)| *seq);
        while let Some(&(seq, silent_id)) = self.silent.front() {
            if seq > bound {
                break;
            }
            self.silent.pop_front();
            if silent_id == correlation_id {
                return Answer::Silent;
            }
        }
        match self.queue.front() {
            Some((
                _,
                InFlight {
                    action: Action::Local(_),
                    ..
                },
            ))
            | None => Answer::Unexpected,
            Some(_) => self
                .queue
                .pop_front()
                .map_or(Answer::Unexpected, |(_, e)| Answer::Entry(e)),
        }
    }

    /// True when the answer carrying `correlation_id` would be taken by
    /// [`InFlightQueue::take_for_response`] as a plain Forward entry: such an answer may be
    /// streamed to the client before it has fully arrived.
    pub fn streamable(&self, correlation_id: i32) -> bool {
        let bound = self.queue.front().map_or(u64::MAX, |(seq, _)| *seq);
        let silent = self
            .silent
            .iter()
            .take_while(|(seq, _)| *seq <= bound)
            .any(|(_, id)| *id == correlation_id);
        !silent
            && matches!(self.queue.front(), Some((_, e)) if e.action == Action::Forward && e.correlation_id == correlation_id)
    }

    /// Take the head if it is a local answer that is ready to go out: its API key and body.
    pub fn pop_local(&mut self) -> Option<(i16, Vec<u8>)> {
        if !matches!(
            self.queue.front(),
            Some((
                _,
                InFlight {
                    action: Action::Local(_),
                    ..
                }
            ))
        ) {
            return None;
        }
        match self.queue.pop_front() {
            Some((
                _,
                InFlight {
                    api_key,
                    action: Action::Local(body),
                    ..
                },
            )) => Some((api_key, body)),
            _ => None,
        }
    }

    /// Requests still awaiting an answer (silent ones excluded: nothing waits for them).
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when no answer is awaited.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i32, action: Action) -> InFlight {
        InFlight {
            correlation_id: id,
            api_key: 3,
            api_version: 12,
            action,
        }
    }

    fn answered(q: &mut InFlightQueue, id: i32) -> Option<i32> {
        match q.take_for_response(id) {
            Answer::Entry(e) => Some(e.correlation_id),
            _ => None,
        }
    }

    #[test]
    fn local_answers_wait_for_their_turn() {
        let mut q = InFlightQueue::default();
        q.push(entry(1, Action::Forward));
        q.push(entry(2, Action::Local(vec![9])));
        assert_eq!(
            q.pop_local(),
            None,
            "a local answer must not overtake request 1"
        );
        assert_eq!(answered(&mut q, 1), Some(1));
        assert_eq!(
            q.take_for_response(2),
            Answer::Unexpected,
            "the head is a local answer"
        );
        assert_eq!(q.pop_local(), Some((3, vec![9])));
        assert!(q.is_empty());
    }

    #[test]
    fn only_a_plain_forward_at_the_head_is_streamable() {
        let mut q = InFlightQueue::default();
        q.push_silent(1);
        q.push(entry(2, Action::Forward));
        assert!(
            !q.streamable(1),
            "an answer to a silent request is dropped, not streamed"
        );
        assert!(q.streamable(2));
        assert!(!q.streamable(3), "not the head's correlation id");
        let mut q = InFlightQueue::default();
        q.push(entry(
            4,
            Action::Rewrite(crate::routing::rewrite::RewriteKind::Metadata),
        ));
        assert!(!q.streamable(4), "a rewrite needs the whole answer");
    }

    #[test]
    fn acks_zero_requests_work_whether_or_not_the_broker_answers_them() {
        // Kafka: silent about 1 and 2, answers 3.
        let mut q = InFlightQueue::default();
        q.push_silent(1);
        q.push_silent(2);
        q.push(entry(3, Action::Forward));
        assert_eq!(answered(&mut q, 3), Some(3));
        assert!(q.is_empty());
        // A broker that answers acks=0 (tansu): 4 and 5 answered, then 6.
        q.push_silent(4);
        q.push_silent(5);
        q.push(entry(6, Action::Forward));
        assert_eq!(q.take_for_response(4), Answer::Silent);
        assert_eq!(q.take_for_response(5), Answer::Silent);
        assert_eq!(answered(&mut q, 6), Some(6));
        // Silent requests sent after the head are not consumed by its answer.
        q.push(entry(7, Action::Forward));
        q.push_silent(8);
        assert_eq!(answered(&mut q, 7), Some(7));
        assert_eq!(q.take_for_response(8), Answer::Silent);
        assert_eq!(q.take_for_response(9), Answer::Unexpected);
    }
}
