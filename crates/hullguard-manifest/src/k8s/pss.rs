//! Pod Security Standards as `k8s.io/pod-security-admission` evaluates them: every check of the
//! baseline and restricted levels, in the version a policy pins (`v1.30`, or `latest`), with
//! PSA's own forbidden reasons and details.
//!
//! Values are compared as PSA compares them, after the API server decoded the object: strings
//! exactly (`sys_admin` is not `SYS_ADMIN`, `all` is not `ALL`), booleans and integers typed.
//! Version differences kept: `runAsUser` from 1.23; `allowPrivilegeEscalation`,
//! `capabilities_restricted` and `seccompProfile_restricted` skip Windows pods (`spec.os.name:
//! windows`) from 1.25; sysctls allowed per version; SELinux type `container_engine_t` from 1.31;
//! `hostProbesAndHostLifecycle` from 1.34; from 1.35 `hostUsers: false` relaxes `runAsNonRoot`,
//! `runAsUser` and the baseline `procMount`, while the restricted level keeps `procMount` at
//! `Default`. PSA allows `image` volumes in every version (the allowance was patched into its
//! single 1.0 check).

use super::checks::host::RESTRICTED_VOLUMES;
use super::object::{Container, PodSpec};
use crate::yaml::Node;

/// A Pod Security Standards level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Prevents known privilege escalations.
    Baseline,
    /// Hardened pod practice; includes baseline.
    Restricted,
}

impl Level {
    /// `baseline` or `restricted`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

/// The newest policy version these checks know (`latest`).
pub const LATEST_MINOR: u32 = 37;

/// A policy version `v1.MINOR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// The minor version.
    pub minor: u32,
}

impl Version {
    /// `latest`, `v1.30` or `1.30`.
    ///
    /// # Errors
    ///
    /// Anything else, with what is expected.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text == "latest" {
            return Ok(Version { minor: LATEST_MINOR });
        }
        let rest = text.strip_prefix('v').unwrap_or(text);
        let minor = rest.strip_prefix("1.").and_then(|m| m.parse::<u32>().ok());
        match minor {
            Some(minor) => Ok(Version { minor: minor.min(LATEST_MINOR) }),
            None => Err(format!("'{text}' is not a policy version (latest, or v1.MINOR such as v1.30)")),
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v1.{}", self.minor)
    }
}

/// One failed check: PSA's check id, its forbidden reason and detail.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// PSA's check id (`privileged`, `runAsNonRoot`).
    pub check: &'static str,
    /// PSA's forbidden reason (`privileged`).
    pub reason: String,
    /// PSA's forbidden detail (`container "a" must not set securityContext.privileged=true`).
    pub detail: String,
}

impl Violation {
    /// How PSA writes it in its warnings: `reason (detail)`.
    #[must_use]
    pub fn message(&self) -> String {
        if self.detail.is_empty() { self.reason.clone() } else { format!("{} ({})", self.reason, self.detail) }
    }
}

/// `"a", "b"`.
fn join_quote(items: &[&str]) -> String {
    items.iter().map(|i| format!("\"{i}\"")).collect::<Vec<_>>().join(", ")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "container" } else { "containers" }
}

/// `pod and container "a"` / `containers "a", "b"`: who set a forbidden value.
fn setters(pod: bool, containers: &[&str]) -> String {
    let mut who = Vec::new();
    if pod {
        who.push("pod".to_owned());
    }
    if !containers.is_empty() {
        who.push(format!("{} {}", plural(containers.len()), join_quote(containers)));
    }
    who.join(" and ")
}

/// A container's `securityContext` field (typed as PSA reads it).
fn sc<'a>(c: &Container<'a>, key: &str) -> Option<&'a Node> {
    c.security(key)
}

fn is_true(n: Option<&Node>) -> bool {
    n.and_then(Node::as_bool) == Some(true)
}

/// Every check that applies at `level` and `version`, run over one pod spec.
#[must_use]
pub fn evaluate(pod: &PodSpec<'_>, level: Level, version: Version) -> Vec<Violation> {
    let containers = pod.containers();
    let v = version.minor;
    let windows = pod.spec.field("os").and_then(|o| o.field("name")).and_then(Node::as_str) == Some("windows");
    let user_ns = pod.spec.field("hostUsers").and_then(Node::as_bool) == Some(false) && v >= 35;
    let mut out = Vec::new();
    let mut fail = |check: &'static str, reason: &str, detail: String| {
        out.push(Violation { check, reason: reason.to_owned(), detail });
    };

    // windowsHostProcess
    let pod_hp = is_true(pod.security("windowsOptions").and_then(|w| w.field("hostProcess")));
    let hp: Vec<&str> = containers
        .iter()
        .filter(|c| is_true(sc(c, "windowsOptions").and_then(|w| w.field("hostProcess"))))
        .map(|c| c.name)
        .collect();
    if pod_hp || !hp.is_empty() {
        fail(
            "windowsHostProcess",
            "hostProcess",
            format!("{} must not set securityContext.windowsOptions.hostProcess=true", setters(pod_hp, &hp)),
        );
    }
    // hostNamespaces
    let ns: Vec<String> = ["hostNetwork", "hostPID", "hostIPC"]
        .iter()
        .filter(|k| is_true(pod.spec.field(k)))
        .map(|k| format!("{k}=true"))
        .collect();
    if !ns.is_empty() {
        fail("hostNamespaces", "host namespaces", ns.join(", "));
    }
    // privileged
    let privileged: Vec<&str> = containers.iter().filter(|c| is_true(sc(c, "privileged"))).map(|c| c.name).collect();
    if !privileged.is_empty() {
        fail(
            "privileged",
            "privileged",
            format!(
                "{} {} must not set securityContext.privileged=true",
                plural(privileged.len()),
                join_quote(&privileged)
            ),
        );
    }
    // capabilities_baseline
    let adds = |c: &Container<'_>| -> Vec<String> {
        sc(c, "capabilities")
            .and_then(|caps| caps.field("add"))
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect()
    };
    let (mut who, mut caps) = (Vec::new(), Vec::new());
    for c in &containers {
        let bad: Vec<String> =
            adds(c).into_iter().filter(|a| !super::checks::security::BASELINE_CAPS.contains(&a.as_str())).collect();
        if !bad.is_empty() {
            who.push(c.name);
            caps.extend(bad);
        }
    }
    // The restricted capabilities check (1.22+) replaces this one.
    let replaced = level == Level::Restricted && v >= 22;
    if !who.is_empty() && !replaced {
        caps.sort();
        caps.dedup();
        let caps: Vec<&str> = caps.iter().map(String::as_str).collect();
        fail(
            "capabilities_baseline",
            "non-default capabilities",
            format!(
                "{} {} must not include {} in securityContext.capabilities.add",
                plural(who.len()),
                join_quote(&who),
                join_quote(&caps)
            ),
        );
    }
    // hostPathVolumes
    let volumes = pod.spec.get("volumes").map(Node::items).unwrap_or_default();
    let name_of = |v: &Node| v.get("name").and_then(Node::as_str).unwrap_or_default().to_owned();
    let host_paths: Vec<String> = volumes.iter().filter(|v| v.field("hostPath").is_some()).map(name_of).collect();
    if !host_paths.is_empty() {
        let names: Vec<&str> = host_paths.iter().map(String::as_str).collect();
        fail("hostPathVolumes", "hostPath volumes", format!("volumes {}", join_quote(&names)));
    }
    // hostPorts
    let (mut who, mut ports) = (Vec::new(), Vec::new());
    for c in &containers {
        let mine: Vec<String> = c
            .node
            .get("ports")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.field("hostPort").and_then(Node::as_i64))
            .filter(|p| *p != 0)
            .map(|p| p.to_string())
            .collect();
        if !mine.is_empty() {
            who.push(c.name);
            ports.extend(mine);
        }
    }
    if !who.is_empty() {
        fail(
            "hostPorts",
            "hostPort",
            format!(
                "{} {} {} {}",
                plural(who.len()),
                join_quote(&who),
                if ports.len() == 1 { "uses hostPort" } else { "use hostPorts" },
                ports.join(", ")
            ),
        );
    }
    // hostProbesAndHostLifecycle (1.34+)
    if v >= 34 {
        let (mut who, mut hosts) = (Vec::new(), Vec::new());
        for c in &containers {
            let mut mine = Vec::new();
            let handlers =
                ["livenessProbe", "readinessProbe", "startupProbe"].iter().filter_map(|p| c.node.field(p)).chain(
                    ["postStart", "preStop"].iter().filter_map(|h| c.node.field("lifecycle").and_then(|l| l.field(h))),
                );
            for handler in handlers {
                for action in ["httpGet", "tcpSocket"] {
                    if let Some(host) = handler.field(action).and_then(|a| a.field("host")).and_then(Node::as_str)
                        && !host.is_empty()
                    {
                        mine.push(host.to_owned());
                    }
                }
            }
            if !mine.is_empty() {
                who.push(c.name);
                hosts.extend(mine);
            }
        }
        if !who.is_empty() {
            let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
            fail(
                "hostProbesAndHostLifecycle",
                "probe or lifecycle host",
                format!(
                    "{} {} uses probe or lifecycle hosts {}",
                    plural(who.len()),
                    join_quote(&who),
                    join_quote(&hosts)
                ),
            );
        }
    }
    // appArmorProfile: annotations and fields
    let mut bad_apparmor = Vec::new();
    for (key, value) in pod.metadata.and_then(|m| m.get("annotations")).map(Node::entries).unwrap_or_default() {
        if let (Some(k), Some(val)) = (key.as_str(), value.as_str())
            && k.starts_with("container.apparmor.security.beta.kubernetes.io/")
            && !(val == "runtime/default" || val.starts_with("localhost/"))
        {
            bad_apparmor.push(format!("{k}=\"{val}\""));
        }
    }
    let apparmor_type = |n: Option<&Node>| n.and_then(|p| p.field("type")).and_then(Node::as_str).map(str::to_owned);
    if let Some(t) =
        apparmor_type(pod.security("appArmorProfile")).filter(|t| t != "RuntimeDefault" && t != "Localhost")
    {
        bad_apparmor.push(format!("pod securityContext.appArmorProfile.type=\"{t}\""));
    }
    for c in &containers {
        if let Some(t) = apparmor_type(sc(c, "appArmorProfile")).filter(|t| t != "RuntimeDefault" && t != "Localhost") {
            bad_apparmor.push(format!("container \"{}\" securityContext.appArmorProfile.type=\"{t}\"", c.name));
        }
    }
    if !bad_apparmor.is_empty() {
        let reason = if bad_apparmor.len() == 1 { "forbidden AppArmor profile" } else { "forbidden AppArmor profiles" };
        fail("appArmorProfile", reason, bad_apparmor.join(", "));
    }
    // seLinuxOptions
    let selinux_bad = |n: Option<&Node>| -> Vec<String> {
        let Some(n) = n else { return Vec::new() };
        let mut bad = Vec::new();
        if let Some(t) = n.field("type").and_then(Node::as_str) {
            let ok = t.is_empty()
                || ["container_t", "container_init_t", "container_kvm_t"].contains(&t)
                || (v >= 31 && t == "container_engine_t");
            if !ok {
                bad.push(format!("type \"{t}\""));
            }
        }
        for key in ["user", "role"] {
            if let Some(val) = n.field(key).and_then(Node::as_str).filter(|s| !s.is_empty()) {
                bad.push(format!("{key} \"{val}\""));
            }
        }
        bad
    };
    let pod_bad = selinux_bad(pod.security("seLinuxOptions"));
    let mut who = Vec::new();
    let mut what = pod_bad.clone();
    for c in &containers {
        let bad = selinux_bad(sc(c, "seLinuxOptions"));
        if !bad.is_empty() {
            who.push(c.name);
            what.extend(bad);
        }
    }
    if !pod_bad.is_empty() || !who.is_empty() {
        what.sort();
        what.dedup();
        fail(
            "seLinuxOptions",
            "seLinuxOptions",
            format!(
                "{} set forbidden securityContext.seLinuxOptions: {}",
                setters(!pod_bad.is_empty(), &who),
                what.join("; ")
            ),
        );
    }
    // procMount: baseline (relaxed for user namespaces from 1.35), restricted (1.35+, never relaxed)
    let unmasked: Vec<(&str, String)> = containers
        .iter()
        .filter_map(|c| {
            sc(c, "procMount").and_then(Node::as_str).filter(|m| *m != "Default").map(|m| (c.name, m.to_owned()))
        })
        .collect();
    if !unmasked.is_empty() {
        let who: Vec<&str> = unmasked.iter().map(|(n, _)| *n).collect();
        let mut types: Vec<&str> = unmasked.iter().map(|(_, t)| t.as_str()).collect();
        types.sort_unstable();
        types.dedup();
        let detail = format!(
            "{} {} must not set securityContext.procMount to {}",
            plural(who.len()),
            join_quote(&who),
            join_quote(&types)
        );
        // From 1.35 the restricted check replaces the baseline one and ignores user namespaces.
        if level == Level::Restricted && v >= 35 {
            fail("procMount_restricted", "procMount", detail);
        } else if !user_ns {
            fail("procMount", "procMount", detail);
        }
    }
    // seccompProfile_baseline: fields (1.19+) and the legacy annotations
    let seccomp_type = |n: Option<&Node>| n.and_then(|p| p.field("type")).and_then(Node::as_str).map(str::to_owned);
    let pod_unconfined = seccomp_type(pod.security("seccompProfile")).as_deref() == Some("Unconfined");
    let unconfined: Vec<&str> = containers
        .iter()
        .filter(|c| seccomp_type(sc(c, "seccompProfile")).as_deref() == Some("Unconfined"))
        .map(|c| c.name)
        .collect();
    let annotated = pod.annotation("seccomp.security.alpha.kubernetes.io/pod") == Some("unconfined")
        || pod.metadata.and_then(|m| m.get("annotations")).map(Node::entries).unwrap_or_default().iter().any(
            |(k, val)| {
                k.as_str().is_some_and(|k| k.starts_with("container.seccomp.security.alpha.kubernetes.io/"))
                    && val.as_str() == Some("unconfined")
            },
        );
    // The restricted seccomp check (1.19+) replaces this one.
    let replaced = level == Level::Restricted && v >= 19;
    if !replaced && v >= 19 && (pod_unconfined || !unconfined.is_empty()) {
        fail(
            "seccompProfile_baseline",
            "seccompProfile",
            format!(
                "{} must not set securityContext.seccompProfile.type to \"Unconfined\"",
                setters(pod_unconfined, &unconfined)
            ),
        );
    } else if !replaced && v < 19 && annotated {
        fail(
            "seccompProfile_baseline",
            "seccompProfile",
            "forbidden seccomp annotation value \"unconfined\"".to_owned(),
        );
    }
    // sysctls
    let allowed = |name: &str| -> bool {
        let base = [
            "kernel.shm_rmid_forced",
            "net.ipv4.ip_local_port_range",
            "net.ipv4.tcp_syncookies",
            "net.ipv4.ping_group_range",
            "net.ipv4.ip_unprivileged_port_start",
        ];
        base.contains(&name)
            || (v >= 27 && name == "net.ipv4.ip_local_reserved_ports")
            || (v >= 29
                && [
                    "net.ipv4.tcp_keepalive_time",
                    "net.ipv4.tcp_fin_timeout",
                    "net.ipv4.tcp_keepalive_intvl",
                    "net.ipv4.tcp_keepalive_probes",
                ]
                .contains(&name))
            || (v >= 32 && ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"].contains(&name))
            || (v >= 37 && ["net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"].contains(&name))
    };
    let forbidden_sysctls: Vec<&str> = pod
        .security("sysctls")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.get("name").and_then(Node::as_str))
        .filter(|n| !allowed(n))
        .collect();
    if !forbidden_sysctls.is_empty() {
        fail("sysctls", "forbidden sysctls", forbidden_sysctls.join(", "));
    }
    if level == Level::Baseline {
        return out;
    }
    restricted(pod, &containers, v, windows, user_ns, &mut fail);
    out
}

/// The checks of the restricted level beyond baseline.
fn restricted(
    pod: &PodSpec<'_>,
    containers: &[Container<'_>],
    v: u32,
    windows: bool,
    user_ns: bool,
    fail: &mut dyn FnMut(&'static str, &str, String),
) {
    let mut restricted_volumes: Vec<&str> = pod
        .spec
        .get("volumes")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter(|vol| {
            !vol.entries()
                .iter()
                .any(|(k, val)| k.as_str().is_some_and(|k| RESTRICTED_VOLUMES.contains(&k)) && !val.is_null())
        })
        .map(|vol| vol.get("name").and_then(Node::as_str).unwrap_or_default())
        .collect();
    restricted_volumes.sort_unstable();
    restricted_volumes.dedup();
    if !restricted_volumes.is_empty() {
        let list = restricted_volumes.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(" ");
        fail("restrictedVolumes", "restricted volume types", format!("volumes [{list}] have restricted types"));
    }
    let skip_windows = windows && v >= 25;
    if v >= 8 && !skip_windows {
        let bad: Vec<&str> = containers
            .iter()
            .filter(|c| sc(c, "allowPrivilegeEscalation").and_then(Node::as_bool) != Some(false))
            .map(|c| c.name)
            .collect();
        if !bad.is_empty() {
            fail(
                "allowPrivilegeEscalation",
                "allowPrivilegeEscalation != false",
                format!(
                    "{} {} must set securityContext.allowPrivilegeEscalation=false",
                    plural(bad.len()),
                    join_quote(&bad)
                ),
            );
        }
    }
    if !user_ns {
        let pod_value = pod.security("runAsNonRoot").and_then(Node::as_bool);
        let explicit: Vec<&str> = containers
            .iter()
            .filter(|c| sc(c, "runAsNonRoot").and_then(Node::as_bool) == Some(false))
            .map(|c| c.name)
            .collect();
        let implicit: Vec<&str> = containers
            .iter()
            .filter(|c| sc(c, "runAsNonRoot").and_then(Node::as_bool).is_none() && pod_value != Some(true))
            .map(|c| c.name)
            .collect();
        if pod_value == Some(false) || !explicit.is_empty() {
            fail(
                "runAsNonRoot",
                "runAsNonRoot != true",
                format!(
                    "{} must not set securityContext.runAsNonRoot=false",
                    setters(pod_value == Some(false), &explicit)
                ),
            );
        } else if !implicit.is_empty() {
            fail(
                "runAsNonRoot",
                "runAsNonRoot != true",
                format!(
                    "pod or {} {} must set securityContext.runAsNonRoot=true",
                    plural(implicit.len()),
                    join_quote(&implicit)
                ),
            );
        }
        if v >= 23 {
            let pod_zero = pod.security("runAsUser").and_then(Node::as_i64) == Some(0);
            let zero: Vec<&str> = containers
                .iter()
                .filter(|c| sc(c, "runAsUser").and_then(Node::as_i64) == Some(0))
                .map(|c| c.name)
                .collect();
            if pod_zero || !zero.is_empty() {
                fail("runAsUser", "runAsUser=0", format!("{} must not set runAsUser=0", setters(pod_zero, &zero)));
            }
        }
    }
    if v >= 19 && !skip_windows {
        let valid = |t: Option<&str>| matches!(t, Some("RuntimeDefault" | "Localhost"));
        let ty = |n: Option<&Node>| n.and_then(|p| p.field("type")).and_then(Node::as_str).map(str::to_owned);
        let pod_type = ty(pod.security("seccompProfile"));
        let pod_ok = valid(pod_type.as_deref());
        let pod_bad = pod_type.is_some() && !pod_ok;
        let mut explicit = Vec::new();
        let mut implicit = Vec::new();
        for c in containers {
            match ty(sc(c, "seccompProfile")) {
                Some(t) if !valid(Some(&t)) => explicit.push(c.name),
                Some(_) => {}
                None if !pod_ok => implicit.push(c.name),
                None => {}
            }
        }
        if pod_bad || !explicit.is_empty() {
            fail(
                "seccompProfile_restricted",
                "seccompProfile",
                format!(
                    "{} must not set securityContext.seccompProfile.type to {}",
                    setters(pod_bad, &explicit),
                    join_quote(&[pod_type.as_deref().filter(|_| pod_bad).unwrap_or("Unconfined")])
                ),
            );
        } else if !implicit.is_empty() {
            fail(
                "seccompProfile_restricted",
                "seccompProfile",
                format!(
                    "pod or {} {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
                    plural(implicit.len()),
                    join_quote(&implicit)
                ),
            );
        }
    }
    if v >= 22 && !skip_windows {
        let list = |c: &Container<'_>, key: &str| -> Vec<String> {
            sc(c, "capabilities")
                .and_then(|caps| caps.field(key))
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        };
        let missing: Vec<&str> =
            containers.iter().filter(|c| !list(c, "drop").iter().any(|d| d == "ALL")).map(|c| c.name).collect();
        let mut adders = Vec::new();
        let mut caps: Vec<String> = Vec::new();
        for c in containers {
            let bad: Vec<String> = list(c, "add").into_iter().filter(|a| a != "NET_BIND_SERVICE").collect();
            if !bad.is_empty() {
                adders.push(c.name);
                caps.extend(bad);
            }
        }
        caps.sort();
        caps.dedup();
        let mut details = Vec::new();
        if !missing.is_empty() {
            details.push(format!(
                "{} {} must set securityContext.capabilities.drop=[\"ALL\"]",
                plural(missing.len()),
                join_quote(&missing)
            ));
        }
        if !adders.is_empty() {
            let caps: Vec<&str> = caps.iter().map(String::as_str).collect();
            details.push(format!(
                "{} {} must not include {} in securityContext.capabilities.add",
                plural(adders.len()),
                join_quote(&adders),
                join_quote(&caps)
            ));
        }
        if !details.is_empty() {
            fail("capabilities_restricted", "unrestricted capabilities", details.join("; "));
        }
    }
    // procMount_restricted with user namespaces is reported by the baseline pass above.
}
