//! `hullguard db update`: fetching the production feeds over HTTP(S) into a
//! local mirror folder laid out as [`crate::feeds::discover`] expects
//! (`osv/PyPI.zip`, `kev/known_exploited_vulnerabilities.json`,
//! `debian/debian-tracker.json`, `alpine/vX.Y/main.json`).
//!
//! Every download goes to a temporary file in the mirror folder, is checked
//! (a zip must open as a zip, JSON must parse) and is renamed into place only
//! once every feed has been fetched: a failed or corrupt download leaves the
//! mirror as it was. Conditional requests (`If-None-Match`,
//! `If-Modified-Since`, from `state.json` in the mirror folder) keep
//! unchanged feeds from being downloaded again. OSV's incremental
//! `modified_id.csv` is not used: each OSV ecosystem is fetched as a whole.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The largest download accepted for one feed.
pub const MAX_DOWNLOAD_BYTES: u64 = 2 << 30;

/// How long to wait for a connection to a feed server.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long to wait for the answer's head, and for each next bytes of its body.
pub const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// The name of the state file in the mirror folder.
pub const STATE_FILE: &str = "state.json";

/// The OSV ecosystems fetched by default (folder names of the OSV bucket).
pub const OSV_ECOSYSTEMS: &[&str] =
    &["PyPI", "Go", "crates.io", "npm", "Maven", "RubyGems", "Packagist", "NuGet", "AlmaLinux"];

/// The Alpine releases whose secdb (`main.json`) is fetched by default.
pub const ALPINE_RELEASES: &[&str] = &["v3.20", "v3.21", "v3.22", "v3.23"];

/// One feed to fetch: where it goes in the mirror and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    /// The path in the mirror folder, `/`-separated (e.g. `osv/PyPI.zip`).
    pub path: String,
    /// The URL it is fetched from.
    pub url: String,
}

/// The production feeds: the OSV per-ecosystem dumps, CISA KEV, the Debian
/// security tracker JSON and Alpine secdb.
pub fn production_feeds() -> Vec<Remote> {
    let mut feeds: Vec<Remote> = OSV_ECOSYSTEMS
        .iter()
        .map(|eco| Remote {
            path: format!("osv/{eco}.zip"),
            url: format!("https://storage.googleapis.com/osv-vulnerabilities/{eco}/all.zip"),
        })
        .collect();
    feeds.push(Remote {
        path: "kev/known_exploited_vulnerabilities.json".to_owned(),
        url: "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json".to_owned(),
    });
    feeds.push(Remote {
        path: "debian/debian-tracker.json".to_owned(),
        url: "https://security-tracker.debian.org/tracker/data/json".to_owned(),
    });
    feeds.extend(ALPINE_RELEASES.iter().map(|rel| Remote {
        path: format!("alpine/{rel}/main.json"),
        url: format!("https://secdb.alpinelinux.org/{rel}/main.json"),
    }));
    feeds
}

/// The production feeds with every URL replaced by `base/<mirror path>`, so
/// that one server laid out like the mirror folder serves them all.
pub fn mirrored_feeds(base: &str) -> Vec<Remote> {
    let base = base.trim_end_matches('/');
    production_feeds().into_iter().map(|r| Remote { url: format!("{base}/{}", r.path), path: r.path }).collect()
}

/// An error of `db update`; each names the URL or file concerned.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// The HTTP client could not be set up.
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    /// The request failed (connection refused or dropped, timeout, TLS …).
    #[error("cannot fetch {url}: {problem}")]
    Fetch {
        /// The feed URL.
        url: String,
        /// What went wrong.
        problem: String,
    },
    /// The server answered with an error status.
    #[error("cannot fetch {url}: server answered HTTP {status}")]
    Status {
        /// The feed URL.
        url: String,
        /// The HTTP status code.
        status: u16,
    },
    /// The download is not what the feed should be (truncated zip, broken JSON).
    #[error("corrupt download from {url}: {problem} (kept the previous copy)")]
    Corrupt {
        /// The feed URL.
        url: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The download exceeds [`MAX_DOWNLOAD_BYTES`].
    #[error("download from {url} exceeds {limit} bytes")]
    TooLarge {
        /// The feed URL.
        url: String,
        /// The cap.
        limit: u64,
    },
    /// Reading or writing the mirror folder failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// What was last fetched for one feed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedState {
    /// The URL it came from; validators are only sent to the same URL.
    pub url: String,
    /// The server's `ETag`, if any.
    pub etag: Option<String>,
    /// The server's `Last-Modified`, if any.
    pub last_modified: Option<String>,
    /// sha256 of the file, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// The mirror's state file: one entry per mirror path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// Feeds by mirror path.
    pub feeds: BTreeMap<String, FeedState>,
}

impl State {
    /// Reads `state.json` from `mirror`; a missing or unreadable state is
    /// empty (everything is then fetched unconditionally).
    pub fn load(mirror: &Path) -> State {
        std::fs::read(mirror.join(STATE_FILE)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    /// Writes `state.json` into `mirror` (temporary file, then rename).
    ///
    /// # Errors
    ///
    /// When the file cannot be written.
    pub fn save(&self, mirror: &Path) -> Result<(), UpdateError> {
        let path = mirror.join(STATE_FILE);
        let temp = mirror.join(format!(".{STATE_FILE}.part-{}", std::process::id()));
        let io = |source| UpdateError::Io { path: path.clone(), source };
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| io(std::io::Error::other(e)))?;
        std::fs::write(&temp, bytes).map_err(io)?;
        std::fs::rename(&temp, &path).map_err(io)
    }
}

/// How one feed fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new version was downloaded.
    Fetched,
    /// The server said, or the content shows, that it has not changed.
    Unchanged,
    /// The server does not have it (HTTP 404); `cached` tells whether an
    /// older copy is kept in the mirror.
    Missing {
        /// Whether the mirror still holds an earlier copy.
        cached: bool,
    },
}

/// The result of [`fetch`].
#[derive(Debug, Clone, Default)]
pub struct FetchReport {
    /// Each feed's mirror path and outcome, in list order.
    pub feeds: Vec<(Remote, Outcome)>,
}

impl FetchReport {
    /// How many feeds had `outcome`-like results: (fetched, unchanged, missing).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for (_, o) in &self.feeds {
            match o {
                Outcome::Fetched => c.0 += 1,
                Outcome::Unchanged => c.1 += 1,
                Outcome::Missing { .. } => c.2 += 1,
            }
        }
        c
    }

    /// Whether any feed was downloaded anew.
    pub fn changed(&self) -> bool {
        self.feeds.iter().any(|(_, o)| *o == Outcome::Fetched)
    }
}

/// A downloaded file waiting to be renamed into place; removed if dropped.
struct Pending {
    temp: PathBuf,
    target: PathBuf,
    path: String,
    state: FeedState,
}

impl Drop for Pending {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// Fetches `remotes` into the `mirror` folder: all or nothing. Feeds the
/// server does not have (404) are reported as [`Outcome::Missing`]; any other
/// failure, and any corrupt download, leaves the mirror folder as it was.
/// The new state is returned, to be saved with [`State::save`] once the
/// database has been rebuilt from the mirror.
///
/// # Errors
///
/// The first feed that cannot be fetched or is corrupt, or a mirror folder
/// that cannot be written.
pub fn fetch(mirror: &Path, remotes: &[Remote]) -> Result<(FetchReport, State), UpdateError> {
    std::fs::create_dir_all(mirror).map_err(|source| UpdateError::Io { path: mirror.to_owned(), source })?;
    let client = reqwest::blocking::Client::builder()
        .user_agent(concat!("hullguard/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        // The blocking client applies this to the wait for the answer's head and to each read of
        // the body, not to the whole download: an idle timeout, however long the download takes.
        .timeout(READ_TIMEOUT)
        .build()
        .map_err(|e| UpdateError::Client(chain(&e)))?;
    let old = State::load(mirror);
    let mut state = old.clone();
    let mut report = FetchReport::default();
    let mut pending = Vec::new();
    for (i, remote) in remotes.iter().enumerate() {
        let target = mirror.join(&remote.path);
        let temp = mirror.join(format!(".part-{}-{i}", std::process::id()));
        let previous = old.feeds.get(&remote.path).filter(|s| s.url == remote.url && target.is_file());
        let outcome = match fetch_one(&client, remote, previous, &temp)? {
            Fetched::NotModified => Outcome::Unchanged,
            Fetched::NotFound => Outcome::Missing { cached: target.is_file() },
            Fetched::Body(new) => {
                let file = Pending { temp, target, path: remote.path.clone(), state: new };
                validate(&file.temp, &remote.path, &remote.url)?;
                if previous.is_some_and(|p| p.sha256 == file.state.sha256) {
                    // Same bytes (a server without validators): keep the file, refresh the validators.
                    state.feeds.insert(remote.path.clone(), file.state.clone());
                    Outcome::Unchanged
                } else {
                    pending.push(file);
                    Outcome::Fetched
                }
            }
        };
        report.feeds.push((remote.clone(), outcome));
    }
    for file in &pending {
        if let Some(dir) = file.target.parent() {
            std::fs::create_dir_all(dir).map_err(|source| UpdateError::Io { path: dir.to_owned(), source })?;
        }
        std::fs::rename(&file.temp, &file.target)
            .map_err(|source| UpdateError::Io { path: file.target.clone(), source })?;
        state.feeds.insert(file.path.clone(), file.state.clone());
    }
    Ok((report, state))
}

/// What one request brought.
enum Fetched {
    NotModified,
    NotFound,
    Body(FeedState),
}

/// Fetches one feed into `temp`, conditionally on `previous`.
fn fetch_one(
    client: &reqwest::blocking::Client,
    remote: &Remote,
    previous: Option<&FeedState>,
    temp: &Path,
) -> Result<Fetched, UpdateError> {
    use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
    let url = &remote.url;
    let fail = |e: &dyn std::error::Error| UpdateError::Fetch { url: url.clone(), problem: chain(e) };
    let mut request = client.get(url);
    if let Some(p) = previous {
        if let Some(etag) = &p.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &p.last_modified {
            request = request.header(IF_MODIFIED_SINCE, lm);
        }
    }
    let response = request.send().map_err(|e| fail(&e.without_url()))?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    if status == reqwest::StatusCode::NOT_FOUND {
        return Ok(Fetched::NotFound);
    }
    if !status.is_success() {
        return Err(UpdateError::Status { url: url.clone(), status: status.as_u16() });
    }
    if response.content_length().is_some_and(|n| n > MAX_DOWNLOAD_BYTES) {
        return Err(UpdateError::TooLarge { url: url.clone(), limit: MAX_DOWNLOAD_BYTES });
    }
    let header = |name| response.headers().get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok());
    let etag = header(ETAG).map(str::to_owned);
    let last_modified = header(LAST_MODIFIED).map(str::to_owned);
    let expected = response.content_length();
    let io = |source| UpdateError::Io { path: temp.to_owned(), source };
    let file = std::fs::File::create(temp).map_err(io)?;
    let mut sink = HashingWriter { inner: std::io::BufWriter::new(file), hasher: Sha256::new(), size: 0 };
    let mut body = response.take(MAX_DOWNLOAD_BYTES + 1);
    // A read error is the connection's; a write error is the disk's.
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = std::fs::remove_file(temp);
                return Err(fail(&e));
            }
        };
        if let Err(e) = sink.write_all(&buf[..n]) {
            let _ = std::fs::remove_file(temp);
            return Err(io(e));
        }
    }
    let size = sink.size;
    let sha256 = hex(&sink.hasher.finalize_reset());
    let done = sink.inner.into_inner().map_err(|e| e.into_error()).and_then(|f| f.sync_all());
    if let Err(e) = done {
        let _ = std::fs::remove_file(temp);
        return Err(io(e));
    }
    if size > MAX_DOWNLOAD_BYTES {
        let _ = std::fs::remove_file(temp);
        return Err(UpdateError::TooLarge { url: url.clone(), limit: MAX_DOWNLOAD_BYTES });
    }
    if expected.is_some_and(|n| n != size) {
        let _ = std::fs::remove_file(temp);
        return Err(UpdateError::Fetch {
            url: url.clone(),
            problem: format!("connection closed after {size} of {} bytes", expected.unwrap_or_default()),
        });
    }
    Ok(Fetched::Body(FeedState { url: url.clone(), etag, last_modified, sha256, size }))
}

/// Checks a download cheaply: zips must open (central directory), JSON
/// must parse.
fn validate(temp: &Path, path: &str, url: &str) -> Result<(), UpdateError> {
    let corrupt = |problem: String| UpdateError::Corrupt { url: url.to_owned(), problem };
    let file = std::fs::File::open(temp).map_err(|source| UpdateError::Io { path: temp.to_owned(), source })?;
    if path.ends_with(".zip") {
        zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| corrupt(format!("not a zip archive: {e}")))?;
    } else if path.ends_with(".json") {
        serde_json::from_reader::<_, serde::de::IgnoredAny>(std::io::BufReader::new(file))
            .map_err(|e| corrupt(format!("not valid JSON: {e}")))?;
    }
    Ok(())
}

/// A writer that hashes and counts what passes through.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Lower-case hex.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// An error and its sources on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_paths_match_what_discover_recognises() {
        let feeds = mirrored_feeds("http://127.0.0.1:9/base/");
        assert_eq!(
            feeds[0],
            Remote { path: "osv/PyPI.zip".into(), url: "http://127.0.0.1:9/base/osv/PyPI.zip".into() }
        );
        assert!(feeds.iter().all(|f| f.url.starts_with("http://127.0.0.1:9/base/") && !f.url.contains("//osv")));
        let prod = production_feeds();
        assert_eq!(prod[2].url, "https://storage.googleapis.com/osv-vulnerabilities/crates.io/all.zip");
        assert!(prod.iter().any(|f| f.path == "kev/known_exploited_vulnerabilities.json"));
        assert!(prod.iter().any(|f| f.path == "alpine/v3.22/main.json"
            && f.url == "https://secdb.alpinelinux.org/v3.22/main.json"));
        // The mirror layout is what `feeds::discover` reads back.
        let dir = tempfile::tempdir().unwrap();
        for f in &prod {
            let p = dir.path().join(&f.path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"{}").unwrap();
        }
        let names: Vec<String> = crate::feeds::discover(dir.path()).unwrap().into_iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                "osv/AlmaLinux",
                "osv/Go",
                "osv/Maven",
                "osv/NuGet",
                "osv/Packagist",
                "osv/PyPI",
                "osv/RubyGems",
                "osv/crates.io",
                "osv/npm",
                "debian/tracker-json",
                "kev",
                "alpine/secdb"
            ]
        );
    }

    #[test]
    fn validation_rejects_truncated_zip_and_broken_json() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("a");
        std::fs::write(&zip, b"PK\x03\x04 truncated").unwrap();
        let err = validate(&zip, "osv/Go.zip", "http://x/osv/Go.zip").unwrap_err().to_string();
        assert!(err.starts_with("corrupt download from http://x/osv/Go.zip: not a zip archive"), "{err}");
        std::fs::write(&zip, b"{\"a\": [1, 2").unwrap();
        let err = validate(&zip, "kev/k.json", "http://x/kev/k.json").unwrap_err().to_string();
        assert!(err.starts_with("corrupt download from http://x/kev/k.json: not valid JSON"), "{err}");
        std::fs::write(&zip, b"{\"a\": [1, 2]}").unwrap();
        assert!(validate(&zip, "kev/k.json", "u").is_ok());
    }

    #[test]
    fn state_round_trips_and_missing_state_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(State::load(dir.path()), State::default());
        let mut state = State::default();
        state.feeds.insert(
            "osv/Go.zip".into(),
            FeedState {
                url: "u".into(),
                etag: Some("\"e\"".into()),
                last_modified: None,
                sha256: "ab".into(),
                size: 3,
            },
        );
        state.save(dir.path()).unwrap();
        assert_eq!(State::load(dir.path()), state);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }
}
