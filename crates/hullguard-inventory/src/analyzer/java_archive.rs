//! Maven artifacts in `.jar`/`.war`/`.ear` files, nested archives included.

use super::{Analyzer, LayerFacts};
use crate::format::java::{JarLimits, JarWarning, WarningKind, parse_jar};
use crate::package::{Ecosystem, FoundPackage};

pub(super) struct JavaArchive;

const EXTENSIONS: [&str; 5] = [".jar", ".war", ".ear", ".jpi", ".hpi"];

impl Analyzer for JavaArchive {
    fn id(&self) -> &'static str {
        "java-archive"
    }

    fn version(&self) -> u32 {
        2
    }

    fn wants(&self, path: &str) -> bool {
        let lower = path.to_ascii_lowercase();
        EXTENSIONS.iter().any(|e| lower.ends_with(e))
    }

    fn max_size(&self) -> u64 {
        512 << 20
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        let file = format!("/{path}");
        let limits = JarLimits::default();
        let scan = parse_jar(content, &file, &limits).map_err(|e| e.to_string())?;
        for w in scan.warnings {
            facts.warnings.push(format!("{}: java-archive: {}", w.path, explain(&w, &limits)));
        }
        for p in scan.packages {
            let name = match &p.group_id {
                Some(g) => format!("{g}:{}", p.artifact_id),
                None => p.artifact_id.clone(),
            };
            facts.packages.push(FoundPackage::new(Ecosystem::Maven, name, p.version, p.path));
        }
        Ok(())
    }
}

/// What a limit hit or damaged part means, in words, with the limit that applied.
fn explain(w: &JarWarning, limits: &JarLimits) -> String {
    let nested = [".jar", ".war", ".ear"].iter().any(|e| w.path.to_ascii_lowercase().ends_with(e));
    match &w.kind {
        WarningKind::DepthLimit => format!("nested deeper than {} archives; not opened", limits.max_depth),
        WarningKind::CompressionRatio => {
            format!("expands more than {}x (compression ratio cap); skipped", limits.max_compression_ratio)
        }
        WarningKind::EntryTooLarge if nested => {
            format!("over the {} byte cap for a nested archive; skipped", limits.max_nested_size)
        }
        WarningKind::EntryTooLarge => {
            format!("over the {} byte cap for a metadata file; skipped", limits.max_metadata_size)
        }
        WarningKind::TotalSizeLimit => {
            format!("the archive's budget of {} decompressed bytes is used up; skipped", limits.max_total_uncompressed)
        }
        WarningKind::EntryLimit => {
            format!("more than {} zip entries in the archive; the rest skipped", limits.max_entries)
        }
        WarningKind::Unreadable(why) => format!("unreadable ({why}); skipped"),
    }
}
