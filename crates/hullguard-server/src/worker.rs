//! `hullguard server --worker`: a process that takes scan jobs from the PostgreSQL store and
//! matches them, with no coordinator: each job is leased (`FOR UPDATE SKIP LOCKED`), its lease
//! kept alive by a heartbeat thread, and closed in the store once the scan is recorded. A job
//! whose worker dies is leased again once its lease runs out. Scans are unique per image digest
//! and database version, so a job done twice (its worker died after recording, before closing)
//! still gives one result.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};

use crate::engine::{self, Failure, Vulns};
use crate::store::postgres::Job;
use crate::store::{Store, is_postgres, unpack};
use crate::wire::ScanSubmission;

/// How to run a worker.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The `postgres://` store.
    pub store: PathBuf,
    /// The vulnerability database file.
    pub db: PathBuf,
    /// How long a lease lasts without a heartbeat (heartbeats come every third of it).
    pub lease: Duration,
    /// The largest SBOM read, in bytes.
    pub max_sbom_bytes: u64,
}

/// How long a worker waits before it asks again, when there was no job or the store failed.
const IDLE: Duration = Duration::from_millis(250);

/// The job being worked on, shared with the heartbeat thread.
type Current = Arc<Mutex<Option<(i64, i32)>>>;

/// Queues a scan job of each SBOM file in the PostgreSQL store at `store`; returns their ids.
///
/// # Errors
///
/// When a file is unreadable or not JSON (naming it), or the store fails.
pub fn enqueue(store: &Path, sboms: &[PathBuf], max_sbom_bytes: u64) -> Result<Vec<i64>> {
    let now = engine::now();
    let store = Store::open(store, &now).with_context(|| store.display().to_string())?;
    let jobs = store.jobs()?;
    let mut ids = Vec::with_capacity(sboms.len());
    for path in sboms {
        let shown = path.display();
        let size = std::fs::metadata(path).with_context(|| shown.to_string())?.len();
        if size > max_sbom_bytes {
            return Err(anyhow!("{shown}: {size} bytes, over the cap of {max_sbom_bytes}"));
        }
        let sbom: serde_json::Value = serde_json::from_slice(&std::fs::read(path).with_context(|| shown.to_string())?)
            .with_context(|| format!("{shown}: not JSON"))?;
        let name = path.file_name().map_or_else(|| shown.to_string(), |n| n.to_string_lossy().into_owned());
        let submission = serde_json::json!({ "name": name, "sbom": sbom });
        ids.push(jobs.enqueue(&serde_json::to_vec(&submission)?, &now)?);
    }
    Ok(ids)
}

/// Takes and runs jobs until the process is stopped.
///
/// # Errors
///
/// When the store or the database cannot be opened at start.
pub fn run(config: &WorkerConfig) -> Result<()> {
    if !is_postgres(&config.store) {
        return Err(anyhow!("{}: --worker needs a postgres:// store", config.store.display()));
    }
    let now = engine::now();
    let shown = config.store.display().to_string();
    let store = Mutex::new(Store::open(&config.store, &now).context(shown.clone())?);
    let vulns = Vulns::open(&config.db).with_context(|| config.db.display().to_string())?;
    let name = worker_name();
    let current: Current = Arc::default();
    let beat = Store::open(&config.store, &now).context(shown)?;
    std::thread::Builder::new().name("heartbeat".into()).spawn({
        let (current, lease) = (current.clone(), config.lease);
        move || heartbeat(&beat, &current, lease)
    })?;
    tracing::info!("worker {name}: taking jobs");
    loop {
        let job = store.lock().unwrap_or_else(std::sync::PoisonError::into_inner).jobs()?.lease(&name, config.lease);
        match job {
            Ok(Some(job)) => {
                set(&current, Some((job.id, job.attempt)));
                let outcome = run_job(&vulns, &store, &job, config.max_sbom_bytes);
                set(&current, None);
                if let Err(e) = outcome {
                    // Left to its lease: another worker (or this one) takes it once it runs out.
                    tracing::warn!("job {} (attempt {}): {e}", job.id, job.attempt);
                    std::thread::sleep(IDLE);
                }
            }
            Ok(None) => std::thread::sleep(IDLE),
            Err(e) => {
                tracing::warn!("store: {e}");
                std::thread::sleep(IDLE);
            }
        }
    }
}

/// This worker's name in the jobs table: host and process id.
fn worker_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    format!("{}:{}", host.trim(), std::process::id())
}

fn set(current: &Current, job: Option<(i64, i32)>) {
    *current.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = job;
}

/// Extends the current job's lease every third of `lease`.
fn heartbeat(store: &Store, current: &Current, lease: Duration) {
    loop {
        std::thread::sleep(lease / 3);
        let Some(job) = *current.lock().unwrap_or_else(std::sync::PoisonError::into_inner) else { continue };
        if let Err(e) = store.jobs().and_then(|jobs| jobs.heartbeat(job, lease)) {
            tracing::warn!("heartbeat of job {}: {e}", job.0);
        }
    }
}

/// Matches `job` and closes its lease: done with its scan, or failed when the submission is bad.
/// A store or database failure is returned and leaves the lease to run out.
fn run_job(vulns: &Vulns, store: &Mutex<Store>, job: &Job, max_sbom_bytes: u64) -> Result<(), Failure> {
    let submission = serde_json::from_slice::<ScanSubmission>(&unpack(&job.submission)?);
    let outcome = match submission {
        Ok(submission) => match engine::submit(vulns, store, submission, max_sbom_bytes) {
            Ok((scan, _)) => Ok(scan.id),
            Err(Failure::BadRequest(e)) => Err(e),
            Err(e) => return Err(e),
        },
        Err(e) => Err(format!("not a scan submission: {e}")),
    };
    let store = store.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let closed = store.jobs()?.finish(job, outcome.as_ref().copied().map_err(String::as_str), &engine::now())?;
    if !closed {
        tracing::warn!("job {} (attempt {}): the lease ran out before it was done", job.id, job.attempt);
    }
    Ok(())
}
