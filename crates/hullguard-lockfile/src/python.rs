//! Python: `requirements*.txt`, `poetry.lock`, `Pipfile.lock`, `uv.lock`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::{Locked, Parsed, reachable};

/// Exact pins of a pip requirements file; anything else is skipped.
pub(crate) fn requirements_txt(text: &str) -> Parsed {
    let mut out = Vec::new();
    let mut logical = String::new();
    for raw in text.lines() {
        // A backslash at the end of a line continues it on the next one.
        if let Some(head) = raw.strip_suffix('\\') {
            logical.push_str(head);
            logical.push(' ');
            continue;
        }
        logical.push_str(raw);
        if let Some(pin) = requirement_pin(&logical) {
            out.push(pin);
        }
        logical.clear();
    }
    if let Some(pin) = requirement_pin(&logical) {
        out.push(pin);
    }
    Ok(out)
}

/// Parses one logical requirements line into an exact pin, if it is one.
fn requirement_pin(line: &str) -> Option<Locked> {
    // Comments start a line or follow whitespace.
    let mut line = line;
    if line.trim_start().starts_with('#') {
        return None;
    }
    if let Some(i) = line.find(" #").or_else(|| line.find("\t#")) {
        line = &line[..i];
    }
    let line = line.trim();
    // Options (-r, -e, -c, --index-url ...), local paths and URLs.
    if line.is_empty() || line.starts_with(['-', '.', '/']) || line.contains("://") || line.contains(" @ ") {
        return None;
    }
    // Environment markers, then per-requirement options such as --hash.
    let line = line.split(';').next().unwrap_or_default();
    let line = match line.find(" -").or_else(|| line.find("\t-")) {
        Some(i) => &line[..i],
        None => line,
    };
    let (name, version) = if let Some((n, v)) = line.split_once("===") { (n, v) } else { line.split_once("==")? };
    let name = match name.find('[') {
        Some(i) if name.trim_end().ends_with(']') => &name[..i],
        Some(_) => return None,
        None => name,
    }
    .trim();
    let version = version.trim();
    let name_ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    // PEP 440 spellings: digits, letters, `.`, `+` (local), `!` (epoch), `-`, `_`.
    let version_ok = !version.is_empty()
        && version.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '!' | '-' | '_'));
    (name_ok && version_ok).then(|| Locked::new(name, version))
}

#[derive(Deserialize)]
struct PoetryLock {
    #[serde(default)]
    package: Vec<PoetryPackage>,
}

#[derive(Deserialize)]
struct PoetryPackage {
    name: String,
    version: Option<String>,
    /// Poetry before 1.5: `"main"` or `"dev"`.
    category: Option<String>,
    /// Poetry 2: the dependency groups that pull the package in.
    groups: Option<Vec<String>>,
}

fn parse_toml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| format!("invalid TOML: {}", e.message()))
}

/// `[[package]]` tables; `category = "dev"`, or groups without `main`, mark dev.
pub(crate) fn poetry_lock(text: &str) -> Parsed {
    let lock: PoetryLock = parse_toml(text)?;
    Ok(lock
        .package
        .into_iter()
        .filter_map(|p| {
            let dev = p.category.as_deref() == Some("dev")
                || p.groups.as_ref().is_some_and(|g| !g.is_empty() && !g.iter().any(|g| g == "main"));
            Some(Locked::new(p.name, p.version?).dev(dev))
        })
        .collect())
}

#[derive(Deserialize)]
struct UvLock {
    #[serde(default)]
    package: Vec<UvPackage>,
}

#[derive(Deserialize)]
struct UvPackage {
    name: String,
    version: Option<String>,
    /// `{ registry = ... }`, `{ editable = "." }`, `{ virtual = "." }` ...
    source: Option<toml::Table>,
    #[serde(default)]
    dependencies: Vec<UvDependency>,
    #[serde(default, rename = "optional-dependencies")]
    optional: BTreeMap<String, Vec<UvDependency>>,
    #[serde(default, rename = "dev-dependencies")]
    dev: BTreeMap<String, Vec<UvDependency>>,
}

#[derive(Deserialize)]
struct UvDependency {
    name: String,
}

impl UvPackage {
    /// The workspace's own projects (editable or virtual sources).
    fn is_local(&self) -> bool {
        self.source.as_ref().is_some_and(|s| s.contains_key("editable") || s.contains_key("virtual"))
    }

    /// Names of the runtime dependencies, extras included.
    fn runtime(&self) -> impl Iterator<Item = &str> {
        self.dependencies.iter().chain(self.optional.values().flatten()).map(|d| d.name.as_str())
    }
}

/// `[[package]]` tables, leaving out the workspace's own editable/virtual
/// projects. A package is dev when only the workspace's `dev-dependencies`
/// groups reach it, and direct when a workspace project names it.
pub(crate) fn uv_lock(text: &str) -> Parsed {
    let lock: UvLock = parse_toml(text)?;
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in &lock.package {
        edges.entry(p.name.as_str()).or_default().extend(p.runtime());
    }
    let roots: Vec<&UvPackage> = lock.package.iter().filter(|p| p.is_local()).collect();
    let prod_direct: BTreeSet<&str> = roots.iter().flat_map(|p| p.runtime()).collect();
    let dev_direct: BTreeSet<&str> =
        roots.iter().flat_map(|p| p.dev.values().flatten().map(|d| d.name.as_str())).collect();
    let prod = reachable(&edges, prod_direct.iter().copied());
    let dev = reachable(&edges, dev_direct.iter().copied());
    Ok(lock
        .package
        .iter()
        .filter(|p| !p.is_local())
        .filter_map(|p| {
            let name = p.name.as_str();
            let direct = (!roots.is_empty()).then(|| prod_direct.contains(name) || dev_direct.contains(name));
            let is_dev = dev.contains(name) && !prod.contains(name);
            Some(Locked::new(name, p.version.clone()?).dev(is_dev).direct(direct))
        })
        .collect())
}

#[derive(Deserialize)]
struct PipfileLock {
    #[serde(default)]
    default: BTreeMap<String, PipfileEntry>,
    #[serde(default)]
    develop: BTreeMap<String, PipfileEntry>,
}

#[derive(Deserialize)]
struct PipfileEntry {
    version: Option<String>,
}

/// `default` and `develop` (dev) sections; entries without `==` version (VCS, paths) skipped.
pub(crate) fn pipfile_lock(text: &str) -> Parsed {
    let lock: PipfileLock = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let section = |map: BTreeMap<String, PipfileEntry>, dev: bool| {
        map.into_iter().filter_map(move |(name, entry)| {
            let v = entry.version?;
            let v = v.strip_prefix("===").or_else(|| v.strip_prefix("=="))?.trim();
            Some(Locked::new(name, v).dev(dev))
        })
    };
    Ok(section(lock.default, false).chain(section(lock.develop, true)).collect())
}

#[cfg(test)]
mod tests {
    use crate::Format;
    use crate::tests::{Case, expect, triples};

    #[test]
    fn requirements_txt_table() {
        let cases: &[Case<'_>] = &[
            ("requests==2.31.0\n", &[("requests", "2.31.0", false)]),
            ("# pinned\nDjango===4.2.1  # lts\nflask>=2.0\nnumpy\n", &[("Django", "4.2.1", false)]),
            ("uvicorn[standard]==0.23.2 ; python_version >= \"3.8\"\n", &[("uvicorn", "0.23.2", false)]),
            (
                "certifi==2023.7.22 \\\n    --hash=sha256:aaaa \\\n    --hash=sha256:bbbb\nidna==3.4 --hash=sha256:cccc\n",
                &[("certifi", "2023.7.22", false), ("idna", "3.4", false)],
            ),
            (
                "-r base.txt\n-e git+https://example.invalid/x.git#egg=x\n--index-url https://pypi.invalid/simple\n./local-pkg\npkg @ https://example.invalid/pkg.whl\nhttps://example.invalid/a.whl\n",
                &[],
            ),
            (
                "six == 1.16.0\nattrs==23.*\nurllib3==1.26.0,!=1.26.1\nzope.interface==6.0\nx==1.0#c\ntorch==2.1.0+cpu\n",
                &[("six", "1.16.0", false), ("torch", "2.1.0+cpu", false), ("zope.interface", "6.0", false)],
            ),
            ("requests==2.31.0\nrequests==2.31.0\n", &[("requests", "2.31.0", false)]),
        ];
        for (input, want) in cases {
            assert_eq!(triples(Format::RequirementsTxt, input), expect(want), "{input}");
        }
    }

    #[test]
    fn poetry_lock_table() {
        let old = r#"
[[package]]
name = "requests"
version = "2.31.0"
description = "HTTP"
category = "main"
optional = false
python-versions = ">=3.7"

[[package]]
name = "pytest"
version = "7.4.0"
category = "dev"

[metadata]
lock-version = "1.1"
"#;
        let new = r#"
[[package]]
name = "black"
version = "23.7.0"
groups = ["dev", "lint"]

[[package]]
name = "idna"
version = "3.4"
groups = ["main", "dev"]

[[package]]
name = "click"
version = "8.1.7"
"#;
        let cases: &[Case<'_>] = &[
            (old, &[("pytest", "7.4.0", true), ("requests", "2.31.0", false)]),
            (new, &[("black", "23.7.0", true), ("click", "8.1.7", false), ("idna", "3.4", false)]),
            ("[metadata]\nlock-version = \"2.0\"\n", &[]),
        ];
        for (input, want) in cases {
            assert_eq!(triples(Format::PoetryLock, input), expect(want));
        }
        assert!(crate::parse(Format::PoetryLock, b"[[package]]\nversion = \"1\"\n").is_err());
    }

    #[test]
    fn uv_lock_table() {
        let input = r#"
version = 1
requires-python = ">=3.12"

[[package]]
name = "anyio"
version = "4.4.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "idna" }, { name = "sniffio" }]

[[package]]
name = "idna"
version = "3.7"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "sniffio"
version = "1.3.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.2.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "iniconfig" }, { name = "idna" }]

[[package]]
name = "iniconfig"
version = "2.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "myapp"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "anyio" }]

[package.dev-dependencies]
dev = [{ name = "pytest" }]

[[package]]
name = "tools"
source = { virtual = "tools" }
"#;
        assert_eq!(
            triples(Format::UvLock, input),
            expect(&[
                ("anyio", "4.4.0", false),
                ("idna", "3.7", false),
                ("iniconfig", "2.0.0", true),
                ("pytest", "8.2.0", true),
                ("sniffio", "1.3.1", false),
            ])
        );
        let direct: Vec<_> =
            crate::parse(Format::UvLock, input.as_bytes()).unwrap().into_iter().map(|l| l.direct).collect();
        assert_eq!(direct, [Some(true), Some(false), Some(false), Some(true), Some(false)]);
        assert!(crate::parse(Format::UvLock, b"[[package]]\nname = 3\n").is_err());
    }

    #[test]
    fn pipfile_lock_table() {
        let input = r#"{
  "_meta": {"hash": {"sha256": "x"}, "pipfile-spec": 6},
  "default": {
    "requests": {"hashes": ["sha256:a"], "index": "pypi", "version": "==2.31.0"},
    "mylib": {"git": "https://example.invalid/mylib.git", "ref": "abc"}
  },
  "develop": {
    "pytest": {"version": "==7.4.0"},
    "requests": {"version": "==2.31.0"}
  }
}"#;
        assert_eq!(
            triples(Format::PipfileLock, input),
            expect(&[("pytest", "7.4.0", true), ("requests", "2.31.0", false)])
        );
        assert!(crate::parse(Format::PipfileLock, b"{\"default\": [1]}").is_err());
    }
}
