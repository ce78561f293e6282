//! The Kubernetes workload checks: each concept fails on a manifest written for it and passes on
//! a hardened pod; then the edge cases (inheritance, init/ephemeral containers, CronJob nesting,
//! numeric vs string, null, mixed-case capabilities, List, JSON) with exact fields and lines.

use std::collections::BTreeSet;

use hullguard_manifest::k8s::{Input, Scan, Settings, scan};
use hullguard_report::Location;
use serde_json::{Value, json};

fn run(text: &str, settings: &Settings) -> Scan {
    scan(&[Input { name: "m.yaml", bytes: text.as_bytes() }], settings)
}

/// A NetworkPolicy for every pod of namespace `ns` (both directions), so that the workload checks
/// are seen without the namespace-wide ones.
const POLICY: &str = "---\n{\"apiVersion\": \"networking.k8s.io/v1\", \"kind\": \"NetworkPolicy\", \"metadata\": {\"name\": \"all\", \"namespace\": \"ns\"}, \"spec\": {\"podSelector\": {}, \"policyTypes\": [\"Ingress\", \"Egress\"]}}\n";

fn concepts(text: &str) -> BTreeSet<String> {
    let text = format!("{text}\n{POLICY}");
    run(&text, &Settings::default()).findings.iter().filter_map(|f| f.concept.clone()).collect()
}

/// `(concept, field, line)` of every finding.
fn found(text: &str) -> Vec<(String, String, u32)> {
    run(text, &Settings::default())
        .findings
        .iter()
        .map(|f| match &f.location {
            Location::Manifest { field, line, .. } => (f.concept.clone().unwrap_or_default(), field.clone(), *line),
            other => panic!("{other:?}"),
        })
        .collect()
}

fn has(text: &str, concept: &str, field: &str, line: u32) -> bool {
    found(text).iter().any(|(c, f, l)| c == concept && f == field && *l == line)
}

/// A pod no workload check fires on.
fn hardened() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
        "spec": {
            "serviceAccountName": "app", "automountServiceAccountToken": false, "hostUsers": false,
            "securityContext": {"runAsNonRoot": true, "runAsUser": 20000, "runAsGroup": 20000, "fsGroup": 20000,
                                "seccompProfile": {"type": "RuntimeDefault"}, "appArmorProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "app", "image": "registry.example.com/app:1.0@sha256:0123", "imagePullPolicy": "Always",
                "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                                    "capabilities": {"drop": ["ALL"]}},
                "resources": {"requests": {"cpu": "1", "memory": "1Gi", "ephemeral-storage": "1Gi"},
                              "limits": {"cpu": "1", "memory": "1Gi", "ephemeral-storage": "1Gi"}},
                "livenessProbe": {"httpGet": {"path": "/live", "port": 8080}},
                "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                "ports": [{"name": "http", "containerPort": 8080}],
            }],
        },
    })
}

/// Sets the value at a JSON pointer, creating the objects on the way.
fn set(doc: &mut Value, pointer: &str, value: Value) {
    let mut at = doc;
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i == parts.len() - 1;
        at = match at {
            Value::Array(items) => &mut items[part.parse::<usize>().unwrap()],
            Value::Object(map) if last => {
                map.insert((*part).to_owned(), value);
                return;
            }
            Value::Object(map) => map.entry((*part).to_owned()).or_insert_with(|| json!({})),
            _ => panic!("{pointer}"),
        };
    }
    *at = value;
}

fn remove(doc: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    doc.pointer_mut(parent).and_then(Value::as_object_mut).unwrap().remove(key);
}

const C: &str = "/spec/containers/0";

#[test]
fn the_hardened_pod_passes_every_check() {
    let text = hardened().to_string();
    assert_eq!(concepts(&text), BTreeSet::new());
}

#[test]
fn each_check_fails_on_its_own_manifest() {
    type Edit = Box<dyn Fn(&mut Value)>;
    let sets = |pairs: Vec<(&'static str, Value)>| -> Edit {
        Box::new(move |d: &mut Value| {
            for (p, v) in &pairs {
                set(d, &p.replace("$C", C), v.clone());
            }
        })
    };
    let removes = |ptrs: Vec<&'static str>| -> Edit {
        Box::new(move |d: &mut Value| {
            for p in &ptrs {
                remove(d, &p.replace("$C", C));
            }
        })
    };
    let hostpath = |path: &str| json!([{"name": "h", "hostPath": {"path": path}}]);
    let cases: Vec<(&str, Edit)> = vec![
        ("k8s-privileged", sets(vec![("$C/securityContext/privileged", json!(true))])),
        ("k8s-allow-privilege-escalation", sets(vec![("$C/securityContext/allowPrivilegeEscalation", json!(true))])),
        ("k8s-host-pid", sets(vec![("/spec/hostPID", json!(true))])),
        ("k8s-host-ipc", sets(vec![("/spec/hostIPC", json!(true))])),
        ("k8s-host-network", sets(vec![("/spec/hostNetwork", json!(true))])),
        ("k8s-host-ports", sets(vec![("$C/ports", json!([{"containerPort": 8080, "hostPort": 8080}]))])),
        ("k8s-hostpath", sets(vec![("/spec/volumes", hostpath("/data"))])),
        ("k8s-hostpath-sensitive", sets(vec![("/spec/volumes", hostpath("/etc/kubernetes"))])),
        (
            "k8s-hostpath-writable-os-dir",
            sets(vec![
                ("/spec/volumes", hostpath("/var/")),
                ("$C/volumeMounts", json!([{"name": "h", "mountPath": "/h"}])),
            ]),
        ),
        ("k8s-docker-socket", sets(vec![("/spec/volumes", hostpath("/var/run/docker.sock"))])),
        ("k8s-cap-sys-admin", sets(vec![("$C/securityContext/capabilities/add", json!(["SYS_ADMIN"]))])),
        ("k8s-cap-sys-module", sets(vec![("$C/securityContext/capabilities/add", json!(["SYS_MODULE"]))])),
        ("k8s-cap-net-raw-added", sets(vec![("$C/securityContext/capabilities/add", json!(["NET_RAW"]))])),
        ("k8s-cap-net-raw-not-dropped", sets(vec![("$C/securityContext/capabilities/drop", json!(["SETUID"]))])),
        ("k8s-cap-add-any", sets(vec![("$C/securityContext/capabilities/add", json!(["CHOWN"]))])),
        ("k8s-cap-add-beyond-default", sets(vec![("$C/securityContext/capabilities/add", json!(["NET_ADMIN"]))])),
        ("k8s-cap-add-not-netbind", sets(vec![("$C/securityContext/capabilities/add", json!(["CHOWN"]))])),
        ("k8s-cap-drop-all", sets(vec![("$C/securityContext/capabilities/drop", json!(["NET_RAW"]))])),
        ("k8s-cap-drop-any", sets(vec![("$C/securityContext/capabilities/drop", json!([]))])),
        ("k8s-cap-restricted", sets(vec![("$C/securityContext/capabilities/add", json!(["CHOWN"]))])),
        (
            "k8s-run-as-non-root",
            Box::new(|d: &mut Value| {
                remove(d, "/spec/securityContext/runAsNonRoot");
                remove(d, "/spec/securityContext/runAsUser");
            }),
        ),
        ("k8s-run-as-user-0", sets(vec![("$C/securityContext/runAsUser", json!(0))])),
        ("k8s-low-uid", sets(vec![("/spec/securityContext/runAsUser", json!(1000))])),
        ("k8s-low-gid", sets(vec![("/spec/securityContext/runAsGroup", json!(10000))])),
        ("k8s-root-gid", sets(vec![("/spec/securityContext/supplementalGroups", json!([5, 0]))])),
        ("k8s-readonly-rootfs", removes(vec!["$C/securityContext/readOnlyRootFilesystem"])),
        ("k8s-seccomp-not-set", removes(vec!["/spec/securityContext/seccompProfile"])),
        ("k8s-seccomp-unconfined", sets(vec![("$C/securityContext/seccompProfile/type", json!("Unconfined"))])),
        ("k8s-apparmor-unconfined", sets(vec![("/spec/securityContext/appArmorProfile/type", json!("Unconfined"))])),
        ("k8s-apparmor-missing", removes(vec!["/spec/securityContext/appArmorProfile"])),
        ("k8s-selinux-custom", sets(vec![("$C/securityContext/seLinuxOptions/type", json!("spc_t"))])),
        ("k8s-proc-mount", sets(vec![("$C/securityContext/procMount", json!("Unmasked"))])),
        (
            "k8s-unsafe-sysctls",
            sets(vec![("/spec/securityContext/sysctls", json!([{"name": "kernel.msgmax", "value": "1"}]))]),
        ),
        (
            "k8s-volume-types",
            sets(vec![("/spec/volumes", json!([{"name": "n", "nfs": {"server": "s", "path": "/"}}]))]),
        ),
        ("k8s-windows-hostprocess", sets(vec![("$C/securityContext/windowsOptions", json!({"hostProcess": true}))])),
        ("k8s-probe-host", sets(vec![("$C/livenessProbe/httpGet/host", json!("169.254.169.254"))])),
        ("k8s-host-users", removes(vec!["/spec/hostUsers"])),
        ("k8s-security-context-missing", removes(vec!["$C/securityContext"])),
        ("k8s-cpu-limit", removes(vec!["$C/resources/limits/cpu"])),
        ("k8s-cpu-request", removes(vec!["$C/resources/requests/cpu"])),
        ("k8s-memory-limit", removes(vec!["$C/resources/limits/memory"])),
        ("k8s-memory-request", removes(vec!["$C/resources/requests/memory"])),
        ("k8s-requests-equal-limits", sets(vec![("$C/resources/requests/cpu", json!("500m"))])),
        ("k8s-ephemeral-storage", removes(vec!["$C/resources/limits/ephemeral-storage"])),
        ("k8s-image-tag", sets(vec![("$C/image", json!("registry.example.com/app:latest"))])),
        ("k8s-image-digest", sets(vec![("$C/image", json!("registry.example.com/app:1.0"))])),
        ("k8s-image-pull-policy", sets(vec![("$C/imagePullPolicy", json!("IfNotPresent"))])),
        ("k8s-liveness-probe", removes(vec!["$C/livenessProbe"])),
        ("k8s-readiness-probe", removes(vec!["$C/readinessProbe"])),
        (
            "k8s-probes-identical",
            sets(vec![("$C/readinessProbe", json!({"httpGet": {"path": "/live", "port": 8080}}))]),
        ),
        ("k8s-sa-token-automount", removes(vec!["/spec/automountServiceAccountToken"])),
        ("k8s-sa-name-missing", removes(vec!["/spec/serviceAccountName"])),
        (
            "k8s-secrets-env",
            sets(vec![("$C/env", json!([{"name": "PW", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]))]),
        ),
        ("k8s-host-aliases", sets(vec![("/spec/hostAliases", json!([{"ip": "10.0.0.1", "hostnames": ["db"]}]))])),
        ("k8s-privileged-port", sets(vec![("$C/ports/0/containerPort", json!(80))])),
        (
            "k8s-git-sync",
            sets(vec![
                ("$C/image", json!("registry.k8s.io/git-sync/git-sync:v4.2.1@sha256:0123")),
                ("$C/env", json!([{"name": "GITSYNC_GIT_CONFIG", "value": "core.sshCommand:touch /x"}])),
            ]),
        ),
        (
            "k8s-env-duplicate",
            sets(vec![("$C/env", json!([{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]))]),
        ),
        ("k8s-container-ports", sets(vec![("$C/ports", json!([{"containerPort": 8080}, {"containerPort": 8080}]))])),
        ("k8s-tiller", sets(vec![("$C/image", json!("gcr.io/kubernetes-helm/tiller:v2.16.1@sha256:0123"))])),
        ("k8s-tiller-listener", sets(vec![("$C/image", json!("gcr.io/kubernetes-helm/tiller:v2.16.1@sha256:0123"))])),
        ("k8s-dashboard", sets(vec![("$C/image", json!("kubernetesui/dashboard:v2.7.0@sha256:0123"))])),
    ];
    for (concept, edit) in cases {
        let mut doc = hardened();
        edit(&mut doc);
        let got = concepts(&doc.to_string());
        assert!(got.contains(concept), "{concept} not found; got {got:?}");
    }
}

#[test]
fn object_level_checks() {
    let sa = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: ns}\n";
    assert!(has(sa, "k8s-sa-default-automount", "automountServiceAccountToken", 1));
    assert!(concepts(&format!("{sa}automountServiceAccountToken: false\n")).is_empty());
    let svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: tiller-deploy\n  labels: {app: helm, name: tiller}\n";
    assert!(has(svc, "k8s-tiller-service", "metadata.name", 4));
    let mut tiller = hardened();
    set(&mut tiller, &format!("{C}/image"), json!("gcr.io/kubernetes-helm/tiller:v2.16.1@sha256:0123"));
    set(&mut tiller, &format!("{C}/args"), json!(["--listen=localhost:44134"]));
    let got = concepts(&tiller.to_string());
    assert!(got.contains("k8s-tiller") && !got.contains("k8s-tiller-listener"), "{got:?}");
}

#[test]
fn shared_service_accounts_and_the_accounts_own_automount() {
    let mut a = hardened();
    remove(&mut a, "/spec/automountServiceAccountToken");
    let mut b = a.clone();
    set(&mut b, "/metadata/name", json!("q"));
    let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "app", "namespace": "ns"},
                    "automountServiceAccountToken": false});
    let stream = format!("{a}\n---\n{b}\n---\n{sa}\n");
    let got = found(&stream);
    assert_eq!(got.iter().filter(|(c, ..)| c == "k8s-sa-shared").count(), 2, "{got:?}");
    assert!(!got.iter().any(|(c, ..)| c == "k8s-sa-token-automount"), "the account opts out: {got:?}");
    assert!(concepts(&format!("{a}\n---\n{b}\n")).contains("k8s-sa-token-automount"));
}

#[test]
fn container_settings_override_the_pods_and_inherit_from_it() {
    let text = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 0
  containers:
    - name: a
      image: x:1
      securityContext:
        runAsUser: 20000
    - name: b
      image: x:1
";
    let got = found(text);
    let uid0: Vec<_> = got.iter().filter(|(c, ..)| c == "k8s-run-as-user-0").collect();
    assert_eq!(uid0.len(), 1, "{got:?}");
    assert_eq!(uid0[0].1, "spec.securityContext.runAsUser", "container b inherits the pod's UID 0");
    assert_eq!(uid0[0].2, 7);
    assert!(!got.iter().any(|(c, ..)| c == "k8s-run-as-non-root"), "both inherit runAsNonRoot: {got:?}");
}

#[test]
fn init_and_ephemeral_containers_and_cronjob_nesting() {
    let text = "\
apiVersion: batch/v1
kind: CronJob
metadata: {name: c, namespace: ops}
spec:
  schedule: '* * * * *'
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
            - name: init
              image: x:1
              securityContext: {privileged: true}
          ephemeralContainers:
            - name: debug
              image: x:1
              securityContext: {capabilities: {add: [Sys_Admin]}}
          containers:
            - name: main
              image: x:1
";
    assert!(has(
        text,
        "k8s-privileged",
        "spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.privileged",
        13
    ));
    assert!(has(
        text,
        "k8s-cap-sys-admin",
        "spec.jobTemplate.spec.template.spec.ephemeralContainers[0].securityContext.capabilities.add",
        17
    ));
    let got = found(text);
    // Batch pods need no probes; ephemeral containers have no resources.
    assert!(!got.iter().any(|(c, ..)| c == "k8s-liveness-probe"), "{got:?}");
    assert!(!got.iter().any(|(c, f, _)| c == "k8s-cpu-limit" && f.contains("ephemeral")), "{got:?}");
    assert!(got.iter().any(|(c, f, _)| c == "k8s-cpu-limit" && f.contains("initContainers")), "{got:?}");
}

#[test]
fn numbers_strings_null_and_yaml_booleans() {
    let pod = |sc: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n    - name: a\n      image: x:1\n      securityContext: {sc}\n"
        )
    };
    // Kubernetes' YAML reads `yes` as true; a quoted "true" is a string it rejects, not a privileged pod.
    assert!(concepts(&pod("{privileged: yes}")).contains("k8s-privileged"));
    assert!(!concepts(&pod("{privileged: \"true\"}")).contains("k8s-privileged"));
    assert!(!concepts(&pod("{privileged: null}")).contains("k8s-privileged"));
    assert!(concepts(&pod("{runAsUser: 0}")).contains("k8s-run-as-user-0"));
    assert!(!concepts(&pod("{runAsUser: \"0\"}")).contains("k8s-run-as-user-0"));
    assert!(concepts(&pod("{allowPrivilegeEscalation: null}")).contains("k8s-allow-privilege-escalation"));
    assert!(!concepts(&pod("{allowPrivilegeEscalation: false}")).contains("k8s-allow-privilege-escalation"));
    let caps = concepts(&pod("{capabilities: {add: [cap_net_raw], drop: [all]}}"));
    assert!(caps.contains("k8s-cap-net-raw-added") && !caps.contains("k8s-cap-drop-all"), "{caps:?}");
    // Wrong types where objects are expected: no finding of a sort that needs the object, no panic.
    for wrong in ["securityContext: 5", "containers: {a: 1}", "spec: [1, 2]", "volumes: x"] {
        let text = format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  {wrong}\n");
        let _ = run(&text, &Settings::default());
    }
}

#[test]
fn lists_json_and_the_object_in_each_finding() {
    let list = json!({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "d", "namespace": "kube-system"},
         "spec": {"template": {"spec": {"hostNetwork": true, "containers": [{"name": "a", "image": "x:1"}]}}}},
    ]});
    let text = serde_json::to_string_pretty(&list).unwrap();
    let scan = run(&text, &Settings::default());
    assert_eq!(scan.objects, 2);
    let host = scan.findings.iter().find(|f| f.concept.as_deref() == Some("k8s-host-network")).unwrap();
    let Location::Manifest { object, field, document, line, .. } = &host.location else { panic!() };
    assert_eq!(
        (object.as_str(), field.as_str(), *document, *line),
        ("DaemonSet/kube-system/d", "items[1].spec.template.spec.hostNetwork", 1, 27)
    );
}

#[test]
fn crds_with_a_pod_template_are_checked_and_other_kinds_skipped() {
    let crd = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: a, image: x:1, securityContext: {privileged: true}}\n";
    assert!(concepts(crd).contains("k8s-privileged"));
    let other = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  template: {spec: {x: 1}}\n";
    assert!(concepts(other).is_empty());
}

#[test]
fn skipped_checks_and_inline_ignores() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    hullguard.dev/ignore: HG-K8S-001, KSV010\nspec:\n  hostPID: true\n  containers:\n    - {name: a, image: x:1, securityContext: {privileged: true}}\n";
    let scan = run(text, &Settings::default());
    let got: BTreeSet<_> = scan.findings.iter().filter_map(|f| f.concept.as_deref()).collect();
    assert!(!got.contains("k8s-privileged") && !got.contains("k8s-host-pid"), "{got:?}");
    assert_eq!(scan.suppressed.len(), 2);
    assert!(scan.suppressed[0].reason.contains("Pod/p"), "{:?}", scan.suppressed);
    let strict = run(text, &Settings { no_inline_ignores: true, ..Settings::default() });
    assert!(strict.suppressed.is_empty());
    assert!(strict.findings.iter().any(|f| f.id == "HG-K8S-001"));
    let skipped =
        run(text, &Settings { skip: vec!["CKV_K8S_20".to_owned()], no_inline_ignores: true, ..Settings::default() });
    assert!(!skipped.findings.iter().any(|f| f.concept.as_deref() == Some("k8s-allow-privilege-escalation")));
}

#[test]
fn trusted_registries() {
    let pod = |image: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n    - {{name: a, image: '{image}'}}\n"
        )
    };
    let settings = Settings { trusted_registries: vec!["*.example.com".to_owned()], ..Settings::default() };
    let hit = |image: &str| {
        run(&pod(image), &settings).findings.iter().any(|f| f.concept.as_deref() == Some("k8s-untrusted-registry"))
    };
    assert!(hit("nginx:1") && hit("ghcr.io/a/b:1"));
    assert!(!hit("registry.example.com/a:1"));
    assert!(!concepts(&pod("nginx:1")).contains("k8s-untrusted-registry"), "off without --trusted-registry");
}
