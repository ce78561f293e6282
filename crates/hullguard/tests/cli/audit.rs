//! `hullguard containers`, `host` and `seccomp audit`: formats, the ignore file, the gate,
//! `--compliance cis-docker`, `--scanners vuln`, and the Engine reached through `DOCKER_HOST`
//! (unix socket, and `tcp://` through a loopback forwarder to the socket).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

use crate::support::{Scratch, hullguard, image};

fn docker(args: &[&str]) -> Output {
    Command::new("docker").args(args).output().unwrap()
}

fn engine_up() -> bool {
    Command::new("docker").arg("info").output().is_ok_and(|o| o.status.success())
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// One container for this test binary (debian-base, `sleep infinity`), removed (by its label)
/// when dropped.
pub(crate) struct Container {
    pub(crate) name: String,
    label: String,
}

impl Container {
    fn start(flags: &[&str]) -> Self {
        Self::named("", flags)
    }

    /// A container whose name and label end in `suffix`, so that tests running at once each
    /// have their own.
    pub(crate) fn named(suffix: &str, flags: &[&str]) -> Self {
        if !docker(&["image", "inspect", "debian-base:latest"]).status.success() {
            let out = docker(&["load", "-q", "-i", &image("bookworm-images.docker.tar")]);
            assert!(out.status.success(), "docker load: {}", stderr(&out));
        }
        let c = Container {
            name: format!("hg-cli-{}{suffix}", std::process::id()),
            label: format!("hullguard-test=cli-{}{suffix}", std::process::id()),
        };
        let mut args = vec!["run", "-d", "--name", &c.name, "--label", &c.label];
        args.extend(flags);
        args.extend(["debian-base", "sleep", "infinity"]);
        let out = docker(&args);
        assert!(out.status.success(), "docker run: {}", stderr(&out));
        c
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let out = docker(&["ps", "-aq", "--filter", &format!("label={}", self.label)]);
        for id in String::from_utf8_lossy(&out.stdout).split_whitespace() {
            let _ = docker(&["rm", "-f", id]);
        }
    }
}

fn ids(doc: &Value) -> Vec<String> {
    let mut v: Vec<String> =
        doc["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect();
    v.sort();
    v
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(out)))
}

/// The findings of the `--cap-add SYS_ADMIN -p 80:8080` container.
const RISKY: [&str; 20] = [
    "HG-CTR-004",
    "HG-CTR-008",
    "HG-CTR-009",
    "HG-CTR-011",
    "HG-CTR-012",
    "HG-CTR-013",
    "HG-CTR-014",
    "HG-CTR-019",
    "HG-CTR-024",
    "HG-CTR-026",
    "HG-CTR-027",
    "HG-CTR-028",
    "HG-CTR-029",
    "HG-CTR-030",
    "HG-CTR-035",
    "HG-CTR-039",
    "HG-CTR-040",
    "HG-CTR-006",
    "HG-CTR-032",
    "HG-CTR-015",
];

#[test]
fn containers_formats_ignore_file_gate_compliance_and_image_scan() {
    if !engine_up() {
        eprintln!("skipped: no Docker Engine");
        return;
    }
    let c = Container::start(&[
        "--cap-add",
        "SYS_ADMIN",
        "-p",
        "80:8080",
        "-v",
        "/etc:/host-etc:ro",
        "-v",
        "/var/run/docker.sock:/docker.sock",
        "--restart",
        "unless-stopped",
    ]);
    let s = Scratch::new();
    let cwd = s.dir.path();
    let out = hullguard(cwd, &["containers", &c.name, "-f", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json_of(&out);
    let mut want: Vec<String> = RISKY.iter().map(|s| (*s).to_owned()).collect();
    want.sort();
    assert_eq!(ids(&doc), want);
    assert_eq!(doc["outcomes"].as_array().unwrap().len(), 37);
    assert_eq!(doc["compliance"][0]["section"], 5);
    assert_eq!(doc["engine"]["api_version"], "1.41");
    let socket = doc["findings"].as_array().unwrap().iter().find(|f| f["id"] == "HG-CTR-032").unwrap();
    assert_eq!(socket["severity"], "CRITICAL");
    assert_eq!(socket["status"], "warn");
    assert_eq!(socket["location"]["type"], "container");
    assert_eq!(socket["location"]["name"], c.name.as_str());
    assert_eq!(socket["location"]["field"], "Mounts");
    assert_eq!(socket["evidence"], "Mounts: /var/run/docker.sock:/docker.sock (read-write)");
    assert_eq!(doc["findings"][0]["id"], "HG-CTR-032", "most severe first");
    findings_match_the_report_schema(&out.stdout);

    // The gate counts warn findings only; --severity shows a subset; the ignore file suppresses.
    assert_eq!(hullguard(cwd, &["containers", &c.name, "--exit-code", "3"]).status.code(), Some(3));
    assert_eq!(hullguard(cwd, &["containers", &c.name, "--fail-on", "CRITICAL"]).status.code(), Some(1));
    std::fs::write(s.path(".hullguardignore"), "HG-CTR-032\nctr-docker-socket-not-a-check\n").unwrap();
    let out =
        hullguard(cwd, &["containers", &c.name, "--fail-on", "CRITICAL", "--severity", "HIGH,CRITICAL", "-f", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json_of(&out);
    assert_eq!(ids(&doc), ["HG-CTR-006", "HG-CTR-026", "HG-CTR-035"]);
    assert_eq!(doc["suppressed"][0]["id"], "HG-CTR-032");
    assert!(stderr(&out).contains("matched no finding"), "{}", stderr(&out));
    std::fs::remove_file(s.path(".hullguardignore")).unwrap();

    // --compliance cis-docker: by recommendation number, community checks after 5.x; the table
    // ends with the summary per section.
    let out = hullguard(cwd, &["containers", &c.name, "--compliance", "cis-docker", "-f", "json"]);
    let doc = json_of(&out);
    let order: Vec<&str> = doc["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(&order[..3], ["HG-CTR-004", "HG-CTR-006", "HG-CTR-008"]);
    assert_eq!(&order[order.len() - 3..], ["HG-CTR-035", "HG-CTR-039", "HG-CTR-040"]);
    let out = hullguard(cwd, &["containers", &c.name, "--compliance", "cis-docker"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("\nCIS Docker Benchmark                      pass  warn  manual  n/a\n"), "{table}");
    assert!(table.contains("\n  5  Container runtime                      15    14       4    2\n"), "{table}");
    assert!(table.contains("5.32 Ensure that the Docker socket is not mounted"), "{table}");

    // SARIF: one result per finding.
    let out = hullguard(cwd, &["containers", &c.name, "-f", "sarif"]);
    let sarif = json_of(&out);
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), RISKY.len());

    // HTML: the shared template, the container named in each row.
    let out = hullguard(cwd, &["containers", &c.name, "-f", "html"]);
    let html = String::from_utf8_lossy(&out.stdout);
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(html.contains(&format!("<td><code>{}</code> (", c.name)), "{html}");

    // --scanners vuln: the image the container runs, once.
    let db = crate::scan::db();
    let out =
        hullguard(cwd, &["containers", &c.name, "--scanners", "vuln", "--db", db.to_str().unwrap(), "-f", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json_of(&out);
    let images = doc["images"].as_array().unwrap();
    assert_eq!(images.len(), 1);
    assert!(images[0]["target"].as_str().unwrap().starts_with("debian-base ("), "{}", images[0]["target"]);
    assert!(images[0]["findings"].as_array().unwrap().len() > 10);

    // DOCKER_HOST=tcp://: the same Engine through a loopback forwarder to its socket.
    let port = forward_to_socket("/var/run/docker.sock");
    let out = Command::cargo_bin("hullguard")
        .unwrap()
        .args(["containers", &c.name, "-f", "json"])
        .env("DOCKER_HOST", format!("tcp://127.0.0.1:{port}"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json_of(&out);
    assert_eq!(ids(&doc), want);
    assert_eq!(doc["engine"]["host"], format!("tcp://127.0.0.1:{port}"));
}

/// Each finding of an audit report is a `finding` of the documented report schema (status,
/// container and host locations included).
fn findings_match_the_report_schema(report: &[u8]) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/report.schema.json");
    let script = format!(
        "import json, sys, jsonschema\n\
         schema = json.load(open({:?}))\n\
         v = jsonschema.Draft202012Validator({{'$defs': schema['$defs'], '$ref': '#/$defs/finding'}})\n\
         r = json.load(sys.stdin)\n\
         errors = [f'{{e.message}}' for f in r['findings'] for e in v.iter_errors(f)]\n\
         print(len(r['findings']), errors[:3])\n",
        schema.display().to_string()
    );
    if let Some(verdict) = crate::support::python_check(&script, report) {
        let doc: Value = serde_json::from_slice(report).unwrap();
        assert_eq!(verdict, format!("{} []", doc["findings"].as_array().unwrap().len()));
    }
}

/// A loopback TCP port that forwards every connection to the unix socket `path`.
fn forward_to_socket(path: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let Ok(unix) = UnixStream::connect(path) else { continue };
            let (mut tcp_r, mut unix_w) = (tcp.try_clone().unwrap(), unix.try_clone().unwrap());
            std::thread::spawn(move || pump(&mut tcp_r, &mut unix_w));
            let (mut unix_r, mut tcp_w) = (unix, tcp);
            std::thread::spawn(move || pump(&mut unix_r, &mut tcp_w));
        }
    });
    port
}

fn pump(from: &mut impl Read, to: &mut impl Write) {
    let mut buf = [0u8; 16 << 10];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 || to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
}

/// A TLS endpoint on a loopback port in front of the Engine's socket (socat) with a server
/// certificate of the test's CA; killed when dropped. (Checking client certificates is the
/// daemon's side; socat's `verify=1` breaks on the session resumption of hyper's client.)
struct TlsEngine {
    child: std::process::Child,
    port: u16,
}

impl Drop for TlsEngine {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `openssl` with `args` in `dir`.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", stderr(&out));
}

/// A CA in `dir` (`ca.pem`, `ca-key.pem`) and a certificate it signs for `name` (`NAME-cert.pem`,
/// `NAME-key.pem`) with the extensions `ext` (`subjectAltName=IP:127.0.0.1`, key usage).
fn signed(dir: &Path, name: &str, ext: &str) {
    if !dir.join("ca.pem").exists() {
        let ca = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        openssl(
            dir,
            &[&ca[..], &["-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "1", "-subj", "/CN=hg-test-ca"]].concat(),
        );
    }
    std::fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
    let (key, csr, cert, extfile) =
        (format!("{name}-key.pem"), format!("{name}.csr"), format!("{name}-cert.pem"), format!("{name}.ext"));
    let req = ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj"];
    openssl(dir, &[&req[..], &[&format!("/CN={name}"), "-keyout", &key, "-out", &csr]].concat());
    let sign = ["x509", "-req", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-days", "1"];
    openssl(dir, &[&sign[..], &["-in", &csr, "-out", &cert, "-extfile", &extfile]].concat());
}

impl TlsEngine {
    /// Starts the endpoint with the certificates of `dir`; `None` without socat (outside CI).
    fn start(dir: &Path) -> Option<TlsEngine> {
        if Command::new("socat").arg("-V").output().is_err() {
            assert!(std::env::var_os("CI").is_none(), "socat is missing (scripts/test.sh installs it)");
            eprintln!("skipped: no socat");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let listen = format!(
            "OPENSSL-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,cert=server-cert.pem,key=server-key.pem,verify=0"
        );
        let child = Command::new("socat")
            .args([listen.as_str(), "UNIX-CONNECT:/var/run/docker.sock"])
            .current_dir(dir)
            // Its notes on the probe below and on the refused client are expected.
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let engine = TlsEngine { child, port };
        // Bounded: up to 5 s for socat to listen.
        for _ in 0..50 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(engine);
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("socat did not listen on 127.0.0.1:{port}");
    }
}

/// `DOCKER_HOST=tcp://` with `DOCKER_TLS_VERIFY`: the Engine behind a TLS endpoint is audited
/// (the client certificate is sent; the endpoint does not check it, see [`TlsEngine`]),
/// its server certificate checked against `DOCKER_CERT_PATH/ca.pem`; a server certificate of
/// another CA is exit 2 with one line.
#[test]
fn containers_through_a_tls_endpoint_check_its_server_certificate() {
    if !engine_up() {
        eprintln!("skipped: no Docker Engine");
        return;
    }
    let s = Scratch::new();
    let pki = s.path("pki");
    std::fs::create_dir(&pki).unwrap();
    signed(&pki, "server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    signed(&pki, "client", "extendedKeyUsage=clientAuth\n");
    let Some(engine) = TlsEngine::start(&pki) else { return };
    // What DOCKER_CERT_PATH holds: ca.pem, cert.pem, key.pem.
    let certs = s.path("certs");
    std::fs::create_dir(&certs).unwrap();
    for (from, to) in [("ca.pem", "ca.pem"), ("client-cert.pem", "cert.pem"), ("client-key.pem", "key.pem")] {
        std::fs::copy(pki.join(from), certs.join(to)).unwrap();
    }
    let host = format!("tcp://127.0.0.1:{}", engine.port);
    let run = |cert_path: &Path| {
        Command::cargo_bin("hullguard")
            .unwrap()
            .args(["containers", "-f", "json"])
            .env("DOCKER_HOST", &host)
            .env("DOCKER_TLS_VERIFY", "1")
            .env("DOCKER_CERT_PATH", cert_path)
            .output()
            .unwrap()
    };
    let out = run(&certs);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json_of(&out);
    assert_eq!(doc["engine"]["host"], host.as_str());
    assert!(!doc["engine"]["server_version"].as_str().unwrap().is_empty());

    // A client that trusts another CA: the server's certificate is refused.
    let other = s.path("other");
    std::fs::create_dir(&other).unwrap();
    signed(&other, "client", "extendedKeyUsage=clientAuth\n");
    for (from, to) in [("client-cert.pem", "cert.pem"), ("client-key.pem", "key.pem")] {
        std::fs::rename(other.join(from), other.join(to)).unwrap();
    }
    let out = run(&other);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(said.starts_with(&format!("hullguard: Docker Engine at {host}: ")), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
}

#[test]
fn an_unreachable_or_unsupported_engine_is_exit_2() {
    for (host, tls, message) in [
        ("tcp://127.0.0.1:1", false, "hullguard: Docker Engine at tcp://127.0.0.1:1: "),
        ("tcp://127.0.0.1:1", true, "Cannot open/read certificate with path: /nonexistent/ca.pem"),
        ("ftp://engine", false, "hullguard: Docker Engine at ftp://engine: URI scheme is not supported: ftp://engine"),
    ] {
        let mut cmd = Command::cargo_bin("hullguard").unwrap();
        cmd.args(["containers"]).env("DOCKER_HOST", host);
        if tls {
            cmd.env("DOCKER_TLS_VERIFY", "1").env("DOCKER_CERT_PATH", "/nonexistent");
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{host}");
        assert!(stderr(&out).contains(message), "{host}: {}", stderr(&out));
    }
}

#[test]
fn host_on_a_fixture_root_without_the_engine() {
    let s = Scratch::new();
    let root = s.path("root");
    std::fs::create_dir_all(root.join("etc/docker")).unwrap();
    std::fs::write(root.join("etc/docker/daemon.json"), r#"{"icc": true, "hosts": ["tcp://0.0.0.0:2375"]}"#).unwrap();
    let root_arg = root.to_str().unwrap();
    let out = hullguard(
        s.dir.path(),
        &["host", "--host-root", root_arg, "--no-engine", "-f", "json", "--compliance", "cis-docker"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json_of(&out);
    let tls = doc["findings"].as_array().unwrap().iter().find(|f| f["id"] == "HG-HOST-027").unwrap();
    assert_eq!(tls["evidence"], "listens on tcp://0.0.0.0:2375 without --tlsverify");
    assert_eq!(
        tls["location"],
        serde_json::json!({"type": "host", "source": "/etc/docker/daemon.json", "field": "hosts"})
    );
    findings_match_the_report_schema(&out.stdout);
    let sections: Vec<u64> =
        doc["compliance"].as_array().unwrap().iter().map(|c| c["section"].as_u64().unwrap()).collect();
    assert_eq!(sections, [1, 2, 3, 7, 8]);
    let order: Vec<&str> = doc["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(order[0], "HG-HOST-001", "1.1.1: no /proc/mounts under the root, manual");
    let c2 = order.iter().position(|i| *i == "HG-HOST-080").unwrap();
    assert_eq!((order[c2 - 1], order[c2 + 1]), ("HG-HOST-036", "HG-HOST-063"), "C.2 after 2.16, before 7.1");
    assert_eq!(order.last(), Some(&"HG-HOST-079"));
    assert_eq!(
        hullguard(s.dir.path(), &["host", "--host-root", root_arg, "--no-engine", "--fail-on", "HIGH"]).status.code(),
        Some(1)
    );
    let out = hullguard(s.dir.path(), &["host", "--host-root", s.path("nope").to_str().unwrap(), "--no-engine"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).ends_with(": not a directory\n"), "{}", stderr(&out));
    if engine_up() {
        let out = hullguard(s.dir.path(), &["host", "-f", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(json_of(&out)["compliance"].as_array().unwrap().len(), 5);
    }
}

#[test]
fn seccomp_audit_exit_codes() {
    let s = Scratch::new();
    let cwd = s.dir.path();
    std::fs::write(s.path("allow.json"), r#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]}"#).unwrap();
    std::fs::write(s.path("deny.json"), r#"{"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}"#).unwrap();
    std::fs::write(s.path("not.json"), r#"{"syscalls": []}"#).unwrap();
    let out = hullguard(cwd, &["seccomp", "audit", "allow.json", "-f", "json", "--exit-code", "4"]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(ids(&json_of(&out)), ["HG-SECCOMP-001", "HG-SECCOMP-002"]);
    let out = hullguard(cwd, &["seccomp", "audit", "deny.json", "--exit-code", "4"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let out = hullguard(cwd, &["seccomp", "audit", "not.json"]);
    assert_eq!(
        (out.status.code(), stderr(&out)),
        (Some(2), "hullguard: not.json: not a seccomp profile: no defaultAction\n".to_owned())
    );
    let out = hullguard(cwd, &["seccomp", "audit", "missing.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(Path::new(cwd).join("allow.json").exists());
}

fn runtime_policies() -> String {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../hullguard-policy/tests/policies/runtime");
    dir.display().to_string()
}

/// (id, severity, field, evidence) of each custom-policy finding (`ACME-…`) of an audit report.
fn policy_rows(out: &Output) -> Vec<(String, String, String, String)> {
    json_of(out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"].as_str().unwrap().starts_with("ACME-"))
        .map(|f| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            (text(&f["id"]), text(&f["severity"]), text(&f["location"]["field"]), text(&f["evidence"]))
        })
        .collect()
}

fn policy_row(id: &str, severity: &str, field: &str, evidence: &str) -> (String, String, String, String) {
    (id.into(), severity.into(), field.into(), evidence.into())
}

#[test]
fn container_policies_over_the_inspect_document() {
    if !engine_up() {
        eprintln!("skipped: no Docker Engine");
        return;
    }
    let risky = Container::named("-rego-risky", &["--cap-add", "SYS_ADMIN"]);
    let plain = Container::named("-rego-plain", &[]);
    let s = Scratch::new();
    let policies = runtime_policies();
    let run = |name: &str, extra: &[&str]| {
        hullguard(s.dir.path(), &[&["containers", name, "-f", "json", "--policy-dir", &policies][..], extra].concat())
    };
    let out = run(&risky.name, &[]);
    assert_eq!(
        policy_rows(&out),
        [policy_row("ACME-CTR-001", "CRITICAL", "HostConfig.CapAdd", &format!("{} adds CAP_SYS_ADMIN", risky.name))]
    );
    assert_eq!(json_of(&out)["findings"].as_array().unwrap().iter().filter(|f| f["id"] == "ACME-CTR-001").count(), 1);
    assert_eq!(policy_rows(&run(&plain.name, &[])), []);
    // Under the gate and the ignore file as the built-in checks.
    std::fs::write(s.path("ignore.yaml"), "vulnerabilities:\n  - id: ACME-CTR-001\n").unwrap();
    assert_eq!(policy_rows(&run(&risky.name, &["--ignorefile", "ignore.yaml"])), []);
    let gated = run(&plain.name, &["--fail-on", "CRITICAL", "--severity", "CRITICAL"]);
    assert_eq!(gated.status.code(), Some(0), "{}", stderr(&gated));
    let gated = run(&risky.name, &["--fail-on", "CRITICAL", "--severity", "CRITICAL"]);
    assert_eq!(gated.status.code(), Some(1), "{}", stderr(&gated));
}

#[test]
fn host_policies_over_the_daemon_facts() {
    if !engine_up() {
        eprintln!("skipped: no Docker Engine");
        return;
    }
    let s = Scratch::new();
    std::fs::create_dir_all(s.path("root/etc/docker")).unwrap();
    let policies = runtime_policies();
    let run = |extra: &[&str]| {
        let args = ["host", "--host-root", "root", "-f", "json", "--policy-dir", &policies];
        hullguard(s.dir.path(), &[&args[..], extra].concat())
    };
    std::fs::write(s.path("root/etc/docker/daemon.json"), r#"{"icc": true}"#).unwrap();
    assert_eq!(
        policy_rows(&run(&["--no-engine"])),
        [policy_row("ACME-HOST-001", "MEDIUM", "icc", "icc is true in /etc/docker/daemon.json")]
    );
    std::fs::write(s.path("root/etc/docker/daemon.json"), r#"{"icc": false}"#).unwrap();
    assert_eq!(policy_rows(&run(&["--no-engine"])), []);
    // Through the Engine: its facts are in the document too.
    let api = docker(&["version", "--format", "{{.Server.APIVersion}}"]);
    let api = String::from_utf8_lossy(&api.stdout).trim().to_owned();
    assert_eq!(policy_rows(&run(&[])), [policy_row("ACME-HOST-002", "LOW", "", &format!("Engine API {api}"))]);
}
