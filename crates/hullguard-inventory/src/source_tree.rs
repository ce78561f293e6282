//! Inventory of a source tree from its lockfiles (`hullguard fs DIR`): what each lockfile pins,
//! with the lockfile's path as evidence. The scan engine walks the tree and hands each lockfile
//! over.

use hullguard_lockfile::{Format, parse};

use crate::Inventory;
use crate::package::{Ecosystem, FoundPackage, Package};
use crate::purl::Purl;

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
/// parse becomes a warning, and one over the size cap also makes the inventory incomplete.
pub fn add_lockfile(inventory: &mut Inventory, shown: &str, format: Format, bytes: &[u8]) {
    match parse(format, bytes) {
        Ok(list) => {
            for l in list {
                let mut found = FoundPackage::new(ecosystem(format), l.name, l.version, shown.to_owned());
                found.root_project = l.local;
                found.depends_on = l.dependencies;
                inventory.packages.push(Package {
                    purl: Purl::of(&found, None, None),
                    found,
                    layer: None,
                    diff_id: None,
                });
            }
        }
        Err(problem) => add_lockfile_problem(inventory, shown, &problem),
    }
}

/// Records why the lockfile `shown` was not read: a warning, and over the size cap also an
/// incomplete inventory (what it pins is unknown).
pub fn add_lockfile_problem(inventory: &mut Inventory, shown: &str, problem: &hullguard_lockfile::Error) {
    let said = format!("{shown}: {problem}");
    if matches!(problem, hullguard_lockfile::Error::TooLarge { .. }) {
        inventory.incomplete.push(said.clone());
    }
    inventory.warnings.push(said);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lockfile_over_the_cap_makes_the_inventory_incomplete_and_a_broken_one_only_warns() {
        let mut inventory = Inventory::default();
        let big = vec![b'#'; hullguard_lockfile::MAX_INPUT_BYTES + 1];
        add_lockfile(&mut inventory, "/big/requirements.txt", Format::RequirementsTxt, &big);
        add_lockfile(&mut inventory, "/bad/Cargo.lock", Format::CargoLock, b"[[package]\nname =");
        assert_eq!(inventory.incomplete.len(), 1, "{:?}", inventory.incomplete);
        assert!(inventory.incomplete[0].starts_with("/big/requirements.txt: "), "{:?}", inventory.incomplete);
        assert_eq!(inventory.warnings.len(), 2, "{:?}", inventory.warnings);
        assert!(inventory.packages.is_empty());
    }
}
