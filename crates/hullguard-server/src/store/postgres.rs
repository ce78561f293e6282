//! The PostgreSQL store (`--store postgres://…`): the same tables as the SQLite one, plus the
//! scan jobs that `--worker` processes lease with `FOR UPDATE SKIP LOCKED`. One connection,
//! opened again when the server went away (a restart of PostgreSQL costs the calls in flight).

use std::cell::{RefCell, RefMut};
use std::collections::BTreeMap;
use std::time::Duration;

use hullguard_report::{Report, Severity};
use postgres::types::ToSql;
use postgres::{Client, NoTls, Row, Transaction};

use super::{
    ADD_DEAD_LETTER, ADD_WEBHOOK, ADMISSION_EVENT, ALERT_EVENT, DEAD_LETTERS, DELETE_WEBHOOK, EVENT_COLUMNS,
    FindingFacts, FindingQuery, MAX_ROWS, NEWEST_SCAN, Prior, Result, SCAN_COLUMNS, ScanRecord, StoreError,
    StoredInventory, Subscription, Undelivered, WEBHOOK_DELIVERED, WEBHOOKS, dead_letter, pack, rank, unpack,
};
use crate::wire::{DeadLetter, Event, History, Image, Scan, StoredFinding, Webhook};

/// Every migration: its version and its SQL. Append only; never edit one that shipped. Text
/// that listings sort by is `COLLATE "C"`, so that PostgreSQL orders as SQLite does.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        r#"CREATE TABLE inventories (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        digest TEXT COLLATE "C" NOT NULL UNIQUE,
        name TEXT COLLATE "C" NOT NULL,
        layer_created_by TEXT NOT NULL,
        inventory BYTEA NOT NULL,
        created TEXT NOT NULL
    );
    CREATE TABLE scans (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        inventory_id BIGINT NOT NULL REFERENCES inventories(id),
        db_built TEXT NOT NULL,
        status TEXT NOT NULL,
        created TEXT NOT NULL,
        report BYTEA,
        summary TEXT NOT NULL DEFAULT '{}',
        kev BIGINT NOT NULL DEFAULT 0,
        error TEXT,
        UNIQUE (inventory_id, db_built)
    );
    CREATE TABLE findings (
        inventory_id BIGINT NOT NULL REFERENCES inventories(id),
        vulnerability TEXT COLLATE "C" NOT NULL,
        package TEXT COLLATE "C" NOT NULL,
        path TEXT COLLATE "C" NOT NULL,
        installed TEXT NOT NULL,
        fixed TEXT,
        severity TEXT NOT NULL,
        severity_rank BIGINT NOT NULL,
        kev BOOLEAN NOT NULL,
        first_seen TEXT NOT NULL,
        PRIMARY KEY (inventory_id, vulnerability, package, path)
    );
    CREATE INDEX findings_by_vulnerability ON findings (vulnerability);
    CREATE INDEX findings_by_package ON findings (package);
    CREATE TABLE events (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        inventory_id BIGINT NOT NULL REFERENCES inventories(id),
        vulnerability TEXT NOT NULL,
        package TEXT NOT NULL,
        fixed TEXT,
        db_built TEXT NOT NULL
    );
    CREATE INDEX events_by_inventory ON events (inventory_id);
    CREATE TABLE tokens (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name TEXT NOT NULL,
        scope TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created TEXT NOT NULL
    );"#,
    ),
    (
        2,
        "CREATE TABLE jobs (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        submission BYTEA NOT NULL,
        state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'leased', 'done', 'failed')),
        worker TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_until TIMESTAMPTZ,
        scan_id BIGINT REFERENCES scans(id),
        error TEXT,
        created TEXT NOT NULL,
        finished TEXT
    );
    CREATE INDEX jobs_open ON jobs (id) WHERE state IN ('queued', 'leased');",
    ),
    (
        3,
        "CREATE TABLE webhooks (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        url TEXT NOT NULL,
        secret TEXT NOT NULL,
        created TEXT NOT NULL,
        delivered_through BIGINT NOT NULL
    );
    CREATE TABLE dead_letters (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        webhook_id BIGINT NOT NULL,
        url TEXT NOT NULL,
        event_id BIGINT NOT NULL,
        body TEXT NOT NULL,
        attempts BIGINT NOT NULL,
        error TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX events_by_build ON events (db_built);",
    ),
    // Admission events: no image row, the review as JSON.
    (4, "ALTER TABLE events ALTER COLUMN inventory_id DROP NOT NULL, ADD COLUMN admission TEXT;"),
    // Runtime alerts (`hullguard watch --server`): the alert as JSON.
    (5, "ALTER TABLE events ADD COLUMN alert TEXT;"),
];

/// The lock key that serialises migrations when several processes start at once.
const MIGRATION_LOCK: i64 = 0x6875_6c6c_6775_6172;

/// The lock key held by the one process that delivers webhooks from a shared store.
const DELIVERY_LOCK: i64 = 0x6875_6c6c_686f_6f6b;

/// Keeps trying to hold the webhook delivery lock of the store at `url` (a session advisory lock
/// on a connection of its own), every `every`, and tells `held` whether this process holds it.
/// PostgreSQL drops the lock with its session, so when the holder dies (or loses its connection)
/// another process takes it within `every`. Returns once nothing listens to `held`; blocks, so
/// it runs on a thread of its own (which also drops the client off the async runtime).
pub fn hold_delivery_lock(url: &str, held: &tokio::sync::watch::Sender<bool>, every: Duration) {
    let mut client: Option<Client> = None;
    while !held.is_closed() {
        let holding = if *held.borrow() {
            // A session that still answers still holds its lock.
            client.as_mut().is_some_and(|c| c.simple_query("SELECT 1").is_ok())
        } else {
            take_delivery_lock(&mut client, url)
        };
        if holding != *held.borrow() {
            if holding {
                tracing::info!("webhooks: this process delivers (it holds the store's delivery lock)");
            } else {
                tracing::warn!("webhooks: lost the store's delivery lock; another process may deliver");
                client = None;
            }
            held.send_replace(holding);
        }
        std::thread::sleep(every);
    }
}

/// One try at the delivery lock, over `client` (connected first when it is not).
fn take_delivery_lock(client: &mut Option<Client>, url: &str) -> bool {
    if client.as_ref().is_none_or(Client::is_closed) {
        *client = Client::connect(url, NoTls).map_err(|e| tracing::warn!("webhooks: store: {e}")).ok();
    }
    let Some(c) = client.as_mut() else { return false };
    match c.query_one("SELECT pg_try_advisory_lock($1)", &[&DELIVERY_LOCK]) {
        Ok(row) => row.get(0),
        Err(e) => {
            tracing::warn!("webhooks: store: {e}");
            false
        }
    }
}

/// The PostgreSQL store, over one connection (`None` only while it is dropped).
pub struct Postgres {
    url: String,
    client: RefCell<Option<Client>>,
}

impl Drop for Postgres {
    /// The client owns a runtime, which may not be dropped on an async runtime's thread (where
    /// the server drops its state): it is dropped on a thread of its own.
    fn drop(&mut self) {
        if let Some(client) = self.client.get_mut().take() {
            let _ = std::thread::spawn(move || drop(client)).join();
        }
    }
}

/// A leased scan job: its id, which attempt this is (the lease's identity) and the submission.
#[derive(Debug)]
pub struct Job {
    /// Its id.
    pub id: i64,
    /// Its attempt: a later lease of the same job has a higher one.
    pub attempt: i32,
    /// The `POST /api/v1/scans` body it was queued with, [`pack`]ed.
    pub submission: Vec<u8>,
}

fn scan_row(r: &Row) -> Scan {
    let summary: String = r.get(6);
    Scan {
        id: r.get(0),
        digest: r.get(1),
        name: r.get(2),
        status: r.get(3),
        db_built: r.get(4),
        created: r.get(5),
        summary: serde_json::from_str(&summary).unwrap_or_default(),
        kev: r.get::<_, i64>(7).try_into().unwrap_or(0),
        error: r.get(8),
    }
}

fn event_row(r: &Row) -> Event {
    Event {
        id: r.get(0),
        at: r.get(1),
        kind: r.get(2),
        digest: r.get(3),
        image: r.get(4),
        vulnerability: r.get(5),
        package: r.get(6),
        fixed: r.get(7),
        db_built: r.get(8),
        admission: r.get::<_, Option<String>>(9).and_then(|a| serde_json::from_str(&a).ok()),
        alert: r.get::<_, Option<String>>(10).and_then(|a| serde_json::from_str(&a).ok()),
    }
}

fn subscription_row(r: &Row) -> Subscription {
    Subscription {
        webhook: Webhook { id: r.get(0), url: r.get(1), created: r.get(2), delivered_through: r.get(3) },
        secret: r.get(4),
    }
}

fn count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

fn int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Applies the migrations the database has not had yet, all in one transaction under an
/// advisory lock (three workers starting together migrate once).
fn migrate(client: &mut Client, now: &str) -> Result<()> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    let current: i64 = tx.query_one("SELECT coalesce(max(version), 0) FROM schema_migrations", &[])?.get(0);
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql)?;
        tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", &[version, &now])?;
        tracing::info!("store: applied migration {version}");
    }
    tx.commit()?;
    Ok(())
}

/// Records one scan in `tx`, as the SQLite store does; returns the scan id and the events.
fn record_scan(tx: &mut Transaction<'_>, record: &ScanRecord, now: &str) -> Result<(i64, usize)> {
    let inventory_id = record.inventory_id;
    let changes = record.changes();
    // Each kind of row in one statement (arrays unnested), not one statement a row.
    if !changes.events.is_empty() {
        let kinds: Vec<&str> = changes.events.iter().map(|e| e.0).collect();
        let vulnerabilities: Vec<&str> = changes.events.iter().map(|e| e.1.0.as_str()).collect();
        let packages: Vec<&str> = changes.events.iter().map(|e| e.1.1.as_str()).collect();
        let fixed: Vec<Option<&str>> = changes.events.iter().map(|e| e.2.map(String::as_str)).collect();
        tx.execute(
            "INSERT INTO events (at, kind, inventory_id, vulnerability, package, fixed, db_built) \
             SELECT $1, k, $2, v, p, f, $3 FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) \
             WITH ORDINALITY AS e(k, v, p, f, n) ORDER BY n",
            &[&now, &inventory_id, &record.db_built, &kinds, &vulnerabilities, &packages, &fixed],
        )?;
    }
    if !changes.gone.is_empty() {
        let column = |i: usize| -> Vec<&str> {
            changes.gone.iter().map(|k| [k.0.as_str(), k.1.as_str(), k.2.as_str()][i]).collect()
        };
        tx.execute(
            "DELETE FROM findings f USING unnest($2::text[], $3::text[], $4::text[]) AS g(v, p, path) \
             WHERE f.inventory_id = $1 AND f.vulnerability = g.v AND f.package = g.p AND f.path = g.path",
            &[&inventory_id, &column(0), &column(1), &column(2)],
        )?;
    }
    if !changes.upserts.is_empty() {
        let keys = |i: usize| -> Vec<&str> {
            changes.upserts.iter().map(|(k, _)| [k.0.as_str(), k.1.as_str(), k.2.as_str()][i]).collect()
        };
        let installed: Vec<&str> = changes.upserts.iter().map(|(_, f)| f.installed.as_str()).collect();
        let fixed: Vec<Option<&str>> = changes.upserts.iter().map(|(_, f)| f.fixed.as_deref()).collect();
        let severities: Vec<&str> = changes.upserts.iter().map(|(_, f)| f.severity.as_str()).collect();
        let ranks: Vec<i64> = changes.upserts.iter().map(|(_, f)| rank(f.severity)).collect();
        let kev: Vec<bool> = changes.upserts.iter().map(|(_, f)| f.kev).collect();
        tx.execute(
            "INSERT INTO findings (inventory_id, vulnerability, package, path, installed, fixed, severity, \
             severity_rank, kev, first_seen) SELECT $1, v, p, path, i, f, s, r, k, $2 \
             FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], \
             $10::bool[]) AS u(v, p, path, i, f, s, r, k) \
             ON CONFLICT (inventory_id, vulnerability, package, path) DO UPDATE SET installed = excluded.installed, \
             fixed = excluded.fixed, severity = excluded.severity, severity_rank = excluded.severity_rank, \
             kev = excluded.kev",
            &[&inventory_id, &now, &keys(0), &keys(1), &keys(2), &installed, &fixed, &severities, &ranks, &kev],
        )?;
    }
    let id = tx
        .query_one(
            "INSERT INTO scans (inventory_id, db_built, status, created, report, summary, kev) \
             VALUES ($1, $2, 'done', $3, $4, $5, $6) \
             ON CONFLICT (inventory_id, db_built) DO UPDATE SET status = 'done', created = excluded.created, \
             report = excluded.report, summary = excluded.summary, kev = excluded.kev, error = NULL RETURNING id",
            &[&inventory_id, &record.db_built, &now, &record.packed, &record.summary, &record.kev()],
        )?
        .get(0);
    Ok((id, changes.events.len()))
}

impl Postgres {
    /// Connects to the database at `url` and brings its schema up to date.
    pub fn open(url: &str, now: &str) -> Result<Postgres> {
        let mut client = Client::connect(url, NoTls)?;
        migrate(&mut client, now)?;
        Ok(Postgres { url: url.to_owned(), client: RefCell::new(Some(client)) })
    }

    /// The connection, opened again when the last one broke.
    fn client(&self) -> Result<RefMut<'_, Client>> {
        let mut slot = self.client.borrow_mut();
        if slot.as_ref().is_none_or(Client::is_closed) {
            *slot = Some(Client::connect(&self.url, NoTls)?);
            tracing::info!("store: connected to PostgreSQL again");
        }
        RefMut::filter_map(slot, Option::as_mut).map_err(|_| StoreError::Unsupported("store: no connection"))
    }

    fn query(&self, sql: &str, args: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        Ok(self.client()?.query(sql, args)?)
    }

    fn query_opt(&self, sql: &str, args: &[&(dyn ToSql + Sync)]) -> Result<Option<Row>> {
        Ok(self.client()?.query_opt(sql, args)?)
    }

    fn query_one(&self, sql: &str, args: &[&(dyn ToSql + Sync)]) -> Result<Row> {
        Ok(self.client()?.query_one(sql, args)?)
    }

    /// The schema version (the highest migration applied).
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.query_one("SELECT max(version) FROM schema_migrations", &[])?.get(0))
    }

    /// The scan of image `digest` against database version `db_built`, when there is one.
    pub fn scan_of(&self, digest: &str, db_built: &str) -> Result<Option<Scan>> {
        let sql = format!("SELECT {SCAN_COLUMNS} WHERE i.digest = $1 AND s.db_built = $2");
        Ok(self.query_opt(&sql, &[&digest, &db_built])?.as_ref().map(scan_row))
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
        let layers = serde_json::to_string(layer_created_by)?;
        Ok(self
            .query_one(
                "INSERT INTO inventories (digest, name, layer_created_by, inventory, created) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (digest) DO UPDATE SET name = excluded.name RETURNING id",
                &[&digest, &name, &layers, &pack(inventory)?, &now],
            )?
            .get(0))
    }

    /// Records each `(inventory, report)` in one transaction; returns the scan ids and the events.
    pub fn record_scans(&mut self, records: &[ScanRecord], now: &str) -> Result<(Vec<i64>, usize)> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        let (mut ids, mut events) = (Vec::with_capacity(records.len()), 0);
        for record in records {
            let (id, n) = record_scan(&mut tx, record, now)?;
            ids.push(id);
            events += n;
        }
        tx.commit()?;
        Ok((ids, events))
    }

    /// What the store holds of each inventory with a row id from `first` to `last`.
    pub fn priors(&self, first: i64, last: i64) -> Result<BTreeMap<i64, Prior>> {
        let mut priors: BTreeMap<i64, Prior> = BTreeMap::new();
        let sql = "SELECT DISTINCT inventory_id FROM scans WHERE inventory_id BETWEEN $1 AND $2";
        for r in self.query(sql, &[&first, &last])? {
            priors.entry(r.get(0)).or_default().scanned = true;
        }
        let sql = "SELECT inventory_id, vulnerability, package, path, installed, fixed, severity, kev FROM findings \
                   WHERE inventory_id BETWEEN $1 AND $2";
        for r in self.query(sql, &[&first, &last])? {
            let facts = FindingFacts::stored(r.get(4), r.get(5), r.get(6), r.get(7));
            priors.entry(r.get(0)).or_default().findings.insert((r.get(1), r.get(2), r.get(3)), facts);
        }
        Ok(priors)
    }

    /// The scan `id`.
    pub fn scan(&self, id: i64) -> Result<Option<Scan>> {
        Ok(self.query_opt(&format!("SELECT {SCAN_COLUMNS} WHERE s.id = $1"), &[&id])?.as_ref().map(scan_row))
    }

    /// The id of the newest finished scan of image `digest`.
    pub fn newest_scan(&self, digest: &str) -> Result<Option<i64>> {
        Ok(self.query_one(&NEWEST_SCAN.replace('?', "$1"), &[&digest])?.get(0))
    }

    /// Records an admission event (`review` is its JSON); its id.
    pub fn record_admission(&self, kind: &str, review: &str, db_built: &str, now: &str) -> Result<i64> {
        let sql = ADMISSION_EVENT.replace('?', "$");
        Ok(self.query_one(&sql, &[&kind, &review, &db_built, &now])?.get(0))
    }

    /// Records a runtime alert event (`alert` is its JSON); its id.
    pub fn record_alert(&self, alert: &str, db_built: &str, now: &str) -> Result<i64> {
        let sql = ALERT_EVENT.replace('?', "$");
        Ok(self.query_one(&sql, &[&alert, &db_built, &now])?.get(0))
    }

    /// The unfiltered report of scan `id` and the inventory it was made of.
    pub fn report(&self, id: i64) -> Result<Option<(Report, StoredInventory)>> {
        let Some(r) = self.query_opt(
            "SELECT s.report, i.id, i.digest, i.name, i.layer_created_by, i.inventory FROM scans s \
             JOIN inventories i ON i.id = s.inventory_id WHERE s.id = $1 AND s.report IS NOT NULL",
            &[&id],
        )?
        else {
            return Ok(None);
        };
        let (report, layers): (Vec<u8>, String) = (r.get(0), r.get(4));
        let stored = StoredInventory {
            id: r.get(1),
            digest: r.get(2),
            name: r.get(3),
            layer_created_by: serde_json::from_str(&layers)?,
            inventory: r.get(5),
        };
        Ok(Some((serde_json::from_slice(&unpack(&report)?)?, stored)))
    }

    /// Every image with its last scan, by name.
    pub fn images(&self) -> Result<Vec<Image>> {
        let sql = format!(
            "SELECT {SCAN_COLUMNS} WHERE s.id = (SELECT max(id) FROM scans WHERE inventory_id = i.id) \
             ORDER BY i.name, i.digest LIMIT {MAX_ROWS}"
        );
        Ok(self
            .query(&sql, &[])?
            .iter()
            .map(|r| {
                let scan = scan_row(r);
                Image { digest: scan.digest.clone(), name: scan.name.clone(), last_scan: scan }
            })
            .collect())
    }

    /// The scans and events of image `digest`, oldest first; `None` when it is not stored.
    pub fn history(&self, digest: &str) -> Result<Option<History>> {
        let known: bool = self.query_one("SELECT count(*) > 0 FROM inventories WHERE digest = $1", &[&digest])?.get(0);
        if !known {
            return Ok(None);
        }
        let sql = format!("SELECT {SCAN_COLUMNS} WHERE i.digest = $1 ORDER BY s.id LIMIT {MAX_ROWS}");
        let scans = self.query(&sql, &[&digest])?.iter().map(scan_row).collect();
        let sql = format!("SELECT {EVENT_COLUMNS} WHERE i.digest = $1 ORDER BY e.id LIMIT {MAX_ROWS}");
        let events = self.query(&sql, &[&digest])?.iter().map(event_row).collect();
        Ok(Some(History { digest: digest.to_owned(), scans, events }))
    }

    /// The current findings of the stored images that `query` selects: most severe first.
    pub fn findings(&self, query: &FindingQuery) -> Result<Vec<StoredFinding>> {
        let (sql, args) = query.sql(|n| format!("${n}"));
        let args: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
        Ok(self
            .query(&sql, &args)?
            .iter()
            .map(|r| {
                let severity: String = r.get(6);
                StoredFinding {
                    digest: r.get(0),
                    image: r.get(1),
                    vulnerability: r.get(2),
                    package: r.get(3),
                    installed: r.get(4),
                    fixed: r.get(5),
                    severity: severity.parse().unwrap_or(Severity::Unknown),
                    kev: r.get(7),
                    path: r.get(8),
                    first_seen: r.get(9),
                }
            })
            .collect())
    }

    /// The events after id `since`, oldest first, at most `limit`.
    pub fn events_after(&self, since: i64, limit: usize) -> Result<Vec<Event>> {
        let sql = format!("SELECT {EVENT_COLUMNS} WHERE e.id > $1 ORDER BY e.id LIMIT $2");
        Ok(self.query(&sql, &[&since, &int(limit.clamp(1, MAX_ROWS))])?.iter().map(event_row).collect())
    }

    /// The id of the last event (0: none yet).
    pub fn last_event(&self) -> Result<i64> {
        Ok(self.query_one("SELECT coalesce(max(id), 0)::BIGINT FROM events", &[])?.get(0))
    }

    /// The events of database version `db_built`, oldest first, at most `limit`.
    pub fn events_of_build(&self, db_built: &str, limit: usize) -> Result<Vec<Event>> {
        let sql = format!("SELECT {EVENT_COLUMNS} WHERE e.db_built = $1 ORDER BY e.id LIMIT $2");
        Ok(self.query(&sql, &[&db_built, &int(limit.clamp(1, MAX_ROWS))])?.iter().map(event_row).collect())
    }

    /// Adds a webhook that has had the events through `through`.
    pub fn add_webhook(&self, url: &str, secret: &str, now: &str, through: i64) -> Result<Subscription> {
        Ok(subscription_row(&self.query_one(ADD_WEBHOOK, &[&url, &secret, &now, &through])?))
    }

    /// Every webhook, by id.
    pub fn webhooks(&self) -> Result<Vec<Subscription>> {
        Ok(self.query(WEBHOOKS, &[])?.iter().map(subscription_row).collect())
    }

    /// Removes webhook `id`; false when there is none.
    pub fn delete_webhook(&self, id: i64) -> Result<bool> {
        Ok(self.client()?.execute(DELETE_WEBHOOK, &[&id])? == 1)
    }

    /// Records that webhook `id` is done with event `event`.
    pub fn webhook_delivered(&self, id: i64, event: i64) -> Result<()> {
        self.client()?.execute(WEBHOOK_DELIVERED, &[&event, &id])?;
        Ok(())
    }

    /// Records a dead letter and moves its webhook past the event.
    pub fn dead_letter(&mut self, u: &Undelivered<'_>, now: &str) -> Result<()> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        let attempts = i64::from(u.attempts);
        tx.execute(ADD_DEAD_LETTER, &[&u.webhook.id, &u.webhook.url, &u.event, &u.body, &attempts, &u.error, &now])?;
        tx.execute(WEBHOOK_DELIVERED, &[&u.event, &u.webhook.id])?;
        tx.commit()?;
        Ok(())
    }

    /// The dead letters, oldest first, at most `limit`.
    pub fn dead_letters(&self, limit: usize) -> Result<Vec<DeadLetter>> {
        self.query(DEAD_LETTERS, &[&int(limit.clamp(1, MAX_ROWS))])?
            .iter()
            .map(|r| dead_letter(r.get(0), r.get(1), r.get(2), r.get::<_, &str>(3), r.get(4), r.get(5), r.get(6)))
            .collect()
    }

    /// Up to `limit` stored inventories after row id `after`, by id.
    pub fn inventories_after(&self, after: i64, limit: usize) -> Result<Vec<StoredInventory>> {
        self.query(
            "SELECT id, digest, name, layer_created_by, inventory FROM inventories WHERE id > $1 ORDER BY id LIMIT $2",
            &[&after, &int(limit)],
        )?
        .iter()
        .map(|r| {
            let layers: String = r.get(3);
            Ok(StoredInventory {
                id: r.get(0),
                digest: r.get(1),
                name: r.get(2),
                layer_created_by: serde_json::from_str(&layers)?,
                inventory: r.get(4),
            })
        })
        .collect()
    }

    /// How many inventories are stored.
    pub fn inventory_count(&self) -> Result<usize> {
        Ok(count(self.query_one("SELECT count(*) FROM inventories", &[])?.get(0)))
    }

    /// Stores a token by the hash of its secret.
    pub fn add_token(&self, name: &str, scope: &str, hash: &str, now: &str) -> Result<()> {
        self.client()?.execute(
            "INSERT INTO tokens (name, scope, hash, created) VALUES ($1, $2, $3, $4)",
            &[&name, &scope, &hash, &now],
        )?;
        Ok(())
    }

    /// The id, name and scope of the token whose secret hashes to `hash`.
    pub fn token(&self, hash: &str) -> Result<Option<(i64, String, String)>> {
        Ok(self
            .query_opt("SELECT id, name, scope FROM tokens WHERE hash = $1", &[&hash])?
            .map(|r| (r.get(0), r.get(1), r.get(2))))
    }

    /// Queues a scan job of `submission` (a `POST /api/v1/scans` body, its JSON); returns its id.
    ///
    /// # Errors
    ///
    /// When PostgreSQL fails.
    pub fn enqueue(&self, submission: &[u8], now: &str) -> Result<i64> {
        Ok(self
            .query_one(
                "INSERT INTO jobs (submission, created) VALUES ($1, $2) RETURNING id",
                &[&pack(submission)?, &now],
            )?
            .get(0))
    }

    /// Leases the oldest job that is queued, or whose lease ran out (its worker died), to
    /// `worker` for `lease`; rows other workers hold are skipped, not waited for.
    ///
    /// # Errors
    ///
    /// When PostgreSQL fails.
    pub fn lease(&self, worker: &str, lease: Duration) -> Result<Option<Job>> {
        let row = self.query_opt(
            "UPDATE jobs SET state = 'leased', worker = $1, attempts = attempts + 1, \
             lease_until = now() + make_interval(secs => $2) \
             WHERE id = (SELECT id FROM jobs WHERE state = 'queued' OR (state = 'leased' AND lease_until < now()) \
                         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) \
             RETURNING id, attempts, submission",
            &[&worker, &lease.as_secs_f64()],
        )?;
        Ok(row.map(|r| Job { id: r.get(0), attempt: r.get(1), submission: r.get(2) }))
    }

    /// Extends the lease of `job` by `lease` from now; `false` when it is no longer this lease's.
    ///
    /// # Errors
    ///
    /// When PostgreSQL fails.
    pub fn heartbeat(&self, job: (i64, i32), lease: Duration) -> Result<bool> {
        let n = self.client()?.execute(
            "UPDATE jobs SET lease_until = now() + make_interval(secs => $3) \
             WHERE id = $1 AND attempts = $2 AND state = 'leased'",
            &[&job.0, &job.1, &lease.as_secs_f64()],
        )?;
        Ok(n == 1)
    }

    /// Closes the lease of `job`: done with scan `scan_id`, or failed with `error`; `false`
    /// when the lease had run out and the job went to another worker.
    ///
    /// # Errors
    ///
    /// When PostgreSQL fails.
    pub fn finish(&self, job: &Job, outcome: std::result::Result<i64, &str>, now: &str) -> Result<bool> {
        let (state, scan_id, error) = match outcome {
            Ok(scan) => ("done", Some(scan), None),
            Err(e) => ("failed", None, Some(e)),
        };
        let n = self.client()?.execute(
            "UPDATE jobs SET state = $3, scan_id = $4, error = $5, finished = $6, lease_until = NULL \
             WHERE id = $1 AND attempts = $2 AND state = 'leased'",
            &[&job.id, &job.attempt, &state, &scan_id, &error, &now],
        )?;
        Ok(n == 1)
    }

    /// How many jobs are queued or leased.
    ///
    /// # Errors
    ///
    /// When PostgreSQL fails.
    pub fn open_jobs(&self) -> Result<usize> {
        Ok(count(self.query_one("SELECT count(*) FROM jobs WHERE state IN ('queued', 'leased')", &[])?.get(0)))
    }
}
