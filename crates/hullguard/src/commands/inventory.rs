//! `hullguard inventory`: the OS and every package installed in an image, and the inventory
//! renderers (`fs`/`sbom --list-packages` use them too).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use hullguard_inventory::Inventory;
use hullguard_inventory::sbom::{Subject, to_cyclonedx, to_spdx};
use hullguard_report::text::{Column, col, cut, escape_control, header, layout, line};
use hullguard_scan::{ScanOptions, Scanners, Target};
use serde_json::json;

use crate::cli::{ImageRequest, InventoryFormat};
use crate::output::{progress, table_style, warn, write_report};

/// Run `inventory`, with the layer cache in `cache_dir` unless it is `None`, writing to `output`
/// (stdout when `None`).
pub fn run(
    request: &ImageRequest,
    cache_dir: Option<&Path>,
    format: InventoryFormat,
    output: Option<&Path>,
    quiet: bool,
) -> Result<ExitCode> {
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
    warn(&collected.warnings, quiet);
    let meta = collected.image.as_ref();
    let source = meta.map_or(collected.name.as_str(), |m| m.source.as_str());
    render(source, &super::scan::subject(&collected.name, meta), &collected.inventory, format, output)
}

/// Render an inventory in `format` to `output` (stdout when `None`).
pub fn render(
    source: &str,
    subject: &Subject<'_>,
    inventory: &Inventory,
    format: InventoryFormat,
    output: Option<&Path>,
) -> Result<ExitCode> {
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
        InventoryFormat::Table => table(source, inventory, table_style(output).width),
    };
    write_report(&text, output)?;
    Ok(ExitCode::SUCCESS)
}

/// The inventory as a text table fitted to `width`: the path narrows first, then the name and
/// version.
fn table(source: &str, inventory: &Inventory, width: Option<usize>) -> String {
    const COLUMNS: [Column; 5] = [
        col("TYPE", 8),
        col("NAME", 40),
        col("VERSION", 28),
        Column { right: true, ..col("LAYER", 5) },
        Column { keep_end: true, ..col("PATH", 80) },
    ];
    const SHRINK: [(usize, usize); 5] = [(4, 24), (1, 24), (2, 16), (4, 12), (1, 16)];
    let os = inventory
        .os
        .as_ref()
        .map_or_else(|| "unknown".to_string(), |o| o.pretty_name.clone().unwrap_or_else(|| o.id.clone()));
    let count = match inventory.packages.len() {
        1 => "1 package".to_owned(),
        n => format!("{n} packages"),
    };
    let mut s = String::new();
    let title = format!("{}  ({}, {count})", escape_control(source), escape_control(&os));
    let _ = writeln!(s, "{}\n", width.map_or_else(|| title.clone(), |w| cut(&title, w)));
    // Cells borrow the package's text unless it needs escaping: a listing of 100k packages
    // allocates next to nothing beyond the output.
    let rows: Vec<Vec<Cow<'_, str>>> = inventory
        .packages
        .iter()
        .map(|p| {
            let f = &p.found;
            vec![
                Cow::Borrowed(f.ecosystem.purl_type()),
                escape_control(&f.name),
                escape_control(&f.version),
                p.layer.map_or(Cow::Borrowed("-"), |l| Cow::Owned(l.to_string())),
                escape_control(&f.path),
            ]
        })
        .collect();
    let widths = layout(&COLUMNS, &rows, width, &SHRINK);
    let _ = writeln!(s, "{}", header(&COLUMNS, &widths));
    for row in &rows {
        let _ = writeln!(s, "{}", line(&COLUMNS, &widths, row));
    }
    s
}
