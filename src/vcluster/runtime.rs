//! What the data path needs of tenancy, shared by every worker: the gateway state, the
//! settings, the topic-id map; and where a connection's principal belongs.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::tenant::Tenant;
use super::topic_ids::TopicIds;
use crate::config;
use crate::pipeline::session::{Session, PASSTHROUGH};
use crate::store::{GatewayState, StateHandle, StateStore};

/// The principal of a client that did not authenticate.
pub const ANONYMOUS: &str = "ANONYMOUS";

/// Tenancy as every worker sees it.
#[derive(Debug)]
pub struct Tenancy {
    /// `GATEWAY_FEATURE_FLAGS_MANDATORY_VCLUSTER`, passthrough ACLs, super users, anonymous.
    pub config: config::Tenancy,
    /// The gateway state (virtual clusters, aliases, accounts, ACLs).
    pub state: Arc<StateHandle>,
    /// Where ACL changes made through Kafka's APIs are stored; `None` in tests.
    pub store: Option<Arc<StateStore>>,
    /// Topic ids seen in answers.
    pub topic_ids: TopicIds,
    /// Principals (`User:name`) who manage passthrough ACLs with Kafka's Admin API
    /// (GATEWAY_ADMIN_API_USERS).
    pub acl_admins: Vec<String>,
    /// The tenant views of the current state generation.
    tenants: RwLock<(u64, HashMap<String, Arc<Tenant>>)>,
}

/// Where a connection belongs, once its principal is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The gateway service account, if the principal has one.
    pub service_account: Option<String>,
    /// Its virtual cluster.
    pub vcluster: String,
}

impl Tenancy {
    /// Tenancy over `state`.
    pub fn new(
        config: config::Tenancy,
        state: Arc<StateHandle>,
        store: Option<Arc<StateStore>>,
        acl_admins: Vec<String>,
    ) -> Tenancy {
        Tenancy {
            config,
            state,
            store,
            topic_ids: TopicIds::new(),
            acl_admins,
            tenants: RwLock::new((u64::MAX, HashMap::new())),
        }
    }

    /// The state generation: a change means views must be rebuilt.
    pub fn generation(&self) -> u64 {
        self.state.generation()
    }

    /// The naming view of `vcluster` and the generation it is from; `None` when the virtual
    /// cluster does not exist (any more).
    pub fn tenant(&self, vcluster: &str) -> Option<(u64, Arc<Tenant>)> {
        let generation = self.generation();
        {
            let cache = self.tenants.read().unwrap_or_else(|p| p.into_inner());
            if cache.0 == generation {
                if let Some(t) = cache.1.get(vcluster) {
                    return Some((generation, Arc::clone(t)));
                }
            }
        }
        let tenant = Arc::new(tenant_of(&self.state.snapshot(), vcluster)?);
        let mut cache = self.tenants.write().unwrap_or_else(|p| p.into_inner());
        if cache.0 != generation {
            *cache = (generation, HashMap::new());
        }
        cache.1.insert(vcluster.to_owned(), Arc::clone(&tenant));
        Some((generation, tenant))
    }

    /// Where the connection's principal belongs: its service account's virtual cluster, else
    /// passthrough (or a refusal with GATEWAY_FEATURE_FLAGS_MANDATORY_VCLUSTER). The error is
    /// the reason for the log.
    pub fn place(&self, session: &Session) -> Result<Placement, String> {
        let state = self.state.snapshot();
        let placement = if let Some(account) = &session.service_account {
            Placement {
                service_account: Some(account.clone()),
                vcluster: session.vcluster.clone(),
            }
        } else if let Some(account) = session
            .principal
            .as_deref()
            .and_then(|p| state.external_account(p))
        {
            Placement {
                service_account: Some(account.name.clone()),
                vcluster: account.vcluster.clone(),
            }
        } else if self.config.mandatory_vcluster {
            return Err(format!(
                "User:{} has no service account, and GATEWAY_FEATURE_FLAGS_MANDATORY_VCLUSTER \
                 requires one",
                session.principal.as_deref().unwrap_or(ANONYMOUS)
            ));
        } else {
            Placement {
                service_account: None,
                vcluster: PASSTHROUGH.to_owned(),
            }
        };
        if state.vcluster(&placement.vcluster).is_none() {
            return Err(format!(
                "service account {} belongs to virtual cluster {}, which is not declared \
                 (PUT /gateway/v2/virtual-cluster)",
                placement.service_account.as_deref().unwrap_or("-"),
                placement.vcluster
            ));
        }
        Ok(placement)
    }
}

/// The naming view of `vcluster` in `state`.
fn tenant_of(state: &GatewayState, vcluster: &str) -> Option<Tenant> {
    let cluster = state.vcluster(vcluster)?;
    let aliases = state
        .aliases_in(vcluster)
        .map(|a| (a.name.clone(), a.physical_name.clone()));
    Some(Tenant::new(
        cluster.name.clone(),
        cluster.prefix.clone(),
        aliases,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::listener::ListenerKind;
    use crate::store::{AccountKind, ServiceAccount, VirtualCluster};

    fn tenancy(mandatory: bool) -> Tenancy {
        let (state, _) = GatewayState::default()
            .with_vcluster(VirtualCluster::named("vc-a"))
            .expect("valid");
        let (state, _) = state
            .with_account(ServiceAccount {
                name: "orders-app".into(),
                vcluster: "vc-a".into(),
                kind: AccountKind::External {
                    external_names: vec!["CN=orders,O=Acme".into()],
                },
            })
            .expect("valid");
        let config = config::Tenancy {
            mandatory_vcluster: mandatory,
            ..config::Tenancy::default()
        };
        Tenancy::new(config, Arc::new(StateHandle::new(state)), None, Vec::new())
    }

    fn session(principal: Option<&str>) -> Session {
        let mut s = Session::new(
            "127.0.0.1:1".parse().expect("addr"),
            ListenerKind::Port { broker_id: None },
        );
        s.principal = principal.map(str::to_owned);
        s
    }

    #[test]
    fn an_mtls_principal_is_placed_by_its_external_account() {
        let placed = tenancy(false)
            .place(&session(Some("CN=orders,O=Acme")))
            .expect("placed");
        assert_eq!(placed.service_account.as_deref(), Some("orders-app"));
        assert_eq!(placed.vcluster, "vc-a");
    }

    #[test]
    fn no_account_is_passthrough_unless_one_is_mandatory() {
        let placed = tenancy(false).place(&session(Some("bob"))).expect("placed");
        assert_eq!(
            placed,
            Placement {
                service_account: None,
                vcluster: PASSTHROUGH.into()
            }
        );
        let refused = tenancy(true).place(&session(None)).unwrap_err();
        assert!(
            refused.contains("User:ANONYMOUS") && refused.contains("MANDATORY_VCLUSTER"),
            "{refused}"
        );
    }
}
