//! The sans-io pipeline of one client connection: `Connection` feeds it whole frames from the
//! client and the broker, and it writes the frames that must go out into the two queues it is
//! given. It owns everything that decides what happens to a frame; no socket is in sight, so
//! it is tested with frames alone.
//!
//! A request goes through these stages, in order:
//! 1. **framing limits**: checked by `Connection` before a frame is offered (no allocation of a
//!    wire length before the bytes are there);
//! 2. **SASL gate** ([`sasl_gate`]): before authentication only ApiVersions and SASL pass;
//!    GATEWAY_MANAGED SASL is answered here, a failed attempt is answered after the configured
//!    delay (a parked answer) and the connection closed; a relayed exchange is watched;
//! 3. **ApiVersions**: answered locally from what kgate can serve; the client's software name
//!    and version go into the [`session::Session`];
//! 4. **acks=0**: a Produce with acks=0 expects no answer; if the broker answers it anyway, the
//!    answer is dropped;
//! 5. **filters** ([`filter::Filter`]) in chain order: each may pass, change, answer locally,
//!    park, close, or send requests of its own;
//! 6. **forward** with a kgate-owned correlation id ([`inflight`]).
//!
//! An answer from the broker is matched by its id, runs the filters in reverse order, has its
//! broker addresses rewritten (Metadata, FindCoordinator, DescribeCluster, KIP-951 endpoints),
//! gets the client's correlation id back and waits for its turn in the client's order.
//!
//! **The fast path.** A frame that no filter wants and whose answer needs no rewrite is never
//! decoded: kgate reads its 8-byte header, swaps the correlation id and moves the bytes; a
//! large answer nobody wants is streamed as it arrives ([`Pipeline::stream_answer`]).

pub mod filter;
pub mod inflight;
mod sasl_gate;
pub mod session;
mod tenancy_stage;
#[cfg(test)]
pub mod test_filters;

use std::sync::Arc;
use std::time::Instant;

use codec::api::{api_name, keys};
use codec::frame::SIZE_PREFIX;
use codec::header::{
    peek_correlation_id, peek_request, response_header_version, RequestHeader, ResponseHeader,
};
use codec::messages::api_versions::ApiVersionsRequest;
use codec::{Message, Reader};

use crate::net::buffer::ByteQueue;
use crate::proxy::connection::Close;
use crate::proxy::request::produce_acks;
use crate::proxy::sasl_server::AuthState;
use crate::proxy::settings::QUEUE_CAP;
use crate::proxy::shared::Shared;
use crate::routing::api_versions;
use crate::routing::rewrite::{rewrite_response, RewriteKind};
use filter::{Filter, RequestCtx, ResponseCtx, SideRequest, Verdict, Want};
use inflight::{Handling, InFlightTable, Matched, Waiter, Wake};
use sasl_gate::{DelegatedSasl, Gate};
use session::Session;

/// The two queues the pipeline writes to.
#[derive(Debug)]
pub struct Outbox<'a> {
    /// Frames for the client.
    pub to_client: &'a mut ByteQueue,
    /// Frames for the broker.
    pub to_upstream: &'a mut ByteQueue,
}

/// What became of a request frame offered to the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Took {
    /// Taken: the caller drops it from the client's queue.
    Taken,
    /// Not now: it and every frame after it stay in the client's queue (the client's answers
    /// are backed up, a request or a failed authentication is parked).
    NotNow,
}

/// What became of an answer offered to the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Dealt with: whatever goes to the client is queued.
    Done,
    /// The answer goes to the client exactly as it came but for its correlation id, which must
    /// become `client_id` (bytes 4..8 of the frame). The caller moves the frame the cheapest
    /// way it has, then calls [`Pipeline::release_ready`].
    AsIs {
        /// The client's correlation id.
        client_id: i32,
    },
}

/// A request held by a filter until its wake-up: the filters before it have run.
#[derive(Debug)]
struct ParkedRequest {
    wake: Wake,
    seq: u64,
    header: Vec<u8>,
    body: Vec<u8>,
    next_filter: usize,
    /// A Produce with acks=0: no answer is expected.
    silent: bool,
}

/// The pipeline of one client connection.
#[derive(Debug)]
pub struct Pipeline {
    shared: Arc<Shared>,
    /// Who the connection is.
    pub session: Session,
    table: InFlightTable,
    filters: Vec<Box<dyn Filter>>,
    auth: AuthState,
    delegated: DelegatedSasl,
    /// A failed authentication is being answered: no further request is taken.
    refusing: bool,
    /// Close once everything for the client has been written, and why.
    close_when_flushed: Option<Close>,
    parked: Option<ParkedRequest>,
    /// Side requests in flight: token, api key, version (the filter is in the table's waiter).
    side: Vec<(u64, i16, i16)>,
    next_token: u64,
    seen_client_id: bool,
    /// The state generation the tenancy filters were built for; `None` until placed.
    chain_generation: Option<u64>,
    /// Names of topic ids for the filters (the tenant's view of kgate's id map).
    topic_names: Arc<dyn crate::acl::enforce::TopicNames>,
    /// How many filters at the front of the chain are tenancy's (rebuilt on state changes).
    managed_filters: usize,
}

impl Pipeline {
    /// The pipeline of a connection just accepted.
    pub fn new(shared: Arc<Shared>, session: Session) -> Self {
        let auth = sasl_gate::initial_state(&shared);
        Self {
            shared,
            session,
            table: InFlightTable::default(),
            filters: Vec::new(),
            auth,
            delegated: DelegatedSasl::default(),
            refusing: false,
            close_when_flushed: None,
            parked: None,
            side: Vec::new(),
            next_token: 0,
            seen_client_id: false,
            chain_generation: None,
            topic_names: Arc::new(crate::acl::enforce::NoTopicNames),
            managed_filters: 0,
        }
    }

    /// Add a filter at the end of the chain.
    pub fn push_filter(&mut self, filter: Box<dyn Filter>) {
        self.filters.push(filter);
    }

    /// True once the client may send more than ApiVersions and SASL.
    pub fn authenticated(&self) -> bool {
        self.auth.is_authenticated()
    }

    /// True when the connection must close once the client's queue is written.
    pub fn closing(&self) -> bool {
        self.close_when_flushed.is_some()
    }

    /// Why the connection closes now that the client's queue is written.
    pub fn take_close(&mut self) -> Option<Close> {
        self.close_when_flushed.take()
    }

    /// True while some answer is expected from the broker or owed to the client.
    pub fn busy(&self) -> bool {
        self.table.busy() || self.parked.is_some()
    }

    /// True while an answer is expected from the broker (kgate's own re-authentication waits).
    pub fn awaiting_upstream(&self) -> bool {
        self.table.awaiting_upstream() || self.parked.is_some()
    }

    /// Offer one complete request frame (size prefix included).
    pub fn on_request(
        &mut self,
        frame: &[u8],
        out: &mut Outbox<'_>,
        now: Instant,
    ) -> Result<Took, Close> {
        if self.refusing || self.close_when_flushed.is_some() || self.parked.is_some() {
            return Ok(Took::NotNow);
        }
        if out.to_client.len() + self.table.held_bytes() >= QUEUE_CAP {
            // The client is not reading its answers: stop taking requests until it does.
            return Ok(Took::NotNow);
        }
        let body = frame.get(SIZE_PREFIX..).unwrap_or_default();
        let peek = peek_request(body).map_err(|e| Close::BadRequest(e.to_string()))?;
        self.shared.metrics.request(peek.api_key, frame.len());
        if !self.seen_client_id {
            self.seen_client_id = true;
            if let Ok((header, _)) = RequestHeader::decode_from(body) {
                self.session.client_id = header.client_id;
            }
        }
        let handling = match self.sasl_gate(peek.api_key, body, now)? {
            Gate::Handled => {
                self.release(out);
                return Ok(Took::Taken);
            }
            Gate::Pass(handling) => handling,
        };
        if peek.api_key == keys::API_VERSIONS {
            self.note_client_software(body);
            let mut advertised = self.shared.api_versions();
            if self.in_tenant() {
                advertised = Arc::new(crate::vcluster::apis::for_tenant(&advertised));
            }
            let answer =
                api_versions::answer(&advertised, peek.correlation_id, peek.api_version)
                    .map_err(|e| Close::BadRequest(format!("cannot answer ApiVersions: {e}")))?;
            self.answer_locally(peek.correlation_id, peek.api_key, peek.api_version, answer);
            self.release(out);
            return Ok(Took::Taken);
        }
        let silent = peek.api_key == keys::PRODUCE
            && produce_acks(body).map_err(|e| Close::BadRequest(format!("Produce: {e}")))? == 0;
        let handling = match handling {
            Some(h) => h,
            None => self.answer_handling(peek.api_key, peek.api_version)?,
        };
        self.ensure_chain(peek.api_key)?;
        let filtered = self.wanted_by_filters(peek.api_key, peek.api_version);
        if silent && !filtered {
            let id = self.table.next_upstream_id();
            copy_with_id(frame, REQUEST_ID_AT, id, out.to_upstream);
            self.table.sent(id, Waiter::Silent);
            return Ok(Took::Taken);
        }
        let seq = self
            .table
            .open_slot(peek.correlation_id, peek.api_key, peek.api_version);
        if let Some(slot) = self.table.slot_mut(seq) {
            slot.handling = handling;
            slot.filtered = filtered;
        }
        if !filtered {
            let id = self.table.next_upstream_id();
            copy_with_id(frame, REQUEST_ID_AT, id, out.to_upstream);
            self.table.sent(id, Waiter::Client(seq));
            return Ok(Took::Taken);
        }
        let (_, rest) =
            RequestHeader::decode_from(body).map_err(|e| Close::BadRequest(e.to_string()))?;
        let header_len = body.len() - rest.remaining();
        let header = body.get(..header_len).unwrap_or_default().to_vec();
        let parked = ParkedRequest {
            wake: Wake::At(now),
            seq,
            header,
            body: rest.rest().to_vec(),
            next_filter: 0,
            silent,
        };
        self.run_request_filters(parked, out, now)?;
        self.release(out);
        Ok(Took::Taken)
    }

    /// How the answer to a request must be handled on its way back: a request whose answer
    /// carries addresses must be at a version kgate can rewrite (kgate never advertises others,
    /// so a client sending one is refused rather than served with a leak).
    fn answer_handling(&self, api_key: i16, version: i16) -> Result<Handling, Close> {
        let Some(kind) = RewriteKind::for_request(api_key, version) else {
            return Ok(Handling::Forward);
        };
        if api_key != keys::PRODUCE {
            let advertised = self.shared.api_versions();
            let ok = advertised.api_keys.iter().any(|a| {
                a.api_key == api_key && (a.min_version..=a.max_version).contains(&version)
            });
            if !ok {
                return Err(Close::BadRequest(format!(
                    "{} v{version} is not a version this gateway advertises",
                    api_name(api_key)
                )));
            }
        }
        Ok(Handling::Rewrite(kind))
    }

    fn wanted_by_filters(&self, api_key: i16, version: i16) -> bool {
        self.filters
            .iter()
            .any(|f| f.wants(api_key, version) != Want::Nothing)
    }

    /// Run the request hooks from `request.next_filter` on; forward, answer or park.
    fn run_request_filters(
        &mut self,
        mut request: ParkedRequest,
        out: &mut Outbox<'_>,
        now: Instant,
    ) -> Result<(), Close> {
        let Some(slot) = self.table.slot_mut(request.seq) else {
            return Ok(());
        };
        let (api_key, api_version, client_id) = (slot.api_key, slot.api_version, slot.client_id);
        let mut notes = std::mem::take(&mut slot.notes);
        let mut side = Vec::new();
        let mut new_client_id = None;
        let mut verdict = Verdict::Pass;
        while let Some(filter) = self.filters.get_mut(request.next_filter) {
            if filter.wants(api_key, api_version) != Want::Nothing {
                let mut ctx = RequestCtx {
                    session: &self.session,
                    api_key,
                    api_version,
                    body: &mut request.body,
                    notes: &mut notes,
                    now,
                    topic_names: &*self.topic_names,
                    new_client_id: &mut new_client_id,
                    side: &mut side,
                    next_token: &mut self.next_token,
                };
                verdict = filter.on_request(&mut ctx);
            }
            let position = request.next_filter;
            self.send_side_requests(position, side.drain(..), out);
            if !matches!(verdict, Verdict::Pass) {
                break;
            }
            request.next_filter += 1;
        }
        let answer_filtered = self.filters.iter().any(|f| {
            f.wants(api_key, api_version) != Want::Nothing
                && f.wants_answer(api_key, api_version, &notes)
        });
        if let Some(slot) = self.table.slot_mut(request.seq) {
            slot.notes = notes;
            if matches!(verdict, Verdict::Pass) {
                slot.filtered = answer_filtered;
            }
        }
        match verdict {
            Verdict::Pass => {
                let id = self.table.next_upstream_id();
                let waiter = if request.silent {
                    self.table.close_slot(request.seq);
                    Waiter::Silent
                } else {
                    Waiter::Client(request.seq)
                };
                let mut header = request.header;
                if let Some(client_id) = new_client_id {
                    header = with_client_id(&header, api_key, api_version, client_id)?;
                }
                patch_id(&mut header, 4, id);
                push_frame_parts(out.to_upstream, &header, &request.body)
                    .map_err(|_| Close::BadRequest("a filtered request is too large".into()))?;
                self.table.sent(id, waiter);
            }
            Verdict::Answer(_) if request.silent => {
                // A Produce with acks=0 has no answer to carry an error: Kafka closes the
                // connection instead, so that the client notices.
                self.table.close_slot(request.seq);
                return Err(self.filter_close(
                    request.next_filter,
                    "refused a Produce with acks=0, which gets no answer".into(),
                ));
            }
            Verdict::Answer(body) => {
                let answer = response_frame(client_id, api_key, api_version, &body)?;
                self.table.answer(request.seq, answer, None);
            }
            Verdict::Park(wake) => {
                request.wake = wake;
                self.parked = Some(request);
            }
            Verdict::Close(reason) => return Err(self.filter_close(request.next_filter, reason)),
        }
        Ok(())
    }

    fn filter_close(&self, position: usize, reason: String) -> Close {
        let name = self.filters.get(position).map_or("filter", |f| f.name());
        Close::Filter(format!("{name}: {reason}"))
    }

    fn send_side_requests(
        &mut self,
        filter: usize,
        requests: impl Iterator<Item = SideRequest>,
        out: &mut Outbox<'_>,
    ) {
        for request in requests {
            let id = self.table.next_upstream_id();
            let header = RequestHeader {
                api_key: request.api_key,
                api_version: request.api_version,
                correlation_id: id,
                client_id: Some("kgate".into()),
                ..Default::default()
            };
            let mut frame = Vec::new();
            let version =
                codec::header::request_header_version(request.api_key, request.api_version);
            if header.encode(&mut frame, version).is_err()
                || push_frame_parts(out.to_upstream, &frame, &request.body).is_err()
            {
                log::warn!(
                    "connection from {}: a side request of filter {filter} could not be encoded",
                    self.session.source
                );
                continue;
            }
            self.side
                .push((request.token, request.api_key, request.api_version));
            self.table.sent(
                id,
                Waiter::Side {
                    filter,
                    token: request.token,
                },
            );
        }
    }

    /// Offer one complete answer frame from the broker (size prefix included).
    pub fn on_response(
        &mut self,
        frame: &[u8],
        out: &mut Outbox<'_>,
        now: Instant,
    ) -> Result<Delivery, Close> {
        let body = frame.get(SIZE_PREFIX..).unwrap_or_default();
        let id = peek_correlation_id(body).map_err(|e| Close::BadResponse(e.to_string()))?;
        match self.table.take_answer(id) {
            Matched::Unexpected => Err(Close::BadResponse(format!(
                "unexpected response with correlation id {id}"
            ))),
            Matched::Waiter(Waiter::Silent) => Ok(Delivery::Done),
            Matched::Waiter(Waiter::Side { filter, token }) => {
                self.side_answer(filter, token, body, out, now)?;
                Ok(Delivery::Done)
            }
            Matched::Waiter(Waiter::Client(seq)) => self.client_answer(seq, frame, out, now),
        }
    }

    fn side_answer(
        &mut self,
        filter: usize,
        token: u64,
        body: &[u8],
        out: &mut Outbox<'_>,
        now: Instant,
    ) -> Result<(), Close> {
        let Some(pos) = self.side.iter().position(|(t, _, _)| *t == token) else {
            return Ok(());
        };
        let (_, api_key, api_version) = self.side.swap_remove(pos);
        let message = strip_response_header(api_key, api_version, body)?;
        if let Some(f) = self.filters.get_mut(filter) {
            f.on_side_answer(token, api_key, api_version, message);
        }
        self.fire(Some(token), out, now)
    }

    fn client_answer(
        &mut self,
        seq: u64,
        frame: &[u8],
        out: &mut Outbox<'_>,
        now: Instant,
    ) -> Result<Delivery, Close> {
        let body = frame.get(SIZE_PREFIX..).unwrap_or_default();
        let head = self.table.is_head(seq);
        let Some(slot) = self.table.slot_mut(seq) else {
            return Err(Close::BadResponse(
                "answer for a request no longer open".into(),
            ));
        };
        let (api_key, api_version, client_id, handling, filtered) = (
            slot.api_key,
            slot.api_version,
            slot.client_id,
            slot.handling,
            slot.filtered,
        );
        if handling == Handling::WatchSaslAuthenticate {
            self.delegated_answer(api_version, body);
        }
        let rewritten = match handling {
            Handling::Rewrite(kind) => self.rewrite(kind, api_key, api_version, body)?,
            _ => None,
        };
        if !filtered && head {
            // The byte path: the answer goes out as it came (or as rewritten), with the
            // client's id, without being held.
            self.table.close_head(seq);
            let Some(mut answer) = rewritten else {
                self.shared.metrics.response(api_key, frame.len());
                return Ok(Delivery::AsIs { client_id });
            };
            patch_id(&mut answer, 0, client_id);
            push_frame_parts(out.to_client, &answer, &[])
                .map_err(|_| Close::BadResponse("a rewritten answer is too large".into()))?;
            self.shared
                .metrics
                .response(api_key, answer.len() + SIZE_PREFIX);
            self.release(out);
            return Ok(Delivery::Done);
        }
        let mut answer = rewritten.unwrap_or_else(|| body.to_vec());
        let mut wake = None;
        if filtered {
            wake = self.run_response_filters(seq, api_key, api_version, &mut answer, now)?;
        }
        patch_id(&mut answer, 0, client_id);
        self.table.answer(seq, answer, wake);
        self.release(out);
        Ok(Delivery::Done)
    }

    /// Rewrite the broker addresses in an answer (`None`: nothing to change); learn the
    /// cluster's brokers from it.
    fn rewrite(
        &self,
        kind: RewriteKind,
        api_key: i16,
        api_version: i16,
        body: &[u8],
    ) -> Result<Option<Vec<u8>>, Close> {
        let map = self.shared.advertiser(self.session.listener);
        let rewritten = rewrite_response(kind, api_key, api_version, body, map).map_err(|e| {
            Close::BadResponse(format!("{} v{api_version}: {e}", api_name(api_key)))
        })?;
        if let Some(brokers) = rewritten.learnt {
            if self.shared.book.update(brokers) {
                log::info!(
                    "broker list changed: {:?}",
                    self.shared.book.snapshot().by_id.keys().collect::<Vec<_>>()
                );
            }
        }
        if rewritten.body.is_some() {
            self.shared.metrics.rewrite(api_key);
        }
        Ok(rewritten.body)
    }

    /// Run the answer hooks in reverse chain order over `answer` (response header included).
    /// Returns when the answer must wait, if a filter parked it.
    fn run_response_filters(
        &mut self,
        seq: u64,
        api_key: i16,
        api_version: i16,
        answer: &mut Vec<u8>,
        now: Instant,
    ) -> Result<Option<Wake>, Close> {
        let header_len = response_header_len(api_key, api_version, answer)?;
        let mut body = answer.split_off(header_len);
        let Some(slot) = self.table.slot_mut(seq) else {
            return Ok(None);
        };
        let mut notes = std::mem::take(&mut slot.notes);
        let mut wake = None;
        for position in (0..self.filters.len()).rev() {
            let Some(filter) = self.filters.get_mut(position) else {
                continue;
            };
            if filter.wants(api_key, api_version) == Want::Nothing {
                continue;
            }
            let mut ctx = ResponseCtx {
                session: &self.session,
                api_key,
                api_version,
                body: &mut body,
                notes: &mut notes,
                topic_names: &*self.topic_names,
                now,
            };
            match filter.on_response(&mut ctx) {
                Verdict::Pass => {}
                Verdict::Answer(replacement) => body = replacement,
                // An answer is held until its wake-up; the remaining filters still see it now.
                Verdict::Park(w) => wake = Some(later(wake, w)),
                Verdict::Close(reason) => return Err(self.filter_close(position, reason)),
            }
        }
        answer.extend_from_slice(&body);
        Ok(wake)
    }

    /// Queue the answers that have reached the head of the client's order.
    fn release(&mut self, out: &mut Outbox<'_>) {
        while let Some((slot, answer)) = self.table.pop_ready() {
            if out.to_client.push_frame(&answer).is_err() {
                log::warn!(
                    "connection from {}: an answer of {} bytes is too large for a frame",
                    self.session.source,
                    answer.len()
                );
                self.close_when_flushed = Some(Close::BadResponse(format!(
                    "an answer of {} bytes is too large for a frame",
                    answer.len()
                )));
                return;
            }
            self.shared
                .metrics
                .response(slot.api_key, answer.len() + SIZE_PREFIX);
            if let Some(reason) = slot.close_after {
                self.close_when_flushed = Some(Close::Authentication(reason));
                return;
            }
        }
    }

    /// The large answer arriving with `upstream_id` may be streamed to the client as its bytes
    /// come (a Fetch answer can be megabytes; holding it whole would add its transfer time to
    /// every fetch): it is the next answer due, nobody wants to see or rewrite it and it is at
    /// the head of the client's order. Returns the client's correlation id to put in its place.
    pub fn stream_answer(&mut self, upstream_id: i32, frame_len: usize) -> Option<i32> {
        let Some((id, Waiter::Client(seq))) = self.table.expected() else {
            return None;
        };
        if id != upstream_id || !self.table.is_head(seq) {
            return None;
        }
        let slot = self.table.slot_mut(seq)?;
        if slot.handling != Handling::Forward || slot.filtered {
            return None;
        }
        let (client_id, api_key) = (slot.client_id, slot.api_key);
        let _ = self.table.take_answer(upstream_id);
        self.table.close_head(seq);
        self.shared.metrics.response(api_key, frame_len);
        Some(client_id)
    }

    /// After an answer the caller moved itself (streamed, or [`Delivery::AsIs`]): the answers
    /// queued behind it may go.
    pub fn release_ready(&mut self, out: &mut Outbox<'_>) {
        self.release(out);
    }

    /// Timers: parked answers and requests whose time has come, and the end of a client's SASL
    /// session.
    pub fn on_tick(&mut self, out: &mut Outbox<'_>, now: Instant) -> Result<(), Close> {
        self.fire(None, out, now)?;
        self.check_session_end(now)
    }

    /// Wake what waited for `event` (or for a time before `now`), and let it go on.
    fn fire(
        &mut self,
        event: Option<u64>,
        out: &mut Outbox<'_>,
        now: Instant,
    ) -> Result<(), Close> {
        self.table.wake(now, event);
        let due = self.parked.as_ref().is_some_and(|p| match p.wake {
            Wake::At(t) => now >= t,
            Wake::Event(e) => event == Some(e),
        });
        if due {
            if let Some(request) = self.parked.take() {
                self.run_request_filters(request, out, now)?;
            }
        }
        self.release(out);
        Ok(())
    }

    /// The earliest time something parked wakes.
    pub fn next_wake(&self) -> Option<Instant> {
        let parked = self.parked.as_ref().and_then(|p| match p.wake {
            Wake::At(t) => Some(t),
            Wake::Event(_) => None,
        });
        match (self.table.next_wake(), parked) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Keep a local answer (frame body with response header) in the client's order.
    fn answer_locally(&mut self, client_id: i32, api_key: i16, api_version: i16, answer: Vec<u8>) {
        let seq = self.table.open_slot(client_id, api_key, api_version);
        self.table.answer(seq, answer, None);
    }

    /// ApiVersions v3+ names the client's library: kept in the session for filters and logs.
    fn note_client_software(&mut self, body: &[u8]) {
        if self.session.software_name.is_some() {
            return;
        }
        let Ok((header, rest)) = RequestHeader::decode_from(body) else {
            return;
        };
        if header.api_version < 3 {
            return;
        }
        if let Ok(request) = ApiVersionsRequest::decode_body(rest.rest(), header.api_version) {
            self.session.software_name = Some(request.client_software_name);
            self.session.software_version = Some(request.client_software_version);
        }
    }
}

/// The later of a wake-up already set and a new one (times compare; an event wins over a time).
fn later(current: Option<Wake>, new: Wake) -> Wake {
    match (current, new) {
        (Some(Wake::At(a)), Wake::At(b)) => Wake::At(a.max(b)),
        (Some(Wake::Event(e)), Wake::At(_)) => Wake::Event(e),
        (_, new) => new,
    }
}

/// Where the correlation id sits in a frame (size prefix included): after the size, api key
/// and version in a request; right after the size in an answer.
const REQUEST_ID_AT: usize = 8;
#[cfg(test)]
const ANSWER_ID_AT: usize = 4;

/// Copy `frame` to `queue` with the correlation id at `at` replaced by `id`.
fn copy_with_id(frame: &[u8], at: usize, id: i32, queue: &mut ByteQueue) {
    match (frame.get(..at), frame.get(at + 4..)) {
        (Some(before), Some(after)) => {
            queue.extend(before);
            queue.extend(&id.to_be_bytes());
            queue.extend(after);
        }
        _ => queue.extend(frame),
    }
}

/// Set the correlation id at byte `at` of a frame body.
fn patch_id(body: &mut [u8], at: usize, id: i32) {
    if let Some(bytes) = body.get_mut(at..at + 4) {
        bytes.copy_from_slice(&id.to_be_bytes());
    }
}

/// A frame longer than its INT32 size can say.
#[derive(Debug)]
struct TooLarge;

/// Append a frame made of a header and a body.
fn push_frame_parts(queue: &mut ByteQueue, header: &[u8], body: &[u8]) -> Result<(), TooLarge> {
    let size = i32::try_from(header.len() + body.len()).map_err(|_| TooLarge)?;
    queue.extend(&size.to_be_bytes());
    queue.extend(header);
    queue.extend(body);
    Ok(())
}

/// The request header `header` with its `client.id` replaced.
fn with_client_id(
    header: &[u8],
    api_key: i16,
    api_version: i16,
    client_id: String,
) -> Result<Vec<u8>, Close> {
    let (mut decoded, _) =
        RequestHeader::decode_from(header).map_err(|e| Close::BadRequest(e.to_string()))?;
    decoded.client_id = Some(client_id);
    let mut out = Vec::with_capacity(header.len() + 16);
    decoded
        .encode(
            &mut out,
            codec::header::request_header_version(api_key, api_version),
        )
        .map_err(|e| Close::BadRequest(format!("cannot write the request header: {e}")))?;
    Ok(out)
}

/// A response frame body (response header included) answering `client_id`.
fn response_frame(
    client_id: i32,
    api_key: i16,
    api_version: i16,
    message: &[u8],
) -> Result<Vec<u8>, Close> {
    let mut out = Vec::with_capacity(message.len() + 8);
    ResponseHeader {
        correlation_id: client_id,
        ..Default::default()
    }
    .encode(&mut out, response_header_version(api_key, api_version))
    .map_err(|e| Close::BadRequest(format!("cannot encode a local answer: {e}")))?;
    out.extend_from_slice(message);
    Ok(out)
}

/// The length of the response header at the start of `body`.
fn response_header_len(api_key: i16, api_version: i16, body: &[u8]) -> Result<usize, Close> {
    let mut r = Reader::new(body);
    ResponseHeader::decode(&mut r, response_header_version(api_key, api_version))
        .map_err(|e| Close::BadResponse(format!("{}: {e}", api_name(api_key))))?;
    Ok(body.len() - r.remaining())
}

/// The message of a response body, after its header.
fn strip_response_header(api_key: i16, api_version: i16, body: &[u8]) -> Result<&[u8], Close> {
    let len = response_header_len(api_key, api_version, body)?;
    Ok(body.get(len..).unwrap_or_default())
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "sasl_stage_tests.rs"]
mod sasl_stage_tests;
