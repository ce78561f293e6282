//! The dashboard: server-rendered HTML pages (one template, no script) over the same store as
//! the API: the fleet by worst severity and KEV, an image's findings with filters, and what the
//! last database update changed. A browser signs in with an API token (any scope), which is kept
//! in an `HttpOnly`, `SameSite=Strict` cookie scoped to `/dashboard` (`Secure` over TLS); every page
//! needs it.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hullguard_report::Severity;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::api::{ApiFailure, AppState, blocking, caller_of, not_found};
use crate::store::{FindingQuery, MAX_ROWS};
use crate::wire::{Image, StoredFinding};

type Shared = std::sync::Arc<AppState>;

/// The page template.
const TEMPLATE: &str = include_str!("../templates/dashboard.html.jinja");

/// The cookie that holds a signed-in browser's token.
const COOKIE: &str = "hullguard_token";

/// The severities shown, most severe first.
fn shown_severities() -> impl Iterator<Item = Severity> {
    Severity::ALL.into_iter().rev()
}

/// The token in the request's dashboard cookie.
pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('=').map(str::to_owned))
}

/// `page` of the template with `context`, answered with `status`.
fn render(status: StatusCode, page: &str, mut context: Value) -> Response {
    context["page"] = json!(page);
    context["severities"] = json!(shown_severities().map(Severity::as_str).collect::<Vec<_>>());
    let mut out = Vec::new();
    match hullguard_report::render::template::write(&context, "dashboard.html", TEMPLATE, &mut out) {
        Ok(()) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], out).into_response(),
        Err(e) => ApiFailure(StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    }
}

/// The sign-in page, answered with `status`; `next` is where it leads after.
pub fn login_page(status: StatusCode, message: Option<&str>, next: &str) -> Response {
    render(status, "login", json!({ "title": "Sign in", "message": message, "next": next }))
}

/// `next` when it is a page of this server, else the overview (no open redirect).
fn same_site(next: &str) -> &str {
    if next.starts_with("/dashboard") && !next.contains("//") && !next.contains('\\') { next } else { "/dashboard" }
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct Login {
    token: String,
    #[serde(default)]
    next: String,
}

/// `POST /dashboard/login`: a known token is set as the cookie and the browser sent on (303);
/// an unknown one gets the form again (401).
pub async fn login(State(state): State<Shared>, Form(form): Form<Login>) -> Response {
    let next = same_site(&form.next).to_owned();
    match caller_of(&state, Some(&form.token)).await {
        Ok(_) => {
            let Ok(cookie) = set_cookie(form.token.trim(), "", state.tls) else {
                return login_page(StatusCode::BAD_REQUEST, Some("that is not a token"), &next);
            };
            let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, next)]).into_response();
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response
        }
        Err(f) if f.0 == StatusCode::UNAUTHORIZED => login_page(StatusCode::UNAUTHORIZED, Some("unknown token"), &next),
        Err(f) => f.into_response(),
    }
}

/// `POST /dashboard/logout`: the cookie removed, the browser sent to the sign-in page.
pub async fn logout(State(state): State<Shared>) -> Response {
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/dashboard")]).into_response();
    if let Ok(gone) = set_cookie("", "; Max-Age=0", state.tls) {
        response.headers_mut().insert(header::SET_COOKIE, gone);
    }
    response
}

/// The `Set-Cookie` value of the dashboard cookie holding `value`, with `extra` attributes: sent
/// only to the dashboard's pages, never to scripts or with other sites' requests, and only over
/// TLS when the server serves TLS (`tls`).
fn set_cookie(value: &str, extra: &str, tls: bool) -> Result<HeaderValue, header::InvalidHeaderValue> {
    let secure = if tls { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{COOKIE}={value}; Path=/dashboard; HttpOnly; SameSite=Strict{extra}{secure}"))
}

/// An image row of the overview.
#[derive(Serialize)]
struct ImageRow {
    image: Image,
    /// The most severe level with a finding (`NONE` without).
    worst: &'static str,
    /// The counts, most severe first.
    counts: Vec<usize>,
}

/// The rank of an image's worst severity (0: no finding; `Critical` highest).
fn worst_rank(image: &Image) -> usize {
    Severity::ALL.iter().rposition(|s| image.last_scan.summary.get(s).copied().unwrap_or(0) > 0).map_or(0, |p| p + 1)
}

/// `GET /dashboard`: every image, worst severity first, then the most KEV findings.
pub async fn overview(State(state): State<Shared>) -> Result<Response, ApiFailure> {
    let shared = state.clone();
    let mut images = blocking(move || Ok(shared.store().images()?)).await?;
    images.sort_by(|a, b| {
        (worst_rank(b), b.last_scan.kev).cmp(&(worst_rank(a), a.last_scan.kev)).then_with(|| a.name.cmp(&b.name))
    });
    let mut totals = vec![0; Severity::ALL.len()];
    let rows: Vec<ImageRow> = images
        .into_iter()
        .map(|image| {
            let counts: Vec<usize> =
                shown_severities().map(|s| image.last_scan.summary.get(&s).copied().unwrap_or(0)).collect();
            totals.iter_mut().zip(&counts).for_each(|(t, n)| *t += n);
            let worst = Severity::ALL
                .iter()
                .rev()
                .find(|s| image.last_scan.summary.get(s).copied().unwrap_or(0) > 0)
                .map_or("NONE", |s| s.as_str());
            ImageRow { image, worst, counts }
        })
        .collect();
    let kev: usize = rows.iter().map(|r| r.image.last_scan.kev).sum();
    let db = state.vulns.state();
    Ok(render(
        StatusCode::OK,
        "overview",
        json!({ "title": "Fleet", "db": db, "images": rows, "totals": totals, "kev": kev }),
    ))
}

/// The filters of an image's page.
#[derive(Deserialize, Serialize, Default)]
pub struct Filter {
    #[serde(default)]
    severity: String,
    #[serde(default)]
    package: String,
    #[serde(default)]
    vulnerability: String,
}

/// `GET /dashboard/images/{digest}`: the image's current findings, filtered by severity,
/// package and vulnerability id.
pub async fn image(
    State(state): State<Shared>,
    Path(digest): Path<String>,
    Query(filter): Query<Filter>,
) -> Result<Response, ApiFailure> {
    let severities = match filter.severity.as_str() {
        "" => Vec::new(),
        s => vec![s.parse::<Severity>().map_err(|e| ApiFailure(StatusCode::BAD_REQUEST, e.to_string()))?],
    };
    let given = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let query = FindingQuery {
        severities,
        package: given(&filter.package),
        vulnerability: given(&filter.vulnerability),
        image: Some(digest.clone()),
        since: None,
        limit: MAX_ROWS,
    };
    let (history, findings): (_, Vec<StoredFinding>) = blocking(move || {
        let store = state.store();
        let history = store.history(&digest)?.ok_or_else(|| not_found("image"))?;
        Ok((history, store.findings(&query)?))
    })
    .await?;
    let scan = history.scans.last().ok_or_else(|| not_found("scan"))?;
    let counts: Vec<usize> = shown_severities().map(|s| scan.summary.get(&s).copied().unwrap_or(0)).collect();
    Ok(render(
        StatusCode::OK,
        "image",
        json!({ "title": scan.name, "scan": scan, "counts": counts, "findings": findings, "filter": filter }),
    ))
}

/// `GET /dashboard/changes`: the events of the database build in use, by kind.
pub async fn changes(State(state): State<Shared>) -> Result<Response, ApiFailure> {
    let db = state.vulns.state();
    let built = db.built.clone();
    let events = blocking(move || Ok(state.store().events_of_build(&built, MAX_ROWS)?)).await?;
    let mut kinds: BTreeMap<&str, usize> =
        ["new_finding", "fixed_upstream", "withdrawn"].into_iter().map(|k| (k, 0)).collect();
    for e in &events {
        *kinds.entry(e.kind.as_str()).or_default() += 1;
    }
    Ok(render(StatusCode::OK, "changes", json!({ "title": "Changes", "db": db, "events": events, "kinds": kinds })))
}
