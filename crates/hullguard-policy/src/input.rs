//! The input documents of scanned targets (`hullguard image`, `fs`, `sbom`): the image (config,
//! history, layers, OS, files of interest) and the inventory with the scanners' findings. Their
//! shapes are described in docs/policy.md.

use std::collections::BTreeMap;

use hullguard_image::ImageMeta;
use hullguard_inventory::Inventory;
use hullguard_report::Finding;
use serde_json::{Value as Json, json};

/// The version of the documents' shape.
const SCHEMA_VERSION: u32 = 1;

/// The `image` document: where the image was read, its digests and names, its OCI config
/// (`config.config.User`, `config.history`), its layers (with the history step of each), the
/// OS of its final filesystem and that filesystem's files of interest (`/etc/passwd`,
/// `/etc/group`, as text).
#[must_use]
pub fn image(meta: &ImageMeta, inventory: &Inventory, files: &BTreeMap<String, String>) -> Json {
    json!({
        "schema_version": SCHEMA_VERSION,
        "source": meta.source,
        "names": meta.names,
        "manifest_digest": meta.manifest_digest,
        "config_digest": meta.config_digest,
        "config": meta.config,
        "layers": meta.layers,
        "os": inventory.os,
        "files": files,
    })
}

/// The `inventory` document: the target's name, its OS, packages, warnings and what was not read
/// (as `--list-packages --format json` has them), and every finding of the scanners, before the
/// ignore file.
#[must_use]
pub fn inventory(target: &str, inventory: &Inventory, findings: &[Finding]) -> Json {
    let mut doc = serde_json::to_value(inventory).unwrap_or_else(|_| json!({}));
    if let Json::Object(fields) = &mut doc {
        fields.insert("schema_version".to_owned(), json!(SCHEMA_VERSION));
        fields.insert("target".to_owned(), json!(target));
        fields.insert("findings".to_owned(), json!(findings));
    }
    doc
}
