//! Which ecosystem, name and version the advisories know an inventoried package by.

use hullguard_inventory::{Ecosystem, Inventory, Package};

/// The advisory query of one package: ecosystem key (`Debian:12`, `PyPI` …), package name (the
/// source package for distro packages) and version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PackageQuery {
    /// The advisory ecosystem, with the release for distros (`Debian:12`, `Alpine:v3.20`).
    pub ecosystem: String,
    /// The name advisories use: the source package for Debian, Ubuntu and Alpine.
    pub name: String,
    /// The version advisories compare against.
    pub version: String,
}

/// The query of `p`, or `None` when it cannot be matched (an OS package of an unknown distro
/// release).
pub fn query_of(p: &Package, inventory: &Inventory) -> Option<PackageQuery> {
    let f = &p.found;
    let os = inventory.os.as_ref();
    let release = os.and_then(|o| o.version_id.clone()).unwrap_or_default();
    let major = release.split('.').next().unwrap_or_default().to_owned();
    let distro = |name: &str| format!("{name}:{major}");
    let source = || f.source_name.clone().unwrap_or_else(|| f.name.clone());
    let source_version = || f.source_version.clone().unwrap_or_else(|| f.version.clone());
    let (ecosystem, name, version) = match f.ecosystem {
        Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm if release.is_empty() => return None,
        Ecosystem::Deb => match os.map(|o| o.id.as_str()) {
            Some("debian") => (distro("Debian"), source(), source_version()),
            Some("ubuntu") => (format!("Ubuntu:{release}"), source(), source_version()),
            _ => return None,
        },
        Ecosystem::Apk => {
            let minor: Vec<&str> = release.split('.').take(2).collect();
            (format!("Alpine:v{}", minor.join(".")), source(), f.version.clone())
        }
        Ecosystem::Rpm => match os.map(|o| o.id.as_str()) {
            Some("almalinux") => (distro("AlmaLinux"), f.name.clone(), f.version.clone()),
            Some("rocky") => (distro("Rocky Linux"), f.name.clone(), f.version.clone()),
            _ => return None,
        },
        Ecosystem::PyPI => ("PyPI".into(), f.name.clone(), f.version.clone()),
        Ecosystem::Npm => ("npm".into(), f.name.clone(), f.version.clone()),
        Ecosystem::Cargo => ("crates.io".into(), f.name.clone(), f.version.clone()),
        Ecosystem::Go if f.name == "stdlib" => {
            // `go1.22.5` (maybe with ` X:…` experiments) as Go's advisories spell it: `1.22.5`.
            let v = f.version.split_whitespace().next().unwrap_or_default();
            ("Go".into(), f.name.clone(), v.trim_start_matches("go").to_owned())
        }
        Ecosystem::Go => ("Go".into(), f.name.clone(), f.version.clone()),
        Ecosystem::Maven => ("Maven".into(), f.name.clone(), f.version.clone()),
        Ecosystem::Gem => ("RubyGems".into(), f.name.clone(), f.version.clone()),
        Ecosystem::Composer => ("Packagist".into(), f.name.clone(), f.version.clone()),
        Ecosystem::NuGet => ("NuGet".into(), f.name.clone(), f.version.clone()),
    };
    Some(PackageQuery { ecosystem, name, version })
}

/// Whether the advisory ecosystem is a distro's (vendor ratings win there, and a vendor's
/// "fixed" clears the other records of the vulnerability).
pub fn is_distro(ecosystem: &str) -> bool {
    ["Debian", "Ubuntu", "Alpine", "AlmaLinux", "Rocky Linux"].iter().any(|d| ecosystem.starts_with(d))
}
