//! JavaScript: `package-lock.json`, `yarn.lock`, `pnpm-lock.yaml`.

use std::collections::{BTreeMap, BTreeSet};

use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{Map, Value};

use crate::{Locked, Parsed, reachable, reference, unquote};

/// npm lockfile: the `packages` map (v2/v3) when present, else the v1 `dependencies` tree.
pub(crate) fn package_lock(text: &str) -> Parsed {
    let root: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let root = root.as_object().ok_or("top level is not a JSON object")?;
    let mut out = Vec::new();
    if let Some(packages) = root.get("packages") {
        let packages = packages.as_object().ok_or("`packages` is not an object")?;
        packages_map(packages, &mut out);
    } else if let Some(deps) = root.get("dependencies") {
        let deps = deps.as_object().ok_or("`dependencies` is not an object")?;
        dependency_tree(deps, &mut Vec::new(), &mut out);
    }
    Ok(out)
}

/// The manifest sections whose packages npm installs for an installed package.
pub const INSTALLED_SECTIONS: [&str; 3] = ["dependencies", "optionalDependencies", "peerDependencies"];

/// Node's module lookup: the nearest `node_modules/<name>` in `dir` or one of
/// its ancestors (`dir` is relative, `""` the top) for which `installed` holds.
pub fn node_modules_lookup(dir: &str, name: &str, mut installed: impl FnMut(&str) -> bool) -> Option<String> {
    let mut dir = dir.trim_end_matches('/');
    loop {
        if dir != "node_modules" && !dir.ends_with("/node_modules") {
            let candidate =
                if dir.is_empty() { format!("node_modules/{name}") } else { format!("{dir}/node_modules/{name}") };
            if installed(&candidate) {
                return Some(candidate);
            }
        }
        if dir.is_empty() {
            return None;
        }
        dir = dir.rsplit_once('/').map_or("", |(parent, _)| parent);
    }
}

/// The name and version a v2/v3 `packages` entry installs, `None` for the root,
/// workspace members and links (the project's own code).
fn v2_pinned<'a>(path: &'a str, entry: &'a Value) -> Option<(&'a str, &'a str)> {
    let (_, last) = path.rsplit_once("node_modules/")?;
    if entry.get("link").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let version = entry.get("version").and_then(Value::as_str)?;
    Some((entry.get("name").and_then(Value::as_str).unwrap_or(last), version))
}

/// v2/v3: keys are install paths such as `node_modules/a/node_modules/b`; each
/// dependency resolves to the entry Node's lookup would load.
fn packages_map(packages: &Map<String, Value>, out: &mut Vec<Locked>) {
    // Direct dependencies are the ones the root entry names.
    let direct_names: Option<BTreeSet<&str>> = packages.get("").map(|root| {
        ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"]
            .iter()
            .filter_map(|k| root.get(k).and_then(Value::as_object))
            .flat_map(|m| m.keys().map(String::as_str))
            .collect()
    });
    for (path, entry) in packages {
        let (Some((name, version)), Some((parents, last))) =
            (v2_pinned(path, entry), path.rsplit_once("node_modules/"))
        else {
            continue;
        };
        let dev = entry.get("dev").and_then(Value::as_bool) == Some(true);
        let direct = direct_names.as_ref().map(|names| parents.is_empty() && names.contains(last));
        let mut locked = Locked::new(name, version).dev(dev).direct(direct);
        locked.dependencies = INSTALLED_SECTIONS
            .iter()
            .filter_map(|k| entry.get(k).and_then(Value::as_object))
            .flat_map(Map::keys)
            .filter_map(|dep| {
                let target = node_modules_lookup(path, dep, |key| packages.contains_key(key))?;
                let (name, version) = v2_pinned(&target, packages.get(&target)?)?;
                Some(reference(name, version))
            })
            .collect();
        out.push(locked);
    }
}

/// The name and version a v1 `dependencies` entry pins: aliases pin
/// `npm:real-name@version`; git, file and URL versions pin nothing.
fn v1_pinned<'a>(key: &'a str, entry: &'a Value) -> Option<(&'a str, &'a str)> {
    let version = entry.get("version").and_then(Value::as_str)?;
    let (name, version) = version.strip_prefix("npm:").and_then(split_name_at).unwrap_or((key, version));
    (!version.contains([':', '/'])).then_some((name, version))
}

/// v1: `dependencies` nested by install location; serde_json bounds the depth.
/// Hoisting puts transitive packages at the top too, so `direct` stays unknown.
/// A `requires` name resolves to the nearest entry of that name: the entry's
/// own nested `dependencies`, then those of each enclosing level (`scopes`).
fn dependency_tree<'a>(deps: &'a Map<String, Value>, scopes: &mut Vec<&'a Map<String, Value>>, out: &mut Vec<Locked>) {
    scopes.push(deps);
    for (key, entry) in deps {
        let nested = entry.get("dependencies").and_then(Value::as_object);
        if let Some((name, version)) = v1_pinned(key, entry) {
            let dev = entry.get("dev").and_then(Value::as_bool) == Some(true);
            let mut locked = Locked::new(name, version).dev(dev);
            locked.dependencies = entry
                .get("requires")
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(Map::keys)
                .filter_map(|dep| {
                    let target = nested.into_iter().chain(scopes.iter().rev().copied()).find_map(|s| s.get(dep))?;
                    let (name, version) = v1_pinned(dep, target)?;
                    Some(reference(name, version))
                })
                .collect();
            out.push(locked);
        }
        if let Some(nested) = nested {
            dependency_tree(nested, scopes, out);
        }
    }
    scopes.pop();
}

/// Splits `name@rest` where `name` may be scoped (`@scope/name@rest`).
fn split_name_at(spec: &str) -> Option<(&str, &str)> {
    let at = spec.get(1..)?.find('@')? + 1;
    Some((&spec[..at], &spec[at + 1..]))
}

/// One top-level entry of a yarn lockfile.
#[derive(Default)]
struct YarnBlock<'a> {
    header: &'a str,
    version: Option<&'a str>,
    resolution: Option<&'a str>,
}

/// yarn.lock, classic v1 (`version "x"`) and berry (`resolution: "name@npm:x"`).
pub(crate) fn yarn_lock(text: &str) -> Parsed {
    let mut blocks: Vec<YarnBlock<'_>> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            let header = line
                .trim_end()
                .strip_suffix(':')
                .ok_or_else(|| format!("line {}: expected an entry header ending in ':'", number + 1))?;
            blocks.push(YarnBlock { header, ..YarnBlock::default() });
            continue;
        }
        let Some(block) = blocks.last_mut() else {
            return Err(format!("line {}: indented line before any entry", number + 1));
        };
        // Fields of the entry itself are indented by exactly two spaces.
        if line.starts_with("   ") {
            continue;
        }
        let (key, value) = match trimmed.split_once(':') {
            Some((k, v)) if !k.contains([' ', '"']) => (k, v),
            _ => trimmed.split_once(' ').unwrap_or((trimmed, "")),
        };
        match key {
            "version" => block.version = Some(unquote(value)),
            "resolution" => block.resolution = Some(unquote(value)),
            _ => {}
        }
    }
    Ok(blocks.into_iter().filter_map(yarn_entry).collect())
}

fn yarn_entry(block: YarnBlock<'_>) -> Option<Locked> {
    if let Some(resolution) = block.resolution {
        // Berry: only packages resolved from the registry carry a real version.
        let (name, rest) = split_name_at(resolution)?;
        let version = rest.strip_prefix("npm:")?;
        return Some(Locked::new(name, version));
    }
    if block.header == "__metadata" {
        return None;
    }
    let version = block.version?;
    let first = unquote(block.header.split(',').next()?);
    let (mut name, range) = split_name_at(first)?;
    if let Some((real, _)) = range.strip_prefix("npm:").and_then(split_name_at) {
        name = real;
    }
    Some(Locked::new(name, version))
}

/// The text of a YAML scalar (numbers keep their YAML spelling only approximately).
fn yaml_text(node: &Yaml<'_>) -> Option<String> {
    match node {
        Yaml::Representation(s, _, _) => Some(s.to_string()),
        Yaml::Value(Scalar::String(s)) => Some(s.to_string()),
        Yaml::Value(Scalar::Integer(i)) => Some(i.to_string()),
        Yaml::Value(Scalar::FloatingPoint(f)) => Some(f.to_string()),
        _ => None,
    }
}

/// Deepest YAML nesting accepted; real pnpm lockfiles stay under ten levels.
const MAX_YAML_NESTING: usize = 64;

/// Over-estimates the nesting of a YAML text (indentation levels, compact
/// `- ` sequences and flow brackets) so hostile input cannot exhaust the
/// stack of the recursive YAML loader.
fn yaml_nesting_ok(text: &str) -> bool {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    for line in text.lines() {
        let body = line.trim_start_matches(' ');
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let indent = line.len() - body.len();
        while indents.last().is_some_and(|&top| top >= indent) {
            indents.pop();
        }
        indents.push(indent);
        let dashes = body.len() - body.trim_start_matches(['-', ' ']).len();
        let mut depth = indents.len() + dashes / 2 + flow;
        for b in body.bytes() {
            match b {
                b'[' | b'{' => {
                    flow += 1;
                    depth += 1;
                }
                b']' | b'}' => flow = flow.saturating_sub(1),
                _ => {}
            }
            if depth > MAX_YAML_NESTING {
                return false;
            }
        }
        if depth > MAX_YAML_NESTING {
            return false;
        }
    }
    true
}

/// Dependency sections of a pnpm importer, and whether each is dev.
const PNPM_SECTIONS: [(&str, bool); 3] =
    [("dependencies", false), ("optionalDependencies", false), ("devDependencies", true)];

/// One dependency the project itself declares in a pnpm lockfile.
struct PnpmDirect {
    name: String,
    version: String,
    dev: bool,
}

/// The project's own dependencies: from `importers` (workspaces, v9), else
/// from the top level (v5/v6 single project); `None` when neither is there.
fn pnpm_direct(doc: &Yaml<'_>) -> Option<Vec<PnpmDirect>> {
    let importers: Vec<&Yaml<'_>> = match doc.as_mapping_get("importers").and_then(Yaml::as_mapping) {
        Some(m) => m.values().collect(),
        None if PNPM_SECTIONS.iter().any(|(s, _)| doc.contains_mapping_key(s)) => {
            vec![doc]
        }
        None => return None,
    };
    let mut out = Vec::new();
    for importer in importers {
        for (section, dev) in PNPM_SECTIONS {
            let Some(deps) = importer.as_mapping_get(section).and_then(Yaml::as_mapping) else {
                continue;
            };
            for (name, spec) in deps {
                let version = spec.as_mapping_get("version").and_then(yaml_text).or_else(|| yaml_text(spec));
                if let (Some(name), Some(version)) = (yaml_text(name), version) {
                    out.push(PnpmDirect { name, version, dev });
                }
            }
        }
    }
    Some(out)
}

/// The `snapshots` key a dependency resolves to: `name@version(peers)`, or
/// the version itself when it already names a package (aliases).
fn snapshot_key(name: &str, version: &str) -> String {
    let base = version.split('(').next().unwrap_or(version);
    if base.get(1..).is_some_and(|rest| rest.contains('@')) { version.to_owned() } else { format!("{name}@{version}") }
}

/// v9 keeps no `dev` flag: packages (peer suffixes stripped) that only the
/// importers' `devDependencies` reach through `snapshots`.
fn pnpm_dev_only(doc: &Yaml<'_>, direct: &[PnpmDirect]) -> Option<BTreeSet<String>> {
    let snapshots = doc.as_mapping_get("snapshots")?.as_mapping()?;
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (key, snapshot) in snapshots {
        let Some(key) = yaml_text(key) else { continue };
        let children = edges.entry(key).or_default();
        for section in ["dependencies", "optionalDependencies"] {
            let Some(deps) = snapshot.as_mapping_get(section).and_then(Yaml::as_mapping) else {
                continue;
            };
            for (name, version) in deps {
                if let (Some(n), Some(v)) = (yaml_text(name), yaml_text(version)) {
                    children.insert(snapshot_key(&n, &v));
                }
            }
        }
    }
    let roots = |dev: bool| direct.iter().filter(move |d| d.dev == dev).map(|d| snapshot_key(&d.name, &d.version));
    let base = |key: String| key.split('(').next().unwrap_or_default().to_owned();
    let prod: BTreeSet<String> = reachable(&edges, roots(false)).into_iter().map(base).collect();
    let dev = reachable(&edges, roots(true)).into_iter().map(base);
    Some(dev.filter(|k| !prod.contains(k)).collect())
}

/// pnpm lockfile: keys of `packages` (`/name/1.0.0` in v5, `/name@1.0.0` in v6,
/// `name@1.0.0` in v9, peer suffixes stripped). `dev: true` marks dev (v5/v6);
/// v9 derives it from `snapshots`. Direct means named by an importer.
pub(crate) fn pnpm_lock(text: &str) -> Parsed {
    if !yaml_nesting_ok(text) {
        return Err("YAML nested too deeply".to_owned());
    }
    let docs = Yaml::load_from_str(text).map_err(|e| format!("invalid YAML: {e}"))?;
    let Some(doc) = docs.first() else {
        return Ok(Vec::new());
    };
    if !doc.is_mapping() {
        return Err("top level is not a mapping".to_owned());
    }
    let major = doc
        .as_mapping_get("lockfileVersion")
        .and_then(yaml_text)
        .and_then(|v| v.split('.').next()?.parse::<u32>().ok());
    let Some(packages) = doc.as_mapping_get("packages") else {
        return Ok(Vec::new());
    };
    if packages.is_null() {
        return Ok(Vec::new());
    }
    let packages = packages.as_mapping().ok_or("`packages` is not a mapping")?;
    let direct = pnpm_direct(doc);
    let direct_names: Option<BTreeSet<&str>> = direct.as_ref().map(|d| d.iter().map(|d| d.name.as_str()).collect());
    let dev_only = match (&direct, major) {
        (Some(direct), Some(9..)) => pnpm_dev_only(doc, direct),
        _ => None,
    };
    let mut out = Vec::new();
    for (key, entry) in packages {
        let Some(key) = yaml_text(key) else { continue };
        let field = |f: &str| entry.as_mapping_get(f).and_then(yaml_text);
        let named = field("name").zip(field("version"));
        let pinned = named.or_else(|| {
            let (n, v) = pnpm_key(&key, major.is_some_and(|m| m < 6))?;
            Some((n.to_owned(), v.to_owned()))
        });
        let Some((name, version)) = pinned else {
            continue;
        };
        if version.contains([':', '/']) {
            continue;
        }
        let dev = match &dev_only {
            Some(dev_only) => dev_only.contains(key.split('(').next().unwrap_or_default()),
            None => entry.as_mapping_get("dev").and_then(Yaml::as_bool) == Some(true),
        };
        let is_direct = direct_names.as_ref().map(|d| d.contains(name.as_str()));
        out.push(Locked::new(name, version).dev(dev).direct(is_direct));
    }
    Ok(out)
}

/// Splits a pnpm package key into name and version.
fn pnpm_key(key: &str, v5: bool) -> Option<(&str, &str)> {
    let key = key.strip_prefix('/').unwrap_or(key);
    if v5 {
        // `@scope/name/1.0.0_peer@2.0.0` or `name/1.0.0`.
        let skip = usize::from(key.starts_with('@'));
        let mut slashes = key.match_indices('/').map(|(i, _)| i);
        let cut = slashes.nth(skip)?;
        let version = &key[cut + 1..];
        let version = version.split('_').next()?;
        return Some((&key[..cut], version));
    }
    let key = key.split('(').next()?;
    split_name_at(key)
}

#[cfg(test)]
mod tests {
    use crate::Format;
    use crate::tests::{Case, expect, triples};

    #[test]
    fn package_lock_v1_table() {
        let input = r#"{
  "name": "app", "version": "1.0.0", "lockfileVersion": 1, "requires": true,
  "dependencies": {
    "express": {"version": "4.17.1", "resolved": "https://r.invalid/express.tgz",
      "dependencies": {"ms": {"version": "2.1.1"}}},
    "ms": {"version": "2.0.0"},
    "jest": {"version": "29.0.0", "dev": true},
    "legacy": {"version": "npm:left-pad@1.3.0"},
    "local": {"version": "file:../local"}
  }
}"#;
        assert_eq!(
            triples(Format::PackageLock, input),
            expect(&[
                ("express", "4.17.1", false),
                ("jest", "29.0.0", true),
                ("left-pad", "1.3.0", false),
                ("ms", "2.0.0", false),
                ("ms", "2.1.1", false),
            ])
        );
    }

    #[test]
    fn package_lock_v3_table() {
        let input = r#"{
  "name": "app", "lockfileVersion": 3,
  "packages": {
    "": {"name": "app", "version": "1.0.0", "dependencies": {"@scope/lib": "^1"},
         "devDependencies": {"jest": "^29"}},
    "node_modules/@scope/lib": {"version": "1.2.0"},
    "node_modules/@scope/lib/node_modules/semver": {"version": "6.3.1"},
    "node_modules/semver": {"version": "7.5.4", "dev": true},
    "node_modules/jest": {"version": "29.7.0", "dev": true},
    "node_modules/alias": {"name": "real-pkg", "version": "2.0.0"},
    "node_modules/my-ws": {"resolved": "packages/my-ws", "link": true},
    "packages/my-ws": {"name": "my-ws", "version": "0.0.1"}
  }
}"#;
        assert_eq!(
            triples(Format::PackageLock, input),
            expect(&[
                ("@scope/lib", "1.2.0", false),
                ("jest", "29.7.0", true),
                ("real-pkg", "2.0.0", false),
                ("semver", "6.3.1", false),
                ("semver", "7.5.4", true),
            ])
        );
        let direct: Vec<_> =
            crate::parse(Format::PackageLock, input.as_bytes()).unwrap().into_iter().map(|l| l.direct).collect();
        assert_eq!(direct, [Some(true), Some(true), Some(false), Some(false), Some(false)]);
        assert!(crate::parse(Format::PackageLock, b"[1,2]").is_err());
        assert!(crate::parse(Format::PackageLock, b"{\"packages\": 3}").is_err());
    }

    /// `(name@version, dependencies)` of every package a lockfile pins.
    fn edges(format: Format, input: &str) -> Vec<(String, Vec<String>)> {
        crate::parse(format, input.as_bytes())
            .unwrap()
            .into_iter()
            .map(|l| (format!("{}@{}", l.name, l.version), l.dependencies))
            .collect()
    }

    fn owned(rows: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        rows.iter().map(|(p, d)| ((*p).to_owned(), d.iter().map(|s| (*s).to_owned()).collect())).collect()
    }

    #[test]
    fn package_lock_v3_edges_follow_node_lookup() {
        // `b` is hoisted at 1.0.0 and shadowed at 2.0.0 inside `a`; `@s/c` nests `b` 3.0.0
        // under its scoped directory; `d` is a link to a workspace member (not a package).
        let input = r#"{"lockfileVersion": 3, "packages": {
            "": {"name": "root", "dependencies": {"a": "^1", "b": "^1", "d": "*"}},
            "node_modules/a": {"version": "1.0.0", "dependencies": {"b": "^2", "e": "^1"}, "optionalDependencies": {"gone": "^1"}},
            "node_modules/a/node_modules/b": {"version": "2.0.0", "peerDependencies": {"e": "^1"}},
            "node_modules/b": {"version": "1.0.0", "dependencies": {"e": "^1"}},
            "node_modules/@s/c": {"version": "1.0.0", "dependencies": {"b": "^3", "d": "*"}},
            "node_modules/@s/c/node_modules/b": {"version": "3.0.0"},
            "node_modules/d": {"resolved": "packages/d", "link": true},
            "node_modules/e": {"version": "1.0.0"},
            "packages/d": {"name": "d", "version": "0.1.0", "dependencies": {"e": "^1"}}
        }}"#;
        assert_eq!(
            edges(Format::PackageLock, input),
            owned(&[
                ("@s/c@1.0.0", &["b@3.0.0"]),
                ("a@1.0.0", &["b@2.0.0", "e@1.0.0"]),
                ("b@1.0.0", &["e@1.0.0"]),
                ("b@2.0.0", &["e@1.0.0"]),
                ("b@3.0.0", &[]),
                ("e@1.0.0", &[]),
            ])
        );
    }

    #[test]
    fn package_lock_v1_edges_follow_nesting() {
        let input = r#"{"lockfileVersion": 1, "dependencies": {
            "a": {"version": "1.0.0", "requires": {"b": "^2", "c": "^1"},
                  "dependencies": {"b": {"version": "2.0.0", "requires": {"c": "^1"}}}},
            "b": {"version": "1.0.0"},
            "c": {"version": "npm:real-c@1.1.0", "requires": {"git-dep": "*"}},
            "git-dep": {"version": "git+https://example.com/x.git#abc"}
        }}"#;
        assert_eq!(
            edges(Format::PackageLock, input),
            owned(&[
                ("a@1.0.0", &["b@2.0.0", "real-c@1.1.0"]),
                ("b@1.0.0", &[]),
                ("b@2.0.0", &["real-c@1.1.0"]),
                ("real-c@1.1.0", &[]),
            ])
        );
    }

    #[test]
    fn node_modules_lookup_walks_up() {
        let installed = ["node_modules/x", "app/node_modules/x", "app/node_modules/a/node_modules/y"];
        let lookup = |dir: &str, name: &str| crate::node_modules_lookup(dir, name, |c| installed.contains(&c));
        assert_eq!(lookup("app/node_modules/a", "x").as_deref(), Some("app/node_modules/x"));
        assert_eq!(lookup("app/node_modules/a", "y").as_deref(), Some("app/node_modules/a/node_modules/y"));
        assert_eq!(lookup("lib/node_modules/b", "x").as_deref(), Some("node_modules/x"));
        assert_eq!(lookup("app/node_modules/b", "y"), None);
    }

    #[test]
    fn yarn_lock_table() {
        let v1 = r#"# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":
  version "7.12.13"
  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.12.13.tgz#abc"
  integrity sha512-xyz
  dependencies:
    "@babel/highlight" "^7.10.4"

lodash@^4.17.15, lodash@^4.17.20:
  version "4.17.21"

my-alias@npm:left-pad@^1.3.0:
  version "1.3.0"
"#;
        let berry = r#"# This file is generated by running "yarn install" inside your project.

__metadata:
  version: 6
  cacheKey: 8

"@types/node@npm:^20.0.0":
  version: 20.4.2
  resolution: "@types/node@npm:20.4.2"
  checksum: abc
  languageName: node
  linkType: hard

"lodash@npm:^4.17.21":
  version: 4.17.21
  resolution: "lodash@npm:4.17.21"
  dependencies:
    foo: "npm:1.0.0"
  languageName: node
  linkType: hard

"my-app@workspace:.":
  version: 0.0.0-use.local
  resolution: "my-app@workspace:."
  languageName: unknown
  linkType: soft
"#;
        let cases: &[Case<'_>] = &[
            (
                v1,
                &[("@babel/code-frame", "7.12.13", false), ("left-pad", "1.3.0", false), ("lodash", "4.17.21", false)],
            ),
            (berry, &[("@types/node", "20.4.2", false), ("lodash", "4.17.21", false)]),
            ("# yarn lockfile v1\n", &[]),
        ];
        for (input, want) in cases {
            assert_eq!(triples(Format::YarnLock, input), expect(want));
        }
        assert!(crate::parse(Format::YarnLock, b"not a lockfile\n").is_err());
        assert!(crate::parse(Format::YarnLock, b"  version \"1\"\n").is_err());
    }

    #[test]
    fn pnpm_lock_table() {
        let v5 = r#"lockfileVersion: 5.4
specifiers:
  react: ^17.0.2
dependencies:
  react: 17.0.2
packages:
  /react/17.0.2:
    resolution: {integrity: sha512-x}
    engines: {node: '>=0.10.0'}
    dev: false
  /@babel/core/7.22.9_supports-color@8.1.1:
    resolution: {integrity: sha512-y}
    dev: true
  /loose-envify/1.4.0:
    resolution: {integrity: sha512-z}
"#;
        let v6 = r#"lockfileVersion: '6.0'
packages:
  /react@18.2.0:
    resolution: {integrity: sha512-x}
    dev: false
  /@testing-library/react@14.0.0(react-dom@18.2.0)(react@18.2.0):
    resolution: {integrity: sha512-y}
    dev: true
  '@tarball/pkg@https://example.invalid/pkg.tgz':
    resolution: {tarball: https://example.invalid/pkg.tgz}
    name: tarball-pkg
    version: 1.0.0
    dev: false
"#;
        let v9 = r#"lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      lodash:
        specifier: ^4.17.21
        version: 4.17.21
      vue:
        specifier: ^3.4.0
        version: 3.4.0(typescript@5.3.3)
    devDependencies:
      typescript:
        specifier: ^5.3.0
        version: 5.3.3
      eslint:
        specifier: ^8.0.0
        version: 8.56.0
packages:
  lodash@4.17.21:
    resolution: {integrity: sha512-x}
  '@vue/shared@3.4.0':
    resolution: {integrity: sha512-y}
  vue@3.4.0:
    resolution: {integrity: sha512-z}
  typescript@5.3.3:
    resolution: {integrity: sha512-t}
  eslint@8.56.0:
    resolution: {integrity: sha512-e}
  ms@2.1.3:
    resolution: {integrity: sha512-m}
snapshots:
  lodash@4.17.21: {}
  '@vue/shared@3.4.0': {}
  vue@3.4.0(typescript@5.3.3):
    dependencies:
      '@vue/shared': 3.4.0
      typescript: 5.3.3
  typescript@5.3.3: {}
  eslint@8.56.0:
    dependencies:
      ms: 2.1.3
      lodash: 4.17.21
  ms@2.1.3: {}
"#;
        let cases: &[Case<'_>] = &[
            (v5, &[("@babel/core", "7.22.9", true), ("loose-envify", "1.4.0", false), ("react", "17.0.2", false)]),
            (
                v6,
                &[
                    ("@testing-library/react", "14.0.0", true),
                    ("react", "18.2.0", false),
                    ("tarball-pkg", "1.0.0", false),
                ],
            ),
            (
                v9,
                &[
                    ("@vue/shared", "3.4.0", false),
                    ("eslint", "8.56.0", true),
                    ("lodash", "4.17.21", false),
                    ("ms", "2.1.3", true),
                    ("typescript", "5.3.3", false),
                    ("vue", "3.4.0", false),
                ],
            ),
            ("lockfileVersion: '9.0'\npackages: {}\n", &[]),
            ("", &[]),
        ];
        for (input, want) in cases {
            assert_eq!(triples(Format::PnpmLock, input), expect(want));
        }
        let direct: Vec<_> =
            crate::parse(Format::PnpmLock, v9.as_bytes()).unwrap().into_iter().map(|l| l.direct).collect();
        assert_eq!(direct, [Some(false), Some(true), Some(true), Some(false), Some(true), Some(true)]);
        let v6_direct = crate::parse(Format::PnpmLock, v6.as_bytes()).unwrap();
        assert!(v6_direct.iter().all(|l| l.direct.is_none()));
        assert!(crate::parse(Format::PnpmLock, b"- a\n- b\n").is_err());
        assert!(crate::parse(Format::PnpmLock, b"packages: [1\n").is_err());
        assert!(crate::parse(Format::PnpmLock, b"packages:\n  - a\n").is_err());
    }
}
