//! What the server does with a submission and with a new database: match an inventory once per
//! image digest and database version, and re-match every stored inventory when the database
//! file changes, recording the differences as events. Blocking code, run off the async runtime.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use hullguard_image::SourceSpec;
use hullguard_image::source::registry::RegistrySpec;
use hullguard_inventory::Inventory;
use hullguard_inventory::sbom::read_sbom;
use hullguard_report::Report;
use hullguard_report::time::rfc3339_utc;
use hullguard_scan::{DetectTarget, ScanOptions, Scanners, Target, collect};
use hullguard_vulndb::db::{Db, DbInfo};
use hullguard_vulndb::detect::Detector;
use sha2::{Digest as _, Sha256};

use crate::store::{ScanRecord, Store, StoredInventory};
use crate::wire::{DbState, Rescan, Scan, ScanSubmission};

/// Now, as the store writes times.
pub fn now() -> String {
    rfc3339_utc(SystemTime::now())
}

/// A failure of a request: the HTTP status class it maps to and one line.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The request is wrong (400).
    #[error("{0}")]
    BadRequest(String),
    /// The server failed (500).
    #[error("{0}")]
    Internal(String),
    /// The registry an image is pulled from failed: out of reach, an error answer, or content
    /// that does not verify (502).
    #[error("{0}")]
    Upstream(String),
}

impl From<crate::store::StoreError> for Failure {
    fn from(e: crate::store::StoreError) -> Self {
        Failure::Internal(e.to_string())
    }
}

impl From<hullguard_vulndb::db::DbError> for Failure {
    fn from(e: hullguard_vulndb::db::DbError) -> Self {
        Failure::Internal(e.to_string())
    }
}

/// The database the server matches with, and the file it came from.
pub struct Vulns {
    path: PathBuf,
    loaded: Mutex<Loaded>,
}

/// An open database and what it says of itself.
struct Loaded {
    db: Db,
    info: DbInfo,
    modified: Option<SystemTime>,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn load(path: &Path) -> Result<Loaded, Failure> {
    let modified = modified(path);
    let db = Db::open(path)?;
    let info = db.info()?;
    Ok(Loaded { db, info, modified })
}

/// The warnings a scan against `info` carries now.
fn warnings_of(info: &DbInfo) -> Vec<String> {
    info.stale_data_warning(SystemTime::now()).into_iter().collect()
}

impl Vulns {
    /// Opens the database at `path`.
    ///
    /// # Errors
    ///
    /// When it is missing or unreadable.
    pub fn open(path: &Path) -> Result<Vulns, Failure> {
        Ok(Vulns { path: path.to_owned(), loaded: Mutex::new(load(path)?) })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Loaded> {
        self.loaded.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What the database in use says of itself.
    pub fn state(&self) -> DbState {
        let loaded = self.lock();
        DbState {
            built: loaded.info.built.clone(),
            newest_data: loaded.info.newest_data.clone(),
            advisories: loaded.info.advisories,
            warnings: warnings_of(&loaded.info),
        }
    }

    /// Whether the file changed since it was opened (its modification time).
    pub fn file_changed(&self) -> bool {
        modified(&self.path) != self.lock().modified
    }
}

/// The inventory of a submission: the one sent, or the SBOM's, read with the SBOM reader's caps.
fn inventory_of(submission: &mut ScanSubmission, max_sbom_bytes: u64) -> Result<Inventory, Failure> {
    if let Some(inventory) = submission.inventory.take() {
        return Ok(inventory);
    }
    let sbom = submission
        .sbom
        .take()
        .ok_or_else(|| Failure::BadRequest("a scan needs an `inventory` or an `sbom`".to_owned()))?;
    let bytes = serde_json::to_vec(&sbom).map_err(|e| Failure::BadRequest(e.to_string()))?;
    read_sbom(&submission.name, bytes.as_slice(), max_sbom_bytes).map_err(|p| Failure::BadRequest(format!("sbom: {p}")))
}

/// The unfiltered report of `inventory` against `db` (Go findings with their reachability
/// verdicts when `reachability`), with the warnings of its data and inventory, and what it could
/// not read.
fn report_of(
    db: &mut Detector<'_>,
    info: &DbInfo,
    stored: &StoredInventory,
    inventory: &Inventory,
    reachability: bool,
) -> Result<Report, Failure> {
    let target = DetectTarget {
        name: stored.name.clone(),
        config_digest: stored_config_digest(stored),
        layer_created_by: stored.layer_created_by.clone(),
        reachability,
    };
    let mut report = db.detect(&target, inventory)?;
    report.warnings = warnings_of(info).into_iter().chain(inventory.warnings.iter().cloned()).collect();
    report.incomplete = inventory.incomplete.clone();
    Ok(report)
}

/// The config digest a stored image was submitted with (images are stored under it; other
/// documents under `inventory:` and the hash of their inventory).
fn stored_config_digest(stored: &StoredInventory) -> Option<String> {
    stored.digest.starts_with("sha256:").then(|| stored.digest.clone())
}

/// Matches a submission once per image digest and database version: a second submission of the
/// same digest returns the stored scan (`true`).
///
/// # Errors
///
/// A bad submission, or a store or database failure.
pub fn submit(
    vulns: &Vulns,
    store: &Mutex<Store>,
    mut submission: ScanSubmission,
    max_sbom_bytes: u64,
) -> Result<(Scan, bool), Failure> {
    if submission.name.is_empty() {
        return Err(Failure::BadRequest("a scan needs a `name`".to_owned()));
    }
    let mut inventory = inventory_of(&mut submission, max_sbom_bytes)?;
    inventory.go_symbols = std::mem::take(&mut submission.go_symbols);
    let json = serde_json::to_vec(&inventory).map_err(|e| Failure::Internal(e.to_string()))?;
    let digest = match &submission.config_digest {
        Some(d) if is_sha256_digest(d) => d.clone(),
        Some(d) => return Err(Failure::BadRequest(format!("config_digest {d:?} is not sha256:<64 hex digits>"))),
        None => format!("inventory:{}", hex::encode(Sha256::digest(&json))),
    };
    let loaded = vulns.lock();
    let lock_store = || store.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(scan) = lock_store().scan_of(&digest, &loaded.info.built)? {
        return Ok((scan, true));
    }
    let now = now();
    let id = lock_store().save_inventory(&digest, &submission.name, &submission.layer_created_by, &json, &now)?;
    let stored = StoredInventory {
        id,
        digest,
        name: submission.name,
        layer_created_by: submission.layer_created_by,
        inventory: Vec::new(),
    };
    let report =
        report_of(&mut Detector::new(&loaded.db, false), &loaded.info, &stored, &inventory, submission.reachability)?;
    let scan = lock_store().record_scan(id, &report, &now)?;
    Ok((scan, false))
}

/// Reads the image `spec` names from its registry (every layer streamed and verified, as `hullguard
/// image registry:…` reads it) and matches its inventory as a submission of it: the scan of an
/// admission review's image that had none (scan on demand).
///
/// # Errors
///
/// When the image cannot be pulled ([`Failure::Upstream`]), or the store or database fails.
pub fn scan_registry_image(
    vulns: &Vulns,
    store: &Mutex<Store>,
    spec: &RegistrySpec,
    max_sbom_bytes: u64,
) -> Result<(Scan, bool), Failure> {
    let target = Target::Image {
        spec: SourceSpec::Registry(Box::new(spec.clone())),
        platform: None,
        reference: spec.name.clone(),
    };
    let vuln = Scanners { vuln: true, ..Scanners::default() };
    let collected = collect(&target, vuln, &ScanOptions::default()).map_err(|e| pull_failure(&e))?;
    let meta = collected.image.as_ref();
    let submission = ScanSubmission {
        name: spec.name.clone(),
        config_digest: meta.and_then(|m| m.config_digest.as_ref()).map(|d| d.as_str().to_owned()),
        layer_created_by: meta.map(|m| m.layers.iter().map(|l| l.created_by.clone()).collect()).unwrap_or_default(),
        inventory: Some(collected.inventory),
        go_symbols: BTreeMap::new(),
        reachability: false,
        sbom: None,
        image: None,
    };
    submit(vulns, store, submission, max_sbom_bytes)
}

/// What a failed read of a registry image is: the registry's fault when the image source gave
/// up (every such error names the registry's answer or why it was out of reach), else ours.
fn pull_failure(e: &anyhow::Error) -> Failure {
    let line = format!("{e:#}");
    if e.chain().any(|cause| cause.is::<hullguard_image::Error>()) {
        Failure::Upstream(format!("pulling from the registry failed: {line}"))
    } else {
        Failure::Internal(line)
    }
}

/// Whether `d` is `sha256:` and 64 lower-case hex digits.
fn is_sha256_digest(d: &str) -> bool {
    d.strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
}

/// How many inventories one transaction of a re-scan records.
const RESCAN_BATCH: usize = 500;

/// Re-opens the database file; when it is another version than the one in use, re-matches every
/// stored inventory against it (each distinct package matched once) and records the differences
/// as events.
///
/// # Errors
///
/// When the new file cannot be opened (the old one stays in use), or the store fails.
pub fn reload(vulns: &Vulns, store: &Mutex<Store>) -> Result<Rescan, Failure> {
    let started = Instant::now();
    let mut loaded = vulns.lock();
    let fresh = load(&vulns.path)?;
    if fresh.info.built == loaded.info.built {
        loaded.modified = fresh.modified;
        return Ok(Rescan { built: fresh.info.built, changed: false, rescanned: 0, events: 0, seconds: 0.0 });
    }
    *loaded = fresh;
    let (rescanned, events) = rescan_all(&loaded.db, &loaded.info, store)?;
    tracing::info!("re-matched {rescanned} inventories against the database of {}: {events} events", loaded.info.built);
    Ok(Rescan {
        built: loaded.info.built.clone(),
        changed: true,
        rescanned,
        events,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Re-matches every stored inventory against `db`, in batches of [`RESCAN_BATCH`] (the store is
/// free for readers between them); returns the inventories re-matched and the events recorded.
/// This thread reads and matches each batch while another one writes the one before it.
fn rescan_all(db: &Db, info: &DbInfo, store: &Mutex<Store>) -> Result<(usize, usize), Failure> {
    let lock_store = || store.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let now = now();
    // One batch waits while the writer records the one before it.
    let (send, receive) = std::sync::mpsc::sync_channel::<Vec<ScanRecord>>(1);
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| -> Result<(usize, usize), Failure> {
            let (mut rescanned, mut events) = (0, 0);
            for records in receive {
                events += lock_store().record_scans(&records, &now)?;
                rescanned += records.len();
            }
            Ok((rescanned, events))
        });
        let matched = (|| -> Result<(), Failure> {
            let mut detector = Detector::new(db, true);
            let mut after = 0;
            loop {
                // The batch and what the store holds of each of its images, read outside the
                // writer's transaction (the batch before it has other row ids).
                let (batch, mut priors) = {
                    let store = lock_store();
                    let batch = store.inventories_after(after, RESCAN_BATCH)?;
                    let (Some(first), Some(last)) = (batch.first(), batch.last()) else { return Ok(()) };
                    after = last.id;
                    let priors = store.priors(first.id, last.id)?;
                    (batch, priors)
                };
                let mut records = Vec::with_capacity(batch.len());
                for stored in &batch {
                    let inventory = stored.read()?;
                    // The Go binaries' functions are not stored: a re-scan gives no reachability verdicts.
                    let report = report_of(&mut detector, info, stored, &inventory, false)?;
                    records.push(ScanRecord::new(stored.id, &report, priors.remove(&stored.id).unwrap_or_default())?);
                }
                if send.send(records).is_err() {
                    return Ok(()); // the writer failed: its error is the answer
                }
            }
        })();
        drop(send);
        let written = writer.join().map_err(|_| Failure::Internal("the re-scan writer panicked".to_owned()))?;
        matched?;
        written
    })
}
