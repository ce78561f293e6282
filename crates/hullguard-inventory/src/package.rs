//! Packages: what an analyzer finds in one layer, and what the inventory reports.

use serde::{Deserialize, Serialize};

/// Package ecosystems, named as OSV names them where it has a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Ecosystem {
    /// Debian/Ubuntu packages from the dpkg database.
    #[serde(rename = "deb")]
    Deb,
    /// RPM packages (RHEL, Alma, Rocky, Fedora, SUSE, Mariner).
    #[serde(rename = "rpm")]
    Rpm,
    /// Alpine packages.
    #[serde(rename = "apk")]
    Apk,
    /// Python distributions.
    #[serde(rename = "pypi")]
    PyPI,
    /// npm packages.
    #[serde(rename = "npm")]
    Npm,
    /// Rust crates.
    #[serde(rename = "cargo")]
    Cargo,
    /// Go modules (and the Go standard library, as `stdlib`).
    #[serde(rename = "golang")]
    Go,
    /// Maven artifacts (`group:artifact`).
    #[serde(rename = "maven")]
    Maven,
    /// Ruby gems.
    #[serde(rename = "gem")]
    Gem,
    /// PHP Composer packages (`vendor/name`).
    #[serde(rename = "composer")]
    Composer,
    /// .NET NuGet packages.
    #[serde(rename = "nuget")]
    NuGet,
}

impl Ecosystem {
    /// The purl type.
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Deb => "deb",
            Ecosystem::Rpm => "rpm",
            Ecosystem::Apk => "apk",
            Ecosystem::PyPI => "pypi",
            Ecosystem::Npm => "npm",
            Ecosystem::Cargo => "cargo",
            Ecosystem::Go => "golang",
            Ecosystem::Maven => "maven",
            Ecosystem::Gem => "gem",
            Ecosystem::Composer => "composer",
            Ecosystem::NuGet => "nuget",
        }
    }

    /// The ecosystem of a purl type (`None` for types hullguard does not inventory: `oci`,
    /// `docker`, `generic` …).
    pub fn from_purl_type(purl_type: &str) -> Option<Self> {
        Some(match purl_type {
            "deb" => Ecosystem::Deb,
            "rpm" => Ecosystem::Rpm,
            "apk" => Ecosystem::Apk,
            "pypi" => Ecosystem::PyPI,
            "npm" => Ecosystem::Npm,
            "cargo" => Ecosystem::Cargo,
            "golang" => Ecosystem::Go,
            "maven" => Ecosystem::Maven,
            "gem" => Ecosystem::Gem,
            "composer" => Ecosystem::Composer,
            "nuget" => Ecosystem::NuGet,
            _ => return None,
        })
    }
}

/// A package as one analyzer saw it in one layer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FoundPackage {
    /// Ecosystem.
    pub ecosystem: Ecosystem,
    /// Name as the package metadata spells it.
    pub name: String,
    /// Version as the package metadata spells it.
    pub version: String,
    /// Source package name (dpkg), when it differs or is known.
    pub source_name: Option<String>,
    /// Source package version (dpkg).
    pub source_version: Option<String>,
    /// Architecture (OS packages).
    pub arch: Option<String>,
    /// Declared licence.
    pub license: Option<String>,
    /// The file the package was found in (`/var/lib/dpkg/status`, a `METADATA`, a `package.json`,
    /// `outer.jar!/BOOT-INF/lib/inner.jar` inside an archive).
    pub path: String,
    /// True for the project an npm lockfile describes (not an installed dependency).
    pub root_project: bool,
    /// The packages this one depends on, sorted, as `name@version` of another package of the
    /// same ecosystem: the one found in the same file (lockfiles, binaries), else for npm the one
    /// Node's `node_modules` lookup finds, else the one with the shortest path. The npm analyzer
    /// writes bare names, which the merge resolves against what is installed; dpkg resolves
    /// `Depends`/`Pre-Depends` within its status file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// The part of `depends_on` a project needs only to develop or build it (the npm
    /// lockfile root's `devDependencies`), in the same form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dev_depends_on: Vec<String>,
}

impl FoundPackage {
    /// A package with only the common fields set.
    pub fn new(ecosystem: Ecosystem, name: String, version: String, path: String) -> Self {
        FoundPackage {
            ecosystem,
            name,
            version,
            source_name: None,
            source_version: None,
            arch: None,
            license: None,
            path,
            root_project: false,
            depends_on: Vec::new(),
            dev_depends_on: Vec::new(),
        }
    }

    /// The file of the image the package was found in (the outer archive for nested ones).
    pub fn file(&self) -> &str {
        self.path.split_once("!/").map_or(self.path.as_str(), |(outer, _)| outer)
    }
}

/// A package of the final image.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Package {
    /// What was found.
    #[serde(flatten)]
    pub found: FoundPackage,
    /// Package URL.
    pub purl: crate::Purl,
    /// Index of the layer that installed it (unknown for packages read from a foreign SBOM).
    pub layer: Option<usize>,
    /// `diff_id` of that layer.
    pub diff_id: Option<String>,
}
