//! Image checks (`HG-IMG-…`): a failing and a passing case per check, written from each
//! concept's meaning, with hand-built configs and layer entries; then the real images of
//! `shared/images` against their `*.truth.json` (run with `HULLGUARD_SHARED=/path/to/shared`).

use std::collections::BTreeSet;
use std::path::PathBuf;

use hullguard_checks::image::{AccountFiles, FactsVisitor, ImageFacts, LayerListing, NOT_IMPLEMENTED, check_image};
use hullguard_checks::registry::registry;
use hullguard_image::spec::ImageConfig;
use hullguard_image::{
    EntryKind, ImageRead, LayerEntry, Limits, Listing, MergedFs, ReadOptions, SourceSpec, read_image,
};
use hullguard_report::{Finding, FindingKind, Location};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Hand-built inputs

fn entry(path: &str, kind: EntryKind, mode: u32, size: u64) -> LayerEntry {
    LayerEntry { path: path.to_owned(), kind, mode, uid: 0, gid: 0, size }
}

fn file(path: &str, mode: u32) -> LayerEntry {
    entry(path, EntryKind::File, mode, 10)
}

fn dir(path: &str, mode: u32) -> LayerEntry {
    entry(path, EntryKind::Dir, mode, 0)
}

fn whiteout(path: &str) -> LayerEntry {
    let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
    let marker = if parent.is_empty() { format!(".wh.{name}") } else { format!("{parent}/.wh.{name}") };
    entry(&marker, EntryKind::Whiteout(path.to_owned()), 0o644, 0)
}

fn opaque(dir_path: &str) -> LayerEntry {
    entry(&format!("{dir_path}/.wh..wh..opq"), EntryKind::Opaque(dir_path.to_owned()), 0o644, 0)
}

/// A config that passes every config check: non-root user, a healthcheck, nothing secret.
fn clean_config() -> Value {
    json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {"User": "10001", "Healthcheck": {"Test": ["CMD", "/app/health"]}},
        "rootfs": {"type": "layers", "diff_ids": []},
        "history": []
    })
}

/// An input: a config (patched into [`clean_config`]), history steps, layers and a reference.
#[derive(Default)]
struct Input {
    config: Option<Value>,
    history: Vec<&'static str>,
    layers: Vec<Vec<LayerEntry>>,
    reference: Option<&'static str>,
    /// `/etc/passwd`, `/etc/shadow`, `/etc/group` contents.
    accounts: [Option<&'static str>; 3],
}

fn config_of(input: &Input) -> ImageConfig {
    let mut doc = clean_config();
    if let Some(Value::Object(patch)) = &input.config {
        for (k, v) in patch {
            doc["config"][k] = v.clone();
        }
    }
    // One history step per layer first (so layer i is made by step i), then the given steps
    // as empty-layer steps unless they are RUN/ADD/COPY steps that need a layer.
    let mut history = Vec::new();
    let needs_layer = |s: &str| {
        let t = s.trim_start();
        !(t.starts_with("ENV ") || t.starts_with("LABEL ") || t.starts_with("ARG ") || t.contains("#(nop)  ENV"))
    };
    let layered: Vec<&&str> = input.history.iter().filter(|s| needs_layer(s)).collect();
    let extra_layers = input.layers.len().saturating_sub(layered.len());
    for _ in 0..extra_layers {
        history.push(json!({"created_by": "COPY rootfs/ / # buildkit"}));
    }
    for step in &input.history {
        history.push(json!({"created_by": step, "empty_layer": !needs_layer(step)}));
    }
    doc["history"] = Value::Array(history);
    let layer_count = extra_layers + layered.len();
    doc["rootfs"]["diff_ids"] =
        Value::Array((0..layer_count).map(|i| Value::String(format!("sha256:{:064x}", i))).collect());
    serde_json::from_value(doc).expect("test config")
}

fn run(input: &Input) -> Vec<Finding> {
    run_skipping(input, &[])
}

fn run_skipping(input: &Input, skip: &[&str]) -> Vec<Finding> {
    let config = config_of(input);
    let fs = MergedFs::build("test", input.layers.iter().map(Vec::as_slice)).expect("merged fs");
    let mut facts = ImageFacts::from_config(&config).with_layers(input.layers.iter().map(Vec::as_slice)).with_fs(&fs);
    if let Some(r) = input.reference {
        facts = facts.with_reference(r);
    }
    let [passwd, shadow, group] = input.accounts.map(|a| a.map(str::as_bytes));
    facts = facts.with_accounts(AccountFiles { passwd, shadow, group });
    check_image(&facts, skip)
}

struct Case {
    id: &'static str,
    what: &'static str,
    input: Input,
    fails: bool,
}

fn fail(id: &'static str, what: &'static str, input: Input) -> Case {
    Case { id, what, input, fails: true }
}

fn pass(id: &'static str, what: &'static str, input: Input) -> Case {
    Case { id, what, input, fails: false }
}

fn cfg(v: Value) -> Input {
    Input { config: Some(v), ..Input::default() }
}

fn hist(steps: &[&'static str]) -> Input {
    Input { history: steps.to_vec(), ..Input::default() }
}

fn layers(layers: Vec<Vec<LayerEntry>>) -> Input {
    Input { layers, ..Input::default() }
}

fn reference(r: &'static str) -> Input {
    Input { reference: Some(r), ..Input::default() }
}

fn accounts(passwd: Option<&'static str>, shadow: Option<&'static str>, group: Option<&'static str>) -> Input {
    Input { accounts: [passwd, shadow, group], ..Input::default() }
}

const PASSWD: &str =
    "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\napp:x:1000:1000::/app:/bin/sh\n";
const GROUP: &str = "root:x:0:\ndaemon:x:1:\napp:x:1000:\n";

fn cases() -> Vec<Case> {
    vec![
        // HG-IMG-001 img-user-root
        fail("HG-IMG-001", "no user", cfg(json!({"User": ""}))),
        fail("HG-IMG-001", "user root", cfg(json!({"User": "root"}))),
        fail("HG-IMG-001", "uid 0 with group", cfg(json!({"User": "0:1000"}))),
        pass("HG-IMG-001", "numeric non-root", cfg(json!({"User": "1000:1000"}))),
        pass("HG-IMG-001", "named non-root", cfg(json!({"User": "app"}))),
        // HG-IMG-002 img-healthcheck
        fail("HG-IMG-002", "no healthcheck", cfg(json!({"Healthcheck": null}))),
        fail("HG-IMG-002", "empty test", cfg(json!({"Healthcheck": {"Test": []}}))),
        pass(
            "HG-IMG-002",
            "CMD healthcheck",
            cfg(json!({"Healthcheck": {"Test": ["CMD-SHELL", "curl -f localhost"]}})),
        ),
        pass("HG-IMG-002", "explicit NONE", cfg(json!({"Healthcheck": {"Test": ["NONE"]}}))),
        // HG-IMG-003 img-update-alone
        fail("HG-IMG-003", "apt-get update alone", hist(&["RUN /bin/sh -c apt-get update # buildkit"])),
        fail("HG-IMG-003", "classic apk update", hist(&["/bin/sh -c set -e; apk update"])),
        fail("HG-IMG-003", "dnf makecache", hist(&["RUN /bin/sh -c dnf makecache # buildkit"])),
        pass(
            "HG-IMG-003",
            "update with install",
            hist(&[
                "RUN /bin/sh -c apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/* # buildkit",
            ]),
        ),
        pass("HG-IMG-003", "upgrade is not update", hist(&["RUN /bin/sh -c apk upgrade --no-cache # buildkit"])),
        // HG-IMG-004 img-setuid-setgid
        fail("HG-IMG-004", "setuid file", layers(vec![vec![file("usr/bin/tool", 0o4755)]])),
        fail("HG-IMG-004", "setgid file", layers(vec![vec![file("usr/bin/tool", 0o2755)]])),
        fail(
            "HG-IMG-004",
            "setuid file removed later",
            layers(vec![vec![file("opt/x", 0o4755)], vec![whiteout("opt/x")]]),
        ),
        pass("HG-IMG-004", "plain executable", layers(vec![vec![file("usr/bin/tool", 0o755)]])),
        pass("HG-IMG-004", "setgid directory", layers(vec![vec![dir("srv/shared", 0o2775)]])),
        // HG-IMG-005 img-add
        fail("HG-IMG-005", "ADD from URL", hist(&["ADD https://example.com/x.tar.gz /tmp/ # buildkit"])),
        fail("HG-IMG-005", "ADD local file", hist(&["ADD app.conf /etc/app/ # buildkit"])),
        fail("HG-IMG-005", "classic ADD into a directory", hist(&["/bin/sh -c #(nop) ADD file:abc123 in /app "])),
        pass("HG-IMG-005", "base filesystem at /", hist(&["/bin/sh -c #(nop) ADD file:abc123 in / "])),
        pass("HG-IMG-005", "local archive", hist(&["ADD rootfs.tar.xz / # buildkit"])),
        pass(
            "HG-IMG-005",
            "URL with checksum",
            hist(&["ADD --checksum=sha256:0123 https://example.com/x /x # buildkit"]),
        ),
        pass("HG-IMG-005", "COPY", hist(&["COPY app.conf /etc/app/ # buildkit"])),
        // HG-IMG-006 img-secrets
        fail("HG-IMG-006", "ENV password", cfg(json!({"Env": ["PATH=/bin", "DB_PASSWORD=correct-horse-battery"]}))),
        fail("HG-IMG-006", "label token", cfg(json!({"Labels": {"com.example.api-token": "tok_1234567890"}}))),
        fail(
            "HG-IMG-006",
            "history ENV",
            hist(&["ENV AWS_SECRET_ACCESS_KEY=abcdefghijklmnopqrstuvwxyz0123456789ABCD"]),
        ),
        fail(
            "HG-IMG-006",
            "history build arg",
            hist(&["RUN |1 GITHUB_TOKEN=ghp_abcdefghijklmnop /bin/sh -c make # buildkit"]),
        ),
        fail("HG-IMG-006", "history export", hist(&["RUN /bin/sh -c export API_KEY=abcdefghijkl && make # buildkit"])),
        fail("HG-IMG-006", "aws credentials file", layers(vec![vec![file("root/.aws/credentials", 0o600)]])),
        fail(
            "HG-IMG-006",
            "ssh private key removed later",
            layers(vec![vec![file("root/.ssh/id_rsa", 0o600)], vec![opaque("root/.ssh")]]),
        ),
        pass("HG-IMG-006", "empty secret variable", cfg(json!({"Env": ["DB_PASSWORD="]}))),
        pass("HG-IMG-006", "reference to a secret file", cfg(json!({"Env": ["DB_PASSWORD_FILE=/run/secrets/db"]}))),
        pass("HG-IMG-006", "variable reference", hist(&["ENV API_TOKEN=$API_TOKEN"])),
        pass("HG-IMG-006", "public key", layers(vec![vec![file("root/.ssh/id_rsa.pub", 0o644)]])),
        pass(
            "HG-IMG-006",
            "test key inside a package",
            layers(vec![vec![file("app/node_modules/x/test/server.key", 0o644)]]),
        ),
        pass("HG-IMG-006", "empty .env", layers(vec![vec![entry("app/.env", EntryKind::File, 0o644, 0)]])),
        // HG-IMG-007 img-sudo
        fail("HG-IMG-007", "sudo in RUN", hist(&["RUN /bin/sh -c sudo apt-get install -y curl # buildkit"])),
        pass("HG-IMG-007", "sudo as an argument", hist(&["RUN /bin/sh -c echo sudo is not used # buildkit"])),
        // HG-IMG-008 img-sensitive-volume
        fail("HG-IMG-008", "volume /etc", cfg(json!({"Volumes": {"/etc": {}}}))),
        fail("HG-IMG-008", "volume /proc/", cfg(json!({"Volumes": {"/proc/": {}}}))),
        fail("HG-IMG-008", "docker socket", cfg(json!({"Volumes": {"/var/run/docker.sock": {}}}))),
        pass("HG-IMG-008", "data volume", cfg(json!({"Volumes": {"/var/lib/app": {}}}))),
        pass("HG-IMG-008", "subdirectory of /etc", cfg(json!({"Volumes": {"/etc/app/conf.d": {}}}))),
        // HG-IMG-009 img-dist-upgrade
        fail(
            "HG-IMG-009",
            "apt-get dist-upgrade",
            hist(&["RUN /bin/sh -c apt-get update && apt-get -y dist-upgrade # buildkit"]),
        ),
        fail("HG-IMG-009", "apt full-upgrade", hist(&["/bin/sh -c apt full-upgrade -y"])),
        pass("HG-IMG-009", "apt-get upgrade", hist(&["RUN /bin/sh -c apt-get upgrade -y # buildkit"])),
        // HG-IMG-010 img-apk-cache
        fail("HG-IMG-010", "apk add keeps cache", hist(&["RUN /bin/sh -c apk add curl # buildkit"])),
        fail(
            "HG-IMG-010",
            "layer keeps apk cache",
            Input {
                history: vec!["RUN /bin/sh -c apk add --no-cache curl # buildkit"],
                layers: vec![vec![file("var/cache/apk/APKINDEX.abc.tar.gz", 0o644)]],
                ..Input::default()
            },
        ),
        pass("HG-IMG-010", "apk add --no-cache", hist(&["RUN /bin/sh -c apk add --no-cache curl # buildkit"])),
        pass(
            "HG-IMG-010",
            "cache removed",
            hist(&["RUN /bin/sh -c apk add curl && rm -rf /var/cache/apk/* # buildkit"]),
        ),
        // HG-IMG-011 img-apt-cache
        fail(
            "HG-IMG-011",
            "no clean-up",
            hist(&["RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit"]),
        ),
        fail(
            "HG-IMG-011",
            "layer keeps lists despite the text",
            Input {
                history: vec!["RUN /bin/sh -c apt-get install -y curl && rm -rf /var/lib/apt/lists/x # buildkit"],
                layers: vec![vec![file("var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease", 0o644)]],
                ..Input::default()
            },
        ),
        pass(
            "HG-IMG-011",
            "lists removed",
            hist(&[
                "RUN /bin/sh -c apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/* # buildkit",
            ]),
        ),
        pass("HG-IMG-011", "no install", hist(&["RUN /bin/sh -c apt-get purge -y curl # buildkit"])),
        // HG-IMG-012 img-latest-tag
        fail("HG-IMG-012", "latest reference", reference("registry.example/app:latest")),
        fail("HG-IMG-012", "untagged reference", reference("app")),
        fail(
            "HG-IMG-012",
            "latest base label",
            cfg(json!({"Labels": {"org.opencontainers.image.base.name": "docker.io/library/debian:latest"}})),
        ),
        pass("HG-IMG-012", "version tag", reference("registry.example:5000/app:1.4.2")),
        pass("HG-IMG-012", "digest", reference("app@sha256:0123456789abcdef")),
        pass(
            "HG-IMG-012",
            "pinned base label",
            cfg(json!({"Labels": {"org.opencontainers.image.base.name": "debian:bookworm"}})),
        ),
        // HG-IMG-013 img-unneeded-files
        fail(
            "HG-IMG-013",
            ".git directory",
            layers(vec![vec![dir("app/.git", 0o755), file("app/.git/config", 0o644)]]),
        ),
        fail("HG-IMG-013", ".DS_Store", layers(vec![vec![file("app/.DS_Store", 0o644)]])),
        fail(
            "HG-IMG-013",
            ".npmrc removed later",
            layers(vec![vec![file("app/.npmrc", 0o644)], vec![whiteout("app/.npmrc")]]),
        ),
        pass("HG-IMG-013", "inside node_modules", layers(vec![vec![file("app/node_modules/pkg/.npmrc", 0o644)]])),
        pass("HG-IMG-013", "gitignore", layers(vec![vec![file("app/.gitignore", 0o644)]])),
        // HG-IMG-014 img-empty-password
        fail(
            "HG-IMG-014",
            "empty password",
            accounts(None, Some("root:*:19000:0:99999:7:::\nguest::19000:0:99999:7:::\n"), None),
        ),
        pass(
            "HG-IMG-014",
            "locked and hashed",
            accounts(None, Some("root:*:19000::::::\napp:!:19000::::::\nops:$6$salt$hash:19000::::::\n"), None),
        ),
        pass("HG-IMG-014", "no shadow given", accounts(Some(PASSWD), None, Some(GROUP))),
        // HG-IMG-015 img-duplicate-uid-gid
        fail(
            "HG-IMG-015",
            "second uid 0",
            accounts(Some("root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\n"), None, None),
        ),
        fail("HG-IMG-015", "duplicate gid", accounts(None, None, Some("app:x:1000:\nweb:x:1000:\n"))),
        pass("HG-IMG-015", "distinct ids", accounts(Some(PASSWD), None, Some(GROUP))),
        pass(
            "HG-IMG-015",
            "comments and garbage",
            accounts(Some("# c\n+nis\nbroken\nx:x:notanumber:0\n\u{0}\u{ff}"), None, None),
        ),
        // HG-IMG-016 hg-img-expose-ssh
        fail("HG-IMG-016", "22/tcp", cfg(json!({"ExposedPorts": {"22/tcp": {}, "8080/tcp": {}}}))),
        pass("HG-IMG-016", "2222/tcp", cfg(json!({"ExposedPorts": {"2222/tcp": {}}}))),
        // HG-IMG-017 hg-img-sudo-binary
        fail(
            "HG-IMG-017",
            "sudo installed",
            layers(vec![vec![dir("usr", 0o755), dir("usr/bin", 0o755), file("usr/bin/sudo", 0o4755)]]),
        ),
        pass(
            "HG-IMG-017",
            "sudo removed",
            layers(vec![vec![file("usr/bin/sudo", 0o4755)], vec![whiteout("usr/bin/sudo")]]),
        ),
        pass("HG-IMG-017", "sudoers dir only", layers(vec![vec![dir("etc/sudoers.d", 0o755)]])),
        // HG-IMG-018 hg-img-world-writable
        fail("HG-IMG-018", "0777 directory", layers(vec![vec![dir("app/uploads", 0o777)]])),
        pass("HG-IMG-018", "sticky /tmp", layers(vec![vec![dir("tmp", 0o1777)]])),
        pass(
            "HG-IMG-018",
            "world-writable dir fixed later",
            layers(vec![vec![dir("data", 0o777)], vec![dir("data", 0o755)]]),
        ),
        // HG-IMG-019 hg-img-shadow-readable
        fail("HG-IMG-019", "shadow 0644", layers(vec![vec![file("etc/shadow", 0o644)]])),
        pass("HG-IMG-019", "shadow 0640", layers(vec![vec![file("etc/shadow", 0o640)]])),
        // HG-IMG-020 hg-img-package-cache
        fail(
            "HG-IMG-020",
            "pip cache",
            layers(vec![vec![file("root/.cache/pip/http/a", 0o644), file("root/.cache/pip/http/b", 0o644)]]),
        ),
        pass("HG-IMG-020", "no cache", layers(vec![vec![file("usr/local/lib/python3.11/site-packages/a.py", 0o644)]])),
    ]
}

#[test]
fn every_image_check_fails_and_passes_its_cases() {
    for case in cases() {
        let findings = run(&case.input);
        let hit = findings.iter().any(|f| f.id == case.id);
        assert_eq!(hit, case.fails, "{} {}: {findings:#?}", case.id, case.what);
    }
}

#[test]
fn every_registered_image_check_has_a_failing_and_a_passing_case() {
    let cases = cases();
    for meta in registry().iter().filter(|m| m.id.starts_with("HG-IMG-")) {
        assert!(cases.iter().any(|c| c.id == meta.id && c.fails), "{} has no failing case", meta.id);
        assert!(cases.iter().any(|c| c.id == meta.id && !c.fails), "{} has no passing case", meta.id);
    }
}

#[test]
fn clean_input_has_no_findings() {
    let input = Input {
        history: vec![
            "RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* # buildkit",
        ],
        layers: vec![vec![dir("tmp", 0o1777), file("etc/shadow", 0o640), file("usr/bin/app", 0o755)]],
        reference: Some("app:1.0"),
        ..Input::default()
    };
    assert_eq!(run(&input), Vec::new());
}

/// `(id, location)` of each finding.
fn keys(findings: &[Finding]) -> BTreeSet<(String, Location)> {
    findings.iter().map(|f| (f.id.clone(), f.location.clone())).collect()
}

fn field(f: &str) -> Location {
    Location::ConfigField { field: f.to_owned() }
}

fn at(layer: usize, path: &str) -> Location {
    Location::Image { layer: Some(layer), path: Some(path.to_owned()) }
}

#[test]
fn locations_evidence_and_redaction() {
    let input = Input {
        config: Some(json!({"User": "", "Env": ["DB_PASSWORD=correct-horse-battery"], "ExposedPorts": {"22/tcp": {}}})),
        history: vec!["ENV DB_PASSWORD=correct-horse-battery", "ADD https://example.com/x.tar.gz /tmp/ # buildkit"],
        layers: vec![vec![file("opt/x", 0o4755)], vec![file("tmp/x.tar.gz", 0o600)], vec![whiteout("opt/x")]],
        ..Input::default()
    };
    let findings = run(&input);
    // Layers 0 and 1 come from filler steps (history[0], [1]); the ENV is history[2] (no layer),
    // the ADD history[3], which made layer 2.
    let want: BTreeSet<(String, Location)> = [
        ("HG-IMG-001", field("config.User")),
        ("HG-IMG-006", field("config.Env[DB_PASSWORD]")),
        ("HG-IMG-006", field("history[2].created_by")),
        ("HG-IMG-005", field("history[3].created_by")),
        ("HG-IMG-016", field("config.ExposedPorts[22/tcp]")),
        ("HG-IMG-004", at(0, "/opt/x")),
    ]
    .into_iter()
    .map(|(id, l)| (id.to_owned(), l))
    .collect();
    assert_eq!(keys(&findings), want);
    for f in &findings {
        let evidence = f.evidence.as_deref().unwrap_or_default();
        assert!(!evidence.contains("correct-horse-battery"), "{evidence}");
        assert!(f.concept.is_some());
        // Like df-secrets: a check's finding (the secret scanner reports Secret findings).
        assert_eq!(f.kind, FindingKind::Misconfiguration, "{}", f.id);
    }
    let env = findings.iter().find(|f| f.location == field("config.Env[DB_PASSWORD]")).unwrap();
    assert_eq!(env.evidence.as_deref(), Some("DB_PASSWORD=corr*****"));
    let setuid = findings.iter().find(|f| f.id == "HG-IMG-004").unwrap();
    assert_eq!(
        setuid.evidence.as_deref(),
        Some("setuid mode 4755, owner 0:0; added in layer 0, removed in layer 2 (its bytes still ship in layer 0)")
    );
    let add = findings.iter().find(|f| f.id == "HG-IMG-005").unwrap();
    assert!(add.evidence.as_deref().unwrap().ends_with("(layer 2)"), "{:?}", add.evidence);
    // Sorted most severe first.
    assert_eq!(findings.first().map(|f| f.id.as_str()), Some("HG-IMG-006"));
}

#[test]
fn fates_of_files_in_lower_layers() {
    let input = layers(vec![
        vec![file("a/kept", 0o4755), file("a/replaced", 0o4755), file("b/hidden", 0o4755), file("c/gone", 0o2755)],
        vec![file("a/replaced", 0o755), opaque("b")],
        vec![whiteout("c")],
    ]);
    let findings = run(&input);
    let evidence = |path: &str| {
        findings.iter().find(|f| f.location == at(0, path)).and_then(|f| f.evidence.clone()).unwrap_or_default()
    };
    assert!(evidence("/a/kept").ends_with("added in layer 0, still in the final filesystem"));
    assert!(evidence("/a/replaced").ends_with("added in layer 0, replaced in layer 1"));
    assert!(evidence("/b/hidden").contains("removed in layer 1"));
    assert!(evidence("/c/gone").contains("setgid mode 2755") && evidence("/c/gone").contains("removed in layer 2"));
}

#[test]
fn skip_by_id_or_concept() {
    let input = cfg(json!({"User": "", "Healthcheck": null}));
    let all: Vec<String> = run(&input).into_iter().map(|f| f.id).collect();
    assert_eq!(all, ["HG-IMG-001", "HG-IMG-002"]);
    let left: Vec<String> =
        run_skipping(&input, &["HG-IMG-001", "img-healthcheck"]).into_iter().map(|f| f.id).collect();
    assert!(left.is_empty(), "{left:?}");
    // Owned strings work too.
    let config = config_of(&input);
    let skip = vec!["img-user-root".to_owned()];
    let ids: Vec<String> = check_image(&ImageFacts::from_config(&config), &skip).into_iter().map(|f| f.id).collect();
    assert_eq!(ids, ["HG-IMG-002"]);
}

#[test]
fn config_only_facts_fall_back_to_history_text() {
    let input = hist(&["RUN /bin/sh -c apk add curl # buildkit"]);
    let config = config_of(&input);
    let ids: Vec<String> =
        check_image(&ImageFacts::from_config(&config), &[] as &[&str]).into_iter().map(|f| f.id).collect();
    assert_eq!(ids, ["HG-IMG-010"]);
}

#[test]
fn hostile_history_and_config_do_not_panic() {
    let long = "a".repeat(1 << 20);
    let steps: Vec<String> = vec![
        "|999999999999 A=b".to_owned(),
        "|4294967295".to_owned(),
        "RUN [\"unterminated".to_owned(),
        "RUN [\"/bin/sh\", \"-c\"]".to_owned(),
        "/bin/sh -c #(nop)".to_owned(),
        "ADD".to_owned(),
        "ADD  in ".to_owned(),
        "ENV".to_owned(),
        "ENV =".to_owned(),
        "RUN /bin/sh -o".to_owned(),
        format!("RUN /bin/sh -c {long}"),
        "RUN /bin/sh -c 'unterminated \"quote".to_owned(),
        "\u{0}\u{feff}RUN sudo".to_owned(),
    ];
    let doc = json!({
        "config": {"User": "0:", "Env": ["=", "NOEQUALS", "TOKEN"], "ExposedPorts": {"/": {}, "-": {}, "22-": {}},
                   "Volumes": {"": {}}, "Labels": {"": ""}},
        "history": steps.iter().map(|s| json!({"created_by": s})).collect::<Vec<_>>(),
    });
    let config: ImageConfig = serde_json::from_value(doc).unwrap();
    let findings = check_image(&ImageFacts::from_config(&config).with_reference("@"), &[] as &[&str]);
    assert!(findings.iter().any(|f| f.id == "HG-IMG-001"));
    for f in &findings {
        assert!(f.evidence.as_deref().unwrap_or_default().chars().count() <= 201);
    }
}

#[test]
fn not_implemented_concepts_have_reasons() {
    for (concept, reason) in NOT_IMPLEMENTED {
        assert!(concept.starts_with("img-") && reason.len() > 20, "{concept}");
        assert!(registry().iter().all(|m| m.concept != *concept), "{concept} is implemented");
    }
}

// ---------------------------------------------------------------------------------------------
// Real images

fn shared() -> PathBuf {
    std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")), PathBuf::from)
}

fn truth(name: &str) -> Value {
    let path = shared().join("images").join(name);
    serde_json::from_slice(
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{} (set HULLGUARD_SHARED): {e}", path.display())),
    )
    .unwrap()
}

fn read(archive: &str, name: &str) -> ImageRead<Vec<LayerEntry>> {
    let spec = format!("oci-archive:{}:{name}", shared().join("images").join(archive).display());
    let source = SourceSpec::parse(&spec).unwrap().open(None, &Limits::default()).unwrap();
    read_image(source.as_ref(), &ReadOptions::default(), Listing::default).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

fn read_facts(archive: &str, name: &str) -> ImageRead<LayerListing> {
    let spec = format!("oci-archive:{}:{name}", shared().join("images").join(archive).display());
    let source = SourceSpec::parse(&spec).unwrap().open(None, &Limits::default()).unwrap();
    read_image(source.as_ref(), &ReadOptions::default(), FactsVisitor::default)
        .unwrap_or_else(|e| panic!("{spec}: {e}"))
}

/// Reads with [`FactsVisitor`] (entries and account files) and runs every check.
fn scan(archive: &str, name: &'static str) -> Vec<Finding> {
    let read = read_facts(archive, name);
    let fs = MergedFs::build(name, read.layers.iter().map(|l| l.output.entries.as_slice())).unwrap();
    let facts = ImageFacts::from_listing(&read, &fs).with_reference(name);
    // The account files of the final filesystem were found and checked.
    if name.starts_with("debian-base") || name.starts_with("app-mixed") {
        assert!(facts.accounts.passwd.is_some_and(|p| p.starts_with(b"root:x:0:0:")), "{name}");
        assert!(facts.accounts.shadow.is_some() && facts.accounts.group.is_some(), "{name}");
    }
    check_image(&facts, &[] as &[&str])
}

#[test]
fn listing_and_facts_visitor_agree_without_account_files() {
    let name = "app-mixed:latest";
    let plain = read("bookworm-images.oci.tar", name);
    let fs = MergedFs::build(name, plain.layers.iter().map(|l| l.output.as_slice())).unwrap();
    let from_read = check_image(&ImageFacts::from_read(&plain, &fs).with_reference(name), &[] as &[&str]);
    assert_eq!(from_read, scan("bookworm-images.oci.tar", name));
}

/// The setuid/setgid programs of Debian bookworm's minbase (login, passwd, mount, util-linux,
/// libpam-modules-bin): all in layer 0 of debian-base and of app-mixed.
const DEBIAN_SETUID: &[&str] = &[
    "/usr/bin/chage",
    "/usr/bin/chfn",
    "/usr/bin/chsh",
    "/usr/bin/expiry",
    "/usr/bin/gpasswd",
    "/usr/bin/mount",
    "/usr/bin/newgrp",
    "/usr/bin/passwd",
    "/usr/bin/su",
    "/usr/bin/umount",
    "/usr/sbin/unix_chkpwd",
];

fn debian_setuid() -> impl Iterator<Item = (String, Location)> {
    DEBIAN_SETUID.iter().map(|p| ("HG-IMG-004".to_owned(), at(0, p)))
}

fn set(items: &[(&str, Location)]) -> BTreeSet<(String, Location)> {
    items.iter().map(|(id, l)| ((*id).to_owned(), l.clone())).collect()
}

fn the_image() -> Location {
    Location::Image { layer: None, path: None }
}

#[test]
fn debian_base_exact_findings() {
    let t = truth("debian-base.truth.json");
    assert_eq!(t["config"]["user"], "");
    assert!(t["config"]["healthcheck"].is_null());
    let findings = scan("bookworm-images.oci.tar", "debian-base:latest");
    let mut want = set(&[
        ("HG-IMG-001", field("config.User")),
        ("HG-IMG-002", field("config.Healthcheck")),
        ("HG-IMG-012", the_image()),
    ]);
    want.extend(debian_setuid());
    assert_eq!(keys(&findings), want, "{findings:#?}");
    // The base layer's `ADD file:… in /` is not an ADD finding, /tmp is sticky, /etc/shadow is
    // 0640, no apt lists are left: none of those appear above.
}

#[test]
fn app_mixed_matches_config_facts_and_secrets() {
    let t = truth("app-mixed.truth.json");
    let facts = &t["config_facts"];
    let findings = scan("bookworm-images.oci.tar", "app-mixed:latest");
    let got = keys(&findings);

    assert_eq!(facts["runs_as_root"], true);
    assert!(got.contains(&("HG-IMG-001".to_owned(), field("config.User"))));
    assert_eq!(facts["healthcheck"], false);
    assert!(got.contains(&("HG-IMG-002".to_owned(), field("config.Healthcheck"))));
    // Exposed ports: only 22 is a finding.
    let ports: Vec<&str> = facts["exposed_ports"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for port in &ports {
        let key = ("HG-IMG-016".to_owned(), field(&format!("config.ExposedPorts[{port}]")));
        assert_eq!(got.contains(&key), port.starts_with("22/"), "{port}");
    }
    // ADD from a URL: the truth's history index, and the layer it made.
    let add = &facts["add_from_url"];
    let add_field = field(&format!("history[{}].created_by", add["history_index"]));
    let add_finding = findings.iter().find(|f| f.id == "HG-IMG-005" && f.location == add_field).expect("ADD finding");
    assert!(add_finding.evidence.as_deref().unwrap().ends_with(&format!("(layer {})", add["layer"])));
    // apt-get install without clean-up.
    let apt =
        field(&format!("history[{}].created_by", facts["apt_get_install_without_cleanup_or_pinning"]["history_index"]));
    assert!(got.contains(&("HG-IMG-011".to_owned(), apt.clone())));
    // Every planted secret in config.Env and history, redacted.
    let mut secret_locations = Vec::new();
    for s in t["secrets"].as_array().unwrap() {
        let value = s["value"].as_str().unwrap();
        let location = match s["where"].as_str().unwrap() {
            "config.Env" => field(&format!("config.Env[{}]", s["key"].as_str().unwrap())),
            "history" => field(&format!("history[{}].created_by", s["history_index"])),
            other => panic!("unexpected secret place {other}"),
        };
        let f = findings.iter().find(|f| f.id == "HG-IMG-006" && f.location == location).expect("secret finding");
        let evidence = f.evidence.as_deref().unwrap();
        assert!(evidence.contains(&hullguard_secrets::mask_value(value)) && !evidence.contains(value), "{evidence}");
        secret_locations.push(location);
    }
    // Nothing else: the exact list.
    let mut want = set(&[
        ("HG-IMG-001", field("config.User")),
        ("HG-IMG-002", field("config.Healthcheck")),
        ("HG-IMG-005", add_field),
        ("HG-IMG-011", apt),
        ("HG-IMG-012", the_image()),
        ("HG-IMG-016", field("config.ExposedPorts[22/tcp]")),
    ]);
    want.extend(secret_locations.into_iter().map(|l| ("HG-IMG-006".to_owned(), l)));
    want.extend(debian_setuid());
    assert_eq!(got, want, "{findings:#?}");
    // No finding ever shows a full secret value.
    for f in &findings {
        assert!(!f.evidence.as_deref().unwrap_or_default().contains("yytVNcaKQUY6vCPe6fSt"), "{f:?}");
    }
}

#[test]
fn app_mixed_config_only_keeps_config_and_history_findings() {
    let read = read("bookworm-images.oci.tar", "app-mixed:latest");
    let findings = check_image(&ImageFacts::from_meta(&read.meta), &[] as &[&str]);
    let ids: BTreeSet<&str> = findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        BTreeSet::from(["HG-IMG-001", "HG-IMG-002", "HG-IMG-005", "HG-IMG-006", "HG-IMG-011", "HG-IMG-016"])
    );
}

#[test]
fn secrets_layers_matches_files_of_interest() {
    let t = truth("secrets-layers.truth.json");
    let findings = scan("secrets-layers.oci.tar", "secrets-layers:latest");
    let got = keys(&findings);
    let evidence = |id: &str, loc: &Location| {
        findings.iter().find(|f| f.id == id && &f.location == loc).and_then(|f| f.evidence.clone()).unwrap_or_default()
    };
    // User 1000:1000 and a healthcheck: no 001/002.
    assert_eq!(t["config"]["user"], "1000:1000");
    assert!(!got.iter().any(|(id, _)| id == "HG-IMG-001" || id == "HG-IMG-002"));
    // files_of_interest: the setuid file and the world-writable directory, at their layers.
    let mut want = set(&[("HG-IMG-012", the_image())]);
    for f in t["files_of_interest"].as_array().unwrap() {
        let layer = usize::try_from(f["layer"].as_u64().unwrap()).unwrap();
        let path = f["path"].as_str().unwrap();
        match f["finding"].as_str() {
            Some("setuid root") => {
                want.insert(("HG-IMG-004".to_owned(), at(layer, path)));
                assert!(
                    evidence("HG-IMG-004", &at(layer, path)).contains(&format!("mode {}", f["mode"].as_str().unwrap()))
                );
            }
            Some(w) if w.starts_with("world-writable directory") => {
                want.insert(("HG-IMG-018".to_owned(), at(layer, path)));
            }
            _ => {}
        }
    }
    // Credential files by name, in every layer, with their fate: the .env removed in layer 1
    // and the AWS credentials still present (contents are the secret scanner's job).
    for s in t["secrets"].as_array().unwrap() {
        let path = s["path"].as_str().unwrap();
        if path.ends_with(".npmrc") {
            continue;
        }
        let loc = at(usize::try_from(s["layer"].as_u64().unwrap()).unwrap(), path);
        want.insert(("HG-IMG-006".to_owned(), loc.clone()));
        let e = evidence("HG-IMG-006", &loc);
        if s["visible_in_final_fs"] == true {
            assert!(e.ends_with("still in the final filesystem"), "{e}");
        } else {
            assert!(e.contains(&format!("removed in layer {}", s["removed_in_layer"])), "{e}");
        }
    }
    // The .npmrc hidden by an opaque directory in layer 1 is an unneeded file of layer 0.
    want.insert(("HG-IMG-013".to_owned(), at(0, "/app/build/.npmrc")));
    assert!(evidence("HG-IMG-013", &at(0, "/app/build/.npmrc")).contains("removed in layer 1"));
    assert_eq!(got, want, "{findings:#?}");
}
