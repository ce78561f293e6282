//! `hullguard image`: the vulnerability scan. The inventory of the target is
//! matched against the database, findings of one vulnerability are merged
//! through their aliases, rated, filtered (ignore file, VEX, unfixed, KEV)
//! and rendered; `--fail-on` decides the exit code on what is left after the
//! filters, whatever `--severity` shows.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use hullguard_inventory::sbom::{Subject, read_sbom, to_cyclonedx, to_spdx};
use hullguard_inventory::{Inventory, scan_source_tree};
use hullguard_report::FindingKind;
use hullguard_report::vuln::{VulnReport, VulnStatus, add_vulnerabilities, apply, parse_ignore, parse_vex, today_utc};
use hullguard_vulndb::db::Db;

use crate::cli::{ScanArgs, ScanFormat, Scanner};
use crate::output::{table_style, warn, write_report};

mod matching;

use matching::{Target, scan};
use matching::{empty_report, remediations};

/// Opens the database named by `--db` or the default location.
pub fn open_db(path: Option<&Path>) -> Result<Db> {
    let path = match path {
        Some(p) => p.to_owned(),
        None => hullguard_vulndb::db::default_path()
            .ok_or_else(|| anyhow!("no vulnerability database location: set --db, HULLGUARD_DB or HOME"))?,
    };
    if !path.exists() {
        return Err(anyhow!(
            "{}: no vulnerability database: build one with `hullguard db build --source DIR` or fetch one with `hullguard db update`",
            path.display()
        ));
    }
    Ok(Db::open(&path)?)
}

/// Applies the ignore file (`--ignorefile`, else `.hullguardignore` when present) and the VEX
/// documents; returns the warnings to print.
pub fn suppress(report: &mut VulnReport, args: &ScanArgs) -> Result<Vec<String>> {
    let default = PathBuf::from(".hullguardignore");
    let ignore_path = args.ignorefile.clone().or_else(|| default.is_file().then_some(default));
    let ignore = match &ignore_path {
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| path.display().to_string())?;
            Some(parse_ignore(&bytes, &path.display().to_string()).map_err(|e| anyhow!("{e}"))?)
        }
        None => None,
    };
    let mut vex = Vec::new();
    for path in &args.vex {
        let bytes = std::fs::read(path).with_context(|| path.display().to_string())?;
        vex.push(parse_vex(&bytes, &path.display().to_string()).map_err(|e| anyhow!("{e}"))?);
    }
    Ok(apply(report, ignore.as_ref(), &vex, &today_utc()))
}

/// Applies the scope filters (`--ignore-unfixed`, `--kev-only`), returns
/// whether the gate trips (`--fail-on`), then keeps only the severities
/// `--severity` shows.
pub fn filter(report: &mut VulnReport, args: &ScanArgs) -> bool {
    if args.ignore_unfixed {
        report.findings.retain(|f| f.status == VulnStatus::Fixed);
    }
    if args.kev_only {
        report.findings.retain(|f| f.kev.is_some());
    }
    let others = report.misconfigurations.iter().chain(&report.secrets).map(|f| f.severity);
    let tripped =
        args.fail_on.is_some_and(|min| report.findings.iter().map(|f| f.severity).chain(others).any(|s| s >= min));
    if !args.severity.is_empty() {
        report.findings.retain(|f| args.severity.contains(&f.severity));
        report.misconfigurations.retain(|f| args.severity.contains(&f.severity));
        report.secrets.retain(|f| args.severity.contains(&f.severity));
    }
    report.remediations = remediations(&report.findings);
    report.finalize();
    tripped
}

/// Renders `report` (with the SBOM of `inventory` for the SBOM formats) and writes it to stdout
/// or `--output`.
pub fn emit(report: &VulnReport, args: &ScanArgs, inventory: &Inventory, subject: &Subject<'_>) -> Result<()> {
    let text = match args.format {
        ScanFormat::Cyclonedx => add_vulnerabilities(&to_cyclonedx(inventory, subject)?, report)?,
        ScanFormat::SpdxJson => to_spdx(inventory, subject)?,
        ScanFormat::Table => hullguard_report::vuln::to_table(report, table_style(args.output.as_deref())),
        ScanFormat::Json => report.to_json(),
        ScanFormat::Sarif => hullguard_report::vuln::to_sarif(report, env!("CARGO_PKG_VERSION")),
        ScanFormat::Template => {
            let spec =
                args.template.as_deref().ok_or_else(|| anyhow!("--format template needs --template FILE or @html"))?;
            let (name, body) = if spec == "@html" {
                ("report.html".to_owned(), hullguard_report::vuln::HTML_TEMPLATE.to_owned())
            } else {
                let path = PathBuf::from(spec);
                let body = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
                (path.file_name().map_or_else(|| spec.to_owned(), |n| n.to_string_lossy().into_owned()), body)
            };
            hullguard_report::vuln::render_template(report, &name, &body).map_err(|e| anyhow!(e))?
        }
    };
    write_report(&text, args.output.as_deref())
}

/// The exit code of a scan whose gate tripped or not.
pub fn exit_code(tripped: bool, args: &ScanArgs) -> ExitCode {
    if tripped { ExitCode::from(args.exit_code) } else { ExitCode::SUCCESS }
}

/// Run `image`: read the image once, match its inventory, report.
pub fn run_image(
    request: &crate::cli::ImageRequest,
    reference: &str,
    cache_dir: Option<&Path>,
    scanners: &[Scanner],
    args: &ScanArgs,
    quiet: bool,
) -> Result<ExitCode> {
    let vuln = scanners.contains(&Scanner::Vuln);
    let opened = std::time::Instant::now();
    let db = if vuln { Some(open_db(args.db.as_deref())?) } else { None };
    tracing::info!("opened the database in {:.1} ms", opened.elapsed().as_secs_f64() * 1000.0);
    let (meta, inventory) = super::inventory::image_inventory(request, cache_dir, quiet)?;
    warn(&inventory.warnings, quiet);
    let target = Target {
        name: meta.names.first().cloned().unwrap_or_else(|| meta.source.clone()),
        config_digest: meta.config_digest.as_ref().map(|d| d.as_str().to_owned()),
        meta: Some(&meta),
    };
    let subject = Subject {
        name: &target.name,
        config_digest: meta.config_digest.as_ref().map(hullguard_image::Digest::as_str),
        diff_ids: meta.layers.iter().filter_map(|l| l.diff_id.as_ref().map(hullguard_image::Digest::as_str)).collect(),
        created: meta.config.created.as_deref(),
    };
    let started = std::time::Instant::now();
    let mut report = match &db {
        Some(db) => scan(&target, &inventory, db)?,
        None => empty_report(&target, &inventory),
    };
    tracing::info!(
        "matched {} packages against the database in {:.1} ms",
        report.packages,
        started.elapsed().as_secs_f64() * 1000.0
    );
    warn(suppress(&mut report, args)?, quiet);
    let misconfig = scanners.contains(&Scanner::Misconfig);
    let secret = scanners.contains(&Scanner::Secret);
    if misconfig || secret {
        for f in super::image_checks::scan_image(request, reference, misconfig, secret, quiet)? {
            match f.kind {
                FindingKind::Secret => report.secrets.push(f),
                _ => report.misconfigurations.push(f),
            }
        }
    }
    let tripped = filter(&mut report, args);
    emit(&report, args, &inventory, &subject)?;
    Ok(exit_code(tripped, args))
}

/// Run `fs`: scan (or with `list` show) the dependencies the lockfiles of a source tree pin, with
/// `--scanners misconfig` the Dockerfiles of the tree, and with `--scanners secret` every file of
/// the tree for secrets.
pub fn run_fs(dir: &Path, list: bool, scanners: &[Scanner], args: &ScanArgs, quiet: bool) -> Result<ExitCode> {
    let shown = dir.display().to_string();
    let inventory = scan_source_tree(dir).map_err(|problem| anyhow!("{problem}"))?;
    let mut findings = Vec::new();
    if scanners.contains(&Scanner::Misconfig) && !list {
        let (found, warnings) = hullguard_lint::lint_tree(dir)?;
        warn(warnings, quiet);
        findings.extend(found);
    }
    if scanners.contains(&Scanner::Secret) && !list {
        findings.extend(super::image_checks::scan_tree(dir)?);
    }
    scan_inventory(&shown, &inventory, list, scanners.contains(&Scanner::Vuln), findings, args, quiet)
}

/// Run `sbom`: scan (or with `list` show) the packages of a CycloneDX or SPDX JSON document.
pub fn run_sbom(path: &Path, list: bool, args: &ScanArgs, quiet: bool) -> Result<ExitCode> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| shown.clone())?;
    let inventory = read_sbom(&bytes).map_err(|problem| anyhow!("{shown}: {problem}"))?;
    scan_inventory(&shown, &inventory, list, true, Vec::new(), args, quiet)
}

/// Scan an inventory that did not come from an image (no layers) for vulnerabilities when `vuln`,
/// adding `secrets` found by the caller, or list it.
fn scan_inventory(
    shown: &str,
    inventory: &Inventory,
    list: bool,
    vuln: bool,
    findings: Vec<hullguard_report::Finding>,
    args: &ScanArgs,
    quiet: bool,
) -> Result<ExitCode> {
    let subject = Subject { name: shown, config_digest: None, diff_ids: Vec::new(), created: None };
    if list {
        let format = args
            .format
            .inventory_format()
            .ok_or_else(|| anyhow!("--list-packages prints table, json, cyclonedx or spdx-json"))?;
        return super::inventory::render(shown, &subject, inventory, format, args.output.as_deref(), quiet);
    }
    warn(&inventory.warnings, quiet);
    let target = Target { name: shown.to_owned(), config_digest: None, meta: None };
    let mut report =
        if vuln { scan(&target, inventory, &open_db(args.db.as_deref())?)? } else { empty_report(&target, inventory) };
    for f in findings {
        match f.kind {
            FindingKind::Secret => report.secrets.push(f),
            _ => report.misconfigurations.push(f),
        }
    }
    warn(suppress(&mut report, args)?, quiet);
    let tripped = filter(&mut report, args);
    emit(&report, args, inventory, &subject)?;
    Ok(exit_code(tripped, args))
}
