//! What the checks of one object need to know about the others of the scan: workloads and their
//! pod labels, Services, Ingress backends, NetworkPolicies, PDBs, HPAs, roles and bindings,
//! service accounts, namespaces with their LimitRanges and ResourceQuotas. Filled in a first pass.

use std::collections::{HashMap, HashSet};

use super::checks::rbac;
use super::checks::security::effective;
use super::object::{Object, pod_spec};
use crate::yaml::Node;

/// A label selector (`matchLabels` and `matchExpressions`, or a Service's plain map).
#[derive(Debug, Clone, Default)]
pub(crate) struct Selector {
    labels: Vec<(String, String)>,
    expressions: Vec<(String, String, Vec<String>)>,
}

impl Selector {
    /// A `LabelSelector` (`matchLabels`, `matchExpressions`).
    pub(crate) fn label_selector(node: Option<&Node>) -> Self {
        let Some(node) = node else { return Self::default() };
        let mut s = Self::map(node.get("matchLabels"));
        for e in node.get("matchExpressions").map(Node::items).unwrap_or_default() {
            let key = e.get("key").and_then(Node::as_str).unwrap_or_default().to_owned();
            let op = e.get("operator").and_then(Node::as_str).unwrap_or_default().to_owned();
            let values = e
                .get("values")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            s.expressions.push((key, op, values));
        }
        s
    }

    /// A plain `key: value` selector (Service, PDB matchLabels).
    pub(crate) fn map(node: Option<&Node>) -> Self {
        let labels = node
            .map(Node::entries)
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.as_str()?.to_owned())))
            .collect();
        Self { labels, expressions: Vec::new() }
    }

    /// The `key: value` pairs (of a plain map).
    pub(crate) fn into_labels(self) -> Vec<(String, String)> {
        self.labels
    }

    /// Whether it selects nothing-in-particular (an empty selector selects everything).
    pub(crate) fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.expressions.is_empty()
    }

    /// Whether `labels` match.
    pub(crate) fn matches(&self, labels: &[(String, String)]) -> bool {
        let get = |k: &str| labels.iter().find(|(l, _)| l == k).map(|(_, v)| v.as_str());
        self.labels.iter().all(|(k, v)| get(k) == Some(v.as_str()))
            && self.expressions.iter().all(|(k, op, values)| match op.as_str() {
                "In" => get(k).is_some_and(|v| values.iter().any(|x| x == v)),
                "NotIn" => get(k).is_none_or(|v| !values.iter().any(|x| x == v)),
                "Exists" => get(k).is_some(),
                "DoesNotExist" => get(k).is_none(),
                _ => false,
            })
    }
}

/// A workload of the scan.
#[derive(Debug, Clone)]
pub(crate) struct Workload {
    pub(crate) namespace: String,
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) labels: Vec<(String, String)>,
    /// Some container runs privileged or may run as root.
    pub(crate) privileged_or_root: bool,
}

/// A Service of the scan.
#[derive(Debug, Clone)]
pub(crate) struct Service {
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) selector: Selector,
    /// NodePort or LoadBalancer.
    pub(crate) exposed: bool,
    pub(crate) headless: bool,
}

/// A NetworkPolicy of the scan.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub(crate) selector: Selector,
    pub(crate) ingress: bool,
    pub(crate) egress: bool,
    /// Selects every pod and allows nothing in that direction.
    pub(crate) deny_ingress: bool,
    pub(crate) deny_egress: bool,
}

/// A binding: its namespace (None: cluster-wide), role kind, role name, and subjects
/// `(kind, name, namespace)`.
type Binding = (Option<String>, String, String, Vec<(String, String, Option<String>)>);

/// Everything the first pass noted.
#[derive(Debug, Default)]
pub(crate) struct Inventory {
    accounts: HashMap<(String, String), Option<bool>>,
    account_users: HashMap<(String, String), usize>,
    /// Per namespace, so that cross-object checks look at one namespace's objects.
    workloads: HashMap<String, Vec<Workload>>,
    services: HashMap<String, Vec<Service>>,
    /// `(namespace, service)` routed to by an Ingress.
    pub(crate) ingress_backends: HashSet<(String, String)>,
    policies: HashMap<String, Vec<Policy>>,
    pdbs: HashMap<String, Vec<Selector>>,
    /// `(namespace, kind, name)` of HPA targets.
    pub(crate) hpa_targets: HashSet<(String, String, String)>,
    /// `(kind, namespace or "", name)` of every object.
    pub(crate) objects: HashSet<(String, String, String)>,
    /// `(kind, namespace or "", name)` of roles → the risky concepts their rules hit, and whether
    /// they may change role bindings.
    roles: HashMap<(String, String, String), (Vec<&'static str>, bool)>,
    bindings: Vec<Binding>,
    pub(crate) limit_ranges: HashSet<String>,
    pub(crate) quotas: HashSet<String>,
}

/// Rights that make a service account dangerous to hand to a pod.
const RISKY: [&str; 9] = [
    "rbac-secrets",
    "rbac-wildcard-verb",
    "rbac-wildcard-verb-resource",
    "rbac-manage-all-resources",
    "rbac-escalate-bind",
    "rbac-impersonate",
    "rbac-exec",
    "rbac-node-proxy",
    "rbac-manage-rbac",
];

/// Whether a pod spec has a container that runs privileged or may run as root.
fn privileged_or_root(obj: &Object<'_>) -> bool {
    let Some(pod) = pod_spec(obj) else { return false };
    pod.containers().iter().any(|c| {
        let privileged = c.security("privileged").and_then(Node::as_bool) == Some(true);
        let uid = effective(c, &pod, "runAsUser").and_then(|(n, _)| n.as_i64());
        let non_root = effective(c, &pod, "runAsNonRoot").and_then(|(n, _)| n.as_bool()) == Some(true);
        privileged || uid == Some(0) || (!non_root && uid.is_none())
    })
}

impl Inventory {
    /// The workloads of a namespace.
    pub(crate) fn workloads_in(&self, namespace: &str) -> &[Workload] {
        self.workloads.get(namespace).map_or(&[], Vec::as_slice)
    }

    /// The Services of a namespace.
    pub(crate) fn services_in(&self, namespace: &str) -> &[Service] {
        self.services.get(namespace).map_or(&[], Vec::as_slice)
    }

    /// The NetworkPolicies of a namespace.
    pub(crate) fn policies_in(&self, namespace: &str) -> &[Policy] {
        self.policies.get(namespace).map_or(&[], Vec::as_slice)
    }

    /// The PodDisruptionBudget selectors of a namespace.
    pub(crate) fn pdbs_in(&self, namespace: &str) -> &[Selector] {
        self.pdbs.get(namespace).map_or(&[], Vec::as_slice)
    }

    /// The `automountServiceAccountToken` of a ServiceAccount of the scan.
    pub(crate) fn account_automount(&self, namespace: &str, name: &str) -> Option<bool> {
        self.accounts.get(&(namespace.to_owned(), name.to_owned())).copied().flatten()
    }

    /// How many workloads of the scan run as a service account.
    pub(crate) fn account_users(&self, namespace: &str, name: &str) -> usize {
        self.account_users.get(&(namespace.to_owned(), name.to_owned())).copied().unwrap_or(0)
    }

    /// The risky rights bound to a service account (`rbac-secrets`, … and `cluster-admin`), with
    /// the binding that grants each.
    pub(crate) fn account_rights(&self, namespace: &str, account: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (binding_ns, role_kind, role_name, subjects) in &self.bindings {
            let bound = subjects.iter().any(|(kind, name, ns)| {
                kind == "ServiceAccount"
                    && name == account
                    && ns.as_deref().or(binding_ns.as_deref()).unwrap_or("default") == namespace
            });
            if !bound || binding_ns.as_deref().is_some_and(|b| b != namespace) && role_kind == "Role" {
                continue;
            }
            if role_name == "cluster-admin" {
                out.push("cluster-admin".to_owned());
                continue;
            }
            let role_ns = if role_kind == "Role" { binding_ns.clone().unwrap_or_default() } else { String::new() };
            if let Some((risky, _)) = self.roles.get(&(role_kind.clone(), role_ns, role_name.clone())) {
                out.extend(risky.iter().map(|c| format!("{c} (via {role_kind}/{role_name})")));
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Whether the role a binding names may change role bindings.
    pub(crate) fn role_escalates(&self, role_kind: &str, namespace: &str, name: &str) -> bool {
        let ns = if role_kind == "Role" { namespace.to_owned() } else { String::new() };
        self.roles.get(&(role_kind.to_owned(), ns, name.to_owned())).is_some_and(|(_, e)| *e)
    }

    /// Whether an object of the scan exists.
    pub(crate) fn has(&self, kind: &str, namespace: &str, name: &str) -> bool {
        self.objects.contains(&(kind.to_owned(), namespace.to_owned(), name.to_owned()))
            || self.objects.contains(&(kind.to_owned(), String::new(), name.to_owned()))
    }

    pub(crate) fn note(&mut self, obj: &Object<'_>) {
        let ns = obj.effective_namespace().to_owned();
        self.objects.insert((
            obj.kind.to_owned(),
            if obj.namespace.is_some() { ns.clone() } else { String::new() },
            obj.name.to_owned(),
        ));
        if let Some(pod) = pod_spec(obj) {
            let account = pod
                .spec
                .field("serviceAccountName")
                .or_else(|| pod.spec.field("serviceAccount"))
                .and_then(Node::as_str)
                .unwrap_or("default");
            *self.account_users.entry((ns.clone(), account.to_owned())).or_default() += 1;
            let labels = Selector::map(pod.metadata.and_then(|m| m.get("labels"))).labels;
            self.workloads.entry(ns.clone()).or_default().push(Workload {
                namespace: ns.clone(),
                kind: obj.kind.to_owned(),
                name: obj.name.to_owned(),
                labels,
                privileged_or_root: privileged_or_root(obj),
            });
        }
        let spec = obj.node.get("spec");
        match obj.kind {
            "ServiceAccount" => {
                let automount = obj.node.field("automountServiceAccountToken").and_then(Node::as_bool);
                self.accounts.insert((ns, obj.name.to_owned()), automount);
            }
            "Service" => {
                let ty = spec.and_then(|s| s.get("type")).and_then(Node::as_str).unwrap_or("ClusterIP");
                self.services.entry(ns.clone()).or_default().push(Service {
                    namespace: ns,
                    name: obj.name.to_owned(),
                    selector: Selector::map(spec.and_then(|s| s.get("selector"))),
                    exposed: ty == "NodePort" || ty == "LoadBalancer",
                    headless: spec.and_then(|s| s.get("clusterIP")).and_then(Node::as_str) == Some("None"),
                });
            }
            "Ingress" => {
                for name in ingress_services(obj) {
                    self.ingress_backends.insert((ns.clone(), name.to_owned()));
                }
            }
            "NetworkPolicy" => {
                let types: Vec<&str> = spec
                    .and_then(|s| s.get("policyTypes"))
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Node::as_str)
                    .collect();
                // Without policyTypes a policy is for Ingress, and for Egress when it has egress rules.
                let ingress = types.is_empty() || types.contains(&"Ingress");
                let egress =
                    types.contains(&"Egress") || (types.is_empty() && spec.and_then(|s| s.field("egress")).is_some());
                let selector = Selector::label_selector(spec.and_then(|s| s.get("podSelector")));
                let empty = |k: &str| spec.and_then(|s| s.field(k)).is_none_or(|r| r.items().is_empty());
                self.policies.entry(ns).or_default().push(Policy {
                    deny_ingress: selector.is_empty() && ingress && empty("ingress"),
                    deny_egress: selector.is_empty() && egress && empty("egress"),
                    selector,
                    ingress,
                    egress,
                });
            }
            "PodDisruptionBudget" => {
                self.pdbs.entry(ns).or_default().push(Selector::label_selector(spec.and_then(|s| s.get("selector"))));
            }
            "HorizontalPodAutoscaler" => {
                let target = spec.and_then(|s| s.get("scaleTargetRef"));
                let get = |k: &str| target.and_then(|t| t.get(k)).and_then(Node::as_str).unwrap_or_default().to_owned();
                self.hpa_targets.insert((ns, get("kind"), get("name")));
            }
            "Role" | "ClusterRole" => {
                let rules = rbac::rules(obj);
                let mut risky: Vec<&'static str> = rules
                    .iter()
                    .flat_map(|r| rbac::rule_concepts(r))
                    .map(|(c, _)| c)
                    .filter(|c| RISKY.contains(c))
                    .collect();
                risky.sort_unstable();
                risky.dedup();
                let ns_key = if obj.kind == "Role" { ns } else { String::new() };
                self.roles.insert((obj.kind.to_owned(), ns_key, obj.name.to_owned()), (risky, rbac::escalates(obj)));
            }
            "RoleBinding" | "ClusterRoleBinding" => {
                let role = obj.node.get("roleRef");
                let get = |k: &str| role.and_then(|r| r.get(k)).and_then(Node::as_str).unwrap_or_default().to_owned();
                let subjects = rbac::subjects(obj)
                    .into_iter()
                    .map(|(k, n, s, _, _)| (k.to_owned(), n.to_owned(), s.map(str::to_owned)))
                    .collect();
                let binding_ns = (obj.kind == "RoleBinding").then_some(ns);
                self.bindings.push((binding_ns, get("kind"), get("name"), subjects));
            }
            "LimitRange" => {
                self.limit_ranges.insert(ns);
            }
            "ResourceQuota" => {
                self.quotas.insert(ns);
            }
            _ => {}
        }
    }
}

/// The Service names an Ingress routes to (rules and default backend; `networking.k8s.io/v1`
/// and the older `serviceName`).
pub(crate) fn ingress_services<'a>(obj: &Object<'a>) -> Vec<&'a str> {
    let mut out = Vec::new();
    let spec = obj.node.get("spec");
    let mut backend = |b: Option<&'a Node>| {
        if let Some(b) = b {
            let name =
                b.get("service").and_then(|s| s.get("name")).or_else(|| b.get("serviceName")).and_then(Node::as_str);
            out.extend(name);
        }
    };
    backend(spec.and_then(|s| s.get("defaultBackend").or_else(|| s.get("backend"))));
    for rule in spec.and_then(|s| s.get("rules")).map(Node::items).unwrap_or_default() {
        for path in rule.get("http").and_then(|h| h.get("paths")).map(Node::items).unwrap_or_default() {
            backend(path.get("backend"));
        }
    }
    out
}
