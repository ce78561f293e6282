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
    mark_cargo_dev_edges(image, &alive, &mut inventory.packages);
    crate::dependency::resolve_bare_names(&mut inventory.packages);
    inventory.packages.sort_unstable();
    inventory.packages.dedup();
    inventory
}

/// Each root crate of a `Cargo.lock` gets as dev edges its edges to the crates that only the
/// dev/build sections of its own manifest name: the surviving `Cargo.toml` below the lockfile's
/// directory whose `[package].name` is the crate's.
fn mark_cargo_dev_edges(
    image: &ImageRead<ScannedLayer>,
    alive: &dyn Fn(&str, usize) -> bool,
    packages: &mut [Package],
) {
    let manifests: Vec<(&str, &crate::analyzer::CargoManifest)> = image
        .layers
        .iter()
        .enumerate()
        .flat_map(|(i, l)| l.output.facts.cargo_manifests.iter().map(move |(path, m)| (i, path, m)))
        .filter(|(i, path, _)| alive(path, *i))
        .map(|(_, path, m)| (path.as_str(), m))
        .collect();
    if manifests.is_empty() {
        return;
    }
    for p in packages.iter_mut().filter(|p| p.found.ecosystem == Ecosystem::Cargo && p.found.root_project) {
        let dir = p.found.path.strip_suffix("Cargo.lock").unwrap_or_default();
        let own = manifests
            .iter()
            .filter(|(path, m)| path.starts_with(dir) && m.name.as_deref() == Some(p.found.name.as_str()))
            .min_by_key(|(path, _)| path.len());
        if let Some((_, manifest)) = own {
            p.found.dev_depends_on = p
                .found
                .depends_on
                .iter()
                .filter(|r| {
                    manifest.dev_only.iter().any(|d| r.strip_prefix(d.as_str()).is_some_and(|v| v.starts_with('@')))
                })
                .cloned()
                .collect();
        }
    }
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
