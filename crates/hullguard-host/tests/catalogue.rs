//! Every concept of the catalogue's sections "Docker host and daemon" and "Running containers
//! and operations" is checked: each runs on fixture facts, and each can end in `pass` or `warn` —
//! except exactly those listed in `NOT_AUTOMATED`, with the reason, which are only `manual` or `n/a`.

use std::collections::{BTreeMap, BTreeSet};

use hullguard_checks::registry::registry;
use hullguard_host::containers::{DaemonContext, check, check_daemon};
use hullguard_host::engine::{ContainerFacts, DaemonFacts};
use hullguard_host::hostfs::HostFacts;
use hullguard_host::{Audit, NOT_AUTOMATED, daemon};
use hullguard_report::CheckStatus;
use serde_json::json;

fn catalogue_keys() -> Vec<String> {
    let shared = std::env::var("HULLGUARD_SHARED")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared").to_owned());
    let text =
        std::fs::read_to_string(format!("{shared}/checks/CATALOGUE.md")).expect("the catalogue (HULLGUARD_SHARED)");
    let mut keys = Vec::new();
    for heading in ["Docker host and daemon", "Running containers and operations"] {
        let section = text.split("### ").find(|s| s.starts_with(heading)).unwrap();
        keys.extend(section.lines().filter_map(|l| Some(l.strip_prefix("| `")?.split('`').next()?.to_owned())));
    }
    keys
}

fn engine(info: serde_json::Value, version: &str, images: &[&str]) -> DaemonFacts {
    DaemonFacts {
        host: "unix:///fixture.sock".to_owned(),
        api_version: "1.41".to_owned(),
        info,
        version: json!({"Version": version}),
        plugins: json!([]),
        container_images: images.iter().map(|i| (*i).to_owned()).collect(),
    }
}

/// Runs every check over fixtures meant to reach each outcome.
fn runs() -> Vec<Audit> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("etc/docker")).unwrap();
    std::fs::write(root.join("etc/docker/daemon.json"), r#"{"icc": false, "userland-proxy": true, "default-ulimits": {"nofile": {}},
        "cgroup-parent": "/x", "tlscacert": "/etc/docker/ca.pem", "tlscert": "/etc/docker/cert.pem", "tlskey": "/etc/docker/key.pem",
        "seccomp-profile": "/etc/docker/seccomp.json"}"#).unwrap();
    let files = [
        ("proc/mounts", "/dev/vda / ext4 rw 0 0\n"),
        ("etc/group", "docker:x:998:\n"),
        ("etc/audit/audit.rules", "-w /usr/bin/dockerd -k docker\n"),
        ("etc/docker/seccomp.json", r#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_AARCH64"]}"#),
        ("etc/docker/certs.d/r/ca.crt", ""),
        ("etc/docker/ca.pem", ""),
        ("etc/docker/cert.pem", ""),
        ("etc/docker/key.pem", ""),
        ("etc/default/docker", ""),
        ("etc/sysconfig/docker", ""),
        ("etc/containerd/config.toml", ""),
        ("lib/systemd/system/docker.service", "[Service]\nExecStart=/usr/bin/dockerd\n"),
        ("lib/systemd/system/docker.socket", "[Socket]\nListenStream=/run/docker.sock\n"),
        ("run/docker.sock", ""),
        ("run/containerd/containerd.sock", ""),
    ];
    for bin in
        ["dockerd", "containerd", "containerd-shim", "containerd-shim-runc-v1", "containerd-shim-runc-v2", "runc"]
    {
        std::fs::create_dir_all(root.join("usr/bin")).unwrap();
        std::fs::write(root.join("usr/bin").join(bin), "").unwrap();
    }
    for (path, text) in files {
        std::fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
        std::fs::write(root.join(path), text).unwrap();
    }
    std::fs::create_dir_all(root.join("var/lib/docker")).unwrap();
    let configured = HostFacts::read(root);
    let empty_dir = tempfile::tempdir().unwrap();
    let empty = HostFacts::read(empty_dir.path());
    let defaults_dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(defaults_dir.path().join("etc/docker")).unwrap();
    std::fs::write(defaults_dir.path().join("etc/docker/daemon.json"), "{}").unwrap();
    let defaults = HostFacts::read(defaults_dir.path());
    let plain = engine(
        json!({"SecurityOptions": ["name=seccomp,profile=default"], "Swarm": {"LocalNodeState": "inactive"},
               "LoggingDriver": "json-file", "Driver": "overlay2", "LiveRestoreEnabled": true}),
        "20.10.24",
        &[],
    );
    let rootless_swarm_ee = engine(
        json!({"SecurityOptions": ["name=seccomp,profile=default", "name=rootless"],
               "Swarm": {"LocalNodeState": "active", "Managers": 3}, "LoggingDriver": "syslog", "Driver": "devicemapper"}),
        "17.06.2-ee",
        &["docker/ucp:3.0", "docker/dtr:2.5"],
    );
    let mut audits = vec![
        daemon::check(Some(&plain), &configured),
        daemon::check(Some(&rootless_swarm_ee), &configured),
        daemon::check(None, &empty),
        daemon::check(None, &defaults),
        check_daemon(&plain.info),
        check_daemon(&rootless_swarm_ee.info),
    ];
    let quiet = json!({"Id": "0123456789ab", "Name": "/quiet", "State": {"Running": true}, "Config": {"Image": "x@sha256:1", "User": "1"},
                        "HostConfig": {"CapDrop": ["ALL"]}});
    let loud = json!({"Id": "ba9876543210", "Name": "/loud", "State": {"Running": true}, "Config": {"Image": "x"},
                       "HostConfig": {"Privileged": true, "CapAdd": ["ALL"], "SecurityOpt": ["seccomp=unconfined"],
                                      "PidMode": "host", "IpcMode": "host", "UTSMode": "host", "UsernsMode": "host", "NetworkMode": "host",
                                      "Ulimits": [{"Name": "nofile"}], "CgroupParent": "/x", "RestartPolicy": {"Name": "always"},
                                      "PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "80"}]}},
                       "Mounts": [{"Type": "bind", "Source": "/run/docker.sock", "Destination": "/s", "RW": true, "Propagation": "rshared"},
                                  {"Type": "bind", "Source": "/etc", "Destination": "/e", "RW": true}]});
    let execs = vec![json!({"ID": "e1", "ProcessConfig": {"privileged": true, "user": "root"}})];
    let top = json!({"Titles": ["PID", "UID", "COMMAND"], "Processes": [["1", "0", "sshd"]]});
    let secure = DaemonContext { apparmor: true, selinux: true, ..DaemonContext::default() };
    for (inspect, execs, top) in [(quiet, vec![], None), (loud, execs, Some(top))] {
        let facts = ContainerFacts { inspect, top, execs };
        audits.push(check(&facts, secure));
    }
    audits
}

#[test]
fn every_concept_runs_and_only_the_listed_ones_never_decide() {
    let keys = catalogue_keys();
    assert_eq!(keys.len(), 118);
    let concept_of: BTreeMap<&str, &str> = registry().iter().map(|m| (m.id, m.concept)).collect();
    let mut seen: BTreeMap<&str, BTreeSet<CheckStatus>> = BTreeMap::new();
    for audit in runs() {
        assert!(audit.warnings.iter().all(|w| !w.starts_with("internal")), "{:?}", audit.warnings);
        for o in &audit.outcomes {
            seen.entry(concept_of[o.id]).or_default().insert(o.status);
        }
    }
    let listed: BTreeMap<&str, &str> = NOT_AUTOMATED.iter().copied().collect();
    let mut wrong = Vec::new();
    for key in &keys {
        let statuses = seen.get(key.as_str()).unwrap_or_else(|| panic!("{key}: never checked"));
        let decides = statuses.contains(&CheckStatus::Pass) || statuses.contains(&CheckStatus::Warn);
        if decides == listed.contains_key(key.as_str()) {
            wrong.push(format!("{key}: outcomes {statuses:?}"));
        }
    }
    assert!(wrong.is_empty(), "decided though listed, or never decided though not listed: {wrong:#?}");
    for key in listed.keys() {
        assert!(keys.iter().any(|k| k == key), "{key} is not a concept of the two sections");
    }
}
