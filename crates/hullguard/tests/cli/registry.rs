//! Images pulled from a real registry: Debian's `docker-registry` (distribution 2.8) started on
//! 127.0.0.1 with a free port and its own storage, images pushed with `skopeo copy`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Layer, OciArchive, RawEntry, Scratch, image, required};

/// A registry process, killed when dropped (also when the test fails).
pub(crate) struct Registry {
    child: Child,
    pub(crate) host: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// Start one, with htpasswd basic auth for the one `user` (name, password) when given,
    /// serving TLS with `tls`'s certificate and key. `None` when the tools are missing outside CI.
    pub(crate) fn start(user: Option<(&str, &str)>, tls: Option<(&Path, &Path)>) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let auth = match user {
            Some((name, password)) => {
                if !required("htpasswd") {
                    return None;
                }
                let line = Command::new("htpasswd").args(["-Bbn", name, password]).output().unwrap();
                assert!(line.status.success(), "{}", String::from_utf8_lossy(&line.stderr));
                std::fs::write(dir.path().join("htpasswd"), line.stdout).unwrap();
                format!(
                    "auth:\n  htpasswd:\n    realm: test-realm\n    path: {}\n",
                    dir.path().join("htpasswd").display()
                )
            }
            None => String::new(),
        };
        Self::start_with(dir, &auth, tls)
    }

    /// Start one in `dir` with `auth` (the config's `auth:` section, YAML) and `tls`.
    pub(crate) fn start_with(dir: tempfile::TempDir, auth: &str, tls: Option<(&Path, &Path)>) -> Option<Self> {
        if !required("docker-registry") || !required("skopeo") {
            return None;
        }
        let tls = match tls {
            Some((cert, key)) => format!("  tls:\n    certificate: {}\n    key: {}\n", cert.display(), key.display()),
            None => String::new(),
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let host = format!("127.0.0.1:{port}");
        let config = format!(
            "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {host}\n{tls}{auth}",
            dir.path().join("store").display()
        );
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        let log = dir.path().join("registry.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        let registry = Registry { child, host, log, _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&registry.host).is_err() {
            assert!(Instant::now() < deadline, "the registry did not start: {}", registry.log_text());
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(registry)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `skopeo copy SRC docker://HOST/DEST` (plain HTTP), with extra skopeo arguments.
    pub(crate) fn push(&self, src: &str, dest: &str, extra: &[&str]) {
        let out = Command::new("skopeo")
            .args(["copy", "-q", "--dest-tls-verify=false"])
            .args(extra)
            .arg(src)
            .arg(format!("docker://{}/{dest}", self.host))
            .output()
            .unwrap();
        assert!(out.status.success(), "skopeo copy {src}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// The manifest digest of `reference` (`repo:tag`), as `skopeo inspect` reads it.
    pub(crate) fn digest(&self, reference: &str) -> String {
        let out = Command::new("skopeo")
            .args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}"])
            .arg(format!("docker://{}/{reference}", self.host))
            .output()
            .unwrap();
        assert!(out.status.success(), "skopeo inspect {reference}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// `GET /v2/<repo>/manifests/<reference>` (plain HTTP) as JSON: what a test reads beside
    /// hullguard.
    pub(crate) fn manifest(&self, repo: &str, reference: &str) -> Value {
        let accept = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json";
        let url = format!("http://{}/v2/{repo}/manifests/{reference}", self.host);
        let response = reqwest::blocking::Client::new().get(&url).header("Accept", accept).send().unwrap();
        assert!(response.status().is_success(), "GET {url}: {}", response.status());
        serde_json::from_slice(&response.bytes().unwrap()).unwrap()
    }

    /// `GET /v2/<repo>/blobs/<digest>`.
    pub(crate) fn blob(&self, repo: &str, digest: &str) -> Vec<u8> {
        let url = format!("http://{}/v2/{repo}/blobs/{digest}", self.host);
        let response = reqwest::blocking::get(&url).unwrap();
        assert!(response.status().is_success(), "GET {url}: {}", response.status());
        response.bytes().unwrap().to_vec()
    }

    /// Upload a blob (`POST`, then a monolithic `PUT`); returns its digest: what a test plants.
    pub(crate) fn put_blob(&self, repo: &str, bytes: &[u8]) -> String {
        let http = reqwest::blocking::Client::new();
        let digest = format!("sha256:{}", crate::support::sha256(bytes));
        let opened = http.post(format!("http://{}/v2/{repo}/blobs/uploads/", self.host)).send().unwrap();
        let location = opened.headers()["location"].to_str().unwrap().to_string();
        let url = if location.starts_with('/') { format!("http://{}{location}", self.host) } else { location };
        let separator = if url.contains('?') { '&' } else { '?' };
        let put = http.put(format!("{url}{separator}digest={digest}")).body(bytes.to_vec()).send().unwrap();
        assert!(put.status().is_success(), "blob upload: {}", put.status());
        digest
    }

    /// Store `manifest` with `media_type` under `tag`, else under its digest; returns its digest.
    pub(crate) fn put_manifest(&self, repo: &str, tag: Option<&str>, media_type: &str, manifest: &Value) -> String {
        let bytes = serde_json::to_vec(manifest).unwrap();
        let digest = format!("sha256:{}", crate::support::sha256(&bytes));
        let url = format!("http://{}/v2/{repo}/manifests/{}", self.host, tag.unwrap_or(&digest));
        let put = reqwest::blocking::Client::new()
            .put(&url)
            .header("Content-Type", media_type)
            .body(bytes.clone())
            .send()
            .unwrap();
        assert!(put.status().is_success(), "PUT {url}: {}", put.status());
        digest
    }

    /// Blob downloads the registry has answered so far (its access log).
    fn blob_gets(&self) -> usize {
        self.log_text().lines().filter(|l| l.contains("\"GET /v2/") && l.contains("/blobs/sha256:")).count()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(args: &[&str], stdin: Option<&str>, env: &[(&str, &Path)]) -> Output {
    let mut cmd = assert_cmd::Command::cargo_bin("hullguard").unwrap();
    cmd.args(args).env("HULLGUARD_LOG", "info").env("DOCKER_CONFIG", "/nonexistent");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.write_stdin(stdin.unwrap_or("")).output().unwrap()
}

fn json_of(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The report with the source's own name (`registry:…` / `oci-archive:…`) replaced.
fn without_names(report: &str, names: &[&str]) -> Value {
    let mut text = report.to_string();
    for n in names {
        text = text.replace(n, "IMAGE");
    }
    serde_json::from_str(&text).unwrap()
}

/// Equal reports, else a panic naming the top-level keys that differ (not two whole reports).
fn assert_same(a: &Value, b: &Value) {
    if a != b {
        let keys: Vec<String> = a
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, v)| b.get(k.as_str()) != Some(v))
            .map(|(k, v)| format!("{k}: {} vs {}", trim(v), b.get(k.as_str()).map_or("-".into(), trim)))
            .collect();
        panic!("reports differ: {keys:#?}");
    }
}

fn trim(v: &Value) -> String {
    v.to_string().chars().take(400).collect()
}

#[test]
fn registry_image_equals_the_archive_and_shares_the_layer_cache() {
    let Some(registry) = Registry::start(None, None) else { return };
    let bundle = image("bookworm-images.oci.tar");
    registry.push(&format!("oci-archive:{bundle}:debian-base:latest"), "debian-base:12", &[]);
    registry.push(&format!("oci-archive:{bundle}:app-mixed:latest"), "app-mixed:latest", &[]);
    let app = format!("{}/app-mixed:latest", registry.host);
    let archive = format!("oci-archive:{bundle}:app-mixed:latest");
    let names = [format!("registry:{app}"), app.clone(), archive.clone(), "app-mixed:latest".to_string()];
    let names: Vec<&str> = names.iter().map(String::as_str).collect();

    // Same inventory, byte for byte but the name, and the same findings of every scanner.
    let from_registry = run(&["inventory", "--insecure", &app, "--no-cache", "-f", "json", "-q"], None, &[]);
    let from_archive = run(&["inventory", &archive, "--no-cache", "-f", "json", "-q"], None, &[]);
    assert_same(
        &without_names(&json_of(&from_registry).to_string(), &names),
        &without_names(&json_of(&from_archive).to_string(), &names),
    );
    let db = crate::scan::db().to_str().unwrap().to_owned();
    let scan = |target: &str, insecure: bool| {
        let mut args = vec!["image", "--no-cache", "--db", &db, "-f", "json", "--scanners", "vuln,misconfig,secret"];
        if insecure {
            args.push("--insecure");
        }
        args.push(target);
        let out = run(&args, None, &[]);
        assert!(out.status.code() == Some(0) || out.status.code() == Some(1), "{}", stderr(&out));
        let mut report: Value = serde_json::from_slice(&out.stdout).unwrap();
        for key in ["created_at", "started_at", "finished_at", "scan_started", "scan_finished"] {
            report.as_object_mut().unwrap().remove(key);
        }
        without_names(&report.to_string(), &names)
    };
    let (registry_scan, archive_scan) = (scan(&app, true), scan(&archive, false));
    assert!(registry_scan["findings"].as_array().unwrap().len() > 20, "{registry_scan}");
    assert_same(&registry_scan, &archive_scan);

    // The layer cache: the base image's one layer is not downloaded again for the app image.
    let scratch = Scratch::new();
    let cache = scratch.path("cache").display().to_string();
    let gets = registry.blob_gets();
    let out = run(
        &["inventory", "--insecure", &format!("{}/debian-base:12", registry.host), "--cache-dir", &cache, "-q"],
        None,
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(registry.blob_gets() - gets, 2, "config + 1 layer");
    let gets = registry.blob_gets();
    let out = run(&["inventory", "--insecure", &app, "--cache-dir", &cache, "-f", "json", "-q"], None, &[]);
    assert!(stderr(&out).contains("layer cache: 1 of 10 layers reused"), "{}", stderr(&out));
    assert_eq!(registry.blob_gets() - gets, 1 + 9, "config + the 9 layers the base does not have");
    // A cached layer gives the same inventory.
    assert_same(
        &without_names(&json_of(&out).to_string(), &names),
        &without_names(&json_of(&from_archive).to_string(), &names),
    );
    let gets = registry.blob_gets();
    let out = run(&["inventory", "--insecure", &app, "--cache-dir", &cache, "-q"], None, &[]);
    assert!(stderr(&out).contains("layer cache: 10 of 10 layers reused"), "{}", stderr(&out));
    assert_eq!(registry.blob_gets() - gets, 1, "only the config");

    // By digest, verified; a tag that is not there; plain HTTP needs --insecure, and only to loopback.
    let digest = json_of(&run(&["inspect", "--insecure", &app, "-f", "json", "-q"], None, &[]))["manifest_digest"]
        .as_str()
        .unwrap()
        .to_string();
    let pinned = format!("registry:{}/app-mixed@{digest}", registry.host);
    assert_eq!(
        json_of(&run(&["inspect", "--insecure", &pinned, "-f", "json", "-q"], None, &[]))["manifest_digest"],
        digest
    );
    let wrong = format!("registry:{}/debian-base@{digest}", registry.host);
    let out = run(&["inspect", "--insecure", &wrong, "-q"], None, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("404 Not Found (MANIFEST_UNKNOWN"), "{}", stderr(&out));
    let out = run(&["inspect", "--insecure", &format!("{}/app-mixed:2", registry.host), "-q"], None, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "hullguard: {}/app-mixed: manifest 2: registry answered 404 Not Found (MANIFEST_UNKNOWN: manifest unknown)",
            registry.host
        )
    );
    let out = run(&["inspect", &app, "-q"], None, &[]);
    assert_eq!(out.status.code(), Some(2), "https to a plain-HTTP registry fails");
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "hullguard: {}/app-mixed: manifest latest: the registry does not speak TLS (a plain-HTTP registry on this machine? add --insecure)",
            registry.host
        )
    );
    let out = run(&["inspect", "--insecure", "registry:example.com/app", "-q"], None, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--insecure (plain HTTP) is allowed only for a registry on this machine"),
        "{}",
        stderr(&out)
    );
}

/// A two-platform index (amd64, arm64) made in the test, pushed with `skopeo copy --all`.
#[test]
fn index_resolved_by_platform() {
    let Some(registry) = Registry::start(None, None) else { return };
    let scratch = Scratch::new();
    let mut layout =
        OciArchive::new(vec![Layer::gzip(&[RawEntry::dir("etc/"), RawEntry::file("etc/arch", b"amd64\n")])]);
    let amd_config = serde_json::to_vec(&layout.config).unwrap();
    let (amd_config_digest, amd_config_size) = layout.add_blob(amd_config);
    layout.manifest["config"] = json!({"mediaType": "application/vnd.oci.image.config.v1+json", "digest": amd_config_digest, "size": amd_config_size});
    let (amd, amd_size) = layout.add_blob(serde_json::to_vec(&layout.manifest).unwrap());
    let arm_layer = Layer::gzip(&[RawEntry::dir("etc/"), RawEntry::file("etc/arch", b"arm64\n")]);
    let (arm_layer_digest, arm_layer_size) = layout.add_blob(arm_layer.blob.clone());
    let mut arm_config = layout.config.clone();
    arm_config["architecture"] = json!("arm64");
    arm_config["variant"] = json!("v8");
    arm_config["rootfs"]["diff_ids"] = json!([arm_layer.diff_id]);
    let (arm_config_digest, arm_config_size) = layout.add_blob(serde_json::to_vec(&arm_config).unwrap());
    let arm_manifest = json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": arm_config_digest, "size": arm_config_size},
        "layers": [{"mediaType": arm_layer.media_type, "digest": arm_layer_digest, "size": arm_layer_size}],
    });
    let (arm, arm_size) = layout.add_blob(serde_json::to_vec(&arm_manifest).unwrap());
    let index = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": amd, "size": amd_size, "platform": {"os": "linux", "architecture": "amd64"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": arm, "size": arm_size, "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
    ]});
    let (index_digest, index_size) = layout.add_blob(serde_json::to_vec(&index).unwrap());
    layout.index = json!({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": index_digest, "size": index_size, "annotations": {"org.opencontainers.image.ref.name": "multi"}}]});
    let archive = layout.write(&scratch.path("multi.tar"));
    registry.push(&format!("oci-archive:{}:multi", archive.display()), "multi:1", &["--all"]);
    let multi = format!("{}/multi:1", registry.host);
    let arch_of = |platform: &[&str]| {
        let mut args = vec!["inspect", "--insecure", &multi, "-f", "json", "-q"];
        args.extend_from_slice(platform);
        let report = json_of(&run(&args, None, &[]));
        (report["platform"].as_str().unwrap().to_string(), report["manifest_digest"].as_str().unwrap().to_string())
    };
    assert_eq!(arch_of(&[]), ("linux/amd64".to_string(), amd.clone()), "the host's platform by default");
    assert_eq!(arch_of(&["--platform", "linux/amd64"]), ("linux/amd64".to_string(), amd));
    assert_eq!(arch_of(&["--platform", "linux/arm64"]), ("linux/arm64/v8".to_string(), arm.clone()));
    assert_eq!(arch_of(&["--platform", "linux/arm64/v8"]), ("linux/arm64/v8".to_string(), arm));
    let files = json_of(&run(
        &["inspect", "--insecure", &multi, "--files", "--platform", "linux/arm64", "-f", "json", "-q"],
        None,
        &[],
    ));
    assert!(files.to_string().contains("etc/arch"), "{files}");
    let out = run(&["inspect", "--insecure", &multi, "--platform", "linux/s390x", "-q"], None, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "hullguard: {}/multi:1: manifest 1: no image for platform linux/s390x; available: linux/amd64, linux/arm64/v8",
            registry.host
        )
    );
}

/// htpasswd basic auth: the right password from stdin or the Docker config works; a wrong one,
/// or none, is exit 2 with one clear line.
#[test]
fn basic_auth_from_stdin_or_docker_config() {
    let Some(registry) = Registry::start(Some(("alice", "s3cret")), None) else { return };
    let secrets = image("secrets-layers.oci.tar");
    registry.push(&format!("oci-archive:{secrets}:latest"), "private/app:1", &["--dest-creds", "alice:s3cret"]);
    let private = format!("{}/private/app:1", registry.host);
    let base = ["inspect", "--insecure", private.as_str(), "-f", "json", "-q"];
    let with_user = [&base[..], &["--username", "alice", "--password-stdin"]].concat();
    let ok = json_of(&run(&with_user, Some("s3cret\n"), &[]));
    assert_eq!(ok["platform"], "linux/amd64");

    let out = run(&with_user, Some("wrong\n"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "hullguard: {}/private/app: manifest 1: authentication failed as \"alice\": 401 Unauthorized",
            registry.host
        )
    );
    let out = run(&base, None, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).trim().lines().count(), 1);
    assert!(stderr(&out).contains("authentication failed anonymously (no credentials"), "{}", stderr(&out));

    // `auths` of the Docker config (base64 user:password), as `docker login` writes it.
    let scratch = Scratch::new();
    let config_dir = scratch.path("docker");
    std::fs::create_dir(&config_dir).unwrap();
    let mut file = std::fs::File::create(config_dir.join("config.json")).unwrap();
    let auth = base64_encode(b"alice:s3cret");
    write!(file, r#"{{"auths":{{"http://{}":{{"auth":"{auth}"}}}}}}"#, registry.host).unwrap();
    drop(file);
    let out = run(&base, None, &[("DOCKER_CONFIG", &config_dir)]);
    assert_eq!(json_of(&out)["platform"], "linux/amd64");

    // A `credHelpers` entry wins over `auths`: `docker-credential-NAME get`, the server on stdin.
    let bin = scratch.path("bin");
    std::fs::create_dir(&bin).unwrap();
    let asked = scratch.path("asked");
    let helper = bin.join("docker-credential-hgtest");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 3\ncat > {}\nprintf '{{\"Username\":\"alice\",\"Secret\":\"%s\"}}' \"$HG_SECRET\"\n",
            asked.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let config =
        format!(r#"{{"auths":{{"{0}":{{"auth":"{auth}"}}}},"credHelpers":{{"{0}":"hgtest"}}}}"#, registry.host);
    std::fs::write(config_dir.join("config.json"), config).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let with_helper = |secret: &str| {
        let mut cmd = assert_cmd::Command::cargo_bin("hullguard").unwrap();
        cmd.args(base).env("DOCKER_CONFIG", &config_dir).env("PATH", &path).env("HG_SECRET", secret).output().unwrap()
    };
    assert_eq!(json_of(&with_helper("s3cret"))["platform"], "linux/amd64");
    assert_eq!(std::fs::read_to_string(&asked).unwrap(), registry.host);
    let out = with_helper("wrong");
    assert_eq!(out.status.code(), Some(2), "the helper's answer is used, not `auths`");
    assert!(stderr(&out).contains("authentication failed as \"alice\""), "{}", stderr(&out));
}

/// TLS with a CA made in the test (openssl): trusted with --ca-file, refused without it.
#[test]
fn tls_with_a_private_ca() {
    if !required("openssl") {
        return;
    }
    let scratch = Scratch::new();
    let p = |name: &str| scratch.path(name).display().to_string();
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl").args(args).output().unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &["-keyout", &p("ca.key"), "-out", &p("ca.pem"), "-days", "2", "-subj", "/CN=hullguard test CA"],
        ]
        .concat(),
    );
    openssl(
        &[&["req"][..], &ec, &["-keyout", &p("server.key"), "-out", &p("server.csr"), "-subj", "/CN=127.0.0.1"]]
            .concat(),
    );
    std::fs::write(
        scratch.path("ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        &p("server.csr"),
        "-CA",
        &p("ca.pem"),
        "-CAkey",
        &p("ca.key"),
        "-CAcreateserial",
        "-out",
        &p("server.pem"),
        "-days",
        "2",
        "-extfile",
        &p("ext"),
    ]);
    let Some(registry) = Registry::start(None, Some((&scratch.path("server.pem"), &scratch.path("server.key")))) else {
        return;
    };
    registry.push(&format!("oci-archive:{}:latest", image("secrets-layers.oci.tar")), "secrets:1", &[]);
    let reference = format!("{}/secrets:1", registry.host);
    let trusted = run(&["inspect", &reference, "--ca-file", &p("ca.pem"), "-f", "json", "-q"], None, &[]);
    assert_eq!(json_of(&trusted)["platform"], "linux/amd64");
    let untrusted = run(&["inspect", &reference, "-q"], None, &[]);
    assert_eq!(untrusted.status.code(), Some(2));
    assert_eq!(stderr(&untrusted).trim().lines().count(), 1, "{}", stderr(&untrusted));
    assert_eq!(
        stderr(&untrusted).trim(),
        format!("hullguard: {reference}: manifest 1: TLS: invalid peer certificate: UnknownIssuer (a private CA? --ca-file FILE)")
            .replace("/secrets:1:", "/secrets:")
    );
    let not_pem = run(&["inspect", &reference, "--ca-file", &p("ext"), "-q"], None, &[]);
    assert_eq!(stderr(&not_pem).trim(), format!("hullguard: {}: no PEM certificate in the file", p("ext")));
}

/// Standard base64 (the test's own, so it does not share the code under test).
fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `registry scan`: the catalog of a real registry, tags filtered by glob or `--latest`, one
/// scan per distinct digest (tags sharing it listed together), signature tags skipped, the
/// `--max-images` cap said, and an unreachable registry one line with exit 2.
#[test]
fn registry_scan_scans_each_digest_once() {
    let Some(registry) = Registry::start(None, None) else { return };
    let archive = image("bookworm-images.docker.tar");
    let (base, mixed) =
        (format!("docker-archive:{archive}:debian-base:latest"), format!("docker-archive:{archive}:app-mixed:latest"));
    for (src, dest) in [
        (&base, "app/base:1.0"),
        (&mixed, "app/mixed:1.2"),
        (&base, "app/mixed:1.10"),
        (&mixed, "app/mixed:latest"),
        (&base, "other/x:2"),
    ] {
        registry.push(src, dest, &[]);
    }
    let host = registry.host.clone();
    let digest_of = |reference: &str| -> String {
        let out = run(&["inspect", "--insecure", &format!("{host}/{reference}"), "-f", "json", "-q"], None, &[]);
        json_of(&out)["manifest_digest"].as_str().unwrap().to_string()
    };
    let (base_digest, mixed_digest) = (digest_of("app/base:1.0"), digest_of("app/mixed:1.2"));
    // A cosign-style signature tag: not an image to scan.
    registry.push(&base, &format!("app/base:sha256-{}.sig", base_digest.trim_start_matches("sha256:")), &[]);
    let db = crate::scan::db().to_str().unwrap().to_owned();
    let scan = |extra: &[&str]| -> (Vec<(String, Vec<String>)>, String) {
        let mut args = vec!["registry", "scan", "--insecure", "--db", &db, "-f", "json", "-q"];
        args.extend_from_slice(extra);
        let out = run(&args, None, &[]);
        let images = json_of(&out)["images"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                assert_eq!(i["report"]["findings"].as_array().map(Vec::is_empty), Some(false), "scanned: {i}");
                let tags = i["tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()).collect();
                (i["digest"].as_str().unwrap().to_string(), tags)
            })
            .collect();
        (images, stderr(&out))
    };
    let tags = |names: &[&str]| -> Vec<String> { names.iter().map(|n| format!("{host}/{n}")).collect() };
    let (all, _) = scan(&[&host]);
    assert_eq!(
        all,
        [
            (base_digest.clone(), tags(&["app/base:1.0", "app/mixed:1.10", "other/x:2"])),
            (mixed_digest.clone(), tags(&["app/mixed:latest", "app/mixed:1.2"])),
        ]
    );
    // With a cache: the second scan reads each report back (the same JSON) and downloads no blob.
    let cache = tempfile::tempdir().unwrap();
    let cached = |cache: &Path| {
        let args = ["registry", "scan", "--insecure", "--db", &db, "-f", "json", "-q", "--cache-dir"];
        let out = run(&[&args[..], &[cache.to_str().unwrap(), &host]].concat(), None, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        out.stdout
    };
    let first = cached(cache.path());
    let gets = registry.blob_gets();
    assert_eq!(String::from_utf8(cached(cache.path())).unwrap(), String::from_utf8(first).unwrap());
    assert_eq!(registry.blob_gets(), gets, "the second scan downloaded blobs");
    assert_eq!(std::fs::read_dir(cache.path().join("results")).unwrap().count(), 2, "one report a digest");
    let (filtered, _) = scan(&[&host, "--repos", "app/*", "--tags", "1.*"]);
    assert_eq!(
        filtered,
        [
            (base_digest.clone(), tags(&["app/base:1.0", "app/mixed:1.10"])),
            (mixed_digest.clone(), tags(&["app/mixed:1.2"]))
        ]
    );
    // The newest tag of each repository below the prefix, numbers compared as numbers: 1.10 > 1.2.
    let (latest, _) = scan(&[&format!("{host}/app"), "--latest", "1"]);
    assert_eq!(latest, [(base_digest.clone(), tags(&["app/base:1.0", "app/mixed:1.10"]))]);
    let (capped, warning) = scan(&[&host, "--max-images", "1"]);
    assert_eq!(capped.len(), 1);
    // (`run` logs at info level; the warning is the one line of its own.)
    let warnings: Vec<&str> = warning.lines().filter(|l| l.starts_with("hullguard: ")).collect();
    assert_eq!(
        warnings,
        [format!("hullguard: warning: {host}: more than 1 images; the rest is not scanned (--max-images)")]
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = run(&["registry", "scan", "--insecure", "-q", &format!("127.0.0.1:{closed}")], None, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err: Vec<String> = stderr(&out).lines().filter(|l| !l.contains(" INFO ")).map(String::from).collect();
    let err = err.join("\n");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!("hullguard: http://127.0.0.1:{closed}: _catalog?n=1000: request failed")),
        "{err}"
    );
}

/// Bearer tokens the way distribution does them: its `auth.token` config trusts the certificate
/// of a token server started here (`rootcertbundle`), which hands alice a JWT (RS256, signed with
/// `openssl dgst`, the certificate in `x5c`) granting pull and push on `auth/app`. skopeo pushes
/// and hullguard pulls through the challenge flow; a wrong password gets no token: one line.
#[test]
fn bearer_tokens_from_a_token_server_the_registrys_token_config_trusts() {
    if !required("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = (dir.path().join("issuer.key"), dir.path().join("issuer.crt"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=hg-test-issuer"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let der = Command::new("openssl").args(["x509", "-outform", "DER", "-in"]).arg(&cert).output().unwrap();
    assert!(der.status.success());
    let url = |bytes: &[u8]| base64_encode(bytes).replace('+', "-").replace('/', "_").trim_end_matches('=').to_string();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let header = json!({"typ": "JWT", "alg": "RS256", "x5c": [base64_encode(&der.stdout)]});
    let claims = json!({
        "iss": "hg-test-issuer", "sub": "alice", "aud": "hg-test-registry", "jti": "1",
        "iat": now - 60, "nbf": now - 60, "exp": now + 3600,
        "access": [{"type": "repository", "name": "auth/app", "actions": ["pull", "push"]}],
    });
    let signing_input = format!("{}.{}", url(header.to_string().as_bytes()), url(claims.to_string().as_bytes()));
    let input_file = dir.path().join("jwt-input");
    std::fs::write(&input_file, &signing_input).unwrap();
    let signature =
        Command::new("openssl").args(["dgst", "-sha256", "-sign"]).arg(&key).arg(&input_file).output().unwrap();
    assert!(signature.status.success(), "{}", String::from_utf8_lossy(&signature.stderr));
    let token = format!("{signing_input}.{}", url(&signature.stdout));

    // The token server: alice:pw gets the token; anyone else 401. Each query is logged.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let realm = format!("http://{}/token", listener.local_addr().unwrap());
    let queries = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let logged = queries.clone();
    std::thread::spawn(move || {
        use std::io::{BufRead, BufReader};
        for stream in listener.incoming().take(100) {
            let Ok(mut stream) = stream else { continue };
            stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            let mut alice = false;
            for _ in 0..100 {
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() || line.trim().is_empty() {
                    break;
                }
                alice |= line.to_ascii_lowercase().starts_with("authorization:")
                    && line.trim_end().ends_with(&format!("Basic {}", base64_encode(b"alice:pw")));
            }
            logged.lock().unwrap().push(request.split_whitespace().nth(1).unwrap_or_default().to_string());
            let (status, body) = if alice {
                ("200 OK", json!({"token": token}).to_string())
            } else {
                ("401 Unauthorized", String::new())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let auth = format!(
        "auth:\n  token:\n    realm: {realm}\n    service: hg-test-registry\n    issuer: hg-test-issuer\n    rootcertbundle: {}\n",
        cert.display()
    );
    let Some(registry) = Registry::start_with(dir, &auth, None) else { return };
    let secrets = image("secrets-layers.oci.tar");
    registry.push(&format!("oci-archive:{secrets}:latest"), "auth/app:1", &["--dest-creds", "alice:pw"]);
    let private = format!("{}/auth/app:1", registry.host);
    let args =
        ["inspect", "--insecure", private.as_str(), "-f", "json", "-q", "--username", "alice", "--password-stdin"];
    queries.lock().unwrap().clear();
    assert_eq!(json_of(&run(&args, Some("pw\n"), &[]))["platform"], "linux/amd64");
    let asked = queries.lock().unwrap().clone();
    assert_eq!(asked, ["/token?service=hg-test-registry&scope=repository%3Aauth%2Fapp%3Apull"]);

    let out = run(&args, Some("wrong\n"), &[]);
    assert_eq!(
        (out.status.code(), stderr(&out)),
        (
            Some(2),
            format!(
                "hullguard: {}/auth/app: manifest 1: authentication failed as \"alice\": 401 Unauthorized\n",
                registry.host
            )
        )
    );
}
