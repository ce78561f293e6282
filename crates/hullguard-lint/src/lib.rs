//! The Dockerfile linter's command line, shared by `hullguard config PATH…` / `hullguard dockerfile
//! FILE…` and the small `hullguard-lint` executable (same flags, formats and exit codes; it links
//! the checks and the report, not the scan engine or the vulnerability database, so it starts in a
//! fraction of the time — for editors and per-file hooks). The findings go into the one report
//! type, through the one suppression path and the report's renderers, as every scan's do.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use hullguard_checks::dockerfile::parse::parse;
use hullguard_checks::dockerfile::{INPUT_SCHEMA_VERSION, Settings, check_dockerfile, input_document};
use hullguard_checks::registry::is_check_name;
use hullguard_report::gate::Gate;
use hullguard_report::render::{self, TableLayout, TableStyle, json, sarif, table};
use hullguard_report::suppress::{apply, load_ignore};
use hullguard_report::text::escape_control;
use hullguard_report::time::today_utc;
use hullguard_report::{Finding, Report, Suppressed};

use clap::{Args, ValueEnum};

/// Arguments of the misconfiguration commands.
#[derive(Args)]
pub struct ConfigArgs {
    /// Files or directories to scan.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Report, ignore file and gate.
    #[command(flatten)]
    pub report: ReportArgs,
    /// Label the final image must carry, with its value format: text, url, rfc3339, spdx, hash,
    /// semver or email (e.g. org.opencontainers.image.source:url); repeatable. Turns on the
    /// label-schema checks HG-DF-087 and HG-DF-089…094.
    #[arg(long = "require-label", value_name = "LABEL:FORMAT", value_parser = parse_label_rule)]
    pub require_labels: Vec<(String, hullguard_checks::dockerfile::LabelFormat)>,
    /// With --require-label: also report labels the schema does not name (HG-DF-088).
    #[arg(long, requires = "require_labels")]
    pub strict_labels: bool,
    /// Report every inline `# hullguard:ignore=` pragma (HG-DF-086); the pragmas still apply.
    #[arg(long)]
    pub report_ignore_pragmas: bool,
    /// Check RUN scripts with ShellCheck (HG-DF-095), the program on PATH or the one given;
    /// `--skip-check SC2086` leaves a code out.
    #[arg(long, value_name = "PROGRAM", num_args = 0..=1, default_missing_value = "shellcheck", require_equals = true)]
    pub shellcheck: Option<PathBuf>,
}

/// The options every misconfiguration command shares: checks left out, trusted registries, the
/// report's format and destination, the ignore file and the gate.
#[derive(Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ConfigFormat::Table)]
    pub format: ConfigFormat,
    /// Check to turn off: id (HG-DF-012), concept (df-user-root) or a peer tool's id (DL3002,
    /// DS002, CKV_DOCKER_8); repeatable. An unknown name is an error.
    #[arg(long = "skip-check", value_name = "ID")]
    pub skip_checks: Vec<String>,
    /// Registry images may come from (e.g. docker.io, ghcr.io, *.example.com); repeatable.
    /// Turns on HG-DF-085 (base images) and the untrusted-registry check of manifests.
    #[arg(long = "trusted-registry", value_name = "REGISTRY")]
    pub trusted_registries: Vec<String>,
    /// Ignore file, the same as for vulnerability scans: entries name check ids (HG-DF-012) or
    /// concept keys, optionally with `path` (glob), `object` (kind/namespace/name glob) and
    /// `expires`; default: .hullguardignore, else .trivyignore, in the working directory.
    #[arg(long, value_name = "FILE")]
    pub ignorefile: Option<PathBuf>,
    /// Show only findings of these severities (comma-separated, e.g. HIGH,CRITICAL).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub severity: Vec<hullguard_report::Severity>,
    /// Fail (exit 1, or --exit-code) when a finding of at least this severity remains after the
    /// ignore file, whether --severity shows it or not.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<hullguard_report::Severity>,
    /// Exit code of a failed gate; alone (without --fail-on), fail when any finding is shown, as
    /// Trivy's --exit-code does.
    #[arg(long, value_name = "N")]
    pub exit_code: Option<u8>,
    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Parses `LABEL:FORMAT` of `--require-label` (the label itself may contain `:`; the format is
/// after the last one).
fn parse_label_rule(s: &str) -> Result<(String, hullguard_checks::dockerfile::LabelFormat), String> {
    let (label, format) = s.rsplit_once(':').ok_or_else(|| format!("'{s}' is not LABEL:FORMAT"))?;
    if label.is_empty() {
        return Err(format!("'{s}' names no label"));
    }
    Ok((label.to_owned(), format.parse()?))
}

/// Output formats of `config` and `dockerfile`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ConfigFormat {
    /// Human-readable text, one finding per line with its fix.
    Table,
    /// Stable JSON.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// The parsed Dockerfiles as the JSON input documents the checks read (for writing policies).
    Input,
}

/// Largest build file read.
pub const MAX_FILE: u64 = 32 << 20;

/// Whether a file name is a Dockerfile/Containerfile by convention.
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
}

/// Directories never worth descending into.
const SKIP_DIRS: [&str; 5] = [".git", "node_modules", "target", ".venv", "vendor"];

/// Files of other kinds that `config` scans beside Dockerfiles (Kubernetes manifests, compose
/// files): the binary plugs their scanner in, so this crate stays a Dockerfile linter.
pub trait OtherFiles {
    /// Whether a file met in a directory walk is one of these (by its name, or by peeking in it).
    fn wants(&self, path: &Path) -> bool;
    /// Scans them.
    ///
    /// # Errors
    ///
    /// A file that cannot be read.
    fn scan(&self, files: &[PathBuf], report: &ReportArgs) -> Result<Found>;
    /// More findings of one Dockerfile, from its input document (custom policies); none by default.
    ///
    /// # Errors
    ///
    /// A policy that fails to evaluate.
    fn dockerfile(&self, _name: &str, _document: &serde_json::Value) -> Result<Vec<Finding>> {
        Ok(Vec::new())
    }
}

/// What a scan found, before the ignore file, the severity filter and the gate.
#[derive(Debug, Default)]
pub struct Found {
    /// The findings, sorted.
    pub findings: Vec<Finding>,
    /// Findings suppressed at the source (inline annotations), counted in the report.
    pub suppressed: Vec<Suppressed>,
    /// Problems with the input.
    pub warnings: Vec<String>,
}

/// Collect Dockerfiles (into `dockerfiles`) and the files `other` wants (into `others`) under
/// `path`, symlinks not followed, sorted. A path named directly is a Dockerfile unless `other`
/// wants it.
fn find(
    path: &Path,
    other: Option<&dyn OtherFiles>,
    dockerfiles: &mut Vec<PathBuf>,
    others: &mut Vec<PathBuf>,
) -> Result<()> {
    let meta = std::fs::symlink_metadata(path).with_context(|| path.display().to_string())?;
    if meta.is_file() {
        if other.is_some_and(|o| o.wants(path)) {
            others.push(path.to_path_buf());
        } else {
            dockerfiles.push(path.to_path_buf());
        }
        return Ok(());
    }
    if !meta.is_dir() {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(path)
        .with_context(|| path.display().to_string())?
        .filter_map(std::result::Result::ok)
        .collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let ft = e.file_type().with_context(|| e.path().display().to_string())?;
        if ft.is_dir() && !SKIP_DIRS.contains(&name.as_str()) {
            find(&e.path(), other, dockerfiles, others)?;
        } else if ft.is_file() && is_dockerfile_name(&name) {
            dockerfiles.push(e.path());
        } else if ft.is_file() && other.is_some_and(|o| o.wants(&e.path())) {
            others.push(e.path());
        }
    }
    Ok(())
}

/// Lint `files` (reported under their displayed names), with `other`'s findings of each:
/// findings sorted, and warnings.
fn lint(
    files: &[PathBuf],
    settings: &Settings,
    other: Option<&dyn OtherFiles>,
    shown: impl Fn(&Path) -> String,
) -> Result<(Vec<Finding>, Vec<String>)> {
    let mut findings: Vec<Finding> = Vec::new();
    let mut warnings = Vec::new();
    for file in files {
        let name = shown(file);
        let bytes = read_build_file(file, &name)?;
        let (found, warned) = check_dockerfile(&bytes, &name, settings);
        findings.extend(found);
        if let Some(other) = other {
            findings.extend(other.dockerfile(&name, &input_document(&parse(&bytes), &name))?);
        }
        warnings.extend(warned.into_iter().map(|w| format!("{name}: {w}")));
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok((findings, warnings))
}

/// Checks that every `--skip-check` names a check.
///
/// # Errors
///
/// The first unknown name.
pub fn check_skip_names(report: &ReportArgs) -> Result<()> {
    if let Some(unknown) = report.skip_checks.iter().find(|s| !is_check_name(s)) {
        anyhow::bail!("--skip-check: unknown check '{unknown}' (`hullguard checks` lists the checks)");
    }
    Ok(())
}

/// Run `config` (`discover`: directories are searched for Dockerfiles, and for the files `other`
/// wants) or `dockerfile` (every path is a Dockerfile whatever its name).
///
/// # Errors
///
/// A path that cannot be read, a file over the size cap, a ShellCheck that does not run, or stdout
/// failing.
pub fn run(args: &ConfigArgs, discover: bool, other: Option<&dyn OtherFiles>) -> Result<ExitCode> {
    check_skip_names(&args.report)?;
    let mut files = Vec::new();
    let mut others = Vec::new();
    for p in &args.paths {
        if discover {
            find(p, other, &mut files, &mut others)?;
        } else {
            files.push(p.clone());
        }
    }
    let settings = Settings {
        skip: args.report.skip_checks.clone(),
        trusted_registries: args.report.trusted_registries.clone(),
        label_schema: args.require_labels.iter().cloned().collect(),
        strict_labels: args.strict_labels,
        report_ignore_pragmas: args.report_ignore_pragmas,
        shellcheck: args.shellcheck.clone(),
    };
    if let Some(program) = &settings.shellcheck {
        let runs = std::process::Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success());
        if !runs {
            anyhow::bail!(
                "--shellcheck: cannot run '{}' (install ShellCheck, e.g. apt-get install shellcheck)",
                program.display()
            );
        }
    }
    if args.report.format == ConfigFormat::Input {
        // `--format input` shows what the checks read, not what they find; everything is read
        // before the output is created, so an unreadable file leaves no empty report.
        let text = inputs_json(&files)?;
        let mut out = render::output(args.report.output.as_deref())?;
        out.write_all(text.as_bytes())?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let (mut findings, mut warnings) = lint(&files, &settings, other, |f| f.display().to_string())?;
    let mut suppressed = Vec::new();
    if let (Some(other), false) = (other, others.is_empty()) {
        let found = other.scan(&others, &args.report)?;
        findings.extend(found.findings);
        suppressed = found.suppressed;
        warnings.extend(found.warnings);
        files.extend(others);
        files.sort();
    }
    let target = args.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" ");
    report(&args.report, &target, &files, Found { findings, suppressed, warnings })
}

/// Applies the ignore file, the severity filter and the gate to `found`, prints the warnings and
/// writes the one report in the chosen format: the end of every misconfiguration command.
///
/// # Errors
///
/// An ignore file that cannot be read, `--format input` (not a report), or the output failing.
pub fn report(args: &ReportArgs, target: &str, files: &[PathBuf], found: Found) -> Result<ExitCode> {
    let Found { findings, suppressed, mut warnings } = found;
    if args.format == ConfigFormat::Input {
        anyhow::bail!("--format input: only for Dockerfiles");
    }
    let mut report = Report::new(target);
    report.files = files.iter().map(|f| f.display().to_string()).collect();
    report.findings = findings;
    report.suppressed = suppressed;
    let ignore = load_ignore(args.ignorefile.as_deref())?;
    warnings.extend(apply(&mut report, ignore.as_ref(), &[], &today_utc()));
    let remaining: Vec<_> = report.findings.iter().map(|f| f.severity).collect();
    if !args.severity.is_empty() {
        report.findings.retain(|f| args.severity.contains(&f.severity));
    }
    report.finalize();
    let gate = Gate { fail_on: args.fail_on, exit_code: args.exit_code };
    let failed = gate.trips(remaining, report.findings.iter().map(|f| f.severity));
    for w in &warnings {
        eprintln!("hullguard: warning: {}", escape_control(w));
    }
    report.warnings = warnings;
    let mut out = render::output(args.output.as_deref())?;
    match args.format {
        ConfigFormat::Json => json::write(&report, &mut out)?,
        ConfigFormat::Table => {
            table::write(&report, TableStyle { layout: TableLayout::Lines, ..TableStyle::default() }, &mut out)?;
        }
        ConfigFormat::Sarif => sarif::write(&report, env!("CARGO_PKG_VERSION"), &mut out)?,
        // Refused above.
        ConfigFormat::Input => {}
    }
    out.flush()?;
    Ok(if failed { ExitCode::from(gate.code()) } else { ExitCode::SUCCESS })
}

/// The input documents of `files` (`--format input`): `{"schema_version", "documents": […]}`.
fn inputs_json(files: &[PathBuf]) -> Result<String> {
    let mut documents = Vec::with_capacity(files.len());
    for file in files {
        let name = file.display().to_string();
        let bytes = read_build_file(file, &name)?;
        documents.push(input_document(&parse(&bytes), &name));
    }
    let doc = serde_json::json!({"schema_version": INPUT_SCHEMA_VERSION, "documents": documents});
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

/// Read one build file, refusing files over [`MAX_FILE`].
fn read_build_file(file: &Path, name: &str) -> Result<Vec<u8>> {
    let size = std::fs::metadata(file).with_context(|| name.to_owned())?.len();
    if size > MAX_FILE {
        anyhow::bail!("{name}: {size} bytes, over the {MAX_FILE} byte limit for build files");
    }
    std::fs::read(file).with_context(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::is_dockerfile_name;

    #[test]
    fn names() {
        for yes in ["Dockerfile", "dockerfile", "Containerfile", "api.Dockerfile", "Dockerfile.prod"] {
            assert!(is_dockerfile_name(yes), "{yes}");
        }
        for no in ["Dockerfile-notes.md", "docker-compose.yml", "README"] {
            assert!(!is_dockerfile_name(no), "{no}");
        }
    }
}
