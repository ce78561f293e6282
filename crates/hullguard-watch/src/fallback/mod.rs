//! Watching without eBPF: exec events from the proc connector ([`connector`]), each filled in from
//! `/proc/PID` (program, arguments, parent, real uid, pid namespace, cgroup, whether stdin or stdout
//! is a socket) while the process still runs; connections from polling the sockets in the
//! container processes' `/proc/PID/fd` against their network namespace's `/proc/PID/net/tcp{,6}`.
//! Only exec, setuid-program exec and TCP connect events come out of it: [`SHAPES`] says so to
//! [`crate::coverage`].

pub mod connector;

use std::collections::{HashSet, VecDeque};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

use connector::{Connector, ProcEvent};

use crate::container::{RUNC_INIT, id_in_cgroup};
use crate::events::{Action, Event};
use crate::rules::Rule;
use crate::rules::condition::Shape;
use crate::{Error, Result};

/// How often the container processes' sockets are listed.
const SOCKET_POLL: Duration = Duration::from_millis(200);

/// What this source knows of each field of one kind of event.
pub type FieldShapes = fn(&str) -> Shape;

/// The event types this source gives, and what it knows of each field of them.
pub const SHAPES: [(&str, FieldShapes); 3] =
    [("exec", exec_shape), ("setuid_exec", exec_shape), ("connect", connect_shape)];

fn exec_shape(field: &str) -> Shape {
    match field {
        "evt.type" | "fd.port" | "fd.write" => Shape::Absent, // evt.type: given by SHAPES
        f if f.starts_with("evt.arg.") && f != "evt.arg.mode" => Shape::Absent,
        _ => Shape::Any,
    }
}

fn connect_shape(field: &str) -> Shape {
    match field {
        "fd.name" => Shape::NotPath,
        "proc.stdio_socket" | "container.drift" | "fd.write" => Shape::Absent,
        f if f.starts_with("evt.arg.") => Shape::Absent,
        _ => Shape::Any,
    }
}

/// Whether `rule` can fire on the events of this source.
#[must_use]
pub fn active(rule: &Rule) -> bool {
    SHAPES.iter().any(|(kind, shape)| {
        let field = |f: &str| if f == "evt.type" { Shape::Exact(kind) } else { shape(f) };
        rule.condition.can_match(&field) != Some(false)
    })
}

/// The start message of a watch on this source (`why`: what chose it): one line, then each rule
/// and whether it is active.
#[must_use]
pub fn coverage(rules: &[Rule], why: &str) -> String {
    let serving = rules.iter().filter(|r| active(r)).count();
    let mut text = format!(
        "hullguard watch: proc connector and /proc polling ({why}); {serving} of {} rules active\n",
        rules.len()
    );
    for rule in rules {
        let state = if active(rule) { "active" } else { "inactive" };
        text.push_str(&format!("  {state}: {}\n", rule.name));
    }
    text
}

/// The proc connector and the socket poller.
pub struct ProcSource {
    connector: Connector,
    host_pidns: u32,
    ready: VecDeque<Event>,
    /// Processes whose exec was seen (their next exec is not runc's); forgotten at exit.
    execed: HashSet<u32>,
    /// Sockets already reported, by process and inode; forgotten at exit.
    reported: HashSet<(u32, u64)>,
    last_poll: Option<Instant>,
    /// Execs of container processes that ended while they were read (one gone before its pid
    /// namespace is read is not known to be a container's, and not counted), and times the
    /// kernel dropped events.
    missed: u64,
}

impl ProcSource {
    /// Listens to the proc connector.
    ///
    /// # Errors
    /// Not root, or a kernel without `CONFIG_PROC_EVENTS`.
    pub fn open() -> Result<Self> {
        let connector =
            Connector::listen().map_err(|e| Error::Proc(format!("cannot listen to the proc connector: {e}")))?;
        let host_pidns = pidns("self").ok_or_else(|| Error::Proc("cannot read /proc/self/ns/pid".into()))?;
        Ok(ProcSource {
            connector,
            host_pidns,
            ready: VecDeque::new(),
            execed: HashSet::new(),
            reported: HashSet::new(),
            last_poll: None,
            missed: 0,
        })
    }

    /// The next event, waiting at most `wait` for the proc connector when none is ready.
    pub fn next(&mut self, wait: Duration) -> Option<Event> {
        if self.ready.is_empty() {
            self.refill();
        }
        if self.ready.is_empty() {
            self.connector.wait(wait.min(SOCKET_POLL));
            self.refill();
        }
        self.ready.pop_front()
    }

    /// Exec events lost: the process ended before `/proc` was read, or the kernel dropped them.
    #[must_use]
    pub fn missed(&self) -> u64 {
        self.missed
    }

    fn refill(&mut self) {
        self.drain_connector();
        if self.last_poll.is_none_or(|t| t.elapsed() >= SOCKET_POLL) {
            self.last_poll = Some(Instant::now());
            self.poll_sockets();
        }
    }

    /// Reads what the proc connector has queued and turns its exec events into events.
    fn drain_connector(&mut self) {
        let mut events = Vec::new();
        if self.connector.read(&mut events) == Err(true) {
            self.missed += 1;
        }
        for event in events {
            match event {
                ProcEvent::Exec(pid) => self.exec(pid),
                ProcEvent::Exit(pid) => {
                    self.execed.remove(&pid);
                    self.reported.retain(|(p, _)| *p != pid);
                }
            }
        }
    }

    /// The exec event of `pid` (and its setuid-program event), read from `/proc` now.
    fn exec(&mut self, pid: u32) {
        if pidns(&pid.to_string()).is_none_or(|ns| ns == self.host_pidns) {
            return;
        }
        let Ok(path) = std::fs::read_link(format!("/proc/{pid}/exe")) else {
            self.missed += 1;
            return;
        };
        let path = path.to_string_lossy().into_owned();
        let argv: Vec<String> = std::fs::read(format!("/proc/{pid}/cmdline"))
            .unwrap_or_default()
            .split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let is_socket = |fd: u8| {
            std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).is_ok_and(|l| l.to_string_lossy().starts_with("socket:"))
        };
        let stdio_socket = is_socket(0) || is_socket(1);
        let mode = std::fs::metadata(format!("/proc/{pid}/exe")).map_or(0, |m| m.mode());
        let Some(mut event) = self.process(pid, Action::Exec { path: path.clone(), argv, stdio_socket }) else {
            self.missed += 1;
            return;
        };
        // The first exec in a process whose parent is outside its pid namespace was runc's.
        if self.execed.insert(pid) && pidns(&event.ppid.to_string()) != Some(event.pidns) {
            RUNC_INIT.clone_into(&mut event.comm);
        }
        let setuid = (mode & 0o6000 != 0 && event.uid != 0)
            .then(|| Event { action: Action::SetuidExec { path, mode }, ..event.clone() });
        self.ready.push_back(event);
        self.ready.extend(setuid);
    }

    /// Outbound TCP connections of container processes not reported yet. They are queued after
    /// the connector is read again: a process's exec precedes its connect, so its exec event
    /// (which names the program) is then ahead of the connection, even when it arrived during
    /// the walk of `/proc`.
    fn poll_sockets(&mut self) {
        let mut found = Vec::new();
        let Ok(dir) = std::fs::read_dir("/proc") else { return };
        for pid in dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok()) {
            if pidns(&pid.to_string()).is_none_or(|ns| ns == self.host_pidns) {
                continue;
            }
            let new: Vec<u64> =
                socket_inodes(pid).into_iter().filter(|inode| !self.reported.contains(&(pid, *inode))).collect();
            if new.is_empty() {
                continue;
            }
            let connections = outbound(pid);
            for inode in new {
                let Some(&(addr, port)) = connections.iter().find_map(|(i, c)| (*i == inode).then_some(c)) else {
                    continue; // not TCP, listening, accepted or not connected yet
                };
                if let Some(event) = self.process(pid, Action::Connect { addr, port }) {
                    self.reported.insert((pid, inode));
                    found.push(event);
                }
            }
        }
        self.drain_connector();
        self.ready.extend(found);
    }

    /// The event of `pid` doing `action`, with what `/proc` says of the process; `None` for a
    /// host process or one already gone.
    fn process(&self, pid: u32, action: Action) -> Option<Event> {
        let ns = pidns(&pid.to_string())?;
        if ns == self.host_pidns {
            return None;
        }
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = |key: &str| status.lines().find_map(|l| l.strip_prefix(key)).map(str::trim);
        let ppid = line("PPid:")?.parse().ok()?;
        let uid = line("Uid:")?.split_whitespace().next()?.parse().ok()?;
        let comm = line("Name:").unwrap_or_default().to_owned();
        let cgroup = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
        let cgroup = id_in_cgroup(&cgroup).unwrap_or_default().to_owned();
        Some(Event { pid, ppid, uid, pidns: ns, comm, cgroup, action, repeats: 0 })
    }
}

/// The inode of `/proc/WHO/ns/pid` (`pid:[N]`).
fn pidns(who: &str) -> Option<u32> {
    let link = std::fs::read_link(format!("/proc/{who}/ns/pid")).ok()?;
    link.to_str()?.strip_prefix("pid:[")?.strip_suffix(']')?.parse().ok()
}

/// The inodes of the sockets `pid` has open (`/proc/PID/fd/N` → `socket:[INODE]`).
fn socket_inodes(pid: u32) -> Vec<u64> {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return Vec::new() };
    fds.filter_map(|fd| {
        let link = std::fs::read_link(fd.ok()?.path()).ok()?;
        link.to_str()?.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
    })
    .collect()
}

/// The outbound TCP connections (connecting or established, not accepted from a local listener)
/// in the network namespace of `pid`, by socket inode.
fn outbound(pid: u32) -> Vec<(u64, (IpAddr, u16))> {
    let mut found = Vec::new();
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap_or_default();
        let rows: Vec<Row> = text.lines().skip(1).filter_map(row).collect();
        let listening: HashSet<u16> = rows.iter().filter(|r| r.state == LISTEN).map(|r| r.local_port).collect();
        found.extend(
            rows.iter()
                .filter(|r| matches!(r.state, ESTABLISHED | SYN_SENT) && !listening.contains(&r.local_port))
                .map(|r| (r.inode, r.remote)),
        );
    }
    found
}

/// TCP states in `/proc/net/tcp` (`include/net/tcp_states.h`).
const ESTABLISHED: u8 = 1;
const SYN_SENT: u8 = 2;
const LISTEN: u8 = 0x0a;

/// One line of `/proc/net/tcp{,6}`.
#[derive(Debug, PartialEq, Eq)]
struct Row {
    local_port: u16,
    remote: (IpAddr, u16),
    state: u8,
    inode: u64,
}

/// `sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …`, addresses as
/// hex words in host byte order, ports in hex.
fn row(line: &str) -> Option<Row> {
    let cols: Vec<&str> = line.split_whitespace().collect();
    let (_, local_port) = address(cols.get(1)?)?;
    let remote = address(cols.get(2)?)?;
    let state = u8::from_str_radix(cols.get(3)?, 16).ok()?;
    let inode = cols.get(9)?.parse().ok()?;
    Some(Row { local_port, remote, state, inode })
}

fn address(text: &str) -> Option<(IpAddr, u16)> {
    let (addr, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let words: Vec<u32> = (0..addr.len() / 8)
        .map(|i| u32::from_str_radix(addr.get(i * 8..i * 8 + 8)?, 16).ok())
        .collect::<Option<_>>()?;
    // Each word is the kernel's u32 of the address bytes in memory (network order).
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
    let addr = match bytes.len() {
        4 => IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])),
        16 => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => return None,
    };
    Some((addr, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_table_rows_decode_in_host_byte_order() {
        let v4 = "   3: 0100007F:A1C2 0100007F:0D05 01 00000000:00000000 00:00000000 00000000     0        0 123456 1 0000000000000000 20 4 30 10 -1";
        assert_eq!(
            row(v4),
            Some(Row {
                local_port: 0xa1c2,
                remote: ("127.0.0.1".parse().unwrap(), 3333),
                state: ESTABLISHED,
                inode: 123_456
            })
        );
        let v6 = "   0: 00000000000000000000000001000000:D431 00000000000000000000000001000000:115C 02 00000000:00000000 00:00000000 00000000     0        0 99 1";
        assert_eq!(row(v6).unwrap().remote, ("::1".parse().unwrap(), 4444));
        assert_eq!(row("  sl  local_address rem_address   st"), None);
    }
}
