//! The SQLite store: one file in WAL mode, its schema in [`super::migrations`].

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use hullguard_report::{Report, Severity};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{
    ADD_DEAD_LETTER, ADD_WEBHOOK, ADMISSION_EVENT, ALERT_EVENT, DEAD_LETTERS, DELETE_WEBHOOK, EVENT_COLUMNS,
    FindingFacts, FindingQuery, MAX_ROWS, NEWEST_SCAN, Prior, Result, SCAN_COLUMNS, ScanRecord, StoredInventory,
    Subscription, Undelivered, WEBHOOK_DELIVERED, WEBHOOKS, dead_letter, migrations, pack, rank, unpack,
};
use crate::wire::{DeadLetter, Event, History, Image, Scan, StoredFinding, Webhook};

/// The SQLite store, over one connection.
pub struct Sqlite {
    conn: Connection,
}

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
        admission: r.get::<_, Option<String>>(9)?.and_then(|a| serde_json::from_str(&a).ok()),
        alert: r.get::<_, Option<String>>(10)?.and_then(|a| serde_json::from_str(&a).ok()),
    })
}

fn subscription_row(r: &Row<'_>) -> rusqlite::Result<Subscription> {
    Ok(Subscription {
        webhook: Webhook { id: r.get(0)?, url: r.get(1)?, created: r.get(2)?, delivered_through: r.get(3)? },
        secret: r.get(4)?,
    })
}

/// Records `record` in `conn` (a transaction): the scan row, the image's current findings, and,
/// when the image had been scanned before, one event per difference from its prior findings.
/// Returns the scan and the number of events.
fn record_scan(conn: &Connection, record: &ScanRecord, now: &str) -> Result<(i64, usize)> {
    let inventory_id = record.inventory_id;
    let changes = record.changes();
    let mut event = conn.prepare_cached(
        "INSERT INTO events (at, kind, inventory_id, vulnerability, package, fixed, db_built) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (kind, key, fixed) in &changes.events {
        event.execute(params![now, kind, inventory_id, key.0, key.1, fixed, record.db_built])?;
    }
    let mut delete = conn.prepare_cached(
        "DELETE FROM findings WHERE inventory_id = ?1 AND vulnerability = ?2 AND package = ?3 AND path = ?4",
    )?;
    for key in &changes.gone {
        delete.execute(params![inventory_id, key.0, key.1, key.2])?;
    }
    let mut upsert = conn.prepare_cached(
        "INSERT INTO findings (inventory_id, vulnerability, package, path, installed, fixed, severity, \
         severity_rank, kev, first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
         ON CONFLICT (inventory_id, vulnerability, package, path) DO UPDATE SET installed = excluded.installed, \
         fixed = excluded.fixed, severity = excluded.severity, severity_rank = excluded.severity_rank, \
         kev = excluded.kev",
    )?;
    for (key, facts) in &changes.upserts {
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
    let id = conn.query_row(
        "INSERT INTO scans (inventory_id, db_built, status, created, report, summary, kev) \
         VALUES (?1, ?2, 'done', ?3, ?4, ?5, ?6) \
         ON CONFLICT (inventory_id, db_built) DO UPDATE SET status = 'done', created = excluded.created, \
         report = excluded.report, summary = excluded.summary, kev = excluded.kev, error = NULL RETURNING id",
        params![inventory_id, record.db_built, now, record.packed, record.summary, record.kev()],
        |r| r.get(0),
    )?;
    Ok((id, changes.events.len()))
}

impl Sqlite {
    /// Opens (or creates) the store at `path` and brings its schema up to date.
    pub fn open(path: &Path, now: &str) -> Result<Sqlite> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // A re-scan reads every inventory and finding: pages mapped, not copied (up to 2 GiB,
        // SQLite's own cap), and a 256 MiB cache for the pages its write transactions read.
        conn.pragma_update(None, "mmap_size", 1_i64 << 31)?;
        conn.pragma_update(None, "cache_size", -262_144)?;
        migrations::apply(&mut conn, now)?;
        Ok(Sqlite { conn })
    }

    /// The schema version (the highest migration applied).
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get(0))?)
    }

    /// The scan of image `digest` against database version `db_built`, when there is one.
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

    /// Records each `(inventory, report)` in one transaction; returns the scan ids and the events.
    pub fn record_scans(&mut self, records: &[ScanRecord], now: &str) -> Result<(Vec<i64>, usize)> {
        let tx = self.conn.transaction()?;
        let (mut ids, mut events) = (Vec::with_capacity(records.len()), 0);
        for record in records {
            let (id, n) = record_scan(&tx, record, now)?;
            ids.push(id);
            events += n;
        }
        tx.commit()?;
        Ok((ids, events))
    }

    /// What the store holds of each inventory with a row id from `first` to `last`.
    pub fn priors(&self, first: i64, last: i64) -> Result<BTreeMap<i64, Prior>> {
        let mut priors: BTreeMap<i64, Prior> = BTreeMap::new();
        let mut stmt =
            self.conn.prepare_cached("SELECT DISTINCT inventory_id FROM scans WHERE inventory_id BETWEEN ?1 AND ?2")?;
        for id in stmt.query_map([first, last], |r| r.get::<_, i64>(0))? {
            priors.entry(id?).or_default().scanned = true;
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT inventory_id, vulnerability, package, path, installed, fixed, severity, kev FROM findings \
             WHERE inventory_id BETWEEN ?1 AND ?2",
        )?;
        let rows = stmt.query_map([first, last], |r| {
            let facts = FindingFacts::stored(r.get(4)?, r.get(5)?, &r.get::<_, String>(6)?, r.get(7)?);
            Ok((r.get::<_, i64>(0)?, (r.get(1)?, r.get(2)?, r.get(3)?), facts))
        })?;
        for row in rows {
            let (id, key, facts) = row?;
            priors.entry(id).or_default().findings.insert(key, facts);
        }
        Ok(priors)
    }

    /// The scan `id`.
    pub fn scan(&self, id: i64) -> Result<Option<Scan>> {
        Ok(self.conn.query_row(&format!("SELECT {SCAN_COLUMNS} WHERE s.id = ?1"), [id], scan_row).optional()?)
    }

    /// The id of the newest finished scan of image `digest`.
    pub fn newest_scan(&self, digest: &str) -> Result<Option<i64>> {
        Ok(self.conn.prepare_cached(NEWEST_SCAN)?.query_row([digest], |r| r.get(0))?)
    }

    /// Records an admission event (`review` is its JSON); its id.
    pub fn record_admission(&self, kind: &str, review: &str, db_built: &str, now: &str) -> Result<i64> {
        Ok(self.conn.query_row(ADMISSION_EVENT, params![kind, review, db_built, now], |r| r.get(0))?)
    }

    /// Records a runtime alert event (`alert` is its JSON); its id.
    pub fn record_alert(&self, alert: &str, db_built: &str, now: &str) -> Result<i64> {
        Ok(self.conn.query_row(ALERT_EVENT, params![alert, db_built, now], |r| r.get(0))?)
    }

    /// The unfiltered report of scan `id` and the inventory it was made of.
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
    pub fn findings(&self, query: &FindingQuery) -> Result<Vec<StoredFinding>> {
        let (sql, args) = query.sql(|n| format!("?{n}"));
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
    pub fn events_after(&self, since: i64, limit: usize) -> Result<Vec<Event>> {
        let mut stmt =
            self.conn.prepare_cached(&format!("SELECT {EVENT_COLUMNS} WHERE e.id > ?1 ORDER BY e.id LIMIT ?2"))?;
        let limit = i64::try_from(limit.clamp(1, MAX_ROWS)).unwrap_or(1);
        Ok(stmt.query_map(params![since, limit], event_row)?.collect::<rusqlite::Result<_>>()?)
    }

    /// The id of the last event (0: none yet).
    pub fn last_event(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT coalesce(max(id), 0) FROM events", [], |r| r.get(0))?)
    }

    /// The events of database version `db_built`, oldest first, at most `limit`.
    pub fn events_of_build(&self, db_built: &str, limit: usize) -> Result<Vec<Event>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {EVENT_COLUMNS} WHERE e.db_built = ?1 ORDER BY e.id LIMIT ?2"))?;
        let limit = i64::try_from(limit.clamp(1, MAX_ROWS)).unwrap_or(1);
        Ok(stmt.query_map(params![db_built, limit], event_row)?.collect::<rusqlite::Result<_>>()?)
    }

    /// Adds a webhook that has had the events through `through`.
    pub fn add_webhook(&self, url: &str, secret: &str, now: &str, through: i64) -> Result<Subscription> {
        Ok(self.conn.query_row(ADD_WEBHOOK, params![url, secret, now, through], subscription_row)?)
    }

    /// Every webhook, by id.
    pub fn webhooks(&self) -> Result<Vec<Subscription>> {
        let mut stmt = self.conn.prepare_cached(WEBHOOKS)?;
        Ok(stmt.query_map([], subscription_row)?.collect::<rusqlite::Result<_>>()?)
    }

    /// Removes webhook `id`; false when there is none.
    pub fn delete_webhook(&self, id: i64) -> Result<bool> {
        Ok(self.conn.execute(DELETE_WEBHOOK, [id])? == 1)
    }

    /// Records that webhook `id` is done with event `event`.
    pub fn webhook_delivered(&self, id: i64, event: i64) -> Result<()> {
        self.conn.execute(WEBHOOK_DELIVERED, [event, id])?;
        Ok(())
    }

    /// Records a dead letter and moves its webhook past the event.
    pub fn dead_letter(&mut self, u: &Undelivered<'_>, now: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(ADD_DEAD_LETTER, params![u.webhook.id, u.webhook.url, u.event, u.body, u.attempts, u.error, now])?;
        tx.execute(WEBHOOK_DELIVERED, [u.event, u.webhook.id])?;
        tx.commit()?;
        Ok(())
    }

    /// The dead letters, oldest first, at most `limit`.
    pub fn dead_letters(&self, limit: usize) -> Result<Vec<DeadLetter>> {
        let mut stmt = self.conn.prepare_cached(DEAD_LETTERS)?;
        let limit = i64::try_from(limit.clamp(1, MAX_ROWS)).unwrap_or(1);
        let rows = stmt.query_map([limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })?;
        rows.map(|row| {
            let (id, webhook, url, body, attempts, error, at) = row?;
            dead_letter(id, webhook, url, &body, attempts, error, at)
        })
        .collect()
    }

    /// Up to `limit` stored inventories after row id `after`, by id.
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
    pub fn inventory_count(&self) -> Result<usize> {
        let n: i64 = self.conn.query_row("SELECT count(*) FROM inventories", [], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Stores a token by the hash of its secret.
    pub fn add_token(&self, name: &str, scope: &str, hash: &str, now: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO tokens (name, scope, hash, created) VALUES (?1, ?2, ?3, ?4)",
            params![name, scope, hash, now],
        )?;
        Ok(())
    }

    /// The id, name and scope of the token whose secret hashes to `hash`.
    pub fn token(&self, hash: &str) -> Result<Option<(i64, String, String)>> {
        Ok(self
            .conn
            .query_row("SELECT id, name, scope FROM tokens WHERE hash = ?1", [hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?)
    }
}
