//! The events of a database update leaving the server: signed webhooks (to real HTTP listeners
//! on loopback, one failing twice, one always), their dead letters, and the server-sent event
//! stream.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit as _, Mac as _};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::server::{
    Served, Tokens, app_mixed_sbom, build_db, edited_feed, event, event_rows, get, get_json, http, post, store_dir,
};

/// A server whose store holds app-mixed's SBOM scanned against a first database build, with a
/// second build ready to be taken: it brings three events on app-mixed (and one more on each
/// image added with [`Updated::add`] that has PyYAML 5.3.1).
pub struct Updated {
    _dir: tempfile::TempDir,
    pub store: PathBuf,
    pub tokens: Tokens,
    pub served: Served,
    /// The database file the server reads.
    pub db: PathBuf,
    next: PathBuf,
    /// app-mixed's digest in the store.
    pub digest: String,
}

impl Updated {
    /// Builds both databases and starts the server with `extra` flags over a SQLite store.
    pub fn start(extra: &[&str]) -> Updated {
        Updated::over(None, extra)
    }

    /// The same over the store at `store` (a postgres:// URL), or a new SQLite file.
    pub fn over(store: Option<PathBuf>, extra: &[&str]) -> Updated {
        let (dir, sqlite) = store_dir();
        let store = store.unwrap_or(sqlite);
        let tokens = Tokens::new(&store);
        let pypi = crate::support::shared().join("vulndata/osv/PyPI.zip");
        // Build 1 lacks the PyYAML advisory, has CVE-2024-27351 (Django) without its fix and
        // CVE-2024-24680; build 2 is the feed without CVE-2024-24680.
        let (feed1, feed2) = (dir.path().join("one/PyPI.zip"), dir.path().join("two/PyPI.zip"));
        for feed in [&feed1, &feed2] {
            std::fs::create_dir_all(feed.parent().unwrap()).unwrap();
        }
        edited_feed(&pypi, &feed1, &["PYSEC-2021-142.json"], &["PYSEC-2024-47.json"]);
        edited_feed(&pypi, &feed2, &["PYSEC-2024-28.json"], &[]);
        let (db, next) = (dir.path().join("vuln.db"), dir.path().join("next.db"));
        build_db(&[&feed1], &db, "2026-12-01T00:00:00Z");
        build_db(&[&feed2], &next, "2026-12-02T00:00:00Z");
        let served = Served::start(&store, &db, extra);
        let (status, scan) =
            post(&served, "/api/v1/scans", &tokens.scan, &json!({ "name": "app-mixed", "sbom": app_mixed_sbom() }));
        assert_eq!(status, StatusCode::CREATED, "{scan}");
        let digest = scan["digest"].as_str().unwrap().to_owned();
        Updated { _dir: dir, store, tokens, served, db, next, digest }
    }

    /// Submits `sbom` as `name`; returns its scan.
    pub fn add(&self, name: &str, sbom: &Value) -> Value {
        let (status, scan) =
            post(&self.served, "/api/v1/scans", &self.tokens.scan, &json!({ "name": name, "sbom": sbom }));
        assert_eq!(status, StatusCode::CREATED, "{scan}");
        scan
    }

    /// The second build taken (`POST /api/v1/db`): the re-scan's answer.
    pub fn update(&self) -> Value {
        std::fs::rename(&self.next, &self.db).unwrap();
        let (status, rescan) = post(&self.served, "/api/v1/db", &self.tokens.admin, &json!({}));
        assert_eq!(status, StatusCode::OK, "{rescan}");
        assert_eq!(rescan["built"], "2026-12-02T00:00:00Z");
        rescan
    }

    /// The events in the store, as `GET /api/v1/events` lists them.
    pub fn events(&self) -> Vec<Value> {
        get_json(&self.served, "/api/v1/events?since=0", &self.tokens.read)["events"].as_array().unwrap().clone()
    }
}

/// What a listener was sent.
#[derive(Debug, Clone)]
struct Received {
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

/// A real HTTP listener on a free loopback port: answers the n-th request (from 0) with
/// `answer(n)` and keeps what it was sent; stopped when dropped.
struct Listener {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Listener {
    fn start(answer: fn(usize) -> u16) -> Listener {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (received, stop) = (Arc::new(Mutex::new(Vec::new())), Arc::new(AtomicBool::new(false)));
        let (kept, stopped) = (received.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let Some(request) = read_request(&mut stream) else { continue };
                let n = {
                    let mut all = kept.lock().unwrap();
                    all.push(request);
                    all.len() - 1
                };
                let status = answer(n);
                let _ = write!(stream, "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            }
        });
        Listener { addr, received, stop, thread: Some(thread) }
    }

    fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One HTTP/1.1 request: its headers (names in lower case) and its `Content-Length` body.
fn read_request(stream: &mut TcpStream) -> Option<Received> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = BTreeMap::new();
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let Some((name, value)) = line.trim_end().split_once(':') else { break };
        headers.insert(name.to_ascii_lowercase(), value.trim().to_owned());
    }
    let length: usize = headers.get("content-length")?.parse().ok()?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Received { headers, body })
}

/// Waits (at most a minute) until `done` holds.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(60), "no {what} within a minute");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether `signature` is `sha256=` and the HMAC-SHA256 of `body` under `secret`.
fn signed(secret: &str, body: &[u8], signature: &str) -> bool {
    let mut mac = <Hmac<Sha256>>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    signature == format!("sha256={hex}")
}

/// The metric `name`'s value in `/metrics`.
fn metric(updated: &Updated, name: &str) -> String {
    let text = get(&updated.served, "/metrics", &updated.tokens.read).1;
    let prefix = format!("{name} ");
    text.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_else(|| panic!("no {name} in {text}")).to_owned()
}

#[test]
fn a_database_update_goes_to_signed_webhooks_retried_with_backoff_and_dead_lettered() {
    webhooks_are_signed_retried_and_dead_lettered(None);
}

#[test]
fn on_postgres_a_database_update_goes_to_signed_webhooks_retried_with_backoff_and_dead_lettered() {
    let Some(pg) = crate::workers::Cluster::start() else { return };
    webhooks_are_signed_retried_and_dead_lettered(Some(PathBuf::from(pg.url())));
}

/// Two webhooks (one failing twice, one always) over the store at `store` (else SQLite): the
/// exact bodies, their signatures, the retries, the dead letters, the counters, a restart.
fn webhooks_are_signed_retried_and_dead_lettered(store: Option<PathBuf>) {
    let updated = Updated::over(store, &["--webhook-attempts", "3", "--webhook-backoff", "50"]);
    let (served, admin) = (&updated.served, &updated.tokens.admin);
    let flaky = Listener::start(|n| if n < 2 { 500 } else { 204 });
    let down = Listener::start(|_| 503);

    // Subscriptions are admin's; the secret is taken, never shown.
    let (status, _) =
        post(served, "/api/v1/webhooks", &updated.tokens.scan, &json!({ "url": flaky.url(), "secret": "s" }));
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, bad) = post(served, "/api/v1/webhooks", admin, &json!({ "url": "file:///etc/passwd", "secret": "s" }));
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["error"], "url \"file:///etc/passwd\": a webhook is an http:// or https:// URL");
    let (status, bad) = post(served, "/api/v1/webhooks", admin, &json!({ "url": flaky.url(), "secret": "" }));
    assert_eq!((status, bad["error"].as_str()), (StatusCode::BAD_REQUEST, Some("a webhook needs a `secret`")));
    let (status, first) =
        post(served, "/api/v1/webhooks", admin, &json!({ "url": flaky.url(), "secret": "flaky secret" }));
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (_, second) = post(served, "/api/v1/webhooks", admin, &json!({ "url": down.url(), "secret": "down secret" }));
    let (_, gone) = post(served, "/api/v1/webhooks", admin, &json!({ "url": down.url(), "secret": "x" }));
    let gone_id = gone["id"].as_i64().unwrap();
    let removed = http().delete(served.url(&format!("/api/v1/webhooks/{gone_id}"))).bearer_auth(admin).send().unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let removed = http().delete(served.url(&format!("/api/v1/webhooks/{gone_id}"))).bearer_auth(admin).send().unwrap();
    assert_eq!(removed.status(), StatusCode::NOT_FOUND);
    let listed = get_json(served, "/api/v1/webhooks", admin);
    assert_eq!(listed, json!([first, second]));
    assert_eq!(first["delivered_through"], 0);
    assert!(!listed.to_string().contains("secret"), "{listed}");

    // The update: three events, in the store's order.
    assert_eq!(updated.update()["events"], 3);
    let events = updated.events();
    assert_eq!(
        event_rows(&json!(events)),
        [
            event("fixed_upstream", "CVE-2024-27351", "Django", Some("3.2.25")),
            event("new_finding", "CVE-2020-14343", "PyYAML", Some("5.4")),
            event("withdrawn", "CVE-2024-24680", "Django", Some("3.2.24")),
        ]
    );
    // Each event's body is its JSON as the events API has it, field for field in this order.
    let bodies: Vec<String> = events
        .iter()
        .map(|e| {
            format!(
                r#"{{"id":{},"at":"{}","kind":"{}","digest":"{}","image":"app-mixed","vulnerability":"{}","package":"{}","fixed":"{}","db_built":"2026-12-02T00:00:00Z"}}"#,
                e["id"], e["at"].as_str().unwrap(), e["kind"].as_str().unwrap(), updated.digest,
                e["vulnerability"].as_str().unwrap(), e["package"].as_str().unwrap(), e["fixed"].as_str().unwrap()
            )
        })
        .collect();
    let body_values: Vec<Value> = bodies.iter().map(|b| serde_json::from_str(b).unwrap()).collect();
    assert_eq!(body_values, events);

    // The flaky one fails twice then takes each event: the first sent three times, five requests.
    wait_until("five requests to the flaky webhook", || flaky.received().len() == 5);
    let sent = flaky.received();
    let order = [0, 0, 0, 1, 2];
    for (request, &i) in sent.iter().zip(&order) {
        assert_eq!(String::from_utf8(request.body.clone()).unwrap(), bodies[i]);
        assert!(
            signed("flaky secret", &request.body, &request.headers["x-hullguard-signature"]),
            "{:?}",
            request.headers
        );
        assert!(!signed("down secret", &request.body, &request.headers["x-hullguard-signature"]));
        assert_eq!(request.headers["content-type"], "application/json");
        assert_eq!(request.headers["x-hullguard-event"], events[i]["kind"].as_str().unwrap());
        assert_eq!(request.headers["x-hullguard-delivery"], events[i]["id"].to_string());
    }
    // The one that is down gets each event three times, then keeps it as a dead letter.
    wait_until("three dead letters", || get_json(served, "/api/v1/dead-letters", admin).as_array().unwrap().len() == 3);
    let sent = down.received();
    assert_eq!(sent.len(), 9);
    for (n, request) in sent.iter().enumerate() {
        assert_eq!(String::from_utf8(request.body.clone()).unwrap(), bodies[n / 3]);
        assert!(signed("down secret", &request.body, &request.headers["x-hullguard-signature"]));
    }
    let dead = get_json(served, "/api/v1/dead-letters", admin);
    for (letter, e) in dead.as_array().unwrap().iter().zip(&events) {
        assert_eq!(letter["webhook"], second["id"]);
        assert_eq!(letter["url"], down.url());
        assert_eq!(letter["attempts"], 3);
        assert_eq!(letter["error"], "HTTP 503 Service Unavailable");
        assert_eq!(&letter["event"], e);
    }
    assert_eq!(get(served, "/api/v1/dead-letters", &updated.tokens.read).0, StatusCode::FORBIDDEN);
    // Every failed attempt is counted: 2 + 9.
    assert_eq!(metric(&updated, "hullguard_webhook_failures_total"), "11");
    assert_eq!(metric(&updated, "hullguard_webhook_dead_letters_total"), "3");
    // Both are past the last event, and stay so across a restart.
    let last = events[2]["id"].clone();
    let through =
        |listed: &Value| listed.as_array().unwrap().iter().map(|w| w["delivered_through"].clone()).collect::<Vec<_>>();
    wait_until("both webhooks past the last event", || {
        through(&get_json(served, "/api/v1/webhooks", admin)) == [last.clone(), last.clone()]
    });
    let before = get_json(served, "/api/v1/webhooks", admin);
    let Updated { served, store, db, .. } = updated;
    served.stop();
    let served = Served::start(&store, &db, &[]);
    assert_eq!(get_json(&served, "/api/v1/webhooks", admin), before);
    assert_eq!(get_json(&served, "/api/v1/dead-letters", admin), dead);
}

/// One message of an event stream: its `id`, `event` and `data` fields.
fn next_message(lines: &mut impl Iterator<Item = std::io::Result<String>>) -> (String, String, Value) {
    let (mut id, mut kind, mut data) = (String::new(), String::new(), String::new());
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.is_empty() && !data.is_empty() {
            return (id, kind, serde_json::from_str(&data).unwrap());
        }
        if let Some(v) = line.strip_prefix("id: ").or_else(|| line.strip_prefix("id:")) {
            id = v.to_owned();
        } else if let Some(v) = line.strip_prefix("event: ").or_else(|| line.strip_prefix("event:")) {
            kind = v.to_owned();
        } else if let Some(v) = line.strip_prefix("data: ").or_else(|| line.strip_prefix("data:")) {
            data.push_str(v);
        }
    }
    panic!("the stream ended before a message");
}

/// `GET /api/v1/events/stream` with `token` and the header `last_event_id`, as lines.
fn stream(
    served: &Served,
    path: &str,
    token: &str,
    last_event_id: Option<&str>,
) -> impl Iterator<Item = std::io::Result<String>> + use<> {
    let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
    let mut request = client.get(served.url(path)).bearer_auth(token);
    if let Some(id) = last_event_id {
        request = request.header("Last-Event-ID", id);
    }
    let response = request.send().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    BufReader::new(response).lines()
}

#[test]
fn the_event_stream_pushes_each_event_as_it_is_recorded_and_resumes_after_last_event_id() {
    let updated = Updated::start(&[]);
    let (served, read) = (&updated.served, updated.tokens.read.clone());
    // Opened before the update: nothing yet; the three events come as the re-scan records them.
    let base = served.base.clone();
    let listening = std::thread::spawn(move || {
        let served_base = base;
        let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        let response = client.get(format!("{served_base}/api/v1/events/stream")).bearer_auth(&read).send().unwrap();
        let mut lines = BufReader::new(response).lines();
        (0..3).map(|_| next_message(&mut lines)).collect::<Vec<_>>()
    });
    std::thread::sleep(Duration::from_millis(500));
    updated.update();
    let pushed = listening.join().unwrap();
    let events = updated.events();
    let expected: Vec<(String, String, Value)> =
        events.iter().map(|e| (e["id"].to_string(), e["kind"].as_str().unwrap().to_owned(), e.clone())).collect();
    assert_eq!(pushed, expected);

    // A reconnect with Last-Event-ID gets what came after it; `since` does the same.
    let mut lines = stream(served, "/api/v1/events/stream", &updated.tokens.read, Some(&expected[0].0));
    assert_eq!([next_message(&mut lines), next_message(&mut lines)], [expected[1].clone(), expected[2].clone()]);
    let mut lines =
        stream(served, &format!("/api/v1/events/stream?since={}", expected[1].0), &updated.tokens.read, None);
    assert_eq!(next_message(&mut lines), expected[2]);
    // A bad Last-Event-ID is 400; no token 401.
    let response = http()
        .get(served.url("/api/v1/events/stream"))
        .bearer_auth(&updated.tokens.read)
        .header("Last-Event-ID", "x")
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(http().get(served.url("/api/v1/events/stream")).send().unwrap().status(), StatusCode::UNAUTHORIZED);

    // An open stream does not hold the server up: SIGTERM ends it and the server exits 0.
    let mut idle =
        stream(served, &format!("/api/v1/events/stream?since={}", expected[2].0), &updated.tokens.read, None);
    let Updated { served, .. } = updated;
    served.stop();
    assert!(idle.all(|line| line.is_ok_and(|l| l.is_empty() || l.starts_with(':'))), "a message after the last event");
}

/// Two servers over one PostgreSQL store: each event reaches the webhook once, from whichever
/// holds the store's delivery lock; when that one is killed, the other takes the lock and
/// delivers what comes after, from where the first stopped.
#[test]
fn servers_sharing_a_postgres_store_deliver_each_event_once_and_take_over_when_the_deliverer_dies() {
    let Some(pg) = crate::workers::Cluster::start() else { return };
    // The first server holds the lock from its start; the second starts after it.
    let updated = Updated::over(Some(PathBuf::from(pg.url())), &[]);
    let admin = updated.tokens.admin.clone();
    let receiver = Listener::start(|_| 204);
    let (status, hook) =
        post(&updated.served, "/api/v1/webhooks", &admin, &json!({ "url": receiver.url(), "secret": "s" }));
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    let second = Served::start(&updated.store, &updated.db, &[]);
    let delivered =
        || -> Vec<String> { receiver.received().iter().map(|r| r.headers["x-hullguard-delivery"].clone()).collect() };
    let ids = |events: &[Value]| -> Vec<String> { events.iter().map(|e| e["id"].to_string()).collect() };

    // Three events, each delivered once (the other server reads the store every second: a
    // second deliverer would have sent them again by the time the pause is over).
    assert_eq!(updated.update()["events"], 3);
    let events = updated.events();
    wait_until("three deliveries", || delivered().len() >= 3);
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(delivered(), ids(&events));

    // The deliverer killed, the next database taken by the other server: its two events go out
    // once, after the first three.
    let Updated { _dir: dir, served: first, db, tokens, .. } = updated;
    drop(first);
    let third = dir.path().join("third.db");
    build_db(&[&dir.path().join("one/PyPI.zip")], &third, "2026-12-03T00:00:00Z");
    std::fs::rename(&third, &db).unwrap();
    let (status, rescan) = post(&second, "/api/v1/db", &tokens.admin, &json!({}));
    assert_eq!((status, &rescan["events"]), (StatusCode::OK, &json!(2)), "{rescan}");
    let events = get_json(&second, "/api/v1/events?since=0", &tokens.read)["events"].as_array().unwrap().clone();
    assert_eq!(events.len(), 5);
    wait_until("five deliveries", || delivered().len() >= 5);
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(delivered(), ids(&events));
    second.stop();
}
