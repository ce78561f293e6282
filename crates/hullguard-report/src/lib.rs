//! The finding model every hullguard detector shares, the one report of every scan, its
//! suppression and its renderers.
//!
//! Vulnerability matchers, misconfiguration checks and secret scanners all return [`Finding`]s.
//! A finding says *what* is wrong ([`FindingKind`], `id`, `concept`), *how bad* it is
//! ([`Severity`]), *where* it is ([`Location`]) and *what to do* (`fix`, `references`); a
//! vulnerability carries its package and advisory data as [`Finding::vulnerability`]
//! ([`VulnDetail`]). Every scan (image, fs, sbom, config, dockerfile) gives one [`Report`];
//! [`suppress`] applies the ignore file and VEX to it, and [`render`] writes it in each format.

use std::cmp::Reverse;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub mod diff;
pub mod gate;
pub mod render;
mod report;
pub mod suppress;
pub mod text;
pub mod time;
pub mod yaml;

pub use report::{
    Cvss, DbSource, DependencyPlace, DependencyRelation, Kev, LayerRef, Reachability, Remediation, Report,
    SCHEMA_VERSION, SupportNote, Suppressed, Verdict, VulnDetail, VulnStatus,
};

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
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
    /// A file as a whole, no line: the lockfile or SBOM a vulnerable package was read from.
    Path {
        /// Path of the file as given by the target.
        path: String,
    },
    /// A field of a container in the Docker Engine (`/containers/{id}/json`).
    Container {
        /// The container's name, without the leading `/`.
        name: String,
        /// Its short id (12 hex digits).
        id: String,
        /// The image it runs, as the container was created with it.
        image: String,
        /// The inspect field, e.g. `HostConfig.Privileged` or `Config.User`.
        field: String,
    },
    /// A setting of the Docker daemon or a file of its host: where it was read (`engine /info`,
    /// a path under the host root) and which field, when one.
    Host {
        /// What was read: `engine` (the Engine API) or a host path (`/etc/docker/daemon.json`).
        source: String,
        /// The field or key, e.g. `icc` or `SecurityOptions`.
        #[serde(skip_serializing_if = "Option::is_none")]
        field: Option<String>,
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
    /// The file path of the location: a file, an image path, a host file (`None` for a config
    /// field, a container, the Engine API or an image as a whole).
    #[must_use]
    pub fn path(&self) -> Option<&str> {
        match self {
            Self::File { path, .. } | Self::Path { path } | Self::Manifest { path, .. } => Some(path),
            Self::Image { path, .. } => path.as_deref(),
            Self::Host { source, .. } if source.starts_with('/') => Some(source),
            Self::ConfigField { .. } | Self::Container { .. } | Self::Host { .. } => None,
        }
    }

    /// What an ignore-file `path` glob is matched against: the file path, a container's name,
    /// or where a host setting was read (`engine`, a host path).
    #[must_use]
    pub fn glob_subject(&self) -> &str {
        match self {
            Self::Container { name, .. } => name,
            Self::Host { source, .. } => source,
            other => other.path().unwrap_or_default(),
        }
    }

    /// The location as shown in one line: `path:line`, `path (layer 2)`, the field, `image`,
    /// `web HostConfig.Privileged` (container name and field), `/etc/docker/daemon.json icc`.
    #[must_use]
    pub fn place(&self) -> String {
        match self {
            Self::File { path, line, .. } => format!("{path}:{line}"),
            Self::Image { layer, path } => format!(
                "{}{}",
                path.as_deref().unwrap_or("image"),
                layer.map(|l| format!(" (layer {l})")).unwrap_or_default()
            ),
            Self::ConfigField { field } => field.clone(),
            Self::Path { path } => path.clone(),
            // Short enough for a table column; the id and image are in the location itself.
            Self::Container { name, field, .. } => format!("{name} {field}"),
            Self::Host { source, field: Some(field) } => format!("{source} {field}"),
            Self::Host { source, field: None } => source.clone(),
            Self::Manifest { path, line, column, object, field, .. } => {
                format!("{path}:{line}:{column} {object} {field}")
            }
        }
    }
}

/// The outcome of one audit check (`hullguard host`, `containers`): findings carry `warn` or
/// `manual`; `pass` and `n/a` are only counted in the compliance summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CheckStatus {
    /// The check ran and found nothing wrong.
    #[serde(rename = "pass")]
    Pass,
    /// The check ran and found the problem the finding describes.
    #[serde(rename = "warn")]
    Warn,
    /// What cannot be decided from where hullguard runs: the finding says what to check by hand.
    #[serde(rename = "manual")]
    Manual,
    /// The check does not apply here (rootless daemon, swarm off, no such file).
    #[serde(rename = "n/a")]
    NotApplicable,
}

impl CheckStatus {
    /// The name as shown and serialised: `pass`, `warn`, `manual`, `n/a`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Manual => "manual",
            Self::NotApplicable => "n/a",
        }
    }
}

/// What sort of problem a finding reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A known vulnerability in a package.
    Vulnerability,
    /// A misconfiguration found by a check.
    Misconfiguration,
    /// An exposed secret.
    Secret,
    /// A violation of the trust policy (where the image comes from, who signed it, its gate).
    Policy,
}

/// One problem found by a detector: a vulnerability, a misconfiguration or a secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// The package and advisory data of a vulnerability (`None` for the other kinds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vulnerability: Option<Box<VulnDetail>>,
    /// For audit checks (daemon, host, containers): `warn` or `manual`; absent elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<CheckStatus>,
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
            vulnerability: None,
            status: None,
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
        let ctr = Location::Container {
            name: "web".to_owned(),
            id: "3f51b5c02307".to_owned(),
            image: "nginx:1".to_owned(),
            field: "HostConfig.Privileged".to_owned(),
        };
        assert_eq!(
            serde_json::to_string(&ctr).unwrap(),
            r#"{"type":"container","name":"web","id":"3f51b5c02307","image":"nginx:1","field":"HostConfig.Privileged"}"#
        );
        assert_eq!(ctr.place(), "web HostConfig.Privileged");
        let host = Location::Host { source: "/etc/docker/daemon.json".to_owned(), field: Some("icc".to_owned()) };
        assert_eq!(
            serde_json::to_string(&host).unwrap(),
            r#"{"type":"host","source":"/etc/docker/daemon.json","field":"icc"}"#
        );
        assert_eq!(host.place(), "/etc/docker/daemon.json icc");
        let mut f = finding("HG-CTR-005", Severity::High, 1);
        f.status = Some(CheckStatus::Manual);
        assert!(serde_json::to_string(&f).unwrap().ends_with(r#""references":[],"status":"manual"}"#));
    }
}
