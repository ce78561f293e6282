//! Matching installed packages against the database.
//!
//! [`match_package`] finds every advisory whose affected entry for the
//! package's ecosystem (and release) covers the installed version;
//! [`group_by_vulnerability`] then merges the advisories that name the same
//! vulnerability through their aliases (CVE ↔ GHSA ↔ PYSEC ↔ GO ↔ RUSTSEC ↔
//! DSA …), so one vulnerability is one finding.

use std::collections::{BTreeMap, BTreeSet};

use crate::advisory::{Advisory, Status};
use crate::db::{Db, DbError};

/// One installed package to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query<'a> {
    /// The OSV ecosystem, with the release for distros (`Debian:12`, `PyPI`).
    pub ecosystem: &'a str,
    /// The name advisories use: the source package for distros.
    pub package: &'a str,
    /// The installed version (the source version for distros).
    pub version: &'a str,
}

/// One advisory that affects a queried package.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The advisory.
    pub advisory: Advisory,
    /// What the advisory says about a fix for this package.
    pub status: Status,
    /// The version that fixes the installed one, when known.
    pub fixed: Option<String>,
}

/// The result of matching one package.
#[derive(Debug, Default)]
pub struct Matched {
    /// The affecting advisories, in id order.
    pub hits: Vec<Hit>,
    /// Advisories that could not be evaluated (a version that does not parse
    /// in the ecosystem's scheme), one line each, for the debug log.
    pub skipped: Vec<String>,
    /// The ids (with aliases) of advisories that state the installed version
    /// is fixed or not affected: evidence that clears the same vulnerability
    /// named by another advisory (see [`Matched::vulnerabilities`]).
    pub cleared: Vec<Vec<String>>,
}

impl Matched {
    /// The hits grouped into vulnerabilities (see [`group_by_vulnerability`]).
    ///
    /// With `trust_clearance` (distro feeds, where every record for a release
    /// comes from the one vendor), a vulnerability is dropped when another
    /// advisory naming it says the installed version is fixed or not
    /// affected: a DSA that fixed a CVE in a stable release clears the
    /// tracker entry that only knows the fix in unstable.
    pub fn vulnerabilities(self, trust_clearance: bool) -> Vec<Vulnerability> {
        let Matched { hits, cleared, .. } = self;
        let cleared: BTreeSet<&String> =
            if trust_clearance { cleared.iter().flatten().collect() } else { BTreeSet::new() };
        group_by_vulnerability(hits)
            .into_iter()
            .filter(|v| !cleared.contains(&v.id) && !v.aliases.iter().any(|a| cleared.contains(a)))
            .collect()
    }
}

/// Finds the advisories in `db` that affect `query`.
///
/// An advisory affects the package when one of its entries for the same
/// ecosystem key and package key covers the version (see
/// [`crate::advisory::Affected::hit`]); entries that say "not affected" never
/// match, and withdrawn advisories are not returned by the database at all.
///
/// # Errors
///
/// When the database cannot be read.
pub fn match_package(db: &Db, query: &Query<'_>) -> Result<Matched, DbError> {
    let eco = crate::db::ecosystem_key(query.ecosystem);
    let pkg = crate::db::package_key(query.ecosystem, query.package);
    let mut matched = Matched::default();
    for advisory in db.advisories_for(query.ecosystem, query.package)? {
        let mut best: Option<(Status, Option<String>)> = None;
        for affected in advisory.affected.iter().filter(|a| {
            crate::db::ecosystem_key(&a.ecosystem) == eco && crate::db::package_key(&a.ecosystem, &a.package) == pkg
        }) {
            match affected.hit(query.version) {
                Ok(Some(fixed)) => {
                    // A range bounded by another release's fix (a Debian release following unstable)
                    // is no fix here: the entry's status says so.
                    let fixed = fixed.filter(|_| affected.status != Status::AffectedNoFix);
                    let status = if fixed.is_some() { Status::Fixed } else { unfixed_status(affected.status) };
                    if best.as_ref().is_none_or(|(_, f)| f.is_none() && fixed.is_some()) {
                        best = Some((status, fixed));
                    }
                }
                Ok(None)
                    if matches!(affected.status, Status::Fixed | Status::NotAffected)
                        || affected.ranges.iter().any(|r| r.fixed.is_some()) =>
                {
                    // A bundle clears what it lists; a single record clears itself and its aliases.
                    let ids = if is_bundle_id(&advisory.id) {
                        advisory.aliases.iter().filter(|a| !is_bundle_id(a)).cloned().collect()
                    } else {
                        std::iter::once(&advisory.id)
                            .chain(&advisory.aliases)
                            .filter(|a| !is_bundle_id(a))
                            .cloned()
                            .collect()
                    };
                    matched.cleared.push(ids);
                }
                Ok(None) => {}
                Err(e) => matched.skipped.push(format!("{}: {}@{}: {e}", advisory.id, query.package, query.version)),
            }
        }
        if let Some((status, fixed)) = best {
            matched.hits.push(Hit { advisory, status, fixed });
        }
    }
    Ok(matched)
}

/// The status to report for an affected version with no fix in its interval.
fn unfixed_status(status: Status) -> Status {
    match status {
        Status::Fixed => Status::AffectedNoFix,
        other => other,
    }
}

/// The hits of one package that name one vulnerability.
#[derive(Debug, Clone, PartialEq)]
pub struct Vulnerability {
    /// The id to show: the CVE if any advisory names one, else a GHSA, else
    /// the first advisory id.
    pub id: String,
    /// Every other id of the group (advisory ids and aliases), sorted.
    pub aliases: Vec<String>,
    /// The hits, in id order.
    pub hits: Vec<Hit>,
}

impl Vulnerability {
    /// The lowest fixed version any of the hits gives, compared in `order`
    /// (a fix from one advisory is a fix).
    pub fn fixed(&self, order: impl Fn(&str, &str) -> std::cmp::Ordering) -> Option<String> {
        self.hits.iter().filter_map(|h| h.fixed.clone()).min_by(|a, b| order(a, b))
    }

    /// The UTC date (`YYYY-MM-DD`) a fix became available: the earliest publication date of the
    /// hits that give a fixed version (a changelog entry's upload date, a DSA's date, an OSV
    /// record's `published`); `None` when none of them is dated.
    pub fn fixed_since(&self) -> Option<String> {
        let dated = self.hits.iter().filter(|h| h.fixed.is_some()).filter_map(|h| h.advisory.published.as_deref());
        let earliest = dated.filter_map(hullguard_report::time::parse_rfc3339).min()?;
        let secs = u64::try_from(earliest.0).ok()?;
        Some(hullguard_report::time::utc_date_time(secs)[..10].to_owned())
    }

    /// The status: fixed when any hit knows a fix, else the most specific
    /// unfixed status (will-not-fix and end-of-life before affected).
    pub fn status(&self) -> Status {
        if self.hits.iter().any(|h| h.fixed.is_some()) {
            return Status::Fixed;
        }
        let statuses: BTreeSet<Status> = self.hits.iter().map(|h| h.status).collect();
        for s in [Status::WillNotFix, Status::EndOfLife] {
            if statuses.contains(&s) {
                return s;
            }
        }
        Status::AffectedNoFix
    }
}

/// Whether `id` names a vendor advisory that bundles several
/// vulnerabilities (a DSA fixing three CVEs), rather than one vulnerability.
/// Bundles never join vulnerabilities together.
pub fn is_bundle_id(id: &str) -> bool {
    const BUNDLES: [&str; 12] = [
        "DSA-",
        "DLA-",
        "DTSA-",
        "USN-",
        "ALSA-",
        "RHSA-",
        "RLSA-",
        "ELSA-",
        "ALAS",
        "SUSE-SU-",
        "openSUSE-SU-",
        "BIT-",
    ];
    BUNDLES.iter().any(|p| id.starts_with(p)) || id.starts_with(crate::import::debian_changelog::ID_PREFIX)
}

/// Merges hits that name the same vulnerability into one [`Vulnerability`]
/// each, sorted by id.
///
/// Hits are joined through the ids and aliases that name one vulnerability
/// (CVE, GHSA, PYSEC, GO, RUSTSEC …), transitively. A bundle advisory (see
/// [`is_bundle_id`]) joins no one: it is added to every group its aliases
/// name, and it stands for each CVE it lists that no other hit names. A Debian changelog entry
/// is evidence of a fix, never an alias.
pub fn group_by_vulnerability(hits: Vec<Hit>) -> Vec<Vulnerability> {
    let (bundles, singles): (Vec<Hit>, Vec<Hit>) = hits.into_iter().partition(|h| is_bundle_id(&h.advisory.id));
    // Union-find over the single hits, joined through every non-bundle id they mention.
    let mut parent: Vec<usize> = (0..singles.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut owner: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, hit) in singles.iter().enumerate() {
        for id in std::iter::once(&hit.advisory.id).chain(&hit.advisory.aliases).filter(|id| !is_bundle_id(id)) {
            match owner.get(id.as_str()) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    owner.insert(id, i);
                }
            }
        }
    }
    let roots: Vec<usize> = (0..singles.len()).map(|i| root(&mut parent, i)).collect();
    let by_id: BTreeMap<String, usize> = owner.iter().map(|(id, &i)| ((*id).to_owned(), roots[i])).collect();
    let mut groups: BTreeMap<String, Vec<Hit>> = BTreeMap::new();
    for (hit, r) in singles.into_iter().zip(roots) {
        groups.entry(format!("#{r:08}")).or_default().push(hit);
    }
    for bundle in bundles {
        // Each id the bundle lists: the group of a single hit naming it, else (a CVE) a group of
        // its own; a bundle listing neither stands alone.
        let mut keys: BTreeSet<String> = BTreeSet::new();
        for alias in &bundle.advisory.aliases {
            match by_id.get(alias) {
                Some(r) => keys.insert(format!("#{r:08}")),
                None if alias.starts_with("CVE-") => keys.insert(alias.clone()),
                None => false,
            };
        }
        if keys.is_empty() {
            keys.insert(bundle.advisory.id.clone());
        }
        for key in keys {
            groups.entry(key).or_default().push(bundle.clone());
        }
    }
    let mut out: Vec<Vulnerability> = groups
        .into_iter()
        .map(|(key, mut hits)| {
            hits.sort_by(|a, b| a.advisory.id.cmp(&b.advisory.id));
            // A bundle adds its own id, not the other vulnerabilities it lists; a changelog entry
            // is fix evidence (kept among the hits), never a name of the vulnerability.
            let mut ids: BTreeSet<String> = hits
                .iter()
                .filter(|h| !h.advisory.id.starts_with(crate::import::debian_changelog::ID_PREFIX))
                .flat_map(|h| {
                    let aliases = if is_bundle_id(&h.advisory.id) { &[][..] } else { &h.advisory.aliases[..] };
                    std::iter::once(&h.advisory.id).chain(aliases)
                })
                .cloned()
                .collect();
            if !key.starts_with('#') {
                ids.insert(key);
            }
            let id = preferred_id(&ids, &hits[0].advisory.id);
            let aliases = ids.into_iter().filter(|i| *i != id).collect();
            Vulnerability { id, aliases, hits }
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// The id a group is shown under.
fn preferred_id(ids: &BTreeSet<String>, first: &str) -> String {
    ids.iter()
        .find(|i| i.starts_with("CVE-"))
        .or_else(|| ids.iter().find(|i| i.starts_with("GHSA-")))
        .cloned()
        .unwrap_or_else(|| first.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(id: &str, aliases: &[&str], fixed: Option<&str>) -> Hit {
        Hit {
            advisory: Advisory {
                id: id.into(),
                aliases: aliases.iter().map(|s| (*s).to_owned()).collect(),
                modified: String::new(),
                published: None,
                withdrawn: None,
                summary: String::new(),
                details: String::new(),
                severity: Vec::new(),
                references: Vec::new(),
                affected: Vec::new(),
            },
            status: if fixed.is_some() { Status::Fixed } else { Status::AffectedNoFix },
            fixed: fixed.map(str::to_owned),
        }
    }

    /// Each group as (id, aliases, the ids of its hits' advisories).
    fn shown(groups: &[Vulnerability]) -> Vec<(&str, Vec<&str>, Vec<&str>)> {
        groups
            .iter()
            .map(|g| {
                (
                    g.id.as_str(),
                    g.aliases.iter().map(String::as_str).collect(),
                    g.hits.iter().map(|h| h.advisory.id.as_str()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn bundles_join_nothing() {
        let groups = group_by_vulnerability(vec![
            hit("CVE-2023-6246", &["DSA-5611-1"], Some("2.37-15")),
            hit("CVE-2023-6779", &["DSA-5611-1"], Some("2.37-15")),
            hit("DSA-5611-1", &["CVE-2023-6246", "CVE-2023-6779", "CVE-2023-6780"], Some("2.36-9+deb12u4")),
        ]);
        assert_eq!(
            shown(&groups),
            vec![
                ("CVE-2023-6246", vec!["DSA-5611-1"], vec!["CVE-2023-6246", "DSA-5611-1"]),
                ("CVE-2023-6779", vec!["DSA-5611-1"], vec!["CVE-2023-6779", "DSA-5611-1"]),
                // Listed by the bundle only: still a vulnerability of its own (a record that
                // clears it for the release is applied by `Matched::vulnerabilities`).
                ("CVE-2023-6780", vec!["DSA-5611-1"], vec!["DSA-5611-1"]),
            ]
        );
        // A bundle naming no other hit stands for each CVE it lists.
        let alone = group_by_vulnerability(vec![hit("DSA-1-1", &["CVE-2020-1", "CVE-2020-2"], None)]);
        let ids: Vec<(&str, Vec<&str>)> =
            alone.iter().map(|g| (g.id.as_str(), g.aliases.iter().map(String::as_str).collect())).collect();
        assert_eq!(ids, vec![("CVE-2020-1", vec!["DSA-1-1"]), ("CVE-2020-2", vec!["DSA-1-1"])]);
    }

    #[test]
    fn a_changelog_entry_naming_several_cves_is_evidence_for_each() {
        let entry = "debian-changelog:perl@5.36.0-7+deb12u4";
        let groups = group_by_vulnerability(vec![
            hit(entry, &["CVE-2025-15649", "CVE-2026-12087", "CVE-2026-13221"], Some("5.36.0-7+deb12u4")),
            hit("CVE-2026-13221", &[], None),
        ]);
        assert_eq!(
            shown(&groups),
            vec![
                ("CVE-2025-15649", vec![], vec![entry]),
                ("CVE-2026-12087", vec![], vec![entry]),
                ("CVE-2026-13221", vec![], vec!["CVE-2026-13221", entry]),
            ]
        );
    }

    #[test]
    fn aliases_join_transitively() {
        let groups = group_by_vulnerability(vec![
            hit("PYSEC-2023-1", &["CVE-2023-9", "GHSA-aaaa"], Some("2.0")),
            hit("GHSA-aaaa", &["CVE-2023-9"], Some("1.9")),
            hit("GHSA-bbbb", &[], None),
            hit("PYSEC-2020-7", &["GHSA-cccc"], None),
            hit("GHSA-cccc", &["CVE-2020-1"], Some("3.1")),
        ]);
        let shown: Vec<(&str, Vec<&str>, usize)> = groups
            .iter()
            .map(|g| (g.id.as_str(), g.aliases.iter().map(String::as_str).collect(), g.hits.len()))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("CVE-2020-1", vec!["GHSA-cccc", "PYSEC-2020-7"], 2),
                ("CVE-2023-9", vec!["GHSA-aaaa", "PYSEC-2023-1"], 2),
                ("GHSA-bbbb", vec![], 1),
            ]
        );
        assert_eq!(groups[1].fixed(|a, b| a.cmp(b)).as_deref(), Some("1.9"));
        assert_eq!(groups[1].status(), Status::Fixed);
        assert_eq!(groups[2].status(), Status::AffectedNoFix);
    }
}
