//! OS identification from `/etc/os-release` and `/usr/lib/os-release`.

use serde::{Deserialize, Serialize};

use super::{Analyzer, LayerFacts};

/// The fields of os-release that decide which advisories apply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsRelease {
    /// `ID` (debian, alpine, ubuntu, rhel, ...).
    pub id: String,
    /// `VERSION_ID`.
    pub version_id: Option<String>,
    /// `VERSION_CODENAME`.
    pub codename: Option<String>,
    /// `PRETTY_NAME`.
    pub pretty_name: Option<String>,
}

pub(super) struct OsReleaseAnalyzer;

impl Analyzer for OsReleaseAnalyzer {
    fn id(&self) -> &'static str {
        "os-release"
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self, path: &str) -> bool {
        path == "etc/os-release" || path == "usr/lib/os-release"
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        let text = std::str::from_utf8(content).map_err(|_| "not UTF-8".to_string())?;
        let mut os = OsRelease::default();
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else { continue };
            let v = v.trim().trim_matches('"').trim_matches('\'').to_string();
            match k.trim() {
                "ID" => os.id = v,
                "VERSION_ID" => os.version_id = Some(v),
                "VERSION_CODENAME" => os.codename = Some(v),
                "PRETTY_NAME" => os.pretty_name = Some(v),
                _ => {}
            }
        }
        if os.id.is_empty() {
            return Err("no ID line".to_string());
        }
        facts.os.push((format!("/{path}"), os));
        Ok(())
    }
}
