//! The human-readable table: a header with the counts, then one section per
//! ecosystem, rows sorted by package then severity; remediations last.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{VulnFinding, VulnReport};
use crate::Severity;

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

/// Cuts `s` to `max` characters, marking the cut with `…`.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Keeps the last `max` characters of `s`, marking the cut with `…`.
fn cut_left(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_owned();
    }
    let mut out = String::from("…");
    out.extend(s.chars().skip(n - max + 1));
    out
}

/// Renders `report` as text; `colour` adds ANSI severity colours.
pub fn to_table(report: &VulnReport, colour_on: bool) -> String {
    let mut s = String::new();
    let os = report.os.as_deref().map(|o| format!(" ({o})")).unwrap_or_default();
    let counts: Vec<String> =
        Severity::ALL.iter().rev().filter_map(|sev| report.summary.get(sev).map(|n| format!("{sev}: {n}"))).collect();
    let _ = writeln!(
        s,
        "{}{os}\n{} packages, {} vulnerabilities{}",
        report.target,
        report.packages,
        report.findings.len(),
        if counts.is_empty() { String::new() } else { format!(" ({})", counts.join(", ")) }
    );
    let mut sections: BTreeMap<&str, Vec<&VulnFinding>> = BTreeMap::new();
    for f in &report.findings {
        sections.entry(f.ecosystem.as_str()).or_default().push(f);
    }
    for (ecosystem, mut rows) in sections {
        rows.sort_by(|a, b| {
            (&a.package, &a.path, Reverse(a.severity), a.kev.is_none(), &a.id).cmp(&(
                &b.package,
                &b.path,
                Reverse(b.severity),
                b.kev.is_none(),
                &b.id,
            ))
        });
        let _ = writeln!(s, "\n{ecosystem} ({} vulnerabilities)", rows.len());
        let _ = writeln!(
            s,
            "{:<26} {:<20} {:<22} {:<22} {:<9} {:<12} {:>3} {:>5}  {:<36} TITLE",
            "PACKAGE", "ID", "INSTALLED", "FIXED", "SEVERITY", "STATUS", "KEV", "LAYER", "PATH"
        );
        for f in rows {
            let sev = format!("{:<9}", f.severity.as_str());
            let sev = if colour_on { format!("{}{sev}\x1b[0m", colour(f.severity)) } else { sev };
            let _ = writeln!(
                s,
                "{:<26} {:<20} {:<22} {:<22} {sev} {:<12} {:>3} {:>5}  {:<36} {}",
                cut(&f.package, 26),
                f.id,
                cut(&f.installed, 22),
                cut(f.fixed.as_deref().unwrap_or("-"), 22),
                f.status.as_str(),
                if f.kev.is_some() { "yes" } else { "" },
                f.layer.as_ref().map_or_else(|| "-".to_owned(), |l| l.index.to_string()),
                cut_left(&f.path, 36),
                cut(&f.title, 60),
            );
        }
    }
    if !report.remediations.is_empty() {
        let _ = writeln!(s, "\nRemediation");
        let mut seen = std::collections::BTreeMap::<&str, usize>::new();
        for r in &report.remediations {
            *seen.entry(r.package.as_str()).or_default() += 1;
        }
        for r in &report.remediations {
            let at = if seen[r.package.as_str()] > 1 { format!(" ({})", r.path) } else { String::new() };
            let unfixed = if r.unfixed > 0 { format!(" ({} without a fix)", r.unfixed) } else { String::new() };
            let _ = writeln!(
                s,
                "  upgrade {}{at} {} to {} fixes {}{unfixed}",
                r.package,
                r.installed,
                r.upgrade_to,
                plural(r.fixes, "finding")
            );
        }
    }
    if !report.support.is_empty() {
        let _ = writeln!(s, "\nSecurity support ({})", report.support.len());
        for n in &report.support {
            let what = if n.package.is_empty() {
                "the OS release".to_owned()
            } else {
                format!("{} {}", n.package, n.installed)
            };
            let when = n.ended.as_deref().map(|d| format!(" since {d}")).unwrap_or_default();
            let _ = writeln!(s, "  {what}: support {}{when}: {}", n.support, cut(&n.note, 100));
        }
    }
    for (name, list) in [("Misconfigurations", &report.misconfigurations), ("Secrets", &report.secrets)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{name} ({})", list.len());
        let _ = writeln!(s, "{:<9} {:<26} {:<40} TITLE / EVIDENCE", "SEVERITY", "ID", "WHERE");
        for f in list {
            let sev = format!("{:<9}", f.severity.as_str());
            let sev = if colour_on { format!("{}{sev}\x1b[0m", colour(f.severity)) } else { sev };
            let at = match &f.location {
                crate::Location::Image { layer, path } => format!(
                    "{}{}",
                    path.as_deref().unwrap_or("image"),
                    layer.map(|l| format!(" (layer {l})")).unwrap_or_default()
                ),
                crate::Location::ConfigField { field } => field.clone(),
                crate::Location::File { path, line, .. } => format!("{path}:{line}"),
            };
            let _ = writeln!(s, "{sev} {:<26} {:<40} {}", f.id, cut_left(&at, 40), cut(&f.title, 70));
            if let Some(e) = &f.evidence {
                let _ = writeln!(s, "{:<77} {}", "", cut(e, 90));
            }
        }
    }
    if !report.suppressed.is_empty() {
        let _ = writeln!(s, "\n{} suppressed", plural(report.suppressed.len(), "finding"));
    }
    if !report.incomplete.is_empty() {
        let _ = writeln!(
            s,
            "\nINCOMPLETE SCAN: {} not read, findings may be missing",
            plural(report.incomplete.len(), "thing")
        );
        for what in &report.incomplete {
            let _ = writeln!(s, "  {what}");
        }
    }
    s
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}
