//! What the rate-limiting and delaying plugins share: counting windows (shared by every
//! connection an interceptor applies to, behind a lock), holding a connection's requests until
//! a time (a parked request, never a sleeping thread), raising an answer's `ThrottleTimeMs`,
//! and carrying a delay from a request hook to its answer hook.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use codec::schema::{decode, encode, Direction, MessageRef, Struct, WalkOptions};
use codec::Reader;

use crate::interceptors::plugin::Decisions;
use crate::pipeline::filter::{Notes, ResponseCtx, Verdict, Want};
use crate::pipeline::inflight::Wake;

/// Notes key of the throttle times a filter set on a request (raised in its answer).
pub const THROTTLE_NOTE: &str = "interceptor-throttle-ms";

/// Notes key of the delays a filter gives a request's answer.
pub const DELAY_NOTE: &str = "interceptor-delay-ms";

/// The longest a plugin ever throttles or delays (Kafka caps quota throttling too).
pub const MAX_DELAY: Duration = Duration::from_secs(30);

/// An id of one filter, to find its own notes.
pub fn filter_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Milliseconds of `d`, rounded up, as Kafka's INT32 throttle time.
pub fn millis(d: Duration) -> i32 {
    let ms = d.as_nanos().div_ceil(1_000_000);
    i32::try_from(ms).unwrap_or(i32::MAX)
}

/// A fixed counting window: how many hits since it started, restarting once `len` has passed.
#[derive(Debug, Clone)]
pub struct Window {
    start: Instant,
    count: u64,
    len: Duration,
}

impl Window {
    /// An empty window of `len` starting `now`.
    pub fn new(now: Instant, len: Duration) -> Window {
        Window {
            start: now,
            count: 0,
            len,
        }
    }

    /// Counts one hit at `now`; the hits in the current window, this one included.
    pub fn hit(&mut self, now: Instant) -> u64 {
        if self.expired(now) {
            self.start = now;
            self.count = 0;
        }
        self.count += 1;
        self.count
    }

    /// True once the window has passed (its count no longer matters).
    pub fn expired(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.start) >= self.len
    }
}

/// Windows per key (a consumer group id), shared by all the connections of an interceptor.
#[derive(Debug)]
pub struct Counters {
    len: Duration,
    map: Mutex<(HashMap<String, Window>, usize)>,
}

/// Past this many keys, expired windows are swept.
const SWEEP_AT: usize = 1024;

impl Counters {
    /// Counters of windows `len` long.
    pub fn new(len: Duration) -> Counters {
        Counters {
            len,
            map: Mutex::new((HashMap::new(), SWEEP_AT)),
        }
    }

    /// Counts one hit of `key` at `now`; the hits of `key` in its current window.
    pub fn hit(&self, key: &str, now: Instant) -> u64 {
        let mut guard = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let (map, sweep_at) = &mut *guard;
        if map.len() >= *sweep_at && !map.contains_key(key) {
            map.retain(|_, w| !w.expired(now));
            *sweep_at = (map.len() * 2).max(SWEEP_AT);
        }
        let len = self.len;
        map.entry(key.to_owned())
            .or_insert_with(|| Window::new(now, len))
            .hit(now)
    }
}

/// A connection's requests held until a time.
#[derive(Debug, Default)]
pub struct Hold {
    until: Option<Instant>,
}

/// Where a request stands against a [`Hold`].
#[derive(Debug)]
pub enum Held {
    /// Nothing holds it.
    Free,
    /// It must wait: park it with this verdict.
    Wait(Verdict),
    /// The hold just ended: this is the request that waited for it.
    Released,
}

impl Hold {
    /// Holds requests until `until` (a later hold already set stays).
    pub fn set(&mut self, until: Instant) {
        self.until = Some(self.until.map_or(until, |u| u.max(until)));
    }

    /// True while a hold is set (the filter must see every request).
    pub fn active(&self) -> bool {
        self.until.is_some()
    }

    /// Judges a request at `now`.
    pub fn check(&mut self, now: Instant) -> Held {
        match self.until {
            None => Held::Free,
            Some(t) if now < t => Held::Wait(Verdict::Park(Wake::At(t))),
            Some(_) => {
                self.until = None;
                Held::Released
            }
        }
    }
}

/// A rate-limiting filter's throttling: the throttle time it raises in answers, and a hold on
/// the connection's next request so that clients ignoring that time are slowed too.
#[derive(Debug)]
pub struct Throttling {
    id: u64,
    hold: Hold,
}

impl Default for Throttling {
    fn default() -> Self {
        Throttling::new()
    }
}

impl Throttling {
    /// Throttling with a filter id of its own.
    pub fn new() -> Throttling {
        Throttling {
            id: filter_id(),
            hold: Hold::default(),
        }
    }

    /// What the filter must see: the requests it limits, and every request while one is held.
    pub fn wants(&self, limited: bool) -> Want {
        if limited || self.hold.active() {
            Want::Message
        } else {
            Want::Nothing
        }
    }

    /// The verdict parking a request that comes before the hold ends.
    pub fn held(&mut self, now: Instant) -> Option<Verdict> {
        match self.hold.check(now) {
            Held::Wait(v) => Some(v),
            Held::Free | Held::Released => None,
        }
    }

    /// Throttles the answer to the request of `notes` by `delay`, and holds the next request
    /// until `now + delay`.
    pub fn throttle(&mut self, notes: &mut Notes, now: Instant, delay: Duration) {
        note_ms(
            notes,
            THROTTLE_NOTE,
            self.id,
            millis(delay).unsigned_abs().into(),
        );
        self.hold.set(now + delay);
    }

    /// True when the answer must be seen to raise its throttle time.
    pub fn wants_answer(&self, notes: &Notes) -> bool {
        noted_ms(notes, THROTTLE_NOTE, self.id).is_some()
    }

    /// Raises the answer's throttle time when its request was throttled. The limit is already
    /// enforced by the hold, so an answer that cannot be rewritten still passes.
    pub fn on_response(&self, ctx: &mut ResponseCtx<'_>, decisions: &Decisions) -> Verdict {
        if let Some(ms) = noted_ms(ctx.notes, THROTTLE_NOTE, self.id) {
            let ms = i32::try_from(ms).unwrap_or(i32::MAX);
            if let Err(e) = raise_throttle(ctx.api_key, ctx.api_version, ctx.body, ms) {
                log::warn!(
                    "interceptor {}: {e}; answer passed without throttle time",
                    decisions.interceptor()
                );
            }
        }
        Verdict::Pass
    }
}

/// Notes `ms` under `key` for filter `id`.
pub fn note_ms(notes: &mut Notes, key: &'static str, id: u64, ms: u64) {
    match notes.get_mut::<Vec<(u64, u64)>>(key) {
        Some(list) => list.push((id, ms)),
        None => notes.put(key, vec![(id, ms)]),
    }
}

/// What filter `id` noted under `key`.
pub fn noted_ms(notes: &Notes, key: &'static str, id: u64) -> Option<u64> {
    notes
        .get::<Vec<(u64, u64)>>(key)?
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, ms)| *ms)
}

const OPTIONS: WalkOptions = WalkOptions {
    consumer_protocol: None,
    coordinator_key_type: None,
    allow_trailing_bytes: true,
};

fn message(api_key: i16, version: i16, direction: Direction) -> MessageRef {
    MessageRef {
        api_key,
        version,
        direction,
    }
}

/// Decodes a request body.
pub fn read_request(api_key: i16, version: i16, body: &[u8]) -> Result<Struct, String> {
    decode(
        body,
        message(api_key, version, Direction::Request),
        &OPTIONS,
    )
    .map(|d| d.root)
    .map_err(|e| {
        format!(
            "cannot decode {} v{version}: {e}",
            codec::api::api_name(api_key)
        )
    })
}

/// Raises the answer's `ThrottleTimeMs` to `ms` (the broker's own, when higher, stays). An
/// answer whose version has no throttle time is left as it is.
pub fn raise_throttle(
    api_key: i16,
    version: i16,
    body: &mut Vec<u8>,
    ms: i32,
) -> Result<(), String> {
    let m = message(api_key, version, Direction::Response);
    let mut d = decode(body, m, &OPTIONS).map_err(|e| {
        format!(
            "cannot decode the {} v{version} answer: {e}",
            codec::api::api_name(api_key)
        )
    })?;
    let Some(current) = d.root.int("ThrottleTimeMs") else {
        return Ok(());
    };
    if current >= i64::from(ms) {
        return Ok(());
    }
    d.root.set_int("ThrottleTimeMs", i64::from(ms));
    let mut out = encode(&d.root, m).map_err(|e| {
        format!(
            "cannot encode the {} v{version} answer: {e}",
            codec::api::api_name(api_key)
        )
    })?;
    out.extend_from_slice(&d.trailing);
    *body = out;
    Ok(())
}

/// The `acks` of a Produce body (after the request header) at `version`, read without decoding
/// the records.
pub fn produce_acks(version: i16, body: &[u8]) -> Option<i16> {
    let mut r = Reader::new(body);
    if version >= 3 {
        let len = if version >= 9 {
            i64::from(r.uvarint("transactional id").ok()?) - 1
        } else {
            i64::from(r.i16("transactional id").ok()?)
        };
        if let Ok(len) = usize::try_from(len) {
            r.take(len, "transactional id").ok()?;
        }
    }
    r.i16("acks").ok()
}

/// True for a Produce that expects no answer (acks=0): it must never be answered locally.
pub fn is_silent(api_key: i16, version: i16, body: &[u8]) -> bool {
    api_key == codec::api::keys::PRODUCE && produce_acks(version, body) == Some(0)
}

#[cfg(test)]
#[path = "throttle_pipeline_tests.rs"]
mod pipeline_tests;
