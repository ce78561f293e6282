//! The kernel side against a real container: `docker exec` of a command arrives as an exec event
//! with its path, arguments, the container's pid namespace and cgroup; the host's own exec does not.

mod common;

use std::time::Duration;

use hullguard_watch::container::{Containers, Origin, origin};
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
        Action::Exec {
            path: "/bin/echo".into(),
            argv: vec!["/bin/echo".into(), marker.clone(), "two words".into()],
            stdio_socket: false
        }
    );
    assert_eq!(pidns.to_string_lossy(), format!("pid:[{}]", exec.pidns));
    assert_eq!(exec.cgroup, container.id);
    assert_eq!(exec.uid, 0);
    assert_eq!(probe.dropped(), 0);
}

#[test]
fn events_map_to_their_container_and_docker_exec_is_told_from_the_healthcheck() {
    let Some(mut probe) = common::probe() else { return };
    let mut containers = Containers::connect().expect("the Engine answers");
    let container = common::Container::start("origin", &["--health-cmd", "echo healthy", "--health-interval", "1s"]);
    let marker = format!("origin-{}", std::process::id());
    container.exec(&["/bin/echo", &marker]);
    let healthcheck = ["/bin/sh", "-c", "echo healthy"].map(String::from).to_vec();
    let events = common::collect(&mut probe, Duration::from_secs(10), |e| {
        matches!(&e.action, Action::Exec { argv, .. } if *argv == healthcheck) && e.cgroup == container.id
    });
    let origin_of = |want: &dyn Fn(&[String]) -> bool, containers: &mut Containers| {
        let e = events
            .iter()
            .find(|e| e.cgroup == container.id && matches!(&e.action, Action::Exec { argv, .. } if want(argv)))
            .expect("the exec arrived");
        let found = containers.of(e).expect("the Engine knows the container");
        (found.name.clone(), found.repository().to_owned(), origin(&found, e))
    };
    let name = format!("hg-watch-origin-{}", std::process::id());
    let exec = origin_of(&|argv| argv.get(1) == Some(&marker), &mut containers);
    assert_eq!(exec, (name.clone(), "debian-base".to_owned(), Origin::Exec));
    let check = origin_of(&|argv| *argv == healthcheck, &mut containers);
    assert_eq!(check, (name.clone(), "debian-base".to_owned(), Origin::Healthcheck));
    let init = origin_of(&|argv| argv == ["sleep", "infinity"], &mut containers);
    assert_eq!(init, (name, "debian-base".to_owned(), Origin::Container));
    assert_eq!(containers.asked(), 1, "one Engine call per container");
}
