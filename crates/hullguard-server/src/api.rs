//! The HTTP API under `/api/v1` (and `/metrics`, and the [`dashboard`](crate::dashboard) pages):
//! routes, the token check in front of each scope's routes, the per-token rate limit, and the
//! handlers, which run the blocking store and engine calls off the async runtime. Described in
//! `docs/openapi.json`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use hullguard_image::source::SourceSpec;
use hullguard_image::source::registry::RegistrySpec;
use hullguard_inventory::sbom::Subject;
use hullguard_report::Severity;
use hullguard_report::render::{HTML_TEMPLATE, ScanTimes, TableStyle};
use hullguard_scan::render::{Format, render};
use serde::Deserialize;
use tokio::sync::{Notify, watch};

use crate::Limits;
use crate::auth::{Caller, Scope, hash, new_token};
use crate::dashboard;
use crate::engine::{self, Failure, Vulns};
use crate::metrics::Metrics;
use crate::store::{FindingQuery, Store};
use crate::webhook::Retry;
use crate::wire::{ApiError, CreatedToken, Event, Events, TokenRequest, WebhookRequest};

/// What every handler shares.
pub struct AppState {
    /// The results store.
    pub store: Mutex<Store>,
    /// The database in use.
    pub vulns: Vulns,
    /// The metrics.
    pub metrics: Metrics,
    /// The id of the last event, watched by long polls.
    pub last_event: watch::Sender<i64>,
    /// Requests per token in the current minute.
    limiter: RateLimiter,
    /// Caps.
    pub limits: Limits,
    /// How webhook deliveries are retried.
    pub retry: Retry,
    /// Notified when a webhook is added or removed.
    pub webhooks_changed: Notify,
    /// True once the server is stopping: event streams end.
    pub stopping: watch::Sender<bool>,
    /// Rendered reports, by scan id and format.
    reports: Mutex<HashMap<(i64, String), Rendered>>,
    /// Registries (`host:port`, loopback only) that image submissions reach over plain HTTP.
    pub plain_http: Vec<String>,
    /// Whether the dashboard cookie is `Secure` (the server serves TLS).
    pub tls: bool,
}

/// A report as rendered: the `created` time of the scan it was rendered from (a re-match of the
/// same scan id renews it), and the body.
struct Rendered {
    created: String,
    body: Arc<[u8]>,
}

/// The most rendered reports kept; past it the cache starts again.
const MAX_RENDERED: usize = 1024;

/// The report of scan `id` in `format`, rendered from the store (no cache); `None` when there is
/// no such scan.
///
/// # Errors
///
/// When the store fails or the report does not render.
pub fn render_stored(store: &Mutex<Store>, id: i64, format: &Format) -> Result<Option<Vec<u8>>, ApiFailure> {
    let Some((report, stored)) = store.lock().unwrap_or_else(std::sync::PoisonError::into_inner).report(id)? else {
        return Ok(None);
    };
    let inventory = stored.read()?;
    let subject = Subject {
        name: &stored.name,
        config_digest: report.config_digest.as_deref(),
        diff_ids: Vec::new(),
        created: None,
    };
    let mut out = Vec::new();
    render(&report, &inventory, &subject, format, &mut out)
        .map_err(|e| ApiFailure(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")))?;
    Ok(Some(out))
}

impl AppState {
    /// The state over `store` and `vulns`.
    pub fn new(store: Store, vulns: Vulns, limits: Limits, retry: Retry) -> Result<Self, Failure> {
        let last = store.last_event()?;
        Ok(AppState {
            store: Mutex::new(store),
            vulns,
            metrics: Metrics::default(),
            last_event: watch::channel(last).0,
            limiter: RateLimiter::new(limits.requests_per_minute),
            limits,
            retry,
            webhooks_changed: Notify::new(),
            stopping: watch::channel(false).0,
            reports: Mutex::new(HashMap::new()),
            plain_http: Vec::new(),
            tls: false,
        })
    }

    /// The report of scan `id` in the format named `name`: rendered once per scan and format
    /// (those that show the time of the request, `gitlab`, each time); `None` when there is no
    /// such scan.
    ///
    /// # Errors
    ///
    /// When the store fails or the report does not render.
    pub fn report(&self, id: i64, name: &str, format: &Format) -> Result<Option<Arc<[u8]>>, ApiFailure> {
        let Some(scan) = self.store().scan(id)? else { return Ok(None) };
        let cache = || self.reports.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let cached = name != "gitlab";
        if let Some(hit) = cache().get(&(id, name.to_owned())).filter(|r| cached && r.created == scan.created) {
            return Ok(Some(hit.body.clone()));
        }
        let Some(body) = render_stored(&self.store, id, format)? else { return Ok(None) };
        let body: Arc<[u8]> = body.into();
        if cached {
            let mut cache = cache();
            if cache.len() >= MAX_RENDERED {
                cache.clear();
            }
            cache.insert((id, name.to_owned()), Rendered { created: scan.created, body: body.clone() });
        }
        Ok(Some(body))
    }

    /// The store, locked.
    pub fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Re-reads the database file and re-matches the stored inventories when it changed;
    /// wakes the long polls when events were recorded.
    pub fn reload(&self) -> Result<crate::wire::Rescan, Failure> {
        let rescan = engine::reload(&self.vulns, &self.store)?;
        self.metrics.rescanned.inc_by(u64::try_from(rescan.rescanned).unwrap_or(0));
        if rescan.changed {
            for image in self.store().images()? {
                self.metrics.image_findings(&image.digest, &image.last_scan.summary);
            }
        }
        if rescan.events > 0 {
            self.last_event.send_replace(self.store().last_event()?);
        }
        Ok(rescan)
    }
}

type Shared = Arc<AppState>;

/// A fixed-window rate limit per token: at most `per_minute` requests in each minute since the
/// token's first request of the window.
struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<i64, (Instant, u32)>>,
}

impl RateLimiter {
    fn new(per_minute: u32) -> Self {
        RateLimiter { per_minute: per_minute.max(1), windows: Mutex::new(HashMap::new()) }
    }

    /// Counts a request of token `id`; false when it is over the limit.
    fn allow(&self, id: i64) -> bool {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (start, count) = windows.entry(id).or_insert((now, 0));
        if now.duration_since(*start) >= Duration::from_secs(60) {
            (*start, *count) = (now, 0);
        }
        *count += 1;
        *count <= self.per_minute
    }
}

/// An API error response: its status and one line.
pub struct ApiFailure(pub StatusCode, pub String);

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let mut response = (self.0, Json(ApiError { error: self.1 })).into_response();
        if self.0 == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<Failure> for ApiFailure {
    fn from(f: Failure) -> Self {
        match f {
            Failure::BadRequest(m) => ApiFailure(StatusCode::BAD_REQUEST, m),
            Failure::Upstream(m) => {
                tracing::warn!("{m}");
                ApiFailure(StatusCode::BAD_GATEWAY, m)
            }
            Failure::Internal(m) => {
                tracing::error!("{m}");
                ApiFailure(StatusCode::INTERNAL_SERVER_ERROR, m)
            }
        }
    }
}

impl From<crate::store::StoreError> for ApiFailure {
    fn from(e: crate::store::StoreError) -> Self {
        Failure::from(e).into()
    }
}

/// 404: no such `what`.
pub fn not_found(what: &str) -> ApiFailure {
    ApiFailure(StatusCode::NOT_FOUND, format!("no such {what}"))
}

/// Runs blocking `f` on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiFailure> + Send + 'static,
) -> Result<T, ApiFailure> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiFailure(StatusCode::INTERNAL_SERVER_ERROR, format!("worker failed: {e}")))?
}

/// The caller whose token is `token`: 401 when there is none or it is unknown.
pub async fn caller_of(state: &Shared, token: Option<&str>) -> Result<Caller, ApiFailure> {
    let Some(token) = token.map(|t| hash(t.trim())) else {
        return Err(ApiFailure(StatusCode::UNAUTHORIZED, "a bearer token is needed".to_owned()));
    };
    let lookup = state.clone();
    match blocking(move || Ok(lookup.store().token(&token)?)).await? {
        Some((id, name, granted)) => {
            let scope = granted.parse::<Scope>().map_err(|e| ApiFailure(StatusCode::INTERNAL_SERVER_ERROR, e))?;
            Ok(Caller { id, name, scope })
        }
        None => Err(ApiFailure(StatusCode::UNAUTHORIZED, "unknown token".to_owned())),
    }
}

/// Who a route is for: API clients (a bearer token) or the dashboard's browser (the token's
/// cookie too; without a known token, the login page).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Audience {
    Api,
    Browser,
}

/// The token check of the routes of `scope`: 401 without a known bearer token, 403 when its
/// scope is below `scope`, 429 over its rate.
async fn authorize(
    State((state, scope, audience)): State<(Shared, Scope, Audience)>,
    mut request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let bearer =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let token = match (bearer, audience) {
        (Some(t), _) => Some(t.to_owned()),
        (None, Audience::Browser) => dashboard::cookie_token(headers),
        (None, Audience::Api) => None,
    };
    let caller = match caller_of(&state, token.as_deref()).await {
        Ok(caller) => caller,
        Err(f) if audience == Audience::Browser && f.0 == StatusCode::UNAUTHORIZED => {
            let next = request.uri().path_and_query().map_or("/dashboard", |p| p.as_str()).to_owned();
            return dashboard::login_page(StatusCode::UNAUTHORIZED, None, &next);
        }
        Err(f) => return f.into_response(),
    };
    if caller.scope < scope {
        let message = format!("token {:?} has scope {}; this needs {scope}", caller.name, caller.scope);
        return ApiFailure(StatusCode::FORBIDDEN, message).into_response();
    }
    if !state.limiter.allow(caller.id) {
        let mut response =
            ApiFailure(StatusCode::TOO_MANY_REQUESTS, format!("token {:?} is over its rate", caller.name))
                .into_response();
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// Every route.
pub fn router(state: Shared) -> Router {
    let gate = |scope| from_fn_with_state((state.clone(), scope, Audience::Api), authorize);
    let read = Router::new()
        .route("/api/v1/scans/{id}", get(scan))
        .route("/api/v1/scans/{id}/report", get(report))
        .route("/api/v1/images", get(images))
        .route("/api/v1/images/{digest}/history", get(history))
        .route("/api/v1/findings", get(findings))
        .route("/api/v1/events", get(events))
        // Recording an alert takes scan too (the read gate of this router, then the scan gate).
        .route(
            "/api/v1/events",
            post(record_alert).layer(DefaultBodyLimit::max(MAX_ALERT_BYTES)).route_layer(gate(Scope::Scan)),
        )
        .route("/api/v1/events/stream", get(event_stream))
        .route("/api/v1/db", get(db_state))
        .route("/metrics", get(metrics))
        .route_layer(gate(Scope::Read));
    let scan = Router::new().route("/api/v1/scans", post(submit)).route_layer(gate(Scope::Scan));
    let admin = Router::new()
        .route("/api/v1/db", post(reload))
        .route("/api/v1/tokens", post(create_token))
        .route("/api/v1/webhooks", post(add_webhook))
        .route("/api/v1/webhooks", get(webhooks))
        .route("/api/v1/webhooks/{id}", delete(delete_webhook))
        .route("/api/v1/dead-letters", get(dead_letters))
        .route_layer(gate(Scope::Admin));
    let pages = Router::new()
        .route("/dashboard", get(dashboard::overview))
        .route("/dashboard/images/{digest}", get(dashboard::image))
        .route("/dashboard/changes", get(dashboard::changes))
        .route_layer(from_fn_with_state((state.clone(), Scope::Read, Audience::Browser), authorize));
    let timeout = state.limits.request_timeout;
    let body = state.limits.max_body_bytes;
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/dashboard/login", post(dashboard::login))
        .route("/dashboard/logout", post(dashboard::logout))
        .merge(pages)
        .merge(read)
        .merge(scan)
        .merge(admin)
        .layer(DefaultBodyLimit::max(body))
        .layer(axum::middleware::from_fn(move |request: Request, next: Next| deadline(timeout, request, next)))
        .with_state(state)
}

/// Answers 408 when the request takes longer than `timeout`.
async fn deadline(timeout: Duration, request: Request, next: Next) -> Response {
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            ApiFailure(StatusCode::REQUEST_TIMEOUT, format!("no answer within {} s", timeout.as_secs())).into_response()
        }
    }
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn submit(
    State(state): State<Shared>,
    Json(submission): Json<crate::wire::ScanSubmission>,
) -> Result<Response, ApiFailure> {
    let started = Instant::now();
    state.metrics.queue_depth.inc();
    let shared = state.clone();
    let outcome = blocking(move || {
        let max = shared.limits.max_sbom_bytes;
        Ok(match submission.image.as_deref() {
            Some(image) => {
                let spec = image_spec(image, &submission, &shared.plain_http)?;
                engine::scan_registry_image(&shared.vulns, &shared.store, &spec, max)?
            }
            None => engine::submit(&shared.vulns, &shared.store, submission, max)?,
        })
    })
    .await;
    state.metrics.queue_depth.dec();
    state.metrics.scan_seconds.observe(started.elapsed().as_secs_f64());
    let (scan, stored) = match outcome {
        Ok(done) => done,
        Err(e) => {
            state.metrics.scan("failed");
            return Err(e);
        }
    };
    state.metrics.scan(if stored { "stored" } else { "new" });
    state.metrics.image_findings(&scan.digest, &scan.summary);
    let status = if stored { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(scan)).into_response())
}

/// The registry image `image` of a submission that names nothing else; `plain_http` lists the
/// registries reached without TLS. Only registry references: never a local path or the Docker
/// socket.
fn image_spec(
    image: &str,
    submission: &crate::wire::ScanSubmission,
    plain_http: &[String],
) -> Result<RegistrySpec, Failure> {
    if submission.inventory.is_some() || submission.sbom.is_some() {
        return Err(Failure::BadRequest("give an image, an inventory or an sbom, not several".into()));
    }
    let refused = |e: String| Failure::BadRequest(format!("image {image:?}: {e}"));
    // Read as the CLI reads it; a bare name (the CLI's Docker Engine image) is a registry one here.
    let mut spec = match SourceSpec::parse(image).map_err(|e| refused(e.to_string()))? {
        SourceSpec::Registry(spec) => *spec,
        SourceSpec::Daemon(name) if name == image => RegistrySpec::parse(image).map_err(|e| refused(e.to_string()))?,
        _ => return Err(refused("only registry references are scanned".into())),
    };
    spec.options.insecure = plain_http.contains(&spec.reference.registry);
    Ok(spec)
}

async fn scan(State(state): State<Shared>, Path(id): Path<i64>) -> Result<Response, ApiFailure> {
    let found = blocking(move || Ok(state.store().scan(id)?)).await?;
    Ok(Json(found.ok_or_else(|| not_found("scan"))?).into_response())
}

/// `?format=` of a report.
#[derive(Deserialize)]
struct ReportQuery {
    format: Option<String>,
}

/// The format named `name` and its media type.
pub fn format_named(name: &str) -> Option<(Format, &'static str)> {
    let times = || {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        ScanTimes { start: now, end: now }
    };
    Some(match name {
        "json" => (Format::Json, "application/json"),
        "table" => (Format::Table(TableStyle::default()), "text/plain; charset=utf-8"),
        "sarif" => (Format::Sarif, "application/sarif+json"),
        "cyclonedx" => (Format::Cyclonedx, "application/vnd.cyclonedx+json"),
        "spdx-json" => (Format::SpdxJson, "application/spdx+json"),
        "junit" => (Format::Junit, "application/xml"),
        "gitlab" => (Format::Gitlab(times()), "application/json"),
        "html" => (
            Format::Template { name: "report.html".to_owned(), body: HTML_TEMPLATE.to_owned() },
            "text/html; charset=utf-8",
        ),
        _ => return None,
    })
}

async fn report(
    State(state): State<Shared>,
    Path(id): Path<i64>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ApiFailure> {
    let name = query.format.unwrap_or_else(|| "json".to_owned());
    let (format, media) = format_named(&name).ok_or_else(|| {
        ApiFailure(
            StatusCode::BAD_REQUEST,
            format!("unknown format {name:?} (json, table, sarif, cyclonedx, spdx-json, junit, gitlab, html)"),
        )
    })?;
    let body = blocking(move || state.report(id, &name, &format)?.ok_or_else(|| not_found("scan"))).await?;
    let body = axum::body::Bytes::from_owner(body);
    Ok(([(header::CONTENT_TYPE, media)], body).into_response())
}

async fn images(State(state): State<Shared>) -> Result<Response, ApiFailure> {
    Ok(Json(blocking(move || Ok(state.store().images()?)).await?).into_response())
}

async fn history(State(state): State<Shared>, Path(digest): Path<String>) -> Result<Response, ApiFailure> {
    let found = blocking(move || Ok(state.store().history(&digest)?)).await?;
    Ok(Json(found.ok_or_else(|| not_found("image"))?).into_response())
}

/// The query of `GET /api/v1/findings`.
#[derive(Deserialize)]
struct FindingsQuery {
    severity: Option<String>,
    package: Option<String>,
    vulnerability: Option<String>,
    image: Option<String>,
    since: Option<String>,
    limit: Option<usize>,
}

async fn findings(State(state): State<Shared>, Query(q): Query<FindingsQuery>) -> Result<Response, ApiFailure> {
    let severities = q
        .severity
        .as_deref()
        .map(|list| list.split(',').map(str::parse::<Severity>).collect::<Result<Vec<_>, _>>())
        .transpose()
        .map_err(|e| ApiFailure(StatusCode::BAD_REQUEST, e.to_string()))?
        .unwrap_or_default();
    if let Some(since) = &q.since
        && !hullguard_report::time::is_rfc3339_date_time(since)
    {
        return Err(ApiFailure(StatusCode::BAD_REQUEST, format!("since {since:?} is not an RFC 3339 date-time")));
    }
    let query = FindingQuery {
        severities,
        package: q.package,
        vulnerability: q.vulnerability,
        image: q.image,
        since: q.since,
        limit: q.limit.unwrap_or(1000),
    };
    Ok(Json(blocking(move || Ok(state.store().findings(&query)?)).await?).into_response())
}

/// The query of `GET /api/v1/events`.
#[derive(Deserialize)]
struct EventsQuery {
    since: Option<i64>,
    /// Seconds to wait for an event when there is none yet (long poll), at most 30.
    wait: Option<u64>,
}

/// The longest long poll.
const MAX_WAIT: Duration = Duration::from_secs(30);

async fn events(State(state): State<Shared>, Query(q): Query<EventsQuery>) -> Result<Response, ApiFailure> {
    let since = q.since.unwrap_or(0);
    let wait = Duration::from_secs(q.wait.unwrap_or(0)).min(MAX_WAIT).min(state.limits.request_timeout / 2);
    let mut changes = state.last_event.subscribe();
    let deadline = tokio::time::Instant::now() + wait;
    while *changes.borrow_and_update() <= since {
        if tokio::time::timeout_at(deadline, changes.changed()).await.is_err() {
            break;
        }
    }
    let events = blocking(move || Ok(state.store().events_after(since, 1000)?)).await?;
    let next = events.last().map_or(since, |e| e.id);
    Ok(Json(Events { events, next }).into_response())
}

/// The largest alert `POST /api/v1/events` takes (an alert of `hullguard watch` is about 1 KiB).
const MAX_ALERT_BYTES: usize = 64 << 10;

/// Records a runtime alert (Falco's JSON shape: an object with a `rule`) as a `runtime_alert`
/// event.
async fn record_alert(
    State(state): State<Shared>,
    Json(alert): Json<serde_json::Value>,
) -> Result<Response, ApiFailure> {
    if alert["rule"].as_str().is_none_or(str::is_empty) {
        return Err(ApiFailure(StatusCode::BAD_REQUEST, "an alert needs a `rule` (Falco's JSON shape)".to_owned()));
    }
    let shared = state.clone();
    let id = blocking(move || {
        let built = shared.vulns.state().built;
        Ok(shared.store().record_alert(&alert, &built, &engine::now())?)
    })
    .await?;
    state.last_event.send_replace(id);
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response())
}

/// The query of `GET /api/v1/events/stream`.
#[derive(Deserialize)]
struct StreamQuery {
    since: Option<i64>,
}

/// How long an idle event stream waits before it looks in the store again (for events other
/// processes recorded; its own server's are pushed at once).
const STREAM_POLL: Duration = Duration::from_secs(30);

/// Server-sent events: each event after `Last-Event-ID` (else `since`) as it is recorded, with
/// its id and kind; the stream ends when the server stops.
async fn event_stream(
    State(state): State<Shared>,
    Query(q): Query<StreamQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiFailure> {
    let since = match headers.get("last-event-id") {
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .ok_or_else(|| ApiFailure(StatusCode::BAD_REQUEST, "Last-Event-ID is not an event id".to_owned()))?,
        None => q.since.unwrap_or(0),
    };
    let start = (state.clone(), since, std::collections::VecDeque::<Event>::new());
    let stream = futures_util::stream::unfold(start, |(state, mut cursor, mut queued)| async move {
        let mut recorded = state.last_event.subscribe();
        let mut stopping = state.stopping.subscribe();
        loop {
            if let Some(event) = queued.pop_front() {
                cursor = event.id;
                let sent = SseEvent::default().id(event.id.to_string()).event(&event.kind).json_data(&event);
                return Some((sent, (state, cursor, queued)));
            }
            if *stopping.borrow_and_update() {
                return None;
            }
            recorded.borrow_and_update();
            let shared = state.clone();
            queued.extend(blocking(move || Ok(shared.store().events_after(cursor, 100)?)).await.ok()?);
            if queued.is_empty() {
                tokio::select! {
                    changed = recorded.changed() => changed.ok()?,
                    _ = stopping.changed() => return None,
                    () = tokio::time::sleep(STREAM_POLL) => {}
                }
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response())
}

async fn add_webhook(State(state): State<Shared>, Json(request): Json<WebhookRequest>) -> Result<Response, ApiFailure> {
    crate::webhook::check_url(&request.url).map_err(|e| ApiFailure(StatusCode::BAD_REQUEST, e))?;
    if request.secret.is_empty() {
        return Err(ApiFailure(StatusCode::BAD_REQUEST, "a webhook needs a `secret`".to_owned()));
    }
    let shared = state.clone();
    let added =
        blocking(move || Ok(shared.store().add_webhook(&request.url, &request.secret, &engine::now())?)).await?;
    state.webhooks_changed.notify_one();
    Ok((StatusCode::CREATED, Json(added.webhook)).into_response())
}

async fn webhooks(State(state): State<Shared>) -> Result<Response, ApiFailure> {
    let listed = blocking(move || Ok(state.store().webhooks()?)).await?;
    Ok(Json(listed.into_iter().map(|s| s.webhook).collect::<Vec<_>>()).into_response())
}

async fn delete_webhook(State(state): State<Shared>, Path(id): Path<i64>) -> Result<Response, ApiFailure> {
    let shared = state.clone();
    if !blocking(move || Ok(shared.store().delete_webhook(id)?)).await? {
        return Err(not_found("webhook"));
    }
    state.webhooks_changed.notify_one();
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn dead_letters(State(state): State<Shared>) -> Result<Response, ApiFailure> {
    Ok(Json(blocking(move || Ok(state.store().dead_letters(crate::store::MAX_ROWS)?)).await?).into_response())
}

async fn db_state(State(state): State<Shared>) -> Result<Response, ApiFailure> {
    Ok(Json(blocking(move || Ok(state.vulns.state())).await?).into_response())
}

async fn reload(State(state): State<Shared>) -> Result<Response, ApiFailure> {
    Ok(Json(blocking(move || Ok(state.reload()?)).await?).into_response())
}

async fn create_token(State(state): State<Shared>, Json(request): Json<TokenRequest>) -> Result<Response, ApiFailure> {
    let scope: Scope = request.scope.parse().map_err(|e| ApiFailure(StatusCode::BAD_REQUEST, e))?;
    let created = blocking(move || {
        let token = new_token().map_err(|e| ApiFailure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        state.store().add_token(&request.name, scope.as_str(), &hash(&token), &engine::now())?;
        Ok(CreatedToken { name: request.name, scope: scope.to_string(), token })
    })
    .await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn metrics(State(state): State<Shared>) -> Result<Response, ApiFailure> {
    let built = state.vulns.state().built;
    if let Some((secs, _)) = hullguard_report::time::parse_rfc3339(&built) {
        let now = hullguard_report::time::now().0;
        state.metrics.db_age_seconds.set(now - secs);
    }
    let text = state.metrics.encode().map_err(|e| ApiFailure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response())
}
