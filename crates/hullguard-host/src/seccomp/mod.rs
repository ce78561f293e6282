//! The audit of a seccomp profile (Docker/OCI JSON: `defaultAction`, `architectures` or
//! `archMap`, `syscalls[]` with `names`, `action`, `args`, `includes`/`excludes`) against what
//! Docker's default profile denies.
//!
//! A syscall counts as allowed when a rule allows it (`SCMP_ACT_ALLOW`, `SCMP_ACT_LOG`,
//! `SCMP_ACT_TRACE`) without an argument filter and without a capability gate — or gated only on
//! a capability every container holds by default — or, with `defaultAction` allow, when no
//! unconditional rule denies it. Rules gated on another capability (Docker's own `includes.caps`
//! rules) are conditional and not reported: the capability checks report the capability. The
//! ptrace family counts as denied when allowed only from kernel 4.8 (`includes.minKernel`), as
//! Docker's default does, since 4.8 closed the seccomp bypass through ptrace.

use hullguard_report::{CheckStatus, Location};
use serde_json::Value;

use crate::audit::{Audit, Verdict};

/// Syscalls Docker's default profile denies, or allows only with a capability.
pub const DANGEROUS: &[&str] = &[
    "acct",
    "add_key",
    "bpf",
    "clock_adjtime",
    "clock_settime",
    "create_module",
    "delete_module",
    "fanotify_init",
    "finit_module",
    "fsconfig",
    "fsmount",
    "fsopen",
    "fspick",
    "init_module",
    "ioperm",
    "iopl",
    "kcmp",
    "kexec_file_load",
    "kexec_load",
    "keyctl",
    "lookup_dcookie",
    "mount",
    "mount_setattr",
    "move_mount",
    "nfsservctl",
    "open_by_handle_at",
    "open_tree",
    "perf_event_open",
    "pivot_root",
    "process_vm_readv",
    "process_vm_writev",
    "ptrace",
    "quotactl",
    "reboot",
    "request_key",
    "setns",
    "settimeofday",
    "stime",
    "swapoff",
    "swapon",
    "syslog",
    "umount",
    "umount2",
    "unshare",
    "uselib",
    "userfaultfd",
    "vm86",
    "vm86old",
    "_sysctl",
];

/// The ptrace family, which Docker's default allows from kernel 4.8 on.
const PTRACE_FAMILY: &[&str] = &["kcmp", "process_vm_readv", "process_vm_writev", "ptrace"];

/// The capabilities every container holds unless dropped (Docker's default set).
pub const DEFAULT_CAPS: &[&str] = &[
    "CAP_AUDIT_WRITE",
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_MKNOD",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_RAW",
    "CAP_SETFCAP",
    "CAP_SETGID",
    "CAP_SETPCAP",
    "CAP_SETUID",
    "CAP_SYS_CHROOT",
];

/// Actions that let the syscall run.
fn allows(action: &str) -> bool {
    matches!(action, "SCMP_ACT_ALLOW" | "SCMP_ACT_LOG" | "SCMP_ACT_TRACE")
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

/// Whether a rule applies to every container: no argument filter, no capability gate other than
/// a default capability, and (for the ptrace family) no `minKernel` of 4.8 or later.
fn unconditional(rule: &Value, syscall: &str) -> bool {
    let has_args = rule.get("args").and_then(Value::as_array).is_some_and(|a| !a.is_empty());
    if has_args {
        return false;
    }
    let includes = rule.get("includes");
    let caps = strings(includes.and_then(|i| i.get("caps")));
    if !caps.is_empty() && !caps.iter().any(|c| DEFAULT_CAPS.contains(c)) {
        return false;
    }
    let min_kernel = includes.and_then(|i| i.get("minKernel")).and_then(Value::as_str);
    if PTRACE_FAMILY.contains(&syscall) && min_kernel.is_some_and(|k| kernel_at_least(k, (4, 8))) {
        return false;
    }
    true
}

fn kernel_at_least(version: &str, want: (u32, u32)) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    (major, minor) >= want
}

/// The rules of `profile` naming `syscall` (`names` or the legacy `name`).
fn rules_for<'a>(profile: &'a Value, syscall: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    profile.get("syscalls").and_then(Value::as_array).into_iter().flatten().filter(move |r| {
        strings(r.get("names")).contains(&syscall) || r.get("name").and_then(Value::as_str) == Some(syscall)
    })
}

/// Whether `syscall` is allowed to a container with the default capabilities, and by what.
fn allowed_by(profile: &Value, default_allows: bool, syscall: &str) -> Option<String> {
    let mut denied = false;
    for rule in rules_for(profile, syscall) {
        let action = rule.get("action").and_then(Value::as_str).unwrap_or_default();
        if !unconditional(rule, syscall) {
            continue;
        }
        if allows(action) {
            let caps = strings(rule.get("includes").and_then(|i| i.get("caps")));
            return Some(if caps.is_empty() {
                format!("{syscall}: {action}")
            } else {
                format!("{syscall}: {action} gated on {}, which containers hold by default", caps.join(", "))
            });
        }
        denied = true;
    }
    (default_allows && !denied).then(|| format!("{syscall}: not denied, and defaultAction allows it"))
}

/// Audits the profile `bytes` (named `source` in findings).
///
/// # Errors
/// The text is not a JSON object with a `defaultAction`.
pub fn audit_profile(bytes: &[u8], source: &str) -> crate::Result<Audit> {
    let profile: Value = serde_json::from_slice(bytes).map_err(|e| crate::Error::new(source, e))?;
    audit_value(&profile, source)
}

/// Audits a parsed profile.
///
/// # Errors
/// It is not a JSON object with a `defaultAction`.
pub fn audit_value(profile: &Value, source: &str) -> crate::Result<Audit> {
    let Some(default_action) = profile.get("defaultAction").and_then(Value::as_str) else {
        return Err(crate::Error::new(source, "not a seccomp profile: no defaultAction"));
    };
    let mut audit = Audit::default();
    let at = |field: &str| Location::Host { source: source.to_owned(), field: Some(field.to_owned()) };
    let default_allows = allows(default_action);
    let verdict =
        if default_allows { Verdict::warn(format!("defaultAction: {default_action}")) } else { Verdict::Pass };
    audit.record("hg-seccomp-default-allow", source, &at("defaultAction"), verdict);
    let open: Vec<String> = DANGEROUS.iter().filter_map(|s| allowed_by(profile, default_allows, s)).collect();
    let verdict = if open.is_empty() { Verdict::Pass } else { Verdict::warn(open.join("; ")) };
    audit.record("hg-seccomp-dangerous-syscall", source, &at("syscalls"), verdict);
    audit.record("hg-seccomp-arch-gap", source, &at("architectures"), arch_verdict(profile));
    Ok(audit)
}

/// Whether x86_64 comes with its 32-bit sub-architectures.
fn arch_verdict(profile: &Value) -> Verdict {
    let mut arches: Vec<&str> = strings(profile.get("architectures"));
    for entry in profile.get("archMap").and_then(Value::as_array).into_iter().flatten() {
        arches.extend(entry.get("architecture").and_then(Value::as_str));
        arches.extend(strings(entry.get("subArchitectures")));
    }
    if arches.is_empty() {
        return Verdict::warn("no architectures listed: the rules apply to the native ABI only");
    }
    if arches.contains(&"SCMP_ARCH_X86_64") {
        let missing: Vec<&str> =
            ["SCMP_ARCH_X86", "SCMP_ARCH_X32"].into_iter().filter(|a| !arches.contains(a)).collect();
        if !missing.is_empty() {
            return Verdict::warn(format!("SCMP_ARCH_X86_64 without {}", missing.join(", ")));
        }
    }
    Verdict::Pass
}

/// Whether an audit of a profile found nothing.
#[must_use]
pub fn is_clean(audit: &Audit) -> bool {
    audit.outcomes.iter().all(|o| o.status == CheckStatus::Pass)
}
