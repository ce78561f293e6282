//! Import of OSV JSON (schema 1.x): one record, a folder of records, or a
//! per-ecosystem `all.zip` as the OSV bucket lays it out.
//!
//! [`OsvRecord`] is the raw record as serde reads it; `Advisory::try_from`
//! validates it and turns it into the model:
//!
//! - `ECOSYSTEM` and `SEMVER` ranges become [`Interval`]s (see
//!   [`Interval::from_events`]), ordered by the ecosystem's scheme;
//!   `GIT` ranges are skipped (counted in [`ImportStats::git_ranges_skipped`]);
//! - every version (events and `versions`) must parse in the scheme;
//! - severities come from the record, from each affected package and from
//!   `database_specific.severity` (as [`SeverityKind::Ecosystem`]); CVSS v2
//!   and unknown kinds are skipped (counted);
//! - withdrawn records are kept with [`Advisory::withdrawn`] set;
//! - Go records' `ecosystem_specific.imports[].{path, symbols, goos, goarch}` become
//!   [`Affected::imports`] (the evidence reachability looks for);
//! - `status` is [`Status::Fixed`] when a range has a fixed version and
//!   [`Status::AffectedNoFix`] otherwise.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::Deserialize;

use super::{ImportError, ImportStats, Imported, MAX_RECORD_BYTES, MAX_RECORDS, MAX_TOTAL_BYTES};
use crate::Error;
use crate::advisory::{Advisory, Affected, Event, GoImport, Interval, Severity, SeverityKind, Status};
use crate::version::scheme_for;

/// The longest advisory id accepted, in bytes.
const MAX_ID_LEN: usize = 256;

/// A raw OSV record, as read from JSON; turn it into an [`Advisory`] with
/// `Advisory::try_from`. Unknown fields are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct OsvRecord {
    id: String,
    modified: Option<String>,
    published: Option<String>,
    withdrawn: Option<String>,
    aliases: Option<Vec<String>>,
    summary: Option<String>,
    details: Option<String>,
    severity: Option<Vec<RawSeverity>>,
    references: Option<Vec<RawReference>>,
    affected: Option<Vec<RawAffected>>,
    database_specific: Option<DatabaseSpecific>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Debug, Clone, Deserialize)]
struct RawReference {
    url: String,
}

#[derive(Debug, Clone, Deserialize)]
struct RawAffected {
    package: Option<RawPackage>,
    ranges: Option<Vec<RawRange>>,
    versions: Option<Vec<String>>,
    severity: Option<Vec<RawSeverity>>,
    ecosystem_specific: Option<EcosystemSpecific>,
}

/// `affected[].ecosystem_specific` is free-form; only the Go records' `imports` are used.
#[derive(Debug, Clone, Deserialize)]
struct EcosystemSpecific {
    #[serde(default, deserialize_with = "imports_or_nothing")]
    imports: Option<Vec<RawImport>>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawImport {
    path: String,
    symbols: Option<Vec<String>>,
    goos: Option<Vec<String>>,
    goarch: Option<Vec<String>>,
}

/// `imports` when it has the Go records' shape; anything else another ecosystem put under
/// the same key is no error (it carries no symbols).
fn imports_or_nothing<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<RawImport>>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(value).ok())
}

#[derive(Debug, Clone, Deserialize)]
struct RawPackage {
    ecosystem: String,
    name: String,
}

#[derive(Debug, Clone, Deserialize)]
struct RawRange {
    #[serde(rename = "type")]
    kind: String,
    events: Vec<BTreeMap<String, String>>,
}

/// `database_specific` is free-form; only a string `severity` is used.
#[derive(Debug, Clone, Deserialize)]
struct DatabaseSpecific {
    severity: Option<serde_json::Value>,
}

impl OsvRecord {
    /// How many `GIT` ranges the conversion skips.
    fn git_ranges(&self) -> usize {
        self.affected.iter().flatten().flat_map(|a| a.ranges.iter().flatten()).filter(|r| r.kind == "GIT").count()
    }

    /// All severity entries: the record's and each affected package's.
    fn raw_severities(&self) -> impl Iterator<Item = &RawSeverity> {
        let affected = self.affected.iter().flatten().flat_map(|a| a.severity.iter().flatten());
        self.severity.iter().flatten().chain(affected)
    }

    /// How many severity entries the conversion skips.
    fn skipped_severities(&self) -> usize {
        self.raw_severities().filter(|s| severity_kind(&s.kind).is_none()).count()
    }
}

/// The model's kind for an OSV severity `type`, if it has one.
fn severity_kind(kind: &str) -> Option<SeverityKind> {
    match kind {
        "CVSS_V3" => Some(SeverityKind::CvssV3),
        "CVSS_V4" => Some(SeverityKind::CvssV4),
        "Ubuntu" => Some(SeverityKind::Ecosystem),
        _ => None,
    }
}

/// `items` without repeats, in the order of their first occurrence.
fn unique<T: Ord + Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = BTreeSet::new();
    items.into_iter().filter(|item| seen.insert(item.clone())).collect()
}

impl TryFrom<OsvRecord> for Advisory {
    type Error = Error;

    fn try_from(raw: OsvRecord) -> Result<Self, Error> {
        let id = raw.id.as_str();
        if id.is_empty() || id.len() > MAX_ID_LEN || id.chars().any(|c| c.is_control() || c.is_whitespace()) {
            let shown: String = id.chars().take(64).collect();
            return Err(Error::advisory(&shown, "the id is empty, too long or has blanks"));
        }
        let modified = raw.modified.clone().filter(|m| !m.is_empty());
        let modified = modified.ok_or_else(|| Error::advisory(id, "no modified time"))?;

        let mut severity = Vec::new();
        for s in raw.raw_severities() {
            if let Some(kind) = severity_kind(&s.kind) {
                if s.score.is_empty() {
                    return Err(Error::advisory(id, format!("empty {} severity", s.kind)));
                }
                severity.push(Severity { kind, score: s.score.clone() });
            }
        }
        let db_severity = raw.database_specific.as_ref().and_then(|d| d.severity.as_ref());
        if let Some(label) = db_severity.and_then(serde_json::Value::as_str).filter(|l| !l.is_empty()) {
            severity.push(Severity { kind: SeverityKind::Ecosystem, score: label.to_owned() });
        }
        let severity = unique(severity);

        let mut aliases = raw.aliases.clone().unwrap_or_default();
        if aliases.iter().any(String::is_empty) {
            return Err(Error::advisory(id, "an empty alias"));
        }
        aliases.sort();
        aliases.dedup();

        let references = unique(raw.references.iter().flatten().map(|r| r.url.clone()));

        let affected = raw
            .affected
            .iter()
            .flatten()
            .enumerate()
            .map(|(index, a)| convert_affected(id, index, a))
            .collect::<Result<Vec<_>, _>>()?;

        Ok(Advisory {
            id: raw.id,
            aliases,
            modified,
            published: raw.published.filter(|p| !p.is_empty()),
            withdrawn: raw.withdrawn.filter(|w| !w.is_empty()),
            summary: raw.summary.unwrap_or_default(),
            details: raw.details.unwrap_or_default(),
            severity,
            references,
            affected,
        })
    }
}

/// Validates and converts the `index`th affected package of record `id`.
fn convert_affected(id: &str, index: usize, raw: &RawAffected) -> Result<Affected, Error> {
    let package =
        raw.package.as_ref().ok_or_else(|| Error::advisory(id, format!("affected[{index}] has no package")))?;
    let at = format!("affected[{index}] {}/{}", package.ecosystem, package.name);
    if package.name.is_empty() {
        return Err(Error::advisory(id, format!("{at}: empty package name")));
    }
    let scheme = scheme_for(&package.ecosystem).map_err(|e| Error::advisory(id, format!("{at}: {e}")))?;

    let mut ranges = Vec::new();
    for (r, range) in raw.ranges.iter().flatten().enumerate() {
        match range.kind.as_str() {
            "GIT" => continue,
            "ECOSYSTEM" | "SEMVER" => {}
            other => return Err(Error::advisory(id, format!("{at}: range {r} has unknown type {other:?}"))),
        }
        let events = range
            .events
            .iter()
            .map(|e| convert_event(e).ok_or_else(|| Error::advisory(id, format!("{at}: range {r}: bad event {e:?}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let intervals =
            Interval::from_events(scheme, &events).map_err(|e| Error::advisory(id, format!("{at}: range {r}: {e}")))?;
        ranges.extend(intervals);
    }

    for v in raw.versions.iter().flatten() {
        scheme.parse(v).map_err(|e| Error::advisory(id, format!("{at}: versions: {e}")))?;
    }
    let versions = unique(raw.versions.iter().flatten().cloned());
    let fixed = unique(ranges.iter().filter_map(|i| i.fixed.clone()));
    let status = if fixed.is_empty() { Status::AffectedNoFix } else { Status::Fixed };
    let imports = raw
        .ecosystem_specific
        .iter()
        .flat_map(|e| e.imports.iter().flatten())
        .filter(|i| !i.path.is_empty())
        .map(|i| GoImport {
            path: i.path.clone(),
            symbols: unique(i.symbols.iter().flatten().cloned()),
            goos: unique(i.goos.iter().flatten().cloned()),
            goarch: unique(i.goarch.iter().flatten().cloned()),
        })
        .collect();
    Ok(Affected {
        ecosystem: package.ecosystem.clone(),
        package: package.name.clone(),
        ranges,
        versions,
        status,
        fixed,
        imports,
    })
}

/// One OSV event object (exactly one known key with a non-empty value).
fn convert_event(raw: &BTreeMap<String, String>) -> Option<Event> {
    let mut entries = raw.iter();
    let (key, value) = entries.next()?;
    if entries.next().is_some() || value.is_empty() {
        return None;
    }
    let value = value.clone();
    match key.as_str() {
        "introduced" => Some(Event::Introduced(value)),
        "fixed" => Some(Event::Fixed(value)),
        "last_affected" => Some(Event::LastAffected(value)),
        "limit" => Some(Event::Limit(value)),
        _ => None,
    }
}

/// Parses one OSV record from JSON; `origin` (a file or entry name) is used
/// in errors when the record has no readable id.
///
/// # Errors
///
/// [`ImportError::Invalid`] (naming the record id) when the record does not
/// fit the model, [`ImportError::Json`] when it is not JSON with an id.
pub fn parse_record(bytes: &[u8], origin: &str) -> Result<Advisory, ImportError> {
    parse_counted(bytes, origin).map(|(advisory, _)| advisory)
}

/// [`parse_record`], also giving the GIT ranges and severities skipped.
fn parse_counted(bytes: &[u8], origin: &str) -> Result<(Advisory, ImportStats), ImportError> {
    let raw: OsvRecord = serde_json::from_slice(bytes).map_err(|source| {
        let value = serde_json::from_slice::<serde_json::Value>(bytes).ok();
        match value.as_ref().and_then(|v| v.get("id")).and_then(serde_json::Value::as_str) {
            Some(id) => ImportError::Invalid {
                origin: origin.to_owned(),
                source: Error::advisory(id, format!("not an OSV record: {source}")),
            },
            None => ImportError::Json { origin: origin.to_owned(), source },
        }
    })?;
    let stats = ImportStats {
        git_ranges_skipped: raw.git_ranges(),
        severities_skipped: raw.skipped_severities(),
        ..ImportStats::default()
    };
    let advisory =
        Advisory::try_from(raw).map_err(|source| ImportError::Invalid { origin: origin.to_owned(), source })?;
    Ok((advisory, stats))
}

/// Reads at most `cap` bytes from `reader`; `None` when there are more.
fn read_capped(reader: impl Read, cap: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= cap).then_some(bytes))
}

fn too_large(origin: String) -> ImportError {
    ImportError::TooLarge { origin, limit: format!("{MAX_RECORD_BYTES} bytes") }
}

/// Reads one OSV record file.
///
/// # Errors
///
/// As [`parse_record`], and when the file cannot be read or is larger than
/// [`MAX_RECORD_BYTES`].
pub fn read_record(path: &Path) -> Result<Advisory, ImportError> {
    let io = |source| ImportError::Io { path: path.to_owned(), source };
    let file = File::open(path).map_err(io)?;
    let bytes = read_capped(file, MAX_RECORD_BYTES).map_err(io)?;
    let bytes = bytes.ok_or_else(|| too_large(path.display().to_string()))?;
    parse_record(&bytes, &path.display().to_string())
}

/// Gathers the records of a bulk import.
#[derive(Default)]
struct Collector {
    imported: Imported,
    total_bytes: u64,
}

impl Collector {
    /// Counts a record against the bulk caps; `Err` stops the import.
    fn admit(&mut self, origin: &str, size: u64) -> Result<(), ImportError> {
        self.imported.stats.records += 1;
        if self.imported.stats.records > MAX_RECORDS {
            return Err(ImportError::TooLarge { origin: origin.to_owned(), limit: format!("{MAX_RECORDS} records") });
        }
        self.total_bytes = self.total_bytes.saturating_add(size);
        if self.total_bytes > MAX_TOTAL_BYTES {
            return Err(ImportError::TooLarge { origin: origin.to_owned(), limit: format!("{MAX_TOTAL_BYTES} bytes") });
        }
        Ok(())
    }

    /// Parses one record (`None` = over the record cap) and files the result.
    fn add(&mut self, bytes: Option<Vec<u8>>, origin: String) {
        let result = match bytes {
            Some(bytes) => parse_counted(&bytes, &origin),
            None => Err(too_large(origin)),
        };
        let stats = &mut self.imported.stats;
        match result {
            Ok((advisory, counted)) => {
                stats.git_ranges_skipped += counted.git_ranges_skipped;
                stats.severities_skipped += counted.severities_skipped;
                stats.withdrawn += usize::from(advisory.is_withdrawn());
                self.imported.advisories.push(advisory);
            }
            Err(e) => self.imported.rejected.push(e),
        }
    }
}

/// Imports every `*.json` file under `dir` (sub-folders included, symbolic
/// links not followed), in path order.
///
/// # Errors
///
/// When a folder or file cannot be read or a bulk cap is hit; invalid
/// records do not stop the import, they are listed in [`Imported::rejected`].
pub fn import_dir(dir: &Path) -> Result<Imported, ImportError> {
    let mut files = Vec::new();
    let mut other = 0;
    super::walk_files(dir, 0, &|e| e == "json", &mut files, &mut other)?;
    files.sort();
    let mut collector = Collector::default();
    collector.imported.stats.other_files_skipped = other;
    for path in files {
        let io = |source| ImportError::Io { path: path.clone(), source };
        let file = File::open(&path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        let origin = path.display().to_string();
        collector.admit(&origin, size.min(MAX_RECORD_BYTES))?;
        let bytes = if size > MAX_RECORD_BYTES { None } else { read_capped(file, MAX_RECORD_BYTES).map_err(io)? };
        collector.add(bytes, origin);
    }
    Ok(collector.imported)
}

/// Imports an OSV `all.zip`: every `*.json` entry, in entry-name order
/// (entries in sub-folders included, as in `AlmaLinux/all.zip`).
///
/// Entries are read through a cap of [`MAX_RECORD_BYTES`] whatever size the
/// archive claims, and the import stops at [`MAX_RECORDS`] entries or
/// [`MAX_TOTAL_BYTES`] in all.
///
/// # Errors
///
/// When the archive cannot be read or a bulk cap is hit; invalid records do
/// not stop the import, they are listed in [`Imported::rejected`].
pub fn import_zip(path: &Path) -> Result<Imported, ImportError> {
    let zip_err = |source| ImportError::Zip { path: path.to_owned(), source };
    let file = File::open(path).map_err(|source| ImportError::Io { path: path.to_owned(), source })?;
    let mut archive = zip::ZipArchive::new(file).map_err(zip_err)?;
    if archive.len() > MAX_RECORDS {
        return Err(ImportError::TooLarge {
            origin: path.display().to_string(),
            limit: format!("{MAX_RECORDS} records"),
        });
    }
    let mut names = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        if let Some(name) = archive.name_for_index(index) {
            names.push((name.map_err(zip_err)?.into_owned(), index));
        }
    }
    names.sort();

    let mut collector = Collector::default();
    for (name, index) in names {
        let entry = archive.by_index(index).map_err(zip_err)?;
        if entry.is_dir() {
            continue;
        }
        if !name.ends_with(".json") {
            collector.imported.stats.other_files_skipped += 1;
            continue;
        }
        let origin = format!("{}:{name}", path.display());
        collector.admit(&origin, entry.size().min(MAX_RECORD_BYTES))?;
        let bytes = if entry.size() > MAX_RECORD_BYTES {
            None
        } else {
            read_capped(entry, MAX_RECORD_BYTES).map_err(|source| ImportError::Io { path: path.to_owned(), source })?
        };
        collector.add(bytes, origin);
    }
    Ok(collector.imported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_capped_whatever_the_size_claims() {
        let data = [7u8; 10];
        assert_eq!(read_capped(&data[..], 10).unwrap().map(|b| b.len()), Some(10));
        assert_eq!(read_capped(&data[..], 9).unwrap(), None);
        assert_eq!(read_capped(std::io::repeat(0), 1000).unwrap(), None);
    }
}
