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
use hullguard_report::gate::Gate;
use hullguard_report::text::escape_control;
use hullguard_report::vuln::{VulnReport, VulnStatus, add_vulnerabilities, apply, load_ignore, parse_vex, today_utc};
use hullguard_vulndb::db::Db;

use crate::cli::{ScanArgs, ScanFormat, Scanner};
use crate::output::{table_style, warn, write_report};

use hullguard_vulndb::detect::{Target, detect, empty_report, remediations};

/// Opens the database named by `--db` or the default location.
pub fn open_db(path: Option<&Path>, quiet: bool) -> Result<Db> {
    let path = match path {
        Some(p) => p.to_owned(),
        None => hullguard_vulndb::db::default_path()
            .ok_or_else(|| anyhow!("no vulnerability database location: set --db, HULLGUARD_DB or HOME"))?,
    };
    let db = Db::open(&path)?;
    warn(db.info()?.stale_data_warning(std::time::SystemTime::now()), quiet);
    Ok(db)
}

/// Applies the ignore file (`--ignorefile`, else `.hullguardignore` or `.trivyignore` when present) and the VEX
/// documents; returns the warnings to print.
pub fn suppress(report: &mut VulnReport, args: &ScanArgs) -> Result<Vec<String>> {
    let ignore = load_ignore(args.ignorefile.as_deref()).map_err(|e| anyhow!("{e}"))?;
    let mut vex = Vec::new();
    for path in &args.vex {
        let bytes = std::fs::read(path).with_context(|| path.display().to_string())?;
        vex.push(parse_vex(&bytes, &path.display().to_string()).map_err(|e| anyhow!("{e}"))?);
    }
    let warnings = apply(report, ignore.as_ref(), &vex, &today_utc());
    report.warnings.extend(warnings.iter().cloned());
    Ok(warnings)
}

/// The severity of every finding of the report, of all three kinds.
fn severities(report: &VulnReport) -> Vec<hullguard_report::Severity> {
    let others = report.misconfigurations.iter().chain(&report.secrets).map(|f| f.severity);
    report.findings.iter().map(|f| f.severity).chain(others).collect()
}

/// The gate of `--fail-on` and `--exit-code`.
fn gate(args: &ScanArgs) -> Gate {
    Gate { fail_on: args.fail_on, exit_code: args.exit_code }
}

/// Applies the scope filters (`--ignore-unfixed`, `--kev-only`), keeps only the severities
/// `--severity` shows, and returns whether the gate trips (`--fail-on` on every finding left,
/// `--exit-code` alone on those shown).
pub fn filter(report: &mut VulnReport, args: &ScanArgs) -> bool {
    if args.ignore_unfixed {
        report.findings.retain(|f| f.status == VulnStatus::Fixed);
    }
    if args.kev_only {
        report.findings.retain(|f| f.kev.is_some());
    }
    let remaining = severities(report);
    if !args.severity.is_empty() {
        report.findings.retain(|f| args.severity.contains(&f.severity));
        report.misconfigurations.retain(|f| args.severity.contains(&f.severity));
        report.secrets.retain(|f| args.severity.contains(&f.severity));
    }
    report.remediations = remediations(&report.findings);
    report.finalize();
    gate(args).trips(remaining, severities(report))
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
        ScanFormat::Junit => hullguard_report::vuln::to_junit(report),
        ScanFormat::Gitlab => {
            hullguard_report::vuln::to_gitlab(report, env!("CARGO_PKG_VERSION"), crate::cli::scan_times())
        }
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

/// The `quiet` of warnings that change what the gate sees (an expired ignore entry, a VEX
/// statement that matched nothing): shown even with `-q`, which hides progress only.
const GATE_WARNINGS_SHOWN: bool = false;

/// Prints the inventory's warnings and what it could not read, and carries both into the report.
fn carry_diagnostics(report: &mut VulnReport, inventory: &Inventory, quiet: bool) {
    let unread = inventory.incomplete.iter().filter(|i| !inventory.warnings.contains(i));
    warn(inventory.warnings.iter().chain(unread), quiet);
    report.warnings.extend(inventory.warnings.iter().cloned());
    report.incomplete.extend(inventory.incomplete.iter().cloned());
}

/// The exit code of a scan whose gate tripped or not: 2 for an incomplete scan (something that
/// decides findings was not read) unless `--allow-incomplete`, said in one line.
pub fn exit_code(tripped: bool, report: &VulnReport, args: &ScanArgs) -> ExitCode {
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
    let db = if vuln { Some(open_db(args.db.as_deref(), quiet)?) } else { None };
    tracing::info!("opened the database in {:.1} ms", opened.elapsed().as_secs_f64() * 1000.0);
    let (meta, inventory) = super::inventory::image_inventory(request, cache_dir, quiet)?;
    let target = Target {
        name: meta.display_name().to_owned(),
        config_digest: meta.config_digest.as_ref().map(|d| d.as_str().to_owned()),
        layer_created_by: meta.layers.iter().map(|l| l.created_by.clone()).collect(),
    };
    let subject = Subject {
        name: &target.name,
        config_digest: meta.config_digest.as_ref().map(hullguard_image::Digest::as_str),
        diff_ids: meta.layers.iter().filter_map(|l| l.diff_id.as_ref().map(hullguard_image::Digest::as_str)).collect(),
        created: meta.config.created.as_deref(),
    };
    let started = std::time::Instant::now();
    let mut report = match &db {
        Some(db) => detect(&target, &inventory, db)?,
        None => empty_report(&target, &inventory),
    };
    tracing::info!(
        "matched {} packages against the database in {:.1} ms",
        report.packages,
        started.elapsed().as_secs_f64() * 1000.0
    );
    carry_diagnostics(&mut report, &inventory, quiet);
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
    // Suppression sees every finding of every scanner.
    warn(suppress(&mut report, args)?, GATE_WARNINGS_SHOWN);
    let tripped = filter(&mut report, args);
    emit(&report, args, &inventory, &subject)?;
    Ok(exit_code(tripped, &report, args))
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
pub fn run_sbom(path: &Path, list: bool, max_bytes: u64, args: &ScanArgs, quiet: bool) -> Result<ExitCode> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).with_context(|| shown.clone())?;
    let inventory = read_sbom(&shown, file, max_bytes).map_err(|problem| anyhow!("{shown}: {problem}"))?;
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
    let target = Target { name: shown.to_owned(), ..Target::default() };
    let mut report = if vuln {
        detect(&target, inventory, &open_db(args.db.as_deref(), quiet)?)?
    } else {
        empty_report(&target, inventory)
    };
    carry_diagnostics(&mut report, inventory, quiet);
    for f in findings {
        match f.kind {
            FindingKind::Secret => report.secrets.push(f),
            _ => report.misconfigurations.push(f),
        }
    }
    warn(suppress(&mut report, args)?, GATE_WARNINGS_SHOWN);
    let tripped = filter(&mut report, args);
    emit(&report, args, inventory, &subject)?;
    Ok(exit_code(tripped, &report, args))
}
