//! The database file: one SQLite file with every imported advisory, indexed
//! by (ecosystem, package), the facts known per CVE (CVSS, KEV), and the
//! metadata of the feeds it was built from.
//!
//! A database is written by a [`Builder`] into a temporary file beside the
//! target and renamed into place when complete, so a crash mid-build never
//! leaves a broken file where a scan would look. [`Db::open`] opens it
//! read-only and checks the schema version.

mod build;

pub use build::Builder;

use std::path::{Path, PathBuf};

use hullguard_report::time;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::advisory::Advisory;

/// The schema version this build reads and writes; a file of another
/// version is refused with a hint to rebuild it.
pub const SCHEMA_VERSION: u32 = 4;

/// The largest advisory record stored, uncompressed.
const MAX_RECORD_BYTES: usize = 16 << 20;

thread_local! {
    /// One zstd context a thread, kept across records: creating one costs more than
    /// decompressing a typical record.
    static DECOMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// A stored record's JSON (at most [`MAX_RECORD_BYTES`]).
fn decompress(body: &[u8]) -> std::io::Result<Vec<u8>> {
    DECOMPRESSOR.with_borrow_mut(|slot| {
        let decompressor = match slot {
            Some(d) => d,
            None => slot.insert(zstd::bulk::Decompressor::new()?),
        };
        decompressor.decompress(body, MAX_RECORD_BYTES)
    })
}

/// Scans warn when the newest advisory data is older than this many days.
pub const MAX_DATA_AGE_DAYS: i64 = 7;

/// The file name of the database in its default folder.
pub const FILE_NAME: &str = "hullguard.db";

/// An error of the database file.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No database file at the path (nothing there, or a folder).
    #[error("{path}: {what}: build one with `hullguard db build --source DIR` or fetch one with `hullguard db update`")]
    Missing {
        /// The path given.
        path: PathBuf,
        /// What is there instead: `no vulnerability database` or `a folder, not a database file`.
        what: &'static str,
    },
    /// A database is to be written where a folder is.
    #[error("{}: a folder, not a database file: give the file's path, e.g. {}", .0.display(), .0.join(FILE_NAME).display())]
    Folder(PathBuf),
    /// SQLite failed (file missing, not a database, corrupt …).
    #[error("{path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// The file is a database of another schema, or not ours.
    #[error("{path}: {problem}")]
    Schema {
        /// The database file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A new database the caller's check refused (see [`Builder::finish_if`]).
    #[error("{path}: {problem}")]
    Refused {
        /// The database file that was kept.
        path: PathBuf,
        /// Why the new one was refused.
        problem: String,
    },
    /// Writing or renaming the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A stored record does not decode.
    #[error("{path}: record {id}: {source}")]
    Record {
        /// The database file.
        path: PathBuf,
        /// The record's advisory id.
        id: String,
        /// The decoding error.
        source: serde_json::Error,
    },
}

/// One feed a database was built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Short name, e.g. `osv/PyPI` or `kev`.
    pub name: String,
    /// Where it was read from (path or URL).
    pub location: String,
    /// The newest modification date among its records (RFC 3339 or
    /// `YYYY-MM-DD`), when the feed says.
    pub as_of: Option<String>,
    /// Records stored.
    pub records: usize,
    /// Records rejected by the importer.
    pub rejected: usize,
    /// The feed's licence (SPDX id where there is one).
    pub license: String,
    /// The attribution the licence asks for, if any.
    pub attribution: Option<String>,
}

/// What a database holds, as `hullguard db info` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbInfo {
    /// Schema version of the file.
    pub schema: u32,
    /// When it was built (RFC 3339, UTC).
    pub built: String,
    /// The feeds, in build order.
    pub sources: Vec<SourceInfo>,
    /// Advisories stored.
    pub advisories: usize,
    /// CVEs with facts (CVSS or KEV).
    pub cves: usize,
    /// The newest data date of any feed ([`SourceInfo::as_of`]), `YYYY-MM-DD`.
    pub newest_data: Option<String>,
}

impl DbInfo {
    /// The info of a database of this schema holding `sources`.
    pub fn new(built: String, sources: Vec<SourceInfo>, advisories: usize, cves: usize) -> DbInfo {
        let newest_data = sources.iter().filter_map(SourceInfo::data_date).max().map(str::to_owned);
        DbInfo { schema: SCHEMA_VERSION, built, sources, advisories, cves, newest_data }
    }

    /// The warning a scan prints when the newest data is more than
    /// [`MAX_DATA_AGE_DAYS`] older than `now`; `None` when it is fresh or
    /// no feed gives a date.
    pub fn stale_data_warning(&self, now: std::time::SystemTime) -> Option<String> {
        let newest = self.newest_data.as_deref()?;
        let age = time::day_of(now) - time::day_number(newest)?;
        (age > MAX_DATA_AGE_DAYS).then(|| {
            format!(
                "the advisory data is {age} days old (newest record {newest}), older than {MAX_DATA_AGE_DAYS} days: \
                 run `hullguard db update`"
            )
        })
    }
}

impl SourceInfo {
    /// The day of [`SourceInfo::as_of`] (`YYYY-MM-DD`), when it starts with one.
    pub fn data_date(&self) -> Option<&str> {
        let day = self.as_of.as_deref()?.get(..10)?;
        time::is_date(day).then_some(day)
    }
}

/// What is known about one CVE apart from advisories.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CveFacts {
    /// The CVE id.
    pub cve: String,
    /// CVSS 3.x vector and base score.
    pub cvss_v3: Option<(String, f64)>,
    /// CVSS 4.0 vector and base score.
    pub cvss_v4: Option<(String, f64)>,
    /// The CISA KEV entry, if the CVE is known to be exploited.
    pub kev: Option<KevFacts>,
}

/// A distro's statement about the security support of a package (Debian's
/// `debian-security-support` lists): support ended for versions up to
/// `last_version`, or support is limited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportNote {
    /// The release (`Debian:12`), or the distro (`Debian`) for notes on every release.
    pub ecosystem: String,
    /// The source package; a name ending in `.*` is a prefix pattern.
    pub package: String,
    /// Support ended for versions up to this one (`0`: every version); `None`: limited support.
    pub last_version: Option<String>,
    /// When support ended (`YYYY-MM-DD`), for ended support.
    pub ended: Option<String>,
    /// The distro's explanation (text or URLs).
    pub note: String,
}

impl SupportNote {
    /// Whether the note names `package` (a source package name).
    pub fn names(&self, package: &str) -> bool {
        match self.package.strip_suffix(".*") {
            Some(prefix) => package.starts_with(prefix),
            None => self.package == package,
        }
    }
}

/// A CISA Known Exploited Vulnerabilities entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevFacts {
    /// When CISA added it (`YYYY-MM-DD`).
    pub date_added: String,
    /// The remediation due date for US federal agencies (`YYYY-MM-DD`).
    pub due_date: String,
    /// Whether it is known to be used in ransomware campaigns.
    pub ransomware: bool,
}

/// The key a package name is stored and looked up under: PyPI names are
/// normalised as PEP 503 says, names of case-insensitive registries are
/// lower-cased, others are kept as they are.
pub fn package_key(ecosystem: &str, name: &str) -> String {
    match ecosystem_key(ecosystem).split(':').next().unwrap_or_default() {
        "PyPI" => hullguard_inventory::pep503_name(name.trim()),
        "npm" | "Packagist" | "NuGet" | "Maven" | "crates.io" => name.to_lowercase(),
        _ => name.to_owned(),
    }
}

/// The key an ecosystem is stored and looked up under: its name and release
/// only (`Ubuntu:22.04:LTS` → `Ubuntu:22.04`).
pub fn ecosystem_key(ecosystem: &str) -> String {
    let mut parts = ecosystem.splitn(3, ':');
    match (parts.next(), parts.next()) {
        (Some(base), Some(release)) if !release.is_empty() => format!("{base}:{release}"),
        (Some(base), _) => base.to_owned(),
        _ => String::new(),
    }
}

/// An open database.
pub struct Db {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).finish()
    }
}

impl Db {
    /// Opens the database at `path` read-only and checks its schema.
    ///
    /// # Errors
    ///
    /// When the file is missing, not a SQLite file, not ours, or of another
    /// schema version.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        if !path.is_file() {
            let what = if path.is_dir() { "a folder, not a database file" } else { "no vulnerability database" };
            return Err(DbError::Missing { path: path.to_owned(), what });
        }
        let sql = |source| DbError::Sqlite { path: path.to_owned(), source };
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(sql)?;
        let db = Db { conn, path: path.to_owned() };
        let schema: Option<String> = db
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| r.get(0))
            .optional()
            .map_err(|e| db.schema_error(&e))?;
        match schema.as_deref().map(str::parse::<u32>) {
            Some(Ok(SCHEMA_VERSION)) => Ok(db),
            Some(Ok(v)) => Err(DbError::Schema {
                path: path.to_owned(),
                problem: format!(
                    "database schema {v}, this hullguard reads schema {SCHEMA_VERSION}: rebuild it with `hullguard db build` or `hullguard db update`"
                ),
            }),
            _ => Err(DbError::Schema { path: path.to_owned(), problem: "not a hullguard database".into() }),
        }
    }

    fn schema_error(&self, e: &rusqlite::Error) -> DbError {
        DbError::Schema { path: self.path.clone(), problem: format!("not a hullguard database ({e})") }
    }

    fn sql(&self) -> impl Fn(rusqlite::Error) -> DbError + '_ {
        |source| DbError::Sqlite { path: self.path.clone(), source }
    }

    /// The file this database was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the database holds.
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn info(&self) -> Result<DbInfo, DbError> {
        let meta = |key: &str| -> Result<String, DbError> {
            self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).map_err(self.sql())
        };
        let sources: Vec<SourceInfo> = serde_json::from_str(&meta("sources")?).map_err(|source| DbError::Record {
            path: self.path.clone(),
            id: "meta.sources".into(),
            source,
        })?;
        let count = |table: &str| -> Result<usize, DbError> {
            self.conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get::<_, i64>(0))
                .map(|n| usize::try_from(n).unwrap_or(0))
                .map_err(self.sql())
        };
        Ok(DbInfo::new(meta("built")?, sources, count("advisory")?, count("cve")?))
    }

    /// Every advisory with an affected entry for `package` in `ecosystem`
    /// (both compared by key, see [`package_key`] and [`ecosystem_key`]),
    /// withdrawn ones left out, in id order.
    ///
    /// # Errors
    ///
    /// When the file cannot be read or a record does not decode.
    pub fn advisories_for(&self, ecosystem: &str, package: &str) -> Result<Vec<Advisory>, DbError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT a.id, a.body FROM affected f JOIN advisory a ON a.rowid = f.advisory \
                 WHERE f.ecosystem = ?1 AND f.package = ?2 AND a.withdrawn = 0 GROUP BY a.rowid ORDER BY a.id",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map(params![ecosystem_key(ecosystem), package_key(ecosystem, package)], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(self.sql())?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body) = row.map_err(self.sql())?;
            let json = decompress(&body).map_err(|e| DbError::Schema {
                path: self.path.clone(),
                problem: format!("record {id} does not decompress ({e}): the file is damaged, rebuild it"),
            })?;
            let advisory = serde_json::from_slice(&json).map_err(|source| DbError::Record {
                path: self.path.clone(),
                id,
                source,
            })?;
            out.push(advisory);
        }
        Ok(out)
    }

    /// Whether an advisory with this id is stored (withdrawn ones included).
    ///
    /// # Errors
    ///
    /// When the file cannot be read.
    pub fn has_advisory(&self, id: &str) -> Result<bool, DbError> {
        let mut stmt = self.conn.prepare_cached("SELECT 1 FROM advisory WHERE id = ?1 LIMIT 1").map_err(self.sql())?;
        stmt.exists([id]).map_err(self.sql())
    }

    /// The support notes for `ecosystem` (`Debian:12`) and its distro (`Debian`).
    ///
    /// # Errors
    ///
    /// When the file cannot be read or a note does not decode.
    pub fn support_notes(&self, ecosystem: &str) -> Result<Vec<SupportNote>, DbError> {
        let key = ecosystem_key(ecosystem);
        let base = key.split(':').next().unwrap_or_default().to_owned();
        let mut stmt =
            self.conn.prepare_cached("SELECT body FROM note WHERE ecosystem IN (?1, ?2)").map_err(self.sql())?;
        let rows = stmt.query_map(params![key, base], |r| r.get::<_, Vec<u8>>(0)).map_err(self.sql())?;
        let mut out = Vec::new();
        for row in rows {
            let body = row.map_err(self.sql())?;
            out.push(serde_json::from_slice(&body).map_err(|source| DbError::Record {
                path: self.path.clone(),
                id: "note".into(),
                source,
            })?);
        }
        Ok(out)
    }

    /// The facts known about `cve` (CVSS, KEV), if any.
    ///
    /// # Errors
    ///
    /// When the file cannot be read or the record does not decode.
    pub fn cve(&self, cve: &str) -> Result<Option<CveFacts>, DbError> {
        let mut stmt = self.conn.prepare_cached("SELECT body FROM cve WHERE id = ?1").map_err(self.sql())?;
        let body: Option<Vec<u8>> = stmt.query_row([cve], |r| r.get(0)).optional().map_err(self.sql())?;
        body.map(|b| serde_json::from_slice(&b)).transpose().map_err(|source| DbError::Record {
            path: self.path.clone(),
            id: cve.to_owned(),
            source,
        })
    }
}

/// The default database file: `$HULLGUARD_DB`, else
/// `$XDG_CACHE_HOME/hullguard/db/hullguard.db`, else
/// `~/.cache/hullguard/db/hullguard.db`.
pub fn default_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("HULLGUARD_DB").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|p| !p.is_empty()).map(|h| PathBuf::from(h).join(".cache")))?;
    Some(cache.join("hullguard").join("db").join(FILE_NAME))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(package_key("PyPI", "Jinja2"), "jinja2");
        assert_eq!(package_key("PyPI", "zope.interface__x"), "zope-interface-x");
        assert_eq!(package_key("npm", "Axios"), "axios");
        assert_eq!(package_key("Go", "github.com/BurntSushi/toml"), "github.com/BurntSushi/toml");
        assert_eq!(package_key("Debian:12", "glibc"), "glibc");
        assert_eq!(ecosystem_key("Ubuntu:22.04:LTS"), "Ubuntu:22.04");
        assert_eq!(ecosystem_key("Alpine:v3.19"), "Alpine:v3.19");
        assert_eq!(ecosystem_key("PyPI"), "PyPI");
    }

    /// A feed named `name` with `records` records, as of `as_of`.
    pub(crate) fn source(name: &str, records: usize, as_of: Option<&str>) -> SourceInfo {
        SourceInfo {
            name: name.into(),
            location: String::new(),
            as_of: as_of.map(Into::into),
            records,
            rejected: 0,
            license: String::new(),
            attribution: None,
        }
    }

    #[test]
    fn data_older_than_seven_days_is_warned_about() {
        let sources = vec![
            source("a", 1, Some("2025-01-01")),
            source("b", 1, Some("2026-08-21T10:00:00Z")),
            source("c", 1, None),
            source("d", 1, Some("2099-garbage")),
            source("e", 1, Some("2099-02-31")),
        ];
        let info = DbInfo::new("built".into(), sources, 0, 0);
        assert_eq!(info.newest_data.as_deref(), Some("2026-08-21"));
        let aug21 = u64::try_from(time::day_number("2026-08-21").unwrap()).unwrap();
        let at = |day: u64| std::time::UNIX_EPOCH + std::time::Duration::from_secs(day * 86_400 + 23 * 3600);
        assert_eq!(info.stale_data_warning(at(aug21 + 7)), None);
        assert_eq!(
            info.stale_data_warning(at(aug21 + 8)).as_deref(),
            Some(
                "the advisory data is 8 days old (newest record 2026-08-21), older than 7 days: run `hullguard db update`"
            )
        );
        let undated = DbInfo::new("built".into(), vec![source("c", 1, None)], 0, 0);
        assert_eq!((undated.newest_data.as_deref(), undated.stale_data_warning(at(aug21 + 99))), (None, None));
    }
}
