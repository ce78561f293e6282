//! Writing a database file: into a temporary file beside the target
//! (`.<name>.tmp-<pid>`), renamed into place by [`Builder::finish`]. Those a
//! killed build left behind are removed when the next build starts.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};

use super::{CveFacts, DbError, DbInfo, SCHEMA_VERSION, SourceInfo, SupportNote, ecosystem_key, package_key};
use crate::advisory::Advisory;

/// Writes a new database; nothing appears at the target path until
/// [`Builder::finish`] succeeds, and a builder dropped unfinished removes its
/// temporary file.
pub struct Builder {
    conn: Option<Connection>,
    temp: PathBuf,
    target: PathBuf,
    sources: Vec<SourceInfo>,
    /// Facts per CVE, merged from every feed before they are written.
    cves: std::collections::BTreeMap<String, CveFacts>,
}

impl Builder {
    /// Starts a database that will be written to `target`.
    ///
    /// # Errors
    ///
    /// When `target` is a folder, its folder cannot be created or the
    /// temporary file cannot be written.
    pub fn create(target: &Path) -> Result<Builder, DbError> {
        if target.is_dir() {
            return Err(DbError::Folder(target.to_owned()));
        }
        let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|source| DbError::Io { path: dir.to_owned(), source })?;
        let name = target.file_name().map_or_else(|| "hullguard.db".into(), |n| n.to_string_lossy().into_owned());
        let prefix = format!(".{name}.tmp-");
        crate::temp::remove_stale(dir, &prefix);
        let temp = dir.join(format!("{prefix}{}", std::process::id()));
        let _ = std::fs::remove_file(&temp);
        let sql = |source| DbError::Sqlite { path: temp.clone(), source };
        let conn = Connection::open(&temp).map_err(sql)?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 4096;
             CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE advisory (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, source TEXT NOT NULL,
                                    withdrawn INTEGER NOT NULL, body BLOB NOT NULL);
             CREATE TABLE affected (ecosystem TEXT NOT NULL, package TEXT NOT NULL, advisory INTEGER NOT NULL);
             CREATE TABLE cve (id TEXT PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID;
             CREATE TABLE note (ecosystem TEXT NOT NULL, body BLOB NOT NULL);
             BEGIN;",
        )
        .map_err(sql)?;
        Ok(Builder {
            conn: Some(conn),
            temp,
            target: target.to_owned(),
            sources: Vec::new(),
            cves: std::collections::BTreeMap::new(),
        })
    }

    fn conn(&self) -> &Connection {
        self.conn.as_ref().expect("the connection lives until finish")
    }

    fn sql(&self) -> impl Fn(rusqlite::Error) -> DbError + '_ {
        |source| DbError::Sqlite { path: self.temp.clone(), source }
    }

    /// Stores the advisories of one feed and records the feed in the
    /// metadata (`info.records` is set to the number stored).
    ///
    /// # Errors
    ///
    /// When writing fails.
    pub fn add_advisories(&mut self, mut info: SourceInfo, advisories: &[Advisory]) -> Result<(), DbError> {
        {
            let conn = self.conn();
            let mut insert = conn
                .prepare_cached("INSERT INTO advisory (id, source, withdrawn, body) VALUES (?1, ?2, ?3, ?4)")
                .map_err(self.sql())?;
            let mut index = conn
                .prepare_cached("INSERT INTO affected (ecosystem, package, advisory) VALUES (?1, ?2, ?3)")
                .map_err(self.sql())?;
            for advisory in advisories {
                let json = serde_json::to_vec(&stored_form(advisory)).expect("the model always serialises");
                let body =
                    zstd::bulk::compress(&json, 3).map_err(|source| DbError::Io { path: self.temp.clone(), source })?;
                insert.execute(params![advisory.id, info.name, advisory.is_withdrawn(), body]).map_err(self.sql())?;
                let rowid = conn.last_insert_rowid();
                let mut keys: Vec<(String, String)> = advisory
                    .affected
                    .iter()
                    .map(|a| (ecosystem_key(&a.ecosystem), package_key(&a.ecosystem, &a.package)))
                    .collect();
                keys.sort();
                keys.dedup();
                for (ecosystem, package) in keys {
                    index.execute(params![ecosystem, package, rowid]).map_err(self.sql())?;
                }
            }
        }
        info.records = advisories.len();
        self.sources.push(info);
        Ok(())
    }

    /// Stores the support notes of one feed and records the feed in the metadata.
    ///
    /// # Errors
    ///
    /// When writing fails.
    pub fn add_support_notes(&mut self, mut info: SourceInfo, notes: &[SupportNote]) -> Result<(), DbError> {
        {
            let conn = self.conn();
            let mut insert =
                conn.prepare_cached("INSERT INTO note (ecosystem, body) VALUES (?1, ?2)").map_err(self.sql())?;
            for note in notes {
                let body = serde_json::to_vec(note).expect("notes always serialise");
                insert.execute(params![ecosystem_key(&note.ecosystem), body]).map_err(self.sql())?;
            }
        }
        info.records = notes.len();
        self.sources.push(info);
        Ok(())
    }

    /// Merges per-CVE facts from one feed (a later feed fills what earlier
    /// ones left empty) and records the feed in the metadata.
    pub fn add_cve_facts(&mut self, mut info: SourceInfo, facts: impl IntoIterator<Item = CveFacts>) {
        let mut count = 0;
        for fact in facts {
            count += 1;
            let entry = self
                .cves
                .entry(fact.cve.clone())
                .or_insert_with(|| CveFacts { cve: fact.cve.clone(), ..CveFacts::default() });
            entry.cvss_v3 = entry.cvss_v3.take().or(fact.cvss_v3);
            entry.cvss_v4 = entry.cvss_v4.take().or(fact.cvss_v4);
            entry.kev = entry.kev.take().or(fact.kev);
        }
        info.records = count;
        self.sources.push(info);
    }

    /// Writes the metadata and indexes and renames the file into place.
    ///
    /// # Errors
    ///
    /// When writing, syncing or renaming fails; the target is then left as
    /// it was.
    pub fn finish(self) -> Result<DbInfo, DbError> {
        self.finish_if(|_| Ok(()))
    }

    /// [`Builder::finish`], but the file is renamed into place only if
    /// `accept` says yes to what it holds.
    ///
    /// # Errors
    ///
    /// Those of [`Builder::finish`], and `accept`'s; the target is then left as it was.
    pub fn finish_if(mut self, accept: impl FnOnce(&DbInfo) -> Result<(), DbError>) -> Result<DbInfo, DbError> {
        let built = now_rfc3339();
        {
            let conn = self.conn();
            let mut insert = conn.prepare("INSERT INTO cve (id, body) VALUES (?1, ?2)").map_err(self.sql())?;
            for fact in self.cves.values() {
                insert
                    .execute(params![fact.cve, serde_json::to_vec(fact).expect("facts always serialise")])
                    .map_err(self.sql())?;
            }
            let sources = serde_json::to_string(&self.sources).expect("sources always serialise");
            conn.execute_batch("CREATE INDEX affected_by_package ON affected (ecosystem, package); CREATE INDEX advisory_by_id ON advisory (id);")
                .map_err(self.sql())?;
            for (key, value) in [("schema", SCHEMA_VERSION.to_string()), ("built", built.clone()), ("sources", sources)]
            {
                conn.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", params![key, value])
                    .map_err(self.sql())?;
            }
            conn.execute_batch("COMMIT; ANALYZE; VACUUM;").map_err(self.sql())?;
        }
        let advisories: usize = self
            .conn()
            .query_row("SELECT count(*) FROM advisory", [], |r| r.get::<_, i64>(0))
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(self.sql())?;
        let conn = self.conn.take().expect("the connection lives until finish");
        conn.close().map_err(|(_, source)| DbError::Sqlite { path: self.temp.clone(), source })?;
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| DbError::Io { path, source }
        };
        let info = DbInfo::new(built, std::mem::take(&mut self.sources), advisories, self.cves.len());
        accept(&info)?;
        std::fs::File::open(&self.temp).and_then(|f| f.sync_all()).map_err(io(&self.temp))?;
        std::fs::rename(&self.temp, &self.target).map_err(io(&self.target))?;
        Ok(info)
    }
}

/// The form an advisory is stored in: the full description is dropped (reports show the
/// summary, or the description's first line when there is no summary), which keeps records
/// small and scans fast.
fn stored_form(advisory: &Advisory) -> Advisory {
    let mut stored = advisory.clone();
    if stored.summary.trim().is_empty() {
        let first = stored.details.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
        stored.summary = first.chars().take(200).collect();
    }
    stored.details = String::new();
    stored
}

impl Drop for Builder {
    /// Removes the temporary file of a build that did not finish (once renamed, it is gone).
    fn drop(&mut self) {
        drop(self.conn.take());
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// The current UTC time as RFC 3339 (seconds), or `HULLGUARD_BUILD_TIME`
/// when set, so that builds can be reproduced.
fn now_rfc3339() -> String {
    if let Ok(fixed) = std::env::var("HULLGUARD_BUILD_TIME") {
        return fixed;
    }
    hullguard_report::time::rfc3339_utc(std::time::SystemTime::now())
}
