//! Parsers for installed OS package databases found in container images.
//!
//! Every parser is a pure function over bytes, so callers can feed files
//! streamed out of image layers without touching the host file system
//! (the SQLite backend spills the bytes to a private temporary file, because
//! SQLite reads from files).
//!
//! * [`rpm::parse_rpmdb`] reads an rpm database: SQLite `rpmdb.sqlite`,
//!   BerkeleyDB hash `Packages` or NDB `Packages.db`, detected by content.
//! * [`apk::parse_apk_installed`] reads Alpine's `lib/apk/db/installed`.
//!
//! All input is treated as hostile: offsets and counts are checked before
//! use, allocations are bounded by the input size, and malformed data yields
//! an [`Error`] rather than a panic.

pub mod apk;
mod error;
pub mod rpm;

pub use apk::parse_apk_installed;
pub use error::{Error, Result};
pub use rpm::parse_rpmdb;

/// One installed OS package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsPackage {
    /// Binary package name (rpm `NAME`, apk `P:`).
    pub name: String,
    /// rpm `EPOCH`, when the package declares one; always `None` for apk.
    pub epoch: Option<u32>,
    /// Version: rpm `VERSION` (without release); apk `V:` (the full
    /// `pkgver-rN` string, as apk compares it).
    pub version: String,
    /// rpm `RELEASE`; always `None` for apk, whose release is part of `version`.
    pub release: Option<String>,
    /// Architecture (rpm `ARCH`, apk `A:`).
    pub arch: Option<String>,
    /// Source package name: from rpm `SOURCERPM`, or apk origin (`o:`).
    pub source_name: Option<String>,
    /// Source package version including its release: `version-release` from
    /// rpm `SOURCERPM` (`name-version-release.src.rpm`); for apk the package
    /// version, since an origin builds all its subpackages at one version.
    pub source_version: Option<String>,
    /// License expression (rpm `LICENSE`, apk `L:`).
    pub license: Option<String>,
    /// Installed file paths (rpm: absolute paths; apk: paths relative to the
    /// root, as recorded by apk).
    pub files: Vec<String>,
}
