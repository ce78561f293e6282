//! The daemon and host checks on host roots written by the tests (a safe and an unsafe one:
//! daemon.json, unit files, sockets with their owners and modes, audit rules, mounts), and once
//! on this machine against what independent tools (`stat`, `docker info`) say.

use std::os::unix::fs::{PermissionsExt, chown, symlink};
use std::path::Path;
use std::process::Command;

use hullguard_host::daemon::check;
use hullguard_host::engine::Engine;
use hullguard_host::hostfs::HostFacts;
use hullguard_report::CheckStatus;

/// A host root under construction.
struct Root(tempfile::TempDir);

impl Root {
    fn new() -> Self {
        Root(tempfile::tempdir().unwrap())
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// Writes `text` at host path `p` with `mode`, owned by `uid:gid`.
    fn file(&self, p: &str, text: &str, mode: u32, owner: (u32, u32)) -> &Self {
        let path = self.path().join(p.trim_start_matches('/'));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        self.own(p, mode, owner)
    }

    fn dir(&self, p: &str, mode: u32, owner: (u32, u32)) -> &Self {
        std::fs::create_dir_all(self.path().join(p.trim_start_matches('/'))).unwrap();
        self.own(p, mode, owner)
    }

    fn socket(&self, p: &str, mode: u32, owner: (u32, u32)) -> &Self {
        let path = self.path().join(p.trim_start_matches('/'));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        self.own(p, mode, owner)
    }

    fn own(&self, p: &str, mode: u32, (uid, gid): (u32, u32)) -> &Self {
        let path = self.path().join(p.trim_start_matches('/'));
        chown(&path, Some(uid), Some(gid)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        self
    }

    fn link(&self, p: &str, target: &str) -> &Self {
        let path = self.path().join(p.trim_start_matches('/'));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        symlink(target, path).unwrap();
        self
    }
}

const ROOT: (u32, u32) = (0, 0);
const DOCKER_GID: u32 = 998;

/// Files every fixture host has: binaries, units, /etc/group, /var/run -> /run.
fn base(root: &Root, group_members: &str) {
    for bin in ["/usr/bin/dockerd", "/usr/bin/containerd", "/usr/bin/containerd-shim-runc-v2", "/usr/bin/runc"] {
        root.file(bin, "", 0o755, ROOT);
    }
    root.file("/etc/group", &format!("root:x:0:\ndocker:x:{DOCKER_GID}:{group_members}\n"), 0o644, ROOT);
    root.link("/var/run", "/run");
    root.dir("/var/lib/docker", 0o710, ROOT);
    root.file(
        "/lib/systemd/system/docker.socket",
        "[Socket]\nListenStream=/run/docker.sock\nSocketMode=0660\nSocketGroup=docker\n",
        0o644,
        ROOT,
    );
}

/// (id, status) of every finding, sorted.
fn findings(root: &Path) -> Vec<(String, &'static str)> {
    let facts = HostFacts::read(root);
    let audit = check(None, &facts);
    assert_eq!(audit.outcomes.iter().map(|o| o.id).collect::<std::collections::BTreeSet<_>>().len(), 80);
    let mut got: Vec<(String, &'static str)> =
        audit.findings.iter().map(|f| (f.id.clone(), f.status.map_or("?", CheckStatus::as_str))).collect();
    got.sort();
    got.dedup();
    for f in &audit.findings {
        eprintln!("{} {:?} {}", f.id, f.location, f.evidence.as_deref().unwrap_or_default());
    }
    got
}

fn expect(list: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    let mut v: Vec<(String, &'static str)> = list.iter().map(|(i, s)| ((*i).to_owned(), *s)).collect();
    v.sort();
    v
}

/// Without the Engine: what only the Engine can tell is manual.
const ENGINE_ONLY: &[(&str, &str)] = &[
    ("HG-HOST-019", "manual"), // 1.2.1 hardened: always by hand
    ("HG-HOST-020", "manual"), // 1.2.2 version
    ("HG-HOST-021", "manual"), // 2.1 rootless
    ("HG-HOST-063", "manual"), // 7.1–7.9 swarm state
    ("HG-HOST-064", "manual"),
    ("HG-HOST-065", "manual"),
    ("HG-HOST-066", "manual"),
    ("HG-HOST-067", "manual"),
    ("HG-HOST-068", "manual"),
    ("HG-HOST-069", "manual"),
    ("HG-HOST-070", "manual"),
    ("HG-HOST-071", "manual"),
    ("HG-HOST-072", "manual"), // 8.x enterprise components
    ("HG-HOST-073", "manual"),
    ("HG-HOST-074", "manual"),
    ("HG-HOST-075", "manual"),
    ("HG-HOST-076", "manual"),
    ("HG-HOST-077", "manual"),
    ("HG-HOST-078", "manual"),
    ("HG-HOST-079", "manual"),
    ("HG-HOST-080", "manual"), // C.2 legacy registry
];

#[test]
fn a_safe_host_root_has_only_what_needs_the_engine() {
    let root = Root::new();
    base(&root, "");
    root.dir("/etc/docker", 0o755, ROOT);
    let daemon_json = r#"{
        "icc": false, "log-level": "info", "no-new-privileges": true, "live-restore": true,
        "userland-proxy": false, "userns-remap": "default", "authorization-plugins": ["authz-broker"],
        "log-driver": "syslog", "default-ulimits": {"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 64000}},
        "hosts": ["unix:///var/run/docker.sock", "tcp://10.0.0.1:2376"], "tlsverify": true,
        "tlscacert": "/etc/docker/tls/ca.pem", "tlscert": "/etc/docker/tls/cert.pem", "tlskey": "/etc/docker/tls/key.pem",
        "storage-driver": "overlay2"
    }"#;
    root.file("/etc/docker/daemon.json", daemon_json, 0o644, ROOT);
    root.file("/etc/docker/tls/ca.pem", "ca", 0o444, ROOT);
    root.file("/etc/docker/tls/cert.pem", "cert", 0o444, ROOT);
    root.file("/etc/docker/tls/key.pem", "key", 0o400, ROOT);
    root.file("/etc/docker/certs.d/registry.example:5000/ca.crt", "ca", 0o444, ROOT);
    root.file("/etc/default/docker", "# nothing\n", 0o644, ROOT);
    root.file("/lib/systemd/system/docker.service", "[Service]\nExecStart=/usr/bin/dockerd -H fd://\n", 0o644, ROOT);
    root.socket("/run/docker.sock", 0o660, (0, DOCKER_GID));
    root.socket("/run/containerd/containerd.sock", 0o660, ROOT);
    root.file("/etc/containerd/config.toml", "", 0o644, ROOT);
    let watched = [
        "/usr/bin/dockerd",
        "/run/containerd",
        "/var/lib/docker",
        "/etc/docker",
        "/lib/systemd/system/docker.service",
        "/run/containerd/containerd.sock",
        "/lib/systemd/system/docker.socket",
        "/etc/default/docker",
        "/etc/docker/daemon.json",
        "/etc/containerd/config.toml",
        "/usr/bin/containerd",
        "/usr/bin/containerd-shim-runc-v2",
        "/usr/bin/runc",
    ];
    let rules: String = watched.iter().map(|w| format!("-w {w} -k docker\n")).collect();
    root.file("/etc/audit/rules.d/docker.rules", &rules, 0o640, ROOT);
    root.file("/proc/mounts", "/dev/vda1 / ext4 rw 0 0\n/dev/vdb1 /var/lib/docker xfs rw 0 0\n", 0o444, ROOT);
    assert_eq!(findings(root.path()), expect(ENGINE_ONLY));
}

#[test]
fn an_unsafe_host_root_fails_each_of_its_settings() {
    let root = Root::new();
    base(&root, "alice,bob");
    root.dir("/etc/docker", 0o777, ROOT);
    let daemon_json = r#"{
        "icc": true, "log-level": "debug", "iptables": false, "insecure-registries": ["10.0.0.5:5000"],
        "storage-driver": "aufs", "hosts": ["tcp://0.0.0.0:2375", "unix:///var/run/docker.sock"],
        "cgroup-parent": "/custom", "storage-opts": ["dm.basesize=20G"], "experimental": true,
        "seccomp-profile": "/etc/docker/seccomp.json", "log-driver": "json-file", "no-new-privileges": false,
        "live-restore": false, "userland-proxy": true
    }"#;
    root.file("/etc/docker/daemon.json", daemon_json, 0o666, (1000, 1000));
    root.file("/etc/docker/seccomp.json", r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []}"#, 0o644, ROOT);
    root.file("/etc/docker/certs.d/registry.example:5000/ca.crt", "ca", 0o644, (1000, 0));
    root.file("/etc/default/docker", "DOCKER_OPTS=\"--icc=true\"\n", 0o666, ROOT);
    root.file(
        "/lib/systemd/system/docker.service",
        "[Service]\nEnvironmentFile=-/etc/default/docker\nExecStart=/usr/bin/dockerd $DOCKER_OPTS\n",
        0o664,
        (1000, 0),
    );
    root.socket("/run/docker.sock", 0o666, ROOT);
    root.file("/proc/mounts", "/dev/vda1 / ext4 rw 0 0\n", 0o444, ROOT);
    let unsafe_ids = [
        ("HG-HOST-001", "warn"),   // /var/lib/docker on /
        ("HG-HOST-002", "manual"), // docker group: alice, bob
        ("HG-HOST-003", "warn"),   // no audit rules at all: each file that exists
        ("HG-HOST-005", "warn"),
        ("HG-HOST-006", "warn"),
        ("HG-HOST-007", "warn"),
        ("HG-HOST-009", "warn"),
        ("HG-HOST-010", "warn"),
        ("HG-HOST-011", "warn"),
        ("HG-HOST-014", "warn"),
        ("HG-HOST-017", "warn"),
        ("HG-HOST-018", "warn"),
        ("HG-HOST-022", "warn"),   // icc
        ("HG-HOST-023", "warn"),   // log-level debug
        ("HG-HOST-024", "warn"),   // iptables false
        ("HG-HOST-025", "warn"),   // insecure registry
        ("HG-HOST-026", "warn"),   // aufs
        ("HG-HOST-027", "warn"),   // tcp without TLS
        ("HG-HOST-028", "manual"), // no default ulimits
        ("HG-HOST-029", "warn"),   // no userns-remap
        ("HG-HOST-030", "manual"), // cgroup-parent to confirm
        ("HG-HOST-031", "warn"),   // dm.basesize
        ("HG-HOST-032", "warn"),   // no authorization plugin
        ("HG-HOST-033", "warn"),   // json-file
        ("HG-HOST-034", "warn"),   // no-new-privileges false
        ("HG-HOST-035", "warn"),   // live-restore false
        ("HG-HOST-036", "warn"),   // userland-proxy
        ("HG-HOST-037", "warn"),   // the custom profile allows by default
        ("HG-HOST-038", "warn"),   // experimental
        ("HG-HOST-039", "warn"),   // docker.service owner
        ("HG-HOST-040", "warn"),   // and mode
        ("HG-HOST-044", "warn"),   // /etc/docker 777
        ("HG-HOST-045", "warn"),   // certs owner
        ("HG-HOST-046", "warn"),   // certs mode
        ("HG-HOST-053", "warn"),   // docker.sock root:root
        ("HG-HOST-054", "warn"),   // docker.sock 666
        ("HG-HOST-055", "warn"),   // daemon.json owner
        ("HG-HOST-056", "warn"),   // daemon.json 666
        ("HG-HOST-058", "warn"),   // /etc/default/docker 666
    ];
    let mut want = expect(&unsafe_ids);
    want.extend(expect(ENGINE_ONLY));
    want.sort();
    assert_eq!(findings(root.path()), want);
}

#[test]
fn an_empty_host_root_is_manual_not_a_silent_pass() {
    let root = Root::new();
    let facts = HostFacts::read(root.path());
    let audit = check(None, &facts);
    let passed: Vec<&str> = audit.outcomes.iter().filter(|o| o.status == CheckStatus::Pass).map(|o| o.id).collect();
    // With no daemon configuration found, nothing that depends on it passes.
    assert_eq!(passed, Vec::<&str>::new());
    let icc = audit.findings.iter().find(|f| f.id == "HG-HOST-022").unwrap();
    assert_eq!(icc.status, Some(CheckStatus::Manual));
    assert!(icc.evidence.as_deref().unwrap().starts_with("no dockerd command line or daemon.json under "), "{icc:?}");
}

fn engine_up() -> bool {
    Command::new("docker").arg("info").output().is_ok_and(|o| o.status.success())
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn this_machine_socket_and_log_driver() {
    if !engine_up() {
        eprintln!("skipped: no Docker Engine");
        return;
    }
    let engine = Engine::connect().unwrap().daemon().unwrap();
    let facts = HostFacts::read(Path::new("/"));
    let audit = check(Some(&engine), &facts);
    // The socket: where docker.socket or -H says, else /var/run/docker.sock; owner and mode as stat(1) sees them.
    let sock = facts.stat("/var/run/docker.sock").expect("the Engine's socket");
    assert!(sock.socket);
    assert_eq!(
        format!("{:o} {} {}", sock.mode, sock.uid, sock.gid),
        run("stat", &["-L", "-c", "%a %u %g", "/var/run/docker.sock"])
    );
    let sock_outcome = |id: &str| audit.outcomes.iter().find(|o| o.id == id).map(|o| o.status);
    let docker_gid = facts.docker_group.as_ref().map(|(g, _)| *g);
    let want = if sock.mode & !0o660 == 0 { CheckStatus::Pass } else { CheckStatus::Warn };
    assert_eq!(sock_outcome("HG-HOST-054"), Some(want));
    let want = if sock.uid == 0 && Some(sock.gid) == docker_gid { CheckStatus::Pass } else { CheckStatus::Warn };
    assert_eq!(sock_outcome("HG-HOST-053"), Some(want));
    // The log driver, as docker info reports it.
    let driver = run("docker", &["info", "--format", "{{.LoggingDriver}}"]);
    let remote = audit.findings.iter().find(|f| f.id == "HG-HOST-033");
    if ["json-file", "local", "none"].contains(&driver.as_str()) {
        let f = remote.expect("a local log driver is a finding");
        assert_eq!(f.evidence.as_deref(), Some(format!("log-driver: {driver} (logs stay on the host)").as_str()));
    } else {
        assert!(remote.is_none());
    }
    assert_eq!(engine.info.get("LoggingDriver").and_then(|v| v.as_str()), Some(driver.as_str()));
}

#[test]
fn a_broken_daemon_json_is_a_warning_naming_the_file() {
    let root = Root::new();
    root.file("/etc/docker/daemon.json", "{\"icc\": fal", 0o644, ROOT);
    let facts = HostFacts::read(root.path());
    let audit = check(None, &facts);
    assert_eq!(audit.warnings.len(), 1, "{:?}", audit.warnings);
    assert!(
        audit.warnings[0].starts_with("/etc/docker/daemon.json: not valid JSON (")
            && audit.warnings[0].ends_with("); not read"),
        "{:?}",
        audit.warnings
    );
    let icc = audit.findings.iter().find(|f| f.id == "HG-HOST-022").unwrap();
    assert_eq!(icc.status, Some(CheckStatus::Manual), "unread is not a pass");
    // A JSON value that is not an object, and a file over the cap.
    root.file("/etc/docker/daemon.json", "[1, 2]", 0o644, ROOT);
    assert_eq!(HostFacts::read(root.path()).warnings, ["/etc/docker/daemon.json: not a JSON object; not read"]);
    let big = "x".repeat(usize::try_from(hullguard_host::hostfs::MAX_FILE).unwrap() + 1);
    root.file("/etc/docker/daemon.json", &big, 0o644, ROOT);
    let warnings = HostFacts::read(root.path()).warnings;
    assert_eq!(
        warnings,
        [format!("/etc/docker/daemon.json: {} bytes, over the 4194304 byte cap; not read", big.len())]
    );
}
