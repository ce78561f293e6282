//! `hullguard config`, `dockerfile` and `checks list` end to end.

use crate::support::{Scratch, hullguard, of_kind};

const DOCKERFILE: &str = "FROM python:latest\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u15 \\\n && rm -rf /var/lib/apt/lists/*\n# hullguard:ignore=HG-DF-006\nEXPOSE 22\nUSER root\nCMD python app.py\n";

fn ids(out: &std::process::Output) -> Vec<(String, u64)> {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap().to_string(), f["location"]["line"].as_u64().unwrap()))
        .collect()
}

#[test]
fn dockerfile_findings_exit_codes_and_suppression() {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path("svc/node_modules")).unwrap();
    std::fs::write(s.path("svc/Dockerfile"), DOCKERFILE).unwrap();
    std::fs::write(s.path("svc/node_modules/Dockerfile"), "FROM x:latest\n").unwrap();
    std::fs::write(s.path("notes.txt"), "FROM x:latest\n").unwrap();
    let out = hullguard(s.dir.path(), &["config", ".", "-f", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mut got = ids(&out);
    got.sort();
    assert_eq!(
        got,
        [
            ("HG-DF-001".to_string(), 1),
            ("HG-DF-004".to_string(), 7),
            ("HG-DF-008".to_string(), 1),
            ("HG-DF-012".to_string(), 8),
            ("HG-DF-026".to_string(), 2),
            ("HG-DF-073".to_string(), 3),
        ],
        "node_modules and non-Dockerfiles are not scanned; the ignored EXPOSE 22 is not reported"
    );
    let out = hullguard(s.dir.path(), &["config", ".", "--fail-on", "HIGH", "--severity", "CRITICAL"]);
    assert_eq!(out.status.code(), Some(1), "fails on the HIGH finding even though only CRITICAL is shown");
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("1 file(s), 0 finding(s)\n"));
    let out =
        hullguard(s.dir.path(), &["config", ".", "--fail-on", "HIGH", "--exit-code", "7", "--skip-check", "HG-DF-004"]);
    assert_eq!(out.status.code(), Some(0), "the only HIGH finding is skipped");
    let out = hullguard(s.dir.path(), &["config", ".", "--fail-on", "medium", "--exit-code", "7"]);
    assert_eq!(out.status.code(), Some(7));
    // Peer ids name checks (DL3002 and CKV_DOCKER_8 are df-user-root's); an unknown id is an error.
    for peer in ["DL3002", "CKV_DOCKER_8"] {
        let out = hullguard(s.dir.path(), &["config", ".", "-f", "json", "--skip-check", peer]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(ids(&out).iter().all(|(id, _)| id != "HG-DF-004"), "{peer}");
    }
    let out = hullguard(s.dir.path(), &["config", ".", "--skip-check", "DL3999"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "hullguard: --skip-check: unknown check 'DL3999' (`hullguard checks` lists the checks)\n"
    );
    // `dockerfile` takes a file of any name.
    let out = hullguard(s.dir.path(), &["dockerfile", "notes.txt", "-f", "json"]);
    assert_eq!(ids(&out).iter().filter(|(id, _)| id == "HG-DF-001").count(), 1);
}

#[test]
fn hostile_build_files_never_crash() {
    let s = Scratch::new();
    let garbage: Vec<u8> = (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(s.path("Dockerfile"), &garbage).unwrap();
    std::fs::write(s.path("long.Dockerfile"), "RUN ".to_string() + &"a".repeat(10 << 20)).unwrap();
    std::fs::write(s.path("heredoc.Dockerfile"), "FROM alpine:3.20\nRUN <<EOF\necho never closed\n").unwrap();
    std::fs::write(
        s.path("cont.Dockerfile"),
        "FROM alpine:3.20\nRUN echo \\\n".to_string() + &"  x \\\n".repeat(20_000),
    )
    .unwrap();
    let out = hullguard(s.dir.path(), &["config", ".", "-f", "json", "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["files"].as_array().unwrap().len(), 4);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    assert!(
        doc["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("heredoc")),
        "{}",
        doc["warnings"]
    );
}

#[test]
fn checks_list() {
    let out = hullguard(std::path::Path::new("."), &["checks", "list", "-f", "json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let family = |prefix: &str| rows.iter().filter(|r| r["id"].as_str().unwrap().starts_with(prefix)).count();
    assert_eq!(
        [family("HG-DF-"), family("HG-IMG-"), family("HG-HOST-"), family("HG-CTR-"), family("HG-SECCOMP-")],
        [96, 20, 80, 40, 3]
    );
    let privileged = rows.iter().find(|r| r["concept"] == "k8s-privileged").unwrap();
    assert_eq!(privileged["id"], "HG-K8S-001");
    assert!(privileged["peer_ids"].as_array().unwrap().iter().any(|p| p == "PSS-B:privileged"));
    assert!(rows.iter().any(|r| r["id"] == "HG-DF-096" && r["severity"] == "HIGH"), "the pipe-to-shell check");
    let root = rows.iter().find(|r| r["concept"] == "df-user-root").unwrap();
    assert_eq!(root["id"], "HG-DF-004");
    assert_eq!(root["severity"], "HIGH");
    assert!(root["peer_ids"].as_array().unwrap().iter().any(|p| p == "DL3002"));
}

#[test]
fn dockerfile_sarif_has_the_json_findings_at_their_lines() {
    let s = Scratch::new();
    std::fs::write(s.path("Dockerfile"), DOCKERFILE).unwrap();
    let json = hullguard(s.dir.path(), &["dockerfile", "Dockerfile", "-f", "json"]);
    let sarif = hullguard(s.dir.path(), &["dockerfile", "Dockerfile", "-f", "sarif"]);
    assert_eq!(sarif.status.code(), Some(0), "{}", String::from_utf8_lossy(&sarif.stderr));
    let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let mut from_sarif: Vec<(String, u64)> = results
        .iter()
        .map(|r| {
            let region = &r["locations"][0]["physicalLocation"]["region"];
            (r["ruleId"].as_str().unwrap().to_owned(), region["startLine"].as_u64().unwrap())
        })
        .collect();
    let mut from_json = ids(&json);
    from_sarif.sort();
    from_json.sort();
    assert_eq!(from_sarif, from_json);
    assert!(results.iter().all(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "Dockerfile"));
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().all(|r| r["properties"]["tags"][0] == "misconfiguration"));
    let script = "import sys, json\nfrom sarif_pydantic import Sarif\n\
                  s = Sarif.model_validate(json.load(sys.stdin))\nprint(s.version, len(s.runs[0].results))\n";
    if let Some(verdict) = crate::support::python_check(script, &sarif.stdout) {
        assert_eq!(verdict, format!("2.1.0 {}", results.len()));
    }
}

#[test]
fn configured_checks_run_from_the_command_line() {
    let s = Scratch::new();
    std::fs::write(
        s.path("Dockerfile"),
        "FROM quay.io/acme/base:1.4\nLABEL maintainer=\"Ops <ops@example.com>\" org.example.team=core\n# hullguard:ignore=HG-DF-015\nRUN cd $APP_HOME && make\nUSER 10001\nHEALTHCHECK NONE\n",
    )
    .unwrap();
    let base = ["dockerfile", "Dockerfile", "-f", "json"];
    let out = hullguard(s.dir.path(), &base);
    assert_eq!(ids(&out), [], "no configured check runs by default");
    let args = [
        &base[..],
        &[
            "--trusted-registry=ghcr.io",
            "--trusted-registry=*.acme.example",
            "--require-label=org.opencontainers.image.source:url",
            "--require-label=maintainer:email",
            "--strict-labels",
            "--report-ignore-pragmas",
            "--shellcheck",
        ],
    ]
    .concat();
    let out = hullguard(s.dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        ids(&out),
        [
            ("HG-DF-085".to_string(), 1),
            ("HG-DF-087".to_string(), 1),
            ("HG-DF-088".to_string(), 2),
            ("HG-DF-094".to_string(), 2),
            ("HG-DF-086".to_string(), 3),
            ("HG-DF-095".to_string(), 4),
        ]
    );
    // Bad settings are usage errors (exit 2, one line naming the problem).
    for (bad, message) in [
        ("--require-label=maintainer:date", "unknown label format 'date'"),
        ("--require-label=maintainer", "'maintainer' is not LABEL:FORMAT"),
        ("--shellcheck=/nonexistent/shellcheck", "--shellcheck: cannot run '/nonexistent/shellcheck'"),
    ] {
        let out = hullguard(s.dir.path(), &[&base[..], &[bad]].concat());
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(message),
            "{bad}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn fs_misconfig_scanner_lints_the_dockerfiles_of_the_tree() {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path("app")).unwrap();
    std::fs::write(s.path("app/Dockerfile"), "FROM alpine:3.20\nENV DB_PASSWORD=hunter2hunter2\n").unwrap();
    std::fs::write(s.path("app/.env"), "aws_secret_access_key = \"Tq9vX2mLw8Rk3pZs7NfY4bHc6JdQe1UaVgWoK5tM\"\n")
        .unwrap();
    // 11 MiB: past the size cap the secret scanner once had; a key at byte 6 and on the last line.
    let mut big = format!("      AKIAPJAG3OL5DPH5I5U4\n{}", format!("{}\n", "x".repeat(63)).repeat(11 << 14));
    big.push_str("last AKIAPJAG3OL5DPH5I5U4\n");
    std::fs::write(s.path("app/big.log"), big).unwrap();
    let out = hullguard(s.dir.path(), &["fs", ".", "--scanners", "misconfig,secret", "-f", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = |f: &serde_json::Value| {
        (
            f["id"].as_str().unwrap().to_owned(),
            f["location"]["path"].as_str().unwrap().to_owned(),
            f["location"]["line"].as_u64(),
        )
    };
    let misconfigs: Vec<_> = of_kind(&doc, "misconfigurations").iter().map(row).collect();
    let want = |id: &str, path: &str, line: u64| (id.to_owned(), path.to_owned(), Some(line));
    assert_eq!(
        misconfigs,
        [
            want("HG-DF-029", "app/Dockerfile", 2),
            want("HG-DF-003", "app/Dockerfile", 1),
            want("HG-DF-008", "app/Dockerfile", 1)
        ]
    );
    let secrets: Vec<_> = of_kind(&doc, "secrets").iter().map(row).collect();
    assert_eq!(
        secrets,
        [
            want("aws-secret-access-key", "app/.env", 1),
            want("aws-access-key-id", "app/big.log", 1),
            want("aws-access-key-id", "app/big.log", (11 << 14) + 2)
        ]
    );
    // Without the scanner, no Dockerfile is read.
    let out = hullguard(s.dir.path(), &["fs", ".", "--scanners", "secret", "-f", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(of_kind(&doc, "misconfigurations").len(), 0);
}

#[test]
fn input_format_prints_the_parsed_documents() {
    let s = Scratch::new();
    std::fs::write(s.path("Dockerfile"), "FROM debian:12 AS base\nRUN apt-get install -y curl\n").unwrap();
    let out = hullguard(s.dir.path(), &["config", ".", "-f", "input"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema_version"], 1);
    let documents = doc["documents"].as_array().unwrap();
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0]["path"], "./Dockerfile");
    assert_eq!(documents[0]["stages"][0]["base"], "debian:12");
    let run = &documents[0]["stages"][0]["instructions"][0];
    assert_eq!(run["commands"][0]["words"], serde_json::json!(["apt-get", "install", "-y", "curl"]));
    assert_eq!(run["commands"][0]["line"], 2);
    assert!(doc.get("findings").is_none(), "input documents carry no findings");
}

#[test]
fn ignore_file_suppresses_checks_like_vulnerabilities() {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path("svc")).unwrap();
    std::fs::write(s.path("svc/Dockerfile"), "FROM python:latest\nUSER root\nRUN cd /app\n").unwrap();
    std::fs::write(s.path("Dockerfile"), "FROM python:latest\nUSER 10001\nHEALTHCHECK NONE\n").unwrap();
    std::fs::write(
        s.path("ignore.yaml"),
        "vulnerabilities:\n  - id: HG-DF-001\n    path: svc/**\n    reason: base pinned by the build system\n  - id: df-run-cd\n  - id: HG-DF-004\n    expires: 2020-01-01\n  - id: HG-DF-099\n",
    )
    .unwrap();
    let out =
        hullguard(s.dir.path(), &["config", ".", "-f", "json", "--ignorefile", "ignore.yaml", "--fail-on", "HIGH"]);
    assert_eq!(out.status.code(), Some(1), "the expired entry no longer hides USER root");
    let mut got = ids(&out);
    got.sort();
    let want: Vec<(String, u64)> =
        [("HG-DF-001", 1), ("HG-DF-004", 2), ("HG-DF-008", 1)].map(|(i, l)| (i.to_owned(), l)).into();
    assert_eq!(got, want, "svc's latest tag and its RUN cd are suppressed; the root Dockerfile's latest tag is not");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let suppressed: Vec<(&str, &str, &str)> = doc["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["id"].as_str().unwrap(), x["package"].as_str().unwrap(), x["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        suppressed,
        [
            ("HG-DF-001", "./svc/Dockerfile:1", "ignorefile: base pinned by the build system"),
            ("HG-DF-015", "./svc/Dockerfile:3", "ignorefile: ignore.yaml:5"),
        ]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ignore.yaml:6: HG-DF-004 expired on 2020-01-01 and no longer applies"), "{stderr}");
    assert!(stderr.contains("ignore.yaml:8: HG-DF-099 matched no finding"), "{stderr}");
    // The default .hullguardignore (plain form) applies without the flag.
    std::fs::write(s.path(".hullguardignore"), "HG-DF-001\n").unwrap();
    let out = hullguard(s.dir.path(), &["config", ".", "-f", "json"]);
    assert!(ids(&out).iter().all(|(id, _)| id != "HG-DF-001"));
}
