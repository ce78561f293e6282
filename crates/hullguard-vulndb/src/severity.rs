//! Severity levels: CVSS base scores and the feeds' own labels on one scale.
//!
//! [`cvss_score`] computes the base score of a CVSS 3.0, 3.1 or 4.0 vector
//! with the RustSec `cvss` crate; [`Level::from_score`] puts a score in the
//! CVSS qualitative bands and [`Level::from_label`] reads the vendors' labels
//! (Debian urgency, Ubuntu priority, GHSA and Red Hat severity …).
//! [`Level::of`] rates one [`Severity`] of the advisory model.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Result;
use crate::advisory::{Severity, SeverityKind};

/// The longest CVSS vector accepted, in bytes.
///
/// A full CVSS 4.0 vector with every optional metric is under 300 bytes.
pub const MAX_VECTOR_LEN: usize = 512;

/// A severity level, ordered from [`Level::Unknown`] (lowest) to
/// [`Level::Critical`].
///
/// Serialised in lower case (`"unknown"`, `"low"`, `"medium"`, `"high"`,
/// `"critical"`); deserialising also takes the upper-case forms
/// (`"CRITICAL"`, as CVE records write `baseSeverity`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// No rating, a rating of none (CVSS 0.0) or a label not known.
    #[default]
    #[serde(alias = "UNKNOWN")]
    Unknown,
    /// CVSS 0.1–3.9; Debian `unimportant` and `low`, Ubuntu `negligible` and `low`.
    #[serde(alias = "LOW")]
    Low,
    /// CVSS 4.0–6.9; `medium`, GHSA `moderate`.
    #[serde(alias = "MEDIUM")]
    Medium,
    /// CVSS 7.0–8.9; `high`, Red Hat `important`.
    #[serde(alias = "HIGH")]
    High,
    /// CVSS 9.0–10.0; `critical`.
    #[serde(alias = "CRITICAL")]
    Critical,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 5] = [Level::Unknown, Level::Low, Level::Medium, Level::High, Level::Critical];

    /// The level of a CVSS base score, in the CVSS qualitative bands:
    /// 0.1–3.9 [`Level::Low`], 4.0–6.9 [`Level::Medium`], 7.0–8.9
    /// [`Level::High`], 9.0–10.0 [`Level::Critical`].
    ///
    /// CVSS calls 0.0 "None"; this scale has no such level, so 0.0 is
    /// [`Level::Unknown`], as is a score outside 0–10 or not a number.
    pub fn from_score(score: f64) -> Level {
        if !(0.1..=10.0).contains(&score) {
            Level::Unknown
        } else if score < 4.0 {
            Level::Low
        } else if score < 7.0 {
            Level::Medium
        } else if score < 9.0 {
            Level::High
        } else {
            Level::Critical
        }
    }

    /// The level of a vendor's label, case-insensitive, blanks around it
    /// ignored:
    ///
    /// - `unimportant` (Debian), `negligible` (Ubuntu), `low` → [`Level::Low`];
    /// - `medium`, `moderate` (GHSA, Red Hat) → [`Level::Medium`];
    /// - `high`, `important` (Red Hat) → [`Level::High`];
    /// - `critical` → [`Level::Critical`];
    /// - anything else (`untriaged`, `not yet assigned`, `none`, empty …) →
    ///   [`Level::Unknown`].
    pub fn from_label(label: &str) -> Level {
        let label = label.trim();
        let is = |name: &str| label.eq_ignore_ascii_case(name);
        if is("unimportant") || is("negligible") || is("low") {
            Level::Low
        } else if is("medium") || is("moderate") {
            Level::Medium
        } else if is("high") || is("important") {
            Level::High
        } else if is("critical") {
            Level::Critical
        } else {
            Level::Unknown
        }
    }

    /// The level of one severity rating of an advisory: the band of the
    /// vector's base score for the CVSS kinds ([`Level::Unknown`] when the
    /// vector does not score), [`Level::from_label`] for
    /// [`SeverityKind::Ecosystem`].
    pub fn of(severity: &Severity) -> Level {
        match severity.kind {
            SeverityKind::CvssV3 | SeverityKind::CvssV4 => {
                cvss_score(&severity.score).map_or(Level::Unknown, Level::from_score)
            }
            SeverityKind::Ecosystem => Level::from_label(&severity.score),
        }
    }

    /// The level's name in lower case, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Unknown => "unknown",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = std::convert::Infallible;

    /// [`Level::from_label`]; never fails.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Level::from_label(s))
    }
}

/// A CVSS vector that cannot be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CVSS vector {vector:?}: {problem}")]
pub struct CvssError {
    /// The vector as given (cut to 64 characters).
    pub vector: String,
    /// What is wrong with it.
    pub problem: String,
}

impl CvssError {
    fn new(vector: &str, problem: impl Into<String>) -> Self {
        CvssError { vector: vector.chars().take(64).collect(), problem: problem.into() }
    }
}

/// The CVSS 3.x base metrics, all of which a 3.x vector must give.
const V3_BASE: [cvss::v3::MetricType; 8] = {
    use cvss::v3::MetricType as M;
    [M::AV, M::AC, M::PR, M::UI, M::S, M::C, M::I, M::A]
};

/// The base score of a CVSS 3.0, 3.1 or 4.0 vector (`CVSS:3.1/AV:N/…`),
/// computed with the `cvss` crate: the 3.x base equation (with the rounding
/// of the vector's minor version; temporal and environmental metrics, if
/// given, do not change the base score) or the 4.0 macro-vector lookup
/// (CVSS-B for a base-only vector).
///
/// # Errors
///
/// When the vector is longer than [`MAX_VECTOR_LEN`], is CVSS 2.0 (which has
/// no `CVSS:` prefix) or another version, lacks a base metric, or has a
/// metric or value the specification does not define.
pub fn cvss_score(vector: &str) -> Result<f64, CvssError> {
    if vector.len() > MAX_VECTOR_LEN {
        return Err(CvssError::new(vector, format!("longer than {MAX_VECTOR_LEN} bytes")));
    }
    if !vector.starts_with("CVSS:3.0/") && !vector.starts_with("CVSS:3.1/") && !vector.starts_with("CVSS:4.0/") {
        return Err(CvssError::new(vector, "not CVSS:3.0, CVSS:3.1 or CVSS:4.0"));
    }
    let parsed = cvss::Cvss::from_str(vector).map_err(|e| CvssError::new(vector, e.to_string()))?;
    match &parsed {
        cvss::Cvss::CvssV30(v3) | cvss::Cvss::CvssV31(v3) => {
            let given = v3.metrics().filter(|(m, _)| V3_BASE.contains(m)).count();
            if given != V3_BASE.len() {
                return Err(CvssError::new(vector, "a base metric is missing"));
            }
        }
        cvss::Cvss::CvssV40(_) => {}
        _ => return Err(CvssError::new(vector, "unsupported CVSS version")),
    }
    let score = parsed.score();
    if !(0.0..=10.0).contains(&score) {
        return Err(CvssError::new(vector, format!("score {score} out of range")));
    }
    Ok(score)
}
