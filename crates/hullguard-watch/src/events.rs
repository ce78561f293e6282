//! Events as the kernel side sends them: `struct event` in `bpf/watch.bpf.c`, decoded field by
//! field at its fixed offsets (the C layout, little-endian, no padding between fields).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Offsets and lengths of `struct event`.
mod layout {
    pub const KIND: usize = 0;
    pub const PID: usize = 4;
    pub const PPID: usize = 8;
    pub const UID: usize = 12;
    pub const PIDNS: usize = 16;
    pub const ARGV_LEN: usize = 20;
    pub const ARG0: usize = 24;
    pub const ARG1: usize = 32;
    pub const FAMILY: usize = 40;
    pub const PORT: usize = 42;
    pub const ADDR: usize = 44;
    pub const COMM: usize = 60;
    pub const CGROUP: usize = 76;
    pub const PATH: usize = 148;
    pub const ARGV: usize = 404;
    pub const ARGV_SIZE: usize = 512;
    pub const REPEATS: usize = 916;
    /// `sizeof(struct event)`: the fields above, rounded up to the 8-byte alignment.
    pub const SIZE: usize = 920;
}

/// What the process did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `execve(path, argv)`.
    Exec {
        /// The file asked for, as given (may be relative).
        path: String,
        /// The arguments, `argv[0]` first: at most 16, each cut at 127 bytes, the last one starting
        /// within the first 256 bytes.
        argv: Vec<String>,
        /// Whether its stdin or stdout is a socket (as a reverse shell's are).
        stdio_socket: bool,
    },
    /// `connect` to an IP address.
    Connect {
        /// Destination address.
        addr: IpAddr,
        /// Destination port.
        port: u16,
    },
    /// `connect` to a unix socket (an abstract one starts with `@`).
    ConnectUnix {
        /// The socket path.
        path: String,
    },
    /// `openat` of a watched path (`/etc/`, `/usr/bin/`, `/usr/sbin/`, `/bin/`, `/sbin/`,
    /// `/root/`, the Engine's socket).
    Open {
        /// The path as given.
        path: String,
        /// The open flags (`O_WRONLY` 1, `O_RDWR` 2, `O_CREAT` 0o100, `O_TRUNC` 0o1000).
        flags: u32,
    },
    /// `setuid(uid)`, `setreuid(uid, …)` or `setresuid(uid, …)`.
    Setuid {
        /// The (real) uid asked for.
        uid: u32,
    },
    /// `setgid(gid)`, `setregid(gid, …)` or `setresgid(gid, …)`.
    Setgid {
        /// The (real) gid asked for.
        gid: u32,
    },
    /// `init_module` or `finit_module`: a kernel module load.
    Module {
        /// From a file descriptor (`finit_module`) rather than memory.
        from_file: bool,
    },
    /// A setuid or setgid program started by a process whose real uid is not root (after the exec).
    SetuidExec {
        /// The program as the exec named it.
        path: String,
        /// Its file mode (`0o4000` setuid, `0o2000` setgid).
        mode: u32,
    },
    /// `ptrace(request, pid)`.
    Ptrace {
        /// The request (`PTRACE_ATTACH` 16, …).
        request: u64,
        /// The target pid (in the caller's namespace).
        target: u64,
    },
    /// `mount(…, target, …, flags)`.
    Mount {
        /// The mount point.
        target: String,
        /// The mount flags.
        flags: u64,
    },
    /// `unshare(flags)`.
    Unshare {
        /// The `CLONE_NEW*` flags.
        flags: u64,
    },
    /// `setns(fd, nstype)`.
    Setns {
        /// The namespace type asked for (0: any).
        nstype: u64,
    },
    /// `bpf(cmd, …)`.
    Bpf {
        /// The command (`BPF_PROG_LOAD` 5, …).
        cmd: u64,
    },
}

/// One syscall of a process outside the host's pid namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Process id (thread group), as the host sees it.
    pub pid: u32,
    /// Parent's process id, as the host sees it.
    pub ppid: u32,
    /// Real uid, as the host sees it.
    pub uid: u32,
    /// Inode number of the process's pid namespace (`/proc/PID/ns/pid` shows `pid:[N]`).
    pub pidns: u32,
    /// The thread's command name (15 bytes at most).
    pub comm: String,
    /// The leaf name of the process's cpu cgroup: with cgroup v1 and Docker, the container id.
    pub cgroup: String,
    /// What it did.
    pub action: Action,
    /// Earlier identical events of this process (open, connect) the kernel counted instead of
    /// sending (one per target per second is sent).
    pub repeats: u32,
}

impl Event {
    /// Decodes one ring buffer record; `None` when it is not a whole event of a known kind.
    #[must_use]
    pub fn decode(raw: &[u8]) -> Option<Self> {
        use layout::*;
        if raw.len() < SIZE {
            return None;
        }
        let u32_at = |at: usize| u32::from_le_bytes(raw[at..at + 4].try_into().expect("4 bytes"));
        let u64_at = |at: usize| u64::from_le_bytes(raw[at..at + 8].try_into().expect("8 bytes"));
        let text = |at: usize, len: usize| c_string(&raw[at..at + len]);
        let path = || text(PATH, ARGV - PATH);
        let action = match u32_at(KIND) {
            1 => {
                let used = (u32_at(ARGV_LEN) as usize).min(ARGV_SIZE);
                let argv = raw[ARGV..ARGV + used]
                    .split(|&b| b == 0)
                    .filter(|a| !a.is_empty())
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
                Action::Exec { path: path(), argv, stdio_socket: u64_at(ARG0) != 0 }
            }
            2 => {
                let port = u16::from_le_bytes([raw[PORT], raw[PORT + 1]]);
                let addr: [u8; 16] = raw[ADDR..ADDR + 16].try_into().expect("16 bytes");
                match u16::from_le_bytes([raw[FAMILY], raw[FAMILY + 1]]) {
                    1 => {
                        let sun = &raw[PATH..PATH + 108];
                        let path = match sun.first() {
                            Some(0) => format!("@{}", c_string(&sun[1..])),
                            _ => c_string(sun),
                        };
                        Action::ConnectUnix { path }
                    }
                    2 => Action::Connect { addr: Ipv4Addr::new(addr[0], addr[1], addr[2], addr[3]).into(), port },
                    10 => Action::Connect { addr: Ipv6Addr::from(addr).into(), port },
                    _ => return None,
                }
            }
            3 => Action::Open { path: path(), flags: u64_at(ARG0) as u32 },
            4 => Action::Setuid { uid: u64_at(ARG0) as u32 },
            5 => Action::Ptrace { request: u64_at(ARG0), target: u64_at(ARG1) },
            6 => Action::Mount { target: path(), flags: u64_at(ARG0) },
            7 => Action::Unshare { flags: u64_at(ARG0) },
            8 => Action::Setns { nstype: u64_at(ARG0) },
            9 => Action::Bpf { cmd: u64_at(ARG0) },
            10 => Action::Setgid { gid: u64_at(ARG0) as u32 },
            11 => Action::Module { from_file: u64_at(ARG0) == 1 },
            12 => Action::SetuidExec { path: path(), mode: u64_at(ARG0) as u32 },
            _ => return None,
        };
        Some(Event {
            pid: u32_at(PID),
            ppid: u32_at(PPID),
            uid: u32_at(UID),
            pidns: u32_at(PIDNS),
            comm: text(COMM, CGROUP - COMM),
            cgroup: text(CGROUP, PATH - CGROUP),
            action,
            repeats: u32_at(REPEATS),
        })
    }
}

/// The bytes up to the first NUL, as text.
fn c_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}
