//! Kubernetes objects in a document: `List` kinds unwrapped, and the pod spec of every workload.

use crate::yaml::Node;

/// One Kubernetes object of a document.
#[derive(Debug, Clone, Copy)]
pub struct Object<'a> {
    /// The object's mapping.
    pub node: &'a Node,
    /// `kind`.
    pub kind: &'a str,
    /// `apiVersion`.
    pub api_version: &'a str,
    /// `metadata.name` (empty when missing; `generateName` when only that is set).
    pub name: &'a str,
    /// `metadata.namespace`, when set.
    pub namespace: Option<&'a str>,
    /// 1-based index of the document in its stream.
    pub document: usize,
    /// Index in the `items` of a `List`, when the object is one.
    pub item: Option<usize>,
}

impl<'a> Object<'a> {
    /// `kind/namespace/name`, or `kind/name` without a namespace.
    #[must_use]
    pub fn id(&self) -> String {
        match self.namespace {
            Some(ns) => format!("{}/{ns}/{}", self.kind, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }

    /// The field path of `field` in the document (`items[2].spec…` inside a `List`).
    #[must_use]
    pub fn path(&self, field: &str) -> String {
        match self.item {
            Some(i) if field.is_empty() => format!("items[{i}]"),
            Some(i) => format!("items[{i}].{field}"),
            None => field.to_owned(),
        }
    }

    /// `metadata.labels`/`annotations` entry.
    #[must_use]
    pub fn metadata(&self, map: &str, key: &str) -> Option<&'a str> {
        self.node.get("metadata")?.get(map)?.get(key)?.as_str()
    }

    /// The namespace a namespaced object lands in (`default` when unset).
    #[must_use]
    pub fn effective_namespace(&self) -> &'a str {
        self.namespace.unwrap_or("default")
    }
}

/// The objects of a document: the root, or the `items` of a `List` (`kind: List` or `*List`).
/// Roots that are not objects (no `kind`) yield nothing; the reason goes to `problems`.
pub fn objects<'a>(root: &'a Node, document: usize, problems: &mut Vec<(u32, String)>) -> Vec<Object<'a>> {
    let Some(kind) = root.get("kind").and_then(Node::as_str) else {
        if !root.is_map() {
            problems.push((root.line, format!("document {document} is {}, not a Kubernetes object", root.type_name())));
        }
        return Vec::new();
    };
    if kind.ends_with("List") && root.get("items").is_some() {
        let items = root.get("items").map(Node::items).unwrap_or_default();
        return items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let obj = object(item, document, Some(i));
                if obj.is_none() {
                    problems.push((item.line, format!("items[{i}] of a {kind} is not an object with a kind")));
                }
                obj
            })
            .collect();
    }
    object(root, document, None).into_iter().collect()
}

fn object(node: &Node, document: usize, item: Option<usize>) -> Option<Object<'_>> {
    let kind = node.get("kind")?.as_str()?;
    let metadata = node.get("metadata");
    let name = metadata
        .and_then(|m| m.get("name").or_else(|| m.get("generateName")))
        .and_then(Node::as_str)
        .unwrap_or_default();
    let namespace = metadata.and_then(|m| m.get("namespace")).and_then(Node::as_str).filter(|n| !n.is_empty());
    let api_version = node.get("apiVersion").and_then(Node::as_str).unwrap_or_default();
    Some(Object { node, kind, api_version, name, namespace, document, item })
}

/// The pod spec of a workload (or of a CRD that embeds a pod template at the usual path).
#[derive(Debug, Clone)]
pub struct PodSpec<'a> {
    /// The pod spec mapping.
    pub spec: &'a Node,
    /// Its field path in the object (`spec.template.spec`; without the `items[i].` of a `List`).
    pub path: String,
    /// The pod's metadata (the template's), for annotations and labels.
    pub metadata: Option<&'a Node>,
}

impl<'a> PodSpec<'a> {
    /// The pod's labels.
    #[must_use]
    pub fn labels(&self) -> &'a [(Node, Node)] {
        self.metadata.and_then(|m| m.get("labels")).map(Node::entries).unwrap_or_default()
    }

    /// A pod annotation.
    #[must_use]
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.metadata?.get("annotations")?.get(key)?.as_str()
    }

    /// The pod-level `securityContext` field `key`.
    #[must_use]
    pub fn security(&self, key: &str) -> Option<&'a Node> {
        self.spec.field("securityContext")?.field(key)
    }

    /// Every container: containers, then init containers, then ephemeral containers.
    #[must_use]
    pub fn containers(&self) -> Vec<Container<'a>> {
        let mut out = Vec::new();
        for (list, kind) in [
            ("containers", ContainerKind::Regular),
            ("initContainers", ContainerKind::Init),
            ("ephemeralContainers", ContainerKind::Ephemeral),
        ] {
            for (i, node) in self.spec.get(list).map(Node::items).unwrap_or_default().iter().enumerate() {
                if node.is_map() {
                    let name = node.get("name").and_then(Node::as_str).unwrap_or_default();
                    out.push(Container { node, path: format!("{}.{list}[{i}]", self.path), name, kind });
                }
            }
        }
        out
    }
}

/// Which list a container is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    /// `containers`.
    Regular,
    /// `initContainers`.
    Init,
    /// `ephemeralContainers` (debug containers: no ports, probes or resources).
    Ephemeral,
}

/// One container of a pod spec.
#[derive(Debug, Clone)]
pub struct Container<'a> {
    /// The container's mapping.
    pub node: &'a Node,
    /// Its field path (`spec.containers[0]`).
    pub path: String,
    /// `name`.
    pub name: &'a str,
    /// Which list it is in.
    pub kind: ContainerKind,
}

impl<'a> Container<'a> {
    /// The container-level `securityContext` field `key`.
    #[must_use]
    pub fn security(&self, key: &str) -> Option<&'a Node> {
        self.node.field("securityContext")?.field(key)
    }

    /// `image`.
    #[must_use]
    pub fn image(&self) -> Option<&'a str> {
        self.node.get("image").and_then(Node::as_str)
    }
}

/// Where a workload kind keeps its pod spec.
fn pod_spec_path(kind: &str) -> &'static [&'static str] {
    match kind {
        "Pod" => &["spec"],
        "PodTemplate" => &["template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => &["spec", "template", "spec"],
    }
}

/// The kinds that hold a pod spec at a fixed place.
pub const WORKLOADS: [&str; 10] = [
    "Pod",
    "PodTemplate",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "DeploymentConfig",
];

/// The pod spec of `obj`: the workload kinds' own path, and for any other kind (CRDs) a pod
/// template at `spec.template.spec` or `spec.jobTemplate.spec.template.spec` that lists containers.
#[must_use]
pub fn pod_spec<'a>(obj: &Object<'a>) -> Option<PodSpec<'a>> {
    let candidates: &[&[&str]] = if WORKLOADS.contains(&obj.kind) {
        &[pod_spec_path(obj.kind)]
    } else {
        &[&["spec", "template", "spec"], &["spec", "jobTemplate", "spec", "template", "spec"]]
    };
    for path in candidates {
        let mut node = obj.node;
        let mut parent = obj.node;
        let mut found = true;
        for key in *path {
            parent = node;
            match node.field(key) {
                Some(next) if next.is_map() => node = next,
                _ => {
                    found = false;
                    break;
                }
            }
        }
        let known = WORKLOADS.contains(&obj.kind);
        if found && (known || node.get("containers").is_some_and(Node::is_seq)) {
            let metadata = if obj.kind == "Pod" { obj.node.get("metadata") } else { parent.get("metadata") };
            return Some(PodSpec { spec: node, path: path.join("."), metadata });
        }
    }
    None
}

/// Fields of a workload that hold the wrong type where Kubernetes wants a mapping or a list
/// (`spec: [1, 2]`, `containers: {…}`), as `(line, problem)`: the checks skip what they cannot read,
/// and the user learns why.
#[must_use]
pub fn shape_problems(obj: &Object<'_>) -> Vec<(u32, String)> {
    let mut problems = Vec::new();
    let mut wrong = |node: &Node, path: String, want: &str| {
        problems.push((node.line, format!("{} {path} is {}, not {want}", obj.id(), node.type_name())));
    };
    let mut node = obj.node;
    let mut path = Vec::new();
    for key in pod_spec_path(obj.kind) {
        path.push(*key);
        match node.field(key) {
            Some(next) if next.is_map() => node = next,
            Some(other) => {
                wrong(other, obj.path(&path.join(".")), "a mapping");
                return problems;
            }
            None => return problems,
        }
    }
    let Some(pod) = pod_spec(obj) else { return problems };
    for list in ["containers", "initContainers", "ephemeralContainers", "volumes"] {
        if let Some(v) = pod.spec.field(list).filter(|v| !v.is_seq()) {
            wrong(v, obj.path(&format!("{}.{list}", pod.path)), "a list");
        }
    }
    if let Some(sc) = pod.spec.field("securityContext").filter(|s| !s.is_map()) {
        wrong(sc, obj.path(&format!("{}.securityContext", pod.path)), "a mapping");
    }
    for c in pod.containers() {
        if let Some(sc) = c.node.field("securityContext").filter(|s| !s.is_map()) {
            wrong(sc, obj.path(&format!("{}.securityContext", c.path)), "a mapping");
        }
    }
    problems
}
