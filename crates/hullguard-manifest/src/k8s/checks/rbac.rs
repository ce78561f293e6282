//! RBAC: what the rules of a Role/ClusterRole grant, and who a (Cluster)RoleBinding binds.
//!
//! A rule grants a verb on a resource when its `verbs` hold the verb or `*`, its `resources` hold
//! the resource or `*` (subresources written as `pods/exec`), and its `apiGroups` hold `*` or the
//! group the resource is served from: `resources: ["*"]` in the core group (`""`) grants Secrets
//! and `pods/exec`, not role bindings or CSR approval. A rule with no `apiGroups` (which the API
//! server refuses) is taken as every group, so nothing is missed. Aggregated ClusterRoles (rules
//! filled in by the controller) are judged by the rules they list.

use super::super::object::Object;
use crate::report::Reporter;
use crate::yaml::Node;

/// One rule of a role.
pub(crate) struct Rule<'a> {
    node: &'a Node,
    index: usize,
    groups: Vec<&'a str>,
    resources: Vec<&'a str>,
    verbs: Vec<&'a str>,
    names: Vec<&'a str>,
}

impl Rule<'_> {
    fn verb(&self, verbs: &[&str]) -> bool {
        self.verbs.iter().any(|v| *v == "*" || verbs.contains(v))
    }
    /// Whether the rule covers `resource` of the groups it is served from.
    fn resource(&self, resource: &str) -> bool {
        let groups = api_groups(resource);
        self.resources.iter().any(|r| *r == "*" || *r == resource)
            && (self.groups.is_empty() || self.groups.iter().any(|g| *g == "*" || groups.contains(g)))
    }
    fn grants(&self, verbs: &[&str], resources: &[&str]) -> bool {
        self.verb(verbs) && resources.iter().any(|r| self.resource(r))
    }
}

/// The API groups a resource (or subresource) the checks ask about is served from, legacy
/// `extensions` included.
fn api_groups(resource: &str) -> &'static [&'static str] {
    match resource.split('/').next().unwrap_or(resource) {
        "deployments" | "daemonsets" | "replicasets" => &["apps", "extensions"],
        "statefulsets" => &["apps"],
        "jobs" | "cronjobs" => &["batch"],
        "roles" | "clusterroles" | "rolebindings" | "clusterrolebindings" => &["rbac.authorization.k8s.io"],
        "mutatingwebhookconfigurations" | "validatingwebhookconfigurations" => &["admissionregistration.k8s.io"],
        "certificatesigningrequests" | "signers" => &["certificates.k8s.io"],
        "networkpolicies" | "ingresses" => &["networking.k8s.io", "extensions"],
        "endpointslices" => &["discovery.k8s.io"],
        "uids" | "userextras" => &["authentication.k8s.io"],
        // pods, secrets, configmaps, services, endpoints, nodes, users, groups, serviceaccounts,
        // replicationcontrollers and their subresources.
        _ => &[""],
    }
}

fn strings<'a>(node: &'a Node, key: &str) -> Vec<&'a str> {
    node.get(key).map(Node::items).unwrap_or_default().iter().filter_map(Node::as_str).collect()
}

/// The rules of a Role or ClusterRole.
pub(crate) fn rules<'a>(obj: &Object<'a>) -> Vec<Rule<'a>> {
    obj.node
        .get("rules")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(index, node)| Rule {
            node,
            index,
            groups: strings(node, "apiGroups"),
            resources: strings(node, "resources"),
            verbs: strings(node, "verbs"),
            names: strings(node, "resourceNames"),
        })
        .collect()
}

const MANAGE: [&str; 5] = ["create", "update", "patch", "delete", "deletecollection"];
const READ: [&str; 3] = ["get", "list", "watch"];
const WORKLOADS: [&str; 8] =
    ["pods", "deployments", "daemonsets", "statefulsets", "replicasets", "replicationcontrollers", "jobs", "cronjobs"];
const BINDINGS: [&str; 2] = ["rolebindings", "clusterrolebindings"];
const ROLES: [&str; 2] = ["roles", "clusterroles"];

/// The concepts one rule hits, with what it grants, in catalogue order.
pub(crate) fn rule_concepts(rule: &Rule<'_>) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let star = |v: &[&str]| v.contains(&"*");
    let mut hit = |concept: &'static str, what: &str| out.push((concept, what.to_owned()));
    if star(&rule.groups) || star(&rule.resources) || star(&rule.verbs) {
        hit("rbac-wildcard", "'*' in apiGroups, resources or verbs");
    }
    if star(&rule.verbs) && star(&rule.resources) {
        hit("rbac-wildcard-verb-resource", "every verb on every resource");
    }
    if star(&rule.verbs) {
        hit("rbac-wildcard-verb", "every verb");
    }
    if star(&rule.resources) && rule.verb(&MANAGE) {
        hit("rbac-manage-all-resources", "changes to every resource");
    }
    if rule.grants(&READ, &["secrets"]) {
        hit("rbac-secrets", "reading Secrets");
    }
    if rule.grants(&["create", "get"], &["pods/exec"]) {
        hit("rbac-exec", "pods/exec");
    }
    if rule.grants(&["create", "get"], &["pods/attach"]) {
        hit("rbac-attach", "pods/attach");
    }
    if rule.grants(&["create", "get"], &["pods/portforward"]) {
        hit("rbac-port-forward", "pods/portforward");
    }
    if rule.grants(&["get", "create", "update", "patch", "delete"], &["nodes/proxy"]) {
        hit("rbac-node-proxy", "nodes/proxy");
    }
    if rule.grants(&["impersonate"], &["users", "groups", "serviceaccounts", "uids", "userextras/scopes"]) {
        hit("rbac-impersonate", "impersonation");
    }
    if rule.grants(&["escalate", "bind"], &ROLES) {
        hit("rbac-escalate-bind", "escalate/bind on roles");
    }
    if rule.grants(&["create", "update", "patch"], &["roles", "clusterroles", "rolebindings", "clusterrolebindings"]) {
        hit("rbac-manage-rbac", "changes to RBAC objects");
    }
    if rule.grants(&["update", "patch"], &BINDINGS) {
        hit("rbac-rolebinding-add-users", "adding subjects to role bindings");
    }
    if rule.grants(&["create", "update", "patch"], &WORKLOADS) {
        hit("rbac-create-pods", "creating pods or workloads");
    }
    if rule.grants(&MANAGE, &["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]) {
        hit("rbac-webhooks", "admission webhook configurations");
    }
    if rule.grants(&["update", "patch"], &["certificatesigningrequests/approval"])
        || rule.grants(&["approve"], &["signers"])
    {
        hit("rbac-csr-approve", "approving certificate signing requests");
    }
    if rule.grants(&MANAGE, &["configmaps"]) {
        if rule.names.contains(&"aws-auth") {
            hit("rbac-eks-aws-auth", "the aws-auth ConfigMap");
        } else {
            hit("rbac-configmaps", "changes to ConfigMaps");
        }
    }
    if rule.grants(&MANAGE, &["services", "endpoints", "endpointslices", "networkpolicies", "ingresses"]) {
        hit("rbac-networking", "changes to networking objects");
    }
    if rule.grants(&["delete", "deletecollection"], &["pods/log"]) {
        hit("rbac-delete-logs", "deleting pod logs");
    }
    if rule.grants(&["update", "patch"], &["services/status"]) {
        hit("rbac-service-status", "services/status");
    }
    out
}

/// Whether a role's rules together let its holder create bindings and bind roles.
fn binds_privileged(rules: &[Rule<'_>]) -> Option<usize> {
    let creates = rules.iter().find(|r| r.grants(&["create"], &BINDINGS))?;
    rules.iter().any(|r| r.grants(&["bind"], &ROLES)).then_some(creates.index)
}

/// Checks of a Role or ClusterRole.
pub(crate) fn role(r: &mut Reporter<'_>, obj: &Object<'_>) {
    let rules = rules(obj);
    for rule in &rules {
        for (concept, what) in rule_concepts(rule) {
            r.add(
                concept,
                &format!("rules[{}]", rule.index),
                rule.node,
                format!("{} grants {what}", obj.id()),
                "narrow the rule to the verbs and resources needed",
            );
        }
    }
    if let Some(i) = binds_privileged(&rules) {
        r.add(
            "rbac-bind-privileged-role",
            &format!("rules[{i}]"),
            rules[i].node,
            format!("{} may create role bindings and bind roles", obj.id()),
            "do not grant create on bindings together with bind on roles",
        );
    }
}

/// The subjects of a binding: `(kind, name, namespace)`.
pub(crate) fn subjects<'a>(obj: &Object<'a>) -> Vec<(&'a str, &'a str, Option<&'a str>, &'a Node, usize)> {
    obj.node
        .get("subjects")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                s.get("kind").and_then(Node::as_str).unwrap_or_default(),
                s.get("name").and_then(Node::as_str).unwrap_or_default(),
                s.get("namespace").and_then(Node::as_str),
                s,
                i,
            )
        })
        .collect()
}

/// Checks of a RoleBinding or ClusterRoleBinding (own fields; what the bound role grants is
/// judged with the inventory).
pub(crate) fn binding(r: &mut Reporter<'_>, obj: &Object<'_>, escalating_role: bool) {
    let role = obj.node.get("roleRef");
    let role_name = role.and_then(|n| n.get("name")).and_then(Node::as_str).unwrap_or_default();
    if role_name == "cluster-admin" {
        r.add(
            "rbac-cluster-admin",
            "roleRef.name",
            role.and_then(|n| n.get("name")).unwrap_or(obj.node),
            format!("{} binds cluster-admin", obj.id()),
            "bind a role with only the rights needed",
        );
    }
    for (kind, name, _, node, i) in subjects(obj) {
        let field = format!("subjects[{i}]");
        let concept = match (kind, name) {
            ("User", "system:anonymous") | ("Group", "system:unauthenticated") => Some("rbac-bind-anonymous"),
            ("Group", "system:authenticated") => Some("rbac-bind-authenticated"),
            ("Group", "system:masters") => Some("rbac-bind-masters"),
            ("ServiceAccount", "default") => Some("rbac-bind-default-sa"),
            _ => None,
        };
        if let Some(concept) = concept {
            r.add(
                concept,
                &field,
                node,
                format!("{} binds {role_name} to {kind} {name}", obj.id()),
                "bind named users, groups or service accounts of their own",
            );
        }
        let node_or_sa = kind == "ServiceAccount" || name.starts_with("system:node:") || name == "system:nodes";
        if escalating_role && node_or_sa {
            r.add(
                "rbac-rolebinding-pe",
                &field,
                node,
                format!("{kind} {name} is bound to {role_name}, which may change role bindings"),
                "do not let service accounts or nodes manage role bindings",
            );
        }
    }
}

/// Whether the rules let their holder create or change role bindings.
pub(crate) fn escalates(obj: &Object<'_>) -> bool {
    rules(obj).iter().any(|r| r.grants(&["create", "update", "patch"], &BINDINGS))
}
