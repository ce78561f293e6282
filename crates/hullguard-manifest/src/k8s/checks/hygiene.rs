//! Objects and hygiene: namespaces, API versions, labels, availability (replicas, PDBs, HPAs,
//! anti-affinity), CronJobs, StatefulSets, ConfigMaps and Secrets holding credentials.

use super::super::inventory::{Inventory, Selector};
use super::super::object::{Object, PodSpec};
use crate::report::Reporter;
use crate::yaml::Node;

/// `apiVersion`s that were removed, with the kinds they served and the release that removed them.
const REMOVED_APIS: [(&str, &[&str], &str); 18] = [
    (
        "extensions/v1beta1",
        &["Deployment", "DaemonSet", "ReplicaSet", "Ingress", "NetworkPolicy", "PodSecurityPolicy"],
        "1.16/1.22",
    ),
    ("apps/v1beta1", &["Deployment", "StatefulSet", "ReplicaSet"], "1.16"),
    ("apps/v1beta2", &["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"], "1.16"),
    ("batch/v1beta1", &["CronJob"], "1.25"),
    ("policy/v1beta1", &["PodDisruptionBudget", "PodSecurityPolicy"], "1.25"),
    ("networking.k8s.io/v1beta1", &["Ingress", "IngressClass"], "1.22"),
    ("rbac.authorization.k8s.io/v1beta1", &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"], "1.22"),
    ("rbac.authorization.k8s.io/v1alpha1", &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"], "1.22"),
    ("apiextensions.k8s.io/v1beta1", &["CustomResourceDefinition"], "1.22"),
    (
        "admissionregistration.k8s.io/v1beta1",
        &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"],
        "1.22",
    ),
    ("certificates.k8s.io/v1beta1", &["CertificateSigningRequest"], "1.22"),
    ("coordination.k8s.io/v1beta1", &["Lease"], "1.22"),
    ("scheduling.k8s.io/v1beta1", &["PriorityClass"], "1.22"),
    ("autoscaling/v2beta1", &["HorizontalPodAutoscaler"], "1.25"),
    ("autoscaling/v2beta2", &["HorizontalPodAutoscaler"], "1.26"),
    ("discovery.k8s.io/v1beta1", &["EndpointSlice"], "1.25"),
    ("node.k8s.io/v1beta1", &["RuntimeClass"], "1.25"),
    (
        "storage.k8s.io/v1beta1",
        &["CSIStorageCapacity", "CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        "1.22/1.27",
    ),
];

/// Kinds that live in a namespace (the common ones; cluster-scoped kinds are never reported).
const CLUSTER_SCOPED: [&str; 12] = [
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "PodSecurityPolicy",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "Node",
    "IngressClass",
];

/// Whether a label value is valid: at most 63 characters, alphanumerics with `-`, `_`, `.` inside.
fn valid_label_value(v: &str) -> bool {
    let b = v.as_bytes();
    v.is_empty()
        || (v.len() <= 63
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')))
}

/// Checks every object gets.
pub(crate) fn any(r: &mut Reporter<'_>, obj: &Object<'_>) {
    let meta = obj.node.get("metadata");
    let ns_node = meta.and_then(|m| m.get("namespace"));
    if !CLUSTER_SCOPED.contains(&obj.kind) && obj.kind != "List" {
        if obj.namespace == Some("default") {
            r.add(
                "k8s-default-namespace",
                "metadata.namespace",
                ns_node.unwrap_or(obj.node),
                format!("{} is in the default namespace", obj.id()),
                "namespace: my-app",
            );
        }
        if obj.namespace == Some("kube-system") && !matches!(obj.kind, "ConfigMap" | "Secret" | "ServiceAccount") {
            r.add(
                "k8s-kube-system-namespace",
                "metadata.namespace",
                ns_node.unwrap_or(obj.node),
                format!("{} is in kube-system", obj.id()),
                "namespace: my-app",
            );
        }
    }
    if let Some((_, _, removed)) =
        REMOVED_APIS.iter().find(|(api, kinds, _)| *api == obj.api_version && kinds.contains(&obj.kind))
    {
        r.add(
            "k8s-deprecated-api",
            "apiVersion",
            obj.node.get("apiVersion").unwrap_or(obj.node),
            format!("{} {} was removed in Kubernetes {removed}", obj.api_version, obj.kind),
            "apiVersion: the current version of the kind (apps/v1, networking.k8s.io/v1, policy/v1 …)",
        );
    }
    let mut label_maps = vec![("metadata.labels".to_owned(), meta.and_then(|m| m.get("labels")))];
    if let Some(template) = obj.node.get("spec").and_then(|s| s.get("template")).and_then(|t| t.get("metadata")) {
        label_maps.push(("spec.template.metadata.labels".to_owned(), template.get("labels")));
    }
    for (path, labels) in label_maps {
        for (k, v) in labels.map(Node::entries).unwrap_or_default() {
            if let (Some(key), Some(value)) = (k.as_str(), v.as_str())
                && !valid_label_value(value)
            {
                r.add(
                    "k8s-label-values",
                    &format!("{path}.{key}"),
                    v,
                    format!("label {key} has the invalid value {value:?}"),
                    "a value of at most 63 characters: alphanumerics, '-', '_', '.'",
                );
            }
        }
    }
}

/// Checks of workloads' availability and shape.
pub(crate) fn workload(r: &mut Reporter<'_>, obj: &Object<'_>, pod: &PodSpec<'_>, inv: &Inventory) {
    let spec = obj.node.get("spec");
    let id = obj.id();
    let ns = obj.effective_namespace();
    let replicas_node = spec.and_then(|s| s.field("replicas"));
    let replicas = replicas_node.and_then(Node::as_i64).unwrap_or(1);
    let hpa = inv.hpa_targets.contains(&(ns.to_owned(), obj.kind.to_owned(), obj.name.to_owned()));
    let labels: Vec<(String, String)> = Selector::map(pod.metadata.and_then(|m| m.get("labels"))).into_labels();
    let replicated = matches!(obj.kind, "Deployment" | "StatefulSet");
    if replicated && (replicas > 1 || hpa) {
        let anti = pod
            .spec
            .field("affinity")
            .and_then(|a| a.field("podAntiAffinity"))
            .map(|p| {
                ["requiredDuringSchedulingIgnoredDuringExecution", "preferredDuringSchedulingIgnoredDuringExecution"]
                    .iter()
                    .any(|k| {
                        p.get(k).map(Node::items).unwrap_or_default().iter().any(|t| {
                            let term = t.get("podAffinityTerm").unwrap_or(t);
                            term.get("topologyKey").and_then(Node::as_str) == Some("kubernetes.io/hostname")
                        })
                    })
            })
            .unwrap_or(false);
        if !anti {
            r.add("k8s-pod-anti-affinity", &format!("{}.affinity.podAntiAffinity", pod.path), pod.spec, format!("{id} runs {replicas} replicas with no host anti-affinity"), "podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 100, podAffinityTerm: {topologyKey: kubernetes.io/hostname, labelSelector: …}}]}");
        }
        if !inv.pdbs_in(ns).iter().any(|sel| !sel.is_empty() && sel.matches(&labels)) {
            r.add(
                "k8s-pdb-missing",
                "spec.selector",
                spec.unwrap_or(obj.node),
                format!("no PodDisruptionBudget of the scan covers {id}"),
                "add a PodDisruptionBudget selecting these pods",
            );
        }
    }
    if obj.kind == "Deployment" {
        if hpa && let Some(n) = replicas_node {
            r.add(
                "k8s-hpa-replicas-conflict",
                "spec.replicas",
                n,
                format!("{id} is scaled by an HPA but sets replicas"),
                "remove spec.replicas",
            );
        }
        if !hpa && replicas < 2 {
            r.add(
                "k8s-deployment-replicas",
                "spec.replicas",
                replicas_node.or(spec).unwrap_or(obj.node),
                format!("{id} runs {replicas} replica(s)"),
                "replicas: 2",
            );
        }
        let served = inv.services_in(ns).iter().any(|s| !s.selector.is_empty() && s.selector.matches(&labels));
        let strategy = spec.and_then(|s| s.field("strategy")).and_then(|s| s.field("type"));
        if served && strategy.and_then(Node::as_str).is_some_and(|t| t != "RollingUpdate") {
            r.add(
                "k8s-deployment-strategy",
                "spec.strategy.type",
                strategy.unwrap_or(obj.node),
                format!(
                    "{id} serves a Service but is replaced with {}",
                    strategy.and_then(Node::as_str).unwrap_or("?")
                ),
                "type: RollingUpdate",
            );
        }
    }
    for (i, c) in pod.spec.get("topologySpreadConstraints").map(Node::items).unwrap_or_default().iter().enumerate() {
        let skew = c.field("maxSkew").and_then(Node::as_i64);
        let when = c.field("whenUnsatisfiable").and_then(Node::as_str);
        let problem = if skew.is_none_or(|s| s < 1) {
            Some("maxSkew must be 1 or more")
        } else if c.field("topologyKey").and_then(Node::as_str).is_none_or(str::is_empty) {
            Some("topologyKey is missing")
        } else if !matches!(when, Some("DoNotSchedule" | "ScheduleAnyway")) {
            Some("whenUnsatisfiable must be DoNotSchedule or ScheduleAnyway")
        } else if c.field("labelSelector").is_none() {
            Some("labelSelector is missing")
        } else {
            None
        };
        if let Some(problem) = problem {
            r.add("k8s-topology-spread", &format!("{}.topologySpreadConstraints[{i}]", pod.path), c, format!("{id}: {problem}"), "{maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway, labelSelector: …}");
        }
    }
    if obj.kind == "CronJob" {
        if spec.and_then(|s| s.field("startingDeadlineSeconds")).is_none() {
            r.add(
                "k8s-cronjob-deadline",
                "spec.startingDeadlineSeconds",
                spec.unwrap_or(obj.node),
                format!("{id} has no startingDeadlineSeconds"),
                "startingDeadlineSeconds: 200",
            );
        }
        let policy = pod.spec.field("restartPolicy");
        if !matches!(policy.and_then(Node::as_str), Some("OnFailure" | "Never")) {
            r.add(
                "k8s-cronjob-restart-policy",
                &format!("{}.restartPolicy", pod.path),
                policy.unwrap_or(pod.spec),
                format!("{id}: restartPolicy is {}", policy.and_then(Node::as_str).unwrap_or("not set")),
                "restartPolicy: OnFailure",
            );
        }
    }
    if obj.kind == "StatefulSet" {
        statefulset(r, obj, inv);
    }
    if matches!(obj.kind, "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet") {
        let selector = Selector::label_selector(spec.and_then(|s| s.get("selector")));
        if !selector.is_empty() && !selector.matches(&labels) {
            r.add(
                "k8s-selector-labels-match",
                "spec.selector",
                spec.and_then(|s| s.get("selector")).unwrap_or(obj.node),
                format!("{id}: the selector does not match the pod template's labels"),
                "make spec.selector.matchLabels a subset of spec.template.metadata.labels",
            );
        }
    }
}

fn statefulset(r: &mut Reporter<'_>, obj: &Object<'_>, inv: &Inventory) {
    let spec = obj.node.get("spec");
    let id = obj.id();
    let ns = obj.effective_namespace();
    let service = spec.and_then(|s| s.field("serviceName"));
    match service.and_then(Node::as_str).filter(|s| !s.is_empty()) {
        None => r.add(
            "k8s-statefulset-service-name",
            "spec.serviceName",
            spec.unwrap_or(obj.node),
            format!("{id} has no serviceName"),
            "serviceName: my-app-headless",
        ),
        Some(name) => {
            if let Some(s) = inv.services_in(ns).iter().find(|s| s.name == name)
                && !s.headless
            {
                r.add(
                    "k8s-statefulset-service-name",
                    "spec.serviceName",
                    service.unwrap_or(obj.node),
                    format!("{id}: Service {name} is not headless"),
                    "clusterIP: None on the governing Service",
                );
            }
        }
    }
    for (i, t) in
        spec.and_then(|s| s.get("volumeClaimTemplates")).map(Node::items).unwrap_or_default().iter().enumerate()
    {
        let tspec = t.get("spec");
        let modes: Vec<&str> = tspec
            .and_then(|s| s.get("accessModes"))
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        if !modes.contains(&"ReadWriteOnce") {
            r.add(
                "k8s-pvc-access-mode",
                &format!("spec.volumeClaimTemplates[{i}].spec.accessModes"),
                tspec.unwrap_or(t),
                format!("{id}: claim template {i} access modes {modes:?}"),
                "accessModes: [ReadWriteOnce]",
            );
        }
        if tspec
            .and_then(|s| s.get("resources"))
            .and_then(|r| r.get("requests"))
            .and_then(|r| r.field("storage"))
            .is_none()
        {
            r.add(
                "k8s-pvc-storage-request",
                &format!("spec.volumeClaimTemplates[{i}].spec.resources.requests.storage"),
                tspec.unwrap_or(t),
                format!("{id}: claim template {i} requests no storage"),
                "resources: {requests: {storage: 10Gi}}",
            );
        }
    }
}

/// Checks of objects that are not workloads: ConfigMaps, Secrets, PDBs, HPAs, Gatekeeper constraints.
pub(crate) fn other(r: &mut Reporter<'_>, obj: &Object<'_>, inv: &Inventory) {
    let id = obj.id();
    let spec = obj.node.get("spec");
    match obj.kind {
        "ConfigMap" => configmap(r, obj),
        "Secret" => {
            secret_values(r, obj);
            let data = ["data", "stringData"]
                .iter()
                .find_map(|k| obj.node.field(k).filter(|d| !d.entries().is_empty()).map(|d| (*k, d)));
            if let Some((key, d)) = data {
                r.add(
                    "k8s-external-secret-store",
                    key,
                    d,
                    format!("{id} keeps its values in the manifest"),
                    "use an external secret store (External Secrets, Sealed Secrets, a CSI secrets driver)",
                );
            }
        }
        "PodDisruptionBudget"
            if spec.is_none_or(|s| s.field("minAvailable").is_none() && s.field("maxUnavailable").is_none()) =>
        {
            r.add(
                "k8s-pdb-policy",
                "spec",
                spec.unwrap_or(obj.node),
                format!("{id} sets neither minAvailable nor maxUnavailable"),
                "maxUnavailable: 1",
            );
        }
        "HorizontalPodAutoscaler" => {
            let target = spec.and_then(|s| s.get("scaleTargetRef"));
            let get = |k: &str| target.and_then(|t| t.get(k)).and_then(Node::as_str).unwrap_or_default();
            if !inv.has(get("kind"), obj.effective_namespace(), get("name")) {
                r.add(
                    "k8s-hpa-target",
                    "spec.scaleTargetRef",
                    target.unwrap_or(obj.node),
                    format!("{id} targets {}/{}, which is not in the scan", get("kind"), get("name")),
                    "point scaleTargetRef at an existing workload",
                );
            }
            let min = spec.and_then(|s| s.field("minReplicas"));
            if min.and_then(Node::as_i64).unwrap_or(1) < 2 {
                r.add(
                    "k8s-hpa-min-replicas",
                    "spec.minReplicas",
                    min.or(spec).unwrap_or(obj.node),
                    format!("{id} may scale down to {} replica", min.and_then(Node::as_i64).unwrap_or(1)),
                    "minReplicas: 2",
                );
            }
        }
        "K8sAllowedRepos" => {
            for (i, repo) in spec
                .and_then(|s| s.get("parameters"))
                .and_then(|p| p.get("repos"))
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                if let Some(text) = repo.as_str()
                    && !text.ends_with('/')
                {
                    r.add(
                        "k8s-gatekeeper-repo-prefix",
                        &format!("spec.parameters.repos[{i}]"),
                        repo,
                        format!("{id}: repo prefix {text:?} also allows {text}.evil.example"),
                        &format!("\"{text}/\""),
                    );
                }
            }
        }
        _ => {}
    }
}

/// ConfigMap values: credentials by the secret scanner's rules, and keys that name secrets.
fn configmap(r: &mut Reporter<'_>, obj: &Object<'_>) {
    let id = obj.id();
    for (k, v) in obj.node.get("data").map(Node::entries).unwrap_or_default() {
        let (Some(key), Some(value)) = (k.as_str(), v.as_str()) else { continue };
        let found = hullguard_secrets::scan(&format!("{id}/{key}"), value.as_bytes());
        if let Some(secret) = found.first() {
            r.add(
                "k8s-configmap-secrets",
                &format!("data.{key}"),
                v,
                format!("{}: {}", secret.title, secret.redacted_match),
                "move the value to a Secret (or an external secret store)",
            );
        } else if hullguard_secrets::is_secret_name(key) && !value.trim().is_empty() {
            r.add(
                "k8s-configmap-sensitive",
                &format!("data.{key}"),
                v,
                hullguard_secrets::mask_assignment(key, value.lines().next().unwrap_or_default()),
                "move the value to a Secret",
            );
        }
    }
}

/// The values of a Secret (`stringData` as written, `data` base64-decoded) through the secret
/// scanner's rules: a credential a rule recognises is reported with the rule's id and the field.
fn secret_values(r: &mut Reporter<'_>, obj: &Object<'_>) {
    for (map, encoded) in [("stringData", false), ("data", true)] {
        for (k, v) in obj.node.get(map).map(Node::entries).unwrap_or_default() {
            let (Some(key), Some(text)) = (k.as_str(), v.as_str()) else { continue };
            let value = if encoded { base64_decode(text) } else { Some(text.as_bytes().to_vec()) };
            if let Some(value) = value {
                r.secrets(&format!("{map}.{key}"), v, &value);
            }
        }
    }
}

/// Standard base64 (padding optional, whitespace ignored); `None` for anything else.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in text.bytes().filter(|b| !b.is_ascii_whitespace()) {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::base64_decode;

    #[test]
    fn base64() {
        assert_eq!(base64_decode("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode("aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode("aGV\nsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode("not base64!"), None);
        assert_eq!(base64_decode("").as_deref(), Some(&b""[..]));
    }
}
