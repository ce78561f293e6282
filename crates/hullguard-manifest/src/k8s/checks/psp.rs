//! Legacy PodSecurityPolicy objects (removed in Kubernetes 1.25, still found in old manifests).

use super::super::object::Object;
use crate::report::Reporter;
use crate::yaml::Node;

/// Checks of one PodSecurityPolicy.
pub(crate) fn policy(r: &mut Reporter<'_>, obj: &Object<'_>) {
    let Some(spec) = obj.node.field("spec") else { return };
    let id = obj.id();
    for (key, concept) in [
        ("privileged", "psp-privileged"),
        ("hostPID", "psp-host-pid"),
        ("hostIPC", "psp-host-ipc"),
        ("hostNetwork", "psp-host-network"),
    ] {
        if let Some(n) = spec.field(key)
            && n.as_bool() == Some(true)
        {
            r.add(concept, &format!("spec.{key}"), n, format!("{id} allows {key}"), &format!("{key}: false"));
        }
    }
    let escalation = spec.field("allowPrivilegeEscalation");
    if escalation.and_then(Node::as_bool) != Some(false) {
        r.add(
            "psp-privilege-escalation",
            "spec.allowPrivilegeEscalation",
            escalation.unwrap_or(spec),
            format!("{id} allows privilege escalation"),
            "allowPrivilegeEscalation: false",
        );
    }
    let run_as = spec.field("runAsUser");
    let rule = run_as.and_then(|u| u.field("rule")).and_then(Node::as_str).unwrap_or("RunAsAny");
    let ranges_exclude_root = run_as.and_then(|u| u.field("ranges")).map(Node::items).is_some_and(|rs| {
        !rs.is_empty() && rs.iter().all(|r| r.field("min").and_then(Node::as_i64).is_some_and(|m| m > 0))
    });
    if !(rule == "MustRunAsNonRoot" || (rule == "MustRunAs" && ranges_exclude_root)) {
        r.add(
            "psp-root",
            "spec.runAsUser.rule",
            run_as.unwrap_or(spec),
            format!("{id} admits containers running as root (runAsUser rule {rule})"),
            "rule: MustRunAsNonRoot",
        );
    }
    let drops: Vec<String> = spec
        .get("requiredDropCapabilities")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .map(|c| c.to_ascii_uppercase().trim_start_matches("CAP_").to_owned())
        .collect();
    let drop_node = spec.get("requiredDropCapabilities").unwrap_or(spec);
    if !drops.iter().any(|d| d == "ALL" || d == "NET_RAW") {
        r.add(
            "psp-net-raw",
            "spec.requiredDropCapabilities",
            drop_node,
            format!("{id} does not require dropping NET_RAW"),
            "requiredDropCapabilities: [ALL]",
        );
    }
    if !drops.iter().any(|d| d == "ALL") {
        r.add(
            "psp-required-drop",
            "spec.requiredDropCapabilities",
            drop_node,
            format!("{id} does not require dropping ALL"),
            "requiredDropCapabilities: [ALL]",
        );
    }
    if let Some(allowed) = spec.field("allowedCapabilities").filter(|a| !a.items().is_empty()) {
        let caps: Vec<&str> = allowed.items().iter().filter_map(Node::as_str).collect();
        r.add(
            "psp-allowed-capabilities",
            "spec.allowedCapabilities",
            allowed,
            format!("{id} allows adding {}", caps.join(", ")),
            "allowedCapabilities: []",
        );
    }
    let seccomp = obj.metadata("annotations", "seccomp.security.alpha.kubernetes.io/defaultProfileName");
    if !matches!(seccomp, Some("runtime/default" | "docker/default")) {
        r.add(
            "psp-seccomp",
            "metadata.annotations",
            obj.node.get("metadata").unwrap_or(obj.node),
            format!("{id}: default seccomp profile is {}", seccomp.unwrap_or("not set")),
            "seccomp.security.alpha.kubernetes.io/defaultProfileName: runtime/default",
        );
    }
    let volumes: Vec<&str> =
        spec.get("volumes").map(Node::items).unwrap_or_default().iter().filter_map(Node::as_str).collect();
    let host_paths = spec.get("allowedHostPaths").map(Node::items).unwrap_or_default();
    for (i, p) in host_paths.iter().enumerate() {
        if p.field("readOnly").and_then(Node::as_bool) != Some(true) {
            r.add(
                "psp-host-path",
                &format!("spec.allowedHostPaths[{i}].readOnly"),
                p,
                format!("{id} allows host path {} writable", p.get("pathPrefix").and_then(Node::as_str).unwrap_or("?")),
                "readOnly: true",
            );
        }
    }
    if host_paths.is_empty() && volumes.iter().any(|v| *v == "hostPath" || *v == "*") {
        r.add(
            "psp-host-path",
            "spec.allowedHostPaths",
            spec.get("volumes").unwrap_or(spec),
            format!("{id} allows every host path"),
            "allowedHostPaths: [{pathPrefix: /var/log/app, readOnly: true}] (or no hostPath volumes)",
        );
    }
}
