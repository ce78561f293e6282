//! The report of one scan, whatever was scanned (image, folder, SBOM, build files) and whichever
//! scanners ran: one documented, stable shape ([`Report`], schema in `docs/report.schema.json`)
//! holding every [`Finding`] of every kind. The JSON format is the report serialised as it is,
//! and reads back into the same report (the server's client mode renders what the server matched).

use std::cmp::{Ordering, Reverse};
use std::collections::BTreeMap;

use hullguard_inventory::Purl;
use serde::{Deserialize, Serialize};

use crate::{Finding, FindingKind, Location, Severity};

/// The JSON schema version of [`Report`].
pub const SCHEMA_VERSION: u32 = 2;

/// What is known about a fix for an affected package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VulnStatus {
    /// A fixed version exists.
    Fixed,
    /// Affected, no fix released yet.
    Affected,
    /// Affected, and the vendor will not fix it.
    WillNotFix,
    /// Affected, and the release is out of support.
    EndOfLife,
}

impl VulnStatus {
    /// The name shown in tables.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Fixed => "fixed",
            Self::Affected => "affected",
            Self::WillNotFix => "will_not_fix",
            Self::EndOfLife => "end_of_life",
        }
    }
}

/// A CVSS rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    /// `3.1`, `3.0` or `4.0`.
    pub version: String,
    /// The vector.
    pub vector: String,
    /// The base score.
    pub score: f64,
}

/// A CISA KEV entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kev {
    /// When CISA added it (`YYYY-MM-DD`).
    pub date_added: String,
    /// Due date for US federal agencies (`YYYY-MM-DD`).
    pub due_date: String,
    /// Known use in ransomware campaigns.
    pub ransomware: bool,
}

/// The image layer a package came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRef {
    /// 0-based index into the image's layers.
    pub index: usize,
    /// The layer's `diff_id`.
    pub diff_id: Option<String>,
    /// The history `created_by` of the layer, when known.
    pub created_by: Option<String>,
}

/// What a vulnerability finding says beyond what every finding says: the package, the advisory
/// data and the fix. The file the package was found in is the finding's location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VulnDetail {
    /// The other ids of the same vulnerability, sorted.
    pub aliases: Vec<String>,
    /// The ids of the advisory records that matched (the data sources).
    pub advisories: Vec<String>,
    /// Package name as installed.
    pub package: String,
    /// Source package, for distro packages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_package: Option<String>,
    /// The ecosystem the package was matched in (`Debian:12`, `PyPI` …).
    pub ecosystem: String,
    /// Package URL.
    pub purl: Purl,
    /// Installed version.
    pub installed: String,
    /// The lowest version that fixes it, when known.
    pub fixed: Option<String>,
    /// The UTC date (`YYYY-MM-DD`) a fix became available, when the advisory data dates it: the
    /// earliest publication date of the advisories that give a fixed version (docs/trust.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_since: Option<String>,
    /// Fix status.
    pub status: VulnStatus,
    /// Where the severity came from (`cvss`, `debian`, `ghsa` …).
    pub severity_source: String,
    /// The CVSS rating used or known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss: Option<Cvss>,
    /// The CISA KEV entry, when known to be exploited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kev: Option<Kev>,
    /// The layer that installed the package (images only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
    /// Whether the binary contains the vulnerable code (Go binaries; absent when reachability
    /// is off or the ecosystem has no symbol data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reachability: Option<Reachability>,
    /// Where the package sits in the dependency graph (absent when the inventory has no
    /// dependency edges for its ecosystem).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependency: Option<DependencyPlace>,
}

/// A vulnerable package's place in the dependency graph, as `hullguard why` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencyPlace {
    /// `direct`: nothing depends on it, or a top-level package does; `transitive` otherwise.
    pub relation: DependencyRelation,
    /// How many packages depend on it directly.
    pub dependents: usize,
    /// Needed only to develop or build a project (every chain to it passes a project's dev
    /// dependencies); absent when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dev_only: bool,
}

/// Direct or transitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DependencyRelation {
    /// Top-level, or a dependency of a top-level package.
    Direct,
    /// Only a dependency of dependencies.
    Transitive,
}

/// What a binary's symbols say about a vulnerability's code: the verdict and its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reachability {
    /// The verdict.
    pub verdict: Verdict,
    /// The VEX justification of a `not_affected` verdict (`vulnerable_code_not_present`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// For `reachable`, the vulnerable functions found (`net/netip.Addr.IsLoopback`); for
    /// `package_present`, the vulnerable packages linked in; otherwise empty.
    pub evidence: Vec<String>,
    /// One line saying why, for people.
    pub detail: String,
}

/// The reachability verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A vulnerable function the advisory names is linked into the binary.
    Reachable,
    /// A vulnerable package is linked in; the advisory names no functions of it (module
    /// level only).
    PackagePresent,
    /// The advisory names the vulnerable code and none of it is in the binary.
    NotAffected,
    /// Not decided: the advisory names no packages or functions, or the binary's symbols
    /// were not read.
    Unknown,
}

impl Verdict {
    /// The name shown in tables and written to JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Reachable => "reachable",
            Self::PackagePresent => "package_present",
            Self::NotAffected => "not_affected",
            Self::Unknown => "unknown",
        }
    }
}

impl VulnDetail {
    /// Whether reachability found the vulnerable code absent.
    pub fn not_affected(&self) -> bool {
        self.reachability.as_ref().is_some_and(|r| r.verdict == Verdict::NotAffected)
    }
}

/// What orders vulnerabilities of one severity: known exploited first, then package and path.
fn vuln_key(f: &Finding) -> Option<(bool, &str, &str)> {
    f.vuln().map(|v| (v.kev.is_none(), v.package.as_str(), f.path()))
}

impl Finding {
    /// The vulnerability data of a vulnerability finding.
    #[must_use]
    pub fn vuln(&self) -> Option<&VulnDetail> {
        self.vulnerability.as_deref()
    }

    /// What the finding is named by besides its id: a vulnerability's package; where a
    /// misconfiguration or secret is (the image path whatever the layer, else `file:line`, the
    /// config field, the object). A suppressed finding is listed by it, and a diff pairs findings by it.
    #[must_use]
    pub fn subject(&self) -> String {
        if let Some(v) = self.vuln() {
            return v.package.clone();
        }
        match &self.location {
            Location::Image { path, .. } => path.clone().unwrap_or_default(),
            other => other.place(),
        }
    }

    /// The path the finding is at (empty when its location has none).
    #[must_use]
    pub fn path(&self) -> &str {
        self.location.path().unwrap_or_default()
    }

    /// The report order: most severe first; within a severity vulnerabilities (known exploited
    /// first, then by package, path, id), then misconfigurations and secrets by location and id.
    #[must_use]
    pub fn report_order(&self, other: &Self) -> Ordering {
        Reverse(self.severity)
            .cmp(&Reverse(other.severity))
            .then(self.kind.cmp(&other.kind))
            .then_with(|| vuln_key(self).cmp(&vuln_key(other)))
            .then_with(|| self.sort_key().cmp(&other.sort_key()))
    }
}

/// The upgrade that fixes every fixable finding of one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remediation {
    /// Package name.
    pub package: String,
    /// The file it was found in.
    pub path: String,
    /// Installed version.
    pub installed: String,
    /// The lowest version that fixes all its fixable findings.
    pub upgrade_to: String,
    /// How many findings that upgrade fixes.
    pub fixes: usize,
    /// Findings of the package no upgrade fixes yet.
    pub unfixed: usize,
}

/// A distro's note on the security support of an installed package or of the OS release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportNote {
    /// The package (empty for a note on the OS release).
    pub package: String,
    /// The installed version.
    pub installed: String,
    /// `ended` (no more security fixes) or `limited`.
    pub support: String,
    /// The date support ended, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
    /// The distro's explanation.
    pub note: String,
}

/// A finding left out of the report, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppressed {
    /// Vulnerability, check or secret-rule id.
    pub id: String,
    /// Package name; for a misconfiguration or secret, where it was (`file:line`, image path or
    /// config field).
    pub package: String,
    /// Why (`ignorefile: reason`, `vex: not_affected (…)`).
    pub reason: String,
}

/// A feed of the database used, for the report header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbSource {
    /// Feed name.
    pub name: String,
    /// Data as of.
    pub as_of: Option<String>,
}

/// The report of one scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// What was scanned (image reference, folder, SBOM file, build files).
    pub target: String,
    /// The image config digest, for images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<String>,
    /// The OS, as `id version` (e.g. `debian 12`).
    pub os: Option<String>,
    /// Packages matched.
    pub packages: usize,
    /// When the database was built; empty when no vulnerability scan ran.
    pub db_built: String,
    /// The database's feeds.
    pub db_sources: Vec<DbSource>,
    /// The build files linted (`config`, `dockerfile`), in the order read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// The findings shown, of every kind, in [`Finding::report_order`].
    pub findings: Vec<Finding>,
    /// One upgrade per package with fixable findings, by package.
    pub remediations: Vec<Remediation>,
    /// Findings suppressed by the ignore file or VEX.
    pub suppressed: Vec<Suppressed>,
    /// Findings the baseline stage (`--baseline`) ignored that are still present, shown or
    /// suppressed here, with the baseline's reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub carried_over: Vec<Suppressed>,
    /// Counts of the shown findings (every kind) per severity.
    pub summary: BTreeMap<Severity, usize>,
    /// Security-support notes: packages (and OS releases) that no longer get security fixes, or
    /// get limited support, whatever their findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub support: Vec<SupportNote>,
    /// Problems met on the way that did not stop the scan (a file that could not be parsed, an
    /// expired ignore entry), one line each.
    pub warnings: Vec<String>,
    /// What could not be read although it decides findings (a package database over its size
    /// cap, an SBOM component that names no package): the scan is incomplete when this is not
    /// empty, and fails (exit 2) unless `--allow-incomplete`.
    pub incomplete: Vec<String>,
}

impl Report {
    /// An empty report of `target` (no database, no findings yet).
    pub fn new(target: impl Into<String>) -> Self {
        Report {
            schema_version: SCHEMA_VERSION,
            target: target.into(),
            config_digest: None,
            os: None,
            packages: 0,
            db_built: String::new(),
            db_sources: Vec::new(),
            files: Vec::new(),
            findings: Vec::new(),
            remediations: Vec::new(),
            suppressed: Vec::new(),
            carried_over: Vec::new(),
            summary: BTreeMap::new(),
            support: Vec::new(),
            warnings: Vec::new(),
            incomplete: Vec::new(),
        }
    }

    /// Whether packages were matched against a database: a report of a misconfiguration or
    /// secret scan alone has no `db_built` and says nothing about vulnerabilities.
    pub fn vulnerabilities_scanned(&self) -> bool {
        !self.db_built.is_empty()
    }

    /// The shown findings of `kind`, in report order.
    pub fn of_kind(&self, kind: FindingKind) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.kind == kind)
    }

    /// The shown vulnerability findings with their vulnerability data, in report order.
    pub fn vulnerabilities(&self) -> impl Iterator<Item = (&Finding, &VulnDetail)> {
        self.findings.iter().filter_map(|f| f.vuln().map(|v| (f, v)))
    }

    /// Sorts the findings and recounts the summary.
    pub fn finalize(&mut self) {
        self.findings.sort_by(Finding::report_order);
        self.summary = BTreeMap::new();
        for f in &self.findings {
            *self.summary.entry(f.severity).or_default() += 1;
        }
    }
}
