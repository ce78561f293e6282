//! CycloneDX 1.6 JSON. Hand-written structs: `cyclonedx-bom` stops at spec 1.5.

use serde::Serialize;

use super::{Subject, stable_uuid};
use crate::dependency::edges;
use crate::{Inventory, Package};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    #[serde(rename = "$schema")]
    schema: &'static str,
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<Dependency>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    depends_on: Vec<String>,
}

#[derive(Serialize)]
struct Metadata {
    tools: Tools,
    component: Component,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Default)]
struct Component {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct LicenseChoice {
    license: License,
}

#[derive(Serialize)]
struct License {
    name: String,
}

#[derive(Serialize)]
struct Property {
    name: String,
    value: String,
}

fn prop(name: &str, value: impl Into<String>) -> Property {
    Property { name: name.to_string(), value: value.into() }
}

/// The bom-ref of a package: its purl and the file it was found in.
fn bom_ref(p: &Package) -> String {
    format!("{}|{}", p.purl, p.found.path)
}

/// Serialise an inventory as a CycloneDX 1.6 JSON document. Layer provenance is carried as
/// `hullguard:layer:index` / `hullguard:layer:diff_id` properties; dependency edges as the
/// top-level `dependencies` (one entry per package that depends on others, sorted by `ref`,
/// each `dependsOn` sorted). Output is deterministic.
pub fn to_cyclonedx(inventory: &Inventory, subject: &Subject<'_>) -> serde_json::Result<String> {
    let seed = format!("{}|{}", subject.config_digest.unwrap_or(subject.name), inventory.packages.len());
    let mut image = Component {
        kind: "container",
        bom_ref: Some("image".to_string()),
        name: subject.name.to_string(),
        version: subject.config_digest.map(str::to_string),
        ..Component::default()
    };
    image.properties =
        subject.diff_ids.iter().enumerate().map(|(i, d)| prop(&format!("hullguard:layer:{i}:diff_id"), *d)).collect();
    let mut components = Vec::new();
    if let Some(os) = &inventory.os {
        components.push(Component {
            kind: "operating-system",
            bom_ref: Some("os".to_string()),
            name: os.id.clone(),
            version: os.version_id.clone(),
            description: os.pretty_name.clone(),
            properties: os.codename.iter().map(|c| prop("hullguard:os:codename", c.clone())).collect(),
            ..Component::default()
        });
    }
    for p in &inventory.packages {
        let f = &p.found;
        let mut properties = vec![
            prop("hullguard:package:ecosystem", f.ecosystem.purl_type()),
            prop("hullguard:package:path", f.path.clone()),
        ];
        if let Some(layer) = p.layer {
            properties.push(prop("hullguard:layer:index", layer.to_string()));
        }
        if let Some(d) = &p.diff_id {
            properties.push(prop("hullguard:layer:diff_id", d.clone()));
        }
        if let Some(s) = &f.source_name {
            properties.push(prop("hullguard:package:source_name", s.clone()));
        }
        if let Some(s) = &f.source_version {
            properties.push(prop("hullguard:package:source_version", s.clone()));
        }
        if let Some(a) = &f.arch {
            properties.push(prop("hullguard:package:arch", a.clone()));
        }
        if f.root_project {
            properties.push(prop("hullguard:package:root_project", "true"));
        }
        components.push(Component {
            kind: "library",
            bom_ref: Some(bom_ref(p)),
            name: f.name.clone(),
            version: Some(f.version.clone()),
            purl: Some(p.purl.to_string()),
            licenses: f.license.iter().map(|l| LicenseChoice { license: License { name: l.clone() } }).collect(),
            properties,
            ..Component::default()
        });
    }
    let mut dependencies: Vec<Dependency> = inventory
        .packages
        .iter()
        .zip(edges(&inventory.packages))
        .filter(|(_, targets)| !targets.is_empty())
        .map(|(p, targets)| {
            let mut depends_on: Vec<String> = targets.iter().map(|&t| bom_ref(&inventory.packages[t])).collect();
            depends_on.sort();
            Dependency { reference: bom_ref(p), depends_on }
        })
        .collect();
    dependencies.sort_by(|a, b| a.reference.cmp(&b.reference));
    let bom = Bom {
        schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: format!("urn:uuid:{}", stable_uuid(&seed)),
        version: 1,
        metadata: Metadata {
            tools: Tools {
                components: vec![Component {
                    kind: "application",
                    name: "hullguard".to_string(),
                    version: Some(env!("CARGO_PKG_VERSION").to_string()),
                    ..Component::default()
                }],
            },
            component: image,
        },
        components,
        dependencies,
    };
    Ok(serde_json::to_string_pretty(&bom)? + "\n")
}
