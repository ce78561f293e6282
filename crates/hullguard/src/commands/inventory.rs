//! `hullguard inventory`: the OS and every package installed in an image.

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use hullguard_image::{Digest, ReadOptions, read_image};
use hullguard_inventory::sbom::{Subject, to_cyclonedx, to_spdx};
use hullguard_inventory::{LayerScan, builtin, merge};
use serde_json::json;

use crate::cli::{ImageRequest, InventoryFormat};
use crate::output::progress;

/// Run `inventory`.
pub fn run(request: &ImageRequest, format: InventoryFormat, quiet: bool) -> Result<ExitCode> {
    let source = request.spec.open(request.platform.clone(), &request.limits)?;
    let analyzers = builtin();
    let (bar, tick) = progress(quiet, &format!("reading {}", source.name()));
    let options = ReadOptions { limits: request.limits.clone(), progress: Some(tick) };
    let image = read_image(source.as_ref(), &options, || LayerScan::new(&analyzers));
    bar.finish_and_clear();
    let image = image?;
    let inventory = merge(&image)?;
    if !quiet {
        for w in &inventory.warnings {
            eprintln!("hullguard: warning: {w}");
        }
    }
    let text = match format {
        InventoryFormat::Json => {
            let doc = json!({
                "schema_version": 1,
                "source": image.meta.source,
                "config_digest": image.meta.config_digest,
                "os": inventory.os,
                "packages": inventory.packages,
                "warnings": inventory.warnings,
            });
            serde_json::to_string_pretty(&doc)? + "\n"
        }
        InventoryFormat::Cyclonedx | InventoryFormat::SpdxJson => {
            let name = image.meta.names.first().cloned().unwrap_or_else(|| image.meta.source.clone());
            let subject = Subject {
                name: &name,
                config_digest: image.meta.config_digest.as_ref().map(Digest::as_str),
                diff_ids: image.meta.layers.iter().filter_map(|l| l.diff_id.as_ref().map(Digest::as_str)).collect(),
                created: image.meta.config.created.as_deref(),
            };
            if format == InventoryFormat::Cyclonedx {
                to_cyclonedx(&inventory, &subject)?
            } else {
                to_spdx(&inventory, &subject)?
            }
        }
        InventoryFormat::Table => {
            let mut s = String::new();
            let os = inventory
                .os
                .as_ref()
                .map_or_else(|| "unknown".to_string(), |o| o.pretty_name.clone().unwrap_or_else(|| o.id.clone()));
            let _ = writeln!(s, "{}  ({os}, {} packages)\n", image.meta.source, inventory.packages.len());
            let _ = writeln!(s, "{:<6} {:<32} {:<28} {:>5}  PATH", "TYPE", "NAME", "VERSION", "LAYER");
            for p in &inventory.packages {
                let f = &p.found;
                let _ = writeln!(
                    s,
                    "{:<5} {:<32} {:<28} {:>5}  {}",
                    f.ecosystem.purl_type(),
                    f.name,
                    f.version,
                    p.layer,
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
