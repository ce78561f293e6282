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
pub mod seccomp;

/// Why watching cannot start or goes on no more.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The eBPF program cannot be loaded or attached (not root, no BTF, tracefs not mounted, …).
    #[error("eBPF: {0}")]
    Bpf(String),
    /// The Docker Engine cannot be reached.
    #[error("{0}")]
    Engine(String),
    /// Alerts cannot be written.
    #[error("cannot write alerts: {0}")]
    Output(String),
}

/// Result with this crate's error.
pub type Result<T> = std::result::Result<T, Error>;

/// What a watch saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events read.
    pub events: u64,
    /// Alerts written.
    pub alerts: u64,
    /// Events the kernel dropped (ring buffer full).
    pub dropped: u64,
}

/// Watches until `stop` returns true (checked between events and every 50 ms without one),
/// writing each alert of `rules` as one JSON line to `out`.
///
/// # Errors
/// eBPF cannot start, the Engine does not answer, or `out` cannot be written.
pub fn run(
    rules: Vec<rules::Rule>,
    window: std::time::Duration,
    out: &mut dyn std::io::Write,
    stop: &dyn Fn() -> bool,
) -> Result<Stats> {
    let mut probe = bpf::Probe::attach()?;
    let mut containers = container::Containers::connect()?;
    let mut alerter = alerts::Alerter::new(rules, window);
    let mut stats = Stats::default();
    while !stop() {
        let Some(event) = probe.poll() else {
            std::thread::sleep(std::time::Duration::from_millis(50));
            continue;
        };
        stats.events += 1;
        let found = containers.of(&event);
        for mut alert in alerter.alerts(&event, found.as_deref()) {
            if let (Some(action), Some(container)) = (alert.response, found.as_deref()) {
                respond(&containers, &container.id, action, &mut alert.json);
            }
            writeln!(out, "{}", alert.json).and_then(|()| out.flush()).map_err(|e| Error::Output(e.to_string()))?;
            stats.alerts += 1;
        }
    }
    stats.dropped = probe.dropped();
    Ok(stats)
}

/// Does `action` to the container, and says in the alert what was done (`hullguard.response`)
/// or why it failed (`hullguard.response_error`).
fn respond(
    containers: &container::Containers,
    id: &str,
    action: hullguard_host::engine::Action,
    alert: &mut serde_json::Value,
) {
    let name = format!("{action:?}").to_ascii_lowercase();
    let fields = &mut alert["output_fields"];
    match containers.act(id, action) {
        Ok(()) => fields["hullguard.response"] = name.into(),
        Err(e) => fields["hullguard.response_error"] = format!("{name}: {e}").into(),
    }
}
