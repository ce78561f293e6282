//! `hullguard seccomp record`: the syscalls a container's processes make, seen by a tracepoint on
//! every syscall entry (`record.bpf.c`) for the container's pid namespace only, written as a
//! Docker/OCI seccomp profile that allows exactly those and denies the rest with `EPERM`.

use std::collections::BTreeSet;
use std::time::Duration;

use aya::maps::Array;
use aya::programs::TracePoint;
use hullguard_host::engine::Engine;
use serde_json::{Value, json};

use crate::bpf::{chain, take};
use crate::{Error, Result};

/// The compiled recorder; empty when clang or bpftool were missing at build time.
static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/record.bpf.o"));

/// Syscall numbers the recorder sees (`MAX_SYSCALLS` in `record.bpf.c`).
const MAX_SYSCALLS: u32 = 1024;

/// What runc does between applying the filter and the container's first exec, without
/// `no-new-privileges` (user, groups and capabilities set, working directory, every fd above stdio
/// marked close-on-exec through `/proc/self/fd`, the exec fifo opened and written, exec), and
/// what its Go runtime's threads may do meanwhile: allowed in every profile, since a recording of
/// a running container cannot see its start. Found with a `SCMP_ACT_LOG` profile (runc 1.x).
pub const RUNTIME: [&str; 40] = [
    "capget",
    "capset",
    "chdir",
    "close",
    "close_range",
    "epoll_ctl",
    "epoll_pwait",
    "execve",
    "exit",
    "exit_group",
    "faccessat2",
    "fcntl",
    "fstat",
    "fstatfs",
    "futex",
    "getcwd",
    "getdents64",
    "getpid",
    "getppid",
    "gettid",
    "madvise",
    "mmap",
    "mprotect",
    "munmap",
    "nanosleep",
    "newfstatat",
    "openat",
    "prctl",
    "read",
    "readlinkat",
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "sched_yield",
    "setgid",
    "setgroups",
    "setuid",
    "sigaltstack",
    "tgkill",
    "write",
];

/// The host pid of a running container's first process, and the inode number of its pid
/// namespace.
///
/// # Errors
/// The Engine does not answer, does not know the container, or it is not running.
pub fn container_pidns(container: &str) -> Result<(u32, u32)> {
    let engine = Engine::connect().map_err(|e| Error::Engine(e.to_string()))?;
    let (facts, _) = engine.containers(&[container.to_owned()]).map_err(|e| Error::Engine(e.to_string()))?;
    let inspect = &facts.first().ok_or_else(|| Error::Engine(format!("no container {container}")))?.inspect;
    let pid = inspect["State"]["Pid"].as_u64().filter(|&p| p > 0);
    let pid = pid.ok_or_else(|| Error::Engine(format!("container {container} is not running")))? as u32;
    let link = std::fs::read_link(format!("/proc/{pid}/ns/pid"))
        .map_err(|e| Error::Bpf(format!("/proc/{pid}/ns/pid: {e}")))?;
    let inode =
        link.to_string_lossy().strip_prefix("pid:[").and_then(|l| l.strip_suffix(']')).and_then(|n| n.parse().ok());
    Ok((pid, inode.ok_or_else(|| Error::Bpf(format!("/proc/{pid}/ns/pid: unexpected link {}", link.display())))?))
}

/// The syscall numbers the processes of pid namespace `pidns` enter during `duration`.
///
/// # Errors
/// The recorder cannot be loaded or attached (not root, no BTF, tracefs not mounted).
pub fn record(pidns: u32, duration: Duration) -> Result<BTreeSet<u32>> {
    if OBJECT.is_empty() {
        return Err(Error::Bpf("hullguard was built without clang and bpftool: no eBPF program".into()));
    }
    let mut ebpf = aya::EbpfLoader::new()
        .override_global("target_pidns", &pidns, true)
        .load(OBJECT)
        .map_err(|e| Error::Bpf(format!("cannot load the recorder: {}", chain(&e))))?;
    let program: &mut TracePoint = ebpf
        .program_mut("on_sys_enter")
        .ok_or_else(|| Error::Bpf("program on_sys_enter missing from the object".into()))?
        .try_into()
        .map_err(|e| Error::Bpf(format!("on_sys_enter: {e}")))?;
    program.load().map_err(|e| Error::Bpf(format!("on_sys_enter refused: {}", chain(&e))))?;
    program.attach("raw_syscalls", "sys_enter").map_err(|e| {
        Error::Bpf(format!("cannot attach to raw_syscalls/sys_enter (is tracefs mounted?): {}", chain(&e)))
    })?;
    std::thread::sleep(duration);
    let seen: Array<_, u8> = take(&mut ebpf, "seen", Array::try_from)?;
    Ok((0..MAX_SYSCALLS).filter(|&n| seen.get(&n, 0).is_ok_and(|v| v != 0)).collect())
}

/// A Docker/OCI seccomp profile (x86-64) allowing the syscalls numbered `seen` and [`RUNTIME`]
/// (names sorted), every other syscall failing with `EPERM`. Numbers without a name are left out.
#[must_use]
pub fn profile(seen: &BTreeSet<u32>) -> Value {
    let recorded = seen.iter().filter_map(|&n| syscalls::Sysno::new(n as usize)).map(|s| s.name());
    let names: BTreeSet<&str> = recorded.chain(RUNTIME).collect();
    json!({
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [{ "names": names, "action": "SCMP_ACT_ALLOW" }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_names_recorded_and_runtime_syscalls_once_sorted() {
        let p = profile(&[0, 1, 321, 1023].into_iter().collect()); // read, write, bpf, no name
        let names: Vec<&str> =
            p["syscalls"][0]["names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        assert_eq!(names.len(), RUNTIME.len() + 1, "{names:?}"); // read and write are in RUNTIME
        assert!(names.contains(&"read") && names.contains(&"bpf") && names.is_sorted());
        assert_eq!(p["defaultAction"], "SCMP_ACT_ERRNO");
    }
}
