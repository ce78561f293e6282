//! Feeds a database is built from: finding them in a folder laid out like
//! `shared/vulndata` (or the production mirrors), and importing each into a
//! [`Builder`].

use std::path::{Path, PathBuf};

use crate::db::{Builder, DbError, SourceInfo};
use crate::import::{ImportError, Imported, osv};

/// The kinds of feed `hullguard db build` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// An OSV `all.zip` (one record per entry).
    OsvZip,
    /// A folder of OSV JSON records (sub-folders included).
    OsvDir,
}

/// One feed found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// What it is.
    pub kind: FeedKind,
    /// Short name stored in the database metadata, e.g. `osv/PyPI`.
    pub name: String,
    /// The file or folder.
    pub path: PathBuf,
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
        n if n.starts_with("osv/ghsa") => {
            ("CC-BY-4.0", Some("GitHub Advisory Database, (c) GitHub, Inc. and contributors, CC-BY-4.0"))
        }
        _ => ("see upstream", None),
    }
}

/// Finds the feeds at `source`: a feed file or OSV folder itself, or a
/// folder laid out like `shared/vulndata` (`osv/*.zip`, `osv/<set>/`).
/// Feeds whose licence forbids bundling (safety-db, Wolfi) are never picked.
///
/// # Errors
///
/// When nothing is recognised or a folder cannot be read.
pub fn discover(source: &Path) -> Result<Vec<Feed>, FeedError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| FeedError::Io { path, source }
    };
    let mut feeds = Vec::new();
    if source.is_file() {
        if let Some(feed) = feed_file(source) {
            feeds.push(feed);
        }
    } else if source.is_dir() {
        let osv = source.join("osv");
        if osv.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&osv)
                .map_err(io(&osv))?
                .map(|e| e.map(|e| e.path()))
                .collect::<Result<_, _>>()
                .map_err(io(&osv))?;
            entries.sort();
            for path in entries {
                if path.is_file() {
                    feeds.extend(feed_file(&path));
                } else if path.is_dir() {
                    let stem = path.file_name().unwrap_or_default().to_string_lossy();
                    feeds.push(Feed { kind: FeedKind::OsvDir, name: format!("osv/{stem}"), path });
                }
            }
        } else if has_json(source).map_err(io(source))? {
            let stem = source.file_name().unwrap_or_default().to_string_lossy();
            feeds.push(Feed { kind: FeedKind::OsvDir, name: format!("osv/{stem}"), path: source.to_owned() });
        }
    }
    if feeds.is_empty() {
        return Err(FeedError::Unrecognised(source.to_owned()));
    }
    Ok(feeds)
}

/// A feed file recognised by its name.
fn feed_file(path: &Path) -> Option<Feed> {
    let file = path.file_name()?.to_string_lossy().into_owned();
    if let Some(stem) = file.strip_suffix(".zip") {
        // `osv/PyPI.zip` here, `PyPI/all.zip` in the OSV bucket.
        let eco = if stem == "all" {
            path.parent()
                .and_then(Path::file_name)
                .map_or_else(|| "all".to_owned(), |p| p.to_string_lossy().into_owned())
        } else {
            stem.to_owned()
        };
        return Some(Feed { kind: FeedKind::OsvZip, name: format!("osv/{eco}"), path: path.to_owned() });
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
    let imported: Imported = match feed.kind {
        FeedKind::OsvZip => osv::import_zip(&feed.path)?,
        FeedKind::OsvDir => osv::import_dir(&feed.path)?,
    };
    let (license, attribution) = licence(&feed.name);
    let as_of = imported.advisories.iter().map(|a| a.modified.as_str()).max().map(str::to_owned);
    let info = SourceInfo {
        name: feed.name.clone(),
        location: feed.path.display().to_string(),
        as_of,
        records: 0,
        rejected: imported.rejected.len(),
        license: license.to_owned(),
        attribution: attribution.map(str::to_owned),
    };
    builder.add_advisories(info, &imported.advisories)?;
    Ok(imported.rejected.iter().map(ToString::to_string).collect())
}
