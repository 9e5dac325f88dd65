//! The filter of a policy judged once per request of one API and refused whole
//! (FetchPolicyPlugin, ProducePolicyPlugin).

use std::fmt;

use super::common::{block, failed, Findings};
use crate::interceptors::plugin::{Decisions, Env};
use crate::pipeline::filter::{Filter, RequestCtx, Verdict, Want};

/// A policy judging whole requests of one API.
pub trait RequestPolicy: Clone + fmt::Debug + Send + 'static {
    /// The filter's name, for logs.
    const NAME: &'static str;
    /// The API judged.
    const API_KEY: i16;

    /// Adds what the request breaks to `found`; an error fails the request.
    fn judge(&self, ctx: &RequestCtx<'_>, found: &mut Findings) -> Result<(), String>;

    /// Refuses a request `blocked` says why (POLICY_VIOLATION for the whole request).
    fn refuse(&self, ctx: &RequestCtx<'_>, decisions: &Decisions, blocked: &[String]) -> Verdict {
        block(ctx, decisions, blocked)
    }
}

/// A connection's filter of a [`RequestPolicy`].
#[derive(Debug)]
pub struct RequestPolicyFilter<P> {
    policy: P,
    env: Env,
}

impl<P: RequestPolicy> RequestPolicyFilter<P> {
    /// The filter of `policy` for one connection.
    pub fn boxed(policy: &P, env: Env) -> Box<dyn Filter> {
        Box::new(RequestPolicyFilter {
            policy: policy.clone(),
            env,
        })
    }
}

impl<P: RequestPolicy> Filter for RequestPolicyFilter<P> {
    fn name(&self) -> &'static str {
        P::NAME
    }

    fn wants(&self, api_key: i16, _api_version: i16) -> Want {
        if api_key == P::API_KEY {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        let decisions = &self.env.decisions;
        let mut found = Findings::default();
        if let Err(e) = self.policy.judge(ctx, &mut found) {
            return failed(ctx, decisions, &e);
        }
        found.record(ctx.session, decisions, None);
        if found.block.is_empty() {
            return Verdict::Pass;
        }
        self.policy.refuse(ctx, decisions, &found.block)
    }
}
