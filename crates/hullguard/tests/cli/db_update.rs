//! `hullguard db update --mirror`: feeds fetched from a real HTTP server on
//! loopback (Python's `http.server`, which sends `Last-Modified` and answers
//! `If-Modified-Since` with 304) serving symlinks to shared/vulndata in the
//! mirror layout. A marker file `<path>.fail` makes the server answer 500
//! for `<path>`, `<path>.drop` makes it close the connection mid-body,
//! `<path>.trickle` makes it send one byte a second (at most 60),
//! `<path>.stall` makes it send 10 bytes and then nothing for 20 s, and
//! `<path>.redirect` makes it answer 302 to the URL the marker holds.
//! Another server on another loopback port counts as another host.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

use crate::support::{hullguard, sha256, shared};

/// Python's file server, with failure injection and a request log.
const SERVER: &str = r#"
import functools, http.server, os, sys, time
root, log = sys.argv[1], sys.argv[2]
class Handler(http.server.SimpleHTTPRequestHandler):
    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.exists(path + ".fail"):
            self.send_error(500, "injected failure")
            return None
        if os.path.exists(path + ".drop"):
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            self.wfile.write(b"{" + b" " * 999)
            self.close_connection = True
            return None
        if os.path.exists(path + ".trickle"):
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            for _ in range(60):
                try:
                    self.wfile.write(b" ")
                except OSError:
                    break
                time.sleep(1)
            self.close_connection = True
            return None
        if os.path.exists(path + ".stall"):
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            self.wfile.write(b" " * 10)
            time.sleep(20)
            self.close_connection = True
            return None
        if os.path.exists(path + ".redirect"):
            with open(path + ".redirect") as f:
                location = f.read()
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return super().send_head()
    def log_request(self, code="-", size="-"):
        with open(log, "a") as f:
            f.write("%s %s %s %s\n" % (self.command, self.path, getattr(code, "value", code), self.headers.get("User-Agent")))
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=root))
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

/// A feed server on loopback serving `root`; killed on drop.
pub struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Server {
    pub fn start(root: &Path, log: &Path) -> Server {
        let mut child = Command::new("python3")
            .args(["-c", SERVER])
            .arg(root)
            .arg(log)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 is needed for the db update tests");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| panic!("server said {line:?}"));
        Server { child, port, log: log.to_owned() }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The request log: `METHOD PATH STATUS USER-AGENT` per line.
    fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log).unwrap_or_default().lines().map(str::to_owned).collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A test setup: a served folder of symlinks to shared/vulndata and a database folder.
struct Setup {
    tmp: tempfile::TempDir,
    server: Server,
}

impl Setup {
    /// Serves `feeds` (mirror paths, each a symlink to shared/vulndata/<path>).
    fn new(feeds: &[&str]) -> Setup {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("srv");
        std::fs::create_dir_all(&root).unwrap();
        for feed in feeds {
            link(&root.join(feed), &shared().join("vulndata").join(feed));
        }
        std::fs::create_dir_all(tmp.path().join("db")).unwrap();
        let server = Server::start(&root, &tmp.path().join("requests.log"));
        Setup { tmp, server }
    }

    fn served(&self, path: &str) -> PathBuf {
        self.tmp.path().join("srv").join(path)
    }

    fn db(&self) -> PathBuf {
        self.tmp.path().join("db/hullguard.db")
    }

    fn mirror(&self, path: &str) -> PathBuf {
        self.tmp.path().join("db/feeds").join(path)
    }

    fn update(&self) -> Output {
        self.update_from(&self.server.base())
    }

    fn update_from(&self, base: &str) -> Output {
        let db = self.db();
        hullguard(self.tmp.path(), &["db", "update", "--db", db.to_str().unwrap(), "--mirror", base])
    }

    /// An update from the server with `extra` arguments.
    fn update_with(&self, extra: &[&str]) -> Output {
        let (db, base) = (self.db(), self.server.base());
        let mut args = vec!["db", "update", "--db", db.to_str().unwrap(), "--mirror", &base];
        args.extend_from_slice(extra);
        hullguard(self.tmp.path(), &args)
    }

    /// The first update, asserted to succeed.
    fn first_update(&self) {
        let out = self.update();
        assert!(out.status.success(), "{}", stderr(&out));
    }

    /// Files left in the feeds folder whose names mark them temporary.
    fn leftovers(&self) -> Vec<String> {
        let mut found = Vec::new();
        let mut stack = vec![self.tmp.path().join("db")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.to_string_lossy().contains(".part-") || path.to_string_lossy().contains(".tmp-") {
                    found.push(path.display().to_string());
                }
            }
        }
        found
    }
}

fn link(at: &Path, to: &Path) {
    std::fs::create_dir_all(at.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(at);
    std::os::unix::fs::symlink(to, at).unwrap();
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The lines of stderr that are not warnings.
fn errors(out: &Output) -> Vec<String> {
    stderr(out).lines().filter(|l| !l.starts_with("hullguard: warning:")).map(str::to_owned).collect()
}

/// The DB file's bytes and modification time.
fn snapshot(path: &Path) -> (String, std::time::SystemTime) {
    (sha256(&std::fs::read(path).unwrap()), std::fs::metadata(path).unwrap().modified().unwrap())
}

fn info(db: &Path) -> Value {
    let out = hullguard(Path::new("."), &["db", "info", "--db", db.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn shared_sha(path: &str) -> String {
    sha256(&std::fs::read(shared().join("vulndata").join(path)).unwrap())
}

const SMALL: &[&str] = &["osv/crates.io.zip", "kev/known_exploited_vulnerabilities.json"];

#[test]
fn db_update_first_run_fetches_every_served_feed_and_builds_the_db() {
    let setup = Setup::new(&[
        "osv/PyPI.zip",
        "osv/Go.zip",
        "osv/crates.io.zip",
        "osv/AlmaLinux.zip",
        "kev/known_exploited_vulnerabilities.json",
    ]);
    let out = setup.update();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let base = setup.server.base();
    // Feeds the server lacks are skipped with a warning naming the URL.
    for missing in ["osv/npm.zip", "osv/Maven.zip", "debian/debian-tracker.json", "alpine/v3.22/main.json"] {
        assert!(
            err.contains(&format!("hullguard: warning: {base}/{missing} not found (HTTP 404), skipped\n")),
            "{err}"
        );
    }
    let summary = errors(&out);
    assert_eq!(summary.len(), 1, "{err}");
    assert!(summary[0].contains(": 5 feeds fetched, 0 unchanged, 10 skipped; "), "{err}");
    let info = info(&setup.db());
    let feeds: Vec<(&str, u64)> = info["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["records"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        feeds,
        [("osv/AlmaLinux", 5680), ("osv/Go", 4291), ("osv/PyPI", 2661), ("osv/crates.io", 1206), ("kev", 1404)]
    );
    assert_eq!(info["cves"], 1404);
    let location = info["sources"][2]["location"].as_str().unwrap();
    assert_eq!(Path::new(location), setup.mirror("osv/PyPI.zip"));
    // The mirror holds the served bytes, and the state their validators.
    assert_eq!(sha256(&std::fs::read(setup.mirror("osv/Go.zip")).unwrap()), shared_sha("osv/Go.zip"));
    let state: Value = serde_json::from_slice(&std::fs::read(setup.mirror("state.json")).unwrap()).unwrap();
    let entry = &state["feeds"]["osv/crates.io.zip"];
    assert_eq!(entry["url"], format!("{base}/osv/crates.io.zip"));
    assert_eq!(entry["sha256"], shared_sha("osv/crates.io.zip"));
    assert!(entry["last_modified"].as_str().unwrap().ends_with(" GMT"), "{entry}");
    assert_eq!(state["feeds"].as_object().unwrap().len(), 5);
    // One GET per feed, with our User-Agent.
    let requests = setup.server.requests();
    assert_eq!(requests.len(), 15, "{requests:#?}");
    assert!(requests.contains(&format!("GET /osv/PyPI.zip 200 hullguard/{}", env!("CARGO_PKG_VERSION"))));
    assert!(setup.leftovers().is_empty(), "{:?}", setup.leftovers());
}

#[test]
fn db_update_with_nothing_changed_leaves_the_db_untouched() {
    let setup = Setup::new(SMALL);
    setup.first_update();
    let before = snapshot(&setup.db());
    let out = setup.update();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        errors(&out),
        [format!("hullguard: database is up to date: {} (2 feeds unchanged, 13 skipped)", setup.db().display())]
    );
    assert_eq!(snapshot(&setup.db()), before, "bytes and mtime unchanged");
    // The second run asked conditionally and got 304s.
    let requests = setup.server.requests();
    assert!(requests[15..].iter().any(|r| r.starts_with("GET /osv/crates.io.zip 304 ")), "{requests:#?}");
    assert!(requests[15..].iter().any(|r| r.starts_with("GET /kev/known_exploited_vulnerabilities.json 304 ")));
}

#[test]
fn db_update_rejects_a_corrupt_download_and_keeps_the_old_mirror_and_db() {
    let setup = Setup::new(SMALL);
    setup.first_update();
    let before = snapshot(&setup.db());
    // A truncated copy (its end, with the zip's central directory, cut off) and a newer mtime.
    let zip = std::fs::read(shared().join("vulndata/osv/crates.io.zip")).unwrap();
    let served = setup.served("osv/crates.io.zip");
    std::fs::remove_file(&served).unwrap();
    std::fs::write(&served, &zip[..zip.len() / 2]).unwrap();
    let out = setup.update();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let errors = errors(&out);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let url = format!("{}/osv/crates.io.zip", setup.server.base());
    assert!(errors[0].starts_with(&format!("hullguard: corrupt download from {url}: not a zip archive")), "{errors:?}");
    assert_eq!(snapshot(&setup.db()), before);
    assert_eq!(sha256(&std::fs::read(setup.mirror("osv/crates.io.zip")).unwrap()), shared_sha("osv/crates.io.zip"));
    assert!(setup.leftovers().is_empty(), "{:?}", setup.leftovers());
}

#[test]
fn db_update_partial_failure_keeps_the_old_mirror_and_db() {
    let setup = Setup::new(SMALL);
    setup.first_update();
    let before = snapshot(&setup.db());
    let state = std::fs::read(setup.mirror("state.json")).unwrap();
    // crates.io changes (its first 1150 records, newer mtime) and downloads fine; KEV then fails.
    let served = setup.served("osv/crates.io.zip");
    std::fs::remove_file(&served).unwrap();
    first_records(&shared().join("vulndata/osv/crates.io.zip"), &served, 1150);
    let kev = setup.served("kev/known_exploited_vulnerabilities.json");
    let kev_url = format!("{}/kev/known_exploited_vulnerabilities.json", setup.server.base());
    let unchanged = |out: &Output| {
        assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
        assert_eq!(snapshot(&setup.db()), before);
        assert_eq!(std::fs::read(setup.mirror("state.json")).unwrap(), state);
        assert_eq!(
            sha256(&std::fs::read(setup.mirror("osv/crates.io.zip")).unwrap()),
            shared_sha("osv/crates.io.zip"),
            "the fetched crates.io is not applied"
        );
        assert!(setup.leftovers().is_empty(), "{:?}", setup.leftovers());
        errors(out)
    };

    std::fs::write(kev.with_extension("json.fail"), b"").unwrap();
    let out = setup.update();
    assert_eq!(unchanged(&out), [format!("hullguard: cannot fetch {kev_url}: server answered HTTP 500")]);

    std::fs::remove_file(kev.with_extension("json.fail")).unwrap();
    std::fs::write(kev.with_extension("json.drop"), b"").unwrap();
    let out = setup.update();
    let errors = unchanged(&out);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with(&format!("hullguard: cannot fetch {kev_url}: ")), "{errors:?}");

    // Once the server recovers, the update goes through.
    std::fs::remove_file(kev.with_extension("json.drop")).unwrap();
    let out = setup.update();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(errors_of_success(&out).contains(": 1 feeds fetched, 1 unchanged, 13 skipped; "), "{}", stderr(&out));
    let info = info(&setup.db());
    assert_eq!(info["sources"][0]["name"], "osv/crates.io");
    assert_eq!(info["sources"][0]["records"], 1150, "the changed crates.io zip");
}

fn errors_of_success(out: &Output) -> String {
    errors(out).join("\n")
}

#[test]
fn db_update_with_the_server_down_keeps_the_old_db() {
    let setup = Setup::new(SMALL);
    setup.first_update();
    let before = snapshot(&setup.db());
    // Nothing listens on a port just released.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let out = setup.update_from(&base);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let errors = errors(&out);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with(&format!("hullguard: cannot fetch {base}/osv/PyPI.zip: ")), "{errors:?}");
    assert!(errors[0].to_lowercase().contains("connect"), "{errors:?}");
    assert_eq!(snapshot(&setup.db()), before);
    assert!(setup.leftovers().is_empty(), "{:?}", setup.leftovers());
}

/// One record of the shared Go zip, as JSON.
fn go_record(id: &str) -> Value {
    let script =
        "import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2] + '.json'))";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(shared().join("vulndata/osv/Go.zip"))
        .arg(id)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Whether scanning a CycloneDX SBOM holding `github.com/gin-gonic/gin@v1.7.0`
/// against `db` reports GO-2020-0001 (fixed in 1.6.0 upstream).
fn gin_1_7_affected(setup: &Setup) -> bool {
    gin_affected(setup, "v1.7.0", "GO-2020-0001")
}

/// Whether scanning a CycloneDX SBOM holding `github.com/gin-gonic/gin@<version>`
/// against `db` reports advisory `id`.
fn gin_affected(setup: &Setup, version: &str, id: &str) -> bool {
    let sbom = setup.tmp.path().join("gin.cdx.json");
    let doc = serde_json::json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": [{
            "type": "library",
            "name": "github.com/gin-gonic/gin",
            "version": version,
            "purl": format!("pkg:golang/github.com/gin-gonic/gin@{version}")
        }]
    });
    std::fs::write(&sbom, serde_json::to_vec(&doc).unwrap()).unwrap();
    let db = setup.db();
    let args = ["sbom", sbom.to_str().unwrap(), "--db", db.to_str().unwrap(), "-f", "json", "-q"];
    let out = hullguard(setup.tmp.path(), &args);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).contains(&format!("\"{id}\""))
}

/// The records count of feed `name` in `db info`.
fn records(info: &Value, name: &str) -> u64 {
    let sources = info["sources"].as_array().unwrap();
    sources.iter().find(|s| s["name"] == name).and_then(|s| s["records"].as_u64()).unwrap()
}

/// Serves `osv/Go/modified_id.csv` listing `lines` and the records `records` beside it.
fn serve_increment(setup: &Setup, lines: &[String], records: &[(&str, &[u8])]) {
    let folder = setup.served("osv/Go");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("modified_id.csv"), lines.join("\n") + "\n").unwrap();
    for (id, bytes) in records {
        std::fs::write(folder.join(format!("{id}.json")), bytes).unwrap();
    }
}

#[test]
fn db_update_osv_incremental_fetches_only_the_modified_records() {
    let setup = Setup::new(&["osv/Go.zip"]);
    setup.first_update();
    assert_eq!(records(&info(&setup.db()), "osv/Go"), 4291);
    assert!(!gin_1_7_affected(&setup), "gin 1.7.0 is past the upstream fix 1.6.0");
    let state: Value = serde_json::from_slice(&std::fs::read(setup.mirror("state.json")).unwrap()).unwrap();
    let since = state["feeds"]["osv/Go.zip"]["osv_since"].as_str().unwrap().to_owned();
    assert!(since.as_str() < "2099", "{since}");
    let first = setup.server.requests().len();

    // GO-2020-0001 now fixed only in 1.99.0, and a brand-new record; older lines are not read.
    let mut changed = go_record("GO-2020-0001");
    changed["modified"] = "2099-01-02T00:00:00Z".into();
    changed["affected"][0]["ranges"][0]["events"][1]["fixed"] = "1.99.0".into();
    let mut new = go_record("GO-2020-0003");
    new["id"] = "GO-2099-0001".into();
    new["aliases"] = serde_json::json!([]);
    new["modified"] = "2099-01-01T00:00:00Z".into();
    serve_increment(
        &setup,
        &[
            "2099-01-02T00:00:00Z,Go/GO-2020-0001".to_owned(),
            "2099-01-01T00:00:00.5Z,Go/GO-2099-0001".to_owned(),
            format!("{since},Go/GO-2020-0004"),
            "2000-01-01T00:00:00Z,Go/GO-2020-0005".to_owned(),
        ],
        &[
            ("GO-2020-0001", &serde_json::to_vec(&changed).unwrap()),
            ("GO-2099-0001", &serde_json::to_vec(&new).unwrap()),
        ],
    );
    let out = setup.update();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(errors_of_success(&out).contains(": 1 feeds fetched, 0 unchanged, 14 skipped; "), "{}", stderr(&out));
    let requests: Vec<String> = setup.server.requests()[first..]
        .iter()
        .filter(|r| r.starts_with("GET /osv/Go"))
        .map(|r| r.rsplit_once(' ').unwrap().0.to_owned())
        .collect();
    assert_eq!(
        requests,
        ["GET /osv/Go/modified_id.csv 200", "GET /osv/Go/GO-2020-0001.json 200", "GET /osv/Go/GO-2099-0001.json 200"],
        "no all.zip, nothing at or before the recorded time"
    );
    assert!(setup.mirror("osv/Go-updates/GO-2020-0001.json").is_file());
    assert!(setup.mirror("osv/Go-updates/GO-2099-0001.json").is_file());
    let db_info = info(&setup.db());
    assert_eq!(records(&db_info, "osv/Go"), 4292, "one new record, one replaced");
    assert_eq!(db_info["sources"].as_array().unwrap().len(), 1, "the overlay is part of osv/Go");
    assert!(gin_1_7_affected(&setup), "the overlay's GO-2020-0001 replaces the zip's");
    let state: Value = serde_json::from_slice(&std::fs::read(setup.mirror("state.json")).unwrap()).unwrap();
    assert_eq!(state["feeds"]["osv/Go.zip"]["osv_since"], "2099-01-02T00:00:00.000000000Z");
    assert_eq!(sha256(&std::fs::read(setup.mirror("osv/Go.zip")).unwrap()), shared_sha("osv/Go.zip"));

    // Nothing newer since: only the CSV is read, the DB is left alone.
    let before = snapshot(&setup.db());
    let count = setup.server.requests().len();
    let out = setup.update();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(snapshot(&setup.db()), before);
    let requests = setup.server.requests();
    assert!(requests[count..].iter().all(|r| !r.contains("/osv/Go.zip") && !r.contains(".json 200")), "{requests:#?}");
    assert!(setup.leftovers().is_empty(), "{:?}", setup.leftovers());

    // The CSV gone: the whole zip is fetched (unconditionally, an overlay being there) and the overlay cleared.
    std::fs::remove_file(setup.served("osv/Go/modified_id.csv")).unwrap();
    let count = setup.server.requests().len();
    let out = setup.update();
    assert!(out.status.success(), "{}", stderr(&out));
    let requests = setup.server.requests();
    assert!(requests[count..].iter().any(|r| r.starts_with("GET /osv/Go/modified_id.csv 404 ")), "{requests:#?}");
    assert!(requests[count..].iter().any(|r| r.starts_with("GET /osv/Go.zip 200 ")), "{requests:#?}");
    assert!(!setup.mirror("osv/Go-updates").exists());
    assert_eq!(records(&info(&setup.db()), "osv/Go"), 4291);
    assert!(!gin_1_7_affected(&setup));
}

#[test]
fn db_update_osv_incremental_rejects_a_bad_record_and_keeps_the_old_db() {
    let setup = Setup::new(&["osv/Go.zip"]);
    setup.first_update();
    let before = snapshot(&setup.db());
    let state = std::fs::read(setup.mirror("state.json")).unwrap();
    let mut good = go_record("GO-2020-0001");
    good["modified"] = "2099-01-02T00:00:00Z".into();
    serve_increment(
        &setup,
        &["2099-01-02T00:00:00Z,Go/GO-2020-0001".to_owned(), "2099-01-01T00:00:00Z,Go/GO-2099-0002".to_owned()],
        &[
            ("GO-2020-0001", &serde_json::to_vec(&good).unwrap()),
            ("GO-2099-0002", br#"{"id": "GO-2099-0002", "modified": "2099-01-01T00:00:00Z", "affected": 7}"#),
        ],
    );
    let out = setup.update();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let errors = errors(&out);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let url = format!("{}/osv/Go/GO-2099-0002.json", setup.server.base());
    assert!(errors[0].starts_with(&format!("hullguard: corrupt download from {url}: ")), "{errors:?}");
    assert!(errors[0].contains("GO-2099-0002"), "{errors:?}");
    assert_eq!(snapshot(&setup.db()), before);
    assert_eq!(std::fs::read(setup.mirror("state.json")).unwrap(), state);
    assert!(!setup.mirror("osv/Go-updates").exists(), "the good record is not applied either");
    assert!(setup.leftovers().is_empty(), "{:?}", setup.leftovers());
}

#[test]
fn db_update_osv_without_modified_id_csv_fetches_the_whole_zip() {
    let setup = Setup::new(&["osv/crates.io.zip"]);
    setup.first_update();
    let first = setup.server.requests().len();
    // A changed zip (its first 1150 records, newer mtime) and no modified_id.csv.
    let served = setup.served("osv/crates.io.zip");
    std::fs::remove_file(&served).unwrap();
    first_records(&shared().join("vulndata/osv/crates.io.zip"), &served, 1150);
    let out = setup.update();
    assert!(out.status.success(), "{}", stderr(&out));
    let requests: Vec<String> = setup.server.requests()[first..]
        .iter()
        .filter(|r| r.starts_with("GET /osv/crates.io"))
        .map(|r| r.rsplit_once(' ').unwrap().0.to_owned())
        .collect();
    assert_eq!(requests, ["GET /osv/crates.io/modified_id.csv 404", "GET /osv/crates.io.zip 200"]);
    assert_eq!(records(&info(&setup.db()), "osv/crates.io"), 1150);
    assert_eq!(
        sha256(&std::fs::read(setup.mirror("osv/crates.io.zip")).unwrap()),
        sha256(&std::fs::read(&served).unwrap())
    );
    let state: Value = serde_json::from_slice(&std::fs::read(setup.mirror("state.json")).unwrap()).unwrap();
    assert!(state["feeds"]["osv/crates.io.zip"]["osv_since"].is_string(), "{state}");
}

#[test]
fn db_update_gives_up_on_a_trickling_mirror_and_cleans_temp_files() {
    let setup = Setup::new(SMALL);
    std::fs::write(setup.served("osv/crates.io.zip.trickle"), b"").unwrap();
    // Temporary files a killed update left behind (pid 99999999 never runs).
    let feeds = setup.mirror("");
    std::fs::create_dir_all(&feeds).unwrap();
    std::fs::write(feeds.join(".part-99999999-0"), b"left").unwrap();
    std::fs::write(feeds.join(".state.json.part-99999999"), b"left").unwrap();
    let url = format!("{}/osv/crates.io.zip", setup.server.base());

    let started = std::time::Instant::now();
    let out = setup.update_with(&["--min-rate", "100", "--rate-window", "2"]);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let lines = errors(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with(&format!("hullguard: cannot fetch {url}: too slow: ")), "{lines:?}");
    assert!(lines[0].ends_with(" bytes in 2.0 s, below the minimum of 100 bytes/s"), "{lines:?}");
    assert!(took < std::time::Duration::from_secs(15), "{took:?}");
    assert!(setup.leftovers().is_empty(), "{:?}", setup.leftovers());
    assert!(!setup.db().exists());

    // A server that stops sending: the wait for the next bytes ends with the window.
    std::fs::rename(setup.served("osv/crates.io.zip.trickle"), setup.served("osv/crates.io.zip.stall")).unwrap();
    let started = std::time::Instant::now();
    let out = setup.update_with(&["--min-rate", "1", "--rate-window", "1"]);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let want = format!("hullguard: cannot fetch {url}: too slow: 10 bytes in 1.0 s, below the minimum of 1 bytes/s");
    assert_eq!(errors(&out), [want]);
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    assert!(setup.leftovers().is_empty(), "{:?}", setup.leftovers());
    std::fs::rename(setup.served("osv/crates.io.zip.stall"), setup.served("osv/crates.io.zip.trickle")).unwrap();

    let started = std::time::Instant::now();
    let out = setup.update_with(&["--timeout", "2", "--min-rate", "0"]);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(errors(&out), [format!("hullguard: cannot fetch {url}: the update's time limit of 2 s ran out")]);
    assert!(took < std::time::Duration::from_secs(15), "{took:?}");
    assert!(setup.leftovers().is_empty(), "{:?}", setup.leftovers());
}

#[test]
fn db_update_fails_when_every_feed_answers_404() {
    let base_of = |setup: &Setup| setup.server.base();
    let want = |setup: &Setup| {
        format!(
            "hullguard: cannot update: every feed answered HTTP 404 (the first: {}/osv/PyPI.zip); nothing was changed\n",
            base_of(setup)
        )
    };
    // No DB yet: nothing is created.
    let setup = Setup::new(&[]);
    let out = setup.update();
    assert_eq!((out.status.code(), stderr(&out)), (Some(2), want(&setup)));
    assert!(!setup.db().exists());
    // A DB fetched earlier: kept, and the update is a failure, not "up to date".
    let setup = Setup::new(SMALL);
    setup.first_update();
    let before = snapshot(&setup.db());
    for feed in SMALL {
        std::fs::remove_file(setup.served(feed)).unwrap();
    }
    let out = setup.update();
    assert_eq!((out.status.code(), stderr(&out)), (Some(2), want(&setup)));
    assert_eq!(snapshot(&setup.db()), before);
}

#[test]
fn db_update_follows_redirects_only_to_the_same_host_unless_allowed() {
    let setup = Setup::new(&[]);
    let base = setup.server.base();
    // KEV moved on the same server: followed.
    link(&setup.served("kev/moved.json"), &shared().join("vulndata/kev/known_exploited_vulnerabilities.json"));
    std::fs::write(setup.served("kev/known_exploited_vulnerabilities.json.redirect"), format!("{base}/kev/moved.json"))
        .unwrap();
    // crates.io moved to another server (another port of 127.0.0.1: another host).
    let other_root = setup.tmp.path().join("other");
    link(&other_root.join("osv/crates.io.zip"), &shared().join("vulndata/osv/crates.io.zip"));
    let other = Server::start(&other_root, &setup.tmp.path().join("other.log"));
    std::fs::create_dir_all(setup.served("osv")).unwrap();
    let moved = format!("{}/osv/crates.io.zip", other.base());
    std::fs::write(setup.served("osv/crates.io.zip.redirect"), &moved).unwrap();

    let out = setup.update();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let errors = errors(&out);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with(&format!("hullguard: cannot fetch {base}/osv/crates.io.zip: ")), "{errors:?}");
    let hint =
        format!("redirect to another host refused: {moved} (allow it with --allow-redirect 127.0.0.1:{})", other.port);
    assert!(errors[0].ends_with(&hint), "{errors:?}");
    assert!(other.requests().is_empty(), "{:?}", other.requests());
    assert!(!setup.db().exists());

    let allowed = format!("127.0.0.1:{}", other.port);
    let out = setup.update_with(&["--allow-redirect", &allowed]);
    assert!(out.status.success(), "{}", stderr(&out));
    let info = info(&setup.db());
    assert_eq!((records(&info, "osv/crates.io"), records(&info, "kev")), (1206, 1404));
    assert_eq!(other.requests().len(), 1, "{:?}", other.requests());
    assert!(setup.server.requests().iter().any(|r| r.starts_with("GET /kev/moved.json 200 ")));
}

/// Writes a zip at `dst` holding the first `n` records (by name) of the zip `src`.
fn first_records(src: &Path, dst: &Path, n: usize) {
    let script = "import sys, zipfile\n\
                  src, dst, n = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2], 'w'), int(sys.argv[3])\n\
                  [dst.writestr(name, src.read(name)) for name in sorted(src.namelist())[:n]]\n\
                  dst.close()";
    let out = Command::new("python3").args(["-c", script]).arg(src).arg(dst).arg(n.to_string()).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn db_update_never_lowers_coverage_without_force() {
    let setup = Setup::new(SMALL);
    let db = setup.db();
    let vulndata = shared().join("vulndata");
    // A DB built from three feeds; the mirror serves two of them.
    let mut args = vec!["db".to_owned(), "build".to_owned(), "--db".to_owned(), db.display().to_string()];
    for feed in ["osv/Go.zip", "osv/crates.io.zip", "kev/known_exploited_vulnerabilities.json"] {
        args.extend(["--source".to_owned(), vulndata.join(feed).display().to_string()]);
    }
    let out = hullguard(setup.tmp.path(), &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", stderr(&out));
    let before = snapshot(&db);
    let refused = |lost: &str| {
        format!(
            "hullguard: {}: not replaced: the update would lower coverage ({lost}); rerun with --force to accept",
            db.display()
        )
    };
    let out = setup.update();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(errors(&out), [refused("osv/Go gone (4291 records)")]);
    assert_eq!(snapshot(&db), before);
    assert!(setup.leftovers().is_empty(), "{:?}", setup.leftovers());
    let out = setup.update_with(&["--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let names: Vec<Value> = info(&db)["sources"].as_array().unwrap().iter().map(|s| s["name"].clone()).collect();
    assert_eq!(names, ["osv/crates.io", "kev"]);

    // The crates.io zip cut to 5 records.
    let served = setup.served("osv/crates.io.zip");
    std::fs::remove_file(&served).unwrap();
    first_records(&vulndata.join("osv/crates.io.zip"), &served, 5);
    let before = snapshot(&db);
    let out = setup.update();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(errors(&out), [refused("osv/crates.io: 1206 → 5 records")]);
    assert_eq!(snapshot(&db), before);
    let out = setup.update_with(&["--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(records(&info(&db), "osv/crates.io"), 5);
}

#[test]
fn db_update_drops_records_of_another_ecosystem_from_a_feed_zip() {
    let setup = Setup::new(&[]);
    // osv/crates.io.zip with 3 crates.io records, a Go record, and a record for both.
    let zip = setup.served("osv/crates.io.zip");
    std::fs::create_dir_all(zip.parent().unwrap()).unwrap();
    first_records(&shared().join("vulndata/osv/crates.io.zip"), &zip, 3);
    let go = go_record("GO-2020-0001");
    let mut mixed = go_record("GO-2020-0001");
    mixed["id"] = "MIXED-0001".into();
    mixed["affected"].as_array_mut().unwrap().push(serde_json::json!({
        "package": {"ecosystem": "crates.io", "name": "mixed-crate"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]}]
    }));
    let script = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'a')\n\
                  z.writestr('GO-2020-0001.json', sys.argv[2]); z.writestr('MIXED-0001.json', sys.argv[3]); z.close()";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&zip)
        .arg(go.to_string())
        .arg(mixed.to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    let out = setup.update();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("hullguard: warning: osv/crates.io: 1 records rejected\n"), "{}", stderr(&out));
    let info = info(&setup.db());
    let source = &info["sources"][0];
    assert_eq!(
        (&source["name"], &source["records"], &source["rejected"]),
        (&"osv/crates.io".into(), &4.into(), &1.into())
    );
    // gin 1.5.0 is in GO-2020-0001's range, but neither the Go record nor the mixed record's Go
    // entry belongs in the crates.io feed.
    assert!(!gin_affected(&setup, "v1.5.0", "GO-2020-0001"));
    assert!(!gin_affected(&setup, "v1.5.0", "MIXED-0001"));
}
