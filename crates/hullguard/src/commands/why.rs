//! `hullguard why PACKAGE SOURCE`: why a package is in an image.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use hullguard_inventory::{Package, Why, why};
use hullguard_report::text::escape_control;
use serde_json::json;

use crate::cli::{Format, ImageRequest};
use crate::output::write_report;

/// Run `why`, writing in `format` to `output` (stdout when `None`): exit 0 when the image has
/// the package, 1 when it has none of that name.
pub fn run(
    package: &str,
    request: &ImageRequest,
    cache_dir: Option<&Path>,
    format: Format,
    output: Option<&Path>,
    quiet: bool,
) -> Result<ExitCode> {
    let collected = super::inventory::collect_image(request, cache_dir, quiet)?;
    let created_by =
        |layer: Option<usize>| -> Option<&str> { collected.image.as_ref()?.layers.get(layer?)?.created_by.as_deref() };
    let found = why(&collected.inventory, package);
    let text = match format {
        Format::Json => {
            let matches: Vec<_> = found
                .iter()
                .map(|w| {
                    let p = &w.package.found;
                    json!({
                        "ecosystem": p.ecosystem.purl_type(),
                        "name": p.name,
                        "version": p.version,
                        "path": p.path,
                        "layer": w.package.layer,
                        "created_by": created_by(w.package.layer),
                        "dependents": w.dependents.iter().map(|d| d.found.reference()).collect::<Vec<_>>(),
                        "chains": w.chains.iter().map(|c| c.iter().map(|d| d.found.reference()).collect::<Vec<_>>()).collect::<Vec<_>>(),
                        "removable": w.dependents.is_empty(),
                        "dev_only": w.dev_only,
                    })
                })
                .collect();
            let doc = json!({"package": package, "source": collected.name, "matches": matches});
            format!("{}\n", serde_json::to_string_pretty(&doc)?)
        }
        Format::Table if found.is_empty() => String::new(),
        Format::Table => found.iter().map(|w| table(w, created_by(w.package.layer))).collect::<Vec<_>>().join("\n"),
    };
    write_report(&text, output)?;
    if found.is_empty() {
        eprintln!("no package named {} in {}", escape_control(package), escape_control(&collected.name));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// `name version`, escaped for a terminal.
fn label(p: &Package) -> String {
    format!("{} {}", escape_control(&p.found.name), escape_control(&p.found.version))
}

/// Direct dependents the table names (`-f json` lists all).
const SHOWN_DEPENDENTS: usize = 10;

/// The text block of one package.
fn table(w: &Why<'_>, created_by: Option<&str>) -> String {
    let p = w.package;
    let mut out = format!("{} ({}, {})\n", label(p), p.found.ecosystem.purl_type(), escape_control(&p.found.path));
    if let Some(layer) = p.layer {
        out += &match created_by {
            Some(instruction) => format!("  added by layer {layer}: {}\n", escape_control(instruction)),
            None => format!("  added by layer {layer}\n"),
        };
    }
    if w.dependents.is_empty() {
        out += "  nothing depends on it: removing it should be safe\n";
        return out;
    }
    let mut dependents: Vec<String> = w.dependents.iter().take(SHOWN_DEPENDENTS).map(|d| label(d)).collect();
    if w.dependents.len() > SHOWN_DEPENDENTS {
        dependents.push(format!("… and {} more", w.dependents.len() - SHOWN_DEPENDENTS));
    }
    out += &format!("  depended on by {}: {}\n", w.dependents.len(), dependents.join(", "));
    if w.dev_only {
        out += "  only a development or build dependency: every chain passes a project's dev dependencies\n";
    }
    for chain in &w.chains {
        let steps: Vec<String> = chain.iter().map(|d| label(d)).collect();
        out += &format!("  chain: {}\n", steps.join(" > "));
    }
    out
}
