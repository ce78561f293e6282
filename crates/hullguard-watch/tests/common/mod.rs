//! What the tests against the kernel and a real Engine share: the eBPF precondition, containers
//! from the shared debian-base image removed at the end, waiting for an event.

#![allow(dead_code)] // each test binary uses its own part

use std::io::Write;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use hullguard_watch::bpf::Probe;
use hullguard_watch::events::Event;

/// The probe attached, or `None` after saying why on stderr when this machine cannot run eBPF
/// (not root, no BTF, no Engine). With `HULLGUARD_REQUIRE_EBPF` set (CI), that is a failure.
pub fn probe() -> Option<Probe> {
    let missing = if !is_root() {
        Some("not root".to_owned())
    } else if !std::path::Path::new("/sys/kernel/btf/vmlinux").exists() {
        Some("the kernel has no BTF (/sys/kernel/btf/vmlinux)".to_owned())
    } else if !docker(&["info"]).status.success() {
        Some("no Docker Engine".to_owned())
    } else {
        None
    };
    let result = match missing {
        Some(why) => Err(why),
        None => Probe::attach().map_err(|e| e.to_string()),
    };
    match result {
        Ok(probe) => Some(probe),
        Err(why) if std::env::var_os("HULLGUARD_REQUIRE_EBPF").is_some() => {
            panic!("HULLGUARD_REQUIRE_EBPF is set but eBPF cannot run: {why}")
        }
        Err(why) => {
            // Straight to stderr: the test harness captures eprintln! of passing tests.
            let _ = writeln!(std::io::stderr(), "SKIPPED: eBPF test not run: {why}");
            None
        }
    }
}

fn is_root() -> bool {
    // The effective uid of this process, from /proc (no libc call needed).
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines().find_map(|l| l.strip_prefix("Uid:")).and_then(|l| l.split_whitespace().nth(1)) == Some("0")
    })
}

/// Runs `docker ARGS`.
pub fn docker(args: &[&str]) -> Output {
    Command::new("docker").args(args).output().expect("docker runs")
}

/// `docker ARGS`, which must succeed; its stdout trimmed.
pub fn docker_ok(args: &[&str]) -> String {
    let out = docker(args);
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A running debian-base container (`sleep infinity`), removed when dropped.
pub struct Container {
    /// The full container id.
    pub id: String,
}

impl Container {
    /// Starts one, loading debian-base from the shared images first when the Engine lacks it.
    pub fn start(name: &str, flags: &[&str]) -> Self {
        if !docker(&["image", "inspect", "debian-base:latest"]).status.success() {
            let shared = std::env::var("HULLGUARD_SHARED")
                .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared").to_owned());
            docker_ok(&["load", "-q", "-i", &format!("{shared}/images/bookworm-images.docker.tar")]);
        }
        let name = format!("hg-watch-{name}-{}", std::process::id());
        let mut args = vec!["run", "-d", "--rm", "--name", &name];
        args.extend(flags);
        args.extend(["debian-base", "sleep", "infinity"]);
        Container { id: docker_ok(&args) }
    }

    /// `docker exec` in it, which must succeed.
    pub fn exec(&self, command: &[&str]) -> String {
        self.exec_as("0", command)
    }

    /// `docker exec -u USER` in it, which must succeed.
    pub fn exec_as(&self, user: &str, command: &[&str]) -> String {
        let mut args = vec!["exec", "-u", user, self.id.as_str()];
        args.extend(command);
        docker_ok(&args)
    }

    /// The host pid of its first process.
    pub fn pid(&self) -> u32 {
        docker_ok(&["inspect", "-f", "{{.State.Pid}}", &self.id]).parse().expect("a pid")
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", "-v", &self.id]);
    }
}

/// Every event that arrives within `wait`, read until `done` holds for one of them.
pub fn collect(probe: &mut Probe, wait: Duration, done: impl Fn(&Event) -> bool) -> Vec<Event> {
    let start = Instant::now();
    let mut seen = Vec::new();
    while start.elapsed() < wait {
        match probe.poll() {
            Some(e) => {
                let stop = done(&e);
                seen.push(e);
                if stop {
                    break;
                }
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    seen
}
