//! Checks on file metadata: setuid/setgid files, credential files and unneeded files in every
//! layer (with what later layers did to them), and in the final filesystem the sudo binary,
//! world-writable directories without sticky bit, a readable `/etc/shadow` and package caches.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use hullguard_image::{EntryKind, LayerEntry};

use super::{Hit, ImageFacts};

/// Credential file names.
const SECRET_FILES: &[&str] = &[
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    ".netrc",
    ".git-credentials",
    ".pypirc",
    ".pgpass",
    ".htpasswd",
    ".dockercfg",
    ".env",
    "credentials.json",
];
/// Credential files named by their last two path components.
const SECRET_PATHS: &[&str] = &[".aws/credentials", ".docker/config.json", ".kube/config"];
/// Extensions of private keys and key stores.
const SECRET_EXTENSIONS: &[&str] = &[".key", ".p12", ".pfx", ".jks", ".keystore", ".ppk"];

/// Version-control directories.
const VCS_DIRS: &[&str] = &[".git", ".svn", ".hg"];
/// Files that have no business in an image.
const UNNEEDED_FILES: &[&str] = &[".DS_Store", "Thumbs.db", ".npmrc"];

/// Path components under which files belong to installed packages (test fixtures, examples).
const PACKAGE_DIRS: &[&str] = &["node_modules", "site-packages", "dist-packages", "vendor", "gems"];
/// Prefixes of distribution-managed trees.
const PACKAGE_PREFIXES: &[&str] = &["usr/share/", "usr/lib/", "usr/lib64/", "usr/include/", "usr/src/"];

/// Where sudo is installed.
const SUDO_PATHS: &[&str] = &["usr/bin/sudo", "usr/sbin/sudo", "bin/sudo", "sbin/sudo", "usr/local/bin/sudo"];

/// Package-manager caches outside apt and apk: a marker found in `/<path>`, and a label.
const CACHES: &[(&str, &str)] = &[
    ("/.cache/pip/", "pip"),
    ("/.npm/_cacache/", "npm"),
    ("/.cache/yarn/", "yarn"),
    ("/var/cache/yum/", "yum"),
    ("/var/cache/dnf/", "dnf"),
    ("/var/cache/zypp/packages/", "zypper"),
];

pub(super) fn check(facts: &ImageFacts<'_>, hits: &mut Vec<Hit>) {
    per_layer(facts, hits);
    final_fs(facts, hits);
}

/// What became of a path a layer added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Still in the final filesystem.
    Present,
    /// Removed (whiteout, opaque directory, or a parent replaced) in this layer.
    Removed(usize),
    /// Overwritten by this layer.
    Replaced(usize),
}

impl Fate {
    /// The fate in words, for a path added in layer `added`.
    pub fn describe(self, added: usize) -> String {
        match self {
            Fate::Present => format!("added in layer {added}, still in the final filesystem"),
            Fate::Removed(m) => {
                format!("added in layer {added}, removed in layer {m} (its bytes still ship in layer {added})")
            }
            Fate::Replaced(m) => format!("added in layer {added}, replaced in layer {m}"),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Write { dir: bool },
    Whiteout,
    Opaque,
}

/// Every entry of every layer by path, to tell what later layers did to a path.
pub struct FileFates<'a> {
    events: HashMap<&'a str, Vec<(usize, Event)>>,
}

impl<'a> FileFates<'a> {
    /// Indexes the entries of `layers` (base first).
    pub fn new(layers: &[&'a [LayerEntry]]) -> Self {
        let mut events: HashMap<&'a str, Vec<(usize, Event)>> = HashMap::new();
        for (l, entries) in layers.iter().enumerate().skip(1) {
            for e in *entries {
                let (path, event) = match &e.kind {
                    EntryKind::Whiteout(victim) => (victim.as_str(), Event::Whiteout),
                    EntryKind::Opaque(dir) => (dir.as_str(), Event::Opaque),
                    EntryKind::Dir => (e.path.as_str(), Event::Write { dir: true }),
                    _ => (e.path.as_str(), Event::Write { dir: false }),
                };
                events.entry(path).or_default().push((l, event));
            }
        }
        Self { events }
    }

    /// The first thing a layer after `layer` did to `path` (a `dir` or not).
    pub fn fate(&self, path: &str, layer: usize, dir: bool) -> Fate {
        let mut first: Option<(usize, Fate)> = None;
        let mut consider = |m: usize, fate: Fate| {
            if m > layer && first.is_none_or(|(f, _)| m < f) {
                first = Some((m, fate));
            }
        };
        for &(m, ev) in self.events.get(path).into_iter().flatten() {
            match ev {
                Event::Whiteout => consider(m, Fate::Removed(m)),
                Event::Write { dir: true } if dir => {}
                Event::Write { .. } => consider(m, Fate::Replaced(m)),
                Event::Opaque => {}
            }
        }
        let mut anc = path;
        while let Some((parent, _)) = anc.rsplit_once('/') {
            anc = parent;
            for &(m, ev) in self.events.get(anc).into_iter().flatten() {
                match ev {
                    Event::Whiteout | Event::Opaque | Event::Write { dir: false } => consider(m, Fate::Removed(m)),
                    Event::Write { dir: true } => {}
                }
            }
        }
        // An opaque marker at the root hides everything below.
        for &(m, ev) in self.events.get("").into_iter().flatten() {
            if matches!(ev, Event::Opaque) {
                consider(m, Fate::Removed(m));
            }
        }
        first.map_or(Fate::Present, |(_, f)| f)
    }
}

/// True for paths inside installed packages or distribution-managed trees.
fn in_package_tree(path: &str) -> bool {
    PACKAGE_PREFIXES.iter().any(|p| path.starts_with(p)) || path.split('/').any(|c| PACKAGE_DIRS.contains(&c))
}

fn is_file(kind: &EntryKind) -> bool {
    matches!(kind, EntryKind::File | EntryKind::Hardlink(_))
}

/// Why `e` looks like a credential file, if it does.
fn credential_file(e: &LayerEntry) -> Option<&'static str> {
    if !is_file(&e.kind) || e.size == 0 || in_package_tree(&e.path) {
        return None;
    }
    let lower = e.path.to_ascii_lowercase();
    let base = lower.rsplit('/').next().unwrap_or(&lower);
    let ends_with_path = |p: &str| {
        lower.ends_with(p) && (lower.len() == p.len() || lower.as_bytes().get(lower.len() - p.len() - 1) == Some(&b'/'))
    };
    if let Some(p) = SECRET_PATHS.iter().find(|p| ends_with_path(p)) {
        return Some(p);
    }
    if let Some(f) = SECRET_FILES.iter().find(|f| base == **f) {
        return Some(f);
    }
    if let Some(x) = SECRET_EXTENSIONS.iter().find(|x| base.ends_with(**x) && base.len() > x.len()) {
        return Some(x);
    }
    if base.ends_with(".pem") && (base.contains("key") || base.contains("priv")) {
        return Some("private key (.pem)");
    }
    None
}

/// The end (byte offset) of the first `.git`/`.svn`/`.hg` component of `path`.
fn vcs_dir_end(path: &str) -> Option<usize> {
    let mut offset = 0;
    for comp in path.split('/') {
        let end = offset + comp.len();
        if VCS_DIRS.contains(&comp) {
            return Some(end);
        }
        offset = end + 1;
    }
    None
}

fn per_layer(facts: &ImageFacts<'_>, hits: &mut Vec<Hit>) {
    if facts.layers.is_empty() {
        return;
    }
    let mut later: Option<FileFates<'_>> = None;
    let mut fate = |path: &str, layer: usize, dir: bool| {
        later.get_or_insert_with(|| FileFates::new(&facts.layers)).fate(path, layer, dir).describe(layer)
    };
    for (l, entries) in facts.layers.iter().enumerate() {
        let mut vcs_seen: BTreeSet<String> = BTreeSet::new();
        for e in *entries {
            if e.kind.is_whiteout() {
                continue;
            }
            // img-setuid-setgid
            if is_file(&e.kind) && e.mode & 0o6000 != 0 {
                let bits = match (e.mode & 0o4000 != 0, e.mode & 0o2000 != 0) {
                    (true, true) => "setuid+setgid",
                    (true, false) => "setuid",
                    _ => "setgid",
                };
                let evidence =
                    format!("{bits} mode {:04o}, owner {}:{}; {}", e.mode, e.uid, e.gid, fate(&e.path, l, false));
                hits.push(Hit::file("img-setuid-setgid", l, &e.path, evidence));
            }
            // img-secrets: credential files by name
            if let Some(why) = credential_file(e) {
                let evidence = format!("credential file ({why}), {} bytes; {}", e.size, fate(&e.path, l, false));
                hits.push(Hit::file("img-secrets", l, &e.path, evidence));
            }
            // img-unneeded-files
            if in_package_tree(&e.path) {
                continue;
            }
            if let Some(end) = vcs_dir_end(&e.path) {
                let dir = &e.path[..end];
                if !vcs_seen.contains(dir) {
                    vcs_seen.insert(dir.to_owned());
                    let evidence = format!("version-control directory; {}", fate(dir, l, true));
                    hits.push(Hit::file("img-unneeded-files", l, dir, evidence));
                }
            } else if is_file(&e.kind)
                && let Some(name) = e.path.rsplit('/').next().filter(|n| UNNEEDED_FILES.contains(n))
            {
                let evidence = format!("{name}, {} bytes; {}", e.size, fate(&e.path, l, false));
                hits.push(Hit::file("img-unneeded-files", l, &e.path, evidence));
            }
        }
    }
}

fn final_fs(facts: &ImageFacts<'_>, hits: &mut Vec<Hit>) {
    let Some(fs) = facts.fs else {
        return;
    };
    // hg-img-sudo-binary
    for path in SUDO_PATHS {
        if let Some(f) = fs.get(path)
            && !matches!(f.entry.kind, EntryKind::Dir)
        {
            let evidence = format!("mode {:04o}, owner {}:{}", f.entry.mode, f.entry.uid, f.entry.gid);
            hits.push(Hit::file("hg-img-sudo-binary", f.layer, path, evidence));
        }
    }
    // hg-img-shadow-readable
    for path in ["etc/shadow", "etc/gshadow"] {
        if let Some(f) = fs.get(path)
            && is_file(&f.entry.kind)
            && f.entry.mode & 0o004 != 0
        {
            let evidence = format!("mode {:04o}, owner {}:{}", f.entry.mode, f.entry.uid, f.entry.gid);
            hits.push(Hit::file("hg-img-shadow-readable", f.layer, path, evidence));
        }
    }
    // hg-img-world-writable and hg-img-package-cache
    let mut caches: BTreeMap<String, (&str, usize, usize)> = BTreeMap::new();
    for f in fs.iter() {
        let e = &f.entry;
        if matches!(e.kind, EntryKind::Dir) && e.mode & 0o002 != 0 && e.mode & 0o1000 == 0 {
            let evidence = format!("directory mode {:04o} (no sticky bit), owner {}:{}", e.mode, e.uid, e.gid);
            hits.push(Hit::file("hg-img-world-writable", f.layer, &e.path, evidence));
        }
        if is_file(&e.kind) {
            let abs = format!("/{}", e.path);
            if let Some((marker, label)) = CACHES.iter().find(|(m, _)| abs.contains(m))
                && let Some(at) = abs.find(marker)
            {
                let root = abs[1..at + marker.len() - 1].to_owned();
                let slot = caches.entry(root).or_insert((label, 0, f.layer));
                slot.1 += 1;
                slot.2 = slot.2.min(f.layer);
            }
        }
    }
    for (root, (label, count, layer)) in caches {
        let evidence = format!("{label} cache with {count} file(s)");
        hits.push(Hit::file("hg-img-package-cache", layer, &root, evidence));
    }
}

/// Most [`PathOfInterest`]s an image document holds.
pub const MAX_PATHS_OF_INTEREST: usize = 10_000;

/// One path of the final filesystem a custom policy may want to see (`input.paths[]` of the
/// image document): its metadata, the layer that wrote it last, and why it is of interest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PathOfInterest {
    /// Absolute path (`/usr/bin/su`).
    pub path: String,
    /// `file`, `dir`, `symlink`, `hardlink`, `char_device`, `block_device` or `fifo`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// A link's target, as written.
    pub target: Option<String>,
    /// Permission bits with setuid/setgid/sticky (`0o4755` is 2541).
    pub mode: u32,
    /// Owner.
    pub uid: u64,
    /// Group.
    pub gid: u64,
    /// Content size in bytes.
    pub size: u64,
    /// Index of the layer that wrote it last.
    pub layer: usize,
    /// A regular file with the setuid bit.
    pub setuid: bool,
    /// A regular file with the setgid bit.
    pub setgid: bool,
    /// A file or directory others may write (`o+w`; symlinks never are).
    pub world_writable: bool,
    /// A directory with the sticky bit.
    pub sticky: bool,
    /// Why the name looks like a credential file (as HG-IMG-006 reports it), if it does.
    pub credential: Option<&'static str>,
}

/// The paths of interest of the final filesystem `fs`, in path order: setuid/setgid files,
/// world-writable files and directories, credential-named files, and everything under `/etc`;
/// at most [`MAX_PATHS_OF_INTEREST`] (the flag says whether some were left out). Read from the
/// merged metadata the image checks already hold: no layer is read again.
pub fn paths_of_interest(fs: &hullguard_image::MergedFs) -> (Vec<PathOfInterest>, bool) {
    let mut out = Vec::new();
    for f in fs.iter() {
        let e = &f.entry;
        let (kind, target) = match &e.kind {
            EntryKind::File => ("file", None),
            EntryKind::Dir => ("dir", None),
            EntryKind::Symlink(t) => ("symlink", Some(t.clone())),
            EntryKind::Hardlink(t) => ("hardlink", Some(t.clone())),
            EntryKind::CharDevice => ("char_device", None),
            EntryKind::BlockDevice => ("block_device", None),
            EntryKind::Fifo => ("fifo", None),
            EntryKind::Whiteout(_) | EntryKind::Opaque(_) => continue,
        };
        let special = is_file(&e.kind) && e.mode & 0o6000 != 0;
        let world_writable = !matches!(e.kind, EntryKind::Symlink(_)) && e.mode & 0o002 != 0;
        let credential = credential_file(e);
        if !(special || world_writable || credential.is_some() || e.path == "etc" || e.path.starts_with("etc/")) {
            continue;
        }
        if out.len() == MAX_PATHS_OF_INTEREST {
            return (out, true);
        }
        out.push(PathOfInterest {
            path: format!("/{}", e.path),
            kind,
            target,
            mode: e.mode,
            uid: e.uid,
            gid: e.gid,
            size: e.size,
            layer: f.layer,
            setuid: special && e.mode & 0o4000 != 0,
            setgid: special && e.mode & 0o2000 != 0,
            world_writable,
            sticky: matches!(e.kind, EntryKind::Dir) && e.mode & 0o1000 != 0,
            credential,
        });
    }
    (out, false)
}

/// The final filesystem's files of interest for custom policies (the image document's `files`,
/// `paths` and `paths_truncated`).
#[derive(Debug, Clone, Default)]
pub struct FilesOfInterest {
    /// `/etc/passwd` and `/etc/group` as text, by absolute path (never `/etc/shadow`).
    pub text: BTreeMap<String, String>,
    /// [`paths_of_interest`].
    pub paths: Vec<PathOfInterest>,
    /// Whether `paths` stopped at [`MAX_PATHS_OF_INTEREST`].
    pub paths_truncated: bool,
}
