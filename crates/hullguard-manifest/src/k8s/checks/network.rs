//! Network segmentation and exposure: NetworkPolicies, Services, Ingresses, and the cross-object
//! views (a workload no policy selects, a privileged workload exposed outside the cluster).
//!
//! Cross-object checks judge the objects of one scan: a Service whose pods are in another file
//! of the same run is matched, one whose pods were never given is reported as selecting nothing.

use super::super::inventory::{Inventory, Selector, Workload, ingress_services};
use super::super::object::{Object, PodSpec};
use crate::report::Reporter;
use crate::yaml::Node;

/// Annotations cloud providers read as "internal load balancer".
const INTERNAL_LB: [(&str, &[&str]); 7] = [
    ("cloud.google.com/load-balancer-type", &["Internal", "internal"]),
    ("networking.gke.io/load-balancer-type", &["Internal", "internal"]),
    ("service.beta.kubernetes.io/aws-load-balancer-internal", &["true", "0.0.0.0/0"]),
    ("service.beta.kubernetes.io/aws-load-balancer-scheme", &["internal"]),
    ("service.beta.kubernetes.io/azure-load-balancer-internal", &["true"]),
    ("service.beta.kubernetes.io/oci-load-balancer-internal", &["true"]),
    ("service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type", &["private"]),
];

/// The Services of the scan that select `w`.
fn services_of<'i>(inv: &'i Inventory, w: &'i Workload) -> impl Iterator<Item = &'i super::super::inventory::Service> {
    inv.services_in(&w.namespace).iter().filter(|s| !s.selector.is_empty() && s.selector.matches(&w.labels))
}

/// Cross-object checks of a workload.
pub(crate) fn workload(r: &mut Reporter<'_>, obj: &Object<'_>, pod: &PodSpec<'_>, inv: &Inventory) {
    let Some(w) = inv.workloads_in(obj.effective_namespace()).iter().find(|w| w.kind == obj.kind && w.name == obj.name)
    else {
        return;
    };
    let at = pod.metadata.unwrap_or(pod.spec);
    let labels_path = format!("{}.metadata.labels", pod.path.strip_suffix(".spec").unwrap_or(""));
    let labels_path = labels_path.trim_start_matches('.').to_owned();
    let policies: Vec<_> = inv.policies_in(&w.namespace).iter().filter(|p| p.selector.matches(&w.labels)).collect();
    if policies.is_empty() {
        r.add(
            "net-pod-without-netpol",
            &labels_path,
            at,
            format!("no NetworkPolicy of the scan selects the pods of {}", obj.id()),
            "add a NetworkPolicy selecting these pods (and a default-deny policy for the namespace)",
        );
    } else if !(policies.iter().any(|p| p.ingress) && policies.iter().any(|p| p.egress)) {
        let missing = if policies.iter().any(|p| p.ingress) { "Egress" } else { "Ingress" };
        r.add(
            "net-pod-netpol-ingress-egress",
            &labels_path,
            at,
            format!("the NetworkPolicies selecting {} restrict no {missing}", obj.id()),
            &format!("policyTypes: [Ingress, Egress] (with {missing} rules)"),
        );
    }
    let services: Vec<_> = services_of(inv, w).collect();
    if !services.is_empty() {
        for c in pod.containers().iter().filter(|c| c.kind == super::super::object::ContainerKind::Regular) {
            if c.node.field("readinessProbe").is_none() {
                r.add(
                    "k8s-probes-kube-score",
                    &format!("{}.readinessProbe", c.path),
                    c.node,
                    format!("container {} serves Service {} without a readiness probe", c.name, services[0].name),
                    "readinessProbe: {httpGet: {path: /ready, port: 8080}}",
                );
            }
        }
    }
    let exposed =
        services.iter().find(|s| s.exposed || inv.ingress_backends.contains(&(s.namespace.clone(), s.name.clone())));
    if let Some(s) = exposed
        && w.privileged_or_root
    {
        let how = if s.exposed { "a NodePort/LoadBalancer Service" } else { "an Ingress" };
        r.add(
            "hg-k8s-exposed-privileged",
            &pod.path,
            at,
            format!("{} runs privileged or as root and is exposed through {how} ({})", obj.id(), s.name),
            "securityContext: {runAsNonRoot: true} on the pod, no privileged containers",
        );
    }
}

/// Checks of a Service.
pub(crate) fn service(r: &mut Reporter<'_>, obj: &Object<'_>, inv: &Inventory) {
    let Some(spec) = obj.node.field("spec") else { return };
    let ty = spec.field("type").and_then(Node::as_str).unwrap_or("ClusterIP");
    if let Some(ips) = spec.field("externalIPs").filter(|i| !i.items().is_empty()) {
        r.add(
            "net-service-external-ip",
            "spec.externalIPs",
            ips,
            format!("{} sets externalIPs", obj.id()),
            "remove externalIPs (CVE-2020-8554)",
        );
    }
    if ty == "NodePort" {
        r.add(
            "net-service-nodeport",
            "spec.type",
            spec.get("type").unwrap_or(spec),
            format!("{} is a NodePort", obj.id()),
            "type: ClusterIP (behind an Ingress or LoadBalancer)",
        );
    }
    if ty == "LoadBalancer" {
        let internal = INTERNAL_LB
            .iter()
            .any(|(key, values)| obj.metadata("annotations", key).is_some_and(|v| values.contains(&v)));
        if !internal {
            r.add(
                "net-service-external-lb",
                "metadata.annotations",
                spec.get("type").unwrap_or(spec),
                format!("{} is an external load balancer", obj.id()),
                "the provider's internal annotation (e.g. networking.gke.io/load-balancer-type: Internal)",
            );
        }
    }
    let selector = Selector::map(spec.get("selector"));
    let ns = obj.effective_namespace();
    if !selector.is_empty() && !inv.workloads_in(ns).iter().any(|w| selector.matches(&w.labels)) {
        r.add(
            "net-service-no-target",
            "spec.selector",
            spec.get("selector").unwrap_or(spec),
            format!("{} selects no pod of the scan", obj.id()),
            "make spec.selector match the pod template labels",
        );
    }
}

/// Checks of an Ingress.
pub(crate) fn ingress(r: &mut Reporter<'_>, obj: &Object<'_>, inv: &Inventory) {
    let ns = obj.effective_namespace();
    for name in ingress_services(obj) {
        match inv.services_in(ns).iter().find(|s| s.name == name) {
            None => r.add(
                "net-ingress-no-service",
                "spec.rules",
                obj.node.get("spec").unwrap_or(obj.node),
                format!("{} routes to Service {name}, which is not in the scan", obj.id()),
                "route to an existing Service",
            ),
            Some(s) if !s.selector.is_empty() && inv.workloads_in(ns).iter().any(|w| s.selector.matches(&w.labels)) => {
                r.add(
                    "net-ingress-exposes-workload",
                    "spec.rules",
                    obj.node.get("spec").unwrap_or(obj.node),
                    format!("{} exposes the workload behind Service {name}", obj.id()),
                    "restrict the Ingress (authentication, allow-listed sources) or keep the workload internal",
                );
            }
            Some(_) => {}
        }
    }
    for (key, value) in
        obj.node.get("metadata").and_then(|m| m.get("annotations")).map(Node::entries).unwrap_or_default()
    {
        let Some(k) = key.as_str() else { continue };
        if k.starts_with("nginx.ingress.kubernetes.io/") && k.ends_with("-snippet") {
            let text = value.as_str().unwrap_or_default();
            let what = if text.contains("lua") {
                " with Lua code"
            } else if text.contains("alias") {
                " with an alias directive"
            } else {
                ""
            };
            r.add(
                "net-ingress-nginx-snippets",
                &format!("metadata.annotations.{k}"),
                key,
                format!("{} sets {k}{what}", obj.id()),
                "remove the snippet annotation (and run ingress-nginx with allow-snippet-annotations: false)",
            );
        }
    }
}

/// Checks of a NetworkPolicy.
pub(crate) fn policy(r: &mut Reporter<'_>, obj: &Object<'_>, inv: &Inventory) {
    let Some(spec) = obj.node.field("spec") else { return };
    let ns = obj.effective_namespace();
    let selector = Selector::label_selector(spec.get("podSelector"));
    let any_workload_here = !inv.workloads_in(ns).is_empty();
    if any_workload_here && !inv.workloads_in(ns).iter().any(|w| selector.matches(&w.labels)) {
        r.add(
            "net-netpol-no-target",
            "spec.podSelector",
            spec.get("podSelector").unwrap_or(spec),
            format!("{} selects no pod of the scan", obj.id()),
            "make podSelector match the pods to protect",
        );
    }
    for direction in ["ingress", "egress"] {
        let peers = if direction == "ingress" { "from" } else { "to" };
        for (i, rule) in spec.get(direction).map(Node::items).unwrap_or_default().iter().enumerate() {
            let list = rule.field(peers);
            let open = match list {
                None => true,
                Some(l) => l.items().iter().any(|p| {
                    let ns_all =
                        p.field("namespaceSelector").is_some_and(|n| Selector::label_selector(Some(n)).is_empty());
                    ns_all && p.field("podSelector").is_none()
                }),
            };
            if open {
                r.add(
                    "net-netpol-selectors",
                    &format!("spec.{direction}[{i}].{peers}"),
                    rule,
                    format!(
                        "{} {direction} rule {i} allows every {}",
                        obj.id(),
                        if list.is_none() { "peer" } else { "namespace" }
                    ),
                    &format!("{peers}: [{{podSelector: {{matchLabels: {{app: client}}}}}}]"),
                );
            }
        }
    }
}

/// Checks of a Namespace object: quotas, limit ranges and default-deny policies in the scan.
pub(crate) fn namespace(r: &mut Reporter<'_>, obj: &Object<'_>, inv: &Inventory) {
    let ns = obj.name;
    let at = obj.node.get("metadata").unwrap_or(obj.node);
    if !inv.limit_ranges.contains(ns) {
        r.add(
            "k8s-limit-range",
            "metadata.name",
            at,
            format!("namespace {ns} has no LimitRange in the scan"),
            "add a LimitRange to the namespace",
        );
    }
    if !inv.quotas.contains(ns) {
        r.add(
            "k8s-resource-quota",
            "metadata.name",
            at,
            format!("namespace {ns} has no ResourceQuota in the scan"),
            "add a ResourceQuota to the namespace",
        );
    }
    let here = inv.policies_in(ns);
    let missing: Vec<&str> =
        [("ingress", here.iter().any(|p| p.deny_ingress)), ("egress", here.iter().any(|p| p.deny_egress))]
            .iter()
            .filter(|(_, has)| !has)
            .map(|(d, _)| *d)
            .collect();
    if !missing.is_empty() {
        r.add(
            "hg-k8s-no-default-deny",
            "metadata.name",
            at,
            format!("namespace {ns} has no default-deny {} NetworkPolicy in the scan", missing.join(" and ")),
            "a NetworkPolicy with podSelector: {} and policyTypes: [Ingress, Egress] and no rules",
        );
    }
}
