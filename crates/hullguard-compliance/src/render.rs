//! The compliance report as JSON (the report serialised as it is), a table for a terminal, and a
//! single-file offline HTML page (inline CSS, no scripts, nothing fetched) rendered with the
//! shared minijinja renderer; the HTML shows the same headings and counts as the JSON.

use std::fmt::Write as _;

use hullguard_report::render::template;
use hullguard_report::text::escape_control;

use crate::evaluate::{ComplianceReport, Counts};
use crate::spec::SpecKind;

/// The HTML template.
pub const HTML_TEMPLATE: &str = include_str!("../templates/compliance.html.jinja");

/// How many findings the table lists under a control (the JSON and HTML list all).
const TABLE_FINDINGS: usize = 5;

/// Pretty JSON with a final newline.
#[must_use]
pub fn json(report: &ComplianceReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default() + "\n"
}

fn counts(c: &Counts) -> String {
    format!(
        "{} controls: {} pass, {} fail, {} manual, {} not-applicable",
        c.total, c.pass, c.fail, c.manual, c.not_applicable
    )
}

/// Text for a terminal: the spec, the evidence, then each section's controls with their verdict
/// and first findings.
#[must_use]
pub fn table(report: &ComplianceReport) -> String {
    let esc = |t: &str| escape_control(t).into_owned();
    let mut s = String::new();
    let spec = &report.spec;
    let _ = writeln!(s, "{} ({})", spec.title, spec.version);
    if spec.kind == SpecKind::EvidenceMapping {
        let _ = writeln!(s, "Evidence mapping: the checks support these controls, they do not attest them.");
    }
    let _ = writeln!(s, "{}\n", counts(&report.summary));
    let _ = writeln!(s, "Evidence (generated {} by hullguard {}):", report.generated_at, report.tool_version);
    for t in &report.targets {
        let db = t.db.as_ref().map(|d| format!(", vulnerability DB built {}", d.built)).unwrap_or_default();
        let _ = writeln!(
            s,
            "  {:<10} {}  checked {}, {} checks, {} findings{db}",
            t.kind.as_str(),
            esc(&t.name),
            t.checked_at,
            t.checks,
            t.findings
        );
    }
    for section in &report.sections {
        let _ = writeln!(s, "\n{} {}  ({})", section.id, section.title, counts(&section.summary));
        let width = section.controls.iter().map(|c| c.id.chars().count()).max().unwrap_or(0);
        for c in &section.controls {
            let _ = writeln!(s, "  {:<14} {:<width$}  {}", c.verdict.as_str(), c.id, esc(&c.title));
            for f in c.findings.iter().take(TABLE_FINDINGS) {
                let _ = writeln!(s, "      {} {} {}: {}", f.severity, f.id, esc(&f.target), esc(&f.place));
            }
            if c.findings.len() > TABLE_FINDINGS {
                let _ = writeln!(s, "      … and {} more (see --format json)", c.findings.len() - TABLE_FINDINGS);
            }
        }
    }
    s
}

/// The single-file HTML report.
///
/// # Errors
/// The template does not render (a bug).
pub fn html(report: &ComplianceReport) -> Result<String, String> {
    let mut out = Vec::new();
    template::write(report, "compliance.html", HTML_TEMPLATE, &mut out)?;
    String::from_utf8(out).map_err(|e| e.to_string())
}
