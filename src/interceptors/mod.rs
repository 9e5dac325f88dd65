//! Interceptors: rules a platform team adds to Kafka traffic without touching clients
//! (reference 004's `Interceptor` resource). A deployed interceptor names a plugin by
//! Conduktor's class name and gives it a `config`; its scope (virtual cluster, gateway group,
//! username, or global) says whose connections it applies to.
//!
//! - [`registry`]: every plugin kgate has, how its config is checked and compiled;
//! - [`resolve`]: which interceptors apply to a connection (the same name at a narrower scope
//!   overrides, different names chain by priority);
//! - [`runtime`]: the compiled plugins of the current state, and a connection's chain;
//! - [`plugin`]: what a plugin is, and how its decisions (block, info, override, throttle) are
//!   logged and counted;
//! - [`settings`] and [`rules`]: reading a plugin's config with errors that name the field, and
//!   the checks many plugins share (ranges, booleans, patterns);
//! - [`refusal`]: answering a refused request, or its refused topics, in the broker's shape;
//! - [`template`]: `{{user}}`, `{{clientId}}` and the other values a config may insert;
//! - [`plugins`]: the safeguard and chaos plugins.

pub mod plugin;
pub mod plugins;
pub mod refusal;
pub mod registry;
pub mod resolve;
pub mod rules;
pub mod runtime;
pub mod settings;
pub mod template;
