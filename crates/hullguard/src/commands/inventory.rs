//! `hullguard inventory`: the OS and every package installed in an image, and the inventory
//! renderers (`fs`/`sbom --list-packages` use them too).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use hullguard_image::{Digest, ImageMeta, LayerCache, ReadOptions, read_image_cached};
use hullguard_inventory::sbom::{Subject, to_cyclonedx, to_spdx};
use hullguard_inventory::{DirCache, Inventory, LayerScan, ScannedLayer, builtin, merge};
use hullguard_report::text::{Column, col, cut, escape_control, header, layout, line};
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
    let (meta, inventory) = image_inventory(request, cache_dir, quiet)?;
    let name = meta.display_name().to_owned();
    let subject = Subject {
        name: &name,
        config_digest: meta.config_digest.as_ref().map(Digest::as_str),
        diff_ids: meta.layers.iter().filter_map(|l| l.diff_id.as_ref().map(Digest::as_str)).collect(),
        created: meta.config.created.as_deref(),
    };
    render(&meta.source, &subject, &inventory, format, output, quiet)
}

/// Read the image of `request` once and return its metadata and inventory,
/// with the layer cache in `cache_dir` unless it is `None`.
pub fn image_inventory(
    request: &ImageRequest,
    cache_dir: Option<&Path>,
    quiet: bool,
) -> Result<(ImageMeta, Inventory)> {
    let source = request.spec.open(request.platform.clone(), &request.limits)?;
    let analyzers = builtin();
    let cache = cache_dir.map(|dir| DirCache::new(dir, &analyzers));
    let (bar, tick) = progress(quiet, &format!("reading {}", source.name()));
    let options = ReadOptions { limits: request.limits.clone(), progress: Some(tick) };
    let image = read_image_cached(
        source.as_ref(),
        &options,
        || LayerScan::new(&analyzers),
        cache.as_ref().map(|c| c as &dyn LayerCache<ScannedLayer>),
    );
    bar.finish_and_clear();
    let image = image?;
    if let Some(cache) = &cache {
        let (hits, _) = cache.counts();
        tracing::info!("layer cache: {hits} of {} layers reused", image.layers.len());
    }
    let mut inventory = merge(&image)?;
    // A root filesystem folder (its source is named `dir:…`) with nothing in it is most likely
    // not the folder meant.
    if image.meta.source.starts_with("dir:") && inventory.os.is_none() && inventory.packages.is_empty() {
        inventory
            .warnings
            .push(format!("{}: no OS release and no packages found; is this a root filesystem?", image.meta.source));
    }
    Ok((image.meta, inventory))
}

/// Render an inventory in `format` to `output` (stdout when `None`).
pub fn render(
    source: &str,
    subject: &Subject<'_>,
    inventory: &Inventory,
    format: InventoryFormat,
    output: Option<&Path>,
    quiet: bool,
) -> Result<ExitCode> {
    let unread = inventory.incomplete.iter().filter(|i| !inventory.warnings.contains(i));
    warn(inventory.warnings.iter().chain(unread), quiet);
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
