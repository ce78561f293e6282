//! Rust crates from `Cargo.lock` (every lockfile version: v1–v4 share the `[[package]]` table).

use serde::Deserialize;

use super::{Analyzer, LayerFacts};
use crate::package::{Ecosystem, FoundPackage};

pub(super) struct CargoLock;

#[derive(Deserialize)]
struct Lockfile {
    #[serde(default)]
    package: Vec<LockedPackage>,
}

#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    version: String,
    /// `registry+…` or `git+…`; absent for the workspace's own crates.
    source: Option<String>,
}

impl Analyzer for CargoLock {
    fn id(&self) -> &'static str {
        "cargo-lock"
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self, path: &str) -> bool {
        path == "Cargo.lock" || path.ends_with("/Cargo.lock")
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        let text = std::str::from_utf8(content).map_err(|_| "not UTF-8".to_string())?;
        let lock: Lockfile = toml::from_str(text).map_err(|e| format!("invalid TOML: {}", e.message()))?;
        for p in lock.package {
            let mut found = FoundPackage::new(Ecosystem::Cargo, p.name, p.version, format!("/{path}"));
            found.root_project = p.source.is_none();
            facts.packages.push(found);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lockfile_and_refuses_garbage() {
        let lock = b"version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"memchr\"\nversion = \"2.7.4\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
        let mut facts = LayerFacts::default();
        CargoLock.analyze("src/Cargo.lock", lock, &mut facts).unwrap();
        let got: Vec<(&str, &str, bool)> =
            facts.packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.root_project)).collect();
        assert_eq!(got, [("app", "0.1.0", true), ("memchr", "2.7.4", false)]);
        assert!(
            CargoLock.analyze("Cargo.lock", b"[[package]\nname=", &mut facts).unwrap_err().starts_with("invalid TOML")
        );
    }
}
