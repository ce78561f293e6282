//! The human-readable table. A scan's layout ([`TableLayout::Sections`]): a header with the
//! counts, then one section per ecosystem of vulnerabilities, rows sorted by package then
//! severity; remediations, support notes, then one section each of misconfigurations and
//! secrets. A lint of build files ([`TableLayout::Lines`]): one `path:line:column` line per
//! finding with its evidence and fix, then a count.
//!
//! Every text from the target is passed through [`escape_control`] first, and
//! the rows are laid out to fit [`TableStyle::width`]: columns take the width
//! of their content up to a preferred width, and when the line is still too
//! long the title, then the path, package and version columns shrink, cut
//! with `…` (paths keep their end); on a terminal narrower than about 100
//! columns the path, layer and KEV columns are left out. Ids are never cut.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::text::{Column, col, cut, escape_control, header, layout, line};
use crate::{Finding, FindingKind, Location, Report, Severity, VulnDetail};

/// How the table is drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableStyle {
    /// ANSI severity colours.
    pub colour: bool,
    /// The terminal width to fit, in characters; `None` draws every column at its preferred width.
    pub width: Option<usize>,
    /// Which layout.
    pub layout: TableLayout,
}

/// The layout of the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TableLayout {
    /// A scan: header, sections per ecosystem and kind, remediations.
    #[default]
    Sections,
    /// A lint of build files: one line per finding, as compilers and editors read them.
    Lines,
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

/// Writes `report` as text, drawn as `style` says.
///
/// # Errors
///
/// When `out` fails.
pub fn write(report: &Report, style: TableStyle, out: &mut dyn Write) -> io::Result<()> {
    if style.layout == TableLayout::Lines {
        return lines(report, out);
    }
    let fit = |line: String| match style.width {
        Some(w) => cut(&line, w),
        None => line,
    };
    let os = report.os.as_deref().map(|o| format!(" ({})", esc(o))).unwrap_or_default();
    writeln!(out, "{}", fit(format!("{}{os}", esc(&report.target))))?;
    if report.vulnerabilities_scanned() {
        let mut per_severity: BTreeMap<Severity, usize> = BTreeMap::new();
        for (f, _) in report.vulnerabilities() {
            *per_severity.entry(f.severity).or_default() += 1;
        }
        let counts: Vec<String> =
            Severity::ALL.iter().rev().filter_map(|sev| per_severity.get(sev).map(|n| format!("{sev}: {n}"))).collect();
        let counts = if counts.is_empty() { String::new() } else { format!(" ({})", counts.join(", ")) };
        writeln!(
            out,
            "{}",
            fit(format!(
                "{}, {}{counts}",
                count(report.packages, "package", "packages"),
                count(report.vulnerabilities().count(), "vulnerability", "vulnerabilities")
            ))
        )?;
    } else {
        writeln!(
            out,
            "{}, {}",
            count(report.of_kind(FindingKind::Misconfiguration).count(), "misconfiguration", "misconfigurations"),
            count(report.of_kind(FindingKind::Secret).count(), "secret", "secrets")
        )?;
    }
    vulnerability_sections(out, report, style)?;
    if !report.remediations.is_empty() {
        writeln!(out, "\nRemediation")?;
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
            writeln!(out, "{}", fit(line))?;
        }
    }
    if !report.support.is_empty() {
        writeln!(out, "\nSecurity support ({})", report.support.len())?;
        for n in &report.support {
            let what = if n.package.is_empty() {
                "the OS release".to_owned()
            } else {
                format!("{} {}", esc(&n.package), esc(&n.installed))
            };
            let when = n.ended.as_deref().map(|d| format!(" since {}", esc(d))).unwrap_or_default();
            let line = format!("  {what}: support {}{when}: {}", esc(&n.support), cut(&esc(&n.note), 100));
            writeln!(out, "{}", fit(line))?;
        }
    }
    for (name, kind) in [
        ("Misconfigurations", FindingKind::Misconfiguration),
        ("Secrets", FindingKind::Secret),
        ("Policy violations", FindingKind::Policy),
    ] {
        let list: Vec<&Finding> = report.of_kind(kind).collect();
        if !list.is_empty() {
            writeln!(out, "\n{name} ({})", list.len())?;
            finding_section(out, &list, style)?;
        }
    }
    if !report.suppressed.is_empty() {
        writeln!(out, "\n{} suppressed", count(report.suppressed.len(), "finding", "findings"))?;
    }
    if !report.incomplete.is_empty() {
        writeln!(
            out,
            "\nINCOMPLETE SCAN: {} not read, findings may be missing",
            count(report.incomplete.len(), "thing", "things")
        )?;
        for what in &report.incomplete {
            writeln!(out, "  {}", crate::text::escape_control(what))?;
        }
    }
    Ok(())
}

/// One section per ecosystem of the vulnerability findings.
fn vulnerability_sections(out: &mut dyn Write, report: &Report, style: TableStyle) -> io::Result<()> {
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
    // Findings whose vulnerable code reachability found absent are shown apart, after the
    // ecosystem's others.
    let mut sections: BTreeMap<(&str, bool), Vec<(&Finding, &VulnDetail)>> = BTreeMap::new();
    for (f, v) in report.vulnerabilities() {
        sections.entry((v.ecosystem.as_str(), v.not_affected())).or_default().push((f, v));
    }
    for ((ecosystem, not_affected), mut found) in sections {
        found.sort_by(|(fa, va), (fb, vb)| {
            (va.package.as_str(), fa.path(), Reverse(fa.severity), va.kev.is_none(), fa.id.as_str()).cmp(&(
                vb.package.as_str(),
                fb.path(),
                Reverse(fb.severity),
                vb.kev.is_none(),
                fb.id.as_str(),
            ))
        });
        let apart = if not_affected { ", not affected: vulnerable code not present" } else { "" };
        writeln!(out, "\n{}{apart} ({})", esc(ecosystem), count(found.len(), "vulnerability", "vulnerabilities"))?;
        let rows: Vec<Vec<String>> = found
            .iter()
            .map(|(f, v)| {
                vec![
                    esc(&v.package),
                    esc(&f.id),
                    esc(&v.installed),
                    esc(v.fixed.as_deref().unwrap_or("-")),
                    f.severity.as_str().to_owned(),
                    v.status.as_str().to_owned(),
                    if v.kev.is_some() { "yes" } else { "" }.to_owned(),
                    v.layer.as_ref().map_or_else(|| "-".to_owned(), |l| l.index.to_string()),
                    esc(f.path()),
                    esc(&f.title),
                ]
            })
            .collect();
        let widths = layout(&COLUMNS, &rows, style.width, &SHRINK);
        let offset: usize = widths[..4].iter().map(|w| w + 1).sum();
        writeln!(out, "{}", header(&COLUMNS, &widths))?;
        for ((f, _), row) in found.iter().zip(&rows) {
            writeln!(out, "{}", paint_severity(line(&COLUMNS, &widths, row), offset, f.severity, style.colour))?;
        }
    }
    Ok(())
}

/// The misconfiguration or secret findings of `list`, with their evidence under the title.
fn finding_section(out: &mut dyn Write, list: &[&Finding], style: TableStyle) -> io::Result<()> {
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
    writeln!(out, "{}", header(&COLUMNS, &widths))?;
    for (f, row) in list.iter().zip(&rows) {
        writeln!(out, "{}", paint_severity(line(&COLUMNS, &widths, row), 0, f.severity, style.colour))?;
        if let Some(e) = &f.evidence {
            writeln!(out, "{:indent$}{}", "", cut(&esc(e), evidence_width))?;
        }
    }
    Ok(())
}

/// The lint layout: `path:line[:column]  SEVERITY ID  title`, the evidence's first line and the
/// fix under it; then the count of files and findings.
fn lines(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        let place = match &f.location {
            Location::File { path, line, column: Some(c), .. } => format!("{path}:{line}:{c}"),
            other => other.place(),
        };
        writeln!(out, "{}  {:<8} {}  {}", esc(&place), f.severity.as_str(), esc(&f.id), esc(&f.title))?;
        if let Some(e) = &f.evidence {
            writeln!(out, "    {}", esc(e.lines().next().unwrap_or("")))?;
        }
        if let Some(fix) = &f.fix {
            writeln!(out, "    fix: {}", esc(fix))?;
        }
    }
    let counts: Vec<String> =
        Severity::ALL.iter().rev().filter_map(|sev| report.summary.get(sev).map(|n| format!("{n} {sev}"))).collect();
    let counts = if counts.is_empty() { String::new() } else { format!(": {}", counts.join(", ")) };
    let suppressed = match report.suppressed.len() {
        0 => String::new(),
        n => format!(" ({n} suppressed)"),
    };
    writeln!(out, "\n{} file(s), {} finding(s){counts}{suppressed}", report.files.len(), report.findings.len())
}
