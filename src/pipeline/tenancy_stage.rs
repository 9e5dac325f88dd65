//! Where a connection belongs and which filters it carries: once its principal is known, the
//! connection is placed in a virtual cluster (or refused), and its chain gets the stages that
//! apply: ACLs, then the tenant's names. The chain follows state changes between requests.

use std::sync::Arc;

use codec::api::keys;

use super::session::PASSTHROUGH;
use super::Pipeline;
use crate::proxy::connection::Close;
use crate::vcluster::filter::TenantFilter;
use crate::vcluster::id_lookup::IdLookup;

impl Pipeline {
    /// Place the connection and (re)build the tenancy part of its chain when the state has
    /// changed and nothing is in flight through the old chain.
    pub(super) fn ensure_chain(&mut self, api_key: i16) -> Result<(), Close> {
        let Some(tenancy) = self.shared.tenancy.clone() else {
            return Ok(());
        };
        if api_key == keys::SASL_HANDSHAKE || api_key == keys::SASL_AUTHENTICATE {
            return Ok(());
        }
        let generation = tenancy.generation();
        match self.chain_generation {
            Some(built) if built == generation => return Ok(()),
            // Answers on their way back must meet the filters their requests met.
            Some(_) if self.busy() => return Ok(()),
            Some(_) => {}
            None => {
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
            }
        }
        self.filters.drain(..self.tenancy_filters);
        let mut chain: Vec<Box<dyn super::filter::Filter>> = Vec::new();
        let (acl, checks_everything) =
            crate::vcluster::acl_policy::enforcer_for(&tenancy, &self.session);
        let Some((_, tenant)) = tenancy.tenant(&self.session.vcluster) else {
            return Err(Close::Authentication(format!(
                "virtual cluster {} no longer exists",
                self.session.vcluster
            )));
        };
        // Both the tenant's names and the ACLs place a topic id by its name: ids kgate has not
        // seen are looked up first.
        if checks_everything || !tenant.is_passthrough() {
            chain.push(Box::new(IdLookup::new(Arc::clone(&tenancy))));
        }
        chain.push(acl);
        // ACL checks on topic ids need the names the tenant filter learns.
        if !tenant.is_identity() || checks_everything {
            if let Some(filter) = TenantFilter::new(Arc::clone(&tenancy), &self.session.vcluster) {
                chain.push(Box::new(filter));
            }
        }
        self.tenancy_filters = chain.len();
        self.filters.splice(0..0, chain);
        self.chain_generation = Some(generation);
        Ok(())
    }

    /// True once the connection is placed in a virtual cluster other than passthrough.
    pub(super) fn in_tenant(&self) -> bool {
        self.chain_generation.is_some() && self.session.vcluster != PASSTHROUGH
    }
}
