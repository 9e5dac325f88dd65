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

/// The queue of a connection's in-flight requests.
#[derive(Debug, Default)]
pub struct InFlightQueue {
    queue: VecDeque<InFlight>,
}

impl InFlightQueue {
    /// Add a request at the tail.
    pub fn push(&mut self, entry: InFlight) {
        self.queue.push_back(entry);
    }

    /// Take the head if it is a broker-answered request (not a local answer).
    pub fn pop_for_response(&mut self) -> Option<InFlight> {
        match self.queue.front() {
            Some(InFlight {
                action: Action::Local(_),
                ..
            })
            | None => None,
            Some(_) => self.queue.pop_front(),
        }
    }

    /// Take the head if it is a local answer that is ready to go out.
    pub fn pop_local(&mut self) -> Option<Vec<u8>> {
        match self.queue.front() {
            Some(InFlight {
                action: Action::Local(_),
                ..
            }) => match self.queue.pop_front() {
                Some(InFlight {
                    action: Action::Local(body),
                    ..
                }) => Some(body),
                _ => None,
            },
            _ => None,
        }
    }

    /// Requests still awaiting an answer.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when nothing is awaited.
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
        assert_eq!(q.pop_for_response().map(|e| e.correlation_id), Some(1));
        assert_eq!(q.pop_for_response(), None, "the head is now a local answer");
        assert_eq!(q.pop_local(), Some(vec![9]));
        assert!(q.is_empty());
    }
}
