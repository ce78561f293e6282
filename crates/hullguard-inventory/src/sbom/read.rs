//! SBOM input: CycloneDX and SPDX JSON documents (ours and other tools') read back into an
//! [`Inventory`], so the vulnerability scan can run on them. Our own CycloneDX round-trips
//! losslessly; foreign documents give what their purls and locations say (layers unknown).
//! Dependency edges come back from CycloneDX `dependencies` and SPDX `DEPENDS_ON` /
//! `DEPENDENCY_OF` relationships, between packages of one ecosystem.

use std::collections::HashMap;
use std::str::FromStr;

use packageurl::PackageUrl;
use serde_json::Value;

use crate::Inventory;
use crate::analyzer::OsRelease;
use crate::dependency::set_dependencies;
use crate::package::{Ecosystem, FoundPackage, Package};

/// Read an SBOM (CycloneDX or SPDX JSON, detected by content). `Err` names the problem.
pub fn read_sbom(bytes: &[u8]) -> Result<Inventory, String> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let mut inventory = if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        read_cyclonedx(&doc)
    } else if doc.get("spdxVersion").is_some() {
        read_spdx(&doc)
    } else {
        return Err("neither a CycloneDX nor an SPDX JSON document".to_string());
    };
    inventory.packages.sort();
    inventory.packages.dedup();
    Ok(inventory)
}

fn ecosystem_of(purl_type: &str) -> Option<Ecosystem> {
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

/// A package from its purl and the document's name for it, named the way our analyzers name
/// packages (Maven as `group:artifact`, which the purl knows and the name field often not).
fn from_purl(purl_text: &str, name: Option<&str>, version: Option<&str>, path: String) -> Option<FoundPackage> {
    let p = PackageUrl::from_str(purl_text).ok()?;
    let ecosystem = ecosystem_of(p.ty())?;
    let name = match (ecosystem, p.namespace(), name) {
        (Ecosystem::Maven, Some(ns), _) => format!("{ns}:{}", p.name()),
        (_, _, Some(n)) if !n.is_empty() => n.to_string(),
        (Ecosystem::Npm | Ecosystem::Go | Ecosystem::Composer, Some(ns), _) => format!("{ns}/{}", p.name()),
        _ => p.name().to_string(),
    };
    let version = version.or(p.version())?.to_string();
    let mut found = FoundPackage::new(ecosystem, name, version, path);
    let q = p.qualifiers();
    found.arch = q.get("arch").map(ToString::to_string);
    if let Some(upstream) = q.get("upstream") {
        let (n, v) = upstream.split_once('@').map_or((upstream.as_ref(), None), |(n, v)| (n, Some(v)));
        found.source_name = Some(n.to_string());
        found.source_version = v.map(str::to_string);
    }
    Some(found)
}

/// Note a package whose purl type we do not inventory; the image itself (`pkg:oci`) is no package.
fn skipped(inventory: &mut Inventory, purl_text: &str) {
    if !purl_text.starts_with("pkg:oci/") {
        inventory.warnings.push(format!("{purl_text}: unsupported package type, skipped"));
    }
}

fn properties(c: &Value) -> Vec<(&str, &str)> {
    array(c, "properties").filter_map(|p| Some((p.get("name")?.as_str()?, p.get("value")?.as_str()?))).collect()
}

/// The elements of `doc[key]`, an array (none when absent or not an array).
fn array<'a>(doc: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    doc.get(key).and_then(Value::as_array).into_iter().flatten()
}

fn read_cyclonedx(doc: &Value) -> Inventory {
    let mut inventory = Inventory::default();
    // bom-ref → index of the package read from that component.
    let mut refs: HashMap<&str, usize> = HashMap::new();
    for c in array(doc, "components") {
        let props = properties(c);
        let prop = |k: &str| props.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_string());
        let text = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_string);
        if text("type").as_deref() == Some("operating-system") {
            inventory.os = Some(OsRelease {
                id: text("name").unwrap_or_default(),
                version_id: text("version"),
                codename: prop("hullguard:os:codename"),
                pretty_name: text("description"),
            });
            continue;
        }
        let Some(purl_text) = text("purl") else { continue };
        let path = prop("hullguard:package:path").or_else(|| prop("syft:location:0:path")).unwrap_or_default();
        let Some(mut found) = from_purl(
            &purl_text,
            c.get("name").and_then(Value::as_str),
            c.get("version").and_then(Value::as_str),
            path,
        ) else {
            skipped(&mut inventory, &purl_text);
            continue;
        };
        let ours = prop("hullguard:package:ecosystem").is_some();
        if ours {
            found.source_name = prop("hullguard:package:source_name");
            found.source_version = prop("hullguard:package:source_version");
            found.arch = prop("hullguard:package:arch");
            found.root_project = prop("hullguard:package:root_project").as_deref() == Some("true");
        }
        found.license = c
            .get("licenses")
            .and_then(Value::as_array)
            .and_then(|l| l.first())
            .and_then(|l| {
                l.pointer("/license/name").or_else(|| l.pointer("/license/id")).or_else(|| l.get("expression"))
            })
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(r) = c.get("bom-ref").and_then(Value::as_str) {
            refs.insert(r, inventory.packages.len());
        }
        inventory.packages.push(Package {
            purl: purl_text,
            found,
            layer: prop("hullguard:layer:index").and_then(|l| l.parse().ok()),
            diff_id: prop("hullguard:layer:diff_id").or_else(|| prop("syft:location:0:layerID")),
        });
    }
    let text_of = |v: &Value| v.as_str().and_then(|r| refs.get(r)).copied();
    let pairs: Vec<(usize, usize)> = array(doc, "dependencies")
        .filter_map(|d| Some((text_of(d.get("ref")?)?, d)))
        .flat_map(|(from, d)| array(d, "dependsOn").filter_map(text_of).map(move |to| (from, to)))
        .collect();
    set_dependencies(&mut inventory.packages, &pairs);
    inventory
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

fn read_spdx(doc: &Value) -> Inventory {
    let mut inventory = Inventory::default();
    // SPDXID → index of the package read from that element.
    let mut ids: HashMap<&str, usize> = HashMap::new();
    for p in array(doc, "packages") {
        let text = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
        if text("primaryPackagePurpose").as_deref() == Some("OPERATING-SYSTEM") {
            inventory.os = Some(OsRelease {
                id: text("name").unwrap_or_default(),
                version_id: text("versionInfo"),
                ..OsRelease::default()
            });
            continue;
        }
        let purl_text = array(p, "externalRefs")
            .find(|r| r.get("referenceType").and_then(Value::as_str) == Some("purl"))
            .and_then(|r| r.get("referenceLocator"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let Some(purl_text) = purl_text else { continue };
        let (layer, diff_id, path) = text("sourceInfo").map(|s| parse_source_info(&s)).unwrap_or_default();
        let Some(mut found) = from_purl(
            &purl_text,
            p.get("name").and_then(Value::as_str),
            p.get("versionInfo").and_then(Value::as_str),
            path.unwrap_or_default(),
        ) else {
            skipped(&mut inventory, &purl_text);
            continue;
        };
        found.root_project = text("primaryPackagePurpose").as_deref() == Some("APPLICATION");
        found.license = text("comment").and_then(|c| c.strip_prefix("license: ").map(str::to_string));
        if let Some(id) = p.get("SPDXID").and_then(Value::as_str) {
            ids.insert(id, inventory.packages.len());
        }
        inventory.packages.push(Package { purl: purl_text, found, layer, diff_id });
    }
    let pairs: Vec<(usize, usize)> = array(doc, "relationships")
        .filter_map(|r| {
            let id = |k: &str| r.get(k).and_then(Value::as_str).and_then(|i| ids.get(i)).copied();
            let (element, related) = (id("spdxElementId")?, id("relatedSpdxElement")?);
            match r.get("relationshipType").and_then(Value::as_str)? {
                "DEPENDS_ON" => Some((element, related)),
                "DEPENDENCY_OF" => Some((related, element)),
                _ => None,
            }
        })
        .collect();
    set_dependencies(&mut inventory.packages, &pairs);
    inventory
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let p = from_purl("pkg:maven/org.yaml/snakeyaml@1.33", Some("snakeyaml"), None, String::new()).unwrap();
        assert_eq!(
            (p.ecosystem, p.name.as_str(), p.version.as_str()),
            (Ecosystem::Maven, "org.yaml:snakeyaml", "1.33")
        );
        let p = from_purl(
            "pkg:deb/debian/bsdutils@1:2.38.1-5+deb12u3?arch=amd64&upstream=util-linux%402.38.1-5%2Bdeb12u3",
            None,
            None,
            String::new(),
        )
        .unwrap();
        assert_eq!(p.source_name.as_deref(), Some("util-linux"));
        assert_eq!(p.source_version.as_deref(), Some("2.38.1-5+deb12u3"));
        assert!(from_purl("pkg:github/actions/checkout@v4", None, None, String::new()).is_none());
        assert!(read_sbom(b"{}").is_err());
        assert!(read_sbom(b"garbage").is_err());
    }
}
