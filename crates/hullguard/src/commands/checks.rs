//! `hullguard checks list`: the registry of every check.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use hullguard_checks::registry::registry;
use serde_json::json;

use crate::cli::Format;
use crate::output::write_report;

/// Run `checks list`, writing to `output` (stdout when `None`).
pub fn list(format: Format, output: Option<&Path>) -> Result<ExitCode> {
    let text = match format {
        Format::Json => {
            let rows: Vec<_> = registry()
                .iter()
                .map(|c| {
                    json!({"id": c.id, "concept": c.concept, "title": c.title, "severity": c.severity,
                           "description": c.description, "remediation": c.remediation,
                           "peer_ids": c.peer_ids, "references": c.references})
                })
                .collect();
            serde_json::to_string_pretty(&rows)? + "\n"
        }
        Format::Table => {
            let mut s = String::new();
            for c in registry() {
                let _ = writeln!(s, "{}  {:<8} {:<32} {}", c.id, c.severity.as_str(), c.concept, c.title);
            }
            s
        }
    };
    write_report(&text, output)?;
    Ok(ExitCode::SUCCESS)
}
