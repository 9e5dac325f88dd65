//! The interceptors of the current state, compiled once per state generation and shared by
//! every worker; and the chain of one connection.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::plugin::{Decisions, Env, Plugin};
use super::registry::{self, PluginInfo};
use super::resolve::{resolve, Target};
use crate::metrics::Metrics;
use crate::pipeline::filter::Filter;
use crate::pipeline::session::Session;
use crate::store::{Scope, StateHandle};

type Compiled = HashMap<(String, Scope), (&'static PluginInfo, Arc<dyn Plugin>)>;

/// Interceptors as every worker sees them.
#[derive(Debug)]
pub struct Interceptors {
    state: Arc<StateHandle>,
    metrics: Arc<Metrics>,
    compiled: RwLock<(u64, Arc<Compiled>)>,
}

impl Interceptors {
    /// Interceptors of the state behind `state`.
    pub fn new(state: Arc<StateHandle>, metrics: Arc<Metrics>) -> Interceptors {
        Interceptors {
            state,
            metrics,
            compiled: RwLock::new((u64::MAX, Arc::new(HashMap::new()))),
        }
    }

    /// The state generation: a change means chains must be rebuilt.
    pub fn generation(&self) -> u64 {
        self.state.generation()
    }

    fn compiled(&self) -> Arc<Compiled> {
        let generation = self.generation();
        {
            let cache = self.compiled.read().unwrap_or_else(|p| p.into_inner());
            if cache.0 == generation {
                return Arc::clone(&cache.1);
            }
        }
        let state = self.state.snapshot();
        let mut compiled = HashMap::new();
        for i in state.interceptors() {
            match registry::compile(&i.plugin_class, &i.config) {
                Ok(plugin) => {
                    compiled.insert(i.key(), plugin);
                }
                // Configs are checked before they are stored; a plugin that still refuses its
                // config (a stored file edited by hand) is left out, loudly.
                Err(e) => log::error!("interceptor {:?} is not applied: {e}", i.name),
            }
        }
        let compiled = Arc::new(compiled);
        let mut cache = self.compiled.write().unwrap_or_else(|p| p.into_inner());
        *cache = (generation, Arc::clone(&compiled));
        compiled
    }

    /// The filters of `session`'s interceptors, in chain order. `new_connection` is false when
    /// the chain is rebuilt after a state change.
    pub fn chain(&self, session: &Session, new_connection: bool) -> Vec<Box<dyn Filter>> {
        let state = self.state.snapshot();
        let username = session
            .service_account
            .as_deref()
            .or(session.principal.as_deref());
        let target = Target::of(&state, &session.vcluster, username);
        let compiled = self.compiled();
        resolve(&state, &target)
            .into_iter()
            .filter_map(|i| {
                let (info, plugin) = compiled.get(&i.key())?;
                let decisions = Decisions::new(
                    i.name.as_str().into(),
                    info.short_name(),
                    Arc::clone(&self.metrics),
                );
                Some(plugin.filter(Env {
                    decisions,
                    new_connection,
                }))
            })
            .collect()
    }
}
