//! A container's processes (pid, real uid, command) read from the host's `/proc` when the Engine
//! runs on this machine — one pass over `/proc` for every container instead of one
//! `/containers/{id}/top` (which runs `ps` inside the daemon) per container.
//!
//! A process belongs to a container when its cgroup path names the container's id (cgroupfs
//! `/docker/<id>`, systemd `docker-<id>.scope`), as for `docker top`, so exec'd processes count.
//! The Engine is taken to be local only when the container's `State.Pid` is such a process here;
//! otherwise (a remote Engine, another PID namespace) the caller asks `/top`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// One process of the host.
struct Proc {
    uid: String,
    comm: String,
    cgroup: String,
}

/// The processes of the host's `/proc`, by pid.
pub struct ProcTable {
    procs: BTreeMap<u32, Proc>,
}

impl ProcTable {
    /// Reads `/proc` (processes that exit while it is read are skipped).
    #[must_use]
    pub fn read() -> Self {
        let mut procs = BTreeMap::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
            if let Some(p) = read_proc(pid) {
                procs.insert(pid, p);
            }
        }
        ProcTable { procs }
    }

    /// The `/top`-shaped processes (`Titles` PID, UID, COMMAND) of the container whose inspect
    /// is `inspect`, when its `State.Pid` is one of its processes here.
    #[must_use]
    pub fn top(&self, inspect: &Value) -> Option<Value> {
        let id = inspect.get("Id")?.as_str().filter(|i| i.len() >= 32)?;
        let pid = u32::try_from(inspect.pointer("/State/Pid")?.as_u64()?).ok()?;
        if !self.procs.get(&pid)?.cgroup.contains(id) {
            return None;
        }
        let rows: Vec<Value> = self
            .procs
            .iter()
            .filter(|(_, p)| p.cgroup.contains(id))
            .map(|(pid, p)| json!([pid.to_string(), p.uid, p.comm]))
            .collect();
        Some(json!({"Titles": ["PID", "UID", "COMMAND"], "Processes": rows}))
    }
}

fn read_proc(pid: u32) -> Option<Proc> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // comm is in parentheses and may hold spaces or ')'.
    let (head, _) = stat.rsplit_once(')')?;
    let comm = head.split_once('(')?.1.to_owned();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"))?.split_whitespace().next()?.to_owned();
    let cgroup = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
    Some(Proc { uid, comm, cgroup })
}
