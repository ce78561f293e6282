//! The policy engine over each input kind, with exact findings; conftest-style policies
//! unchanged; load errors with their place; limits.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use hullguard_checks::dockerfile::input_document;
use hullguard_checks::dockerfile::parse::parse;
use hullguard_manifest::yaml::{Limits as YamlLimits, load_stream};
use hullguard_policy::{InputKind, Limits, Policies, PolicyError};
use hullguard_report::{Finding, Location, Severity};
use serde_json::{Value, json};

fn dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/policies").join(name)
}

fn load(name: &str) -> Policies {
    Policies::load(&[dir(name)], Limits::default()).unwrap()
}

fn yaml(text: &str) -> Value {
    let mut out = Value::Null;
    load_stream(text, &YamlLimits::default(), &mut |d| out = d.root.to_json());
    out
}

fn manifest_at() -> Location {
    Location::Manifest {
        path: "deploy.yaml".into(),
        document: 1,
        object: "Deployment/web".into(),
        field: String::new(),
        line: 1,
        column: 1,
    }
}

/// (id, severity, title, evidence, where) of each finding.
fn rows(findings: &[Finding]) -> Vec<(String, Severity, String, String, String)> {
    findings
        .iter()
        .map(|f| {
            let at = match &f.location {
                Location::Manifest { field, line, .. } => format!("{line} {field}"),
                Location::File { line, end_line, .. } => format!("{line}-{}", end_line.unwrap_or(*line)),
                other => other.place(),
            };
            (f.id.clone(), f.severity, f.title.clone(), f.evidence.clone().unwrap_or_default(), at)
        })
        .collect()
}

fn row(
    id: &str,
    severity: Severity,
    title: &str,
    evidence: &str,
    at: &str,
) -> (String, Severity, String, String, String) {
    (id.into(), severity, title.into(), evidence.into(), at.into())
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: app\n        image: nginx:1.27\n      - name: debug\n        image: busybox:1.36\n        securityContext:\n          privileged: true\n";

#[test]
fn kubernetes_object_with_metadata_comments() {
    let mut p = load("ours");
    let found = p.evaluate(InputKind::Kubernetes, &yaml(DEPLOYMENT), &manifest_at()).unwrap();
    assert_eq!(
        rows(&found),
        [row(
            "ACME-K8S-001",
            Severity::Critical,
            "Privileged container",
            "container debug is privileged",
            "1 spec.template.spec.containers[1].securityContext.privileged"
        )]
    );
    assert_eq!(found[0].fix.as_deref(), Some("Set securityContext.privileged to false."));
    assert_eq!(found[0].description, "A privileged container holds every capability of its node.");
    let fixed = DEPLOYMENT.replace("privileged: true", "privileged: false");
    assert!(p.evaluate(InputKind::Kubernetes, &yaml(&fixed), &manifest_at()).unwrap().is_empty());
    // The selector keeps the Kubernetes rule off other kinds.
    assert!(p.evaluate(InputKind::Compose, &yaml(DEPLOYMENT), &manifest_at()).unwrap().is_empty());
}

#[test]
fn dockerfile_document_with_rego_metadata_and_result_new() {
    let mut p = load("ours");
    let text = "FROM debian:12 AS build\nRUN apt-get update && \\\n    curl -fsSL https://example.invalid/x -o /x\nFROM python:latest\nCOPY --from=build /x /x\n";
    let doc = input_document(&parse(text.as_bytes()), "Dockerfile");
    let at = Location::File { path: "Dockerfile".into(), line: 1, column: None, end_line: None };
    let found = p.evaluate(InputKind::Dockerfile, &doc, &at).unwrap();
    assert_eq!(
        rows(&found),
        [
            row("ACME-DF-001", Severity::Medium, "Base image tagged latest", "stage 1 builds on python:latest", "4-4"),
            // The rule's own block names no severity: the package's (__rego_metadata__) applies.
            row("ACME-DF-002", Severity::Medium, "curl in a RUN", "curl downloads at build time", "3-3"),
        ]
    );
    assert_eq!(found[0].fix.as_deref(), Some("Pin the base image to a version."));
    let pinned = input_document(&parse(b"FROM python:3.13\n"), "Dockerfile");
    assert!(p.evaluate(InputKind::Dockerfile, &pinned, &at).unwrap().is_empty());
}

#[test]
fn compose_file() {
    let mut p = load("ours");
    let compose = yaml("services:\n  web:\n    image: nginx\n  cache:\n    image: redis\n    network_mode: host\n");
    let found = p.evaluate(InputKind::Compose, &compose, &manifest_at()).unwrap();
    assert_eq!(
        rows(&found),
        [row(
            "ACME-CMP-001",
            Severity::High,
            "Compose service in the host network",
            "service cache shares the host network",
            "1 "
        )]
    );
    let fine = yaml("services:\n  web:\n    image: nginx\n");
    assert!(p.evaluate(InputKind::Compose, &fine, &manifest_at()).unwrap().is_empty());
}

#[test]
fn conftest_style_policies_run_unchanged() {
    let service = yaml("apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  type: NodePort\n");
    for policies in ["conftest", "conftest-v0"] {
        let mut p = load(policies);
        let found = p.evaluate(InputKind::Kubernetes, &service, &manifest_at()).unwrap();
        assert_eq!(
            rows(&found),
            [row(
                "main.deny",
                Severity::High,
                "Service api is exposed on a node port",
                "Service api is exposed on a node port",
                "1 "
            )],
            "{policies}"
        );
    }
    let mut p = load("conftest");
    let found = p.evaluate(InputKind::Kubernetes, &yaml(DEPLOYMENT), &manifest_at()).unwrap();
    assert_eq!(
        rows(&found),
        [row(
            "main.warn",
            Severity::Low,
            "Deployment web runs a single replica",
            "Deployment web runs a single replica",
            "1 "
        )]
    );
}

#[test]
fn tests_pass_and_fail_as_opa_test() {
    let mut p = load("ours");
    let outcomes: Vec<(String, bool)> =
        hullguard_policy::test::run(&mut p).into_iter().map(|o| (o.rule, o.passed)).collect();
    assert_eq!(
        outcomes,
        [
            ("data.acme.kubernetes.privileged.test_privileged_container_denied".to_owned(), true),
            ("data.acme.kubernetes.privileged.test_plain_container_allowed".to_owned(), true),
        ]
    );
    let mut p = load("failing");
    let outcomes: Vec<(String, bool)> =
        hullguard_policy::test::run(&mut p).into_iter().map(|o| (o.rule, o.passed)).collect();
    assert_eq!(
        outcomes,
        [("data.acme.failing.test_passes".to_owned(), true), ("data.acme.failing.test_fails".to_owned(), false)]
    );
}

#[test]
fn a_policy_that_does_not_parse_names_file_line_and_column() {
    let err = Policies::load(&[dir("broken")], Limits::default()).unwrap_err();
    let PolicyError::Load(message) = &err else { panic!("{err:?}") };
    let file = dir("broken").join("broken.rego").display().to_string();
    assert_eq!(message, &format!("{file}:4:9: expecting `}}` while parsing set"));
    assert_eq!(message.lines().count(), 1, "{message}");
}

#[test]
fn a_huge_range_is_refused() {
    let mut p = Policies::load(&[dir("limits/range.rego")], Limits::default()).unwrap();
    let started = Instant::now();
    let err = p.evaluate(InputKind::Kubernetes, &json!({}), &manifest_at()).unwrap_err().to_string();
    let file = dir("limits/range.rego").display().to_string();
    assert_eq!(
        err,
        format!(
            "data.acme.limits.range.deny: {file}:4:28: numbers.range: 1000000000000 elements, over the limit of 1000000"
        )
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn a_huge_comprehension_stops_at_the_time_limit() {
    let limits = Limits { time: Duration::from_millis(300), ..Limits::default() };
    let mut p = Policies::load(&[dir("limits/loop.rego")], limits).unwrap();
    let started = Instant::now();
    let err = p.evaluate(InputKind::Kubernetes, &json!({}), &manifest_at()).unwrap_err().to_string();
    let took = started.elapsed();
    assert!(err.starts_with("data.acme.limits.loop.deny: ") && err.contains("time limit"), "{err}");
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn a_recursive_function_is_refused_at_load() {
    let file = dir("limits/recursion.rego");
    let err = Policies::load(std::slice::from_ref(&file), Limits::default()).unwrap_err().to_string();
    assert_eq!(err, format!("{}:3:1: recursive function f → f", file.display()));
}

#[test]
fn many_documents_on_every_core_give_the_findings_in_document_order() {
    let mut p = load("conftest");
    let documents: Vec<(Value, Location)> = (0..9)
        .map(|i| {
            let kind = if i % 3 == 0 { "Service" } else { "Deployment" };
            let text = format!("kind: {kind}\nmetadata:\n  name: o{i}\nspec:\n  type: NodePort\n  replicas: 1\n");
            let at = Location::Manifest {
                path: "all.yaml".into(),
                document: i + 1,
                object: format!("{kind}/o{i}"),
                field: String::new(),
                line: 1,
                column: 1,
            };
            (yaml(&text), at)
        })
        .collect();
    let found = p.evaluate_all(InputKind::Kubernetes, &documents).unwrap();
    let one_by_one: Vec<Finding> =
        documents.iter().flat_map(|(input, at)| p.evaluate(InputKind::Kubernetes, input, at).unwrap()).collect();
    assert_eq!(found, one_by_one);
    let evidence: Vec<String> = found.iter().map(|f| f.evidence.clone().unwrap_or_default()).collect();
    assert_eq!(
        evidence,
        [
            "Service o0 is exposed on a node port",
            "Deployment o1 runs a single replica",
            "Deployment o2 runs a single replica",
            "Service o3 is exposed on a node port",
            "Deployment o4 runs a single replica",
            "Deployment o5 runs a single replica",
            "Service o6 is exposed on a node port",
            "Deployment o7 runs a single replica",
            "Deployment o8 runs a single replica",
        ]
    );
    // An error names its rule, as one document's evaluation does.
    let mut p = Policies::load(&[dir("limits/range.rego")], Limits::default()).unwrap();
    let err = p.evaluate_all(InputKind::Kubernetes, &documents).unwrap_err().to_string();
    assert!(err.starts_with("data.acme.limits.range.deny: "), "{err}");
}

#[test]
fn a_hundred_rules_over_one_document() {
    let dir = tempfile::tempdir().unwrap();
    let rules: String = (0..100)
        .map(|i| format!("deny_rule_with_a_long_name_{i:03} contains \"r{i}\" if input.kind == \"Service\"\n"))
        .collect();
    std::fs::write(dir.path().join("many.rego"), format!("package acme.many.rules.of.a.long.package\n\n{rules}"))
        .unwrap();
    let mut p = Policies::load(&[dir.path().to_owned()], Limits::default()).unwrap();
    let found = p.evaluate(InputKind::Kubernetes, &json!({"kind": "Service"}), &manifest_at()).unwrap();
    let evidence: Vec<String> = found.iter().map(|f| f.evidence.clone().unwrap_or_default()).collect();
    assert_eq!(evidence, (0..100).map(|i| format!("r{i}")).collect::<Vec<_>>());
    assert!(p.evaluate(InputKind::Kubernetes, &json!({"kind": "Pod"}), &manifest_at()).unwrap().is_empty());
}
