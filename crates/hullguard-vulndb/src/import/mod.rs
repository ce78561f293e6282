//! Importers: feed formats in, [`crate::advisory::Advisory`] out.
//!
//! Every importer validates at the boundary: a record that does not fit the
//! model is rejected with an error naming it (never a panic), and a bulk
//! import goes on with the other records, reporting the rejected ones in
//! [`Imported::rejected`].

pub mod alpine;
pub mod cvss;
pub mod debian;
pub mod debian_changelog;
pub mod kev;
pub mod osv;
pub mod ubuntu;

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::advisory::Advisory;

/// The largest single record (file or zip entry) read, in bytes.
///
/// Real OSV records are at most a few hundred KiB.
pub const MAX_RECORD_BYTES: u64 = 16 << 20;

/// The most records (files or zip entries) one bulk import reads.
pub const MAX_RECORDS: usize = 1 << 20;

/// The most bytes one bulk import reads in all, uncompressed.
pub const MAX_TOTAL_BYTES: u64 = 4 << 30;

/// The deepest folder nesting a folder import descends into.
const MAX_DEPTH: usize = 16;

/// Collects the files under `dir` whose extension `wanted` accepts into `files` (at most
/// [`MAX_RECORDS`]), counting the others in `other`; symbolic links are not followed.
pub(crate) fn walk_files(
    dir: &Path,
    depth: usize,
    wanted: &dyn Fn(&std::ffi::OsStr) -> bool,
    files: &mut Vec<PathBuf>,
    other: &mut usize,
) -> Result<(), ImportError> {
    if depth > MAX_DEPTH {
        return Err(ImportError::TooLarge { origin: dir.display().to_string(), limit: format!("{MAX_DEPTH} levels") });
    }
    let io = |source| ImportError::Io { path: dir.to_owned(), source };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let kind = entry.file_type().map_err(io)?;
        let path = entry.path();
        if kind.is_dir() {
            walk_files(&path, depth + 1, wanted, files, other)?;
        } else if kind.is_file() && path.extension().is_some_and(wanted) {
            if files.len() >= MAX_RECORDS {
                return Err(ImportError::TooLarge {
                    origin: dir.display().to_string(),
                    limit: format!("{MAX_RECORDS} files"),
                });
            }
            files.push(path);
        } else {
            *other += 1;
        }
    }
    Ok(())
}

/// An error of an importer.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Reading a file or folder failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A zip archive is broken or cannot be read.
    #[error("cannot read zip {path}: {source}")]
    Zip {
        /// The archive.
        path: PathBuf,
        /// The zip error.
        source: zip::result::ZipError,
    },
    /// A record or an archive is over one of the size caps.
    #[error("{origin}: over the cap of {limit}")]
    TooLarge {
        /// The file, entry or archive.
        origin: String,
        /// The cap that was hit, e.g. `16777216 bytes`.
        limit: String,
    },
    /// A record that is not JSON of the expected shape and has no readable id.
    #[error("{origin}: not an OSV record: {source}")]
    Json {
        /// The file or zip entry.
        origin: String,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// A distro feed (text, JSON or YAML) that is not of the expected shape.
    #[error("{origin}: not {format}: {problem}")]
    Syntax {
        /// The file, or what the caller named the input.
        origin: String,
        /// The format that was expected, e.g. `Alpine secdb YAML`.
        format: &'static str,
        /// What is wrong, with a line number where there is one.
        problem: String,
    },
    /// A record that does not fit the advisory model; the error names it.
    #[error("{origin}: {source}")]
    Invalid {
        /// The file or zip entry.
        origin: String,
        /// The validation error, naming the record id.
        source: crate::Error,
    },
}

/// What a bulk import produced.
#[derive(Debug, Default)]
pub struct Imported {
    /// The valid advisories, in file-name order (withdrawn ones included).
    pub advisories: Vec<Advisory>,
    /// The records that were rejected, one error each, in file-name order.
    pub rejected: Vec<ImportError>,
    /// Counts of what was read and skipped.
    pub stats: ImportStats,
}

/// Counts of a bulk import, for logging.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportStats {
    /// Records read (valid and rejected).
    pub records: usize,
    /// Valid advisories that are withdrawn.
    pub withdrawn: usize,
    /// `GIT` ranges skipped (commit ranges; the model matches versions only).
    pub git_ranges_skipped: usize,
    /// Severity entries skipped (kinds the model has no place for, e.g. CVSS v2).
    pub severities_skipped: usize,
    /// Files or zip entries skipped because they are not `*.json`.
    pub other_files_skipped: usize,
}

/// Reads the whole file at `path`, refusing files over `cap` bytes (read
/// through the cap, whatever size the file claims).
pub(crate) fn read_file_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ImportError> {
    let io = |source| ImportError::Io { path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(ImportError::TooLarge { origin: path.display().to_string(), limit: format!("{cap} bytes") });
    }
    Ok(bytes)
}
