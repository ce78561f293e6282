//! npm packages: `node_modules/**/package.json` of installed packages, and the project a
//! `package-lock.json` describes.
//!
//! Each package records the names of what it depends on (an installed package: its
//! `dependencies`, `optionalDependencies`, `peerDependencies`; the project: the lockfile root's
//! sections, dev included); the merge resolves them to the installed packages Node would load.

use hullguard_lockfile::NPM_INSTALLED_SECTIONS;
use serde_json::Value;

use super::{Analyzer, LayerFacts};
use crate::package::{Ecosystem, FoundPackage};

pub(super) struct Npm;

/// The sections of the project's own manifest (its dev dependencies are installed too).
const ROOT_SECTIONS: [&str; 4] = ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"];

/// Whether `path` is the manifest of an installed package: `…/node_modules/<name>/package.json`
/// or `…/node_modules/@scope/<name>/package.json`.
fn is_installed_manifest(path: &str) -> bool {
    let Some(dir) = path.strip_suffix("/package.json") else { return false };
    let mut parts = dir.rsplit('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(name), Some("node_modules"), _) => !name.starts_with('.') && !name.starts_with('@'),
        (Some(_), Some(scope), Some("node_modules")) => scope.starts_with('@'),
        _ => false,
    }
}

fn is_lockfile(path: &str) -> bool {
    (path == "package-lock.json" || path.ends_with("/package-lock.json")) && !path.contains("node_modules/")
}

impl Analyzer for Npm {
    fn id(&self) -> &'static str {
        "npm"
    }

    fn version(&self) -> u32 {
        2
    }

    fn wants(&self, path: &str) -> bool {
        is_installed_manifest(path) || is_lockfile(path)
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        let doc: Value = serde_json::from_slice(content).map_err(|e| format!("invalid JSON: {e}"))?;
        let text = |v: &Value| v.as_str().map(str::to_string);
        let (name, version, manifest, root, sections) = if is_lockfile(path) {
            // v1 lockfiles have no root entry; their top-level tree mixes in hoisted packages.
            let entry = doc.get("packages").and_then(|p| p.get(""));
            let dir = path.strip_suffix("package-lock.json").unwrap_or("");
            (
                entry.and_then(|e| e.get("name")).or(doc.get("name")),
                entry.and_then(|e| e.get("version")).or(doc.get("version")),
                format!("/{dir}package.json"),
                true,
                entry.map(|e| (e, ROOT_SECTIONS.as_slice())),
            )
        } else {
            (
                doc.get("name"),
                doc.get("version"),
                format!("/{path}"),
                false,
                Some((&doc, NPM_INSTALLED_SECTIONS.as_slice())),
            )
        };
        let (Some(name), Some(version)) = (name.and_then(text), version.and_then(text)) else {
            return if root { Ok(()) } else { Err("no name or version".to_string()) };
        };
        let license = match doc.get("license") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Object(o)) => o.get("type").and_then(text),
            _ => None,
        };
        let mut p = FoundPackage::new(Ecosystem::Npm, name, version, manifest);
        p.license = if root { None } else { license };
        p.root_project = root;
        if let Some((entry, sections)) = sections {
            p.depends_on = sections
                .iter()
                .filter_map(|k| entry.get(k).and_then(Value::as_object))
                .flat_map(|deps| deps.keys().cloned())
                .collect();
            p.depends_on.sort();
            p.depends_on.dedup();
        }
        facts.packages.push(p);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests() {
        assert!(is_installed_manifest("app/node_modules/express/package.json"));
        assert!(is_installed_manifest("app/node_modules/@types/node/package.json"));
        assert!(is_installed_manifest("app/node_modules/a/node_modules/b/package.json"));
        assert!(!is_installed_manifest("app/node_modules/express/lib/package.json"));
        assert!(!is_installed_manifest("app/package.json"));
        assert!(!is_installed_manifest("app/node_modules/.package-lock.json"));
        assert!(is_lockfile("app/package-lock.json"));
        assert!(!is_lockfile("app/node_modules/.package-lock.json"));
    }
}
