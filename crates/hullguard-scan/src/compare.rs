//! The sides of `hullguard diff`: each a saved JSON report (read back), an SBOM or an image
//! (scanned now), turned into the [`Scan`] the diff in `hullguard_report::diff` compares.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use hullguard_image::SourceSpec;
use hullguard_report::Report;
use hullguard_report::diff::{PackageVersion, Scan};

use crate::{ScanOptions, ScanRequest, Scanners, Target, scan};

/// The largest saved report read back.
pub const MAX_REPORT_BYTES: u64 = 1 << 30;

/// What one side of a diff is.
#[derive(Debug, Clone)]
pub enum DiffInput {
    /// A saved `--format json` report.
    Report(PathBuf),
    /// A target scanned now (an image or an SBOM).
    Target(Target),
}

impl DiffInput {
    /// The side `arg` names: `report:FILE`, `sbom:FILE`, a JSON file (a hullguard report when its
    /// first key is `schema_version`, else an SBOM), or any image source.
    ///
    /// # Errors
    ///
    /// When `arg` is no image source and no readable file.
    pub fn parse(arg: &str) -> Result<Self> {
        if let Some(path) = arg.strip_prefix("report:") {
            return Ok(Self::Report(path.into()));
        }
        if let Some(path) = arg.strip_prefix("sbom:") {
            return Ok(Self::Target(Target::Sbom(path.into())));
        }
        let path = Path::new(arg);
        if path.is_file() {
            let mut head = Vec::with_capacity(512);
            std::fs::File::open(path).with_context(|| arg.to_owned())?.take(512).read_to_end(&mut head)?;
            let text = String::from_utf8_lossy(&head);
            let text = text.trim_start();
            if let Some(rest) = text.strip_prefix('{') {
                return Ok(if rest.trim_start().starts_with("\"schema_version\"") {
                    Self::Report(path.into())
                } else {
                    Self::Target(Target::Sbom(path.into()))
                });
            }
        }
        let spec = SourceSpec::parse(arg)?;
        Ok(Self::Target(Target::Image {
            reference: spec.reference().unwrap_or_default().to_owned(),
            spec,
            platform: None,
        }))
    }
}

/// Reads a saved report back; the error names the file and the problem.
///
/// # Errors
///
/// When the file cannot be read, is larger than [`MAX_REPORT_BYTES`] or is not a report of this
/// schema version.
pub fn read_report(path: &Path) -> Result<Report> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).with_context(|| shown.clone())?;
    let mut bytes = Vec::new();
    file.take(MAX_REPORT_BYTES + 1).read_to_end(&mut bytes).with_context(|| shown.clone())?;
    if bytes.len() as u64 > MAX_REPORT_BYTES {
        return Err(anyhow!("{shown}: report larger than {MAX_REPORT_BYTES} bytes"));
    }
    let report: Report =
        serde_json::from_slice(&bytes).map_err(|e| anyhow!("{shown}: not a hullguard JSON report: {e}"))?;
    if report.schema_version != hullguard_report::SCHEMA_VERSION {
        return Err(anyhow!(
            "{shown}: report schema_version {} (this hullguard reads {})",
            report.schema_version,
            hullguard_report::SCHEMA_VERSION
        ));
    }
    Ok(report)
}

/// One side of a diff, with the warnings of its scan.
///
/// # Errors
///
/// When the report cannot be read or the scan fails.
pub fn side(input: &DiffInput, scanners: Scanners, options: &ScanOptions) -> Result<(Scan, Vec<String>)> {
    match input {
        DiffInput::Report(path) => Ok((Scan::from_report(read_report(path)?), Vec::new())),
        DiffInput::Target(target) => {
            // An SBOM holds packages only: the vulnerability scan is the one that applies.
            let scanners = match target {
                Target::Sbom(_) => Scanners { vuln: scanners.vuln, ..Scanners::default() },
                _ => scanners,
            };
            let request = ScanRequest { target: target.clone(), scanners, options: options.clone() };
            let result = scan(&request)?;
            let layers = result
                .image
                .as_ref()
                .map(|m| m.layers.iter().map(|l| l.diff_id.as_ref().map(|d| d.as_str().to_owned())).collect())
                .unwrap_or_default();
            let packages = result.inventory.packages.iter().map(PackageVersion::from).collect();
            let warnings = result.warnings.into_iter().chain(result.gate_warnings).collect();
            Ok((Scan { report: result.report, packages: Some(packages), layers }, warnings))
        }
    }
}
