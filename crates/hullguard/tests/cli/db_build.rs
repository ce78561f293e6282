//! `hullguard db build` and `db info`: where the file goes, what a killed
//! build leaves, what a missing database says, and the age of the data.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{hullguard, shared};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The names in `dir` that mark temporary files of a build.
fn temps(dir: &Path) -> Vec<String> {
    let names = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned());
    names.filter(|n| n.contains(".tmp-")).collect()
}

fn build(source: &Path, db: &Path) -> Output {
    hullguard(Path::new("."), &["db", "build", "--source", source.to_str().unwrap(), "--db", db.to_str().unwrap()])
}

const HINT: &str = "build one with `hullguard db build --source DIR` or fetch one with `hullguard db update`";

#[test]
fn db_missing_or_folder_database_is_said_once_with_the_hint() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    let sbom = dir.path().join("empty.cdx.json");
    std::fs::write(&sbom, br#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": []}"#)
        .unwrap();
    for (db, what) in
        [(&missing, "no vulnerability database"), (&dir.path().to_owned(), "a folder, not a database file")]
    {
        let want = format!("hullguard: {}: {what}: {HINT}\n", db.display());
        let out = hullguard(dir.path(), &["db", "info", "--db", db.to_str().unwrap()]);
        assert_eq!((out.status.code(), stderr(&out)), (Some(2), want.clone()));
        let out = hullguard(dir.path(), &["sbom", sbom.to_str().unwrap(), "--db", db.to_str().unwrap()]);
        assert_eq!((out.status.code(), stderr(&out)), (Some(2), want));
    }
}

#[test]
fn db_build_into_a_folder_fails_before_building_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("dbdir");
    std::fs::create_dir(&target).unwrap();
    let started = Instant::now();
    let out = build(&shared().join("vulndata/osv/Go.zip"), &target);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "hullguard: {}: a folder, not a database file: give the file's path, e.g. {}\n",
            target.display(),
            target.join("hullguard.db").display()
        )
    );
    assert!(temps(dir.path()).is_empty() && temps(&target).is_empty(), "{:?}", temps(dir.path()));
    assert!(took < Duration::from_secs(5), "refused before importing: {took:?}");
}

#[test]
fn db_build_removes_the_temp_file_a_killed_build_left() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hullguard.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hullguard"))
        .args(["db", "build", "--source"])
        .arg(shared().join("vulndata"))
        .arg("--db")
        .arg(&db)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait (bounded) for the temporary file to appear, then SIGKILL the build.
    let deadline = Instant::now() + Duration::from_secs(60);
    while temps(dir.path()).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let left = temps(dir.path());
    assert_eq!(left.len(), 1, "a killed build leaves its temp file: {left:?}");
    assert!(!db.exists());

    let out = build(&shared().join("vulndata/osv/crates.io.zip"), &db);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(temps(dir.path()).is_empty(), "{:?}", temps(dir.path()));
    assert!(db.is_file());
}

/// `db info --format json` of `db`.
fn info_json(db: &Path) -> serde_json::Value {
    let out = hullguard(Path::new("."), &["db", "info", "--db", db.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Scans an empty SBOM against `db` with `extra` arguments.
fn scan_empty(dir: &Path, db: &Path, extra: &[&str]) -> Output {
    let sbom = dir.join("empty.cdx.json");
    std::fs::write(&sbom, br#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": []}"#)
        .unwrap();
    let mut args = vec!["sbom", sbom.to_str().unwrap(), "--db", db.to_str().unwrap()];
    args.extend_from_slice(extra);
    hullguard(dir, &args)
}

#[test]
fn db_info_gives_each_feed_data_date_and_scans_warn_on_old_data() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db");
    let vulndata = shared().join("vulndata");
    let out = hullguard(
        dir.path(),
        &[
            "db",
            "build",
            "--db",
            old.to_str().unwrap(),
            "--source",
            vulndata.join("osv/crates.io.zip").to_str().unwrap(),
            "--source",
            vulndata.join("kev/known_exploited_vulnerabilities.json").to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let info = info_json(&old);
    let dates: Vec<&str> = info["sources"].as_array().unwrap().iter().map(|s| s["as_of"].as_str().unwrap()).collect();
    // The newest record of the RustSec export (2026-08-21) and the KEV catalog's release date.
    assert_eq!(dates.iter().map(|d| &d[..10]).collect::<Vec<_>>(), ["2026-08-21", "2025-08-25"]);
    assert_eq!(info["newest_data"], "2026-08-21");
    let table = hullguard(dir.path(), &["db", "info", "--db", old.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&table.stdout).contains(", newest data 2026-08-21\n"));

    let out = scan_empty(dir.path(), &old, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("hullguard: warning: the advisory data is "), "{err}");
    assert!(
        err.ends_with(" days old (newest record 2026-08-21), older than 7 days: run `hullguard db update`\n"),
        "{err}"
    );
    assert_eq!(stderr(&table), err, "db info warns the same");
    assert_eq!(stderr(&scan_empty(dir.path(), &old, &["-q"])), "");

    // A record modified now: no warning.
    let fresh_dir = dir.path().join("fresh");
    std::fs::create_dir(&fresh_dir).unwrap();
    let now = Command::new("date").args(["-u", "+%Y-%m-%dT%H:%M:%SZ"]).output().unwrap();
    let record = serde_json::json!({
        "id": "TEST-0001",
        "modified": String::from_utf8_lossy(&now.stdout).trim(),
        "affected": [{
            "package": {"ecosystem": "crates.io", "name": "fresh-crate"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.0"}]}]
        }]
    });
    std::fs::write(fresh_dir.join("TEST-0001.json"), record.to_string()).unwrap();
    let fresh = dir.path().join("fresh.db");
    assert!(build(&fresh_dir, &fresh).status.success());
    let out = scan_empty(dir.path(), &fresh, &[]);
    assert_eq!((out.status.code(), stderr(&out)), (Some(0), String::new()));
}
