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
    /// writes bare names, which the merge resolves against what is installed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
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
        }
    }

    /// The file of the image the package was found in (the outer archive for nested ones).
    pub fn file(&self) -> &str {
        self.path.split_once("!/").map_or(self.path.as_str(), |(outer, _)| outer)
    }
}

/// A package of the final image.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Package {
    /// What was found.
    #[serde(flatten)]
    pub found: FoundPackage,
    /// Package URL.
    pub purl: String,
    /// Index of the layer that installed it (unknown for packages read from a foreign SBOM).
    pub layer: Option<usize>,
    /// `diff_id` of that layer.
    pub diff_id: Option<String>,
}

/// Percent-encode a purl component (RFC 3986 unreserved characters pass).
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Build the purl of a package; `distro` is e.g. `debian-12` for OS packages.
pub fn purl(p: &FoundPackage, os_id: Option<&str>, distro: Option<&str>) -> String {
    match p.ecosystem {
        Ecosystem::Deb | Ecosystem::Rpm | Ecosystem::Apk => {
            let default_ns = match p.ecosystem {
                Ecosystem::Deb => "debian",
                Ecosystem::Apk => "alpine",
                _ => "redhat",
            };
            // The rpm purl type keeps the epoch out of the version, as the `epoch` qualifier.
            let (epoch, version) = match p.version.split_once(':') {
                Some((e, v))
                    if p.ecosystem == Ecosystem::Rpm && !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    (Some(e), v)
                }
                _ => (None, p.version.as_str()),
            };
            let mut s = format!(
                "pkg:{}/{}/{}@{}",
                p.ecosystem.purl_type(),
                encode(os_id.unwrap_or(default_ns)),
                encode(&p.name),
                encode(version)
            );
            // Qualifiers in the canonical (sorted) order.
            let mut q = Vec::new();
            if let Some(a) = &p.arch {
                q.push(format!("arch={}", encode(a)));
            }
            if let Some(d) = distro {
                q.push(format!("distro={}", encode(d)));
            }
            if let Some(e) = epoch {
                q.push(format!("epoch={e}"));
            }
            if !q.is_empty() {
                s.push('?');
                s.push_str(&q.join("&"));
            }
            s
        }
        Ecosystem::PyPI => {
            format!("pkg:pypi/{}@{}", encode(&crate::pep503_name(&p.name)), encode(&p.version))
        }
        Ecosystem::Npm => match p.name.split_once('/') {
            Some((scope, name)) if scope.starts_with('@') => {
                format!("pkg:npm/{}/{}@{}", encode(scope), encode(name), encode(&p.version))
            }
            _ => format!("pkg:npm/{}@{}", encode(&p.name), encode(&p.version)),
        },
        Ecosystem::Cargo | Ecosystem::Gem | Ecosystem::NuGet => {
            format!("pkg:{}/{}@{}", p.ecosystem.purl_type(), encode(&p.name), encode(&p.version))
        }
        Ecosystem::Composer => match p.name.split_once('/') {
            Some((vendor, name)) => format!("pkg:composer/{}/{}@{}", encode(vendor), encode(name), encode(&p.version)),
            None => format!("pkg:composer/{}@{}", encode(&p.name), encode(&p.version)),
        },
        Ecosystem::Go => {
            let path: Vec<String> = p.name.split('/').map(encode).collect();
            format!("pkg:golang/{}@{}", path.join("/"), encode(&p.version))
        }
        Ecosystem::Maven => match p.name.split_once(':') {
            Some((group, artifact)) => {
                format!("pkg:maven/{}/{}@{}", encode(group), encode(artifact), encode(&p.version))
            }
            None => format!("pkg:maven/{}@{}", encode(&p.name), encode(&p.version)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(ecosystem: Ecosystem, name: &str, version: &str) -> FoundPackage {
        FoundPackage {
            ecosystem,
            name: name.into(),
            version: version.into(),
            source_name: None,
            source_version: None,
            arch: Some("amd64".into()),
            license: None,
            path: String::new(),
            root_project: false,
            depends_on: Vec::new(),
        }
    }

    #[test]
    fn purls() {
        assert_eq!(
            purl(&found(Ecosystem::Deb, "bsdutils", "1:2.38.1-5+deb12u3"), Some("debian"), Some("debian-12")),
            "pkg:deb/debian/bsdutils@1%3A2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12"
        );
        assert_eq!(
            purl(&found(Ecosystem::Rpm, "shadow-utils", "2:4.9-12.el9"), Some("rocky"), Some("rocky-9.3")),
            "pkg:rpm/rocky/shadow-utils@4.9-12.el9?arch=amd64&distro=rocky-9.3&epoch=2"
        );
        assert_eq!(
            purl(&found(Ecosystem::Rpm, "bash", "5.1.8-9.el9"), Some("rocky"), None),
            "pkg:rpm/rocky/bash@5.1.8-9.el9?arch=amd64"
        );
        assert_eq!(purl(&found(Ecosystem::PyPI, "PyYAML", "5.3.1"), None, None), "pkg:pypi/pyyaml@5.3.1");
        assert_eq!(purl(&found(Ecosystem::Npm, "@babel/core", "7.0.0"), None, None), "pkg:npm/%40babel/core@7.0.0");
    }
}
