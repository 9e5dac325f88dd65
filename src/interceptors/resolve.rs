//! Which interceptors apply to a connection: those whose scope covers it; of several with the
//! same name, the most specific scope's (service account > group > virtual cluster > global);
//! in `priority` order, lowest first (then by name, so the order never depends on storage).

use crate::store::{GatewayState, Interceptor};

/// Who a chain is resolved for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    /// The virtual cluster.
    pub vcluster: String,
    /// The gateway groups of the user.
    pub groups: Vec<String>,
    /// The service account, or the principal without one.
    pub username: Option<String>,
}

impl Target {
    /// A connection of `username` in `vcluster`, with its groups from `state`.
    pub fn of(state: &GatewayState, vcluster: &str, username: Option<&str>) -> Target {
        Target {
            vcluster: vcluster.to_owned(),
            groups: username
                .map(|u| state.groups_of(vcluster, u))
                .unwrap_or_default(),
            username: username.map(str::to_owned),
        }
    }
}

/// The interceptors of `target`, in chain order.
pub fn resolve<'a>(state: &'a GatewayState, target: &Target) -> Vec<&'a Interceptor> {
    let mut chosen: Vec<&Interceptor> = Vec::new();
    for i in state.interceptors() {
        if !i
            .scope
            .covers(&target.vcluster, &target.groups, target.username.as_deref())
        {
            continue;
        }
        match chosen.iter_mut().find(|c| c.name == i.name) {
            None => chosen.push(i),
            // Interceptors come in (name, scope) order: of equal ranks (two groups of the
            // user) the first scope wins, whatever order they were deployed in.
            Some(c) if i.scope.rank() > c.scope.rank() => *c = i,
            Some(_) => {}
        }
    }
    chosen.sort_by(|a, b| a.priority.cmp(&b.priority).then(a.name.cmp(&b.name)));
    chosen
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
