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
//! unchanged feeds from being downloaded again.
//!
//! The whole update runs under a deadline, and each download must keep up a
//! minimum rate ([`Limits`]); redirects are followed only to the same host
//! (scheme, host and port), or to the hosts [`Limits::redirect_hosts`] names.
//! Temporary files (`.part-<pid>-…`) a killed update left behind are
//! removed when the next one starts.
//!
//! OSV ecosystems are updated incrementally once the mirror holds their zip:
//! `<Eco>/modified_id.csv` (newest first) is read down to the first line not
//! newer than the time recorded in `state.json` (`osv_since`), and only the
//! records listed above it are fetched, into the overlay folder
//! `osv/<Eco>-updates/` whose records replace the zip's at build time (see
//! [`crate::feeds::import`]). Without a `modified_id.csv` (HTTP 404), with a
//! listed record missing, or with an overlay that would grow beyond
//! [`MAX_OVERLAY_RECORDS`], the whole zip is fetched and the overlay cleared.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use hullguard_report::time;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The largest download accepted for one feed.
pub const MAX_DOWNLOAD_BYTES: u64 = 2 << 30;

/// How long to wait for a connection to a feed server.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 10;

/// The time and rate limits of an update, and where redirects may lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The whole update (every feed) must be done within this.
    pub deadline: Duration,
    /// Each download must bring at least this many bytes per second, measured
    /// over each `window` (0: no minimum).
    pub min_rate: u64,
    /// The span the rate is measured over; also the longest wait for the
    /// answer's head or for the next bytes of its body.
    pub window: Duration,
    /// Hosts (`host` or `host:port`) besides the feed's own that redirects
    /// may lead to.
    pub redirect_hosts: Vec<String>,
}

impl Default for Limits {
    /// 30 minutes for the update, 1 KiB/s over 30 s windows, same-host redirects only.
    fn default() -> Self {
        Limits {
            deadline: Duration::from_secs(30 * 60),
            min_rate: 1024,
            window: Duration::from_secs(30),
            redirect_hosts: Vec::new(),
        }
    }
}

/// The name of the state file in the mirror folder.
pub const STATE_FILE: &str = "state.json";

/// The most records an OSV overlay folder may hold; beyond, the whole zip is
/// fetched again instead.
pub const MAX_OVERLAY_RECORDS: usize = 5000;

/// The largest drop, in percent, of a feed's record count an update may
/// bring without `--force`.
pub const MAX_RECORD_DROP_PERCENT: usize = 10;

/// What a new database would lose against the one it replaces: each feed
/// of `old` with records missing from `new`, or with more than
/// [`MAX_RECORD_DROP_PERCENT`] fewer records (`name: old → new records`),
/// joined on one line; `None` when coverage holds.
pub fn coverage_loss(old: &crate::db::DbInfo, new: &crate::db::DbInfo) -> Option<String> {
    let mut lost = Vec::new();
    for was in &old.sources {
        let now = new.sources.iter().filter(|s| s.name == was.name).map(|s| s.records).sum::<usize>();
        let found = new.sources.iter().any(|s| s.name == was.name);
        if !found && was.records > 0 {
            lost.push(format!("{} gone ({} records)", was.name, was.records));
        } else if now * 100 < was.records * (100 - MAX_RECORD_DROP_PERCENT) {
            lost.push(format!("{}: {} → {now} records", was.name, was.records));
        }
    }
    (!lost.is_empty()).then(|| lost.join(", "))
}

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
    /// The update's deadline ([`Limits::deadline`]) passed during this download.
    #[error("cannot fetch {url}: the update's time limit of {} s ran out", .limit.as_secs())]
    Deadline {
        /// The feed URL.
        url: String,
        /// The deadline.
        limit: Duration,
    },
    /// A download fell below [`Limits::min_rate`].
    #[error("cannot fetch {url}: too slow: {bytes} bytes in {:.1} s, below the minimum of {min_rate} bytes/s", .window.as_secs_f64())]
    TooSlow {
        /// The feed URL.
        url: String,
        /// Bytes received in the window.
        bytes: u64,
        /// The window.
        window: Duration,
        /// The minimum rate.
        min_rate: u64,
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
    /// For an OSV zip: the time (RFC 3339, UTC) up to which the mirror (zip
    /// plus overlay) holds every record; the next update fetches the records
    /// `modified_id.csv` lists as modified after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub osv_since: Option<String>,
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

/// The HTTP client of one update, with its limits and deadline.
struct Net<'a> {
    client: reqwest::blocking::Client,
    limits: &'a Limits,
    deadline: std::time::Instant,
}

impl<'a> Net<'a> {
    fn new(limits: &'a Limits) -> Result<Net<'a>, UpdateError> {
        let allowed = limits.redirect_hosts.clone();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            let first = attempt.previous().first().map(origin).unwrap_or_default();
            let next = origin(attempt.url());
            if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
            } else if next == first || allowed.iter().any(|h| *h == next.1 || next.1.starts_with(&format!("{h}:"))) {
                attempt.follow()
            } else {
                let to = attempt.url().to_string();
                attempt.error(format!(
                    "redirect to another host refused: {to} (allow it with --allow-redirect {})",
                    next.1
                ))
            }
        });
        let client = reqwest::blocking::Client::builder()
            .user_agent(concat!("hullguard/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT.min(limits.window))
            // The blocking client applies this to the wait for the answer's head and to each read
            // of the body: an idle timeout. The deadline is checked between reads.
            .timeout(limits.window)
            .redirect(redirects)
            .build()
            .map_err(|e| UpdateError::Client(chain(&e)))?;
        Ok(Net { client, limits, deadline: std::time::Instant::now() + limits.deadline })
    }

    /// A GET of `url`, unless the deadline has passed.
    fn get(&self, url: &str) -> Result<reqwest::blocking::RequestBuilder, UpdateError> {
        self.check_deadline(url)?;
        Ok(self.client.get(url))
    }

    fn check_deadline(&self, url: &str) -> Result<(), UpdateError> {
        if std::time::Instant::now() >= self.deadline {
            return Err(UpdateError::Deadline { url: url.to_owned(), limit: self.limits.deadline });
        }
        Ok(())
    }

    /// The error of a failed request or read: the deadline's if it has passed.
    fn failed(&self, url: &str, e: &dyn std::error::Error) -> UpdateError {
        self.check_deadline(url).err().unwrap_or_else(|| UpdateError::Fetch { url: url.to_owned(), problem: chain(e) })
    }
}

/// The scheme and `host:port` of a URL (the port the scheme implies when none is given).
fn origin(url: &reqwest::Url) -> (String, String) {
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().map(|p| format!(":{p}")).unwrap_or_default();
    (url.scheme().to_owned(), format!("{host}{port}"))
}

/// A downloaded file waiting to be renamed into place; removed if dropped.
/// `state` is `None` for OSV overlay records, whose state is their zip's.
struct Pending {
    temp: PathBuf,
    target: PathBuf,
    path: String,
    state: Option<FeedState>,
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
pub fn fetch(mirror: &Path, remotes: &[Remote], limits: &Limits) -> Result<(FetchReport, State), UpdateError> {
    std::fs::create_dir_all(mirror).map_err(|source| UpdateError::Io { path: mirror.to_owned(), source })?;
    crate::temp::remove_stale(mirror, ".part-");
    crate::temp::remove_stale(mirror, &format!(".{STATE_FILE}.part-"));
    let net = Net::new(limits)?;
    let old = State::load(mirror);
    let mut state = old.clone();
    let mut report = FetchReport::default();
    let mut pending = Vec::new();
    // Overlay folders to empty: their zip was fetched whole.
    let mut clear = Vec::new();
    for (i, remote) in remotes.iter().enumerate() {
        let target = mirror.join(&remote.path);
        let temp = mirror.join(format!(".part-{}-{i}", std::process::id()));
        let mut previous = old.feeds.get(&remote.path).filter(|s| s.url == remote.url && target.is_file());
        let overlay = overlay_path(&remote.path).map(|p| mirror.join(p));
        if let (Some(dir), Some(prev)) = (&overlay, previous) {
            if let Some(since) = &prev.osv_since {
                let base = Temp { mirror, i };
                if let Some((files, new)) = incremental(&net, remote, prev, since, dir, &base)? {
                    let outcome = if files.is_empty() { Outcome::Unchanged } else { Outcome::Fetched };
                    pending.extend(files);
                    state.feeds.insert(remote.path.clone(), new);
                    report.feeds.push((remote.clone(), outcome));
                    continue;
                }
            }
            if count_json(dir) > 0 {
                // The zip is fetched whole and the overlay cleared: a 304 would keep the zip without
                // the overlay's newer records.
                previous = None;
            }
        }
        let started = std::time::SystemTime::now();
        let outcome = match fetch_one(&net, remote, previous, &temp)? {
            Fetched::NotModified => {
                // A mirror from before incremental updates: the zip is as old as its Last-Modified.
                if let (Some(_), Some(prev)) = (&overlay, previous)
                    && prev.osv_since.is_none()
                {
                    let mut new = prev.clone();
                    new.osv_since = Some(zip_since(prev.last_modified.as_deref(), started));
                    state.feeds.insert(remote.path.clone(), new);
                }
                Outcome::Unchanged
            }
            Fetched::NotFound => Outcome::Missing { cached: target.is_file() },
            Fetched::Body(mut new) => {
                if overlay.is_some() {
                    new.osv_since = Some(zip_since(new.last_modified.as_deref(), started));
                }
                // Removes the download when dropped (corrupt, or the same bytes).
                let mut file = Pending { temp, target, path: remote.path.clone(), state: None };
                validate(&file.temp, &remote.path, &remote.url)?;
                if previous.is_some_and(|p| p.sha256 == new.sha256) {
                    // Same bytes (a server without validators): keep the file, refresh the validators
                    // (but not the OSV time: the file is as old as it was).
                    new.osv_since = previous.and_then(|p| p.osv_since.clone());
                    state.feeds.insert(remote.path.clone(), new);
                    Outcome::Unchanged
                } else {
                    clear.extend(overlay);
                    file.state = Some(new);
                    pending.push(file);
                    Outcome::Fetched
                }
            }
        };
        report.feeds.push((remote.clone(), outcome));
    }
    for dir in &clear {
        if dir.is_dir() {
            std::fs::remove_dir_all(dir).map_err(|source| UpdateError::Io { path: dir.clone(), source })?;
        }
    }
    for file in &pending {
        if let Some(dir) = file.target.parent() {
            std::fs::create_dir_all(dir).map_err(|source| UpdateError::Io { path: dir.to_owned(), source })?;
        }
        std::fs::rename(&file.temp, &file.target)
            .map_err(|source| UpdateError::Io { path: file.target.clone(), source })?;
        if let Some(new) = &file.state {
            state.feeds.insert(file.path.clone(), new.clone());
        }
    }
    Ok((report, state))
}

/// The mirror path of the overlay folder of the OSV zip at mirror path
/// `zip` (`osv/Go.zip` → `osv/Go-updates`); `None` for other feeds.
pub fn overlay_path(zip: &str) -> Option<String> {
    let eco = zip.strip_prefix("osv/")?.strip_suffix(".zip")?;
    (!eco.is_empty() && !eco.contains('/')).then(|| format!("osv/{eco}-updates"))
}

/// The URL prefix of an OSV ecosystem's folder, from its zip's URL:
/// `…/Go/all.zip` (the OSV bucket) or `…/osv/Go.zip` (a mirror) give
/// `…/Go/` and `…/osv/Go/`, where `modified_id.csv` and `<ID>.json` live.
fn osv_folder(url: &str) -> Option<String> {
    url.strip_suffix("/all.zip").or_else(|| url.strip_suffix(".zip")).map(|u| format!("{u}/"))
}

/// Where temporary files of one feed go: `mirror/.part-<pid>-<i>-<n>`.
struct Temp<'a> {
    mirror: &'a Path,
    i: usize,
}

impl Temp<'_> {
    fn file(&self, n: usize) -> PathBuf {
        self.mirror.join(format!(".part-{}-{}-{n}", std::process::id(), self.i))
    }
}

/// Tries an incremental update of the OSV zip `remote` into the overlay
/// folder `overlay`: the records `modified_id.csv` lists as modified after
/// `since`, each checked to parse as OSV, waiting to be renamed into place,
/// and the feed's new state. `None` when the zip must be fetched whole
/// instead (no `modified_id.csv`, a listed record missing, an overlay
/// beyond [`MAX_OVERLAY_RECORDS`]).
///
/// # Errors
///
/// A failed request, a malformed `modified_id.csv` line, or a record that is
/// not valid OSV (or not the listed id).
fn incremental(
    net: &Net<'_>,
    remote: &Remote,
    previous: &FeedState,
    since: &str,
    overlay: &Path,
    temp: &Temp<'_>,
) -> Result<Option<(Vec<Pending>, FeedState)>, UpdateError> {
    let Some(folder) = osv_folder(&remote.url) else { return Ok(None) };
    let csv = Remote { path: format!("{}.csv", remote.path), url: format!("{folder}modified_id.csv") };
    let csv_file = temp.file(0);
    match fetch_one(net, &csv, None, &csv_file)? {
        Fetched::NotFound | Fetched::NotModified => return Ok(None),
        Fetched::Body(_) => {}
    }
    let text = std::fs::read(&csv_file).map_err(|source| UpdateError::Io { path: csv_file.clone(), source });
    let _ = std::fs::remove_file(&csv_file);
    let text = String::from_utf8_lossy(&text?).into_owned();
    let (ids, newest) =
        modified_since(&text, since).map_err(|problem| UpdateError::Corrupt { url: csv.url, problem })?;
    let existing: std::collections::BTreeSet<String> = std::fs::read_dir(overlay)
        .map(|dir| dir.filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".json").map(str::to_owned)).collect())
        .unwrap_or_default();
    if existing.len() + ids.iter().filter(|id| !existing.contains(*id)).count() > MAX_OVERLAY_RECORDS {
        return Ok(None);
    }
    let mut files = Vec::with_capacity(ids.len());
    for (n, id) in ids.iter().enumerate() {
        let record = Remote { path: format!("{}/{id}.json", overlay.display()), url: format!("{folder}{id}.json") };
        let file = temp.file(n + 1);
        match fetch_one(net, &record, None, &file)? {
            Fetched::NotFound | Fetched::NotModified => return Ok(None),
            Fetched::Body(_) => {}
        }
        let pending =
            Pending { temp: file, target: overlay.join(format!("{id}.json")), path: record.path, state: None };
        let corrupt = |problem: String| UpdateError::Corrupt { url: record.url.clone(), problem };
        let advisory = crate::import::osv::read_record(&pending.temp).map_err(|e| corrupt(chain(&e)))?;
        if advisory.id != *id {
            return Err(corrupt(format!("the record is {}, not {id}", advisory.id)));
        }
        files.push(pending);
    }
    let mut state = previous.clone();
    state.osv_since = newest.or_else(|| previous.osv_since.clone());
    Ok(Some((files, state)))
}

/// The ids `modified_id.csv` (`<RFC 3339 time>,[<folder>/]<id>` lines,
/// newest first) lists as modified after `since`, without repeats, and the
/// newest time listed (normalised, when newer than `since`).
///
/// # Errors
///
/// A line that is not a UTC time, a comma and a plain id.
fn modified_since(csv: &str, since: &str) -> Result<(Vec<String>, Option<String>), String> {
    let since = utc_key(since).ok_or_else(|| format!("recorded time {since:?} is not an RFC 3339 UTC time"))?;
    let mut ids: Vec<String> = Vec::new();
    let mut newest = None;
    for (n, line) in csv.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |what: &str| format!("line {}: {what}: {line:?}", n + 1);
        let (time, name) = line.split_once(',').ok_or_else(|| bad("expected <time>,<id>"))?;
        let time = utc_key(time.trim()).ok_or_else(|| bad("not an RFC 3339 UTC time"))?;
        if time <= since {
            break;
        }
        let id = name.trim().rsplit('/').next().unwrap_or_default();
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
        if id.is_empty() || id.starts_with('.') || !id.chars().all(plain) {
            return Err(bad("not a record id"));
        }
        newest.get_or_insert_with(|| time.clone());
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_owned());
        }
    }
    Ok((ids, newest))
}

/// An RFC 3339 UTC time (`Z` or `+00:00`, optional fraction) in a form that
/// sorts as text: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`. `None` if it is not one.
fn utc_key(text: &str) -> Option<String> {
    let body = text.strip_suffix('Z').or_else(|| text.strip_suffix("+00:00"))?;
    let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
    if !time::is_rfc3339_date_time(text) || whole.len() != 19 || fraction.len() > 9 {
        return None;
    }
    Some(format!("{}T{}.{fraction:0<9}Z", &whole[..10], &whole[11..19]))
}

/// The time an OSV zip is complete up to: its `Last-Modified` (an HTTP
/// IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT`), else the time the
/// request was sent; as [`utc_key`] gives it.
fn zip_since(last_modified: Option<&str>, requested: std::time::SystemTime) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let parsed = last_modified.and_then(|lm| {
        let f: Vec<&str> = lm.split_whitespace().collect();
        if f.len() != 6 || f[5] != "GMT" {
            return None;
        }
        let month = MONTHS.iter().position(|m| *m == f[2])? + 1;
        let day: u32 = f[1].parse().ok()?;
        let year: u32 = f[3].parse().ok()?;
        utc_key(&format!("{year:04}-{month:02}-{day:02}T{}Z", f[4]))
    });
    parsed.or_else(|| utc_key(&time::rfc3339_utc(requested))).unwrap_or_default()
}

/// How many `*.json` files `dir` holds (0 if it does not exist).
fn count_json(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| {
        d.filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))).count()
    })
}

/// What one request brought.
enum Fetched {
    NotModified,
    NotFound,
    Body(FeedState),
}

/// Fetches one feed into `temp`, conditionally on `previous`.
fn fetch_one(
    net: &Net<'_>,
    remote: &Remote,
    previous: Option<&FeedState>,
    temp: &Path,
) -> Result<Fetched, UpdateError> {
    use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
    let url = &remote.url;
    let fail = |e: &dyn std::error::Error| net.failed(url, e);
    let mut request = net.get(url)?;
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
    let mut rate = RateCheck::new(net.limits);
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            // Nothing came for a whole window.
            Err(e) if timed_out(&e) => {
                let _ = std::fs::remove_file(temp);
                return Err(net.check_deadline(url).err().unwrap_or_else(|| rate.too_slow(url, rate.bytes)));
            }
            Err(e) => {
                let _ = std::fs::remove_file(temp);
                return Err(fail(&e));
            }
        };
        let slow = rate.add(n as u64).err().map(|bytes| rate.too_slow(url, bytes));
        if let Some(e) = net.check_deadline(url).err().or(slow) {
            let _ = std::fs::remove_file(temp);
            return Err(e);
        }
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
    Ok(Fetched::Body(FeedState { url: url.clone(), etag, last_modified, sha256, size, osv_since: None }))
}

/// Whether a read of a body failed for its timeout (the blocking client
/// wraps its own error, which says so, in an I/O error).
fn timed_out(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::TimedOut
        || e.get_ref().and_then(|inner| inner.downcast_ref::<reqwest::Error>()).is_some_and(reqwest::Error::is_timeout)
}

/// The minimum-rate check of one download: the bytes of each window of
/// [`Limits::window`] must reach [`Limits::min_rate`] × the window.
struct RateCheck {
    started: std::time::Instant,
    bytes: u64,
    window: Duration,
    min_rate: u64,
}

impl RateCheck {
    fn new(limits: &Limits) -> RateCheck {
        RateCheck { started: std::time::Instant::now(), bytes: 0, window: limits.window, min_rate: limits.min_rate }
    }

    fn too_slow(&self, url: &str, bytes: u64) -> UpdateError {
        UpdateError::TooSlow { url: url.to_owned(), bytes, window: self.window, min_rate: self.min_rate }
    }

    /// Counts `n` bytes just received; `Err` with the window's bytes when a
    /// whole window passed below the minimum.
    fn add(&mut self, n: u64) -> Result<(), u64> {
        self.bytes += n;
        if self.started.elapsed() < self.window {
            return Ok(());
        }
        if u128::from(self.bytes) * 1000 < u128::from(self.min_rate) * self.window.as_millis() {
            return Err(self.bytes);
        }
        self.started = std::time::Instant::now();
        self.bytes = 0;
        Ok(())
    }
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
    fn coverage_loss_names_lost_feeds_and_drops_beyond_the_threshold() {
        use crate::db::tests::source;
        let info = |sources| crate::db::DbInfo::new("built".into(), sources, 0, 0);
        let old = info(vec![
            source("osv/Go", 1000, None),
            source("kev", 100, None),
            source("osv/npm", 50, None),
            source("debian/security-support-ended.deb11", 0, None),
        ]);
        let kept = info(vec![source("osv/Go", 900, None), source("kev", 120, None), source("osv/npm", 50, None)]);
        assert_eq!(coverage_loss(&old, &kept), None, "10% fewer is within the threshold");
        let cut = info(vec![source("osv/Go", 899, None), source("kev", 5, None), source("osv/PyPI", 9, None)]);
        assert_eq!(
            coverage_loss(&old, &cut).as_deref(),
            Some("osv/Go: 1000 → 899 records, kev: 100 → 5 records, osv/npm gone (50 records)")
        );
    }

    #[test]
    fn rate_check_fails_a_window_below_the_minimum() {
        let limits = Limits { min_rate: 1000, window: Duration::from_millis(50), ..Limits::default() };
        let mut rate = RateCheck::new(&limits);
        assert_eq!(rate.add(10), Ok(()), "the window is not over yet");
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(rate.add(10), Err(20), "20 bytes in 50 ms, 50 needed");
        let mut rate = RateCheck::new(&limits);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(rate.add(60), Ok(()), "a new window starts");
        assert_eq!(rate.bytes, 0);
        let none = Limits { min_rate: 0, window: Duration::ZERO, ..Limits::default() };
        assert_eq!(RateCheck::new(&none).add(0), Ok(()));
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
    fn modified_id_csv_is_read_down_to_the_recorded_time() {
        let csv = "2026-11-20T10:00:00.5Z,Go/GO-2026-0002\n2026-11-20T09:00:00Z,GO-2026-0001\n\
                   2026-11-20T08:00:00Z,Go/GO-2026-0002\n2026-11-19T00:00:00Z,Go/GO-OLD\nnot a line\n";
        let (ids, newest) = modified_since(csv, "2026-11-19T00:00:00Z").unwrap();
        assert_eq!(ids, ["GO-2026-0002", "GO-2026-0001"]);
        assert_eq!(newest.as_deref(), Some("2026-11-20T10:00:00.500000000Z"));
        // A fraction sorts after the whole second it refines.
        let (ids, newest) = modified_since(csv, "2026-11-20T10:00:00.000000000Z").unwrap();
        assert_eq!((ids.len(), newest.is_some()), (1, true));
        let (ids, newest) = modified_since(csv, "2026-11-20T10:00:00.5+00:00").unwrap();
        assert_eq!((ids.len(), newest), (0, None));
        assert!(modified_since(csv, "2026-11-19T12:00:00Z").is_ok(), "stops before the malformed line");
        assert!(modified_since(csv, "2000-01-01T00:00:00Z").unwrap_err().contains("line 5"));
        assert!(modified_since("2026-11-20T10:00:00Z,Go/..\n", "2000-01-01T00:00:00Z").is_err());
        assert!(utc_key("2026-11-20T10:00:00+02:00").is_none());
        assert!(utc_key("2026-02-31T10:00:00Z").is_none());
        assert!(utc_key("2026-11-20T25:00:00Z").is_none());
    }

    #[test]
    fn osv_paths_and_times() {
        assert_eq!(overlay_path("osv/crates.io.zip").as_deref(), Some("osv/crates.io-updates"));
        assert_eq!(overlay_path("kev/known_exploited_vulnerabilities.json"), None);
        assert_eq!(
            osv_folder("https://h/osv-vulnerabilities/Go/all.zip").as_deref(),
            Some("https://h/osv-vulnerabilities/Go/")
        );
        assert_eq!(osv_folder("http://h/osv/Go.zip").as_deref(), Some("http://h/osv/Go/"));
        let epoch = std::time::UNIX_EPOCH;
        assert_eq!(zip_since(Some("Sun, 06 Nov 1994 08:49:37 GMT"), epoch), "1994-11-06T08:49:37.000000000Z");
        let t = epoch + Duration::from_secs(1_795_480_215);
        assert_eq!(zip_since(Some("garbage"), t), "2026-11-24T00:30:15.000000000Z");
        assert_eq!(zip_since(None, epoch + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00.000000000Z");
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
                osv_since: Some("2026-01-02T03:04:05.000000000Z".into()),
            },
        );
        state.save(dir.path()).unwrap();
        assert_eq!(State::load(dir.path()), state);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }
}
