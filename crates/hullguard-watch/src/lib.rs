//! `hullguard watch`: runtime threat detection for containers. Tracepoint programs in the kernel
//! ([`bpf`]) report the syscalls an attack inside a container makes (exec, connect, open of watched
//! paths, setuid, ptrace, mount, unshare, setns, bpf) for processes outside the host's pid
//! namespace only; user space decodes them ([`events`]) and finds their container ([`container`]);
//! [`rules`] decide which are [`alerts`].

pub mod alerts;
pub mod bpf;
pub mod container;
pub mod events;
pub mod rules;

/// Why watching cannot start or goes on no more.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The eBPF program cannot be loaded or attached (not root, no BTF, tracefs not mounted, …).
    #[error("eBPF: {0}")]
    Bpf(String),
    /// The Docker Engine cannot be reached.
    #[error("{0}")]
    Engine(String),
}

/// Result with this crate's error.
pub type Result<T> = std::result::Result<T, Error>;
