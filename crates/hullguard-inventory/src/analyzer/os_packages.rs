//! RPM (rpmdb in all three backends) and Alpine (`lib/apk/db/installed`) package databases.

use super::{Analyzer, LayerFacts};
use crate::format::osdb::{OsPackage, parse_apk_installed, parse_rpmdb};
use crate::package::{Ecosystem, FoundPackage};

/// Where rpm keeps its database, old and new locations, every backend.
const RPMDB_PATHS: [&str; 6] = [
    "var/lib/rpm/Packages",
    "var/lib/rpm/Packages.db",
    "var/lib/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/Packages",
    "usr/lib/sysimage/rpm/Packages.db",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
];

pub(super) struct Rpm;

pub(super) struct Apk;

fn found(ecosystem: Ecosystem, p: OsPackage, version: String, path: &str) -> FoundPackage {
    FoundPackage {
        ecosystem,
        name: p.name,
        version,
        source_name: p.source_name,
        source_version: p.source_version,
        arch: p.arch,
        license: p.license,
        path: format!("/{path}"),
        root_project: false,
        depends_on: Vec::new(),
        dev_depends_on: Vec::new(),
    }
}

impl Analyzer for Rpm {
    fn id(&self) -> &'static str {
        "rpmdb"
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self, path: &str) -> bool {
        RPMDB_PATHS.contains(&path)
    }

    fn max_size(&self) -> u64 {
        512 << 20
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        for p in parse_rpmdb(content).map_err(|e| e.to_string())? {
            // `[epoch:]version-release`, the form rpm advisories compare.
            let mut evr = p.epoch.map(|e| format!("{e}:")).unwrap_or_default();
            evr.push_str(&p.version);
            if let Some(r) = &p.release {
                evr.push('-');
                evr.push_str(r);
            }
            facts.packages.push(found(Ecosystem::Rpm, p, evr, path));
        }
        Ok(())
    }
}

impl Analyzer for Apk {
    fn id(&self) -> &'static str {
        "apk"
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self, path: &str) -> bool {
        path == "lib/apk/db/installed"
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        for p in parse_apk_installed(content).map_err(|e| e.to_string())? {
            let version = p.version.clone();
            facts.packages.push(found(Ecosystem::Apk, p, version, path));
        }
        Ok(())
    }
}
