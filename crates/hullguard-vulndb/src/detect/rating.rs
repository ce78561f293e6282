//! Rating a vulnerability: severity, the source of that severity, CVSS and the KEV entry.

use hullguard_report::Severity;
use hullguard_report::{Cvss, Kev};

use super::query::is_distro;
use crate::advisory::SeverityKind;
use crate::db::{Db, DbError};
use crate::matcher::Vulnerability;
use crate::severity::Level;

/// A vulnerability's severity, where that severity came from, its CVSS and its KEV entry.
#[derive(Debug, Clone)]
pub struct Rating {
    /// The severity shown.
    pub severity: Severity,
    /// Where it came from: `debian`, `ghsa`, `cvss-v3.1`, `none` …
    pub source: String,
    /// The CVSS vector and score used or known.
    pub cvss: Option<Cvss>,
    /// The CISA KEV entry of one of its CVEs.
    pub kev: Option<Kev>,
}

/// A level of the advisory model as a report severity.
pub fn severity_of(level: Level) -> Severity {
    match level {
        Level::Unknown => Severity::Unknown,
        Level::Low => Severity::Low,
        Level::Medium => Severity::Medium,
        Level::High => Severity::High,
        Level::Critical => Severity::Critical,
    }
}

/// The CVSS version of a vector (`CVSS:3.1/…` → `3.1`).
fn cvss_version(vector: &str) -> String {
    vector.strip_prefix("CVSS:").and_then(|r| r.split('/').next()).unwrap_or("3.x").to_owned()
}

/// Rates a vulnerability: the distro's own rating for distro packages when it has one, else the
/// CVSS vector of an advisory, else CVSS from the per-CVE facts, else an ecosystem label.
///
/// # Errors
///
/// When the database cannot be read.
pub fn rate(v: &Vulnerability, ecosystem: &str, db: &Db) -> Result<Rating, DbError> {
    let mut cvss: Option<Cvss> = None;
    let mut label: Option<(Severity, String)> = None;
    for hit in &v.hits {
        for s in &hit.advisory.severity {
            match s.kind {
                SeverityKind::CvssV3 | SeverityKind::CvssV4 if cvss.is_none() => {
                    if let Ok(score) = crate::severity::cvss_score(&s.score) {
                        cvss = Some(Cvss { version: cvss_version(&s.score), vector: s.score.clone(), score });
                    }
                }
                SeverityKind::Ecosystem if label.is_none() => {
                    let sev = severity_of(Level::from_label(&s.score));
                    if sev != Severity::Unknown {
                        label = Some((sev, source_name(&hit.advisory.id, ecosystem)));
                    }
                }
                _ => {}
            }
        }
    }
    let mut kev = None;
    for id in std::iter::once(&v.id).chain(&v.aliases).filter(|i| i.starts_with("CVE-")) {
        if let Some(facts) = db.cve(id)? {
            if cvss.is_none() {
                cvss = facts.cvss_v3.or(facts.cvss_v4).map(|(vector, score)| Cvss {
                    version: cvss_version(&vector),
                    vector,
                    score,
                });
            }
            if kev.is_none() {
                kev =
                    facts.kev.map(|k| Kev { date_added: k.date_added, due_date: k.due_date, ransomware: k.ransomware });
            }
        }
    }
    let (severity, source) = match (&label, &cvss) {
        (Some((sev, src)), _) if is_distro(ecosystem) => (*sev, src.clone()),
        (_, Some(c)) => (severity_of(Level::from_score(c.score)), format!("cvss-v{}", c.version)),
        (Some((sev, src)), None) => (*sev, src.clone()),
        (None, None) => (Severity::Unknown, "none".to_owned()),
    };
    Ok(Rating { severity, source, cvss, kev })
}

/// The name of the source of a label, from the advisory id.
fn source_name(id: &str, ecosystem: &str) -> String {
    if id.starts_with("GHSA-") {
        return "ghsa".into();
    }
    ecosystem.split(':').next().unwrap_or(ecosystem).to_ascii_lowercase()
}

/// The title of a vulnerability: the first non-empty summary, else the first line of the details.
pub fn title(v: &Vulnerability) -> String {
    v.hits
        .iter()
        .map(|h| h.advisory.summary.trim())
        .find(|s| !s.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            v.hits
                .iter()
                .find_map(|h| h.advisory.details.lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_owned))
        })
        .unwrap_or_default()
}
