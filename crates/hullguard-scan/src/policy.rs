//! What a scan keeps and whether it fails: suppression (ignore file and VEX), the scope filters
//! (`--ignore-unfixed`, `--kev-only`, `--severity`) and the CI gate. Moved from the CLI's scan
//! command: the server and webhook apply the same policy.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use hullguard_report::Severity;
use hullguard_report::gate::Gate;
use hullguard_report::suppress::{apply, load_ignore, parse_vex};
use hullguard_report::time::today_utc;
use hullguard_report::{Finding, Report, Suppressed, VulnStatus};
use hullguard_vulndb::detect::remediations;

use crate::stage::StageGate;

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
    /// The gate of the stage scanned for (`--stage`), on top of `gate`.
    pub stage: Option<StageGate>,
    /// The report of the stage before (`--baseline`): what it ignored and is still present is
    /// listed as `carried_over`.
    pub baseline: Option<Report>,
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

/// Why `--ignore-unfixed` left a finding out, as the report's `suppressed` list says.
pub const IGNORE_UNFIXED_REASON: &str = "--ignore-unfixed: no fixed version";

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

/// The findings of the report the gates count, of all three kinds.
fn gated<'r>(report: &'r Report, policy: &Policy) -> impl Iterator<Item = &'r Finding> {
    let reachability = policy.reachability;
    report
        .findings
        .iter()
        .filter(move |f| reachability != ReachabilityMode::Gate || f.vuln().is_none_or(|v| !v.not_affected()))
}

/// The severity of every finding the gate counts.
fn severities(report: &Report, policy: &Policy) -> Vec<Severity> {
    gated(report, policy).map(|f| f.severity).collect()
}

/// Applies the scope filters (`--ignore-unfixed`, `--kev-only`), keeps only the severities
/// `--severity` shows, and returns whether the gate trips (`--fail-on` on every finding left,
/// `--exit-code` alone on those shown; the stage gate on every finding left and on what was
/// carried over from the baseline; with [`ReachabilityMode::Gate`], none counts the findings
/// reachability found `not_affected`).
pub fn filter(report: &mut Report, policy: &Policy) -> bool {
    // The scope flags speak of vulnerabilities: misconfigurations and secrets stay.
    if policy.ignore_unfixed {
        // Listed as suppressed, so a later stage's `--baseline` sees what this one ignored.
        let (kept, unfixed) = std::mem::take(&mut report.findings)
            .into_iter()
            .partition(|f| f.vuln().is_none_or(|v| v.status == VulnStatus::Fixed));
        report.findings = kept;
        report.suppressed.extend(unfixed.iter().map(|f: &Finding| Suppressed {
            id: f.id.clone(),
            package: f.subject(),
            reason: IGNORE_UNFIXED_REASON.to_owned(),
        }));
    }
    if policy.kev_only {
        report.findings.retain(|f| f.vuln().is_none_or(|v| v.kev.is_some()));
    }
    let remaining = severities(report, policy);
    let stage_trips = policy.stage.as_ref().is_some_and(|stage| {
        (stage.carried_over && !report.carried_over.is_empty()) || gated(report, policy).any(|f| stage.trips_on(f))
    });
    if !policy.severity.is_empty() {
        report.findings.retain(|f| policy.severity.contains(&f.severity));
    }
    report.remediations = remediations(&report.findings);
    report.finalize();
    policy.gate.trips(remaining, severities(report, policy)) || stage_trips
}
