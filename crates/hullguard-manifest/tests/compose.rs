//! The compose checks: each concept fails on a service written for it and passes on a hardened one;
//! both port and volume syntaxes; positions.

use std::collections::BTreeSet;

use hullguard_manifest::{Input, Settings, compose};
use hullguard_report::Location;

const HARDENED: &str = concat!(
    "    image: registry.example.com/app:1.2\n",
    "    user: \"10001:10001\"\n",
    "    read_only: true\n",
    "    cap_drop: [ALL]\n",
    "    security_opt: [\"no-new-privileges:true\"]\n",
    "    mem_limit: 256m\n",
    "    cpus: \"0.5\"\n",
    "    pids_limit: 100\n",
    "    healthcheck: {test: [\"CMD\", \"/health\"]}\n",
    "    ports: [\"127.0.0.1:8080:8080\"]\n",
    "    restart: \"on-failure:5\"\n",
);

fn concepts(extra: &str, others: &str) -> BTreeSet<String> {
    let text = format!("services:\n  app:\n{HARDENED}{extra}{others}");
    let scan = compose::scan(&[Input { name: "compose.yaml", bytes: text.as_bytes() }], &Settings::default());
    // An edit may repeat a key of the hardened service: the last one wins, with a warning.
    assert!(scan.warnings.iter().all(|w| w.contains("repeated")), "{:?}", scan.warnings);
    scan.findings.iter().filter_map(|f| f.concept.clone()).collect()
}

#[test]
fn the_hardened_service_passes() {
    assert_eq!(concepts("", ""), BTreeSet::new());
}

#[test]
fn each_check_fails_on_its_own_service() {
    let hardened_without = |key: &str| {
        let kept: String =
            HARDENED.lines().filter(|l| !l.trim_start().starts_with(key)).map(|l| format!("{l}\n")).collect();
        let text = format!("services:\n  app:\n{kept}");
        let scan = compose::scan(&[Input { name: "c.yml", bytes: text.as_bytes() }], &Settings::default());
        scan.findings.iter().filter_map(|f| f.concept.clone()).collect::<BTreeSet<_>>()
    };
    let cases: &[(&str, &str)] = &[
        ("compose-privileged", "    privileged: true\n"),
        ("compose-cap-unrestricted", "    cap_add: [NET_ADMIN]\n"),
        ("compose-ports-any-interface", "    ports: [\"8080:8080\"]\n"),
        ("compose-ports-any-interface", "    ports: [{target: 80, published: 8080}]\n"),
        ("compose-privileged-ports", "    ports: [\"127.0.0.1:443:8443\"]\n"),
        ("compose-seccomp-unconfined", "    security_opt: [\"no-new-privileges:true\", \"seccomp=unconfined\"]\n"),
        ("compose-docker-socket", "    volumes: [\"/var/run/docker.sock:/var/run/docker.sock:ro\"]\n"),
        ("compose-docker-socket", "    volumes: [{type: bind, source: /run/containerd/containerd.sock, target: /s}]\n"),
        ("compose-sensitive-host-dir", "    volumes: [\"/etc:/host/etc:ro\"]\n"),
        ("compose-healthcheck", "    healthcheck: {disable: true}\n"),
        ("compose-pid-host", "    pid: host\n"),
        ("compose-ipc-host", "    ipc: host\n"),
        ("compose-network-host", "    network_mode: host\n"),
        ("compose-userns-host", "    userns_mode: host\n"),
        ("compose-restart-on-failure", "    restart: unless-stopped\n"),
        ("compose-restart-on-failure", "    deploy: {restart_policy: {condition: any}}\n"),
        ("compose-cgroup-parent", "    cgroup_parent: /custom\n"),
        ("compose-mount-propagation-shared", "    volumes: [\"/srv/data:/data:rshared\"]\n"),
        (
            "compose-mount-propagation-shared",
            "    volumes: [{type: bind, source: /srv, target: /s, bind: {propagation: slave}}]\n",
        ),
        ("compose-image-latest", "    image: nginx:latest\n"),
        ("hg-compose-user-root", "    user: root\n"),
        ("hg-compose-read-only", "    read_only: false\n"),
        ("hg-compose-env-secret", "    environment: [\"API_TOKEN=abcdef123456\", \"MODE=prod\"]\n"),
        ("hg-compose-env-secret", "    environment: {DB_PASSWORD: s3cr3tpassword}\n"),
    ];
    for (concept, extra) in cases {
        let got = concepts(extra, "");
        assert!(got.contains(*concept), "{concept}: {extra} gave {got:?}");
    }
    let cap_add = concepts("    cap_add: [NET_BIND_SERVICE]\n", "");
    assert!(!cap_add.contains("compose-cap-add-drop"), "cap_add beside cap_drop: [ALL] is paired right");
    let no_drop = hardened_without("cap_drop");
    assert!(no_drop.contains("compose-cap-unrestricted"));
    for (key, concept) in [
        ("cpus", "compose-cpu-limit"),
        ("mem_limit", "compose-memory-limit"),
        ("pids_limit", "compose-pids-limit"),
        ("healthcheck", "compose-healthcheck"),
        ("security_opt", "compose-security-opt-missing"),
        ("security_opt", "compose-no-new-privileges"),
    ] {
        assert!(hardened_without(key).contains(concept), "{concept}");
    }
    let text = "services:\n  a:\n    image: x:1\n    cap_add: [SYS_ADMIN]\n    deploy: {resources: {limits: {cpus: '1', memory: 1g, pids: 10}}}\n";
    let scan = compose::scan(&[Input { name: "c.yml", bytes: text.as_bytes() }], &Settings::default());
    let got: BTreeSet<_> = scan.findings.iter().filter_map(|f| f.concept.as_deref()).collect();
    assert!(got.contains("compose-cap-add-drop"), "{got:?}");
    assert!(
        !got.contains("compose-cpu-limit")
            && !got.contains("compose-memory-limit")
            && !got.contains("compose-pids-limit")
    );
}

#[test]
fn named_volumes_shared_between_services_and_positions() {
    let text = "services:\n  a:\n    image: x:1\n    volumes: [\"data:/d\"]\n  b:\n    image: x:1\n    volumes:\n      - type: volume\n        source: data\n        target: /e\n";
    let scan = compose::scan(&[Input { name: "c.yml", bytes: text.as_bytes() }], &Settings::default());
    let shared: Vec<(String, String, u32, u32)> = scan
        .findings
        .iter()
        .filter(|f| f.concept.as_deref() == Some("compose-shared-volumes"))
        .map(|f| match &f.location {
            Location::Manifest { object, field, line, column, .. } => (object.clone(), field.clone(), *line, *column),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        shared,
        [
            ("service/a".to_owned(), "services.a.volumes[0]".to_owned(), 4, 15),
            ("service/b".to_owned(), "services.b.volumes[0]".to_owned(), 8, 9)
        ]
    );
    assert_eq!(scan.objects, 2);
}

#[test]
fn not_compose_files_and_wrong_types_are_warnings() {
    for (text, warning) in [
        ("version: '3'\n", "c.yml:1: no `services` mapping"),
        ("services: [a, b]\n", "c.yml:1: `services` is a list"),
        ("services:\n  a: 5\n", "c.yml:2: service a is a number"),
    ] {
        let scan = compose::scan(&[Input { name: "c.yml", bytes: text.as_bytes() }], &Settings::default());
        assert!(scan.warnings.iter().any(|w| w.starts_with(warning)), "{text}: {:?}", scan.warnings);
    }
}
