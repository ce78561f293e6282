//! `key generate`, `sign`, `verify` and `image --trust-policy`: cosign's own files
//! (`shared/signing`) through the binary, and a sign/verify round trip through a real registry
//! (the `registry.rs` guard).

use std::process::Output;

use serde_json::Value;

use crate::registry::Registry;
use crate::support::{Scratch, image, shared};

/// `hullguard ARGS` with the key password `password` (none: both password variables unset).
fn hg(args: &[&str], password: Option<&str>) -> Output {
    let mut cmd = assert_cmd::Command::cargo_bin("hullguard").unwrap();
    cmd.args(args).env("DOCKER_CONFIG", "/nonexistent").env_remove("COSIGN_PASSWORD").env_remove("HULLGUARD_PASSWORD");
    if let Some(p) = password {
        cmd.env("HULLGUARD_PASSWORD", p);
    }
    cmd.write_stdin("").output().unwrap()
}

fn signing(path: &str) -> String {
    shared().join("signing").join(path).display().to_string()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const LEGACY: &str =
    "registry-testing.svc.lan/busybox@sha256:f3cfc9d0dbf931d3db4685ec659b7ac68e2a578219da4aae65427886e649b06b";

#[test]
fn cosigns_legacy_signature_verifies_offline_and_each_fault_is_one_line() {
    let (payload, signature) = (signing("legacy-signature/payload.json"), signing("legacy-signature/signature.b64"));
    let out = hg(
        &["verify", "--payload", &payload, "--signature", &signature, "--key", &signing("legacy-signature/cosign.pub")],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("verified: {LEGACY}: legacy signature {payload} by key {}\n", signing("legacy-signature/cosign.pub"))
    );

    // Another key.
    let other = signing("keys/cosign-pemsigstorekey.pub");
    let out = hg(&["verify", "--payload", &payload, "--signature", &signature, "--key", &other], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        format!(
            "not verified: {LEGACY}: legacy signature {payload}: the signature does not verify with the given key(s)\n"
        )
    );

    // One byte of the payload changed (the digest it names stays parseable).
    let scratch = Scratch::new();
    let mut bytes = std::fs::read(&payload).unwrap();
    let at = bytes.windows(6).position(|w| w == b"busybo").unwrap();
    bytes[at] = b'B';
    let tampered = scratch.path("payload.json");
    std::fs::write(&tampered, bytes).unwrap();
    let tampered = tampered.display().to_string();
    let out = hg(
        &[
            "verify",
            "--payload",
            &tampered,
            "--signature",
            &signature,
            "--key",
            &signing("legacy-signature/cosign.pub"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        format!(
            "not verified: registry-testing.svc.lan/Busybox@sha256:f3cfc9d0dbf931d3db4685ec659b7ac68e2a578219da4aae65427886e649b06b: \
             legacy signature {tampered}: the signature does not verify with the given key(s)\n"
        )
    );

    // A public key file that is not one: exit 2, one line naming it.
    let out = hg(&["verify", "--payload", &payload, "--signature", &signature, "--key", &payload], None);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with(&format!("hullguard: {payload}: not an ECDSA P-256 public key PEM")),
        "{}",
        stderr(&out)
    );
}

/// Push two images, sign one with a key `key generate` wrote and one with cosign's own key file,
/// verify, then tamper: the signed tag moved to another image, a signature copied onto it.
#[test]
fn sign_and_verify_through_a_registry_and_the_trust_policy_gate() {
    let Some(registry) = Registry::start(None, None) else { return };
    let archive = image("bookworm-images.docker.tar");
    registry.push(&format!("docker-archive:{archive}:debian-base:latest"), "trust/base:1", &[]);
    registry.push(&format!("docker-archive:{archive}:app-mixed:latest"), "trust/app:1", &[]);
    registry.push(&format!("docker-archive:{archive}:debian-base:latest"), "trust/other:1", &[]);
    let host = &registry.host;
    let base = format!("{host}/trust/base:1");
    let scratch = Scratch::new();
    let prefix = scratch.path("ours").display().to_string();
    let (our_key, our_pub) = (format!("{prefix}.key"), format!("{prefix}.pub"));

    // key generate: cosign's envelope, label and default cost.
    let out = hg(&["key", "generate", "--output-key-prefix", &prefix], Some("s3cret"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), format!("hullguard: wrote {our_key} and {our_pub}\n"));
    let pem = std::fs::read_to_string(&our_key).unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"), "{pem}");
    let out = hg(&["key", "generate", "--output-key-prefix", &prefix], Some("s3cret"));
    assert_eq!(
        (out.status.code(), stderr(&out)),
        (Some(2), format!("hullguard: {our_key}: exists already; not overwritten\n"))
    );

    // A wrong password: exit 2, one line; nothing pushed.
    let out = hg(&["sign", "--insecure", &base, "--key", &our_key], Some("s3creT"));
    assert_eq!(
        (out.status.code(), stderr(&out)),
        (Some(2), format!("hullguard: {our_key}: wrong password (the key does not decrypt with it)\n"))
    );

    let digest_of = |reference: &str| -> String {
        let out = hg(&["inspect", "--insecure", reference, "-f", "json", "-q"], None);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["manifest_digest"].as_str().unwrap().to_string()
    };
    let base_digest = digest_of(&base);
    let sig_tag = format!("sha256-{}.sig", base_digest.trim_start_matches("sha256:"));

    let out = hg(&["sign", "--insecure", &base, "--key", &our_key], Some("s3cret"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "signed {host}/trust/base@{base_digest}: legacy signature pushed to {host}/trust/base:{sig_tag} (1 signature there)\n"
        )
    );
    // cosign's own key file (its password) signs too: a second layer of the same .sig tag.
    let cosign_key = signing("keys/cosign-pemsigstorekey.key");
    let out = hg(&["sign", "--insecure", &base, "--key", &cosign_key], Some("hello"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).ends_with("(2 signatures there)\n"), "{}", stdout(&out));

    let cosign_pub = signing("keys/cosign-pemsigstorekey.pub");
    let out = hg(&["verify", "--insecure", &base, "--key", &our_pub, "--key", &cosign_pub], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<String> = stdout(&out)
        .lines()
        .map(|l| l.split(": legacy signature ").next().unwrap().to_string() + " " + l.rsplit(' ').next().unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            format!("verified: {host}/trust/base@{base_digest} {our_pub}"),
            format!("verified: {host}/trust/base@{base_digest} {cosign_pub}")
        ]
    );
    // A key that signed nothing here.
    let legacy_pub = signing("legacy-signature/cosign.pub");
    let out = hg(&["verify", "--insecure", &base, "--key", &legacy_pub], None);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stdout(&out).matches("the signature does not verify with the given key(s)").count(),
        2,
        "{}",
        stdout(&out)
    );

    // Tamper 1: the tag now names another image, which nobody signed.
    let app_digest = digest_of(&format!("{host}/trust/app:1"));
    registry.push(&format!("docker-archive:{archive}:app-mixed:latest"), "trust/base:1", &[]);
    let app_tag = format!("sha256-{}.sig", app_digest.trim_start_matches("sha256:"));
    let out = hg(&["verify", "--insecure", &base, "--key", &our_pub], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        format!("{host}/trust/base@{app_digest}: not signed (no {app_tag} tag, no Sigstore bundle referrer)\n")
    );
    // Tamper 2: the base image's signatures copied to the new image's signature tag.
    registry.push(
        &format!("docker://{host}/trust/base:{sig_tag}"),
        &format!("trust/base:{app_tag}"),
        &["--src-tls-verify=false"],
    );
    let out = hg(&["verify", "--insecure", &base, "--key", &our_pub], None);
    assert_eq!(out.status.code(), Some(1));
    let first = stdout(&out).lines().next().unwrap().to_string();
    assert!(
        first.starts_with(&format!("not verified: {host}/trust/base@{app_digest}: legacy signature sha256:"))
            && first.ends_with(&format!(": the payload signs {base_digest}, not this image's digest {app_digest}")),
        "{first}"
    );

    // The trust policy in the scan: the base image by digest, signed by our key: no violation;
    // the same image by tag, unsigned, from a repository outside the allowed ones: three, and
    // the gate fails on them alone (the image has no other finding of these scanners).
    let policy = scratch.path("policy.yaml");
    std::fs::write(
        &policy,
        format!("registries: [\"{host}/trust/base\"]\nrequire_digest: true\nsignatures:\n  - keys: [ours.pub]\n"),
    )
    .unwrap();
    let policy = policy.display().to_string();
    let gate = |reference: &str| -> (Option<i32>, Vec<(String, String)>) {
        let out = hg(
            &[
                "image",
                "--insecure",
                "--no-cache",
                "--scanners",
                "secret",
                "--trust-policy",
                &policy,
                "--fail-on",
                "high",
                "--exit-code",
                "3",
                "-f",
                "json",
                "-q",
                reference,
            ],
            None,
        );
        assert!(out.status.code() != Some(2), "{}", stderr(&out));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let policy = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "policy")
            .map(|f| (f["id"].as_str().unwrap().to_string(), f["title"].as_str().unwrap().to_string()))
            .collect();
        (out.status.code(), policy)
    };
    let pinned = format!("{host}/trust/base@{base_digest}");
    assert_eq!(gate(&pinned), (Some(0), vec![]));
    let (code, findings) = gate(&format!("{host}/trust/other:1"));
    assert_eq!(code, Some(3));
    let app = format!("{host}/trust/other");
    assert_eq!(
        findings,
        [
            ("HG-POL-001".to_string(), format!("{app} is not in an allowed registry or repository")),
            ("HG-POL-002".to_string(), format!("{app} is not pinned by digest")),
            ("HG-POL-003".to_string(), format!("{app} has 0 of the 1 required verified signatures")),
        ]
    );
}

/// HG-POL-004 on app-mixed: a severity ceiling and the KEV gate, and an exception that lifts
/// them. The database is PyPI's OSV feed plus a KEV catalog written here that lists PyYAML's
/// CVE-2020-14343 (test data: the real catalog lists none of app-mixed's vulnerabilities).
#[test]
fn the_vulnerability_ceiling_and_the_kev_gate_of_the_trust_policy() {
    let scratch = Scratch::new();
    let kev_dir = scratch.path("kev");
    std::fs::create_dir_all(&kev_dir).unwrap();
    let kev = kev_dir.join("known_exploited_vulnerabilities.json");
    std::fs::write(
        &kev,
        r#"{"title": "test catalog", "catalogVersion": "2026.12.01", "dateReleased": "2026-12-01T00:00:00Z", "count": 1,
            "vulnerabilities": [{"cveID": "CVE-2020-14343", "vendorProject": "PyYAML", "product": "PyYAML",
            "vulnerabilityName": "PyYAML arbitrary code execution", "dateAdded": "2026-12-01",
            "shortDescription": "test entry", "requiredAction": "upgrade", "dueDate": "2026-12-22",
            "knownRansomwareCampaignUse": "Unknown", "notes": ""}]}"#,
    )
    .unwrap();
    let db = scratch.path("kev.db").display().to_string();
    let pypi = shared().join("vulndata/osv/PyPI.zip").display().to_string();
    let out = hg(&["db", "build", "-q", "--db", &db, "--source", &pypi, "--source", &kev.display().to_string()], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let app_mixed = format!("oci-archive:{}:app-mixed:latest", image("bookworm-images.oci.tar"));
    let policy_findings = |policy: &str| -> (Option<i32>, Vec<(String, String, String)>) {
        let path = scratch.path("vuln-policy.yaml");
        std::fs::write(&path, policy).unwrap();
        let path = path.display().to_string();
        let out = hg(
            &["image", "--db", &db, "--trust-policy", &path, "--fail-on", "high", "-f", "json", "-q", &app_mixed],
            None,
        );
        assert!(out.status.code() != Some(2), "{}", stderr(&out));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let found = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "policy")
            .map(|f| {
                let s = |k: &str| f[k].as_str().unwrap().to_string();
                (s("id"), s("title"), s("description"))
            })
            .collect();
        (out.status.code(), found)
    };
    // PyPI's feed rates 2 of app-mixed's 39 Python findings HIGH, 1 MEDIUM, the rest UNKNOWN.
    let gate = "vulnerabilities:\n  max_severity: MEDIUM\n  kev: true\n";
    let (code, found) = policy_findings(gate);
    assert_eq!(code, Some(1));
    let pol = |title: &str, description: &str| ("HG-POL-004".to_string(), title.to_string(), description.to_string());
    assert_eq!(
        found,
        [
            pol("app-mixed has 1 known exploited (CISA KEV) vulnerabilities", "CVE-2020-14343"),
            pol("app-mixed has vulnerabilities above MEDIUM", "HIGH: 2"),
        ]
    );
    // A ceiling at HIGH leaves only the KEV gate; an exception for the repository lifts both.
    assert_eq!(
        policy_findings("vulnerabilities:\n  max_severity: HIGH\n  kev: true\n").1,
        [pol("app-mixed has 1 known exploited (CISA KEV) vulnerabilities", "CVE-2020-14343")]
    );
    let exempt =
        format!("{gate}exceptions:\n  - repos: [\"app-mixed\"]\n    skip: [vulnerabilities]\n    reason: test\n");
    let (_, found) = policy_findings(&exempt);
    assert_eq!(found, []);
}

/// The content rules on app-mixed (HG-POL-005 to 009): denied packages by name and by purl glob,
/// denied licences, required labels, the image's age and its base image; an exception lifts two.
#[test]
fn content_rules_of_the_trust_policy() {
    let scratch = Scratch::new();
    let app_mixed = format!("oci-archive:{}:app-mixed:latest", image("bookworm-images.oci.tar"));
    let policy_findings = |policy: &str| -> Vec<(String, String, String)> {
        let path = scratch.path("content-policy.yaml");
        std::fs::write(&path, policy).unwrap();
        let path = path.display().to_string();
        let out = hg(&["image", "--scanners", "secret", "--trust-policy", &path, "-f", "json", "-q", &app_mixed], None);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut found: Vec<(String, String, String)> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "policy")
            .map(|f| {
                let s = |k: &str| f[k].as_str().unwrap().to_string();
                (s("id"), s("title"), s("description"))
            })
            .collect();
        found.sort();
        found
    };
    let policy = "packages:\n  deny: [\"lodash\", \"pkg:golang/github.com/dgrijalva/*\"]\n\
                  licenses:\n  deny: [\"BSD-3-Clause\", \"ISC\", \"GPL-3.0*\"]\n\
                  labels:\n  required: [\"org.opencontainers.image.source\", \"maintainer=security@example.com\"]\n\
                  max_image_age_days: 30\n\
                  base_images: [\"docker.io/library/debian\"]\n";
    let found = policy_findings(policy);
    let ids: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(ids, ["HG-POL-005", "HG-POL-006", "HG-POL-007", "HG-POL-008", "HG-POL-009"]);
    let rest: Vec<(&str, &str)> = found.iter().map(|f| (f.1.as_str(), f.2.as_str())).collect();
    assert_eq!(
        rest[..3],
        [
            ("app-mixed has 2 denied package(s)", "lodash@4.17.15, github.com/dgrijalva/jwt-go@v3.2.0+incompatible"),
            (
                "app-mixed has 7 package(s) under a denied licence",
                "Django@3.2 (BSD-3-Clause), Flask@1.1.2 (BSD-3-Clause), Jinja2@2.11.2 (BSD-3-Clause), \
                 Werkzeug@1.0.1 (BSD-3-Clause), inherits@2.0.3 (ISC), qs@6.7.0 (BSD-3-Clause), setprototypeof@1.1.1 (ISC)"
            ),
            ("app-mixed lacks 2 required label(s)", "org.opencontainers.image.source, maintainer=security@example.com"),
        ]
    );
    // app-mixed was made on 2026-11-01: how many days ago depends on the day the test runs.
    assert_eq!(rest[3].0, "app-mixed is older than 30 days, or its age is unknown");
    assert!(rest[3].1.starts_with("created 2026-11-01T00:00:00Z ("), "{}", rest[3].1);
    assert_eq!(
        rest[4],
        (
            "app-mixed is not built on an allowed base image",
            "the image names no base image (label org.opencontainers.image.base.name)"
        )
    );
    let relaxed = policy.replace("max_image_age_days: 30", "max_image_age_days: 100000")
        + "exceptions:\n  - repos: [\"app-mixed\"]\n    skip: [packages, licenses, base-images]\n    reason: legacy\n";
    let ids: Vec<String> = policy_findings(&relaxed).into_iter().map(|f| f.0).collect();
    assert_eq!(ids, ["HG-POL-007"]);
    // A policy error names the file and the key.
    let path = scratch.path("bad.yaml");
    std::fs::write(&path, "packages:\n  deny: [\"[\"]\n").unwrap();
    let out =
        hg(&["image", "--scanners", "secret", "--trust-policy", &path.display().to_string(), "-q", &app_mixed], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(&format!("hullguard: {}: packages.deny: glob \"[\"", path.display())),
        "{}",
        stderr(&out)
    );
}
