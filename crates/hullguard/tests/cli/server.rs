//! `hullguard server`: the real server process on a loopback port with its SQLite store in a
//! temporary folder, driven over HTTP; and client mode (`image --server`) against it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use reqwest::blocking::Client;
use serde_json::{Value, json};

use crate::scan::db;
use crate::support::{hullguard, image};
use crate::workers::Cluster;

/// A `hullguard server` process; killed when dropped.
pub struct Served {
    child: Child,
    /// `http://127.0.0.1:<port>` (`https` with `--admission`).
    pub base: String,
    log: Arc<Mutex<String>>,
}

impl Served {
    /// Starts a server over `store` and `db` on a free loopback port, with `extra` flags, and
    /// waits for its "listening" line.
    pub fn start(store: &Path, db: &Path, extra: &[&str]) -> Served {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("hullguard"))
            .args(["server", "--listen", "127.0.0.1:0", "--store"])
            .arg(store)
            .arg("--db")
            .arg(db)
            .args(if extra.contains(&"--db-poll") { &[][..] } else { &["--db-poll", "0"][..] })
            .args(extra)
            .env_remove("HULLGUARD_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let (mut line, mut log) = (String::new(), String::new());
        let base = loop {
            line.clear();
            assert!(stderr.read_line(&mut line).unwrap() > 0, "the server stopped before listening: {log}");
            log.push_str(&line);
            if let Some(url) = line.trim().strip_prefix("hullguard: server listening on ") {
                break url.to_owned();
            }
        };
        // Keep reading its log so that the pipe never fills.
        let log = Arc::new(Mutex::new(log));
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                kept.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        Served { child, base, log }
    }

    /// Stops it with SIGTERM and waits: it finishes what it was doing and exits 0.
    pub fn stop(mut self) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}");
    }

    /// What it has written to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A new token of `scope` in `store`, made by `server token create`.
pub fn token(store: &Path, scope: &str) -> String {
    let out = hullguard(
        Path::new("."),
        &["server", "token", "create", "--store", store.to_str().unwrap(), "--scope", scope, "--name", scope],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("hgt_") && token.len() == 68, "{token}");
    token
}

/// The three tokens of a fresh store.
pub struct Tokens {
    pub read: String,
    pub scan: String,
    pub admin: String,
}

impl Tokens {
    pub fn new(store: &Path) -> Tokens {
        Tokens { read: token(store, "read"), scan: token(store, "scan"), admin: token(store, "admin") }
    }
}

pub(crate) fn http() -> Client {
    Client::new()
}

/// `GET path` with `token`: the status and the body as text.
pub(crate) fn get(served: &Served, path: &str, token: &str) -> (StatusCode, String) {
    let response = http().get(served.url(path)).bearer_auth(token).send().unwrap();
    (response.status(), response.text().unwrap())
}

/// `GET path` with `token`, expecting 200 and JSON.
pub(crate) fn get_json(served: &Served, path: &str, token: &str) -> Value {
    let (status, body) = get(served, path, token);
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// `POST path` of `body` with `token`: the status and the JSON answer.
pub(crate) fn post(served: &Served, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
    let response = http().post(served.url(path)).bearer_auth(token).json(body).send().unwrap();
    let status = response.status();
    (status, response.json().unwrap_or(Value::Null))
}

/// `request` with `pairs` as its `application/x-www-form-urlencoded` body (an HTML form's).
pub(crate) fn form(
    request: reqwest::blocking::RequestBuilder,
    pairs: &[(&str, &str)],
) -> reqwest::blocking::RequestBuilder {
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
    request.header("content-type", "application/x-www-form-urlencoded").body(body.join("&"))
}

/// The app-mixed image in the docker-archive.
pub(crate) fn app_mixed_docker() -> String {
    format!("docker-archive:{}:app-mixed:latest", image("bookworm-images.docker.tar"))
}

/// The CycloneDX SBOM of app-mixed, as `inventory -f cyclonedx` writes it.
pub(crate) fn app_mixed_sbom() -> Value {
    let out = hullguard(Path::new("."), &["inventory", "--no-cache", &app_mixed_docker(), "-f", "cyclonedx", "-q"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `hullguard sbom` of `sbom` against `db`, locally: the JSON report.
fn local_sbom_report(dir: &Path, sbom: &Value, db: &Path) -> Value {
    let path = dir.join("local.cdx.json");
    std::fs::write(&path, serde_json::to_vec(sbom).unwrap()).unwrap();
    let out =
        hullguard(Path::new("."), &["sbom", path.to_str().unwrap(), "--db", db.to_str().unwrap(), "-f", "json", "-q"]);
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `(id, package, installed)` of every vulnerability finding of a JSON report, sorted.
fn finding_keys(report: &Value) -> Vec<(String, String, String)> {
    let mut keys: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "vulnerability")
        .map(|f| {
            let v = &f["vulnerability"];
            (
                f["id"].as_str().unwrap().to_owned(),
                v["package"].as_str().unwrap().to_owned(),
                v["installed"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    keys.sort();
    keys
}

/// A temporary folder holding a store.
pub(crate) fn store_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite");
    (dir, store)
}

#[test]
fn server_scans_an_sbom_once_per_digest_serves_every_format_and_keeps_it_across_a_restart() {
    let (dir, store) = store_dir();
    scans_an_sbom_once_per_digest_and_keeps_it(dir.path(), &store);
}

#[test]
fn server_on_postgres_scans_an_sbom_once_per_digest_serves_every_format_and_keeps_it_across_a_restart() {
    let Some(pg) = Cluster::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    scans_an_sbom_once_per_digest_and_keeps_it(dir.path(), Path::new(&pg.url()));
    assert_eq!(pg.query("SELECT version FROM schema_migrations ORDER BY version"), ["1", "2", "3", "4", "5"]);
}

/// Submit, fetch in every format, list, query and restart, over the store at `store`.
fn scans_an_sbom_once_per_digest_and_keeps_it(dir: &Path, store: &Path) {
    let store = store.to_owned();
    let tokens = Tokens::new(&store);
    let db = db();
    let served = Served::start(&store, db, &[]);
    let sbom = app_mixed_sbom();
    let local = local_sbom_report(dir, &sbom, db);
    assert_eq!(local["summary"], json!({ "CRITICAL": 10, "HIGH": 41, "MEDIUM": 33, "LOW": 27, "UNKNOWN": 309 }));
    let submission = json!({ "name": "app-mixed.cdx.json", "sbom": sbom });

    // The first submission is matched (201), the second returns the stored scan (200).
    let (status, scan) = post(&served, "/api/v1/scans", &tokens.scan, &submission);
    assert_eq!(status, StatusCode::CREATED, "{scan}");
    assert_eq!(scan["status"], "done");
    assert_eq!(scan["name"], "app-mixed.cdx.json");
    assert!(scan["digest"].as_str().unwrap().starts_with("inventory:"), "{scan}");
    assert_eq!(scan["summary"], local["summary"]);
    let id = scan["id"].as_i64().unwrap();
    let (status, again) = post(&served, "/api/v1/scans", &tokens.scan, &submission);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, scan);

    // Status and report: the server's findings are the local scan's.
    assert_eq!(get_json(&served, &format!("/api/v1/scans/{id}"), &tokens.read), scan);
    let report = get_json(&served, &format!("/api/v1/scans/{id}/report"), &tokens.read);
    let keys = finding_keys(&report);
    assert_eq!(keys, finding_keys(&local));
    assert_eq!(
        keys.len(),
        local["summary"].as_object().unwrap().values().map(|n| n.as_u64().unwrap()).sum::<u64>() as usize
    );
    assert!(keys.contains(&("CVE-2020-14343".to_owned(), "PyYAML".to_owned(), "5.3.1".to_owned())), "{keys:?}");

    // Every format of the CLI, each with its media type and its own shape.
    let formats = [
        ("json", "application/json"),
        ("table", "text/plain; charset=utf-8"),
        ("sarif", "application/sarif+json"),
        ("cyclonedx", "application/vnd.cyclonedx+json"),
        ("spdx-json", "application/spdx+json"),
        ("junit", "application/xml"),
        ("gitlab", "application/json"),
        ("html", "text/html; charset=utf-8"),
    ];
    let mut bodies = std::collections::BTreeMap::new();
    for (format, media) in formats {
        let response = http()
            .get(served.url(&format!("/api/v1/scans/{id}/report?format={format}")))
            .bearer_auth(&tokens.read)
            .send()
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{format}");
        assert_eq!(response.headers()["content-type"], media, "{format}");
        bodies.insert(format, response.text().unwrap());
    }
    let sarif: Value = serde_json::from_str(&bodies["sarif"]).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), keys.len());
    let cdx: Value = serde_json::from_str(&bodies["cyclonedx"]).unwrap();
    assert_eq!(cdx["bomFormat"], "CycloneDX");
    assert_eq!(
        cdx["vulnerabilities"].as_array().unwrap().len(),
        keys.iter().map(|k| &k.0).collect::<std::collections::BTreeSet<_>>().len()
    );
    let spdx: Value = serde_json::from_str(&bodies["spdx-json"]).unwrap();
    assert_eq!(spdx["spdxVersion"], "SPDX-2.3");
    assert_eq!(bodies["junit"].matches("<testcase ").count(), keys.len());
    let gitlab: Value = serde_json::from_str(&bodies["gitlab"]).unwrap();
    assert_eq!(gitlab["vulnerabilities"].as_array().unwrap().len(), keys.len());
    assert!(bodies["html"].starts_with("<!doctype html>"), "{}", &bodies["html"][..80]);
    assert!(bodies["table"].contains("CVE-2020-14343"));
    let (status, body) = get(&served, &format!("/api/v1/scans/{id}/report?format=xml"), &tokens.read);
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = get(&served, "/api/v1/scans/999/report", &tokens.read);
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The image list with its counts; the findings query.
    let images = get_json(&served, "/api/v1/images", &tokens.read);
    assert_eq!(images.as_array().unwrap().len(), 1, "{images}");
    assert_eq!(images[0]["digest"], scan["digest"]);
    assert_eq!(images[0]["last_scan"]["summary"], local["summary"]);
    let pyyaml = get_json(&served, "/api/v1/findings?package=PyYAML", &tokens.read);
    let ids: Vec<&str> = pyyaml.as_array().unwrap().iter().map(|f| f["vulnerability"].as_str().unwrap()).collect();
    let expected: Vec<&str> = keys.iter().filter(|k| k.1 == "PyYAML").map(|k| k.0.as_str()).collect();
    assert_eq!(ids.len(), expected.len());
    assert!(ids.iter().all(|id| expected.contains(id)), "{ids:?}");
    let by_id = get_json(&served, "/api/v1/findings?vulnerability=CVE-2020-14343", &tokens.read);
    assert_eq!(by_id.as_array().unwrap().len(), 1, "{by_id}");
    assert_eq!(by_id[0]["installed"], "5.3.1");
    assert_eq!(by_id[0]["image"], "app-mixed.cdx.json");
    let critical = get_json(&served, "/api/v1/findings?severity=critical", &tokens.read);
    assert_eq!(critical.as_array().unwrap().len() as u64, local["summary"]["CRITICAL"].as_u64().unwrap());
    assert!(critical.as_array().unwrap().iter().all(|f| f["severity"] == "CRITICAL"));
    let later = get_json(&served, "/api/v1/findings?since=2999-01-01T00:00:00Z", &tokens.read);
    assert_eq!(later, json!([]));
    let (status, _) = get(&served, "/api/v1/findings?severity=awful", &tokens.read);
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A restart loses nothing: the same scan, the same report bytes, and still one scan per digest.
    let json_report = bodies["json"].clone();
    served.stop();
    let served = Served::start(&store, db, &[]);
    assert_eq!(get_json(&served, &format!("/api/v1/scans/{id}"), &tokens.read), scan);
    assert_eq!(get(&served, &format!("/api/v1/scans/{id}/report?format=json"), &tokens.read).1, json_report);
    assert_eq!(get_json(&served, "/api/v1/images", &tokens.read), images);
    let (status, again) = post(&served, "/api/v1/scans", &tokens.scan, &submission);
    assert_eq!((status, again), (StatusCode::OK, scan));
    let history =
        get_json(&served, &format!("/api/v1/images/{}/history", images[0]["digest"].as_str().unwrap()), &tokens.read);
    assert_eq!(history["scans"].as_array().unwrap().len(), 1);
    assert_eq!(history["events"], json!([]));
}

#[test]
fn server_refuses_requests_without_a_token_with_a_lower_scope_or_over_the_body_cap() {
    let (_dir, store) = store_dir();
    let tokens = Tokens::new(&store);
    let served = Served::start(&store, db(), &["--max-body-size", "100000"]);
    let small =
        json!({ "name": "empty", "sbom": { "bomFormat": "CycloneDX", "specVersion": "1.6", "components": [] } });

    // No token, an unknown token: 401 with a Bearer challenge.
    let response = http().get(served.url("/api/v1/images")).send().unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let (status, body) = get(&served, "/api/v1/images", "hgt_0000");
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let response = http().post(served.url("/api/v1/scans")).json(&small).send().unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // The health check needs none.
    assert_eq!(http().get(served.url("/api/v1/health")).send().unwrap().status(), StatusCode::OK);

    // A read token cannot scan, a scan token cannot reload the database or make tokens: 403.
    let (status, body) = post(&served, "/api/v1/scans", &tokens.read, &small);
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "token \"read\" has scope read; this needs scan");
    let (status, _) = post(&served, "/api/v1/db", &tokens.scan, &json!({}));
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = post(&served, "/api/v1/tokens", &tokens.scan, &json!({ "name": "x", "scope": "admin" }));
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The scopes nest: scan and admin tokens read; admin makes a token that works at once.
    assert_eq!(get(&served, "/api/v1/images", &tokens.scan).0, StatusCode::OK);
    let (status, made) = post(&served, "/api/v1/tokens", &tokens.admin, &json!({ "name": "ci", "scope": "scan" }));
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let (status, scan) = post(&served, "/api/v1/scans", made["token"].as_str().unwrap(), &small);
    assert_eq!(status, StatusCode::CREATED, "{scan}");
    assert_eq!(scan["summary"], json!({}));

    // A body over --max-body-size is refused with 413 before it is read whole.
    let padding = "x".repeat(200_000);
    let big = json!({ "name": padding, "sbom": small["sbom"] });
    let (status, _) = post(&served, "/api/v1/scans", &tokens.scan, &big);
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // An alert has its own cap, 64 KiB; it needs a rule and a scan token.
    let (status, _) = post(&served, "/api/v1/events", &tokens.scan, &json!({ "rule": "x".repeat(70_000) }));
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, body) = post(&served, "/api/v1/events", &tokens.scan, &json!({ "output": "x" }));
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "an alert needs a `rule` (Falco's JSON shape)");
    assert_eq!(post(&served, "/api/v1/events", &tokens.read, &json!({ "rule": "x" })).0, StatusCode::FORBIDDEN);
    // A bad body is 400 or 422 with one line, never a crash: the server still answers.
    let (status, body) = post(&served, "/api/v1/scans", &tokens.scan, &json!({ "name": "x" }));
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "a scan needs an `inventory` or an `sbom`");
    let (status, body) =
        post(&served, "/api/v1/scans", &tokens.scan, &json!({ "name": "x", "sbom": { "bomFormat": 3 } }));
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(get(&served, "/api/v1/images", &tokens.read).0, StatusCode::OK);
}

/// `hullguard image` of `target` with `extra` arguments: exit code and stdout.
fn image_scan(args: &[&str]) -> (Option<i32>, Vec<u8>) {
    let out = hullguard(Path::new("."), args);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    (out.status.code(), out.stdout)
}

#[test]
fn client_mode_gives_the_local_report_byte_for_byte_and_the_server_keeps_the_image() {
    let (_dir, store) = store_dir();
    let tokens = Tokens::new(&store);
    let db = db();
    let served = Served::start(&store, db, &[]);
    let target = app_mixed_docker();
    let db_arg = db.to_str().unwrap();
    for format in ["json", "table", "sarif", "junit"] {
        let local = image_scan(&["image", "--no-cache", "--db", db_arg, &target, "-f", format, "-q"]);
        let remote = image_scan(&[
            "image",
            "--no-cache",
            "--server",
            &served.base,
            "--token",
            &tokens.scan,
            &target,
            "-f",
            format,
            "-q",
        ]);
        assert_eq!(remote.0, local.0, "{format}");
        assert!(remote.1 == local.1, "{format}: the client-mode report differs from the local one");
    }
    // The gate decides locally, on the server's findings.
    let local =
        image_scan(&["image", "--no-cache", "--db", db_arg, &target, "--fail-on", "critical", "-q", "-f", "json"]);
    let remote = image_scan(&[
        "image",
        "--no-cache",
        "--server",
        &served.base,
        "--token",
        &tokens.scan,
        &target,
        "--fail-on",
        "critical",
        "-q",
        "-f",
        "json",
    ]);
    assert_eq!(remote, local);

    // The server keeps the image under its config digest: one scan however often it is sent.
    let report: Value = serde_json::from_slice(&local.1).unwrap();
    let images = get_json(&served, "/api/v1/images", &tokens.read);
    assert_eq!(images.as_array().unwrap().len(), 1, "{images}");
    assert_eq!(images[0]["digest"], report["config_digest"]);
    assert_eq!(images[0]["last_scan"]["summary"], report["summary"]);
    let history = get_json(
        &served,
        &format!("/api/v1/images/{}/history", report["config_digest"].as_str().unwrap()),
        &tokens.read,
    );
    assert_eq!(history["scans"].as_array().unwrap().len(), 1);

    // A read token cannot submit: the client says so in one line, exit 2.
    let out = hullguard(
        Path::new("."),
        &["image", "--no-cache", "--server", &served.base, "--token", &tokens.read, &target, "-q"],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("403 token \"read\" has scope read; this needs scan"), "{stderr}");
}

/// Writes `dst`: the records of the zip `src`, without those named in `drop`, and with the
/// `fixed` events of those named in `unfix` taken out (the advisory as it was before a fix).
pub(crate) fn edited_feed(src: &Path, dst: &Path, drop: &[&str], unfix: &[&str]) {
    let script = "import sys, json, zipfile\n\
                  src, dst = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2], 'w')\n\
                  drop, unfix = sys.argv[3].split(','), sys.argv[4].split(',')\n\
                  for name in sorted(src.namelist()):\n\
                  \x20   if name in drop: continue\n\
                  \x20   body = src.read(name)\n\
                  \x20   if name in unfix:\n\
                  \x20       record = json.loads(body)\n\
                  \x20       for a in record['affected']:\n\
                  \x20           for r in a.get('ranges', []): r['events'] = [e for e in r['events'] if 'fixed' not in e]\n\
                  \x20       body = json.dumps(record)\n\
                  \x20   dst.writestr(name, body)\n\
                  dst.close()";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(src)
        .arg(dst)
        .arg(drop.join(","))
        .arg(unfix.join(","))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `db build` of `feeds` (and the KEV catalog) into `db`, stamped as built at `built`.
pub(crate) fn build_db(feeds: &[&Path], db: &Path, built: &str) {
    let kev = crate::support::shared().join("vulndata/kev/known_exploited_vulnerabilities.json");
    let mut cmd = assert_cmd::Command::cargo_bin("hullguard").unwrap();
    cmd.args(["db", "build", "--db"]).arg(db).env("HULLGUARD_BUILD_TIME", built).env_remove("HULLGUARD_LOG");
    for feed in feeds.iter().copied().chain([kev.as_path()]) {
        cmd.arg("--source").arg(feed);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `(kind, vulnerability, package, fixed)` of events, sorted.
pub(crate) fn event_rows(events: &Value) -> Vec<(String, String, String, Option<String>)> {
    let mut rows: Vec<_> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap().to_owned();
            (s("kind"), s("vulnerability"), s("package"), e["fixed"].as_str().map(str::to_owned))
        })
        .collect();
    rows.sort();
    rows
}

pub(crate) fn event(
    kind: &str,
    id: &str,
    package: &str,
    fixed: Option<&str>,
) -> (String, String, String, Option<String>) {
    (kind.to_owned(), id.to_owned(), package.to_owned(), fixed.map(str::to_owned))
}

#[test]
fn a_new_database_rematches_stored_inventories_and_records_new_fixed_and_withdrawn_findings() {
    let (dir, store) = store_dir();
    rematches_and_records_events(&dir, &store);
}

#[test]
fn on_postgres_a_new_database_rematches_stored_inventories_and_records_new_fixed_and_withdrawn_findings() {
    let Some(pg) = Cluster::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    rematches_and_records_events(&dir, Path::new(&pg.url()));
}

/// Two database builds taken one after the other (by POST, then by polling after a restart)
/// over the store at `store`: the exact events and findings.
fn rematches_and_records_events(dir: &tempfile::TempDir, store: &Path) {
    let tokens = Tokens::new(store);
    let pypi = crate::support::shared().join("vulndata/osv/PyPI.zip");
    // Build 1 lacks the PyYAML advisory, has CVE-2024-27351 (Django) without its fix and still
    // has CVE-2024-24680; build 2 is the real feed without CVE-2024-24680.
    let (feed1, feed2) = (dir.path().join("one/PyPI.zip"), dir.path().join("two/PyPI.zip"));
    std::fs::create_dir_all(feed1.parent().unwrap()).unwrap();
    std::fs::create_dir_all(feed2.parent().unwrap()).unwrap();
    edited_feed(&pypi, &feed1, &["PYSEC-2021-142.json"], &["PYSEC-2024-47.json"]);
    edited_feed(&pypi, &feed2, &["PYSEC-2024-28.json"], &[]);
    let (db, next) = (dir.path().join("vuln.db"), dir.path().join("next.db"));
    build_db(&[&feed1], &db, "2026-12-01T00:00:00Z");
    build_db(&[&feed2], &next, "2026-12-02T00:00:00Z");

    let served = Served::start(store, &db, &[]);
    let submission = json!({ "name": "app-mixed", "sbom": app_mixed_sbom() });
    let (status, first) = post(&served, "/api/v1/scans", &tokens.scan, &submission);
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["db_built"], "2026-12-01T00:00:00Z");
    let digest = first["digest"].as_str().unwrap().to_owned();
    let django = |report: &Value, id: &str| -> Value {
        report["findings"].as_array().unwrap().iter().find(|f| f["id"] == id).cloned().unwrap_or(Value::Null)
    };
    let report = get_json(&served, &format!("/api/v1/scans/{}/report", first["id"]), &tokens.read);
    assert_eq!(django(&report, "CVE-2024-27351")["vulnerability"]["status"], "affected");
    assert_eq!(django(&report, "CVE-2020-14343"), Value::Null);
    assert_eq!(get_json(&served, "/api/v1/events", &tokens.read), json!({ "events": [], "next": 0 }));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let before_update = get_json(&served, "/api/v1/health", &tokens.read);
    assert_eq!(before_update["status"], "ok");
    let cutoff = hullguard_report::time::rfc3339_utc(std::time::SystemTime::now());

    // The new file taken (admin): the one stored inventory re-matched, three events.
    std::fs::rename(&next, &db).unwrap();
    let (status, _) = post(&served, "/api/v1/db", &tokens.scan, &json!({}));
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, rescan) = post(&served, "/api/v1/db", &tokens.admin, &json!({}));
    assert_eq!(status, StatusCode::OK, "{rescan}");
    assert_eq!(
        (&rescan["built"], &rescan["changed"], &rescan["rescanned"], &rescan["events"]),
        (&json!("2026-12-02T00:00:00Z"), &json!(true), &json!(1), &json!(3))
    );
    let events = get_json(&served, "/api/v1/events?since=0", &tokens.read);
    assert_eq!(
        event_rows(&events["events"]),
        [
            event("fixed_upstream", "CVE-2024-27351", "Django", Some("3.2.25")),
            event("new_finding", "CVE-2020-14343", "PyYAML", Some("5.4")),
            event("withdrawn", "CVE-2024-24680", "Django", Some("3.2.24")),
        ]
    );
    assert!(
        events["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["digest"] == digest.as_str() && e["db_built"] == "2026-12-02T00:00:00Z")
    );
    let next_event = events["next"].as_i64().unwrap();
    assert_eq!(get_json(&served, &format!("/api/v1/events?since={next_event}"), &tokens.read)["events"], json!([]));
    // Taking the same file again changes nothing.
    let (_, again) = post(&served, "/api/v1/db", &tokens.admin, &json!({}));
    assert_eq!((&again["changed"], &again["events"]), (&json!(false), &json!(0)));

    // The image's current findings follow: "new since" the update is the PyYAML finding alone.
    let new_since = get_json(&served, &format!("/api/v1/findings?since={cutoff}"), &tokens.read);
    let ids: Vec<&str> = new_since.as_array().unwrap().iter().map(|f| f["vulnerability"].as_str().unwrap()).collect();
    assert_eq!(ids, ["CVE-2020-14343"]);
    assert_eq!(get_json(&served, "/api/v1/findings?vulnerability=CVE-2024-24680", &tokens.read), json!([]));
    assert_eq!(get_json(&served, "/api/v1/findings?vulnerability=CVE-2024-27351", &tokens.read)[0]["fixed"], "3.2.25");
    // A submission of the same image now returns the re-matched scan.
    let (status, second) = post(&served, "/api/v1/scans", &tokens.scan, &submission);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(second["db_built"], "2026-12-02T00:00:00Z");
    assert_ne!(second["id"], first["id"]);
    let history = get_json(&served, &format!("/api/v1/images/{digest}/history"), &tokens.read);
    assert_eq!(history["scans"].as_array().unwrap().len(), 2);
    assert_eq!(history["events"].as_array().unwrap().len(), 3);
    let metrics = get(&served, "/metrics", &tokens.read).1;
    assert!(metrics.lines().any(|l| l == "hullguard_rescanned_inventories_total 1"), "{metrics}");
    served.stop();

    // After a restart, the server polls the file: the first build back in place is found by
    // itself, the stored inventory re-matched, the reverse events recorded after the old ones.
    let served = Served::start(store, &db, &["--db-poll", "1"]);
    build_db(&[&feed1], &next, "2026-12-03T00:00:00Z");
    std::fs::rename(&next, &db).unwrap();
    let later = get_json(&served, &format!("/api/v1/events?since={next_event}&wait=20"), &tokens.read);
    assert_eq!(
        event_rows(&later["events"]),
        [
            event("new_finding", "CVE-2024-24680", "Django", Some("3.2.24")),
            event("withdrawn", "CVE-2020-14343", "PyYAML", Some("5.4"))
        ]
    );
    assert!(later["events"][0]["id"].as_i64().unwrap() > next_event);
    assert_eq!(get_json(&served, "/api/v1/db", &tokens.read)["built"], "2026-12-03T00:00:00Z");
}

/// `--update every 2s` from a feed mirror on loopback: the server runs `db update` itself, takes
/// the rebuilt file and records the changes as events; a failing feed keeps the database it had.
#[test]
fn a_scheduled_update_fetches_the_feeds_rebuilds_and_rematches_and_a_failed_one_keeps_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite");
    let tokens = Tokens::new(&store);
    let pypi = crate::support::shared().join("vulndata/osv/PyPI.zip");
    let served_feed = dir.path().join("srv/osv/PyPI.zip");
    std::fs::create_dir_all(served_feed.parent().unwrap()).unwrap();
    edited_feed(&pypi, &served_feed, &["PYSEC-2021-142.json"], &["PYSEC-2024-47.json"]);
    let mirror = crate::db_update::Server::start(&dir.path().join("srv"), &dir.path().join("requests.log"));
    let db = dir.path().join("db/vuln.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let first =
        hullguard(dir.path(), &["db", "update", "-q", "--db", db.to_str().unwrap(), "--mirror", &mirror.base()]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));

    let served =
        Served::start(&store, &db, &["--db-poll", "1", "--update", "every", "2s", "--update-mirror", &mirror.base()]);
    let (status, scan) =
        post(&served, "/api/v1/scans", &tokens.scan, &json!({ "name": "app-mixed", "sbom": app_mixed_sbom() }));
    assert_eq!(status, StatusCode::CREATED, "{scan}");
    let built = get_json(&served, "/api/v1/db", &tokens.read)["built"].clone();

    // The feed changes upstream (a later mtime, so If-Modified-Since sees it): the next update
    // rebuilds, the server re-matches, three events.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let next_feed = dir.path().join("PyPI.zip");
    edited_feed(&pypi, &next_feed, &["PYSEC-2024-28.json"], &[]);
    std::fs::rename(&next_feed, &served_feed).unwrap();
    let events = get_json(&served, "/api/v1/events?since=0&wait=30", &tokens.read);
    assert_eq!(
        event_rows(&events["events"]),
        [
            event("fixed_upstream", "CVE-2024-27351", "Django", Some("3.2.25")),
            event("new_finding", "CVE-2020-14343", "PyYAML", Some("5.4")),
            event("withdrawn", "CVE-2024-24680", "Django", Some("3.2.24")),
        ],
        "{}",
        served.log()
    );
    let rebuilt = get_json(&served, "/api/v1/db", &tokens.read)["built"].clone();
    assert_ne!(rebuilt, built);
    assert!(served.log().contains("hullguard: scheduled database update done"), "{}", served.log());

    // The feed now fails (HTTP 500): the update says so, the database and the findings stay.
    std::fs::write(dir.path().join("srv/osv/PyPI.zip.fail"), "").unwrap();
    let failed = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        served.log().contains("hullguard: scheduled database update failed, the database is kept:")
    });
    assert!(failed, "{}", served.log());
    assert_eq!(get_json(&served, "/api/v1/db", &tokens.read)["built"], rebuilt);
    let next = events["next"].as_i64().unwrap();
    assert_eq!(get_json(&served, &format!("/api/v1/events?since={next}"), &tokens.read)["events"], json!([]));
    served.stop();
}

/// The repository's `docs/openapi.json`.
fn openapi() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The `(method, path)` of every `.route(path, method(handler))` of the server's router.
fn routes_in_code() -> std::collections::BTreeSet<(String, String)> {
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../hullguard-server/src/api.rs")).unwrap();
    source
        .split(".route(")
        .skip(1)
        .map(|rest| {
            let (path, rest) = rest.trim_start().trim_start_matches('"').split_once('"').unwrap();
            let method = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace()).split_once('(').unwrap().0;
            (method.to_owned(), path.to_owned())
        })
        .collect()
}

/// `schema` with its `$ref` into `#/components/schemas` followed.
fn resolved<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => &spec["components"]["schemas"][name],
        None => schema,
    }
}

/// Checks `value` against the parts of `schema` the API's schemas use: type object with
/// required properties, arrays of items, enums. Returns the first mismatch.
fn conforms(spec: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let schema = resolved(spec, schema);
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        return Err(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if schema["type"] == "object" {
        let object = value.as_object().ok_or_else(|| format!("{at}: not an object"))?;
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap();
            if !object.contains_key(name) {
                return Err(format!("{at}: no {name}"));
            }
        }
        for (name, property) in schema["properties"].as_object().into_iter().flatten() {
            if let Some(v) = object.get(name) {
                conforms(spec, property, v, &format!("{at}.{name}"))?;
            }
        }
    }
    if schema["type"] == "array" {
        for (i, item) in value.as_array().ok_or_else(|| format!("{at}: not an array"))?.iter().enumerate() {
            conforms(spec, &schema["items"], item, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

#[test]
fn the_openapi_file_lists_every_route_and_the_server_answers_as_it_says() {
    let spec = openapi();
    let methods = ["get", "post", "put", "delete", "patch"];
    let documented: std::collections::BTreeSet<(String, String)> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            methods.iter().filter(|m| item.get(**m).is_some()).map(move |m| ((*m).to_owned(), path.clone()))
        })
        .collect();
    assert_eq!(routes_in_code(), documented);

    let (_dir, store) = store_dir();
    let tokens = Tokens::new(&store);
    let served = Served::start(&store, db(), &[]);
    let sbom = json!({ "bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
        { "type": "library", "name": "PyYAML", "version": "5.3.1", "purl": "pkg:pypi/pyyaml@5.3.1" }
    ] });
    let (_, scan) = post(&served, "/api/v1/scans", &tokens.scan, &json!({ "name": "one", "sbom": sbom }));
    let (id, digest) = (scan["id"].to_string(), scan["digest"].as_str().unwrap().to_owned());
    let body = |path: &str| match path {
        "/api/v1/scans" => json!({ "name": "two", "sbom": sbom }),
        "/api/v1/tokens" => json!({ "name": "made", "scope": "read" }),
        "/api/v1/webhooks" => json!({ "url": "http://127.0.0.1:9/hook", "secret": "s" }),
        "/api/v1/events" => {
            json!({ "rule": "Terminal shell in container", "output_fields": { "container.name": "c" } })
        }
        _ => json!({}),
    };
    // Redirects are answers to check, not to follow.
    let http = || Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for (method, path) in &documented {
        let op = &spec["paths"][path][method];
        let url = served.url(&path.replace("{id}", &id).replace("{digest}", &digest));
        let send = |token: Option<&str>| {
            let request = match (method.as_str(), path.as_str()) {
                ("get", _) => http().get(&url),
                ("delete", _) => http().delete(&url),
                (_, "/dashboard/login") => form(http().post(&url), &[("token", &tokens.read)]),
                _ => http().post(&url).json(&body(path)),
            };
            match token {
                Some(t) => request.bearer_auth(t),
                None => request,
            }
            .send()
            .unwrap()
        };
        let what = format!("{method} {path}");
        let response = send(Some(&tokens.admin));
        let status = response.status().as_u16().to_string();
        let documented_response = &op["responses"][&status];
        assert!(documented_response.is_object(), "{what}: {status} is not documented");
        let media = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
        if let Some(content) = documented_response["content"].as_object() {
            let media = media.unwrap();
            let schema = &content.get(&media).unwrap_or_else(|| panic!("{what}: {media} is not documented"))["schema"];
            // (An event stream is not read: it does not end.)
            if media == "application/json" && schema["$ref"].as_str().is_none_or(|r| r.starts_with('#')) {
                let value: Value = serde_json::from_str(&response.text().unwrap()).unwrap();
                conforms(&spec, schema, &value, &what).unwrap();
            }
        }
        // The scope the file names is the one the server asks for; a route without one answers
        // the same without a bearer token.
        if op["security"] == json!([]) {
            assert_eq!(send(None).status().as_u16().to_string(), status, "{what}");
            continue;
        }
        assert_eq!(send(None).status(), StatusCode::UNAUTHORIZED, "{what}");
        let below = match op["x-scope"].as_str().unwrap() {
            "read" => None,
            "scan" => Some(&tokens.read),
            "admin" => Some(&tokens.scan),
            other => panic!("{what}: scope {other}"),
        };
        if let Some(token) = below {
            assert_eq!(send(Some(token)).status(), StatusCode::FORBIDDEN, "{what}");
            assert!(op["responses"]["403"].is_object(), "{what}: 403 is not documented");
        } else {
            assert_ne!(send(Some(&tokens.read)).status(), StatusCode::FORBIDDEN, "{what}");
        }
    }
    // A path the file does not name is not served.
    assert_eq!(get(&served, "/api/v1/nothing", &tokens.admin).0, StatusCode::NOT_FOUND);
}

#[test]
fn a_broken_store_or_a_missing_database_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.sqlite"), "garbage\n").unwrap();
    let db = db().to_str().unwrap().to_owned();
    let out = hullguard(dir.path(), &["server", "--listen", "127.0.0.1:0", "--store", "bad.sqlite", "--db", &db]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "hullguard: bad.sqlite: store: file is not a database\n");
    let out =
        hullguard(dir.path(), &["server", "--listen", "127.0.0.1:0", "--store", "new.sqlite", "--db", "missing.db"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("hullguard: missing.db: no vulnerability database: build one with"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// A JSON report's `findings` counted by severity.
fn severity_counts(findings: &Value) -> std::collections::BTreeMap<String, u64> {
    let mut counts = std::collections::BTreeMap::new();
    for f in findings.as_array().unwrap() {
        *counts.entry(f["severity"].as_str().unwrap().to_owned()).or_insert(0) += 1;
    }
    counts
}

#[test]
fn a_scan_submitted_by_image_reference_is_pulled_from_the_registry_and_equals_the_cli_scan_or_answers_502() {
    let Some(registry) = crate::registry::Registry::start(None, None) else { return };
    let Some(private) = crate::registry::Registry::start(Some(("alice", "s3cret")), None) else { return };
    let bundle = image("bookworm-images.oci.tar");
    registry.push(&format!("oci-archive:{bundle}:app-mixed:latest"), "shop/app:1", &[]);
    let reference = format!("{}/shop/app:1", registry.host);
    let db = db();
    let out = Command::new(assert_cmd::cargo::cargo_bin("hullguard"))
        .args(["image", "--insecure", "--no-cache", "--scanners", "vuln", "-f", "json", "--db"])
        .arg(db)
        .arg(&reference)
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    let local: Value = serde_json::from_slice(&out.stdout).unwrap();

    let (_dir, store) = store_dir();
    let tokens = Tokens::new(&store);
    let plain_http = ["--plain-http-registry", &registry.host, "--plain-http-registry", &private.host];
    let served = Served::start(&store, db, &plain_http);
    let (status, scan) = post(&served, "/api/v1/scans", &tokens.scan, &json!({ "image": reference }));
    assert_eq!(status, StatusCode::CREATED, "{scan}");
    assert_eq!(scan["digest"], local["config_digest"], "{scan}");
    assert_eq!(scan["name"], json!(reference));
    let summary: std::collections::BTreeMap<String, u64> = serde_json::from_value(scan["summary"].clone()).unwrap();
    let local_counts = severity_counts(&local["findings"]);
    assert!(local_counts.values().sum::<u64>() > 20, "{local_counts:?}");
    assert_eq!(summary.into_iter().filter(|(_, n)| *n > 0).collect::<std::collections::BTreeMap<_, _>>(), local_counts);
    let report = get_json(&served, &format!("/api/v1/scans/{}/report", scan["id"]), &tokens.read);
    assert_eq!(severity_counts(&report["findings"]), local_counts);
    // The same image again is the stored scan.
    let (status, again) = post(&served, "/api/v1/scans", &tokens.scan, &json!({ "image": reference }));
    assert_eq!((status, &again["id"]), (StatusCode::OK, &scan["id"]));

    // Only registry references: a path, a Docker-socket or archive source, and an image with an
    // inventory are refused; a read token may not submit.
    for bad in ["/etc/passwd", "docker:debian:12", "docker-archive:/tmp/x.tar", "unix:///var/run/docker.sock"] {
        let (status, answer) = post(&served, "/api/v1/scans", &tokens.scan, &json!({ "image": bad }));
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {answer}");
    }
    let both = json!({ "image": reference, "sbom": app_mixed_sbom() });
    assert_eq!(post(&served, "/api/v1/scans", &tokens.scan, &both).0, StatusCode::BAD_REQUEST);
    assert_eq!(post(&served, "/api/v1/scans", &tokens.read, &json!({ "image": reference })).0, StatusCode::FORBIDDEN);

    // A pull that fails is the registry's failure (502), with its reason: a tag the registry
    // does not have, a registry that wants a password (401), and a port nothing listens on.
    let missing = format!("{}/shop/app:2", registry.host);
    let reason = format!(
        "pulling from the registry failed: {}/shop/app: manifest 2: registry answered 404 Not Found \
         (MANIFEST_UNKNOWN: manifest unknown)",
        registry.host
    );
    assert_eq!(failed_pull(&served, &tokens.scan, &missing), reason);
    let reason = format!(
        "pulling from the registry failed: {}/shop/app: manifest 1: authentication failed anonymously \
         (no credentials: --username with --password-stdin, or docker login): 401 Unauthorized",
        private.host
    );
    assert_eq!(failed_pull(&served, &tokens.scan, &format!("{}/shop/app:1", private.host)), reason);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let reason = failed_pull(&served, &tokens.scan, &format!("{closed}/shop/app:1"));
    assert!(reason.starts_with(&format!("pulling from the registry failed: {closed}/shop/app: ")), "{reason}");
    assert!(reason.contains("Connection refused"), "{reason}");
    served.stop();
}

/// Submits `image`, expecting 502 with an error as docs/openapi.json describes it: its reason.
fn failed_pull(served: &Served, token: &str, image: &str) -> String {
    let (status, answer) = post(served, "/api/v1/scans", token, &json!({ "image": image }));
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{image}: {answer}");
    let spec = openapi();
    let schema = &spec["paths"]["/api/v1/scans"]["post"]["responses"]["502"]["content"]["application/json"]["schema"];
    conforms(&spec, schema, &answer, image).unwrap();
    answer["error"].as_str().unwrap().to_owned()
}
