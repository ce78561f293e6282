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
                    let status = if fixed.is_some() { Status::Fixed } else { unfixed_status(affected.status) };
                    if best.as_ref().is_none_or(|(_, f)| f.is_none() && fixed.is_some()) {
                        best = Some((status, fixed));
                    }
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

/// Merges hits that share an id or alias into one [`Vulnerability`] each,
/// sorted by id.
pub fn group_by_vulnerability(hits: Vec<Hit>) -> Vec<Vulnerability> {
    // Union-find over hit indexes, joined through every id they mention.
    let mut parent: Vec<usize> = (0..hits.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut owner: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, hit) in hits.iter().enumerate() {
        for id in std::iter::once(&hit.advisory.id).chain(&hit.advisory.aliases) {
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
    let mut groups: BTreeMap<usize, Vec<Hit>> = BTreeMap::new();
    let roots: Vec<usize> = (0..hits.len()).map(|i| root(&mut parent, i)).collect();
    for (hit, r) in hits.into_iter().zip(roots) {
        groups.entry(r).or_default().push(hit);
    }
    let mut out: Vec<Vulnerability> = groups
        .into_values()
        .map(|mut hits| {
            hits.sort_by(|a, b| a.advisory.id.cmp(&b.advisory.id));
            let ids: BTreeSet<String> =
                hits.iter().flat_map(|h| std::iter::once(&h.advisory.id).chain(&h.advisory.aliases)).cloned().collect();
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
