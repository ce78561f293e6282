//! What a pod shares with its node: namespaces, ports, host paths, runtime sockets, /etc/hosts,
//! and the volume types a restricted pod may use.

use super::super::object::{Container, ContainerKind, PodSpec};
use super::security::show;
use crate::report::Reporter;
use crate::yaml::Node;

/// Volume types of the Pod Security Standards' restricted level.
pub(crate) const RESTRICTED_VOLUMES: [&str; 9] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Host directories whose whole tree is sensitive (mounting them or anything below them).
const SENSITIVE_TREES: [&str; 12] = [
    "/etc",
    "/proc",
    "/sys",
    "/boot",
    "/dev",
    "/root",
    "/var/lib/kubelet",
    "/var/lib/etcd",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/run/secrets",
    "/run/secrets",
];

/// Host directories sensitive as a whole (their subdirectories may be fine, e.g. `/var/log/app`).
const SENSITIVE_DIRS: [&str; 12] =
    ["/", "/var", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/home", "/run", "/var/run", "/var/log", "/opt"];

/// Container runtime sockets.
const RUNTIME_SOCKETS: [&str; 5] =
    ["docker.sock", "containerd.sock", "crio.sock", "dockershim.sock", "cri-dockerd.sock"];

/// `path` with `.`/`..`/repeated slashes resolved lexically and no trailing slash.
fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether a host path is a sensitive OS directory.
pub(crate) fn is_sensitive(path: &str) -> bool {
    let p = normalise(path);
    SENSITIVE_DIRS.contains(&p.as_str())
        || SENSITIVE_TREES.iter().any(|t| p == *t || p.strip_prefix(t).is_some_and(|rest| rest.starts_with('/')))
}

/// Whether a host path is (or holds, as `/var/run` holds `docker.sock`) a runtime socket.
pub(crate) fn is_runtime_socket(path: &str) -> bool {
    let p = normalise(path);
    RUNTIME_SOCKETS.iter().any(|s| p.ends_with(&format!("/{s}")))
        || matches!(p.as_str(), "/var/run" | "/run" | "/run/containerd" | "/var/run/containerd" | "/var/run/crio")
}

/// Pod-level host checks and the volumes.
pub(crate) fn pod(r: &mut Reporter<'_>, pod: &PodSpec<'_>) {
    for (key, concept) in
        [("hostPID", "k8s-host-pid"), ("hostIPC", "k8s-host-ipc"), ("hostNetwork", "k8s-host-network")]
    {
        if let Some(n) = pod.spec.field(key)
            && n.as_bool() == Some(true)
        {
            r.add(concept, &format!("{}.{key}", pod.path), n, format!("{key}: true"), &format!("{key}: false"));
        }
    }
    if let Some(aliases) = pod.spec.field("hostAliases").filter(|a| !a.items().is_empty()) {
        r.add(
            "k8s-host-aliases",
            &format!("{}.hostAliases", pod.path),
            aliases,
            format!("{} hostAliases entries", aliases.items().len()),
            "remove hostAliases (use DNS)",
        );
    }
    for (i, v) in pod.spec.get("volumes").map(Node::items).unwrap_or_default().iter().enumerate() {
        let vpath = format!("{}.volumes[{i}]", pod.path);
        let name = v.get("name").and_then(Node::as_str).unwrap_or_default();
        if let Some(host) = v.field("hostPath") {
            let path = host.get("path").and_then(Node::as_str).unwrap_or_default();
            let at = host.get("path").unwrap_or(host);
            r.add(
                "k8s-hostpath",
                &format!("{vpath}.hostPath"),
                host,
                format!("volume {name} mounts host path {path}"),
                "use an emptyDir, configMap or persistentVolumeClaim volume",
            );
            if is_sensitive(path) {
                r.add(
                    "k8s-hostpath-sensitive",
                    &format!("{vpath}.hostPath.path"),
                    at,
                    format!("volume {name} mounts the host's {path}"),
                    "do not mount OS directories of the node",
                );
            }
            if is_runtime_socket(path) {
                r.add(
                    "k8s-docker-socket",
                    &format!("{vpath}.hostPath.path"),
                    at,
                    format!("volume {name} mounts the container runtime socket {path}"),
                    "remove the volume: the runtime socket gives root on the node",
                );
            }
        }
        let kind = v.entries().iter().filter_map(|(k, _)| k.as_str()).find(|k| *k != "name");
        if let Some(kind) = kind
            && !RESTRICTED_VOLUMES.contains(&kind)
        {
            r.add(
                "k8s-volume-types",
                &format!("{vpath}.{kind}"),
                v,
                format!("volume {name} is of type {kind}"),
                "use configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected or secret",
            );
        }
    }
}

/// The host path of the pod volume `name`, if it is one.
fn host_path<'a>(pod: &PodSpec<'a>, name: &str) -> Option<&'a str> {
    pod.spec
        .get("volumes")?
        .items()
        .iter()
        .find(|v| v.get("name").and_then(Node::as_str) == Some(name))?
        .field("hostPath")?
        .get("path")?
        .as_str()
}

/// Container-level host checks: ports, writable OS mounts, probe hosts.
pub(crate) fn container(r: &mut Reporter<'_>, pod: &PodSpec<'_>, c: &Container<'_>) {
    for (i, port) in c.node.get("ports").map(Node::items).unwrap_or_default().iter().enumerate() {
        let ppath = format!("{}.ports[{i}]", c.path);
        if let Some(hp) = port.field("hostPort")
            && hp.as_i64() != Some(0)
        {
            r.add(
                "k8s-host-ports",
                &format!("{ppath}.hostPort"),
                hp,
                format!("container {} binds host port {}", c.name, show(hp)),
                "remove hostPort (use a Service)",
            );
        }
        if let Some(cp) = port.field("containerPort")
            && cp.as_i64().is_some_and(|p| (1..1024).contains(&p))
        {
            r.add(
                "k8s-privileged-port",
                &format!("{ppath}.containerPort"),
                cp,
                format!("container {} listens on privileged port {}", c.name, show(cp)),
                "containerPort: 8080 (a port of 1024 or above)",
            );
        }
    }
    for (i, m) in c.node.get("volumeMounts").map(Node::items).unwrap_or_default().iter().enumerate() {
        let name = m.get("name").and_then(Node::as_str).unwrap_or_default();
        if let Some(path) = host_path(pod, name)
            && is_sensitive(path)
            && m.field("readOnly").and_then(Node::as_bool) != Some(true)
        {
            r.add(
                "k8s-hostpath-writable-os-dir",
                &format!("{}.volumeMounts[{i}].readOnly", c.path),
                m,
                format!("container {} mounts the host's {path} writable", c.name),
                "readOnly: true",
            );
        }
    }
    if c.kind == ContainerKind::Ephemeral {
        return;
    }
    let mut handlers = Vec::new();
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = c.node.field(probe) {
            handlers.push((format!("{}.{probe}", c.path), p));
        }
    }
    for hook in ["postStart", "preStop"] {
        if let Some(h) = c.node.field("lifecycle").and_then(|l| l.field(hook)) {
            handlers.push((format!("{}.lifecycle.{hook}", c.path), h));
        }
    }
    for (path, handler) in handlers {
        for action in ["httpGet", "tcpSocket"] {
            if let Some(host) = handler.field(action).and_then(|a| a.field("host"))
                && host.as_str().is_some_and(|h| !h.is_empty())
            {
                r.add(
                    "k8s-probe-host",
                    &format!("{path}.{action}.host"),
                    host,
                    format!("container {}: {action} to host {}", c.name, show(host)),
                    "remove host (the pod's own IP is used)",
                );
            }
        }
    }
}
