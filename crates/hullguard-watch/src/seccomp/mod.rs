//! `hullguard seccomp record`: the syscalls a container's processes make, seen by a tracepoint on
//! every syscall entry (`record.bpf.c`) per pid namespace, of a running container's or (with
//! `-- docker run …`) of one started while recording, written as a Docker/OCI seccomp profile that
//! allows exactly those and denies the rest with `EPERM`.

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use aya::maps::{Array, HashMap};
use hullguard_host::engine::Engine;
use serde_json::{Value, json};

use crate::bpf::{load, take};
use crate::{Error, Result};

/// The compiled recorder; empty when clang or bpftool were missing at build time.
static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/record.bpf.o"));

/// The recorder's program and the tracepoint (category, name) it attaches to: every syscall entry.
const PROGRAMS: [(&str, &str, &str); 1] = [("on_sys_enter", "raw_syscalls", "sys_enter")];

/// Bytes of a cgroup leaf name the recorder keeps (`CGROUP_LEN` in `record.bpf.c`).
const CGROUP_LEN: usize = 72;

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

/// The recorder attached: the syscalls entered in every pid namespace but the host's from now
/// on, each namespace with the cpu cgroup leaf of the first process seen in it.
pub struct Recorder {
    ebpf: aya::Ebpf,
}

impl Recorder {
    /// Loads and attaches the recorder.
    ///
    /// # Errors
    /// It cannot be loaded or attached (not root, no BTF, tracefs not mounted).
    pub fn attach() -> Result<Self> {
        let ebpf = load(OBJECT, "the recorder", &PROGRAMS)?;
        Ok(Recorder { ebpf })
    }

    /// The syscall numbers entered so far in the pid namespaces that `wanted` picks by their
    /// inode and cgroup leaf name; the recorder is detached.
    ///
    /// # Errors
    /// The maps cannot be read, or were full (marks were lost: the profile would be short).
    pub fn syscalls(mut self, wanted: impl Fn(u32, &str) -> bool) -> Result<BTreeSet<u32>> {
        let lost: Array<_, u64> = take(&mut self.ebpf, "lost", Array::try_from)?;
        let lost = lost.get(&0, 0).map_err(|e| Error::Bpf(format!("map lost: {e}")))?;
        if lost > 0 {
            return Err(Error::Bpf(format!("{lost} syscalls not recorded: the recorder's maps were full")));
        }
        let namespaces: HashMap<_, u32, [u8; CGROUP_LEN]> = take(&mut self.ebpf, "namespaces", HashMap::try_from)?;
        let picked: HashSet<u32> = namespaces
            .iter()
            .filter_map(std::result::Result::ok)
            .filter(|(inode, cgroup)| {
                let end = cgroup.iter().position(|&b| b == 0).unwrap_or(CGROUP_LEN);
                wanted(*inode, &String::from_utf8_lossy(&cgroup[..end]))
            })
            .map(|(inode, _)| inode)
            .collect();
        let seen: HashMap<_, u64, u8> = take(&mut self.ebpf, "seen", HashMap::try_from)?;
        let marks = seen.keys().filter_map(std::result::Result::ok);
        Ok(marks.filter(|key| picked.contains(&(*key as u32))).map(|key| (key >> 32) as u32).collect())
    }
}

/// The syscall numbers the processes of pid namespace `pidns` enter during `duration`.
///
/// # Errors
/// The recorder cannot be loaded or attached (not root, no BTF, tracefs not mounted).
pub fn record(pidns: u32, duration: Duration) -> Result<BTreeSet<u32>> {
    let recorder = Recorder::attach()?;
    std::thread::sleep(duration);
    recorder.syscalls(|inode, _| inode == pidns)
}

/// What [`record_run`] recorded.
#[derive(Debug)]
pub struct Run {
    /// The id of the container `docker run` created.
    pub container: String,
    /// The syscall numbers its processes entered.
    pub syscalls: BTreeSet<u32>,
    /// How `docker run` ended; `None` when `until` came first (it is left running).
    pub status: Option<std::process::ExitStatus>,
}

/// Runs `docker run ARGS` (`command` is `docker`, `run`, ARGS; docker runs the image, not this
/// tool) with the recorder attached before it starts, and records the syscalls of the container
/// it creates from its first process until it stops (after `docker run` returns, for `-d`) or
/// `until` passes. The container is told by its id, written by docker to a `--cidfile` added to
/// the arguments, and matched to its pid namespaces by their cgroup (cgroup v1: the id).
///
/// # Errors
/// `command` is not `docker run …`; docker cannot be started or creates no container; the
/// recorder cannot run; nothing of the container was recorded (another cgroup layout).
pub fn record_run(command: &[String], until: Option<Instant>) -> Result<Run> {
    let [docker, run, args @ ..] = command else {
        return Err(Error::Command("expected `docker run [ARGS…]` after `--`".into()));
    };
    let is_docker = std::path::Path::new(docker).file_name().is_some_and(|n| n == "docker");
    if !is_docker || run != "run" {
        return Err(Error::Command(format!("only `docker run …` is recorded from the start, not `{docker} {run}`")));
    }
    let recorder = Recorder::attach()?;
    let dir = tempfile::tempdir().map_err(|e| Error::Command(format!("a temporary directory: {e}")))?;
    let cidfile = dir.path().join("cid");
    let mut child = std::process::Command::new(docker)
        .arg("run")
        .arg("--cidfile")
        .arg(&cidfile)
        .args(args)
        .spawn()
        .map_err(|e| Error::Command(format!("{docker}: {e}")))?;
    let passed = || until.is_some_and(|t| Instant::now() >= t);
    let status = loop {
        match child.try_wait().map_err(|e| Error::Command(format!("{docker} run: {e}")))? {
            Some(status) => break Some(status),
            None if passed() => break None,
            None => std::thread::sleep(POLL),
        }
    };
    let id = std::fs::read_to_string(&cidfile).map(|id| id.trim().to_owned()).unwrap_or_default();
    if id.is_empty() {
        let how = status.map_or_else(|| "is still running".to_owned(), |s| format!("ended ({s})"));
        return Err(Error::Command(format!("{docker} run {how} without creating a container")));
    }
    if status.is_some() {
        // `docker run -d` returns at once: the container runs on.
        let engine = Engine::connect().map_err(|e| Error::Engine(e.to_string()))?;
        while !passed() && is_running(&engine, &id) {
            std::thread::sleep(POLL);
        }
    }
    let syscalls = recorder.syscalls(|_, cgroup| cgroup == id)?;
    if syscalls.is_empty() {
        return Err(Error::Command(format!(
            "no syscall of container {id} was seen (its processes are told by a cpu cgroup named by \
             the container id: cgroup v1 and Docker's cgroupfs driver)"
        )));
    }
    Ok(Run { container: id, syscalls, status })
}

/// How often [`record_run`] looks whether docker or the container ended.
const POLL: Duration = Duration::from_millis(50);

/// Whether the container is still running (gone counts as not).
fn is_running(engine: &Engine, id: &str) -> bool {
    engine
        .containers(&[id.to_owned()])
        .is_ok_and(|(facts, _)| facts.first().is_some_and(|f| f.inspect["State"]["Running"] == true))
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
