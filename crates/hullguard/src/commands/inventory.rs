//! `hullguard inventory`: the OS and every package installed in an image, and the inventory
//! renderers (`fs`/`sbom --list-packages` use them too).

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use hullguard_inventory::Inventory;
use hullguard_inventory::sbom::{Subject, to_cyclonedx, to_spdx};
use hullguard_scan::{ScanOptions, Scanners, Target};
use serde_json::json;

use crate::cli::{ImageRequest, InventoryFormat};
use crate::output::progress;

/// Run `inventory`, with the layer cache in `cache_dir` unless it is `None`.
pub fn run(request: &ImageRequest, cache_dir: Option<&Path>, format: InventoryFormat, quiet: bool) -> Result<ExitCode> {
    let target =
        Target::Image { spec: request.spec.clone(), platform: request.platform.clone(), reference: String::new() };
    let (bar, tick) = progress(quiet, "reading the image");
    let options = ScanOptions {
        limits: request.limits.clone(),
        cache_dir: cache_dir.map(Path::to_path_buf),
        progress: Some(tick),
        ..ScanOptions::default()
    };
    let collected = hullguard_scan::collect(&target, Scanners::default(), &options);
    bar.finish_and_clear();
    let collected = collected?;
    super::scan::warn(&collected.warnings, quiet);
    let meta = collected.image.as_ref();
    let source = meta.map_or(collected.name.as_str(), |m| m.source.as_str());
    render(source, &super::scan::subject(&collected.name, meta), &collected.inventory, format)
}

/// Render an inventory in `format` on stdout.
pub fn render(source: &str, subject: &Subject<'_>, inventory: &Inventory, format: InventoryFormat) -> Result<ExitCode> {
    let text = match format {
        InventoryFormat::Json => {
            let doc = json!({
                "schema_version": 1,
                "source": source,
                "config_digest": subject.config_digest,
                "os": inventory.os,
                "packages": inventory.packages,
                "warnings": inventory.warnings,
            });
            serde_json::to_string_pretty(&doc)? + "\n"
        }
        InventoryFormat::Cyclonedx => to_cyclonedx(inventory, subject)?,
        InventoryFormat::SpdxJson => to_spdx(inventory, subject)?,
        InventoryFormat::Table => {
            let mut s = String::new();
            let os = inventory
                .os
                .as_ref()
                .map_or_else(|| "unknown".to_string(), |o| o.pretty_name.clone().unwrap_or_else(|| o.id.clone()));
            let _ = writeln!(s, "{source}  ({os}, {} packages)\n", inventory.packages.len());
            let _ = writeln!(s, "{:<6} {:<32} {:<28} {:>5}  PATH", "TYPE", "NAME", "VERSION", "LAYER");
            for p in &inventory.packages {
                let f = &p.found;
                let layer = p.layer.map_or_else(|| "-".to_string(), |l| l.to_string());
                let _ = writeln!(
                    s,
                    "{:<6} {:<32} {:<28} {layer:>5}  {}",
                    f.ecosystem.purl_type(),
                    f.name,
                    f.version,
                    f.path
                );
            }
            s
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
