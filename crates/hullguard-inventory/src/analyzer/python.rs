//! Python distributions from `*.dist-info/METADATA` and `*.egg-info/PKG-INFO` (or an
//! `*.egg-info` file).

use super::{Analyzer, LayerFacts, headers};
use crate::package::{Ecosystem, FoundPackage};

pub(super) struct PythonMetadata;

impl Analyzer for PythonMetadata {
    fn id(&self) -> &'static str {
        "python-dist-info"
    }

    fn version(&self) -> u32 {
        2
    }

    fn wants(&self, path: &str) -> bool {
        path.ends_with(".dist-info/METADATA") || path.ends_with(".egg-info/PKG-INFO") || path.ends_with(".egg-info")
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        let text = String::from_utf8_lossy(content);
        // Headers end at the first blank line; the long description follows.
        let head = text.split("\n\n").next().unwrap_or("");
        let mut name = None;
        let mut version = None;
        let mut license = None;
        let mut expression = None;
        for (k, v) in headers(head) {
            match k {
                "Name" => name = Some(v),
                "Version" => version = Some(v),
                "License" if !v.is_empty() && v != "UNKNOWN" => {
                    license = Some(v.lines().next().unwrap_or("").to_string())
                }
                "License-Expression" => expression = Some(v),
                _ => {}
            }
        }
        // Core metadata is UTF-8; old `PKG-INFO` files in Latin-1 still name themselves in ASCII,
        // so text is read leniently and only a missing field is a problem.
        let binary = std::str::from_utf8(content).is_err();
        let missing = |field: &str| {
            if binary { format!("no {field} header (not UTF-8 text)") } else { format!("no {field} header") }
        };
        let name = name.filter(|n| !n.is_empty()).ok_or_else(|| missing("Name"))?;
        let version = version.filter(|v| !v.is_empty()).ok_or_else(|| missing("Version"))?;
        let mut p = FoundPackage::new(Ecosystem::PyPI, name, version, format!("/{path}"));
        p.license = expression.or(license);
        facts.packages.push(p);
        Ok(())
    }
}
