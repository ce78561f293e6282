//! Stages (dev → test → prod): a gate per stage, read from a stages file (TOML, documented in
//! `docs/diff.md`), and the carry-over check: every finding a baseline scan (the report of the
//! stage before) ignored — by its ignore file, VEX or `--ignore-unfixed` — that is still present.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Result, anyhow};
use hullguard_report::{Finding, Report, Severity, Suppressed, VulnStatus};
use serde::Deserialize;

/// The stages file read when `--stages` is not given and it exists in the working directory.
pub const DEFAULT_STAGES_FILE: &str = "hullguard-stages.toml";

/// When a stage's scan fails. Every field is optional; a finding trips the gate when any set
/// condition holds for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageGate {
    /// Any finding of at least this severity.
    #[serde(default, deserialize_with = "severity")]
    pub fail_on: Option<Severity>,
    /// A vulnerability with a fixed version, of at least this severity.
    #[serde(default, deserialize_with = "severity")]
    pub fixable: Option<Severity>,
    /// A vulnerability in CISA's Known Exploited Vulnerabilities catalogue.
    #[serde(default)]
    pub kev: bool,
    /// A finding the baseline ignored that is still present (needs `--baseline`).
    #[serde(default)]
    pub carried_over: bool,
}

/// A severity written in any case (`high`, `HIGH`).
fn severity<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Severity>, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map(Some).map_err(serde::de::Error::custom)
}

impl StageGate {
    /// Whether `f`, a finding left after suppression, trips the gate.
    #[must_use]
    pub fn trips_on(&self, f: &Finding) -> bool {
        let vuln = f.vuln();
        self.fail_on.is_some_and(|min| f.severity >= min)
            || self.fixable.is_some_and(|min| f.severity >= min && vuln.is_some_and(|v| v.status == VulnStatus::Fixed))
            || (self.kev && vuln.is_some_and(|v| v.kev.is_some()))
    }
}

/// The stages file: a gate per named stage.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stages {
    /// The gate of each stage, by name.
    pub stages: BTreeMap<String, StageGate>,
}

impl Default for Stages {
    /// The built-in stages: `dev` reports only; `test` fails on what dev ignored and is still
    /// there; `prod` also fails on known-exploited vulnerabilities and on CRITICAL or HIGH ones
    /// with a fix.
    fn default() -> Self {
        let prod = StageGate { fixable: Some(Severity::High), kev: true, carried_over: true, fail_on: None };
        let test = StageGate { carried_over: true, ..StageGate::default() };
        let stages = [("dev", StageGate::default()), ("test", test), ("prod", prod)];
        Stages { stages: stages.into_iter().map(|(n, g)| (n.to_owned(), g)).collect() }
    }
}

impl Stages {
    /// Reads the stages file `path`; the error names the file, line and column.
    ///
    /// # Errors
    ///
    /// When the file cannot be read or is not a stages file.
    pub fn read(path: &Path) -> Result<Self> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| anyhow!("{shown}: {e}"))?;
        Self::parse(&text).map_err(|e| anyhow!("{shown}:{e}"))
    }

    /// Parses a stages file's text; the error starts `line:column: `.
    ///
    /// # Errors
    ///
    /// When `text` is not a stages file.
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e: toml::de::Error| {
            let at = e.span().map(|s| line_column(text, s.start)).unwrap_or((1, 1));
            format!("{}:{}: {}", at.0, at.1, e.message())
        })
    }

    /// The gate of `stage`.
    ///
    /// # Errors
    ///
    /// When no stage is named so; the message lists those there are.
    pub fn gate(&self, stage: &str) -> Result<&StageGate> {
        self.stages.get(stage).ok_or_else(|| {
            let known: Vec<&str> = self.stages.keys().map(String::as_str).collect();
            anyhow!("no stage {stage:?} (stages: {})", known.join(", "))
        })
    }
}

/// The 1-based line and column of byte `offset` of `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The findings `baseline` ignored that are still present in `report`, shown or suppressed
/// (what this stage ignores too is still in the image).
#[must_use]
pub fn carried_over(baseline: &Report, report: &Report) -> Vec<Suppressed> {
    let present = |id: &str, package: &str| {
        report.findings.iter().any(|f| f.id == id && f.subject() == package)
            || report.suppressed.iter().any(|s| s.id == id && s.package == package)
    };
    let mut found: Vec<Suppressed> =
        baseline.suppressed.iter().filter(|s| present(&s.id, &s.package)).cloned().collect();
    found.sort_by(|a, b| (&a.id, &a.package).cmp(&(&b.id, &b.package)));
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_file_parses_with_any_case_severities_and_errors_name_line_and_column() {
        let stages = Stages::parse("[stages.qa]\nfail_on = \"high\"\nkev = true\n").unwrap();
        let qa = stages.gate("qa").unwrap();
        assert_eq!((qa.fail_on, qa.kev, qa.carried_over), (Some(Severity::High), true, false));
        assert_eq!(stages.gate("prod").unwrap_err().to_string(), r#"no stage "prod" (stages: qa)"#);
        let err = Stages::parse("[stages.qa]\nfail_on = \"severe\"\n").unwrap_err();
        assert!(err.starts_with("2:11: unknown severity \"severe\""), "{err}");
        let err = Stages::parse("[stages.qa]\nkevv = true\n").unwrap_err();
        assert!(err.starts_with("2:1: unknown field `kevv`"), "{err}");
    }

    #[test]
    fn default_prod_gate_is_kev_or_high_with_a_fix() {
        let prod = Stages::default().gate("prod").unwrap().clone();
        assert_eq!(prod, StageGate { fail_on: None, fixable: Some(Severity::High), kev: true, carried_over: true });
    }
}
