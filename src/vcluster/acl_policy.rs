//! Which ACLs apply to a connection, from the gateway state: a virtual cluster's own
//! (`spec.acls` in REST_API mode, bindings made with Kafka's CreateAcls in KAFKA_API mode), or
//! passthrough's (GATEWAY_ACL_STORE_ENABLED). Also where KAFKA_API changes are stored.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use codec::schema::EntityKind;

use super::runtime::Tenancy;
use crate::acl::authorizer::Authorizer;
use crate::acl::binding::AclBinding;
use crate::acl::enforce::{AclEnforcer, AclMode, AclPolicy, PolicySource, TopicNames};
use crate::pipeline::filter::Filter;
use crate::pipeline::session::{Session, PASSTHROUGH};
use crate::store::{self, GatewayState, UpdateError};

/// The ACL stage for `session`, and whether it checks everything (`false`: ACLs are off, and
/// it only answers the ACL APIs SECURITY_DISABLED, as Kafka does, so that no client manages
/// the physical cluster's ACLs as kgate's own identity).
///
/// A virtual cluster's ACLs can be switched on at any time, and a busy connection may keep its
/// chain for long (it is only rebuilt between requests), so a tenant's enforcer always checks
/// and re-reads the policy per request; only passthrough, whose ACLs are fixed by the
/// configuration, gets the narrow enforcer that keeps the byte path.
pub fn enforcer_for(tenancy: &Arc<Tenancy>, session: &Session) -> (Box<dyn Filter>, bool) {
    let source = Arc::new(StatePolicies {
        tenancy: Arc::clone(tenancy),
        cache: Mutex::new((u64::MAX, HashMap::new())),
    });
    let enabled = session.vcluster != PASSTHROUGH || tenancy.config.passthrough_acls;
    let names = Arc::new(IdNames {
        tenancy: Arc::clone(tenancy),
        vcluster: session.vcluster.clone(),
    });
    let enforcer = AclEnforcer::new(source, names);
    if enabled {
        (Box::new(enforcer), true)
    } else {
        (Box::new(enforcer.acl_apis_only()), false)
    }
}

/// Policies built from the state, cached per state generation.
#[derive(Debug)]
struct StatePolicies {
    tenancy: Arc<Tenancy>,
    cache: Mutex<(u64, HashMap<String, Arc<AclPolicy>>)>,
}

impl PolicySource for StatePolicies {
    fn policy(&self, session: &Session) -> Option<Arc<AclPolicy>> {
        let generation = self.tenancy.generation();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.0 != generation {
            *cache = (generation, HashMap::new());
        }
        if let Some(policy) = cache.1.get(&session.vcluster) {
            return Some(Arc::clone(policy));
        }
        let state = self.tenancy.state.snapshot();
        let policy = Arc::new(policy_of(&self.tenancy, &state, &session.vcluster)?);
        cache
            .1
            .insert(session.vcluster.clone(), Arc::clone(&policy));
        Some(policy)
    }

    fn replace_bindings(
        &self,
        session: &Session,
        change: &mut dyn FnMut(&[AclBinding]) -> Vec<AclBinding>,
    ) -> Result<(), String> {
        let Some(store) = &self.tenancy.store else {
            return Err("this gateway has no state store".into());
        };
        let vcluster = session.vcluster.clone();
        store
            .update(|state: &GatewayState| {
                let next = change(state.kafka_acls(&vcluster));
                Ok::<_, String>((state.with_kafka_acls(&vcluster, next), ()))
            })
            .map_err(|e: UpdateError<String>| e.to_string())
    }
}

/// The policy of `vcluster` now.
fn policy_of(tenancy: &Tenancy, state: &GatewayState, vcluster: &str) -> Option<AclPolicy> {
    if vcluster == PASSTHROUGH {
        let bindings = state.kafka_acls(PASSTHROUGH).to_vec();
        return Some(AclPolicy {
            enabled: tenancy.config.passthrough_acls,
            authorizer: Arc::new(Authorizer::new(
                bindings,
                tenancy.config.super_users.iter().cloned(),
            )),
            mode: AclMode::KafkaApi,
            acl_admins: tenancy.acl_admins.clone(),
        });
    }
    let cluster = state.vcluster(vcluster)?;
    let principals: Vec<String> = cluster
        .super_users
        .iter()
        .map(|u| as_principal(u))
        .collect();
    let (mode, bindings) = match cluster.acl_mode {
        Some(store::AclMode::RestApi) => (AclMode::RestApi, cluster.acls.clone()),
        _ => (AclMode::KafkaApi, state.kafka_acls(vcluster).to_vec()),
    };
    Some(AclPolicy {
        enabled: cluster.acl_enabled,
        authorizer: Arc::new(Authorizer::new(bindings, principals.iter().cloned())),
        mode,
        acl_admins: principals,
    })
}

fn as_principal(user: &str) -> String {
    if user.contains(':') {
        user.to_owned()
    } else {
        format!("User:{user}")
    }
}

/// The names of topic ids as clients of `vcluster` know them.
pub fn topic_names(tenancy: &Arc<Tenancy>, vcluster: &str) -> Arc<dyn TopicNames> {
    Arc::new(IdNames {
        tenancy: Arc::clone(tenancy),
        vcluster: vcluster.to_owned(),
    })
}

/// Topic ids named from the shared map, as the connection's tenant knows them: ACLs name
/// topics before prefixes and aliases, and a topic outside the tenant has no name for it.
#[derive(Debug)]
struct IdNames {
    tenancy: Arc<Tenancy>,
    vcluster: String,
}

impl TopicNames for IdNames {
    fn name_of(&self, id: [u8; 16]) -> Option<String> {
        let physical = self.tenancy.topic_ids.name_of(&id)?;
        let (_, tenant) = self.tenancy.tenant(&self.vcluster)?;
        tenant
            .to_logical(EntityKind::TopicName, &physical)
            .map(|n| n.into_owned())
    }
}
