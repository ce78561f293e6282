//! What an audit check ends in ([`Verdict`]), and the audit of a run: its findings (`warn` and
//! `manual`) and the outcome of every check per subject (also `pass` and `n/a`), which the
//! compliance summary counts.

use std::cmp::Ordering;

use hullguard_checks::registry::{CheckMeta, by_concept};
use hullguard_report::{CheckStatus, Finding, Location};
use serde::Serialize;

/// What one check decided about one subject (the daemon, a file, a container).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing wrong.
    Pass,
    /// The check does not apply here; why.
    NotApplicable(String),
    /// The problem: what was seen, and a fix more specific than the check's remediation.
    Warn {
        /// The setting or fact seen (`HostConfig.Privileged: true`).
        evidence: String,
        /// How to fix this case, when more specific than the check's remediation.
        fix: Option<String>,
    },
    /// Cannot be decided from here: what to check by hand (with the facts that were seen).
    Manual(String),
}

impl Verdict {
    /// A [`Verdict::Warn`] with the check's general fix.
    pub fn warn(evidence: impl Into<String>) -> Self {
        Verdict::Warn { evidence: evidence.into(), fix: None }
    }

    /// A [`Verdict::Warn`] with a fix of its own.
    pub fn warn_fix(evidence: impl Into<String>, fix: impl Into<String>) -> Self {
        Verdict::Warn { evidence: evidence.into(), fix: Some(fix.into()) }
    }

    /// [`Verdict::NotApplicable`].
    pub fn na(why: impl Into<String>) -> Self {
        Verdict::NotApplicable(why.into())
    }

    /// [`Verdict::Manual`].
    pub fn manual(what: impl Into<String>) -> Self {
        Verdict::Manual(what.into())
    }

    /// The status this verdict is counted as.
    #[must_use]
    pub fn status(&self) -> CheckStatus {
        match self {
            Verdict::Pass => CheckStatus::Pass,
            Verdict::NotApplicable(_) => CheckStatus::NotApplicable,
            Verdict::Warn { .. } => CheckStatus::Warn,
            Verdict::Manual(_) => CheckStatus::Manual,
        }
    }
}

/// The outcome of one check for one subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The check's id (`HG-CTR-005`).
    pub id: &'static str,
    /// Its CIS recommendation number (`5.5`), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cis: Option<&'static str>,
    /// What was checked: `daemon`, a host path, a container name.
    pub subject: String,
    /// How it ended.
    pub status: CheckStatus,
    /// Why it does not apply, for `n/a`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The findings and outcomes of an audit run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Audit {
    /// The `warn` and `manual` findings.
    pub findings: Vec<Finding>,
    /// Every check's outcome per subject, in the order the checks ran.
    pub outcomes: Vec<Outcome>,
    /// Problems met on the way (a file that could not be parsed), one line each.
    pub warnings: Vec<String>,
}

impl Audit {
    /// Records the verdict of the check of `concept` on `subject` at `location`.
    pub fn record(&mut self, concept: &str, subject: &str, location: &Location, verdict: Verdict) {
        let Some(meta) = by_concept(concept) else {
            self.warnings.push(format!("internal: no check for concept {concept}"));
            return;
        };
        let status = verdict.status();
        let note = match &verdict {
            Verdict::NotApplicable(why) => Some(why.clone()),
            _ => None,
        };
        self.outcomes.push(Outcome { id: meta.id, cis: cis_number(meta), subject: subject.to_owned(), status, note });
        let (evidence, fix) = match verdict {
            Verdict::Pass | Verdict::NotApplicable(_) => return,
            Verdict::Warn { evidence, fix } => (evidence, fix),
            Verdict::Manual(what) => (what, None),
        };
        let mut finding = meta.finding(location.clone(), evidence, fix);
        finding.status = Some(status);
        self.findings.push(finding);
    }

    /// Adds `other`'s findings, outcomes and warnings.
    pub fn extend(&mut self, other: Audit) {
        self.findings.extend(other.findings);
        self.outcomes.extend(other.outcomes);
        self.warnings.extend(other.warnings);
    }
}

/// The CIS recommendation number among a check's peer ids (`CIS 5.5` → `5.5`).
#[must_use]
pub fn cis_number(meta: &CheckMeta) -> Option<&'static str> {
    meta.peer_ids.iter().find_map(|p| p.strip_prefix("CIS "))
}

/// The CIS number of the check with id `id`.
#[must_use]
pub fn cis_of_id(id: &str) -> Option<&'static str> {
    hullguard_checks::registry::registry().iter().find(|m| m.id == id).and_then(cis_number)
}

/// Recommendation numbers in benchmark order: by number, component by component; the
/// docker-bench community checks (`C.5.3.1`) after the numbered ones of their section; checks
/// without a number last.
#[must_use]
pub fn cis_order(a: Option<&str>, b: Option<&str>) -> Ordering {
    fn key(n: &str) -> Vec<u32> {
        match n.strip_prefix("C.") {
            Some(rest) => {
                let mut parts: Vec<u32> = rest.split('.').map(|p| p.parse().unwrap_or(u32::MAX)).collect();
                parts.insert(1.min(parts.len()), 10_000);
                parts
            }
            None => n.split('.').map(|p| p.parse().unwrap_or(u32::MAX)).collect(),
        }
    }
    match (a, b) {
        (Some(a), Some(b)) => key(a).cmp(&key(b)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The CIS section of a recommendation number (`5.5` and `C.5.3.1` → 5).
#[must_use]
pub fn cis_section(number: &str) -> Option<u32> {
    number.strip_prefix("C.").unwrap_or(number).split('.').next()?.parse().ok()
}

/// The CIS Docker Benchmark's section titles.
#[must_use]
pub fn section_title(section: u32) -> &'static str {
    match section {
        1 => "Host configuration",
        2 => "Docker daemon configuration",
        3 => "Docker daemon configuration files",
        4 => "Container images and build file",
        5 => "Container runtime",
        6 => "Docker security operations",
        7 => "Docker swarm configuration",
        8 => "Docker enterprise configuration",
        _ => "Other",
    }
}

/// The counts of one CIS section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SectionSummary {
    /// The section number.
    pub section: u32,
    /// Its title.
    pub title: &'static str,
    /// Outcomes `pass`.
    pub pass: usize,
    /// Outcomes `warn`.
    pub warn: usize,
    /// Outcomes `manual`.
    pub manual: usize,
    /// Outcomes `n/a`.
    #[serde(rename = "n/a")]
    pub not_applicable: usize,
}

/// The outcomes counted per CIS section, by section; checks without a CIS number are not counted.
#[must_use]
pub fn summary(outcomes: &[Outcome]) -> Vec<SectionSummary> {
    let mut sections: Vec<SectionSummary> = Vec::new();
    for o in outcomes {
        let Some(section) = o.cis.and_then(cis_section) else { continue };
        let i = match sections.iter().position(|s| s.section == section) {
            Some(i) => i,
            None => {
                sections.push(SectionSummary {
                    section,
                    title: section_title(section),
                    pass: 0,
                    warn: 0,
                    manual: 0,
                    not_applicable: 0,
                });
                sections.len() - 1
            }
        };
        let s = &mut sections[i];
        match o.status {
            CheckStatus::Pass => s.pass += 1,
            CheckStatus::Warn => s.warn += 1,
            CheckStatus::Manual => s.manual += 1,
            CheckStatus::NotApplicable => s.not_applicable += 1,
        }
    }
    sections.sort_by_key(|s| s.section);
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recommendation_numbers_sort_as_the_benchmark_does() {
        let mut numbers = vec!["5.10", "C.5.3.1", "5.2", "2.1", "5.32", "1.1.18", "1.1.2", "C.2", "3.1"];
        numbers.sort_by(|a, b| cis_order(Some(a), Some(b)));
        assert_eq!(numbers, ["1.1.2", "1.1.18", "2.1", "C.2", "3.1", "5.2", "5.10", "5.32", "C.5.3.1"]);
        assert_eq!(cis_order(Some("9.9"), None), Ordering::Less);
        assert_eq!(cis_section("C.5.3.4"), Some(5));
        assert_eq!(cis_section("1.1.18"), Some(1));
    }

    #[test]
    fn verdicts_become_findings_only_for_warn_and_manual() {
        let mut audit = Audit::default();
        let at = Location::Host { source: "engine".to_owned(), field: Some("icc".to_owned()) };
        audit.record("daemon-icc", "daemon", &at, Verdict::warn("icc: true"));
        audit.record("daemon-live-restore", "daemon", &at, Verdict::Pass);
        audit.record("daemon-rootless", "daemon", &at, Verdict::manual("runs as root"));
        audit.record("swarm-autolock", "daemon", &at, Verdict::na("swarm inactive"));
        audit.record("no-such-concept", "daemon", &at, Verdict::Pass);
        let ids: Vec<(&str, Option<CheckStatus>)> = audit.findings.iter().map(|f| (f.id.as_str(), f.status)).collect();
        assert_eq!(ids, [("HG-HOST-022", Some(CheckStatus::Warn)), ("HG-HOST-021", Some(CheckStatus::Manual))]);
        assert_eq!(audit.outcomes.len(), 4);
        assert_eq!(audit.warnings, ["internal: no check for concept no-such-concept"]);
        let sums = summary(&audit.outcomes);
        assert_eq!(
            sums.iter().map(|s| (s.section, s.pass, s.warn, s.manual, s.not_applicable)).collect::<Vec<_>>(),
            [(2, 1, 1, 1, 0), (7, 0, 0, 0, 1)]
        );
    }
}
