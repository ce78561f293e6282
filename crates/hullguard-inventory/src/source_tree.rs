//! Inventory of a source tree from its lockfiles (`hullguard fs DIR`): what each lockfile pins,
//! with the lockfile's path as evidence. The scan engine walks the tree and hands each lockfile
//! over.

use hullguard_lockfile::{Format, parse};

use crate::Inventory;
use crate::package::{Ecosystem, FoundPackage, Package, purl};

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

/// Adds the packages the lockfile `shown` (`/app/package-lock.json`, of `format`) pins, read
/// as `bytes`, to `inventory`, with the lockfile's path as evidence; a lockfile that does not
/// parse becomes a warning.
pub fn add_lockfile(inventory: &mut Inventory, shown: &str, format: Format, bytes: &[u8]) {
    match parse(format, bytes) {
        Ok(list) => {
            for l in list {
                let mut found = FoundPackage::new(ecosystem(format), l.name, l.version, shown.to_owned());
                found.root_project = l.local;
                found.depends_on = l.dependencies;
                inventory.packages.push(Package { purl: purl(&found, None, None), found, layer: None, diff_id: None });
            }
        }
        Err(problem) => inventory.warnings.push(format!("{shown}: {problem}")),
    }
}
