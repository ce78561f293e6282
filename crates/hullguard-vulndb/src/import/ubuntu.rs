//! Import of the Ubuntu CVE Tracker (UCT): the text files of
//! `ubuntu-cve-tracker`'s `active/`, `retired/` and `ignored/` folders, one
//! `CVE-*` file per CVE.
//!
//! A file is a list of `Field: value` lines; a line that starts with a blank
//! continues the field before it (blank lines between are skipped). [`parse`]
//! reads it into a [`UctRecord`]:
//!
//! - `Candidate`, `PublicDate`, `Priority`, `Description`,
//!   `Ubuntu-Description`, `References` and `CVSS` (lines `nvd: CVSS:3.1/…`);
//! - `Priority_<pkg>` (or `Priority_<pkg>_<release>`) overrides of the
//!   priority for one source package;
//! - `<release>_<pkg>: <status> (<note>)` lines, the state of source package
//!   `<pkg>` in `<release>` (`bionic`, `trusty/esm`, `upstream`, `devel` …);
//! - everything else (`Patches_<pkg>`, `Tags_<pkg>`, `Notes`, `Bugs`,
//!   `Discovered-by` …) is skipped; `#` lines are comments. A line whose
//!   field name has blanks in it (real files hold a few `-- Tags_xen: …`
//!   lines) is skipped and its number kept in [`UctRecord::skipped_lines`].
//!
//! A status line whose status is not a status word has no [`UctEntry::status`]:
//! old files give `upstream_<pkg>: 5.2.4` (an upstream fixed version) or
//! leave the status empty. That is only an error for a release that the
//! conversion maps.
//!
//! [`UctRecord::to_advisory`] turns it into an [`Advisory`] with id the CVE:
//!
//! - releases map to ecosystems `Ubuntu:<version>` ([`ubuntu_version`]:
//!   trusty `14.04`, xenial `16.04`, bionic `18.04`, cosmic `18.10`, disco
//!   `19.04`, eoan `19.10`, focal `20.04` and the releases after it); other
//!   releases (`upstream`, `devel`, ESM and overlay pockets such as
//!   `trusty/esm`, releases before trusty and between the LTS ones before
//!   cosmic) are skipped and counted per release in
//!   [`UbuntuStats::skipped_releases`];
//! - `released (V)` and `released-esm (V)` become [`Status::Fixed`] with the
//!   interval `< V` (V must pass dpkg's strict check, and a `released` line
//!   without a version rejects the record; a missing `)` is forgiven);
//! - `needed`, `needs-triage`, `deferred`, `pending` and `active` become
//!   [`Status::AffectedNoFix`] over every version;
//! - `ignored` becomes [`Status::WillNotFix`] over every version, or
//!   [`Status::EndOfLife`] when the note says `end-of-life`, `end of life` or
//!   `out of standard support`;
//! - `not-affected` becomes [`Status::NotAffected`] (no ranges); `DNE` (the
//!   package does not exist in the release) is left out and counted in
//!   [`UbuntuStats::dne_omitted`];
//! - the severity is the record's `Priority` as [`SeverityKind::Ecosystem`]
//!   (not `untriaged` or empty), then the `CVSS` 3.x / 4.0 vectors. The
//!   model has no per-package severity, so the `Priority_<pkg>` overrides
//!   stay in [`UctRecord::package_priority`] (see
//!   [`UctRecord::priority_of`]);
//! - UCT files carry no modification time: `modified` and `published` are
//!   the `PublicDate` as given (`modified` is empty when the file has none).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::kev::is_cve_id;
use super::{ImportError, MAX_RECORD_BYTES, MAX_RECORDS, MAX_TOTAL_BYTES, read_file_capped};
use crate::Error;
use crate::advisory::{Advisory, Affected, Interval, Severity, SeverityKind, Status};
use crate::version::{Dpkg, VersionScheme};

/// The most lines one UCT file may have (real ones have at most a few
/// thousand, the kernel CVEs).
pub const MAX_LINES: usize = 100_000;

/// The release codenames this importer maps, with their version numbers.
const RELEASES: [(&str, &str); 17] = [
    ("trusty", "14.04"),
    ("xenial", "16.04"),
    ("bionic", "18.04"),
    ("cosmic", "18.10"),
    ("disco", "19.04"),
    ("eoan", "19.10"),
    ("focal", "20.04"),
    ("groovy", "20.10"),
    ("hirsute", "21.04"),
    ("impish", "21.10"),
    ("jammy", "22.04"),
    ("kinetic", "22.10"),
    ("lunar", "23.04"),
    ("mantic", "23.10"),
    ("noble", "24.04"),
    ("oracular", "24.10"),
    ("plucky", "25.04"),
];

/// The Ubuntu version of a UCT release codename, e.g. `18.04` for
/// `bionic`; `None` for the releases this importer skips (`upstream`,
/// `devel`, `trusty/esm`, `precise` …).
pub fn ubuntu_version(release: &str) -> Option<&'static str> {
    RELEASES.iter().find(|(name, _)| *name == release).map(|(_, version)| *version)
}

/// The state of a source package in a release, as UCT writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UctStatus {
    /// `released (version)`: fixed in that version.
    Released,
    /// `released-esm (version)`: fixed in that version, in ESM.
    ReleasedEsm,
    /// `pending (version)`: a fix is prepared but not yet published.
    Pending,
    /// `needed`: affected, to be fixed.
    Needed,
    /// `needs-triage`: not yet looked at.
    NeedsTriage,
    /// `deferred`: affected, fix put off.
    Deferred,
    /// `active`: affected, being worked on.
    Active,
    /// `ignored (reason)`: affected, will not be fixed.
    Ignored,
    /// `not-affected (reason)`.
    NotAffected,
    /// `DNE`: the package does not exist in the release.
    Dne,
}

impl UctStatus {
    /// The status of a UCT status word, if it is one.
    pub fn parse(word: &str) -> Option<UctStatus> {
        Some(match word {
            "released" => UctStatus::Released,
            "released-esm" => UctStatus::ReleasedEsm,
            "pending" => UctStatus::Pending,
            "needed" => UctStatus::Needed,
            "needs-triage" => UctStatus::NeedsTriage,
            "deferred" => UctStatus::Deferred,
            "active" => UctStatus::Active,
            "ignored" => UctStatus::Ignored,
            "not-affected" => UctStatus::NotAffected,
            "DNE" => UctStatus::Dne,
            _ => return None,
        })
    }
}

/// One `<release>_<pkg>: <status> (<note>)` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UctEntry {
    /// The release, e.g. `bionic`, `trusty/esm` or `upstream`.
    pub release: String,
    /// The source package.
    pub package: String,
    /// The status; `None` when the value does not start with a status word
    /// (see [`UctEntry::value`]).
    pub status: Option<UctStatus>,
    /// What follows the status, without its parentheses or brackets: the
    /// version for `released` and `pending`, a reason for `ignored` and
    /// `not-affected` (empty if none, or when there is no status).
    pub note: String,
    /// The whole value of the line, as given (trimmed).
    pub value: String,
}

/// One UCT file, as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UctRecord {
    /// `Candidate`, the CVE id.
    pub candidate: String,
    /// `PublicDate`, as given (e.g. `2019-12-06 18:15:00 UTC`).
    pub public_date: String,
    /// `Priority` (`negligible`, `low`, `medium`, `high`, `critical` or
    /// `untriaged`).
    pub priority: String,
    /// `Description`, its lines joined with newlines.
    pub description: String,
    /// `Ubuntu-Description`, its lines joined with newlines.
    pub ubuntu_description: String,
    /// `References`, one URL each.
    pub references: Vec<String>,
    /// The CVSS vectors of the `CVSS` field (e.g. `CVSS:3.1/…`).
    pub cvss: Vec<String>,
    /// `Priority_<pkg>` overrides: package (or `<pkg>_<release>`) → priority.
    pub package_priority: BTreeMap<String, String>,
    /// The status lines, in file order.
    pub entries: Vec<UctEntry>,
    /// The numbers of lines skipped because their field name has blanks.
    pub skipped_lines: Vec<usize>,
}

/// What a conversion left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UbuntuStats {
    /// Files read as records (`CVE-*`), valid and rejected.
    pub records: usize,
    /// Files skipped because their names do not start with `CVE-`.
    pub other_files_skipped: usize,
    /// Status lines left out because they say `DNE`.
    pub dne_omitted: usize,
    /// Lines skipped because their field name has blanks (see
    /// [`UctRecord::skipped_lines`]).
    pub odd_lines_skipped: usize,
    /// Status lines left out because their release is not mapped, per
    /// release (`upstream`, `devel`, `trusty/esm` …).
    pub skipped_releases: BTreeMap<String, usize>,
}

impl UbuntuStats {
    fn absorb(&mut self, other: UbuntuStats) {
        self.records += other.records;
        self.other_files_skipped += other.other_files_skipped;
        self.dne_omitted += other.dne_omitted;
        self.odd_lines_skipped += other.odd_lines_skipped;
        for (release, count) in other.skipped_releases {
            *self.skipped_releases.entry(release).or_default() += count;
        }
    }
}

/// What a bulk import produced.
#[derive(Debug, Default)]
pub struct UbuntuImported {
    /// The valid advisories, in the order the files were given.
    pub advisories: Vec<Advisory>,
    /// The files that were rejected, one error each, in that order.
    pub rejected: Vec<ImportError>,
    /// Counts of what was read and left out.
    pub stats: UbuntuStats,
}

/// At most 64 characters of `s`, for error messages.
fn cut(s: &str) -> String {
    s.chars().take(64).collect()
}

/// One field of a file: its key, the value on its line and the
/// continuation lines (trimmed).
struct Field<'a> {
    key: &'a str,
    value: &'a str,
    more: Vec<&'a str>,
    line: usize,
}

impl Field<'_> {
    /// The value and continuation lines that are not empty, joined by newlines.
    fn text(&self) -> String {
        let lines = std::iter::once(self.value).chain(self.more.iter().copied());
        lines.filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
    }
}

/// Splits a file into fields.
fn fields(text: &str) -> Result<Vec<Field<'_>>, String> {
    let mut out: Vec<Field<'_>> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if number > MAX_LINES {
            return Err(format!("more than {MAX_LINES} lines"));
        }
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            let Some(field) = out.last_mut() else {
                return Err(format!("line {number}: an indented line before the first field"));
            };
            field.more.push(line.trim());
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!("line {number}: not `Field: value`: {:?}", cut(line)));
        };
        out.push(Field { key: key.trim_end(), value: value.trim(), more: Vec::new(), line: number });
    }
    Ok(out)
}

/// Splits `status (note)` into the status and the note.
fn status_and_note(value: &str) -> Option<(UctStatus, String)> {
    let (word, rest) = value.split_once(char::is_whitespace).unwrap_or((value, ""));
    let status = UctStatus::parse(word)?;
    let rest = rest.trim();
    // A closing parenthesis is sometimes missing in real files.
    let note = match rest.strip_prefix('(') {
        Some(inner) => inner.strip_suffix(')').unwrap_or(inner),
        None => rest.strip_prefix('[').map_or(rest, |inner| inner.strip_suffix(']').unwrap_or(inner)),
    };
    Some((status, note.trim().to_owned()))
}

/// Parses the text of one UCT file.
///
/// # Errors
///
/// [`Error::InvalidAdvisory`] (naming the `Candidate`, or `origin` when it
/// has none) when a line is neither `Field: value` nor an indented
/// continuation (or is one before the first field), a status line has an
/// empty release or package, the same release and package are given twice,
/// a `Priority_` override is empty, or the file has more than [`MAX_LINES`]
/// lines.
pub fn parse(text: &str, origin: &str) -> Result<UctRecord, Error> {
    let fields = fields(text).map_err(|problem| Error::advisory(origin, problem))?;
    let mut record = UctRecord::default();
    if let Some(candidate) = fields.iter().find(|f| f.key == "Candidate") {
        record.candidate = candidate.value.to_owned();
    }
    let id = if record.candidate.is_empty() { cut(origin) } else { cut(&record.candidate) };
    let mut seen = BTreeSet::new();
    for field in &fields {
        let at = |problem: String| Error::advisory(&id, format!("line {}: {problem}", field.line));
        match field.key {
            key if key.is_empty() || key.contains(char::is_whitespace) => record.skipped_lines.push(field.line),
            "Candidate" => {}
            "PublicDate" => record.public_date = field.value.to_owned(),
            "Priority" => record.priority = field.value.to_owned(),
            "Description" => record.description = field.text(),
            "Ubuntu-Description" => record.ubuntu_description = field.text(),
            "References" => {
                let text = field.text();
                record.references.extend(text.split_whitespace().map(str::to_owned));
            }
            "CVSS" => {
                let text = field.text();
                let vectors = text.split_whitespace().filter(|t| t.starts_with("CVSS:"));
                record.cvss.extend(vectors.map(str::to_owned));
            }
            key if key.starts_with("Patches_") || key.starts_with("Tags_") => {}
            key if key.starts_with("Priority_") => {
                let package = &key["Priority_".len()..];
                if package.is_empty() || field.value.is_empty() {
                    return Err(at(format!("bad override {key:?}: {:?}", cut(field.value))));
                }
                record.package_priority.insert(package.to_owned(), field.value.to_owned());
            }
            key if key.contains('_') => {
                let (release, package) = key.split_once('_').unwrap_or_default();
                if release.is_empty() || package.is_empty() {
                    return Err(at(format!("bad status line key {:?}", cut(key))));
                }
                let (status, note) = match status_and_note(field.value) {
                    Some((status, note)) => (Some(status), note),
                    None => (None, String::new()),
                };
                if !seen.insert((release, package)) {
                    return Err(at(format!("{key} is given twice")));
                }
                record.entries.push(UctEntry {
                    release: release.to_owned(),
                    package: package.to_owned(),
                    status,
                    note,
                    value: field.value.to_owned(),
                });
            }
            _ => {}
        }
    }
    Ok(record)
}

/// Whether an `ignored` note says the release is out of support.
fn is_end_of_life(note: &str) -> bool {
    let note = note.to_ascii_lowercase();
    ["end-of-life", "end of life", "out of standard support"].iter().any(|n| note.contains(n))
}

/// `items` without repeats, in the order of their first occurrence.
fn unique<T: Ord + Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = BTreeSet::new();
    items.into_iter().filter(|item| seen.insert(item.clone())).collect()
}

impl UctRecord {
    /// The priority of `package` in `release`: a `Priority_<pkg>_<release>`
    /// override, else a `Priority_<pkg>` override, else the record's.
    pub fn priority_of(&self, package: &str, release: &str) -> &str {
        let specific = self.package_priority.get(&format!("{package}_{release}"));
        specific.or_else(|| self.package_priority.get(package)).map_or(&self.priority, String::as_str)
    }

    /// Converts the record into an [`Advisory`] (see the module doc for the
    /// mapping), with counts of the status lines left out.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAdvisory`] when the `Candidate` is not a CVE id, a
    /// status line of a mapped release has no status word, or a `released`
    /// line of a mapped release has no version or one that fails dpkg's
    /// strict check ([`Dpkg`]'s `validate`).
    pub fn to_advisory(&self) -> Result<(Advisory, UbuntuStats), Error> {
        let id = self.candidate.as_str();
        if !is_cve_id(id) {
            return Err(Error::advisory(&cut(id), "Candidate is not a CVE id"));
        }
        let mut stats = UbuntuStats { odd_lines_skipped: self.skipped_lines.len(), ..UbuntuStats::default() };
        let mut affected = Vec::new();
        for entry in &self.entries {
            let Some(version) = ubuntu_version(&entry.release) else {
                *stats.skipped_releases.entry(entry.release.clone()).or_default() += 1;
                continue;
            };
            let at = format!("{}_{}", entry.release, entry.package);
            let Some(status) = entry.status else {
                return Err(Error::advisory(id, format!("{at}: unknown status {:?}", cut(&entry.value))));
            };
            let every_version = || vec![Interval { introduced: None, fixed: None, last_affected: None }];
            let (status, ranges, fixed) = match status {
                UctStatus::Dne => {
                    stats.dne_omitted += 1;
                    continue;
                }
                UctStatus::Released | UctStatus::ReleasedEsm => {
                    if entry.note.is_empty() {
                        return Err(Error::advisory(id, format!("{at}: released without a version")));
                    }
                    Dpkg.validate(&entry.note).map_err(|e| Error::advisory(id, format!("{at}: {e}")))?;
                    let interval = Interval { introduced: None, fixed: Some(entry.note.clone()), last_affected: None };
                    (Status::Fixed, vec![interval], vec![entry.note.clone()])
                }
                UctStatus::Needed
                | UctStatus::NeedsTriage
                | UctStatus::Deferred
                | UctStatus::Pending
                | UctStatus::Active => (Status::AffectedNoFix, every_version(), Vec::new()),
                UctStatus::Ignored if is_end_of_life(&entry.note) => (Status::EndOfLife, every_version(), Vec::new()),
                UctStatus::Ignored => (Status::WillNotFix, every_version(), Vec::new()),
                UctStatus::NotAffected => (Status::NotAffected, Vec::new(), Vec::new()),
            };
            affected.push(Affected {
                ecosystem: format!("Ubuntu:{version}"),
                package: entry.package.clone(),
                ranges,
                versions: Vec::new(),
                status,
                fixed,
                imports: Vec::new(),
            });
        }

        let mut severity = Vec::new();
        if !self.priority.is_empty() && self.priority != "untriaged" {
            severity.push(Severity { kind: SeverityKind::Ecosystem, score: self.priority.clone() });
        }
        for vector in &self.cvss {
            let kind = if vector.starts_with("CVSS:3.") {
                SeverityKind::CvssV3
            } else if vector.starts_with("CVSS:4.") {
                SeverityKind::CvssV4
            } else {
                continue;
            };
            severity.push(Severity { kind, score: vector.clone() });
        }

        let advisory = Advisory {
            id: id.to_owned(),
            aliases: Vec::new(),
            modified: self.public_date.clone(),
            published: Some(self.public_date.clone()).filter(|d| !d.is_empty()),
            withdrawn: None,
            summary: String::new(),
            details: self.description.clone(),
            severity: unique(severity),
            references: unique(self.references.iter().cloned()),
            affected,
        };
        Ok((advisory, stats))
    }
}

/// Parses and converts one UCT file; `origin` (a file name) names it in
/// errors. The file is read as UTF-8, with invalid bytes replaced.
///
/// # Errors
///
/// [`ImportError::Invalid`] (naming the CVE) when [`parse`] or
/// [`UctRecord::to_advisory`] fail, [`ImportError::TooLarge`] over
/// [`MAX_RECORD_BYTES`].
pub fn parse_record(bytes: &[u8], origin: &str) -> Result<(Advisory, UbuntuStats), ImportError> {
    if bytes.len() as u64 > MAX_RECORD_BYTES {
        return Err(ImportError::TooLarge { origin: origin.to_owned(), limit: format!("{MAX_RECORD_BYTES} bytes") });
    }
    let invalid = |source| ImportError::Invalid { origin: origin.to_owned(), source };
    let text = String::from_utf8_lossy(bytes);
    let record = parse(&text, origin).map_err(invalid)?;
    record.to_advisory().map_err(invalid)
}

/// A bulk import of UCT files given one by one, e.g. from a folder
/// ([`import_dir`]) or the entries of a tar archive.
#[derive(Debug, Default)]
pub struct Importer {
    imported: UbuntuImported,
    total_bytes: u64,
}

impl Importer {
    /// A new, empty import.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one file: `name` is its path (only its last part, which must
    /// start with `CVE-`, is looked at; other files are counted and skipped,
    /// like `00boilerplate` or `not-for-us.txt`). A record whose
    /// `Candidate` differs from its file name is rejected.
    ///
    /// # Errors
    ///
    /// When the import goes over [`MAX_RECORDS`] files or
    /// [`MAX_TOTAL_BYTES`] in all; a bad file is not an error, it is listed
    /// in [`UbuntuImported::rejected`].
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), ImportError> {
        let file_name = name.rsplit('/').next().unwrap_or(name);
        if !file_name.starts_with("CVE-") {
            self.imported.stats.other_files_skipped += 1;
            return Ok(());
        }
        self.imported.stats.records += 1;
        self.total_bytes = self.total_bytes.saturating_add(bytes.len() as u64);
        if self.imported.stats.records > MAX_RECORDS || self.total_bytes > MAX_TOTAL_BYTES {
            let limit = format!("{MAX_RECORDS} records or {MAX_TOTAL_BYTES} bytes");
            return Err(ImportError::TooLarge { origin: name.to_owned(), limit });
        }
        match parse_record(bytes, name) {
            Ok((advisory, _)) if advisory.id != file_name => {
                let problem = format!("Candidate differs from the file name {file_name:?}");
                let source = Error::advisory(&advisory.id, problem);
                self.imported.rejected.push(ImportError::Invalid { origin: name.to_owned(), source });
            }
            Ok((advisory, stats)) => {
                self.imported.stats.absorb(stats);
                self.imported.advisories.push(advisory);
            }
            Err(e) => self.imported.rejected.push(e),
        }
        Ok(())
    }

    /// Counts a file that was not read (a folder, a link …) as skipped.
    pub fn skip(&mut self) {
        self.imported.stats.other_files_skipped += 1;
    }

    /// The advisories, rejected files and counts.
    pub fn finish(self) -> UbuntuImported {
        self.imported
    }
}

/// Imports the `CVE-*` files of one folder (e.g. `active/`), in file-name
/// order; sub-folders and symbolic links are counted and skipped.
///
/// # Errors
///
/// When the folder or a file cannot be read or a bulk cap is hit; bad
/// records do not stop the import (see [`Importer::add`]). A file over
/// [`MAX_RECORD_BYTES`] is rejected unread.
pub fn import_dir(dir: &Path) -> Result<UbuntuImported, ImportError> {
    let io = |source| ImportError::Io { path: dir.to_owned(), source };
    let mut files = Vec::new();
    let mut importer = Importer::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        if entry.file_type().map_err(io)?.is_file() {
            files.push(entry.path());
        } else {
            importer.skip();
        }
    }
    files.sort();
    for path in files {
        let name = path.display().to_string();
        match read_file_capped(&path, MAX_RECORD_BYTES) {
            Ok(bytes) => importer.add(&name, &bytes)?,
            Err(e @ ImportError::TooLarge { .. }) => {
                importer.imported.stats.records += 1;
                importer.imported.rejected.push(e);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(importer.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_notes() {
        assert_eq!(status_and_note("released (1.2-3)"), Some((UctStatus::Released, "1.2-3".into())));
        assert_eq!(status_and_note("released [1.2-3]"), Some((UctStatus::Released, "1.2-3".into())));
        assert_eq!(status_and_note("DNE"), Some((UctStatus::Dne, String::new())));
        assert_eq!(
            status_and_note("ignored (reached end-of-life)"),
            Some((UctStatus::Ignored, "reached end-of-life".into()))
        );
        assert_eq!(status_and_note("released (1:2.0-1"), Some((UctStatus::Released, "1:2.0-1".into())));
        assert_eq!(status_and_note("fixed (1.0)"), None);
        assert_eq!(status_and_note(""), None);
        assert!(is_end_of_life("reached end-of-life"));
        assert!(is_end_of_life("out of standard support"));
        assert!(!is_end_of_life("code-not-compiled"));
    }
}
