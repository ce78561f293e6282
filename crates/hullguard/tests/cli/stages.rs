//! Stages: `image --stage NAME [--baseline DEV.json]` on app-mixed — what dev ignored (ignore
//! file, `--ignore-unfixed`) and the test image still has is carried over; the built-in and
//! file-defined gates decide the exit code.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::scan::{db, scan};
use crate::support::{hullguard, image, of_kind};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn what_dev_ignored_and_test_still_has_is_carried_over_and_fails_the_test_gate() {
    let dir = tempfile::tempdir().unwrap();
    let ignore = dir.path().join("dev.ignore.yaml");
    std::fs::write(
        &ignore,
        "vulnerabilities:\n  - id: CVE-2021-44906\n    package: minimist\n    reason: build tool only\n",
    )
    .unwrap();
    let dev = dir.path().join("dev.json");
    let dev_path = dev.to_str().unwrap();
    let out = scan(&[
        "--stage",
        "dev",
        "--ignorefile",
        ignore.to_str().unwrap(),
        "--ignore-unfixed",
        "--format",
        "json",
        "-o",
        dev_path,
    ]);
    assert_eq!(out.status.code(), Some(0), "dev reports only: {}", stderr(&out));
    let dev_report: Value = serde_json::from_slice(&std::fs::read(&dev).unwrap()).unwrap();
    let ignored = entries(&dev_report["suppressed"]);
    assert!(ignored.contains(&(
        "CVE-2021-44906".to_owned(),
        "minimist".to_owned(),
        "ignorefile: build tool only".to_owned()
    )));
    // Every unfixed vulnerability of the full scan is listed as ignored by --ignore-unfixed.
    let all = crate::scan::scan_json(&[]);
    let unfixed: BTreeSet<(String, String)> = of_kind(&all, "vulnerabilities")
        .iter()
        .filter(|f| f["fixed"].is_null())
        .map(|f| (f["id"].as_str().unwrap().to_owned(), f["package"].as_str().unwrap().to_owned()))
        .collect();
    let by_unfixed: BTreeSet<(String, String)> = ignored
        .iter()
        .filter(|(_, _, reason)| reason == "--ignore-unfixed: no fixed version")
        .map(|(id, package, _)| (id.clone(), package.clone()))
        .collect();
    assert_eq!(by_unfixed, unfixed);

    // The same image at the test stage: everything dev ignored is still there.
    let out = scan(&["--stage", "test", "--baseline", dev_path, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let test: Value = serde_json::from_slice(&out.stdout).unwrap();
    let carried = entries(&test["carried_over"]);
    assert_eq!(carried, ignored);
    let err = stderr(&out);
    assert!(
        err.contains(
            "CVE-2021-44906 minimist: ignored at the baseline (ignorefile: build tool only), still present in "
        ),
        "{err}"
    );
    // A quiet run still says it; --exit-code sets the code.
    let out = scan(&["-q", "--stage", "test", "--baseline", dev_path, "--exit-code", "6"]);
    assert_eq!(out.status.code(), Some(6));
    assert!(stderr(&out).contains("revisit the baseline"));

    // debian-base has none of app-mixed's language packages: only what dev ignored in the
    // shared Debian packages is carried over.
    let base = format!("oci-archive:{}:debian-base:latest", image("bookworm-images.oci.tar"));
    let db = db().to_str().unwrap();
    let out = hullguard(
        Path::new("."),
        &["image", "--no-cache", "--db", db, &base, "--stage", "test", "--baseline", dev_path, "--format", "json"],
    );
    let base_test: Value = serde_json::from_slice(&out.stdout).unwrap();
    let carried: Vec<&Value> = base_test["carried_over"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
    assert!(carried.iter().all(|c| c["package"] != "minimist"));
    let base_vulns: BTreeSet<(String, String)> = of_kind(&base_test, "vulnerabilities")
        .iter()
        .map(|f| (f["id"].as_str().unwrap().to_owned(), f["package"].as_str().unwrap().to_owned()))
        .collect();
    let want: BTreeSet<(String, String)> = by_unfixed.intersection(&base_vulns).cloned().collect();
    let got: BTreeSet<(String, String)> = carried
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_owned(), c["package"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn stage_gates_built_in_and_from_a_stages_file() {
    // The built-in prod gate: app-mixed has KEV-listed and fixable HIGH/CRITICAL findings.
    let all = crate::scan::scan_json(&[]);
    let vulns = of_kind(&all, "vulnerabilities");
    let trips = vulns.iter().any(|f| {
        !f["kev"].is_null() || (f["status"] == "fixed" && (f["severity"] == "HIGH" || f["severity"] == "CRITICAL"))
    });
    assert!(trips);
    assert_eq!(scan(&["--stage", "prod"]).status.code(), Some(1));
    assert_eq!(scan(&["--stage", "dev"]).status.code(), Some(0));
    assert_eq!(scan(&["--stage", "test"]).status.code(), Some(0), "no baseline, nothing carried over");

    let dir = tempfile::tempdir().unwrap();
    let stages = dir.path().join("stages.toml");
    // A stage that fails only on INFO findings of kinds vulnerabilities never have.
    std::fs::write(&stages, "[stages.qa]\nfail_on = \"critical\"\n\n[stages.lenient]\nkev = false\n").unwrap();
    let stages_path = stages.to_str().unwrap();
    assert_eq!(scan(&["--stage", "qa", "--stages", stages_path]).status.code(), Some(1));
    assert_eq!(scan(&["--stage", "lenient", "--stages", stages_path]).status.code(), Some(0));
    // The file replaces the built-in stages.
    let out = scan(&["--stage", "prod", "--stages", stages_path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(r#"no stage "prod" (stages: lenient, qa)"#), "{}", stderr(&out));
    // A mistake in the file: file:line:col, exit 2.
    std::fs::write(&stages, "[stages.qa]\nfail_on = \"severe\"\n").unwrap();
    let out = scan(&["--stage", "qa", "--stages", stages_path]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(&format!("{stages_path}:2:11: unknown severity \"severe\"")), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// The `(id, package, reason)` of each entry of a report's `suppressed` or `carried_over` list.
fn entries(list: &Value) -> BTreeSet<(String, String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let field = |k: &str| e[k].as_str().unwrap().to_owned();
            (field("id"), field("package"), field("reason"))
        })
        .collect()
}
