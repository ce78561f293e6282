//! The server's dashboard in a real headless Chromium, driven over WebDriver (Debian's
//! `chromium-driver`) by plain HTTP from the test: sign in with a token, the fleet, an image's
//! findings with filters, the changes of the last database update; every number read off the
//! page equals the API's. A screenshot is kept and its path printed.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::blocking::Client;
use serde_json::{Value, json};

use crate::events::Updated;
use crate::server::{form, get_json};
use crate::support::required;

/// The key of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process and one headless Chromium session; both ended when dropped.
struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// `None` (skip) outside CI when Chromium or its driver is not installed.
    fn start() -> Option<Browser> {
        if !required("chromium") || !required("chromedriver") {
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let http = Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while http.get(format!("{base}/status")).send().is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not answer");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        // Headless and offline: every host name resolves nowhere and the proxy is a closed
        // port; loopback (the server under test) bypasses both.
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=1280,1000".to_owned(),
            "--proxy-server=127.0.0.1:9".to_owned(),
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut browser = Browser { driver, base, session: String::new(), http, _profile: profile };
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args }
        } } });
        browser.session =
            browser.call("POST", "/session", Some(&capabilities))["sessionId"].as_str().unwrap().to_owned();
        Some(browser)
    }

    /// A WebDriver command: its `value`.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let session = if self.session.is_empty() { String::new() } else { format!("/session/{}", self.session) };
        let url = format!("{}{}{path}", self.base, if path == "/session" { "" } else { &session });
        let request = match method {
            "GET" => self.http.get(&url),
            "DELETE" => self.http.delete(&url),
            _ => self.http.post(&url).json(body.unwrap_or(&json!({}))),
        };
        let answer: Value = request.send().unwrap().json().unwrap();
        assert!(answer["value"]["error"].is_null(), "{method} {path}: {answer}");
        answer["value"].clone()
    }

    fn go(&self, url: &str) {
        self.call("POST", "/url", Some(&json!({ "url": url })));
    }

    fn url(&self) -> String {
        self.call("GET", "/url", None).as_str().unwrap().to_owned()
    }

    fn find_all(&self, css: &str) -> Vec<String> {
        let found = self.call("POST", "/elements", Some(&json!({ "using": "css selector", "value": css })));
        found.as_array().unwrap().iter().map(|e| e[ELEMENT].as_str().unwrap().to_owned()).collect()
    }

    fn find(&self, css: &str) -> String {
        let mut found = self.find_all(css);
        assert_eq!(found.len(), 1, "{css}: {} elements", found.len());
        found.remove(0)
    }

    fn attr(&self, element: &str, name: &str) -> String {
        self.call("GET", &format!("/element/{element}/attribute/{name}"), None).as_str().unwrap_or_default().to_owned()
    }

    fn text(&self, element: &str) -> String {
        self.call("GET", &format!("/element/{element}/text"), None).as_str().unwrap().to_owned()
    }

    fn type_into(&self, css: &str, text: &str) {
        self.call("POST", &format!("/element/{}/value", self.find(css)), Some(&json!({ "text": text })));
    }

    fn click(&self, css: &str) {
        self.call("POST", &format!("/element/{}/click", self.find(css)), None);
    }

    /// Clicks the submit button `css` and waits (at most 10 s) until the page it leads to, whose
    /// URL contains `url_part`, has loaded: under load the click can return before it has.
    fn submit(&self, css: &str, url_part: &str) {
        self.click(css);
        let ready = json!({ "script": "return document.readyState", "args": [] });
        let loaded = (0..200).any(|_| {
            let done = self.url().contains(url_part) && self.call("POST", "/execute/sync", Some(&ready)) == "complete";
            done || {
                std::thread::sleep(std::time::Duration::from_millis(50));
                false
            }
        });
        assert!(loaded, "{css}: no page with {url_part} loaded within 10 s (at {})", self.url());
    }

    /// The numbers of the `td`/`th` cells under `css` with a `data-severity`, by it.
    fn counts(&self, css: &str) -> Vec<(String, u64)> {
        self.find_all(&format!("{css} [data-severity]"))
            .iter()
            .map(|cell| (self.attr(cell, "data-severity"), self.text(cell).parse().unwrap()))
            .collect()
    }

    /// A PNG of the window at `path`.
    fn screenshot(&self, path: &Path) {
        use base64::Engine as _;
        let png = base64::engine::general_purpose::STANDARD
            .decode(self.call("GET", "/screenshot", None).as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000, "{} bytes", png.len());
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.http.delete(format!("{}/session/{}", self.base, self.session)).send();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The severities as the dashboard's columns show them, most severe first.
const SEVERITIES: [&str; 6] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO", "UNKNOWN"];

/// The counts of an API scan, in the dashboard's column order, then its KEV count.
fn api_counts(scan: &Value) -> Vec<(String, u64)> {
    let mut counts: Vec<(String, u64)> =
        SEVERITIES.iter().map(|s| ((*s).to_owned(), scan["summary"][s].as_u64().unwrap_or(0))).collect();
    counts.push(("KEV".to_owned(), scan["kev"].as_u64().unwrap()));
    counts
}

/// Where screenshots are kept: `$HULLGUARD_ARTIFACTS` (CI), else the test target's folder.
fn artifacts() -> PathBuf {
    std::env::var_os("HULLGUARD_ARTIFACTS").map_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")), PathBuf::from)
}

#[test]
fn the_dashboard_needs_a_token_and_shows_the_apis_numbers_in_headless_chromium() {
    let Some(browser) = Browser::start() else { return };
    let updated = Updated::start(&[]);
    let pyyaml = json!({ "bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
        { "type": "library", "name": "PyYAML", "version": "5.3.1", "purl": "pkg:pypi/pyyaml@5.3.1" }
    ] });
    let small = updated.add("pyyaml-only", &pyyaml);
    assert_eq!(updated.update()["events"], 4);
    let (served, read) = (&updated.served, &updated.tokens.read);

    // Without a token (or with a wrong one) every page is the sign-in form, 401; a sign-in
    // sends the browser only to a page of this server.
    let plain = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for page in ["/dashboard", "/dashboard/changes", &format!("/dashboard/images/{}", updated.digest)] {
        let response = plain.get(served.url(page)).send().unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{page}");
        let body = response.text().unwrap();
        assert!(body.contains(r#"<form method="post" action="/dashboard/login" id="login">"#), "{body}");
        assert!(!body.contains("app-mixed"), "{page} shows data without a token");
    }
    let response = plain.get(served.url("/dashboard")).header("cookie", "hullguard_token=hgt_00").send().unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = form(plain.post(served.url("/dashboard/login")), &[("token", "hgt_00"), ("next", "/dashboard")])
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response =
        form(plain.post(served.url("/dashboard/login")), &[("token", read), ("next", "//elsewhere.example/")])
            .send()
            .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/dashboard");
    assert_eq!(
        response.headers()["set-cookie"],
        format!("hullguard_token={read}; Path=/dashboard; HttpOnly; SameSite=Strict")
    );

    // Sign in through the form, with a read token.
    browser.go(&served.url("/dashboard"));
    browser.type_into("#token", read);
    browser.click("#sign-in");
    assert_eq!(browser.url(), served.url("/dashboard"));

    // The fleet: each image's counts are the API's, worst severity first.
    let images = get_json(served, "/api/v1/images", read);
    let rows = browser.find_all("tr.image");
    assert_eq!(rows.len(), 2);
    let mut totals = vec![0; SEVERITIES.len() + 1];
    let mut shown_order = Vec::new();
    for row in &rows {
        let digest = browser.attr(row, "data-digest");
        let image = images.as_array().unwrap().iter().find(|i| i["digest"] == digest.as_str()).unwrap();
        let css = format!("tr.image[data-digest=\"{digest}\"]");
        let counts = browser.counts(&css);
        assert_eq!(counts, api_counts(&image["last_scan"]), "{digest}");
        assert_eq!(browser.attr(row, "data-kev"), image["last_scan"]["kev"].to_string());
        totals.iter_mut().zip(&counts).for_each(|(t, (_, n))| *t += n);
        shown_order.push(image["name"].as_str().unwrap().to_owned());
    }
    assert_eq!(browser.counts("#totals").into_iter().map(|(_, n)| n).collect::<Vec<_>>(), totals);
    // Worst first: app-mixed has HIGH findings, pyyaml-only's one (CVE-2020-14343, with no
    // CVSS in the PyPI feed) is UNKNOWN.
    let worst: Vec<String> = rows.iter().map(|r| browser.attr(r, "data-worst")).collect();
    assert_eq!(worst, ["HIGH", "UNKNOWN"], "{shown_order:?}");
    assert_eq!(shown_order, ["app-mixed", "pyyaml-only"]);
    let shot = artifacts().join("dashboard-fleet.png");
    browser.screenshot(&shot);
    eprintln!("dashboard screenshot: {}", shot.display());

    // An image's page: its counts and every current finding; then filtered by package and by severity.
    browser.click(&format!("a[href=\"/dashboard/images/{}\"]", updated.digest));
    let scan =
        &images.as_array().unwrap().iter().find(|i| i["digest"] == updated.digest.as_str()).unwrap()["last_scan"];
    assert_eq!(browser.counts("#summary"), api_counts(scan));
    let findings = |query: &str| -> Vec<String> {
        let listed = get_json(served, &format!("/api/v1/findings?image={}&limit=10000{query}", updated.digest), read);
        listed.as_array().unwrap().iter().map(|f| f["vulnerability"].as_str().unwrap().to_owned()).collect()
    };
    let shown = |browser: &Browser| -> Vec<String> {
        browser.find_all("tr.finding").iter().map(|r| browser.attr(r, "data-vulnerability")).collect()
    };
    let all = findings("");
    assert_eq!(shown(&browser), all);
    assert_eq!(
        all.len() as u64,
        scan["summary"].as_object().unwrap().values().map(|n| n.as_u64().unwrap()).sum::<u64>()
    );
    browser.type_into("#package", "Django");
    browser.submit("#apply", "package=Django");
    let django = findings("&package=Django");
    assert!(!django.is_empty());
    assert_eq!(shown(&browser), django);
    assert_eq!(browser.attr(&browser.find("#shown"), "data-count"), django.len().to_string());
    // The most severe of Django's findings, as the API rates it.
    let top = get_json(served, &format!("/api/v1/findings?image={}&package=Django&limit=1", updated.digest), read)[0]
        ["severity"]
        .as_str()
        .unwrap()
        .to_owned();
    browser.click(&format!("#severity option[value=\"{top}\"]"));
    browser.submit("#apply", &format!("severity={top}&package=Django"));
    let top_django = findings(&format!("&package=Django&severity={top}"));
    assert!(!top_django.is_empty());
    assert_eq!(shown(&browser), top_django);
    assert!(browser.url().contains(&format!("severity={top}&package=Django")), "{}", browser.url());

    // What the update changed: the events of the database in use, by kind, as the API lists them.
    browser.click("a[href=\"/dashboard/changes\"]");
    let events = updated.events();
    assert_eq!(events.len(), 4);
    let kinds: Vec<(String, u64)> = browser
        .find_all("#kinds td[data-kind]")
        .iter()
        .map(|c| (browser.attr(c, "data-kind"), browser.text(c).parse().unwrap()))
        .collect();
    let count = |kind: &str| events.iter().filter(|e| e["kind"] == kind).count() as u64;
    let expected: Vec<(String, u64)> =
        ["fixed_upstream", "new_finding", "withdrawn"].iter().map(|k| ((*k).to_owned(), count(k))).collect();
    assert_eq!(kinds, expected);
    assert_eq!(expected.iter().map(|(_, n)| *n).collect::<Vec<_>>(), [1, 2, 1]);
    let ids: Vec<String> = browser.find_all("tr.event").iter().map(|r| browser.attr(r, "data-id")).collect();
    assert_eq!(ids, events.iter().map(|e| e["id"].to_string()).collect::<Vec<_>>());
    assert!(events.iter().any(|e| e["digest"] == small["digest"] && e["kind"] == "new_finding"));
    let shot = artifacts().join("dashboard-changes.png");
    browser.screenshot(&shot);
    eprintln!("dashboard screenshot: {}", shot.display());

    // Signing out leaves the sign-in form.
    browser.click("header button");
    assert!(!browser.find_all("#token").is_empty());
    browser.go(&served.url("/dashboard/changes"));
    assert!(!browser.find_all("#token").is_empty());
}
