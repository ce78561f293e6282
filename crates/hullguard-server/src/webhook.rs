//! Webhooks: every event POSTed as its JSON to each subscription, signed with the HMAC-SHA256 of
//! the subscription's secret (`X-Hullguard-Signature: sha256=<hex>`), in order per webhook,
//! retried with exponential backoff, and kept as a dead letter after the last attempt. The
//! subscriptions and how far each got live in the store: a restart goes on where it stopped.
//! Of the processes sharing a PostgreSQL store, one delivers at a time ([`Turn`]).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::api::AppState;
use crate::store::postgres::hold_delivery_lock;
use crate::store::{Subscription, Undelivered, is_postgres};
use crate::wire::Event;

/// The header of the body's signature.
pub const SIGNATURE_HEADER: &str = "x-hullguard-signature";

/// How deliveries are retried.
#[derive(Debug, Clone)]
pub struct Retry {
    /// Attempts per event before it becomes a dead letter.
    pub attempts: u32,
    /// The wait after the first failed attempt; it doubles after each further one.
    pub backoff: Duration,
    /// The longest wait between two attempts.
    pub max_backoff: Duration,
    /// How long one attempt may take.
    pub timeout: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 5,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
            timeout: Duration::from_secs(10),
        }
    }
}

impl Retry {
    /// The wait after failed attempt `n` (from 1).
    fn wait_after(&self, n: u32) -> Duration {
        self.backoff.saturating_mul(1 << n.saturating_sub(1).min(20)).min(self.max_backoff)
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`: the signature header's value.
#[must_use]
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256>>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!("any key length"));
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// How often a webhook looks for events other processes recorded (its own are pushed), and the
/// webhooks are read again, over a SQLite store.
const POLL: Duration = Duration::from_secs(30);

/// The same over a PostgreSQL store, which other servers and workers write to.
const SHARED_POLL: Duration = Duration::from_secs(1);

/// Events read from the store at a time.
const BATCH: usize = 100;

/// How often a process that does not deliver tries to take the store's delivery lock (and the
/// one that does checks it still holds it).
const LOCK_RETRY: Duration = Duration::from_secs(2);

/// Whether it is this process's turn to deliver. A server over a SQLite store always delivers;
/// the processes sharing a PostgreSQL store take turns by its delivery lock
/// ([`hold_delivery_lock`]): one delivers at a time, so each event reaches each webhook once.
pub enum Turn {
    /// Always this process's.
    Always,
    /// This process's while the lock holder thread says it holds the lock.
    WhileLocked(watch::Receiver<bool>),
}

impl Turn {
    /// The turn of a server over the store at `store`: for PostgreSQL, a thread starts that
    /// tries to hold the store's delivery lock.
    ///
    /// # Errors
    ///
    /// When the thread cannot be started.
    pub fn of(store: &Path) -> std::io::Result<Turn> {
        let Some(url) = store.to_str().filter(|_| is_postgres(store)).map(str::to_owned) else {
            return Ok(Turn::Always);
        };
        let (held, turn) = watch::channel(false);
        std::thread::Builder::new()
            .name("webhook-lock".into())
            .spawn(move || hold_delivery_lock(&url, &held, LOCK_RETRY))?;
        Ok(Turn::WhileLocked(turn))
    }

    /// How often the store is read for what other processes recorded.
    fn poll(&self) -> Duration {
        match self {
            Turn::Always => POLL,
            Turn::WhileLocked(_) => SHARED_POLL,
        }
    }

    /// Resolves once it is this process's turn; false when it never will be again.
    async fn taken(&mut self) -> bool {
        match self {
            Turn::Always => true,
            Turn::WhileLocked(held) => held.wait_for(|held| *held).await.is_ok(),
        }
    }

    /// Resolves when this process's turn ends.
    async fn ended(&mut self) {
        match self {
            Turn::Always => std::future::pending().await,
            Turn::WhileLocked(held) => {
                let _ = held.wait_for(|held| !*held).await;
            }
        }
    }
}

/// While it is this process's `turn`, keeps one delivery task per stored webhook (see
/// [`follow`]); when the turn ends the tasks stop, and the next holder goes on from the
/// cursors in the store.
pub async fn run(state: Arc<AppState>, mut turn: Turn) {
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(state.retry.timeout)
        .build()
    {
        Ok(client) => client,
        Err(e) => return tracing::error!("webhooks: no HTTP client: {e}"),
    };
    let poll = turn.poll();
    while turn.taken().await {
        let mut running: HashMap<i64, JoinHandle<()>> = HashMap::new();
        loop {
            follow(&state, &client, &mut running, poll).await;
            tokio::select! {
                _ = tokio::time::timeout(poll, state.webhooks_changed.notified()) => {}
                () = turn.ended() => break,
            }
        }
        for task in running.values() {
            task.abort();
        }
    }
}

/// Brings `running` in line with the stored webhooks: a delivery task started for each new
/// one (looking for events every `poll`), stopped for each removed one.
async fn follow(
    state: &Arc<AppState>,
    client: &reqwest::Client,
    running: &mut HashMap<i64, JoinHandle<()>>,
    poll: Duration,
) {
    let shared = state.clone();
    match tokio::task::spawn_blocking(move || shared.store().webhooks()).await {
        Ok(Ok(subscriptions)) => {
            running.retain(|id, task| {
                let kept = subscriptions.iter().any(|s| s.webhook.id == *id);
                if !kept {
                    task.abort();
                }
                kept
            });
            for s in subscriptions {
                running
                    .entry(s.webhook.id)
                    .or_insert_with(|| tokio::spawn(deliver(state.clone(), client.clone(), s, poll)));
            }
        }
        Ok(Err(e)) => tracing::warn!("webhooks: {e}"),
        Err(e) => tracing::warn!("webhooks: {e}"),
    }
}

/// Delivers the events after the webhook's cursor, one after the other, for as long as it runs;
/// looks for events other processes recorded every `poll`.
async fn deliver(state: Arc<AppState>, client: reqwest::Client, subscription: Subscription, poll: Duration) {
    let mut recorded = state.last_event.subscribe();
    let mut cursor = subscription.webhook.delivered_through;
    loop {
        recorded.borrow_and_update();
        let shared = state.clone();
        let pending = tokio::task::spawn_blocking(move || shared.store().events_after(cursor, BATCH)).await;
        let pending = match pending {
            Ok(Ok(pending)) => pending,
            Ok(Err(e)) => {
                tracing::warn!("webhook {}: {e}", subscription.webhook.id);
                tokio::time::sleep(poll).await;
                continue;
            }
            Err(_) => return,
        };
        if pending.is_empty() {
            let _ = tokio::time::timeout(poll, recorded.changed()).await;
            continue;
        }
        for event in pending {
            deliver_one(&state, &client, &subscription, &event).await;
            cursor = event.id;
        }
    }
}

/// Sends `event` until the webhook takes it or the attempts run out (then a dead letter), and
/// moves the webhook's cursor past it.
async fn deliver_one(state: &Arc<AppState>, client: &reqwest::Client, subscription: &Subscription, event: &Event) {
    let body = match serde_json::to_string(event) {
        Ok(body) => body,
        Err(e) => return tracing::error!("webhooks: event {}: {e}", event.id),
    };
    let mut attempt = 0;
    let outcome = loop {
        attempt += 1;
        match send(client, subscription, event, &body).await {
            Ok(()) => break Ok(()),
            Err(e) => {
                state.metrics.webhook_failures.inc();
                // (The URL is not logged: it may hold credentials.)
                tracing::warn!("webhook {}: event {}: attempt {attempt}: {e}", subscription.webhook.id, event.id);
                if attempt >= state.retry.attempts.max(1) {
                    break Err(e);
                }
                tokio::time::sleep(state.retry.wait_after(attempt)).await;
            }
        }
    };
    let (shared, webhook, id) = (state.clone(), subscription.webhook.clone(), event.id);
    let recorded = tokio::task::spawn_blocking(move || match outcome {
        Ok(()) => shared.store().webhook_delivered(webhook.id, id),
        Err(error) => {
            shared.metrics.webhook_dead_letters.inc();
            let undelivered =
                Undelivered { webhook: &webhook, event: id, body: &body, attempts: attempt, error: &error };
            shared.store().dead_letter(&undelivered, &crate::engine::now())
        }
    })
    .await;
    if let Ok(Err(e)) = recorded {
        tracing::warn!("webhook {}: event {id}: {e}", subscription.webhook.id);
    }
}

/// One attempt: the body POSTed with its signature; an answer other than 2xx is a failure.
async fn send(client: &reqwest::Client, subscription: &Subscription, event: &Event, body: &str) -> Result<(), String> {
    let response = client
        .post(&subscription.webhook.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature(&subscription.secret, body.as_bytes()))
        .header("x-hullguard-event", &event.kind)
        .header("x-hullguard-delivery", event.id.to_string())
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| one_line(&e.without_url()))?;
    let status = response.status();
    if status.is_success() { Ok(()) } else { Err(format!("HTTP {status}")) }
}

/// An error and its causes on one line.
fn one_line(e: &dyn std::error::Error) -> String {
    let mut line = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        line.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    line
}

/// Whether `url` can be a webhook: `http://` or `https://` with a host.
///
/// # Errors
///
/// What is wrong with it.
pub fn check_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("url {url:?}: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(format!("url {url:?}: a webhook is an http:// or https:// URL"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn waits_double_up_to_the_cap() {
        let retry =
            Retry { backoff: Duration::from_millis(100), max_backoff: Duration::from_millis(500), ..Retry::default() };
        let waits: Vec<u128> = (1..=5).map(|n| retry.wait_after(n).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 500, 500]);
    }
}
