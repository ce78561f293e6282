//! The results store: one SQLite file (WAL) holding the inventories, the scans and their
//! reports, the current findings of every image, the events and the API tokens. A restart
//! loses nothing; the schema is versioned ([`migrations`]).

mod migrations;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use hullguard_inventory::Inventory;
use hullguard_report::{Report, Severity};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::wire::{Event, History, Image, Scan, StoredFinding};

/// A store problem: what went wrong (the caller names the file). One line: the causes are
/// shown, not chained.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused.
    #[error("store: {0}")]
    Sqlite(rusqlite::Error),
    /// A stored document does not read back.
    #[error("store: a stored document does not read back: {0}")]
    Json(serde_json::Error),
    /// A stored document does not compress or decompress.
    #[error("store: a stored document does not unpack: {0}")]
    Pack(std::io::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Json(e)
    }
}

/// The result of a store call.
pub type Result<T> = std::result::Result<T, StoreError>;

/// The store, over one connection (calls are serialised by the server).
pub struct Store {
    conn: Connection,
}

/// An inventory as stored, for re-matching and for the SBOM formats.
pub struct StoredInventory {
    /// Its row id.
    pub id: i64,
    /// The image's digest.
    pub digest: String,
    /// Its name.
    pub name: String,
    /// The `created_by` of each layer.
    pub layer_created_by: Vec<Option<String>>,
    /// What is installed: its JSON, [`pack`]ed.
    pub inventory: Vec<u8>,
}

impl StoredInventory {
    /// The inventory read back.
    ///
    /// # Errors
    ///
    /// When the stored JSON does not read back.
    pub fn read(&self) -> Result<Inventory> {
        Ok(serde_json::from_slice(&unpack(&self.inventory)?)?)
    }
}

/// The filters of `GET /api/v1/findings`; `None` matches all.
#[derive(Debug, Default)]
pub struct FindingQuery {
    /// Only these severities.
    pub severities: Vec<Severity>,
    /// Only this package.
    pub package: Option<String>,
    /// Only this vulnerability id.
    pub vulnerability: Option<String>,
    /// Only this image (digest or name).
    pub image: Option<String>,
    /// Only findings first seen at or after this RFC 3339 time.
    pub since: Option<String>,
    /// At most this many.
    pub limit: usize,
}

/// The most rows one listing returns.
pub const MAX_ROWS: usize = 10_000;

const SCAN_COLUMNS: &str = "s.id, i.digest, i.name, s.status, s.db_built, s.created, s.summary, s.kev, s.error FROM scans s \
     JOIN inventories i ON i.id = s.inventory_id";

const EVENT_COLUMNS: &str = "e.id, e.at, e.kind, i.digest, i.name, e.vulnerability, e.package, e.fixed, e.db_built \
     FROM events e JOIN inventories i ON i.id = e.inventory_id";

fn scan_row(r: &Row<'_>) -> rusqlite::Result<Scan> {
    let summary: String = r.get(6)?;
    Ok(Scan {
        id: r.get(0)?,
        digest: r.get(1)?,
        name: r.get(2)?,
        status: r.get(3)?,
        db_built: r.get(4)?,
        created: r.get(5)?,
        summary: serde_json::from_str(&summary).unwrap_or_default(),
        kev: r.get::<_, i64>(7)?.try_into().unwrap_or(0),
        error: r.get(8)?,
    })
}

fn event_row(r: &Row<'_>) -> rusqlite::Result<Event> {
    Ok(Event {
        id: r.get(0)?,
        at: r.get(1)?,
        kind: r.get(2)?,
        digest: r.get(3)?,
        image: r.get(4)?,
        vulnerability: r.get(5)?,
        package: r.get(6)?,
        fixed: r.get(7)?,
        db_built: r.get(8)?,
    })
}

/// One vulnerability of an image, as the findings table keys it.
type FindingKey = (String, String, String);

/// What the findings table holds of a finding beside its key.
#[derive(PartialEq)]
struct FindingFacts {
    installed: String,
    fixed: Option<String>,
    severity: Severity,
    kev: bool,
}

/// The vulnerability findings of `report`, by key.
fn findings_of(report: &Report) -> BTreeMap<FindingKey, FindingFacts> {
    report
        .vulnerabilities()
        .map(|(f, v)| {
            (
                (f.id.clone(), v.package.clone(), f.path().to_owned()),
                FindingFacts {
                    installed: v.installed.clone(),
                    fixed: v.fixed.clone(),
                    severity: f.severity,
                    kev: v.kev.is_some(),
                },
            )
        })
        .collect()
}

/// A document as stored: its JSON, zstd-compressed (a re-scan writes a report per image; JSON
/// shrinks about tenfold).
pub fn pack(json: &[u8]) -> Result<Vec<u8>> {
    zstd::bulk::compress(json, 1).map_err(StoreError::Pack)
}

/// The JSON [`pack`] stored, at most [`MAX_DOCUMENT_BYTES`].
fn unpack(bytes: &[u8]) -> Result<Vec<u8>> {
    zstd::bulk::decompress(bytes, MAX_DOCUMENT_BYTES).map_err(StoreError::Pack)
}

/// The largest document read back from the store.
const MAX_DOCUMENT_BYTES: usize = 1 << 30;

/// The rank SQL orders severities by (`Critical` highest).
fn rank(severity: Severity) -> i64 {
    Severity::ALL.iter().position(|s| *s == severity).map_or(0, |p| i64::try_from(p).unwrap_or(0))
}

/// Records the scan of inventory `inventory_id` giving `report` (unfiltered) in `conn` (a
/// transaction): the scan row, the image's current findings, and, when the image had been
/// scanned before, one event per difference. Returns the scan and the number of events.
pub fn record_scan(conn: &Connection, inventory_id: i64, report: &Report, now: &str) -> Result<(i64, usize)> {
    let rescan: bool =
        conn.query_row("SELECT count(*) > 0 FROM scans WHERE inventory_id = ?1", [inventory_id], |r| r.get(0))?;
    let mut old: BTreeMap<FindingKey, FindingFacts> = BTreeMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT vulnerability, package, path, installed, fixed, severity, kev FROM findings WHERE inventory_id = ?1",
        )?;
        let rows = stmt.query_map([inventory_id], |r| {
            let severity: String = r.get(5)?;
            let facts = FindingFacts {
                installed: r.get(3)?,
                fixed: r.get(4)?,
                severity: severity.parse().unwrap_or(Severity::Unknown),
                kev: r.get(6)?,
            };
            Ok(((r.get(0)?, r.get(1)?, r.get(2)?), facts))
        })?;
        for row in rows {
            let (key, facts) = row?;
            old.insert(key, facts);
        }
    }
    let new = findings_of(report);
    let mut events = 0;
    {
        let mut event = conn.prepare_cached(
            "INSERT INTO events (at, kind, inventory_id, vulnerability, package, fixed, db_built) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        let mut add = |kind: &str, key: &FindingKey, fixed: Option<&String>| -> Result<()> {
            if rescan {
                event.execute(params![now, kind, inventory_id, key.0, key.1, fixed, report.db_built])?;
                events += 1;
            }
            Ok(())
        };
        let mut delete = conn.prepare_cached(
            "DELETE FROM findings WHERE inventory_id = ?1 AND vulnerability = ?2 AND package = ?3 AND path = ?4",
        )?;
        for (key, facts) in &old {
            if !new.contains_key(key) {
                add("withdrawn", key, facts.fixed.as_ref())?;
                delete.execute(params![inventory_id, key.0, key.1, key.2])?;
            }
        }
        let mut upsert = conn.prepare_cached(
            "INSERT INTO findings (inventory_id, vulnerability, package, path, installed, fixed, severity, \
             severity_rank, kev, first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
             ON CONFLICT (inventory_id, vulnerability, package, path) DO UPDATE SET installed = excluded.installed, \
             fixed = excluded.fixed, severity = excluded.severity, severity_rank = excluded.severity_rank, \
             kev = excluded.kev",
        )?;
        for (key, facts) in &new {
            match old.get(key) {
                None => add("new_finding", key, facts.fixed.as_ref())?,
                Some(before) if before == facts => continue,
                Some(before) if before.fixed.is_none() && facts.fixed.is_some() => {
                    add("fixed_upstream", key, facts.fixed.as_ref())?;
                }
                Some(_) => {}
            }
            upsert.execute(params![
                inventory_id,
                key.0,
                key.1,
                key.2,
                facts.installed,
                facts.fixed,
                facts.severity.as_str(),
                rank(facts.severity),
                facts.kev,
                now
            ])?;
        }
    }
    let kev = new.values().filter(|f| f.kev).count();
    let id = conn.query_row(
        "INSERT INTO scans (inventory_id, db_built, status, created, report, summary, kev) \
         VALUES (?1, ?2, 'done', ?3, ?4, ?5, ?6) \
         ON CONFLICT (inventory_id, db_built) DO UPDATE SET status = 'done', created = excluded.created, \
         report = excluded.report, summary = excluded.summary, kev = excluded.kev, error = NULL RETURNING id",
        params![
            inventory_id,
            report.db_built,
            now,
            pack(&serde_json::to_vec(report)?)?,
            serde_json::to_string(&report.summary)?,
            i64::try_from(kev).unwrap_or(i64::MAX)
        ],
        |r| r.get(0),
    )?;
    Ok((id, events))
}

impl Store {
    /// Opens (or creates) the store at `path` and brings its schema up to date.
    ///
    /// # Errors
    ///
    /// When the file cannot be opened or migrated.
    pub fn open(path: &Path, now: &str) -> Result<Store> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // A re-scan reads every inventory and finding: pages mapped, not copied, and a 64 MiB cache.
        conn.pragma_update(None, "mmap_size", 1_i64 << 30)?;
        conn.pragma_update(None, "cache_size", -65_536)?;
        migrations::apply(&mut conn, now)?;
        Ok(Store { conn })
    }

    /// The schema version (the highest migration applied).
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get(0))?)
    }

    /// The scan of image `digest` against database version `db_built`, when there is one.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn scan_of(&self, digest: &str, db_built: &str) -> Result<Option<Scan>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {SCAN_COLUMNS} WHERE i.digest = ?1 AND s.db_built = ?2"),
                [digest, db_built],
                scan_row,
            )
            .optional()?)
    }

    /// Stores (or renames) the inventory of image `digest` (its JSON); returns its row id.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn save_inventory(
        &self,
        digest: &str,
        name: &str,
        layer_created_by: &[Option<String>],
        inventory: &[u8],
        now: &str,
    ) -> Result<i64> {
        Ok(self.conn.query_row(
            "INSERT INTO inventories (digest, name, layer_created_by, inventory, created) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (digest) DO UPDATE SET name = excluded.name RETURNING id",
            params![digest, name, serde_json::to_string(layer_created_by)?, pack(inventory)?, now],
            |r| r.get(0),
        )?)
    }

    /// [`record_scan`] in its own transaction.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn record_scan(&mut self, inventory_id: i64, report: &Report, now: &str) -> Result<Scan> {
        let tx = self.conn.transaction()?;
        let (id, _) = record_scan(&tx, inventory_id, report, now)?;
        tx.commit()?;
        self.scan(id)?.ok_or(StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows))
    }

    /// Runs `f` in one transaction (a re-scan records thousands of scans at once).
    ///
    /// # Errors
    ///
    /// When SQLite or `f` fails.
    pub fn in_transaction<T>(&mut self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// The scan `id`.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn scan(&self, id: i64) -> Result<Option<Scan>> {
        Ok(self.conn.query_row(&format!("SELECT {SCAN_COLUMNS} WHERE s.id = ?1"), [id], scan_row).optional()?)
    }

    /// The unfiltered report of scan `id` and the inventory it was made of.
    ///
    /// # Errors
    ///
    /// When SQLite fails or a stored document does not read back.
    pub fn report(&self, id: i64) -> Result<Option<(Report, StoredInventory)>> {
        let row = self
            .conn
            .query_row(
                "SELECT s.report, i.id, i.digest, i.name, i.layer_created_by, i.inventory FROM scans s \
                 JOIN inventories i ON i.id = s.inventory_id WHERE s.id = ?1 AND s.report IS NOT NULL",
                [id],
                |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, String>(4)?, r.get(5)?)),
            )
            .optional()?;
        let Some((report, id, digest, name, layers, inventory)) = row else { return Ok(None) };
        let layer_created_by = serde_json::from_str(&layers)?;
        Ok(Some((
            serde_json::from_slice(&unpack(&report)?)?,
            StoredInventory { id, digest, name, layer_created_by, inventory },
        )))
    }

    /// Every image with its last scan, by name.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn images(&self) -> Result<Vec<Image>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {SCAN_COLUMNS} WHERE s.id = (SELECT max(id) FROM scans WHERE inventory_id = i.id) \
             ORDER BY i.name, i.digest LIMIT {MAX_ROWS}"
        ))?;
        let rows = stmt.query_map([], scan_row)?;
        rows.map(|r| {
            let scan = r?;
            Ok(Image { digest: scan.digest.clone(), name: scan.name.clone(), last_scan: scan })
        })
        .collect()
    }

    /// The scans and events of image `digest`, oldest first; `None` when it is not stored.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn history(&self, digest: &str) -> Result<Option<History>> {
        let known: bool =
            self.conn.query_row("SELECT count(*) > 0 FROM inventories WHERE digest = ?1", [digest], |r| r.get(0))?;
        if !known {
            return Ok(None);
        }
        let mut stmt =
            self.conn.prepare(&format!("SELECT {SCAN_COLUMNS} WHERE i.digest = ?1 ORDER BY s.id LIMIT {MAX_ROWS}"))?;
        let scans = stmt.query_map([digest], scan_row)?.collect::<rusqlite::Result<_>>()?;
        let mut stmt =
            self.conn.prepare(&format!("SELECT {EVENT_COLUMNS} WHERE i.digest = ?1 ORDER BY e.id LIMIT {MAX_ROWS}"))?;
        let events = stmt.query_map([digest], event_row)?.collect::<rusqlite::Result<_>>()?;
        Ok(Some(History { digest: digest.to_owned(), scans, events }))
    }

    /// The current findings of the stored images that `query` selects: most severe first.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn findings(&self, query: &FindingQuery) -> Result<Vec<StoredFinding>> {
        let mut sql = String::from(
            "SELECT i.digest, i.name, f.vulnerability, f.package, f.installed, f.fixed, f.severity, f.kev, f.path, \
             f.first_seen FROM findings f JOIN inventories i ON i.id = f.inventory_id WHERE 1 = 1",
        );
        let mut args: Vec<String> = Vec::new();
        let mut arg = |sql: &mut String, clause: &str, value: &str| {
            args.push(value.to_owned());
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(p) = &query.package {
            arg(&mut sql, " AND f.package = ?", p);
        }
        if let Some(v) = &query.vulnerability {
            arg(&mut sql, " AND f.vulnerability = ?", v);
        }
        if let Some(image) = &query.image {
            arg(&mut sql, " AND (i.digest = ? OR i.name = ?)", image);
        }
        if let Some(since) = &query.since {
            arg(&mut sql, " AND f.first_seen >= ?", since);
        }
        if !query.severities.is_empty() {
            let list: Vec<String> = query.severities.iter().map(|s| format!("'{}'", s.as_str())).collect();
            sql.push_str(&format!(" AND f.severity IN ({})", list.join(", ")));
        }
        sql.push_str(&format!(
            " ORDER BY f.severity_rank DESC, i.name, f.package, f.vulnerability, f.path LIMIT {}",
            query.limit.clamp(1, MAX_ROWS)
        ));
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
            let severity: String = r.get(6)?;
            Ok(StoredFinding {
                digest: r.get(0)?,
                image: r.get(1)?,
                vulnerability: r.get(2)?,
                package: r.get(3)?,
                installed: r.get(4)?,
                fixed: r.get(5)?,
                severity: severity.parse().unwrap_or(Severity::Unknown),
                kev: r.get(7)?,
                path: r.get(8)?,
                first_seen: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The events after id `since`, oldest first, at most `limit`.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn events_after(&self, since: i64, limit: usize) -> Result<Vec<Event>> {
        let mut stmt =
            self.conn.prepare_cached(&format!("SELECT {EVENT_COLUMNS} WHERE e.id > ?1 ORDER BY e.id LIMIT ?2"))?;
        let limit = i64::try_from(limit.clamp(1, MAX_ROWS)).unwrap_or(1);
        Ok(stmt.query_map(params![since, limit], event_row)?.collect::<rusqlite::Result<_>>()?)
    }

    /// The id of the last event (0: none yet).
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn last_event(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))?)
    }

    /// Up to `limit` stored inventories after row id `after`, by id.
    ///
    /// # Errors
    ///
    /// When SQLite fails or a stored document does not read back.
    pub fn inventories_after(&self, after: i64, limit: usize) -> Result<Vec<StoredInventory>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, digest, name, layer_created_by, inventory FROM inventories WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![after, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get(4)?))
        })?;
        rows.map(|row| {
            let (id, digest, name, layers, inventory) = row?;
            Ok(StoredInventory { id, digest, name, layer_created_by: serde_json::from_str(&layers)?, inventory })
        })
        .collect()
    }

    /// How many inventories are stored.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn inventory_count(&self) -> Result<usize> {
        let n: i64 = self.conn.query_row("SELECT count(*) FROM inventories", [], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Stores a token by the hash of its secret.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn add_token(&self, name: &str, scope: &str, hash: &str, now: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO tokens (name, scope, hash, created) VALUES (?1, ?2, ?3, ?4)",
            params![name, scope, hash, now],
        )?;
        Ok(())
    }

    /// The id, name and scope of the token whose secret hashes to `hash`.
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn token(&self, hash: &str) -> Result<Option<(i64, String, String)>> {
        Ok(self
            .conn
            .query_row("SELECT id, name, scope FROM tokens WHERE hash = ?1", [hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?)
    }
}
