//! rpm database parsing: SQLite, BerkeleyDB hash and NDB backends.
//!
//! Each backend only extracts the per-package header blobs; the `header` module
//! decodes them. No rpm library or binary is involved.

mod bdb;
mod header;
mod ndb;
mod sqlite;

use crate::format::osdb::{Error, OsPackage, Result};

/// The rpm database backends this module understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    BerkeleyDb,
    Ndb,
}

/// Identifies the backend from the leading bytes.
fn detect(bytes: &[u8]) -> Option<Backend> {
    if bytes.starts_with(sqlite::MAGIC) {
        Some(Backend::Sqlite)
    } else if bytes.starts_with(ndb::MAGIC) {
        Some(Backend::Ndb)
    } else if bdb::is_hash_db(bytes) {
        Some(Backend::BerkeleyDb)
    } else {
        None
    }
}

/// Parses an rpm database file and returns its installed packages.
///
/// The backend is detected from the content: SQLite (`rpmdb.sqlite`,
/// starts with `SQLite format 3\0`), BerkeleyDB hash (`Packages`, magic
/// `0x00061561` at offset 12, either byte order) or NDB (`Packages.db`,
/// starts with `RpmP`). Packages are returned in storage order.
///
/// # Errors
///
/// Returns an error if the format is not recognized, if the container
/// structure is corrupt or truncated, or if any package header is malformed.
pub fn parse_rpmdb(bytes: &[u8]) -> Result<Vec<OsPackage>> {
    match detect(bytes).ok_or(Error::UnknownRpmdbFormat)? {
        Backend::Sqlite => decode(&sqlite::header_blobs(bytes)?),
        Backend::BerkeleyDb => decode(&bdb::header_blobs(bytes)?),
        Backend::Ndb => decode(&ndb::header_blobs(bytes)?),
    }
}

/// Decodes every header blob; the first malformed one fails the whole database.
fn decode<B: AsRef<[u8]>>(blobs: &[B]) -> Result<Vec<OsPackage>> {
    blobs.iter().map(|blob| header::package_from_header(blob.as_ref())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_backends_by_magic() {
        let mut bdb_le = vec![0u8; 64];
        bdb_le[12..16].copy_from_slice(&0x0006_1561u32.to_le_bytes());
        let mut bdb_be = vec![0u8; 64];
        bdb_be[12..16].copy_from_slice(&0x0006_1561u32.to_be_bytes());
        let cases: [(&str, &[u8], Option<Backend>); 6] = [
            ("sqlite", b"SQLite format 3\0rest", Some(Backend::Sqlite)),
            ("ndb", b"RpmP\0\0\0\0", Some(Backend::Ndb)),
            ("bdb little-endian", &bdb_le, Some(Backend::BerkeleyDb)),
            ("bdb big-endian", &bdb_be, Some(Backend::BerkeleyDb)),
            ("empty", b"", None),
            ("text", b"P:musl\nV:1.2.3-r0\n", None),
        ];
        for (what, bytes, want) in cases {
            assert_eq!(detect(bytes), want, "{what}");
        }
    }
}
