//! `key generate`, `sign`, `verify` and `image --trust-policy`: cosign's own files
//! (`shared/signing`) through the binary, and a sign/verify round trip through a real registry
//! (the `registry.rs` guard).

use std::process::Output;

use serde_json::{Value, json};

use crate::registry::Registry;
use crate::support::{Scratch, image, python_check, shared};

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

/// `image --trust-policy FILE -f json -q ARGS…` with `policy` written to FILE (in `scratch`, so
/// key paths are relative to it): the exit code (never 2) and the policy findings as (id, title,
/// description), in report order.
fn trust_policy_findings(
    scratch: &Scratch,
    policy: &str,
    args: &[&str],
) -> (Option<i32>, Vec<(String, String, String)>) {
    let path = scratch.path("trust-policy.yaml");
    std::fs::write(&path, policy).unwrap();
    let path = path.display().to_string();
    let out = hg(&[&["image", "--trust-policy", &path, "-f", "json", "-q"], args].concat(), None);
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

    let out = hg(&["sign", "--insecure", "--format", "legacy", &base, "--key", &our_key], Some("s3cret"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "signed {host}/trust/base@{base_digest}: legacy signature pushed to {host}/trust/base:{sig_tag} (1 signature there)\n"
        )
    );
    // cosign's own key file (its password) signs too: a second layer of the same .sig tag.
    let cosign_key = signing("keys/cosign-pemsigstorekey.key");
    let out = hg(&["sign", "--insecure", "--format", "legacy", &base, "--key", &cosign_key], Some("hello"));
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
    let policy =
        format!("registries: [\"{host}/trust/base\"]\nrequire_digest: true\nsignatures:\n  - keys: [ours.pub]\n");
    let gate = |reference: &str| -> (Option<i32>, Vec<(String, String)>) {
        let args =
            ["--insecure", "--no-cache", "--scanners", "secret", "--fail-on", "high", "--exit-code", "3", reference];
        let (code, found) = trust_policy_findings(&scratch, &policy, &args);
        (code, found.into_iter().map(|(id, title, _)| (id, title)).collect())
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
    let policy_findings =
        |policy: &str| trust_policy_findings(&scratch, policy, &["--db", &db, "--fail-on", "high", &app_mixed]);
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
        let (code, mut found) = trust_policy_findings(&scratch, policy, &["--scanners", "secret", &app_mixed]);
        assert_eq!(code, Some(0));
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

const BUNDLE_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// Python `cryptography`'s check of a bundle hullguard wrote (stdin: `{"bundle", "key"}`): the
/// DSSE signature over the PAE of the payload with the key (an invalid one raises, failing the
/// check), the key hint cosign 3 writes (base64 of the SHA-256 of the DER key), the statement.
const PYTHON_DSSE_CHECK: &str = r#"
import base64, hashlib, json, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
given = json.load(sys.stdin)
bundle = json.loads(given["bundle"])
key = serialization.load_pem_public_key(given["key"].encode())
envelope = bundle["dsseEnvelope"]
payload = base64.b64decode(envelope["payload"])
kind = envelope["payloadType"].encode()
pae = b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)
key.verify(base64.b64decode(envelope["signatures"][0]["sig"]), pae, ec.ECDSA(hashes.SHA256()))
der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
hint = base64.b64encode(hashlib.sha256(der).digest()).decode()
statement = json.loads(payload)
subject = statement["subject"][0]
print("dsse ok", "hint ok" if bundle["verificationMaterial"]["publicKey"]["hint"] == hint else "hint WRONG",
      statement["_type"], statement["predicateType"], "sha256:" + subject["digest"]["sha256"],
      json.dumps(subject["annotations"], sort_keys=True))
"#;

/// Python `cryptography` signs the image digest on stdin as cosign 3 does, with a key of its own:
/// prints `{"bundle", "key"}` (the bundle JSON, the public key PEM).
const PYTHON_DSSE_SIGN: &str = r#"
import base64, json, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
digest = sys.stdin.read().strip().split(":")[1]
key = ec.generate_private_key(ec.SECP256R1())
statement = json.dumps({"_type": "https://in-toto.io/Statement/v1", "subject": [{"digest": {"sha256": digest}}],
                        "predicateType": "https://sigstore.dev/cosign/sign/v1"}).encode()
kind = b"application/vnd.in-toto+json"
pae = b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(statement), statement)
signature = key.sign(pae, ec.ECDSA(hashes.SHA256()))
pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
print(json.dumps({"bundle": {"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
                             "verificationMaterial": {"publicKey": {"hint": "python"}},
                             "dsseEnvelope": {"payload": base64.b64encode(statement).decode(), "payloadType": kind.decode(),
                                              "signatures": [{"sig": base64.b64encode(signature).decode()}]}},
                  "key": pem.decode()}))
"#;

/// `sign` in its default format (a Sigstore bundle v0.3 as an OCI 1.1 referrer, listed by the
/// `sha256-<hex>` fallback tag: distribution 2.8 has no referrers API) and `verify` through a real
/// registry; Python `cryptography` checks what hullguard signed and signs what hullguard
/// verifies; a wrong key, a tampered bundle and another image's bundle fail with one line each.
#[test]
fn sign_and_verify_sigstore_bundles_through_the_referrers_fallback_tag() {
    let Some(registry) = Registry::start(None, None) else { return };
    let archive = image("bookworm-images.docker.tar");
    registry.push(&format!("docker-archive:{archive}:debian-base:latest"), "trust/base:1", &[]);
    registry.push(&format!("docker-archive:{archive}:app-mixed:latest"), "trust/base:2", &[]);
    let host = &registry.host;
    let repo = format!("{host}/trust/base");
    let (base, app) = (format!("{repo}:1"), format!("{repo}:2"));
    let (base_digest, app_digest) = (registry.digest("trust/base:1"), registry.digest("trust/base:2"));
    let fallback = |digest: &str| digest.replacen(':', "-", 1);
    let scratch = Scratch::new();
    let prefix = scratch.path("ours").display().to_string();
    let (our_key, our_pub) = (format!("{prefix}.key"), format!("{prefix}.pub"));
    assert!(hg(&["key", "generate", "--output-key-prefix", &prefix], Some("s3cret")).status.success());
    let (cosign_key, cosign_pub) =
        (signing("keys/cosign-pemsigstorekey.key"), signing("keys/cosign-pemsigstorekey.pub"));
    let bundle_of = |manifest: &Value| -> (String, Vec<u8>) {
        let digest = manifest["layers"][0]["digest"].as_str().unwrap().to_string();
        let bytes = registry.blob("trust/base", &digest);
        (digest, bytes)
    };
    let python_verdict = |bundle: &[u8], key: &str| {
        let given = json!({"bundle": String::from_utf8_lossy(bundle), "key": std::fs::read_to_string(key).unwrap()});
        python_check(PYTHON_DSSE_CHECK, given.to_string().as_bytes())
    };
    let statement = "https://in-toto.io/Statement/v1 https://sigstore.dev/cosign/sign/v1";

    // The default format. The referrer is an artifact manifest whose subject is the image.
    let out = hg(&["sign", "--insecure", &base, "--key", &our_key], Some("s3cret"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let index = registry.manifest("trust/base", &fallback(&base_digest));
    let first = index["manifests"][0]["digest"].as_str().unwrap().to_string();
    assert_eq!(
        stdout(&out),
        format!(
            "signed {repo}@{base_digest}: sigstore bundle pushed as the referrer {repo}@{first}, listed by the fallback tag {repo}:{} (1 bundle there)\n",
            fallback(&base_digest)
        )
    );
    let referrer = registry.manifest("trust/base", &first);
    assert_eq!((&referrer["artifactType"], &referrer["subject"]["digest"]), (&json!(BUNDLE_TYPE), &json!(base_digest)));
    assert_eq!(
        referrer["config"],
        json!({"mediaType": "application/vnd.oci.empty.v1+json", "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "size": 2})
    );
    assert_eq!(referrer["annotations"]["dev.sigstore.bundle.predicateType"], "https://sigstore.dev/cosign/sign/v1");
    let (first_blob, first_bundle) = bundle_of(&referrer);
    if let Some(verdict) = python_verdict(&first_bundle, &our_pub) {
        assert_eq!(verdict, format!("dsse ok hint ok {statement} {base_digest} {{}}"));
    }

    // Signed again (cosign's key, an annotation): the fallback tag's index lists both.
    let out =
        hg(&["sign", "--insecure", "--format", "bundle", &base, "--key", &cosign_key, "-a", "env=prod"], Some("hello"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).ends_with("(2 bundles there)\n"), "{}", stdout(&out));
    let index = registry.manifest("trust/base", &fallback(&base_digest));
    let listed: Vec<(&Value, &Value)> =
        index["manifests"].as_array().unwrap().iter().map(|e| (&e["artifactType"], &e["mediaType"])).collect();
    assert_eq!(listed, [(&json!(BUNDLE_TYPE), &json!(OCI_MANIFEST)); 2]);
    assert_eq!(index["manifests"][0]["digest"], json!(first));
    let (second_blob, second_bundle) =
        bundle_of(&registry.manifest("trust/base", index["manifests"][1]["digest"].as_str().unwrap()));
    if let Some(verdict) = python_verdict(&second_bundle, &cosign_pub) {
        assert_eq!(verdict, format!("dsse ok hint ok {statement} {base_digest} {{\"env\": \"prod\"}}"));
    }

    // verify finds both, each by its key; an annotation only the second signed.
    let out = hg(&["verify", "--insecure", &base, "--key", &our_pub, "--key", &cosign_pub], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "verified: {repo}@{base_digest}: sigstore bundle {first_blob} by key {our_pub}\n\
             verified: {repo}@{base_digest}: sigstore bundle {second_blob} by key {cosign_pub}\n"
        )
    );
    let out = hg(&["verify", "--insecure", &base, "--key", &our_pub, "-a", "env=prod"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        format!(
            "not verified: {repo}@{base_digest}: sigstore bundle {first_blob}: the signed payload lacks the annotation env=prod\n\
             not verified: {repo}@{base_digest}: sigstore bundle {second_blob}: the DSSE signature does not verify with the given key(s)\n"
        )
    );

    // One bundle on the other image, then each fault: one line, exit 1.
    let out = hg(&["sign", "--insecure", &app, "--key", &our_key], Some("s3cret"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let app_tag = fallback(&app_digest);
    let app_referrer = registry
        .manifest("trust/base", registry.manifest("trust/base", &app_tag)["manifests"][0]["digest"].as_str().unwrap());
    let (app_blob, app_bundle) = bundle_of(&app_referrer);
    let one_line = |key: &str, blob: &str, why: String| {
        let out = hg(&["verify", "--insecure", &app, "--key", key], None);
        let want = format!("not verified: {repo}@{app_digest}: sigstore bundle {blob}: {why}\n");
        assert_eq!((out.status.code(), stdout(&out)), (Some(1), want));
    };
    let not_by_key = || "the DSSE signature does not verify with the given key(s)".to_string();
    one_line(&signing("legacy-signature/cosign.pub"), &app_blob, not_by_key());
    // The only referrer listed for the image is `bundle`.
    let plant = |bundle: &[u8]| -> String {
        let blob = registry.put_blob("trust/base", bundle);
        let mut manifest = app_referrer.clone();
        manifest["layers"][0]["digest"] = json!(blob);
        manifest["layers"][0]["size"] = json!(bundle.len());
        let size = serde_json::to_vec(&manifest).unwrap().len();
        let digest = registry.put_manifest("trust/base", None, OCI_MANIFEST, &manifest);
        let entry = json!({"mediaType": OCI_MANIFEST, "digest": digest, "size": size, "artifactType": BUNDLE_TYPE});
        let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [entry]});
        registry.put_manifest("trust/base", Some(&app_tag), OCI_INDEX, &index);
        blob
    };
    // One character of the DSSE payload changed.
    let mut tampered: Value = serde_json::from_slice(&app_bundle).unwrap();
    let mut payload = tampered["dsseEnvelope"]["payload"].as_str().unwrap().to_string();
    let flipped = if payload.as_bytes()[40] == b'A' { "B" } else { "A" };
    payload.replace_range(40..41, flipped);
    tampered["dsseEnvelope"]["payload"] = json!(payload);
    let tampered_blob = plant(&serde_json::to_vec(&tampered).unwrap());
    one_line(&our_pub, &tampered_blob, not_by_key());
    // The base image's bundle (our key's, valid) listed for this image.
    assert_eq!(plant(&first_bundle), first_blob);
    one_line(
        &our_pub,
        &first_blob,
        format!("the in-toto subject is {base_digest}, not this image's digest {app_digest}"),
    );

    // What Python `cryptography` signs, hullguard verifies.
    let Some(made) = python_check(PYTHON_DSSE_SIGN, base_digest.as_bytes()) else { return };
    let made: Value = serde_json::from_str(&made).unwrap();
    let (file, key) = (scratch.path("python.sigstore.json"), scratch.path("python.pub"));
    std::fs::write(&file, made["bundle"].to_string()).unwrap();
    std::fs::write(&key, made["key"].as_str().unwrap()).unwrap();
    let (file, key) = (file.display().to_string(), key.display().to_string());
    let out = hg(&["verify", "--bundle", &file, "--key", &key], None);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), format!("verified: (unnamed subject)@{base_digest}: sigstore bundle {file} by key {key}\n"))
    );
}
