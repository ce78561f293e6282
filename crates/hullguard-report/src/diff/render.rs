//! A [`Diff`] written as text (`table`), as Markdown for a pull-request comment, or as JSON
//! (the diff serialised as it is). SARIF shows only what is new: [`Diff::added_report`] through
//! [`crate::render::sarif`].

use std::io::{self, Write};

use super::{Compared, Diff, FindingChanges, KINDS, LayerOrigin};
use crate::FindingKind;
use crate::text::escape_control;

/// The plural heading of a kind.
fn heading(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Vulnerability => "vulnerabilities",
        FindingKind::Misconfiguration => "misconfigurations",
        FindingKind::Secret => "secrets",
        FindingKind::Policy => "policy violations",
    }
}

/// `2 in own layers, 1 in base layers` for the findings of an image, empty otherwise.
fn by_origin(list: &[Compared]) -> String {
    let count = |o| list.iter().filter(|c| c.layer_origin == Some(o)).count();
    let (own, base) = (count(LayerOrigin::Own), count(LayerOrigin::Base));
    if own + base == 0 { String::new() } else { format!(" ({own} in own layers, {base} in base layers)") }
}

fn counts(c: &FindingChanges) -> String {
    format!("+{}{} -{} ={}", c.added.len(), by_origin(&c.added), c.removed.len(), c.unchanged.len())
}

/// The cells of one finding row: severity, id, what (package and version, or place), fix, layer.
fn cells(c: &Compared) -> [String; 5] {
    let f = &c.finding;
    let what = match f.vuln() {
        Some(v) => format!("{} {}", v.package, v.installed),
        None => f.location.place(),
    };
    let fix = f.vuln().and_then(|v| v.fixed.clone()).unwrap_or_default();
    let layer = match c.layer_origin {
        Some(LayerOrigin::Base) => "base",
        Some(LayerOrigin::Own) => "own",
        None => "",
    };
    [f.severity.to_string(), f.id.clone(), what, fix, layer.to_owned()]
}

/// Writes `diff` as text for a terminal.
///
/// # Errors
///
/// When writing fails.
pub fn table(diff: &Diff, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{} -> {} ({} shared layers)",
        escape_control(&diff.before.target),
        escape_control(&diff.after.target),
        diff.shared_layers
    )?;
    match &diff.packages {
        Some(p) => {
            writeln!(out, "packages: +{} -{} ~{} ={}", p.added.len(), p.removed.len(), p.changed.len(), p.unchanged)?
        }
        None => writeln!(out, "packages: not compared (a saved report lists no packages)")?,
    }
    for kind in KINDS {
        writeln!(out, "{}: {}", heading(kind), counts(diff.of_kind(kind)))?;
    }
    for kind in KINDS {
        let c = diff.of_kind(kind);
        for (what, list) in [("added", &c.added), ("removed", &c.removed)] {
            if list.is_empty() {
                continue;
            }
            writeln!(out, "\n{} {what}:", heading(kind))?;
            for row in list {
                let [severity, id, subject, fix, layer] = cells(row).map(|s| escape_control(&s).into_owned());
                let fix = if fix.is_empty() { String::new() } else { format!(" (fixed in {fix})") };
                let layer = if layer.is_empty() { String::new() } else { format!(" [{layer} layer]") };
                writeln!(out, "  {severity:<8} {id} {subject}{fix}{layer}")?;
            }
        }
    }
    if let Some(p) = &diff.packages {
        for (what, list) in [("added", &p.added), ("removed", &p.removed)] {
            if !list.is_empty() {
                writeln!(out, "\npackages {what}:")?;
            }
            for pkg in list {
                let line = format!("{} {} {} {}", pkg.ecosystem, pkg.name, pkg.version, pkg.path);
                writeln!(out, "  {}", escape_control(&line))?;
            }
        }
        if !p.changed.is_empty() {
            writeln!(out, "\npackages changed:")?;
        }
        for c in &p.changed {
            let line = format!("{} {} {} -> {} {}", c.ecosystem, c.name, c.before, c.after, c.path);
            writeln!(out, "  {}", escape_control(&line))?;
        }
    }
    Ok(())
}

/// A Markdown table cell: one line, `|` and backticks escaped.
fn md(s: &str) -> String {
    escape_control(s).replace('|', "\\|").replace('`', "\\`")
}

/// Writes `diff` as Markdown (a pull-request comment): the counts, then the added and removed
/// findings of each kind in tables, and the package changes.
///
/// # Errors
///
/// When writing fails.
pub fn markdown(diff: &Diff, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### hullguard diff: `{}` → `{}`\n", md(&diff.before.target), md(&diff.after.target))?;
    writeln!(out, "| | added | removed | unchanged |\n|---|---:|---:|---:|")?;
    if let Some(p) = &diff.packages {
        writeln!(
            out,
            "| packages | {} | {} | {} (+{} changed) |",
            p.added.len(),
            p.removed.len(),
            p.unchanged,
            p.changed.len()
        )?;
    }
    for kind in KINDS {
        let c = diff.of_kind(kind);
        writeln!(out, "| {} | {} | {} | {} |", heading(kind), c.added.len(), c.removed.len(), c.unchanged.len())?;
    }
    writeln!(out, "\n{} layers shared with the base.", diff.shared_layers)?;
    for kind in KINDS {
        let c = diff.of_kind(kind);
        for (what, list) in [("New", &c.added), ("Gone", &c.removed)] {
            if list.is_empty() {
                continue;
            }
            writeln!(out, "\n#### {what} {} ({})\n", heading(kind), list.len())?;
            writeln!(out, "| severity | id | where | fixed in | layer |\n|---|---|---|---|---|")?;
            for row in list {
                let cells = cells(row).map(|s| md(&s));
                writeln!(out, "| {} |", cells.join(" | "))?;
            }
        }
    }
    if let Some(p) = &diff.packages
        && !(p.added.is_empty() && p.removed.is_empty() && p.changed.is_empty())
    {
        writeln!(out, "\n#### Packages\n\n| change | ecosystem | name | version | path |\n|---|---|---|---|---|")?;
        for (what, list) in [("added", &p.added), ("removed", &p.removed)] {
            for pkg in list {
                writeln!(
                    out,
                    "| {what} | {} | {} | {} | {} |",
                    md(&pkg.ecosystem),
                    md(&pkg.name),
                    md(&pkg.version),
                    md(&pkg.path)
                )?;
            }
        }
        for c in &p.changed {
            let version = format!("{} → {}", c.before, c.after);
            writeln!(out, "| changed | {} | {} | {} | {} |", md(&c.ecosystem), md(&c.name), md(&version), md(&c.path))?;
        }
    }
    Ok(())
}

/// Writes `diff` as JSON, pretty-printed, with a final newline.
///
/// # Errors
///
/// When writing fails.
pub fn json(diff: &Diff, out: &mut dyn Write) -> io::Result<()> {
    crate::render::write_json(out, diff)
}
