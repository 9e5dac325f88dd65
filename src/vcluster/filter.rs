//! The tenant filter: every topic name, group id and transactional id a client of a virtual
//! cluster sends gets the cluster's prefix (or becomes an alias's physical topic), every one it
//! receives loses it, lists only show the tenant's own resources, and a topic id outside the
//! tenant is answered UNKNOWN_TOPIC_ID by the broker itself.

use std::collections::HashMap;
use std::sync::Arc;

use codec::api::api_name;
use codec::schema::{
    self, Direction, Entity, EntityKind, EntityValue, MessageRef, Replacement, WalkError,
    WalkOptions,
};

use super::alias_guard::{self, Refused};
use super::apis::tenant_may_use;
use super::config_guard::{self, Withheld};
use super::lists;
use super::runtime::Tenancy;
use super::tenant::Tenant;
use super::topic_ids::{TopicId, NO_ID};
use crate::pipeline::filter::{Filter, Notes, RequestCtx, ResponseCtx, Verdict, Want};

const JOIN_GROUP: i16 = 11;
const SYNC_GROUP: i16 = 14;
const FETCH: i16 = 1;
const FIND_COORDINATOR: i16 = 10;
const CREATE_TOPICS: i16 = 19;
const DELETE_TOPICS: i16 = 20;
const DELETE_RECORDS: i16 = 21;
const CREATE_PARTITIONS: i16 = 37;
const CONSUMER_GROUP_HEARTBEAT: i16 = 68;
const NOTES: &str = "vcluster";

/// What a request told its answer.
#[derive(Debug, Default)]
struct Asked {
    /// Physical topic -> the alias the client named it by.
    aliases: Vec<(String, String)>,
    /// The walk options the answer needs.
    options: WalkOptions,
    /// Aliases the request may not create, delete or alter, answered by kgate.
    refused: Refused,
    /// Configuration resources outside the tenant, answered by kgate.
    withheld: Withheld,
    /// Passthrough's Metadata for every topic: its aliases are listed too.
    list_aliases: bool,
}

/// The virtual-cluster stage of one connection's chain.
#[derive(Debug)]
pub struct TenantFilter {
    tenancy: Arc<Tenancy>,
    vcluster: String,
    tenant: Arc<Tenant>,
    generation: u64,
    /// Group -> whether its protocol type is "consumer", from this connection's JoinGroup
    /// requests (older JoinGroup answers and SyncGroup versions do not say).
    consumer_groups: HashMap<String, bool>,
    /// Foreign id the client sent -> the placeholder sent instead, and back. Kept for the
    /// connection: a fetch session remembers the placeholder and names it in later answers.
    placeholders: HashMap<TopicId, TopicId>,
    originals: HashMap<TopicId, TopicId>,
}

/// Placeholders kept per connection; a client sending more foreign ids than this starts over.
const MAX_PLACEHOLDERS: usize = 4096;

impl TenantFilter {
    /// The filter for a connection in `vcluster` (which must exist in the state).
    pub fn new(tenancy: Arc<Tenancy>, vcluster: &str) -> Option<TenantFilter> {
        let (generation, tenant) = tenancy.tenant(vcluster)?;
        Some(TenantFilter {
            tenancy,
            vcluster: vcluster.to_owned(),
            tenant,
            generation,
            consumer_groups: HashMap::new(),
            placeholders: HashMap::new(),
            originals: HashMap::new(),
        })
    }

    /// Picks up alias changes made since the last request.
    fn refresh(&mut self) {
        if self.tenancy.generation() == self.generation {
            return;
        }
        if let Some((generation, tenant)) = self.tenancy.tenant(&self.vcluster) {
            self.generation = generation;
            self.tenant = tenant;
        }
    }
}

impl Filter for TenantFilter {
    fn name(&self) -> &'static str {
        "vcluster"
    }

    fn wants(&self, _api_key: i16, _api_version: i16) -> Want {
        Want::Message
    }

    fn on_request(&mut self, ctx: &mut RequestCtx<'_>) -> Verdict {
        self.refresh();
        let tenant = Arc::clone(&self.tenant);
        let (api_key, version) = (ctx.api_key, ctx.api_version);
        if !tenant.is_passthrough() && !tenant_may_use(api_key) {
            return Verdict::Close(format!(
                "{} is not available in virtual cluster {}",
                api_name(api_key),
                tenant.name
            ));
        }
        let mut asked = Asked::default();
        if api_key == JOIN_GROUP {
            if let Some((group, consumer)) = lists::join_group_protocol(version, ctx.body) {
                self.consumer_groups.insert(group, consumer);
            }
        }
        if api_key == SYNC_GROUP || api_key == JOIN_GROUP {
            // JoinGroup answers before v7 and SyncGroup before v5 do not say the protocol type.
            asked.options.consumer_protocol = lists::group_of(api_key, version, ctx.body)
                .and_then(|g| self.consumer_groups.get(&g).copied());
        }
        asked.list_aliases = tenant.is_passthrough()
            && !tenant.is_identity()
            && lists::asks_all_topics(api_key, version, ctx.body);
        if api_key == FIND_COORDINATOR {
            asked.options.coordinator_key_type = lists::coordinator_key_type(version, ctx.body);
        }
        if matches!(
            api_key,
            DELETE_TOPICS | DELETE_RECORDS | CREATE_TOPICS | CREATE_PARTITIONS
        ) && !tenant.is_identity()
        {
            match alias_guard::take_aliases(api_key, version, ctx.body, &tenant) {
                Ok((Some(kept), refused)) => {
                    *ctx.body = kept;
                    asked.refused = refused;
                }
                Ok((None, _)) => {}
                Err(e) => return Verdict::Close(walk_failure(api_key, version, "request", e)),
            }
            if !asked.refused.is_empty() && alias_guard::nothing_left(api_key, version, ctx.body) {
                return match alias_guard::add_refusals(api_key, version, None, &asked.refused) {
                    Ok(answer) => Verdict::Answer(answer),
                    Err(e) => Verdict::Close(walk_failure(api_key, version, "answer", e)),
                };
            }
        }
        if config_guard::applies(api_key) && !tenant.is_passthrough() {
            match config_guard::withhold(api_key, version, ctx.body) {
                Ok((Some(kept), withheld, nothing_left)) => {
                    *ctx.body = kept;
                    asked.withheld = withheld;
                    if nothing_left {
                        return match config_guard::add_refusals(
                            api_key,
                            version,
                            None,
                            &asked.withheld,
                        ) {
                            Ok(answer) => Verdict::Answer(answer),
                            Err(e) => Verdict::Close(walk_failure(api_key, version, "answer", e)),
                        };
                    }
                }
                Ok((None, ..)) => {}
                Err(e) => return Verdict::Close(walk_failure(api_key, version, "request", e)),
            }
        }
        if api_key == CONSUMER_GROUP_HEARTBEAT {
            match lists::confine_regex(version, ctx.body, &tenant) {
                Ok(Some(confined)) => *ctx.body = confined,
                Ok(None) => {}
                Err(e) => return Verdict::Close(walk_failure(api_key, version, "request", e)),
            }
        }
        // Deleting by id must not reach an aliased topic either.
        let guards_ids = api_key == DELETE_TOPICS;
        let message = MessageRef {
            api_key,
            version,
            direction: Direction::Request,
        };
        // Kafka ignores bytes after a request's last field (some clients send them), so the
        // walk keeps them as they are rather than refusing what the broker would serve.
        let options = WalkOptions {
            allow_trailing_bytes: true,
            ..asked.options
        };
        let ids = &self.tenancy.topic_ids;
        let (placeholders, originals) = (&mut self.placeholders, &mut self.originals);
        let mut visit = |e: &Entity<'_>| -> Option<Replacement> {
            match (e.kind, e.value) {
                (EntityKind::TopicId, EntityValue::Id(id)) => {
                    if id == NO_ID || tenant.is_passthrough() {
                        return None;
                    }
                    let owned = ids.name_of(&id).is_some_and(|n| {
                        tenant.owns_topic(&n) && (!guards_ids || tenant.aliases_of(&n).is_empty())
                    });
                    if owned {
                        return None;
                    }
                    if placeholders.len() >= MAX_PLACEHOLDERS {
                        placeholders.clear();
                        originals.clear();
                    }
                    let placeholder = *placeholders.entry(id).or_insert_with(|| ids.placeholder());
                    originals.insert(placeholder, id);
                    Some(Replacement::Id(placeholder))
                }
                (kind, EntityValue::Name(logical)) => {
                    let physical = tenant.to_physical(kind, logical);
                    if kind == EntityKind::TopicName && tenant.alias(logical).is_some() {
                        asked
                            .aliases
                            .push((physical.to_string(), logical.to_owned()));
                    }
                    (physical != logical).then(|| Replacement::Name(physical.into_owned()))
                }
                _ => None,
            }
        };
        match schema::walk(ctx.body, message, &options, &mut visit) {
            Ok(Some(rewritten)) => *ctx.body = rewritten,
            Ok(None) => {}
            Err(e) => return Verdict::Close(walk_failure(api_key, version, "request", e)),
        }
        ctx.notes.put(NOTES, asked);
        Verdict::Pass
    }

    /// Fetch answers from v13 name topics by id only: unless this connection ever sent a
    /// placeholder (which a fetch session may name again), there is nothing to translate, and
    /// the answer (often megabytes) stays on the byte path.
    fn wants_answer(&self, api_key: i16, api_version: i16, _notes: &Notes) -> bool {
        !(api_key == FETCH && api_version >= 13 && self.originals.is_empty())
    }

    fn on_response(&mut self, ctx: &mut ResponseCtx<'_>) -> Verdict {
        let tenant = Arc::clone(&self.tenant);
        let (api_key, version) = (ctx.api_key, ctx.api_version);
        let Some(asked) = ctx.notes.get::<Asked>(NOTES) else {
            return Verdict::Pass;
        };
        let message = MessageRef {
            api_key,
            version,
            direction: Direction::Response,
        };
        let ids = &self.tenancy.topic_ids;
        // Learn ids before anything is filtered out: another connection may need them.
        match lists::confine(ctx.body, message, &tenant, ids, asked.list_aliases) {
            Ok(Some(confined)) => *ctx.body = confined,
            Ok(None) => {}
            Err(e) => return Verdict::Close(walk_failure(api_key, version, "answer", e)),
        }
        let mut options = asked.options;
        options.allow_trailing_bytes = true;
        let mut foreign: Option<String> = None;
        let originals = &self.originals;
        let mut visit = |e: &Entity<'_>| -> Option<Replacement> {
            match (e.kind, e.value) {
                (EntityKind::TopicId, EntityValue::Id(id)) => originals
                    .get(&id)
                    .map(|original| Replacement::Id(*original)),
                (kind, EntityValue::Name(physical)) => {
                    if kind == EntityKind::TopicName {
                        if let Some((_, logical)) =
                            asked.aliases.iter().find(|(p, _)| p == physical)
                        {
                            return Some(Replacement::Name(logical.clone()));
                        }
                    }
                    match tenant.to_logical(kind, physical) {
                        Some(logical) if logical == physical => None,
                        Some(logical) => Some(Replacement::Name(logical.into_owned())),
                        None => {
                            foreign.get_or_insert_with(|| e.field.to_owned());
                            None
                        }
                    }
                }
                _ => None,
            }
        };
        let walked = schema::walk(ctx.body, message, &options, &mut visit);
        let walked = match walked {
            Err(WalkError::ConsumerProtocol(_)) if options.consumer_protocol == Some(true) => {
                // The group was not a consumer group after all (or not one this connection
                // joined): its protocol bytes are opaque.
                options.consumer_protocol = Some(false);
                schema::walk(ctx.body, message, &options, &mut visit)
            }
            other => other,
        };
        if let Some(field) = foreign {
            return Verdict::Close(format!(
                "{} v{version} answer names a resource outside virtual cluster {} in {field}; \
                 closing rather than showing it",
                api_name(api_key),
                tenant.name
            ));
        }
        match walked {
            Ok(Some(rewritten)) => *ctx.body = rewritten,
            Ok(None) => {}
            Err(e) => return Verdict::Close(walk_failure(api_key, version, "answer", e)),
        }
        if !asked.withheld.is_empty() {
            let merged =
                config_guard::add_refusals(api_key, version, Some(ctx.body), &asked.withheld);
            match merged {
                Ok(merged) => *ctx.body = merged,
                Err(e) => return Verdict::Close(walk_failure(api_key, version, "answer", e)),
            }
        }
        if !asked.refused.is_empty() {
            match alias_guard::add_refusals(api_key, version, Some(ctx.body), &asked.refused) {
                Ok(merged) => *ctx.body = merged,
                Err(e) => return Verdict::Close(walk_failure(api_key, version, "answer", e)),
            }
        }
        Verdict::Pass
    }
}

fn walk_failure(api_key: i16, version: i16, what: &str, e: WalkError) -> String {
    format!(
        "cannot translate the names of a {} v{version} {what}: {e}",
        api_name(api_key)
    )
}
