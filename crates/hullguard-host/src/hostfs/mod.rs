//! Facts from the files of the Docker host, read below a host root (`/` on the machine itself, a
//! fixture tree in tests): the daemon's command line (the running `dockerd` in `/proc`, else the
//! systemd unit's `ExecStart` with `/etc/default/docker` and `/etc/sysconfig/docker`), daemon.json
//! (at `--config-file` or `/etc/docker/daemon.json`), the `docker.socket` unit, the audit rules,
//! the mounts, the docker group, and the owner and mode of any host path.
//!
//! Every host path is resolved inside the root: a symlink's absolute target is taken from the
//! root again and `..` stops at it, so nothing outside the root is ever read.

use std::collections::{BTreeMap, VecDeque};
use std::ffi::OsString;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

/// The largest file read (daemon.json, unit files, audit rules, /proc files).
pub const MAX_FILE: u64 = 4 << 20;

/// Most symlinks followed while resolving one path.
const MAX_LINKS: usize = 40;

/// The owner, group, mode and kind of a host path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileFact {
    /// Owner uid.
    pub uid: u32,
    /// Group gid.
    pub gid: u32,
    /// Permission bits (`0o644`).
    pub mode: u32,
    /// A directory.
    pub dir: bool,
    /// A socket.
    pub socket: bool,
}

/// The systemd unit directories, in systemd's order of precedence.
pub const UNIT_DIRS: &[&str] =
    &["/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"];

/// What the host's files say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostFacts {
    /// The host root.
    pub root: PathBuf,
    /// The daemon's arguments (after the program name).
    pub dockerd_args: Vec<String>,
    /// Where they were read: `/proc/PID/cmdline`, or the unit file (with the environment files).
    pub args_source: Option<String>,
    /// The daemon.json path (host path).
    pub daemon_json_path: String,
    /// daemon.json parsed; `None` when it does not exist (or could not be parsed: see warnings).
    pub daemon_json: Option<Value>,
    /// The host path of `docker.service`, when found.
    pub docker_service: Option<String>,
    /// The host path of `docker.socket`, when found.
    pub docker_socket_unit: Option<String>,
    /// `ListenStream=` of `docker.socket`.
    pub socket_listen: Vec<String>,
    /// The audit rules (`/etc/audit/audit.rules` and `/etc/audit/rules.d/*.rules`), one rule a
    /// line; `None` when the host has no audit configuration.
    pub audit_rules: Option<Vec<String>>,
    /// The mount points (`/proc/mounts`); `None` when unreadable.
    pub mount_points: Option<Vec<String>>,
    /// The docker group: its gid and members (`/etc/group`).
    pub docker_group: Option<(u32, Vec<String>)>,
    /// Problems reading the files, one line each.
    pub warnings: Vec<String>,
}

impl HostFacts {
    /// Reads the facts below `root`.
    #[must_use]
    pub fn read(root: &Path) -> Self {
        let mut facts = HostFacts { root: root.to_path_buf(), ..HostFacts::default() };
        facts.docker_service = facts.find_unit("docker.service");
        facts.docker_socket_unit = facts.find_unit("docker.socket");
        if let Some(unit) = facts.docker_socket_unit.clone().and_then(|u| facts.read_text(&u)) {
            facts.socket_listen = unit_values(&unit, "ListenStream");
        }
        facts.read_args();
        facts.daemon_json_path =
            flag_value(&facts.dockerd_args, "config-file").unwrap_or_else(|| "/etc/docker/daemon.json".to_owned());
        if let Some(text) = facts.read_text(&facts.daemon_json_path.clone()) {
            match serde_json::from_str::<Value>(&text) {
                Ok(v) if v.is_object() => facts.daemon_json = Some(v),
                Ok(_) => facts.warnings.push(format!("{}: not a JSON object; not read", facts.daemon_json_path)),
                Err(e) => facts.warnings.push(format!("{}: not valid JSON ({e}); not read", facts.daemon_json_path)),
            }
        }
        facts.audit_rules = facts.read_audit_rules();
        facts.mount_points = facts
            .read_text("/proc/mounts")
            .map(|t| t.lines().filter_map(|l| l.split_whitespace().nth(1)).map(unescape_mount).collect());
        facts.docker_group = facts.read_text("/etc/group").and_then(|t| {
            t.lines().find_map(|l| {
                let mut f = l.split(':');
                (f.next()? == "docker").then_some(())?;
                let gid = f.nth(1)?.parse().ok()?;
                let members = f.next().unwrap_or_default().split(',').filter(|m| !m.is_empty()).map(str::to_owned);
                Some((gid, members.collect()))
            })
        });
        facts
    }

    /// The path below the root that `host_path` names, symlinks resolved inside the root;
    /// `None` when it does not exist or resolves through too many links.
    #[must_use]
    pub fn resolve(&self, host_path: &str) -> Option<PathBuf> {
        let mut current = PathBuf::new();
        let mut links = 0;
        let mut queue: VecDeque<OsString> = parts(Path::new(host_path)).into();
        while let Some(part) = queue.pop_front() {
            if part == ".." {
                current.pop();
                continue;
            }
            let candidate = current.join(&part);
            let meta = std::fs::symlink_metadata(self.root.join(&candidate)).ok()?;
            if !meta.file_type().is_symlink() {
                current = candidate;
                continue;
            }
            links += 1;
            if links > MAX_LINKS {
                return None;
            }
            let target = std::fs::read_link(self.root.join(&candidate)).ok()?;
            if target.is_absolute() {
                current = PathBuf::new();
            }
            for p in parts(&target).into_iter().rev() {
                queue.push_front(p);
            }
        }
        Some(self.root.join(current))
    }

    /// The owner, group and mode of `host_path` (symlinks resolved inside the root).
    #[must_use]
    pub fn stat(&self, host_path: &str) -> Option<FileFact> {
        let meta = std::fs::symlink_metadata(self.resolve(host_path)?).ok()?;
        use std::os::unix::fs::FileTypeExt;
        Some(FileFact {
            uid: meta.uid(),
            gid: meta.gid(),
            mode: meta.mode() & 0o7777,
            dir: meta.is_dir(),
            socket: meta.file_type().is_socket(),
        })
    }

    /// The entries of the host directory `host_dir`, sorted (host paths).
    #[must_use]
    pub fn list(&self, host_dir: &str) -> Vec<String> {
        let Some(dir) = self.resolve(host_dir) else { return Vec::new() };
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        names.sort();
        names.into_iter().map(|n| format!("{}/{n}", host_dir.trim_end_matches('/'))).collect()
    }

    /// The text of the host file `host_path` (capped at [`MAX_FILE`]); `None` when it does
    /// not exist. A file that exists but cannot be read is a warning.
    pub fn read_text(&mut self, host_path: &str) -> Option<String> {
        let path = self.resolve(host_path)?;
        let meta = std::fs::metadata(&path).ok()?;
        if !meta.is_file() {
            return None;
        }
        if meta.len() > MAX_FILE {
            self.warnings.push(format!("{host_path}: {} bytes, over the {MAX_FILE} byte cap; not read", meta.len()));
            return None;
        }
        match std::fs::read(&path) {
            Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
            Err(e) => {
                self.warnings.push(format!("{host_path}: cannot be read ({e})"));
                None
            }
        }
    }

    fn find_unit(&self, name: &str) -> Option<String> {
        UNIT_DIRS.iter().map(|d| format!("{d}/{name}")).find(|p| self.resolve(p).is_some_and(|r| r.is_file()))
    }

    /// The daemon's arguments: of the running dockerd when `/proc` shows one, else of the unit.
    fn read_args(&mut self) {
        for entry in self.list("/proc") {
            let Some(pid) = entry.rsplit('/').next().filter(|p| p.bytes().all(|b| b.is_ascii_digit())) else {
                continue;
            };
            let comm = self.read_text(&format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() != "dockerd" {
                continue;
            }
            let cmdline = self.read_text(&format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let mut args: Vec<String> = cmdline.split('\0').filter(|a| !a.is_empty()).map(str::to_owned).collect();
            if !args.is_empty() {
                args.remove(0);
            }
            self.dockerd_args = args;
            self.args_source = Some(format!("/proc/{pid}/cmdline"));
            return;
        }
        let Some(unit) = self.docker_service.clone() else { return };
        let Some(text) = self.read_text(&unit) else { return };
        let Some(exec) = unit_values(&text, "ExecStart").into_iter().rfind(|v| !v.is_empty()) else { return };
        let mut env: BTreeMap<String, String> = BTreeMap::new();
        let mut sources = vec![unit];
        for file in ["/etc/default/docker", "/etc/sysconfig/docker"] {
            if let Some(text) = self.read_text(file) {
                sources.push(file.to_owned());
                for line in text.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
                    let line = line.strip_prefix("export ").unwrap_or(line);
                    if let Some((k, v)) = line.split_once('=') {
                        env.insert(k.trim().to_owned(), v.trim().trim_matches(['"', '\'']).to_owned());
                    }
                }
            }
        }
        let mut args: Vec<String> = Vec::new();
        for word in exec.split_whitespace().skip(1) {
            match word.strip_prefix('$').map(|n| n.trim_matches(['{', '}'])) {
                Some(var) => {
                    args.extend(env.get(var).into_iter().flat_map(|v| v.split_whitespace().map(str::to_owned)))
                }
                None => args.push(word.to_owned()),
            }
        }
        self.dockerd_args = args;
        self.args_source = Some(sources.join(" + "));
    }

    fn read_audit_rules(&mut self) -> Option<Vec<String>> {
        let mut files = vec!["/etc/audit/audit.rules".to_owned()];
        files.extend(self.list("/etc/audit/rules.d").into_iter().filter(|f| f.ends_with(".rules")));
        let mut rules = Vec::new();
        let mut found = false;
        for f in files {
            if let Some(text) = self.read_text(&f) {
                found = true;
                rules.extend(
                    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned),
                );
            }
        }
        found.then_some(rules)
    }
}

/// The names and `..` of a path, in order (root and `.` left out).
fn parts(path: &Path) -> Vec<OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_owned()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect()
}

/// The values of `key=` lines of a unit file, in order (an empty value resets the list, as
/// systemd does).
fn unit_values(text: &str, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            let v = v.trim();
            if v.is_empty() {
                out.clear();
            } else {
                out.push(v.to_owned());
            }
        }
    }
    out
}

/// `\040`-style escapes of /proc/mounts.
fn unescape_mount(field: &str) -> String {
    field.replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
}

/// dockerd's short flags, by their long names.
const SHORT_FLAGS: &[(&str, &str)] = &[
    ("H", "host"),
    ("D", "debug"),
    ("l", "log-level"),
    ("G", "group"),
    ("g", "data-root"),
    ("s", "storage-driver"),
    ("b", "bridge"),
    ("p", "pidfile"),
];

/// dockerd's boolean flags (a bare `--flag` is true; a value needs `=`).
const BOOL_FLAGS: &[&str] = &[
    "debug",
    "experimental",
    "icc",
    "ip-forward",
    "ip-masq",
    "iptables",
    "ip6tables",
    "ipv6",
    "live-restore",
    "no-new-privileges",
    "selinux-enabled",
    "tls",
    "tlsverify",
    "userland-proxy",
    "rootless",
    "disable-legacy-registry",
];

/// Every `(flag, value)` of a dockerd command line, flags by their long names.
#[must_use]
pub fn parse_flags(args: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut it = args.iter().peekable();
    while let Some(arg) = it.next() {
        let body = if let Some(long) = arg.strip_prefix("--") {
            long.to_owned()
        } else if let Some(short) = arg.strip_prefix('-') {
            let (name, rest) = short.split_at(short.chars().next().map_or(0, char::len_utf8));
            let long = SHORT_FLAGS.iter().find(|(s, _)| *s == name).map_or(name, |(_, l)| *l);
            if rest.is_empty() { long.to_owned() } else { format!("{long}={}", rest.trim_start_matches('=')) }
        } else {
            continue;
        };
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n.to_owned(), v.to_owned()),
            None if BOOL_FLAGS.contains(&body.as_str()) => (body, "true".to_owned()),
            None => {
                let v = it.next_if(|n| !n.starts_with('-')).cloned().unwrap_or_default();
                (body, v)
            }
        };
        out.push((name, value));
    }
    out
}

/// The last value of `flag` on the command line.
#[must_use]
pub fn flag_value(args: &[String], flag: &str) -> Option<String> {
    parse_flags(args).into_iter().rev().find(|(n, _)| n == flag).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn flags_in_every_spelling() {
        let got = parse_flags(&args(
            "-H fd:// -H=tcp://0.0.0.0:2375 --icc=false --tlsverify --log-level debug -D --insecure-registry r:5000",
        ));
        let want: Vec<(String, String)> = [
            ("host", "fd://"),
            ("host", "tcp://0.0.0.0:2375"),
            ("icc", "false"),
            ("tlsverify", "true"),
            ("log-level", "debug"),
            ("debug", "true"),
            ("insecure-registry", "r:5000"),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
        assert_eq!(got, want);
        assert_eq!(flag_value(&args("--config-file /x.json"), "config-file").as_deref(), Some("/x.json"));
    }

    #[test]
    fn symlinks_resolve_inside_the_root_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("run")).unwrap();
        std::fs::create_dir_all(root.join("var")).unwrap();
        std::fs::write(root.join("run/docker.sock"), "").unwrap();
        std::os::unix::fs::symlink("/run", root.join("var/run")).unwrap();
        std::os::unix::fs::symlink("../../../../../../etc/passwd", root.join("escape")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", root.join("abs-escape")).unwrap();
        std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();
        let facts = HostFacts { root: root.to_path_buf(), ..HostFacts::default() };
        assert_eq!(facts.resolve("/var/run/docker.sock"), Some(root.join("run/docker.sock")));
        assert_eq!(facts.resolve("/escape"), None, "etc/passwd is not in the root");
        assert_eq!(facts.resolve("/abs-escape"), None);
        assert_eq!(facts.resolve("/loop"), None);
        assert_eq!(facts.resolve("/../../run/docker.sock"), Some(root.join("run/docker.sock")));
    }
}
