//! The renderers: one module per output format, each writing a [`Report`](crate::Report) to an
//! [`std::io::Write`] with a `write` function — [`table`] (text), [`json`] (the report as it
//! is), [`sarif`] (SARIF 2.1.0), [`cyclonedx`] (the inventory SBOM with its vulnerabilities),
//! [`junit`] (JUnit XML), [`gitlab`] (GitLab container scanning), [`openvex`] (OpenVEX 0.2.0 from the reachability verdicts) and [`template`] (minijinja,
//! with the shipped HTML report). Every format carries the scan's warnings and what it could not
//! read (`incomplete`) in the place the format has for them. (`spdx-json` is the inventory's own
//! document: `hullguard_inventory::sbom`.)

pub mod cyclonedx;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod openvex;
pub mod sarif;
pub mod table;
pub mod template;

pub use gitlab::{GITLAB_SCHEMA_VERSION, ScanTimes};
pub use table::{TableLayout, TableStyle};
pub use template::HTML_TEMPLATE;

use std::io::{self, Write};
use std::path::Path;

/// `value` as pretty JSON and a newline to `out`, through a buffer of its own: serde's many small
/// writes then land in an inlined copy, not a dynamic call each through `dyn Write` (a tenth of
/// a cached `registry scan`). Every JSON format writes through this.
///
/// # Errors
///
/// When `value` does not serialise or `out` fails.
pub fn write_json(out: &mut dyn Write, value: &impl serde::Serialize) -> io::Result<()> {
    let mut buffered = io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut buffered, value)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

/// A buffered writer to `output` (created or truncated), or to stdout when `None`: where a
/// report is written as it is rendered.
///
/// # Errors
///
/// When `output` cannot be created; the error names it.
pub fn output(output: Option<&Path>) -> io::Result<Box<dyn Write>> {
    Ok(match output {
        Some(path) => Box::new(io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?,
        )),
        None => Box::new(io::BufWriter::new(io::stdout().lock())),
    })
}

/// The reachability details of those `findings` whose verdict is one of `wanted`, as
/// `path: detail` joined by `; ` (for VEX statements and CycloneDX analyses).
pub(crate) fn verdict_details(findings: &[(&crate::Finding, &crate::VulnDetail)], wanted: &[crate::Verdict]) -> String {
    let mut lines: Vec<String> = findings
        .iter()
        .filter_map(|(f, v)| {
            let r = v.reachability.as_ref().filter(|r| wanted.contains(&r.verdict))?;
            Some(format!("{}: {}", f.path(), r.detail))
        })
        .collect();
    lines.dedup();
    lines.join("; ")
}
