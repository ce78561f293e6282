//! What a scan keeps and whether it fails: suppression (ignore file and VEX), the scope filters
//! (`--ignore-unfixed`, `--kev-only`, `--severity`) and the CI gate. Moved from the CLI's scan
//! command: the server and webhook apply the same policy.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use hullguard_report::Severity;
use hullguard_report::gate::Gate;
use hullguard_report::suppress::{apply, load_ignore, parse_vex};
use hullguard_report::time::today_utc;
use hullguard_report::{Finding, Report, VulnStatus};
use hullguard_vulndb::detect::remediations;

/// The suppression, filters and gate of a scan.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// The ignore file; `None`: `.hullguardignore` or `.trivyignore` when present.
    pub ignorefile: Option<PathBuf>,
    /// VEX documents.
    pub vex: Vec<PathBuf>,
    /// Keep only vulnerabilities with a fix.
    pub ignore_unfixed: bool,
    /// Keep only vulnerabilities in the KEV catalogue.
    pub kev_only: bool,
    /// The severities shown (empty: all).
    pub severity: Vec<Severity>,
    /// When the scan fails.
    pub gate: Gate,
    /// Whether Go findings get a reachability verdict and whether the gate heeds it.
    pub reachability: ReachabilityMode,
}

/// `--reachability`: what the symbols of Go binaries do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReachabilityMode {
    /// Not read; no verdicts.
    Off,
    /// Read; every Go finding carries its verdict; `not_affected` findings still count for the gate.
    #[default]
    Report,
    /// As `Report`, and the gate ignores `not_affected` findings.
    Gate,
}

/// Applies the ignore file (`--ignorefile`, else `.hullguardignore` or `.trivyignore` when present) and the VEX
/// documents; returns the warnings to print.
pub fn suppress(report: &mut Report, policy: &Policy) -> Result<Vec<String>> {
    let ignore = load_ignore(policy.ignorefile.as_deref()).map_err(|e| anyhow!("{e}"))?;
    let mut vex = Vec::new();
    for path in &policy.vex {
        let bytes = std::fs::read(path).with_context(|| path.display().to_string())?;
        vex.push(parse_vex(&bytes, &path.display().to_string()).map_err(|e| anyhow!("{e}"))?);
    }
    Ok(apply(report, ignore.as_ref(), &vex, &today_utc()))
}

/// The severity of every finding of the report the gate counts, of all three kinds.
fn severities(report: &Report, policy: &Policy) -> Vec<Severity> {
    let counts =
        |f: &&Finding| policy.reachability != ReachabilityMode::Gate || f.vuln().is_none_or(|v| !v.not_affected());
    report.findings.iter().filter(counts).map(|f| f.severity).collect()
}

/// Applies the scope filters (`--ignore-unfixed`, `--kev-only`), keeps only the severities
/// `--severity` shows, and returns whether the gate trips (`--fail-on` on every finding left,
/// `--exit-code` alone on those shown; with [`ReachabilityMode::Gate`], neither counts the
/// findings reachability found `not_affected`).
pub fn filter(report: &mut Report, policy: &Policy) -> bool {
    // The scope flags speak of vulnerabilities: misconfigurations and secrets stay.
    if policy.ignore_unfixed {
        report.findings.retain(|f| f.vuln().is_none_or(|v| v.status == VulnStatus::Fixed));
    }
    if policy.kev_only {
        report.findings.retain(|f| f.vuln().is_none_or(|v| v.kev.is_some()));
    }
    let remaining = severities(report, policy);
    if !policy.severity.is_empty() {
        report.findings.retain(|f| policy.severity.contains(&f.severity));
    }
    report.remediations = remediations(&report.findings);
    report.finalize();
    policy.gate.trips(remaining, severities(report, policy))
}
