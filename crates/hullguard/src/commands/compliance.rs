//! `hullguard compliance --spec NAME TARGET…`: scan each target the way its own command does
//! (image through the engine with every scanner, Dockerfile, Kubernetes and compose checks, the
//! host and container audits), hand the results to hullguard-compliance and render its report.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::{Result, anyhow};
use hullguard_compliance::{DbEvidence, Scanned, TargetKind, render, spec};
use hullguard_manifest::{Settings, compose, files, k8s};
use hullguard_report::time::rfc3339_utc;
use hullguard_scan::{DirCache, ScanOptions, ScanRequest, Scanners, Target};

use crate::commands::manifest::{inputs, read_all};
use crate::output::{warn, write_report};

/// Arguments of `hullguard compliance`.
#[derive(clap::Args)]
pub struct ComplianceArgs {
    /// The spec: cis-docker, cis-k8s, nsa-k8s, pss-restricted, soc2 (evidence mapping) or hipaa
    /// (evidence mapping).
    #[arg(long, value_name = "NAME")]
    pub spec: String,
    /// What to check: `k8s:PATH` (manifests, file or directory), `compose:PATH`, `dockerfile:PATH`,
    /// `host` or `host:ROOT` (the daemon and the host files below ROOT), `containers` (every
    /// running container) or `containers:NAME[,NAME…]`, or an image (any image source: `oci-archive:FILE:REF`, `docker:NAME` …).
    #[arg(value_name = "TARGET", required = true)]
    pub targets: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "table")]
    pub format: ComplianceFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The vulnerability database images are matched against (default: the usual location).
    #[arg(long, value_name = "FILE", env = "HULLGUARD_DB")]
    pub db: Option<PathBuf>,
}

/// `--format` of `compliance`.
#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum ComplianceFormat {
    /// Text for a terminal.
    Table,
    /// The report as JSON.
    Json,
    /// One self-contained HTML file (no network needed to view it).
    Html,
}

/// Runs `hullguard compliance`: exit 0 whatever the verdicts (the report is the result).
///
/// # Errors
/// An unknown spec, a target that cannot be read, the output failing.
pub fn run(args: &ComplianceArgs, quiet: bool) -> Result<ExitCode> {
    let spec = spec::builtin(&args.spec)?;
    let mut scanned = Vec::new();
    for target in &args.targets {
        scanned.push(scan(target, args, quiet)?);
    }
    let now = rfc3339_utc(SystemTime::now());
    let report = hullguard_compliance::evaluate(&spec, &scanned, &now, env!("CARGO_PKG_VERSION"));
    let text = match args.format {
        ComplianceFormat::Table => render::table(&report),
        ComplianceFormat::Json => render::json(&report),
        ComplianceFormat::Html => render::html(&report).map_err(|e| anyhow!(e))?,
    };
    write_report(&text, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

/// The manifest files of `path` (a file, or the files of a directory `is_name` picks) and their
/// contents.
fn manifests(path: &str, is_name: &dyn Fn(&str) -> bool) -> Result<Vec<(String, Vec<u8>)>> {
    let mut paths = Vec::new();
    files::walk(Path::new(path), is_name, &mut paths)?;
    read_all(&paths)
}

/// Scans one target.
fn scan(target: &str, args: &ComplianceArgs, quiet: bool) -> Result<Scanned> {
    let checked_at = rfc3339_utc(SystemTime::now());
    let scanned = |kind, findings, outcomes| Scanned {
        kind,
        name: target.to_owned(),
        checked_at: checked_at.clone(),
        findings,
        outcomes,
        db: None,
    };
    let settings = Settings { no_inline_ignores: true, ..Settings::default() };
    if let Some(path) = target.strip_prefix("k8s:") {
        let contents = manifests(path, &files::is_manifest_name)?;
        let found = k8s::scan(&inputs(&contents), &settings);
        warn(&found.warnings, quiet);
        return Ok(scanned(TargetKind::Kubernetes, found.findings, None));
    }
    if let Some(path) = target.strip_prefix("compose:") {
        let contents = manifests(path, &files::is_compose_name)?;
        let found = compose::scan(&inputs(&contents), &settings);
        warn(&found.warnings, quiet);
        return Ok(scanned(TargetKind::Compose, found.findings, None));
    }
    if let Some(path) = target.strip_prefix("dockerfile:") {
        let bytes = files::read(Path::new(path))?;
        let (findings, warnings) = hullguard_checks::dockerfile::check_dockerfile(
            &bytes,
            path,
            &hullguard_checks::dockerfile::Settings::default(),
        );
        warn(warnings.iter().map(|w| format!("{path}: {w}")).collect::<Vec<_>>(), quiet);
        return Ok(scanned(TargetKind::Dockerfile, findings, None));
    }
    if target == "host" || target.starts_with("host:") {
        let root = Path::new(target.strip_prefix("host:").unwrap_or("/"));
        if !root.is_dir() {
            return Err(anyhow!("{target}: {} is not a directory", root.display()));
        }
        let (audit, _, _) = crate::commands::audit::host_audit(root, true)?;
        return Ok(audited(TargetKind::Host, audit, scanned, quiet));
    }
    if target == "containers" || target.starts_with("containers:") {
        let names: Vec<String> =
            target.strip_prefix("containers:").map(|n| n.split(',').map(str::to_owned).collect()).unwrap_or_default();
        let (audit, _, _) = crate::commands::audit::containers_audit(&names)?;
        return Ok(audited(TargetKind::Containers, audit, scanned, quiet));
    }
    let request = ScanRequest {
        target: Target::Image {
            spec: hullguard_image::SourceSpec::parse(target)?,
            platform: None,
            reference: target.to_owned(),
        },
        scanners: Scanners { vuln: true, misconfig: true, secret: true },
        options: ScanOptions { db: args.db.clone(), cache_dir: DirCache::default_dir(), ..ScanOptions::default() },
    };
    let result = hullguard_scan::scan(&request)?;
    warn(&result.warnings, quiet);
    let report = result.report;
    let db = Some(DbEvidence { built: report.db_built.clone(), sources: report.db_sources.clone() });
    Ok(Scanned { db, ..scanned(TargetKind::Image, report.findings, None) })
}

/// The [`Scanned`] of an audit: its findings and every check's outcome.
fn audited(
    kind: TargetKind,
    audit: hullguard_host::Audit,
    scanned: impl Fn(
        TargetKind,
        Vec<hullguard_report::Finding>,
        Option<Vec<(String, hullguard_report::CheckStatus)>>,
    ) -> Scanned,
    quiet: bool,
) -> Scanned {
    warn(&audit.warnings, quiet);
    let outcomes = audit.outcomes.iter().map(|o| (o.id.to_owned(), o.status)).collect();
    scanned(kind, audit.findings, Some(outcomes))
}
