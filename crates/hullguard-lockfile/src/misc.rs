//! Rust, Go, Ruby, PHP and .NET lockfiles.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::{Locked, Parsed, reference, unquote};

#[derive(Deserialize)]
struct CargoLock {
    #[serde(default)]
    package: Vec<CargoPackage>,
}

#[derive(Deserialize)]
struct CargoPackage {
    name: String,
    version: String,
    /// `registry+…` or `git+…`; absent for the workspace's own crates.
    source: Option<String>,
    /// `name`, `name version` or `name version (source)`: Cargo adds the version
    /// (and source) only when the name alone is ambiguous.
    #[serde(default)]
    dependencies: Vec<String>,
}

/// Every `[[package]]` of a Cargo.lock, workspace members included (marked
/// local), each with its dependencies resolved to the exact locked package.
/// A dependency that names no locked package, or a bare name locked in
/// several versions, is left out rather than guessed.
pub(crate) fn cargo_lock(text: &str) -> Parsed {
    let lock: CargoLock = toml::from_str(text).map_err(|e| format!("invalid TOML: {}", e.message()))?;
    let mut versions: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in &lock.package {
        versions.entry(p.name.as_str()).or_default().push(p.version.as_str());
    }
    let resolve = |spec: &str| {
        let mut fields = spec.split_whitespace();
        let name = fields.next()?;
        let locked = versions.get(name)?;
        let version = match (fields.next(), locked.as_slice()) {
            (Some(v), _) => locked.iter().find(|l| **l == v)?,
            (None, [only]) => only,
            (None, _) => return None,
        };
        Some(reference(name, version))
    };
    Ok(lock
        .package
        .iter()
        .map(|p| {
            let mut locked = Locked::new(p.name.as_str(), p.version.as_str());
            locked.local = p.source.is_none();
            locked.dependencies = p.dependencies.iter().filter_map(|d| resolve(d)).collect();
            locked
        })
        .collect())
}

/// A `require` of go.mod, keyed by module path.
struct GoRequire {
    version: String,
    indirect: bool,
}

/// A `replace` of go.mod: the module (and optionally version) replaced, and
/// the replacing module and version (`None` for a local directory).
struct GoReplace {
    path: String,
    version: Option<String>,
    target: Option<(String, String)>,
}

/// go.mod `require` directives (`// indirect` → not direct), with `replace`
/// directives applied: a module replacement takes the target's path and
/// version, a local-directory replacement drops the requirement.
pub(crate) fn go_mod(text: &str) -> Parsed {
    let mut requires: BTreeMap<String, GoRequire> = BTreeMap::new();
    let mut replaces: Vec<GoReplace> = Vec::new();
    let mut block: Option<(&str, usize)> = None;
    for (number, raw) in text.lines().enumerate() {
        let number = number + 1;
        let (code, comment) = match raw.split_once("//") {
            Some((c, k)) => (c.trim(), Some(k.trim())),
            None => (raw.trim(), None),
        };
        let indirect = comment.is_some_and(|c| c == "indirect" || c.starts_with("indirect;"));
        let (verb, args) = match block {
            Some(_) if code == ")" => {
                block = None;
                continue;
            }
            Some((verb, _)) => (verb, code),
            None => {
                let (verb, args) = code.split_once(char::is_whitespace).unwrap_or((code, ""));
                let args = args.trim();
                if args == "(" {
                    block = Some((verb, number));
                    continue;
                }
                (verb, args)
            }
        };
        if args.is_empty() {
            continue;
        }
        match verb {
            "require" => {
                let mut parts = args.split_whitespace().map(unquote);
                let (Some(path), Some(version), None) = (parts.next(), parts.next(), parts.next()) else {
                    return Err(format!("line {number}: malformed require `{args}`"));
                };
                requires.insert(path.to_owned(), GoRequire { version: version.to_owned(), indirect });
            }
            "replace" => {
                let Some((old, new)) = args.split_once("=>") else {
                    return Err(format!("line {number}: replace without `=>`"));
                };
                let old: Vec<&str> = old.split_whitespace().map(unquote).collect();
                let new: Vec<&str> = new.split_whitespace().map(unquote).collect();
                let (old_path, old_version) = match old[..] {
                    [p] => (p, None),
                    [p, v] => (p, Some(v.to_owned())),
                    _ => return Err(format!("line {number}: malformed replace `{args}`")),
                };
                let target = match new[..] {
                    [_dir] => None,
                    [p, v] => Some((p.to_owned(), v.to_owned())),
                    _ => return Err(format!("line {number}: malformed replace `{args}`")),
                };
                replaces.push(GoReplace { path: old_path.to_owned(), version: old_version, target });
            }
            _ => {}
        }
    }
    if let Some((verb, line)) = block {
        return Err(format!("line {line}: `{verb} (` block is never closed"));
    }
    for replace in replaces {
        let applies =
            requires.get(&replace.path).is_some_and(|r| replace.version.as_ref().is_none_or(|v| *v == r.version));
        if !applies {
            continue;
        }
        if let Some(old) = requires.remove(&replace.path)
            && let Some((path, version)) = replace.target
        {
            requires.insert(path, GoRequire { version, indirect: old.indirect });
        }
    }
    Ok(requires.into_iter().map(|(path, r)| Locked::new(path, r.version).direct(Some(!r.indirect))).collect())
}

/// Platform names that Bundler appends to a gem version (`1.15.4-x86_64-linux`).
const GEM_PLATFORMS: &[&str] = &[
    "x86_64",
    "x86",
    "x64",
    "i386",
    "i486",
    "i586",
    "i686",
    "universal",
    "arm64",
    "arm",
    "aarch64",
    "java",
    "jruby",
    "mswin",
    "mswin32",
    "mswin64",
    "mingw",
    "mingw32",
    "darwin",
    "linux",
    "ppc64le",
    "powerpc",
    "s390x",
    "riscv64",
    "wasm32",
];

fn strip_gem_platform(version: &str) -> &str {
    if let Some((base, platform)) = version.split_once('-') {
        let cpu = platform.split(['-', '_']).next().unwrap_or(platform);
        let known = GEM_PLATFORMS.contains(&cpu) || platform.starts_with("x86_64");
        if known {
            return base;
        }
    }
    version
}

/// Gemfile.lock: `name (version)` lines indented by four spaces under
/// `GEM` / `specs:`; gems listed under `DEPENDENCIES` are direct.
pub(crate) fn gemfile_lock(text: &str) -> Parsed {
    let mut section = "";
    let mut in_specs = false;
    let mut specs: Vec<(&str, &str)> = Vec::new();
    let mut direct: BTreeSet<&str> = BTreeSet::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            section = line.trim();
            in_specs = false;
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = line.trim();
        match (section, indent) {
            ("GEM", 2) => in_specs = body == "specs:",
            ("GEM", 4) if in_specs => {
                if let Some((name, rest)) = body.split_once(" (")
                    && let Some(version) = rest.strip_suffix(')')
                {
                    specs.push((name, strip_gem_platform(version)));
                }
            }
            ("DEPENDENCIES", 2) => {
                let name = body.split([' ', '!']).next().unwrap_or(body);
                direct.insert(name);
            }
            _ => {}
        }
    }
    Ok(specs
        .into_iter()
        .map(|(name, version)| Locked::new(name, version).direct(Some(direct.contains(name))))
        .collect())
}

#[derive(Deserialize)]
struct ComposerLock {
    #[serde(default)]
    packages: Vec<ComposerPackage>,
    #[serde(default, rename = "packages-dev")]
    packages_dev: Vec<ComposerPackage>,
}

#[derive(Deserialize)]
struct ComposerPackage {
    name: String,
    version: String,
}

/// composer.lock `packages` and `packages-dev` (dev); versions kept as written.
pub(crate) fn composer_lock(text: &str) -> Parsed {
    let lock: ComposerLock = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let prod = lock.packages.into_iter().map(|p| (p, false));
    let dev = lock.packages_dev.into_iter().map(|p| (p, true));
    Ok(prod.chain(dev).map(|(p, dev)| Locked::new(p.name, p.version).dev(dev)).collect())
}

#[derive(Deserialize)]
struct NugetLock {
    #[serde(default)]
    dependencies: BTreeMap<String, BTreeMap<String, NugetEntry>>,
}

#[derive(Deserialize)]
struct NugetEntry {
    #[serde(rename = "type")]
    kind: Option<String>,
    resolved: Option<String>,
}

/// packages.lock.json: every target framework's `resolved` versions;
/// `Project` references are skipped, `Direct` marks direct dependencies.
pub(crate) fn nuget_lock(text: &str) -> Parsed {
    let lock: NugetLock = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    Ok(lock
        .dependencies
        .into_values()
        .flatten()
        .filter(|(_, e)| e.kind.as_deref() != Some("Project"))
        .filter_map(|(name, e)| {
            let direct = e.kind.as_deref().map(|k| k == "Direct");
            Some(Locked::new(name, e.resolved?).direct(direct))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use crate::tests::{expect, triples};
    use crate::{Format, parse};

    #[test]
    fn cargo_lock_table() {
        let input = r#"
version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["serde"]

[[package]]
name = "serde"
version = "1.0.200"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "aaaa"

[[package]]
name = "syn"
version = "1.0.109"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "syn"
version = "2.0.60"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
        assert_eq!(
            triples(Format::CargoLock, input),
            expect(&[
                ("app", "0.1.0", false),
                ("serde", "1.0.200", false),
                ("syn", "1.0.109", false),
                ("syn", "2.0.60", false),
            ])
        );
        assert!(parse(Format::CargoLock, b"[[package]]\nname = \"x\"\n").is_err());
        assert!(parse(Format::CargoLock, b"version = 3\n").unwrap().is_empty());
    }

    #[test]
    fn go_mod_table() {
        let input = r#"module example.com/app

go 1.22

toolchain go1.22.3

require github.com/pkg/errors v0.9.1

require (
	golang.org/x/net v0.24.0
	golang.org/x/text v0.14.0 // indirect
	"github.com/old/lib" v1.0.0
	example.com/forked v1.2.0
)

replace github.com/old/lib => github.com/new/lib v1.1.0

replace (
	example.com/forked v1.2.0 => ../forked
	example.com/unused => example.com/other v9.9.9
)

exclude golang.org/x/net v0.23.0
"#;
        let got = parse(Format::GoMod, input.as_bytes()).unwrap();
        let got: Vec<_> = got.iter().map(|l| (l.name.as_str(), l.version.as_str(), l.dev, l.direct)).collect();
        assert_eq!(
            got,
            [
                ("github.com/new/lib", "v1.1.0", false, Some(true)),
                ("github.com/pkg/errors", "v0.9.1", false, Some(true)),
                ("golang.org/x/net", "v0.24.0", false, Some(true)),
                ("golang.org/x/text", "v0.14.0", false, Some(false)),
            ]
        );
        let bad: &[&[u8]] = &[b"module m\nrequire (\n a v1\n", b"require a\n", b"replace a v1 b v2\n"];
        for input in bad {
            assert!(parse(Format::GoMod, input).is_err());
        }
        assert!(parse(Format::GoMod, b"module m\n").unwrap().is_empty());
    }

    #[test]
    fn gemfile_lock_table() {
        let input = r#"GIT
  remote: https://example.invalid/gem.git
  revision: abc
  specs:
    gitgem (0.1.0)

GEM
  remote: https://rubygems.org/
  specs:
    actionpack (7.0.4)
      rack (~> 2.0, >= 2.2.0)
    nokogiri (1.15.4-x86_64-linux)
      racc (~> 1.4)
    nokogiri (1.15.4-arm64-darwin)
      racc (~> 1.4)
    racc (1.7.1)
    rack (2.2.8)
    sqlite3 (1.6.3-x64-mingw-ucrt)

PLATFORMS
  x86_64-linux

DEPENDENCIES
  actionpack (~> 7.0)
  gitgem!
  nokogiri

BUNDLED WITH
   2.4.10
"#;
        let got = parse(Format::GemfileLock, input.as_bytes()).unwrap();
        let got: Vec<_> = got.iter().map(|l| (l.name.as_str(), l.version.as_str(), l.dev, l.direct)).collect();
        assert_eq!(
            got,
            [
                ("actionpack", "7.0.4", false, Some(true)),
                ("nokogiri", "1.15.4", false, Some(true)),
                ("racc", "1.7.1", false, Some(false)),
                ("rack", "2.2.8", false, Some(false)),
                ("sqlite3", "1.6.3", false, Some(false)),
            ]
        );
        assert!(parse(Format::GemfileLock, b"").unwrap().is_empty());
    }

    #[test]
    fn composer_lock_table() {
        let input = r#"{
  "_readme": ["This file locks the dependencies"],
  "content-hash": "abc",
  "packages": [
    {"name": "monolog/monolog", "version": "3.4.0", "type": "library"},
    {"name": "psr/log", "version": "3.0.0"}
  ],
  "packages-dev": [
    {"name": "phpunit/phpunit", "version": "10.3.2"}
  ],
  "aliases": [],
  "minimum-stability": "stable"
}"#;
        assert_eq!(
            triples(Format::ComposerLock, input),
            expect(&[
                ("monolog/monolog", "3.4.0", false),
                ("phpunit/phpunit", "10.3.2", true),
                ("psr/log", "3.0.0", false),
            ])
        );
        assert!(parse(Format::ComposerLock, b"{\"packages\": [{\"name\": 1}]}").is_err());
    }

    #[test]
    fn nuget_lock_table() {
        let input = r#"{
  "version": 1,
  "dependencies": {
    "net6.0": {
      "Newtonsoft.Json": {"type": "Direct", "requested": "[13.0.3, )", "resolved": "13.0.3", "contentHash": "x"},
      "System.Memory": {"type": "Transitive", "resolved": "4.5.5", "contentHash": "y"},
      "MyLib": {"type": "Project", "dependencies": {"Newtonsoft.Json": "[13.0.3, )"}}
    },
    "net8.0": {
      "Newtonsoft.Json": {"type": "Direct", "requested": "[13.0.3, )", "resolved": "13.0.3"},
      "System.Memory": {"type": "CentralTransitive", "requested": "[4.5.5, )", "resolved": "4.5.5"}
    }
  }
}"#;
        let got = parse(Format::NugetPackagesLock, input.as_bytes()).unwrap();
        let got: Vec<_> = got.iter().map(|l| (l.name.as_str(), l.version.as_str(), l.dev, l.direct)).collect();
        assert_eq!(
            got,
            [("Newtonsoft.Json", "13.0.3", false, Some(true)), ("System.Memory", "4.5.5", false, Some(false)),]
        );
        assert!(parse(Format::NugetPackagesLock, b"{\"dependencies\": []}").is_err());
    }
}
