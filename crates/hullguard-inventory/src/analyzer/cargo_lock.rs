//! Rust crates from `Cargo.lock` (every lockfile version: v1–v4 share the `[[package]]` table),
//! parsed by `hullguard-lockfile`: the workspace's own crates marked as root projects, each crate's
//! `dependencies` resolved to the exact locked crates.

use hullguard_lockfile::{Format, parse};

use super::{Analyzer, LayerFacts};
use crate::package::{Ecosystem, FoundPackage};

pub(super) struct CargoLock;

impl Analyzer for CargoLock {
    fn id(&self) -> &'static str {
        "cargo-lock"
    }

    fn version(&self) -> u32 {
        2
    }

    fn wants(&self, path: &str) -> bool {
        path == "Cargo.lock" || path.ends_with("/Cargo.lock")
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        for locked in parse(Format::CargoLock, content).map_err(|e| e.to_string())? {
            let mut found = FoundPackage::new(Ecosystem::Cargo, locked.name, locked.version, format!("/{path}"));
            found.root_project = locked.local;
            found.depends_on = locked.dependencies;
            facts.packages.push(found);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A diamond (app → left, right → shared) and a crate locked in two versions, named with
    /// their version where the name alone is ambiguous, as Cargo writes them.
    const LOCK: &str = r#"version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["left", "right", "syn 2.0.60"]

[[package]]
name = "left"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["shared", "syn 1.0.109 (registry+https://github.com/rust-lang/crates.io-index)"]

[[package]]
name = "right"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["shared", "missing", "syn"]

[[package]]
name = "shared"
version = "0.3.1"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "syn"
version = "1.0.109"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "syn"
version = "2.0.60"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["shared"]
"#;

    #[test]
    fn lockfile_edges_resolve_to_the_locked_version() {
        let mut facts = LayerFacts::default();
        CargoLock.analyze("src/Cargo.lock", LOCK.as_bytes(), &mut facts).unwrap();
        let got: Vec<(&str, &str, bool, Vec<&str>)> = facts
            .packages
            .iter()
            .map(|p| {
                (p.name.as_str(), p.version.as_str(), p.root_project, p.depends_on.iter().map(String::as_str).collect())
            })
            .collect();
        assert_eq!(
            got,
            [
                ("app", "0.1.0", true, vec!["left@1.0.0", "right@1.0.0", "syn@2.0.60"]),
                ("left", "1.0.0", false, vec!["shared@0.3.1", "syn@1.0.109"]),
                ("right", "1.0.0", false, vec!["shared@0.3.1"]),
                ("shared", "0.3.1", false, vec![]),
                ("syn", "1.0.109", false, vec![]),
                ("syn", "2.0.60", false, vec!["shared@0.3.1"]),
            ]
        );
        assert!(facts.packages.iter().all(|p| p.path == "/src/Cargo.lock"));
    }

    #[test]
    fn refuses_garbage() {
        let mut facts = LayerFacts::default();
        let err = CargoLock.analyze("Cargo.lock", b"[[package]\nname=", &mut facts).unwrap_err();
        assert!(err.starts_with("Cargo.lock: invalid TOML"), "{err}");
        assert!(facts.packages.is_empty());
    }
}
