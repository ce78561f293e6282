//! Error type shared by all parsers.

/// Result alias used by this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong while reading a package database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes match none of the supported rpm database formats.
    #[error("not an rpm database: no SQLite, BerkeleyDB hash or NDB magic found")]
    UnknownRpmdbFormat,

    /// An rpm header blob is malformed.
    #[error("malformed rpm header: {0}")]
    RpmHeader(String),

    /// An rpm header lacks a tag every package must have.
    #[error("rpm header has no {tag} tag")]
    RpmHeaderMissingTag {
        /// Name of the missing tag.
        tag: &'static str,
    },

    /// A BerkeleyDB hash database is malformed or uses an unsupported feature.
    #[error("BerkeleyDB hash database: {0}")]
    BerkeleyDb(String),

    /// An NDB (`Packages.db`) database is malformed.
    #[error("NDB rpm database: {0}")]
    Ndb(String),

    /// SQLite rejected the database or the query.
    #[error("SQLite rpm database: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// The SQLite database is well formed but not an rpm database.
    #[error("SQLite rpm database: {0}")]
    SqliteSchema(String),

    /// Writing the temporary copy of a SQLite database failed.
    #[error("cannot stage SQLite database in a temporary file: {0}")]
    TempFile(#[from] std::io::Error),

    /// The Alpine `installed` database is not text.
    #[error("apk installed database contains a NUL byte at offset {offset}; not a text database")]
    ApkNotText {
        /// Byte offset of the first NUL byte.
        offset: usize,
    },
}
