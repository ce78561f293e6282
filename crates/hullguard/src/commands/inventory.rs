//! `hullguard inventory`: the OS and every package installed in an image, and the inventory
//! renderers (`fs`/`sbom --list-packages` use them too).

use std::borrow::Cow;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use hullguard_inventory::Inventory;
use hullguard_inventory::sbom::{Subject, to_cyclonedx, to_spdx};
use hullguard_report::text::{Column, col, cut, escape_control, header, layout, line, width_of};
use hullguard_scan::{Collected, ScanOptions, Scanners, Target};
use serde_json::{Value, json};

use crate::cli::{ImageRequest, InventoryFormat};
use crate::output::{progress, report_writer, table_style, warn, write_report};

/// Reads `request`'s image once with the inventory analyzers only (layer cache in `cache_dir`
/// unless `None`), with a progress bar unless `quiet`; its warnings are printed.
///
/// # Errors
///
/// When the image cannot be read.
pub fn collect_image(request: &ImageRequest, cache_dir: Option<&Path>, quiet: bool) -> Result<Collected> {
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
    Ok(collected)
}

/// Run `inventory`, with the layer cache in `cache_dir` unless it is `None`, writing to `output`
/// (stdout when `None`).
pub fn run(
    request: &ImageRequest,
    cache_dir: Option<&Path>,
    format: InventoryFormat,
    output: Option<&Path>,
    quiet: bool,
) -> Result<ExitCode> {
    let collected = collect_image(request, cache_dir, quiet)?;
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
            let mut out = report_writer(output)?;
            write_json_listing(&mut out, source, subject, inventory)?;
            out.flush()?;
            return Ok(ExitCode::SUCCESS);
        }
        InventoryFormat::Cyclonedx => to_cyclonedx(inventory, subject)?,
        InventoryFormat::SpdxJson => to_spdx(inventory, subject)?,
        InventoryFormat::Table => {
            let mut out = report_writer(output)?;
            write_table(&mut out, source, inventory, table_style(output).width)?;
            out.flush()?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    write_report(&text, output)?;
    Ok(ExitCode::SUCCESS)
}

/// The JSON listing, written package by package (a million packages never become one JSON
/// tree): the same bytes as the whole document pretty-printed with its keys sorted.
fn write_json_listing(
    out: &mut dyn std::io::Write,
    source: &str,
    subject: &Subject<'_>,
    inventory: &Inventory,
) -> Result<()> {
    let pretty = |value: Value| -> Result<String> { Ok(serde_json::to_string_pretty(&value)?.replace('\n', "\n  ")) };
    write!(out, "{{\n  \"config_digest\": {},\n", pretty(json!(subject.config_digest))?)?;
    write!(out, "  \"os\": {},\n  \"packages\": [", pretty(json!(inventory.os))?)?;
    for (i, package) in inventory.packages.iter().enumerate() {
        let element = serde_json::to_string_pretty(&serde_json::to_value(package)?)?.replace('\n', "\n    ");
        write!(out, "{}\n    {element}", if i == 0 { "" } else { "," })?;
    }
    let close = if inventory.packages.is_empty() { "]" } else { "\n  ]" };
    write!(out, "{close},\n  \"schema_version\": 1,\n  \"source\": {},\n", pretty(json!(source))?)?;
    write!(out, "  \"warnings\": {}\n}}\n", pretty(json!(inventory.warnings))?)?;
    Ok(())
}

/// The cells of one package's row: its own text borrowed unless it needs escaping.
fn cells(p: &hullguard_inventory::Package) -> [Cow<'_, str>; 5] {
    let f = &p.found;
    [
        Cow::Borrowed(f.ecosystem.purl_type()),
        escape_control(&f.name),
        escape_control(&f.version),
        p.layer.map_or(Cow::Borrowed("-"), |l| Cow::Owned(l.to_string())),
        escape_control(&f.path),
    ]
}

/// Writes the inventory as a text table fitted to `width`: the path narrows first, then the name and
/// version.
fn write_table(out: &mut dyn std::io::Write, source: &str, inventory: &Inventory, width: Option<usize>) -> Result<()> {
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
    let title = format!("{}  ({}, {count})", escape_control(source), escape_control(&os));
    writeln!(out, "{}\n", width.map_or_else(|| title.clone(), |w| cut(&title, w)))?;
    // Two passes over the packages, no table held: the widest cell of each column sets the
    // layout, then each line goes straight to the writer (a million packages allocate little).
    let mut widest: Vec<String> = vec![String::new(); COLUMNS.len()];
    for p in &inventory.packages {
        for (w, cell) in widest.iter_mut().zip(cells(p)) {
            if width_of(&cell) > width_of(w) {
                *w = cell.into_owned();
            }
        }
    }
    let widths = layout(&COLUMNS, &[widest], width, &SHRINK);
    writeln!(out, "{}", header(&COLUMNS, &widths))?;
    for p in &inventory.packages {
        writeln!(out, "{}", line(&COLUMNS, &widths, &cells(p)))?;
    }
    Ok(())
}
