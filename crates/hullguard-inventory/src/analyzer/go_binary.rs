//! Go modules compiled into executables: the main module, every dependency, and the standard
//! library at the binary's Go version (`stdlib`, as Go's own advisories name it).

use hullguard_image::LayerEntry;

use super::{Analyzer, ELF_MAGIC, LayerFacts, MAX_EXECUTABLE, is_executable};
use crate::format::go::parse_go_buildinfo;
use crate::package::{Ecosystem, FoundPackage};

pub(super) struct GoBinary;

impl Analyzer for GoBinary {
    fn id(&self) -> &'static str {
        "go-binary"
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
        let Some(info) = parse_go_buildinfo(content).map_err(|e| e.to_string())? else { return Ok(()) };
        let file = format!("/{path}");
        let mut push = |name: &str, version: &str| {
            if !name.is_empty() && !version.is_empty() {
                facts.packages.push(FoundPackage::new(
                    Ecosystem::Go,
                    name.to_string(),
                    version.to_string(),
                    file.clone(),
                ));
            }
        };
        if let Some(main) = &info.main {
            push(&main.path, &main.version);
        }
        for dep in &info.deps {
            let used = dep.replace.as_deref().unwrap_or(dep);
            push(&used.path, &used.version);
        }
        push("stdlib", &info.go_version);
        Ok(())
    }
}
