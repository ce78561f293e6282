//! Alpine `lib/apk/db/installed` parsing.
//!
//! The database is text: one record per package, records separated by blank
//! lines, each line `K:value` with a one-letter key. Used keys: `P` name,
//! `V` version, `A` arch, `o` origin (source package), `L` license, `F`
//! directory (relative to the root) and `R` file in the latest `F` directory.
//! When a key other than `F`/`R` repeats within a record the first value
//! wins.

use crate::format::osdb::{Error, OsPackage, Result};

/// A record under construction.
#[derive(Default)]
struct Record {
    name: Option<String>,
    version: Option<String>,
    arch: Option<String>,
    origin: Option<String>,
    license: Option<String>,
    dir: String,
    files: Vec<String>,
}

impl Record {
    /// Finishes the record; records without a `P:` line are dropped.
    fn finish(self) -> Option<OsPackage> {
        let name = self.name?;
        let version = self.version.unwrap_or_default();
        let source_version = self.origin.as_ref().map(|_| version.clone());
        Some(OsPackage {
            name,
            epoch: None,
            version,
            release: None,
            arch: self.arch,
            source_name: self.origin,
            source_version,
            license: self.license,
            files: self.files,
        })
    }
}

/// Parses Alpine's installed-package database (`lib/apk/db/installed`).
///
/// Returns packages in file order. `source_name` is the origin (`o:`) and
/// `source_version` the package version when an origin is present; `files`
/// lists `R:` entries joined to the preceding `F:` directory (paths relative
/// to the root, like `bin/busybox`).
///
/// # Errors
///
/// Returns [`Error::ApkNotText`] if the input contains a NUL byte.
pub fn parse_apk_installed(bytes: &[u8]) -> Result<Vec<OsPackage>> {
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(Error::ApkNotText { offset });
    }
    let text = String::from_utf8_lossy(bytes);
    let mut packages = Vec::new();
    let mut record = Record::default();
    for line in text.lines() {
        if line.is_empty() {
            packages.extend(std::mem::take(&mut record).finish());
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let first = |slot: &mut Option<String>| {
            slot.get_or_insert_with(|| value.to_owned());
        };
        match key {
            "P" => first(&mut record.name),
            "V" => first(&mut record.version),
            "A" => first(&mut record.arch),
            "o" => first(&mut record.origin),
            "L" => first(&mut record.license),
            "F" => value.clone_into(&mut record.dir),
            "R" if record.dir.is_empty() => record.files.push(value.to_owned()),
            "R" => record.files.push(format!("{}/{value}", record.dir)),
            _ => {}
        }
    }
    packages.extend(record.finish());
    Ok(packages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_records_and_file_lists() {
        let db = b"P:busybox\nV:1.36.0-r9\nA:x86_64\no:busybox\nL:GPL-2.0-only\nP:ignored\n\
F:bin\nR:busybox\nF:etc/busybox\nR:a.conf\n\nP:nofiles\nV:1\nR:toplevel\n\n\n";
        let got = parse_apk_installed(db).expect("parses");
        let want = vec![
            OsPackage {
                name: "busybox".into(),
                version: "1.36.0-r9".into(),
                arch: Some("x86_64".into()),
                source_name: Some("busybox".into()),
                source_version: Some("1.36.0-r9".into()),
                license: Some("GPL-2.0-only".into()),
                files: vec!["bin/busybox".into(), "etc/busybox/a.conf".into()],
                ..OsPackage::default()
            },
            OsPackage {
                name: "nofiles".into(),
                version: "1".into(),
                files: vec!["toplevel".into()],
                ..OsPackage::default()
            },
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn rejects_binary_input() {
        let err = parse_apk_installed(b"P:a\0").expect_err("binary");
        assert!(matches!(err, Error::ApkNotText { offset: 3 }), "{err}");
    }
}
