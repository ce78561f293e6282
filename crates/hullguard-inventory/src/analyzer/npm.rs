//! npm packages: `node_modules/**/package.json` of installed packages, and the project a
//! `package-lock.json` describes.
//!
//! Each package records the names of what it depends on (an installed package: its
//! `dependencies`, `optionalDependencies`, `peerDependencies`; the project: the lockfile root's
//! sections, dev included, and apart which of them only `devDependencies` names); the merge
//! resolves them to the installed packages Node would load.

use std::fmt;

use hullguard_lockfile::NPM_INSTALLED_SECTIONS;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

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
        3
    }

    fn wants(&self, path: &str) -> bool {
        is_installed_manifest(path) || is_lockfile(path)
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        let mut de = serde_json::Deserializer::from_slice(content);
        let doc = match de.deserialize_any(Field(Want::Manifest)).and_then(|got| de.end().map(|()| got)) {
            Ok(Got::Manifest(doc)) => doc,
            Ok(_) => return Err("invalid JSON: not an object".to_string()),
            Err(e) => return Err(format!("invalid JSON: {e}")),
        };
        let (name, version, manifest, root, sections) = if is_lockfile(path) {
            // v1 lockfiles have no root entry; their top-level tree mixes in hoisted packages.
            let entry = doc.root.as_deref();
            let dir = path.strip_suffix("package-lock.json").unwrap_or("");
            (
                entry.and_then(|e| e.name.clone()).or(doc.name.clone()),
                entry.and_then(|e| e.version.clone()).or(doc.version.clone()),
                format!("/{dir}package.json"),
                true,
                entry.map(|e| (e, ROOT_SECTIONS.as_slice())),
            )
        } else {
            (
                doc.name.clone(),
                doc.version.clone(),
                format!("/{path}"),
                false,
                Some((&*doc, NPM_INSTALLED_SECTIONS.as_slice())),
            )
        };
        let (Some(name), Some(version)) = (name, version) else {
            return if root { Ok(()) } else { Err("no name or version".to_string()) };
        };
        let mut p = FoundPackage::new(Ecosystem::Npm, name, version, manifest);
        p.license = if root { None } else { doc.license.clone() };
        p.root_project = root;
        if let Some((entry, sections)) = sections {
            p.depends_on = entry
                .sections
                .iter()
                .filter(|(k, _)| sections.contains(&k.as_str()))
                .flat_map(|(_, names)| names.iter().cloned())
                .collect();
            p.depends_on.sort();
            p.depends_on.dedup();
            if root {
                let named_in = |section: &'static str| {
                    entry.sections.iter().filter(move |(k, _)| k == section).flat_map(|(_, names)| names)
                };
                let runtime: Vec<&String> =
                    ROOT_SECTIONS[..].iter().filter(|s| **s != "devDependencies").flat_map(|s| named_in(s)).collect();
                p.dev_depends_on = named_in("devDependencies").filter(|n| !runtime.contains(n)).cloned().collect();
                p.dev_depends_on.sort();
                p.dev_depends_on.dedup();
            }
        }
        facts.packages.push(p);
        Ok(())
    }
}

/// The fields of a `package.json` (or of a lockfile's root entry) the analyzer uses, read
/// without building a JSON tree: manifests can be tens of megabytes (bundled readmes, big
/// maps). Fields of an unexpected type count as absent; the last of duplicate keys wins.
#[derive(Default)]
struct Manifest {
    name: Option<String>,
    version: Option<String>,
    /// `license`, or the `type` of a `{"type": …}` licence object.
    license: Option<String>,
    /// The dependency names of each dependency section present.
    sections: Vec<(String, Vec<String>)>,
    /// A lockfile's `packages[""]`: the project.
    root: Option<Box<Manifest>>,
}

/// What to make of one JSON value.
#[derive(Clone, Copy)]
enum Want {
    Text,
    License,
    Keys,
    /// The `packages` map of a lockfile: its `""` entry.
    Packages,
    Manifest,
}

enum Got {
    Text(String),
    Keys(Vec<String>),
    Manifest(Box<Manifest>),
    Nothing,
}

struct Field(Want);

impl<'de> DeserializeSeed<'de> for Field {
    type Value = Got;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Got, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Field {
    type Value = Got;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Got, E> {
        Ok(match self.0 {
            Want::Text | Want::License => Got::Text(v.to_string()),
            _ => Got::Nothing,
        })
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Got, E> {
        Ok(Got::Nothing)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Got, E> {
        Ok(Got::Nothing)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Got, E> {
        Ok(Got::Nothing)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Got, E> {
        Ok(Got::Nothing)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Got, E> {
        Ok(Got::Nothing)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Got, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Got::Nothing)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Got, A::Error> {
        let mut manifest = Manifest::default();
        let mut keys = Vec::new();
        let mut got = Got::Nothing;
        while let Some(key) = map.next_key::<String>()? {
            let want = match (self.0, key.as_str()) {
                (Want::Manifest, "name" | "version") => Want::Text,
                (Want::Manifest, "license") => Want::License,
                (Want::Manifest, "packages") => Want::Packages,
                (Want::Manifest, k) if ROOT_SECTIONS.contains(&k) => Want::Keys,
                (Want::License, "type") => Want::Text,
                (Want::Packages, "") => Want::Manifest,
                (Want::Keys, _) => {
                    map.next_value::<IgnoredAny>()?;
                    keys.push(key);
                    continue;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            let value = map.next_value_seed(Field(want))?;
            match (self.0, value) {
                (Want::Manifest, Got::Text(t)) => match key.as_str() {
                    "name" => manifest.name = Some(t),
                    "version" => manifest.version = Some(t),
                    _ => manifest.license = Some(t),
                },
                (Want::Manifest, Got::Keys(names)) => {
                    manifest.sections.retain(|(k, _)| *k != key);
                    manifest.sections.push((key, names));
                }
                (Want::Manifest, Got::Manifest(project)) => manifest.root = Some(project),
                (Want::License | Want::Packages, value) => got = value,
                _ => {}
            }
        }
        Ok(match self.0 {
            Want::Manifest => Got::Manifest(Box::new(manifest)),
            Want::Keys => Got::Keys(keys),
            Want::License | Want::Packages => got,
            Want::Text => Got::Nothing,
        })
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

    #[test]
    fn manifest_fields_of_any_shape() {
        let analyze = |path: &str, json: &str| {
            let mut facts = LayerFacts::default();
            Npm.analyze(path, json.as_bytes(), &mut facts).map(|()| facts.packages)
        };
        let p = analyze(
            "n/node_modules/a/package.json",
            r#"{"name": 5, "name": "a", "version": "1.0.0", "license": {"type": "MIT", "url": "x"},
                "dependencies": {"b": "^1", "c": {"odd": true}}, "peerDependencies": ["not", "a", "map"],
                "optionalDependencies": {"d": "1"}, "devDependencies": {"e": "1"}, "readme": [{"deep": [1, 2]}]}"#,
        )
        .unwrap();
        assert_eq!((p[0].name.as_str(), p[0].version.as_str(), p[0].license.as_deref()), ("a", "1.0.0", Some("MIT")));
        assert_eq!(p[0].depends_on, ["b", "c", "d"]);
        assert_eq!(
            analyze("n/node_modules/a/package.json", r#"{"name": "a", "version": 1}"#).unwrap_err(),
            "no name or version"
        );
        assert!(analyze("n/node_modules/a/package.json", "[]").unwrap_err().starts_with("invalid JSON"));
        let lock = r#"{"name": "old", "lockfileVersion": 3, "packages": {"node_modules/x": {"version": "1"},
                      "": {"name": "app", "version": "2.0.0", "devDependencies": {"x": "1"}}}}"#;
        let p = analyze("app/package-lock.json", lock).unwrap();
        assert_eq!(
            (p[0].name.as_str(), p[0].root_project, p[0].depends_on.as_slice()),
            ("app", true, &["x".to_string()][..])
        );
        assert_eq!(p[0].dev_depends_on, ["x"]);
        // A name in both sections is needed at run time.
        let lock = r#"{"lockfileVersion": 3, "packages": {"": {"name": "app", "version": "1.0.0",
                      "dependencies": {"a": "1"}, "devDependencies": {"a": "1", "b": "1", "c": "1"}}}}"#;
        let p = analyze("app/package-lock.json", lock).unwrap();
        assert_eq!(
            (p[0].depends_on.as_slice(), p[0].dev_depends_on.as_slice()),
            (&["a", "b", "c"].map(String::from)[..], &["b", "c"].map(String::from)[..])
        );
        let installed =
            analyze("n/node_modules/a/package.json", r#"{"name": "a", "version": "1", "devDependencies": {"e": "1"}}"#)
                .unwrap();
        assert!(installed[0].dev_depends_on.is_empty(), "an installed package's dev dependencies are not installed");
    }
}
