//! The compliance specs: one TOML file per spec in `specs/` (the one owner of each mapping),
//! compiled in. A spec has sections of controls; a control names the check ids that decide it
//! and, optionally, a vulnerability threshold (`vulnerabilities = "HIGH"`: fixable
//! vulnerabilities at or above it in a scanned image fail the control). A control with neither
//! is `manual`.

use std::collections::BTreeSet;

use hullguard_checks::registry::registry;
use hullguard_report::Severity;
use serde::{Deserialize, Serialize};

use crate::evaluate::TargetKind;

/// The shipped specs by name, in the order `--spec` lists them.
const BUILTIN: &[(&str, &str)] = &[
    ("cis-docker", include_str!("../specs/cis-docker.toml")),
    ("cis-k8s", include_str!("../specs/cis-k8s.toml")),
    ("nsa-k8s", include_str!("../specs/nsa-k8s.toml")),
    ("pss-restricted", include_str!("../specs/pss-restricted.toml")),
    ("soc2", include_str!("../specs/soc2.toml")),
    ("hipaa", include_str!("../specs/hipaa.toml")),
];

/// What a spec is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpecKind {
    /// A technical benchmark: the checks decide its controls.
    Benchmark,
    /// A framework of organisational controls: the checks are evidence supporting them, not a
    /// verdict on the control itself (SOC 2, HIPAA).
    EvidenceMapping,
}

/// One compliance spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The name `--spec` takes (`cis-docker`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Which edition or numbering.
    pub version: String,
    /// Benchmark or evidence mapping.
    pub kind: SpecKind,
    /// What the verdicts mean for this spec, shown at the top of every report.
    pub statement: String,
    /// The sections, in spec order.
    pub sections: Vec<Section>,
}

/// A section of a spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Its number or key (`5`, `CC6`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its controls, in spec order.
    pub controls: Vec<Control>,
}

/// One control and the checks that decide it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// Its number (`5.5`, `CC6.1`, `runAsNonRoot`).
    pub id: String,
    /// hullguard's wording of what it asks.
    pub title: String,
    /// The hullguard check ids that decide it.
    #[serde(default)]
    pub checks: Vec<String>,
    /// Fixable vulnerabilities at or above this severity in a scanned image fail it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vulnerabilities: Option<Severity>,
    /// A remark shown with the control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Control {
    /// The target kinds whose scans can decide this control.
    #[must_use]
    pub fn kinds(&self) -> BTreeSet<TargetKind> {
        let mut kinds: BTreeSet<TargetKind> = self.checks.iter().filter_map(|c| TargetKind::of_check(c)).collect();
        if self.vulnerabilities.is_some() {
            kinds.insert(TargetKind::Image);
        }
        kinds
    }
}

/// A spec that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// `--spec` names no shipped spec.
    #[error("unknown spec {0:?} (expected one of {names})", names = names().collect::<Vec<_>>().join(", "))]
    Unknown(String),
    /// The spec file does not parse or names unknown checks.
    #[error("spec {name}: {problem}")]
    Invalid {
        /// The spec's file name.
        name: String,
        /// What is wrong.
        problem: String,
    },
}

/// The names of the shipped specs.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(n, _)| *n)
}

/// The shipped spec `name`.
///
/// # Errors
/// An unknown name; a shipped file that does not validate (a bug, caught by the tests).
pub fn builtin(name: &str) -> Result<Spec, SpecError> {
    let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name).ok_or_else(|| SpecError::Unknown(name.to_owned()))?;
    parse(&format!("{name}.toml"), text)
}

/// Parses and validates a spec: every check id is in the registry and of a kind hullguard scans,
/// control ids are unique, every section has controls.
///
/// # Errors
/// What is wrong, naming `file`.
pub fn parse(file: &str, text: &str) -> Result<Spec, SpecError> {
    let invalid = |problem: String| SpecError::Invalid { name: file.to_owned(), problem };
    let spec: Spec = toml::from_str(text).map_err(|e| invalid(e.to_string().trim().replace('\n', " ")))?;
    let mut ids = BTreeSet::new();
    for section in &spec.sections {
        if section.controls.is_empty() {
            return Err(invalid(format!("section {} has no controls", section.id)));
        }
        for control in &section.controls {
            if !ids.insert(control.id.as_str()) {
                return Err(invalid(format!("control {} listed twice", control.id)));
            }
            for check in &control.checks {
                if !registry().iter().any(|m| m.id == check) || TargetKind::of_check(check).is_none() {
                    return Err(invalid(format!("control {}: unknown check {check}", control.id)));
                }
            }
        }
    }
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_specs_name_the_problem() {
        let head = "id='x'\ntitle='t'\nversion='v'\nkind='benchmark'\nstatement='s'\n";
        let err = |text: &str| parse("x.toml", &format!("{head}{text}")).unwrap_err().to_string();
        assert_eq!(
            err(
                "[[sections]]\nid='1'\ntitle='a'\n[[sections.controls]]\nid='1.1'\ntitle='b'\nchecks=['HG-NOPE-001']\n"
            ),
            "spec x.toml: control 1.1: unknown check HG-NOPE-001"
        );
        assert_eq!(
            err(
                "[[sections]]\nid='1'\ntitle='a'\n[[sections.controls]]\nid='1.1'\ntitle='b'\n[[sections.controls]]\nid='1.1'\ntitle='c'\n"
            ),
            "spec x.toml: control 1.1 listed twice"
        );
        assert_eq!(err("[[sections]]\nid='1'\ntitle='a'\ncontrols=[]\n"), "spec x.toml: section 1 has no controls");
        assert!(err("[[sections]]\nid='1'\ntitle='a'\nextra=1\n").starts_with("spec x.toml: "));
        assert_eq!(
            builtin("pci").unwrap_err().to_string(),
            "unknown spec \"pci\" (expected one of cis-docker, cis-k8s, nsa-k8s, pss-restricted, soc2, hipaa)"
        );
    }
}
