//! Custom Rego policies end to end: `--policy-dir` on `k8s`, `dockerfile`, `compose` and `config`
//! (findings in every format, under the ignore file and the gate), `policy test`, `policy eval`,
//! and policy errors (exit 2, `file:line:col`).

use std::path::PathBuf;

use crate::support::{Scratch, hullguard, image};

fn policies(name: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../hullguard-policy/tests/policies").join(name);
    dir.display().to_string()
}

/// The findings of a JSON report (the command succeeded or its gate tripped) whose id `keep`s.
fn findings(out: &std::process::Output, keep: fn(&str) -> bool) -> Vec<serde_json::Value> {
    assert!(out.status.code().is_some_and(|c| c < 2), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["findings"].as_array().unwrap().iter().filter(|f| keep(f["id"].as_str().unwrap())).cloned().collect()
}

/// (id, severity, object or path, line, field) of each custom-policy finding (not `HG-…`).
fn rows(out: &std::process::Output) -> Vec<(String, String, String, u64, String)> {
    findings(out, |id| !id.starts_with("HG-"))
        .iter()
        .map(|f| {
            let l = &f["location"];
            (
                f["id"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                l["object"].as_str().or(l["path"].as_str()).unwrap().to_owned(),
                l["line"].as_u64().unwrap(),
                l["field"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn row(id: &str, severity: &str, place: &str, line: u64, field: &str) -> (String, String, String, u64, String) {
    (id.into(), severity.into(), place.into(), line, field.into())
}

/// The finding of the `ours` policies on the privileged container of [`MANIFESTS`].
fn privileged_web() -> (String, String, String, u64, String) {
    row("ACME-K8S-001", "CRITICAL", "Deployment/web", 8, "spec.template.spec.containers[0].securityContext.privileged")
}

const MANIFESTS: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  type: NodePort\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: app\n        image: nginx:1.27\n        securityContext:\n          privileged: true\n";

#[test]
fn k8s_policies_give_findings_under_the_ignore_file_and_gate() {
    let s = Scratch::new();
    std::fs::write(s.path("app.yaml"), MANIFESTS).unwrap();
    let (ours, conftest) = (policies("ours"), policies("conftest"));
    let args = ["k8s", "app.yaml", "-f", "json", "--policy-dir", &ours, "--policy-dir", &conftest];
    let out = hullguard(s.dir.path(), &args);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        rows(&out),
        [
            privileged_web(),
            row("main.deny", "HIGH", "Service/api", 1, ""),
            row("main.warn", "LOW", "Deployment/web", 8, ""),
        ]
    );
    // The gate sees them (the built-in checks find nothing CRITICAL here); the ignore file
    // suppresses them by id.
    let gated = hullguard(s.dir.path(), &[&args[..], &["--fail-on", "CRITICAL"]].concat());
    assert_eq!(gated.status.code(), Some(1));
    std::fs::write(s.path("ignore.yaml"), "vulnerabilities:\n  - id: ACME-K8S-001\n  - id: main.deny\n").unwrap();
    let ignored =
        hullguard(s.dir.path(), &[&args[..], &["--fail-on", "CRITICAL", "--ignorefile", "ignore.yaml"]].concat());
    assert_eq!(ignored.status.code(), Some(0), "{}", String::from_utf8_lossy(&ignored.stderr));
    assert_eq!(rows(&ignored), [row("main.warn", "LOW", "Deployment/web", 8, "")]);
    // SARIF names the rule.
    let sarif = hullguard(s.dir.path(), &["k8s", "app.yaml", "-f", "sarif", "--policy-dir", &ours]);
    let doc: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let ids: Vec<&str> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .filter(|id| id.starts_with("ACME"))
        .collect();
    assert_eq!(ids, ["ACME-K8S-001"]);
}

#[test]
fn dockerfile_compose_and_config_policies() {
    let s = Scratch::new();
    std::fs::write(s.path("Dockerfile"), "FROM python:latest\nRUN curl -fsSL https://example.invalid/x -o /x\n")
        .unwrap();
    std::fs::write(s.path("compose.yaml"), "services:\n  cache:\n    image: redis:7\n    network_mode: host\n")
        .unwrap();
    std::fs::write(s.path("app.yaml"), MANIFESTS).unwrap();
    let ours = policies("ours");
    let out = hullguard(s.dir.path(), &["dockerfile", "Dockerfile", "-f", "json", "--policy-dir", &ours]);
    assert_eq!(
        rows(&out),
        [row("ACME-DF-001", "MEDIUM", "Dockerfile", 1, ""), row("ACME-DF-002", "MEDIUM", "Dockerfile", 2, "")]
    );
    let out = hullguard(s.dir.path(), &["compose", "compose.yaml", "-f", "json", "--policy-dir", &ours]);
    assert_eq!(rows(&out), [row("ACME-CMP-001", "HIGH", "compose", 1, "")]);
    let out = hullguard(s.dir.path(), &["config", ".", "-f", "json", "--policy-dir", &ours]);
    assert_eq!(
        rows(&out),
        [
            privileged_web(),
            row("ACME-CMP-001", "HIGH", "compose", 1, ""),
            row("ACME-DF-001", "MEDIUM", "./Dockerfile", 1, ""),
            row("ACME-DF-002", "MEDIUM", "./Dockerfile", 2, ""),
        ]
    );
}

#[test]
fn policy_test_reports_each_test_and_fails_on_a_failure() {
    let s = Scratch::new();
    let out = hullguard(s.dir.path(), &["policy", "test", &policies("ours")]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let verdicts: Vec<&str> = text.lines().filter_map(|l| l.split_whitespace().nth(2)).collect();
    assert_eq!(verdicts, ["PASS", "PASS"], "{text}");
    assert!(text.ends_with("PASS: 2/2\n"), "{text}");
    let out = hullguard(s.dir.path(), &["policy", "test", &policies("failing")]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("data.acme.failing.test_fails FAIL"), "{text}");
    assert!(text.ends_with("PASS: 1/2\nFAIL: 1/2\n"), "{text}");
}

#[test]
fn policy_eval_prints_the_query_results() {
    let s = Scratch::new();
    std::fs::write(s.path("svc.yaml"), "kind: Service\nmetadata:\n  name: api\nspec:\n  type: NodePort\n").unwrap();
    let out = hullguard(
        s.dir.path(),
        &["policy", "eval", "--policy-dir", &policies("conftest"), "--input", "svc.yaml", "data.main.deny"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc, serde_json::json!([{"expressions": [["Service api is exposed on a node port"]]}]));
}

#[test]
fn policy_errors_exit_2_naming_file_line_and_column() {
    let s = Scratch::new();
    std::fs::write(s.path("app.yaml"), MANIFESTS).unwrap();
    let broken = policies("broken");
    for args in [
        vec!["k8s", "app.yaml", "--policy-dir", &broken],
        vec!["policy", "test", &broken],
        vec!["config", ".", "--policy-dir", &broken],
    ] {
        let out = hullguard(s.dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err, format!("hullguard: {broken}/broken.rego:4:9: expecting `}}` while parsing set\n"), "{args:?}");
    }
    let range = format!("{}/range.rego", policies("limits"));
    let out = hullguard(s.dir.path(), &["k8s", "app.yaml", "--policy-dir", &range]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("range.rego:4:28: numbers.range: 1000000000000 elements, over the limit of 1000000"), "{err}");
}

/// (id, severity, place, evidence) of each custom-policy finding (`ACME-…`) of a scan report.
fn scan_rows(out: &std::process::Output) -> Vec<(String, String, String, String)> {
    findings(out, |id| id.starts_with("ACME-"))
        .iter()
        .map(|f| {
            let l = &f["location"];
            let place = match (l["layer"].as_u64(), l["path"].as_str()) {
                (Some(layer), Some(path)) => format!("{layer}:{path}"),
                (Some(layer), None) => format!("{layer}:"),
                (None, Some(path)) => path.to_owned(),
                (None, None) => l["type"].as_str().unwrap().to_owned(),
            };
            let text = |k: &str| f[k].as_str().unwrap().to_owned();
            (text("id"), text("severity"), place, text("evidence"))
        })
        .collect()
}

fn scan_row(id: &str, severity: &str, place: &str, evidence: &str) -> (String, String, String, String) {
    (id.into(), severity.into(), place.into(), evidence.into())
}

#[test]
fn image_and_inventory_policies_over_the_shared_images() {
    let s = Scratch::new();
    let scan = policies("scan");
    let spec = |name: &str| format!("oci-archive:{}:{name}:latest", image("bookworm-images.oci.tar"));
    let run = |name: &str, extra: &[&str]| {
        let spec = spec(name);
        let args = ["image", &spec, "--scanners", "misconfig,secret", "-q", "--policy-dir", &scan];
        hullguard(s.dir.path(), &[&args[..], extra].concat())
    };
    let app_mixed = run("app-mixed", &["-f", "json"]);
    assert_eq!(
        scan_rows(&app_mixed),
        [
            scan_row("ACME-INV-002", "CRITICAL", "image", "3 secret(s) among 234 packages"),
            scan_row("ACME-IMG-001", "HIGH", "image", "the image exposes 22/tcp"),
            scan_row(
                "ACME-INV-003",
                "HIGH",
                "/app/node_modules/lodash/package.json",
                "lodash 4.17.15 at /app/node_modules/lodash/package.json"
            ),
            scan_row("ACME-INV-001", "MEDIUM", "image", "curl 7.88.1-10+deb12u15 is installed in app-mixed:latest"),
            scan_row("ACME-IMG-002", "MEDIUM", "2:", "layer 2 downloads at build time"),
            scan_row("ACME-IMG-003", "LOW", "/etc/passwd", "root logs in with /bin/bash on debian 12"),
        ]
    );
    // The base image passes every deny rule: only the warning about root's shell is left.
    assert_eq!(
        scan_rows(&run("debian-base", &["-f", "json"])),
        [scan_row("ACME-IMG-003", "LOW", "/etc/passwd", "root logs in with /bin/bash on debian 12")]
    );
    // The ignore file and the gate see them as any finding.
    std::fs::write(s.path("ignore.yaml"), "vulnerabilities:\n  - id: ACME-IMG-003\n").unwrap();
    let ignored = run("debian-base", &["-f", "json", "--ignorefile", "ignore.yaml", "--severity", "LOW"]);
    assert_eq!(scan_rows(&ignored), []);
    let gated = run("debian-base", &["-f", "json", "--severity", "LOW", "--fail-on", "LOW"]);
    assert_eq!(gated.status.code(), Some(1));
    // SARIF and the table name them too.
    let sarif: serde_json::Value = serde_json::from_slice(&run("app-mixed", &["-f", "sarif"]).stdout).unwrap();
    let mut ids: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .filter(|id| id.starts_with("ACME"))
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["ACME-IMG-001", "ACME-IMG-002", "ACME-IMG-003", "ACME-INV-001", "ACME-INV-002", "ACME-INV-003"]);
    let table = String::from_utf8_lossy(&run("debian-base", &["--severity", "LOW"]).stdout).into_owned();
    assert!(table.contains("ACME-IMG-003"), "{table}");
}

#[test]
fn inventory_policies_over_a_tree() {
    let s = Scratch::new();
    let lock = r#"{"name": "web", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": {"": {"name": "web", "version": "1.0.0", "dependencies": {"lodash": "4.17.15"}}, "node_modules/lodash": {"version": "4.17.15"}}}"#;
    std::fs::write(s.path("package-lock.json"), lock).unwrap();
    let args = ["fs", ".", "--scanners", "misconfig", "-f", "json", "-q", "--policy-dir", &policies("scan")];
    let out = hullguard(s.dir.path(), &args);
    assert_eq!(
        scan_rows(&out),
        [scan_row("ACME-INV-003", "HIGH", "/package-lock.json", "lodash 4.17.15 at /package-lock.json")]
    );
    let fixed = lock.replace("4.17.15", "4.17.21");
    std::fs::write(s.path("package-lock.json"), fixed).unwrap();
    assert_eq!(scan_rows(&hullguard(s.dir.path(), &args)), []);
}

#[test]
fn image_paths_of_interest_over_a_shared_image() {
    let s = Scratch::new();
    let spec = format!("oci-archive:{}:debian-base:latest", image("bookworm-images.oci.tar"));
    let paths = policies("paths");
    let args =
        ["image", &spec, "--scanners", "misconfig", "-q", "-f", "json", "--severity", "LOW", "--policy-dir", &paths];
    let out = hullguard(s.dir.path(), &args);
    let found: Vec<(String, String, String)> = findings(&out, |id| id.starts_with("ACME-PATH-"))
        .iter()
        .map(|f| {
            let text = |k: &str| f[k].as_str().unwrap().to_owned();
            let l = &f["location"];
            let place = format!(
                "{}:{}",
                l["layer"].as_u64().map(|n| n.to_string()).unwrap_or_default(),
                l["path"].as_str().unwrap_or_default()
            );
            (text("id"), place, text("evidence"))
        })
        .collect();
    let row = |id: &str, place: &str, evidence: &str| (id.to_owned(), place.to_owned(), evidence.to_owned());
    // Bookworm's setuid/setgid set, its three sticky world-writable directories, and no
    // credential file or /etc path owned by another user (the deny rules pass).
    assert_eq!(
        found,
        [
            row(
                "ACME-PATH-001",
                ":",
                "8 setuid (/usr/bin/chfn /usr/bin/chsh /usr/bin/gpasswd /usr/bin/mount /usr/bin/newgrp /usr/bin/passwd \
                 /usr/bin/su /usr/bin/umount), 3 setgid (/usr/bin/chage /usr/bin/expiry /usr/sbin/unix_chkpwd)"
            ),
            row("ACME-PATH-005", ":", "158 paths under /etc, truncated false"),
            row("ACME-PATH-002", "0:/run/lock", "dir /run/lock mode 0O1777, sticky true"),
            row("ACME-PATH-002", "0:/tmp", "dir /tmp mode 0O1777, sticky true"),
            row("ACME-PATH-002", "0:/var/tmp", "dir /var/tmp mode 0O1777, sticky true"),
        ]
    );
}
