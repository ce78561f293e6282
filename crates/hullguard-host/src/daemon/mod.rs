//! The Docker host and daemon checks (CIS Docker §1 host, §2 daemon configuration, §3 daemon
//! files, §7 swarm, §8 enterprise, docker-bench's C.2): pure functions from the Engine's facts
//! (when it answers) and the host's files to verdicts.
//!
//! A setting is read from the daemon's command line (which wins, as in dockerd) and daemon.json;
//! where the Engine reports the effective value (`/info`: logging driver, storage driver, live
//! restore, insecure registries, security options, authorization plugins) that is used. When
//! neither the command line nor daemon.json is found under the host root, checks that depend on
//! them are `manual`, never a silent pass. A rootless daemon makes the checks that do not apply
//! to it (`userns-remap`, the socket's owner, the docker group) `n/a`.

use hullguard_report::Location;
use serde_json::Value;

use crate::audit::{Audit, Verdict};
use crate::engine::DaemonFacts;
use crate::hostfs::{FileFact, HostFacts, parse_flags};

/// A daemon setting's sources: the command line and daemon.json.
struct Settings<'a> {
    flags: Vec<(String, String)>,
    json: Option<&'a Value>,
    json_path: &'a str,
    args_source: Option<&'a str>,
}

impl Settings<'_> {
    /// The last command-line value of `flag`.
    fn flag(&self, flag: &str) -> Option<&str> {
        self.flags.iter().rev().find(|(n, _)| n == flag).map(|(_, v)| v.as_str())
    }

    fn json(&self, key: &str) -> Option<&Value> {
        self.json.and_then(|j| j.get(key))
    }

    /// A boolean setting: the flag, else the key.
    fn bool(&self, flag: &str, key: &str) -> Option<bool> {
        self.flag(flag).map(|v| v != "false").or_else(|| self.json(key).and_then(Value::as_bool))
    }

    /// A string setting: the flag, else the key.
    fn string(&self, flag: &str, key: &str) -> Option<String> {
        self.flag(flag).map(str::to_owned).or_else(|| self.json(key).and_then(Value::as_str).map(str::to_owned))
    }

    /// A list setting: every flag value and every element of the key.
    fn list(&self, flag: &str, key: &str) -> Vec<String> {
        let mut out: Vec<String> = self.flags.iter().filter(|(n, _)| n == flag).map(|(_, v)| v.clone()).collect();
        match self.json(key) {
            Some(Value::Array(a)) => out.extend(a.iter().filter_map(Value::as_str).map(str::to_owned)),
            Some(Value::Object(o)) => out.extend(o.keys().cloned()),
            Some(Value::String(s)) => out.push(s.clone()),
            _ => {}
        }
        out
    }

    /// Where a setting named `key` is read: the command line when it has the flag, else daemon.json.
    fn at(&self, flag: &str, key: &str) -> Location {
        match (self.flag(flag), self.args_source) {
            (Some(_), Some(source)) => Location::Host { source: source.to_owned(), field: Some(format!("--{flag}")) },
            _ => Location::Host { source: self.json_path.to_owned(), field: Some(key.to_owned()) },
        }
    }
}

/// Everything the checks read.
struct Ctx<'a> {
    engine: Option<&'a DaemonFacts>,
    host: &'a HostFacts,
    settings: Settings<'a>,
    /// The daemon's configuration was found (command line or daemon.json), so unset means default.
    known: bool,
    rootless: bool,
    swarm_active: bool,
}

impl Ctx<'_> {
    fn info(&self, pointer: &str) -> Option<&Value> {
        self.engine.and_then(|e| e.info.pointer(pointer))
    }

    fn security_options(&self) -> Vec<&str> {
        self.info("/SecurityOptions")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// Whether the Engine's security options name `name` (`name=userns`).
    fn security_option(&self, name: &str) -> Option<&str> {
        self.security_options().into_iter().find(|o| o.split(',').any(|kv| kv == format!("name={name}")))
    }

    /// The verdict when a setting is not set: `if_known` when the configuration was read (so the
    /// default applies), else manual with what to check.
    fn unset(&self, if_known: Verdict, what: &str) -> Verdict {
        if self.known {
            if_known
        } else {
            Verdict::manual(format!(
                "no dockerd command line or daemon.json under {}: check {what}",
                self.host.root.display()
            ))
        }
    }
}

fn engine_at(field: &str) -> Location {
    Location::Host { source: "engine /info".to_owned(), field: Some(field.to_owned()) }
}

fn file_at(path: &str) -> Location {
    Location::Host { source: path.to_owned(), field: None }
}

/// The `host` input document of custom policies (docs/policy.md): what the Engine says of
/// itself (`engine`, null without it) and what the host's files say (`host`).
#[must_use]
pub fn policy_input(engine: Option<&DaemonFacts>, host: &HostFacts) -> Value {
    serde_json::json!({
        "schema_version": 1,
        "engine": engine.map(|e| serde_json::json!({
            "host": e.host,
            "api_version": e.api_version,
            "info": e.info,
            "version": e.version,
            "plugins": e.plugins,
        })),
        "host": {
            "root": host.root.display().to_string(),
            "dockerd_args": host.dockerd_args,
            "args_source": host.args_source,
            "daemon_json_path": host.daemon_json_path,
            "daemon_json": host.daemon_json,
            "docker_service": host.docker_service,
            "docker_socket_unit": host.docker_socket_unit,
            "socket_listen": host.socket_listen,
            "audit_rules": host.audit_rules,
            "mount_points": host.mount_points,
            "docker_group": host.docker_group.as_ref().map(|(gid, members)| serde_json::json!({"gid": gid, "members": members})),
        },
    })
}

/// Checks the daemon and host: `engine` when the Engine answered, `host` the files of its host.
#[must_use]
pub fn check(engine: Option<&DaemonFacts>, host: &HostFacts) -> Audit {
    let settings = Settings {
        flags: parse_flags(&host.dockerd_args),
        json: host.daemon_json.as_ref(),
        json_path: &host.daemon_json_path,
        args_source: host.args_source.as_deref(),
    };
    let known = host.args_source.is_some() || host.daemon_json.is_some();
    let rootless = engine.is_some_and(|e| {
        e.info
            .get("SecurityOptions")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().filter_map(Value::as_str).any(|o| o.split(',').any(|kv| kv == "name=rootless")))
    }) || settings.bool("rootless", "rootless") == Some(true);
    let swarm_active = engine.is_some_and(|e| {
        matches!(e.info.pointer("/Swarm/LocalNodeState").and_then(Value::as_str), Some("active" | "locked" | "pending"))
    });
    let ctx = Ctx { engine, host, settings, known, rootless, swarm_active };
    let mut audit = Audit::default();
    host_section(&ctx, &mut audit);
    daemon_section(&ctx, &mut audit);
    files_section(&ctx, &mut audit);
    swarm_section(&ctx, &mut audit);
    enterprise_section(&ctx, &mut audit);
    audit.warnings.extend(host.warnings.iter().cloned());
    audit
}

/// The files CIS 1.1.3–1.1.18 want audit rules for, by concept; `None`: the unit found.
const AUDITED: &[(&str, Option<&str>)] = &[
    ("host-audit-dockerd", None),
    ("host-audit-run-containerd", Some("/run/containerd")),
    ("host-audit-var-lib-docker", Some("/var/lib/docker")),
    ("host-audit-etc-docker", Some("/etc/docker")),
    ("host-audit-docker-service", None),
    ("host-audit-containerd-sock", Some("/run/containerd/containerd.sock")),
    ("host-audit-docker-socket", None),
    ("host-audit-etc-default-docker", Some("/etc/default/docker")),
    ("host-audit-daemon-json", Some("/etc/docker/daemon.json")),
    ("host-audit-containerd-config", Some("/etc/containerd/config.toml")),
    ("host-audit-etc-sysconfig-docker", Some("/etc/sysconfig/docker")),
    ("host-audit-usr-bin-containerd", Some("/usr/bin/containerd")),
    ("host-audit-containerd-shim", Some("/usr/bin/containerd-shim")),
    ("host-audit-containerd-shim-runc-v1", Some("/usr/bin/containerd-shim-runc-v1")),
    ("host-audit-containerd-shim-runc-v2", Some("/usr/bin/containerd-shim-runc-v2")),
    ("host-audit-runc", Some("/usr/bin/runc")),
];

/// Whether an audit rule watches `path` (`-w PATH` or `-F path=PATH` / `dir=PATH`).
fn audited(rules: &[String], path: &str) -> bool {
    rules.iter().any(|r| {
        let words: Vec<&str> = r.split_whitespace().collect();
        words.windows(2).any(|w| w[0] == "-w" && w[1].trim_end_matches('/') == path)
            || words.iter().any(|w| *w == format!("path={path}") || *w == format!("dir={path}"))
    })
}

fn host_section(ctx: &Ctx<'_>, audit: &mut Audit) {
    let host = ctx.host;
    // 1.1.1 data root on its own partition
    let data_root = ctx
        .info("/DockerRootDir")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| ctx.settings.string("data-root", "data-root"))
        .unwrap_or_else(|| "/var/lib/docker".to_owned());
    let v = match &host.mount_points {
        None => Verdict::manual(format!(
            "{}/proc/mounts unreadable: check that {data_root} is its own partition",
            host.root.display()
        )),
        Some(points) => {
            let mount = points
                .iter()
                .filter(|m| {
                    let m = m.trim_end_matches('/');
                    m.is_empty() || data_root == m || data_root.starts_with(&format!("{m}/"))
                })
                .max_by_key(|m| m.len())
                .map_or("/", String::as_str);
            if mount == "/" { Verdict::warn(format!("{data_root} is on the root partition")) } else { Verdict::Pass }
        }
    };
    audit.record("host-docker-partition", "host", &file_at(&data_root), v);
    // 1.1.2 docker group
    let v = match (&host.docker_group, ctx.rootless) {
        (_, true) => Verdict::na("rootless daemon: its socket belongs to its user, not the docker group"),
        (None, false) => Verdict::na("no docker group in /etc/group"),
        (Some((_, members)), false) if members.is_empty() => Verdict::Pass,
        (Some((_, members)), false) => Verdict::manual(format!(
            "docker group members (root-equivalent): {}; check each is trusted",
            members.join(", ")
        )),
    };
    audit.record("host-docker-group-users", "host", &file_at("/etc/group"), v);
    // 1.1.3–1.1.18 audit rules
    let dockerd = ["/usr/bin/dockerd", "/usr/sbin/dockerd", "/usr/local/bin/dockerd"]
        .into_iter()
        .find(|p| host.stat(p).is_some())
        .map(str::to_owned);
    for (concept, path) in AUDITED {
        let path: Option<String> = match (*concept, path) {
            (_, Some(p)) => host.stat(p).map(|_| (*p).to_owned()),
            ("host-audit-dockerd", None) => dockerd.clone(),
            ("host-audit-docker-service", None) => host.docker_service.clone(),
            _ => host.docker_socket_unit.clone(),
        };
        let Some(path) = path else {
            let what = path.map_or_else(|| concept.trim_start_matches("host-audit-").to_owned(), |p| (*p).to_owned());
            audit.record(concept, "host", &file_at(&what), Verdict::na(format!("{what} does not exist on the host")));
            continue;
        };
        let v = match &host.audit_rules {
            None => Verdict::warn_fix(
                "no audit rules on the host (/etc/audit/audit.rules, /etc/audit/rules.d)",
                format!("Install auditd and add '-w {path} -k docker' to /etc/audit/rules.d/docker.rules"),
            ),
            Some(rules) if audited(rules, &path) => Verdict::Pass,
            Some(_) => Verdict::warn_fix(
                format!("no audit rule watches {path}"),
                format!("Add '-w {path} -k docker' to /etc/audit/rules.d/docker.rules and run augenrules --load"),
            ),
        };
        audit.record(concept, "host", &file_at(&path), v);
    }
    // 1.2.1, 1.2.2
    audit.record(
        "host-hardened",
        "host",
        &file_at("/"),
        Verdict::manual("harden the host after your OS's CIS benchmark; hullguard does not audit the OS"),
    );
    let version = ctx.engine.and_then(|e| e.version.get("Version")).and_then(Value::as_str);
    let v = Verdict::manual(match version {
        Some(v) => format!("Engine {v}: check it is a supported release with current security fixes"),
        None => "the Engine did not answer: check its version (docker version)".to_owned(),
    });
    audit.record("host-docker-up-to-date", "host", &engine_at("ServerVersion"), v);
}

#[allow(clippy::too_many_lines)] // one verdict per recommendation, in CIS order
fn daemon_section(ctx: &Ctx<'_>, audit: &mut Audit) {
    let s = &ctx.settings;
    let mut record = |concept: &str, at: Location, v: Verdict| audit.record(concept, "daemon", &at, v);
    // 2.1 rootless
    let v = if ctx.rootless {
        Verdict::Pass
    } else if ctx.engine.is_some() {
        Verdict::manual("the daemon runs as root: consider rootless mode where its limits are acceptable")
    } else {
        Verdict::manual("the Engine did not answer: check whether the daemon runs rootless (docker info)")
    };
    record("daemon-rootless", engine_at("SecurityOptions"), v);
    // 2.2 icc
    let v = match s.bool("icc", "icc") {
        Some(false) => Verdict::Pass,
        Some(true) => Verdict::warn("icc: true"),
        None => ctx.unset(Verdict::warn("icc is not set: the default bridge lets containers talk (true)"), "icc"),
    };
    record("daemon-icc", s.at("icc", "icc"), v);
    // 2.3 log level
    let level = s
        .string("log-level", "log-level")
        .or_else(|| (s.bool("debug", "debug") == Some(true)).then(|| "debug".to_owned()));
    let v = match level.as_deref() {
        Some("info") => Verdict::Pass,
        Some(l) => Verdict::warn_fix(format!("log-level: {l}"), "Set \"log-level\": \"info\" (or remove it)"),
        None => ctx.unset(Verdict::Pass, "log-level"),
    };
    record("daemon-log-level", s.at("log-level", "log-level"), v);
    // 2.4 iptables
    let v = match s.bool("iptables", "iptables") {
        Some(false) => Verdict::warn("iptables: false"),
        Some(true) => Verdict::Pass,
        None => ctx.unset(Verdict::Pass, "iptables"),
    };
    record("daemon-iptables", s.at("iptables", "iptables"), v);
    // 2.5 insecure registries
    let v = if let Some(registry) = ctx.info("/RegistryConfig") {
        let mut insecure: Vec<String> = registry
            .get("InsecureRegistryCIDRs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|c| *c != "127.0.0.0/8" && *c != "::1/128")
            .map(str::to_owned)
            .collect();
        for (name, index) in registry.get("IndexConfigs").and_then(Value::as_object).into_iter().flatten() {
            if index.get("Secure").and_then(Value::as_bool) == Some(false)
                && !name.starts_with("127.")
                && !name.starts_with("localhost")
            {
                insecure.push(name.clone());
            }
        }
        insecure.sort();
        insecure.dedup();
        if insecure.is_empty() {
            Verdict::Pass
        } else {
            Verdict::warn(format!("insecure registries: {}", insecure.join(", ")))
        }
    } else {
        let list = s.list("insecure-registry", "insecure-registries");
        if list.is_empty() {
            ctx.unset(Verdict::Pass, "insecure-registries")
        } else {
            Verdict::warn(format!("insecure-registries: {}", list.join(", ")))
        }
    };
    let at = if ctx.engine.is_some() {
        engine_at("RegistryConfig.InsecureRegistryCIDRs")
    } else {
        s.at("insecure-registry", "insecure-registries")
    };
    record("daemon-insecure-registries", at, v);
    // 2.6 aufs
    let driver = ctx
        .info("/Driver")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| s.string("storage-driver", "storage-driver"));
    let v = match driver.as_deref() {
        Some("aufs") => Verdict::warn("storage driver: aufs"),
        Some(_) => Verdict::Pass,
        None => ctx.unset(Verdict::Pass, "storage-driver"),
    };
    record(
        "daemon-aufs",
        if ctx.engine.is_some() { engine_at("Driver") } else { s.at("storage-driver", "storage-driver") },
        v,
    );
    // 2.7 TLS
    let mut hosts = s.list("host", "hosts");
    hosts.extend(ctx.host.socket_listen.iter().filter(|l| !l.starts_with('/')).map(|l| format!("tcp://{l}")));
    let tcp: Vec<&String> = hosts.iter().filter(|h| h.starts_with("tcp://") || h.starts_with("http://")).collect();
    let tls_material =
        ["tlscacert", "tlscert", "tlskey"].into_iter().filter(|k| s.string(k, k).is_none()).collect::<Vec<_>>();
    let v = if tcp.is_empty() {
        ctx.unset(Verdict::Pass, "hosts")
    } else if s.bool("tlsverify", "tlsverify") == Some(true) && tls_material.is_empty() {
        Verdict::Pass
    } else {
        let missing = if s.bool("tlsverify", "tlsverify") == Some(true) {
            format!("without {}", tls_material.join(", "))
        } else {
            "without --tlsverify".to_owned()
        };
        Verdict::warn(format!("listens on {} {missing}", tcp.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(", ")))
    };
    record("daemon-tls", s.at("host", "hosts"), v);
    // 2.8 default ulimits
    let v = if s.list("default-ulimit", "default-ulimits").is_empty() {
        Verdict::manual("no default-ulimits: the daemon's own limits apply to every container; check they suit")
    } else {
        Verdict::Pass
    };
    record("daemon-default-ulimit", s.at("default-ulimit", "default-ulimits"), v);
    // 2.9 user namespaces
    let v = if ctx.rootless {
        Verdict::na("rootless daemon: containers already run in the daemon user's namespace")
    } else if ctx.security_option("userns").is_some()
        || s.string("userns-remap", "userns-remap").is_some_and(|u| !u.is_empty())
    {
        Verdict::Pass
    } else if ctx.engine.is_some() || ctx.known {
        Verdict::warn("userns-remap is not set: root in a container is root on the host")
    } else {
        ctx.unset(Verdict::Pass, "userns-remap")
    };
    record("daemon-userns-remap", s.at("userns-remap", "userns-remap"), v);
    // 2.10 cgroup parent
    let v = match s.string("cgroup-parent", "cgroup-parent") {
        Some(p) => Verdict::manual(format!("cgroup-parent: {p}; confirm every container belongs under it")),
        None => ctx.unset(Verdict::Pass, "cgroup-parent"),
    };
    record("daemon-cgroup-parent", s.at("cgroup-parent", "cgroup-parent"), v);
    // 2.11 base device size
    let opts = s.list("storage-opt", "storage-opts");
    let v = if let Some(o) = opts.iter().find(|o| o.starts_with("dm.basesize")) {
        Verdict::warn(format!("storage-opts: {o}"))
    } else if driver.as_deref().is_some_and(|d| d != "devicemapper") {
        Verdict::na(format!("storage driver {} is not devicemapper", driver.as_deref().unwrap_or_default()))
    } else {
        ctx.unset(Verdict::Pass, "storage-opts")
    };
    record("daemon-base-device-size", s.at("storage-opt", "storage-opts"), v);
    // 2.12 authorization plugins
    let engine_authz: Vec<&str> = ctx
        .info("/Plugins/Authorization")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let v = if !engine_authz.is_empty() || !s.list("authorization-plugin", "authorization-plugins").is_empty() {
        Verdict::Pass
    } else if ctx.engine.is_some() || ctx.known {
        Verdict::warn("no authorization plugin: every client of the socket may do anything")
    } else {
        ctx.unset(Verdict::Pass, "authorization-plugins")
    };
    record("daemon-authz-plugin", engine_at("Plugins.Authorization"), v);
    // 2.13 remote logging
    let log_driver = ctx
        .info("/LoggingDriver")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| s.string("log-driver", "log-driver"))
        .or_else(|| ctx.known.then(|| "json-file".to_owned()));
    let v = match log_driver.as_deref() {
        Some(d @ ("json-file" | "local" | "none" | "")) => {
            Verdict::warn(format!("log-driver: {d} (logs stay on the host)"))
        }
        Some(_) => Verdict::Pass,
        None => ctx.unset(Verdict::Pass, "log-driver"),
    };
    record(
        "daemon-remote-logging",
        if ctx.engine.is_some() { engine_at("LoggingDriver") } else { s.at("log-driver", "log-driver") },
        v,
    );
    // 2.14 no-new-privileges
    let v = match s.bool("no-new-privileges", "no-new-privileges") {
        Some(true) => Verdict::Pass,
        Some(false) => Verdict::warn("no-new-privileges: false"),
        None => ctx.unset(Verdict::warn("no-new-privileges is not set (default false)"), "no-new-privileges"),
    };
    record("daemon-no-new-privileges", s.at("no-new-privileges", "no-new-privileges"), v);
    // 2.15 live restore
    let live =
        ctx.info("/LiveRestoreEnabled").and_then(Value::as_bool).or_else(|| s.bool("live-restore", "live-restore"));
    let v = if ctx.swarm_active {
        Verdict::na("swarm mode is active: live restore does not apply to swarm services")
    } else {
        match live {
            Some(true) => Verdict::Pass,
            Some(false) => Verdict::warn("live-restore: false"),
            None => ctx.unset(Verdict::warn("live-restore is not set (default false)"), "live-restore"),
        }
    };
    record(
        "daemon-live-restore",
        if ctx.engine.is_some() { engine_at("LiveRestoreEnabled") } else { s.at("live-restore", "live-restore") },
        v,
    );
    // 2.16 userland proxy
    let v = match s.bool("userland-proxy", "userland-proxy") {
        Some(false) => Verdict::Pass,
        Some(true) => Verdict::warn("userland-proxy: true"),
        None => ctx.unset(Verdict::warn("userland-proxy is not set (default true)"), "userland-proxy"),
    };
    record("daemon-userland-proxy", s.at("userland-proxy", "userland-proxy"), v);
    // 2.17 seccomp profile
    let v = seccomp_verdict(ctx);
    record("daemon-seccomp-profile", s.at("seccomp-profile", "seccomp-profile"), v);
    // 2.18 experimental
    let experimental =
        ctx.info("/ExperimentalBuild").and_then(Value::as_bool).or_else(|| s.bool("experimental", "experimental"));
    let v = match experimental {
        Some(true) => Verdict::warn("experimental: true"),
        Some(false) => Verdict::Pass,
        None => ctx.unset(Verdict::Pass, "experimental"),
    };
    record("daemon-experimental", s.at("experimental", "experimental"), v);
    // C.2 legacy registry v1
    let version = ctx.engine.and_then(|e| e.version.get("Version")).and_then(Value::as_str);
    let v = match version.map(|v| engine_release(v) >= (17, 12)) {
        Some(true) => Verdict::na(format!("Engine {} has no v1 registry support", version.unwrap_or_default())),
        Some(false) if s.bool("disable-legacy-registry", "disable-legacy-registry") == Some(true) => Verdict::Pass,
        Some(false) => Verdict::warn("disable-legacy-registry is not set"),
        None => Verdict::manual("the Engine did not answer: on Engines before 17.12 check disable-legacy-registry"),
    };
    record("daemon-legacy-registry-v1", s.at("disable-legacy-registry", "disable-legacy-registry"), v);
}

/// `20.10.24+dfsg1` → (20, 10).
fn engine_release(version: &str) -> (u32, u32) {
    let mut parts = version.split(['.', '+', '-', '~']).map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// 2.17: the daemon-wide seccomp profile — off, unconfined, the default, or a custom profile
/// (audited).
fn seccomp_verdict(ctx: &Ctx<'_>) -> Verdict {
    let s = &ctx.settings;
    let configured = s.string("seccomp-profile", "seccomp-profile");
    if ctx.engine.is_some() {
        match ctx.security_option("seccomp") {
            None => return Verdict::warn("seccomp is not enabled on the daemon (SecurityOptions has no name=seccomp)"),
            Some(o) if o.contains("profile=unconfined") => return Verdict::warn("seccomp profile: unconfined"),
            Some(o) if o.contains("profile=default") && configured.is_none() => return Verdict::Pass,
            Some(_) => {}
        }
    }
    match configured.as_deref() {
        None | Some("" | "default" | "builtin") => ctx.unset(Verdict::Pass, "seccomp-profile"),
        Some("unconfined") => Verdict::warn("seccomp-profile: unconfined"),
        Some(path) => {
            let mut host = ctx.host.clone();
            match host.read_text(path) {
                None => Verdict::manual(format!(
                    "seccomp-profile {path} is not readable under the host root: audit it (hullguard seccomp audit)"
                )),
                Some(text) => match crate::seccomp::audit_profile(text.as_bytes(), path) {
                    Ok(a) if a.findings.is_empty() => Verdict::Pass,
                    Ok(a) => Verdict::warn(format!(
                        "seccomp-profile {path}: {}",
                        a.findings
                            .iter()
                            .map(|f| format!("{} {}", f.id, f.evidence.as_deref().unwrap_or_default()))
                            .collect::<Vec<_>>()
                            .join("; ")
                    )),
                    Err(e) => Verdict::warn(format!("seccomp-profile cannot be read: {e}")),
                },
            }
        }
    }
}

/// An owner check: `uid` and `gid` wanted.
fn owner_verdict(fact: Option<FileFact>, path: &str, gid: u32, group: &str) -> Verdict {
    match fact {
        None => Verdict::na(format!("{path} does not exist on the host")),
        Some(f) if f.uid == 0 && f.gid == gid => Verdict::Pass,
        Some(f) => {
            Verdict::warn_fix(format!("{path} is owned by {}:{}", f.uid, f.gid), format!("chown root:{group} {path}"))
        }
    }
}

/// A mode check: no bit outside `allowed`.
fn mode_verdict(fact: Option<FileFact>, path: &str, allowed: u32) -> Verdict {
    match fact {
        None => Verdict::na(format!("{path} does not exist on the host")),
        Some(f) if f.mode & !allowed == 0 => Verdict::Pass,
        Some(f) => Verdict::warn_fix(format!("{path} has mode {:o}", f.mode), format!("chmod {allowed:o} {path}")),
    }
}

/// The owner and mode checks of one host file: `path` (`None`: not configured or not found,
/// then `what` names it), the mode bits `allowed`, the group `gid` (named `group`) wanted.
#[allow(clippy::too_many_arguments)] // two concepts, the path and what is wanted of it
fn pair(
    audit: &mut Audit,
    host: &HostFacts,
    owner: &str,
    perms: &str,
    path: Option<String>,
    what: &str,
    allowed: u32,
    gid: u32,
    group: &str,
) {
    let Some(path) = path else {
        let why = format!("no {what} on the host");
        audit.record(owner, "host", &file_at(what), Verdict::na(why.clone()));
        audit.record(perms, "host", &file_at(what), Verdict::na(why));
        return;
    };
    let fact = host.stat(&path);
    audit.record(owner, "host", &file_at(&path), owner_verdict(fact, &path, gid, group));
    audit.record(perms, "host", &file_at(&path), mode_verdict(fact, &path, allowed));
}

fn files_section(ctx: &Ctx<'_>, audit: &mut Audit) {
    let host = ctx.host;
    let s = &ctx.settings;
    pair(
        audit,
        host,
        "dfile-docker-service-owner",
        "dfile-docker-service-perms",
        host.docker_service.clone(),
        "docker.service",
        0o644,
        0,
        "root",
    );
    pair(
        audit,
        host,
        "dfile-docker-socket-unit-owner",
        "dfile-docker-socket-unit-perms",
        host.docker_socket_unit.clone(),
        "docker.socket",
        0o644,
        0,
        "root",
    );
    pair(
        audit,
        host,
        "dfile-etc-docker-owner",
        "dfile-etc-docker-perms",
        Some("/etc/docker".to_owned()),
        "/etc/docker",
        0o755,
        0,
        "root",
    );
    // 3.7, 3.8 registry certificates: every file of /etc/docker/certs.d/*/
    let certs: Vec<String> = host.list("/etc/docker/certs.d").iter().flat_map(|d| host.list(d)).collect();
    if certs.is_empty() {
        audit.record(
            "dfile-registry-certs-owner",
            "host",
            &file_at("/etc/docker/certs.d"),
            Verdict::na("no registry certificates in /etc/docker/certs.d"),
        );
        audit.record(
            "dfile-registry-certs-perms",
            "host",
            &file_at("/etc/docker/certs.d"),
            Verdict::na("no registry certificates in /etc/docker/certs.d"),
        );
    } else {
        for cert in &certs {
            let fact = host.stat(cert).filter(|f| !f.dir);
            audit.record("dfile-registry-certs-owner", "host", &file_at(cert), owner_verdict(fact, cert, 0, "root"));
            audit.record("dfile-registry-certs-perms", "host", &file_at(cert), mode_verdict(fact, cert, 0o444));
        }
    }
    for (owner, perms, key, allowed) in [
        ("dfile-tls-ca-owner", "dfile-tls-ca-perms", "tlscacert", 0o444),
        ("dfile-server-cert-owner", "dfile-server-cert-perms", "tlscert", 0o444),
        ("dfile-server-key-owner", "dfile-server-key-perms", "tlskey", 0o400),
    ] {
        pair(audit, host, owner, perms, s.string(key, key), &format!("--{key} configured"), allowed, 0, "root");
    }
    // 3.15, 3.16 the Docker socket
    let socket = s
        .list("host", "hosts")
        .iter()
        .find_map(|h| h.strip_prefix("unix://").map(str::to_owned))
        .or_else(|| ctx.host.socket_listen.iter().find(|l| l.starts_with('/')).cloned())
        .unwrap_or_else(|| "/var/run/docker.sock".to_owned());
    if ctx.rootless {
        for c in ["dfile-docker-sock-owner", "dfile-docker-sock-perms"] {
            audit.record(c, "host", &file_at(&socket), Verdict::na("rootless daemon: the socket belongs to its user"));
        }
    } else {
        let gid = host.docker_group.as_ref().map_or(0, |(g, _)| *g);
        let group = if host.docker_group.is_some() { "docker" } else { "root" };
        pair(
            audit,
            host,
            "dfile-docker-sock-owner",
            "dfile-docker-sock-perms",
            Some(socket),
            "docker.sock",
            0o660,
            gid,
            group,
        );
    }
    pair(
        audit,
        host,
        "dfile-daemon-json-owner",
        "dfile-daemon-json-perms",
        Some(host.daemon_json_path.clone()),
        "daemon.json",
        0o644,
        0,
        "root",
    );
    pair(
        audit,
        host,
        "dfile-etc-default-docker-owner",
        "dfile-etc-default-docker-perms",
        Some("/etc/default/docker".to_owned()),
        "/etc/default/docker",
        0o644,
        0,
        "root",
    );
    // catalogue order: 3.21 perms before 3.22 owner — the pair records owner first; the report orders by number.
    pair(
        audit,
        host,
        "dfile-etc-sysconfig-docker-owner",
        "dfile-etc-sysconfig-docker-perms",
        Some("/etc/sysconfig/docker".to_owned()),
        "/etc/sysconfig/docker",
        0o644,
        0,
        "root",
    );
    let containerd = s.string("containerd", "containerd").or_else(|| {
        ["/run/containerd/containerd.sock", "/var/run/docker/containerd/containerd.sock"]
            .into_iter()
            .find(|p| host.stat(p).is_some())
            .map(str::to_owned)
    });
    pair(
        audit,
        host,
        "dfile-containerd-sock-owner",
        "dfile-containerd-sock-perms",
        containerd,
        "containerd.sock",
        0o660,
        0,
        "root",
    );
}

const SWARM: &[&str] = &[
    "swarm-manager-count",
    "swarm-bind-interface",
    "swarm-overlay-encrypted",
    "swarm-secrets",
    "swarm-autolock",
    "swarm-autolock-rotation",
    "swarm-node-cert-rotation",
    "swarm-ca-rotation",
    "swarm-mgmt-data-separation",
];

fn swarm_section(ctx: &Ctx<'_>, audit: &mut Audit) {
    let state = ctx.info("/Swarm/LocalNodeState").and_then(Value::as_str);
    let managers = ctx.info("/Swarm/Managers").and_then(Value::as_i64).unwrap_or(0);
    for concept in SWARM {
        let v = match (ctx.engine.is_some(), ctx.swarm_active) {
            (false, _) => {
                Verdict::manual("the Engine did not answer: check whether swarm mode is active (docker info)")
            }
            (true, false) => Verdict::na(format!("swarm mode is {}", state.unwrap_or("inactive"))),
            (true, true) if *concept == "swarm-manager-count" => Verdict::manual(format!(
                "{managers} manager(s): keep an odd number sized to the fault tolerance wanted"
            )),
            (true, true) => Verdict::manual(
                "swarm mode is active: check with docker swarm / docker network inspect (not read by hullguard)",
            ),
        };
        audit.record(concept, "daemon", &engine_at("Swarm"), v);
    }
}

const ENTERPRISE: &[&str] = &[
    "ee-ucp-ldap",
    "ee-ucp-external-certs",
    "ee-ucp-client-bundles",
    "ee-ucp-rbac",
    "ee-ucp-signed-images",
    "ee-ucp-session-limit",
    "ee-ucp-session-lifetime",
    "ee-dtr-scanning",
];

fn enterprise_section(ctx: &Ctx<'_>, audit: &mut Audit) {
    for concept in ENTERPRISE {
        let component = if concept.starts_with("ee-dtr") { "docker/dtr" } else { "docker/ucp" };
        let v = match ctx.engine {
            None => Verdict::manual(format!("the Engine did not answer: check whether {component} runs on it")),
            Some(e) if e.container_images.iter().any(|i| i.starts_with(component)) => {
                Verdict::manual(format!("{component} runs here: check this setting in its admin settings"))
            }
            Some(_) => Verdict::na(format!("no {component} container on this Engine (Docker Enterprise, legacy)")),
        };
        audit.record(concept, "daemon", &engine_at("Containers"), v);
    }
}
