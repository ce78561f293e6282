//! The seccomp profile checks (`HG-SECCOMP-…`, hullguard's own: the catalogue has no seccomp
//! section): their metadata, ordered by id.

use super::CheckMeta;
use hullguard_report::Severity;

/// Every seccomp profile check.
pub(super) static SECCOMP: &[CheckMeta] = &[
    CheckMeta {
        id: "HG-SECCOMP-001",
        concept: "hg-seccomp-default-allow",
        title: "Seccomp profile allows every syscall it does not name (defaultAction allow)",
        severity: Severity::High,
        description: "A profile whose defaultAction is SCMP_ACT_ALLOW (or SCMP_ACT_LOG) is a deny list: every syscall it forgets, and every syscall a newer kernel adds, is allowed. Docker's default profile denies by default (SCMP_ACT_ERRNO) and allows a reviewed list.",
        remediation: "Start from Docker's default profile (defaultAction SCMP_ACT_ERRNO) and allow only the syscalls the workload needs.",
        peer_ids: &[],
        references: &["https://docs.docker.com/engine/security/seccomp/"],
    },
    CheckMeta {
        id: "HG-SECCOMP-002",
        concept: "hg-seccomp-dangerous-syscall",
        title: "Seccomp profile allows a dangerous syscall that Docker's default profile denies",
        severity: Severity::High,
        description: "Docker's default profile denies syscalls that let a container reach the host's kernel or other processes (mount, bpf, keyctl, unshare, setns, kexec_load, open_by_handle_at, init_module, perf_event_open, userfaultfd, ptrace on kernels before 4.8, …), or allows them only to containers holding the capability they need (CAP_SYS_ADMIN, CAP_SYS_MODULE …). A profile that allows one unconditionally — or gated on a capability every container holds by default — re-opens it.",
        remediation: "Remove the syscall from the profile's allow rules, or gate the rule on the capability Docker's default profile uses (includes.caps).",
        peer_ids: &[],
        references: &[
            "https://docs.docker.com/engine/security/seccomp/#significant-syscalls-blocked-by-the-default-profile",
        ],
    },
    CheckMeta {
        id: "HG-SECCOMP-003",
        concept: "hg-seccomp-arch-gap",
        title: "Seccomp profile leaves out architectures the host runs syscalls in",
        severity: Severity::Low,
        description: "The rules of a profile apply to the architectures it lists. On x86_64, programs can also make 32-bit (x86) and x32 syscalls; a profile that lists SCMP_ARCH_X86_64 without them (or lists no architecture at all) leaves those syscall ABIs to the runtime's bad-architecture action instead of the profile's rules.",
        remediation: "List the native architecture with its sub-architectures, as Docker's default does (archMap: SCMP_ARCH_X86_64 with SCMP_ARCH_X86 and SCMP_ARCH_X32).",
        peer_ids: &[],
        references: &["https://docs.docker.com/engine/security/seccomp/"],
    },
];
