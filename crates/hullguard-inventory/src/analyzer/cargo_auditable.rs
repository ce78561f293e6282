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
