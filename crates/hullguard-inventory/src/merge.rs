//! The inventory of the final image: only what survives in the final filesystem, each package
//! credited to the layer that installed it.

use std::collections::BTreeMap;

use hullguard_image::{ImageRead, MergedFs};
use serde::{Deserialize, Serialize};

use crate::analyzer::OsRelease;
use crate::format::go_symbols::GoSymbols;
use crate::package::{Ecosystem, FoundPackage, Package};
use crate::purl::Purl;
use crate::scan::ScannedLayer;

/// Everything installed in an image.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Inventory {
    /// The OS, from the os-release file of the final filesystem.
    pub os: Option<OsRelease>,
    /// Packages, sorted by ecosystem, name, version, path.
    pub packages: Vec<Package>,
    /// Per-file problems met on the way.
    pub warnings: Vec<String>,
    /// What could not be read although it can decide findings (a package database over its
    /// size cap, an SBOM component that names no package we can identify), one line each:
    /// `<path>: <analyzer>: <what was not read>` (for an image, also in `warnings`). A scan with
    /// any is incomplete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<String>,
    /// The functions of each Go binary of the final filesystem, by path (empty when the symbols
    /// were not read): what reachability decides on. Not part of the inventory's output.
    #[serde(skip)]
    pub go_symbols: BTreeMap<String, GoSymbols>,
}

/// Merge the per-layer results of `image` into its inventory.
pub fn merge(image: &ImageRead<ScannedLayer>) -> hullguard_image::Result<Inventory> {
    let fs = MergedFs::build(&image.meta.source, image.layers.iter().map(|l| l.output.entries.as_slice()))?;
    Ok(merge_in(image, &fs))
}

/// [`merge`] with the merged filesystem of the same layers already built (the scan engine
/// builds it once for the inventory and the image checks).
#[must_use]
pub fn merge_in(image: &ImageRead<ScannedLayer>, fs: &MergedFs) -> Inventory {
    let alive = |path: &str, layer: usize| fs.get(path).is_some_and(|e| e.layer == layer);
    let mut inventory = Inventory::default();
    for (i, layer) in image.layers.iter().enumerate() {
        let facts = &layer.output.facts;
        inventory.warnings.extend(facts.warnings.iter().cloned());
        inventory.incomplete.extend(facts.incomplete.iter().filter(|(path, _)| alive(path, i)).map(|(_, w)| w.clone()));
        for (path, symbols) in &facts.go_symbols {
            if alive(path, i) {
                inventory.go_symbols.insert(path.clone(), symbols.clone());
            }
        }
        for (path, os) in &facts.os {
            if alive(path, i) && (inventory.os.is_none() || path == "/etc/os-release") {
                inventory.os = Some(os.clone());
            }
        }
    }
    let os_id = inventory.os.as_ref().map(|o| o.id.clone());
    let distro = inventory.os.as_ref().and_then(|o| o.version_id.as_ref().map(|v| format!("{}-{v}", o.id)));
    for (i, layer) in image.layers.iter().enumerate() {
        for found in layer.output.facts.packages.iter().filter(|p| alive(p.file(), i)) {
            let installed_in = match found.ecosystem {
                // A database file rewritten by a later layer lists old packages again: credit each
                // to the first layer whose copy of the same file already had it.
                Ecosystem::Deb | Ecosystem::Rpm | Ecosystem::Apk => first_layer_with(image, found).unwrap_or(i),
                _ => i,
            };
            inventory.packages.push(Package {
                purl: Purl::of(found, os_id.as_deref(), distro.as_deref()),
                found: found.clone(),
                layer: Some(installed_in),
                diff_id: image.meta.layers.get(installed_in).and_then(|l| l.diff_id.as_ref()).map(ToString::to_string),
            });
        }
    }
    crate::dependency::resolve_bare_names(&mut inventory.packages);
    inventory.packages.sort_unstable();
    inventory.packages.dedup();
    inventory
}

fn first_layer_with(image: &ImageRead<ScannedLayer>, p: &FoundPackage) -> Option<usize> {
    image.layers.iter().position(|l| {
        l.output.facts.packages.iter().any(|q| {
            q.ecosystem == p.ecosystem
                && q.name == p.name
                && q.version == p.version
                && q.arch == p.arch
                && q.path == p.path
        })
    })
}
