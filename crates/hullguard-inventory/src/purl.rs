//! Package URLs (the purl specification): the one place hullguard builds ([`Purl::of`]), parses
//! ([`Purl::parse`]), rewrites ([`Purl::with_qualifier`], [`Purl::without_qualifier`]) and
//! compares ([`PurlParts::covers`]) them. A [`Purl`] is always valid: made by the builder from a
//! package, or parsed and checked.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use packageurl::PackageUrl;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::package::{Ecosystem, FoundPackage};
use crate::package_name::PackageName;

/// A valid package URL, kept as its text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Purl(String);

/// The text is not a package URL; the message says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("purl {text:?}: {problem}")]
pub struct PurlError {
    /// The text given.
    pub text: String,
    /// What is wrong with it.
    pub problem: String,
}

/// The decoded components of a [`Purl`]: the type in lower case, the rest as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurlParts {
    /// The type (`deb`, `pypi`, `oci` …).
    pub ty: String,
    /// The namespace (`debian`, `@babel`, a Maven group), when there is one.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
    /// The version, when there is one.
    pub version: Option<String>,
    /// The qualifiers (`arch`, `distro`, `epoch`, `upstream` …).
    pub qualifiers: BTreeMap<String, String>,
    /// The subpath, when there is one.
    pub subpath: Option<String>,
}

/// Percent-encodes a purl component (RFC 3986 unreserved characters pass).
fn encode(s: &str) -> String {
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

/// Decodes `%XX` escapes; malformed escapes stay as written.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Purl {
    /// Parses and checks `text` (surrounding whitespace ignored).
    ///
    /// # Errors
    ///
    /// A [`PurlError`] when `text` is not a package URL (no `pkg:` scheme, no type or name, a
    /// malformed component).
    pub fn parse(text: &str) -> Result<Self, PurlError> {
        let text = text.trim();
        let error = |problem: String| PurlError { text: text.to_owned(), problem };
        let p = PackageUrl::from_str(text).map_err(|e| error(e.to_string()))?;
        if p.name().is_empty() {
            return Err(error("no name".to_owned()));
        }
        Ok(Self(text.to_owned()))
    }

    /// The purl that a URI fragment holds percent-encoded (a CycloneDX BOM-Link
    /// `urn:cdx:serial/version#bom-ref` whose bom-ref is a purl).
    ///
    /// # Errors
    ///
    /// A [`PurlError`] when the decoded fragment is not a package URL.
    pub fn from_uri_fragment(fragment: &str) -> Result<Self, PurlError> {
        Self::parse(&decode(fragment))
    }

    /// The purl of a package found by an analyzer; `os_id` is the OS's id (the namespace of OS
    /// packages, e.g. `debian`), `distro` e.g. `debian-12`.
    #[must_use]
    pub fn of(p: &FoundPackage, os_id: Option<&str>, distro: Option<&str>) -> Self {
        Self(build(p, os_id, distro))
    }

    /// The purl as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The purl as owned text.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }

    /// The decoded components.
    #[must_use]
    pub fn parts(&self) -> PurlParts {
        let p = PackageUrl::from_str(&self.0).expect("a Purl is always valid");
        PurlParts {
            ty: p.ty().to_ascii_lowercase(),
            namespace: p.namespace().filter(|n| !n.is_empty()).map(str::to_owned),
            name: p.name().to_owned(),
            version: p.version().filter(|v| !v.is_empty()).map(str::to_owned),
            qualifiers: p.qualifiers().iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            subpath: p.subpath().map(str::to_owned),
        }
    }

    /// The purl with qualifier `key` set to `value`, added after the qualifiers there are (the
    /// caller keeps the canonical order: `upstream` sorts after those our purls carry).
    #[must_use]
    pub fn with_qualifier(&self, key: &str, value: &str) -> Self {
        let (head, subpath) = self.0.split_once('#').map_or((self.0.as_str(), None), |(h, s)| (h, Some(s)));
        let separator = if head.contains('?') { '&' } else { '?' };
        let mut out = format!("{head}{separator}{key}={}", encode(value));
        if let Some(s) = subpath {
            out.push('#');
            out.push_str(s);
        }
        Self(out)
    }

    /// The purl without qualifier `key`.
    #[must_use]
    pub fn without_qualifier(&self, key: &str) -> Self {
        let Some((head, qualifiers)) = self.0.split_once('?') else { return self.clone() };
        let (qualifiers, subpath) = qualifiers.split_once('#').map_or((qualifiers, None), |(q, s)| (q, Some(s)));
        let prefix = format!("{key}=");
        let kept: Vec<&str> = qualifiers.split('&').filter(|q| !q.starts_with(&prefix)).collect();
        let mut out = head.to_owned();
        if !kept.is_empty() {
            out.push('?');
            out.push_str(&kept.join("&"));
        }
        if let Some(s) = subpath {
            out.push('#');
            out.push_str(s);
        }
        Self(out)
    }
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Purl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Read back from its text, checked as [`Purl::parse`] checks it.
impl<'de> Deserialize<'de> for Purl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl PartialEq<str> for Purl {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Purl {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl FromStr for Purl {
    type Err = PurlError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl PurlParts {
    /// The ecosystem of the type, when hullguard inventories it.
    #[must_use]
    pub fn ecosystem(&self) -> Option<Ecosystem> {
        Ecosystem::from_purl_type(&self.ty)
    }

    /// The name as the ecosystem compares it.
    #[must_use]
    pub fn package_name(&self) -> PackageName {
        PackageName::new(self.ecosystem(), &self.name)
    }

    /// Whether this purl, as a scope (an ignore-file entry, a VEX product), covers the package
    /// `found` whose source package is `source_name`: the same type and namespace (in any
    /// case), the same name as its ecosystem compares names (or the source package's), and the
    /// same version unless the scope has none (then every version).
    #[must_use]
    pub fn covers(&self, found: &PurlParts, source_name: Option<&str>) -> bool {
        let namespace = |p: &PurlParts| p.namespace.as_deref().map(str::to_lowercase);
        if self.ty != found.ty || namespace(self) != namespace(found) {
            return false;
        }
        let name = self.package_name();
        let by_source = source_name.is_some_and(|s| PackageName::new(found.ecosystem(), s) == name);
        if name != found.package_name() && !by_source {
            return false;
        }
        self.version.is_none() || self.version == found.version
    }
}

/// The purl text of a package (see [`Purl::of`]).
fn build(p: &FoundPackage, os_id: Option<&str>, distro: Option<&str>) -> String {
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
            let name = PackageName::new(Some(Ecosystem::PyPI), &p.name);
            format!("pkg:pypi/{}@{}", encode(name.as_str()), encode(&p.version))
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
            arch: Some("amd64".into()),
            ..FoundPackage::new(ecosystem, name.into(), version.into(), String::new())
        }
    }

    fn purl(p: &FoundPackage, os_id: Option<&str>, distro: Option<&str>) -> String {
        let built = Purl::of(p, os_id, distro);
        assert_eq!(Purl::parse(built.as_str()).as_ref(), Ok(&built), "what we build parses");
        built.into_string()
    }

    #[test]
    fn purls_of_packages() {
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

    #[test]
    fn parts_are_decoded_and_qualifiers_rewritten() {
        let p = Purl::parse(" pkg:npm/%40babel/core@7.0.0?x=y#sub ").unwrap();
        let parts = p.parts();
        assert_eq!(
            (parts.ty.as_str(), parts.namespace.as_deref(), parts.name.as_str(), parts.version.as_deref()),
            ("npm", Some("@babel"), "core", Some("7.0.0"))
        );
        assert_eq!(parts.subpath.as_deref(), Some("sub"));
        assert_eq!(Purl::parse("pkg:deb/debian/openssl@1%3A3.0").unwrap().parts().version.as_deref(), Some("1:3.0"));
        let deb = Purl::parse("pkg:deb/debian/libssl3@3.0.11?arch=amd64").unwrap();
        let with = deb.with_qualifier("upstream", "openssl@3.0.11");
        assert_eq!(with.as_str(), "pkg:deb/debian/libssl3@3.0.11?arch=amd64&upstream=openssl%403.0.11");
        assert_eq!(with.parts().qualifiers["upstream"], "openssl@3.0.11");
        assert_eq!(with.without_qualifier("upstream"), deb);
        let linked = Purl::from_uri_fragment("pkg%3Anpm%2Fminimist%401.2.0").unwrap();
        assert_eq!(linked.as_str(), "pkg:npm/minimist@1.2.0");
        for bad in ["pkg:nothing", "pkg:/", "npm/x@1", ""] {
            assert!(Purl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scopes_cover_by_type_namespace_name_and_version() {
        let parts = |s: &str| Purl::parse(s).unwrap().parts();
        let found = parts("pkg:pypi/pyyaml@5.3.1");
        assert!(parts("pkg:pypi/PyYAML_x").covers(&parts("pkg:pypi/pyyaml-x@1"), None));
        assert!(parts("pkg:pypi/PyYAML").covers(&found, None));
        assert!(parts("pkg:pypi/pyyaml@5.3.1").covers(&found, None));
        assert!(!parts("pkg:pypi/pyyaml@5.4").covers(&found, None));
        assert!(!parts("pkg:npm/pyyaml").covers(&found, None));
        let libssl = parts("pkg:deb/debian/libssl3@3.0.11");
        assert!(parts("pkg:deb/debian/openssl").covers(&libssl, Some("openssl")));
        assert!(!parts("pkg:deb/ubuntu/openssl").covers(&libssl, Some("openssl")));
    }
}
