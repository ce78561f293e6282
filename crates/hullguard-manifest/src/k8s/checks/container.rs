//! Container hygiene: resources, images, probes, environment, ports; and the pod's service account.

use std::collections::HashSet;

use super::super::object::{Container, ContainerKind, Object, PodSpec};
use super::security::show;
use crate::report::Reporter;
use crate::yaml::{Node, Value};

/// An image reference split as registries read it.
pub(crate) struct ImageRef<'a> {
    /// The registry host (`docker.io` when none is named).
    pub registry: &'a str,
    /// The tag, when one is given.
    pub tag: Option<&'a str>,
    /// Whether it is pinned by digest (`@sha256:…`).
    pub digest: bool,
}

/// Splits `image` into registry, tag and digest.
pub(crate) fn image_ref(image: &str) -> ImageRef<'_> {
    let (name, digest) = match image.split_once('@') {
        Some((n, _)) => (n, true),
        None => (image, false),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let tag = name[last_slash..].split_once(':').map(|(_, t)| t);
    let registry = match name.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => first,
        _ => "docker.io",
    };
    ImageRef { registry, tag, digest }
}

/// Whether `registry` matches one of `trusted` (`*.example.com` covers subdomains).
fn trusted(registry: &str, trusted: &[String]) -> bool {
    trusted.iter().any(|t| match t.strip_prefix("*.") {
        Some(domain) => registry.ends_with(&format!(".{domain}")),
        None => t.eq_ignore_ascii_case(registry) || (t == "index.docker.io" && registry == "docker.io"),
    })
}

/// Batch kinds, whose pods run to completion: probes make little sense there.
fn is_batch(kind: &str) -> bool {
    matches!(kind, "Job" | "CronJob")
}

/// Structural equality of two nodes, ignoring positions.
fn same(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Seq(x), Value::Seq(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| k.as_str().and_then(|k| b.get(k)).is_some_and(|w| same(v, w)))
        }
        (x, y) => x == y || (a.is_null() && b.is_null()),
    }
}

/// Checks of one container other than its security context and host access.
pub(crate) fn container(r: &mut Reporter<'_>, obj: &Object<'_>, c: &Container<'_>) {
    let at = c.node;
    if c.kind != ContainerKind::Ephemeral {
        resources(r, c);
    }
    image(r, c);
    if c.kind == ContainerKind::Regular && !is_batch(obj.kind) {
        let live = c.node.field("livenessProbe");
        let ready = c.node.field("readinessProbe");
        if live.is_none() {
            r.add(
                "k8s-liveness-probe",
                &format!("{}.livenessProbe", c.path),
                at,
                format!("container {} has no liveness probe", c.name),
                "livenessProbe: {httpGet: {path: /healthz, port: 8080}}",
            );
        }
        if ready.is_none() {
            r.add(
                "k8s-readiness-probe",
                &format!("{}.readinessProbe", c.path),
                at,
                format!("container {} has no readiness probe", c.name),
                "readinessProbe: {httpGet: {path: /ready, port: 8080}}",
            );
        }
        if let (Some(l), Some(rd)) = (live, ready)
            && same(l, rd)
        {
            r.add(
                "k8s-probes-identical",
                &format!("{}.livenessProbe", c.path),
                l,
                format!("container {}: liveness and readiness probes are identical", c.name),
                "give the liveness probe a longer period and its own endpoint",
            );
        }
    }
    env(r, c);
    ports(r, c);
}

fn resources(r: &mut Reporter<'_>, c: &Container<'_>) {
    let res = c.node.field("resources");
    let get = |group: &str, key: &str| res.and_then(|x| x.field(group)).and_then(|g| g.field(key));
    let at = res.unwrap_or(c.node);
    let base = format!("{}.resources", c.path);
    for (concept, group, key, fix) in [
        ("k8s-cpu-limit", "limits", "cpu", "cpu: 500m"),
        ("k8s-cpu-request", "requests", "cpu", "cpu: 500m"),
        ("k8s-memory-limit", "limits", "memory", "memory: 256Mi"),
        ("k8s-memory-request", "requests", "memory", "memory: 256Mi"),
    ] {
        if get(group, key).is_none() {
            r.add(
                concept,
                &format!("{base}.{group}.{key}"),
                at,
                format!("container {}: no {key} {group}", c.name),
                fix,
            );
        }
    }
    for key in ["cpu", "memory"] {
        if let (Some(req), Some(lim)) = (get("requests", key), get("limits", key))
            && req.as_str() != lim.as_str()
        {
            r.add(
                "k8s-requests-equal-limits",
                &format!("{base}.requests.{key}"),
                req,
                format!("container {}: {key} request {} differs from limit {}", c.name, show(req), show(lim)),
                &format!("{key}: {} (equal to the limit)", show(lim)),
            );
        }
    }
    let (req, lim) = (get("requests", "ephemeral-storage"), get("limits", "ephemeral-storage"));
    let problem = match (req, lim) {
        (None, _) | (_, None) => Some("ephemeral-storage request or limit not set".to_owned()),
        (Some(q), Some(l)) if q.as_str() != l.as_str() => {
            Some(format!("ephemeral-storage request {} differs from limit {}", show(q), show(l)))
        }
        _ => None,
    };
    if let Some(problem) = problem {
        r.add(
            "k8s-ephemeral-storage",
            &format!("{base}.limits.ephemeral-storage"),
            lim.or(req).unwrap_or(at),
            format!("container {}: {problem}", c.name),
            "ephemeral-storage: 1Gi (and the same under requests)",
        );
    }
}

fn image(r: &mut Reporter<'_>, c: &Container<'_>) {
    let Some(node) = c.node.get("image") else { return };
    let Some(image) = node.as_str() else { return };
    let path = format!("{}.image", c.path);
    let parsed = image_ref(image);
    if !parsed.digest && parsed.tag.is_none_or(|t| t == "latest") {
        r.add(
            "k8s-image-tag",
            &path,
            node,
            format!("container {}: image {image} has no fixed tag", c.name),
            "image: NAME:1.2.3 (a version tag, or @sha256:… digest)",
        );
    }
    if !parsed.digest {
        r.add(
            "k8s-image-digest",
            &path,
            node,
            format!("container {}: image {image} is not pinned by digest", c.name),
            "image: NAME@sha256:DIGEST",
        );
    }
    // The default is Always for :latest and untagged images, IfNotPresent otherwise.
    let policy = c.node.field("imagePullPolicy");
    let defaults_to_always = !parsed.digest && parsed.tag.is_none_or(|t| t == "latest");
    let always = match policy.and_then(Node::as_str) {
        Some(p) => p == "Always",
        None => defaults_to_always,
    };
    if !always {
        r.add(
            "k8s-image-pull-policy",
            &format!("{}.imagePullPolicy", c.path),
            policy.unwrap_or(c.node),
            format!("container {}: imagePullPolicy is {}", c.name, policy.map_or("IfNotPresent (default)", show)),
            "imagePullPolicy: Always",
        );
    }
    if !r.settings.trusted_registries.is_empty() && !trusted(parsed.registry, &r.settings.trusted_registries) {
        r.add(
            "k8s-untrusted-registry",
            &path,
            node,
            format!("container {}: image {image} comes from {}, not a trusted registry", c.name, parsed.registry),
            &format!("image: {}/…", r.settings.trusted_registries[0]),
        );
    }
}

fn env(r: &mut Reporter<'_>, c: &Container<'_>) {
    let mut seen = HashSet::new();
    for (i, e) in c.node.get("env").map(Node::items).unwrap_or_default().iter().enumerate() {
        let name = e.get("name").and_then(Node::as_str).unwrap_or_default();
        if !seen.insert(name) {
            r.add(
                "k8s-env-duplicate",
                &format!("{}.env[{i}].name", c.path),
                e.get("name").unwrap_or(e),
                format!("container {}: {name} set twice", c.name),
                "keep one entry per variable",
            );
        }
        if let Some(value) = e.field("value").filter(|v| v.as_str().is_some_and(|t| !t.is_empty())) {
            let text = value.as_str().unwrap_or_default();
            let rule = hullguard_secrets::scan(&format!("env/{name}"), format!("{name}={text}").as_bytes());
            if hullguard_secrets::is_secret_name(name) || !rule.is_empty() {
                r.add(
                    "hg-k8s-env-secret",
                    &format!("{}.env[{i}].value", c.path),
                    value,
                    hullguard_secrets::mask_assignment(name, text),
                    "valueFrom: {secretKeyRef: {name: my-secret, key: KEY}} (and the value out of the manifest)",
                );
            }
        }
        if let Some(secret) = e.field("valueFrom").and_then(|v| v.field("secretKeyRef")) {
            r.add(
                "k8s-secrets-env",
                &format!("{}.env[{i}].valueFrom.secretKeyRef", c.path),
                secret,
                format!("container {}: {name} comes from a Secret", c.name),
                "mount the Secret as a volume instead",
            );
        }
    }
    for (i, e) in c.node.get("envFrom").map(Node::items).unwrap_or_default().iter().enumerate() {
        if let Some(secret) = e.field("secretRef") {
            r.add(
                "k8s-secrets-env",
                &format!("{}.envFrom[{i}].secretRef", c.path),
                secret,
                format!("container {}: environment from a Secret", c.name),
                "mount the Secret as a volume instead",
            );
        }
    }
}

fn ports(r: &mut Reporter<'_>, c: &Container<'_>) {
    let mut names = HashSet::new();
    let mut numbers = HashSet::new();
    for (i, port) in c.node.get("ports").map(Node::items).unwrap_or_default().iter().enumerate() {
        let path = format!("{}.ports[{i}]", c.path);
        let number = port.field("containerPort");
        let protocol = port.field("protocol").and_then(Node::as_str).unwrap_or("TCP");
        let problem = match (number.and_then(Node::as_i64), port.field("name").and_then(Node::as_str)) {
            (None, _) => Some(format!("containerPort is {}", number.map_or("missing", |n| n.type_name()))),
            (Some(n), _) if !(1..=65535).contains(&n) => Some(format!("containerPort {n} out of range")),
            (Some(n), _) if !numbers.insert((n, protocol)) => {
                Some(format!("containerPort {n}/{protocol} listed twice"))
            }
            (_, Some(name)) if name.len() > 15 => Some(format!("port name {name} longer than 15 characters")),
            (_, Some(name)) if !names.insert(name) => Some(format!("port name {name} used twice")),
            _ => None,
        };
        if let Some(problem) = problem {
            r.add(
                "k8s-container-ports",
                &path,
                port,
                format!("container {}: {problem}", c.name),
                "one entry per port, a unique name of at most 15 characters",
            );
        }
    }
}

/// The pod's service account: its name, and whether its token is mounted.
pub(crate) fn service_account(r: &mut Reporter<'_>, pod: &PodSpec<'_>, account_automounts: Option<bool>) {
    let name = pod.spec.field("serviceAccountName").or_else(|| pod.spec.field("serviceAccount"));
    if name.and_then(Node::as_str).is_none_or(|n| n.is_empty() || n == "default") {
        r.add(
            "k8s-sa-name-missing",
            &format!("{}.serviceAccountName", pod.path),
            name.unwrap_or(pod.spec),
            "the pod runs as the namespace's default service account".to_owned(),
            "serviceAccountName: my-app (an account of its own)",
        );
    }
    let automount = pod.spec.field("automountServiceAccountToken");
    let mounts = automount.and_then(Node::as_bool).or(account_automounts).unwrap_or(true);
    if mounts {
        r.add(
            "k8s-sa-token-automount",
            &format!("{}.automountServiceAccountToken", pod.path),
            automount.unwrap_or(pod.spec),
            "the service account token is mounted into the pod".to_owned(),
            "automountServiceAccountToken: false",
        );
    }
}

/// Well-known risky deployments: Tiller (Helm v2), the Kubernetes dashboard, git-sync options.
pub(crate) fn known_images(r: &mut Reporter<'_>, obj: &Object<'_>, c: &Container<'_>) {
    let Some(image) = c.image() else { return };
    let path = format!("{}.image", c.path);
    let at = c.node.get("image").unwrap_or(c.node);
    let repo = image.split(['@']).next().unwrap_or(image);
    let repo = repo.rsplit_once(':').filter(|(_, t)| !t.contains('/')).map_or(repo, |(n, _)| n);
    let last = repo.rsplit('/').next().unwrap_or(repo);
    if last == "tiller" {
        r.add(
            "k8s-tiller",
            &path,
            at,
            format!("{} runs Tiller (Helm v2) from {image}", obj.id()),
            "remove Tiller; use Helm 3",
        );
        let args: Vec<&str> = ["args", "command"]
            .iter()
            .flat_map(|k| c.node.get(k).map(Node::items).unwrap_or_default())
            .filter_map(Node::as_str)
            .collect();
        let local = args.iter().any(|a| a.starts_with("--listen=localhost:") || a.starts_with("--listen=127.0.0.1:"));
        if !local {
            r.add(
                "k8s-tiller-listener",
                &format!("{}.args", c.path),
                at,
                "Tiller listens on every interface of the pod".to_owned(),
                "args: [--listen=localhost:44134]",
            );
        }
    }
    if last == "kubernetes-dashboard" || repo.ends_with("kubernetesui/dashboard") {
        r.add(
            "k8s-dashboard",
            &path,
            at,
            format!("{} runs the Kubernetes dashboard", obj.id()),
            "remove the dashboard",
        );
    }
    if last == "git-sync" {
        let dangerous = c.node.get("env").map(Node::items).unwrap_or_default().iter().find(|e| {
            e.get("name")
                .and_then(Node::as_str)
                .is_some_and(|n| n == "GIT_SYNC_GIT_CONFIG" || n == "GITSYNC_GIT_CONFIG")
        });
        let arg = c
            .node
            .get("args")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .find(|a| a.as_str().is_some_and(|a| a.starts_with("--git-config") || a.starts_with("-git-config")));
        if let Some(n) = dangerous.or(arg) {
            r.add(
                "k8s-git-sync",
                &format!("{}.env", c.path),
                n,
                format!("container {}: git-sync runs with a git config of the manifest's choosing", c.name),
                "remove --git-config / GITSYNC_GIT_CONFIG (core.sshCommand and similar run code)",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        let r = image_ref("nginx");
        assert_eq!((r.registry, r.tag, r.digest), ("docker.io", None, false));
        let r = image_ref("localhost:5000/app:1.2@sha256:abc");
        assert_eq!((r.registry, r.tag, r.digest), ("localhost:5000", Some("1.2"), true));
        let r = image_ref("ghcr.io/org/app:latest");
        assert_eq!((r.registry, r.tag), ("ghcr.io", Some("latest")));
        let r = image_ref("library/redis:7");
        assert_eq!((r.registry, r.tag), ("docker.io", Some("7")));
        assert!(trusted("eu.gcr.io", &["*.gcr.io".to_owned()]));
        assert!(!trusted("gcr.io.evil.com", &["gcr.io".to_owned()]));
    }
}
