//! Rust crates compiled into executables built with `cargo auditable`, read from the embedded
//! `.dep-v0` dependency list. The workspace's own crates (`source: local`) are kept and marked
//! `root_project`, as the `Cargo.lock` analyzer does; build-only dependencies are kept too (the
//! package model has no field for the dependency kind). Each crate's `dependencies` indices
//! become references to the crates of the same binary.

use hullguard_image::LayerEntry;

use super::{Analyzer, ELF_MAGIC, LayerFacts, MAX_EXECUTABLE, is_executable};
use crate::format::cargo_auditable::{AuditData, Source, parse_cargo_auditable};
use crate::package::{Ecosystem, FoundPackage};

pub(super) struct CargoAuditable;

impl Analyzer for CargoAuditable {
    fn id(&self) -> &'static str {
        "cargo-auditable"
    }

    fn version(&self) -> u32 {
        2
    }

    fn wants(&self, _path: &str) -> bool {
        false
    }

    fn wants_entry(&self, entry: &LayerEntry) -> bool {
        is_executable(entry)
    }

    fn magic(&self) -> Option<&'static [u8]> {
        Some(ELF_MAGIC)
    }

    fn max_size(&self) -> u64 {
        MAX_EXECUTABLE
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        if !content.starts_with(ELF_MAGIC) {
            return Ok(());
        }
        let Some(data) = parse_cargo_auditable(content).map_err(|e| e.to_string())? else { return Ok(()) };
        facts.packages.extend(packages(&data, &format!("/{path}")));
        Ok(())
    }
}

/// The crates of one binary's audit data, found in `file`.
fn packages(data: &AuditData, file: &str) -> Vec<FoundPackage> {
    data.packages
        .iter()
        .map(|p| {
            let mut found = FoundPackage::new(Ecosystem::Cargo, p.name.clone(), p.version.clone(), file.to_string());
            found.root_project = p.source == Source::Local;
            found.depends_on = p
                .dependencies
                .iter()
                .map(|&d| {
                    let dep = &data.packages[d];
                    format!("{}@{}", dep.name, dep.version)
                })
                .collect();
            found.depends_on.sort();
            found.depends_on.dedup();
            found
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::cargo_auditable::parse_audit_json;

    #[test]
    fn dependency_indices_become_references() {
        let json = br#"{"format":1,"packages":[
            {"name":"app","version":"0.1.0","source":"local","dependencies":[2,1],"root":true},
            {"name":"serde","version":"1.0.228","source":"crates.io","dependencies":[3]},
            {"name":"serde_derive","version":"1.0.228","source":"crates.io","kind":"build","dependencies":[3]},
            {"name":"syn","version":"2.0.60","source":"crates.io","kind":"build"}]}"#;
        let found = packages(&parse_audit_json(json).unwrap(), "/usr/bin/app");
        let got: Vec<(&str, bool, Vec<&str>)> = found
            .iter()
            .map(|p| (p.name.as_str(), p.root_project, p.depends_on.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            got,
            [
                ("app", true, vec!["serde@1.0.228", "serde_derive@1.0.228"]),
                ("serde", false, vec!["syn@2.0.60"]),
                ("serde_derive", false, vec!["syn@2.0.60"]),
                ("syn", false, vec![]),
            ]
        );
    }
}
