//! Pod Security Admission's verdicts: for every check, at each level, a pod PSA allows and one it
//! forbids, and the versions where the semantics changed.

use hullguard_manifest::k8s::pss::{Level, Version};
use hullguard_manifest::k8s::{Input, pss_verdicts};
use serde_json::{Value, json};

/// A pod the restricted level admits.
fn restricted_pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
    "spec": {
        "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "a", "image": "x:1",
            "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}],
        "initContainers": [{"name": "i", "image": "x:1",
            "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}],
    }})
}

/// The failed PSA checks of `doc` (`"ok"` when allowed).
fn checks(doc: &Value, level: Level, version: &str) -> Vec<String> {
    let text = doc.to_string();
    let (verdicts, warnings) =
        pss_verdicts(&[Input { name: "p.json", bytes: text.as_bytes() }], level, Version::parse(version).unwrap());
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(verdicts.len(), 1);
    if verdicts[0].allowed {
        return vec!["ok".to_owned()];
    }
    verdicts[0].violations.iter().map(|v| v.check.to_owned()).collect()
}

fn with(edits: &[(&str, Value)]) -> Value {
    let mut doc = restricted_pod();
    for (pointer, value) in edits {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let mut at = &mut doc;
        for part in parent.trim_start_matches('/').split('/').filter(|p| !p.is_empty()) {
            at = match at {
                Value::Array(items) => &mut items[part.parse::<usize>().unwrap()],
                Value::Object(map) => map.entry(part.to_owned()).or_insert_with(|| json!({})),
                _ => panic!("{pointer}"),
            };
        }
        at.as_object_mut().unwrap().insert(key.to_owned(), value.clone());
    }
    doc
}

const SC: &str = "/spec/containers/0/securityContext";

#[test]
fn the_restricted_pod_is_admitted_at_every_level_and_version() {
    for version in ["v1.0", "v1.22", "v1.25", "v1.30", "latest"] {
        for level in [Level::Baseline, Level::Restricted] {
            assert_eq!(checks(&restricted_pod(), level, version), ["ok"], "{version} {level:?}");
        }
    }
}

#[test]
fn every_baseline_check_forbids_and_allows() {
    let sc = |k: &str| format!("{SC}/{k}");
    type Edits = Vec<(String, Value)>;
    let cases: Vec<(&str, Edits, Edits)> = vec![
        (
            "windowsHostProcess",
            vec![(sc("windowsOptions"), json!({"hostProcess": true}))],
            vec![(sc("windowsOptions"), json!({"hostProcess": false}))],
        ),
        (
            "hostNamespaces",
            vec![("/spec/hostNetwork".into(), json!(true))],
            vec![("/spec/hostNetwork".into(), json!(false))],
        ),
        ("privileged", vec![(sc("privileged"), json!(true))], vec![(sc("privileged"), json!(false))]),
        (
            "capabilities_baseline",
            vec![(sc("capabilities"), json!({"add": ["NET_ADMIN"]}))],
            vec![(sc("capabilities"), json!({"add": ["CHOWN", "KILL"]}))],
        ),
        (
            "hostPathVolumes",
            vec![("/spec/volumes".into(), json!([{"name": "h", "hostPath": {"path": "/x"}}]))],
            vec![("/spec/volumes".into(), json!([{"name": "e", "emptyDir": {}}]))],
        ),
        (
            "hostPorts",
            vec![("/spec/containers/0/ports".into(), json!([{"containerPort": 80, "hostPort": 80}]))],
            vec![("/spec/containers/0/ports".into(), json!([{"containerPort": 80, "hostPort": 0}]))],
        ),
        (
            "hostProbesAndHostLifecycle",
            vec![("/spec/containers/0/livenessProbe".into(), json!({"httpGet": {"port": 80, "host": "10.0.0.1"}}))],
            vec![("/spec/containers/0/livenessProbe".into(), json!({"httpGet": {"port": 80, "host": ""}}))],
        ),
        (
            "appArmorProfile",
            vec![(sc("appArmorProfile"), json!({"type": "Unconfined"}))],
            vec![(sc("appArmorProfile"), json!({"type": "Localhost", "localhostProfile": "p"}))],
        ),
        (
            "appArmorProfile",
            vec![(
                "/metadata/annotations".into(),
                json!({"container.apparmor.security.beta.kubernetes.io/a": "unconfined"}),
            )],
            vec![(
                "/metadata/annotations".into(),
                json!({"container.apparmor.security.beta.kubernetes.io/a": "runtime/default"}),
            )],
        ),
        (
            "seLinuxOptions",
            vec![(sc("seLinuxOptions"), json!({"type": "spc_t"}))],
            vec![(sc("seLinuxOptions"), json!({"type": "container_init_t", "level": "s0:c1"}))],
        ),
        (
            "seLinuxOptions",
            vec![("/spec/securityContext/seLinuxOptions".into(), json!({"user": "root"}))],
            vec![("/spec/securityContext/seLinuxOptions".into(), json!({"user": ""}))],
        ),
        ("procMount", vec![(sc("procMount"), json!("Unmasked"))], vec![(sc("procMount"), json!("Default"))]),
        (
            "seccompProfile_baseline",
            vec![(sc("seccompProfile"), json!({"type": "Unconfined"}))],
            vec![(sc("seccompProfile"), json!({"type": "Localhost", "localhostProfile": "p"}))],
        ),
        (
            "sysctls",
            vec![("/spec/securityContext/sysctls".into(), json!([{"name": "kernel.msgmax", "value": "1"}]))],
            vec![("/spec/securityContext/sysctls".into(), json!([{"name": "net.ipv4.tcp_syncookies", "value": "1"}]))],
        ),
    ];
    for (check, forbidden, allowed) in cases {
        let bad: Vec<(&str, Value)> = forbidden.iter().map(|(p, v)| (p.as_str(), v.clone())).collect();
        let good: Vec<(&str, Value)> = allowed.iter().map(|(p, v)| (p.as_str(), v.clone())).collect();
        assert_eq!(checks(&with(&bad), Level::Baseline, "latest"), [check], "{check} forbidden");
        assert_eq!(checks(&with(&good), Level::Baseline, "latest"), ["ok"], "{check} allowed");
    }
}

#[test]
fn every_restricted_check_forbids_and_allows() {
    let cases: Vec<(&str, Vec<(&str, Value)>)> = vec![
        ("restrictedVolumes", vec![("/spec/volumes", json!([{"name": "n", "nfs": {"server": "s", "path": "/"}}]))]),
        (
            "allowPrivilegeEscalation",
            vec![("/spec/initContainers/0/securityContext/allowPrivilegeEscalation", json!(true))],
        ),
        ("runAsNonRoot", vec![("/spec/securityContext/runAsNonRoot", json!(false))]),
        ("runAsUser", vec![("/spec/containers/0/securityContext/runAsUser", json!(0))]),
        ("seccompProfile_restricted", vec![("/spec/securityContext/seccompProfile", json!(null))]),
        (
            "capabilities_restricted",
            vec![("/spec/containers/0/securityContext/capabilities", json!({"drop": ["ALL"], "add": ["CHOWN"]}))],
        ),
    ];
    for (check, edits) in cases {
        let doc = with(&edits);
        assert_eq!(checks(&doc, Level::Restricted, "latest"), [check], "{check}");
        assert_eq!(checks(&doc, Level::Baseline, "latest"), ["ok"], "{check} is not a baseline check");
    }
    // Allowed forms: image volumes, NET_BIND_SERVICE, a container-level seccomp profile, UID > 0.
    let ok = with(&[
        (
            "/spec/volumes",
            json!([{"name": "i", "image": {"reference": "x:1"}}, {"name": "s", "secret": {"secretName": "s"}}]),
        ),
        ("/spec/containers/0/securityContext/capabilities", json!({"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]})),
        ("/spec/containers/0/securityContext/runAsUser", json!(1000)),
    ]);
    assert_eq!(checks(&ok, Level::Restricted, "latest"), ["ok"]);
    let inherit = with(&[
        ("/spec/securityContext", json!({"runAsNonRoot": true})),
        ("/spec/containers/0/securityContext/seccompProfile", json!({"type": "RuntimeDefault"})),
        (
            "/spec/initContainers/0/securityContext/seccompProfile",
            json!({"type": "Localhost", "localhostProfile": "p"}),
        ),
    ]);
    assert_eq!(checks(&inherit, Level::Restricted, "latest"), ["ok"], "containers may set seccomp themselves");
}

#[test]
fn psa_compares_capabilities_exactly() {
    let lower =
        with(&[("/spec/containers/0/securityContext/capabilities", json!({"drop": ["all"], "add": ["chown"]}))]);
    assert_eq!(checks(&lower, Level::Baseline, "latest"), ["capabilities_baseline"], "chown is not CHOWN");
    assert_eq!(checks(&lower, Level::Restricted, "latest"), ["capabilities_restricted"], "all is not ALL");
}

#[test]
fn version_differences() {
    let uid0 = with(&[("/spec/containers/0/securityContext/runAsUser", json!(0))]);
    assert_eq!(checks(&uid0, Level::Restricted, "v1.22"), ["ok"], "runAsUser from 1.23");
    assert_eq!(checks(&uid0, Level::Restricted, "v1.23"), ["runAsUser"]);

    let windows = with(&[
        ("/spec/os", json!({"name": "windows"})),
        ("/spec/containers/0/securityContext", json!({})),
        ("/spec/initContainers/0/securityContext", json!({})),
        ("/spec/securityContext/seccompProfile", json!(null)),
    ]);
    assert_eq!(checks(&windows, Level::Restricted, "v1.25"), ["ok"], "Windows pods skip three checks from 1.25");
    assert_eq!(
        checks(&windows, Level::Restricted, "v1.24"),
        ["allowPrivilegeEscalation", "seccompProfile_restricted", "capabilities_restricted"]
    );

    let sysctl = |name: &str| with(&[("/spec/securityContext/sysctls", json!([{"name": name, "value": "1"}]))]);
    assert_eq!(checks(&sysctl("net.ipv4.ip_local_reserved_ports"), Level::Baseline, "v1.26"), ["sysctls"]);
    assert_eq!(checks(&sysctl("net.ipv4.ip_local_reserved_ports"), Level::Baseline, "v1.27"), ["ok"]);
    assert_eq!(checks(&sysctl("net.ipv4.tcp_keepalive_time"), Level::Baseline, "v1.28"), ["sysctls"]);
    assert_eq!(checks(&sysctl("net.ipv4.tcp_keepalive_time"), Level::Baseline, "v1.29"), ["ok"]);
    assert_eq!(checks(&sysctl("net.ipv4.tcp_rmem"), Level::Baseline, "v1.31"), ["sysctls"]);
    assert_eq!(checks(&sysctl("net.ipv4.tcp_rmem"), Level::Baseline, "v1.32"), ["ok"]);

    let engine = with(&[("/spec/containers/0/securityContext/seLinuxOptions", json!({"type": "container_engine_t"}))]);
    assert_eq!(checks(&engine, Level::Baseline, "v1.30"), ["seLinuxOptions"]);
    assert_eq!(checks(&engine, Level::Baseline, "v1.31"), ["ok"]);

    let probe = with(&[("/spec/containers/0/lifecycle", json!({"preStop": {"tcpSocket": {"port": 1, "host": "db"}}}))]);
    assert_eq!(checks(&probe, Level::Baseline, "v1.33"), ["ok"], "probe hosts from 1.34");
    assert_eq!(checks(&probe, Level::Baseline, "v1.34"), ["hostProbesAndHostLifecycle"]);

    // hostUsers: false relaxes runAsNonRoot, runAsUser and the baseline procMount from 1.35; the
    // restricted level keeps procMount at Default.
    let userns = with(&[
        ("/spec/hostUsers", json!(false)),
        ("/spec/securityContext/runAsNonRoot", json!(false)),
        ("/spec/containers/0/securityContext/runAsUser", json!(0)),
        ("/spec/containers/0/securityContext/procMount", json!("Unmasked")),
    ]);
    assert_eq!(checks(&userns, Level::Restricted, "v1.34"), ["procMount", "runAsNonRoot", "runAsUser"]);
    assert_eq!(checks(&userns, Level::Baseline, "v1.35"), ["ok"]);
    assert_eq!(checks(&userns, Level::Restricted, "v1.35"), ["procMount_restricted"]);
    assert!(Version::parse("v2.0").is_err() && Version::parse("1.30").is_ok());
}

#[test]
fn reasons_read_as_psa_writes_them() {
    let doc = with(&[("/spec/containers/0/securityContext/privileged", json!(true)), ("/spec/hostPID", json!(true))]);
    let text = doc.to_string();
    let (verdicts, _) = pss_verdicts(
        &[Input { name: "p", bytes: text.as_bytes() }],
        Level::Baseline,
        Version::parse("latest").unwrap(),
    );
    let messages: Vec<String> = verdicts[0].violations.iter().map(|v| v.message()).collect();
    assert_eq!(
        messages,
        ["host namespaces (hostPID=true)", "privileged (container \"a\" must not set securityContext.privileged=true)"]
    );
}
