//! Lockfile parsers for scanning source trees.
//!
//! Every parser is a pure function from the bytes of one file to the list of
//! dependencies that file pins. Output is sorted by `(name, version)` and
//! deduplicated; hostile input yields an [`Error`], never a panic.

mod java;
mod js;
mod misc;
mod python;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

pub use js::{INSTALLED_SECTIONS as NPM_INSTALLED_SECTIONS, node_modules_lookup};

/// Largest input any parser accepts (64 MiB).
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

/// One dependency a lockfile pins.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Locked {
    /// Package name as the ecosystem spells it (`group:artifact` for Maven/Gradle).
    pub name: String,
    /// Exact version pinned by the lockfile, as written there.
    pub version: String,
    /// Whether the lockfile marks the package as development-only.
    pub dev: bool,
    /// Whether the project depends on the package directly (`Some(true)`),
    /// only transitively (`Some(false)`), or the format does not say (`None`).
    pub direct: Option<bool>,
    /// Whether the package is the project's own code rather than a fetched dependency
    /// (a Cargo.lock package without `source`: a workspace member or path dependency).
    pub local: bool,
    /// The packages of the same lockfile this one depends on, as sorted `name@version`
    /// (Cargo.lock and package-lock.json; empty for formats without edges).
    pub dependencies: Vec<String>,
}

impl Locked {
    fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            dev: false,
            direct: None,
            local: false,
            dependencies: Vec::new(),
        }
    }

    fn dev(mut self, dev: bool) -> Self {
        self.dev = dev;
        self
    }

    fn direct(mut self, direct: Option<bool>) -> Self {
        self.direct = direct;
        self
    }
}

/// The lockfile and manifest formats this crate understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// pip `requirements*.txt` (exact `==`/`===` pins only).
    RequirementsTxt,
    /// Poetry `poetry.lock`.
    PoetryLock,
    /// Pipenv `Pipfile.lock`.
    PipfileLock,
    /// uv `uv.lock`.
    UvLock,
    /// npm `package-lock.json` (lockfile versions 1, 2 and 3).
    PackageLock,
    /// Yarn `yarn.lock` (classic v1 and berry).
    YarnLock,
    /// pnpm `pnpm-lock.yaml` (lockfile versions 5, 6 and 9).
    PnpmLock,
    /// Cargo `Cargo.lock`.
    CargoLock,
    /// Go `go.mod`.
    GoMod,
    /// Bundler `Gemfile.lock`.
    GemfileLock,
    /// Composer `composer.lock`.
    ComposerLock,
    /// NuGet `packages.lock.json`.
    NugetPackagesLock,
    /// Gradle `gradle.lockfile`.
    GradleLockfile,
    /// Maven `pom.xml` (declared dependencies with literal versions).
    PomXml,
}

impl Format {
    /// The canonical file name of this format.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::RequirementsTxt => "requirements.txt",
            Self::PoetryLock => "poetry.lock",
            Self::PipfileLock => "Pipfile.lock",
            Self::UvLock => "uv.lock",
            Self::PackageLock => "package-lock.json",
            Self::YarnLock => "yarn.lock",
            Self::PnpmLock => "pnpm-lock.yaml",
            Self::CargoLock => "Cargo.lock",
            Self::GoMod => "go.mod",
            Self::GemfileLock => "Gemfile.lock",
            Self::ComposerLock => "composer.lock",
            Self::NugetPackagesLock => "packages.lock.json",
            Self::GradleLockfile => "gradle.lockfile",
            Self::PomXml => "pom.xml",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_name())
    }
}

/// Why a file could not be parsed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is larger than [`MAX_INPUT_BYTES`].
    #[error("{format}: input is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// Format being parsed.
        format: Format,
        /// Size of the input.
        size: usize,
        /// The limit it exceeded.
        limit: usize,
    },
    /// The input is not valid UTF-8.
    #[error("{format}: not valid UTF-8 (at byte {offset})")]
    NotUtf8 {
        /// Format being parsed.
        format: Format,
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// The input is not a well-formed file of the format.
    #[error("{format}: {message}")]
    Invalid {
        /// Format being parsed.
        format: Format,
        /// What is wrong with it.
        message: String,
    },
}

impl Error {
    fn invalid(format: Format, message: impl fmt::Display) -> Self {
        Self::Invalid { format, message: message.to_string() }
    }
}

/// Which format a file name is (`None`: not a lockfile).
///
/// A path is accepted too; only its last component is looked at.
pub fn detect(file_name: &str) -> Option<Format> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let format = match base {
        "poetry.lock" => Format::PoetryLock,
        "Pipfile.lock" => Format::PipfileLock,
        "uv.lock" => Format::UvLock,
        "package-lock.json" => Format::PackageLock,
        "yarn.lock" => Format::YarnLock,
        "pnpm-lock.yaml" => Format::PnpmLock,
        "Cargo.lock" => Format::CargoLock,
        "go.mod" => Format::GoMod,
        "Gemfile.lock" => Format::GemfileLock,
        "composer.lock" => Format::ComposerLock,
        "packages.lock.json" => Format::NugetPackagesLock,
        "gradle.lockfile" => Format::GradleLockfile,
        "pom.xml" => Format::PomXml,
        _ if base.starts_with("requirements") && base.ends_with(".txt") => Format::RequirementsTxt,
        _ => return None,
    };
    Some(format)
}

/// Parses one lockfile of the given format into the dependencies it pins,
/// sorted by `(name, version)` and deduplicated.
///
/// # Errors
/// [`Error::TooLarge`] over [`MAX_INPUT_BYTES`], [`Error::NotUtf8`] for
/// non-UTF-8 input, [`Error::Invalid`] when the content is malformed.
pub fn parse(format: Format, bytes: &[u8]) -> Result<Vec<Locked>, Error> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(Error::TooLarge { format, size: bytes.len(), limit: MAX_INPUT_BYTES });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| Error::NotUtf8 { format, offset: e.valid_up_to() })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let found = match format {
        Format::RequirementsTxt => python::requirements_txt(text),
        Format::PoetryLock => python::poetry_lock(text),
        Format::PipfileLock => python::pipfile_lock(text),
        Format::UvLock => python::uv_lock(text),
        Format::PackageLock => js::package_lock(text),
        Format::YarnLock => js::yarn_lock(text),
        Format::PnpmLock => js::pnpm_lock(text),
        Format::CargoLock => misc::cargo_lock(text),
        Format::GoMod => misc::go_mod(text),
        Format::GemfileLock => misc::gemfile_lock(text),
        Format::ComposerLock => misc::composer_lock(text),
        Format::NugetPackagesLock => misc::nuget_lock(text),
        Format::GradleLockfile => java::gradle_lockfile(text),
        Format::PomXml => java::pom_xml(text),
    }
    .map_err(|message| Error::invalid(format, message))?;
    Ok(finish(found))
}

/// Sorts by `(name, version)` and merges duplicates: a package is dev only if
/// every occurrence is, direct and local if any occurrence is, and depends on
/// what any occurrence depends on.
fn finish(mut found: Vec<Locked>) -> Vec<Locked> {
    found.retain(|l| !l.name.is_empty() && !l.version.is_empty());
    found.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    let mut out: Vec<Locked> = Vec::with_capacity(found.len());
    for item in found {
        match out.last_mut() {
            Some(last) if last.name == item.name && last.version == item.version => {
                last.dev &= item.dev;
                last.local |= item.local;
                last.direct = match (last.direct, item.direct) {
                    (Some(a), Some(b)) => Some(a || b),
                    (a, b) => a.or(b),
                };
                last.dependencies.extend(item.dependencies);
            }
            _ => out.push(item),
        }
    }
    for item in &mut out {
        item.dependencies.sort();
        item.dependencies.dedup();
    }
    out
}

/// The `name@version` reference to a package.
fn reference(name: &str, version: &str) -> String {
    format!("{name}@{version}")
}

/// Result type of the per-format parsers: a message names the problem.
type Parsed = Result<Vec<Locked>, String>;

/// Every node reachable from `start` along `edges` (start nodes included).
fn reachable<K: Ord + Clone>(edges: &BTreeMap<K, BTreeSet<K>>, start: impl IntoIterator<Item = K>) -> BTreeSet<K> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<K> = start.into_iter().collect();
    while let Some(node) = todo.pop() {
        if !seen.contains(&node) {
            todo.extend(edges.get(&node).into_iter().flatten().cloned());
            seen.insert(node);
        }
    }
    seen
}

/// Removes one pair of matching surrounding quotes (`"` or `'`).
fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One table row: an input and the `(name, version, dev)` triples it yields.
    pub(crate) type Case<'a> = (&'a str, &'a [(&'a str, &'a str, bool)]);

    /// `(name, version, dev)` triples of a parse result.
    pub(crate) fn triples(format: Format, input: &str) -> Vec<(String, String, bool)> {
        parse(format, input.as_bytes())
            .unwrap_or_else(|e| panic!("{format} failed: {e}"))
            .into_iter()
            .map(|l| (l.name, l.version, l.dev))
            .collect()
    }

    /// Builds the expected triples from literals.
    pub(crate) fn expect(items: &[(&str, &str, bool)]) -> Vec<(String, String, bool)> {
        items.iter().map(|&(n, v, d)| (n.to_owned(), v.to_owned(), d)).collect()
    }

    #[test]
    fn detect_table() {
        let cases = [
            ("requirements.txt", Some(Format::RequirementsTxt)),
            ("requirements-dev.txt", Some(Format::RequirementsTxt)),
            ("app/requirements/prod.txt", None),
            ("poetry.lock", Some(Format::PoetryLock)),
            ("Pipfile.lock", Some(Format::PipfileLock)),
            ("uv.lock", Some(Format::UvLock)),
            ("web/package-lock.json", Some(Format::PackageLock)),
            ("yarn.lock", Some(Format::YarnLock)),
            ("pnpm-lock.yaml", Some(Format::PnpmLock)),
            ("Cargo.lock", Some(Format::CargoLock)),
            ("go.mod", Some(Format::GoMod)),
            ("Gemfile.lock", Some(Format::GemfileLock)),
            ("composer.lock", Some(Format::ComposerLock)),
            ("C:\\src\\packages.lock.json", Some(Format::NugetPackagesLock)),
            ("gradle.lockfile", Some(Format::GradleLockfile)),
            ("pom.xml", Some(Format::PomXml)),
            ("package.json", None),
            ("Cargo.toml", None),
            ("", None),
        ];
        for (name, want) in cases {
            assert_eq!(detect(name), want, "{name}");
        }
    }

    #[test]
    fn finish_merges_duplicates() {
        let out = finish(vec![
            Locked::new("b", "1").dev(true).direct(Some(false)),
            Locked::new("a", "2"),
            Locked::new("b", "1").direct(Some(true)),
            Locked::new("a", "10").dev(true),
            Locked::new("", "1"),
        ]);
        let got: Vec<_> = out.iter().map(|l| (l.name.as_str(), l.version.as_str(), l.dev, l.direct)).collect();
        assert_eq!(got, [("a", "10", true, None), ("a", "2", false, None), ("b", "1", false, Some(true)),]);
    }

    #[test]
    fn size_limit_and_utf8() {
        let big = vec![b'a'; MAX_INPUT_BYTES + 1];
        assert!(matches!(parse(Format::GoMod, &big), Err(Error::TooLarge { .. })));
        let err = parse(Format::CargoLock, b"\xff\xfe").unwrap_err();
        assert!(err.to_string().contains("UTF-8"), "{err}");
    }
}
