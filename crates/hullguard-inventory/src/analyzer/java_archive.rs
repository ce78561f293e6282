//! Maven artifacts in `.jar`/`.war`/`.ear` files, nested archives included.

use super::{Analyzer, LayerFacts};
use crate::format::java::{JarLimits, parse_jar};
use crate::package::{Ecosystem, FoundPackage};

pub(super) struct JavaArchive;

const EXTENSIONS: [&str; 5] = [".jar", ".war", ".ear", ".jpi", ".hpi"];

impl Analyzer for JavaArchive {
    fn id(&self) -> &'static str {
        "java-archive"
    }

    fn version(&self) -> u32 {
        1
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
        let scan = parse_jar(content, &file, &JarLimits::default()).map_err(|e| e.to_string())?;
        for w in scan.warnings {
            facts.warnings.push(format!("{}: {:?}", w.path, w.kind));
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
