//! Where alerts go besides the JSON lines: a webhook and the server's event store (each alert
//! POSTed as its Falco JSON, from a thread of its own so a slow receiver never holds up the
//! events) and Prometheus counters served on `/metrics` (prometheus-client, as the server's
//! metrics; axum on a thread of its own).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use serde_json::Value;

use crate::{Error, Result};

/// Alerts waiting for the webhook; more are counted as lost.
const WEBHOOK_QUEUE: usize = 1024;
/// Tries of one POST, and the wait before the first retry (doubled each time).
const WEBHOOK_TRIES: u32 = 3;
const WEBHOOK_BACKOFF: Duration = Duration::from_millis(200);
/// How long one POST may take.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);

/// A sender thread POSTing alerts to one URL (a webhook, or the server's `POST /api/v1/events`).
pub struct Webhook {
    /// What the URL is, in the lines about failures (`webhook`, `server`).
    name: &'static str,
    queue: Option<SyncSender<Value>>,
    failures: Receiver<String>,
    thread: Option<JoinHandle<()>>,
    /// Alerts not queued because the queue was full.
    lost: u64,
}

impl Webhook {
    /// Starts the thread POSTing to `url`, with `token` as bearer token when given.
    ///
    /// # Errors
    /// The HTTP client cannot be built.
    pub fn start(name: &'static str, url: &str, token: Option<&str>) -> Result<Self> {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(token) = token {
            let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| Error::Output(format!("{name}: the token is not a valid header value")))?;
            headers.insert(reqwest::header::AUTHORIZATION, value);
        }
        let client = reqwest::blocking::Client::builder()
            .timeout(WEBHOOK_TIMEOUT)
            .default_headers(headers)
            .build()
            .map_err(|e| Error::Output(format!("{name}: {e}")))?;
        let (queue, alerts) = std::sync::mpsc::sync_channel::<Value>(WEBHOOK_QUEUE);
        let (report, failures) = std::sync::mpsc::channel();
        let url = url.to_owned();
        let thread = std::thread::spawn(move || {
            for alert in alerts {
                if let Err(why) = post(&client, &url, &alert) {
                    let rule = alert["rule"].as_str().unwrap_or_default();
                    let _ = report.send(format!("{name} {url}: alert {rule:?} not delivered: {why}"));
                }
            }
        });
        Ok(Webhook { name, queue: Some(queue), failures, thread: Some(thread), lost: 0 })
    }

    /// Queues one alert.
    pub fn send(&mut self, alert: &Value) {
        if let Some(Err(_)) = self.queue.as_ref().map(|q| q.try_send(alert.clone())) {
            self.lost += 1;
        }
    }

    /// The deliveries that failed since last asked, one line each.
    pub fn failures(&self) -> Vec<String> {
        self.failures.try_iter().collect()
    }

    /// Delivers what is queued (each POST bounded by its tries), then stops the thread; the
    /// failures, and how many alerts the full queue lost.
    pub fn finish(mut self) -> Vec<String> {
        drop(self.queue.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let mut lines = self.failures();
        if self.lost > 0 {
            lines.push(format!("{}: {} alerts not sent (queue full)", self.name, self.lost));
        }
        lines
    }
}

/// One POST, tried [`WEBHOOK_TRIES`] times while it fails to connect or the receiver answers
/// with a server error (5xx) or 429; other answers are final.
fn post(client: &reqwest::blocking::Client, url: &str, alert: &Value) -> std::result::Result<(), String> {
    let mut wait = WEBHOOK_BACKOFF;
    let mut last = String::new();
    for attempt in 1..=WEBHOOK_TRIES {
        match client.post(url).json(alert).send() {
            Ok(answer) if answer.status().is_success() => return Ok(()),
            Ok(answer) if answer.status().is_server_error() || answer.status().as_u16() == 429 => {
                last = format!("HTTP {}", answer.status().as_u16());
            }
            Ok(answer) => return Err(format!("HTTP {}", answer.status().as_u16())),
            Err(e) => last = e.to_string(),
        }
        if attempt < WEBHOOK_TRIES {
            std::thread::sleep(wait);
            wait *= 2;
        }
    }
    Err(format!("{last} after {WEBHOOK_TRIES} tries"))
}

/// The label of an alert count.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RuleLabel {
    rule: String,
}

/// The watch's counters (`hullguard_watch_events_total`, `hullguard_watch_alerts_total{rule}`,
/// `hullguard_watch_dropped_total`).
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    events: Counter,
    alerts: Family<RuleLabel, Counter>,
    dropped: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("hullguard_watch");
        let events = Counter::default();
        registry.register("events", "Events read from the kernel", events.clone());
        let alerts = Family::<RuleLabel, Counter>::default();
        registry.register("alerts", "Alerts written, by rule", alerts.clone());
        let dropped = Counter::default();
        registry.register("dropped", "Events lost before they were read", dropped.clone());
        Metrics { registry: Arc::new(registry), events, alerts, dropped }
    }
}

impl Metrics {
    /// Counts one event.
    pub fn event(&self) {
        self.events.inc();
    }

    /// Counts one alert of `rule`.
    pub fn alert(&self, rule: &str) {
        self.alerts.get_or_create(&RuleLabel { rule: rule.to_owned() }).inc();
    }

    /// Raises the drop count to `total` (the source's count so far).
    pub fn dropped_total(&self, total: u64) {
        self.dropped.inc_by(total.saturating_sub(self.dropped.get()));
    }

    /// The text exposition format.
    #[must_use]
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String does not fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// Serves `GET /metrics` on `addr` from a thread of its own, for as long as the process runs.
    ///
    /// # Errors
    /// The address cannot be listened on.
    pub fn serve(&self, addr: SocketAddr) -> Result<()> {
        let listener =
            std::net::TcpListener::bind(addr).map_err(|e| Error::Output(format!("--metrics-addr {addr}: {e}")))?;
        listener.set_nonblocking(true).map_err(|e| Error::Output(format!("--metrics-addr {addr}: {e}")))?;
        let metrics = self.clone();
        std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
                let app = axum::Router::new().route(
                    "/metrics",
                    axum::routing::get(move || {
                        let text = metrics.encode();
                        async move { ([("content-type", "text/plain; version=0.0.4")], text) }
                    }),
                );
                let _ = axum::serve(listener, app).await;
            });
        });
        Ok(())
    }
}
