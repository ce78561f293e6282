//! `hullguard db build|update|info`: the vulnerability database file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use hullguard_vulndb::db::{Db, DbInfo, default_path};
use hullguard_vulndb::feeds;
use hullguard_vulndb::refresh::{self, Notice};
use hullguard_vulndb::update::Limits;

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
    let info = refresh::build(&found, &target, |_| Ok(()), |n| warn_of(&n, quiet))?;
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

/// Run `db update`: [`refresh::update`] of the database, the feeds fetched from `mirror` when
/// given, within the time and rate limits given; what it did on one line.
pub fn update(args: &UpdateArgs, quiet: bool) -> Result<ExitCode> {
    let target = path_or_default(args.db.clone())?;
    let started = Instant::now();
    let limits = Limits {
        deadline: Duration::from_secs(args.timeout),
        min_rate: args.min_rate,
        window: Duration::from_secs(args.rate_window),
        redirect_hosts: args.allow_redirect.clone(),
    };
    let updated = refresh::update(&target, args.mirror.as_deref(), &limits, args.force, |n| warn_of(&n, quiet))?;
    let (fetched, unchanged, skipped) = updated.report.counts();
    if quiet {
        return Ok(ExitCode::SUCCESS);
    }
    match updated.built {
        None => eprintln!(
            "hullguard: database is up to date: {} ({unchanged} feeds unchanged, {skipped} skipped)",
            target.display()
        ),
        Some(info) => eprintln!(
            "hullguard: updated {} in {:.1} s: {fetched} feeds fetched, {unchanged} unchanged, {skipped} skipped; \
             {} advisories, {} CVEs with facts, {} feeds",
            target.display(),
            started.elapsed().as_secs_f64(),
            info.advisories,
            info.cves,
            info.sources.len()
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// `notice` as a warning (none when `quiet`).
fn warn_of(notice: &Notice<'_>, quiet: bool) {
    let warning = match notice {
        Notice::Missing { url, cached } => {
            let kept = if *cached { ", keeping the copy fetched earlier" } else { "" };
            format!("{url} not found (HTTP 404), skipped{kept}")
        }
        Notice::Rejected { feed, count } => format!("{feed}: {count} records rejected"),
    };
    warn([warning], quiet);
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
