//! The load generator and the floors of `bench/admission.sh` and `bench/server-api.sh`.
//!
//! ```text
//! admission_load rate URL REVIEW.json CA.pem RATE SECONDS   open loop: RATE reviews a second
//! admission_load serial URL REVIEW.json CA.pem COUNT        one review after the other
//! admission_load floor STORE DB POLICY REVIEW.json COUNT    the decision function in process
//! admission_load get URL TOKEN CLIENTS COUNT                COUNT GETs by CLIENTS clients at once
//! admission_load render STORE SCAN FORMAT COUNT             a stored report rendered in process
//! ```
//!
//! `rate` sends each review at its due time whatever the answers before it (latency is counted
//! from that time, so a slow server cannot hide its queue), over keep-alive TLS connections. An
//! answer that is not HTTP 200 with `response.allowed: true` is an error. `floor` opens the
//! server's store and database and calls `admission::review` as the webhook does, after one call
//! that fills the caches. `get` sends plain-HTTP GETs with the bearer `TOKEN`, each client the
//! next as soon as its last is answered (closed loop; an answer that is not HTTP 200 is an
//! error). `render` reads and renders scan `SCAN`'s report from the store as the report route
//! does when it has not rendered it yet. Each prints one line: `N ok ERRORS errors p50 P50 p99 P99 max MAX`
//! (milliseconds).

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use hullguard_server::admission::{Webhook, review};
use hullguard_server::api::{AppState, format_named, render_stored};
use hullguard_server::engine::{Vulns, now};
use hullguard_server::store::Store;

/// How many failed requests were shown.
static SHOWN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).context("missing argument (see the example's doc)");
    let number = |i: usize| -> Result<usize> {
        let text = arg(i)?;
        text.parse().with_context(|| format!("{text}: not a number"))
    };
    let latencies = match arg(0)? {
        "rate" => {
            let (rate, seconds) = (number(4)?, number(5)?);
            let due = (0..rate * seconds).map(|i| Duration::from_secs_f64(i as f64 / rate as f64)).collect();
            send(arg(1)?, Path::new(arg(2)?), Path::new(arg(3)?), Some(due), rate * seconds)?
        }
        "serial" => send(arg(1)?, Path::new(arg(2)?), Path::new(arg(3)?), None, number(4)?)?,
        "floor" => floor(Path::new(arg(1)?), Path::new(arg(2)?), Path::new(arg(3)?), Path::new(arg(4)?), number(5)?)?,
        "get" => get(arg(1)?, arg(2)?, number(3)?, number(4)?)?,
        "render" => render_floor(Path::new(arg(1)?), number(2)?, arg(3)?, number(4)?)?,
        other => bail!("unknown mode {other}: rate, serial, floor, get or render"),
    };
    let ok: Vec<Duration> = latencies.iter().filter_map(|l| *l).collect();
    let errors = latencies.len() - ok.len();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (p50, p99, max) = (percentile(&ok, 0.50), percentile(&ok, 0.99), ok.iter().max().copied().unwrap_or_default());
    let line = format!("{} ok {errors} errors p50 {:.3} p99 {:.3} max {:.3}", ok.len(), ms(p50), ms(p99), ms(max));
    writeln!(std::io::stdout(), "{line}")?;
    Ok(())
}

/// The `q` quantile of `values` (nearest rank).
fn percentile(values: &[Duration], q: f64) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
    sorted.get(rank - 1).copied().unwrap_or_default()
}

/// Whether `body` is an AdmissionReview answer that admits.
fn admits(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|v| v["response"]["allowed"] == true)
}

/// POSTs the review in `review` to `url` `count` times: at each of the `due` offsets from the
/// start (open loop), or one after the other (`None`). The latency of each (`None`: an error).
fn send(
    url: &str,
    review: &Path,
    ca: &Path,
    due: Option<Vec<Duration>>,
    count: usize,
) -> Result<Vec<Option<Duration>>> {
    let data = axum::body::Bytes::from(std::fs::read(review).with_context(|| review.display().to_string())?);
    let body = || reqwest::Body::from(data.clone());
    let ca = reqwest::Certificate::from_pem(&std::fs::read(ca).with_context(|| ca.display().to_string())?)?;
    let client = reqwest::Client::builder().tls_certs_only([ca]).timeout(Duration::from_secs(10)).build()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let one = |client: reqwest::Client, body: reqwest::Body, since: Instant| {
            let url = url.to_owned();
            async move {
                let response = client.post(url).header("content-type", "application/json").body(body).send().await;
                let problem = match response {
                    Ok(r) if r.status() == 200 => match r.bytes().await {
                        Ok(b) if admits(&b) => None,
                        Ok(b) => Some(format!("not admitted: {}", String::from_utf8_lossy(&b))),
                        Err(e) => Some(format!("{e:?}")),
                    },
                    Ok(r) => Some(format!("HTTP {}", r.status())),
                    Err(e) => Some(format!("{e:?}")),
                };
                if let Some(text) = problem {
                    self::problem(&text);
                    return None;
                }
                Some(since.elapsed())
            }
        };
        let Some(due) = due else {
            let mut out = Vec::with_capacity(count);
            for _ in 0..count {
                out.push(one(client.clone(), body(), Instant::now()).await);
            }
            return Ok(out);
        };
        let start = Instant::now();
        let mut running = Vec::with_capacity(due.len());
        for offset in due {
            let at = start + offset;
            tokio::time::sleep_until(at.into()).await;
            running.push(tokio::spawn(one(client.clone(), body(), at)));
        }
        let mut out = Vec::with_capacity(running.len());
        for task in running {
            out.push(task.await?);
        }
        Ok(out)
    })
}

/// `count` in-process decisions of the review in `review` under the admission policy `policy`,
/// with the server's `store` and `db`, after one that fills the caches.
fn floor(store: &Path, db: &Path, policy: &Path, review_file: &Path, count: usize) -> Result<Vec<Option<Duration>>> {
    let body = std::fs::read(review_file).with_context(|| review_file.display().to_string())?;
    let store = Store::open(store, &now())?;
    let state = Arc::new(AppState::new(
        store,
        Vulns::open(db)?,
        hullguard_server::Limits::default(),
        hullguard_server::webhook::Retry::default(),
    )?);
    let webhook = Webhook::load(policy, state).map_err(anyhow::Error::msg)?;
    let loaded = webhook.loaded();
    let decide = || {
        let started = Instant::now();
        let answer = review(&body, &loaded).ok()?;
        admits(answer.to_string().as_bytes()).then(|| started.elapsed())
    };
    if decide().is_none() {
        bail!("{}: the review is not admitted in process", review_file.display());
    }
    Ok((0..count).map(|_| decide()).collect())
}

/// Shows the first few problems, counts the others.
fn problem(text: &str) {
    if SHOWN.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < 3 {
        let _ = writeln!(std::io::stderr(), "admission_load: {text}");
    }
}

/// `count` GETs of `url` with bearer `token`, `clients` at a time (closed loop).
fn get(url: &str, token: &str, clients: usize, count: usize) -> Result<Vec<Option<Duration>>> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).timeout(Duration::from_secs(30)).build()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    runtime.block_on(async move {
        let tasks: Vec<_> = (0..clients.max(1))
            .map(|_| {
                let (client, next, url, auth) =
                    (client.clone(), next.clone(), url.to_owned(), format!("Bearer {token}"));
                tokio::spawn(async move {
                    let mut out = Vec::new();
                    while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < count {
                        let started = Instant::now();
                        let answer = client.get(&url).header("authorization", &auth).send().await;
                        out.push(match answer {
                            Ok(r) if r.status() == 200 => match r.bytes().await {
                                Ok(_) => Some(started.elapsed()),
                                Err(e) => {
                                    problem(&format!("{e:?}"));
                                    None
                                }
                            },
                            Ok(r) => {
                                problem(&format!("HTTP {}", r.status()));
                                None
                            }
                            Err(e) => {
                                problem(&format!("{e:?}"));
                                None
                            }
                        });
                    }
                    out
                })
            })
            .collect();
        let mut out = Vec::with_capacity(count);
        for task in tasks {
            out.extend(task.await?);
        }
        Ok(out)
    })
}

/// `count` in-process renderings of scan `scan`'s report in `format` from `store`, uncached.
fn render_floor(store: &Path, scan: usize, format: &str, count: usize) -> Result<Vec<Option<Duration>>> {
    let store = std::sync::Mutex::new(Store::open(store, &now())?);
    let (format, _) = format_named(format).with_context(|| format!("{format}: no such format"))?;
    let id = i64::try_from(scan)?;
    Ok((0..count)
        .map(|_| {
            let started = Instant::now();
            match render_stored(&store, id, &format) {
                Ok(Some(_)) => Some(started.elapsed()),
                Ok(None) => {
                    problem("no such scan");
                    None
                }
                Err(e) => {
                    problem(&e.1);
                    None
                }
            }
        })
        .collect())
}
