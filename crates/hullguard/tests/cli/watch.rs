//! `hullguard watch` from the command line: `--source auto` falls back to the proc connector
//! where the eBPF program cannot load (here: tracefs unmounted in a private mount namespace, so
//! the host's stays mounted).

use std::process::Command;

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
