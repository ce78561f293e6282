//! The kernel side against a real container: `docker exec` of a command arrives as an exec event
//! with its path, arguments, the container's pid namespace and cgroup; the host's own exec does not.

mod common;

use std::time::Duration;

use hullguard_watch::events::Action;

#[test]
fn docker_exec_arrives_with_path_argv_and_namespace_host_exec_does_not() {
    let Some(mut probe) = common::probe() else { return };
    let container = common::Container::start("exec", &[]);
    let pidns = std::fs::read_link(format!("/proc/{}/ns/pid", container.pid())).expect("the container's pid ns");
    let marker = format!("marker-{}", std::process::id());
    let host = std::process::Command::new("/bin/echo").arg(format!("host-{marker}")).output().expect("echo runs");
    assert!(host.status.success());
    assert_eq!(container.exec(&["/bin/echo", &marker, "two words"]), format!("{marker} two words"));

    let events = common::collect(
        &mut probe,
        Duration::from_secs(10),
        |e| matches!(&e.action, Action::Exec { argv, .. } if argv.get(1) == Some(&marker)),
    );
    let execs: Vec<_> = events
        .iter()
        .filter(|e| matches!(&e.action, Action::Exec { argv, .. } if argv.iter().any(|a| a.contains(&marker))))
        .collect();
    assert_eq!(execs.len(), 1, "exactly the container's exec, not the host's: {execs:#?}");
    let exec = execs[0];
    assert_eq!(
        exec.action,
        Action::Exec { path: "/bin/echo".into(), argv: vec!["/bin/echo".into(), marker.clone(), "two words".into()] }
    );
    assert_eq!(pidns.to_string_lossy(), format!("pid:[{}]", exec.pidns));
    assert_eq!(exec.cgroup, container.id);
    assert_eq!(exec.uid, 0);
    assert_eq!(probe.dropped(), 0);
}
