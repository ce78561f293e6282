//! The human-readable table: a header with the counts, then one section per
//! ecosystem, rows sorted by package then severity; remediations last.
//!
//! Every text from the target is passed through [`escape_control`] first, and
//! the rows are laid out to fit [`TableStyle::width`]: columns take the width
//! of their content up to a preferred width, and when the line is still too
//! long the title, then the path, package and version columns shrink, cut
//! with `…` (paths keep their end); on a terminal narrower than about 100
//! columns the path, layer and KEV columns are left out. Ids are never cut.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{VulnFinding, VulnReport};
use crate::Severity;
use crate::text::{Column, col, cut, escape_control, header, layout, line};

/// How the table is drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableStyle {
    /// ANSI severity colours.
    pub colour: bool,
    /// The terminal width to fit, in characters; `None` draws every column at its preferred width.
    pub width: Option<usize>,
}

/// The ANSI colour of a severity.
fn colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "\x1b[1;31m",
        Severity::High => "\x1b[31m",
        Severity::Medium => "\x1b[33m",
        Severity::Low => "\x1b[34m",
        Severity::Info | Severity::Unknown => "\x1b[2m",
    }
}

/// Colours the severity word found `offset` characters into `line` when `on`.
fn paint_severity(line: String, offset: usize, severity: Severity, on: bool) -> String {
    let at: usize = line.chars().take(offset).map(char::len_utf8).sum();
    let word = severity.as_str();
    if !on || !line[at..].starts_with(word) {
        return line;
    }
    let end = at + word.len();
    format!("{}{}{word}\x1b[0m{}", &line[..at], colour(severity), &line[end..])
}

/// `n` and the word for one or for many.
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// Escapes `s` for the terminal (owned).
fn esc(s: &str) -> String {
    escape_control(s).into_owned()
}

/// Renders `report` as text, drawn as `style` says.
pub fn to_table(report: &VulnReport, style: TableStyle) -> String {
    let mut s = String::new();
    let fit = |line: String| match style.width {
        Some(w) => cut(&line, w),
        None => line,
    };
    let os = report.os.as_deref().map(|o| format!(" ({})", esc(o))).unwrap_or_default();
    let _ = writeln!(s, "{}", fit(format!("{}{os}", esc(&report.target))));
    if report.vulnerabilities_scanned() {
        let counts: Vec<String> = Severity::ALL
            .iter()
            .rev()
            .filter_map(|sev| report.summary.get(sev).map(|n| format!("{sev}: {n}")))
            .collect();
        let counts = if counts.is_empty() { String::new() } else { format!(" ({})", counts.join(", ")) };
        let _ = writeln!(
            s,
            "{}",
            fit(format!(
                "{}, {}{counts}",
                count(report.packages, "package", "packages"),
                count(report.findings.len(), "vulnerability", "vulnerabilities")
            ))
        );
    } else {
        let _ = writeln!(
            s,
            "{}, {}",
            count(report.misconfigurations.len(), "misconfiguration", "misconfigurations"),
            count(report.secrets.len(), "secret", "secrets")
        );
    }
    vulnerability_sections(&mut s, report, style);
    if !report.remediations.is_empty() {
        let _ = writeln!(s, "\nRemediation");
        let mut seen = BTreeMap::<&str, usize>::new();
        for r in &report.remediations {
            *seen.entry(r.package.as_str()).or_default() += 1;
        }
        for r in &report.remediations {
            let at = if seen[r.package.as_str()] > 1 { format!(" ({})", esc(&r.path)) } else { String::new() };
            let unfixed = if r.unfixed > 0 { format!(" ({} without a fix)", r.unfixed) } else { String::new() };
            let line = format!(
                "  upgrade {}{at} {} to {} fixes {}{unfixed}",
                esc(&r.package),
                esc(&r.installed),
                esc(&r.upgrade_to),
                count(r.fixes, "finding", "findings")
            );
            let _ = writeln!(s, "{}", fit(line));
        }
    }
    if !report.support.is_empty() {
        let _ = writeln!(s, "\nSecurity support ({})", report.support.len());
        for n in &report.support {
            let what = if n.package.is_empty() {
                "the OS release".to_owned()
            } else {
                format!("{} {}", esc(&n.package), esc(&n.installed))
            };
            let when = n.ended.as_deref().map(|d| format!(" since {}", esc(d))).unwrap_or_default();
            let line = format!("  {what}: support {}{when}: {}", esc(&n.support), cut(&esc(&n.note), 100));
            let _ = writeln!(s, "{}", fit(line));
        }
    }
    for (name, list) in [("Misconfigurations", &report.misconfigurations), ("Secrets", &report.secrets)] {
        if !list.is_empty() {
            let _ = writeln!(s, "\n{name} ({})", list.len());
            finding_section(&mut s, list, style);
        }
    }
    if !report.suppressed.is_empty() {
        let _ = writeln!(s, "\n{} suppressed", count(report.suppressed.len(), "finding", "findings"));
    }
    if !report.incomplete.is_empty() {
        let _ = writeln!(
            s,
            "\nINCOMPLETE SCAN: {} not read, findings may be missing",
            count(report.incomplete.len(), "thing", "things")
        );
        for what in &report.incomplete {
            let _ = writeln!(s, "  {}", crate::text::escape_control(what));
        }
    }
    s
}

/// One section per ecosystem of the vulnerability findings.
fn vulnerability_sections(s: &mut String, report: &VulnReport, style: TableStyle) {
    const COLUMNS: [Column; 10] = [
        col("PACKAGE", 26),
        col("ID", 40),
        col("INSTALLED", 22),
        col("FIXED", 22),
        col("SEVERITY", 8),
        col("STATUS", 12),
        col("KEV", 3),
        Column { right: true, ..col("LAYER", 5) },
        Column { keep_end: true, ..col("PATH", 36) },
        col("TITLE", 60),
    ];
    // Title, path, package and versions narrowed first; then the title takes what is left or
    // goes, and on narrow terminals the path, layer and KEV columns go too.
    const SHRINK: [(usize, usize); 12] =
        [(9, 24), (8, 16), (0, 14), (2, 12), (3, 12), (9, 0), (8, 0), (0, 10), (2, 9), (3, 9), (7, 0), (6, 0)];
    let mut sections: BTreeMap<&str, Vec<&VulnFinding>> = BTreeMap::new();
    for f in &report.findings {
        sections.entry(f.ecosystem.as_str()).or_default().push(f);
    }
    for (ecosystem, mut found) in sections {
        found.sort_by(|a, b| {
            (&a.package, &a.path, Reverse(a.severity), a.kev.is_none(), &a.id).cmp(&(
                &b.package,
                &b.path,
                Reverse(b.severity),
                b.kev.is_none(),
                &b.id,
            ))
        });
        let _ = writeln!(s, "\n{} ({})", esc(ecosystem), count(found.len(), "vulnerability", "vulnerabilities"));
        let rows: Vec<Vec<String>> = found
            .iter()
            .map(|f| {
                vec![
                    esc(&f.package),
                    esc(&f.id),
                    esc(&f.installed),
                    esc(f.fixed.as_deref().unwrap_or("-")),
                    f.severity.as_str().to_owned(),
                    f.status.as_str().to_owned(),
                    if f.kev.is_some() { "yes" } else { "" }.to_owned(),
                    f.layer.as_ref().map_or_else(|| "-".to_owned(), |l| l.index.to_string()),
                    esc(&f.path),
                    esc(&f.title),
                ]
            })
            .collect();
        let widths = layout(&COLUMNS, &rows, style.width, &SHRINK);
        let offset: usize = widths[..4].iter().map(|w| w + 1).sum();
        let _ = writeln!(s, "{}", header(&COLUMNS, &widths));
        for (f, row) in found.iter().zip(&rows) {
            let _ = writeln!(s, "{}", paint_severity(line(&COLUMNS, &widths, row), offset, f.severity, style.colour));
        }
    }
}

/// The misconfiguration or secret findings of `list`, with their evidence under the title.
fn finding_section(s: &mut String, list: &[crate::Finding], style: TableStyle) {
    const COLUMNS: [Column; 4] =
        [col("SEVERITY", 8), col("ID", 40), Column { keep_end: true, ..col("WHERE", 40) }, col("TITLE / EVIDENCE", 70)];
    const SHRINK: [(usize, usize); 4] = [(3, 30), (2, 24), (3, 0), (2, 12)];
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|f| {
            let at = esc(&f.location.place());
            vec![f.severity.as_str().to_owned(), esc(&f.id), at, esc(&f.title)]
        })
        .collect();
    let widths = layout(&COLUMNS, &rows, style.width, &SHRINK);
    let under_title: usize = widths[..3].iter().map(|w| w + 1).sum();
    let (indent, evidence_width) = match style.width {
        None => (under_title, 90),
        Some(w) if w >= under_title + 20 => (under_title, w - under_title),
        Some(w) => (2, w.saturating_sub(2)),
    };
    let _ = writeln!(s, "{}", header(&COLUMNS, &widths));
    for (f, row) in list.iter().zip(&rows) {
        let _ = writeln!(s, "{}", paint_severity(line(&COLUMNS, &widths, row), 0, f.severity, style.colour));
        if let Some(e) = &f.evidence {
            let _ = writeln!(s, "{:indent$}{}", "", cut(&esc(e), evidence_width));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(package: &str, path: &str, title: &str) -> VulnFinding {
        VulnFinding {
            id: "CVE-2024-0001".to_owned(),
            aliases: Vec::new(),
            advisories: Vec::new(),
            package: package.to_owned(),
            source_package: None,
            ecosystem: "PyPI".to_owned(),
            purl: format!("pkg:pypi/{package}@1.0"),
            installed: "1.0".to_owned(),
            fixed: Some("1.1".to_owned()),
            status: super::super::VulnStatus::Fixed,
            severity: Severity::Critical,
            severity_source: "cvss".to_owned(),
            cvss: None,
            kev: None,
            layer: None,
            path: path.to_owned(),
            title: title.to_owned(),
            references: Vec::new(),
        }
    }

    fn report(findings: Vec<VulnFinding>) -> VulnReport {
        let mut r = VulnReport::new("app:1");
        r.db_built = "2026-01-01T00:00:00Z".to_owned();
        r.packages = 1;
        r.findings = findings;
        r.finalize();
        r
    }

    #[test]
    fn rows_fit_the_width_and_keep_the_id() {
        let long = "x".repeat(200);
        let r = report(vec![finding(&format!("pkg-{long}"), &format!("/usr/lib/{long}/METADATA"), &long)]);
        for width in [80, 100, 120] {
            let text = to_table(&r, TableStyle { colour: false, width: Some(width) });
            for line in text.lines() {
                assert!(line.chars().count() <= width, "{width}: {line:?}");
            }
            assert!(text.contains(" CVE-2024-0001 "), "{text}");
            assert_eq!(text.contains("x/METADATA"), width > 80, "{text}");
        }
        let wide = to_table(&r, TableStyle::default());
        assert!(wide.lines().any(|l| l.chars().count() > 150), "{wide}");
    }

    #[test]
    fn one_is_singular() {
        let text = to_table(&report(vec![finding("pyyaml", "/p", "t")]), TableStyle::default());
        assert!(text.contains("\n1 package, 1 vulnerability (CRITICAL: 1)\n"), "{text}");
        assert!(text.contains("\nPyPI (1 vulnerability)\n"), "{text}");
    }

    #[test]
    fn colour_marks_the_severity_only() {
        let text = to_table(&report(vec![finding("pyyaml", "/p", "t")]), TableStyle { colour: true, width: None });
        assert!(text.contains("\x1b[1;31mCRITICAL\x1b[0m"), "{text}");
        assert_eq!(text.matches('\x1b').count(), 2, "{text}");
    }

    #[test]
    fn control_characters_from_the_image_are_escaped() {
        let r = report(vec![finding("evil\x1b[2J\nforged", "/a\x07b", "t\x1b]0;x\x07")]);
        let text = to_table(&r, TableStyle::default());
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
        assert!(text.contains("evil\\x1b[2J\\nforged"), "{text}");
        assert!(text.contains("/a\\x07b") && text.contains("t\\x1b]0;x\\x07"), "{text}");
        assert_eq!(text.lines().filter(|l| l.contains("forged")).count(), 1);
    }
}
