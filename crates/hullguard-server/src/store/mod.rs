//! The results store: the inventories, the scans and their reports, the current findings of
//! every image, the events and the API tokens. One SQLite file (WAL) by default ([`sqlite`]),
//! or a PostgreSQL database ([`postgres`], which also holds the scan jobs of `--worker`
//! processes). A restart loses nothing; each schema is versioned and migrated at start.

mod migrations;
pub mod postgres;
mod sqlite;

use std::collections::BTreeMap;
use std::path::Path;

use hullguard_inventory::Inventory;
use hullguard_report::{Report, Severity};

use crate::wire::{Admission, DeadLetter, Event, History, Image, Scan, StoredFinding, Webhook};

/// A store problem: what went wrong (the caller names the store). One line: the causes are
/// shown, not chained.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused.
    #[error("store: {0}")]
    Sqlite(rusqlite::Error),
    /// PostgreSQL refused or is out of reach.
    #[error("store: {0}")]
    Postgres(::postgres::Error),
    /// A stored document does not read back.
    #[error("store: a stored document does not read back: {0}")]
    Json(serde_json::Error),
    /// A stored document does not compress or decompress.
    #[error("store: a stored document does not unpack: {0}")]
    Pack(std::io::Error),
    /// A row that was just written is not there.
    #[error("store: scan {0} is missing after it was recorded")]
    Missing(i64),
    /// This store cannot do that (scan jobs need PostgreSQL).
    #[error("{0}")]
    Unsupported(&'static str),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

impl From<::postgres::Error> for StoreError {
    fn from(e: ::postgres::Error) -> Self {
        StoreError::Postgres(e)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Json(e)
    }
}

/// The result of a store call.
pub type Result<T> = std::result::Result<T, StoreError>;

/// The store: SQLite or PostgreSQL, over one connection (calls are serialised by the server).
pub enum Store {
    /// One SQLite file.
    Sqlite(sqlite::Sqlite),
    /// A PostgreSQL database.
    Postgres(Box<postgres::Postgres>),
}

/// Calls the same method on either store.
macro_rules! each {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            Store::Sqlite($s) => $call,
            Store::Postgres($s) => $call,
        }
    };
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

impl FindingQuery {
    /// The SQL of this query and its text arguments; `placeholder(n)` writes the n-th (from 1)
    /// in the store's dialect.
    fn sql(&self, placeholder: fn(usize) -> String) -> (String, Vec<String>) {
        let mut sql = String::from(
            "SELECT i.digest, i.name, f.vulnerability, f.package, f.installed, f.fixed, f.severity, f.kev, f.path, \
             f.first_seen FROM findings f JOIN inventories i ON i.id = f.inventory_id WHERE 1 = 1",
        );
        let mut args: Vec<String> = Vec::new();
        let mut arg = |sql: &mut String, clause: &str, value: &str| {
            args.push(value.to_owned());
            sql.push_str(&clause.replace('?', &placeholder(args.len())));
        };
        if let Some(p) = &self.package {
            arg(&mut sql, " AND f.package = ?", p);
        }
        if let Some(v) = &self.vulnerability {
            arg(&mut sql, " AND f.vulnerability = ?", v);
        }
        if let Some(image) = &self.image {
            arg(&mut sql, " AND (i.digest = ? OR i.name = ?)", image);
        }
        if let Some(since) = &self.since {
            arg(&mut sql, " AND f.first_seen >= ?", since);
        }
        if !self.severities.is_empty() {
            let list: Vec<String> = self.severities.iter().map(|s| format!("'{}'", s.as_str())).collect();
            sql.push_str(&format!(" AND f.severity IN ({})", list.join(", ")));
        }
        sql.push_str(&format!(
            " ORDER BY f.severity_rank DESC, i.name, f.package, f.vulnerability, f.path LIMIT {}",
            self.limit.clamp(1, MAX_ROWS)
        ));
        (sql, args)
    }
}

/// The most rows one listing returns.
pub const MAX_ROWS: usize = 10_000;

const SCAN_COLUMNS: &str = "s.id, i.digest, i.name, s.status, s.db_built, s.created, s.summary, s.kev, s.error FROM scans s \
     JOIN inventories i ON i.id = s.inventory_id";

/// The newest finished scan of an image, by digest (its one parameter).
const NEWEST_SCAN: &str = "SELECT max(s.id) FROM scans s JOIN inventories i ON i.id = s.inventory_id \
     WHERE i.digest = ? AND s.status = 'done'";

/// An admission event (kind, review, database, time): no image, no finding.
const ADMISSION_EVENT: &str = "INSERT INTO events (at, kind, vulnerability, package, db_built, admission) \
     VALUES (?4, ?1, '', '', ?3, ?2) RETURNING id";

/// A runtime alert event (alert JSON, database, time): no image, no finding.
const ALERT_EVENT: &str = "INSERT INTO events (at, kind, vulnerability, package, db_built, alert) \
     VALUES (?3, 'runtime_alert', '', '', ?2, ?1) RETURNING id";

const EVENT_COLUMNS: &str = "e.id, e.at, e.kind, coalesce(i.digest, ''), coalesce(i.name, ''), e.vulnerability, \
     e.package, e.fixed, e.db_built, e.admission, e.alert FROM events e LEFT JOIN inventories i ON i.id = e.inventory_id";

/// The SQL of the webhook tables, the same for both stores: SQLite numbers `$1`, `$2`… by first
/// appearance, so each statement names them in order.
const ADD_WEBHOOK: &str = "INSERT INTO webhooks (url, secret, created, delivered_through) VALUES ($1, $2, $3, $4) \
     RETURNING id, url, created, delivered_through, secret";
const WEBHOOKS: &str = "SELECT id, url, created, delivered_through, secret FROM webhooks ORDER BY id";
const DELETE_WEBHOOK: &str = "DELETE FROM webhooks WHERE id = $1";
const WEBHOOK_DELIVERED: &str = "UPDATE webhooks SET delivered_through = $1 WHERE id = $2";
const ADD_DEAD_LETTER: &str = "INSERT INTO dead_letters (webhook_id, url, event_id, body, attempts, error, at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
const DEAD_LETTERS: &str =
    "SELECT id, webhook_id, url, body, attempts, error, at FROM dead_letters ORDER BY id LIMIT $1";

/// A webhook subscription with its secret, for delivery.
#[derive(Debug, Clone)]
pub struct Subscription {
    /// The subscription as the API shows it.
    pub webhook: Webhook,
    /// The HMAC key.
    pub secret: String,
}

/// An event a webhook did not take: what [`Store::dead_letter`] records.
pub struct Undelivered<'a> {
    /// The webhook.
    pub webhook: &'a Webhook,
    /// The event's id.
    pub event: i64,
    /// The body that was sent.
    pub body: &'a str,
    /// How many times.
    pub attempts: u32,
    /// The last failure.
    pub error: &'a str,
}

/// A dead letter from its stored columns (the body is the event's JSON).
fn dead_letter(
    id: i64,
    webhook: i64,
    url: String,
    body: &str,
    attempts: i64,
    error: String,
    at: String,
) -> Result<DeadLetter> {
    Ok(DeadLetter {
        id,
        webhook,
        url,
        event: serde_json::from_str(body)?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        error,
        at,
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

impl FindingFacts {
    /// The facts of a stored row (its severity as the store writes it).
    fn stored(installed: String, fixed: Option<String>, severity: &str, kev: bool) -> FindingFacts {
        FindingFacts { installed, fixed, severity: severity.parse().unwrap_or(Severity::Unknown), kev }
    }
}

/// What the store holds of an image before a new scan of it is recorded: whether it was scanned
/// before (only then is a difference an event) and its current findings. Read for a whole
/// re-scan batch at once ([`Store::priors`]), before the batch's write transaction.
#[derive(Default)]
pub struct Prior {
    /// A scan of it is stored.
    scanned: bool,
    /// Its current findings, by key.
    findings: BTreeMap<FindingKey, FindingFacts>,
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

/// A report ready to be recorded as the scan of an inventory: what the store writes of it is
/// worked out beforehand ([`ScanRecord::new`]), so that a re-scan does it off the writing thread.
pub struct ScanRecord {
    /// The inventory's row id.
    inventory_id: i64,
    /// The database version it was matched against.
    db_built: String,
    /// Its vulnerability findings, by key.
    findings: BTreeMap<FindingKey, FindingFacts>,
    /// Its severity counts, as JSON.
    summary: String,
    /// The report's JSON, [`pack`]ed.
    packed: Vec<u8>,
    /// What the store held of the image before this scan.
    prior: Prior,
}

impl ScanRecord {
    /// The record of `report` (unfiltered) as the scan of inventory `inventory_id`, which the
    /// store held as `prior` before it.
    ///
    /// # Errors
    ///
    /// When the report does not serialise or pack.
    pub fn new(inventory_id: i64, report: &Report, prior: Prior) -> Result<ScanRecord> {
        Ok(ScanRecord {
            inventory_id,
            db_built: report.db_built.clone(),
            findings: findings_of(report),
            summary: serde_json::to_string(&report.summary)?,
            packed: pack(&serde_json::to_vec(report)?)?,
            prior,
        })
    }

    /// What recording it changes in the image's findings table.
    fn changes(&self) -> Changes<'_> {
        changes(&self.prior.findings, &self.findings, self.prior.scanned)
    }

    /// How many of its findings are known exploited.
    fn kev(&self) -> i64 {
        i64::try_from(self.findings.values().filter(|f| f.kev).count()).unwrap_or(i64::MAX)
    }
}

/// What recording a new report changes in an image's findings table, in the order it is written.
struct Changes<'a> {
    /// The events (none on a first scan): kind, finding, its fix version.
    events: Vec<(&'static str, &'a FindingKey, Option<&'a String>)>,
    /// The findings that are gone.
    gone: Vec<&'a FindingKey>,
    /// The findings that are new or changed.
    upserts: Vec<(&'a FindingKey, &'a FindingFacts)>,
}

/// The changes from the `old` findings to the `new`; `rescan`: the image was scanned before.
fn changes<'a>(
    old: &'a BTreeMap<FindingKey, FindingFacts>,
    new: &'a BTreeMap<FindingKey, FindingFacts>,
    rescan: bool,
) -> Changes<'a> {
    let mut out = Changes { events: Vec::new(), gone: Vec::new(), upserts: Vec::new() };
    for (key, facts) in old {
        if !new.contains_key(key) {
            out.events.push(("withdrawn", key, facts.fixed.as_ref()));
            out.gone.push(key);
        }
    }
    for (key, facts) in new {
        match old.get(key) {
            None => out.events.push(("new_finding", key, facts.fixed.as_ref())),
            Some(before) if before == facts => continue,
            Some(before) if before.fixed.is_none() && facts.fixed.is_some() => {
                out.events.push(("fixed_upstream", key, facts.fixed.as_ref()));
            }
            Some(_) => {}
        }
        out.upserts.push((key, facts));
    }
    if !rescan {
        out.events.clear();
    }
    out
}

/// A document as stored: its JSON, zstd-compressed (a re-scan writes a report per image; JSON
/// shrinks about tenfold).
pub fn pack(json: &[u8]) -> Result<Vec<u8>> {
    zstd::bulk::compress(json, 1).map_err(StoreError::Pack)
}

/// The JSON [`pack`] stored, at most [`MAX_DOCUMENT_BYTES`].
pub fn unpack(bytes: &[u8]) -> Result<Vec<u8>> {
    zstd::bulk::decompress(bytes, MAX_DOCUMENT_BYTES).map_err(StoreError::Pack)
}

/// The largest document read back from the store.
const MAX_DOCUMENT_BYTES: usize = 1 << 30;

/// The rank SQL orders severities by (`Critical` highest).
fn rank(severity: Severity) -> i64 {
    Severity::ALL.iter().position(|s| *s == severity).map_or(0, |p| i64::try_from(p).unwrap_or(0))
}

/// Whether `location` names a PostgreSQL database rather than a file.
pub fn is_postgres(location: &Path) -> bool {
    location.to_str().is_some_and(|s| s.starts_with("postgres://") || s.starts_with("postgresql://"))
}

impl Store {
    /// Opens (or creates) the store at `location` (a SQLite file, or a `postgres://` URL) and
    /// brings its schema up to date.
    ///
    /// # Errors
    ///
    /// When it cannot be opened or migrated.
    pub fn open(location: &Path, now: &str) -> Result<Store> {
        match location.to_str().filter(|_| is_postgres(location)) {
            Some(url) => Ok(Store::Postgres(Box::new(postgres::Postgres::open(url, now)?))),
            None => Ok(Store::Sqlite(sqlite::Sqlite::open(location, now)?)),
        }
    }

    /// The schema version (the highest migration applied).
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn schema_version(&self) -> Result<i64> {
        each!(self, s => s.schema_version())
    }

    /// The scan of image `digest` against database version `db_built`, when there is one.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn scan_of(&self, digest: &str, db_built: &str) -> Result<Option<Scan>> {
        each!(self, s => s.scan_of(digest, db_built))
    }

    /// Stores (or renames) the inventory of image `digest` (its JSON); returns its row id.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn save_inventory(
        &self,
        digest: &str,
        name: &str,
        layer_created_by: &[Option<String>],
        inventory: &[u8],
        now: &str,
    ) -> Result<i64> {
        each!(self, s => s.save_inventory(digest, name, layer_created_by, inventory, now))
    }

    /// Records the scan of inventory `inventory_id` giving `report` (unfiltered), in one
    /// transaction: the scan row, the image's current findings, and, when the image had been
    /// scanned before, one event per difference.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn record_scan(&mut self, inventory_id: i64, report: &Report, now: &str) -> Result<Scan> {
        let prior = self.priors(inventory_id, inventory_id)?.remove(&inventory_id).unwrap_or_default();
        let record = ScanRecord::new(inventory_id, report, prior)?;
        let id = each!(self, s => s.record_scans(std::slice::from_ref(&record), now))?.0;
        let id = id.first().copied().unwrap_or_default();
        self.scan(id)?.ok_or(StoreError::Missing(id))
    }

    /// What the store holds of each inventory with a row id from `first` to `last` (those with
    /// neither a scan nor a finding are left out): two statements for a whole re-scan batch.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn priors(&self, first: i64, last: i64) -> Result<BTreeMap<i64, Prior>> {
        each!(self, s => s.priors(first, last))
    }

    /// Records the scans of many inventories (a re-scan batch) in one transaction; returns the
    /// number of events.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn record_scans(&mut self, reports: &[ScanRecord], now: &str) -> Result<usize> {
        Ok(each!(self, s => s.record_scans(reports, now))?.1)
    }

    /// The scan `id`.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn scan(&self, id: i64) -> Result<Option<Scan>> {
        each!(self, s => s.scan(id))
    }

    /// The id of the newest finished scan of image `digest`.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn newest_scan(&self, digest: &str) -> Result<Option<i64>> {
        each!(self, s => s.newest_scan(digest))
    }

    /// Records an admission event of `kind` of `review`, the database `db_built` in use; its id.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn record_admission(&self, kind: &str, review: &Admission, db_built: &str, now: &str) -> Result<i64> {
        let review = serde_json::to_string(review)?;
        each!(self, s => s.record_admission(kind, &review, db_built, now))
    }

    /// Records a runtime alert event of `alert` (its JSON), the database `db_built` in use; its id.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn record_alert(&self, alert: &serde_json::Value, db_built: &str, now: &str) -> Result<i64> {
        let alert = alert.to_string();
        each!(self, s => s.record_alert(&alert, db_built, now))
    }

    /// The unfiltered report of scan `id` and the inventory it was made of.
    ///
    /// # Errors
    ///
    /// When the store fails or a stored document does not read back.
    pub fn report(&self, id: i64) -> Result<Option<(Report, StoredInventory)>> {
        each!(self, s => s.report(id))
    }

    /// Every image with its last scan, by name.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn images(&self) -> Result<Vec<Image>> {
        each!(self, s => s.images())
    }

    /// The scans and events of image `digest`, oldest first; `None` when it is not stored.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn history(&self, digest: &str) -> Result<Option<History>> {
        each!(self, s => s.history(digest))
    }

    /// The current findings of the stored images that `query` selects: most severe first.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn findings(&self, query: &FindingQuery) -> Result<Vec<StoredFinding>> {
        each!(self, s => s.findings(query))
    }

    /// The events after id `since`, oldest first, at most `limit`.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn events_after(&self, since: i64, limit: usize) -> Result<Vec<Event>> {
        each!(self, s => s.events_after(since, limit))
    }

    /// The id of the last event (0: none yet).
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn last_event(&self) -> Result<i64> {
        each!(self, s => s.last_event())
    }

    /// Up to `limit` stored inventories after row id `after`, by id.
    ///
    /// # Errors
    ///
    /// When the store fails or a stored document does not read back.
    pub fn inventories_after(&self, after: i64, limit: usize) -> Result<Vec<StoredInventory>> {
        each!(self, s => s.inventories_after(after, limit))
    }

    /// How many inventories are stored.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn inventory_count(&self) -> Result<usize> {
        each!(self, s => s.inventory_count())
    }

    /// Stores a token by the hash of its secret.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn add_token(&self, name: &str, scope: &str, hash: &str, now: &str) -> Result<()> {
        each!(self, s => s.add_token(name, scope, hash, now))
    }

    /// The id, name and scope of the token whose secret hashes to `hash`.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn token(&self, hash: &str) -> Result<Option<(i64, String, String)>> {
        each!(self, s => s.token(hash))
    }

    /// The events recorded by the re-scan against database version `db_built`, oldest first.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn events_of_build(&self, db_built: &str, limit: usize) -> Result<Vec<Event>> {
        each!(self, s => s.events_of_build(db_built, limit))
    }

    /// Adds a webhook; it gets the events after the last one recorded now.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn add_webhook(&self, url: &str, secret: &str, now: &str) -> Result<Subscription> {
        let through = self.last_event()?;
        each!(self, s => s.add_webhook(url, secret, now, through))
    }

    /// Every webhook, by id.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn webhooks(&self) -> Result<Vec<Subscription>> {
        each!(self, s => s.webhooks())
    }

    /// Removes webhook `id`; false when there is none.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn delete_webhook(&self, id: i64) -> Result<bool> {
        each!(self, s => s.delete_webhook(id))
    }

    /// Records that webhook `id` took event `event` (or gave up on it).
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn webhook_delivered(&self, id: i64, event: i64) -> Result<()> {
        each!(self, s => s.webhook_delivered(id, event))
    }

    /// Records a dead letter and moves its webhook past the event, in one transaction.
    ///
    /// # Errors
    ///
    /// When the store fails.
    pub fn dead_letter(&mut self, undelivered: &Undelivered<'_>, now: &str) -> Result<()> {
        each!(self, s => s.dead_letter(undelivered, now))
    }

    /// The dead letters, oldest first, at most `limit`.
    ///
    /// # Errors
    ///
    /// When the store fails or a stored body does not read back.
    pub fn dead_letters(&self, limit: usize) -> Result<Vec<DeadLetter>> {
        each!(self, s => s.dead_letters(limit))
    }

    /// The PostgreSQL store, for the scan jobs.
    ///
    /// # Errors
    ///
    /// When this is a SQLite store.
    pub fn jobs(&self) -> Result<&postgres::Postgres> {
        match self {
            Store::Postgres(p) => Ok(p.as_ref()),
            Store::Sqlite(_) => Err(StoreError::Unsupported("scan jobs need a postgres:// store")),
        }
    }
}
