//! `hullguard db build|update|info`: the vulnerability database file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use hullguard_vulndb::db::{Builder, Db, DbError, DbInfo, default_path};
use hullguard_vulndb::{feeds, update as fetch};

use crate::cli::{Format, UpdateArgs};
use crate::output::warn;

/// The database path: the one given, else the default location.
fn path_or_default(db: Option<PathBuf>) -> Result<PathBuf> {
    db.or_else(default_path).ok_or_else(|| anyhow!("no database location: set --db, HULLGUARD_DB or HOME"))
}

/// Run `db build`: import every feed found under `sources` into a new file,
/// renamed over `db` only once complete.
pub fn build(sources: &[PathBuf], db: Option<PathBuf>, quiet: bool) -> Result<ExitCode> {
    let target = path_or_default(db)?;
    let started = Instant::now();
    let mut found = Vec::new();
    for source in sources {
        found.extend(feeds::discover(source)?);
    }
    let info = build_from(&found, &target, quiet, |_| Ok(()))?;
    if !quiet {
        eprintln!(
            "hullguard: built {} in {:.1} s: {} advisories, {} CVEs with facts, {} feeds",
            target.display(),
            started.elapsed().as_secs_f64(),
            info.advisories,
            info.cves,
            info.sources.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Imports `found` into a new database renamed over `target` once complete,
/// if `accept` says yes to it.
fn build_from(
    found: &[feeds::Feed],
    target: &Path,
    quiet: bool,
    accept: impl FnOnce(&DbInfo) -> Result<(), DbError>,
) -> Result<DbInfo> {
    let mut builder = Builder::create(target)?;
    for feed in found {
        let rejected = feeds::import(feed, &mut builder)?;
        if !rejected.is_empty() {
            warn([format!("{}: {} records rejected", feed.name, rejected.len())], quiet);
        }
        for line in rejected {
            tracing::debug!("rejected: {line}");
        }
    }
    Ok(builder.finish_if(accept)?)
}

/// Run `db update`: fetch the feeds (from `mirror` when given) into the
/// `feeds` folder beside the database, then rebuild the database from that
/// folder if anything changed or it does not exist yet. Any failed or
/// corrupt download leaves both the folder and the database as they were;
/// so does a new database that would lose a feed or more than
/// [`fetch::MAX_RECORD_DROP_PERCENT`] of a feed's records, unless `--force`.
pub fn update(args: &UpdateArgs, quiet: bool) -> Result<ExitCode> {
    let target = path_or_default(args.db.clone())?;
    if target.is_dir() {
        return Err(DbError::Folder(target).into());
    }
    let started = Instant::now();
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let folder = dir.join("feeds");
    let remotes = args.mirror.as_deref().map_or_else(fetch::production_feeds, fetch::mirrored_feeds);
    let limits = fetch::Limits {
        deadline: Duration::from_secs(args.timeout),
        min_rate: args.min_rate,
        window: Duration::from_secs(args.rate_window),
        redirect_hosts: args.allow_redirect.clone(),
    };
    let (report, state) = fetch::fetch(&folder, &remotes, &limits)?;
    if report.feeds.iter().all(|(_, o)| matches!(o, fetch::Outcome::Missing { .. })) {
        let first = report.feeds.first().map_or("", |(r, _)| r.url.as_str());
        return Err(anyhow!("cannot update: every feed answered HTTP 404 (the first: {first}); nothing was changed"));
    }
    for (remote, outcome) in &report.feeds {
        if let fetch::Outcome::Missing { cached } = outcome {
            let kept = if *cached { ", keeping the copy fetched earlier" } else { "" };
            warn([format!("{} not found (HTTP 404), skipped{kept}", remote.url)], quiet);
        }
    }
    let (fetched, unchanged, skipped) = report.counts();
    if !report.changed() && target.is_file() {
        state.save(&folder)?;
        if !quiet {
            eprintln!(
                "hullguard: database is up to date: {} ({unchanged} feeds unchanged, {skipped} skipped)",
                target.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let found =
        feeds::discover(&folder).map_err(|e| anyhow!("no feed could be fetched into {}: {e}", folder.display()))?;
    let old = target.is_file().then(|| Db::open(&target).and_then(|db| db.info()).ok()).flatten();
    let keep_coverage = |new: &DbInfo| match old.as_ref().and_then(|old| fetch::coverage_loss(old, new)) {
        Some(lost) if !args.force => Err(DbError::Refused {
            path: target.clone(),
            problem: format!("not replaced: the update would lower coverage ({lost}); rerun with --force to accept"),
        }),
        _ => Ok(()),
    };
    let info = build_from(&found, &target, quiet, keep_coverage)?;
    // Saved only now: after a failed build the next update fetches again.
    state.save(&folder)?;
    if !quiet {
        eprintln!(
            "hullguard: updated {} in {:.1} s: {fetched} feeds fetched, {unchanged} unchanged, {skipped} skipped; \
             {} advisories, {} CVEs with facts, {} feeds",
            target.display(),
            started.elapsed().as_secs_f64(),
            info.advisories,
            info.cves,
            info.sources.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Run `db info`, writing to `output` (stdout when `None`).
pub fn info(db: Option<PathBuf>, format: Format, output: Option<&Path>) -> Result<ExitCode> {
    let path = path_or_default(db)?;
    let info = Db::open(&path)?.info()?;
    if let Some(warning) = info.stale_data_warning(std::time::SystemTime::now()) {
        eprintln!("hullguard: warning: {warning}");
    }
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&info)? + "\n",
        Format::Table => table(&path, &info),
    };
    crate::output::write_report(&text, output)?;
    Ok(ExitCode::SUCCESS)
}

fn table(path: &Path, info: &DbInfo) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}\nschema {}, built {}, {} advisories, {} CVEs with facts, newest data {}\n",
        path.display(),
        info.schema,
        info.built,
        info.advisories,
        info.cves,
        info.newest_data.as_deref().unwrap_or("unknown")
    );
    let _ =
        writeln!(s, "{:<24} {:>8} {:>8}  {:<26} {:<14} LOCATION", "FEED", "RECORDS", "REJECTED", "AS OF", "LICENCE");
    for src in &info.sources {
        let _ = writeln!(
            s,
            "{:<24} {:>8} {:>8}  {:<26} {:<14} {}",
            src.name,
            src.records,
            src.rejected,
            src.as_of.as_deref().unwrap_or("-"),
            src.license,
            src.location
        );
    }
    let mut attributions: Vec<&str> = info.sources.iter().filter_map(|s| s.attribution.as_deref()).collect();
    attributions.sort_unstable();
    attributions.dedup();
    if !attributions.is_empty() {
        let _ = writeln!(s, "\nAttribution:");
        for a in attributions {
            let _ = writeln!(s, "  {a}");
        }
    }
    s
}
