//! The project's own ways to run the server — the Dockerfile, the Kubernetes manifests and the
//! systemd unit — pass hullguard's own checks (and systemd's).

use std::path::{Path, PathBuf};

use crate::support::{hullguard_json, required};

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path).display().to_string()
}

fn ids(report: &serde_json::Value, key: &str) -> Vec<String> {
    let mut ids: Vec<String> =
        report[key].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap_or_default().to_string()).collect();
    ids.sort();
    ids
}

#[test]
fn the_dockerfile_passes_the_dockerfile_checks() {
    let report = hullguard_json(&["dockerfile", &repo("Dockerfile"), "-f", "json", "-q"]);
    assert_eq!(report["findings"], serde_json::json!([]), "{report:#}");
}

#[test]
fn the_kubernetes_manifests_pass_the_checks_and_restricted_pss() {
    let manifests = repo("deploy/kubernetes/server.yaml");
    let report = hullguard_json(&["k8s", &manifests, "-f", "json", "-q"]);
    assert_eq!(report["findings"], serde_json::json!([]), "{report:#}");
    // What the Deployment's annotation exempts, each for a reason given beside it.
    assert_eq!(ids(&report, "suppressed"), ["HG-K8S-037", "HG-K8S-121", "HG-K8S-122"], "{report:#}");
    let out = crate::support::hullguard(Path::new("."), &["k8s", "--pss", "restricted", &manifests, "-q"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 object(s): 1 allowed, 0 forbidden"));
}

#[test]
fn the_systemd_unit_verifies_and_is_confined() {
    if !required("systemd-analyze") {
        return;
    }
    // `verify` wants the ExecStart binary to exist: point the unit at the one under test.
    let tmp = tempfile::tempdir().unwrap();
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_hullguard"));
    let unit = std::fs::read_to_string(repo("deploy/hullguard-server.service")).unwrap();
    assert!(unit.contains("ExecStart=/usr/local/bin/hullguard server "));
    let unit = unit.replace("/usr/local/bin/hullguard", &binary.display().to_string());
    let path = tmp.path().join("hullguard-server.service");
    std::fs::write(&path, unit).unwrap();
    let verify = std::process::Command::new("systemd-analyze").arg("verify").arg(&path).output().unwrap();
    assert!(verify.status.success() && verify.stderr.is_empty(), "{}", String::from_utf8_lossy(&verify.stderr));
    let security = std::process::Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--threshold=20"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&security.stdout);
    let level = text
        .lines()
        .find_map(|l| l.split("Overall exposure level for hullguard-server.service: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no exposure level in {text}"));
    assert!(level <= 2.0, "exposure {level} (systemd's scale: 0 best, 10 worst)");
    assert!(security.status.success(), "{text}");
}
