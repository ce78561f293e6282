//! The seccomp profile audit. The reference profile is written here from the semantics Docker
//! documents for its default profile: deny by default (`SCMP_ACT_ERRNO`), x86_64 with its x86 and
//! x32 sub-architectures, a reviewed allow list, the ptrace family allowed from kernel 4.8, and the
//! dangerous syscalls allowed only to containers holding the capability they need. It audits clean;
//! each change that re-opens a hole is one finding.

use hullguard_host::seccomp::{audit_profile, audit_value, is_clean};
use hullguard_report::CheckStatus;
use serde_json::{Value, json};

const ALLOWED: &[&str] = &[
    "accept",
    "access",
    "arch_prctl",
    "bind",
    "brk",
    "capget",
    "capset",
    "chdir",
    "chmod",
    "chown",
    "clock_gettime",
    "close",
    "connect",
    "dup",
    "dup2",
    "dup3",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "execve",
    "exit",
    "exit_group",
    "faccessat",
    "fchmod",
    "fchown",
    "fcntl",
    "fstat",
    "futex",
    "getdents64",
    "getpid",
    "getppid",
    "getuid",
    "ioctl",
    "kill",
    "listen",
    "lseek",
    "madvise",
    "mkdir",
    "mmap",
    "mprotect",
    "munmap",
    "nanosleep",
    "newfstatat",
    "open",
    "openat",
    "pipe2",
    "poll",
    "prctl",
    "pread64",
    "read",
    "readlink",
    "recvfrom",
    "rename",
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "sendto",
    "set_robust_list",
    "set_tid_address",
    "setgid",
    "setuid",
    "socket",
    "stat",
    "uname",
    "unlink",
    "wait4",
    "write",
];

/// The reference profile (Docker's default, by its documented semantics).
fn docker_default() -> Value {
    let gated =
        |names: &[&str], cap: &str| json!({"names": names, "action": "SCMP_ACT_ALLOW", "includes": {"caps": [cap]}});
    json!({
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "archMap": [
            {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
            {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}
        ],
        "syscalls": [
            {"names": ALLOWED, "action": "SCMP_ACT_ALLOW"},
            {"names": ["kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"],
             "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
            {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": 2114060288u64, "op": "SCMP_CMP_MASKED_EQ"}], "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
            gated(&["bpf", "clone", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie",
                    "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open", "quotactl", "setns",
                    "syslog", "umount", "umount2", "unshare"], "CAP_SYS_ADMIN"),
            gated(&["kexec_file_load", "kexec_load", "reboot"], "CAP_SYS_BOOT"),
            gated(&["delete_module", "finit_module", "init_module"], "CAP_SYS_MODULE"),
            gated(&["acct"], "CAP_SYS_PACCT"),
            gated(&["kcmp", "process_vm_readv", "process_vm_writev", "ptrace"], "CAP_SYS_PTRACE"),
            gated(&["iopl", "ioperm"], "CAP_SYS_RAWIO"),
            gated(&["clock_settime", "settimeofday", "stime"], "CAP_SYS_TIME"),
            gated(&["syslog"], "CAP_SYSLOG"),
            gated(&["bpf"], "CAP_BPF"),
            gated(&["perf_event_open"], "CAP_PERFMON"),
            gated(&["open_by_handle_at"], "CAP_DAC_READ_SEARCH")
        ]
    })
}

/// (id, evidence) of each finding.
fn found(profile: &Value) -> Vec<(String, String)> {
    let audit = audit_value(profile, "profile.json").unwrap();
    assert_eq!(audit.outcomes.len(), 3);
    audit.findings.iter().map(|f| (f.id.clone(), f.evidence.clone().unwrap_or_default())).collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

fn with_rule(rule: Value) -> Value {
    let mut p = docker_default();
    p["syscalls"].as_array_mut().unwrap().push(rule);
    p
}

#[test]
fn dockers_default_profile_audits_clean() {
    let audit = audit_value(&docker_default(), "default.json").unwrap();
    assert!(is_clean(&audit), "{:?}", audit.findings);
    assert!(audit.outcomes.iter().all(|o| o.status == CheckStatus::Pass));
}

#[test]
fn an_unconditional_allow_of_dangerous_syscalls() {
    let p = with_rule(json!({"names": ["keyctl", "mount", "getpid"], "action": "SCMP_ACT_ALLOW"}));
    assert_eq!(found(&p), pairs(&[("HG-SECCOMP-002", "keyctl: SCMP_ACT_ALLOW; mount: SCMP_ACT_ALLOW")]));
    // The legacy single `name` form, and a LOG action, allow too.
    let p = with_rule(json!({"name": "userfaultfd", "action": "SCMP_ACT_LOG"}));
    assert_eq!(found(&p), pairs(&[("HG-SECCOMP-002", "userfaultfd: SCMP_ACT_LOG")]));
}

#[test]
fn ptrace_is_open_only_without_the_kernel_4_8_condition() {
    let p = with_rule(json!({"names": ["ptrace"], "action": "SCMP_ACT_ALLOW"}));
    assert_eq!(found(&p), pairs(&[("HG-SECCOMP-002", "ptrace: SCMP_ACT_ALLOW")]));
    let p = with_rule(json!({"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "5.4"}}));
    assert!(found(&p).is_empty());
    let p = with_rule(json!({"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.4"}}));
    assert_eq!(found(&p), pairs(&[("HG-SECCOMP-002", "ptrace: SCMP_ACT_ALLOW")]));
}

#[test]
fn a_gate_on_a_capability_every_container_holds_is_no_gate() {
    let p = with_rule(json!({"names": ["unshare"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_CHOWN"]}}));
    assert_eq!(
        found(&p),
        pairs(&[("HG-SECCOMP-002", "unshare: SCMP_ACT_ALLOW gated on CAP_CHOWN, which containers hold by default")])
    );
    // An argument filter makes a rule conditional.
    let p = with_rule(
        json!({"names": ["setns"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}]}),
    );
    assert!(found(&p).is_empty());
}

#[test]
fn default_allow_reports_itself_and_every_dangerous_syscall_it_does_not_deny() {
    let mut deny: Vec<&str> = hullguard_host::seccomp::DANGEROUS.to_vec();
    deny.retain(|s| !["bpf", "setns"].contains(s));
    let p = json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [{"names": deny, "action": "SCMP_ACT_ERRNO"}]
    });
    assert_eq!(
        found(&p),
        pairs(&[
            ("HG-SECCOMP-001", "defaultAction: SCMP_ACT_ALLOW"),
            (
                "HG-SECCOMP-002",
                "bpf: not denied, and defaultAction allows it; setns: not denied, and defaultAction allows it"
            ),
        ])
    );
}

#[test]
fn architecture_gaps() {
    let mut p = docker_default();
    p.as_object_mut().unwrap().remove("archMap");
    assert_eq!(
        found(&p),
        pairs(&[("HG-SECCOMP-003", "no architectures listed: the rules apply to the native ABI only")])
    );
    p["architectures"] = json!(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]);
    assert_eq!(found(&p), pairs(&[("HG-SECCOMP-003", "SCMP_ARCH_X86_64 without SCMP_ARCH_X32")]));
}

#[test]
fn what_is_not_a_profile_is_an_error() {
    let e = audit_profile(b"{\"syscalls\": []}", "p.json").unwrap_err().to_string();
    assert_eq!(e, "p.json: not a seccomp profile: no defaultAction");
    let e = audit_profile(b"{nope", "p.json").unwrap_err().to_string();
    assert!(e.starts_with("p.json: key must be a string"), "{e}");
}
