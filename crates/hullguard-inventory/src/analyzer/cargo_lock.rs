//! Rust crates from `Cargo.lock` (every lockfile version: v1–v4 share the `[[package]]` table),
//! parsed by `hullguard-lockfile`: the workspace's own crates marked as root projects, each crate's
//! `dependencies` resolved to the exact locked crates. A lockfile does not tell dev and build
//! dependencies apart, so the project's `Cargo.toml` files are read too: the crates only their
//! `[dev-dependencies]`/`[build-dependencies]` name (also under `[target.*]`).

use serde::{Deserialize, Serialize};

use hullguard_lockfile::{Format, parse};

use super::{Analyzer, LayerFacts};
use crate::package::{Ecosystem, FoundPackage};

pub(super) struct CargoLock;

/// Largest project `Cargo.toml` read (real ones are a few KiB).
const MAX_MANIFEST: u64 = 1 << 20;

impl Analyzer for CargoLock {
    fn id(&self) -> &'static str {
        "cargo-lock"
    }

    fn version(&self) -> u32 {
        4
    }

    fn wants(&self, path: &str) -> bool {
        path == "Cargo.lock"
            || path.ends_with("/Cargo.lock")
            // Manifests of the project, not of the crates a registry cache or vendor dir holds.
            || ((path == "Cargo.toml" || path.ends_with("/Cargo.toml"))
                && !path.contains(".cargo/registry/")
                && !path.contains("/vendor/"))
    }

    fn wants_entry(&self, entry: &hullguard_image::LayerEntry) -> bool {
        // A manifest only refines the marks of a lockfile's crates: one bigger than any real
        // manifest is passed over silently, so this analyzer adds little to the layer walk.
        self.wants(&entry.path) && (entry.path.ends_with("Cargo.lock") || entry.size <= MAX_MANIFEST)
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        if path.ends_with("Cargo.toml") {
            // A manifest only refines the marks of a lockfile's crates: one that does not parse
            // (a template, a test fixture) is left out without a warning.
            if let Some(manifest) = CargoManifest::parse(content).filter(|m| !m.dev_only.is_empty()) {
                facts.cargo_manifests.push((format!("/{path}"), manifest));
            }
            return Ok(());
        }
        for locked in parse(Format::CargoLock, content).map_err(|e| e.to_string())? {
            let mut found = FoundPackage::new(Ecosystem::Cargo, locked.name, locked.version, format!("/{path}"));
            found.root_project = locked.local;
            found.depends_on = locked.dependencies;
            facts.packages.push(found);
        }
        Ok(())
    }
}

/// What the merge needs of a `Cargo.toml`: the package's name and the crates it depends on only
/// to develop or build it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CargoManifest {
    /// `[package].name` (`None` for a virtual workspace manifest).
    pub name: Option<String>,
    /// Crate names (the `package = …` a dependency is renamed from, else its key) of
    /// `[dev-dependencies]` and `[build-dependencies]` that `[dependencies]` does not name, sorted.
    pub dev_only: Vec<String>,
}

impl CargoManifest {
    /// `None` when `content` is not a TOML table.
    fn parse(content: &[u8]) -> Option<Self> {
        let table: toml::Table = std::str::from_utf8(content).ok()?.parse().ok()?;
        let name = table.get("package").and_then(|p| p.get("name")).and_then(toml::Value::as_str).map(String::from);
        // The tables that declare dependencies: the top level and each `[target.'cfg(…)']`.
        let scopes = std::iter::once(&table).chain(
            table
                .get("target")
                .and_then(toml::Value::as_table)
                .into_iter()
                .flat_map(|t| t.values().filter_map(toml::Value::as_table)),
        );
        let (mut runtime, mut dev) = (Vec::new(), Vec::new());
        for scope in scopes {
            for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
                let Some(deps) = scope.get(section).and_then(toml::Value::as_table) else { continue };
                let into = if section == "dependencies" { &mut runtime } else { &mut dev };
                for (key, spec) in deps {
                    let crate_name = spec.get("package").and_then(toml::Value::as_str).unwrap_or(key);
                    into.push(crate_name.to_string());
                }
            }
        }
        dev.retain(|d| !runtime.contains(d));
        dev.sort();
        dev.dedup();
        Some(CargoManifest { name, dev_only: dev })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_name_their_dev_and_build_only_crates() {
        let manifest = br#"
[package]
name = "app"
[dependencies]
serde = "1"
log = { version = "0.4", package = "log" }
[dev-dependencies]
serde = "1"
proptest = "1"
[build-dependencies]
cc = "1"
[target.'cfg(unix)'.dev-dependencies]
nix-test = { version = "0.1", package = "nix" }
"#;
        let m = CargoManifest::parse(manifest).unwrap();
        assert_eq!(
            m,
            CargoManifest { name: Some("app".into()), dev_only: vec!["cc".into(), "nix".into(), "proptest".into()] }
        );
        assert!(CargoManifest::parse(b"[package\nname=").is_none());
        let mut facts = LayerFacts::default();
        CargoLock.analyze("src/app/Cargo.toml", manifest, &mut facts).unwrap();
        CargoLock
            .analyze("src/lib/Cargo.toml", b"[package]\nname = \"lib\"\n[dependencies]\nx = \"1\"\n", &mut facts)
            .unwrap();
        CargoLock.analyze("src/bad/Cargo.toml", b"not toml [", &mut facts).unwrap();
        assert_eq!(facts.cargo_manifests.len(), 1, "only manifests with dev-only crates are kept");
        assert!(!CargoLock.wants("root/.cargo/registry/src/x/serde-1.0/Cargo.toml"));
        assert!(CargoLock.wants("src/app/Cargo.toml"));
        let entry = |path: &str, size| hullguard_image::LayerEntry {
            path: path.into(),
            kind: hullguard_image::EntryKind::File,
            mode: 0o644,
            uid: 0,
            gid: 0,
            size,
        };
        assert!(CargoLock.wants_entry(&entry("src/app/Cargo.toml", MAX_MANIFEST)));
        assert!(!CargoLock.wants_entry(&entry("src/app/Cargo.toml", MAX_MANIFEST + 1)), "an outsized manifest");
        assert!(CargoLock.wants_entry(&entry("src/app/Cargo.lock", MAX_MANIFEST + 1)), "lockfiles have the usual cap");
    }

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
