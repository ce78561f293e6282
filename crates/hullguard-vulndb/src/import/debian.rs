//! Import of the Debian security tracker's own data.
//!
//! Four inputs, each with its own entry point:
//!
//! - [`parse_cve_list`]: the tracker's `data/CVE/list` text. One [`Advisory`]
//!   per CVE entry (id = the CVE id, aliases = the `{DSA-… DLA-…}` cross
//!   references), with one [`Affected`] per (wanted release, source package).
//!   A `[release] - pkg …` line sets that release's state; a wanted release
//!   without such a line follows the package's unstable line (`- pkg …`).
//! - [`parse_tracker_json`]: the tracker's JSON export
//!   (`security-tracker.debian.org/tracker/data/json`): package → CVE →
//!   releases. One advisory per CVE, grouping its packages.
//! - [`parse_advisory_list`]: `data/DSA/list`, `data/DLA/list` (and
//!   `data/DTSA/list`): one advisory per DSA/DLA, its CVEs as aliases.
//! - [`parse_support_ended`] and [`parse_support_limited`]: the
//!   `debian-security-support` package's lists of packages whose security
//!   support ended early or is limited.
//!
//! [`import_tracker_dir`] reads a folder laid out like the tracker repository.
//!
//! Package names are **source** package names: the tracker is keyed by them.
//! Ecosystems are OSV's: `Debian:12` for bookworm (see [`release_ecosystem`]).
//!
//! How a state becomes a [`Status`] (the same for every text format):
//!
//! | state                                            | status                     | ranges               |
//! |--------------------------------------------------|----------------------------|----------------------|
//! | a version `V`                                    | [`Status::Fixed`]          | below `V`            |
//! | version `0`                                      | [`Status::NotAffected`]    | none                 |
//! | `<unfixed>`, `<no-dsa>`, `<postponed>`, `<undetermined>` | [`Status::AffectedNoFix`] | every version |
//! | `<ignored>`                                      | [`Status::WillNotFix`]     | every version        |
//! | `<end-of-life>`                                  | [`Status::EndOfLife`]      | every version        |
//! | `<not-affected>`                                 | [`Status::NotAffected`]    | none                 |
//! | `<removed>`, `<itp>`                             | skipped (counted)          |                      |
//!
//! When a stable release follows an unstable line with a fixed version `V`
//! (no `[release]` line), the range is "below `V`" — the release's older
//! version is (rightly) affected and a version at or above `V` is not — but
//! the status is [`Status::AffectedNoFix`] with no fixed version: `V` is
//! unstable's upload, which the release cannot install, so no remediation may
//! propose it. Urgencies (`unimportant`, `low`, `medium`, `high`, and in the
//! JSON `not yet assigned`) become [`SeverityKind::Ecosystem`] severities of
//! the advisory, so that `unimportant` issues can be hidden or lowered. The
//! free-text notes (`(Minor issue)`, `NOTE:` lines) have no place in the
//! model and are dropped.
//!
//! The tracker gives no modification time for these records, so
//! [`Advisory::modified`] is empty, except for DSA/DLA entries where it is the
//! advisory's date.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use hullguard_report::time::is_date;
use serde::Deserialize;

use super::{ImportError, Imported, MAX_RECORDS, read_file_capped};
use crate::Error;
use crate::advisory::{Advisory, Affected, Interval, Severity, SeverityKind, Status};
use crate::version::Scheme;

/// The largest feed file read by [`import_tracker_dir`] (`data/CVE/list` is
/// some tens of MiB today), in bytes.
pub const MAX_FEED_BYTES: u64 = 512 << 20;

/// The most lines one entry of a list may have.
const MAX_ENTRY_LINES: usize = 10_000;

/// The longest id accepted, in bytes.
const MAX_ID_LEN: usize = 256;

/// The base of the tracker's per-issue pages, used as the reference URL.
const TRACKER_URL: &str = "https://security-tracker.debian.org/tracker/";

/// Debian code names and their OSV ecosystem names, oldest first.
///
/// Releases from 7 on are named by their major number; older ones by the
/// `major.minor` version they were released as.
const RELEASES: &[(&str, &str)] = &[
    ("woody", "Debian:3.0"),
    ("sarge", "Debian:3.1"),
    ("etch", "Debian:4.0"),
    ("lenny", "Debian:5.0"),
    ("squeeze", "Debian:6.0"),
    ("wheezy", "Debian:7"),
    ("jessie", "Debian:8"),
    ("stretch", "Debian:9"),
    ("buster", "Debian:10"),
    ("bullseye", "Debian:11"),
    ("bookworm", "Debian:12"),
    ("trixie", "Debian:13"),
    ("forky", "Debian:14"),
    ("duke", "Debian:15"),
    ("sid", "Debian:unstable"),
    ("unstable", "Debian:unstable"),
];

/// The OSV ecosystem name of a Debian release code name, e.g. `Debian:12`
/// for `bookworm`, `Debian:unstable` for `sid`; `None` for names not known
/// (such as `experimental`, which is not a release).
pub fn release_ecosystem(code_name: &str) -> Option<&'static str> {
    RELEASES.iter().find(|(name, _)| *name == code_name).map(|(_, eco)| *eco)
}

/// The position of a release in [`RELEASES`] (unknown names last).
fn release_rank(code_name: &str) -> usize {
    RELEASES.iter().position(|(name, _)| *name == code_name).unwrap_or(RELEASES.len())
}

/// What a Debian import produced: the advisories and what was skipped.
#[derive(Debug, Default)]
pub struct DebianImport {
    /// The advisories, the rejected records and the record count
    /// ([`super::ImportStats::records`] counts entries, or for the JSON
    /// (package, CVE) pairs).
    pub imported: Imported,
    /// Counts of what was skipped.
    pub stats: DebianStats,
}

/// Counts of what a Debian import skipped.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DebianStats {
    /// CVE entries (or JSON CVEs) that gave no affected package for the
    /// wanted releases (`NOT-FOR-US`, `RESERVED`, notes only, all removed …);
    /// no advisory is made for them.
    pub entries_without_packages: usize,
    /// Package lines (or JSON release entries) for releases that are not
    /// wanted or not known (e.g. `[experimental]`, `[wheezy]`).
    pub release_lines_skipped: usize,
    /// Package states `<removed>` and `<itp>` (nothing to match).
    pub removed_skipped: usize,
}

impl DebianStats {
    fn add(&mut self, other: DebianStats) {
        self.entries_without_packages += other.entries_without_packages;
        self.release_lines_skipped += other.release_lines_skipped;
        self.removed_skipped += other.removed_skipped;
    }
}

/// The state of one package line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State<'a> {
    /// A version: fixed there (`0` = never affected).
    Version(&'a str),
    Unfixed,
    NoDsa,
    Postponed,
    Undetermined,
    Ignored,
    EndOfLife,
    NotAffected,
    Removed,
    Itp,
}

impl<'a> State<'a> {
    /// Reads a state token: a version or one of the `<…>` keywords.
    fn parse(token: &'a str) -> Result<Self, String> {
        Ok(match token {
            "<unfixed>" => State::Unfixed,
            "<no-dsa>" => State::NoDsa,
            "<postponed>" => State::Postponed,
            "<undetermined>" => State::Undetermined,
            "<ignored>" => State::Ignored,
            "<end-of-life>" => State::EndOfLife,
            "<not-affected>" => State::NotAffected,
            "<removed>" => State::Removed,
            "<itp>" => State::Itp,
            other if other.starts_with('<') => return Err(format!("unknown state {other}")),
            version => State::Version(version),
        })
    }
}

/// The affected entry for `package` in `ecosystem` in state `state`; `None`
/// for the skipped states (`<removed>`, `<itp>`).
fn affected_for(ecosystem: &str, package: &str, state: State<'_>) -> Result<Option<Affected>, Error> {
    let all = || vec![Interval { introduced: None, fixed: None, last_affected: None }];
    let (status, ranges, fixed) = match state {
        State::Removed | State::Itp => return Ok(None),
        State::Version("0") | State::NotAffected => (Status::NotAffected, Vec::new(), Vec::new()),
        State::Version(v) => {
            Scheme::Dpkg.parse(v)?;
            let interval = Interval { introduced: None, fixed: Some(v.to_owned()), last_affected: None };
            (Status::Fixed, vec![interval], vec![v.to_owned()])
        }
        State::Unfixed | State::NoDsa | State::Postponed | State::Undetermined => {
            (Status::AffectedNoFix, all(), Vec::new())
        }
        State::Ignored => (Status::WillNotFix, all(), Vec::new()),
        State::EndOfLife => (Status::EndOfLife, all(), Vec::new()),
    };
    Ok(Some(Affected {
        ecosystem: ecosystem.to_owned(),
        package: package.to_owned(),
        ranges,
        versions: Vec::new(),
        status,
        fixed,
        imports: Vec::new(),
    }))
}

/// A release that follows the unstable line's fix `V`: versions below `V` stay affected, but `V`
/// is unstable's upload, not a version the release can install; so the release has no fix
/// ([`Status::AffectedNoFix`], the range still ending at `V`, no fixed versions listed).
fn unstable_fix_only(mut affected: Affected) -> Affected {
    if affected.status == Status::Fixed {
        affected.status = Status::AffectedNoFix;
        affected.fixed.clear();
    }
    affected
}

/// One package line: `- pkg state (notes)` or `[release] - pkg state (notes)`.
#[derive(Debug, Clone, Copy)]
struct PackageLine<'a> {
    /// `None` for the unstable line.
    release: Option<&'a str>,
    package: &'a str,
    state: State<'a>,
    /// `unimportant`, `low`, `medium` or `high`, from the notes.
    urgency: Option<&'a str>,
}

impl<'a> PackageLine<'a> {
    /// Parses a trimmed body line that starts with `-` or `[`.
    fn parse(line: &'a str) -> Result<Self, String> {
        let (release, rest) = match line.strip_prefix('[') {
            Some(rest) => {
                let (release, rest) = rest.split_once(']').ok_or("no ] after the release")?;
                (Some(release.trim()), rest.trim_start())
            }
            None => (None, line),
        };
        let rest = rest.strip_prefix('-').ok_or_else(|| format!("not a package line: {line:?}"))?;
        let (main, notes) = match rest.split_once('(') {
            Some((main, notes)) => (main, notes.rsplit_once(')').map_or(notes, |(n, _)| n)),
            None => (rest, ""),
        };
        let mut tokens = main.split_whitespace();
        let package = tokens.next().ok_or_else(|| format!("no package name: {line:?}"))?;
        let state = tokens.next().ok_or_else(|| format!("no version or state: {line:?}"))?;
        if let Some(extra) = tokens.next() {
            return Err(format!("unexpected {extra:?} in {line:?}"));
        }
        let urgency = notes.split(';').map(str::trim).find(|n| matches!(*n, "unimportant" | "low" | "medium" | "high"));
        Ok(PackageLine { release, package, state: State::parse(state)?, urgency })
    }
}

/// One entry of a list: a header line and its indented body lines.
struct Entry<'a> {
    /// The 1-based line number of the header.
    line: usize,
    header: &'a str,
    body: Vec<&'a str>,
}

/// Splits a tracker list into entries. Body lines start with blanks; lines
/// starting with `#` and empty lines are skipped.
///
/// # Errors
///
/// [`ImportError::Syntax`] when the text has body lines before the first
/// header, or when the first header does not start with an id.
fn entries<'a>(text: &'a str, origin: &str, format: &'static str) -> Result<Vec<Entry<'a>>, ImportError> {
    let syntax = |problem: String| ImportError::Syntax { origin: origin.to_owned(), format, problem };
    let mut out: Vec<Entry<'a>> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            let entry =
                out.last_mut().ok_or_else(|| syntax(format!("line {}: a body line before any entry", index + 1)))?;
            if entry.body.len() >= MAX_ENTRY_LINES {
                return Err(ImportError::TooLarge {
                    origin: format!("{origin}:{}", entry.line),
                    limit: format!("{MAX_ENTRY_LINES} lines per entry"),
                });
            }
            entry.body.push(line.trim());
        } else {
            if out.len() >= MAX_RECORDS {
                return Err(ImportError::TooLarge {
                    origin: origin.to_owned(),
                    limit: format!("{MAX_RECORDS} records"),
                });
            }
            out.push(Entry { line: index + 1, header: line, body: Vec::new() });
        }
    }
    Ok(out)
}

/// Whether `id` looks like a tracker id: `PREFIX-…`, ASCII letters, digits
/// and `-`, no longer than [`MAX_ID_LEN`].
fn is_id(id: &str) -> bool {
    id.len() <= MAX_ID_LEN
        && id.split_once('-').is_some_and(|(prefix, rest)| {
            !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_uppercase()) && !rest.is_empty()
        })
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The ids of a `{…}` cross-reference line.
fn xrefs(line: &str) -> Result<Vec<String>, String> {
    let inner = line.strip_prefix('{').and_then(|l| l.strip_suffix('}')).ok_or("unclosed { } line")?;
    let ids: Vec<String> = inner.split_whitespace().map(str::to_owned).collect();
    match ids.iter().find(|id| !is_id(id)) {
        Some(bad) => Err(format!("bad id {bad:?} in {{ }}")),
        None => Ok(ids),
    }
}

/// Ecosystem severities from urgencies, in order, no repeats.
fn severities<'a>(urgencies: impl IntoIterator<Item = &'a str>) -> Vec<Severity> {
    let mut seen = BTreeSet::new();
    urgencies
        .into_iter()
        .filter(|u| seen.insert(*u))
        .map(|u| Severity { kind: SeverityKind::Ecosystem, score: u.to_owned() })
        .collect()
}

/// Parses the tracker's `data/CVE/list`, making advisories for the wanted
/// `releases` (code names, e.g. `&["bullseye", "bookworm", "trixie"]`;
/// `sid` gives `Debian:unstable`).
///
/// Entry format: a header `CVE-YYYY-N (description …)` or `CVE-YYYY-N
/// [description]`, then indented lines: `{DSA-… DLA-…}` (→ aliases),
/// `- pkg state (urgency; bug #…)` (the unstable line), `[release] - pkg state
/// (note)`, and `NOTE:`, `TODO:`, `RESERVED`, `NOT-FOR-US:` … lines, which
/// are ignored. See the module doc for the states. Lines for releases not in
/// `releases` are counted in [`DebianStats::release_lines_skipped`]; entries
/// giving no package are counted in [`DebianStats::entries_without_packages`].
///
/// An entry that does not parse (bad header, unknown state, a version that
/// does not parse in dpkg) is rejected with an error naming it and line, the
/// others are kept.
///
/// # Errors
///
/// [`ImportError::Syntax`] when `releases` holds an unknown code name or the
/// text is not a CVE list at all (body lines first, or a first header that is
/// not an id); [`ImportError::TooLarge`] past [`MAX_RECORDS`] entries or
/// 10,000 lines in one entry.
pub fn parse_cve_list(text: &str, releases: &[&str], origin: &str) -> Result<DebianImport, ImportError> {
    const FORMAT: &str = "a Debian tracker CVE list";
    let mut wanted = Vec::with_capacity(releases.len());
    for release in releases {
        let ecosystem = release_ecosystem(release).ok_or_else(|| ImportError::Syntax {
            origin: origin.to_owned(),
            format: FORMAT,
            problem: format!("unknown release {release:?}"),
        })?;
        if !wanted.iter().any(|(r, _)| r == release) {
            wanted.push((*release, ecosystem));
        }
    }
    let list = entries(text, origin, FORMAT)?;
    check_first_header(&list, origin, FORMAT)?;
    let mut out = DebianImport::default();
    for entry in &list {
        out.imported.stats.records += 1;
        match cve_entry(entry, &wanted, &mut out.stats) {
            Ok(Some(advisory)) => out.imported.advisories.push(advisory),
            Ok(None) => out.stats.entries_without_packages += 1,
            Err(source) => {
                out.imported.rejected.push(ImportError::Invalid { origin: format!("{origin}:{}", entry.line), source });
            }
        }
    }
    Ok(out)
}

/// Fails when the first entry's header does not start with an id.
fn check_first_header(list: &[Entry<'_>], origin: &str, format: &'static str) -> Result<(), ImportError> {
    let Some(first) = list.first() else { return Ok(()) };
    let token = first.header.split_whitespace().next().unwrap_or_default();
    if is_id(token) {
        Ok(())
    } else {
        let shown: String = first.header.chars().take(40).collect();
        Err(ImportError::Syntax {
            origin: origin.to_owned(),
            format,
            problem: format!("line {}: {shown:?} is not an entry header", first.line),
        })
    }
}

/// Converts one entry of the CVE list; `None` when it gives no package.
fn cve_entry(entry: &Entry<'_>, wanted: &[(&str, &str)], stats: &mut DebianStats) -> Result<Option<Advisory>, Error> {
    let header = entry.header.trim_end();
    let (id, description) = match header.split_once([' ', '\t']) {
        Some((id, rest)) => (id, rest.trim()),
        None => (header, ""),
    };
    if !is_id(id) {
        let shown: String = id.chars().take(64).collect();
        return Err(Error::advisory(&shown, "the header does not start with an id"));
    }
    let summary = description
        .strip_prefix('(')
        .and_then(|d| d.strip_suffix(')'))
        .or_else(|| description.strip_prefix('[').and_then(|d| d.strip_suffix(']')))
        .unwrap_or(description);

    let mut aliases = Vec::new();
    let mut lines = Vec::new();
    for body in &entry.body {
        if body.starts_with('{') {
            aliases.extend(xrefs(body).map_err(|p| Error::advisory(id, p))?);
        } else if body.starts_with(['-', '[']) {
            lines.push(PackageLine::parse(body).map_err(|p| Error::advisory(id, p))?);
        }
    }
    aliases.sort();
    aliases.dedup();

    // Source packages in order of first mention, each with its first line
    // per release (`None` = the unstable line); indexed, so that an entry of
    // many lines stays linear.
    let mut order: Vec<&str> = Vec::new();
    let mut by_package: BTreeMap<&str, BTreeMap<Option<&str>, State<'_>>> = BTreeMap::new();
    for line in &lines {
        if let Some(release) = line.release
            && !wanted.iter().any(|(r, _)| *r == release)
        {
            stats.release_lines_skipped += 1;
            continue;
        }
        let states = by_package.entry(line.package).or_insert_with(|| {
            order.push(line.package);
            BTreeMap::new()
        });
        states.entry(line.release).or_insert(line.state);
    }
    let mut affected = Vec::new();
    for package in order {
        let states = &by_package[package];
        for (release, ecosystem) in wanted {
            // `sid` has no `[sid]` lines: it is the unstable line.
            let own = states.get(&Some(*release));
            let Some(state) = own.or_else(|| states.get(&None)) else { continue };
            match affected_for(ecosystem, package, *state)
                .map_err(|e| Error::advisory(id, format!("{package}: {e}")))?
            {
                Some(a) if own.is_none() && *ecosystem != "Debian:unstable" => affected.push(unstable_fix_only(a)),
                Some(a) => affected.push(a),
                None => stats.removed_skipped += 1,
            }
        }
    }
    if affected.is_empty() {
        return Ok(None);
    }
    Ok(Some(Advisory {
        id: id.to_owned(),
        aliases,
        modified: String::new(),
        published: None,
        withdrawn: None,
        summary: summary.to_owned(),
        details: String::new(),
        severity: severities(lines.iter().filter_map(|l| l.urgency)),
        references: vec![format!("{TRACKER_URL}{id}")],
        affected,
    }))
}

/// Which advisory list [`parse_advisory_list`] reads: the prefix its ids
/// must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// `data/DSA/list`: Debian Security Advisories (`DSA-1234-1`).
    Dsa,
    /// `data/DLA/list`: Debian LTS Advisories (`DLA-1234-1`).
    Dla,
    /// `data/DTSA/list`: Debian Testing Security Advisories (`DTSA-12-1`).
    Dtsa,
}

impl ListKind {
    /// The id prefix, e.g. `DSA-`.
    pub fn prefix(self) -> &'static str {
        match self {
            ListKind::Dsa => "DSA-",
            ListKind::Dla => "DLA-",
            ListKind::Dtsa => "DTSA-",
        }
    }
}

/// Parses a DSA, DLA or DTSA list: one advisory per entry, every entry kept
/// (announcements with no package give an advisory with no affected package).
///
/// Entry format: a header `[DD Mon YYYY] DSA-1234-1 pkg - description`
/// (the `-N` suffix is missing on old DSAs, the description on some), then
/// indented lines `{CVE-… CVE-…}` (→ aliases), `[release] - pkg state
/// (note)` (→ one affected package per line; see the module doc for the
/// states) and `NOTE:` lines (ignored). The date becomes
/// [`Advisory::published`] and [`Advisory::modified`] as `YYYY-MM-DD`; the
/// rest of the header becomes the summary. Lines for unknown releases are
/// counted in [`DebianStats::release_lines_skipped`].
///
/// An entry that does not parse (bad date, an id without the `kind`'s prefix,
/// a bad line or version) is rejected with an error naming it, the others
/// are kept.
///
/// # Errors
///
/// [`ImportError::Syntax`] when the text is not such a list at all;
/// [`ImportError::TooLarge`] past [`MAX_RECORDS`] entries or 10,000 lines in
/// one entry.
pub fn parse_advisory_list(text: &str, kind: ListKind, origin: &str) -> Result<DebianImport, ImportError> {
    const FORMAT: &str = "a Debian tracker advisory list";
    let list = entries(text, origin, FORMAT)?;
    if let Some(first) = list.first()
        && !first.header.starts_with('[')
    {
        let shown: String = first.header.chars().take(40).collect();
        return Err(ImportError::Syntax {
            origin: origin.to_owned(),
            format: FORMAT,
            problem: format!("line {}: {shown:?} is not `[date] id …`", first.line),
        });
    }
    let mut out = DebianImport::default();
    for entry in &list {
        out.imported.stats.records += 1;
        match advisory_entry(entry, kind, &mut out.stats) {
            Ok(advisory) => out.imported.advisories.push(advisory),
            Err(source) => {
                out.imported.rejected.push(ImportError::Invalid { origin: format!("{origin}:{}", entry.line), source });
            }
        }
    }
    Ok(out)
}

/// `DD Mon YYYY` as `YYYY-MM-DD`.
fn iso_date(date: &str) -> Option<String> {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let mut parts = date.split_whitespace();
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let month = MONTHS.iter().position(|m| *m == month)? + 1;
    let day: u8 = day.parse().ok().filter(|_| day.len() <= 2)?;
    let iso = format!("{year}-{month:02}-{day:02}");
    is_date(&iso).then_some(iso)
}

/// Converts one entry of a DSA/DLA/DTSA list.
fn advisory_entry(entry: &Entry<'_>, kind: ListKind, stats: &mut DebianStats) -> Result<Advisory, Error> {
    let at = format!("line {}", entry.line);
    let rest = entry.header.strip_prefix('[').ok_or_else(|| Error::advisory(&at, "no [date]"))?;
    let (date, rest) = rest.split_once(']').ok_or_else(|| Error::advisory(&at, "no ] after the date"))?;
    let rest = rest.trim();
    let (id, summary) = rest.split_once([' ', '\t']).map_or((rest, ""), |(id, s)| (id, s.trim()));
    if !is_id(id) || !id.starts_with(kind.prefix()) {
        let shown: String = id.chars().take(64).collect();
        return Err(Error::advisory(&at, format!("{shown:?} is not a {} id", kind.prefix())));
    }
    let date = iso_date(date).ok_or_else(|| Error::advisory(id, format!("bad date {date:?}")))?;

    let mut aliases = Vec::new();
    let mut affected = Vec::new();
    let mut urgencies = Vec::new();
    for body in &entry.body {
        if body.starts_with('{') {
            aliases.extend(xrefs(body).map_err(|p| Error::advisory(id, p))?);
        } else if body.starts_with(['-', '[']) {
            let line = PackageLine::parse(body).map_err(|p| Error::advisory(id, p))?;
            let Some(ecosystem) = line.release.and_then(release_ecosystem) else {
                stats.release_lines_skipped += 1;
                continue;
            };
            urgencies.extend(line.urgency);
            match affected_for(ecosystem, line.package, line.state)
                .map_err(|e| Error::advisory(id, format!("{}: {e}", line.package)))?
            {
                Some(a) if !affected.contains(&a) => affected.push(a),
                Some(_) => {}
                None => stats.removed_skipped += 1,
            }
        }
    }
    aliases.sort();
    aliases.dedup();
    Ok(Advisory {
        id: id.to_owned(),
        aliases,
        modified: date.clone(),
        published: Some(date),
        withdrawn: None,
        summary: summary.to_owned(),
        details: String::new(),
        severity: severities(urgencies),
        references: vec![format!("{TRACKER_URL}{id}")],
        affected,
    })
}

/// One release entry of a CVE in the tracker JSON. Unknown fields (e.g.
/// `repositories`) are ignored.
#[derive(Debug, Deserialize)]
struct JsonRelease {
    status: String,
    fixed_version: Option<String>,
    urgency: Option<String>,
    nodsa_reason: Option<String>,
}

/// One CVE of one package in the tracker JSON. `releases` is an object, or
/// `[]` when there is none.
#[derive(Debug, Deserialize)]
struct JsonCve {
    description: Option<String>,
    releases: Option<serde_json::Value>,
}

/// An advisory being gathered from the tracker JSON.
#[derive(Default)]
struct JsonAdvisory {
    details: String,
    urgencies: Vec<String>,
    /// `(package, release rank, affected)`.
    affected: Vec<(String, usize, Affected)>,
}

/// Parses the tracker's JSON export (`/tracker/data/json`): `{package:
/// {CVE id: {description, scope, debianbug, releases: {code name: {status,
/// fixed_version, urgency, nodsa, nodsa_reason, repositories}}}}}`.
///
/// One advisory per CVE id, in id order, with one affected package per
/// (source package, known release) in package then release order; the
/// description becomes [`Advisory::details`]. Statuses:
///
/// - `resolved` with `fixed_version` `0` → [`Status::NotAffected`];
/// - `resolved` with a version → [`Status::Fixed`] below it;
/// - `open` → [`Status::AffectedNoFix`], except urgency `end-of-life` →
///   [`Status::EndOfLife`] and `nodsa_reason` `ignored` →
///   [`Status::WillNotFix`] (`postponed` and other reasons stay open);
/// - `undetermined` → [`Status::AffectedNoFix`].
///
/// Urgencies other than `end-of-life` become ecosystem severities, with the
/// trailing `*` (the tracker's mark for an urgency taken over from NVD
/// unchecked, e.g. `high**`) dropped: `high`, `not yet assigned` ….
/// [`super::ImportStats::records`] counts (package, CVE) pairs; a pair that
/// does not fit (unknown status, bad version, resolved with no version) is
/// rejected with an error naming it, the others are kept. Releases with
/// unknown code names are counted in [`DebianStats::release_lines_skipped`].
///
/// # Errors
///
/// [`ImportError::Syntax`] when `bytes` is not a JSON object of objects;
/// [`ImportError::TooLarge`] past [`MAX_RECORDS`] pairs.
pub fn parse_tracker_json(bytes: &[u8], origin: &str) -> Result<DebianImport, ImportError> {
    let syntax =
        |problem: String| ImportError::Syntax { origin: origin.to_owned(), format: "the Debian tracker JSON", problem };
    let raw: BTreeMap<String, BTreeMap<String, serde_json::Value>> =
        serde_json::from_slice(bytes).map_err(|e| syntax(e.to_string()))?;
    let mut out = DebianImport::default();
    let mut gathered: BTreeMap<String, JsonAdvisory> = BTreeMap::new();
    for (package, cves) in &raw {
        for (cve, value) in cves {
            out.imported.stats.records += 1;
            if out.imported.stats.records > MAX_RECORDS {
                return Err(ImportError::TooLarge {
                    origin: origin.to_owned(),
                    limit: format!("{MAX_RECORDS} records"),
                });
            }
            let entry = gathered.entry(cve.clone()).or_default();
            if let Err(source) = json_entry(package, cve, value, entry, &mut out.stats) {
                out.imported.rejected.push(ImportError::Invalid { origin: origin.to_owned(), source });
            }
        }
    }
    for (id, mut gathered) in gathered {
        if gathered.affected.is_empty() {
            out.stats.entries_without_packages += 1;
            continue;
        }
        gathered.affected.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        out.imported.advisories.push(Advisory {
            references: vec![format!("{TRACKER_URL}{id}")],
            id,
            aliases: Vec::new(),
            modified: String::new(),
            published: None,
            withdrawn: None,
            summary: String::new(),
            details: gathered.details,
            severity: severities(gathered.urgencies.iter().map(String::as_str)),
            affected: gathered.affected.into_iter().map(|(_, _, a)| a).collect(),
        });
    }
    Ok(out)
}

/// Adds one (package, CVE) pair of the tracker JSON to `into`.
fn json_entry(
    package: &str,
    cve: &str,
    value: &serde_json::Value,
    into: &mut JsonAdvisory,
    stats: &mut DebianStats,
) -> Result<(), Error> {
    let at = format!("{cve} ({package})");
    if !is_id(cve) {
        let shown: String = cve.chars().take(64).collect();
        return Err(Error::advisory(&shown, format!("not a tracker id ({package})")));
    }
    if package.is_empty() || package.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::advisory(&at, "bad package name"));
    }
    let raw = JsonCve::deserialize(value).map_err(|e| Error::advisory(&at, e.to_string()))?;
    let releases: BTreeMap<String, JsonRelease> = match raw.releases {
        None | Some(serde_json::Value::Null) => BTreeMap::new(),
        Some(serde_json::Value::Array(list)) if list.is_empty() => BTreeMap::new(),
        Some(other) => BTreeMap::deserialize(other).map_err(|e| Error::advisory(&at, format!("releases: {e}")))?,
    };
    let mut found = Vec::new();
    let mut urgencies = Vec::new();
    for (release, entry) in &releases {
        let Some(ecosystem) = release_ecosystem(release) else {
            stats.release_lines_skipped += 1;
            continue;
        };
        let urgency = entry.urgency.as_deref().map(|u| u.trim_end_matches('*').trim()).filter(|u| !u.is_empty());
        let state = match (entry.status.as_str(), entry.fixed_version.as_deref()) {
            ("resolved", Some(v)) if !v.is_empty() => State::Version(v),
            ("resolved", _) => return Err(Error::advisory(&at, format!("{release}: resolved with no fixed_version"))),
            ("open", _) if urgency == Some("end-of-life") => State::EndOfLife,
            ("open", _) if entry.nodsa_reason.as_deref() == Some("ignored") => State::Ignored,
            ("open" | "undetermined", _) => State::Unfixed,
            (other, _) => return Err(Error::advisory(&at, format!("{release}: unknown status {other:?}"))),
        };
        let affected =
            affected_for(ecosystem, package, state).map_err(|e| Error::advisory(&at, format!("{release}: {e}")))?;
        if let Some(affected) = affected {
            found.push((package.to_owned(), release_rank(release), affected));
        }
        urgencies.extend(urgency.filter(|u| *u != "end-of-life"));
    }
    // Only a valid pair adds to the advisory.
    into.affected.extend(found);
    for u in urgencies {
        if !into.urgencies.iter().any(|x| x == u) {
            into.urgencies.push(u.to_owned());
        }
    }
    if into.details.is_empty() {
        into.details = raw.description.unwrap_or_default();
    }
    Ok(())
}

/// Reads a folder laid out like the tracker repository: `data/CVE/list`
/// (for the wanted `releases`, see [`parse_cve_list`]), `data/DSA/list` and
/// `data/DLA/list`, each if present, into one import (CVE advisories first,
/// then DSAs, then DLAs; stats summed).
///
/// # Errors
///
/// When none of the three files exists, a file cannot be read, is over
/// [`MAX_FEED_BYTES`] or not UTF-8, or as the parse functions.
pub fn import_tracker_dir(dir: &Path, releases: &[&str]) -> Result<DebianImport, ImportError> {
    let mut out = DebianImport::default();
    let mut found = false;
    for (file, kind) in [("CVE", None), ("DSA", Some(ListKind::Dsa)), ("DLA", Some(ListKind::Dla))] {
        let path = dir.join("data").join(file).join("list");
        if !path.is_file() {
            continue;
        }
        found = true;
        let bytes = read_file_capped(&path, MAX_FEED_BYTES)?;
        let origin = path.display().to_string();
        let text = std::str::from_utf8(&bytes).map_err(|e| ImportError::Syntax {
            origin: origin.clone(),
            format: "UTF-8 text",
            problem: e.to_string(),
        })?;
        let part = match kind {
            None => parse_cve_list(text, releases, &origin)?,
            Some(kind) => parse_advisory_list(text, kind, &origin)?,
        };
        out.imported.advisories.extend(part.imported.advisories);
        out.imported.rejected.extend(part.imported.rejected);
        out.imported.stats.records += part.imported.stats.records;
        out.stats.add(part.stats);
    }
    if !found {
        return Err(ImportError::Io {
            path: dir.join("data"),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no data/CVE/list, data/DSA/list or data/DLA/list",
            ),
        });
    }
    Ok(out)
}

/// A package whose security support ended before its release's end of life,
/// from `security-support-ended.debN` of the `debian-security-support`
/// package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportEnded {
    /// The release, as an ecosystem name, e.g. `Debian:12`.
    pub ecosystem: String,
    /// The source package name; may be a pattern `prefix.*` (see
    /// [`SupportEnded::matches`]).
    pub package: String,
    /// The last version with support; `0` means no version is supported.
    pub last_version: String,
    /// When support ended (or will end), `YYYY-MM-DD`.
    pub ended: String,
    /// The details (free text or URLs), possibly empty.
    pub note: String,
}

impl SupportEnded {
    /// Whether `package` (a source package name) is the listed one; a listed
    /// name ending in `.*` (as `node-.*`, `php-horde.*`) matches every name
    /// with that prefix.
    pub fn matches(&self, package: &str) -> bool {
        match self.package.strip_suffix(".*") {
            Some(prefix) => package.starts_with(prefix),
            None => self.package == package,
        }
    }
}

/// A package whose security support is limited, from
/// `security-support-limited`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportLimited {
    /// The source package name; may be a pattern `prefix.*`.
    pub package: String,
    /// The details (free text or URLs), possibly empty.
    pub note: String,
}

/// The most lines a support list may have.
const MAX_SUPPORT_LINES: usize = 100_000;

/// The content lines of a support list: `(line number, line)`, comments
/// (`#`) and blank lines left out.
fn support_lines<'a>(text: &'a str, origin: &str, format: &'static str) -> Result<Vec<(usize, &'a str)>, ImportError> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .collect();
    if lines.len() > MAX_SUPPORT_LINES {
        return Err(ImportError::TooLarge { origin: origin.to_owned(), limit: format!("{MAX_SUPPORT_LINES} lines") });
    }
    if let Some((n, l)) = lines.iter().find(|(_, l)| l.chars().any(|c| c.is_control() && c != '\t')) {
        let shown: String = l.chars().take(40).collect();
        return Err(ImportError::Syntax {
            origin: origin.to_owned(),
            format,
            problem: format!("line {n}: control character in {shown:?}"),
        });
    }
    Ok(lines)
}

/// `line` split into its first `n` blank-separated fields and the rest
/// (trimmed); `None` when it has fewer than `n` fields.
fn fields(line: &str, n: usize) -> Option<(Vec<&str>, &str)> {
    let mut rest = line.trim_start();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        if end == 0 {
            return None;
        }
        out.push(&rest[..end]);
        rest = rest[end..].trim_start();
    }
    Some((out, rest.trim_end()))
}

/// Parses a `security-support-ended.debN` file for the release `ecosystem`
/// (e.g. `Debian:12` for `.deb12`).
///
/// Format (as the files' header comments give it): `#` comment lines, and
/// one line per package with columns separated by blanks: the source package
/// name (`prefix.*` for a family), the last version with support (`0` for
/// none), the date support ended or will end (`YYYY-MM-DD`), and optional
/// details (free text, may hold blanks).
///
/// # Errors
///
/// [`ImportError::Syntax`] on a line with fewer than three columns, a bad
/// date, a version that does not parse in dpkg, or control characters;
/// [`ImportError::TooLarge`] over 100,000 lines.
pub fn parse_support_ended(text: &str, ecosystem: &str, origin: &str) -> Result<Vec<SupportEnded>, ImportError> {
    const FORMAT: &str = "a security-support-ended list";
    let syntax = |n: usize, problem: String| ImportError::Syntax {
        origin: origin.to_owned(),
        format: FORMAT,
        problem: format!("line {n}: {problem}"),
    };
    let mut out = Vec::new();
    for (n, line) in support_lines(text, origin, FORMAT)? {
        let (cols, note) = fields(line, 3).ok_or_else(|| syntax(n, "fewer than 3 columns".to_owned()))?;
        let (package, version, date) = (cols[0], cols[1], cols[2]);
        Scheme::Dpkg.parse(version).map_err(|e| syntax(n, e.to_string()))?;
        if !is_date(date) {
            return Err(syntax(n, format!("bad date {date:?}")));
        }
        out.push(SupportEnded {
            ecosystem: ecosystem.to_owned(),
            package: package.to_owned(),
            last_version: version.to_owned(),
            ended: date.to_owned(),
            note: note.to_owned(),
        });
    }
    Ok(out)
}

/// Parses `security-support-limited`: `#` comment lines, and one line per
/// package: the source package name (`prefix.*` for a family), then
/// optional details (free text).
///
/// # Errors
///
/// [`ImportError::Syntax`] on control characters; [`ImportError::TooLarge`]
/// over 100,000 lines.
pub fn parse_support_limited(text: &str, origin: &str) -> Result<Vec<SupportLimited>, ImportError> {
    let lines = support_lines(text, origin, "a security-support-limited list")?;
    Ok(lines
        .into_iter()
        .filter_map(|(_, line)| fields(line, 1))
        .map(|(cols, note)| SupportLimited { package: cols[0].to_owned(), note: note.to_owned() })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_lines_parse() {
        let l = PackageLine::parse("- glibc 2.37-12 (bug #1; low)").unwrap();
        assert_eq!((l.release, l.package, l.state, l.urgency), (None, "glibc", State::Version("2.37-12"), Some("low")));
        let l = PackageLine::parse("[bookworm] - glibc <no-dsa> (Minor issue)").unwrap();
        assert_eq!((l.release, l.state, l.urgency), (Some("bookworm"), State::NoDsa, None));
        assert!(PackageLine::parse("- glibc").is_err());
        assert!(PackageLine::parse("- glibc <bogus>").is_err());
        assert!(PackageLine::parse("[bookworm - glibc 1").is_err());
    }

    #[test]
    fn dates_convert() {
        assert_eq!(iso_date("01 Aug 2002").as_deref(), Some("2002-08-01"));
        assert_eq!(iso_date("1 Aug 2002").as_deref(), Some("2002-08-01"));
        assert_eq!(iso_date("32 Aug 2002"), None);
        assert_eq!(iso_date("01 Foo 2002"), None);
        assert_eq!(iso_date("31 Feb 2002"), None);
    }

    #[test]
    fn support_ended_dates_are_calendar_dates() {
        let ok = parse_support_ended("glibc 2.36-9 2028-02-29 note\n", "Debian:12", "x").unwrap();
        assert_eq!(ok[0].ended, "2028-02-29");
        for bad in ["2025-02-31", "2025-3-22", "2025-13-01"] {
            let err = parse_support_ended(&format!("glibc 2.36-9 {bad}\n"), "Debian:12", "x").unwrap_err();
            assert!(err.to_string().contains("line 1: bad date"), "{bad}: {err}");
        }
    }

    #[test]
    fn releases_map_to_ecosystems() {
        assert_eq!(release_ecosystem("bookworm"), Some("Debian:12"));
        assert_eq!(release_ecosystem("sid"), Some("Debian:unstable"));
        assert_eq!(release_ecosystem("experimental"), None);
        for (_, eco) in RELEASES {
            assert!(crate::version::scheme_for(eco).is_ok(), "{eco}");
        }
    }
}
