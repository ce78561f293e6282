//! `seccomp record` against a real container: a workload recorded while `docker exec` runs it,
//! run again in a fresh container under the recorded profile (it works), then a syscall outside
//! the profile (it fails with EPERM); the profile audits clean.

mod common;

use std::time::Duration;

use hullguard_watch::seccomp;

/// Reads a file and prints its first line: the workload recorded.
const WORKLOAD: &str = r#"open(my $f, "<", "/etc/os-release") or die "open: $!"; print scalar(<$f>)"#;

#[test]
fn recorded_profile_runs_the_workload_and_denies_the_rest_with_eperm() {
    // The eBPF precondition, said once; the recorder attaches its own program.
    let Some(probe) = common::probe() else { return };
    drop(probe);
    let container = common::Container::start("record", &[]);
    let (_, pidns) = seccomp::container_pidns(&container.id).expect("the container's pid namespace");
    let seen = std::thread::scope(|s| {
        let recorder = s.spawn(|| seccomp::record(pidns, Duration::from_secs(3)));
        std::thread::sleep(Duration::from_millis(700)); // attached
        assert_eq!(
            container.exec(&["/usr/bin/perl", "-e", WORKLOAD]),
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\""
        );
        recorder.join().expect("no panic").expect("the recorder runs")
    });
    let profile = seccomp::profile(&seen);
    let names: Vec<&str> =
        profile["syscalls"][0]["names"].as_array().unwrap().iter().filter_map(|n| n.as_str()).collect();
    assert!(names.contains(&"read") && names.contains(&"openat"), "{names:?}");
    assert!(!names.contains(&"getcpu"), "the syscall tried below is outside the profile");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profile.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&profile).unwrap()).unwrap();
    let audit = hullguard_host::seccomp::audit_profile(&std::fs::read(&path).unwrap(), "profile.json").unwrap();
    assert!(hullguard_host::seccomp::is_clean(&audit), "{audit:#?}");

    let opt = format!("seccomp={}", path.display());
    let run = |script: &str| {
        common::docker(&["run", "--rm", "--security-opt", &opt, "debian-base", "/usr/bin/perl", "-e", script])
    };
    let again = run(WORKLOAD);
    assert!(again.status.success(), "the workload under its profile: {}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(String::from_utf8_lossy(&again.stdout), "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n");
    let outside = run(r#"my ($a, $b) = (0, 0); syscall(309, $a, $b, 0) == -1 or die "allowed"; print $! + 0"#);
    assert!(outside.status.success(), "{}", String::from_utf8_lossy(&outside.stderr));
    assert_eq!(String::from_utf8_lossy(&outside.stdout), "1", "getcpu fails with EPERM (1)");
}
