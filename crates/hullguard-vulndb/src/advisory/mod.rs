//! The advisory model: one form for every feed.
//!
//! Importers (see [`crate::import`]) validate the feeds' records and turn
//! them into an [`Advisory`]; the matcher only ever sees this model. Every
//! affected package carries its version ranges in one normalised form, a list
//! of [`Interval`]s (see [`Interval::from_events`] for how OSV events become
//! intervals), and [`Affected::affects`] is the one match function.

mod range;

pub use range::{Event, Interval};

use serde::{Deserialize, Serialize};

use crate::Result;
use crate::version::{Scheme, scheme_for};

/// One security advisory (an OSV record, a distro advisory …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisory {
    /// The advisory's id, e.g. `GO-2024-2611` or `ALSA-2024:1234`.
    pub id: String,
    /// Other ids of the same vulnerability (CVE, GHSA …), sorted, no repeats.
    pub aliases: Vec<String>,
    /// When the record was last changed (RFC 3339 text as the feed gives it).
    pub modified: String,
    /// When the record was first published, if the feed says.
    pub published: Option<String>,
    /// When the record was withdrawn; a withdrawn advisory matches nothing.
    pub withdrawn: Option<String>,
    /// A one-line summary (empty if the feed gives none).
    pub summary: String,
    /// The full description (empty if the feed gives none).
    pub details: String,
    /// Severity ratings, in the feed's order, no repeats.
    pub severity: Vec<Severity>,
    /// Reference URLs, in the feed's order, no repeats.
    pub references: Vec<String>,
    /// The affected packages.
    pub affected: Vec<Affected>,
}

impl Advisory {
    /// Whether the advisory has been withdrawn (and must not be reported).
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }
}

/// One severity rating of an advisory.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Severity {
    /// What kind of rating `score` holds.
    pub kind: SeverityKind,
    /// A CVSS vector for the CVSS kinds, the ecosystem's label otherwise.
    pub score: String,
}

/// The kind of a [`Severity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SeverityKind {
    /// A CVSS 3.x vector, e.g. `CVSS:3.1/AV:N/…`.
    CvssV3,
    /// A CVSS 4.0 vector, e.g. `CVSS:4.0/AV:N/…`.
    CvssV4,
    /// The ecosystem's own rating, e.g. `High` or `medium`.
    Ecosystem,
}

/// What the advisory's source says about a fix for an affected package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A fixed version exists (see [`Affected::fixed`]).
    Fixed,
    /// Affected, and no fix has been released yet.
    AffectedNoFix,
    /// Affected, and the vendor has decided not to fix it.
    WillNotFix,
    /// Affected, and the release is no longer supported.
    EndOfLife,
    /// The vendor states that the package is not affected.
    NotAffected,
}

/// One affected package of an [`Advisory`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// The OSV ecosystem name, with the release where it has one, e.g.
    /// `PyPI`, `Debian:12` or `AlmaLinux:9`.
    pub ecosystem: String,
    /// The package name in that ecosystem.
    pub package: String,
    /// The affected version intervals, normalised (see [`Interval`]).
    pub ranges: Vec<Interval>,
    /// Versions listed as affected one by one.
    pub versions: Vec<String>,
    /// What the source says about a fix.
    pub status: Status,
    /// The fixed versions, in range order, no repeats.
    pub fixed: Vec<String>,
    /// The vulnerable packages and functions inside the package (OSV Go records'
    /// `ecosystem_specific.imports`): what reachability looks for in a binary. Empty when the
    /// record names none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<GoImport>,
}

/// One vulnerable package of a Go module, with the vulnerable functions when the record names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoImport {
    /// The package import path (`net/netip`, `golang.org/x/net/html`).
    pub path: String,
    /// The vulnerable functions, as Go's advisories write them (`Addr.IsLoopback`, `Parse`);
    /// empty: the whole package.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub symbols: Vec<String>,
    /// The operating systems (`GOOS`) the vulnerable code is built for; empty: all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub goos: Vec<String>,
    /// The architectures (`GOARCH`) the vulnerable code is built for; empty: all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub goarch: Vec<String>,
}

impl GoImport {
    /// Whether the vulnerable code is built for a binary of `goos` and `goarch` (`None`: not
    /// known, so it may be).
    pub fn built_for(&self, goos: Option<&str>, goarch: Option<&str>) -> bool {
        let fits =
            |list: &[String], value: Option<&str>| list.is_empty() || value.is_none_or(|v| list.iter().any(|l| l == v));
        fits(&self.goos, goos) && fits(&self.goarch, goarch)
    }
}

impl Affected {
    /// The version scheme of [`Affected::ecosystem`].
    pub fn scheme(&self) -> Result<Scheme> {
        scheme_for(&self.ecosystem)
    }

    /// Whether `version` of the package is affected: it is one of
    /// [`Affected::versions`] (equal in the ecosystem's order) or lies in one
    /// of the [`Affected::ranges`].
    ///
    /// A [`Status::NotAffected`] entry affects nothing.
    ///
    /// # Errors
    ///
    /// When the ecosystem has no known scheme or `version` (or a version of
    /// this entry) does not parse in it.
    pub fn affects(&self, version: &str) -> Result<bool> {
        Ok(self.hit(version)?.is_some())
    }

    /// Like [`Affected::affects`], but tells which fix applies: `None` when
    /// `version` is not affected, `Some(fixed)` when it is, with `fixed` the
    /// version that ends the interval holding `version` (for a listed version,
    /// the lowest fixed version above it), or `None` when no fix is known.
    ///
    /// # Errors
    ///
    /// As [`Affected::affects`].
    pub fn hit(&self, version: &str) -> Result<Option<Option<String>>> {
        if self.status == Status::NotAffected {
            return Ok(None);
        }
        let scheme = self.scheme()?;
        let version = scheme.parse(version)?;
        for interval in &self.ranges {
            if interval.contains(scheme, &version)? {
                return Ok(Some(interval.fixed.clone()));
            }
        }
        for listed in &self.versions {
            if scheme.parse(listed)? == version {
                let mut above = Vec::new();
                for fixed in &self.fixed {
                    let parsed = scheme.parse(fixed)?;
                    if parsed > version {
                        above.push((parsed, fixed));
                    }
                }
                let lowest =
                    above.into_iter().min_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
                return Ok(Some(lowest.map(|(_, f)| f.clone())));
            }
        }
        Ok(None)
    }
}
