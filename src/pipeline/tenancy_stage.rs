//! Where a connection belongs and which filters it carries: once its principal is known, the
//! connection is placed in a virtual cluster (or refused), and its chain gets the stages that
//! apply: ACLs, the interceptors that apply to it, then the tenant's names. The chain follows
//! state changes between requests.

use std::sync::Arc;

use codec::api::keys;

use super::filter::Filter;
use super::session::PASSTHROUGH;
use super::Pipeline;
use crate::proxy::connection::Close;
use crate::vcluster::filter::TenantFilter;
use crate::vcluster::id_lookup::IdLookup;
use crate::vcluster::runtime::Tenancy;

impl Pipeline {
    /// Place the connection and (re)build the managed part of its chain (tenancy and
    /// interceptors) when the state has changed and nothing is in flight through the old chain.
    pub(super) fn ensure_chain(&mut self, api_key: i16) -> Result<(), Close> {
        let tenancy = self.shared.tenancy.clone();
        let interceptors = self.shared.interceptors.clone();
        let generation = match (&tenancy, &interceptors) {
            (Some(t), _) => t.generation(),
            (None, Some(i)) => i.generation(),
            (None, None) => return Ok(()),
        };
        if api_key == keys::SASL_HANDSHAKE || api_key == keys::SASL_AUTHENTICATE {
            return Ok(());
        }
        let new_connection = match self.chain_generation {
            Some(built) if built == generation => return Ok(()),
            // Answers on their way back must meet the filters their requests met.
            Some(_) if self.busy() => return Ok(()),
            Some(_) => false,
            None => {
                if let Some(tenancy) = &tenancy {
                    self.place(tenancy)?;
                }
                true
            }
        };
        self.filters.drain(..self.managed_filters);
        let mut chain: Vec<Box<dyn Filter>> = Vec::new();
        let mut tenant_filter = None;
        let policies = interceptors
            .as_ref()
            .map(|i| i.chain(&self.session, new_connection))
            .unwrap_or_default();
        if let Some(tenancy) = &tenancy {
            self.topic_names =
                crate::vcluster::acl_policy::topic_names(tenancy, &self.session.vcluster);
            let (acl, checks_everything) =
                crate::vcluster::acl_policy::enforcer_for(tenancy, &self.session);
            let Some((_, tenant)) = tenancy.tenant(&self.session.vcluster) else {
                return Err(Close::Authentication(format!(
                    "virtual cluster {} no longer exists",
                    self.session.vcluster
                )));
            };
            // The tenant's names, the ACLs and the interceptors place a topic id by its name: ids
            // kgate has not seen are looked up first.
            if checks_everything || !tenant.is_passthrough() || !policies.is_empty() {
                chain.push(Box::new(IdLookup::new(Arc::clone(tenancy))));
            }
            chain.push(acl);
            // ACL checks on topic ids need the names the tenant filter learns.
            if !tenant.is_identity() || checks_everything {
                tenant_filter = TenantFilter::new(Arc::clone(tenancy), &self.session.vcluster);
            }
        }
        // Interceptors see the names the tenant's clients use: after the ACLs, before the
        // tenant's prefix is added (and, on the way back, after it is taken off).
        chain.extend(policies);
        if let Some(filter) = tenant_filter {
            chain.push(Box::new(filter));
        }
        self.managed_filters = chain.len();
        self.filters.splice(0..0, chain);
        self.chain_generation = Some(generation);
        Ok(())
    }

    /// Places the connection in its virtual cluster (or refuses it).
    fn place(&mut self, tenancy: &Tenancy) -> Result<(), Close> {
        let placement = tenancy
            .place(&self.session)
            .map_err(Close::Authentication)?;
        if placement.vcluster != PASSTHROUGH || placement.service_account.is_some() {
            log::info!(
                "connection from {}: User:{} is {} in virtual cluster {}",
                self.session.source,
                self.session.principal.as_deref().unwrap_or("ANONYMOUS"),
                placement
                    .service_account
                    .as_deref()
                    .unwrap_or("(no account)"),
                placement.vcluster
            );
        }
        self.session.service_account = placement.service_account;
        self.session.vcluster = placement.vcluster;
        Ok(())
    }

    /// True once the connection is placed in a virtual cluster other than passthrough.
    pub(super) fn in_tenant(&self) -> bool {
        self.chain_generation.is_some() && self.session.vcluster != PASSTHROUGH
    }
}
