//! Interceptors and gateway groups (reference 004, `Interceptor` and `GatewayGroup`) as stored.
//! What a plugin's `config` means is the plugin's business ([`crate::interceptors::registry`]);
//! here it is kept as the JSON it was given, checked by the plugin before it is stored.

use serde::{Deserialize, Serialize};

use super::model::{check_name, check_resource_name, DEFAULT_VCLUSTER};

/// Where an interceptor applies. `None` is "any": an interceptor whose three fields are `None`
/// applies to every connection, virtual clusters included. A resource without a scope gets
/// `vcluster = passthrough`: every connection outside virtual clusters (reference 004's
/// "Global Interceptor (Excluding Virtual Clusters)").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Scope {
    /// The virtual cluster.
    #[serde(rename = "vCluster")]
    pub vcluster: Option<String>,
    /// A gateway group the user belongs to.
    pub group: Option<String>,
    /// The service account (or, without one, the principal).
    pub username: Option<String>,
}

impl Default for Scope {
    fn default() -> Scope {
        Scope {
            vcluster: Some(DEFAULT_VCLUSTER.to_owned()),
            group: None,
            username: None,
        }
    }
}

impl Scope {
    /// How specific the scope is: the same interceptor name at a more specific scope overrides
    /// the others (service account > group > virtual cluster > global).
    pub fn rank(&self) -> u8 {
        if self.username.is_some() {
            3
        } else if self.group.is_some() {
            2
        } else if self.vcluster.is_some() {
            1
        } else {
            0
        }
    }

    /// True when this scope covers a connection of `vcluster` and `username` in `groups`.
    pub fn covers(&self, vcluster: &str, groups: &[String], username: Option<&str>) -> bool {
        self.vcluster.as_deref().is_none_or(|v| v == vcluster)
            && self.group.as_ref().is_none_or(|g| groups.contains(g))
            && self.username.as_deref().is_none_or(|u| Some(u) == username)
    }

    /// Checks the names; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(v) = &self.vcluster {
            check_resource_name("metadata.scope.vCluster", v)?;
        }
        if let Some(g) = &self.group {
            check_resource_name("metadata.scope.group", g)?;
        }
        if let Some(u) = &self.username {
            if u.is_empty() || u.len() > super::model::MAX_EXTERNAL_NAME_LEN {
                return Err("metadata.scope.username: must be 1-1024 characters".into());
            }
        }
        Ok(())
    }
}

/// One deployed interceptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interceptor {
    /// Its name; the same name at several scopes is one interceptor overridden per scope.
    pub name: String,
    /// Where it applies.
    pub scope: Scope,
    /// The plugin, by Conduktor's class name.
    #[serde(rename = "pluginClass")]
    pub plugin_class: String,
    /// Chain position: lowest first on requests, last on answers.
    pub priority: i64,
    /// The plugin's settings.
    pub config: serde_json::Value,
    /// A note for operators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Interceptor {
    /// The name, the scope and the plugin's own check of its config.
    pub fn validate(&self) -> Result<(), String> {
        check_resource_name("metadata.name", &self.name)?;
        self.scope.validate()?;
        crate::interceptors::registry::check(&self.plugin_class, &self.config)
    }

    /// What identifies it: (name, scope).
    pub fn key(&self) -> (String, Scope) {
        (self.name.clone(), self.scope.clone())
    }
}

/// A member of a gateway group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupMember {
    /// The service account (or principal).
    pub name: String,
    /// Its virtual cluster; `None` is passthrough.
    #[serde(rename = "vCluster", default, skip_serializing_if = "Option::is_none")]
    pub vcluster: Option<String>,
}

/// Users that interceptors can target together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayGroup {
    /// The group's name.
    pub name: String,
    /// Who belongs to it.
    pub members: Vec<GroupMember>,
}

impl GatewayGroup {
    /// Checks the names; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        check_resource_name("metadata.name", &self.name)?;
        for (i, member) in self.members.iter().enumerate() {
            if member.name.is_empty() || member.name.len() > super::model::MAX_EXTERNAL_NAME_LEN {
                return Err(format!("spec.members[{i}].name: must be 1-1024 characters"));
            }
            if let Some(v) = &member.vcluster {
                check_name(&format!("spec.members[{i}].vCluster"), v)?;
            }
            if self.members[..i].contains(member) {
                return Err(format!("spec.members[{i}]: listed twice"));
            }
        }
        Ok(())
    }

    /// True when `username` of `vcluster` is a member.
    pub fn has(&self, vcluster: &str, username: &str) -> bool {
        self.members.iter().any(|m| {
            m.name == username && m.vcluster.as_deref().unwrap_or(DEFAULT_VCLUSTER) == vcluster
        })
    }
}
