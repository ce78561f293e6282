//! Feeds a database is built from: finding them in a folder laid out like
//! `shared/vulndata` (or the production mirrors), and importing each into a
//! [`Builder`].

use std::path::{Path, PathBuf};

use crate::db::{Builder, CveFacts, DbError, KevFacts, SourceInfo, SupportNote};
use crate::import::{
    ImportError, Imported, MAX_RECORD_BYTES, MAX_TOTAL_BYTES, alpine, cvss, debian, debian_changelog, kev, osv, ubuntu,
};

/// The kinds of feed `hullguard db build` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// An OSV `all.zip` (one record per entry).
    OsvZip,
    /// A folder of OSV JSON records (sub-folders included).
    OsvDir,
    /// The Debian security tracker's `data/CVE/list` text.
    DebianCveList,
    /// The Debian security tracker JSON (`tracker/data/json`).
    DebianTrackerJson,
    /// A tarball of the tracker's `data/` folder (DSA, DLA, DTSA lists).
    DebianAdvisoryTarball,
    /// Alpine secdb files (`vX.Y/main.json`, or a tarball of the legacy YAML).
    AlpineSecdb,
    /// A tarball of Debian changelogs (`changelogs/<suite>/<source>.txt`):
    /// fix evidence per release.
    DebianChangelogs,
    /// The Ubuntu CVE Tracker (`active/`, `retired/`, `ignored/` CVE files), as
    /// a folder or a `.tar.zst`/`.tar.gz` of one.
    UbuntuUct,
    /// Debian's `debian-security-support` lists (`security-support-ended.debN`,
    /// `security-support-limited`).
    DebianSupport,
    /// The CISA Known Exploited Vulnerabilities catalog (JSON).
    Kev,
    /// CVSS per CVE: the vulnrichment extract (`*.jsonl.gz`, one record a line).
    CveSeverity,
}

/// The Debian releases for which a CVE without a release line follows the
/// tracker's unstable line: the releases the tracker still maintains lines
/// for (stable, oldstable in LTS, testing, unstable as of 2026-11). Releases
/// past their (LTS) security support get no lines for new CVEs, so for them
/// only explicit lines, DSAs and DLAs count; following unstable there would
/// report every later CVE as affected.
pub const DEBIAN_RELEASES: &[&str] = &["bookworm", "trixie", "forky", "sid"];

/// One feed found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// What it is.
    pub kind: FeedKind,
    /// Short name stored in the database metadata, e.g. `osv/PyPI`.
    pub name: String,
    /// The file or folder.
    pub path: PathBuf,
    /// For an OSV zip `osv/<Eco>.zip`: the folder `osv/<Eco>-updates/` of
    /// newer records written by `hullguard db update`, which replace the
    /// zip's records of the same id.
    pub overlay: Option<PathBuf>,
}

/// An error while finding or importing feeds.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The source path is neither a known feed file nor a folder holding one.
    #[error(
        "{0}: no feed recognised (expected an OSV all.zip or JSON folder, or a folder laid out like shared/vulndata)"
    )]
    Unrecognised(PathBuf),
    /// Reading a folder failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An importer failed as a whole.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// Writing the database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The licence and attribution of a feed, by its name.
fn licence(name: &str) -> (&'static str, Option<&'static str>) {
    match name {
        "osv/PyPI" => {
            ("CC-BY-4.0", Some("Python Packaging Authority advisory database (pypa/advisory-database), CC-BY-4.0"))
        }
        "osv/Go" => ("CC-BY-4.0", Some("Go Vulnerability Database (golang/vulndb), CC-BY-4.0")),
        "osv/crates.io" => ("CC0-1.0", None),
        "osv/AlmaLinux" => ("MIT", Some("AlmaLinux OSV database, MIT")),
        "osv/Bitnami" => ("Apache-2.0", Some("Bitnami Vulnerability Database, Apache-2.0")),
        n if n.starts_with("debian/security-support") => {
            ("GPL-2.0-only", Some("Debian debian-security-support package (security-support-ended/limited lists)"))
        }
        n if n.starts_with("debian/") => ("public data", Some("Debian Security Tracker (security-tracker.debian.org)")),
        n if n.starts_with("ubuntu/") => ("public data", Some("Ubuntu CVE Tracker (Canonical)")),
        n if n.starts_with("alpine/") => ("public data", Some("Alpine Linux secdb (secdb.alpinelinux.org)")),
        "kev" => ("CC0-1.0", Some("CISA Known Exploited Vulnerabilities Catalog")),
        "cve-severity" => ("CC0-1.0", Some("CVE records with CISA ADP enrichment (cisagov/vulnrichment), CC0-1.0")),
        n if n.starts_with("osv/ghsa") => {
            ("CC-BY-4.0", Some("GitHub Advisory Database, (c) GitHub, Inc. and contributors, CC-BY-4.0"))
        }
        _ => ("see upstream", None),
    }
}

/// Finds the feeds at `source`: a feed file or OSV folder itself, or a
/// folder laid out like `shared/vulndata` (`osv/*.zip`, `osv/<set>/`). A
/// folder `osv/<Eco>-updates/` beside `osv/<Eco>.zip` is that zip's overlay
/// ([`Feed::overlay`]), not a feed of its own.
/// Feeds whose licence forbids bundling (safety-db, Wolfi) are never picked.
///
/// # Errors
///
/// When nothing is recognised or a folder cannot be read.
pub fn discover(source: &Path) -> Result<Vec<Feed>, FeedError> {
    let mut feeds = Vec::new();
    if source.is_file() {
        if let Some(feed) = feed_file(source) {
            feeds.push(feed);
        }
    } else if source.is_dir() {
        let osv = source.join("osv");
        if osv.is_dir() {
            let entries = sorted_entries(&osv)?;
            for path in &entries {
                let path = path.clone();
                if path.is_file() {
                    let mut feed = feed_file(&path);
                    // `hullguard db update`'s overlay of newer records: `osv/<Eco>-updates/`.
                    if let Some(f) = feed.as_mut().filter(|f| f.kind == FeedKind::OsvZip) {
                        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
                        f.overlay =
                            Some(osv.join(format!("{stem}-updates"))).filter(|o| entries.contains(o) && o.is_dir());
                    }
                    feeds.extend(feed);
                } else if path.is_dir() {
                    let stem = path.file_name().unwrap_or_default().to_string_lossy();
                    let zip = stem.strip_suffix("-updates").map(|eco| osv.join(format!("{eco}.zip")));
                    if zip.is_some_and(|z| entries.contains(&z) && z.is_file()) {
                        continue; // the overlay of that zip, read with it
                    }
                    feeds.push(Feed { kind: FeedKind::OsvDir, name: format!("osv/{stem}"), path, overlay: None });
                }
            }
        }
        for sub in ["debian", "native", "native/debian-security-support", "data/CVE", "secdb", "kev", "severity"] {
            let dir = source.join(sub);
            if dir.is_dir() {
                feeds.extend(sorted_entries(&dir)?.iter().filter(|p| p.is_file()).filter_map(|p| feed_file(p)));
            }
        }
        // `hullguard db update` mirrors secdb as `alpine/vX.Y/main.json`.
        let alpine = source.join("alpine");
        if alpine.is_dir() {
            feeds.push(Feed {
                kind: FeedKind::AlpineSecdb,
                name: "alpine/secdb".to_owned(),
                path: alpine,
                overlay: None,
            });
        }
        let has_json = has_json(source).map_err(|e| FeedError::Io { path: source.to_owned(), source: e })?;
        if feeds.is_empty() && has_json {
            let stem = source.file_name().unwrap_or_default().to_string_lossy();
            feeds.push(Feed {
                kind: FeedKind::OsvDir,
                name: format!("osv/{stem}"),
                path: source.to_owned(),
                overlay: None,
            });
        }
    }
    if feeds.is_empty() {
        return Err(FeedError::Unrecognised(source.to_owned()));
    }
    Ok(feeds)
}

/// The paths in `dir`, sorted.
fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, FeedError> {
    let io = |source| FeedError::Io { path: dir.to_owned(), source };
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).map_err(io)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>().map_err(io)?;
    entries.sort();
    Ok(entries)
}

/// A feed file recognised by its name.
fn feed_file(path: &Path) -> Option<Feed> {
    let file = path.file_name()?.to_string_lossy().into_owned();
    let parent = path.parent().and_then(Path::file_name).map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    let named = |kind, name: &str| Some(Feed { kind, name: name.to_owned(), path: path.to_owned(), overlay: None });
    if file.contains("CVE-list") || (file == "list" && parent == "CVE") {
        return named(FeedKind::DebianCveList, "debian/cve-list");
    }
    if file.starts_with("debian-security-tracker") && file.ends_with(".tar.gz") {
        return named(FeedKind::DebianAdvisoryTarball, "debian/dsa-dla");
    }
    if file == "debian-tracker.json" || (file == "json" && parent == "data") {
        return named(FeedKind::DebianTrackerJson, "debian/tracker-json");
    }
    if file.starts_with("debian-changelogs") && file.ends_with(".tar.gz") {
        return named(FeedKind::DebianChangelogs, "debian/changelogs");
    }
    if file.starts_with("ubuntu-cve-tracker") && (file.ends_with(".tar.zst") || file.ends_with(".tar.gz")) {
        return named(FeedKind::UbuntuUct, "ubuntu/uct");
    }
    if file.starts_with("security-support-ended.deb") || file == "security-support-limited" {
        return named(FeedKind::DebianSupport, &format!("debian/{file}"));
    }
    if file == "known_exploited_vulnerabilities.json" {
        return named(FeedKind::Kev, "kev");
    }
    if file.starts_with("cve-severity") && file.ends_with(".jsonl.gz") {
        return named(FeedKind::CveSeverity, "cve-severity");
    }
    if file.starts_with("alpine-secdb") && file.ends_with(".tar.gz") {
        return named(FeedKind::AlpineSecdb, "alpine/secdb");
    }
    if let Some(stem) = file.strip_suffix(".zip") {
        // `osv/PyPI.zip` here, `PyPI/all.zip` in the OSV bucket.
        let eco = if stem == "all" {
            path.parent()
                .and_then(Path::file_name)
                .map_or_else(|| "all".to_owned(), |p| p.to_string_lossy().into_owned())
        } else {
            stem.to_owned()
        };
        return Some(Feed { kind: FeedKind::OsvZip, name: format!("osv/{eco}"), path: path.to_owned(), overlay: None });
    }
    None
}

/// Whether `dir` holds a `*.json` file, directly or one folder down.
fn has_json(dir: &Path) -> std::io::Result<bool> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") {
            return Ok(true);
        }
        if entry.file_type()?.is_dir() {
            for inner in std::fs::read_dir(&path)? {
                if inner?.path().extension().is_some_and(|e| e == "json") {
                    return Ok(true);
                }
            }
        }
    }
    Ok(false)
}

/// Imports `feed` into `builder`, returning what the importer rejected (one
/// line each) so the caller can report it.
///
/// # Errors
///
/// When the feed cannot be read as a whole or writing fails.
pub fn import(feed: &Feed, builder: &mut Builder) -> Result<Vec<String>, FeedError> {
    let origin = feed.path.display().to_string();
    let info = |as_of: Option<String>, rejected: usize| source_info(feed, as_of, rejected);
    // Side feeds (per-CVE facts, support notes) are stored and returned from their arm; the
    // others give advisories.
    let imported: Imported = match feed.kind {
        FeedKind::Kev => {
            let kev = kev::read_catalog(&feed.path)?;
            let facts = kev.entries.iter().map(|e| CveFacts {
                cve: e.cve.clone(),
                kev: Some(KevFacts {
                    date_added: e.date_added.clone(),
                    due_date: e.due_date.clone(),
                    ransomware: e.known_ransomware,
                }),
                ..CveFacts::default()
            });
            builder.add_cve_facts(info(Some(kev.date_released.clone()), kev.rejected.len()), facts);
            return Ok(kev.rejected.iter().map(ToString::to_string).collect());
        }
        FeedKind::CveSeverity => {
            let read = cvss::read_extract_gz(&feed.path)?;
            let as_of = read.records.iter().filter_map(|r| r.published.as_deref()).max().map(str::to_owned);
            let facts = read.records.iter().filter(|r| r.state == "PUBLISHED").map(|r| CveFacts {
                cve: r.cve.clone(),
                cvss_v3: r.cvss_v3.as_ref().map(|v| (v.vector.clone(), v.score)),
                cvss_v4: r.cvss_v4.as_ref().map(|v| (v.vector.clone(), v.score)),
                kev: None,
            });
            builder.add_cve_facts(info(as_of, read.rejected.len()), facts);
            return Ok(read.rejected.iter().map(ToString::to_string).collect());
        }
        FeedKind::DebianSupport => {
            let text = read_text(&feed.path)?;
            let notes: Vec<SupportNote> = match feed.name.strip_prefix("debian/security-support-ended.deb") {
                Some(release) => debian::parse_support_ended(&text, &format!("Debian:{release}"), &origin)?
                    .into_iter()
                    .map(|e| SupportNote {
                        ecosystem: e.ecosystem,
                        package: e.package,
                        last_version: Some(e.last_version),
                        ended: Some(e.ended),
                        note: e.note,
                    })
                    .collect(),
                None => debian::parse_support_limited(&text, &origin)?
                    .into_iter()
                    .map(|l| SupportNote {
                        ecosystem: "Debian".into(),
                        package: l.package,
                        last_version: None,
                        ended: None,
                        note: l.note,
                    })
                    .collect(),
            };
            builder.add_support_notes(info(None, 0), &notes)?;
            return Ok(Vec::new());
        }
        FeedKind::OsvZip => {
            let mut all = osv::import_zip(&feed.path)?;
            if let Some(dir) = &feed.overlay {
                // Newer records win: the zip's records with an id the overlay has are dropped.
                let newer = osv::import_dir(dir)?;
                let ids: std::collections::HashSet<&str> = newer.advisories.iter().map(|a| a.id.as_str()).collect();
                all.advisories.retain(|a| !ids.contains(a.id.as_str()));
                all.advisories.extend(newer.advisories);
                all.rejected.extend(newer.rejected);
            }
            // `osv/PyPI.zip` holds PyPI records: entries of other ecosystems are dropped, records
            // left with none rejected.
            if let Some(eco) = feed.name.strip_prefix("osv/").filter(|e| crate::version::scheme_for(e).is_ok()) {
                keep_ecosystem(&mut all, eco, &origin);
            }
            all
        }
        FeedKind::OsvDir => osv::import_dir(&feed.path)?,
        FeedKind::DebianCveList => {
            let text = read_text(&feed.path)?;
            debian::parse_cve_list(&text, DEBIAN_RELEASES, &origin)?.imported
        }
        FeedKind::DebianTrackerJson => {
            debian::parse_tracker_json(&read_capped(&feed.path, debian::MAX_FEED_BYTES)?, &origin)?.imported
        }
        FeedKind::DebianAdvisoryTarball => {
            let mut all = Imported::default();
            // DTSA (testing, 2005-2007) is left out: no image runs those releases.
            for (name, bytes) in
                tar_members(&feed.path, |n| n.ends_with("data/DSA/list") || n.ends_with("data/DLA/list"))?
            {
                let kind = if name.ends_with("DSA/list") { debian::ListKind::Dsa } else { debian::ListKind::Dla };
                let text = String::from_utf8_lossy(&bytes);
                let part = debian::parse_advisory_list(&text, kind, &format!("{origin}:{name}"))?.imported;
                all.advisories.extend(part.advisories);
                all.rejected.extend(part.rejected);
            }
            all
        }
        FeedKind::DebianChangelogs => {
            let mut all = Imported::default();
            for (name, bytes) in tar_members(&feed.path, |n| n.ends_with(".txt"))? {
                let suite = name.rsplit('/').nth(1).unwrap_or_default();
                let Some(ecosystem) = debian::release_ecosystem(suite) else { continue };
                let text = String::from_utf8_lossy(&bytes);
                match debian_changelog::parse_changelog(&text, ecosystem, &format!("{origin}:{name}")) {
                    Ok(part) => all.advisories.extend(part.advisories),
                    Err(e) => all.rejected.push(e),
                }
            }
            all
        }
        FeedKind::UbuntuUct => {
            let mut importer = ubuntu::Importer::new();
            let wanted = |n: &str| ["active/", "retired/", "ignored/"].iter().any(|d| n.contains(d));
            for_each_member(&feed.path, wanted, |name, bytes| Ok(importer.add(&format!("{origin}:{name}"), &bytes)?))?;
            let done = importer.finish();
            Imported { advisories: done.advisories, rejected: done.rejected, ..Imported::default() }
        }
        FeedKind::AlpineSecdb if feed.path.is_dir() => alpine::import_dir(&feed.path)?.imported,
        FeedKind::AlpineSecdb => {
            let files = tar_members(&feed.path, |n| n.ends_with(".yaml") || n.ends_with(".json"))?;
            alpine::import_files(files.into_iter().map(|(n, b)| (format!("{origin}:{n}"), b)))?.imported
        }
    };
    import_imported(feed, imported, builder)
}

/// Keeps in `imported` only the affected entries of ecosystem `eco` (any
/// release, `Debian:12` for `Debian`); a record that had entries, none of
/// them of `eco`, is moved to the rejected.
fn keep_ecosystem(imported: &mut Imported, eco: &str, origin: &str) {
    let base = |e: &str| e.split(':').next().unwrap_or_default().to_owned();
    let mut kept = Vec::with_capacity(imported.advisories.len());
    for mut advisory in std::mem::take(&mut imported.advisories) {
        let others: std::collections::BTreeSet<String> =
            advisory.affected.iter().map(|a| base(&a.ecosystem)).filter(|e| e != eco).collect();
        advisory.affected.retain(|a| base(&a.ecosystem) == eco);
        if advisory.affected.is_empty() && !others.is_empty() {
            let others = others.into_iter().collect::<Vec<_>>().join(", ");
            let problem = format!("ecosystem {others}, not the feed's {eco}");
            let source = crate::Error::advisory(&advisory.id, problem);
            imported.rejected.push(ImportError::Invalid { origin: origin.to_owned(), source });
        } else {
            kept.push(advisory);
        }
    }
    imported.advisories = kept;
}

/// The metadata of `feed` as the database records it (`records` is set when stored).
fn source_info(feed: &Feed, as_of: Option<String>, rejected: usize) -> SourceInfo {
    let (license, attribution) = licence(&feed.name);
    SourceInfo {
        name: feed.name.clone(),
        location: feed.path.display().to_string(),
        as_of,
        records: 0,
        rejected,
        license: license.to_owned(),
        attribution: attribution.map(str::to_owned),
    }
}

/// Stores what an importer produced, with the feed's metadata.
fn import_imported(feed: &Feed, imported: Imported, builder: &mut Builder) -> Result<Vec<String>, FeedError> {
    // Records without a real date (empty, or Go's `0001-01-01`) say nothing about the data's age.
    let as_of = imported
        .advisories
        .iter()
        .map(|a| a.modified.as_str())
        .filter(|m| !m.is_empty() && !m.starts_with("0001-"))
        .max()
        .map(str::to_owned);
    builder.add_advisories(source_info(feed, as_of, imported.rejected.len()), &imported.advisories)?;
    Ok(imported.rejected.iter().map(ToString::to_string).collect())
}

/// Reads a whole file through a cap.
fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, FeedError> {
    let io = |source| FeedError::Import(ImportError::Io { path: path.to_owned(), source });
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, cap + 1), &mut bytes).map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(FeedError::Import(ImportError::TooLarge {
            origin: path.display().to_string(),
            limit: format!("{cap} bytes"),
        }));
    }
    Ok(bytes)
}

/// Reads a UTF-8 text feed through the feed cap.
fn read_text(path: &Path) -> Result<String, FeedError> {
    String::from_utf8(read_capped(path, debian::MAX_FEED_BYTES)?).map_err(|e| {
        FeedError::Import(ImportError::Syntax {
            origin: path.display().to_string(),
            format: "UTF-8 text",
            problem: e.to_string(),
        })
    })
}

/// The regular files of a `.tar.gz` whose names `want` accepts, as
/// `(name, bytes)` in archive order (see [`for_each_member`]).
fn tar_members(path: &Path, want: impl Fn(&str) -> bool) -> Result<Vec<(String, Vec<u8>)>, FeedError> {
    let mut out = Vec::new();
    for_each_member(path, want, |name, bytes| {
        out.push((name.to_owned(), bytes));
        Ok(())
    })?;
    Ok(out)
}

/// Streams the regular files of a `.tar.gz` or `.tar.zst` (long window, as
/// `zstd --long=27` writes) whose names `want` accepts to `each`, in archive
/// order; each member is read through [`MAX_RECORD_BYTES`] × 8 and all of
/// them through [`MAX_TOTAL_BYTES`].
fn for_each_member(
    path: &Path,
    want: impl Fn(&str) -> bool,
    mut each: impl FnMut(&str, Vec<u8>) -> Result<(), FeedError>,
) -> Result<(), FeedError> {
    let io = |source| FeedError::Import(ImportError::Io { path: path.to_owned(), source });
    let file = std::fs::File::open(path).map_err(io)?;
    let reader: Box<dyn std::io::Read> = if path.extension().is_some_and(|e| e == "zst") {
        let mut decoder = zstd::stream::read::Decoder::new(file).map_err(io)?;
        decoder.window_log_max(27).map_err(io)?;
        Box::new(decoder)
    } else {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    };
    let mut archive = tar::Archive::new(reader);
    let mut total = 0u64;
    let cap = MAX_RECORD_BYTES * 8;
    for entry in archive.entries().map_err(io)? {
        let entry = entry.map_err(io)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry.path().map_err(io)?.to_string_lossy().into_owned();
        if !want(&name) {
            continue;
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(entry, cap + 1), &mut bytes).map_err(io)?;
        total += bytes.len() as u64;
        if bytes.len() as u64 > cap || total > MAX_TOTAL_BYTES {
            return Err(FeedError::Import(ImportError::TooLarge {
                origin: format!("{}:{name}", path.display()),
                limit: format!("{cap} bytes"),
            }));
        }
        each(&name, bytes)?;
    }
    Ok(())
}
