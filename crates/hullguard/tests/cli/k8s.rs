//! `hullguard k8s` and the manifests of `hullguard config`, end to end: formats, stdin, the gate,
//! the ignore file scoped by object, inline annotations, and hostile input.

use assert_cmd::Command;
use serde_json::Value;

use crate::support::{Scratch, hullguard};

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
spec:
  template:
    spec:
      hostPID: true
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            privileged: true
";

fn json(out: &std::process::Output) -> Value {
    assert!(out.status.code().is_some_and(|c| c < 2), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn finding<'a>(doc: &'a Value, id: &str) -> Option<&'a Value> {
    doc["findings"].as_array().unwrap().iter().find(|f| f["id"] == id)
}

#[test]
fn k8s_reports_object_field_and_position_in_every_format() {
    let s = Scratch::new();
    std::fs::write(s.path("deploy.yaml"), DEPLOYMENT).unwrap();
    let doc = json(&hullguard(s.dir.path(), &["k8s", "deploy.yaml", "-f", "json"]));
    let privileged = finding(&doc, "HG-K8S-001").unwrap();
    assert_eq!(
        privileged["location"],
        serde_json::json!({"type": "manifest", "path": "deploy.yaml", "document": 1, "object": "Deployment/prod/web",
            "field": "spec.template.spec.containers[0].securityContext.privileged", "line": 14, "column": 25})
    );
    assert_eq!(privileged["concept"], "k8s-privileged");
    assert!(privileged["fix"].as_str().unwrap().contains("privileged: false"));

    let table = hullguard(s.dir.path(), &["k8s", "deploy.yaml"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("deploy.yaml:14:25 Deployment/prod/web spec.template.spec.containers[0].securityContext.privileged  HIGH     HG-K8S-001"),
        "{text}"
    );
    let sarif = json(&hullguard(s.dir.path(), &["k8s", "deploy.yaml", "-f", "sarif"]));
    let result = sarif["runs"][0]["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == "HG-K8S-001").unwrap();
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 14, "startColumn": 25})
    );
    assert_eq!(result["locations"][0]["logicalLocations"][0]["properties"]["object"], "Deployment/prod/web");

    let gate = hullguard(s.dir.path(), &["k8s", "deploy.yaml", "--fail-on", "HIGH"]);
    assert_eq!(gate.status.code(), Some(1));
    let gate = hullguard(s.dir.path(), &["k8s", "deploy.yaml", "--fail-on", "CRITICAL"]);
    assert_eq!(gate.status.code(), Some(0));
    let gone = hullguard(s.dir.path(), &["k8s", "nope.yaml"]);
    assert_eq!(gone.status.code(), Some(2), "unreadable input");
}

#[test]
fn k8s_reads_stdin() {
    let out = Command::cargo_bin("hullguard")
        .unwrap()
        .args(["k8s", "-", "-f", "json", "--severity", "HIGH"])
        .write_stdin(DEPLOYMENT)
        .output()
        .unwrap();
    let doc = json(&out);
    let ids: Vec<&str> = doc["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["HG-K8S-001", "HG-K8S-003"]);
    assert_eq!(finding(&doc, "HG-K8S-003").unwrap()["location"]["path"], "-");
}

#[test]
fn config_picks_manifests_up_beside_dockerfiles() {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path("deploy")).unwrap();
    std::fs::create_dir_all(s.path(".github/workflows")).unwrap();
    std::fs::write(s.path("deploy/web.yaml"), DEPLOYMENT).unwrap();
    std::fs::write(s.path(".github/workflows/ci.yml"), "on: push\njobs: {}\n").unwrap();
    std::fs::write(s.path("Dockerfile"), "FROM x:latest\n").unwrap();
    std::fs::write(s.path("docker-compose.yml"), "services:\n  web:\n    image: x:1\n    privileged: true\n").unwrap();
    let doc = json(&hullguard(s.dir.path(), &["config", ".", "-f", "json"]));
    let files: Vec<&str> = doc["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert_eq!(files, ["./Dockerfile", "./deploy/web.yaml", "./docker-compose.yml"]);
    assert!(finding(&doc, "HG-K8S-001").is_some() && finding(&doc, "HG-DF-001").is_some());
    let privileged = finding(&doc, "HG-CMP-001").unwrap();
    assert_eq!(privileged["location"]["object"], "service/web");
    assert_eq!(privileged["location"]["line"], 4);
    let compose =
        json(&hullguard(s.dir.path(), &["compose", "docker-compose.yml", "-f", "json", "--severity", "HIGH"]));
    let ids: Vec<&str> = compose["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["HG-CMP-001", "HG-CMP-011"]);
}

#[test]
fn ignore_file_by_object_and_inline_annotations_are_counted() {
    let s = Scratch::new();
    let annotated = DEPLOYMENT
        .replace("  namespace: prod\n", "  namespace: prod\n  annotations:\n    hullguard.dev/ignore: k8s-host-pid\n");
    std::fs::write(s.path("deploy.yaml"), annotated).unwrap();
    std::fs::write(
        s.path("ignore.yaml"),
        "vulnerabilities:\n  - id: HG-K8S-001\n    object: Deployment/prod/*\n    reason: upstream chart\n",
    )
    .unwrap();
    let doc = json(&hullguard(s.dir.path(), &["k8s", "deploy.yaml", "-f", "json", "--ignorefile", "ignore.yaml"]));
    assert!(finding(&doc, "HG-K8S-001").is_none() && finding(&doc, "HG-K8S-003").is_none());
    let reasons: Vec<&str> =
        doc["suppressed"].as_array().unwrap().iter().map(|s| s["reason"].as_str().unwrap()).collect();
    // The report lists suppressed findings by id (HG-K8S-001 by the file, HG-K8S-003 by the annotation).
    assert_eq!(reasons, ["ignorefile: upstream chart", "annotation hullguard.dev/ignore on Deployment/prod/web"]);
    let strict = json(&hullguard(
        s.dir.path(),
        &["k8s", "deploy.yaml", "-f", "json", "--ignorefile", "ignore.yaml", "--no-inline-ignores"],
    ));
    assert!(finding(&strict, "HG-K8S-003").is_some());
    assert_eq!(strict["suppressed"].as_array().unwrap().len(), 1);
    let table = hullguard(s.dir.path(), &["k8s", "deploy.yaml", "--ignorefile", "ignore.yaml"]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("(2 suppressed)"));
}

#[test]
fn hostile_manifests_are_warnings_naming_file_and_line_and_the_scan_goes_on() {
    let s = Scratch::new();
    let mut bomb = String::from("apiVersion: v1\nkind: ConfigMap\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    std::fs::write(s.path("bomb.yaml"), bomb).unwrap();
    let mut stream = String::new();
    for i in 0..100_000 {
        stream.push_str(&format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n"));
    }
    stream.push_str("---\napiVersion: v1\nkind: Pod\nmetadata: {name: last}\nspec: {hostIPC: true, containers: []}\n");
    std::fs::write(s.path("stream.yaml"), stream).unwrap();
    std::fs::write(s.path("binary.yaml"), b"apiVersion: v1\nkind: Pod\nname: \xff\xfe\n").unwrap();
    std::fs::write(
        s.path("big.yaml"),
        format!("apiVersion: v1\nkind: ConfigMap\ndata:\n  k: {}\n", "x".repeat(10 << 20)),
    )
    .unwrap();
    std::fs::write(
        s.path("types.yaml"),
        "apiVersion: v1\nkind: Pod\nspec: [1, 2]\n---\n- 1\n---\nkind: Deployment\nspec: {template: 7}\n",
    )
    .unwrap();
    std::fs::write(s.path("pod.yaml"), DEPLOYMENT).unwrap();
    let out = hullguard(s.dir.path(), &["k8s", ".", "-f", "json"]);
    let doc = json(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "./bomb.yaml:7:45: aliases expand",
        "YAML bomb",
        "./binary.yaml:3: not UTF-8",
        "./big.yaml:4:6: a scalar of 10485760 bytes",
        "./types.yaml:5: document 2 is a list, not a Kubernetes object",
        "./types.yaml:3: Pod/ spec is a list, not a mapping",
        "./types.yaml:8: Deployment/ spec.template is a number, not a mapping",
    ] {
        assert!(stderr.contains(expected), "{expected} missing from {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(finding(&doc, "HG-K8S-001").is_some(), "the good file is still scanned");
    let ipc = finding(&doc, "HG-K8S-004").unwrap();
    assert_eq!(ipc["location"]["document"], 100_001);
    assert_eq!(ipc["location"]["line"], 400_005);
}

#[test]
fn pss_prints_psas_verdict_per_object() {
    let s = Scratch::new();
    let good = "apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers:\n    - {name: a, image: x:1}\n";
    std::fs::write(
        s.path("all.yaml"),
        format!("{DEPLOYMENT}---\n{good}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\n"),
    )
    .unwrap();
    let out = hullguard(s.dir.path(), &["k8s", "--pss", "baseline", "all.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("all.yaml:1  Deployment/prod/web  forbidden by baseline:v1.37"), "{text}");
    assert!(
        text.contains("    privileged: privileged (container \"app\" must not set securityContext.privileged=true)"),
        "{text}"
    );
    assert!(text.contains("all.yaml:16  Pod/ok  allowed by baseline:v1.37"), "{text}");
    assert!(text.contains("2 object(s): 1 allowed, 1 forbidden"), "{text}");
    let doc = json(&hullguard(
        s.dir.path(),
        &["k8s", "--pss", "restricted", "--pss-version", "v1.30", "all.yaml", "-f", "json", "--exit-code", "0"],
    ));
    assert_eq!(doc["policy"], serde_json::json!({"level": "restricted", "version": "v1.30"}));
    assert_eq!(doc["verdicts"][1]["allowed"], false, "restricted forbids the bare pod");
    assert_eq!(doc["verdicts"][1]["violations"][0]["check"], "allowPrivilegeEscalation");
    // SARIF: one result per violation, at the object's line, the rule named by level and check.
    let violations: usize =
        doc["verdicts"].as_array().unwrap().iter().map(|v| v["violations"].as_array().unwrap().len()).sum();
    let sarif = json(&hullguard(
        s.dir.path(),
        &["k8s", "--pss", "restricted", "--pss-version", "v1.30", "all.yaml", "-f", "sarif", "--exit-code", "0"],
    ));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), violations);
    let bare_pod: Vec<&str> = results
        .iter()
        .filter(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"] == 16)
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(
        bare_pod,
        [
            "PSS-RESTRICTED-allowPrivilegeEscalation",
            "PSS-RESTRICTED-capabilities_restricted",
            "PSS-RESTRICTED-runAsNonRoot",
            "PSS-RESTRICTED-seccompProfile_restricted"
        ]
    );
    let bad = hullguard(s.dir.path(), &["k8s", "--pss", "restricted", "--pss-version", "2.0", "all.yaml"]);
    assert_eq!(bad.status.code(), Some(2));
}
