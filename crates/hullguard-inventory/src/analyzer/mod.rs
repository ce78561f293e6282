//! Analyzers: small units that each say which paths they want and turn a file's content into
//! facts. The layer scan hands every entry only to the analyzers that want it.

mod cargo_lock;
mod dpkg;
mod executable;
mod java_archive;
mod lang_manifests;
mod npm;
mod os_packages;
mod os_release;
mod python;

use serde::{Deserialize, Serialize};

use crate::format::go_symbols::GoSymbols;
use crate::package::FoundPackage;

pub use cargo_lock::CargoManifest;
pub use os_release::OsRelease;

/// What analyzers found in one layer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LayerFacts {
    /// Packages, with the path of the file each was found in.
    pub packages: Vec<FoundPackage>,
    /// OS identification, with the path it came from.
    pub os: Vec<(String, OsRelease)>,
    /// Per-file problems (unparseable metadata, files over the size cap); the scan goes on.
    pub warnings: Vec<String>,
    /// Files not read that can decide findings, as (path, `<path>: <analyzer>: <what>`); they
    /// count if the file survives in the final filesystem.
    #[serde(default)]
    pub incomplete: Vec<(String, String)>,
    /// The functions of each Go binary, as (path, functions): the evidence of reachability.
    #[serde(default)]
    pub go_symbols: Vec<(String, GoSymbols)>,
    /// Cargo manifests that name development or build dependencies, as (path, manifest): the
    /// merge marks the matching root crate's edges to them ([`FoundPackage::dev_depends_on`]).
    #[serde(default)]
    pub cargo_manifests: Vec<(String, cargo_lock::CargoManifest)>,
}

/// The id of the analyzer that reads Go binaries' functions: a scan without reachability leaves
/// it out.
pub const GO_SYMBOLS_ANALYZER: &str = executable::GO_FUNCTIONS_ID;

/// One analyzer.
pub trait Analyzer: Send + Sync {
    /// Stable kebab-case id.
    fn id(&self) -> &'static str;
    /// Bumped whenever the analyzer's output for the same input changes (cache key).
    fn version(&self) -> u32;
    /// Whether the file at `path` (normalised, no leading `/`) is wanted. Must be cheap.
    fn wants(&self, path: &str) -> bool;
    /// Whether this entry is wanted; by default decided by its path alone.
    fn wants_entry(&self, entry: &hullguard_image::LayerEntry) -> bool {
        self.wants(&entry.path)
    }
    /// The bytes every file this analyzer can use starts with (e.g. the ELF magic): files that
    /// do not are dropped after reading their first bytes, never read whole.
    fn magic(&self) -> Option<&'static [u8]> {
        None
    }
    /// Largest file this analyzer reads; bigger ones are skipped with a warning.
    fn max_size(&self) -> u64 {
        64 << 20
    }
    /// Analyze one wanted file. `Err` is a per-file warning, not a failure of the scan.
    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String>;
}

/// The built-in analyzers.
pub fn builtin() -> Vec<Box<dyn Analyzer>> {
    vec![
        Box::new(os_release::OsReleaseAnalyzer),
        Box::new(dpkg::Dpkg),
        Box::new(os_packages::Rpm),
        Box::new(os_packages::Apk),
        Box::new(python::PythonMetadata),
        Box::new(npm::Npm),
        Box::new(cargo_lock::CargoLock),
        Box::new(executable::ElfExecutable),
        Box::new(executable::GoFunctions),
        Box::new(java_archive::JavaArchive),
        Box::new(lang_manifests::Gemspec),
        Box::new(lang_manifests::ComposerInstalled),
        Box::new(lang_manifests::DotnetDeps),
    ]
}

/// Split RFC 822-style `Key: value` headers (with continuation lines) of one stanza.
pub(crate) fn headers(stanza: &str) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = Vec::new();
    for line in stanza.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim(), v.trim().to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<&str> = builtin().iter().map(|a| a.id()).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
