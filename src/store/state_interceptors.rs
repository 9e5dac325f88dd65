//! The interceptors and gateway groups of a [`GatewayState`].

use super::{listed, GatewayState, UpsertResult};
use crate::store::interceptor::{GatewayGroup, Interceptor, Scope};
use crate::store::DEFAULT_VCLUSTER;

impl GatewayState {
    /// Every interceptor, in (name, scope) order.
    pub fn interceptors(&self) -> impl Iterator<Item = &Interceptor> {
        self.interceptors.values()
    }

    /// A new state with `interceptor` added or replacing the one of the same name and scope.
    /// Refused when its scope names a virtual cluster or group that does not exist.
    pub fn with_interceptor(
        &self,
        interceptor: Interceptor,
    ) -> Result<(GatewayState, UpsertResult), String> {
        interceptor.validate()?;
        if let Some(vcluster) = &interceptor.scope.vcluster {
            if self.vcluster(vcluster).is_none() {
                return Err(format!(
                    "metadata.scope.vCluster: virtual cluster {vcluster:?} does not exist"
                ));
            }
        }
        if let Some(group) = &interceptor.scope.group {
            if !self.groups.contains_key(group) {
                return Err(format!(
                    "metadata.scope.group: gateway group {group:?} does not exist"
                ));
            }
        }
        let key = interceptor.key();
        let result = match self.interceptors.get(&key) {
            None => UpsertResult::Created,
            Some(old) if *old == interceptor => {
                return Ok((self.clone(), UpsertResult::NotChanged))
            }
            Some(_) => UpsertResult::Updated,
        };
        let mut next = self.clone();
        next.interceptors.insert(key, interceptor);
        Ok((next, result))
    }

    /// A new state without the interceptor `name` at `scope`; `None` when there is none.
    pub fn without_interceptor(&self, name: &str, scope: &Scope) -> Option<GatewayState> {
        let key = (name.to_owned(), scope.clone());
        self.interceptors.get(&key)?;
        let mut next = self.clone();
        next.interceptors.remove(&key);
        Some(next)
    }

    /// The gateway group `name`.
    pub fn group(&self, name: &str) -> Option<&GatewayGroup> {
        self.groups.get(name)
    }

    /// Every gateway group, in name order.
    pub fn groups(&self) -> impl Iterator<Item = &GatewayGroup> {
        self.groups.values()
    }

    /// The groups `username` of `vcluster` belongs to, in name order.
    pub fn groups_of(&self, vcluster: &str, username: &str) -> Vec<String> {
        self.groups
            .values()
            .filter(|g| g.has(vcluster, username))
            .map(|g| g.name.clone())
            .collect()
    }

    /// A new state with `group` added or replacing the one of the same name. Refused when a
    /// member's virtual cluster does not exist.
    pub fn with_group(&self, group: GatewayGroup) -> Result<(GatewayState, UpsertResult), String> {
        group.validate()?;
        for (i, member) in group.members.iter().enumerate() {
            let vcluster = member.vcluster.as_deref().unwrap_or(DEFAULT_VCLUSTER);
            if self.vcluster(vcluster).is_none() {
                return Err(format!(
                    "spec.members[{i}].vCluster: virtual cluster {vcluster:?} does not exist"
                ));
            }
        }
        let result = match self.groups.get(&group.name) {
            None => UpsertResult::Created,
            Some(old) if *old == group => return Ok((self.clone(), UpsertResult::NotChanged)),
            Some(_) => UpsertResult::Updated,
        };
        let mut next = self.clone();
        next.groups.insert(group.name.clone(), group);
        Ok((next, result))
    }

    /// A new state without the group `name`. `Ok(None)` when there is none; refused while
    /// interceptors are scoped to it (the error lists them).
    pub fn without_group(&self, name: &str) -> Result<Option<GatewayState>, String> {
        if !self.groups.contains_key(name) {
            return Ok(None);
        }
        let scoped: Vec<&str> = self
            .interceptors()
            .filter(|i| i.scope.group.as_deref() == Some(name))
            .map(|i| i.name.as_str())
            .collect();
        if !scoped.is_empty() {
            return Err(format!(
                "{} interceptor(s) ({}) are scoped to group {name}; delete them first",
                scoped.len(),
                listed(&scoped)
            ));
        }
        let mut next = self.clone();
        next.groups.remove(name);
        Ok(Some(next))
    }
}
