//! `hullguard k8s PATH…` and the manifests `hullguard config` finds: read the files, let
//! `hullguard-manifest` check them, and report through the misconfiguration report of `config`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use hullguard_lint::ConfigFormat;
use hullguard_lint::{Found, OtherFiles, ReportArgs, check_skip_names};
use hullguard_manifest::k8s::pss;
use hullguard_manifest::{Input, Settings, compose, files, k8s};
use std::fmt::Write as _;

use hullguard_policy::InputKind;
use hullguard_report::text::escape_control;
use hullguard_report::{Finding, Location};

use crate::commands::policy::{Loaded, PolicyArgs};

/// Arguments of `hullguard k8s`.
#[derive(clap::Args)]
pub struct K8sArgs {
    /// Manifest files (YAML or JSON, multi-document streams, `List` kinds) or directories;
    /// `-` reads standard input (`helm template … | hullguard k8s -`).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Report, ignore file and gate.
    #[command(flatten)]
    pub report: ReportArgs,
    /// Honour no `hullguard.dev/ignore` annotation: objects cannot exempt themselves (central policy).
    #[arg(long)]
    pub no_inline_ignores: bool,
    /// Instead of the checks, print Pod Security Admission's verdict (allowed/forbidden and its
    /// reasons) for every object with a pod spec at this level; exit 1 (or --exit-code) when one
    /// is forbidden.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub pss: Option<PssLevel>,
    /// The policy version PSA evaluates (`latest`, or v1.MINOR such as v1.30).
    #[arg(long, value_name = "VERSION", default_value = "latest", requires = "pss", value_parser = pss::Version::parse)]
    pub pss_version: pss::Version,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// `--pss` levels.
#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum PssLevel {
    /// Prevents known privilege escalations.
    Baseline,
    /// Hardened pods (includes baseline).
    Restricted,
}

/// The manifest scanner `config` plugs into its walk, with the custom policies every file kind
/// (Dockerfiles too) is evaluated by.
pub struct Manifests {
    /// `--no-inline-ignores`.
    pub no_inline_ignores: bool,
    /// `--policy-dir`'s policies.
    pub policies: Option<Loaded>,
}

/// Whether a path is a compose file by its name.
fn is_compose(path: &Path) -> bool {
    path.file_name().is_some_and(|n| files::is_compose_name(&n.to_string_lossy()))
}

impl Manifests {
    fn settings(&self, report: &ReportArgs) -> Settings {
        Settings {
            skip: report.skip_checks.clone(),
            trusted_registries: report.trusted_registries.clone(),
            no_inline_ignores: self.no_inline_ignores,
        }
    }
}

/// The files' contents, read with the manifest size cap.
pub(crate) fn read_all(paths: &[PathBuf]) -> Result<Vec<(String, Vec<u8>)>> {
    paths.iter().map(|p| Ok((p.display().to_string(), files::read(p)?))).collect()
}

/// The inputs of `contents`.
pub(crate) fn inputs(contents: &[(String, Vec<u8>)]) -> Vec<Input<'_>> {
    contents.iter().map(|(name, bytes)| Input { name, bytes }).collect()
}

impl OtherFiles for Manifests {
    fn wants(&self, path: &Path) -> bool {
        is_compose(path) || files::is_kubernetes_file(path)
    }

    fn scan(&self, paths: &[PathBuf], report: &ReportArgs) -> Result<Found> {
        let (compose_files, k8s_files): (Vec<PathBuf>, Vec<PathBuf>) =
            paths.iter().cloned().partition(|p| is_compose(p));
        let settings = self.settings(report);
        let mut found = scan_k8s(&read_all(&k8s_files)?, &settings, self.policies.as_ref())?;
        let compose_contents = read_all(&compose_files)?;
        let scan = compose::scan(&inputs(&compose_contents), &settings);
        found.findings.extend(scan.findings);
        found.suppressed.extend(scan.suppressed);
        found.warnings.extend(scan.warnings);
        if let Some(policies) = &self.policies {
            found.findings.extend(policies.compose(&inputs(&compose_contents))?);
        }
        found.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        Ok(found)
    }

    fn dockerfile(&self, name: &str, document: &serde_json::Value) -> Result<Vec<Finding>> {
        let Some(policies) = &self.policies else { return Ok(Vec::new()) };
        let at = Location::File { path: name.to_owned(), line: 1, column: None, end_line: None };
        policies.evaluate(InputKind::Dockerfile, document, &at)
    }
}

/// The built-in checks over the Kubernetes objects of `contents` and, with `policies`, the
/// policies over the same objects: one parse for both, each object converted once; the findings
/// sorted.
fn scan_k8s(contents: &[(String, Vec<u8>)], settings: &Settings, policies: Option<&Loaded>) -> Result<Found> {
    let mut documents = Vec::new();
    let scan = k8s::scan_each(&inputs(contents), settings, &mut |file, obj| {
        if policies.is_some() {
            documents.push(crate::commands::policy::kubernetes_document(file, obj));
        }
    });
    let mut found = Found { findings: scan.findings, suppressed: scan.suppressed, warnings: scan.warnings };
    if let Some(policies) = policies {
        found.findings.extend(policies.evaluate_documents(InputKind::Kubernetes, &documents)?);
        found.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
    Ok(found)
}

/// Runs `hullguard k8s`.
///
/// # Errors
///
/// An unknown `--skip-check`, a path that cannot be read, the output failing.
pub fn run_k8s(args: &K8sArgs) -> Result<ExitCode> {
    check_skip_names(&args.report)?;
    let mut paths = Vec::new();
    for p in &args.paths {
        files::walk(p, &files::is_manifest_name, &mut paths)?;
    }
    if let Some(level) = args.pss {
        let level = match level {
            PssLevel::Baseline => pss::Level::Baseline,
            PssLevel::Restricted => pss::Level::Restricted,
        };
        return run_pss(args, &paths, level);
    }
    let scanner = Manifests { no_inline_ignores: args.no_inline_ignores, policies: args.policy.load()? };
    let found = scan_k8s(&read_all(&paths)?, &scanner.settings(&args.report), scanner.policies.as_ref())?;
    let target = args.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ");
    hullguard_lint::report(&args.report, &target, &paths, found)
}

/// Arguments of `hullguard compose`.
#[derive(clap::Args)]
pub struct ComposeArgs {
    /// Compose files (any name), or directories searched for compose.yaml, docker-compose*.yml …;
    /// `-` reads standard input.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Report, ignore file and gate.
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// Runs `hullguard compose`.
///
/// # Errors
///
/// An unknown `--skip-check`, a path that cannot be read, the output failing.
pub fn run_compose(args: &ComposeArgs) -> Result<ExitCode> {
    check_skip_names(&args.report)?;
    let mut paths = Vec::new();
    for p in &args.paths {
        files::walk(p, &files::is_compose_name, &mut paths)?;
    }
    let policies = args.policy.load()?;
    let contents = read_all(&paths)?;
    let settings = Manifests { no_inline_ignores: true, policies: None }.settings(&args.report);
    let scan = compose::scan(&inputs(&contents), &settings);
    let mut found = Found { findings: scan.findings, suppressed: scan.suppressed, warnings: scan.warnings };
    if let Some(policies) = &policies {
        found.findings.extend(policies.compose(&inputs(&contents))?);
        found.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
    let target = args.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ");
    hullguard_lint::report(&args.report, &target, &paths, found)
}

/// `hullguard k8s --pss LEVEL`: PSA's verdict per object.
fn run_pss(args: &K8sArgs, paths: &[PathBuf], level: pss::Level) -> Result<ExitCode> {
    let contents = read_all(paths)?;
    let (verdicts, warnings) = k8s::pss_verdicts(&inputs(&contents), level, args.pss_version);
    crate::output::warn(&warnings, false);
    let policy = format!("{}:{}", level.as_str(), args.pss_version);
    let text = match args.report.format {
        ConfigFormat::Json => {
            let doc = serde_json::json!({"schema_version": 1, "policy": {"level": level.as_str(),
                "version": args.pss_version.to_string()}, "verdicts": verdicts, "warnings": warnings});
            serde_json::to_string_pretty(&doc)? + "\n"
        }
        ConfigFormat::Table => {
            let mut s = String::new();
            let esc = |t: &str| escape_control(t).into_owned();
            for v in &verdicts {
                let verdict = if v.allowed { "allowed" } else { "forbidden" };
                let _ = writeln!(s, "{}:{}  {}  {verdict} by {policy}", esc(&v.file), v.line, esc(&v.object));
                for violation in &v.violations {
                    let _ = writeln!(s, "    {}: {}", violation.check, esc(&violation.message()));
                }
            }
            let forbidden = verdicts.iter().filter(|v| !v.allowed).count();
            let _ = writeln!(
                s,
                "\n{} object(s): {} allowed, {forbidden} forbidden",
                verdicts.len(),
                verdicts.len() - forbidden
            );
            s
        }
        ConfigFormat::Sarif => {
            let target = args.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ");
            let mut report = hullguard_report::Report::new(&target);
            report.files = paths.iter().map(|p| p.display().to_string()).collect();
            report.findings = verdicts.iter().flat_map(|v| v.findings(level, args.pss_version)).collect();
            report.warnings = warnings;
            report.finalize();
            let mut out = Vec::new();
            hullguard_report::render::sarif::write(&report, env!("CARGO_PKG_VERSION"), &mut out)?;
            String::from_utf8(out)?
        }
        ConfigFormat::Input => anyhow::bail!("--pss: the verdicts are shown as table, json or sarif"),
    };
    crate::output::write_report(&text, args.report.output.as_deref())?;
    let gate = hullguard_report::gate::Gate { fail_on: None, exit_code: args.report.exit_code };
    Ok(if verdicts.iter().any(|v| !v.allowed) { ExitCode::from(gate.code()) } else { ExitCode::SUCCESS })
}
