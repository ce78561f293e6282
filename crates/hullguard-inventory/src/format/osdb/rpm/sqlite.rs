//! SQLite backend (`rpmdb.sqlite`, rpm 4.16 and later).
//!
//! rpm keeps one row per package in table `Packages`, column `blob` holding
//! the header blob. SQLite reads from files, so the bytes are copied into a
//! private temporary file, which is opened read-only and immutable (no
//! locking, no `-wal`/`-shm` side files) with SQLite's defensive settings.

use std::fmt::Write as _;
use std::io::Write as _;

use rusqlite::config::DbConfig;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::format::osdb::{Error, Result};

/// Leading bytes of every SQLite 3 database.
pub(super) const MAGIC: &[u8] = b"SQLite format 3\0";

/// Percent-encodes a path for use in a `file:` URI.
fn uri_path(path: &std::path::Path) -> String {
    let mut out = String::new();
    for byte in path.as_os_str().as_encoded_bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(*byte));
            }
            other => {
                // Writing to a String cannot fail.
                let _ = write!(out, "%{other:02X}");
            }
        }
    }
    out
}

/// Returns the header blob of every row of the `Packages` table.
pub(super) fn header_blobs(bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    let mut file = tempfile::Builder::new().prefix("osdb-rpmdb-").suffix(".sqlite").tempfile()?;
    file.write_all(bytes)?;
    file.flush()?;

    let uri = format!("file:{}?immutable=1", uri_path(file.path()));
    let conn = Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.pragma_update(None, "cell_size_check", true)?;

    // A view named Packages could run an unbounded recursive query; only a
    // plain table is acceptable.
    let kind: Option<String> = conn
        .query_row("SELECT type FROM sqlite_schema WHERE name = 'Packages'", [], |row| row.get(0))
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            other => Err(other),
        })?;
    match kind.as_deref() {
        Some("table") => {}
        Some(other) => {
            return Err(Error::SqliteSchema(format!("Packages is a {other}, not a table")));
        }
        None => return Err(Error::SqliteSchema("no Packages table".into())),
    }

    let mut stmt = conn.prepare("SELECT blob FROM Packages")?;
    let mut rows = stmt.query([])?;
    let mut blobs = Vec::new();
    while let Some(row) = rows.next()? {
        match row.get_ref(0)? {
            ValueRef::Blob(blob) => blobs.push(blob.to_vec()),
            other => {
                return Err(Error::SqliteSchema(format!("Packages.blob holds {:?}, not a blob", other.data_type())));
            }
        }
    }
    Ok(blobs)
}
