//! `hullguard diff BEFORE AFTER` on real pairs: debian-base → app-mixed (one shared base
//! layer), an SBOM against the image it was made from (empty), and a report of a database
//! missing one feed (an older one) against a report of the full database.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::scan::db;
use crate::support::{hullguard, hullguard_json, image, of_kind, shared};

fn oci(name: &str) -> String {
    format!("oci-archive:{}:{name}:latest", image("bookworm-images.oci.tar"))
}

/// `(id, package, path)` of each vulnerability of a list of findings (report or diff).
fn vulns(list: &Value) -> BTreeSet<(String, String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "vulnerability")
        .map(|f| {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            (s(&f["id"]), s(&f["vulnerability"]["package"]), s(&f["location"]["path"]))
        })
        .collect()
}

fn layer_of(f: &Value) -> u64 {
    f["vulnerability"]["layer"]["index"].as_u64().unwrap()
}

#[test]
fn debian_base_to_app_mixed_splits_base_layer_findings_from_own_ones() {
    let db = db().to_str().unwrap();
    let (base, app) = (oci("debian-base"), oci("app-mixed"));
    let d = hullguard_json(&["diff", "--no-cache", "--db", db, "--format", "json", &base, &app]);
    assert_eq!(d["shared_layers"], 1, "debian-base's one layer is app-mixed's layer 0");
    assert_eq!(d["before"]["layers"], 1);
    assert_eq!(d["after"]["layers"], 10);

    // Independently: the two scans' own reports.
    let before = hullguard_json(&["image", "--no-cache", "--db", db, "--format", "json", &base]);
    let after = hullguard_json(&["image", "--no-cache", "--db", db, "--format", "json", &app]);
    let (b, a) = (vulns(&before["findings"]), vulns(&after["findings"]));
    let v = &d["vulnerabilities"];
    assert_eq!(vulns(&v["unchanged"]), a.intersection(&b).cloned().collect());
    assert_eq!(vulns(&v["added"]), a.difference(&b).cloned().collect());
    assert_eq!(vulns(&v["removed"]), b.difference(&a).cloned().collect());
    assert!(!v["added"].as_array().unwrap().is_empty());
    // A finding is in a base layer exactly when its package came from app-mixed's layer 0.
    for f in v["added"].as_array().unwrap().iter().chain(v["unchanged"].as_array().unwrap()) {
        let want = if layer_of(f) == 0 { "base" } else { "own" };
        assert_eq!(f["layer_origin"], want, "{}", f["id"]);
    }
    let own = v["added"].as_array().unwrap().iter().filter(|f| f["layer_origin"] == "own").count();
    let own_in_report = of_kind(&after, "vulnerabilities").iter().filter(|f| layer_of(f) > 0).count();
    assert_eq!(own, own_in_report, "every finding of app-mixed's own layers is new");

    // Packages: every package of app-mixed's truth added after layer 0 is added (or, for a
    // Debian package debian-base also has, changed).
    let truth: Value =
        serde_json::from_slice(&std::fs::read(shared().join("images/app-mixed.truth.json")).unwrap()).unwrap();
    let p = &d["packages"];
    let named = |list: &Value| -> BTreeSet<(String, String)> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|p| (p["name"].as_str().unwrap().to_owned(), p["version"].as_str().unwrap_or_default().to_owned()))
            .collect()
    };
    let added = named(&p["added"]);
    let changed: BTreeSet<String> =
        p["changed"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect();
    let dpkg_own: Vec<&Value> = truth["packages"]["dpkg"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["layer"].as_u64() > Some(0))
        .collect();
    assert!(!dpkg_own.is_empty());
    for pkg in dpkg_own {
        let (name, version) = (pkg["name"].as_str().unwrap(), pkg["version"].as_str().unwrap());
        assert!(added.contains(&(name.to_owned(), version.to_owned())) || changed.contains(name), "{name} {version}");
    }
    assert!(p["removed"].as_array().unwrap().is_empty(), "app-mixed removes no package of debian-base");

    // The other formats: SARIF holds only what is new; Markdown and the table count it.
    let sarif = hullguard_json(&["diff", "--no-cache", "--db", db, "--format", "sarif", &base, &app]);
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), v["added"].as_array().unwrap().len());
    let out = hullguard(Path::new("."), &["diff", "--no-cache", "--db", db, "--format", "markdown", &base, &app]);
    let md = String::from_utf8(out.stdout).unwrap();
    let new_heading = format!("#### New vulnerabilities ({})", v["added"].as_array().unwrap().len());
    assert!(md.contains(&new_heading), "{md}");
    let out = hullguard(Path::new("."), &["diff", "--no-cache", "--db", db, &base, &app]);
    let table = String::from_utf8(out.stdout).unwrap();
    let counts = format!(
        "vulnerabilities: +{} ({own} in own layers, {} in base layers) -{} ={}",
        v["added"].as_array().unwrap().len(),
        v["added"].as_array().unwrap().len() - own,
        v["removed"].as_array().unwrap().len(),
        v["unchanged"].as_array().unwrap().len()
    );
    assert!(table.contains(&counts), "{table}");
    // The gate counts what was added: app-mixed adds CRITICAL findings.
    let gated = hullguard(Path::new("."), &["diff", "--no-cache", "--db", db, "--fail-on", "CRITICAL", &base, &app]);
    assert_eq!(gated.status.code(), Some(1));
    let reversed = hullguard(Path::new("."), &["diff", "--no-cache", "--db", db, "--exit-code", "4", &app, &app]);
    assert_eq!(reversed.status.code(), Some(0), "nothing added, nothing fails");
}

#[test]
fn an_sbom_against_the_image_it_came_from_is_empty() {
    let db = db().to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sbom = dir.path().join("app.cdx.json");
    let app = oci("app-mixed");
    let out = hullguard(
        Path::new("."),
        &["image", "--no-cache", "--db", db, "--format", "cyclonedx", "-o", sbom.to_str().unwrap(), &app],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let d = hullguard_json(&["diff", "--no-cache", "--db", db, "--format", "json", sbom.to_str().unwrap(), &app]);
    let empty = |v: &Value| v.as_array().unwrap().is_empty();
    let p = &d["packages"];
    assert!(empty(&p["added"]) && empty(&p["removed"]) && empty(&p["changed"]), "{p}");
    assert!(p["unchanged"].as_u64().unwrap() > 100);
    for kind in ["vulnerabilities", "misconfigurations", "secrets"] {
        assert!(empty(&d[kind]["added"]) && empty(&d[kind]["removed"]), "{kind}: {}", d[kind]);
    }
    assert!(!empty(&d["vulnerabilities"]["unchanged"]));
}

/// A copy of shared/vulndata (symlinks) without `osv/crates.io.zip`: the database of before that
/// feed was added.
fn older_vulndata(dir: &Path) -> PathBuf {
    let src = shared().join("vulndata");
    let root = dir.join("vulndata");
    std::fs::create_dir_all(root.join("osv")).unwrap();
    for entry in std::fs::read_dir(&src).unwrap().flatten() {
        if entry.file_name() != "osv" {
            std::os::unix::fs::symlink(entry.path(), root.join(entry.file_name())).unwrap();
        }
    }
    for entry in std::fs::read_dir(src.join("osv")).unwrap().flatten() {
        if entry.file_name() != "crates.io.zip" {
            std::os::unix::fs::symlink(entry.path(), root.join("osv").join(entry.file_name())).unwrap();
        }
    }
    root
}

#[test]
fn a_report_of_an_older_database_against_a_newer_one_adds_the_new_feeds_findings() {
    let dir = tempfile::tempdir().unwrap();
    let old_db = dir.path().join("old.db");
    let vulndata = older_vulndata(dir.path());
    let out = hullguard(
        Path::new("."),
        &["db", "build", "--source", vulndata.to_str().unwrap(), "--db", old_db.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let app = oci("app-mixed");
    let save = |db: &str, name: &str| {
        let path = dir.path().join(name);
        let out = hullguard(
            Path::new("."),
            &["image", "--no-cache", "--db", db, "--format", "json", "-o", path.to_str().unwrap(), &app],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        path.to_str().unwrap().to_owned()
    };
    let (old, new) = (save(old_db.to_str().unwrap(), "old.json"), save(db().to_str().unwrap(), "new.json"));
    let d = hullguard_json(&["diff", "--format", "json", &old, &new]);
    let report: Value = serde_json::from_slice(&std::fs::read(&new).unwrap()).unwrap();
    let cargo: BTreeSet<_> = vulns(&Value::Array(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["vulnerability"]["ecosystem"] == "crates.io")
            .cloned()
            .collect(),
    ));
    assert!(!cargo.is_empty());
    let v = &d["vulnerabilities"];
    assert_eq!(vulns(&v["added"]), cargo, "the crates.io feed's findings are what the newer database adds");
    assert!(v["removed"].as_array().unwrap().is_empty());
    assert_eq!(vulns(&v["unchanged"]).len(), vulns(&report["findings"]).len() - cargo.len());
    assert!(d["packages"].is_null(), "a saved report lists no packages");
    // A saved report knows the layers its vulnerabilities name: the older report's are all in the newer.
    let old_report: Value = serde_json::from_slice(&std::fs::read(&old).unwrap()).unwrap();
    let old_layers: BTreeSet<&str> = old_report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["vulnerability"]["layer"]["diff_id"].as_str())
        .collect();
    assert_eq!(d["shared_layers"].as_u64(), Some(old_layers.len() as u64));

    // A file that is no report is one line naming it, exit 2.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"schema_version": 2, "target": 7}"#).unwrap();
    let out = hullguard(Path::new("."), &["diff", bad.to_str().unwrap(), &new]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with(&format!("hullguard: {}: not a hullguard JSON report: ", bad.display())), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}
