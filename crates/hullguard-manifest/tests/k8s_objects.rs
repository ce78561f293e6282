//! RBAC, network, hygiene, PodSecurityPolicy and cross-object checks: for each concept a stream
//! that fails and one that passes, written from the concept's meaning.

use std::collections::BTreeSet;

use hullguard_manifest::k8s::scan;
use hullguard_manifest::{Input, Settings};
use hullguard_report::Location;

fn concepts(text: &str) -> BTreeSet<String> {
    let s = scan(&[Input { name: "m.yaml", bytes: text.as_bytes() }], &Settings::default());
    s.findings.iter().filter_map(|f| f.concept.clone()).collect()
}

fn role(rules: &str) -> String {
    format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: r, namespace: ns}}\nrules:\n{rules}"
    )
}

fn rule(groups: &str, resources: &str, verbs: &str) -> String {
    format!("  - {{apiGroups: [{groups}], resources: [{resources}], verbs: [{verbs}]}}\n")
}

fn binding(subject: &str, role_ref: &str) -> String {
    format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: b}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role_ref}}}\nsubjects: [{subject}]\n"
    )
}

fn check(concept: &str, failing: &str, passing: &str) {
    let bad = concepts(failing);
    assert!(bad.contains(concept), "{concept} not found in\n{failing}\ngot {bad:?}");
    let good = concepts(passing);
    assert!(!good.contains(concept), "{concept} found in\n{passing}");
}

#[test]
fn rbac_rules() {
    let read_pods = role(&rule("\"\"", "pods", "get, list"));
    let cases: Vec<(&str, String)> = vec![
        ("rbac-wildcard", role(&rule("\"*\"", "pods", "get"))),
        ("rbac-wildcard-verb-resource", role(&rule("\"\"", "\"*\"", "\"*\""))),
        ("rbac-wildcard-verb", role(&rule("\"\"", "pods", "\"*\""))),
        ("rbac-manage-all-resources", role(&rule("\"\"", "\"*\"", "delete"))),
        ("rbac-secrets", role(&rule("\"\"", "secrets", "list"))),
        ("rbac-exec", role(&rule("\"\"", "pods/exec", "create"))),
        ("rbac-attach", role(&rule("\"\"", "pods/attach", "create"))),
        ("rbac-port-forward", role(&rule("\"\"", "pods/portforward", "create"))),
        ("rbac-node-proxy", role(&rule("\"\"", "nodes/proxy", "get"))),
        ("rbac-impersonate", role(&rule("\"\"", "serviceaccounts", "impersonate"))),
        ("rbac-escalate-bind", role(&rule("rbac.authorization.k8s.io", "clusterroles", "escalate"))),
        ("rbac-manage-rbac", role(&rule("rbac.authorization.k8s.io", "roles", "create"))),
        (
            "rbac-bind-privileged-role",
            role(
                &(rule("rbac.authorization.k8s.io", "rolebindings", "create")
                    + &rule("rbac.authorization.k8s.io", "roles", "bind")),
            ),
        ),
        ("rbac-rolebinding-add-users", role(&rule("rbac.authorization.k8s.io", "rolebindings", "patch"))),
        ("rbac-create-pods", role(&rule("apps", "deployments", "create"))),
        ("rbac-webhooks", role(&rule("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "update"))),
        ("rbac-csr-approve", role(&rule("certificates.k8s.io", "certificatesigningrequests/approval", "update"))),
        ("rbac-configmaps", role(&rule("\"\"", "configmaps", "update"))),
        ("rbac-networking", role(&rule("networking.k8s.io", "networkpolicies", "delete"))),
        (
            "rbac-eks-aws-auth",
            role("  - {apiGroups: [\"\"], resources: [configmaps], resourceNames: [aws-auth], verbs: [patch]}\n"),
        ),
        ("rbac-delete-logs", role(&rule("\"\"", "pods/log", "delete"))),
        ("rbac-service-status", role(&rule("\"\"", "services/status", "patch"))),
    ];
    for (concept, failing) in cases {
        check(concept, &failing, &read_pods);
    }
    let harmless = binding("{kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}", "view");
    for (concept, failing) in [
        ("rbac-cluster-admin", binding("{kind: User, name: alice}", "cluster-admin")),
        ("rbac-bind-anonymous", binding("{kind: User, name: system:anonymous}", "view")),
        ("rbac-bind-anonymous", binding("{kind: Group, name: system:unauthenticated}", "view")),
        ("rbac-bind-authenticated", binding("{kind: Group, name: system:authenticated}", "view")),
        ("rbac-bind-masters", binding("{kind: Group, name: system:masters}", "view")),
        ("rbac-bind-default-sa", binding("{kind: ServiceAccount, name: default, namespace: ns}", "view")),
    ] {
        check(concept, &failing, &harmless);
    }
    let escalating = format!(
        "{}---\n{}",
        role(&rule("rbac.authorization.k8s.io", "rolebindings", "create"))
            .replace("kind: Role", "kind: ClusterRole")
            .replace("name: r, namespace: ns", "name: binder"),
        binding("{kind: ServiceAccount, name: ci, namespace: ns}", "binder")
    );
    check("rbac-rolebinding-pe", &escalating, &harmless);
}

/// `resources: ["*"]` grants what its `apiGroups` serve: every verb on every core resource is
/// Secrets, exec, node proxy and impersonation, but not RBAC objects, webhooks or CSR approval,
/// which other groups serve; the same rights under `apiGroups: ["*"]` are all of them.
#[test]
fn rbac_rules_grant_only_what_their_api_groups_serve() {
    let core = concepts(&role(&rule("\"\"", "\"*\"", "\"*\"")));
    let expected: BTreeSet<String> = [
        "rbac-wildcard",
        "rbac-wildcard-verb-resource",
        "rbac-wildcard-verb",
        "rbac-manage-all-resources",
        "rbac-secrets",
        "rbac-exec",
        "rbac-attach",
        "rbac-port-forward",
        "rbac-node-proxy",
        "rbac-impersonate",
        "rbac-create-pods",
        "rbac-configmaps",
        "rbac-networking",
        "rbac-delete-logs",
        "rbac-service-status",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(core, expected);
    let every_group = concepts(&role(&rule("\"*\"", "\"*\"", "\"*\"")));
    for other_groups in
        ["rbac-escalate-bind", "rbac-manage-rbac", "rbac-rolebinding-add-users", "rbac-webhooks", "rbac-csr-approve"]
    {
        assert!(every_group.contains(other_groups), "{other_groups}: {every_group:?}");
    }
    assert!(every_group.is_superset(&core));
    // The group must be the resource's: CSR approval asked of the core group grants nothing.
    assert!(
        !concepts(&role(&rule("\"\"", "certificatesigningrequests/approval", "update"))).contains("rbac-csr-approve")
    );
    assert!(!concepts(&role(&rule("apps", "secrets", "get"))).contains("rbac-secrets"));
    assert!(concepts(&role(&rule("extensions", "deployments", "create"))).contains("rbac-create-pods"));
}

const POD: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ns}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - {name: a, image: x:1}\n";

fn service(extra: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: ns}}\nspec:\n  selector: {{app: web}}\n{extra}"
    )
}

#[test]
fn network_objects() {
    let deny = "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: ns}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n";
    let ingress_only = "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: in, namespace: ns}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: client}}}]}]\n";
    check("net-pod-without-netpol", POD, &format!("{POD}{deny}"));
    check("net-pod-netpol-ingress-egress", &format!("{POD}{ingress_only}"), &format!("{POD}{deny}"));
    let typo = deny.replace("podSelector: {}", "podSelector: {matchLabels: {app: wbe}}");
    check("net-netpol-no-target", &format!("{POD}{typo}"), &format!("{POD}{deny}"));
    let open = ingress_only
        .replace("[{from: [{podSelector: {matchLabels: {app: client}}}]}]", "[{from: [{namespaceSelector: {}}]}]");
    check("net-netpol-selectors", &format!("{POD}{open}"), &format!("{POD}{ingress_only}"));
    check(
        "net-netpol-selectors",
        &format!("{POD}{}", ingress_only.replace("[{from: [{podSelector: {matchLabels: {app: client}}}]}]", "[{}]")),
        &format!("{POD}{ingress_only}"),
    );
    check(
        "net-service-external-ip",
        &format!("{POD}{}", service("  externalIPs: [1.2.3.4]\n")),
        &format!("{POD}{}", service("")),
    );
    check("net-service-nodeport", &format!("{POD}{}", service("  type: NodePort\n")), &format!("{POD}{}", service("")));
    check(
        "net-service-no-target",
        &service("  type: ClusterIP\n").replace("app: web", "app: nothing"),
        &format!("{POD}{}", service("")),
    );
    let lb = service("  type: LoadBalancer\n");
    let internal = lb.replace(
        "metadata: {name: web, namespace: ns}",
        "metadata: {name: web, namespace: ns, annotations: {networking.gke.io/load-balancer-type: Internal}}",
    );
    check("net-service-external-lb", &format!("{POD}{lb}"), &format!("{POD}{internal}"));
    let ing = |svc: &str, ann: &str| {
        format!(
            "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: i, namespace: ns{ann}}}\nspec:\n  rules:\n    - http: {{paths: [{{path: /, pathType: Prefix, backend: {{service: {{name: {svc}, port: {{number: 80}}}}}}}}]}}\n"
        )
    };
    check(
        "net-ingress-no-service",
        &format!("{POD}{}{}", service(""), ing("nope", "")),
        &format!("{POD}{}{}", service(""), ing("web", "")),
    );
    check(
        "net-ingress-exposes-workload",
        &format!("{POD}{}{}", service(""), ing("web", "")),
        &format!("{POD}{}", service("")),
    );
    let snippet = ", annotations: {nginx.ingress.kubernetes.io/configuration-snippet: 'content_by_lua_block { }'}";
    check("net-ingress-nginx-snippets", &ing("web", snippet), &ing("web", ""));
}

#[test]
fn cross_object_exposure_accounts_and_namespaces() {
    // The Deployment may run as root (no runAsNonRoot, no UID) and a LoadBalancer exposes it.
    let lb = service("  type: LoadBalancer\n");
    let non_root = POD.replace(
        "    spec:\n      containers:",
        "    spec:\n      securityContext: {runAsNonRoot: true}\n      containers:",
    );
    check("hg-k8s-exposed-privileged", &format!("{POD}{lb}"), &format!("{non_root}{lb}"));
    check(
        "hg-k8s-exposed-privileged",
        &format!(
            "{POD}{}---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: i, namespace: ns}}\nspec: {{defaultBackend: {{service: {{name: web, port: {{number: 80}}}}}}}}\n",
            service("")
        ),
        &format!("{POD}{}", service("")),
    );
    check("k8s-probes-kube-score", &format!("{POD}{}", service("")), POD);

    let with_sa = POD.replace("      containers:", "      serviceAccountName: app\n      containers:");
    let reader = role(&rule("\"\"", "secrets", "get")).replace("name: r,", "name: reader,");
    let bind = "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb, namespace: ns}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}\nsubjects: [{kind: ServiceAccount, name: app, namespace: ns}]\n";
    let stream = format!("{with_sa}---\n{reader}{bind}");
    check("hg-k8s-sa-rights", &stream, &with_sa);
    check("hg-k8s-sa-token-risky", &stream, &with_sa);
    let opted_out = stream.replace(
        "      serviceAccountName: app\n",
        "      serviceAccountName: app\n      automountServiceAccountToken: false\n",
    );
    assert!(
        !concepts(&opted_out).contains("hg-k8s-sa-token-risky") && concepts(&opted_out).contains("hg-k8s-sa-rights")
    );
    let admin =
        format!("{with_sa}---\n{}", binding("{kind: ServiceAccount, name: app, namespace: ns}", "cluster-admin"));
    let scanned = scan(&[Input { name: "m", bytes: admin.as_bytes() }], &Settings::default());
    let rights = scanned.findings.iter().find(|f| f.concept.as_deref() == Some("hg-k8s-sa-rights")).unwrap();
    assert_eq!(rights.evidence.as_deref(), Some("service account app holds cluster-admin"));

    let ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns}\n";
    let guarded = format!(
        "{ns}---\napiVersion: v1\nkind: LimitRange\nmetadata: {{name: l, namespace: ns}}\n---\napiVersion: v1\nkind: ResourceQuota\nmetadata: {{name: q, namespace: ns}}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny, namespace: ns}}\nspec: {{podSelector: {{}}, policyTypes: [Ingress, Egress]}}\n"
    );
    check("k8s-limit-range", ns, &guarded);
    check("k8s-resource-quota", ns, &guarded);
    check("hg-k8s-no-default-deny", ns, &guarded);
    let half = guarded.replace("policyTypes: [Ingress, Egress]", "policyTypes: [Ingress]");
    let found = scan(&[Input { name: "m", bytes: half.as_bytes() }], &Settings::default());
    let f = found.findings.iter().find(|f| f.concept.as_deref() == Some("hg-k8s-no-default-deny")).unwrap();
    assert_eq!(f.evidence.as_deref(), Some("namespace ns has no default-deny egress NetworkPolicy in the scan"));
}

#[test]
fn hygiene() {
    let cm =
        |data: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, namespace: ns}}\ndata:\n{data}");
    check("k8s-default-namespace", &POD.replace("namespace: ns", "namespace: default"), POD);
    check("k8s-kube-system-namespace", &POD.replace("namespace: ns", "namespace: kube-system"), POD);
    check(
        "k8s-configmap-secrets",
        &cm("  creds: \"aws_access_key_id = AKIAIOSFODNN7EXAMPLF\"\n"),
        &cm("  mode: prod\n"),
    );
    check("k8s-configmap-sensitive", &cm("  DB_PASSWORD: hunter2\n"), &cm("  DB_PASSWORD_FILE: /run/secrets/db\n"));
    let secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: ns}\nstringData: {token: abc}\n";
    check(
        "k8s-external-secret-store",
        secret,
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: ns}\ntype: kubernetes.io/service-account-token\n",
    );
    check("k8s-deprecated-api", &POD.replace("apps/v1", "extensions/v1beta1"), POD);
    check("k8s-label-values", &POD.replace("labels: {app: web}", "labels: {app: web, team: -bad-}"), POD);
    let anti = POD.replace("    spec:\n      containers:", "    spec:\n      affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 1, podAffinityTerm: {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: web}}}}]}}\n      containers:");
    check("k8s-pod-anti-affinity", POD, &anti);
    let spread = |c: &str| {
        POD.replace(
            "    spec:\n      containers:",
            &format!("    spec:\n      topologySpreadConstraints: [{c}]\n      containers:"),
        )
    };
    check(
        "k8s-topology-spread",
        &spread("{maxSkew: 0, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {}}"),
        &spread("{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {}}"),
    );
    let pdb = |spec: &str| {
        format!(
            "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: p, namespace: ns}}\nspec: {{selector: {{matchLabels: {{app: web}}}}{spec}}}\n"
        )
    };
    check("k8s-pdb-missing", POD, &format!("{POD}{}", pdb(", maxUnavailable: 1")));
    check("k8s-pdb-policy", &pdb(""), &pdb(", minAvailable: 1"));
    check("k8s-deployment-replicas", &POD.replace("replicas: 3", "replicas: 1"), POD);
    let recreate = POD.replace("  replicas: 3\n", "  replicas: 3\n  strategy: {type: Recreate}\n");
    check("k8s-deployment-strategy", &format!("{recreate}{}", service("")), &format!("{POD}{}", service("")));
    let hpa = |min: &str, target: &str| {
        format!(
            "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: h, namespace: ns}}\nspec: {{scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {target}}}, maxReplicas: 5{min}}}\n"
        )
    };
    let unscaled = POD.replace("  replicas: 3\n", "");
    check(
        "k8s-hpa-replicas-conflict",
        &format!("{POD}{}", hpa(", minReplicas: 2", "web")),
        &format!("{unscaled}{}", hpa(", minReplicas: 2", "web")),
    );
    check(
        "k8s-hpa-target",
        &format!("{unscaled}{}", hpa(", minReplicas: 2", "other")),
        &format!("{unscaled}{}", hpa(", minReplicas: 2", "web")),
    );
    check(
        "k8s-hpa-min-replicas",
        &format!("{unscaled}{}", hpa("", "web")),
        &format!("{unscaled}{}", hpa(", minReplicas: 3", "web")),
    );
    let cron = |extra: &str, policy: &str| {
        format!(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: c, namespace: ns}}\nspec:\n  schedule: '@daily'\n{extra}  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: {policy}\n          containers: [{{name: a, image: x:1}}]\n"
        )
    };
    check("k8s-cronjob-deadline", &cron("", "Never"), &cron("  startingDeadlineSeconds: 100\n", "Never"));
    check("k8s-cronjob-restart-policy", &cron("", "Always"), &cron("", "OnFailure"));
    let sts = |extra: &str, claim: &str| {
        format!(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db, namespace: ns}}\nspec:\n{extra}  selector: {{matchLabels: {{app: db}}}}\n  template:\n    metadata: {{labels: {{app: db}}}}\n    spec: {{containers: [{{name: a, image: x:1}}]}}\n  volumeClaimTemplates:\n    - metadata: {{name: d}}\n      spec: {claim}\n"
        )
    };
    let good_claim = "{accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}";
    check("k8s-statefulset-service-name", &sts("", good_claim), &sts("  serviceName: db\n", good_claim));
    let not_headless = format!(
        "{}---\napiVersion: v1\nkind: Service\nmetadata: {{name: db, namespace: ns}}\nspec: {{selector: {{app: db}}}}\n",
        sts("  serviceName: db\n", good_claim)
    );
    check(
        "k8s-statefulset-service-name",
        &not_headless,
        &not_headless.replace("spec: {selector: {app: db}}", "spec: {clusterIP: None, selector: {app: db}}"),
    );
    check(
        "k8s-pvc-access-mode",
        &sts("  serviceName: db\n", "{accessModes: [ReadWriteMany], resources: {requests: {storage: 1Gi}}}"),
        &sts("  serviceName: db\n", good_claim),
    );
    check(
        "k8s-pvc-storage-request",
        &sts("  serviceName: db\n", "{accessModes: [ReadWriteOnce]}"),
        &sts("  serviceName: db\n", good_claim),
    );
    check("k8s-selector-labels-match", &POD.replace("matchLabels: {app: web}", "matchLabels: {app: api}"), POD);
    let repos = |r: &str| {
        format!(
            "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sAllowedRepos\nmetadata: {{name: repos}}\nspec: {{parameters: {{repos: [{r}]}}}}\n"
        )
    };
    check("k8s-gatekeeper-repo-prefix", &repos("\"gcr.io/org\""), &repos("\"gcr.io/org/\""));
}

#[test]
fn pod_security_policies() {
    let hardened = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: restricted\n  annotations: {seccomp.security.alpha.kubernetes.io/defaultProfileName: runtime/default}\nspec:\n  privileged: false\n  allowPrivilegeEscalation: false\n  requiredDropCapabilities: [ALL]\n  runAsUser: {rule: MustRunAsNonRoot}\n  volumes: [configMap, secret]\n";
    let psp: BTreeSet<String> = concepts(hardened).into_iter().filter(|c| c.starts_with("psp-")).collect();
    assert!(psp.is_empty(), "{psp:?}");
    for (concept, from, to) in [
        ("psp-privileged", "privileged: false", "privileged: true"),
        ("psp-host-pid", "privileged: false", "hostPID: true"),
        ("psp-host-ipc", "privileged: false", "hostIPC: true"),
        ("psp-host-network", "privileged: false", "hostNetwork: true"),
        ("psp-privilege-escalation", "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true"),
        ("psp-root", "rule: MustRunAsNonRoot", "rule: RunAsAny"),
        ("psp-net-raw", "requiredDropCapabilities: [ALL]", "requiredDropCapabilities: [SETUID]"),
        ("psp-allowed-capabilities", "privileged: false", "allowedCapabilities: [NET_ADMIN]"),
        ("psp-required-drop", "requiredDropCapabilities: [ALL]", "requiredDropCapabilities: [NET_RAW]"),
        ("psp-seccomp", "runtime/default", "unconfined"),
        ("psp-host-path", "volumes: [configMap, secret]", "volumes: [hostPath]"),
        (
            "psp-host-path",
            "volumes: [configMap, secret]",
            "volumes: [hostPath]\n  allowedHostPaths: [{pathPrefix: /var/log}]",
        ),
    ] {
        let failing = hardened.replace(from, to);
        assert!(concepts(&failing).contains(concept), "{concept}:\n{failing}");
    }
    let ranged = hardened.replace("rule: MustRunAsNonRoot", "rule: MustRunAs, ranges: [{min: 1000, max: 2000}]");
    assert!(!concepts(&ranged).contains("psp-root"));
}

#[test]
fn env_secrets_name_the_field_and_mask_the_value() {
    let text = POD.replace("        - {name: a, image: x:1}\n", "        - name: a\n          image: x:1\n          env:\n            - {name: MODE, value: prod}\n            - {name: API_TOKEN, value: ghp_0123456789abcdefghijklmnopqrstuvwxyzAB}\n");
    let s = scan(&[Input { name: "m", bytes: text.as_bytes() }], &Settings::default());
    let f = s.findings.iter().find(|f| f.concept.as_deref() == Some("hg-k8s-env-secret")).unwrap();
    let Location::Manifest { field, line, .. } = &f.location else { panic!() };
    assert_eq!((field.as_str(), *line), ("spec.template.spec.containers[0].env[1].value", 15));
    assert!(!f.evidence.as_deref().unwrap_or_default().contains("0123456789abcdef"), "{:?}", f.evidence);
    assert_eq!(s.findings.iter().filter(|f| f.concept.as_deref() == Some("hg-k8s-env-secret")).count(), 1);
}

#[test]
fn secret_values_go_through_the_secret_scanners_rules() {
    // An AWS access key id, base64-encoded in `data` and as written in `stringData`.
    let encoded = "QUtJQUlPU0ZPRE5ON0VYQU1QTEY="; // AKIAIOSFODNN7EXAMPLF
    let text = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: s, namespace: ns}}\ndata:\n  id: {encoded}\nstringData:\n  id2: AKIAIOSFODNN7EXAMPLF\n  mode: prod\n"
    );
    let s = scan(&[Input { name: "m", bytes: text.as_bytes() }], &Settings::default());
    let secrets: Vec<(String, String, u32)> = s
        .findings
        .iter()
        .filter(|f| f.kind == hullguard_report::FindingKind::Secret)
        .map(|f| match &f.location {
            Location::Manifest { field, line, .. } => (f.id.clone(), field.clone(), *line),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(secrets.len(), 2, "{secrets:?}");
    assert!(secrets.iter().any(|(_, field, line)| field == "data.id" && *line == 5), "{secrets:?}");
    assert!(secrets.iter().any(|(_, field, line)| field == "stringData.id2" && *line == 7), "{secrets:?}");
    assert!(s.findings.iter().all(|f| !f.evidence.as_deref().unwrap_or_default().contains("IOSFODNN7EXAMPLF")));
}
