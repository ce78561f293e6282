//! SBOM input: CycloneDX and SPDX JSON documents (ours and other tools') read back into an
//! [`Inventory`], so the vulnerability scan can run on them. Our own CycloneDX round-trips
//! losslessly; foreign documents give what their purls and locations say (layers unknown).
//! Dependency edges come back from CycloneDX `dependencies` and SPDX `DEPENDS_ON` /
//! `DEPENDENCY_OF` relationships, between packages of one ecosystem.
//!
//! The document is streamed: each component is turned into a package as it is read, never held
//! as a JSON tree, so memory follows the packages, not the text.

use std::fmt;
use std::io::{self, Read};

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::error::Category;

use crate::Inventory;
use crate::analyzer::OsRelease;
use crate::dependency::set_dependencies;
use crate::package::{Ecosystem, FoundPackage, Package};
use crate::{PackageName, Purl};

/// Deepest nesting of JSON arrays and objects read. CycloneDX nests components in components
/// (two levels each); real SBOMs stay far below this, hostile ones would exhaust the stack.
pub const MAX_DEPTH: usize = 1024;

/// Read an SBOM (CycloneDX or SPDX JSON, detected by content) of at most `max_bytes` bytes.
/// `name` (how the file is shown) opens each [`Inventory::incomplete`] entry. `Err` names the
/// problem, and for a value of the wrong type its JSON path (`$.components[3]: invalid type: …`).
pub fn read_sbom(name: &str, input: impl Read, max_bytes: u64) -> Result<Inventory, String> {
    let guard = Guard { inner: input, max_bytes, read: 0, depth: 0, in_string: false, escaped: false };
    let mut de = serde_json::Deserializer::from_reader(io::BufReader::new(guard));
    // The guard bounds the depth, below serde_json's fixed limit of 128 no more.
    de.disable_recursion_limit();
    let mut doc = Doc { name, at: ("", None), ..Doc::default() };
    if let Err(e) = (&mut doc).deserialize(&mut de).and_then(|()| de.end()) {
        return Err(match e.classify() {
            Category::Io => e.to_string(),
            Category::Syntax | Category::Eof => format!("not JSON: {e}"),
            Category::Data => format!("{}: {e}", doc.json_path()),
        });
    }
    doc.finish()
}

/// Passes the bytes through, failing the read once there are more than `max_bytes` or the JSON
/// nests deeper than [`MAX_DEPTH`] (before the parser sees that byte).
struct Guard<R> {
    inner: R,
    max_bytes: u64,
    read: u64,
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.max_bytes {
            return Err(io::Error::other(format!("larger than the SBOM size cap of {} bytes", self.max_bytes)));
        }
        for &b in &buf[..n] {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'[' | b'{' => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(io::Error::other(format!(
                            "arrays and objects nested deeper than {MAX_DEPTH} levels, the SBOM depth limit"
                        )));
                    }
                }
                b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
        Ok(n)
    }
}

/// The document as it is read.
#[derive(Default)]
struct Doc<'n> {
    name: &'n str,
    /// The top-level key and element index being read, for the JSON path of a type error.
    at: (&'static str, Option<usize>),
    cyclonedx: bool,
    spdx: bool,
    inventory: Inventory,
    /// (bom-ref or SPDXID as [`id_key`], index of the package read from that element); sorted
    /// once read (a hash map's slack would weigh more).
    ids: Vec<(IdKey, usize)>,
    /// Dependency edges as (dependent, dependency) element ids.
    edges: Vec<(IdKey, IdKey)>,
    /// The `distro` qualifier of the first OS package purl (`debian-12`): the OS when the
    /// document names none (Syft's SPDX).
    distro: Option<String>,
    /// The packages (by index) the document gave no purl: they get ours once the OS is known.
    unpurled: Vec<usize>,
}

impl Doc<'_> {
    fn json_path(&self) -> String {
        match self.at {
            ("", _) => "$".to_string(),
            (key, None) => format!("$.{key}"),
            (key, Some(i)) => format!("$.{key}[{i}]"),
        }
    }

    fn not_read(&mut self, analyzer: &str, what: String) {
        self.inventory.incomplete.push(format!("{}: {analyzer}: {what}; not scanned", self.name));
    }

    /// Note a package whose purl type we do not inventory; the image itself (`pkg:oci`) is no package.
    fn foreign(&mut self, purl_text: &str) {
        if !purl_text.starts_with("pkg:oci/") {
            self.inventory.warnings.push(format!("{purl_text}: unsupported package type, skipped"));
        }
    }

    /// Adds the package `found` of element `id`, with the document's purl or (for now) ours.
    fn add(
        &mut self,
        id: Option<String>,
        found: FoundPackage,
        purl: Option<Purl>,
        layer: Option<usize>,
        diff_id: Option<String>,
    ) {
        let index = self.inventory.packages.len();
        if let Some(id) = id {
            self.ids.push((id_key(&id), index));
        }
        let purl = purl.unwrap_or_else(|| {
            self.unpurled.push(index);
            Purl::of(&found, None, None)
        });
        self.inventory.packages.push(Package { purl, found, layer, diff_id });
    }

    /// One CycloneDX component and the components nested in it; `at` is its index path.
    fn component(&mut self, mut c: Component, at: &mut Vec<usize>) {
        let nested = std::mem::take(&mut c.components);
        match c.kind.as_deref().unwrap_or("library") {
            "operating-system" => {
                let codename =
                    c.property("hullguard:os:codename").or_else(|| c.property("syft:distro:versionCodename"));
                let codename = codename.map(str::to_string);
                self.inventory.os = Some(OsRelease {
                    id: c.name.unwrap_or_default(),
                    version_id: c.version,
                    codename,
                    pretty_name: c.description,
                });
            }
            "library" | "framework" | "application" => self.cyclonedx_package(c, at),
            // Files, containers, devices, data, …: not packages.
            _ => {}
        }
        for (i, n) in nested.into_iter().enumerate() {
            at.push(i);
            self.component(n, at);
            at.pop();
        }
    }

    fn cyclonedx_package(&mut self, c: Component, at: &[usize]) {
        let prop = |k: &str| c.property(k).map(str::to_string);
        let path = prop("hullguard:package:path").or_else(|| prop("syft:location:0:path")).unwrap_or_default();
        let hint = c
            .property("hullguard:package:ecosystem")
            .and_then(Ecosystem::from_purl_type)
            .or_else(|| c.property("syft:package:type").and_then(syft_ecosystem));
        let element = Element {
            purl: c.purl.as_deref(),
            group: c.group.as_deref(),
            name: c.name.as_deref(),
            version: c.version.as_deref(),
        };
        let (mut found, purl) = match element.identify(hint, path) {
            Ok(Identified::Package(found, purl)) => (*found, purl),
            Ok(Identified::Foreign(purl_text)) => return self.foreign(&purl_text),
            Err(why) => {
                let place: Vec<String> = at.iter().map(|i| format!("components[{i}]")).collect();
                return self.not_read("cyclonedx", format!("{} ({}): {why}", place.join("."), element.describe()));
            }
        };
        self.note_distro(purl.as_ref());
        if prop("hullguard:package:ecosystem").is_some() {
            found.source_name = prop("hullguard:package:source_name");
            found.source_version = prop("hullguard:package:source_version");
            found.arch = prop("hullguard:package:arch");
            found.root_project = prop("hullguard:package:root_project").as_deref() == Some("true");
        }
        found.license = c.licenses.iter().find_map(|l| {
            l.license.as_ref().and_then(|l| l.name.clone().or_else(|| l.id.clone())).or_else(|| l.expression.clone())
        });
        let layer = prop("hullguard:layer:index").and_then(|l| l.parse().ok());
        let diff_id = prop("hullguard:layer:diff_id").or_else(|| prop("syft:location:0:layerID"));
        self.add(c.bom_ref, found, purl, layer, diff_id);
    }

    fn spdx_package(&mut self, p: SpdxPackage, index: usize) {
        let purpose = p.primary_package_purpose.as_deref();
        if purpose == Some("OPERATING-SYSTEM") {
            self.inventory.os =
                Some(OsRelease { id: p.name.unwrap_or_default(), version_id: p.version_info, ..OsRelease::default() });
            return;
        }
        if !matches!(purpose, None | Some("LIBRARY" | "APPLICATION" | "FRAMEWORK")) {
            return;
        }
        let purl_text = p
            .external_refs
            .iter()
            .find(|r| r.reference_type.as_deref() == Some("purl"))
            .and_then(|r| r.reference_locator.as_deref());
        let (layer, diff_id, path) = p.source_info.as_deref().map(parse_source_info).unwrap_or_default();
        let element =
            Element { purl: purl_text, group: None, name: p.name.as_deref(), version: p.version_info.as_deref() };
        let (mut found, purl) = match element.identify(None, path.unwrap_or_default()) {
            Ok(Identified::Package(found, purl)) => (*found, purl),
            Ok(Identified::Foreign(purl_text)) => return self.foreign(&purl_text),
            Err(why) => return self.not_read("spdx", format!("packages[{index}] ({}): {why}", element.describe())),
        };
        self.note_distro(purl.as_ref());
        found.root_project = purpose == Some("APPLICATION");
        found.license = p.comment.and_then(|c| c.strip_prefix("license: ").map(str::to_string));
        self.add(p.spdx_id, found, purl, layer, diff_id);
    }

    fn note_distro(&mut self, purl: Option<&Purl>) {
        if self.distro.is_none()
            && let Some(purl) = purl
            && ["pkg:deb/", "pkg:rpm/", "pkg:apk/"].iter().any(|t| purl.as_str().starts_with(t))
        {
            self.distro = purl.parts().qualifiers.remove("distro");
        }
    }

    fn finish(mut self) -> Result<Inventory, String> {
        if !self.cyclonedx && !self.spdx {
            return Err("neither a CycloneDX nor an SPDX JSON document".to_string());
        }
        let inventory = &mut self.inventory;
        if inventory.os.is_none()
            && let Some(distro) = &self.distro
        {
            let (id, version) = match distro.rsplit_once('-') {
                Some((id, v)) if v.starts_with(|c: char| c.is_ascii_digit()) => (id, Some(v.to_string())),
                _ => (distro.as_str(), None),
            };
            inventory.os = Some(OsRelease { id: id.to_string(), version_id: version, ..OsRelease::default() });
        }
        // Packages identified without a purl get ours.
        let os_id = inventory.os.as_ref().map(|o| o.id.clone());
        for &i in &self.unpurled {
            let p = &mut inventory.packages[i];
            p.purl = Purl::of(&p.found, os_id.as_deref(), self.distro.as_deref());
        }
        self.ids.sort_unstable();
        let index = |key: &IdKey| self.ids.binary_search_by_key(key, |(k, _)| *k).ok().map(|i| self.ids[i].1);
        let pairs: Vec<(usize, usize)> =
            self.edges.iter().filter_map(|(from, to)| Some((index(from)?, index(to)?))).collect();
        set_dependencies(&mut inventory.packages, &pairs);
        // Unstable: equal packages are identical, and a stable sort would copy half of them.
        inventory.packages.sort_unstable();
        inventory.packages.dedup();
        Ok(self.inventory)
    }
}

/// An element id as [`id_key`] makes it.
type IdKey = [u64; 2];

/// The key an element id is known by: the first 128 bits of its SHA-256. Ids are often as
/// long as purls; held as text, a million of them weigh a fifth of the packages.
fn id_key(id: &str) -> IdKey {
    let digest = hullguard_image::Digest::of(id.as_bytes());
    let half = |range| u64::from_str_radix(&digest.hex()[range], 16).unwrap_or_default();
    [half(0..16), half(16..32)]
}

/// What one SBOM element says about the package it describes.
struct Element<'a> {
    purl: Option<&'a str>,
    group: Option<&'a str>,
    name: Option<&'a str>,
    version: Option<&'a str>,
}

/// A package identified, or a purl of an ecosystem we do not inventory.
enum Identified {
    /// The package, and the document's purl of it (`None`: the element had none).
    Package(Box<FoundPackage>, Option<Purl>),
    Foreign(String),
}

impl Element<'_> {
    fn describe(&self) -> String {
        let name = [self.group, self.name].into_iter().flatten().collect::<Vec<_>>().join("/");
        format!("name {name:?}, version {:?}", self.version.unwrap_or(""))
    }

    /// The package: purl first (its ecosystem, namespace, name and version decide), spelled as
    /// the element's group and name spell it when they name the same package; without a purl,
    /// `hint`'s ecosystem and the group and name. `Err` says why it cannot be identified.
    fn identify(&self, hint: Option<Ecosystem>, path: String) -> Result<Identified, String> {
        let declared = |ecosystem| full_name(ecosystem, self.group, self.name?);
        let Some(purl_text) = self.purl else {
            let ecosystem = hint.ok_or("no purl and no ecosystem")?;
            let name = declared(ecosystem).ok_or("no name")?;
            let version = self.version.filter(|v| !v.is_empty()).ok_or("no version")?;
            // The purl is made once the document's OS is known.
            return Ok(Identified::Package(
                Box::new(FoundPackage::new(ecosystem, name, version.to_string(), path)),
                None,
            ));
        };
        let purl = Purl::parse(purl_text).map_err(|e| e.to_string())?;
        let p = purl.parts();
        let Some(ecosystem) = p.ecosystem() else {
            return Ok(Identified::Foreign(purl_text.to_string()));
        };
        let named = full_name(ecosystem, p.namespace.as_deref().filter(|_| !is_os(ecosystem)), &p.name)
            .ok_or_else(|| format!("purl {purl_text:?} has no name"))?;
        let name = match declared(ecosystem) {
            Some(d) if same_name(ecosystem, &d, &named) => d,
            _ => named,
        };
        let q = &p.qualifiers;
        let version = match (p.version.as_deref(), q.get("epoch")) {
            (Some(v), Some(e)) if ecosystem == Ecosystem::Rpm => format!("{e}:{v}"),
            // The Go toolchain as Go spells it (and the build info, and our analyzer): `go1.19.8`.
            (Some(v), _) if ecosystem == Ecosystem::Go && name == "stdlib" && !v.starts_with("go") => format!("go{v}"),
            (Some(v), _) => v.to_string(),
            (None, _) => self.version.filter(|v| !v.is_empty()).ok_or("no version in purl or element")?.to_string(),
        };
        let mut found = FoundPackage::new(ecosystem, name, version, path);
        found.arch = q.get("arch").map(ToString::to_string);
        if let Some(upstream) = q.get("upstream") {
            // `name` alone: the source version is the binary's.
            let (n, v) = upstream.split_once('@').unwrap_or((upstream, &found.version));
            found.source_name = Some(n.to_string());
            found.source_version = Some(v.to_string());
        } else if ecosystem == Ecosystem::Deb {
            // No `upstream`: built from the source package of its own name and version.
            found.source_name = Some(found.name.clone());
            found.source_version = Some(found.version.clone());
        }
        Ok(Identified::Package(Box::new(found), Some(purl.without_qualifier("upstream"))))
    }
}

fn is_os(ecosystem: Ecosystem) -> bool {
    matches!(ecosystem, Ecosystem::Deb | Ecosystem::Rpm | Ecosystem::Apk)
}

/// The name our analyzers give the package `group`/`name` of `ecosystem` (Maven
/// `group:artifact`, npm `@scope/name`, Go and Composer `namespace/name`).
fn full_name(ecosystem: Ecosystem, group: Option<&str>, name: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    Some(match (ecosystem, group.filter(|g| !g.is_empty())) {
        (Ecosystem::Maven, Some(g)) => format!("{g}:{name}"),
        (Ecosystem::Npm, Some(g)) if g.starts_with('@') => format!("{g}/{name}"),
        (Ecosystem::Npm, Some(g)) => format!("@{g}/{name}"),
        (Ecosystem::Go | Ecosystem::Composer, Some(g)) => format!("{g}/{name}"),
        _ => name.to_string(),
    })
}

/// Whether two spellings name the same package (case-insensitive; PyPI also treats `-_.` alike).
fn same_name(ecosystem: Ecosystem, a: &str, b: &str) -> bool {
    PackageName::new(Some(ecosystem), a) == PackageName::new(Some(ecosystem), b)
}

/// The ecosystem of Syft's `syft:package:type`.
fn syft_ecosystem(ty: &str) -> Option<Ecosystem> {
    Some(match ty {
        "python" => Ecosystem::PyPI,
        "rust-crate" => Ecosystem::Cargo,
        "go-module" => Ecosystem::Go,
        "java-archive" | "jenkins-plugin" => Ecosystem::Maven,
        "php-composer" => Ecosystem::Composer,
        "dotnet" => Ecosystem::NuGet,
        other => return Ecosystem::from_purl_type(other),
    })
}

/// `layer N (diff_id) at PATH` or `at PATH`, as our SPDX writer puts it in `sourceInfo`.
fn parse_source_info(s: &str) -> (Option<usize>, Option<String>, Option<String>) {
    if let Some(rest) = s.strip_prefix("layer ")
        && let Some((n, rest)) = rest.split_once(" (")
        && let Some((diff, path)) = rest.split_once(") at ")
    {
        let diff = (diff != "-").then(|| diff.to_string());
        return (n.parse().ok(), diff, Some(path.to_string()));
    }
    (None, None, s.strip_prefix("at ").map(str::to_string))
}

// The parts of the documents read; every other field is skipped unread.

#[derive(Deserialize, Default)]
#[serde(default)]
struct Component {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(rename = "bom-ref")]
    bom_ref: Option<String>,
    group: Option<String>,
    name: Option<String>,
    version: Option<String>,
    description: Option<String>,
    purl: Option<String>,
    licenses: Vec<LicenseChoice>,
    properties: Vec<Property>,
    components: Vec<Component>,
}

impl Component {
    fn property(&self, name: &str) -> Option<&str> {
        self.properties.iter().find(|p| p.name.as_deref() == Some(name)).and_then(|p| p.value.as_deref())
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LicenseChoice {
    license: Option<License>,
    expression: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct License {
    id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Property {
    name: Option<String>,
    value: Option<String>,
}

#[derive(Deserialize)]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(default, rename = "dependsOn")]
    depends_on: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpdxPackage {
    #[serde(rename = "SPDXID")]
    spdx_id: Option<String>,
    name: Option<String>,
    version_info: Option<String>,
    source_info: Option<String>,
    comment: Option<String>,
    external_refs: Vec<ExternalRef>,
    primary_package_purpose: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ExternalRef {
    reference_type: Option<String>,
    reference_locator: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: Option<String>,
    relationship_type: Option<String>,
    related_spdx_element: Option<String>,
}

impl<'de> DeserializeSeed<'de> for &mut Doc<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for &mut Doc<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an SBOM document (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "bomFormat" => {
                    self.at = ("bomFormat", None);
                    self.cyclonedx = map.next_value::<String>()? == "CycloneDX";
                }
                "spdxVersion" => {
                    map.next_value::<IgnoredAny>()?;
                    self.spdx = true;
                }
                "components" => map.next_value_seed(Elements { doc: &mut *self, key: "components" })?,
                "dependencies" => map.next_value_seed(Elements { doc: &mut *self, key: "dependencies" })?,
                "packages" => map.next_value_seed(Elements { doc: &mut *self, key: "packages" })?,
                "relationships" => map.next_value_seed(Elements { doc: &mut *self, key: "relationships" })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            self.at = ("", None);
        }
        Ok(())
    }
}

/// The array under one top-level key, read an element at a time.
struct Elements<'d, 'n> {
    doc: &'d mut Doc<'n>,
    key: &'static str,
}

impl<'de> DeserializeSeed<'de> for Elements<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.doc.at = (self.key, None);
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Elements<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an array of {}", self.key)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let doc = self.doc;
        for i in 0.. {
            doc.at = (self.key, Some(i));
            let more = match self.key {
                "components" => seq.next_element::<Component>()?.map(|c| doc.component(c, &mut vec![i])),
                "dependencies" => seq.next_element::<Dependency>()?.map(|d| {
                    let from = id_key(&d.reference);
                    doc.edges.extend(d.depends_on.iter().map(|to| (from, id_key(to))));
                }),
                "packages" => seq.next_element::<SpdxPackage>()?.map(|p| doc.spdx_package(p, i)),
                _ => seq.next_element::<Relationship>()?.map(|r| {
                    let (Some(element), Some(related)) = (r.spdx_element_id, r.related_spdx_element) else {
                        return;
                    };
                    let (element, related) = (id_key(&element), id_key(&related));
                    match r.relationship_type.as_deref() {
                        Some("DEPENDS_ON") => doc.edges.push((element, related)),
                        Some("DEPENDENCY_OF") => doc.edges.push((related, element)),
                        _ => {}
                    }
                }),
            };
            if more.is_none() {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(doc: &str) -> Result<Inventory, String> {
        read_sbom("x.json", doc.as_bytes(), u64::MAX)
    }

    fn cyclonedx(components: &str) -> String {
        format!(r#"{{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{components}]}}"#)
    }

    fn rows(inventory: &Inventory) -> Vec<(Ecosystem, &str, &str, &str)> {
        inventory
            .packages
            .iter()
            .map(|p| (p.found.ecosystem, p.found.name.as_str(), p.found.version.as_str(), p.purl.as_str()))
            .collect()
    }

    #[test]
    fn source_info() {
        assert_eq!(
            parse_source_info("layer 3 (sha256:ab) at /usr/lib/x/METADATA"),
            (Some(3), Some("sha256:ab".into()), Some("/usr/lib/x/METADATA".into()))
        );
        assert_eq!(parse_source_info("at /a"), (None, None, Some("/a".into())));
    }

    #[test]
    fn foreign_purls() {
        let element = |purl| Element { purl: Some(purl), group: None, name: Some("snakeyaml"), version: None };
        let Ok(Identified::Package(p, _)) = element("pkg:maven/org.yaml/snakeyaml@1.33").identify(None, String::new())
        else {
            panic!()
        };
        assert_eq!(
            (p.ecosystem, p.name.as_str(), p.version.as_str()),
            (Ecosystem::Maven, "org.yaml:snakeyaml", "1.33")
        );
        let purl = "pkg:deb/debian/bsdutils@1:2.38.1-5+deb12u3?arch=amd64&upstream=util-linux%402.38.1-5%2Bdeb12u3&distro=debian-12";
        let Ok(Identified::Package(p, Some(purl))) = element(purl).identify(None, String::new()) else { panic!() };
        assert_eq!(p.name, "bsdutils");
        assert_eq!(p.source_name.as_deref(), Some("util-linux"));
        assert_eq!(p.source_version.as_deref(), Some("2.38.1-5+deb12u3"));
        assert_eq!(purl, "pkg:deb/debian/bsdutils@1:2.38.1-5+deb12u3?arch=amd64&distro=debian-12");
        assert!(matches!(
            element("pkg:github/actions/checkout@v4").identify(None, String::new()),
            Ok(Identified::Foreign(_))
        ));
        assert!(read("{}").is_err());
        assert!(read("garbage").unwrap_err().starts_with("not JSON: "));
    }

    #[test]
    fn purl_decides_identity_group_and_name_spell_it() {
        let inventory = read(&cyclonedx(
            r#"{"type": "library", "group": "@acme", "name": "lodash", "version": "4.17.21", "purl": "pkg:npm/%40acme/lodash@4.17.21"},
               {"type": "library", "group": "@babel", "name": "traverse", "version": "7.0.0"},
               {"type": "library", "name": "lodash", "version": "4.17.21", "purl": "pkg:npm/lodash@4.17.15"},
               {"type": "library", "name": "pyyaml", "version": "5.3.1", "purl": "pkg:pypi/PyYAML@5.3.1"},
               {"type": "library", "name": "PyYAML", "version": "5.3.1", "purl": "pkg:pypi/pyyaml@5.3.1"},
               {"type": "library", "name": "bash", "purl": "pkg:rpm/rocky/bash@5.1.8-9.el9?epoch=1&arch=x86_64"},
               {"type": "library", "name": "stdlib", "version": "go1.19.8", "purl": "pkg:golang/stdlib@1.19.8"},
               {"type": "library", "group": "org.yaml", "name": "snakeyaml", "version": "1.33", "properties": [{"name": "syft:package:type", "value": "java-archive"}]}"#,
        ))
        .unwrap();
        assert_eq!(
            rows(&inventory),
            [
                (Ecosystem::Rpm, "bash", "1:5.1.8-9.el9", "pkg:rpm/rocky/bash@5.1.8-9.el9?epoch=1&arch=x86_64"),
                (Ecosystem::PyPI, "PyYAML", "5.3.1", "pkg:pypi/pyyaml@5.3.1"),
                (Ecosystem::PyPI, "pyyaml", "5.3.1", "pkg:pypi/PyYAML@5.3.1"),
                (Ecosystem::Npm, "@acme/lodash", "4.17.21", "pkg:npm/%40acme/lodash@4.17.21"),
                (Ecosystem::Npm, "lodash", "4.17.15", "pkg:npm/lodash@4.17.15"),
                (Ecosystem::Go, "stdlib", "go1.19.8", "pkg:golang/stdlib@1.19.8"),
                (Ecosystem::Maven, "org.yaml:snakeyaml", "1.33", "pkg:maven/org.yaml/snakeyaml@1.33"),
            ]
        );
        // No purl and nothing naming an ecosystem: not scanned, and said so.
        assert_eq!(
            inventory.incomplete,
            [
                "x.json: cyclonedx: components[1] (name \"@babel/traverse\", version \"7.0.0\"): no purl and no ecosystem; not scanned"
            ]
        );
    }

    #[test]
    fn nested_components_are_read_at_any_real_depth() {
        let mut doc = r#"{"type": "library", "name": "leaf", "version": "1", "purl": "pkg:npm/leaf@1"}"#.to_string();
        for i in 0..100 {
            doc = format!(
                r#"{{"type": "library", "name": "n{i}", "version": "1", "purl": "pkg:npm/n{i}@1", "components": [{doc}]}}"#
            );
        }
        let inventory = read(&cyclonedx(&doc)).unwrap();
        assert_eq!(inventory.packages.len(), 101);
        assert!(inventory.incomplete.is_empty());
        // Deeper than the limit: refused, naming the limit.
        let hostile = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(
            read(&hostile).unwrap_err(),
            "arrays and objects nested deeper than 1024 levels, the SBOM depth limit"
        );
        // At the limit: read (and no stack overflow on a test thread).
        let deep = format!(
            r#"{{"spdxVersion": "SPDX-2.3", "x": {}{}}}"#,
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(read(&deep).unwrap().packages.is_empty());
    }

    #[test]
    fn malformed_documents_name_the_json_path() {
        let err = read(r#"{"spdxVersion": "SPDX-2.3", "packages": "oops"}"#).unwrap_err();
        assert_eq!(err, "$.packages: invalid type: string \"oops\", expected an array of packages at line 1 column 46");
        let err = read(&cyclonedx(r#"{"name": "a"}, {"name": 5}"#)).unwrap_err();
        assert_eq!(err, "$.components[1]: invalid type: integer `5`, expected a string at line 1 column 90");
        assert_eq!(
            read("[]").unwrap_err(),
            "$: invalid type: sequence, expected an SBOM document (a JSON object) at line 1 column 1"
        );
        let err = read_sbom("x.json", cyclonedx("").as_bytes(), 10).unwrap_err();
        assert_eq!(err, "larger than the SBOM size cap of 10 bytes");
    }

    #[test]
    fn spdx_without_an_os_package_takes_the_os_from_the_purls() {
        let inventory = read(
            r#"{"spdxVersion": "SPDX-2.3", "packages": [
                {"SPDXID": "a", "name": "bsdutils", "versionInfo": "1:2.38.1-5",
                 "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:deb/debian/bsdutils@1:2.38.1-5?arch=amd64&distro=debian-12"}]},
                {"SPDXID": "b", "name": "lib", "versionInfo": "1"},
                {"SPDXID": "c", "name": "/", "primaryPackagePurpose": "FILE"}]}"#,
        )
        .unwrap();
        let os = inventory.os.as_ref().unwrap();
        assert_eq!((os.id.as_str(), os.version_id.as_deref()), ("debian", Some("12")));
        assert_eq!(inventory.packages.len(), 1);
        assert_eq!(
            inventory.incomplete,
            ["x.json: spdx: packages[1] (name \"lib\", version \"1\"): no purl and no ecosystem; not scanned"]
        );
    }
}
