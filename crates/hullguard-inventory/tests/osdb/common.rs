//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// Root of the shared fixture folder (`HULLGUARD_SHARED`, default
/// `../../../shared` relative to the manifest).
pub fn shared_dir() -> PathBuf {
    std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")), PathBuf::from)
}

/// Path of a file under `images/osdb/`.
pub fn osdb_path(relative: &str) -> PathBuf {
    shared_dir().join("images/osdb").join(relative)
}

/// Reads a fixture file in place, with a helpful message if it is missing.
pub fn read(relative: &str) -> Vec<u8> {
    let path = osdb_path(relative);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!("cannot read fixture {} ({e}); set HULLGUARD_SHARED to the shared folder", path.display())
    })
}

/// The rpm databases: fixture name and database file name.
pub const RPM_DBS: [(&str, &str); 6] = [
    ("el8-libuuid-bdb", "Packages"),
    ("centos8-dive-bdb", "Packages"),
    ("ubi7-tzdata-bdb", "Packages"),
    ("cbl-mariner-2.0-sqlite", "rpmdb.sqlite"),
    ("fedora36-tzdata-sqlite", "rpmdb.sqlite"),
    ("sle15-bci-ndb", "Packages.db"),
];

/// The Alpine databases.
pub const APK_DBS: [&str; 3] = ["alpine-3.14-minirootfs", "alpine-3.16-syft", "alpine-3.18-scalibr"];
