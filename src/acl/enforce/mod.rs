//! The ACL filter: Kafka's authorization on every request of every API, as
//! `../shared/ACLS.md` describes it.
//!
//! [`AclEnforcer`] is a pipeline [`Filter`]. It runs before the virtual-cluster filter on
//! requests and after it on answers, so it sees names as the tenant does. Per request it asks
//! the [`PolicySource`] for the session's [`AclPolicy`] (state changes apply from the next
//! request), then, by the table in [`requirements`]:
//! - lets the request through when everything it names is allowed;
//! - removes the denied part (topics, partitions, groups, transactional ids, config
//!   resources), forwards the rest and, in the answer hook, adds the error entries Kafka gives
//!   for the denied part, so the client gets one answer in the broker's shape;
//! - answers locally, in the broker's shape for the version, when nothing is left to forward
//!   (or when a whole-request check fails: the group, the transactional id, the cluster);
//! - filters answers that list what the principal may not see (Metadata for all topics,
//!   ListGroups, ListTransactions, OffsetFetch for all topics, ...), and fills in the
//!   authorized-operations bit sets Kafka computes from its own ACLs;
//! - answers the ACL APIs itself ([`acl_apis`]), never forwarding them.
//!
//! An API not in the table is refused (fail closed).

mod acl_apis;
mod answers;
mod check;
mod fast;
mod handlers;
pub mod refusals;
pub mod requirements;
mod shape;
mod tree;

#[cfg(test)]
mod acl_api_tests;
#[cfg(test)]
mod pipeline_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod topic_tests;

use std::sync::Arc;

use crate::acl::authorizer::{kafka_host, Authorizer, Requester};
use crate::acl::binding::AclBinding;
use crate::pipeline::filter::{Filter, Notes, RequestCtx, ResponseCtx, Verdict, Want};
use crate::pipeline::session::Session;

use check::Check;
use handlers::{Outcome, Plan};
use requirements::Need;
use tree::Msg;

/// How the ACL APIs (DescribeAcls, CreateAcls, DeleteAcls) behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AclMode {
    /// kgate answers the ACL APIs itself from the policy's bindings (never forwarded); only
    /// the policy's `acl_admins` may use them, and CreateAcls / DeleteAcls persist through
    /// [`PolicySource::replace_bindings`].
    KafkaApi,
    /// The bindings come from the admin REST API: DescribeAcls is answered (read-only) for
    /// `acl_admins` and super users; CreateAcls / DeleteAcls are refused.
    RestApi,
}

/// What applies to one connection's principal, from the gateway state.
#[derive(Debug)]
pub struct AclPolicy {
    /// ACLs are checked at all; false: every ACL API answers SECURITY_DISABLED (54) and
    /// nothing else is checked.
    pub enabled: bool,
    /// The bindings and super users.
    pub authorizer: Arc<Authorizer>,
    /// How the ACL APIs behave.
    pub mode: AclMode,
    /// Principals (`User:admin`) who may manage ACLs with Kafka's APIs.
    pub acl_admins: Vec<String>,
}

impl AclPolicy {
    /// Whether `principal` (`User:name`) is one of the ACL admins (a bare `name` in the list
    /// means `User:name`).
    pub fn is_acl_admin(&self, principal: &str) -> bool {
        self.acl_admins.iter().any(|admin| {
            let admin = admin.trim();
            admin == principal
                || (!admin.contains(':') && principal.strip_prefix("User:") == Some(admin))
        })
    }
}

/// Where the enforcer gets the policy of a session, and where it persists ACL changes.
pub trait PolicySource: Send + Sync + std::fmt::Debug {
    /// The policy for this session now (asked per request: state changes apply to the next
    /// request). `None`: ACLs are off.
    fn policy(&self, session: &Session) -> Option<Arc<AclPolicy>>;

    /// Persist a new complete binding set for the session's ACL scope (KafkaApi mode
    /// CreateAcls / DeleteAcls): `change` gets the current set and returns the new one (it
    /// may be called again if the source retries). `Err`: a message for the client.
    fn replace_bindings(
        &self,
        session: &Session,
        change: &mut dyn FnMut(&[AclBinding]) -> Vec<AclBinding>,
    ) -> Result<(), String>;
}

/// Topic ids to names, as the tenant sees them: how the enforcer names a topic that a request
/// gives by id only (Fetch v13+, Produce v13, Metadata v12+, DeleteTopics v6,
/// OffsetCommit v10, OffsetFetch v10). An id it cannot name is answered UNKNOWN_TOPIC_ID.
pub trait TopicNames: Send + Sync + std::fmt::Debug {
    /// The topic name of `id`, if known (and the tenant's).
    fn name_of(&self, id: [u8; 16]) -> Option<String>;
}

/// A [`TopicNames`] that knows no id: every topic given by id only is UNKNOWN_TOPIC_ID.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoTopicNames;

impl TopicNames for NoTopicNames {
    fn name_of(&self, _id: [u8; 16]) -> Option<String> {
        None
    }
}

/// The note a request leaves for its answer.
const PENDING: &str = "acl.pending";

/// What the answer hook needs: who asked, under which policy, and what to change.
#[derive(Debug)]
struct Pending {
    principal: String,
    host: String,
    policy: Arc<AclPolicy>,
    plan: Plan,
}

/// The ACL filter of one connection (see the module documentation).
#[derive(Debug)]
pub struct AclEnforcer {
    source: Arc<dyn PolicySource>,
    names: Arc<dyn TopicNames>,
    /// The policy the last request was checked under.
    last: Option<Arc<AclPolicy>>,
    /// ACLs are off for this connection: only the ACL APIs are looked at (answered
    /// SECURITY_DISABLED), everything else stays on the byte path.
    acl_apis_only: bool,
}

impl AclEnforcer {
    /// An enforcer asking `source` for the policy and `names` for the names of topic ids.
    pub fn new(source: Arc<dyn PolicySource>, names: Arc<dyn TopicNames>) -> AclEnforcer {
        AclEnforcer {
            source,
            names,
            last: None,
            acl_apis_only: false,
        }
    }

    /// The same enforcer for a connection whose ACLs are off when its chain is built (a
    /// change of policy rebuilds the chain): it sees the ACL APIs only.
    pub fn acl_apis_only(mut self) -> AclEnforcer {
        self.acl_apis_only = true;
        self
    }

    /// The policy the last request was checked under (`None`: none yet, or ACLs off).
    pub fn last_policy(&self) -> Option<&Arc<AclPolicy>> {
        self.last.as_ref()
    }
}

/// `User:<service account>`, else `User:<principal>`, or `User:ANONYMOUS`: ACLs name the
/// gateway's accounts (an mTLS subject is known by the EXTERNAL account that renames it).
fn principal_of(session: &Session) -> String {
    let name = session
        .service_account
        .as_deref()
        .or(session.principal.as_deref())
        .unwrap_or("ANONYMOUS");
    format!("User:{name}")
}

impl AclEnforcer {
    /// The request hook, without the pipeline's context (what `on_request` runs).
    pub(crate) fn request(
        &mut self,
        session: &Session,
        m: Msg,
        body: &mut Vec<u8>,
        notes: &mut Notes,
    ) -> Verdict {
        let policy = self.source.policy(session);
        self.last.clone_from(&policy);
        let need = requirements::need(m.api_key);
        let principal = principal_of(session);
        let host = kafka_host(session.source.ip());
        if need == Some(Need::Local) {
            let answered = acl_apis::answer(acl_apis::AclCall {
                source: &*self.source,
                session,
                policy: policy.as_deref().filter(|p| p.enabled),
                who: Requester {
                    principal: &principal,
                    host: &host,
                },
                m,
                body,
            });
            return match answered {
                Ok(body) => Verdict::Answer(body),
                Err(why) => Verdict::Close(why),
            };
        }
        let Some(policy) = policy.filter(|p| p.enabled) else {
            return Verdict::Pass;
        };
        if need == Some(Need::Nothing) {
            return Verdict::Pass;
        }
        let check = Check {
            authorizer: &policy.authorizer,
            who: Requester {
                principal: &principal,
                host: &host,
            },
            names: &*self.names,
        };
        // Super users pass every check, but an API kgate does not know is refused to all.
        if need.is_some() && policy.authorizer.is_super_user(&check.who) {
            return Verdict::Pass;
        }
        match handlers::on_request(&check, m, body) {
            Outcome::Pass => Verdict::Pass,
            Outcome::Forward(plan) => {
                if !plan.is_empty() {
                    notes.put(
                        PENDING,
                        Pending {
                            principal,
                            host,
                            policy,
                            plan,
                        },
                    );
                }
                Verdict::Pass
            }
            Outcome::Answer(body) => Verdict::Answer(body),
            Outcome::Close(why) => Verdict::Close(why),
        }
    }

    /// The answer hook, without the pipeline's context (what `on_response` runs).
    pub(crate) fn response(&mut self, m: Msg, body: &mut Vec<u8>, notes: &Notes) -> Verdict {
        let Some(pending) = notes.get::<Pending>(PENDING) else {
            return Verdict::Pass;
        };
        let check = Check {
            authorizer: &pending.policy.authorizer,
            who: Requester {
                principal: &pending.principal,
                host: &pending.host,
            },
            names: &*self.names,
        };
        match answers::on_response(&check, m, &pending.plan, body) {
            Ok(()) => Verdict::Pass,
            Err(why) => Verdict::Close(why),
        }
    }
}

impl Filter for AclEnforcer {
    fn name(&self) -> &'static str {
        "acl"
    }

    /// Every API but the ones that need nothing (ApiVersions, SASL, telemetry), whatever the
    /// policy: the policy is only known per request (`wants` has no session), and a frame this
    /// filter does not see is a frame it cannot refuse.
    fn wants(&self, api_key: i16, _api_version: i16) -> Want {
        match requirements::need(api_key) {
            Some(Need::Nothing) => Want::Nothing,
            Some(Need::Local) => Want::Message,
            _ if self.acl_apis_only => Want::Nothing,
            _ => Want::Message,
        }
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        let m = Msg {
            api_key: ctx.api_key,
            version: ctx.api_version,
        };
        self.request(ctx.session, m, ctx.body, ctx.notes)
    }

    /// Only an answer whose request was split or checked needs merging or filtering.
    fn wants_answer(&self, _api_key: i16, _api_version: i16, notes: &Notes) -> bool {
        notes.get::<Pending>(PENDING).is_some()
    }

    fn on_response(&mut self, ctx: &mut ResponseCtx<'_>) -> Verdict {
        let m = Msg {
            api_key: ctx.api_key,
            version: ctx.api_version,
        };
        self.response(m, ctx.body, ctx.notes)
    }
}
