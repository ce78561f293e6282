//! `hullguard-lint` end to end: the same findings, formats and exit codes as `hullguard dockerfile`.

use std::process::{Command, Output};

fn lint(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hullguard-lint")).current_dir(dir).args(args).output().unwrap()
}

/// `(id, line)` of the JSON findings.
fn ids(out: &Output) -> Vec<(String, u64)> {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap().to_owned(), f["location"]["line"].as_u64().unwrap()))
        .collect()
}

#[test]
fn findings_formats_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.containerfile"),
        "FROM python:latest\n# hullguard:ignore=HG-DF-006\nEXPOSE 22\nUSER root\nCMD python app.py\n",
    )
    .unwrap();
    let out = lint(dir.path(), &["api.containerfile", "-f", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let want = [("HG-DF-004", 4), ("HG-DF-001", 1), ("HG-DF-008", 1), ("HG-DF-012", 5)];
    assert_eq!(ids(&out), want.map(|(id, line)| (id.to_owned(), line)));

    let out = lint(dir.path(), &["api.containerfile", "--fail-on", "HIGH", "--exit-code", "7"]);
    assert_eq!(out.status.code(), Some(7));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.starts_with("api.containerfile:4:1  HIGH     HG-DF-004  Last USER is root"), "{table}");
    assert!(table.ends_with("1 file(s), 4 finding(s): 1 HIGH, 1 MEDIUM, 2 LOW\n"), "{table}");

    let out = lint(dir.path(), &["api.containerfile", "-f", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().map(Vec::len), Some(4));

    let out = lint(dir.path(), &["missing.Dockerfile"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "hullguard-lint: missing.Dockerfile: No such file or directory (os error 2)\n"
    );
    let out = lint(dir.path(), &["api.containerfile", "--require-label", "maintainer"]);
    assert_eq!(out.status.code(), Some(2), "a bad flag is a usage error");
}
