//! The report of an audit: the findings shown (after the ignore file and filters), what was
//! suppressed, every check's outcome and the compliance summary per CIS section, as JSON, a table
//! or SARIF. With CIS ordering the findings follow the benchmark's recommendation numbers;
//! otherwise the most severe come first.

use std::io::Write as _;

use hullguard_report::render::{self, HTML_TEMPLATE, TableStyle};
use hullguard_report::{CheckStatus, Finding, Report, Suppressed};
use serde::Serialize;

use crate::audit::{Audit, Outcome, SectionSummary, cis_of_id, cis_order, summary};

/// The report's JSON schema version.
pub const SCHEMA_VERSION: u32 = 1;

/// Which Engine was audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngineSummary {
    /// The address (`unix:///var/run/docker.sock`).
    pub host: String,
    /// The Engine's version (`20.10.24`).
    pub server_version: String,
    /// The negotiated API version.
    pub api_version: String,
}

/// The report of one audit run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// What was audited (`docker host`, `containers`, a profile path).
    pub target: String,
    /// The Engine, when one was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<EngineSummary>,
    /// The findings shown (`warn` and `manual`), in report order.
    pub findings: Vec<Finding>,
    /// Findings the ignore file suppressed.
    pub suppressed: Vec<Suppressed>,
    /// The outcome counts per CIS section.
    pub compliance: Vec<SectionSummary>,
    /// Every check's outcome per subject, in CIS order.
    pub outcomes: Vec<Outcome>,
    /// Problems met on the way, one line each.
    pub warnings: Vec<String>,
    /// With `--scanners vuln`: the vulnerability report of each image the containers run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<Report>,
}

impl AuditReport {
    /// The report of `audit` on `target`, findings most severe first.
    #[must_use]
    pub fn new(target: impl Into<String>, engine: Option<EngineSummary>, audit: Audit) -> Self {
        let mut outcomes = audit.outcomes;
        outcomes.sort_by(|a, b| cis_order(a.cis, b.cis).then_with(|| a.id.cmp(b.id)));
        let compliance = summary(&outcomes);
        let mut report = AuditReport {
            schema_version: SCHEMA_VERSION,
            target: target.into(),
            engine,
            findings: audit.findings,
            suppressed: Vec::new(),
            compliance,
            outcomes,
            warnings: audit.warnings,
            images: Vec::new(),
        };
        report.order(false);
        report
    }

    /// Orders the findings: by CIS recommendation number (`cis`), else most severe first; ties
    /// by place and id.
    pub fn order(&mut self, cis: bool) {
        if cis {
            self.findings.sort_by(|a, b| {
                cis_order(cis_of_id(&a.id), cis_of_id(&b.id))
                    .then_with(|| a.id.cmp(&b.id))
                    .then_with(|| a.location.cmp(&b.location))
            });
        } else {
            self.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        }
    }

    /// Pretty JSON with a final newline.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// SARIF 2.1.0 of the findings.
    #[must_use]
    pub fn to_sarif(&self, tool_version: &str) -> String {
        let mut shown = Report::new(self.target.clone());
        shown.findings = self.findings.clone();
        let mut out = Vec::new();
        // Writing to memory cannot fail.
        let _ = render::sarif::write(&shown, tool_version, &mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// The findings as the shared renderers show misconfigurations: each title led by its CIS
    /// number and, unless `warn`, its status.
    fn as_misconfigurations(&self) -> Report {
        let mut shown = Report::new(self.target.clone());
        shown.findings = self
            .findings
            .iter()
            .map(|f| {
                let mut f = f.clone();
                let cis = cis_of_id(&f.id).map(|n| format!("{n} ")).unwrap_or_default();
                let status = f.status.filter(|s| *s != CheckStatus::Warn).map(|s| format!("[{}] ", s.as_str()));
                f.title = format!("{cis}{}{}", status.unwrap_or_default(), f.title);
                f
            })
            .collect();
        shown
    }

    /// A self-contained HTML page (the shared HTML template) of the findings; the images'
    /// vulnerability reports are in the JSON and table formats.
    ///
    /// # Errors
    /// The template does not render (a bug).
    pub fn to_html(&self) -> std::result::Result<String, String> {
        let mut out = Vec::new();
        render::template::write(&self.as_misconfigurations(), "report.html", HTML_TEMPLATE, &mut out)?;
        String::from_utf8(out).map_err(|e| e.to_string())
    }

    /// Text: the findings (each title led by its CIS number and status), the compliance summary,
    /// then each image's vulnerability table.
    #[must_use]
    pub fn to_table(&self, style: TableStyle) -> String {
        // Writing to memory cannot fail.
        let mut s = Vec::new();
        let _ = render::table::write(&self.as_misconfigurations(), style, &mut s);
        if !self.compliance.is_empty() {
            let _ = writeln!(s, "\nCIS Docker Benchmark                      pass  warn  manual  n/a");
            for c in &self.compliance {
                let _ = writeln!(
                    s,
                    "  {:<2} {:<36} {:>4}  {:>4}  {:>6}  {:>3}",
                    c.section, c.title, c.pass, c.warn, c.manual, c.not_applicable
                );
            }
        }
        for image in &self.images {
            let _ = writeln!(s);
            let _ = render::table::write(image, style, &mut s);
        }
        String::from_utf8(s).unwrap_or_default()
    }
}
