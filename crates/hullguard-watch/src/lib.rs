//! `hullguard watch`: runtime threat detection for containers. Tracepoint programs in the kernel
//! ([`bpf`]) report the syscalls an attack inside a container makes (exec, connect, open of watched
//! paths, setuid, ptrace, mount, unshare, setns, bpf) for processes outside the host's pid
//! namespace only; without eBPF, the proc connector and `/proc` give the execs and connections
//! ([`fallback`]). User space decodes them ([`events`]) and finds their container ([`container`]);
//! [`rules`] decide which are [`alerts`], written as JSON lines and to the [`outputs`].

pub mod alerts;
pub mod bpf;
pub mod container;
pub mod events;
pub mod fallback;
pub mod outputs;
pub mod rules;
pub mod seccomp;

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use events::Event;

/// Why watching cannot start or goes on no more.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The eBPF program cannot be loaded or attached (not root, no BTF, tracefs not mounted, …).
    #[error("eBPF: {0}")]
    Bpf(String),
    /// The proc connector cannot be listened to.
    #[error("proc connector: {0}")]
    Proc(String),
    /// The Docker Engine cannot be reached.
    #[error("{0}")]
    Engine(String),
    /// The command to record (`seccomp record -- docker run …`) is not one, or cannot run.
    #[error("{0}")]
    Command(String),
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
    /// Events lost: dropped by the kernel (eBPF's ring buffer or the proc connector's socket
    /// full), or (fallback) execs of container processes that ended while `/proc` was read.
    pub dropped: u64,
}

/// Where events come from: `auto` is eBPF, or the proc connector when eBPF cannot load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceChoice {
    /// eBPF if it loads, else the fallback.
    #[default]
    Auto,
    /// eBPF or fail.
    Ebpf,
    /// The proc connector and `/proc` polling ([`fallback`]).
    Proc,
}

/// An event source.
enum Source {
    Ebpf(Box<bpf::Probe>),
    Proc(fallback::ProcSource),
}

impl Source {
    /// The source chosen, and the start message saying which it is and which rules it serves.
    fn open(choice: SourceChoice, rules: &[rules::Rule]) -> Result<(Self, String)> {
        let why = match choice {
            SourceChoice::Proc => "--source proc".to_owned(),
            SourceChoice::Ebpf => return Ok((Source::Ebpf(Box::new(bpf::Probe::attach()?)), ebpf_notice(rules))),
            SourceChoice::Auto => match bpf::Probe::attach() {
                Ok(probe) => return Ok((Source::Ebpf(Box::new(probe)), ebpf_notice(rules))),
                Err(Error::Bpf(why)) => format!("no eBPF: {why}"),
                Err(e) => format!("no eBPF: {e}"),
            },
        };
        let source = fallback::ProcSource::open()?;
        Ok((Source::Proc(source), fallback::coverage(rules, &why)))
    }

    /// The next event, waiting at most `wait` for one.
    fn next(&mut self, wait: Duration) -> Option<Event> {
        match self {
            Source::Ebpf(probe) => probe.poll().or_else(|| {
                std::thread::sleep(wait);
                None
            }),
            Source::Proc(source) => source.next(wait),
        }
    }

    /// Events lost so far: dropped by the kernel, or (fallback) gone before they were read.
    fn dropped(&self) -> u64 {
        match self {
            Source::Ebpf(probe) => probe.dropped(),
            Source::Proc(source) => source.missed(),
        }
    }
}

fn ebpf_notice(rules: &[rules::Rule]) -> String {
    format!("hullguard watch: eBPF tracepoints; {n} of {n} rules active\n", n = rules.len())
}

/// What a watch does.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The rules.
    pub rules: Vec<rules::Rule>,
    /// The file they were read from: read again when it changes (a broken file keeps the rules).
    pub rules_file: Option<PathBuf>,
    /// Repeats of one alert within this time are folded into the next.
    pub window: Duration,
    /// Where events come from.
    pub source: SourceChoice,
    /// Each alert also POSTed here.
    pub webhook: Option<String>,
    /// Each alert also recorded in this server's event store.
    pub server: Option<Server>,
    /// Prometheus counters served here on `/metrics`.
    pub metrics_addr: Option<std::net::SocketAddr>,
}

/// A `hullguard server` whose event store takes the alerts (`POST /api/v1/events`).
#[derive(Debug, Clone)]
pub struct Server {
    /// Its base URL (`http://127.0.0.1:8080`).
    pub url: String,
    /// An API token of scope scan or admin.
    pub token: String,
}

/// How often the rules file's modification time and the drop count are looked at.
const HOUSEKEEPING: Duration = Duration::from_millis(500);

/// Watches until `stop` returns true (checked between events and every 50 ms without one),
/// writing each alert as one JSON line to `out` (and to the webhook and server), and to `log` what the watch
/// runs on, rules reloads and delivery failures.
///
/// # Errors
/// No source can start, the Engine does not answer, the metrics address cannot be listened on, or
/// `out` cannot be written.
pub fn run(options: Options, out: &mut dyn Write, log: &mut dyn Write, stop: &dyn Fn() -> bool) -> Result<Stats> {
    let (mut source, notice) = Source::open(options.source, &options.rules)?;
    let logged = |log: &mut dyn Write, text: &str| {
        log.write_all(text.as_bytes()).and_then(|()| log.flush()).map_err(|e| Error::Output(e.to_string()))
    };
    logged(log, &notice)?;
    let mut containers = container::Containers::connect()?;
    let metrics = outputs::Metrics::default();
    if let Some(addr) = options.metrics_addr {
        metrics.serve(addr)?;
    }
    let mut senders = Vec::new();
    if let Some(url) = &options.webhook {
        senders.push(outputs::Webhook::start("webhook", url, None)?);
    }
    if let Some(server) = &options.server {
        let url = format!("{}/api/v1/events", server.url.trim_end_matches('/'));
        senders.push(outputs::Webhook::start("server", &url, Some(&server.token))?);
    }
    let mut rules_seen = options.rules_file.as_deref().and_then(modified);
    let mut alerter = alerts::Alerter::new(options.rules, options.window);
    let mut stats = Stats::default();
    let mut housekept = Instant::now();
    while !stop() {
        if housekept.elapsed() >= HOUSEKEEPING {
            housekept = Instant::now();
            metrics.dropped_total(source.dropped());
            for line in senders.iter().flat_map(outputs::Webhook::failures) {
                logged(log, &format!("{line}\n"))?;
            }
            if let Some(path) = &options.rules_file {
                let now = modified(path);
                if now != rules_seen {
                    rules_seen = now;
                    logged(log, &reload(path, &mut alerter))?;
                }
            }
        }
        let Some(event) = source.next(Duration::from_millis(50)) else { continue };
        stats.events += 1;
        metrics.event();
        let found = containers.of(&event);
        for mut alert in alerter.alerts(&event, found.as_deref()) {
            if let (Some(action), Some(container)) = (alert.response, found.as_deref()) {
                respond(&containers, &container.id, action, &mut alert.json);
            }
            writeln!(out, "{}", alert.json).and_then(|()| out.flush()).map_err(|e| Error::Output(e.to_string()))?;
            metrics.alert(alert.json["rule"].as_str().unwrap_or_default());
            for sender in &mut senders {
                sender.send(&alert.json);
            }
            stats.alerts += 1;
        }
    }
    stats.dropped = source.dropped();
    for line in senders.into_iter().flat_map(outputs::Webhook::finish) {
        logged(log, &format!("{line}\n"))?;
    }
    Ok(stats)
}

/// When the file was last changed (`None`: it cannot be read).
fn modified(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Reads the rules file again: the line saying how many rules are now in force, or the error and
/// that the previous rules stay.
fn reload(path: &std::path::Path, alerter: &mut alerts::Alerter) -> String {
    let name = path.display().to_string();
    let parsed =
        std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}")).and_then(|text| rules::parse(&name, &text));
    match parsed {
        Ok(rules) => {
            let line = format!("{name}: reloaded, {} rules\n", rules.len());
            alerter.replace_rules(rules);
            line
        }
        Err(e) => format!("{e} (the previous rules stay in force)\n"),
    }
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
