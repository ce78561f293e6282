//! Security-context checks: privileges, capabilities, users and groups, seccomp, AppArmor,
//! SELinux, /proc, sysctls, Windows HostProcess.
//!
//! A container inherits `runAsNonRoot`, `runAsUser`, `runAsGroup`, `seccompProfile`,
//! `appArmorProfile`, `seLinuxOptions` and `windowsOptions` from the pod's `securityContext` unless
//! it sets them itself; `privileged`, `allowPrivilegeEscalation`, `capabilities`,
//! `readOnlyRootFilesystem` and `procMount` exist on containers only. Capabilities are compared
//! as the container runtimes apply them: upper-cased, with any `CAP_` prefix removed (`cap_sys_admin`
//! is `SYS_ADMIN`), and `ALL` in `add` adds every one.

use super::super::object::{Container, PodSpec};
use crate::report::Reporter;
use crate::yaml::Node;

/// The capabilities a container runtime grants by default (Pod Security Standards baseline).
pub(crate) const BASELINE_CAPS: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// A security-context field as the container sees it: its own, else the pod's, with the path.
pub(crate) fn effective<'a>(c: &Container<'a>, pod: &PodSpec<'a>, key: &str) -> Option<(&'a Node, String)> {
    if let Some(n) = c.security(key) {
        return Some((n, format!("{}.securityContext.{key}", c.path)));
    }
    pod.security(key).map(|n| (n, format!("{}.securityContext.{key}", pod.path)))
}

/// A capability name as runtimes read it.
fn normalise_cap(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    upper.strip_prefix("CAP_").map(str::to_owned).unwrap_or(upper)
}

/// The normalised capabilities of `capabilities.<list>` with their nodes.
fn caps<'a>(c: &Container<'a>, list: &str) -> Vec<(String, &'a Node)> {
    c.security("capabilities")
        .and_then(|caps| caps.field(list))
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.as_str().map(|s| (normalise_cap(s), n)))
        .collect()
}

/// Checks of one container against its pod.
pub(crate) fn container(r: &mut Reporter<'_>, pod: &PodSpec<'_>, c: &Container<'_>) {
    let at = c.node;
    let sc_path = format!("{}.securityContext", c.path);
    let privileged = c.security("privileged").and_then(Node::as_bool) == Some(true);
    if privileged && let Some(n) = c.security("privileged") {
        r.add(
            "k8s-privileged",
            &format!("{sc_path}.privileged"),
            n,
            format!("container {} runs privileged", c.name),
            "privileged: false",
        );
    }
    match c.security("allowPrivilegeEscalation") {
        Some(n) if n.as_bool() == Some(false) => {}
        found => r.add(
            "k8s-allow-privilege-escalation",
            &format!("{sc_path}.allowPrivilegeEscalation"),
            found.unwrap_or(at),
            format!("container {}: allowPrivilegeEscalation is {}", c.name, found.map_or("not set", show)),
            "allowPrivilegeEscalation: false",
        ),
    }
    capabilities(r, c, &sc_path);
    users(r, pod, c);
    match c.security("readOnlyRootFilesystem") {
        Some(n) if n.as_bool() == Some(true) => {}
        found => r.add(
            "k8s-readonly-rootfs",
            &format!("{sc_path}.readOnlyRootFilesystem"),
            found.unwrap_or(at),
            format!("container {}: readOnlyRootFilesystem is {}", c.name, found.map_or("not set", show)),
            "readOnlyRootFilesystem: true",
        ),
    }
    if let Some(n) = c.security("procMount")
        && n.as_str().is_some_and(|m| m != "Default")
    {
        r.add(
            "k8s-proc-mount",
            &format!("{sc_path}.procMount"),
            n,
            format!("container {}: procMount {}", c.name, show(n)),
            "procMount: Default",
        );
    }
    profiles(r, pod, c);
    if let Some((n, path)) = effective(c, pod, "windowsOptions")
        && let Some(hp) = n.field("hostProcess")
        && hp.as_bool() == Some(true)
    {
        r.add(
            "k8s-windows-hostprocess",
            &format!("{path}.hostProcess"),
            hp,
            format!("container {} is a Windows HostProcess container", c.name),
            "hostProcess: false",
        );
    }
    if c.node.field("securityContext").is_none_or(|s| s.entries().is_empty()) {
        r.add(
            "k8s-security-context-missing",
            &sc_path,
            c.node.get("securityContext").unwrap_or(at),
            format!("container {} has no securityContext", c.name),
            "securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}",
        );
    }
}

/// How a scalar is shown in evidence.
pub(crate) fn show(n: &Node) -> &str {
    n.as_str().unwrap_or(n.type_name())
}

fn capabilities(r: &mut Reporter<'_>, c: &Container<'_>, sc_path: &str) {
    let add = caps(c, "add");
    let drop = caps(c, "drop");
    let add_path = format!("{sc_path}.capabilities.add");
    let drop_path = format!("{sc_path}.capabilities.drop");
    let caps_node = c.security("capabilities").unwrap_or(c.node);
    let adds = |name: &str| add.iter().find(|(a, _)| a == name || a == "ALL").map(|(_, n)| *n);
    for (concept, cap) in
        [("k8s-cap-sys-admin", "SYS_ADMIN"), ("k8s-cap-sys-module", "SYS_MODULE"), ("k8s-cap-net-raw-added", "NET_RAW")]
    {
        if let Some(n) = adds(cap) {
            r.add(
                concept,
                &add_path,
                n,
                format!("container {} adds {}", c.name, show(n)),
                &format!("remove {cap} from add"),
            );
        }
    }
    if let Some((_, n)) = add.first() {
        let names: Vec<&str> = add.iter().map(|(a, _)| a.as_str()).collect();
        r.add("k8s-cap-add-any", &add_path, n, format!("container {} adds {}", c.name, names.join(", ")), "add: []");
    }
    if let Some((name, n)) = add.iter().find(|(a, _)| !BASELINE_CAPS.contains(&a.as_str())) {
        r.add(
            "k8s-cap-add-beyond-default",
            &add_path,
            n,
            format!("container {} adds {name}, beyond the runtime's default set", c.name),
            &format!("remove {name} from add"),
        );
    }
    if let Some((name, n)) = add.iter().find(|(a, _)| a != "NET_BIND_SERVICE") {
        r.add(
            "k8s-cap-add-not-netbind",
            &add_path,
            n,
            format!("container {} adds {name}", c.name),
            "add: [NET_BIND_SERVICE] (or none)",
        );
    }
    let drops_all = drop.iter().any(|(d, _)| d == "ALL");
    if !drops_all && !drop.iter().any(|(d, _)| d == "NET_RAW") {
        r.add(
            "k8s-cap-net-raw-not-dropped",
            &drop_path,
            caps_node,
            format!("container {} does not drop NET_RAW", c.name),
            "drop: [ALL]",
        );
    }
    if !drops_all {
        r.add(
            "k8s-cap-drop-all",
            &drop_path,
            caps_node,
            format!("container {} does not drop ALL", c.name),
            "drop: [ALL]",
        );
    }
    if drop.is_empty() {
        r.add(
            "k8s-cap-drop-any",
            &drop_path,
            caps_node,
            format!("container {} drops no capability", c.name),
            "drop: [ALL]",
        );
    }
    let extra = add.iter().find(|(a, _)| a != "NET_BIND_SERVICE");
    if !drops_all || extra.is_some() {
        let why = match extra {
            Some((name, _)) => format!("adds {name}"),
            None => "does not drop ALL".to_owned(),
        };
        r.add(
            "k8s-cap-restricted",
            &format!("{sc_path}.capabilities"),
            extra.map_or(caps_node, |(_, n)| *n),
            format!("container {} {why}", c.name),
            "capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}",
        );
    }
}

fn users(r: &mut Reporter<'_>, pod: &PodSpec<'_>, c: &Container<'_>) {
    let non_root = effective(c, pod, "runAsNonRoot");
    let user = effective(c, pod, "runAsUser");
    let uid = user.as_ref().and_then(|(n, _)| n.as_i64());
    let non_root_ok = non_root.as_ref().is_some_and(|(n, _)| n.as_bool() == Some(true));
    // A pod that names a non-zero UID does not run as root whatever runAsNonRoot says.
    if !non_root_ok && uid.is_none_or(|u| u <= 0) {
        let (at, path) = match &non_root {
            Some((n, p)) => (*n, p.clone()),
            None => (c.node, format!("{}.securityContext.runAsNonRoot", c.path)),
        };
        r.add(
            "k8s-run-as-non-root",
            &path,
            at,
            format!("container {}: runAsNonRoot is {}", c.name, non_root.as_ref().map_or("not set", |(n, _)| show(n))),
            "runAsNonRoot: true",
        );
    }
    if let Some((n, path)) = &user {
        match n.as_i64() {
            Some(0) => {
                r.add("k8s-run-as-user-0", path, n, format!("container {} runs as UID 0", c.name), "runAsUser: 10001")
            }
            Some(u) if u <= 10000 => r.add(
                "k8s-low-uid",
                path,
                n,
                format!("container {} runs as UID {u} (10000 or below)", c.name),
                "runAsUser: 10001",
            ),
            _ => {}
        }
    }
    if let Some((n, path)) = effective(c, pod, "runAsGroup") {
        match n.as_i64() {
            Some(0) => {
                r.add("k8s-root-gid", &path, n, format!("container {} runs with GID 0", c.name), "runAsGroup: 10001")
            }
            Some(g) if g <= 10000 => r.add(
                "k8s-low-gid",
                &path,
                n,
                format!("container {} runs with GID {g} (10000 or below)", c.name),
                "runAsGroup: 10001",
            ),
            _ => {}
        }
    }
}

/// seccomp and AppArmor of a container: its own field, else the pod's, else the legacy annotations.
fn profiles(r: &mut Reporter<'_>, pod: &PodSpec<'_>, c: &Container<'_>) {
    let seccomp = effective(c, pod, "seccompProfile");
    let seccomp_type = seccomp.as_ref().and_then(|(n, _)| n.field("type"));
    let legacy = pod
        .annotation(&format!("container.seccomp.security.alpha.kubernetes.io/{}", c.name))
        .or_else(|| pod.annotation("seccomp.security.alpha.kubernetes.io/pod"));
    let meta_path = match pod.path.strip_suffix(".spec") {
        Some(template) => format!("{template}.metadata.annotations"),
        None => "metadata.annotations".to_owned(),
    };
    match (seccomp_type, legacy) {
        (Some(t), _) if t.as_str() == Some("Unconfined") => r.add(
            "k8s-seccomp-unconfined",
            &format!("{}.type", seccomp.as_ref().map_or(String::new(), |(_, p)| p.clone())),
            t,
            format!("container {} runs with seccomp Unconfined", c.name),
            "type: RuntimeDefault",
        ),
        (Some(t), _) if matches!(t.as_str(), Some("RuntimeDefault" | "Localhost")) => {}
        (None, Some("unconfined")) => r.add(
            "k8s-seccomp-unconfined",
            &meta_path,
            pod.metadata.unwrap_or(pod.spec),
            format!("container {}: seccomp annotation unconfined", c.name),
            "remove the seccomp annotation; set securityContext.seccompProfile.type: RuntimeDefault",
        ),
        (None, Some(a)) if a == "runtime/default" || a == "docker/default" || a.starts_with("localhost/") => {}
        (found, _) => r.add(
            "k8s-seccomp-not-set",
            &format!("{}.securityContext.seccompProfile.type", c.path),
            found.unwrap_or(c.node),
            format!("container {}: seccomp profile {}", c.name, found.map_or("not set", show)),
            "type: RuntimeDefault",
        ),
    }
    let apparmor = effective(c, pod, "appArmorProfile");
    let apparmor_type = apparmor.as_ref().and_then(|(n, _)| n.field("type"));
    let legacy = pod.annotation(&format!("container.apparmor.security.beta.kubernetes.io/{}", c.name));
    match (apparmor_type, legacy) {
        (Some(t), _) if t.as_str() == Some("Unconfined") => r.add(
            "k8s-apparmor-unconfined",
            &format!("{}.type", apparmor.as_ref().map_or(String::new(), |(_, p)| p.clone())),
            t,
            format!("container {} runs with AppArmor Unconfined", c.name),
            "type: RuntimeDefault",
        ),
        (None, Some("unconfined")) => r.add(
            "k8s-apparmor-unconfined",
            &meta_path,
            pod.metadata.unwrap_or(pod.spec),
            format!("container {}: AppArmor annotation unconfined", c.name),
            "remove the AppArmor annotation; set securityContext.appArmorProfile.type: RuntimeDefault",
        ),
        (None, None) => r.add(
            "k8s-apparmor-missing",
            &format!("{}.securityContext.appArmorProfile", c.path),
            c.node,
            format!("container {} sets no AppArmor profile", c.name),
            "appArmorProfile: {type: RuntimeDefault}",
        ),
        _ => {}
    }
    if let Some((n, path)) = effective(c, pod, "seLinuxOptions") {
        selinux(r, n, &path, &format!("container {}", c.name));
    }
}

/// SELinux types a container may use (Pod Security Standards baseline, 1.31+).
const SELINUX_TYPES: [&str; 4] = ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

fn selinux(r: &mut Reporter<'_>, n: &Node, path: &str, who: &str) {
    if let Some(t) = n.field("type").and_then(Node::as_str)
        && !t.is_empty()
        && !SELINUX_TYPES.contains(&t)
    {
        r.add(
            "k8s-selinux-custom",
            &format!("{path}.type"),
            n,
            format!("{who}: SELinux type {t}"),
            "type: container_t",
        );
        return;
    }
    for key in ["user", "role"] {
        if let Some(v) = n.field(key).and_then(Node::as_str).filter(|v| !v.is_empty()) {
            r.add(
                "k8s-selinux-custom",
                &format!("{path}.{key}"),
                n,
                format!("{who}: SELinux {key} {v}"),
                &format!("remove {key}"),
            );
            return;
        }
    }
}

/// Sysctls a pod may set without affecting the node (Pod Security Standards baseline, latest).
pub(crate) const SAFE_SYSCTLS: [&str; 14] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

/// Pod-level security checks (once per pod).
pub(crate) fn pod(r: &mut Reporter<'_>, pod: &PodSpec<'_>) {
    let sc_path = format!("{}.securityContext", pod.path);
    for (key, node) in pod.security("sysctls").map(Node::items).unwrap_or_default().iter().enumerate() {
        let name = node.get("name").and_then(Node::as_str).unwrap_or_default();
        if !SAFE_SYSCTLS.contains(&name) {
            r.add(
                "k8s-unsafe-sysctls",
                &format!("{sc_path}.sysctls[{key}].name"),
                node,
                format!("unsafe sysctl {name}"),
                "remove the sysctl",
            );
        }
    }
    if let Some(n) = pod.security("fsGroup")
        && n.as_i64() == Some(0)
    {
        r.add("k8s-root-gid", &format!("{sc_path}.fsGroup"), n, "fsGroup is 0".to_owned(), "fsGroup: 10001");
    }
    for (i, g) in pod.security("supplementalGroups").map(Node::items).unwrap_or_default().iter().enumerate() {
        if g.as_i64() == Some(0) {
            r.add(
                "k8s-root-gid",
                &format!("{sc_path}.supplementalGroups[{i}]"),
                g,
                "supplementalGroups holds GID 0".to_owned(),
                "remove 0 from supplementalGroups",
            );
        }
    }
    if pod.spec.field("securityContext").is_none_or(|s| s.entries().is_empty()) {
        r.add(
            "k8s-security-context-missing",
            &sc_path,
            pod.spec.get("securityContext").unwrap_or(pod.spec),
            "the pod has no securityContext".to_owned(),
            "securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}",
        );
    }
    if let Some(n) = pod.security("seLinuxOptions") {
        selinux(r, n, &format!("{sc_path}.seLinuxOptions"), "the pod");
    }
    if pod.spec.field("hostUsers").and_then(Node::as_bool) != Some(false) {
        r.add(
            "k8s-host-users",
            &format!("{}.hostUsers", pod.path),
            pod.spec.get("hostUsers").unwrap_or(pod.spec),
            "the pod shares the host's user namespace".to_owned(),
            "hostUsers: false",
        );
    }
}
