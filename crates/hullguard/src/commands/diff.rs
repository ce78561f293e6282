//! `hullguard diff BEFORE AFTER`: read both sides (hullguard-scan's `compare`), compare them
//! (hullguard-report's `diff`), render, and gate on what AFTER added.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Result;
use hullguard_report::diff::{self, KINDS};
use hullguard_report::gate::Gate;
use hullguard_report::render::sarif;
use hullguard_scan::compare::{DiffInput, side};
use hullguard_scan::{ScanOptions, Scanners};

use crate::cli::{DiffArgs, DiffFormat};
use crate::output::{report_writer, warn};

/// Runs the diff of `args`.
pub fn run(args: &DiffArgs, scanners: Scanners, quiet: bool) -> Result<ExitCode> {
    let (before_input, after_input) = (DiffInput::parse(&args.before)?, DiffInput::parse(&args.after)?);
    let options = ScanOptions {
        db: args.db.clone(),
        cache_dir: if args.no_cache { None } else { hullguard_scan::DirCache::default_dir() },
        ..ScanOptions::default()
    };
    let (before, warnings) = side(&before_input, scanners, &options)?;
    warn(&warnings, quiet);
    let (after, warnings) = side(&after_input, scanners, &options)?;
    warn(&warnings, quiet);
    let diff = diff::diff(&before, &after);
    let mut out = report_writer(args.output.as_deref())?;
    match args.format {
        DiffFormat::Table => diff::render::table(&diff, &mut out)?,
        DiffFormat::Json => diff::render::json(&diff, &mut out)?,
        DiffFormat::Markdown => diff::render::markdown(&diff, &mut out)?,
        DiffFormat::Sarif => sarif::write(&diff.added_report(&after.report), env!("CARGO_PKG_VERSION"), &mut out)?,
    }
    out.flush()?;
    let gate = Gate { fail_on: args.fail_on, exit_code: args.exit_code };
    let added: Vec<_> = KINDS.iter().flat_map(|k| diff.of_kind(*k).added.iter().map(|c| c.finding.severity)).collect();
    Ok(if gate.trips(added.iter().copied(), added.iter().copied()) {
        ExitCode::from(gate.code())
    } else {
        ExitCode::SUCCESS
    })
}
