//! Each default rule against the bad action done in a real debian-base container, and a benign
//! workload that raises no alert. Alerts are read as `hullguard watch` writes them.

mod common;

use std::time::Duration;

use common::{Case, Step, alert, perl, root, user};
use hullguard_watch::SourceChoice;
use hullguard_watch::rules::DEFAULT;
use serde_json::Value;

/// The alerts of the default rules raised while `act` runs on a fresh container (`flags` for
/// `docker run`).
fn alerts_of(name: &str, flags: &[&str], act: impl FnOnce(&common::Container)) -> Option<Vec<Value>> {
    alerts_with(name, flags, DEFAULT, Duration::from_secs(10), act)
}

/// The alerts of `rules` (repeats folded within `window`) raised while `act` runs.
fn alerts_with(
    name: &str,
    flags: &[&str],
    rules: &str,
    window: Duration,
    act: impl FnOnce(&common::Container),
) -> Option<Vec<Value>> {
    // The precondition once, loudly; `run` attaches its own probe.
    drop(common::probe()?);
    let watched = common::watch(SourceChoice::Ebpf, name, flags, rules, window, act);
    assert_eq!(watched.stats.dropped, 0);
    Some(watched.alerts)
}

fn rules_of(alerts: &[Value]) -> Vec<&str> {
    alerts.iter().map(|a| a["rule"].as_str().unwrap()).collect()
}

#[test]
fn shell_by_docker_exec_has_falco_shape() {
    let Some(alerts) = alerts_of("shell", &[], |c| {
        c.exec(&["/bin/bash", "-c", "true"]);
    }) else {
        return;
    };
    assert_eq!(rules_of(&alerts), ["Terminal shell in container"]);
    let a = &alerts[0];
    assert_eq!(a["priority"], "Warning");
    assert_eq!(a["source"], "syscall");
    assert_eq!(a["tags"], serde_json::json!(["container", "shell", "mitre_execution", "T1059.004"]));
    let f = &a["output_fields"];
    assert_eq!(f["proc.cmdline"], "bash -c true");
    assert_eq!(f["proc.exe"], "/bin/bash");
    assert_eq!(f["user.uid"], "0");
    assert_eq!(f["container.image.repository"], "debian-base");
    let name = format!("hg-watch-shell-{}", std::process::id());
    assert_eq!(f["container.name"], name.as_str());
    assert!(a["output"].as_str().unwrap().ends_with(&format!(
        ": Warning A shell was spawned in a container (user=0 container={name} image=debian-base cmdline=bash -c true)"
    )));
}

/// `docker run` flags that let the syscalls Docker's default seccomp profile refuses reach the
/// kernel's tracepoints (seccomp runs first: a refused call is never seen, nor done).
const UNCONFINED: [&str; 2] = ["--security-opt", "seccomp=unconfined"];

/// Each default rule against the bad action done in a fresh container (steps and expected
/// alerts), and a benign workload with a healthcheck that raises nothing.
fn default_rule_cases(revshell_port: u16) -> Vec<Case> {
    let setid = "syscall(105, 0); syscall(106, 0)";
    let ptrace = "syscall(101, 16, 1, 0, 0)"; // PTRACE_ATTACH to the container's pid 1
    let mount = r#"my ($s, $t, $f) = ("none", "/mnt", "tmpfs"); syscall(165, $s, $t, $f, 0, 0)"#;
    let unshare = "syscall(272, 0x04000000)"; // CLONE_NEWUTS
    let setns = r#"open(my $f, "<", "/proc/1/ns/net") or die; syscall(308, fileno($f), 0x40000000)"#;
    let module = r#"my $p = ""; syscall(313, 0, $p, 0)"#; // finit_module
    let bpf = "syscall(321, 0, 0, 0)"; // BPF_MAP_CREATE
    let revshell = common::reverse_shell(revshell_port, "true");
    let perl_e = |script: &str| format!("perl -e {script}");
    let id_change = "User or group id change by non-root process";
    let ns_change = "Namespace change in container";
    vec![
        Case {
            name: "shadow",
            flags: &[],
            steps: vec![root(&["/usr/bin/cat", "/etc/shadow"])],
            alerts: vec![alert(
                "Read sensitive file",
                &[("fd.name", "/etc/shadow"), ("proc.cmdline", "cat /etc/shadow")],
            )],
        },
        Case {
            name: "write",
            flags: &[],
            steps: vec![root(&["/usr/bin/cp", "/usr/bin/true", "/usr/bin/x"]), root(&["/usr/bin/x"])],
            alerts: vec![
                alert(
                    "Write below binary dir",
                    &[("fd.name", "/usr/bin/x"), ("proc.cmdline", "cp /usr/bin/true /usr/bin/x")],
                ),
                alert("Drift detected (exec of a file not in the image)", &[("proc.exe", "/usr/bin/x")]),
            ],
        },
        Case {
            name: "etc",
            flags: &[],
            steps: vec![root(&["/usr/bin/touch", "/etc/evil"]), root(&["/usr/bin/dpkg", "-l", "bash"])],
            alerts: vec![
                alert("Write below etc", &[("fd.name", "/etc/evil")]),
                alert("Package management process in container", &[("proc.cmdline", "dpkg -l bash")]),
            ],
        },
        Case {
            name: "mining",
            flags: &["--network", "host"],
            steps: vec![root(&["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/3333"])],
            alerts: vec![
                alert("Terminal shell in container", &[]),
                alert("Outbound connection to mining pool port", &[("fd.name", "127.0.0.1:3333"), ("fd.port", "3333")]),
            ],
        },
        Case {
            name: "sock",
            flags: &["-v", "/var/run/docker.sock:/var/run/docker.sock"],
            steps: vec![perl("use IO::Socket::UNIX; IO::Socket::UNIX->new(Peer => '/var/run/docker.sock') or die")],
            alerts: vec![alert(
                "Docker socket contacted from container",
                &[("fd.name", "/var/run/docker.sock"), ("evt.type", "connect")],
            )],
        },
        Case {
            name: "benign",
            flags: &["--health-cmd", "/usr/bin/true", "--health-interval", "1s"],
            steps: vec![
                root(&["/usr/bin/ls", "/usr/bin"]),
                root(&["/usr/bin/cat", "/etc/os-release"]),
                root(&["/usr/bin/sha256sum", "/usr/bin/ls"]),
                Step::Wait(Duration::from_millis(1500)), // a healthcheck runs
            ],
            alerts: vec![],
        },
        Case {
            name: "setid",
            flags: &[],
            steps: vec![user(&["/usr/bin/perl", "-e", setid])],
            alerts: vec![
                alert(
                    id_change,
                    &[
                        ("proc.cmdline", &perl_e(setid)),
                        ("evt.type", "setuid"),
                        ("evt.arg.id", "0"),
                        ("user.uid", "1000"),
                    ],
                ),
                alert(id_change, &[("proc.cmdline", &perl_e(setid)), ("evt.type", "setgid"), ("evt.arg.id", "0")]),
            ],
        },
        Case {
            name: "suid",
            flags: &[],
            steps: vec![
                user(&["/usr/bin/su", "--help"]),
                root(&["/usr/bin/su", "--help"]), // root: no alert
            ],
            alerts: vec![alert(
                "Setuid binary run by non-root user",
                &[
                    ("proc.cmdline", "su --help"),
                    ("fd.name", "/usr/bin/su"),
                    ("evt.arg.mode", "104755"),
                    ("user.uid", "1000"),
                ],
            )],
        },
        Case {
            name: "ptrace",
            flags: &[],
            steps: vec![perl(ptrace)],
            alerts: vec![alert(
                "PTRACE attached to another process",
                &[("proc.cmdline", &perl_e(ptrace)), ("evt.arg.request", "16"), ("evt.arg.pid", "1")],
            )],
        },
        Case {
            name: "mount",
            flags: &UNCONFINED,
            steps: vec![perl(mount)],
            alerts: vec![alert("Mount in container", &[("proc.cmdline", &perl_e(mount)), ("fd.name", "/mnt")])],
        },
        Case {
            name: "ns",
            flags: &UNCONFINED,
            steps: vec![perl(unshare), perl(setns)],
            alerts: vec![
                alert(
                    ns_change,
                    &[("proc.cmdline", &perl_e(unshare)), ("evt.type", "unshare"), ("evt.arg.flags", "0x4000000")],
                ),
                alert(
                    ns_change,
                    &[("proc.cmdline", &perl_e(setns)), ("evt.type", "setns"), ("evt.arg.flags", "0x40000000")],
                ),
            ],
        },
        Case {
            name: "module",
            flags: &UNCONFINED,
            steps: vec![perl(module)],
            alerts: vec![alert(
                "Kernel module load from container",
                &[("proc.cmdline", &perl_e(module)), ("evt.type", "finit_module")],
            )],
        },
        Case {
            name: "bpf",
            flags: &UNCONFINED,
            steps: vec![perl(bpf)],
            alerts: vec![alert("BPF from container", &[("proc.cmdline", &perl_e(bpf)), ("evt.arg.cmd", "0")])],
        },
        Case {
            name: "revshell",
            flags: &["--network", "host"],
            steps: vec![perl(&revshell)],
            alerts: vec![alert(
                "Reverse shell",
                &[("proc.cmdline", "sh -c true"), ("proc.exe", "/bin/sh"), ("proc.stdio_socket", "true")],
            )],
        },
    ]
}

#[test]
fn each_default_rule_alerts_on_its_bad_action_and_a_benign_workload_on_none() {
    // The loopback listeners the mining and reverse shell cases connect to.
    let _mining = std::net::TcpListener::bind("127.0.0.1:3333").expect("port 3333 free");
    let revshell = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    for case in default_rule_cases(revshell.local_addr().unwrap().port()) {
        let Some(alerts) = alerts_of(case.name, case.flags, |c| case.act(c)) else {
            return;
        };
        case.check(&alerts);
    }
}

/// A rules file of one rule alerting on reads of /etc/shadow in the container named
/// `hg-watch-NAME-PID` only (tests run side by side, responses must not reach the others), with
/// `extra` keys.
fn shadow_rule(name: &str, extra: &str) -> String {
    let container = format!("hg-watch-{name}-{}", std::process::id());
    format!(
        "rules:\n  - rule: Shadow\n    priority: warning\n    \
         condition: evt.type = open and fd.name = /etc/shadow and container.name = {container}\n    \
         output: \"read by %proc.cmdline\"\n{extra}"
    )
}

#[test]
fn pause_and_kill_responses_act_on_the_container() {
    // A killed container is removed at once (`--rm`): not running is what is seen.
    for (response, state) in [("pause", "paused"), ("kill", "")] {
        let name = format!("respond-{response}");
        let rules = shadow_rule(&name, &format!("    response: {response}\n"));
        let Some(alerts) = alerts_with(&name, &[], &rules, Duration::from_secs(10), |c| {
            // Detached: a paused or killed exec session would not return.
            common::docker_ok(&["exec", "-d", &c.id, "/usr/bin/cat", "/etc/shadow"]);
            std::thread::sleep(Duration::from_millis(700));
            let out = common::docker(&["inspect", "-f", "{{.State.Status}}", &c.id]);
            let status = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            assert!(status == state || (state.is_empty() && !out.status.success()), "{response}: {status}");
        }) else {
            return;
        };
        assert_eq!(rules_of(&alerts), ["Shadow"]);
        assert_eq!(alerts[0]["output_fields"]["hullguard.response"], response, "{:#?}", alerts[0]);
    }
}

#[test]
fn exceptions_leave_out_the_matching_process_and_path() {
    let rules = shadow_rule(
        "except",
        "    exceptions:\n      - process: cat\n        path: [/etc/shadow]\n      - image: other*\n",
    );
    let case = Case {
        name: "except",
        flags: &[],
        steps: vec![root(&["/usr/bin/cat", "/etc/shadow"]), root(&["/usr/bin/head", "-c1", "/etc/shadow"])],
        alerts: vec![alert("Shadow", &[("proc.cmdline", "head -c1 /etc/shadow")])],
    };
    let Some(alerts) = alerts_with(case.name, case.flags, &rules, Duration::from_secs(10), |c| case.act(c)) else {
        return;
    };
    case.check(&alerts);
}

#[test]
fn repeats_fold_into_the_next_alert_and_the_rate_limit_holds_back_the_rest() {
    let window = Duration::from_secs(4);
    let rules = shadow_rule("fold", "    rate_limit: 2\n");
    let Some(alerts) = alerts_with("fold", &[], &rules, window, |c| {
        let start = std::time::Instant::now();
        for _ in 0..3 {
            c.exec(&["/usr/bin/cat", "/etc/shadow"]);
        }
        assert!(start.elapsed() < window, "three execs within the window");
        std::thread::sleep(window.saturating_sub(start.elapsed()) + Duration::from_millis(1500));
        c.exec(&["/usr/bin/cat", "/etc/shadow"]); // after the window: written, with the 2 repeats
        c.exec(&["/usr/bin/head", "-c1", "/etc/shadow"]); // a third alert this minute: held back
    }) else {
        return;
    };
    let f = |n: usize, k: &str| alerts[n]["output_fields"][k].clone();
    assert_eq!(rules_of(&alerts), ["Shadow", "Shadow"], "{alerts:#?}");
    assert_eq!(f(0, "hullguard.repeats"), Value::Null);
    assert_eq!(f(1, "hullguard.repeats"), 2);
    assert!(f(1, "hullguard.repeats_first").as_str().unwrap() <= f(1, "hullguard.repeats_last").as_str().unwrap());
    assert_eq!(f(1, "proc.cmdline"), "cat /etc/shadow");
}

#[test]
fn repeated_opens_of_one_process_are_counted_in_the_kernel_and_folded() {
    // One shell opens /etc/shadow 50 times within the kernel's second (one sent, 49 counted), once
    // more after it (sent with the 49), and once after the alert window (written with all 50).
    let window = Duration::from_secs(4);
    let rules = shadow_rule("kfold", "");
    let script = "for i in $(seq 50); do read l < /etc/shadow; done; sleep 1.5; read l < /etc/shadow; \
                  sleep 4; read l < /etc/shadow";
    let Some(alerts) = alerts_with("kfold", &[], &rules, window, |c| {
        c.exec(&["/bin/sh", "-c", script]);
    }) else {
        return;
    };
    let f = |n: usize, k: &str| alerts[n]["output_fields"][k].clone();
    assert_eq!(rules_of(&alerts), ["Shadow", "Shadow"], "{alerts:#?}");
    assert_eq!(f(0, "hullguard.repeats"), Value::Null);
    assert_eq!(f(1, "hullguard.repeats"), 50, "{alerts:#?}");
}
