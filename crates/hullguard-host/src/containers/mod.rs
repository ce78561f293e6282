//! The running-container checks (CIS Docker §5 and §6, docker-bench-security's community
//! C.5.3.x): pure functions from a container's Engine facts to verdicts. Every finding names the
//! container (name, short id, image), the exact inspect field, and the `docker run` flag or
//! compose key that fixes it.

use hullguard_report::Location;
use serde_json::Value;

use crate::audit::{Audit, Verdict};
use crate::engine::{ContainerFacts, name};

/// What the daemon says that decides how container checks read (from `/info`, and daemon.json
/// when the host root has one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DaemonContext {
    /// AppArmor is enabled on the daemon (`SecurityOptions` has `name=apparmor`).
    pub apparmor: bool,
    /// SELinux is enabled on the daemon (`name=selinux`).
    pub selinux: bool,
    /// The daemon runs rootless (`name=rootless`).
    pub rootless: bool,
    /// The daemon sets no-new-privileges for every container (daemon.json `no-new-privileges`).
    pub no_new_privileges: bool,
}

impl DaemonContext {
    /// The context of the daemon whose `/info` is `info`; `no_new_privileges` from daemon.json.
    #[must_use]
    pub fn from_info(info: &Value, no_new_privileges: bool) -> Self {
        let opts = strings(info.get("SecurityOptions"));
        let has = |name: &str| opts.iter().any(|o| o.split(',').any(|kv| kv == format!("name={name}") || kv == name));
        DaemonContext {
            apparmor: has("apparmor"),
            selinux: has("selinux"),
            rootless: has("rootless"),
            no_new_privileges,
        }
    }
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

/// Host paths a container should not mount (CIS 5.6, with /var/run and /run for the sockets).
pub const SENSITIVE_DIRS: &[&str] =
    &["/", "/boot", "/dev", "/etc", "/lib", "/proc", "/run", "/sys", "/usr", "/var/run"];

/// The capabilities of docker-bench's community checks C.5.3.1–4, by concept.
const CAP_CHECKS: &[(&str, &str)] = &[
    ("ctr-cap-dac-read-search", "DAC_READ_SEARCH"),
    ("ctr-cap-sys-module", "SYS_MODULE"),
    ("ctr-cap-sys-admin", "SYS_ADMIN"),
    ("ctr-cap-sys-ptrace", "SYS_PTRACE"),
];

/// A capability name without `CAP_`, upper case.
fn cap_name(c: &str) -> String {
    let up = c.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_owned).unwrap_or(up)
}

/// One bind or volume mount, from `Mounts` (what the Engine set up) and `HostConfig.Binds`.
struct MountFact<'a> {
    source: &'a str,
    destination: &'a str,
    rw: bool,
    propagation: &'a str,
    kind: &'a str,
}

fn mounts(inspect: &Value) -> Vec<MountFact<'_>> {
    inspect
        .get("Mounts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|m| {
            let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or_default();
            MountFact {
                source: s("Source"),
                destination: s("Destination"),
                rw: m.get("RW").and_then(Value::as_bool).unwrap_or(true),
                propagation: s("Propagation"),
                kind: s("Type"),
            }
        })
        .collect()
}

/// Whether `path` is `dir` or below it.
fn under(path: &str, dir: &str) -> bool {
    let path = path.trim_end_matches('/');
    let dir = dir.trim_end_matches('/');
    if dir.is_empty() {
        return path.is_empty();
    }
    path == dir || path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
}

fn is_docker_socket(path: &str) -> bool {
    path.rsplit('/').next() == Some("docker.sock")
}

/// The published ports: (container port, host ip, host port), from `NetworkSettings.Ports` of
/// a running container, else `HostConfig.PortBindings`.
fn published(inspect: &Value) -> Vec<(String, String, String)> {
    let live = inspect.pointer("/NetworkSettings/Ports").and_then(Value::as_object).filter(|m| !m.is_empty());
    let map = live.or_else(|| inspect.pointer("/HostConfig/PortBindings").and_then(Value::as_object));
    let mut out = Vec::new();
    for (port, bindings) in map.into_iter().flatten() {
        for b in bindings.as_array().into_iter().flatten() {
            let s = |k: &str| b.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
            out.push((port.clone(), s("HostIp"), s("HostPort")));
        }
    }
    out.sort();
    out.dedup();
    out
}

fn bind_text((port, ip, host_port): &(String, String, String)) -> String {
    let ip = if ip.is_empty() { "0.0.0.0" } else { ip };
    format!("{ip}:{host_port}->{port}")
}

/// The security options, each as `key=value` (the legacy `key:value` spelling normalised).
fn security_opts(inspect: &Value) -> Vec<(String, String)> {
    strings(inspect.pointer("/HostConfig/SecurityOpt"))
        .into_iter()
        .map(|o| {
            let (k, v) = o.split_once(['=', ':']).unwrap_or((o, ""));
            (k.to_ascii_lowercase(), v.to_owned())
        })
        .collect()
}

/// Where a finding about the field `field` of the container `inspect` describes is.
#[must_use]
pub fn location(inspect: &Value, field: &str) -> Location {
    Location::Container {
        name: name(inspect).to_owned(),
        id: inspect.get("Id").and_then(Value::as_str).unwrap_or_default().chars().take(12).collect(),
        image: inspect.pointer("/Config/Image").and_then(Value::as_str).unwrap_or_default().to_owned(),
        field: field.to_owned(),
    }
}

/// Checks one container.
#[must_use]
#[allow(clippy::too_many_lines)] // one verdict per check, in CIS order: easier to read than split
pub fn check(facts: &ContainerFacts, daemon: DaemonContext) -> Audit {
    let c = &facts.inspect;
    let mut audit = Audit::default();
    let subject = name(c).to_owned();
    let image = c.pointer("/Config/Image").and_then(Value::as_str).unwrap_or_default().to_owned();
    let at = |field: &str| location(c, field);
    let hc = |k: &str| c.pointer(&format!("/HostConfig/{k}"));
    let hc_str = |k: &str| hc(k).and_then(Value::as_str).unwrap_or_default();
    let hc_i64 = |k: &str| hc(k).and_then(Value::as_i64).unwrap_or(0);
    let privileged = hc("Privileged").and_then(Value::as_bool).unwrap_or(false);
    let running = c.pointer("/State/Running").and_then(Value::as_bool).unwrap_or(false);
    let opts = security_opts(c);
    let opt = |k: &'static str| opts.iter().filter(move |(key, _)| key == k).map(|(_, v)| v.as_str());
    let mut record = |concept: &str, field: &str, v: Verdict| audit.record(concept, &subject, &at(field), v);

    // 5.2 AppArmor
    let apparmor = c.get("AppArmorProfile").and_then(Value::as_str).unwrap_or_default();
    // An option the host cannot honour changes nothing: n/a, not a finding.
    let v = if !daemon.apparmor {
        Verdict::na("AppArmor is not enabled on the daemon")
    } else if opt("apparmor").any(|p| p == "unconfined") || apparmor == "unconfined" {
        Verdict::warn_fix(
            "AppArmorProfile: unconfined",
            "Remove --security-opt apparmor=unconfined (compose: security_opt), so docker-default applies",
        )
    } else if privileged {
        Verdict::warn("HostConfig.Privileged: true runs without an AppArmor profile")
    } else {
        Verdict::Pass
    };
    record("ctr-apparmor", "AppArmorProfile", v);

    // 5.3 SELinux
    let v = if !daemon.selinux {
        Verdict::na("SELinux is not enabled on the daemon (--selinux-enabled)")
    } else if opt("label").any(|l| l == "disable") {
        Verdict::warn_fix("HostConfig.SecurityOpt: label=disable", "Remove --security-opt label=disable")
    } else {
        Verdict::Pass
    };
    record("ctr-selinux", "HostConfig.SecurityOpt", v);

    // 5.4 capabilities
    let cap_add: Vec<String> = strings(hc("CapAdd")).into_iter().map(cap_name).collect();
    let cap_drop: Vec<String> = strings(hc("CapDrop")).into_iter().map(cap_name).collect();
    let drops_all = cap_drop.iter().any(|c| c == "ALL");
    let v = match (cap_add.is_empty(), drops_all) {
        (true, true) => Verdict::Pass,
        (false, _) => Verdict::warn_fix(
            format!("HostConfig.CapAdd: {}", cap_add.join(", ")),
            format!(
                "Run with --cap-drop ALL and remove --cap-add {} unless the process needs it (compose: cap_drop: [ALL], cap_add)",
                cap_add.join(" --cap-add ")
            ),
        ),
        (true, false) => Verdict::warn_fix(
            "HostConfig.CapDrop does not drop ALL: the default capability set is kept",
            "Run with --cap-drop ALL and --cap-add only what the process needs (compose: cap_drop: [ALL])",
        ),
    };
    record("ctr-capabilities", if cap_add.is_empty() { "HostConfig.CapDrop" } else { "HostConfig.CapAdd" }, v);

    // 5.5 privileged
    let v = if privileged {
        Verdict::warn_fix("HostConfig.Privileged: true", "Remove --privileged (compose: privileged: true)")
    } else {
        Verdict::Pass
    };
    record("ctr-privileged", "HostConfig.Privileged", v);

    // 5.6 sensitive host directories, and 5.32 the Docker socket
    let all_mounts = mounts(c);
    let sensitive: Vec<String> = all_mounts
        .iter()
        .filter(|m| m.kind == "bind" || m.kind.is_empty())
        .filter(|m| !is_docker_socket(m.source))
        .filter(|m| {
            SENSITIVE_DIRS.iter().any(|d| m.source.trim_end_matches('/') == d.trim_end_matches('/'))
                || (m.rw && SENSITIVE_DIRS.iter().filter(|d| **d != "/").any(|d| under(m.source, d)))
        })
        .map(|m| format!("{}:{} ({})", m.source, m.destination, if m.rw { "read-write" } else { "read-only" }))
        .collect();
    let v = if sensitive.is_empty() {
        Verdict::Pass
    } else {
        Verdict::warn_fix(
            format!("Mounts: {}", sensitive.join(", ")),
            "Remove the bind mount (-v SRC:DST), or mount only the subdirectory needed, read-only (-v SRC:DST:ro; compose: volumes with :ro)",
        )
    };
    record("ctr-sensitive-mounts", "Mounts", v);

    // 5.7 sshd
    let commands = top_column(facts.top.as_ref(), &["COMMAND", "CMD", "COMM"]);
    let v = match &commands {
        None => Verdict::na(if running { "the processes could not be listed" } else { "not running" }),
        Some(cmds) if cmds.iter().any(|c| c.rsplit('/').next().is_some_and(|n| n == "sshd")) => {
            Verdict::warn("a process named sshd runs in the container")
        }
        Some(_) => Verdict::Pass,
    };
    record("ctr-sshd", "processes", v);

    // 5.8 privileged ports, 5.9 open ports, 5.14 bind interface
    let ports = published(c);
    let low: Vec<String> =
        ports.iter().filter(|(_, _, hp)| hp.parse::<u32>().is_ok_and(|p| p > 0 && p < 1024)).map(bind_text).collect();
    let v = if low.is_empty() {
        Verdict::Pass
    } else {
        Verdict::warn_fix(
            format!("privileged host ports: {}", low.join(", ")),
            "Publish on a host port of 1024 or above (-p 8080:80; compose: ports)",
        )
    };
    record("ctr-privileged-ports", "HostConfig.PortBindings", v);
    let v = if ports.is_empty() {
        Verdict::Pass
    } else {
        let list: Vec<String> = ports.iter().map(bind_text).collect();
        Verdict::manual(format!("published: {}; check each is needed", list.join(", ")))
    };
    record("ctr-open-ports", "NetworkSettings.Ports", v);
    let wide: Vec<String> =
        ports.iter().filter(|(_, ip, _)| matches!(ip.as_str(), "" | "0.0.0.0" | "::")).map(bind_text).collect();
    let v = if wide.is_empty() {
        Verdict::Pass
    } else {
        Verdict::warn_fix(
            format!("bound to every interface: {}", wide.join(", ")),
            "Bind to one interface: -p 127.0.0.1:HOSTPORT:PORT (compose: ports: [\"127.0.0.1:HOSTPORT:PORT\"])",
        )
    };
    record("ctr-port-bind-interface", "HostConfig.PortBindings", v);

    // 5.10 host network
    let network_mode = hc_str("NetworkMode");
    let v = if network_mode == "host" {
        Verdict::warn_fix("HostConfig.NetworkMode: host", "Remove --network host (compose: network_mode: host)")
    } else {
        Verdict::Pass
    };
    record("ctr-host-network", "HostConfig.NetworkMode", v);

    // 5.11 memory, 5.12 CPU
    let v = if hc_i64("Memory") > 0 {
        Verdict::Pass
    } else {
        Verdict::warn_fix("HostConfig.Memory: 0 (no limit)", "Set --memory, e.g. --memory 512m (compose: mem_limit)")
    };
    record("ctr-memory-limit", "HostConfig.Memory", v);
    let shares = hc_i64("CpuShares");
    let v = if hc_i64("NanoCpus") > 0 || hc_i64("CpuQuota") > 0 || (shares > 0 && shares != 1024) {
        Verdict::Pass
    } else {
        Verdict::warn_fix(
            "HostConfig.NanoCpus, CpuQuota and CpuShares unset: no CPU limit or priority",
            "Set --cpus (e.g. --cpus 1.5) or --cpu-shares (compose: cpus, cpu_shares)",
        )
    };
    record("ctr-cpu-shares", "HostConfig.NanoCpus", v);

    // 5.13 read-only root filesystem
    let v = if hc("ReadonlyRootfs").and_then(Value::as_bool).unwrap_or(false) {
        Verdict::Pass
    } else {
        Verdict::warn_fix("HostConfig.ReadonlyRootfs: false", "Run with --read-only (compose: read_only: true)")
    };
    record("ctr-readonly-rootfs", "HostConfig.ReadonlyRootfs", v);

    // 5.15 restart policy
    let policy = c.pointer("/HostConfig/RestartPolicy/Name").and_then(Value::as_str).unwrap_or_default();
    let retries = c.pointer("/HostConfig/RestartPolicy/MaximumRetryCount").and_then(Value::as_i64).unwrap_or(0);
    let v = match policy {
        "always" | "unless-stopped" => Verdict::warn_fix(
            format!("HostConfig.RestartPolicy.Name: {policy}"),
            "Use --restart on-failure:5 (compose: restart: on-failure:5)",
        ),
        "on-failure" if retries == 0 || retries > 5 => Verdict::warn_fix(
            format!("HostConfig.RestartPolicy: on-failure, MaximumRetryCount {retries}"),
            "Use --restart on-failure:5 (compose: restart: on-failure:5)",
        ),
        _ => Verdict::Pass,
    };
    record("ctr-restart-on-failure", "HostConfig.RestartPolicy", v);

    // 5.16 PID, 5.17 IPC, 5.21 UTS, 5.31 user namespaces of the host
    for (concept, key, flag, compose) in [
        ("ctr-host-pid", "PidMode", "--pid host", "pid: host"),
        ("ctr-host-ipc", "IpcMode", "--ipc host", "ipc: host"),
        ("ctr-host-uts", "UTSMode", "--uts host", "uts: host"),
        ("ctr-host-userns", "UsernsMode", "--userns host", "userns_mode: host"),
    ] {
        let v = if hc_str(key) == "host" {
            Verdict::warn_fix(format!("HostConfig.{key}: host"), format!("Remove {flag} (compose: {compose})"))
        } else {
            Verdict::Pass
        };
        record(concept, &format!("HostConfig.{key}"), v);
    }

    // 5.18 host devices
    let devices: Vec<String> = hc("Devices")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|d| {
            let s = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or_default();
            format!("{}:{}:{}", s("PathOnHost"), s("PathInContainer"), s("CgroupPermissions"))
        })
        .collect();
    let v = if privileged {
        Verdict::warn("HostConfig.Privileged: true gives every host device")
    } else if devices.is_empty() {
        Verdict::Pass
    } else {
        Verdict::warn_fix(
            format!("HostConfig.Devices: {}", devices.join(", ")),
            "Remove --device, or give it without mknod and write: --device SRC:DST:r (compose: devices)",
        )
    };
    record("ctr-host-devices", "HostConfig.Devices", v);

    // 5.19 ulimits
    let v = if hc("Ulimits").and_then(Value::as_array).is_some_and(|u| !u.is_empty()) {
        Verdict::Pass
    } else {
        Verdict::manual("HostConfig.Ulimits unset: the daemon's default ulimits apply; check they suit this container")
    };
    record("ctr-ulimit", "HostConfig.Ulimits", v);

    // 5.20 mount propagation
    let shared: Vec<String> = all_mounts
        .iter()
        .filter(|m| matches!(m.propagation, "shared" | "rshared"))
        .map(|m| format!("{}:{} ({})", m.source, m.destination, m.propagation))
        .collect();
    let v = if shared.is_empty() {
        Verdict::Pass
    } else {
        Verdict::warn_fix(
            format!("Mounts propagation: {}", shared.join(", ")),
            "Use private propagation: drop :shared/:rshared (--mount bind-propagation=rprivate; compose: bind.propagation)",
        )
    };
    record("ctr-mount-propagation-shared", "Mounts", v);

    // 5.22 seccomp
    let seccomp: Vec<&str> = opt("seccomp").collect();
    let v = if seccomp.contains(&"unconfined") {
        Verdict::warn_fix(
            "HostConfig.SecurityOpt: seccomp=unconfined",
            "Remove --security-opt seccomp=unconfined (compose: security_opt)",
        )
    } else if privileged {
        Verdict::warn("HostConfig.Privileged: true runs without seccomp filtering")
    } else if let Some(profile) = seccomp.iter().find(|p| p.trim_start().starts_with('{')) {
        custom_profile_verdict(profile)
    } else {
        Verdict::Pass
    };
    record("ctr-seccomp-unconfined", "HostConfig.SecurityOpt", v);

    // 5.23, 5.24 exec sessions
    let privileged_execs: Vec<&str> = facts
        .execs
        .iter()
        .filter(|e| e.pointer("/ProcessConfig/privileged").and_then(Value::as_bool).unwrap_or(false))
        .filter_map(|e| e.get("ID").and_then(Value::as_str))
        .collect();
    let v = if privileged_execs.is_empty() {
        Verdict::Pass
    } else {
        Verdict::warn(format!("exec sessions with --privileged: {}", short_ids(&privileged_execs)))
    };
    record("ctr-exec-privileged", "ExecIDs", v);
    let root_execs: Vec<&str> = facts
        .execs
        .iter()
        .filter(|e| {
            e.pointer("/ProcessConfig/user").and_then(Value::as_str).is_some_and(|u| is_root_user(u) && !u.is_empty())
        })
        .filter_map(|e| e.get("ID").and_then(Value::as_str))
        .collect();
    let v = if root_execs.is_empty() {
        Verdict::manual(
            "the daemon forgets exec sessions once they end: check its audit log (ausearch -k docker) for exec with --user root",
        )
    } else {
        Verdict::warn(format!("exec sessions with --user root: {}", short_ids(&root_execs)))
    };
    record("ctr-exec-user-root", "ExecIDs", v);

    // 5.25 cgroup parent
    let parent = hc_str("CgroupParent");
    let v = if parent.is_empty() {
        Verdict::Pass
    } else {
        Verdict::manual(format!("HostConfig.CgroupParent: {parent}; confirm the container belongs under it"))
    };
    record("ctr-cgroup-parent", "HostConfig.CgroupParent", v);

    // 5.26 no-new-privileges
    let nnp = opts.iter().any(|(k, v)| k == "no-new-privileges" && (v.is_empty() || v == "true"));
    let v = if nnp || daemon.no_new_privileges {
        Verdict::Pass
    } else {
        Verdict::warn_fix(
            "HostConfig.SecurityOpt has no no-new-privileges",
            "Run with --security-opt no-new-privileges (compose: security_opt: [\"no-new-privileges:true\"])",
        )
    };
    record("ctr-no-new-privileges", "HostConfig.SecurityOpt", v);

    // 5.27 health
    let test = strings(c.pointer("/Config/Healthcheck/Test"));
    let health = c.pointer("/State/Health/Status").and_then(Value::as_str).unwrap_or_default();
    let v = if test.is_empty() || test == ["NONE"] {
        Verdict::warn_fix(
            "Config.Healthcheck: none",
            "Add --health-cmd to docker run or HEALTHCHECK to the image (compose: healthcheck)",
        )
    } else if health == "unhealthy" {
        Verdict::warn("State.Health.Status: unhealthy")
    } else {
        Verdict::Pass
    };
    record("ctr-health-checked", "Config.Healthcheck", v);

    // 5.28 latest image
    let image_id = c.get("Image").and_then(Value::as_str).unwrap_or_default();
    record(
        "ctr-latest-image",
        "Image",
        Verdict::manual(format!(
            "runs {image_id}; check that {image} names no newer image (docker pull {image}, then recreate)"
        )),
    );

    // 5.29 PIDs limit
    let v = if hc_i64("PidsLimit") > 0 {
        Verdict::Pass
    } else {
        Verdict::warn_fix(
            "HostConfig.PidsLimit: unset",
            "Set --pids-limit, e.g. --pids-limit 200 (compose: pids_limit)",
        )
    };
    record("ctr-pids-limit", "HostConfig.PidsLimit", v);

    // 5.30 default bridge
    let on_bridge = matches!(network_mode, "default" | "bridge")
        || c.pointer("/NetworkSettings/Networks/bridge").is_some_and(|n| !n.is_null());
    let v = if on_bridge {
        Verdict::warn_fix(
            format!("HostConfig.NetworkMode: {network_mode} (the default bridge docker0)"),
            "Run on a user-defined network: docker network create NET; --network NET (compose: networks)",
        )
    } else {
        Verdict::Pass
    };
    record("ctr-default-bridge", "HostConfig.NetworkMode", v);

    // 5.32 Docker socket
    let sockets: Vec<String> = all_mounts
        .iter()
        .filter(|m| is_docker_socket(m.source) || is_docker_socket(m.destination))
        .map(|m| format!("{}:{} ({})", m.source, m.destination, if m.rw { "read-write" } else { "read-only" }))
        .collect();
    let v = if sockets.is_empty() {
        Verdict::Pass
    } else {
        Verdict::warn_fix(
            format!("Mounts: {}", sockets.join(", ")),
            "Remove -v /var/run/docker.sock:… (compose: volumes)",
        )
    };
    record("ctr-docker-socket", "Mounts", v);

    // C.5.3.1–4 single capabilities
    for (concept, cap) in CAP_CHECKS {
        let v = if privileged {
            Verdict::warn(format!("HostConfig.Privileged: true holds CAP_{cap}"))
        } else if cap_add.iter().any(|c| c == cap || c == "ALL") {
            Verdict::warn_fix(format!("HostConfig.CapAdd: {}", cap_add.join(", ")), format!("Remove --cap-add {cap}"))
        } else {
            Verdict::Pass
        };
        record(concept, "HostConfig.CapAdd", v);
    }

    // hullguard: image pinned by digest, root user
    let v = if image.contains("@sha256:") {
        Verdict::Pass
    } else {
        Verdict::warn(format!("Config.Image: {image} (a tag; runs {image_id})"))
    };
    record("hg-ctr-image-digest", "Config.Image", v);
    let user = c.pointer("/Config/User").and_then(Value::as_str).unwrap_or_default();
    let uids = top_column(facts.top.as_ref(), &["UID"]);
    let root_procs = uids.as_ref().map_or(0, |u| u.iter().filter(|u| u.as_str() == "0").count());
    let v = if is_root_user(user) {
        let shown = if user.is_empty() { "empty (root)" } else { user };
        let procs = if root_procs > 0 { format!("; {root_procs} process(es) run as uid 0") } else { String::new() };
        Verdict::warn(format!("Config.User: {shown}{procs}"))
    } else if root_procs > 0 {
        Verdict::warn(format!("Config.User: {user}, but {root_procs} process(es) run as uid 0"))
    } else {
        Verdict::Pass
    };
    record("hg-ctr-user-root", "Config.User", v);
    audit
}

/// The verdict on a container's own seccomp profile (`--security-opt seccomp=profile.json`: the
/// Engine keeps the profile's text).
fn custom_profile_verdict(profile: &str) -> Verdict {
    match crate::seccomp::audit_profile(profile.as_bytes(), "seccomp profile") {
        Ok(a) if a.findings.is_empty() => Verdict::Pass,
        Ok(a) => {
            let problems: Vec<String> =
                a.findings.iter().map(|f| format!("{} {}", f.id, f.evidence.as_deref().unwrap_or_default())).collect();
            Verdict::warn_fix(
                format!("custom seccomp profile: {}", problems.join("; ")),
                "Tighten the profile (hullguard seccomp audit PROFILE.json) or use Docker's default",
            )
        }
        Err(e) => Verdict::warn(format!("custom seccomp profile cannot be read: {e}")),
    }
}

fn short_ids(ids: &[&str]) -> String {
    ids.iter().map(|i| i.chars().take(12).collect::<String>()).collect::<Vec<_>>().join(", ")
}

/// Whether a `Config.User` or exec user is root: empty, `root`, `0`, with any group.
fn is_root_user(user: &str) -> bool {
    let u = user.split(':').next().unwrap_or_default().trim();
    u.is_empty() || u == "root" || u == "0"
}

/// The values of the first of `titles` that `/top` has, one per process.
fn top_column(top: Option<&Value>, titles: &[&str]) -> Option<Vec<String>> {
    let top = top?;
    let names = strings(top.get("Titles"));
    let i = titles.iter().find_map(|t| names.iter().position(|n| n == t))?;
    let rows = top.get("Processes").and_then(Value::as_array)?;
    Some(
        rows.iter()
            .filter_map(|r| r.as_array().and_then(|r| r.get(i)).and_then(Value::as_str).map(str::to_owned))
            .collect(),
    )
}

/// The checks of section 5 and 6 about the daemon as a whole: swarm mode (5.1), image and
/// container sprawl (6.1, 6.2).
#[must_use]
pub fn check_daemon(info: &Value) -> Audit {
    let mut audit = Audit::default();
    let at = |field: &str| Location::Host { source: "engine /info".to_owned(), field: Some(field.to_owned()) };
    let swarm = info.pointer("/Swarm/LocalNodeState").and_then(Value::as_str).unwrap_or_default();
    let v = if matches!(swarm, "active" | "pending" | "locked") {
        Verdict::warn(format!("Swarm.LocalNodeState: {swarm}"))
    } else {
        Verdict::Pass
    };
    audit.record("ctr-swarm-mode", "daemon", &at("Swarm.LocalNodeState"), v);
    let n = |k: &str| info.get(k).and_then(Value::as_i64).unwrap_or(0);
    audit.record(
        "ops-image-sprawl",
        "daemon",
        &at("Images"),
        Verdict::manual(format!(
            "{} images on the host; remove those no container needs (docker image prune)",
            n("Images")
        )),
    );
    audit.record(
        "ops-container-sprawl",
        "daemon",
        &at("Containers"),
        Verdict::manual(format!(
            "{} containers, {} running, {} stopped; remove those not needed (docker container prune)",
            n("Containers"),
            n("ContainersRunning"),
            n("ContainersStopped")
        )),
    );
    audit
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use hullguard_report::CheckStatus;

    /// A container that passes every automated check (as `docker run` of the hardened flags on a
    /// user network, with a healthcheck, by digest).
    fn hardened() -> Value {
        json!({
            "Id": "0123456789abcdef0123", "Name": "/web", "Image": "sha256:feed",
            "State": {"Running": true, "Health": {"Status": "healthy"}},
            "AppArmorProfile": "docker-default",
            "Config": {"Image": "registry.example/web@sha256:feed", "User": "1000:1000",
                       "Healthcheck": {"Test": ["CMD", "true"]}},
            "HostConfig": {"CapDrop": ["ALL"], "ReadonlyRootfs": true, "SecurityOpt": ["no-new-privileges"],
                           "Memory": 67108864, "PidsLimit": 64, "NanoCpus": 500000000, "NetworkMode": "appnet",
                           "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 5},
                           "Ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 1024}],
                           "PortBindings": {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}},
            "Mounts": [{"Type": "bind", "Source": "/etc/ssl/certs", "Destination": "/certs", "RW": false, "Propagation": "rprivate"}]
        })
    }

    fn top(rows: &[(&str, &str)]) -> Value {
        json!({"Titles": ["PID", "UID", "COMMAND"],
               "Processes": rows.iter().map(|(uid, cmd)| json!(["1", uid, cmd])).collect::<Vec<_>>()})
    }

    const SECURE: DaemonContext =
        DaemonContext { apparmor: true, selinux: true, rootless: false, no_new_privileges: false };

    fn findings(
        inspect: Value,
        top_rows: &[(&str, &str)],
        execs: Vec<Value>,
        ctx: DaemonContext,
    ) -> Vec<(String, String)> {
        let facts = ContainerFacts { inspect, top: Some(top(top_rows)), execs };
        let audit = check(&facts, ctx);
        audit
            .findings
            .iter()
            .filter(|f| f.status == Some(CheckStatus::Warn))
            .map(|f| (f.id.clone(), f.evidence.clone().unwrap_or_default()))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn a_hardened_container_has_no_warning() {
        assert_eq!(findings(hardened(), &[("1000", "app")], vec![], SECURE), pairs(&[]));
    }

    #[test]
    fn apparmor_and_selinux_where_the_daemon_enforces_them() {
        let mut c = hardened();
        c["AppArmorProfile"] = json!("unconfined");
        c["HostConfig"]["SecurityOpt"] = json!(["no-new-privileges:true", "apparmor:unconfined", "label:disable"]);
        assert_eq!(
            findings(c.clone(), &[("1000", "app")], vec![], SECURE),
            pairs(&[
                ("HG-CTR-002", "AppArmorProfile: unconfined"),
                ("HG-CTR-003", "HostConfig.SecurityOpt: label=disable")
            ])
        );
        // Where the daemon has neither, the options change nothing: n/a.
        assert_eq!(findings(c, &[("1000", "app")], vec![], DaemonContext::default()), pairs(&[]));
    }

    #[test]
    fn processes_sshd_root_and_unhealthy() {
        let mut c = hardened();
        c["State"]["Health"]["Status"] = json!("unhealthy");
        assert_eq!(
            findings(c, &[("1000", "app"), ("0", "/usr/sbin/sshd")], vec![], SECURE),
            pairs(&[
                ("HG-CTR-007", "a process named sshd runs in the container"),
                ("HG-CTR-027", "State.Health.Status: unhealthy"),
                ("HG-CTR-040", "Config.User: 1000:1000, but 1 process(es) run as uid 0"),
            ])
        );
    }

    #[test]
    fn exec_sessions_and_the_daemon_wide_no_new_privileges() {
        let mut c = hardened();
        c["HostConfig"]["SecurityOpt"] = json!([]);
        let execs = vec![json!({"ID": "aaaabbbbccccdddd", "ProcessConfig": {"privileged": true, "user": "0"}})];
        assert_eq!(
            findings(c.clone(), &[("1000", "app")], execs, SECURE),
            pairs(&[
                ("HG-CTR-023", "exec sessions with --privileged: aaaabbbbcccc"),
                ("HG-CTR-024", "exec sessions with --user root: aaaabbbbcccc"),
                ("HG-CTR-026", "HostConfig.SecurityOpt has no no-new-privileges"),
            ])
        );
        let daemon_nnp = DaemonContext { no_new_privileges: true, ..SECURE };
        assert_eq!(findings(c, &[("1000", "app")], vec![], daemon_nnp), pairs(&[]));
    }

    #[test]
    fn a_custom_seccomp_profile_is_audited() {
        let mut c = hardened();
        let profile = r#"{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],"syscalls":[{"names":["read","bpf"],"action":"SCMP_ACT_ALLOW"}]}"#;
        c["HostConfig"]["SecurityOpt"] = json!(["no-new-privileges", format!("seccomp={profile}")]);
        assert_eq!(
            findings(c, &[("1000", "app")], vec![], SECURE),
            pairs(&[("HG-CTR-022", "custom seccomp profile: HG-SECCOMP-002 bpf: SCMP_ACT_ALLOW")])
        );
    }

    #[test]
    fn mounts_ports_and_restart_edges() {
        let mut c = hardened();
        c["Mounts"] = json!([
            {"Type": "bind", "Source": "/", "Destination": "/host", "RW": false},
            {"Type": "bind", "Source": "/etc/ssl/certs", "Destination": "/c", "RW": true},
            {"Type": "bind", "Source": "/srv/data", "Destination": "/data", "RW": true, "Propagation": "shared"},
            {"Type": "volume", "Source": "/var/lib/docker/volumes/x/_data", "Destination": "/v", "RW": true},
            {"Type": "bind", "Source": "/run/docker.sock", "Destination": "/docker.sock", "RW": true}
        ]);
        c["HostConfig"]["PortBindings"] = json!({"443/tcp": [{"HostIp": "", "HostPort": "443"}], "9000/tcp": [{"HostIp": "10.0.0.1", "HostPort": ""}]});
        c["HostConfig"]["RestartPolicy"] = json!({"Name": "on-failure", "MaximumRetryCount": 10});
        assert_eq!(
            findings(c, &[("1000", "app")], vec![], SECURE),
            pairs(&[
                ("HG-CTR-006", "Mounts: /:/host (read-only), /etc/ssl/certs:/c (read-write)"),
                ("HG-CTR-008", "privileged host ports: 0.0.0.0:443->443/tcp"),
                ("HG-CTR-014", "bound to every interface: 0.0.0.0:443->443/tcp"),
                ("HG-CTR-015", "HostConfig.RestartPolicy: on-failure, MaximumRetryCount 10"),
                ("HG-CTR-020", "Mounts propagation: /srv/data:/data (shared)"),
                ("HG-CTR-032", "Mounts: /run/docker.sock:/docker.sock (read-write)"),
            ])
        );
    }

    #[test]
    fn daemon_level_checks_of_section_5_and_6() {
        let info = json!({"Swarm": {"LocalNodeState": "active"}, "Images": 7, "Containers": 3, "ContainersRunning": 2, "ContainersStopped": 1});
        let audit = check_daemon(&info);
        let got: Vec<(&str, Option<CheckStatus>, &str)> = audit
            .findings
            .iter()
            .map(|f| (f.id.as_str(), f.status, f.evidence.as_deref().unwrap_or_default()))
            .collect();
        assert_eq!(
            got,
            [
                ("HG-CTR-001", Some(CheckStatus::Warn), "Swarm.LocalNodeState: active"),
                (
                    "HG-CTR-037",
                    Some(CheckStatus::Manual),
                    "7 images on the host; remove those no container needs (docker image prune)"
                ),
                (
                    "HG-CTR-038",
                    Some(CheckStatus::Manual),
                    "3 containers, 2 running, 1 stopped; remove those not needed (docker container prune)"
                ),
            ]
        );
    }
}
