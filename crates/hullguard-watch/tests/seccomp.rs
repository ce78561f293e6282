//! `seccomp record` against a real container: a workload recorded (while `docker exec` runs it in
//! a running container, or as the command of a container started while recording), run again in
//! a fresh container under the recorded profile (it works), then a syscall outside the profile
//! (it fails with EPERM); the profile audits clean.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use hullguard_watch::seccomp;

/// Reads a file and prints its first line: the workload recorded.
const WORKLOAD: &str = r#"open(my $f, "<", "/etc/os-release") or die "open: $!"; print scalar(<$f>)"#;

/// The line [`WORKLOAD`] prints.
const OS_RELEASE: &str = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"";

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
        assert_eq!(container.exec(&["/usr/bin/perl", "-e", WORKLOAD]), OS_RELEASE);
        recorder.join().expect("no panic").expect("the recorder runs")
    });
    profile_runs_only_what_was_recorded(&seen, &["/usr/bin/perl", "-e", WORKLOAD]);
}

#[test]
fn recorded_from_the_start_of_docker_run_the_profile_runs_the_workload_and_denies_the_rest() {
    let Some(probe) = common::probe() else { return };
    drop(probe);
    let container = common::Container::named("record-run"); // removed also when the test fails
    let script = format!("/usr/bin/perl -e '{WORKLOAD}'; exit $?");
    let command = ["docker", "run", "--rm", "--name", &container.id, "debian-base", "sh", "-c", &script];
    let command: Vec<String> = command.iter().map(|&a| a.to_owned()).collect();
    let run = seccomp::record_run(&command, Some(Instant::now() + Duration::from_secs(60))).expect("recorded");
    assert!(run.status.is_some_and(|s| s.success()), "{run:?}");
    assert_eq!(run.container.len(), 64, "{run:?}");
    // sh forked perl and waited for it: seen from the container's first process on.
    let names = profile_runs_only_what_was_recorded(&run.syscalls, &["sh", "-c", &script]);
    assert!(names.contains(&"wait4".to_owned()), "{names:?}");
}

#[test]
fn only_docker_run_is_recorded_from_the_start() {
    let command = ["docker".to_owned(), "exec".to_owned(), "x".to_owned(), "sh".to_owned()];
    let error = seccomp::record_run(&command, None).unwrap_err();
    assert_eq!(error.to_string(), "only `docker run …` is recorded from the start, not `docker exec`");
}

/// The profile of the syscalls `seen` (which hold [`WORKLOAD`]'s): it audits clean, a fresh
/// debian-base container under it runs `workload` (which runs [`WORKLOAD`]), and a syscall outside
/// it (getcpu) fails there with EPERM. Returns the profile's syscall names.
fn profile_runs_only_what_was_recorded(seen: &BTreeSet<u32>, workload: &[&str]) -> Vec<String> {
    let profile = seccomp::profile(seen);
    let names: Vec<String> =
        profile["syscalls"][0]["names"].as_array().unwrap().iter().filter_map(|n| n.as_str().map(Into::into)).collect();
    assert!(names.contains(&"read".to_owned()) && names.contains(&"openat".to_owned()), "{names:?}");
    assert!(!names.contains(&"getcpu".to_owned()), "the syscall tried below is outside the profile");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profile.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&profile).unwrap()).unwrap();
    let audit = hullguard_host::seccomp::audit_profile(&std::fs::read(&path).unwrap(), "profile.json").unwrap();
    assert!(hullguard_host::seccomp::is_clean(&audit), "{audit:#?}");

    let opt = format!("seccomp={}", path.display());
    let run = |command: &[&str]| {
        let mut args = vec!["run", "--rm", "--security-opt", &opt, "debian-base"];
        args.extend(command);
        common::docker(&args)
    };
    let again = run(workload);
    assert!(again.status.success(), "the workload under its profile: {}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(String::from_utf8_lossy(&again.stdout), format!("{OS_RELEASE}\n"));
    let getcpu = r#"my ($a, $b) = (0, 0); syscall(309, $a, $b, 0) == -1 or die "allowed"; print $! + 0"#;
    let outside = run(&["/usr/bin/perl", "-e", getcpu]);
    assert!(outside.status.success(), "{}", String::from_utf8_lossy(&outside.stderr));
    assert_eq!(String::from_utf8_lossy(&outside.stdout), "1", "getcpu fails with EPERM (1)");
    names
}
