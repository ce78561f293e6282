//! `hullguard image`: the vulnerability scan. The inventory of the target is
//! matched against the database, findings of one vulnerability are merged
//! through their aliases, rated, filtered (ignore file, VEX, unfixed, KEV)
//! and rendered; `--fail-on` decides the exit code on what is left after the
//! filters, whatever `--severity` shows.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use hullguard_image::ImageMeta;
use hullguard_inventory::sbom::{Subject, read_sbom, to_cyclonedx, to_spdx};
use hullguard_inventory::{Ecosystem, Inventory, Package, scan_source_tree};
use hullguard_report::vuln::{
    Cvss, DbSource, Kev, LayerRef, Remediation, SCHEMA_VERSION, VulnFinding, VulnReport, VulnStatus,
    add_vulnerabilities, apply, parse_ignore, parse_vex, today_utc,
};
use hullguard_report::{FindingKind, Severity};
use hullguard_vulndb::advisory::{SeverityKind, Status};
use hullguard_vulndb::db::Db;
use hullguard_vulndb::matcher::{Query, Vulnerability, match_package};
use hullguard_vulndb::severity::Level;
use hullguard_vulndb::version::scheme_for;

use crate::cli::{ScanArgs, ScanFormat, Scanner};

/// What was scanned, for the report header and layer references.
pub struct Target<'a> {
    /// Shown name.
    pub name: String,
    /// Image config digest.
    pub config_digest: Option<String>,
    /// Image metadata, for layer `created_by`.
    pub meta: Option<&'a ImageMeta>,
}

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

/// The ecosystem, name and version advisories know a package by, or `None`
/// when it cannot be matched (an OS package of an unknown distro release).
pub fn query_of(p: &Package, inventory: &Inventory) -> Option<(String, String, String)> {
    let f = &p.found;
    let os = inventory.os.as_ref();
    let release = os.and_then(|o| o.version_id.clone()).unwrap_or_default();
    let major = release.split('.').next().unwrap_or_default().to_owned();
    let distro = |name: &str| format!("{name}:{major}");
    let source = || f.source_name.clone().unwrap_or_else(|| f.name.clone());
    let source_version = || f.source_version.clone().unwrap_or_else(|| f.version.clone());
    let (ecosystem, name, version) = match f.ecosystem {
        Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm if release.is_empty() => return None,
        Ecosystem::Deb => match os.map(|o| o.id.as_str()) {
            Some("debian") => (distro("Debian"), source(), source_version()),
            Some("ubuntu") => (format!("Ubuntu:{release}"), source(), source_version()),
            _ => return None,
        },
        Ecosystem::Apk => {
            let minor: Vec<&str> = release.split('.').take(2).collect();
            (format!("Alpine:v{}", minor.join(".")), source(), f.version.clone())
        }
        Ecosystem::Rpm => match os.map(|o| o.id.as_str()) {
            Some("almalinux") => (distro("AlmaLinux"), f.name.clone(), f.version.clone()),
            Some("rocky") => (distro("Rocky Linux"), f.name.clone(), f.version.clone()),
            _ => return None,
        },
        Ecosystem::PyPI => ("PyPI".into(), f.name.clone(), f.version.clone()),
        Ecosystem::Npm => ("npm".into(), f.name.clone(), f.version.clone()),
        Ecosystem::Cargo => ("crates.io".into(), f.name.clone(), f.version.clone()),
        Ecosystem::Go if f.name == "stdlib" => {
            // `go1.22.5` (maybe with ` X:…` experiments) as Go's advisories spell it: `1.22.5`.
            let v = f.version.split_whitespace().next().unwrap_or_default();
            ("Go".into(), f.name.clone(), v.trim_start_matches("go").to_owned())
        }
        Ecosystem::Go => ("Go".into(), f.name.clone(), f.version.clone()),
        Ecosystem::Maven => ("Maven".into(), f.name.clone(), f.version.clone()),
        Ecosystem::Gem => ("RubyGems".into(), f.name.clone(), f.version.clone()),
        Ecosystem::Composer => ("Packagist".into(), f.name.clone(), f.version.clone()),
        Ecosystem::NuGet => ("NuGet".into(), f.name.clone(), f.version.clone()),
    };
    Some((ecosystem, name, version))
}

/// Whether the ecosystem is a distro's (vendor ratings win there).
fn is_distro(ecosystem: &str) -> bool {
    ["Debian", "Ubuntu", "Alpine", "AlmaLinux", "Rocky Linux"].iter().any(|d| ecosystem.starts_with(d))
}

/// A level of the advisory model as a report severity.
fn severity_of(level: Level) -> Severity {
    match level {
        Level::Unknown => Severity::Unknown,
        Level::Low => Severity::Low,
        Level::Medium => Severity::Medium,
        Level::High => Severity::High,
        Level::Critical => Severity::Critical,
    }
}

/// The CVSS version of a vector (`CVSS:3.1/…` → `3.1`).
fn cvss_version(vector: &str) -> String {
    vector.strip_prefix("CVSS:").and_then(|r| r.split('/').next()).unwrap_or("3.x").to_owned()
}

/// A vulnerability's severity, its source, CVSS and KEV entry.
type Rating = (Severity, String, Option<Cvss>, Option<Kev>);

/// Rates a vulnerability: the distro's own rating for distro packages when
/// it has one, else the CVSS vector of an advisory, else CVSS from the
/// per-CVE facts, else an ecosystem label.
fn rate(v: &Vulnerability, ecosystem: &str, db: &Db) -> Result<Rating> {
    let mut cvss: Option<Cvss> = None;
    let mut label: Option<(Severity, String)> = None;
    for hit in &v.hits {
        for s in &hit.advisory.severity {
            match s.kind {
                SeverityKind::CvssV3 | SeverityKind::CvssV4 if cvss.is_none() => {
                    if let Ok(score) = hullguard_vulndb::severity::cvss_score(&s.score) {
                        cvss = Some(Cvss { version: cvss_version(&s.score), vector: s.score.clone(), score });
                    }
                }
                SeverityKind::Ecosystem if label.is_none() => {
                    let sev = severity_of(Level::from_label(&s.score));
                    if sev != Severity::Unknown {
                        label = Some((sev, source_name(&hit.advisory.id, ecosystem)));
                    }
                }
                _ => {}
            }
        }
    }
    let mut kev = None;
    for id in std::iter::once(&v.id).chain(&v.aliases).filter(|i| i.starts_with("CVE-")) {
        if let Some(facts) = db.cve(id)? {
            if cvss.is_none() {
                cvss = facts.cvss_v3.or(facts.cvss_v4).map(|(vector, score)| Cvss {
                    version: cvss_version(&vector),
                    vector,
                    score,
                });
            }
            if kev.is_none() {
                kev =
                    facts.kev.map(|k| Kev { date_added: k.date_added, due_date: k.due_date, ransomware: k.ransomware });
            }
        }
    }
    let (severity, source) = match (&label, &cvss) {
        (Some((sev, src)), _) if is_distro(ecosystem) => (*sev, src.clone()),
        (_, Some(c)) => (severity_of(Level::from_score(c.score)), format!("cvss-v{}", c.version)),
        (Some((sev, src)), None) => (*sev, src.clone()),
        (None, None) => (Severity::Unknown, "none".to_owned()),
    };
    Ok((severity, source, cvss, kev))
}

/// The name of the source of a label, from the advisory id.
fn source_name(id: &str, ecosystem: &str) -> String {
    if id.starts_with("GHSA-") {
        return "ghsa".into();
    }
    ecosystem.split(':').next().unwrap_or(ecosystem).to_ascii_lowercase()
}

/// The title of a vulnerability: the first non-empty summary, else the
/// first line of the details.
fn title(v: &Vulnerability) -> String {
    v.hits
        .iter()
        .map(|h| h.advisory.summary.trim())
        .find(|s| !s.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            v.hits
                .iter()
                .find_map(|h| h.advisory.details.lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_owned))
        })
        .unwrap_or_default()
}

/// Matches every package of `inventory` and builds the full report (no
/// filters applied yet).
pub fn scan(target: &Target<'_>, inventory: &Inventory, db: &Db) -> Result<VulnReport> {
    let info = db.info()?;
    let mut findings = Vec::new();
    let mut matched = 0;
    // The same package often appears several times (Go's stdlib in every binary, one npm
    // package at several paths): match and rate each (ecosystem, name, version) once.
    let mut memo: BTreeMap<(String, String, String), Vec<(Vulnerability, Rating)>> = BTreeMap::new();
    for p in &inventory.packages {
        let Some((ecosystem, name, version)) = query_of(p, inventory) else {
            tracing::debug!("{}@{}: no advisory ecosystem for this package", p.found.name, p.found.version);
            continue;
        };
        matched += 1;
        let key = (ecosystem.clone(), name.clone(), version.clone());
        if !memo.contains_key(&key) {
            let result = match_package(db, &Query { ecosystem: &ecosystem, package: &name, version: &version })?;
            for skipped in &result.skipped {
                tracing::debug!("skipped: {skipped}");
            }
            let mut rated = Vec::new();
            for v in result.vulnerabilities(is_distro(&ecosystem)) {
                let rating = rate(&v, &ecosystem, db)?;
                rated.push((v, rating));
            }
            memo.insert(key.clone(), rated);
        }
        let order = |a: &str, b: &str| {
            scheme_for(&ecosystem).and_then(|s| s.compare(a, b)).unwrap_or(std::cmp::Ordering::Equal)
        };
        let mut package_findings = Vec::new();
        for (v, (severity, severity_source, cvss, kev)) in memo[&key].iter().cloned() {
            let status = match v.status() {
                Status::Fixed => VulnStatus::Fixed,
                Status::WillNotFix => VulnStatus::WillNotFix,
                Status::EndOfLife => VulnStatus::EndOfLife,
                Status::AffectedNoFix | Status::NotAffected => VulnStatus::Affected,
            };
            let mut references: Vec<String> = Vec::new();
            for r in v.hits.iter().flat_map(|h| &h.advisory.references) {
                if !references.contains(r) {
                    references.push(r.clone());
                }
            }
            package_findings.push(VulnFinding {
                title: title(&v),
                advisories: v.hits.iter().map(|h| h.advisory.id.clone()).collect(),
                fixed: v.fixed(order),
                id: v.id,
                aliases: v.aliases,
                package: p.found.name.clone(),
                source_package: p.found.source_name.clone().filter(|s| *s != p.found.name),
                ecosystem: ecosystem.clone(),
                purl: p.purl.clone(),
                installed: p.found.version.clone(),
                status,
                severity,
                severity_source,
                cvss,
                kev,
                layer: p.layer.map(|index| LayerRef {
                    index,
                    diff_id: p.diff_id.clone(),
                    created_by: target.meta.and_then(|m| m.layers.get(index)).and_then(|l| l.created_by.clone()),
                }),
                path: p.found.path.clone(),
                references,
            });
        }
        findings.extend(package_findings);
    }
    let mut report = VulnReport {
        packages: matched,
        db_built: info.built,
        db_sources: info.sources.into_iter().map(|s| DbSource { name: s.name, as_of: s.as_of }).collect(),
        findings,
        ..empty_report(target, inventory)
    };
    report.finalize();
    Ok(report)
}

/// One upgrade per package with fixable findings among those shown: the
/// highest of their fixed versions, in the package's ecosystem order.
fn remediations(findings: &[VulnFinding]) -> Vec<Remediation> {
    let mut by_package: BTreeMap<(&str, &str, &str), Vec<&VulnFinding>> = BTreeMap::new();
    for f in findings {
        by_package.entry((&f.package, &f.path, &f.installed)).or_default().push(f);
    }
    let mut out = Vec::new();
    for ((package, path, installed), group) in by_package {
        let scheme = scheme_for(&group[0].ecosystem).ok();
        let order = |a: &&str, b: &&str| scheme.and_then(|s| s.compare(a, b).ok()).unwrap_or(std::cmp::Ordering::Equal);
        let Some(upgrade_to) = group.iter().filter_map(|f| f.fixed.as_deref()).max_by(order) else { continue };
        out.push(Remediation {
            package: package.to_owned(),
            path: path.to_owned(),
            installed: installed.to_owned(),
            upgrade_to: upgrade_to.to_owned(),
            fixes: group.iter().filter(|f| f.fixed.is_some()).count(),
            unfixed: group.iter().filter(|f| f.fixed.is_none()).count(),
        });
    }
    out
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
        ScanFormat::Table => hullguard_report::vuln::to_table(
            report,
            args.output.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()),
        ),
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
    match &args.output {
        Some(path) => std::fs::write(path, text).with_context(|| path.display().to_string())?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(())
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
    if !quiet {
        for w in &inventory.warnings {
            eprintln!("hullguard: warning: {w}");
        }
    }
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
    for warning in suppress(&mut report, args)? {
        if !quiet {
            eprintln!("hullguard: warning: {warning}");
        }
    }
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

/// A report with no vulnerability findings (`--scanners` without vuln).
fn empty_report(target: &Target<'_>, inventory: &Inventory) -> VulnReport {
    VulnReport {
        schema_version: SCHEMA_VERSION,
        target: target.name.clone(),
        config_digest: target.config_digest.clone(),
        os: inventory
            .os
            .as_ref()
            .map(|o| format!("{} {}", o.id, o.version_id.as_deref().unwrap_or("")).trim().to_owned()),
        packages: 0,
        db_built: String::new(),
        db_sources: Vec::new(),
        findings: Vec::new(),
        remediations: Vec::new(),
        suppressed: Vec::new(),
        summary: BTreeMap::new(),
        misconfigurations: Vec::new(),
        secrets: Vec::new(),
    }
}

/// Run `fs`: scan (or with `list` show) the dependencies the lockfiles of a source tree pin, and
/// with `--scanners secret` every file of the tree for secrets.
pub fn run_fs(dir: &Path, list: bool, scanners: &[Scanner], args: &ScanArgs, quiet: bool) -> Result<ExitCode> {
    let shown = dir.display().to_string();
    let inventory = scan_source_tree(dir).map_err(|problem| anyhow!("{problem}"))?;
    let secrets =
        if scanners.contains(&Scanner::Secret) && !list { super::image_checks::scan_tree(dir)? } else { Vec::new() };
    scan_inventory(&shown, &inventory, list, scanners.contains(&Scanner::Vuln), secrets, args, quiet)
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
    secrets: Vec<hullguard_report::Finding>,
    args: &ScanArgs,
    quiet: bool,
) -> Result<ExitCode> {
    let subject = Subject { name: shown, config_digest: None, diff_ids: Vec::new(), created: None };
    if list {
        let format = args
            .format
            .inventory_format()
            .ok_or_else(|| anyhow!("--list-packages prints table, json, cyclonedx or spdx-json"))?;
        return super::inventory::render(shown, &subject, inventory, format, quiet);
    }
    if !quiet {
        for w in &inventory.warnings {
            eprintln!("hullguard: warning: {w}");
        }
    }
    let target = Target { name: shown.to_owned(), config_digest: None, meta: None };
    let mut report =
        if vuln { scan(&target, inventory, &open_db(args.db.as_deref())?)? } else { empty_report(&target, inventory) };
    report.secrets = secrets;
    for warning in suppress(&mut report, args)? {
        if !quiet {
            eprintln!("hullguard: warning: {warning}");
        }
    }
    let tripped = filter(&mut report, args);
    emit(&report, args, inventory, &subject)?;
    Ok(exit_code(tripped, args))
}
