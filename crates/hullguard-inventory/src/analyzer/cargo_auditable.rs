//! Rust crates compiled into executables built with `cargo auditable`, read from the embedded
//! `.dep-v0` dependency list. The workspace's own crates (`source: local`) are kept and marked
//! `root_project`, as the `Cargo.lock` analyzer does; build-only dependencies are kept too (the
//! package model has no field for the dependency kind).

use hullguard_image::LayerEntry;

use super::{Analyzer, ELF_MAGIC, LayerFacts, MAX_EXECUTABLE, is_executable};
use crate::format::cargo_auditable::{Source, parse_cargo_auditable};
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
        let file = format!("/{path}");
        for p in data.packages {
            let mut found = FoundPackage::new(Ecosystem::Cargo, p.name, p.version, file.clone());
            found.root_project = p.source == Source::Local;
            facts.packages.push(found);
        }
        Ok(())
    }
}
