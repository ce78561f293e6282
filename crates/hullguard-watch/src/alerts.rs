//! From events to alerts: each event's fields (the names rules and alerts use), matched against
//! the rules, repeats of one alert within a window folded into one, written in Falco's JSON shape.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

use crate::container::{Container, Origin, origin};
use crate::events::{Action, Event};
use crate::rules::{self, Rule};

/// Open flags that write: `O_WRONLY`, `O_RDWR`, `O_CREAT`, `O_TRUNC`.
const WRITE_FLAGS: u32 = 0o1 | 0o2 | 0o100 | 0o1000;

/// Processes remembered (pid → exe and command line from their exec), forgotten all at once when
/// full; also the most alert keys kept before those outside the window are forgotten.
const MAX_PROCESSES: usize = 1 << 16;

/// What an exec said about its process, for the process's later events.
#[derive(Debug, Clone)]
struct Process {
    exe: String,
    cmdline: String,
    origin: Origin,
}

/// The fields of one event of a process in `container` (`None`: one the Engine does not know).
#[must_use]
fn fields(event: &Event, container: Option<&Container>, process: Option<&Process>) -> BTreeMap<&'static str, String> {
    let mut f = BTreeMap::new();
    let mut arg = |name: &'static str, value: String| f.insert(name, value);
    let (kind, fd) = match &event.action {
        Action::Exec { path, stdio_socket, .. } => {
            arg("proc.stdio_socket", stdio_socket.to_string());
            ("exec", Some(path.clone()))
        }
        Action::Connect { addr, port } => {
            arg("fd.port", port.to_string());
            ("connect", Some(std::net::SocketAddr::new(*addr, *port).to_string()))
        }
        Action::ConnectUnix { path } => ("connect", Some(path.clone())),
        Action::Open { path, flags } => {
            arg("fd.write", (flags & WRITE_FLAGS != 0).to_string());
            ("open", Some(path.clone()))
        }
        Action::Setuid { uid } => {
            arg("evt.arg.id", uid.to_string());
            ("setuid", None)
        }
        Action::Setgid { gid } => {
            arg("evt.arg.id", gid.to_string());
            ("setgid", None)
        }
        Action::Ptrace { request, target } => {
            arg("evt.arg.request", request.to_string());
            arg("evt.arg.pid", target.to_string());
            ("ptrace", None)
        }
        Action::Mount { target, .. } => ("mount", Some(target.clone())),
        Action::Unshare { flags } => {
            arg("evt.arg.flags", format!("{flags:#x}"));
            ("unshare", None)
        }
        Action::Setns { nstype } => {
            arg("evt.arg.flags", format!("{nstype:#x}"));
            ("setns", None)
        }
        Action::Module { from_file } => (if *from_file { "finit_module" } else { "init_module" }, None),
        Action::Bpf { cmd } => {
            arg("evt.arg.cmd", cmd.to_string());
            ("bpf", None)
        }
        Action::SetuidExec { path, mode } => {
            arg("evt.arg.mode", format!("{mode:o}"));
            ("setuid_exec", Some(path.clone()))
        }
    };
    f.insert("evt.type", kind.to_owned());
    if let Some(fd) = fd {
        f.insert("fd.name", fd);
    }
    f.insert("proc.pid", event.pid.to_string());
    f.insert("proc.ppid", event.ppid.to_string());
    f.insert("user.uid", event.uid.to_string());
    match process {
        Some(p) => {
            let name = p.exe.rsplit('/').next().unwrap_or_default().to_owned();
            f.insert("proc.name", name);
            f.insert("proc.exe", p.exe.clone());
            f.insert("proc.cmdline", p.cmdline.clone());
            f.insert("proc.origin", origin_name(p.origin).to_owned());
        }
        None => {
            f.insert("proc.name", event.comm.clone());
            f.insert("proc.cmdline", event.comm.clone());
        }
    }
    if let Some(c) = container {
        f.insert("container.id", c.id.chars().take(12).collect());
        f.insert("container.name", c.name.clone());
        f.insert("container.image.repository", c.repository().to_owned());
        if let (Action::Exec { path, .. }, Some(upper)) = (&event.action, &c.upper_dir) {
            let drift = path.starts_with('/') && Path::new(upper).join(&path[1..]).is_file();
            f.insert("container.drift", drift.to_string());
        }
    }
    f
}

fn origin_name(origin: Origin) -> &'static str {
    match origin {
        Origin::Exec => "exec",
        Origin::Healthcheck => "healthcheck",
        Origin::Container => "container",
    }
}

/// One alert and what its rule says to do to the container.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The alert in Falco's JSON shape.
    pub json: Value,
    /// Stop, pause or kill; `None`: alert only.
    pub response: Option<hullguard_host::engine::Action>,
}

/// Repeats of one alert folded since it was last written.
#[derive(Debug, Clone, Copy)]
struct Folded {
    written: Instant,
    repeats: u64,
    first: Option<SystemTime>,
    last: Option<SystemTime>,
}

/// One rule's alerts in its current minute, and those its rate limit held back.
#[derive(Debug, Clone, Copy)]
struct Rate {
    since: Instant,
    written: u32,
    held: u64,
}

/// Matches events against rules, leaves out exceptions, folds repeats and applies rate limits.
pub struct Alerter {
    rules: Vec<Rule>,
    window: Duration,
    hostname: String,
    processes: HashMap<u32, Process>,
    /// Per rule, container, process image and target: the repeats since its last alert.
    recent: HashMap<(usize, String, String, String), Folded>,
    /// Per rule (index).
    rates: Vec<Rate>,
}

impl Alerter {
    /// Alerts for `rules`; an alert repeated within `window` is counted, not written again.
    #[must_use]
    pub fn new(rules: Vec<Rule>, window: Duration) -> Self {
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default().trim().to_owned();
        let rates = vec![Rate { since: Instant::now(), written: 0, held: 0 }; rules.len()];
        Alerter { rules, window, hostname, processes: HashMap::new(), recent: HashMap::new(), rates }
    }

    /// Puts `rules` in force instead (their repeats and rate limits start afresh).
    pub fn replace_rules(&mut self, rules: Vec<Rule>) {
        self.rates = vec![Rate { since: Instant::now(), written: 0, held: 0 }; rules.len()];
        self.rules = rules;
        self.recent.clear();
    }

    /// The alerts for one event of a process in `container`.
    pub fn alerts(&mut self, event: &Event, container: Option<&Container>) -> Vec<Alert> {
        if let Action::Exec { path, argv, .. } = &event.action {
            if self.processes.len() >= MAX_PROCESSES {
                self.processes.clear();
            }
            let name = path.rsplit('/').next().unwrap_or_default();
            let cmdline =
                std::iter::once(name).chain(argv.iter().skip(1).map(String::as_str)).collect::<Vec<_>>().join(" ");
            let origin = container.map_or(Origin::Container, |c| origin(c, event));
            self.processes.insert(event.pid, Process { exe: path.clone(), cmdline, origin });
        }
        let fields = fields(event, container, self.processes.get(&event.pid));
        let get = |name: &str| fields.get(name).cloned().unwrap_or_default();
        let now = Instant::now();
        let mut alerts = Vec::new();
        for (n, rule) in self.rules.iter().enumerate() {
            if !rule.condition.matches(&fields) || rule.exceptions.iter().any(|e| e.matches(&fields)) {
                continue;
            }
            let key = (
                n,
                get("container.id"),
                fields.get("proc.exe").unwrap_or(&fields["proc.name"]).clone(),
                target(&fields),
            );
            // The kernel's repeats of this event came before it: they belong to the alert folded so far.
            let earlier = u64::from(event.repeats);
            let folded = match self.recent.get_mut(&key) {
                Some(f) if now.duration_since(f.written) < self.window => {
                    f.repeats += 1 + earlier;
                    let at = SystemTime::now();
                    f.first.get_or_insert(at);
                    f.last = Some(at);
                    continue;
                }
                Some(f) => Some(Folded { repeats: f.repeats + earlier, ..*f }),
                None => None,
            };
            let rate = &mut self.rates[n];
            if now.duration_since(rate.since) >= Duration::from_secs(60) {
                *rate = Rate { since: now, written: 0, held: rate.held };
            }
            if rule.rate_limit.is_some_and(|limit| rate.written >= limit) {
                rate.held += 1;
                continue;
            }
            rate.written += 1;
            let held = std::mem::take(&mut rate.held);
            if self.recent.len() >= MAX_PROCESSES {
                self.recent.retain(|_, f| now.duration_since(f.written) < self.window);
            }
            self.recent.insert(key, Folded { written: now, repeats: 0, first: None, last: None });
            let json = self.alert(rule, &fields, folded.filter(|f| f.repeats > 0), held);
            alerts.push(Alert { json, response: rule.response });
        }
        alerts
    }

    /// The alert's JSON: with the repeats folded into it (their count, first and last time) and
    /// the alerts of its rule its rate limit held back since the last one.
    fn alert(&self, rule: &Rule, fields: &BTreeMap<&'static str, String>, folded: Option<Folded>, held: u64) -> Value {
        let time = hullguard_report::time::rfc3339_utc(SystemTime::now());
        let priority = falco_priority(rule.priority);
        let mut output_fields: serde_json::Map<String, Value> =
            fields.iter().map(|(k, v)| ((*k).to_owned(), Value::String(v.clone()))).collect();
        if let Some(f) = folded {
            output_fields.insert("hullguard.repeats".into(), json!(f.repeats));
            let time = |t: Option<SystemTime>| t.map(hullguard_report::time::rfc3339_utc);
            output_fields.insert("hullguard.repeats_first".into(), json!(time(f.first)));
            output_fields.insert("hullguard.repeats_last".into(), json!(time(f.last)));
        }
        if held > 0 {
            output_fields.insert("hullguard.rate_limited".into(), json!(held));
        }
        json!({
            "time": time,
            "rule": rule.name,
            "priority": priority,
            "source": "syscall",
            "hostname": self.hostname,
            "output": format!("{time}: {priority} {}", rules::render(&rule.output, fields)),
            "tags": rule.tags,
            "output_fields": output_fields,
        })
    }
}

/// What an event acted on, for folding repeats: its type, file or destination and arguments.
fn target(fields: &BTreeMap<&'static str, String>) -> String {
    let acted_on = fields.iter().filter(|(k, _)| k.starts_with("evt.") || k.starts_with("fd."));
    acted_on.map(|(_, v)| v.as_str()).collect::<Vec<_>>().join(" ")
}

/// A priority as Falco writes it in alerts (`Warning`, `Critical`).
fn falco_priority(priority: &str) -> String {
    let mut chars = priority.chars();
    chars.next().map(|c| c.to_string() + &chars.as_str().to_ascii_lowercase()).unwrap_or_default()
}
