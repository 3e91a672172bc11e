//! The webhook outbox: hand-offs waiting to be delivered, and the workers
//! that deliver them.
//!
//! A hand-off is pushed once, under its stable delivery id
//! ([`super::webhook::delivery_id`]): pushing the same id again is a no-op,
//! so a retried request or a second replica never sends a second webhook.
//! The queue is bounded ([`OutboxConfig::capacity`]); when full, the push is
//! refused, logged and counted (the customer's reply is sent regardless).
//!
//! A fixed number of workers ([`OutboxConfig::workers`]) claim one entry at
//! a time with a lease, make one attempt, and then finish it or put it back
//! with a backoff. With Redis the outbox lives in Redis, so an entry survives
//! a restart or a `kill -9` of the replica that was delivering it: its lease
//! runs out and any replica delivers it. In memory it survives neither (a
//! graceful shutdown still waits for it).

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::metrics::Metrics;
use super::webhook::{Attempt, HandoffEvent, Webhook};
use crate::decide::StoreError;

/// Sizes of the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxConfig {
    /// Most hand-offs waiting at once.
    pub capacity: usize,
    /// Deliveries in progress at once (per replica).
    pub workers: usize,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        Self { capacity: 10_000, workers: 4 }
    }
}

/// What [`Outbox::push`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// Queued for delivery.
    Queued,
    /// This delivery id was queued before; nothing was added.
    Duplicate,
    /// The queue is full; the hand-off was not queued.
    Full,
}

/// An entry handed to a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    /// The hand-off.
    pub event: HandoffEvent,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// A boxed future of an outbox operation.
pub type OutboxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Where hand-offs wait for delivery.
// `len` is a future (a Redis round trip); an `is_empty` would only repeat it.
#[allow(clippy::len_without_is_empty)]
pub trait Outbox: Send + Sync + std::fmt::Debug {
    /// Queues `event` unless its delivery id was queued before.
    fn push<'a>(&'a self, event: &'a HandoffEvent) -> OutboxFuture<'a, Pushed>;
    /// Takes the oldest due entry for `lease` (after which it is due again,
    /// should this worker die).
    fn claim(&self, lease: Duration) -> OutboxFuture<'_, Option<Claimed>>;
    /// Removes a delivered (or given-up) entry.
    fn finish<'a>(&'a self, delivery_id: &'a str) -> OutboxFuture<'a, ()>;
    /// Puts an entry back, due after `after`, with `attempts` made so far.
    fn retry_later<'a>(&'a self, delivery_id: &'a str, attempts: u32, after: Duration) -> OutboxFuture<'a, ()>;
    /// Entries waiting (leased ones included).
    fn len(&self) -> OutboxFuture<'_, usize>;
    /// True when the outbox survives a restart of this process.
    fn durable(&self) -> bool;
}

struct Entry {
    event: HandoffEvent,
    attempts: u32,
    due: Instant,
    seq: u64,
}

#[derive(Default)]
struct MemoryInner {
    entries: HashMap<String, Entry>,
    /// Ids queued recently (bounded), to drop a second push of the same id.
    seen: HashSet<String>,
    seen_order: VecDeque<String>,
    seq: u64,
}

/// The outbox in this process's memory (the default without Redis).
#[derive(Default)]
pub struct MemoryOutbox {
    inner: Mutex<MemoryInner>,
    capacity: usize,
}

impl std::fmt::Debug for MemoryOutbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryOutbox").field("capacity", &self.capacity).finish_non_exhaustive()
    }
}

impl MemoryOutbox {
    /// An empty outbox holding at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self { inner: Mutex::default(), capacity: capacity.max(1) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn ready<'a, T: Send + 'a>(value: Result<T, StoreError>) -> OutboxFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

/// Delivery ids remembered for de-duplication, per capacity slot.
const SEEN_PER_SLOT: usize = 4;

impl Outbox for MemoryOutbox {
    fn push<'a>(&'a self, event: &'a HandoffEvent) -> OutboxFuture<'a, Pushed> {
        let mut inner = self.lock();
        let id = &event.delivery_id;
        if inner.seen.contains(id) || inner.entries.contains_key(id) {
            return ready(Ok(Pushed::Duplicate));
        }
        if inner.entries.len() >= self.capacity {
            return ready(Ok(Pushed::Full));
        }
        inner.seq += 1;
        let seq = inner.seq;
        inner.entries.insert(id.clone(), Entry { event: event.clone(), attempts: 0, due: Instant::now(), seq });
        inner.seen.insert(id.clone());
        inner.seen_order.push_back(id.clone());
        while inner.seen_order.len() > self.capacity * SEEN_PER_SLOT {
            if let Some(old) = inner.seen_order.pop_front() {
                inner.seen.remove(&old);
            }
        }
        ready(Ok(Pushed::Queued))
    }

    fn claim(&self, lease: Duration) -> OutboxFuture<'_, Option<Claimed>> {
        let now = Instant::now();
        let mut inner = self.lock();
        let next = inner.entries.iter().filter(|(_, e)| e.due <= now).min_by_key(|(_, e)| (e.due, e.seq)).map(|(id, _)| id.clone());
        let claimed = next.and_then(|id| inner.entries.get_mut(&id)).map(|e| {
            e.due = now + lease;
            Claimed { event: e.event.clone(), attempts: e.attempts }
        });
        ready(Ok(claimed))
    }

    fn finish<'a>(&'a self, delivery_id: &'a str) -> OutboxFuture<'a, ()> {
        self.lock().entries.remove(delivery_id);
        ready(Ok(()))
    }

    fn retry_later<'a>(&'a self, delivery_id: &'a str, attempts: u32, after: Duration) -> OutboxFuture<'a, ()> {
        if let Some(e) = self.lock().entries.get_mut(delivery_id) {
            e.attempts = attempts;
            e.due = Instant::now() + after;
        }
        ready(Ok(()))
    }

    fn len(&self) -> OutboxFuture<'_, usize> {
        ready(Ok(self.lock().entries.len()))
    }

    fn durable(&self) -> bool {
        false
    }
}

/// How long a claimed entry stays leased: one attempt plus a margin.
pub fn lease_for(webhook: &Webhook) -> Duration {
    webhook.attempt_timeout() + Duration::from_secs(5)
}

/// Runs the delivery workers until `stop` turns true; each worker finishes
/// the attempt it is making.
pub fn spawn_workers(
    outbox: Arc<dyn Outbox>,
    webhook: Webhook,
    metrics: Arc<Metrics>,
    workers: usize,
    wake: Arc<tokio::sync::Notify>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..workers.max(1))
        .map(|_| {
            let (outbox, webhook, metrics, wake, mut stop) =
                (outbox.clone(), webhook.clone(), metrics.clone(), wake.clone(), stop.clone());
            tokio::spawn(async move {
                let lease = lease_for(&webhook);
                while !*stop.borrow() {
                    match outbox.claim(lease).await {
                        Ok(Some(claimed)) => deliver_one(&*outbox, &webhook, &metrics, claimed).await,
                        Ok(None) => {
                            tokio::select! {
                                _ = wake.notified() => {}
                                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                                _ = stop.changed() => {}
                            }
                        }
                        Err(e) => {
                            metrics.store_error("outbox");
                            tracing::error!(error = %e, "outbox unavailable; retrying in 1 s");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                }
            })
        })
        .collect()
}

async fn deliver_one(outbox: &dyn Outbox, webhook: &Webhook, metrics: &Metrics, claimed: Claimed) {
    let event = &claimed.event;
    let attempt = claimed.attempts + 1;
    let id = event.delivery_id.as_str();
    let session = super::short_id(&event.session_id);
    let finished = match webhook.attempt(event).await {
        Attempt::Delivered(status) => {
            metrics.webhook("delivered");
            tracing::info!(delivery = %id, %session, attempt, status, "webhook delivered");
            outbox.finish(id).await
        }
        Attempt::Retry(e) if attempt < webhook.config().attempts => {
            metrics.webhook("retried");
            let wait = webhook.backoff_before(attempt + 1);
            tracing::warn!(delivery = %id, %session, attempt, error = %e, retry_in_ms = wait.as_millis() as u64, "webhook attempt failed");
            outbox.retry_later(id, attempt, wait).await
        }
        Attempt::Retry(e) | Attempt::GiveUp(e) => {
            metrics.webhook("failed");
            tracing::error!(delivery = %id, %session, attempt, error = %e, "webhook delivery given up; the session is unaffected");
            outbox.finish(id).await
        }
    };
    if let Err(e) = finished {
        // The lease runs out and the entry is tried again: at worst a
        // duplicate, which the receiver drops by delivery id.
        metrics.store_error("outbox");
        tracing::error!(delivery = %id, error = %e, "could not update the outbox");
    }
}
