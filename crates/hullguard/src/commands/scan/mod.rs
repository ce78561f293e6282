//! `hullguard image`, `fs` and `sbom`: the scan. The scan engine (hullguard-scan) reads the
//! target once, matches its inventory, applies suppression and filters; this command builds the
//! request from the arguments, prints the warnings, renders the report and maps the gate to the
//! exit code.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use hullguard_inventory::Inventory;
use hullguard_inventory::sbom::Subject;
use hullguard_report::Report;
use hullguard_report::gate::Gate;
use hullguard_report::render::HTML_TEMPLATE;
use hullguard_report::text::escape_control;
use hullguard_scan::compare::read_report;
use hullguard_scan::render::{Format, render};
use hullguard_scan::stage::{DEFAULT_STAGES_FILE, Stages};
use hullguard_scan::{Policy, ScanOptions, ScanRequest, ScanResult, Scanners, Target};

use crate::cli::{ImageRequest, ScanArgs, ScanFormat, Scanner};
use crate::output::{progress, report_writer, table_style, warn};

/// The gate of `--fail-on` and `--exit-code`.
fn gate(args: &ScanArgs) -> Gate {
    Gate { fail_on: args.fail_on, exit_code: args.exit_code }
}

/// The suppression, filters and gates the arguments ask for, with the stage's gate and the
/// baseline report read.
pub(crate) fn policy(args: &ScanArgs) -> Result<Policy> {
    let stage = match &args.stage {
        Some(name) => {
            let default_file = Path::new(DEFAULT_STAGES_FILE);
            let stages = match &args.stages {
                Some(path) => Stages::read(path)?,
                None if default_file.is_file() => Stages::read(default_file)?,
                None => Stages::default(),
            };
            Some(stages.gate(name)?.clone())
        }
        None => None,
    };
    Ok(Policy {
        ignorefile: args.ignorefile.clone(),
        vex: args.vex.clone(),
        ignore_unfixed: args.ignore_unfixed,
        kev_only: args.kev_only,
        severity: args.severity.clone(),
        gate: gate(args),
        reachability: args.reachability.into(),
        stage,
        baseline: args.baseline.as_deref().map(read_report).transpose()?,
    })
}

/// The scanners of `--scanners`.
pub fn scanners(list: &[Scanner]) -> Scanners {
    Scanners {
        vuln: list.contains(&Scanner::Vuln),
        misconfig: list.contains(&Scanner::Misconfig),
        secret: list.contains(&Scanner::Secret),
    }
}

/// The engine's options for `args`, with the layer cache in `cache_dir` and the custom policies
/// of `--policy-dir`.
pub fn options(args: &ScanArgs, cache_dir: Option<&Path>, limits: hullguard_image::Limits) -> Result<ScanOptions> {
    Ok(ScanOptions {
        limits,
        cache_dir: cache_dir.map(Path::to_path_buf),
        db: args.db.clone(),
        policy: policy(args)?,
        findings_detectors: args.policy.load()?.map(super::policy::Loaded::detector).into_iter().collect(),
        ..ScanOptions::default()
    })
}

/// The SBOM subject of a scanned target.
pub fn subject<'a>(name: &'a str, image: Option<&'a hullguard_image::ImageMeta>) -> Subject<'a> {
    Subject {
        name,
        config_digest: image.and_then(|m| m.config_digest.as_ref().map(hullguard_image::Digest::as_str)),
        diff_ids: image
            .map(|m| m.layers.iter().filter_map(|l| l.diff_id.as_ref().map(hullguard_image::Digest::as_str)).collect())
            .unwrap_or_default(),
        created: image.and_then(|m| m.config.created.as_deref()),
    }
}

/// Runs `request` with a progress bar labelled `label`, prints its warnings, renders its report;
/// with `remote`, the server matches the inventory.
fn run(
    mut request: ScanRequest,
    label: &str,
    args: &ScanArgs,
    quiet: bool,
    remote: Option<hullguard_server::client::Remote>,
) -> Result<ExitCode> {
    let (bar, tick) = progress(quiet, label);
    request.options.progress = Some(tick);
    let result = match remote {
        Some(mut remote) => hullguard_scan::scan_with(&request, &mut remote),
        None => hullguard_scan::scan(&request),
    };
    bar.finish_and_clear();
    let result: ScanResult = result?;
    warn(&result.warnings, quiet);
    // Warnings that change what the gate sees (expired ignore entries) show even with -q.
    warn(&result.gate_warnings, false);
    emit(&result.report, args, &result.inventory, &subject(&result.name, result.image.as_ref()))?;
    Ok(exit_code(result.tripped, &result.report, args))
}

/// Renders `report` (with the SBOM of `inventory` for the SBOM formats) and writes it to stdout
/// or `--output`.
pub fn emit(report: &Report, args: &ScanArgs, inventory: &Inventory, subject: &Subject<'_>) -> Result<()> {
    // A template is read before the output is created: a missing template leaves no empty file.
    let format = match args.format {
        ScanFormat::Cyclonedx => Format::Cyclonedx,
        ScanFormat::SpdxJson => Format::SpdxJson,
        ScanFormat::Table => Format::Table(table_style(args.output.as_deref())),
        ScanFormat::Json => Format::Json,
        ScanFormat::Sarif => Format::Sarif,
        ScanFormat::Junit => Format::Junit,
        ScanFormat::Gitlab => Format::Gitlab(crate::cli::scan_times()),
        ScanFormat::Openvex => {
            Format::Openvex { now: hullguard_report::time::rfc3339_utc(std::time::SystemTime::now()) }
        }
        ScanFormat::Template => {
            let (name, body) = read_template(args.template.as_deref())?;
            Format::Template { name, body }
        }
    };
    let mut out = report_writer(args.output.as_deref())?;
    render(report, inventory, subject, &format, &mut out)?;
    Ok(out.flush()?)
}

/// The name and text of `--template` (`@html`: the shipped HTML report).
fn read_template(spec: Option<&str>) -> Result<(String, String)> {
    let spec = spec.ok_or_else(|| anyhow!("--format template needs --template FILE or @html"))?;
    if spec == "@html" {
        return Ok(("report.html".to_owned(), HTML_TEMPLATE.to_owned()));
    }
    let path = PathBuf::from(spec);
    let body = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    Ok((path.file_name().map_or_else(|| spec.to_owned(), |n| n.to_string_lossy().into_owned()), body))
}

/// The exit code of a scan whose gate tripped or not: 2 for an incomplete scan (something that
/// decides findings was not read) unless `--allow-incomplete`, said in one line.
pub fn exit_code(tripped: bool, report: &Report, args: &ScanArgs) -> ExitCode {
    if !report.incomplete.is_empty() && !args.allow_incomplete {
        eprintln!(
            "hullguard: error: {}: incomplete scan, {} thing(s) not read (listed in the report); \
             --allow-incomplete accepts it",
            escape_control(&report.target),
            report.incomplete.len()
        );
        return ExitCode::from(2);
    }
    if tripped { ExitCode::from(gate(args).code()) } else { ExitCode::SUCCESS }
}

/// What `image` scans, and how.
pub struct ImageScan<'a> {
    /// The image.
    pub request: &'a ImageRequest,
    /// The name the user gave.
    pub reference: &'a str,
    /// The layer cache.
    pub cache_dir: Option<&'a Path>,
    /// `--scanners`.
    pub scanners: &'a [Scanner],
    /// `--trust-policy`.
    pub trust_policy: Option<&'a Path>,
    /// `--server`: the server that matches the inventory (client mode).
    pub remote: Option<hullguard_server::client::Remote>,
}

/// Run `image`: read the image once, match its inventory, evaluate the trust policy, report.
pub fn run_image(image: ImageScan<'_>, args: &ScanArgs, quiet: bool) -> Result<ExitCode> {
    let request = image.request;
    let target = Target::Image {
        spec: request.spec.clone(),
        platform: request.platform.clone(),
        reference: image.reference.to_owned(),
    };
    let mut options = options(args, image.cache_dir, request.limits.clone())?;
    if let Some(path) = image.trust_policy {
        options.findings_detectors.push(super::trust::policy_detector(path, &request.spec, image.reference)?);
    }
    let label = format!("reading {}", if image.reference.is_empty() { "the image" } else { image.reference });
    run(ScanRequest { target, scanners: scanners(image.scanners), options }, &label, args, quiet, image.remote)
}

/// Run `fs`: scan (or with `list` show) the dependencies the lockfiles of a source tree pin, with
/// `--scanners misconfig` the Dockerfiles of the tree, and with `--scanners secret` every file of
/// the tree for secrets.
pub fn run_fs(dir: &Path, list: bool, scanners_asked: &[Scanner], args: &ScanArgs, quiet: bool) -> Result<ExitCode> {
    let target = Target::Tree(dir.to_path_buf());
    let options = options(args, None, hullguard_image::Limits::default())?;
    if list {
        return list_packages(&target, &options, args, quiet);
    }
    run(ScanRequest { target, scanners: scanners(scanners_asked), options }, "reading", args, quiet, None)
}

/// Run `sbom`: scan (or with `list` show) the packages of a CycloneDX or SPDX JSON document.
pub fn run_sbom(path: &Path, list: bool, max_bytes: u64, args: &ScanArgs, quiet: bool) -> Result<ExitCode> {
    let target = Target::Sbom(path.to_path_buf());
    let options = ScanOptions { max_sbom_bytes: max_bytes, ..options(args, None, hullguard_image::Limits::default())? };
    if list {
        return list_packages(&target, &options, args, quiet);
    }
    let scanners = Scanners { vuln: true, ..Scanners::default() };
    run(ScanRequest { target, scanners, options }, "reading", args, quiet, None)
}

/// `--list-packages`: the inventory of `target`, no scanner run.
fn list_packages(target: &Target, options: &ScanOptions, args: &ScanArgs, quiet: bool) -> Result<ExitCode> {
    let format = args
        .format
        .inventory_format()
        .ok_or_else(|| anyhow!("--list-packages prints table, json, cyclonedx or spdx-json"))?;
    let collected = hullguard_scan::collect(target, Scanners::default(), options)?;
    warn(&collected.warnings, quiet);
    let subject = subject(&collected.name, None);
    super::inventory::render(&collected.name, &subject, &collected.inventory, format, args.output.as_deref())
}
