//! Matching an inventory against the database: which ecosystem and name each package is known
//! by, rating each vulnerability, and building the report (findings, remediations).

use std::collections::BTreeMap;

use anyhow::Result;
use hullguard_image::ImageMeta;
use hullguard_inventory::{Ecosystem, Inventory, Package};
use hullguard_report::Severity;
use hullguard_report::vuln::{
    Cvss, DbSource, Kev, LayerRef, Remediation, SupportNote, VulnFinding, VulnReport, VulnStatus, today_utc,
};
use hullguard_vulndb::advisory::{SeverityKind, Status};
use hullguard_vulndb::db::Db;
use hullguard_vulndb::matcher::{Query, Vulnerability, match_package};
use hullguard_vulndb::severity::Level;
use hullguard_vulndb::version::scheme_for;

/// What was scanned, for the report header and layer references.
pub(super) struct Target<'a> {
    /// Shown name.
    pub name: String,
    /// Image config digest.
    pub config_digest: Option<String>,
    /// Image metadata, for layer `created_by`.
    pub meta: Option<&'a ImageMeta>,
}

/// The ecosystem, name and version advisories know a package by, or `None`
/// when it cannot be matched (an OS package of an unknown distro release).
fn query_of(p: &Package, inventory: &Inventory) -> Option<(String, String, String)> {
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
pub(super) fn scan(target: &Target<'_>, inventory: &Inventory, db: &Db) -> Result<VulnReport> {
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
    let support = support_notes(inventory, db)?;
    let mut report = VulnReport {
        support,
        packages: matched,
        db_built: info.built,
        db_sources: info.sources.into_iter().map(|s| DbSource { name: s.name, as_of: s.as_of }).collect(),
        findings,
        ..empty_report(target, inventory)
    };
    report.finalize();
    Ok(report)
}

/// Debian releases whose security support, LTS included, has ended: (version, codename, last day).
const DEBIAN_EOL: [(&str, &str, &str); 5] = [
    ("7", "wheezy", "2018-05-31"),
    ("8", "jessie", "2020-06-30"),
    ("9", "stretch", "2022-06-30"),
    ("10", "buster", "2024-06-30"),
    ("11", "bullseye", "2026-08-31"),
];

/// The security-support notes of the inventory: the OS release past its support, and each
/// source package whose support has ended (at or below the listed last version) or is limited.
fn support_notes(inventory: &Inventory, db: &Db) -> Result<Vec<SupportNote>> {
    let today = today_utc();
    let mut out = Vec::new();
    if let Some(os) = inventory.os.as_ref().filter(|o| o.id == "debian") {
        let major = os.version_id.as_deref().unwrap_or_default().split('.').next().unwrap_or_default();
        if let Some((v, name, date)) = DEBIAN_EOL.iter().find(|(v, ..)| *v == major)
            && **date <= *today
        {
            out.push(SupportNote {
                package: String::new(),
                installed: format!("debian {v}"),
                support: "ended".into(),
                ended: Some((*date).to_owned()),
                note: format!("Debian {v} ({name}) is past its security support, LTS included: no package gets fixes"),
            });
        }
    }
    let mut notes: BTreeMap<String, Vec<hullguard_vulndb::db::SupportNote>> = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for p in inventory.packages.iter().filter(|p| p.found.ecosystem == Ecosystem::Deb) {
        let Some((ecosystem, source, version)) = query_of(p, inventory) else { continue };
        if !seen.insert((source.clone(), version.clone())) {
            continue;
        }
        if !notes.contains_key(&ecosystem) {
            notes.insert(ecosystem.clone(), db.support_notes(&ecosystem)?);
        }
        for n in notes[&ecosystem].iter().filter(|n| n.names(&source)) {
            let applies = match (&n.last_version, &n.ended) {
                (Some(last), Some(ended)) => {
                    *ended <= today
                        && (last == "0"
                            || scheme_for(&ecosystem)
                                .and_then(|s| s.compare(&version, last))
                                .is_ok_and(|o| o != std::cmp::Ordering::Greater))
                }
                _ => true,
            };
            if applies {
                out.push(SupportNote {
                    package: source.clone(),
                    installed: version.clone(),
                    support: if n.last_version.is_some() { "ended" } else { "limited" }.into(),
                    ended: n.ended.clone(),
                    note: n.note.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// One upgrade per package with fixable findings among those shown: the
/// highest of their fixed versions, in the package's ecosystem order.
pub(super) fn remediations(findings: &[VulnFinding]) -> Vec<Remediation> {
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

/// A report with no vulnerability findings (`--scanners` without vuln).
pub(super) fn empty_report(target: &Target<'_>, inventory: &Inventory) -> VulnReport {
    VulnReport {
        config_digest: target.config_digest.clone(),
        os: inventory
            .os
            .as_ref()
            .map(|o| format!("{} {}", o.id, o.version_id.as_deref().unwrap_or("")).trim().to_owned()),
        ..VulnReport::new(target.name.clone())
    }
}
