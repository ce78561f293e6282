//! Compose files (`compose.yaml`, `docker-compose*.yml`): the services and their checks
//! (`HG-CMP-NNN`). Findings name the service (`service/web`) and the field path
//! (`services.web.ports[0]`).
//!
//! Both syntaxes of ports and volumes are read: short (`"127.0.0.1:8080:80"`,
//! `/var/run/docker.sock:/var/run/docker.sock:ro`) and long (`{target, published, host_ip}`,
//! `{type: bind, source, target, bind: {propagation}}`). Limits count from the service's own
//! fields (`cpus`, `mem_limit`, `pids_limit`) or `deploy.resources.limits`.

use std::collections::HashMap;

use crate::k8s::checks::container::image_ref;
use crate::k8s::checks::host::{is_runtime_socket, is_sensitive};
use crate::report::Reporter;
use crate::yaml::{self, Limits, Node};
use crate::{Input, Scan, Settings, text};

/// Scans compose files.
#[must_use]
pub fn scan(inputs: &[Input<'_>], settings: &Settings) -> Scan {
    let mut out = Scan::default();
    let limits = Limits::default();
    for input in inputs {
        let text = match text(input) {
            Ok(t) => t,
            Err(w) => {
                out.warnings.push(w);
                continue;
            }
        };
        let mut problems = Vec::new();
        let loaded = yaml::load_stream(text, &limits, &mut |doc| {
            let Some(services) = doc.root.field("services") else {
                problems.push(format!("{}:{}: no `services` mapping: not a compose file", input.name, doc.root.line));
                return;
            };
            if !services.is_map() {
                problems.push(format!(
                    "{}:{}: `services` is {}, not a mapping",
                    input.name,
                    services.line,
                    services.type_name()
                ));
                return;
            }
            let named_volumes = volume_users(services);
            for (key, service) in services.entries() {
                let Some(name) = key.as_str() else { continue };
                if !service.is_map() {
                    problems.push(format!(
                        "{}:{}: service {name} is {}, not a mapping",
                        input.name,
                        service.line,
                        service.type_name()
                    ));
                    continue;
                }
                out.objects += 1;
                let mut r = Reporter::new(
                    input.name,
                    doc.index,
                    format!("service/{name}"),
                    format!("services.{name}."),
                    settings,
                );
                check_service(&mut r, service, &named_volumes);
                out.findings.extend(r.findings);
            }
        });
        out.warnings
            .extend(loaded.into_iter().map(|w| format!("{}:{}:{}: {}", input.name, w.line, w.column, w.message)));
        out.warnings.extend(problems);
    }
    out.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

/// A published port: its host IP (if any), host port (if any), and node.
struct Published<'a> {
    host_ip: Option<String>,
    host_port: Option<String>,
    node: &'a Node,
}

/// Reads one `ports` entry, short or long syntax. `None` for an entry that publishes nothing
/// (long syntax without `published` still publishes on a random port).
fn published(node: &Node) -> Option<Published<'_>> {
    if node.is_map() {
        let host_ip = node.field("host_ip").and_then(Node::as_str).map(str::to_owned);
        let host_port = node.field("published").and_then(Node::as_str).map(str::to_owned);
        return Some(Published { host_ip, host_port, node });
    }
    let text = node.as_str()?;
    let spec = text.split('/').next().unwrap_or(text);
    // [HOST_IP:][HOST_PORT:]CONTAINER_PORT; IPv6 host IPs are bracketed.
    let (host_ip, rest) = match spec.strip_prefix('[') {
        Some(v6) => {
            let (ip, rest) = v6.split_once("]:")?;
            (Some(ip.to_owned()), rest)
        }
        None => {
            let parts: Vec<&str> = spec.split(':').collect();
            if parts.len() == 3 { (Some(parts[0].to_owned()), &spec[parts[0].len() + 1..]) } else { (None, spec) }
        }
    };
    let host_port = rest.rsplit_once(':').map(|(h, _)| h.to_owned());
    Some(Published { host_ip, host_port, node })
}

/// A volume entry: its source (host path or volume name), bind propagation, and node.
struct Mount<'a> {
    source: String,
    bind: bool,
    propagation: Option<String>,
    read_only: bool,
    node: &'a Node,
}

fn mount(node: &Node) -> Option<Mount<'_>> {
    if node.is_map() {
        let source = node.field("source").and_then(Node::as_str)?.to_owned();
        let bind = node.field("type").and_then(Node::as_str) == Some("bind");
        let propagation =
            node.field("bind").and_then(|b| b.field("propagation")).and_then(Node::as_str).map(str::to_owned);
        let read_only = node.field("read_only").and_then(Node::as_bool) == Some(true);
        return Some(Mount { source, bind, propagation, read_only, node });
    }
    let text = node.as_str()?;
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() < 2 {
        return None;
    }
    let source = parts[0].to_owned();
    let bind = source.starts_with(['/', '.', '~']);
    let options: Vec<&str> = parts.get(2).map(|o| o.split(',').collect()).unwrap_or_default();
    let propagation = options
        .iter()
        .find(|o| matches!(**o, "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate"))
        .map(|o| (*o).to_owned());
    let read_only = options.contains(&"ro");
    Some(Mount { source, bind, propagation, read_only, node })
}

/// Named volume → how many services mount it.
fn volume_users(services: &Node) -> HashMap<String, usize> {
    let mut users: HashMap<String, usize> = HashMap::new();
    for (_, service) in services.entries() {
        let mut mine: Vec<String> = service
            .get("volumes")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(mount)
            .filter(|m| !m.bind)
            .map(|m| m.source)
            .collect();
        mine.sort();
        mine.dedup();
        for v in mine {
            *users.entry(v).or_default() += 1;
        }
    }
    users
}

/// `security_opt` entries, normalised (`seccomp=unconfined` → `seccomp:unconfined`).
fn security_opts(service: &Node) -> Vec<(String, &Node)> {
    service
        .get("security_opt")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.as_str().map(|s| (s.replacen('=', ":", 1).to_ascii_lowercase(), n)))
        .collect()
}

/// A limit of `deploy.resources.limits`.
fn deploy_limit<'a>(service: &'a Node, key: &str) -> Option<&'a Node> {
    service.field("deploy")?.field("resources")?.field("limits")?.field(key)
}

fn check_service(r: &mut Reporter<'_>, s: &Node, named_volumes: &HashMap<String, usize>) {
    let yes = |key: &str| s.field(key).and_then(Node::as_bool) == Some(true);
    if yes("privileged") {
        r.add(
            "compose-privileged",
            "privileged",
            s.get("privileged").unwrap_or(s),
            "privileged: true".to_owned(),
            "privileged: false",
        );
    }
    let caps = |key: &str| -> Vec<String> {
        s.get(key)
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .map(|c| {
                let upper = c.to_ascii_uppercase();
                upper.strip_prefix("CAP_").map(str::to_owned).unwrap_or(upper)
            })
            .collect()
    };
    let (add, drop) = (caps("cap_add"), caps("cap_drop"));
    let drops_all = drop.iter().any(|d| d == "ALL");
    if drop.is_empty() || !add.is_empty() {
        let why = if add.is_empty() { "no cap_drop".to_owned() } else { format!("cap_add: {}", add.join(", ")) };
        r.add(
            "compose-cap-unrestricted",
            if add.is_empty() { "cap_drop" } else { "cap_add" },
            s.get("cap_add").unwrap_or(s),
            why,
            "cap_drop: [ALL]",
        );
    }
    if !add.is_empty() && !drops_all {
        r.add(
            "compose-cap-add-drop",
            "cap_drop",
            s.get("cap_drop").or_else(|| s.get("cap_add")).unwrap_or(s),
            format!("cap_add {} without cap_drop: [ALL]", add.join(", ")),
            "cap_drop: [ALL]",
        );
    }
    for (i, port) in s.get("ports").map(Node::items).unwrap_or_default().iter().enumerate() {
        let Some(p) = published(port) else { continue };
        let field = format!("ports[{i}]");
        let any = p.host_ip.as_deref().is_none_or(|ip| ip.is_empty() || ip == "0.0.0.0" || ip == "::");
        if any {
            r.add(
                "compose-ports-any-interface",
                &field,
                p.node,
                format!("port {} is published on every interface", p.node.as_str().unwrap_or("(long syntax)")),
                "\"127.0.0.1:HOST:CONTAINER\" (or host_ip: 127.0.0.1)",
            );
        }
        let low = p.host_port.as_deref().and_then(|h| h.split('-').next()).and_then(|h| h.parse::<u32>().ok());
        if let Some(port_no) = low.filter(|n| *n < 1024) {
            r.add(
                "compose-privileged-ports",
                &field,
                p.node,
                format!("host port {port_no} is below 1024"),
                "publish on a host port of 1024 or above",
            );
        }
    }
    if s.field("cpus").is_none() && deploy_limit(s, "cpus").is_none() {
        r.add(
            "compose-cpu-limit",
            "cpus",
            s,
            "no CPU limit".to_owned(),
            "cpus: \"1.0\" (or deploy.resources.limits.cpus)",
        );
    }
    if s.field("mem_limit").is_none() && deploy_limit(s, "memory").is_none() {
        r.add(
            "compose-memory-limit",
            "mem_limit",
            s,
            "no memory limit".to_owned(),
            "mem_limit: 512m (or deploy.resources.limits.memory)",
        );
    }
    if s.field("pids_limit").is_none() && deploy_limit(s, "pids").is_none() {
        r.add("compose-pids-limit", "pids_limit", s, "no pids limit".to_owned(), "pids_limit: 200");
    }
    let opts = security_opts(s);
    if let Some((_, n)) = opts.iter().find(|(o, _)| o == "seccomp:unconfined") {
        r.add(
            "compose-seccomp-unconfined",
            "security_opt",
            n,
            "seccomp:unconfined".to_owned(),
            "remove seccomp:unconfined",
        );
    }
    if s.field("security_opt").is_none_or(|o| o.items().is_empty()) {
        r.add(
            "compose-security-opt-missing",
            "security_opt",
            s,
            "no security_opt".to_owned(),
            "security_opt: [\"no-new-privileges:true\"]",
        );
    }
    if !opts.iter().any(|(o, _)| o == "no-new-privileges" || o == "no-new-privileges:true") {
        r.add(
            "compose-no-new-privileges",
            "security_opt",
            s.get("security_opt").unwrap_or(s),
            "no-new-privileges is not set".to_owned(),
            "security_opt: [\"no-new-privileges:true\"]",
        );
    }
    for (i, v) in s.get("volumes").map(Node::items).unwrap_or_default().iter().enumerate() {
        let Some(m) = mount(v) else { continue };
        let field = format!("volumes[{i}]");
        if m.bind && is_runtime_socket(&m.source) {
            r.add(
                "compose-docker-socket",
                &field,
                m.node,
                format!("{} is mounted", m.source),
                "remove the runtime socket mount",
            );
        } else if m.bind && is_sensitive(&m.source) {
            let ro = if m.read_only { " (read-only)" } else { "" };
            r.add(
                "compose-sensitive-host-dir",
                &field,
                m.node,
                format!("host {} is mounted{ro}", m.source),
                "mount an application directory instead",
            );
        }
        if let Some(p) = m.propagation.as_deref().filter(|p| matches!(*p, "shared" | "rshared" | "slave" | "rslave")) {
            r.add(
                "compose-mount-propagation-shared",
                &field,
                m.node,
                format!("{} mounted with {p} propagation", m.source),
                "use private propagation (the default)",
            );
        }
        if !m.bind && named_volumes.get(&m.source).is_some_and(|n| *n > 1) {
            r.add(
                "compose-shared-volumes",
                &field,
                m.node,
                format!("volume {} is shared with other services", m.source),
                "give each service its own volume",
            );
        }
    }
    let health = s.field("healthcheck");
    let disabled = health.is_some_and(|h| {
        h.field("disable").and_then(Node::as_bool) == Some(true)
            || h.field("test")
                .is_some_and(|t| t.as_str() == Some("NONE") || t.items().first().and_then(Node::as_str) == Some("NONE"))
    });
    if health.is_none() || disabled {
        r.add(
            "compose-healthcheck",
            "healthcheck",
            health.unwrap_or(s),
            if disabled { "healthcheck disabled" } else { "no healthcheck" }.to_owned(),
            "healthcheck: {test: [\"CMD\", \"/healthcheck\"], interval: 30s}",
        );
    }
    for (key, concept) in [
        ("pid", "compose-pid-host"),
        ("ipc", "compose-ipc-host"),
        ("network_mode", "compose-network-host"),
        ("userns_mode", "compose-userns-host"),
    ] {
        if let Some(n) = s.field(key)
            && n.as_str() == Some("host")
        {
            r.add(concept, key, n, format!("{key}: host"), &format!("remove {key}"));
        }
    }
    restart(r, s);
    if let Some(n) = s.field("cgroup_parent") {
        r.add(
            "compose-cgroup-parent",
            "cgroup_parent",
            n,
            format!("cgroup_parent: {}", n.as_str().unwrap_or("?")),
            "remove cgroup_parent",
        );
    }
    if let Some(n) = s.field("image")
        && let Some(image) = n.as_str()
    {
        let parsed = image_ref(image);
        if !parsed.digest && parsed.tag.is_none_or(|t| t == "latest") {
            r.add(
                "compose-image-latest",
                "image",
                n,
                format!("image {image} has no fixed tag"),
                "image: NAME:1.2.3 (or @sha256:…)",
            );
        }
    }
    let user = s.field("user");
    let root = user.and_then(Node::as_str).is_some_and(|u| {
        let name = u.split(':').next().unwrap_or(u);
        name == "root" || name == "0"
    }) || user.and_then(Node::as_i64) == Some(0);
    if root {
        r.add(
            "hg-compose-user-root",
            "user",
            user.unwrap_or(s),
            "the service runs as root".to_owned(),
            "user: \"10001:10001\"",
        );
    }
    if !yes("read_only") {
        r.add(
            "hg-compose-read-only",
            "read_only",
            s.get("read_only").unwrap_or(s),
            "the container's filesystem is writable".to_owned(),
            "read_only: true",
        );
    }
    environment(r, s);
}

/// `restart` / `deploy.restart_policy` must retry on failure only, at most 5 times.
fn restart(r: &mut Reporter<'_>, s: &Node) {
    if let Some(n) = s.field("restart")
        && let Some(policy) = n.as_str()
    {
        let bad = match policy.split_once(':') {
            Some(("on-failure", count)) => count.parse::<u32>().map_or(true, |c| c > 5),
            None => matches!(policy, "always" | "unless-stopped"),
            _ => false,
        };
        if bad {
            r.add(
                "compose-restart-on-failure",
                "restart",
                n,
                format!("restart: {policy}"),
                "restart: \"on-failure:5\"",
            );
        }
    }
    if let Some(p) = s.field("deploy").and_then(|d| d.field("restart_policy")) {
        let condition = p.field("condition").and_then(Node::as_str).unwrap_or("any");
        let attempts = p.field("max_attempts").and_then(Node::as_i64);
        if condition == "any" || (condition == "on-failure" && attempts.is_none_or(|a| a > 5 || a == 0)) {
            r.add(
                "compose-restart-on-failure",
                "deploy.restart_policy",
                p,
                format!(
                    "restart_policy condition {condition}, max_attempts {}",
                    attempts.map_or("unlimited".to_owned(), |a| a.to_string())
                ),
                "restart_policy: {condition: on-failure, max_attempts: 5}",
            );
        }
    }
}

/// Secrets written into `environment:` (list or mapping).
fn environment(r: &mut Reporter<'_>, s: &Node) {
    let Some(env) = s.field("environment") else { return };
    let mut entries: Vec<(String, Option<String>, &Node, String)> = Vec::new();
    if env.is_map() {
        for (k, v) in env.entries() {
            if let Some(key) = k.as_str() {
                entries.push((key.to_owned(), v.as_str().map(str::to_owned), v, format!("environment.{key}")));
            }
        }
    } else {
        for (i, item) in env.items().iter().enumerate() {
            if let Some(text) = item.as_str() {
                let (k, v) = match text.split_once('=') {
                    Some((k, v)) => (k, Some(v.to_owned())),
                    None => (text, None),
                };
                entries.push((k.to_owned(), v, item, format!("environment[{i}]")));
            }
        }
    }
    for (key, value, node, field) in entries {
        let Some(value) = value.filter(|v| !v.is_empty() && !v.starts_with("${")) else { continue };
        if hullguard_secrets::is_secret_name(&key) {
            r.add(
                "hg-compose-env-secret",
                &field,
                node,
                hullguard_secrets::mask_assignment(&key, &value),
                "move the value to a compose `secrets:` entry (a file), or interpolate it from the environment (${VAR})",
            );
        }
    }
}
