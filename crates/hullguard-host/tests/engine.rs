//! The container checks against the real Docker Engine: containers started (or, privileged,
//! created) from the shared debian-base image with each risky setting and one hardened, the exact
//! findings of each asserted. Every container carries this run's label and is removed by a guard
//! when the test ends, also when it fails.

use std::process::Command;

use hullguard_host::containers::{DaemonContext, check};
use hullguard_host::engine::Engine;
use hullguard_report::CheckStatus;

fn docker(args: &[&str]) -> std::process::Output {
    Command::new("docker").args(args).output().expect("docker runs")
}

fn docker_ok(args: &[&str]) -> String {
    let out = docker(args);
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn engine_up() -> bool {
    Command::new("docker").arg("info").output().is_ok_and(|o| o.status.success())
}

/// Loads debian-base from the shared images unless the Engine has it.
pub fn load_debian_base() {
    if docker(&["image", "inspect", "debian-base:latest"]).status.success() {
        return;
    }
    let shared = std::env::var("HULLGUARD_SHARED")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared").to_owned());
    docker_ok(&["load", "-q", "-i", &format!("{shared}/images/bookworm-images.docker.tar")]);
}

/// Removes every container with its label when dropped.
struct Containers {
    label: String,
}

impl Containers {
    fn new(run: &str) -> Self {
        Containers { label: format!("hullguard-test={run}-{}", std::process::id()) }
    }

    /// `docker run -d` (or `create` when `start` is false) with the label; returns the name.
    fn run(&self, name: &str, start: bool, flags: &[&str]) -> String {
        let name = format!("{name}-{}", std::process::id());
        let mut args = vec![if start { "run" } else { "create" }];
        if start {
            args.push("-d");
        }
        args.extend(["--name", &name, "--label", &self.label]);
        args.extend(flags);
        args.extend(["debian-base", "sleep", "infinity"]);
        docker_ok(&args);
        name
    }
}

impl Drop for Containers {
    fn drop(&mut self) {
        let ids = docker(&["ps", "-aq", "--filter", &format!("label={}", self.label)]);
        let ids = String::from_utf8_lossy(&ids.stdout).split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        if !ids.is_empty() {
            let mut args = vec!["rm", "-f", "-v"];
            args.extend(ids.iter().map(String::as_str));
            let _ = docker(&args);
        }
    }
}

/// (id, status) of every finding of `name`, sorted.
fn findings(engine: &Engine, context: DaemonContext, name: &str) -> Vec<(String, &'static str)> {
    let (facts, warnings) = engine.containers(&[name.to_owned()]).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let audit = check(&facts[0], context);
    assert_eq!(audit.outcomes.len(), 37, "every container check ran once");
    let mut got: Vec<(String, &'static str)> =
        audit.findings.iter().map(|f| (f.id.clone(), f.status.map_or("?", CheckStatus::as_str))).collect();
    got.sort();
    for f in &audit.findings {
        eprintln!("{name}: {} {:?} {}", f.id, f.location, f.evidence.as_deref().unwrap_or_default());
    }
    got
}

fn expect(list: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    let mut v: Vec<(String, &'static str)> = list.iter().map(|(i, s)| ((*i).to_owned(), *s)).collect();
    v.sort();
    v
}

#[test]
fn containers_with_each_risky_setting_and_a_hardened_one() {
    if !engine_up() {
        eprintln!("skipped: no Docker Engine");
        return;
    }
    load_debian_base();
    let guard = Containers::new("engine");
    let scratch = tempfile::tempdir().unwrap();
    let src = scratch.path().to_str().unwrap();
    let risky = guard.run(
        "hg-risky",
        true,
        &[
            "--cap-add",
            "SYS_ADMIN",
            "--cap-add",
            "SYS_PTRACE",
            "--security-opt",
            "seccomp=unconfined",
            "--security-opt",
            "apparmor=unconfined",
            "--security-opt",
            "label=disable",
            "-p",
            "80:8080",
            "-v",
            "/etc:/host-etc",
            "-v",
            "/var/run/docker.sock:/var/run/docker.sock:ro",
            "--pid",
            "host",
            "--ipc",
            "host",
            "--uts",
            "host",
            "--restart",
            "always",
            "--device",
            "/dev/null:/dev/xnull",
            "--cgroup-parent",
            "/hullguard-test",
        ],
    );
    let host_net = guard.run(
        "hg-hostnet",
        true,
        &[
            "--network",
            "host",
            "--userns",
            "host",
            "--restart",
            "on-failure",
            "--ulimit",
            "nofile=1024:1024",
            "--cpu-shares",
            "512",
            "--cap-add",
            "DAC_READ_SEARCH",
            "--cap-add",
            "SYS_MODULE",
            "--health-cmd",
            "true",
        ],
    );
    let hardened = guard.run(
        "hg-hardened",
        true,
        &[
            "--cap-drop",
            "ALL",
            "--read-only",
            "--security-opt",
            "no-new-privileges",
            "--memory",
            "64m",
            "--pids-limit",
            "64",
            "--cpus",
            "0.5",
            "--user",
            "1000:1000",
        ],
    );
    // Shared propagation needs a shared source mount to start: created only, as privileged is.
    let mount = format!("type=bind,source={src},target=/mnt,bind-propagation=rshared");
    let privileged = guard.run("hg-privileged", false, &["--privileged", "--mount", &mount]);

    let engine = Engine::connect().unwrap();
    let info = engine.daemon().unwrap().info;
    let context = DaemonContext::from_info(&info, false);
    assert!(!context.apparmor && !context.selinux && !context.rootless, "this machine: {context:?}");

    // A running exec session as root (a privileged one cannot start here).
    docker_ok(&["exec", "-d", "-u", "root", &host_net, "sleep", "300"]);

    // Every container runs a tag, not a digest (039), and needs the manual look at 5.28 (028);
    // 5.24 is manual unless a root exec session is running.
    let risky_ids = [
        ("HG-CTR-004", "warn"), // CapAdd SYS_ADMIN, SYS_PTRACE
        ("HG-CTR-006", "warn"), // /etc read-write
        ("HG-CTR-008", "warn"), // host port 80
        ("HG-CTR-009", "manual"),
        ("HG-CTR-011", "warn"),
        ("HG-CTR-012", "warn"),
        ("HG-CTR-013", "warn"),
        ("HG-CTR-014", "warn"), // 0.0.0.0
        ("HG-CTR-015", "warn"), // always
        ("HG-CTR-016", "warn"),
        ("HG-CTR-017", "warn"),
        ("HG-CTR-018", "warn"), // --device
        ("HG-CTR-019", "manual"),
        ("HG-CTR-021", "warn"),
        ("HG-CTR-022", "warn"), // seccomp=unconfined
        ("HG-CTR-024", "manual"),
        ("HG-CTR-025", "manual"), // --cgroup-parent
        ("HG-CTR-026", "warn"),
        ("HG-CTR-027", "warn"),
        ("HG-CTR-028", "manual"),
        ("HG-CTR-029", "warn"),
        ("HG-CTR-030", "warn"),
        ("HG-CTR-032", "warn"), // docker.sock, even read-only
        ("HG-CTR-035", "warn"), // SYS_ADMIN
        ("HG-CTR-036", "warn"), // SYS_PTRACE
        ("HG-CTR-039", "warn"),
        ("HG-CTR-040", "warn"),
    ];
    assert_eq!(findings(&engine, context, &risky), expect(&risky_ids), "risky");
    let host_net_ids = [
        ("HG-CTR-004", "warn"),
        ("HG-CTR-010", "warn"), // --network host
        ("HG-CTR-011", "warn"),
        ("HG-CTR-013", "warn"),
        ("HG-CTR-015", "warn"), // on-failure without a limit
        ("HG-CTR-024", "warn"), // the running exec as root
        ("HG-CTR-026", "warn"),
        ("HG-CTR-028", "manual"),
        ("HG-CTR-029", "warn"),
        ("HG-CTR-031", "warn"), // --userns host
        ("HG-CTR-033", "warn"), // DAC_READ_SEARCH
        ("HG-CTR-034", "warn"), // SYS_MODULE
        ("HG-CTR-039", "warn"),
        ("HG-CTR-040", "warn"),
    ];
    assert_eq!(findings(&engine, context, &host_net), expect(&host_net_ids), "host network");
    let hardened_ids = [
        ("HG-CTR-019", "manual"),
        ("HG-CTR-024", "manual"),
        ("HG-CTR-027", "warn"), // no healthcheck: not among the hardening flags
        ("HG-CTR-028", "manual"),
        ("HG-CTR-030", "warn"), // the default bridge
        ("HG-CTR-039", "warn"),
    ];
    assert_eq!(findings(&engine, context, &hardened), expect(&hardened_ids), "hardened");
    let privileged_ids = [
        ("HG-CTR-004", "warn"), // ALL not dropped
        ("HG-CTR-005", "warn"),
        ("HG-CTR-011", "warn"),
        ("HG-CTR-012", "warn"),
        ("HG-CTR-013", "warn"),
        ("HG-CTR-018", "warn"), // every device
        ("HG-CTR-019", "manual"),
        ("HG-CTR-020", "warn"), // rshared
        ("HG-CTR-022", "warn"), // no seccomp when privileged
        ("HG-CTR-024", "manual"),
        ("HG-CTR-026", "warn"),
        ("HG-CTR-027", "warn"),
        ("HG-CTR-028", "manual"),
        ("HG-CTR-029", "warn"),
        ("HG-CTR-030", "warn"),
        ("HG-CTR-033", "warn"),
        ("HG-CTR-034", "warn"),
        ("HG-CTR-035", "warn"),
        ("HG-CTR-036", "warn"),
        ("HG-CTR-039", "warn"),
        ("HG-CTR-040", "warn"),
    ];
    assert_eq!(findings(&engine, context, &privileged), expect(&privileged_ids), "privileged");

    // Every running container without names: ours among them, sorted by name.
    let (all, _) = engine.containers(&[]).unwrap();
    let names: Vec<&str> = all.iter().map(|c| hullguard_host::engine::name(&c.inspect)).collect();
    let ours: Vec<&str> = names.iter().copied().filter(|n| n.ends_with(&format!("-{}", std::process::id()))).collect();
    assert_eq!(ours, [hardened.as_str(), host_net.as_str(), risky.as_str()], "running ones only, by name");
    let err = engine.containers(&["hullguard-no-such-container".to_owned()]).err().unwrap().to_string();
    assert!(err.ends_with("container hullguard-no-such-container: no such container"), "{err}");
    drop(guard);
}
