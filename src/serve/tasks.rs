//! The server's background tasks: the idle sweeper, the corpus-version
//! watch (a reload on one replica reaches the others) and the webhook
//! delivery workers.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::AppState;

/// Handles to stop the background tasks.
pub(super) struct Background {
    stop: tokio::sync::watch::Sender<bool>,
    periodic: tokio::task::JoinHandle<()>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

pub(super) fn spawn(state: Arc<AppState>) -> Background {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let workers = match &state.webhook {
        Some(webhook) => super::outbox::spawn_workers(
            state.outbox.clone(),
            webhook.clone(),
            state.metrics.clone(),
            state.options.outbox.workers,
            state.wake_outbox.clone(),
            stopped.clone(),
        ),
        None => Vec::new(),
    };
    let periodic = tokio::spawn(periodic(state, stopped));
    Background { stop, periodic, workers }
}

async fn periodic(state: Arc<AppState>, mut stopped: tokio::sync::watch::Receiver<bool>) {
    let sweep_every = (state.options.session_idle / 2).clamp(Duration::from_secs(1), Duration::from_secs(60));
    let mut sweep = tokio::time::interval(sweep_every);
    let mut sync = tokio::time::interval(state.options.sync_interval.max(Duration::from_millis(100)));
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    sync.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = sweep.tick() => { state.sweep().await; }
            _ = sync.tick(), if state.redis.is_some() => follow_reloads(&state).await,
            _ = stopped.changed() => return,
        }
    }
}

/// Reloads the corpus when another replica bumped the version in Redis.
async fn follow_reloads(state: &Arc<AppState>) {
    let Some(redis) = &state.redis else { return };
    let seen = state.corpus_version.load(Ordering::SeqCst);
    let current = match redis.corpus_version().await {
        Ok(v) => v,
        Err(e) => {
            state.metrics.store_error("reload");
            tracing::warn!(error = %e, "cannot read the corpus version");
            return;
        }
    };
    if current == seen {
        return;
    }
    let _one_at_a_time = state.reload_lock.lock().await;
    if state.corpus_version.load(Ordering::SeqCst) != seen {
        return; // this replica reloaded meanwhile
    }
    match super::api::rebuild(state).await {
        Ok((entries, ms)) => tracing::info!(version = current, entries, ms, "corpus reloaded (another replica asked)"),
        Err(e) => tracing::error!(version = current, error = %e.message, "reload asked by another replica failed; the previous corpus stays in service"),
    }
    // Also after a failure: this corpus on disk is what that version means here.
    state.corpus_version.store(current, Ordering::SeqCst);
}

impl Background {
    /// Stops the tasks. Without a durable outbox, waits for pending
    /// hand-offs first (as long as their retries need).
    pub(super) async fn stop(self, state: &AppState) {
        if let Some(webhook) = &state.webhook
            && !state.outbox.durable()
        {
            let c = webhook.config();
            let limit = (c.timeout + c.backoff).saturating_mul(c.attempts.max(1)) * 2;
            let deadline = tokio::time::Instant::now() + limit;
            loop {
                let pending = state.outbox.len().await.unwrap_or(0);
                if pending == 0 {
                    break;
                }
                if tokio::time::Instant::now() >= deadline {
                    tracing::error!(pending, "webhook deliveries still pending at exit");
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        let _ = self.stop.send(true);
        self.periodic.abort();
        for w in self.workers {
            let _ = tokio::time::timeout(Duration::from_secs(10), w).await;
        }
    }
}
