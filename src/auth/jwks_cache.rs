//! The OAuth signing keys in force, refreshed on a thread of their own: periodically, and soon
//! after a token names a key the cache does not have (with backoff), so that a worker never
//! waits on HTTP.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::http_fetch;
use super::jwks::Jwks;

/// How long a fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// The shortest pause between fetches asked for by unknown key ids.
const MIN_ON_DEMAND_INTERVAL: Duration = Duration::from_secs(5);
/// The longest pause after failures.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The current key set, shared by the workers and the refresher.
#[derive(Debug)]
pub struct JwksCache {
    url: String,
    keys: RwLock<Option<Arc<Jwks>>>,
    refresh_requested: AtomicBool,
}

impl JwksCache {
    /// An empty cache for `url`; [`JwksCache::refresh`] fills it.
    pub fn new(url: String) -> Self {
        Self {
            url,
            keys: RwLock::new(None),
            refresh_requested: AtomicBool::new(false),
        }
    }

    /// The keys, once fetched.
    pub fn keys(&self) -> Option<Arc<Jwks>> {
        match self.keys.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Ask the refresher for a fetch soon (a token named an unknown key).
    pub fn request_refresh(&self) {
        self.refresh_requested.store(true, Ordering::Release);
    }

    /// Fetch and install the key set now.
    pub fn refresh(&self) -> Result<usize, String> {
        let body = http_fetch::fetch(&self.url, FETCH_TIMEOUT, None)?;
        let jwks = Jwks::parse(&body).map_err(|e| format!("{}: {e}", self.url))?;
        for note in jwks.notes() {
            log::info!("JWKS {}: {note}", self.url);
        }
        let count = jwks.len();
        let mut guard = match self.keys.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Some(Arc::new(jwks));
        Ok(count)
    }

    /// Refresh every `interval`, and on request, until `stop` is set.
    pub fn spawn_refresher(
        self: &Arc<Self>,
        interval: Duration,
        stop: Arc<AtomicBool>,
    ) -> std::io::Result<JoinHandle<()>> {
        let cache = Arc::clone(self);
        std::thread::Builder::new().name("kgate-jwks".into()).spawn(move || {
            let mut next = Instant::now();
            let mut backoff = Duration::from_secs(1);
            let mut last_fetch: Option<Instant> = None;
            while !stop.load(Ordering::Acquire) {
                let asked = cache.refresh_requested.load(Ordering::Acquire)
                    && last_fetch.is_none_or(|t| t.elapsed() >= MIN_ON_DEMAND_INTERVAL);
                if Instant::now() < next && !asked {
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
                cache.refresh_requested.store(false, Ordering::Release);
                last_fetch = Some(Instant::now());
                match cache.refresh() {
                    Ok(count) => {
                        log::info!("JWKS {}: {count} keys", cache.url);
                        backoff = Duration::from_secs(1);
                        next = Instant::now() + interval;
                    }
                    Err(e) => {
                        log::warn!("JWKS fetch failed, retrying in {backoff:?} (GATEWAY_OAUTH_JWKS_URL): {e}");
                        next = Instant::now() + backoff;
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                }
            }
        })
    }
}
