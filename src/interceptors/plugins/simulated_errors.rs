//! What SimulateBrokenBrokersPlugin and SimulateLeaderElectionsErrorsPlugin share: answering a
//! share of requests here, without reaching the broker, with an error in every partition (and
//! the top-level error code where the answer has one). Nothing was written, so a retrying
//! idempotent producer neither loses nor duplicates records.

use super::chaos_random::Rng;
use super::common;
use super::throttle::is_silent;
use crate::interceptors::plugin::Decisions;
use crate::interceptors::refusal;
use crate::pipeline::filter::{RequestCtx, Verdict};

/// `percent`% of requests, drawn per connection.
#[derive(Debug)]
pub struct ErrorShare {
    percent: u64,
    rng: Rng,
}

impl ErrorShare {
    /// A share of `percent`%.
    pub fn new(percent: u64) -> ErrorShare {
        ErrorShare {
            percent,
            rng: Rng::new(),
        }
    }

    /// True when no request is ever answered (the filter need not look).
    pub fn is_off(&self) -> bool {
        self.percent == 0
    }

    /// Draws whether the request is answered with an error. An acks=0 Produce expects no
    /// answer, so it always passes.
    pub fn strikes(&mut self, ctx: &RequestCtx<'_>) -> bool {
        !is_silent(ctx.api_key, ctx.api_version, ctx.body) && self.rng.chance(self.percent)
    }

    /// One of `items` (not empty), at random.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.below(items.len() as u64) as usize]
    }
}

/// Answers the request with the error `code` (Kafka's `name`) and `message`; `what` names the
/// simulation in the debug log.
pub fn answer_with_error(
    ctx: &RequestCtx<'_>,
    decisions: &Decisions,
    what: &str,
    (code, name): (i16, &str),
    message: &str,
) -> Verdict {
    log::debug!(
        "interceptor {}: {what}, {} from {} answered {name}",
        decisions.interceptor(),
        codec::api::api_name(ctx.api_key),
        ctx.session.source
    );
    match refusal::refuse_whole(ctx.api_key, ctx.api_version, ctx.body, code, message) {
        Ok(body) => Verdict::Answer(body),
        Err(e) => common::failed(ctx, decisions, &e),
    }
}
