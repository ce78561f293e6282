//! A scan's report in each output format, for every front end (the CLI writes it to a file or
//! stdout, the server into a response): the report renderers of `hullguard_report::render`,
//! and the inventory's own SBOM documents for `cyclonedx` and `spdx-json`.

use std::io::Write;

use anyhow::{Result, anyhow};
use hullguard_inventory::Inventory;
use hullguard_inventory::sbom::{Subject, to_cyclonedx, to_spdx};
use hullguard_report::Report;
use hullguard_report::render::{
    ScanTimes, TableStyle, cyclonedx, gitlab, json, junit, openvex, sarif, table, template,
};

/// An output format of a scan report.
#[derive(Debug, Clone)]
pub enum Format {
    /// The text table, in this style.
    Table(TableStyle),
    /// The stable JSON report.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// CycloneDX 1.6: the SBOM with its vulnerabilities.
    Cyclonedx,
    /// SPDX 2.3: the SBOM.
    SpdxJson,
    /// JUnit XML.
    Junit,
    /// GitLab container scanning, with the scan's start and end.
    Gitlab(ScanTimes),
    /// OpenVEX 0.2.0: the reachability verdicts, issued at `now` (RFC 3339).
    Openvex {
        /// The document's timestamp.
        now: String,
    },
    /// A minijinja template: its name and text.
    Template {
        /// The template's name (for its errors).
        name: String,
        /// Its text.
        body: String,
    },
}

/// Writes `report` in `format` to `out`; `inventory` and `subject` make the SBOM formats.
///
/// # Errors
///
/// When writing fails or the template does not render.
pub fn render(
    report: &Report,
    inventory: &Inventory,
    subject: &Subject<'_>,
    format: &Format,
    out: &mut dyn Write,
) -> Result<()> {
    let version = env!("CARGO_PKG_VERSION");
    match format {
        Format::Cyclonedx => cyclonedx::write(&to_cyclonedx(inventory, subject)?, report, out)?,
        Format::SpdxJson => out.write_all(to_spdx(inventory, subject)?.as_bytes())?,
        Format::Table(style) => table::write(report, *style, out)?,
        Format::Json => json::write(report, out)?,
        Format::Sarif => sarif::write(report, version, out)?,
        Format::Junit => junit::write(report, out)?,
        Format::Gitlab(times) => gitlab::write(report, version, *times, out)?,
        Format::Openvex { now } => openvex::write(report, version, now, out)?,
        Format::Template { name, body } => template::write(report, name, body, out).map_err(|e| anyhow!(e))?,
    }
    Ok(())
}
