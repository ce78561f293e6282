//! Java packages found in JAR, WAR and EAR archives.
//!
//! Each archive (and each archive nested in it, such as a Spring Boot `BOOT-INF/lib/*.jar`)
//! is identified from the best evidence it carries:
//! 1. every `META-INF/maven/**/pom.properties` (one package each);
//! 2. if there is none, the main section of `META-INF/MANIFEST.MF`
//!    (`Implementation-Title`/`Implementation-Version`, else
//!    `Bundle-SymbolicName`/`Bundle-Version`);
//! 3. if that gives nothing, the file name (`name-1.2.3.jar`).
//!
//! Archives are hostile input. Reading is bounded by [`JarLimits`]: nesting depth, the total of
//! bytes decompressed per outer archive, the number of entries examined, the size of one
//! nested archive or metadata file held in memory, and the compression ratio of an entry.
//! Hitting a limit skips the affected entry and records a [`JarWarning`]; it never aborts
//! the scan of the rest.

use std::io::{Cursor, Read};

use zip::ZipArchive;

/// Entries smaller than this are exempt from the compression-ratio check: tiny files of
/// repeated bytes legitimately compress very well.
const RATIO_EXEMPT_BYTES: u64 = 64 * 1024;

/// Errors that stop the scan of an archive.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The outer archive is not a readable zip file.
    #[error("cannot read archive {path}: {source}")]
    Zip {
        /// Path of the archive as given by the caller.
        path: String,
        /// What the zip reader reported.
        source: zip::result::ZipError,
    },
}

/// Result of the functions in this module.
pub type Result<T> = std::result::Result<T, Error>;

/// Bounds on the work done for one outer archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JarLimits {
    /// Deepest nesting level opened; the outer archive is level 0.
    pub max_depth: usize,
    /// Bytes decompressed in total for one outer archive, nested archives included.
    pub max_total_uncompressed: u64,
    /// Zip entries examined in total for one outer archive, nested archives included.
    pub max_entries: usize,
    /// Largest nested archive read into memory.
    pub max_nested_size: u64,
    /// Largest `pom.properties` or `MANIFEST.MF` read into memory.
    pub max_metadata_size: u64,
    /// Largest ratio of uncompressed to compressed size accepted for an entry of at least 64 KiB.
    pub max_compression_ratio: u64,
}

impl Default for JarLimits {
    fn default() -> Self {
        Self {
            max_depth: 4,
            max_total_uncompressed: 512 * 1024 * 1024,
            max_entries: 100_000,
            max_nested_size: 128 * 1024 * 1024,
            max_metadata_size: 1024 * 1024,
            max_compression_ratio: 100,
        }
    }
}

/// Which evidence identified a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// A `META-INF/maven/<group>/<artifact>/pom.properties` entry.
    PomProperties,
    /// The main section of `META-INF/MANIFEST.MF`.
    Manifest,
    /// The archive's file name.
    FileName,
}

/// A Java package identified in an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaPackage {
    /// Maven group id, when the evidence names one.
    pub group_id: Option<String>,
    /// Maven artifact id (or the manifest's title or symbolic name).
    pub artifact_id: String,
    /// Version string as recorded.
    pub version: String,
    /// Archive path; nested archives are written `outer.jar!/BOOT-INF/lib/inner.jar`.
    pub path: String,
    /// The evidence the package was read from.
    pub source: Evidence,
}

/// Why part of an archive was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WarningKind {
    /// A nested archive lies deeper than [`JarLimits::max_depth`].
    DepthLimit,
    /// The budget of [`JarLimits::max_total_uncompressed`] is used up.
    TotalSizeLimit,
    /// The budget of [`JarLimits::max_entries`] is used up.
    EntryLimit,
    /// The entry is larger than the cap for its kind (nested archive or metadata file).
    EntryTooLarge,
    /// The entry expands more than [`JarLimits::max_compression_ratio`] allows.
    CompressionRatio,
    /// A nested archive or entry could not be read; the text says why.
    Unreadable(String),
}

/// A limit hit or a damaged part met while scanning; the rest of the scan went on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JarWarning {
    /// The entry concerned, as `outer.jar!/entry`, or the archive itself.
    pub path: String,
    /// What happened.
    pub kind: WarningKind,
}

/// Everything found in one outer archive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JarScan {
    /// Packages in traversal order: an archive's own packages, then its nested archives'.
    pub packages: Vec<JavaPackage>,
    /// Limits hit and damaged parts skipped.
    pub warnings: Vec<JarWarning>,
}

/// Identifies the Java packages in an archive and the archives nested in it.
///
/// `path` names the archive in results. An outer archive that is not a readable zip file is
/// an error; every later problem (limits, damaged nested archives or entries) is a warning
/// in the returned [`JarScan`].
pub fn parse_jar(bytes: &[u8], path: &str, limits: &JarLimits) -> Result<JarScan> {
    let mut scanner = Scanner {
        limits,
        bytes_left: limits.max_total_uncompressed,
        entries_left: limits.max_entries,
        scan: JarScan::default(),
    };
    scanner.archive(bytes, path, 0).map_err(|source| Error::Zip { path: path.to_owned(), source })?;
    Ok(scanner.scan)
}

/// The state of one [`parse_jar`] call: remaining budgets and results so far.
struct Scanner<'a> {
    limits: &'a JarLimits,
    bytes_left: u64,
    entries_left: usize,
    scan: JarScan,
}

/// What an archive's entries say about it, gathered in one pass.
#[derive(Default)]
struct Findings {
    poms: Vec<JavaPackage>,
    manifest: Option<Vec<u8>>,
    /// Index and `outer!/entry` path of each nested archive within the depth limit.
    nested: Vec<(usize, String)>,
}

/// Outcome of reading one entry under the limits.
enum ReadOutcome {
    Data(Vec<u8>),
    Skipped(WarningKind),
}

impl Scanner<'_> {
    fn warn(&mut self, path: String, kind: WarningKind) {
        self.scan.warnings.push(JarWarning { path, kind });
    }

    /// Scans one archive at nesting `depth`; only opening the archive itself can fail.
    fn archive(&mut self, bytes: &[u8], path: &str, depth: usize) -> zip::result::ZipResult<()> {
        let mut zip = ZipArchive::new(Cursor::new(bytes))?;
        let findings = self.collect(&mut zip, path, depth);
        self.identify(findings.poms, findings.manifest.as_deref(), path);
        // Nested archives are read one at a time, so memory holds at most one per level.
        for (index, inner_path) in findings.nested {
            let inner = match zip.by_index(index) {
                Ok(mut entry) => self.read_entry(&mut entry, self.limits.max_nested_size),
                Err(err) => ReadOutcome::Skipped(WarningKind::Unreadable(err.to_string())),
            };
            let inner = match inner {
                ReadOutcome::Data(inner) => inner,
                ReadOutcome::Skipped(why) => {
                    self.warn(inner_path, why);
                    continue;
                }
            };
            if let Err(err) = self.archive(&inner, &inner_path, depth + 1) {
                self.warn(inner_path, WarningKind::Unreadable(err.to_string()));
            }
        }
        Ok(())
    }

    /// Walks the entries once, reading the metadata files and noting the nested archives.
    fn collect(&mut self, zip: &mut ZipArchive<Cursor<&[u8]>>, path: &str, depth: usize) -> Findings {
        let mut findings = Findings::default();
        for index in 0..zip.len() {
            if self.entries_left == 0 {
                self.warn(path.to_owned(), WarningKind::EntryLimit);
                break;
            }
            self.entries_left -= 1;
            let mut entry = match zip.by_index(index) {
                Ok(entry) => entry,
                Err(err) => {
                    let at = format!("{path}!/#{index}");
                    self.warn(at, WarningKind::Unreadable(err.to_string()));
                    continue;
                }
            };
            if entry.is_dir() {
                continue;
            }
            let Ok(name) = entry.name().map(|n| n.into_owned()) else {
                let at = format!("{path}!/#{index}");
                self.warn(at, WarningKind::Unreadable("undecodable name".to_owned()));
                continue;
            };
            let kind = classify(&name);
            if kind == EntryKind::Other {
                continue;
            }
            let entry_path = format!("{path}!/{name}");
            if kind == EntryKind::Archive {
                if depth >= self.limits.max_depth {
                    self.warn(entry_path, WarningKind::DepthLimit);
                } else {
                    findings.nested.push((index, entry_path));
                }
                continue;
            }
            let data = match self.read_entry(&mut entry, self.limits.max_metadata_size) {
                ReadOutcome::Data(data) => data,
                ReadOutcome::Skipped(why) => {
                    self.warn(entry_path, why);
                    continue;
                }
            };
            match kind {
                EntryKind::PomProperties => {
                    if let Some(pkg) = from_pom_properties(&data, path) {
                        findings.poms.push(pkg);
                    }
                }
                EntryKind::Manifest => findings.manifest = Some(data),
                EntryKind::Archive | EntryKind::Other => {}
            }
        }
        findings
    }

    /// Reads an entry into memory, stopping at the first limit it would cross.
    fn read_entry<R: Read>(&mut self, entry: &mut zip::read::ZipFile<'_, R>, cap: u64) -> ReadOutcome {
        let declared = entry.size();
        let compressed = entry.compressed_size();
        let ratio_cap = compressed.saturating_mul(self.limits.max_compression_ratio).max(RATIO_EXEMPT_BYTES);
        // The declared size is only a claim; the same limits are enforced on the bytes read.
        if declared > ratio_cap {
            return ReadOutcome::Skipped(WarningKind::CompressionRatio);
        }
        if declared > cap {
            return ReadOutcome::Skipped(WarningKind::EntryTooLarge);
        }
        if declared > self.bytes_left {
            return ReadOutcome::Skipped(WarningKind::TotalSizeLimit);
        }
        let limit = cap.min(ratio_cap).min(self.bytes_left);
        let mut data = Vec::new();
        let read = entry.take(limit.saturating_add(1)).read_to_end(&mut data);
        let got = data.len() as u64;
        self.bytes_left = self.bytes_left.saturating_sub(got);
        if let Err(err) = read {
            return ReadOutcome::Skipped(WarningKind::Unreadable(err.to_string()));
        }
        if got > limit {
            let why = if got > ratio_cap {
                WarningKind::CompressionRatio
            } else if got > cap {
                WarningKind::EntryTooLarge
            } else {
                WarningKind::TotalSizeLimit
            };
            return ReadOutcome::Skipped(why);
        }
        ReadOutcome::Data(data)
    }

    /// Records an archive's packages from the best evidence available.
    fn identify(&mut self, poms: Vec<JavaPackage>, manifest: Option<&[u8]>, path: &str) {
        if !poms.is_empty() {
            self.scan.packages.extend(poms);
        } else if let Some(pkg) = manifest.and_then(|m| from_manifest(m, path)) {
            self.scan.packages.push(pkg);
        } else if let Some(pkg) = from_file_name(path) {
            self.scan.packages.push(pkg);
        }
    }
}

/// The entries the scanner reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EntryKind {
    PomProperties,
    Manifest,
    Archive,
    Other,
}

fn classify(name: &str) -> EntryKind {
    if name.starts_with("META-INF/maven/") && name.ends_with("/pom.properties") {
        EntryKind::PomProperties
    } else if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
        EntryKind::Manifest
    } else if has_archive_extension(name) {
        EntryKind::Archive
    } else {
        EntryKind::Other
    }
}

fn has_archive_extension(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".jar", ".war", ".ear"].iter().any(|ext| lower.ends_with(ext))
}

/// Builds a package from a `pom.properties` file; it needs an artifact id and a version.
fn from_pom_properties(data: &[u8], path: &str) -> Option<JavaPackage> {
    let text = String::from_utf8_lossy(data);
    let props = parse_properties(&text);
    let get = |key: &str| props.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    Some(JavaPackage {
        group_id: get("groupId"),
        artifact_id: get("artifactId")?,
        version: get("version")?,
        path: path.to_owned(),
        source: Evidence::PomProperties,
    })
}

/// Parses the Java `.properties` format: `key=value`, `key: value` or `key value`, comments
/// starting with `#` or `!`, a trailing backslash continuing a line, and backslash escapes.
fn parse_properties(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut logical = String::new();
    for raw in text.lines() {
        let line = raw.trim_start_matches([' ', '\t', '\x0c']);
        if logical.is_empty() && (line.starts_with('#') || line.starts_with('!')) {
            continue;
        }
        // An odd number of trailing backslashes continues the line.
        let trailing = line.len() - line.trim_end_matches('\\').len();
        if trailing % 2 == 1 {
            logical.push_str(&line[..line.len() - 1]);
            continue;
        }
        logical.push_str(line);
        if !logical.is_empty() {
            pairs.push(split_property(&logical));
        }
        logical.clear();
    }
    if !logical.is_empty() {
        pairs.push(split_property(&logical));
    }
    pairs
}

/// Splits one logical properties line into an unescaped key and value.
fn split_property(line: &str) -> (String, String) {
    let mut key = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    key.push(unescape(next));
                }
            }
            '=' | ':' => break,
            ' ' | '\t' | '\x0c' => {
                while chars.peek().is_some_and(|c| matches!(c, ' ' | '\t' | '\x0c')) {
                    chars.next();
                }
                if chars.peek().is_some_and(|c| matches!(c, '=' | ':')) {
                    chars.next();
                }
                break;
            }
            _ => key.push(c),
        }
    }
    while chars.peek().is_some_and(|c| matches!(c, ' ' | '\t' | '\x0c')) {
        chars.next();
    }
    let mut value = String::new();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                value.push(unescape(next));
            }
        } else {
            value.push(c);
        }
    }
    (key, value.trim_end().to_owned())
}

fn unescape(c: char) -> char {
    match c {
        't' => '\t',
        'n' => '\n',
        'r' => '\r',
        'f' => '\x0c',
        other => other,
    }
}

/// Builds a package from the main section of a manifest.
fn from_manifest(data: &[u8], path: &str) -> Option<JavaPackage> {
    let text = String::from_utf8_lossy(data);
    let attrs = parse_manifest_main(&text);
    let get = |key: &str| {
        attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let (group_id, artifact_id, version) = match (get("Implementation-Title"), get("Implementation-Version")) {
        (Some(title), Some(version)) => (get("Implementation-Vendor-Id"), title, version),
        _ => {
            let name = get("Bundle-SymbolicName")?;
            // Directives such as `;singleton:=true` follow the name.
            let name = name.split(';').next()?.trim().to_owned();
            if name.is_empty() {
                return None;
            }
            (None, name, get("Bundle-Version")?)
        }
    };
    Some(JavaPackage { group_id, artifact_id, version, path: path.to_owned(), source: Evidence::Manifest })
}

/// Parses the main section of a manifest: `Name: value` lines up to the first blank line,
/// a line starting with one space continuing the previous value.
fn parse_manifest_main(text: &str) -> Vec<(String, String)> {
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut attrs: Vec<(String, String)> = Vec::new();
    for line in normalized.split('\n') {
        if line.is_empty() {
            break;
        }
        if let Some(more) = line.strip_prefix(' ') {
            if let Some((_, value)) = attrs.last_mut() {
                value.push_str(more);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            attrs.push((name.trim().to_owned(), value.trim_start().to_owned()));
        }
    }
    attrs
}

/// Builds a package from a file name such as `name-1.2.3.jar`: the version starts at the
/// first `-` that is followed by a digit.
fn from_file_name(path: &str) -> Option<JavaPackage> {
    let base = path.rsplit(['/', '!']).next()?;
    let dot = base.rfind('.')?;
    if !has_archive_extension(base) {
        return None;
    }
    let stem = &base[..dot];
    let bytes = stem.as_bytes();
    let split = (1..bytes.len()).find(|&i| bytes[i - 1] == b'-' && bytes[i].is_ascii_digit())?;
    let artifact_id = &stem[..split - 1];
    if artifact_id.is_empty() {
        return None;
    }
    Some(JavaPackage {
        group_id: None,
        artifact_id: artifact_id.to_owned(),
        version: stem[split..].to_owned(),
        path: path.to_owned(),
        source: Evidence::FileName,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_format() {
        let text = "# comment\n! also\ngroupId = org.ex\\\n    ample\nartifactId:demo\nversion 1.0\\t\n";
        let props = parse_properties(text);
        assert_eq!(
            props,
            vec![
                ("groupId".to_owned(), "org.example".to_owned()),
                ("artifactId".to_owned(), "demo".to_owned()),
                ("version".to_owned(), "1.0".to_owned()),
            ]
        );
    }

    #[test]
    fn manifest_continuation_and_bundle() {
        let text = "Manifest-Version: 1.0\r\nBundle-SymbolicName: org.example.very.lo\r\n ng;singleton:=true\r\nBundle-Version: 2.3.4\r\n\r\nName: x\r\nImplementation-Title: ignored\r\n";
        let pkg = from_manifest(text.as_bytes(), "a.jar").unwrap();
        assert_eq!(pkg.artifact_id, "org.example.very.long");
        assert_eq!(pkg.version, "2.3.4");
        assert_eq!(pkg.source, Evidence::Manifest);
        let text = "Implementation-Title: demo\nImplementation-Version: 9\nImplementation-Vendor-Id: org.ex\n";
        let pkg = from_manifest(text.as_bytes(), "a.jar").unwrap();
        assert_eq!(
            (pkg.group_id.as_deref(), pkg.artifact_id.as_str(), pkg.version.as_str()),
            (Some("org.ex"), "demo", "9")
        );
        assert!(from_manifest(b"Manifest-Version: 1.0\n", "a.jar").is_none());
    }

    #[test]
    fn file_names() {
        let pkg = from_file_name("/x/a.jar!/lib/foo-bar-1.0-SNAPSHOT.jar").unwrap();
        assert_eq!((pkg.artifact_id.as_str(), pkg.version.as_str()), ("foo-bar", "1.0-SNAPSHOT"));
        assert_eq!(pkg.path, "/x/a.jar!/lib/foo-bar-1.0-SNAPSHOT.jar");
        assert!(from_file_name("/x/noversion.jar").is_none());
        assert!(from_file_name("/x/-1.0.jar").is_none());
        assert!(from_file_name("/x/foo-1.0.zip").is_none());
    }
}
