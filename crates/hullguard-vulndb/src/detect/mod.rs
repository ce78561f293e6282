//! Vulnerability detection: an inventory in, the vulnerability report out.
//!
//! Each package is turned into the query advisories know it by ([`query`]: distro packages by
//! source package and release), matched ([`crate::matcher`]), each vulnerability rated
//! ([`rating`]), and the report carries the security-support notes ([`support`]) and one
//! upgrade per fixable package ([`remediation`]). Nothing is filtered here: the ignore file,
//! VEX and the scope flags act on the report afterwards.

use std::collections::BTreeMap;

use hullguard_inventory::Inventory;
use hullguard_report::{
    DbSource, DependencyPlace, DependencyRelation, Finding, FindingKind, LayerRef, Location, Report, VulnDetail,
    VulnStatus,
};

use crate::advisory::{GoImport, Status};
use crate::db::{Db, DbError};
use crate::matcher::{Query, Vulnerability, match_package};
use crate::version::scheme_for;

pub mod query;
pub mod rating;
pub mod reachability;
pub mod remediation;
pub mod support;

pub use query::{PackageQuery, is_distro, query_of};
pub use rating::{Rating, rate};
pub use remediation::remediations;
pub use support::support_notes;

/// The OSV ecosystem of Go modules and the standard library.
const GO: &str = "Go";

/// What was scanned, for the report header and layer references.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// Shown name.
    pub name: String,
    /// Image config digest.
    pub config_digest: Option<String>,
    /// The `created_by` of each layer, by layer index (empty for targets without layers).
    pub layer_created_by: Vec<Option<String>>,
    /// Whether Go findings get a reachability verdict (from the binaries' functions the
    /// inventory read, see [`reachability`]).
    pub reachability: bool,
}

/// Matches every package of `inventory` against `db` and builds the full report (no filters
/// applied yet).
///
/// # Errors
///
/// When the database cannot be read.
pub fn detect(target: &Target, inventory: &Inventory, db: &Db) -> Result<Report, DbError> {
    Detector::new(db, false).detect(target, inventory)
}

/// The matched and rated vulnerabilities of one package query.
type Rated = Vec<(Vulnerability, Rating)>;

/// Matches inventories against one database, remembering each package query's answer across
/// inventories when asked to: the server re-matches thousands of stored inventories that share
/// most packages, so each distinct package is matched and rated once.
pub struct Detector<'db> {
    db: &'db Db,
    /// Remember clean answers too (across inventories); otherwise only affected ones are kept,
    /// so an SBOM of a million clean packages keeps no million keys.
    keep_clean: bool,
    memo: BTreeMap<PackageQuery, Rated>,
}

/// The most package queries a [`Detector`] keeps; past it the memo starts again.
const MAX_REMEMBERED: usize = 500_000;

impl<'db> Detector<'db> {
    /// A detector over `db`; `keep_clean` remembers unaffected packages too.
    #[must_use]
    pub fn new(db: &'db Db, keep_clean: bool) -> Self {
        Detector { db, keep_clean, memo: BTreeMap::new() }
    }

    /// [`detect`] with this detector's memory.
    ///
    /// # Errors
    ///
    /// When the database cannot be read.
    pub fn detect(&mut self, target: &Target, inventory: &Inventory) -> Result<Report, DbError> {
        let db = self.db;
        let info = db.info()?;
        let mut findings = Vec::new();
        let mut matched = 0;
        if self.memo.len() > MAX_REMEMBERED {
            self.memo.clear();
        }
        // The same package often appears several times (Go's stdlib in every binary, one npm
        // package at several paths): match and rate each affected query once.
        let memo = &mut self.memo;
        let places = hullguard_inventory::places(inventory);
        for (p, place) in inventory.packages.iter().zip(&places) {
            let Some(q) = query_of(p, inventory) else {
                tracing::debug!("{}@{}: no advisory ecosystem for this package", p.found.name, p.found.version);
                continue;
            };
            matched += 1;
            if !memo.contains_key(&q) {
                let result =
                    match_package(db, &Query { ecosystem: &q.ecosystem, package: &q.name, version: &q.version })?;
                for skipped in &result.skipped {
                    tracing::debug!("skipped: {skipped}");
                }
                let mut rated = Vec::new();
                for v in result.vulnerabilities(is_distro(&q.ecosystem)) {
                    let rating = rate(&v, &q.ecosystem, db)?;
                    rated.push((v, rating));
                }
                if rated.is_empty() && !self.keep_clean {
                    // Nothing to report (a repeated clean package costs one more indexed query).
                    continue;
                }
                memo.insert(q.clone(), rated);
            }
            push_findings(&mut findings, (p, *place), &q, &memo[&q], target, inventory);
        }
        let mut report = Report {
            support: support_notes(inventory, db)?,
            packages: matched,
            db_built: info.built,
            db_sources: info.sources.into_iter().map(|s| DbSource { name: s.name, as_of: s.as_of }).collect(),
            findings,
            ..empty_report(target, inventory)
        };
        report.finalize();
        Ok(report)
    }
}

/// The findings of package `p` at `place` (query `q`) affected by `rated`.
fn push_findings(
    findings: &mut Vec<Finding>,
    (p, place): (&hullguard_inventory::Package, Option<hullguard_inventory::Place>),
    q: &PackageQuery,
    rated: &Rated,
    target: &Target,
    inventory: &Inventory,
) {
    let order =
        |a: &str, b: &str| scheme_for(&q.ecosystem).and_then(|s| s.compare(a, b)).unwrap_or(std::cmp::Ordering::Equal);
    for (v, rating) in rated.iter().cloned() {
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
        let reachability = (target.reachability && q.ecosystem == GO).then(|| {
            let imports: Vec<&GoImport> = v
                .hits
                .iter()
                .flat_map(|h| &h.advisory.affected)
                .filter(|a| a.ecosystem == GO && a.package == q.name)
                .flat_map(|a| &a.imports)
                .collect();
            reachability::verdict(&imports, inventory.go_symbols.get(p.found.file()))
        });
        let location = match p.layer {
            Some(layer) => Location::Image { layer: Some(layer), path: Some(p.found.path.clone()) },
            None => Location::Path { path: p.found.path.clone() },
        };
        findings.push(Finding {
            kind: FindingKind::Vulnerability,
            title: rating::title(&v),
            description: String::new(),
            concept: None,
            severity: rating.severity,
            location,
            evidence: None,
            fix: None,
            references,
            vulnerability: Some(Box::new(VulnDetail {
                advisories: v.hits.iter().map(|h| h.advisory.id.clone()).collect(),
                fixed: v.fixed(order),
                fixed_since: v.fixed_since(),
                aliases: v.aliases,
                package: p.found.name.clone(),
                source_package: p.found.source_name.clone().filter(|s| *s != p.found.name),
                ecosystem: q.ecosystem.clone(),
                purl: p.purl.clone(),
                installed: p.found.version.clone(),
                status,
                severity_source: rating.source,
                cvss: rating.cvss,
                kev: rating.kev,
                layer: p.layer.map(|index| LayerRef {
                    index,
                    diff_id: p.diff_id.clone(),
                    created_by: target.layer_created_by.get(index).cloned().flatten(),
                }),
                reachability,
                dependency: place.map(|place| DependencyPlace {
                    relation: if place.direct { DependencyRelation::Direct } else { DependencyRelation::Transitive },
                    dependents: place.dependents,
                    dev_only: place.dev_only,
                }),
            })),
            id: v.id,
            status: None,
        });
    }
}

/// A report with no vulnerability findings (a scan without the vulnerability scanner).
pub fn empty_report(target: &Target, inventory: &Inventory) -> Report {
    Report {
        config_digest: target.config_digest.clone(),
        os: inventory
            .os
            .as_ref()
            .map(|o| format!("{} {}", o.id, o.version_id.as_deref().unwrap_or("")).trim().to_owned()),
        ..Report::new(target.name.clone())
    }
}
