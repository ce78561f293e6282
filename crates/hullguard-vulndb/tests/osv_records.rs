//! The OSV importer on hand-written records: conversion, validation errors
//! that name the record, folders and zip caps.

use std::io::Write;

use hullguard_vulndb::Error;
use hullguard_vulndb::advisory::{Interval, Status};
use hullguard_vulndb::import::{ImportError, MAX_RECORD_BYTES, osv};

const GOOD: &str = r#"{
  "id": "TEST-1",
  "modified": "2024-01-02T03:04:05Z",
  "published": "2024-01-01T00:00:00Z",
  "aliases": ["CVE-2024-2", "CVE-2024-1", "CVE-2024-2"],
  "summary": "a summary",
  "severity": [{"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"},
               {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}],
  "references": [{"type": "WEB", "url": "https://a"}, {"type": "FIX", "url": "https://a"}],
  "affected": [{
    "package": {"ecosystem": "Debian:12", "name": "openssl"},
    "ranges": [
      {"type": "GIT", "repo": "https://x", "events": [{"introduced": "abc"}, {"fixed": "def"}]},
      {"type": "ECOSYSTEM", "events": [{"fixed": "3.0.11-1~deb12u2"}, {"introduced": "0"}]}
    ],
    "versions": ["1.0.0-1"]
  }]
}"#;

#[test]
fn a_record_becomes_the_model() {
    let advisory = osv::parse_record(GOOD.as_bytes(), "good.json").unwrap();
    assert_eq!(advisory.id, "TEST-1");
    assert_eq!(advisory.aliases, ["CVE-2024-1", "CVE-2024-2"]);
    assert_eq!(advisory.references, ["https://a"]);
    assert_eq!(advisory.severity.len(), 1, "CVSS v2 is skipped");
    assert_eq!(advisory.details, "");
    assert_eq!(advisory.withdrawn, None);
    let [affected] = &advisory.affected[..] else { panic!("one affected") };
    assert_eq!(
        affected.ranges,
        [Interval { introduced: None, fixed: Some("3.0.11-1~deb12u2".into()), last_affected: None }]
    );
    assert_eq!((affected.status, affected.fixed.as_slice()), (Status::Fixed, &["3.0.11-1~deb12u2".to_owned()][..]));
    assert!(affected.affects("3.0.11-1~deb12u1").unwrap());
    assert!(!affected.affects("3.0.11-1~deb12u2").unwrap());
    assert!(!affected.affects("3.0.11-1").unwrap());
    assert!(affected.affects("1:0.1").is_ok_and(|a| !a), "epoch 1 is above every epoch-0 fix");
    assert!(affected.affects("").is_err());
}

/// `GOOD` with `from` replaced by `to`.
fn variant(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from}");
    GOOD.replacen(from, to, 1)
}

#[test]
fn invalid_records_are_errors_naming_the_id() {
    let cases = [
        (variant(r#""modified": "2024-01-02T03:04:05Z","#, ""), "no modified time"),
        (variant(r#""Debian:12""#, r#""Debian12""#), "no version scheme"),
        (variant(r#"{"introduced": "0"}"#, r#"{"introduced": "0", "fixed": "1"}"#), "bad event"),
        (variant(r#"{"introduced": "0"}"#, r#"{"introduced": ""}"#), "bad event"),
        (variant(r#"{"introduced": "0"}"#, r#"{"fixed": "1"}"#), "no introduced event"),
        (variant(r#""type": "ECOSYSTEM""#, r#""type": "RANGE""#), "unknown type"),
        (variant(r#""fixed": "3.0.11-1~deb12u2""#, r#""fixed": "3.0\n""#), "control character"),
        (variant(r#""versions": ["1.0.0-1"]"#, r#""versions": ["1.0.0-1", ""]"#), "empty version"),
        (variant(r#""package": {"ecosystem": "Debian:12", "name": "openssl"},"#, ""), "has no package"),
        (variant(r#""name": "openssl""#, r#""name": """#), "empty package name"),
        (variant(r#""aliases": ["#, r#""aliases": ["", "#), "empty alias"),
        (variant(r#""versions": ["1.0.0-1"]"#, r#""versions": [1]"#), "not an OSV record"),
    ];
    for (json, problem) in cases {
        let err = osv::parse_record(json.as_bytes(), "bad.json").unwrap_err();
        let ImportError::Invalid { source: Error::InvalidAdvisory { id, problem: got }, .. } = &err else {
            panic!("{problem}: {err}");
        };
        assert_eq!(id, "TEST-1");
        assert!(got.contains(problem), "{problem}: {err}");
    }
    let err = osv::parse_record(b"{\"modified\": 1}", "x.json").unwrap_err();
    assert!(matches!(err, ImportError::Json { ref origin, .. } if origin == "x.json"), "{err}");
    let err = osv::parse_record(&variant("TEST-1", "TEST 1").into_bytes(), "x.json").unwrap_err();
    assert!(err.to_string().contains("blanks"), "{err}");
}

#[test]
fn a_folder_imports_sorted_and_keeps_going() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/b.json"), variant("TEST-1", "TEST-2")).unwrap();
    std::fs::write(dir.path().join("a.json"), GOOD).unwrap();
    std::fs::write(dir.path().join("c.json"), "{").unwrap();
    std::fs::write(dir.path().join("README.md"), "not a record").unwrap();
    let imported = osv::import_dir(dir.path()).unwrap();
    let ids: Vec<&str> = imported.advisories.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["TEST-1", "TEST-2"]);
    assert_eq!(imported.rejected.len(), 1);
    assert_eq!(imported.stats.records, 3);
    assert_eq!(imported.stats.git_ranges_skipped, 2);
    assert_eq!(imported.stats.severities_skipped, 2);
    assert_eq!(imported.stats.other_files_skipped, 1);
    let one = osv::read_record(&dir.path().join("a.json")).unwrap();
    assert_eq!(one, imported.advisories[0]);
}

#[test]
fn a_zip_caps_entry_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("all.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("TEST-1.json", deflated).unwrap();
    zip.write_all(GOOD.as_bytes()).unwrap();
    // Compresses to a few KiB, inflates past the cap.
    zip.start_file("huge/TEST-3.json", deflated.large_file(true)).unwrap();
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..=(MAX_RECORD_BYTES >> 20) {
        zip.write_all(&spaces).unwrap();
    }
    zip.add_directory("empty/", deflated).unwrap();
    zip.finish().unwrap();

    let imported = osv::import_zip(&path).unwrap();
    assert_eq!(imported.advisories.len(), 1);
    let [ImportError::TooLarge { origin, .. }] = &imported.rejected[..] else { panic!("{:?}", imported.rejected) };
    assert!(origin.ends_with("all.zip:huge/TEST-3.json"), "{origin}");
    assert_eq!(imported.stats.records, 2);

    std::fs::write(&path, b"PK not a zip").unwrap();
    assert!(matches!(osv::import_zip(&path), Err(ImportError::Zip { .. })));
}
