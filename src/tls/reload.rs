//! Certificate rotation: the server configuration is rebuilt when its files change. New
//! connections use the new files; existing ones keep theirs; a broken new file is logged and
//! the previous configuration kept.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use rustls::ServerConfig;

use crate::config::ServerTls;

/// The server configuration in force, replaced as a whole on reload.
#[derive(Debug)]
pub struct CurrentServerConfig(RwLock<Arc<ServerConfig>>);

impl CurrentServerConfig {
    /// Start with `config`.
    pub fn new(config: Arc<ServerConfig>) -> Self {
        Self(RwLock::new(config))
    }

    /// The configuration for a new connection.
    pub fn get(&self) -> Arc<ServerConfig> {
        match self.0.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    fn set(&self, config: Arc<ServerConfig>) {
        let mut guard = match self.0.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = config;
    }
}

fn stamps(paths: &[PathBuf]) -> Vec<Option<(SystemTime, u64)>> {
    paths
        .iter()
        .map(|p| {
            std::fs::metadata(p)
                .ok()
                .and_then(|m| m.modified().ok().map(|t| (t, m.len())))
        })
        .collect()
}

/// Watch the key and trust store files every `tls.reload_interval` until `stop` is set.
pub fn spawn_watcher(
    tls: ServerTls,
    current: Arc<CurrentServerConfig>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<()>> {
    let mut paths = vec![tls.key_store_path.clone()];
    paths.extend(tls.trust_store_path.clone());
    std::thread::Builder::new()
        .name("kgate-tls-reload".into())
        .spawn(move || {
            let mut seen = stamps(&paths);
            let mut next = Instant::now() + tls.reload_interval;
            while !stop.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(100).min(tls.reload_interval));
                if Instant::now() < next {
                    continue;
                }
                next = Instant::now() + tls.reload_interval;
                let now = stamps(&paths);
                if now == seen {
                    continue;
                }
                seen = now;
                match super::server::build(&tls) {
                    Ok(config) => {
                        current.set(config);
                        log::info!(
                            "TLS key or trust store changed: new connections use the new files"
                        );
                    }
                    Err(e) => log::error!(
                        "TLS files changed but cannot be used, keeping the previous ones: {e}"
                    ),
                }
            }
        })
}
