//! `hullguard watch` from the command line: `--source auto` falls back to the proc connector
//! where the eBPF program cannot load (here: tracefs unmounted in a private mount namespace, so
//! the host's stays mounted); `--server` records the alerts in a real server's event store.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::audit::Container;
use crate::scan::db;
use crate::server::{Served, Tokens, get_json, store_dir};

fn root_with_an_engine() -> bool {
    let uid = Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let engine = Command::new("docker").arg("info").output().is_ok_and(|o| o.status.success());
    let ready = uid.is_ok_and(|u| u == "0") && engine;
    if !ready {
        assert!(std::env::var("CI").is_err(), "watch tests need root and the Docker Engine in CI");
        eprintln!("skipping: watch needs root and the Docker Engine");
    }
    ready
}

#[test]
fn auto_falls_back_to_the_proc_connector_without_tracefs() {
    if !root_with_an_engine() {
        return;
    }
    let hullguard = assert_cmd::cargo::cargo_bin("hullguard");
    let script = "umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug 2>/dev/null; \
                  exec \"$0\" watch --duration 1";
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", script])
        .arg(&hullguard)
        .env_remove("HULLGUARD_LOG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    let first = lines[0];
    assert!(first.starts_with("hullguard watch: proc connector and /proc polling (no eBPF: "), "{stderr}");
    assert!(first.contains("is tracefs mounted?"), "{stderr}");
    assert!(first.ends_with("); 6 of 16 rules active"), "{stderr}");
    assert_eq!(lines[1..17].iter().filter(|l| l.starts_with("  active: ")).count(), 6, "{stderr}");
    assert_eq!(lines[1], "  active: Terminal shell in container");
    assert_eq!(lines[2], "  inactive: Read sensitive file");
    assert!(lines[17].ends_with(" dropped"), "{stderr}");
    assert_eq!(lines.len(), 18, "{stderr}");
}

#[test]
fn alerts_are_recorded_in_the_server_event_store_with_rule_and_container_name() {
    if !root_with_an_engine() {
        return;
    }
    let (_dir, store) = store_dir();
    let tokens = Tokens::new(&store);
    let served = Served::start(&store, db(), &[]);
    let container = Container::named("-watch-server", &[]);
    let mut watch = Command::new(assert_cmd::cargo::cargo_bin("hullguard"))
        .args(["watch", "--duration", "5", "--server", &served.base, "--token", &tokens.scan])
        .env_remove("HULLGUARD_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read on a thread of its own: alerts of other containers on the machine must not fill the pipe.
    let mut out = watch.stdout.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        out.read_to_string(&mut text).map(|_| text)
    });
    // Its first line says which source runs: the watch is on.
    let mut stderr = BufReader::new(watch.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(first.starts_with("hullguard watch: "), "{first}");
    let shell = Command::new("docker").args(["exec", &container.name, "sh", "-c", "sleep 1; true"]).status();
    assert!(shell.unwrap().success());
    let stdout = stdout.join().unwrap().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(watch.wait().unwrap().success(), "{first}{rest}");
    assert!(!rest.contains("not delivered"), "{rest}");

    // Exactly the alerts written on stdout for this container are the server's runtime_alert
    // events, each stored as written.
    let written: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|a| a["output_fields"]["container.name"] == container.name.as_str())
        .collect();
    let events = get_json(&served, "/api/v1/events?since=0", &tokens.read);
    let stored: Vec<&Value> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["kind"] == "runtime_alert" && e["alert"]["output_fields"]["container.name"] == container.name.as_str()
        })
        .collect();
    let rules: Vec<&str> = stored.iter().map(|e| e["alert"]["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["Terminal shell in container"], "{events:#}");
    assert_eq!(stored[0]["alert"]["output_fields"]["proc.cmdline"], "sh -c sleep 1; true");
    assert_eq!(stored.iter().map(|e| &e["alert"]).collect::<Vec<_>>(), written.iter().collect::<Vec<_>>());
    served.stop();
}
