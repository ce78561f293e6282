//! The input documents of scanned targets (`hullguard image`, `fs`, `sbom`): the image (config,
//! history, layers, OS, files of interest) and the inventory with the scanners' findings. Their
//! shapes are described in docs/policy.md.

use std::collections::BTreeMap;

use hullguard_checks::image::FilesOfInterest;
use hullguard_image::ImageMeta;
use hullguard_inventory::Inventory;
use hullguard_manifest::yaml::{Node, Scalar};
use hullguard_report::Finding;
use regorus::Value;
use serde_json::{Value as Json, json};

/// An input document as the engine holds it, converted once (evaluating it under many rules, or
/// on another thread, copies no data).
#[derive(Debug, Clone)]
pub struct Document(pub(crate) Value);

impl From<&Json> for Document {
    fn from(json: &Json) -> Self {
        Self(Value::from(json.clone()))
    }
}

impl Document {
    /// A YAML node (a raw Kubernetes object, a compose file), typed as [`Node::to_json`] types it,
    /// with no JSON in between.
    #[must_use]
    pub fn from_yaml(node: &Node) -> Self {
        fn value(node: &Node) -> Value {
            match node.typed() {
                Some(Scalar::Null) => Value::Null,
                Some(Scalar::Bool(b)) => Value::from(b),
                Some(Scalar::Int(n)) => Value::from(n),
                Some(Scalar::Float(f)) => Value::from(f),
                Some(Scalar::Str(s)) => Value::from(s),
                None if node.is_map() => Value::from(
                    node.entries()
                        .iter()
                        .map(|(k, v)| (Value::from(k.key_text()), value(v)))
                        .collect::<BTreeMap<_, _>>(),
                ),
                None => Value::from(node.items().iter().map(value).collect::<Vec<_>>()),
            }
        }
        Self(value(node))
    }
}

/// The version of the documents' shape.
const SCHEMA_VERSION: u32 = 1;

/// The `image` document: where the image was read, its digests and names, its OCI config
/// (`config.config.User`, `config.history`), its layers (with the history step of each), the
/// OS of its final filesystem and that filesystem's files of interest (`/etc/passwd`,
/// `/etc/group` as text; the paths of interest with their metadata).
#[must_use]
pub fn image(meta: &ImageMeta, inventory: &Inventory, files: &FilesOfInterest) -> Json {
    json!({
        "schema_version": SCHEMA_VERSION,
        "source": meta.source,
        "names": meta.names,
        "manifest_digest": meta.manifest_digest,
        "config_digest": meta.config_digest,
        "config": meta.config,
        "layers": meta.layers,
        "os": inventory.os,
        "files": files.text,
        "paths": files.paths,
        "paths_truncated": files.paths_truncated,
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
