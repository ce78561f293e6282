//! SPDX 2.3 JSON. Hand-written structs: `spdx-rs` was last released in 2023.

use serde::Serialize;

use super::{Subject, stable_uuid};
use crate::dependency::edges;
use crate::{Inventory, Package};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo,
    packages: Vec<SpdxPackage>,
    relationships: Vec<Relationship>,
}

#[derive(Serialize)]
struct CreationInfo {
    created: String,
    creators: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpdxPackage {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    download_location: &'static str,
    files_analyzed: bool,
    license_concluded: &'static str,
    license_declared: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    primary_package_purpose: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
}

/// `YYYY-MM-DDThh:mm:ssZ` from an RFC 3339 time; the epoch when there is none.
fn spdx_time(created: Option<&str>) -> String {
    match created {
        Some(t)
            if t.len() >= 19
                && t.as_bytes()[10] == b'T'
                && t[..19].bytes().all(|b| b.is_ascii_digit() || b"-:T".contains(&b)) =>
        {
            format!("{}Z", &t[..19])
        }
        _ => "1970-01-01T00:00:00Z".to_string(),
    }
}

fn package(spdx_id: String, name: String, version: Option<String>, purpose: &'static str) -> SpdxPackage {
    SpdxPackage {
        spdx_id,
        name,
        version_info: version,
        download_location: "NOASSERTION",
        files_analyzed: false,
        license_concluded: "NOASSERTION",
        license_declared: "NOASSERTION",
        source_info: None,
        comment: None,
        external_refs: Vec::new(),
        primary_package_purpose: purpose,
    }
}

/// The package's purl with its source package, which SPDX has no field for, as the `upstream`
/// qualifier when it is not the binary itself (as Syft writes it): `name@version`, or `name`
/// when the version is the binary's.
fn purl_with_upstream(p: &Package) -> String {
    let f = &p.found;
    let Some(source) = f.source_name.as_deref() else { return p.purl.to_string() };
    let version = f.source_version.as_deref().filter(|v| *v != f.version);
    if source == f.name && version.is_none() {
        return p.purl.to_string();
    }
    let upstream = match version {
        Some(v) => format!("{source}@{v}"),
        None => source.to_string(),
    };
    // `upstream` sorts after every qualifier our purls carry (arch, distro, epoch).
    p.purl.with_qualifier("upstream", &upstream).into_string()
}

/// Serialise an inventory as an SPDX 2.3 JSON document: the image `DESCRIBES`-related to the
/// document and `CONTAINS` every package; then a package `DEPENDS_ON` each package it depends on
/// (ordered by the two packages' places in the inventory). Layer provenance is in each package's `sourceInfo`
/// (`layer N (diff_id) at PATH`), the source package in the purl's `upstream` qualifier; licences as found go to `comment` (they are rarely valid SPDX
/// expressions, so `licenseDeclared` stays `NOASSERTION`).
pub fn to_spdx(inventory: &Inventory, subject: &Subject<'_>) -> serde_json::Result<String> {
    let uuid =
        stable_uuid(&format!("spdx|{}|{}", subject.config_digest.unwrap_or(subject.name), inventory.packages.len()));
    let mut packages = vec![package(
        "SPDXRef-Image".to_string(),
        subject.name.to_string(),
        subject.config_digest.map(str::to_string),
        "CONTAINER",
    )];
    let mut relationships = vec![Relationship {
        spdx_element_id: "SPDXRef-DOCUMENT".to_string(),
        relationship_type: "DESCRIBES",
        related_spdx_element: "SPDXRef-Image".to_string(),
    }];
    let contains = |id: &str| Relationship {
        spdx_element_id: "SPDXRef-Image".to_string(),
        relationship_type: "CONTAINS",
        related_spdx_element: id.to_string(),
    };
    if let Some(os) = &inventory.os {
        packages.push(package(
            "SPDXRef-OperatingSystem".to_string(),
            os.id.clone(),
            os.version_id.clone(),
            "OPERATING-SYSTEM",
        ));
        relationships.push(contains("SPDXRef-OperatingSystem"));
    }
    let spdx_id = |i: usize| format!("SPDXRef-Package-{}-{i}", inventory.packages[i].found.ecosystem.purl_type());
    for (i, p) in inventory.packages.iter().enumerate() {
        let f = &p.found;
        let id = spdx_id(i);
        let mut pkg = package(
            id.clone(),
            f.name.clone(),
            Some(f.version.clone()),
            if f.root_project { "APPLICATION" } else { "LIBRARY" },
        );
        pkg.source_info = Some(match p.layer {
            Some(layer) => format!("layer {layer} ({}) at {}", p.diff_id.as_deref().unwrap_or("-"), f.path),
            None => format!("at {}", f.path),
        });
        pkg.comment = f.license.as_ref().map(|l| format!("license: {l}"));
        pkg.external_refs.push(ExternalRef {
            reference_category: "PACKAGE-MANAGER",
            reference_type: "purl",
            reference_locator: purl_with_upstream(p),
        });
        packages.push(pkg);
        relationships.push(contains(&id));
    }
    for (i, targets) in edges(&inventory.packages).into_iter().enumerate() {
        relationships.extend(targets.into_iter().map(|t| Relationship {
            spdx_element_id: spdx_id(i),
            relationship_type: "DEPENDS_ON",
            related_spdx_element: spdx_id(t),
        }));
    }
    let doc = Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: "SPDXRef-DOCUMENT",
        name: subject.name.to_string(),
        document_namespace: format!("https://spdx.org/spdxdocs/hullguard-{uuid}"),
        creation_info: CreationInfo {
            created: spdx_time(subject.created),
            creators: vec![format!("Tool: hullguard-{}", env!("CARGO_PKG_VERSION"))],
        },
        packages,
        relationships,
    };
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

#[cfg(test)]
mod tests {
    use super::spdx_time;

    #[test]
    fn times() {
        assert_eq!(spdx_time(Some("2026-11-01T00:00:00Z")), "2026-11-01T00:00:00Z");
        assert_eq!(spdx_time(Some("2024-02-03T04:05:06.123456789+01:00")), "2024-02-03T04:05:06Z");
        assert_eq!(spdx_time(Some("yesterday")), "1970-01-01T00:00:00Z");
        assert_eq!(spdx_time(None), "1970-01-01T00:00:00Z");
    }
}
