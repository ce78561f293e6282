//! The finding model every hullguard detector shares.
//!
//! Vulnerability matchers, misconfiguration checks and secret scanners all return [`Finding`]s.
//! A finding says *what* is wrong ([`FindingKind`], `id`, `concept`), *how bad* it is
//! ([`Severity`]), *where* it is ([`Location`]) and *what to do* (`fix`, `references`).
//! Reports sort findings with [`Finding::sort_key`] so output is deterministic.

use std::cmp::Reverse;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub mod gate;
pub mod text;
pub mod time;
pub mod vuln;
pub mod yaml;

/// How bad a finding is. Ordered from least (`Unknown`) to most severe (`Critical`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Severity not known (e.g. an advisory without a score).
    Unknown,
    /// Informational; no direct risk.
    Info,
    /// Low risk.
    Low,
    /// Medium risk.
    Medium,
    /// High risk.
    High,
    /// Critical risk.
    Critical,
}

impl Severity {
    /// Every severity, least severe first.
    pub const ALL: [Self; 6] = [Self::Unknown, Self::Info, Self::Low, Self::Medium, Self::High, Self::Critical];

    /// The upper-case name, as shown in reports (`"HIGH"`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "UNKNOWN",
            Self::Info => "INFO",
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
            Self::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names no [`Severity`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity {0:?} (expected one of UNKNOWN, INFO, LOW, MEDIUM, HIGH, CRITICAL)")]
pub struct ParseSeverityError(pub String);

impl FromStr for Severity {
    type Err = ParseSeverityError;

    /// Parses a severity name case-insensitively, ignoring surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| ParseSeverityError(s.to_owned()))
    }
}

/// Where a finding is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Location {
    /// A position in a text file (Dockerfile, manifest, source file). Lines and columns are 1-based.
    File {
        /// Path of the file as given by the target.
        path: String,
        /// First line of the finding.
        line: u32,
        /// Column on `line`, when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        column: Option<u32>,
        /// Last line, when the finding spans several lines.
        #[serde(skip_serializing_if = "Option::is_none")]
        end_line: Option<u32>,
    },
    /// Inside a container image: a layer (0-based index) and/or a path in the merged filesystem.
    Image {
        /// Layer index, when the finding belongs to one layer.
        #[serde(skip_serializing_if = "Option::is_none")]
        layer: Option<usize>,
        /// Path inside the image, when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        path: Option<String>,
    },
    /// A field of a configuration object (image config, Kubernetes object), as a dotted path.
    ConfigField {
        /// The field, e.g. `config.User` or `spec.containers[0].securityContext`.
        field: String,
    },
    /// A field of an object in a manifest (Kubernetes YAML/JSON, compose file). Lines and columns
    /// are 1-based; a field that is missing points at the object or mapping it belongs in.
    Manifest {
        /// Path of the file as given (`-` for standard input).
        path: String,
        /// The 1-based index of the document in a multi-document stream.
        document: usize,
        /// The object: `kind/namespace/name` for Kubernetes (`kind/name` when cluster-scoped or
        /// without a namespace), `service/NAME` for compose.
        object: String,
        /// The field path, e.g. `spec.template.spec.containers[0].securityContext.privileged`.
        field: String,
        /// Line of the field (or of its parent when missing).
        line: u32,
        /// Column on `line`.
        column: u32,
    },
}

impl Location {
    /// Where the finding is, on one line as reports show it: `file:line`, `file:line (object
    /// field)`, an image path with its layer, or a config field.
    #[must_use]
    pub fn place(&self) -> String {
        match self {
            Location::File { path, line, .. } => format!("{path}:{line}"),
            Location::Image { layer, path } => format!(
                "{}{}",
                path.as_deref().unwrap_or("image"),
                layer.map(|l| format!(" (layer {l})")).unwrap_or_default()
            ),
            Location::ConfigField { field } => field.clone(),
            Location::Manifest { path, line, column, object, field, .. } => {
                format!("{path}:{line}:{column} {object} {field}")
            }
        }
    }
}

/// What sort of problem a finding reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A known vulnerability in a package.
    Vulnerability,
    /// A misconfiguration found by a check.
    Misconfiguration,
    /// An exposed secret.
    Secret,
}

/// One problem found by a detector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What sort of problem this is.
    pub kind: FindingKind,
    /// Rule or advisory id (`HG-DF-001`, `CVE-2024-1234`).
    pub id: String,
    /// Catalogue concept key (`df-user-root`) for checks, to compare tools concept by concept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concept: Option<String>,
    /// How bad it is.
    pub severity: Severity,
    /// One-line title.
    pub title: String,
    /// Longer explanation.
    pub description: String,
    /// Where it is.
    pub location: Location,
    /// The offending text (redacted for secrets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// How to fix it: a fixed version, a remediation, or a mechanical rewrite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Further reading (URLs).
    pub references: Vec<String>,
}

impl Finding {
    /// The key reports sort by: most severe first, then by location, then by id.
    #[must_use]
    pub fn sort_key(&self) -> (Reverse<Severity>, &Location, &str) {
        (Reverse(self.severity), &self.location, &self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: &str, severity: Severity, line: u32) -> Finding {
        Finding {
            kind: FindingKind::Misconfiguration,
            id: id.to_owned(),
            concept: None,
            severity,
            title: "t".to_owned(),
            description: "d".to_owned(),
            location: Location::File { path: "Dockerfile".to_owned(), line, column: None, end_line: None },
            evidence: None,
            fix: None,
            references: Vec::new(),
        }
    }

    #[test]
    fn severity_parses_case_insensitively_and_displays_upper_case() {
        for (text, want) in [
            ("critical", Severity::Critical),
            (" High ", Severity::High),
            ("MEDIUM", Severity::Medium),
            ("low", Severity::Low),
            ("Info", Severity::Info),
            ("unknown", Severity::Unknown),
        ] {
            let got: Severity = text.parse().unwrap();
            assert_eq!(got, want);
            assert_eq!(got.to_string(), got.as_str());
            assert_eq!(got.to_string(), text.trim().to_uppercase());
        }
        assert!("severe".parse::<Severity>().is_err());
        assert!("".parse::<Severity>().is_err());
    }

    #[test]
    fn severity_order() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Info > Severity::Unknown);
        let mut all = Severity::ALL;
        all.reverse();
        all.sort();
        assert_eq!(all, Severity::ALL);
    }

    #[test]
    fn sort_key_orders_by_severity_then_location_then_id() {
        let mut findings = [
            finding("B", Severity::Low, 1),
            finding("A", Severity::Low, 1),
            finding("C", Severity::High, 9),
            finding("D", Severity::Low, 0),
        ];
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["C", "D", "A", "B"]);
    }

    #[test]
    fn serialises_stably() {
        let json = serde_json::to_string(&finding("HG-DF-001", Severity::High, 3)).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"misconfiguration","id":"HG-DF-001","severity":"HIGH","title":"t","description":"d","location":{"type":"file","path":"Dockerfile","line":3},"references":[]}"#
        );
        let loc = serde_json::to_string(&Location::Image { layer: Some(2), path: None }).unwrap();
        assert_eq!(loc, r#"{"type":"image","layer":2}"#);
    }
}
