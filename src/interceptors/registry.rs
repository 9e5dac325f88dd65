//! Every plugin kgate has, by Conduktor's class name: what `GET /gateway/v2/plugin` lists, how a
//! config is checked at PUT and compiled for the data path.

use std::sync::Arc;

use serde_json::Value;

use super::plugin::Plugin;
use super::plugins;

/// The package every class name starts with.
pub const PACKAGE: &str = "io.conduktor.gateway.interceptor.";

/// One plugin.
#[derive(Debug)]
pub struct PluginInfo {
    /// The class name after [`PACKAGE`] (`safeguard.CreateTopicPolicyPlugin`).
    pub class: &'static str,
    /// A title for listings.
    pub title: &'static str,
    /// What it does.
    pub description: &'static str,
    /// Its family: `safeguard` or `chaos`.
    pub parent: &'static str,
    /// The `spec.config` fields it takes.
    pub fields: &'static [&'static str],
    /// Checks a config and builds the plugin; errors name the field (`spec.config.x`).
    pub compile: fn(&Value) -> Result<Arc<dyn Plugin>, String>,
}

impl PluginInfo {
    /// The full class name.
    pub fn class_name(&self) -> String {
        format!("{PACKAGE}{}", self.class)
    }

    /// The short name used in logs and metrics (`CreateTopicPolicyPlugin`).
    pub fn short_name(&self) -> &'static str {
        self.class.rsplit('.').next().unwrap_or(self.class)
    }
}

/// Every plugin, in listing order.
pub fn all() -> &'static [PluginInfo] {
    plugins::ALL
}

/// The plugin of class `class` (full name; the short `safeguard.X` form is accepted too).
pub fn find(class: &str) -> Option<&'static PluginInfo> {
    let short = class.strip_prefix(PACKAGE).unwrap_or(class);
    all().iter().find(|p| p.class == short)
}

fn known(class: &str) -> Result<&'static PluginInfo, String> {
    find(class).ok_or_else(|| {
        format!(
            "spec.pluginClass: {class:?} is not a plugin of this gateway (GET /gateway/v2/plugin \
             lists them)"
        )
    })
}

/// Checks `config` for the plugin `class`.
pub fn check(class: &str, config: &Value) -> Result<(), String> {
    (known(class)?.compile)(config).map(|_| ())
}

/// Builds the plugin `class` from `config`.
pub fn compile(
    class: &str,
    config: &Value,
) -> Result<(&'static PluginInfo, Arc<dyn Plugin>), String> {
    let info = known(class)?;
    Ok((info, (info.compile)(config)?))
}
