//! The verdict of every control of a spec over what was scanned.
//!
//! A check's status on one target: for audited targets (host, containers) the audit's own
//! outcomes (`warn`, `manual`, `pass`, `n/a`; a check with no outcome there did not apply); for
//! the others every check of the target's kind ran, so a finding of it is `warn` and none is
//! `pass`. A control then is `fail` when a status is `warn` (or a fixable vulnerability reaches
//! its threshold), else `manual` when one is `manual`, else `pass` when one is `pass`, else
//! `not-applicable`; a control with no checks is `manual`, and one whose checks read no kind
//! that was scanned is `not-applicable`.

use std::collections::BTreeSet;

use hullguard_report::{CheckStatus, DbSource, Finding, FindingKind, Severity};
use serde::Serialize;

use crate::spec::{Control, Spec, SpecKind};

/// The JSON schema version of [`ComplianceReport`].
pub const SCHEMA_VERSION: u32 = 1;

/// What sort of target a scan read, which decides the checks that ran on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// A container image: image config, history and files (`HG-IMG-…`), and its vulnerabilities.
    Image,
    /// A Dockerfile (`HG-DF-…`).
    Dockerfile,
    /// Kubernetes manifests (`HG-K8S-…`).
    Kubernetes,
    /// Compose files (`HG-CMP-…`).
    Compose,
    /// The Docker daemon and its host (`HG-HOST-…`).
    Host,
    /// The running containers of the Docker Engine (`HG-CTR-…`).
    Containers,
}

impl TargetKind {
    /// The kind of target a check id reads (`None`: not a check a compliance target runs).
    #[must_use]
    pub fn of_check(id: &str) -> Option<Self> {
        let family = id.strip_prefix("HG-")?.split('-').next()?;
        Some(match family {
            "IMG" => Self::Image,
            "DF" => Self::Dockerfile,
            "K8S" => Self::Kubernetes,
            "CMP" => Self::Compose,
            "HOST" => Self::Host,
            "CTR" => Self::Containers,
            _ => return None,
        })
    }

    /// The name shown and serialised (`kubernetes`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Dockerfile => "dockerfile",
            Self::Kubernetes => "kubernetes",
            Self::Compose => "compose",
            Self::Host => "host",
            Self::Containers => "containers",
        }
    }
}

/// The vulnerability database an image was matched against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbEvidence {
    /// When it was built (RFC 3339).
    pub built: String,
    /// Its feeds and their data dates.
    pub sources: Vec<DbSource>,
}

/// One scanned target, as the caller's scan left it.
#[derive(Debug, Clone, PartialEq)]
pub struct Scanned {
    /// Its kind.
    pub kind: TargetKind,
    /// Its name as given.
    pub name: String,
    /// When it was scanned (RFC 3339).
    pub checked_at: String,
    /// Every finding of the scan (no ignore file applied).
    pub findings: Vec<Finding>,
    /// For audited targets (host, containers): each check's outcome per subject, as (check id,
    /// status). `None`: every check of the kind ran, a finding is a failure.
    pub outcomes: Option<Vec<(String, CheckStatus)>>,
    /// For images: the database the inventory was matched against.
    pub db: Option<DbEvidence>,
}

/// A control's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every applicable check ran and found nothing.
    Pass,
    /// A check found the problem.
    Fail,
    /// No check decides it, or a check asks for a review by hand.
    Manual,
    /// No target of a kind its checks read was scanned, or the checks did not apply.
    NotApplicable,
}

impl Verdict {
    /// The name shown (`not-applicable`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Manual => "manual",
            Self::NotApplicable => "not-applicable",
        }
    }
}

/// A finding behind a control's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRef {
    /// Check or vulnerability id.
    pub id: String,
    /// Its severity.
    pub severity: Severity,
    /// Its title.
    pub title: String,
    /// The target it was found in.
    pub target: String,
    /// Where in the target.
    pub place: String,
    /// What was seen (or, for a `manual` one, what to check).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// `warn` or `manual`, for audit findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<CheckStatus>,
}

/// Verdict counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Controls counted.
    pub total: usize,
    /// `pass`.
    pub pass: usize,
    /// `fail`.
    pub fail: usize,
    /// `manual`.
    pub manual: usize,
    /// `not-applicable`.
    pub not_applicable: usize,
}

impl Counts {
    fn add(&mut self, verdict: Verdict) {
        self.total += 1;
        match verdict {
            Verdict::Pass => self.pass += 1,
            Verdict::Fail => self.fail += 1,
            Verdict::Manual => self.manual += 1,
            Verdict::NotApplicable => self.not_applicable += 1,
        }
    }
}

/// One control's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlResult {
    /// The control's number.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, in one line.
    pub reason: String,
    /// The check ids mapped to it.
    pub checks: Vec<String>,
    /// Its vulnerability threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vulnerabilities: Option<Severity>,
    /// The spec's remark.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The findings behind the verdict.
    pub findings: Vec<FindingRef>,
}

/// One section's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionResult {
    /// The section's number or key.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its verdict counts.
    pub summary: Counts,
    /// Its controls.
    pub controls: Vec<ControlResult>,
}

/// What was checked, when, and against which database.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetEvidence {
    /// Its kind.
    pub kind: TargetKind,
    /// Its name.
    pub name: String,
    /// When it was scanned.
    pub checked_at: String,
    /// How many checks of the spec were evaluated on it.
    pub checks: usize,
    /// How many findings of those checks it had.
    pub findings: usize,
    /// For images: the vulnerability database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db: Option<DbEvidence>,
}

/// The spec as the report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecHeader {
    /// `--spec` name.
    pub id: String,
    /// Title.
    pub title: String,
    /// Edition.
    pub version: String,
    /// Benchmark or evidence mapping.
    pub kind: SpecKind,
    /// What the verdicts mean.
    pub statement: String,
}

/// The compliance report of one spec over the scanned targets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplianceReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The spec.
    pub spec: SpecHeader,
    /// hullguard's version.
    pub tool_version: String,
    /// When the report was made (RFC 3339).
    pub generated_at: String,
    /// The evidence: every target scanned.
    pub targets: Vec<TargetEvidence>,
    /// Verdict counts over every control.
    pub summary: Counts,
    /// Per section, the controls.
    pub sections: Vec<SectionResult>,
}

/// The status of `check` on `target` (see the module doc).
fn check_status(check: &str, target: &Scanned) -> CheckStatus {
    match &target.outcomes {
        Some(outcomes) => outcomes.iter().filter(|(id, _)| id == check).map(|(_, s)| *s).fold(
            CheckStatus::NotApplicable,
            |worst, s| {
                let rank = |s: CheckStatus| match s {
                    CheckStatus::NotApplicable => 0,
                    CheckStatus::Pass => 1,
                    CheckStatus::Manual => 2,
                    CheckStatus::Warn => 3,
                };
                if rank(s) > rank(worst) { s } else { worst }
            },
        ),
        None if target.findings.iter().any(|f| f.id == check) => CheckStatus::Warn,
        None => CheckStatus::Pass,
    }
}

fn finding_ref(f: &Finding, target: &Scanned) -> FindingRef {
    FindingRef {
        id: f.id.clone(),
        severity: f.severity,
        title: f.title.clone(),
        target: target.name.clone(),
        place: f.vuln().map_or_else(|| f.location.place(), |v| format!("{} {}", v.package, v.installed)),
        evidence: f.evidence.clone(),
        status: f.status,
    }
}

/// Whether `f` is a fixable vulnerability at or above `threshold`.
fn vulnerability_over(f: &Finding, threshold: Severity) -> bool {
    f.kind == FindingKind::Vulnerability && f.severity >= threshold && f.vuln().is_some_and(|v| v.fixed.is_some())
}

fn kinds_text(kinds: &BTreeSet<TargetKind>) -> String {
    kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
}

/// The outcome of `control` over `targets`.
fn decide(control: &Control, targets: &[Scanned]) -> ControlResult {
    let mut result = ControlResult {
        id: control.id.clone(),
        title: control.title.clone(),
        verdict: Verdict::Manual,
        reason: String::new(),
        checks: control.checks.clone(),
        vulnerabilities: control.vulnerabilities,
        note: control.note.clone(),
        findings: Vec::new(),
    };
    let kinds = control.kinds();
    if kinds.is_empty() {
        result.reason = "no hullguard check decides this control: review it by hand".to_owned();
        return result;
    }
    let relevant: Vec<&Scanned> = targets.iter().filter(|t| kinds.contains(&t.kind)).collect();
    if relevant.is_empty() {
        result.verdict = Verdict::NotApplicable;
        result.reason = format!("no target of kind {} was scanned", kinds_text(&kinds));
        return result;
    }
    let mut statuses = Vec::new();
    for target in &relevant {
        for check in control.checks.iter().filter(|c| TargetKind::of_check(c) == Some(target.kind)) {
            statuses.push(check_status(check, target));
            result.findings.extend(target.findings.iter().filter(|f| &f.id == check).map(|f| finding_ref(f, target)));
        }
        if let (Some(threshold), TargetKind::Image) = (control.vulnerabilities, target.kind) {
            if target.db.is_none() {
                statuses.push(CheckStatus::Manual);
                continue;
            }
            let over: Vec<&Finding> = target.findings.iter().filter(|f| vulnerability_over(f, threshold)).collect();
            statuses.push(if over.is_empty() { CheckStatus::Pass } else { CheckStatus::Warn });
            result.findings.extend(over.into_iter().map(|f| finding_ref(f, target)));
        }
    }
    let count = |s: CheckStatus| statuses.iter().filter(|x| **x == s).count();
    let (warn, manual, pass) = (count(CheckStatus::Warn), count(CheckStatus::Manual), count(CheckStatus::Pass));
    let scanned_kinds: BTreeSet<TargetKind> = relevant.iter().map(|t| t.kind).collect();
    let on = format!("{} target(s) of kind {}", relevant.len(), kinds_text(&scanned_kinds));
    (result.verdict, result.reason) = if warn > 0 {
        (Verdict::Fail, format!("{} finding(s) on {on}", result.findings.len()))
    } else if manual > 0 {
        (Verdict::Manual, format!("{manual} check result(s) ask for a review by hand on {on}"))
    } else if pass > 0 {
        (Verdict::Pass, format!("{pass} check result(s) passed on {on}"))
    } else {
        (Verdict::NotApplicable, format!("the mapped checks did not apply on {on}"))
    };
    result
}

/// The compliance report of `spec` over `targets`, made at `generated_at` by hullguard `tool_version`.
#[must_use]
pub fn evaluate(spec: &Spec, targets: &[Scanned], generated_at: &str, tool_version: &str) -> ComplianceReport {
    let mut summary = Counts::default();
    let sections: Vec<SectionResult> = spec
        .sections
        .iter()
        .map(|section| {
            let controls: Vec<ControlResult> = section.controls.iter().map(|c| decide(c, targets)).collect();
            let mut counts = Counts::default();
            for c in &controls {
                counts.add(c.verdict);
                summary.add(c.verdict);
            }
            SectionResult { id: section.id.clone(), title: section.title.clone(), summary: counts, controls }
        })
        .collect();
    let evidence = targets
        .iter()
        .map(|t| {
            let checks: BTreeSet<&str> = spec
                .sections
                .iter()
                .flat_map(|s| &s.controls)
                .flat_map(|c| &c.checks)
                .filter(|c| TargetKind::of_check(c) == Some(t.kind))
                .map(String::as_str)
                .collect();
            TargetEvidence {
                kind: t.kind,
                name: t.name.clone(),
                checked_at: t.checked_at.clone(),
                checks: checks.len(),
                findings: t.findings.iter().filter(|f| checks.contains(f.id.as_str())).count(),
                db: t.db.clone(),
            }
        })
        .collect();
    ComplianceReport {
        schema_version: SCHEMA_VERSION,
        spec: SpecHeader {
            id: spec.id.clone(),
            title: spec.title.clone(),
            version: spec.version.clone(),
            kind: spec.kind,
            statement: spec.statement.clone(),
        },
        tool_version: tool_version.to_owned(),
        generated_at: generated_at.to_owned(),
        targets: evidence,
        summary,
        sections,
    }
}
