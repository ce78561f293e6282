//! Each default rule against the bad action done in a real debian-base container, and a benign
//! workload that raises no alert. Alerts are read as `hullguard watch` writes them.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hullguard_watch::rules::{self, DEFAULT};
use serde_json::Value;

/// The alerts raised while `act` runs on a fresh container (`flags` for `docker run`).
fn alerts_of(name: &str, flags: &[&str], act: impl FnOnce(&common::Container)) -> Option<Vec<Value>> {
    // The precondition once, loudly; `run` attaches its own probe.
    drop(common::probe()?);
    let container = common::Container::start(name, flags);
    let done = AtomicBool::new(false);
    let mut out = Vec::new();
    std::thread::scope(|s| {
        let watcher = s.spawn(|| {
            let rules = rules::parse("default.yaml", DEFAULT).expect("default rules");
            hullguard_watch::run(rules, Duration::from_secs(10), &mut out, &|| done.load(Ordering::SeqCst))
        });
        std::thread::sleep(Duration::from_millis(700)); // attached
        act(&container);
        std::thread::sleep(Duration::from_millis(700)); // read
        done.store(true, Ordering::SeqCst);
        let stats = watcher.join().expect("no panic").expect("watch runs");
        assert_eq!(stats.dropped, 0);
    });
    let alerts: Vec<Value> =
        String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).expect("JSON lines")).collect();
    // Only this container's alerts (others may run on the machine).
    let short = &container.id[..12];
    Some(alerts.into_iter().filter(|a| a["output_fields"]["container.id"] == short).collect())
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
