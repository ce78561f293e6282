//! `hullguard server`: the scan engine as a service. An HTTP API under `/api/v1` ([`api`],
//! documented in `docs/openapi.json`) takes inventories and SBOMs, matches each image digest once
//! per database version ([`engine`]), keeps inventories, scans, findings and events in one SQLite
//! file ([`store`]), re-matches every stored inventory when the database file changes, and
//! exports Prometheus metrics ([`metrics`]); events go to signed [`webhook`]s and to event
//! streams, and [`dashboard`] pages show the fleet. Access is by bearer tokens with scopes ([`auth`]).
//! [`client`] is the other side: `hullguard image --server` sends the inventory it read and
//! renders what the server matched.

pub mod admission;
pub mod api;
pub mod auth;
pub mod client;
pub mod dashboard;
pub mod engine;
pub mod metrics;
pub mod store;
pub mod webhook;
pub mod wire;
pub mod worker;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use tokio::sync::oneshot;

use crate::api::AppState;
use crate::auth::Scope;
use crate::engine::Vulns;
use crate::store::Store;

/// Caps on what one request may cost.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest request body (an inventory or SBOM upload), in bytes.
    pub max_body_bytes: usize,
    /// The largest SBOM read, in bytes.
    pub max_sbom_bytes: u64,
    /// The longest a request may take before it is answered 408.
    pub request_timeout: Duration,
    /// Requests per minute and token.
    pub requests_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 64 << 20,
            max_sbom_bytes: 64 << 20,
            request_timeout: Duration::from_secs(60),
            requests_per_minute: 600,
        }
    }
}

/// How to run the server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (`127.0.0.1:8080`; port 0 picks a free one).
    pub listen: SocketAddr,
    /// The store file.
    pub store: PathBuf,
    /// The vulnerability database file; a new file there is picked up (see `db_poll`).
    pub db: PathBuf,
    /// How often the database file is checked for a change (`None`: only on `POST /api/v1/db`).
    pub db_poll: Option<Duration>,
    /// Caps.
    pub limits: Limits,
    /// Stop on SIGINT or SIGTERM (finishing the requests in flight), as a service does.
    pub stop_on_signal: bool,
    /// Serve the admission webhook too (and everything over TLS).
    pub admission: Option<AdmissionConfig>,
    /// How webhook deliveries are retried.
    pub webhooks: webhook::Retry,
    /// Registries (`host:port` on loopback) that image submissions reach over plain HTTP.
    pub plain_http_registries: Vec<String>,
}

/// The admission webhook's files.
#[derive(Debug, Clone)]
pub struct AdmissionConfig {
    /// The admission policy (docs/admission.md), re-read when it changes.
    pub policy: PathBuf,
    /// The PEM certificate chain served.
    pub cert: PathBuf,
    /// Its PEM private key.
    pub key: PathBuf,
}

/// How often the admission policy file is checked for a change.
const ADMISSION_POLL: Duration = Duration::from_secs(1);

/// A server running on its own thread; dropping it stops it.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<()>>>,
}

impl Running {
    /// Waits until the server stops (on its own: an error; or after [`Running::stop`]).
    ///
    /// # Errors
    ///
    /// The error that stopped it.
    pub fn wait(mut self) -> Result<()> {
        self.thread.take().map_or(Ok(()), |t| t.join().map_err(|_| anyhow!("the server thread panicked"))?)
    }

    /// Asks the server to stop and waits for it.
    ///
    /// # Errors
    ///
    /// The error it stopped with.
    pub fn stop(mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.wait()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Opens the store and the database (and the admission policy), binds `config.listen` and serves
/// on a new thread.
///
/// # Errors
///
/// When the store, database, policy or certificate cannot be read or the address cannot be bound.
pub fn start(config: Config) -> Result<Running> {
    let now = engine::now();
    let store = Store::open(&config.store, &now).with_context(|| config.store.display().to_string())?;
    let vulns = Vulns::open(&config.db)?;
    let mut state = AppState::new(store, vulns, config.limits.clone(), config.webhooks.clone())?;
    state.plain_http.clone_from(&config.plain_http_registries);
    state.tls = config.admission.is_some();
    let state = Arc::new(state);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(config.listen))
        .with_context(|| format!("listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let listener = match &config.admission {
        None => Listen::Plain(listener),
        Some(a) => {
            let webhook = admission::Webhook::load(&a.policy, state.clone()).map_err(|e| anyhow!(e))?;
            let tls = admission::TlsListener::new(listener, &a.cert, &a.key).map_err(|e| anyhow!(e))?;
            Listen::Webhook(tls, Arc::new(webhook))
        }
    };
    let turn = webhook::Turn::of(&config.store)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let stop_on_signal = config.stop_on_signal;
    let stopping = state.clone();
    let shutdown = async move {
        if stop_on_signal {
            tokio::select! {
                _ = stopped => {}
                () = signalled() => tracing::info!("stopping on a signal"),
            }
        } else {
            let _ = stopped.await;
        }
        // Event streams end, so that the connections they hold close.
        stopping.stopping.send_replace(true);
    };
    let thread = std::thread::Builder::new().name("hullguard-server".into()).spawn(move || {
        runtime.block_on(async move {
            if let Some(every) = config.db_poll {
                tokio::spawn(watch_db(state.clone(), every));
            }
            tokio::spawn(webhook::run(state.clone(), turn));
            let app = api::router(state);
            match listener {
                Listen::Plain(tcp) => axum::serve(tcp, app).with_graceful_shutdown(shutdown).await,
                Listen::Webhook(tls, webhook) => {
                    tokio::spawn(webhook.clone().watch(ADMISSION_POLL));
                    let app = app.merge(admission::router(webhook));
                    axum::serve(tls, app).with_graceful_shutdown(shutdown).await
                }
            }
            .context("serve")
        })
    })?;
    Ok(Running { addr, stop: Some(stop), thread: Some(thread) })
}

impl admission::trust::Scans for AppState {
    fn newest(&self, digest: &str) -> std::result::Result<Option<i64>, String> {
        self.store().newest_scan(digest).map_err(|e| e.to_string())
    }

    fn findings(&self, id: i64) -> std::result::Result<Vec<hullguard_report::Finding>, String> {
        let report = self.store().report(id).map_err(|e| e.to_string())?;
        Ok(report.ok_or(format!("scan {id} is gone"))?.0.findings)
    }

    fn scan(&self, spec: &hullguard_image::source::registry::RegistrySpec) -> std::result::Result<(), String> {
        let (scan, _) = engine::scan_registry_image(&self.vulns, &self.store, spec, self.limits.max_sbom_bytes)
            .map_err(|e| e.to_string())?;
        tracing::info!("admission: scanned {} on demand: scan {} of {}", spec.name, scan.id, scan.digest);
        self.metrics.image_findings(&scan.digest, &scan.summary);
        Ok(())
    }
}

impl admission::Server for AppState {
    fn record(&self, kind: &str, review: &wire::Admission) -> std::result::Result<(), String> {
        let built = self.vulns.state().built;
        let id = self.store().record_admission(kind, review, &built, &engine::now()).map_err(|e| e.to_string())?;
        self.last_event.send_replace(id);
        Ok(())
    }
}

/// What the server listens with: plain HTTP, or TLS with the admission webhook's routes.
enum Listen {
    Plain(tokio::net::TcpListener),
    Webhook(admission::TlsListener, Arc<admission::Webhook>),
}

/// Resolves on the first SIGINT or SIGTERM (never, when they cannot be watched).
async fn signalled() {
    use tokio::signal::unix::{SignalKind, signal};
    match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
        (Ok(mut interrupt), Ok(mut terminate)) => {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        }
        _ => std::future::pending().await,
    }
}

/// Checks the database file every `every`; a changed file is re-read and every stored
/// inventory re-matched against it.
async fn watch_db(state: Arc<AppState>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        if !state.vulns.file_changed() {
            continue;
        }
        let shared = state.clone();
        match tokio::task::spawn_blocking(move || shared.reload()).await {
            Ok(Ok(rescan)) if rescan.changed => {
                tracing::info!(
                    "database {}: {} inventories re-matched, {} events",
                    rescan.built,
                    rescan.rescanned,
                    rescan.events
                );
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!("database file changed but could not be used: {e}"),
            Err(e) => tracing::warn!("database reload failed: {e}"),
        }
    }
}

/// `hullguard server token create`: a new token of `scope` in the store at `store`, returned once.
///
/// # Errors
///
/// When the store cannot be opened or written.
pub fn create_token(store: &Path, name: &str, scope: Scope) -> Result<String> {
    let now = engine::now();
    let store = Store::open(store, &now).with_context(|| store.display().to_string())?;
    let token = auth::new_token().map_err(|e| anyhow!("no random bytes: {e}"))?;
    store.add_token(name, scope.as_str(), &auth::hash(&token), &now)?;
    Ok(token)
}
