//! Inventory of a source tree from its lockfiles (`hullguard fs DIR`): what each lockfile pins,
//! with the lockfile's path as evidence. Symlinks are not followed; vendored and VCS directories
//! are skipped.

use std::path::Path;

use hullguard_lockfile::{Format, detect, parse};

use crate::Inventory;
use crate::package::{Ecosystem, FoundPackage, Package, purl};

/// Directories not descended into: VCS metadata and installed dependencies (their lockfiles
/// describe other projects).
const SKIP_DIRS: [&str; 5] = [".git", ".hg", "node_modules", ".venv", "target"];

/// Most files visited before the walk stops with a warning.
const MAX_FILES: usize = 1_000_000;

fn ecosystem(format: Format) -> Ecosystem {
    match format {
        Format::RequirementsTxt | Format::PoetryLock | Format::PipfileLock | Format::UvLock => Ecosystem::PyPI,
        Format::PackageLock | Format::YarnLock | Format::PnpmLock => Ecosystem::Npm,
        Format::CargoLock => Ecosystem::Cargo,
        Format::GoMod => Ecosystem::Go,
        Format::GemfileLock => Ecosystem::Gem,
        Format::ComposerLock => Ecosystem::Composer,
        Format::NugetPackagesLock => Ecosystem::NuGet,
        Format::GradleLockfile | Format::PomXml => Ecosystem::Maven,
    }
}

/// Inventory every lockfile under `root`. Unreadable or invalid lockfiles become warnings.
pub fn scan_source_tree(root: &Path) -> Result<Inventory, String> {
    let meta = std::fs::symlink_metadata(root).map_err(|e| format!("{}: {e}", root.display()))?;
    if !meta.is_dir() {
        return Err(format!("{}: not a directory", root.display()));
    }
    let mut inventory = Inventory::default();
    let mut stack = vec![String::new()];
    let mut visited = 0usize;
    while let Some(rel) = stack.pop() {
        let dir = root.join(&rel);
        let Ok(read) = std::fs::read_dir(&dir) else {
            inventory.warnings.push(format!("{}: cannot read directory", dir.display()));
            continue;
        };
        let mut items: Vec<_> = read.filter_map(Result::ok).collect();
        items.sort_by_key(std::fs::DirEntry::file_name);
        for item in items.into_iter().rev() {
            visited += 1;
            if visited > MAX_FILES {
                inventory.warnings.push(format!("more than {MAX_FILES} files; the rest is not scanned"));
                return Ok(finish(inventory));
            }
            let Ok(name) = item.file_name().into_string() else { continue };
            let path = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            let Ok(ft) = item.file_type() else { continue };
            if ft.is_dir() {
                if !SKIP_DIRS.contains(&name.as_str()) {
                    stack.push(path);
                }
            } else if ft.is_file()
                && let Some(format) = detect(&name)
            {
                read_lockfile(root, &path, format, &mut inventory);
            }
        }
    }
    Ok(finish(inventory))
}

fn read_lockfile(root: &Path, path: &str, format: Format, inventory: &mut Inventory) {
    let shown = format!("/{path}");
    let locked = std::fs::read(root.join(path))
        .map_err(|e| e.to_string())
        .and_then(|b| parse(format, &b).map_err(|e| e.to_string()));
    match locked {
        Ok(list) => {
            for l in list {
                let mut found = FoundPackage::new(ecosystem(format), l.name, l.version, shown.clone());
                found.root_project = l.local;
                found.depends_on = l.dependencies;
                inventory.packages.push(Package { purl: purl(&found, None, None), found, layer: None, diff_id: None });
            }
        }
        Err(problem) => inventory.warnings.push(format!("{shown}: {problem}")),
    }
}

fn finish(mut inventory: Inventory) -> Inventory {
    inventory.packages.sort_unstable();
    inventory.packages.dedup();
    inventory
}
