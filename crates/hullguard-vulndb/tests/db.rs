//! The database file: built from the real feeds in shared/vulndata, read
//! back, matched against; atomic replacement; broken files refused.

use std::path::{Path, PathBuf};

use hullguard_vulndb::advisory::Status;
use hullguard_vulndb::db::{Builder, Db};
use hullguard_vulndb::feeds;
use hullguard_vulndb::matcher::{Query, group_by_vulnerability, match_package};

fn vulndata() -> PathBuf {
    let shared = std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")), PathBuf::from);
    shared.join("vulndata")
}

/// Builds a database from the npm/PyPI/Maven GHSA subset and the PyPI zip.
fn build(target: &Path) -> hullguard_vulndb::db::DbInfo {
    let mut builder = Builder::create(target).unwrap();
    for source in [vulndata().join("osv/ghsa-subset"), vulndata().join("osv/PyPI.zip")] {
        for feed in feeds::discover(&source).unwrap() {
            let rejected = feeds::import(&feed, &mut builder).unwrap();
            assert_eq!(rejected, Vec::<String>::new(), "{}", feed.name);
        }
    }
    builder.finish().unwrap()
}

fn ids(db: &Db, ecosystem: &str, package: &str, version: &str) -> Vec<String> {
    let matched = match_package(db, &Query { ecosystem, package, version }).unwrap();
    assert_eq!(matched.skipped, Vec::<String>::new());
    matched.hits.into_iter().map(|h| h.advisory.id).collect()
}

#[test]
fn build_read_and_match() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/hullguard.db");
    let info = build(&path);
    assert_eq!(
        info.sources.iter().map(|s| (s.name.as_str(), s.records, s.license.as_str())).collect::<Vec<_>>(),
        [("osv/ghsa-subset", 136, "CC-BY-4.0"), ("osv/PyPI", 2661, "CC-BY-4.0")]
    );
    assert_eq!(info.advisories, 136 + 2661);
    // Only the finished file is left in the folder.
    let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["hullguard.db"]);

    let db = Db::open(&path).unwrap();
    let read = db.info().unwrap();
    assert_eq!(read.sources, info.sources);
    assert_eq!(read.advisories, 2797);
    assert!(read.sources[0].attribution.as_deref().unwrap().contains("GitHub Advisory Database"));

    // minimist 1.2.0: GHSA-7fhm-mqm4-2wp7 (fixed 1.2.2) is withdrawn and must not match.
    assert_eq!(ids(&db, "npm", "minimist", "1.2.0"), ["GHSA-vh95-rmgr-6w4m", "GHSA-xvch-5gv4-984h"]);
    assert_eq!(ids(&db, "npm", "minimist", "1.2.6"), Vec::<String>::new());
    // Names are compared by key: PEP 503 for PyPI, case-insensitive for npm.
    assert_eq!(ids(&db, "PyPI", "PyYAML", "5.3.1"), ids(&db, "PyPI", "pyyaml", "5.3.1"));
    assert_eq!(ids(&db, "npm", "Minimist", "1.2.0").len(), 2);
    // Another ecosystem's package of the same name is not a match.
    assert_eq!(ids(&db, "crates.io", "minimist", "1.2.0"), Vec::<String>::new());

    // PyYAML 5.3.1: the PYSEC record and its GHSA twin are one vulnerability.
    let matched = match_package(&db, &Query { ecosystem: "PyPI", package: "PyYAML", version: "5.3.1" }).unwrap();
    let groups = group_by_vulnerability(matched.hits);
    let shown: Vec<(String, Vec<String>, Option<String>, Status)> = groups
        .iter()
        .map(|g| {
            (g.id.clone(), g.hits.iter().map(|h| h.advisory.id.clone()).collect(), g.fixed(|a, b| a.cmp(b)), g.status())
        })
        .collect();
    assert_eq!(
        shown,
        [(
            "CVE-2020-14343".to_owned(),
            vec!["GHSA-8q59-q68h-6hv4".to_owned(), "PYSEC-2021-142".to_owned()],
            Some("5.4".to_owned()),
            Status::Fixed
        )]
    );
}

#[test]
fn a_failed_build_leaves_the_old_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hullguard.db");
    build(&path);
    let before = std::fs::read(&path).unwrap();
    {
        // A build that stops half-way (dropped without finish) changes nothing.
        let mut builder = Builder::create(&path).unwrap();
        let feed = &feeds::discover(&vulndata().join("osv/crates.io.zip")).unwrap()[0];
        feeds::import(feed, &mut builder).unwrap();
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    assert_eq!(Db::open(&path).unwrap().info().unwrap().advisories, 2797);
}

#[test]
fn broken_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.db");
    build(&good);
    let bytes = std::fs::read(&good).unwrap();

    let truncated = dir.path().join("truncated.db");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, b"this is not a database at all, just some text\n".repeat(200)).unwrap();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let foreign = dir.path().join("foreign.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    let future = dir.path().join("future.db");
    std::fs::copy(&good, &future).unwrap();
    rusqlite::Connection::open(&future)
        .unwrap()
        .execute("UPDATE meta SET value = '99' WHERE key = 'schema'", [])
        .unwrap();

    for (path, want) in [
        (&truncated, "not a hullguard database"),
        (&garbage, "not a hullguard database"),
        (&empty, "not a hullguard database"),
        (&foreign, "not a hullguard database"),
        (&future, "database schema 99, this hullguard reads schema 4"),
        (&dir.path().join("missing.db"), "no vulnerability database: build one with"),
        (&dir.path().to_owned(), "a folder, not a database file"),
    ] {
        let result = Db::open(path).and_then(|db| db.advisories_for("npm", "minimist").map(|_| db));
        let err = result.expect_err(&path.display().to_string());
        let text = err.to_string();
        assert!(text.starts_with(&path.display().to_string()), "{text}");
        assert!(text.contains(want), "{text}");
        assert!(!text.contains('\n'), "one line: {text}");
    }
}
