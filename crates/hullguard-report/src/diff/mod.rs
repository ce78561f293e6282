//! Comparing two scans (`hullguard diff BEFORE AFTER`): which packages were added, removed or
//! changed version, and which findings of each kind were added, removed or stayed, each finding
//! of an image placed in a base layer (one BEFORE has too) or an own layer.
//!
//! A side is a [`Scan`]: the [`Report`] of the scan, with the package list and the layer
//! `diff_id`s when the side was scanned now (an image or SBOM). A saved JSON report carries
//! neither the package list nor the layer list: its layers are the ones its vulnerability
//! findings name, and its packages are not compared ([`Diff::packages`] is `None`).
//!
//! A finding is the same on both sides when its kind, id and subject agree: for a vulnerability
//! the package and the file it was found in, for a misconfiguration or secret its place (the
//! path in the image, whatever the layer index; else `file:line`, the field, the object).

pub mod render;

use std::collections::{BTreeMap, BTreeSet};

use hullguard_inventory::Package;
use serde::Serialize;

use crate::{Finding, FindingKind, Location, Report};

/// One package as the diff compares it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PackageVersion {
    /// The purl type of its ecosystem (`deb`, `npm` …).
    pub ecosystem: String,
    /// The name as its metadata spells it.
    pub name: String,
    /// The version.
    pub version: String,
    /// The file it was found in.
    pub path: String,
}

impl From<&Package> for PackageVersion {
    fn from(p: &Package) -> Self {
        PackageVersion {
            ecosystem: p.found.ecosystem.purl_type().to_owned(),
            name: p.found.name.clone(),
            version: p.found.version.clone(),
            path: p.found.path.clone(),
        }
    }
}

/// One side of a diff.
#[derive(Debug, Clone)]
pub struct Scan {
    /// The report of the scan.
    pub report: Report,
    /// Every package, when known (not for a saved report).
    pub packages: Option<Vec<PackageVersion>>,
    /// The `diff_id` of each layer by index, where known.
    pub layers: Vec<Option<String>>,
}

impl Scan {
    /// A side read from a saved report: its layers are those its vulnerability findings name.
    #[must_use]
    pub fn from_report(report: Report) -> Self {
        let mut layers: Vec<Option<String>> = Vec::new();
        for (_, v) in report.vulnerabilities() {
            if let Some(layer) = &v.layer {
                if layers.len() <= layer.index {
                    layers.resize(layer.index + 1, None);
                }
                layers[layer.index].clone_from(&layer.diff_id);
            }
        }
        Scan { report, packages: None, layers }
    }

    /// The `diff_id` of the layer `finding` belongs to, when known.
    fn layer_of<'a>(&'a self, finding: &'a Finding) -> Option<&'a str> {
        if let Some(layer) = finding.vuln().and_then(|v| v.layer.as_ref()) {
            return layer.diff_id.as_deref();
        }
        match &finding.location {
            Location::Image { layer: Some(i), .. } => self.layers.get(*i).and_then(|d| d.as_deref()),
            _ => None,
        }
    }

    fn diff_ids(&self) -> BTreeSet<&str> {
        self.layers.iter().flatten().map(String::as_str).collect()
    }
}

/// Which layers a finding of an image is in, as the diff sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerOrigin {
    /// A layer both images have (the shared base image).
    Base,
    /// A layer only this side has.
    Own,
}

/// A finding of the diff, with the layer it is in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compared {
    /// The finding, as its side reports it (AFTER for added and unchanged, BEFORE for removed).
    #[serde(flatten)]
    pub finding: Finding,
    /// Base or own layer, for a finding of an image layer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer_origin: Option<LayerOrigin>,
}

/// The findings of one kind on both sides.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FindingChanges {
    /// In AFTER, not in BEFORE.
    pub added: Vec<Compared>,
    /// In BEFORE, not in AFTER.
    pub removed: Vec<Compared>,
    /// On both sides (as AFTER reports it).
    pub unchanged: Vec<Compared>,
}

/// A package found on both sides at another version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageChange {
    /// The purl type of its ecosystem.
    pub ecosystem: String,
    /// The name.
    pub name: String,
    /// The file it was found in.
    pub path: String,
    /// The version(s) in BEFORE, comma-separated when several.
    pub before: String,
    /// The version(s) in AFTER.
    pub after: String,
}

/// The packages of both sides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PackageChanges {
    /// In AFTER only.
    pub added: Vec<PackageVersion>,
    /// In BEFORE only.
    pub removed: Vec<PackageVersion>,
    /// On both sides (same ecosystem, name and file) at other versions.
    pub changed: Vec<PackageChange>,
    /// How many are the same on both sides.
    pub unchanged: usize,
}

/// What one side was, for the diff's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SideInfo {
    /// What was scanned.
    pub target: String,
    /// The image config digest, for images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<String>,
    /// When its database was built (empty: no vulnerability scan).
    pub db_built: String,
    /// How many layers are known.
    pub layers: usize,
}

/// The comparison of two scans.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// The schema version of this document.
    pub schema_version: u32,
    /// The earlier scan.
    pub before: SideInfo,
    /// The later scan.
    pub after: SideInfo,
    /// How many of AFTER's known layers BEFORE has too.
    pub shared_layers: usize,
    /// The packages; `None` when a side is a saved report (which lists no packages).
    pub packages: Option<PackageChanges>,
    /// Vulnerabilities.
    pub vulnerabilities: FindingChanges,
    /// Misconfigurations.
    pub misconfigurations: FindingChanges,
    /// Secrets.
    pub secrets: FindingChanges,
    /// Trust-policy violations.
    pub policy: FindingChanges,
}

/// The diff document's schema version.
pub const DIFF_SCHEMA_VERSION: u32 = 1;

impl Diff {
    /// The changes of findings of `kind`.
    #[must_use]
    pub fn of_kind(&self, kind: FindingKind) -> &FindingChanges {
        match kind {
            FindingKind::Vulnerability => &self.vulnerabilities,
            FindingKind::Misconfiguration => &self.misconfigurations,
            FindingKind::Secret => &self.secrets,
            FindingKind::Policy => &self.policy,
        }
    }

    /// Whether nothing differs: no package and no finding added, removed or changed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        let packages =
            self.packages.as_ref().is_none_or(|p| p.added.is_empty() && p.removed.is_empty() && p.changed.is_empty());
        packages
            && KINDS.iter().all(|k| {
                let c = self.of_kind(*k);
                c.added.is_empty() && c.removed.is_empty()
            })
    }

    /// A report of AFTER holding only the findings it added (what `--format sarif` shows).
    #[must_use]
    pub fn added_report(&self, after: &Report) -> Report {
        let mut report = Report::new(after.target.clone());
        report.config_digest.clone_from(&after.config_digest);
        report.os.clone_from(&after.os);
        report.packages = after.packages;
        report.db_built.clone_from(&after.db_built);
        report.db_sources.clone_from(&after.db_sources);
        report.findings = KINDS.iter().flat_map(|k| self.of_kind(*k).added.iter().map(|c| c.finding.clone())).collect();
        report.finalize();
        report
    }
}

/// The finding kinds, in the order a diff shows them.
pub const KINDS: [FindingKind; 4] =
    [FindingKind::Vulnerability, FindingKind::Misconfiguration, FindingKind::Secret, FindingKind::Policy];

/// What makes a finding the same on both sides: kind, id, [`Finding::subject`] and path.
fn identity(f: &Finding) -> (FindingKind, &str, String, &str) {
    (f.kind, f.id.as_str(), f.subject(), f.path())
}

fn side_info(scan: &Scan) -> SideInfo {
    SideInfo {
        target: scan.report.target.clone(),
        config_digest: scan.report.config_digest.clone(),
        db_built: scan.report.db_built.clone(),
        layers: scan.layers.iter().flatten().count(),
    }
}

/// Compares BEFORE with AFTER.
#[must_use]
pub fn diff(before: &Scan, after: &Scan) -> Diff {
    let before_layers = before.diff_ids();
    let after_layers = after.diff_ids();
    let shared: BTreeSet<&str> = before_layers.intersection(&after_layers).copied().collect();
    let origin = |scan: &Scan, f: &Finding| {
        scan.layer_of(f).map(|d| if shared.contains(d) { LayerOrigin::Base } else { LayerOrigin::Own })
    };
    let mut changes: BTreeMap<FindingKind, FindingChanges> =
        KINDS.iter().map(|k| (*k, FindingChanges::default())).collect();
    // Findings by identity; several with one identity pair up in report order.
    let mut waiting: BTreeMap<_, Vec<&Finding>> = BTreeMap::new();
    for f in &before.report.findings {
        waiting.entry(identity(f)).or_default().push(f);
    }
    for list in waiting.values_mut() {
        list.reverse();
    }
    for f in &after.report.findings {
        let matched = waiting.get_mut(&identity(f)).and_then(Vec::pop).is_some();
        let compared = Compared { finding: f.clone(), layer_origin: origin(after, f) };
        let entry = changes.entry(f.kind).or_default();
        if matched { entry.unchanged.push(compared) } else { entry.added.push(compared) }
    }
    for f in waiting.into_values().flatten() {
        changes
            .entry(f.kind)
            .or_default()
            .removed
            .push(Compared { finding: f.clone(), layer_origin: origin(before, f) });
    }
    for c in changes.values_mut() {
        c.removed.sort_by(|a, b| a.finding.report_order(&b.finding));
    }
    let packages = match (&before.packages, &after.packages) {
        (Some(b), Some(a)) => Some(package_changes(b, a)),
        _ => None,
    };
    let mut take = |k| changes.remove(&k).unwrap_or_default();
    Diff {
        schema_version: DIFF_SCHEMA_VERSION,
        before: side_info(before),
        after: side_info(after),
        shared_layers: shared.len(),
        packages,
        vulnerabilities: take(FindingKind::Vulnerability),
        misconfigurations: take(FindingKind::Misconfiguration),
        secrets: take(FindingKind::Secret),
        policy: take(FindingKind::Policy),
    }
}

/// Packages by ecosystem, name and file: the versions of each.
fn by_place(list: &[PackageVersion]) -> BTreeMap<(&str, &str, &str), BTreeSet<&str>> {
    let mut map: BTreeMap<_, BTreeSet<&str>> = BTreeMap::new();
    for p in list {
        map.entry((p.ecosystem.as_str(), p.name.as_str(), p.path.as_str())).or_default().insert(&p.version);
    }
    map
}

fn package_changes(before: &[PackageVersion], after: &[PackageVersion]) -> PackageChanges {
    let (b, a) = (by_place(before), by_place(after));
    let mut changes = PackageChanges::default();
    let versions = |set: &BTreeSet<&str>| set.iter().copied().collect::<Vec<_>>().join(", ");
    let each = |(eco, name, path): (&str, &str, &str), set: &BTreeSet<&str>| {
        set.iter()
            .map(|v| PackageVersion {
                ecosystem: eco.to_owned(),
                name: name.to_owned(),
                version: (*v).to_owned(),
                path: path.to_owned(),
            })
            .collect::<Vec<_>>()
    };
    for (key, after_versions) in &a {
        match b.get(key) {
            None => changes.added.extend(each(*key, after_versions)),
            Some(before_versions) if before_versions == after_versions => changes.unchanged += after_versions.len(),
            Some(before_versions) => changes.changed.push(PackageChange {
                ecosystem: key.0.to_owned(),
                name: key.1.to_owned(),
                path: key.2.to_owned(),
                before: versions(before_versions),
                after: versions(after_versions),
            }),
        }
    }
    for (key, before_versions) in &b {
        if !a.contains_key(key) {
            changes.removed.extend(each(*key, before_versions));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LayerRef, Severity, VulnDetail, VulnStatus};

    fn vuln(id: &str, package: &str, layer: Option<(usize, &str)>) -> Finding {
        Finding {
            kind: FindingKind::Vulnerability,
            id: id.to_owned(),
            concept: None,
            severity: Severity::High,
            title: id.to_owned(),
            description: String::new(),
            location: Location::Image { layer: layer.map(|l| l.0), path: Some("/var/lib/dpkg/status".to_owned()) },
            evidence: None,
            fix: None,
            references: Vec::new(),
            vulnerability: Some(Box::new(VulnDetail {
                aliases: Vec::new(),
                advisories: Vec::new(),
                package: package.to_owned(),
                source_package: None,
                ecosystem: "Debian:12".to_owned(),
                purl: format!("pkg:deb/debian/{package}@1").parse().unwrap(),
                installed: "1".to_owned(),
                fixed: None,
                status: VulnStatus::Affected,
                fixed_since: None,
                severity_source: "cvss".to_owned(),
                cvss: None,
                kev: None,
                layer: layer.map(|(index, d)| LayerRef { index, diff_id: Some(d.to_owned()), created_by: None }),
                reachability: None,
                dependency: None,
            })),
            status: None,
        }
    }

    fn report(findings: Vec<Finding>) -> Report {
        let mut r = Report::new("t");
        r.findings = findings;
        r.finalize();
        r
    }

    fn ids(list: &[Compared]) -> Vec<(&str, Option<LayerOrigin>)> {
        list.iter().map(|c| (c.finding.id.as_str(), c.layer_origin)).collect()
    }

    #[test]
    fn findings_pair_by_id_and_package_and_layers_split_base_from_own() {
        let before = Scan::from_report(report(vec![
            vuln("CVE-1", "libc6", Some((0, "sha256:base"))),
            vuln("CVE-2", "openssl", Some((1, "sha256:old"))),
        ]));
        let after = Scan::from_report(report(vec![
            vuln("CVE-1", "libc6", Some((0, "sha256:base"))),
            vuln("CVE-3", "zlib1g", Some((0, "sha256:base"))),
            vuln("CVE-1", "curl", Some((2, "sha256:new"))),
        ]));
        let d = diff(&before, &after);
        assert_eq!(d.shared_layers, 1);
        assert_eq!(ids(&d.vulnerabilities.unchanged), [("CVE-1", Some(LayerOrigin::Base))]);
        assert_eq!(
            ids(&d.vulnerabilities.added),
            [("CVE-1", Some(LayerOrigin::Own)), ("CVE-3", Some(LayerOrigin::Base))]
        );
        assert_eq!(ids(&d.vulnerabilities.removed), [("CVE-2", Some(LayerOrigin::Own))]);
        assert!(d.packages.is_none() && !d.is_empty());
        let sarif = d.added_report(&after.report);
        assert_eq!(sarif.findings.len(), 2);
        assert!(diff(&after, &after).is_empty());
    }

    #[test]
    fn packages_added_removed_and_changed_by_name_and_file() {
        let p = |name: &str, version: &str| PackageVersion {
            ecosystem: "npm".to_owned(),
            name: name.to_owned(),
            version: version.to_owned(),
            path: format!("/app/node_modules/{name}/package.json"),
        };
        let c = package_changes(&[p("a", "1"), p("b", "1"), p("c", "1")], &[p("a", "1"), p("b", "2"), p("d", "1")]);
        assert_eq!(c.added, [p("d", "1")]);
        assert_eq!(c.removed, [p("c", "1")]);
        assert_eq!(c.changed.len(), 1);
        assert_eq!((c.changed[0].before.as_str(), c.changed[0].after.as_str()), ("1", "2"));
        assert_eq!(c.unchanged, 1);
    }
}
