//! Import of the Alpine security database (secdb).
//!
//! secdb is published as JSON (`https://secdb.alpinelinux.org/v3.19/main.json`)
//! and was earlier kept as YAML (the deprecated `alpine-secdb` repository) in
//! the same schema:
//!
//! ```yaml
//! distroversion: v3.11
//! reponame: main
//! packages:
//!   - pkg:
//!       name: ansible           # the origin (source) package
//!       secfixes:
//!         2.9.3-r0:             # fixed in this version …
//!           - CVE-2019-14904    # … these issues
//!           - CVE-2017-8904 XSA-214
//!         "0":                  # never affected in Alpine
//!           - CVE-2016-0682
//! ```
//!
//! Design:
//!
//! - **One [`Advisory`] per issue id**, across every package, release and repo
//!   of the import (so [`import_dir`] merges `v3.10/main` and `v3.11/community`),
//!   with one [`Affected`] per (release, package), ecosystem `Alpine:v3.11`.
//!   An entry may hold several ids separated by blanks (`CVE-2017-8904
//!   XSA-214`): each CVE id in it is an advisory id (real entries list up to
//!   three CVEs at once, e.g. Spectre's), and the other ids are aliases of
//!   each; an entry with no CVE id uses its first id (`XSA-207`). Comments
//!   in parentheses are dropped; a token that is not an id is rejected with
//!   an error, the entry's other ids are kept (see `Ids::parse`).
//! - A version key `V` gives [`Status::Fixed`], affected below `V`; when a
//!   package lists an id under several versions, the lowest is the fix. The
//!   key `0` means the package was never affected: [`Status::NotAffected`],
//!   unless the same package also lists a fix for the id (the fix wins).
//! - Versions must pass the strict apk grammar ([`Scheme::validate`]): a key
//!   that does not (e.g. `1.11-20-r0`) is rejected with an error naming the
//!   package and version, and the package's other versions are kept.
//! - YAML scalars are read as text: a version key such as `1.10` (a float to
//!   YAML) keeps its written form, recovered from the source.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use hullguard_report::yaml::{YamlSource, too_deep_line};
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use super::{ImportError, Imported, MAX_RECORD_BYTES, MAX_RECORDS, MAX_TOTAL_BYTES, read_file_capped};
use crate::Error;
use crate::advisory::{Advisory, Affected, Interval, Status};
use crate::version::Scheme;

/// The longest id accepted, in bytes.
const MAX_ID_LEN: usize = 256;

/// The longest run of indentation and block indicators (` `, `-`, `?`, `:`)
/// a YAML line may start with. Nesting depth in block YAML is bounded by it,
/// which keeps hostile input from nesting deep enough to exhaust the stack.
const MAX_YAML_INDENT: usize = 512;

/// The base of Alpine's per-issue pages, used as the reference URL.
const ALPINE_URL: &str = "https://security.alpinelinux.org/vuln/";

/// What an Alpine import produced: the advisories and counts.
#[derive(Debug, Default)]
pub struct AlpineImport {
    /// The advisories (in id order), the rejected entries and
    /// [`super::ImportStats::records`] = package entries read.
    pub imported: Imported,
    /// Counts of what was read.
    pub stats: SecdbStats,
}

/// Counts of an Alpine import.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SecdbStats {
    /// secdb files read.
    pub files: usize,
    /// Package entries (`packages[].pkg`) read, valid or not.
    pub package_entries: usize,
    /// Fix references (strings in the `secfixes` lists) read, valid or not.
    pub fix_references: usize,
    /// Of those, the ones under the key `0` (never affected).
    pub not_affected_references: usize,
    /// Other files [`import_dir`] skipped (not `*.json`, `*.yaml`, `*.yml`).
    pub other_files_skipped: usize,
}

/// One secdb file, read into plain text values.
struct Secdb {
    /// `v3.11` or `edge`; `None` in feeds without one (Wolfi, Chainguard).
    distroversion: Option<String>,
    /// Package entries, or the error of an entry that does not fit.
    packages: Vec<Result<Package, Error>>,
}

/// One `packages[].pkg` entry.
struct Package {
    name: String,
    /// `(version key, references)`, in the file's order.
    secfixes: Vec<(String, Vec<String>)>,
}

/// Validates a `distroversion` and makes the ecosystem name.
fn ecosystem(distroversion: &str) -> Option<String> {
    let version = distroversion.strip_prefix('v');
    let ok = distroversion == "edge"
        || version.is_some_and(|v| {
            !v.is_empty() && v.split('.').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        });
    ok.then(|| format!("Alpine:{distroversion}"))
}

/// An advisory being gathered.
#[derive(Default)]
struct Gathered {
    aliases: BTreeSet<String>,
    /// `(ecosystem, package)` → (fixed versions, listed under `0`).
    affected: BTreeMap<(String, String), (Vec<String>, bool)>,
}

/// Gathers advisories over one or more secdb files.
#[derive(Default)]
struct Builder {
    gathered: BTreeMap<String, Gathered>,
    rejected: Vec<ImportError>,
    stats: SecdbStats,
}

impl Builder {
    /// Adds the entries of one secdb file, under `forced` as the ecosystem
    /// when given, else `Alpine:<distroversion>`.
    fn add(&mut self, secdb: Secdb, forced: Option<&str>, origin: &str) -> Result<(), ImportError> {
        let ecosystem = match forced {
            Some(forced) => Some(forced.to_owned()),
            None => secdb.distroversion.as_deref().and_then(ecosystem),
        };
        let ecosystem = ecosystem.ok_or_else(|| ImportError::Syntax {
            origin: origin.to_owned(),
            format: "Alpine secdb",
            problem: format!("bad or no distroversion {:?}", secdb.distroversion),
        })?;
        self.stats.files += 1;
        for package in secdb.packages {
            self.stats.package_entries += 1;
            if self.stats.package_entries > MAX_RECORDS {
                return Err(ImportError::TooLarge {
                    origin: origin.to_owned(),
                    limit: format!("{MAX_RECORDS} records"),
                });
            }
            match package {
                Ok(package) => self.add_package(&ecosystem, package, origin),
                Err(source) => self.rejected.push(ImportError::Invalid { origin: origin.to_owned(), source }),
            }
        }
        Ok(())
    }

    /// Adds one package entry; bad versions and references are rejected one
    /// by one.
    fn add_package(&mut self, ecosystem: &str, package: Package, origin: &str) {
        let reject = |at: String, problem: String| ImportError::Invalid {
            origin: origin.to_owned(),
            source: Error::advisory(&at, problem),
        };
        for (version, references) in package.secfixes {
            self.stats.fix_references += references.len();
            let never = version == "0";
            if never {
                self.stats.not_affected_references += references.len();
            } else if let Err(e) = Scheme::Apk.validate(&version) {
                self.rejected.push(reject(format!("{} {version}", package.name), e.to_string()));
                continue;
            }
            for reference in references {
                let ids = Ids::parse(&reference);
                for bad in &ids.bad {
                    let shown: String = bad.chars().take(64).collect();
                    self.rejected.push(reject(
                        format!("{} {version}", package.name),
                        format!("bad id {shown:?} in reference {reference:?}"),
                    ));
                }
                for id in ids.ids {
                    let gathered = self.gathered.entry(id).or_default();
                    gathered.aliases.extend(ids.aliases.iter().cloned());
                    let (fixed, zero) =
                        gathered.affected.entry((ecosystem.to_owned(), package.name.clone())).or_default();
                    if never {
                        *zero = true;
                    } else if !fixed.contains(&version) {
                        fixed.push(version.clone());
                    }
                }
            }
        }
    }

    /// The advisories, in id order.
    fn finish(self) -> AlpineImport {
        let mut advisories = Vec::with_capacity(self.gathered.len());
        for (id, gathered) in self.gathered {
            let affected = gathered
                .affected
                .into_iter()
                .map(|((ecosystem, package), (fixed, _))| {
                    let lowest = fixed.into_iter().min_by(|a, b| {
                        // Both passed validation, so both parse.
                        Scheme::Apk.compare(a, b).unwrap_or(std::cmp::Ordering::Equal)
                    });
                    match lowest {
                        Some(v) => Affected {
                            ecosystem,
                            package,
                            ranges: vec![Interval { introduced: None, fixed: Some(v.clone()), last_affected: None }],
                            versions: Vec::new(),
                            status: Status::Fixed,
                            fixed: vec![v],
                            imports: Vec::new(),
                        },
                        None => Affected {
                            ecosystem,
                            package,
                            ranges: Vec::new(),
                            versions: Vec::new(),
                            status: Status::NotAffected,
                            fixed: Vec::new(),
                            imports: Vec::new(),
                        },
                    }
                })
                .collect();
            let mut aliases: Vec<String> = gathered.aliases.into_iter().filter(|a| *a != id).collect();
            aliases.sort();
            advisories.push(Advisory {
                references: vec![format!("{ALPINE_URL}{id}")],
                id,
                aliases,
                modified: String::new(),
                published: None,
                withdrawn: None,
                summary: String::new(),
                details: String::new(),
                severity: Vec::new(),
                affected,
            });
        }
        let mut imported = Imported { advisories, rejected: self.rejected, ..Imported::default() };
        imported.stats.records = self.stats.package_entries;
        imported.stats.other_files_skipped = self.stats.other_files_skipped;
        AlpineImport { imported, stats: self.stats }
    }
}

/// The ids of one reference string of a `secfixes` list.
#[derive(Debug, PartialEq, Eq)]
struct Ids {
    /// The advisory ids: every CVE id, or when there is none the first id.
    ids: Vec<String>,
    /// The other ids (`XSA-214`, `TALOS-2017-0499` …), aliases of each.
    aliases: Vec<String>,
    /// Tokens that are not ids (rejected, each with an error).
    bad: Vec<String>,
}

impl Ids {
    /// Reads a reference such as `CVE-2017-8904 XSA-214`.
    ///
    /// Real data also holds comments in parentheses (`CVE-2017-16808
    /// (AoE)`), dropped; placeholders with `?` (`CVE-????-????? XSA-284`),
    /// skipped; and `CVE_2019-2426`, read as `CVE-2019-2426`. Anything else
    /// that is not `LETTERS-alnum[-alnum…]` (`XPTI`, `CVE-2017-8073.patch`, the
    /// `CVE` of `CVE 2018-16859`) is a bad token.
    fn parse(reference: &str) -> Ids {
        let text = reference.split('(').next().unwrap_or_default();
        let mut cves = Vec::new();
        let mut others = Vec::new();
        let mut bad = Vec::new();
        for token in text.split_whitespace() {
            if token.contains('?') {
                continue;
            }
            let token = match token.strip_prefix("CVE_") {
                Some(rest) => format!("CVE-{rest}"),
                None => token.to_owned(),
            };
            if !is_id(&token) {
                bad.push(token);
            } else if token.starts_with("CVE-") {
                cves.push(token);
            } else {
                others.push(token);
            }
        }
        if cves.is_empty() && !others.is_empty() {
            cves.push(others.remove(0));
        }
        Ids { ids: cves, aliases: others, bad }
    }
}

/// Whether `token` is `LETTERS-alnum[-alnum…]` and at most [`MAX_ID_LEN`]
/// bytes.
fn is_id(token: &str) -> bool {
    let mut parts = token.split('-');
    let prefix = parts.next().unwrap_or_default();
    token.len() <= MAX_ID_LEN
        && !prefix.is_empty()
        && prefix.bytes().all(|b| b.is_ascii_alphabetic())
        && token.contains('-')
        && parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Reads a secdb JSON document into [`Secdb`].
fn secdb_from_json(bytes: &[u8], origin: &str) -> Result<Secdb, ImportError> {
    let syntax =
        |problem: String| ImportError::Syntax { origin: origin.to_owned(), format: "Alpine secdb JSON", problem };
    if bytes.len() as u64 > MAX_RECORD_BYTES {
        return Err(ImportError::TooLarge { origin: origin.to_owned(), limit: format!("{MAX_RECORD_BYTES} bytes") });
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| syntax(e.to_string()))?;
    let top = value.as_object().ok_or_else(|| syntax("not an object".to_owned()))?;
    let distroversion = match top.get("distroversion") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(v.as_str().ok_or_else(|| syntax("distroversion is not a string".to_owned()))?.to_owned()),
    };
    // `packages: null` is how an empty repo is written.
    let packages = match top.get("packages") {
        Some(serde_json::Value::Array(list)) => list.as_slice(),
        Some(serde_json::Value::Null) => &[],
        _ => return Err(syntax("no packages list".to_owned())),
    };
    let packages = packages.iter().enumerate().map(|(i, p)| package_from_json(i, p)).collect();
    Ok(Secdb { distroversion, packages })
}

/// Reads `packages[index]` of a JSON secdb.
fn package_from_json(index: usize, value: &serde_json::Value) -> Result<Package, Error> {
    let at = format!("packages[{index}]");
    let pkg = value.get("pkg").ok_or_else(|| Error::advisory(&at, "no pkg"))?;
    let name = pkg.get("name").and_then(|n| n.as_str()).ok_or_else(|| Error::advisory(&at, "no pkg.name"))?;
    let at = format!("{at} {name}");
    check_name(name, &at)?;
    let mut secfixes = Vec::new();
    match pkg.get("secfixes") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Object(map)) => {
            for (version, refs) in map {
                let refs = match refs {
                    serde_json::Value::Null => Vec::new(),
                    serde_json::Value::Array(list) => {
                        list.iter().map(|r| r.as_str().map(str::to_owned)).collect::<Option<Vec<_>>>().ok_or_else(
                            || Error::advisory(&at, format!("secfixes {version:?}: not a list of strings")),
                        )?
                    }
                    _ => return Err(Error::advisory(&at, format!("secfixes {version:?}: not a list"))),
                };
                secfixes.push((version.clone(), refs));
            }
        }
        Some(_) => return Err(Error::advisory(&at, "secfixes is not an object")),
    }
    Ok(Package { name: name.to_owned(), secfixes })
}

/// Rejects empty package names and names with blanks or control characters.
fn check_name(name: &str, at: &str) -> Result<(), Error> {
    if name.is_empty() || name.len() > MAX_ID_LEN || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::advisory(at, "bad package name"));
    }
    Ok(())
}

/// Reads a secdb YAML document into [`Secdb`].
fn secdb_from_yaml(text: &str, origin: &str) -> Result<Secdb, ImportError> {
    let syntax =
        |problem: String| ImportError::Syntax { origin: origin.to_owned(), format: "Alpine secdb YAML", problem };
    if text.len() as u64 > MAX_RECORD_BYTES {
        return Err(ImportError::TooLarge { origin: origin.to_owned(), limit: format!("{MAX_RECORD_BYTES} bytes") });
    }
    if let Some(line) = too_deep_line(text, MAX_YAML_INDENT) {
        return Err(syntax(format!("line {line}: nested deeper than {MAX_YAML_INDENT} columns")));
    }
    let docs = MarkedYaml::load_from_str(text).map_err(|e| syntax(e.to_string()))?;
    let doc = docs.first().ok_or_else(|| syntax("no YAML document".to_owned()))?;
    if !matches!(doc.data, YamlData::Mapping(_)) {
        return Err(syntax("the document is not a mapping".to_owned()));
    }
    let src = YamlSource::new(text);
    let distroversion = src.get(doc, "distroversion").and_then(|v| src.scalar(v));
    let packages = match src.get(doc, "packages").map(|p| &p.data) {
        Some(YamlData::Sequence(list)) => list.as_slice(),
        // `packages:` with nothing after it is how an empty repo is written.
        Some(YamlData::Value(Scalar::Null)) => &[],
        _ => return Err(syntax("no packages list".to_owned())),
    };
    let packages = packages.iter().enumerate().map(|(i, p)| package_from_yaml(&src, i, p)).collect();
    Ok(Secdb { distroversion, packages })
}

/// Reads `packages[index]` of a YAML secdb.
fn package_from_yaml(src: &YamlSource<'_>, index: usize, node: &MarkedYaml<'_>) -> Result<Package, Error> {
    let at = format!("packages[{index}] (line {})", node.span.start.line());
    let pkg = src.get(node, "pkg").ok_or_else(|| Error::advisory(&at, "no pkg"))?;
    let name = src.get(pkg, "name").and_then(|n| src.scalar(n)).ok_or_else(|| Error::advisory(&at, "no pkg.name"))?;
    let at = format!("{at} {name}");
    check_name(&name, &at)?;
    let mut secfixes = Vec::new();
    match src.get(pkg, "secfixes").map(|s| &s.data) {
        None | Some(YamlData::Value(Scalar::Null)) => {}
        Some(YamlData::Mapping(map)) => {
            for (key, refs) in map {
                let version = src.scalar(key).ok_or_else(|| Error::advisory(&at, "a secfixes key is not a scalar"))?;
                let refs = match &refs.data {
                    YamlData::Value(Scalar::Null) => Vec::new(),
                    YamlData::Sequence(list) => {
                        list.iter().map(|r| src.scalar(r)).collect::<Option<Vec<_>>>().ok_or_else(|| {
                            Error::advisory(&at, format!("secfixes {version:?}: not a list of scalars"))
                        })?
                    }
                    _ => return Err(Error::advisory(&at, format!("secfixes {version:?}: not a list"))),
                };
                secfixes.push((version, refs));
            }
        }
        Some(_) => return Err(Error::advisory(&at, "secfixes is not a mapping")),
    }
    Ok(Package { name, secfixes })
}

/// Parses one secdb JSON file (`origin` names it in errors).
///
/// # Errors
///
/// [`ImportError::Syntax`] when it is not JSON of the secdb shape (an object
/// with `distroversion` `vX.Y` or `edge` and a `packages` list);
/// [`ImportError::TooLarge`] over [`MAX_RECORD_BYTES`]. Bad package entries,
/// versions and references are listed in [`Imported::rejected`].
pub fn parse_secdb_json(bytes: &[u8], origin: &str) -> Result<AlpineImport, ImportError> {
    let mut builder = Builder::default();
    builder.add(secdb_from_json(bytes, origin)?, None, origin)?;
    Ok(builder.finish())
}

/// Parses a JSON feed in the secdb schema under a given apk `ecosystem`,
/// whatever its `distroversion` says: for the feeds that have none, such as
/// Wolfi's `packages.wolfi.dev/os/security.json` (ecosystem `Wolfi`) and
/// Chainguard's (`Chainguard`).
///
/// # Errors
///
/// [`ImportError::Syntax`] when `ecosystem` does not use the apk scheme, and
/// as [`parse_secdb_json`] (except that no `distroversion` is needed).
pub fn parse_secdb_json_as(bytes: &[u8], ecosystem: &str, origin: &str) -> Result<AlpineImport, ImportError> {
    if crate::version::scheme_for(ecosystem).ok() != Some(Scheme::Apk) {
        return Err(ImportError::Syntax {
            origin: origin.to_owned(),
            format: "an apk ecosystem",
            problem: format!("{ecosystem:?} does not use apk versions"),
        });
    }
    let mut builder = Builder::default();
    builder.add(secdb_from_json(bytes, origin)?, Some(ecosystem), origin)?;
    Ok(builder.finish())
}

/// Parses one secdb YAML file (the legacy `alpine-secdb` layout; `origin`
/// names it in errors). Only the first YAML document is read.
///
/// # Errors
///
/// As [`parse_secdb_json`], and [`ImportError::Syntax`] for YAML nested
/// deeper than 512 columns of indentation.
pub fn parse_secdb_yaml(text: &str, origin: &str) -> Result<AlpineImport, ImportError> {
    let mut builder = Builder::default();
    builder.add(secdb_from_yaml(text, origin)?, None, origin)?;
    Ok(builder.finish())
}

/// Imports every `*.json`, `*.yaml` and `*.yml` file under `dir`
/// (sub-folders included, symbolic links not followed), in path order, into
/// one set of advisories (see the module doc).
///
/// A file that does not parse is listed in [`Imported::rejected`] and the
/// import goes on.
///
/// # Errors
///
/// When a folder or file cannot be read, or a bulk cap ([`MAX_RECORDS`]
/// package entries, [`MAX_TOTAL_BYTES`]) is hit.
pub fn import_dir(dir: &Path) -> Result<AlpineImport, ImportError> {
    let mut files = Vec::new();
    let mut other = 0;
    super::walk_files(dir, 0, &|e| e == "json" || e == "yaml" || e == "yml", &mut files, &mut other)?;
    files.sort();
    let mut read = Vec::with_capacity(files.len());
    let mut rejected = Vec::new();
    for path in files {
        match read_file_capped(&path, MAX_RECORD_BYTES) {
            Ok(bytes) => read.push((path.display().to_string(), bytes)),
            Err(e @ ImportError::TooLarge { .. }) => rejected.push(e),
            Err(e) => return Err(e),
        }
    }
    let mut import = import_files(read)?;
    import.stats.other_files_skipped += other;
    import.imported.rejected.splice(0..0, rejected);
    Ok(import)
}

/// Imports secdb files given as `(origin, bytes)` pairs (e.g. read from a
/// tarball), merged as [`import_dir`] merges a folder's files: `*.json`
/// origins are read as JSON, the others as YAML.
///
/// # Errors
///
/// When the files add up to more than [`MAX_TOTAL_BYTES`]; a broken file is
/// listed in [`Imported::rejected`] and the others are kept.
pub fn import_files(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Result<AlpineImport, ImportError> {
    let mut builder = Builder::default();
    let mut total: u64 = 0;
    for (origin, bytes) in files {
        total = total.saturating_add(bytes.len() as u64);
        if total > MAX_TOTAL_BYTES {
            return Err(ImportError::TooLarge { origin, limit: format!("{MAX_TOTAL_BYTES} bytes") });
        }
        let secdb = if origin.ends_with(".json") {
            secdb_from_json(&bytes, &origin)
        } else {
            std::str::from_utf8(&bytes)
                .map_err(|e| ImportError::Syntax {
                    origin: origin.clone(),
                    format: "UTF-8 text",
                    problem: e.to_string(),
                })
                .and_then(|text| secdb_from_yaml(text, &origin))
        };
        match secdb {
            Ok(secdb) => match builder.add(secdb, None, &origin) {
                Ok(()) => {}
                Err(e @ ImportError::TooLarge { .. }) => return Err(e),
                Err(e) => builder.rejected.push(e),
            },
            Err(e) => builder.rejected.push(e),
        }
    }
    Ok(builder.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_versions_keep_their_text() {
        let yaml = "distroversion: v3.9\npackages:\n  - pkg:\n      name: x\n      secfixes:\n        1.10:\n          - CVE-2020-1\n        0:\n          - CVE-2020-2\n        1.2.0-r0:\n          - CVE-2020-3 XSA-1\n";
        let secdb = secdb_from_yaml(yaml, "t").unwrap();
        let package = secdb.packages.into_iter().next().unwrap().unwrap();
        let keys: Vec<&str> = package.secfixes.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["1.10", "0", "1.2.0-r0"]);
        // Also with multi-byte text before the keys.
        let yaml = format!("# é ü\n{yaml}");
        let secdb = secdb_from_yaml(&yaml, "t").unwrap();
        let package = secdb.packages.into_iter().next().unwrap().unwrap();
        assert_eq!(package.secfixes[0].0, "1.10");
    }

    #[test]
    fn ids_split() {
        let ids = |ids: &[&str], aliases: &[&str], bad: &[&str]| Ids {
            ids: ids.iter().map(|s| (*s).to_owned()).collect(),
            aliases: aliases.iter().map(|s| (*s).to_owned()).collect(),
            bad: bad.iter().map(|s| (*s).to_owned()).collect(),
        };
        assert_eq!(Ids::parse("CVE-2017-8904 XSA-214"), ids(&["CVE-2017-8904"], &["XSA-214"], &[]));
        assert_eq!(Ids::parse("XSA-214 CVE-2017-8904"), ids(&["CVE-2017-8904"], &["XSA-214"], &[]));
        assert_eq!(Ids::parse("XSA-207"), ids(&["XSA-207"], &[], &[]));
        assert_eq!(
            Ids::parse("CVE-2017-5753 CVE-2017-5715 XSA-254 XPTI"),
            ids(&["CVE-2017-5753", "CVE-2017-5715"], &["XSA-254"], &["XPTI"])
        );
        assert_eq!(Ids::parse("CVE-2018-10103 (SMB - partially fixed)"), ids(&["CVE-2018-10103"], &[], &[]));
        assert_eq!(Ids::parse("CVE-????-?????  XSA-284"), ids(&["XSA-284"], &[], &[]));
        assert_eq!(Ids::parse("CVE_2019-2426"), ids(&["CVE-2019-2426"], &[], &[]));
        assert_eq!(Ids::parse("CVE 2018-16859"), ids(&[], &[], &["CVE", "2018-16859"]));
        assert_eq!(Ids::parse("  "), ids(&[], &[], &[]));
    }

    #[test]
    fn distroversions() {
        assert_eq!(ecosystem("v3.11").as_deref(), Some("Alpine:v3.11"));
        assert_eq!(ecosystem("edge").as_deref(), Some("Alpine:edge"));
        assert_eq!(ecosystem("3.11"), None);
        assert_eq!(ecosystem("v3..1"), None);
    }
}
