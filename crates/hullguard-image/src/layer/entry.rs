//! Tar entries of one layer, validated: names normalised and UTF-8, no escapes, no duplicates or
//! conflicts, whiteouts recognised. Content is streamed to the caller, never written anywhere.

use std::hash::{BuildHasher, RandomState};
use std::io::Read;

use hashbrown::HashTable;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;
use crate::path::{normalize_entry, parent, resolve_link_target};
use crate::tar_reader::{
    TYPE_BLOCK, TYPE_CHAR, TYPE_DIR, TYPE_FIFO, TYPE_GLOBAL, TYPE_LINK, TYPE_REG, TYPE_SYMLINK, TarReader,
};

/// What a layer entry is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "target")]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link and its target as written in the layer.
    Symlink(String),
    /// A hard link to another path of the same layer (normalised).
    Hardlink(String),
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A named pipe.
    Fifo,
    /// `.wh.NAME`: deletes NAME (the path held here) from lower layers.
    Whiteout(String),
    /// `.wh..wh..opq`: hides everything lower layers have in this directory (the path held here).
    Opaque(String),
}

impl EntryKind {
    /// One-letter type as `ls -l` shows it (`-`, `d`, `l`, `h` for hard links, `w` for whiteouts).
    pub fn letter(&self) -> char {
        match self {
            EntryKind::File => '-',
            EntryKind::Dir => 'd',
            EntryKind::Symlink(_) => 'l',
            EntryKind::Hardlink(_) => 'h',
            EntryKind::CharDevice => 'c',
            EntryKind::BlockDevice => 'b',
            EntryKind::Fifo => 'p',
            EntryKind::Whiteout(_) | EntryKind::Opaque(_) => 'w',
        }
    }

    /// Whether this entry deletes or hides lower-layer content rather than adding a file.
    pub fn is_whiteout(&self) -> bool {
        matches!(self, EntryKind::Whiteout(_) | EntryKind::Opaque(_))
    }
}

/// One validated entry of a layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerEntry {
    /// Normalised path relative to the image root (no leading `/`).
    pub path: String,
    /// Entry type.
    #[serde(flatten)]
    pub kind: EntryKind,
    /// Permission bits including setuid/setgid/sticky (`0o4755`).
    pub mode: u32,
    /// Owner.
    pub uid: u64,
    /// Group.
    pub gid: u64,
    /// Content size in bytes (for hard links: the size of the linked file).
    pub size: u64,
}

/// Receives the entries of one layer, in tar order.
pub trait EntryVisitor {
    /// What the visitor produces for the layer.
    type Output;
    /// Called for each entry; `content` yields the file's bytes (empty for non-files).
    fn entry(&mut self, entry: &LayerEntry, content: &mut dyn Read) -> Result<()>;
    /// Called once after the last entry.
    fn finish(self) -> Self::Output;
}

const WHITEOUT_PREFIX: &str = ".wh.";
const OPAQUE_MARKER: &str = ".wh..wh..opq";

/// Walk the tar stream of one layer, validating every entry and handing it to `visitor`.
pub fn walk_layer<V: EntryVisitor>(
    subject: &str,
    tar_stream: &mut dyn Read,
    limits: &Limits,
    visitor: &mut V,
) -> Result<()> {
    let mut tar = TarReader::new(subject, tar_stream);
    let mut seen = Seen::default();
    let mut count = 0u64;
    while let Some(header) = tar.next_header()? {
        count += 1;
        if count > limits.max_entries {
            return Err(Error::new(ErrorKind::Limit, subject, format!("more than {} entries", limits.max_entries)));
        }
        if header.name.len() > limits.max_path_bytes {
            return Err(Error::new(
                ErrorKind::Limit,
                subject,
                format!("entry name longer than {} bytes", limits.max_path_bytes),
            ));
        }
        let name = String::from_utf8(header.name).map_err(|e| {
            Error::new(
                ErrorKind::Unsafe,
                subject,
                format!("entry name is not UTF-8: {:?}", String::from_utf8_lossy(e.as_bytes())),
            )
        })?;
        let at = |problem: String| Error::new(ErrorKind::Unsafe, subject, problem);
        if header.typeflag == TYPE_GLOBAL {
            // Docker skips global headers before looking at their name (even a whiteout name).
            continue;
        }
        let path = normalize_entry(&name).map_err(at)?;
        if path.is_empty() {
            // The root directory itself ("./"): nothing to record.
            continue;
        }
        let id = |value: i64, what: &str| {
            u64::try_from(value).map_err(|_| at(format!("entry {path}: negative {what} {value}")))
        };
        let mode = (header.mode & 0o7777) as u32;
        let uid = id(header.uid, "uid")?;
        let gid = id(header.gid, "gid")?;
        let size = u64::try_from(header.size).unwrap_or(0);
        let base = path.rsplit_once('/').map_or(path.as_str(), |(_, b)| b);
        let kind = if base == OPAQUE_MARKER {
            EntryKind::Opaque(parent(&path).to_string())
        } else if let Some(victim) = base.strip_prefix(WHITEOUT_PREFIX) {
            if victim.starts_with(WHITEOUT_PREFIX) {
                // Other `.wh..wh.*` names are aufs bookkeeping; Docker ignores them.
                continue;
            }
            if victim.is_empty() || victim == "." || victim == ".." {
                return Err(at(format!("whiteout {name:?} names no file")));
            }
            let dir = parent(&path);
            EntryKind::Whiteout(if dir.is_empty() { victim.to_string() } else { format!("{dir}/{victim}") })
        } else {
            match header.typeflag {
                TYPE_REG => EntryKind::File,
                TYPE_DIR => EntryKind::Dir,
                TYPE_SYMLINK => {
                    let target = link_target(header.linkname, subject, &name)?;
                    resolve_link_target(&path, &target).map_err(at)?;
                    EntryKind::Symlink(target)
                }
                TYPE_LINK => {
                    let target = link_target(header.linkname, subject, &name)?;
                    let resolved = normalize_entry(target.trim_start_matches('/'))
                        .map_err(|_| at(format!("hard link {path} -> {target} points outside the image root")))?;
                    EntryKind::Hardlink(resolved)
                }
                TYPE_CHAR => EntryKind::CharDevice,
                TYPE_BLOCK => EntryKind::BlockDevice,
                TYPE_FIFO => EntryKind::Fifo,
                other => {
                    // What Docker and containerd refuse to extract ("unhandled tar header type").
                    return Err(Error::new(
                        ErrorKind::Malformed,
                        subject,
                        format!("entry {path}: tar entry type {:?}, which Docker cannot extract", other as char),
                    ));
                }
            }
        };
        // Every ancestor must be a directory as far as this layer says.
        let mut anc = parent(&path);
        while !anc.is_empty() {
            if seen.find(anc).is_some_and(|p| matches!(p.role, Role::File | Role::Other)) {
                return Err(at(format!("conflicting entries: {path} is inside {anc}, which is not a directory")));
            }
            anc = parent(anc);
        }
        let role = match kind {
            EntryKind::Dir => Role::Dir,
            EntryKind::File => Role::File,
            EntryKind::Whiteout(_) | EntryKind::Opaque(_) => Role::Whiteout,
            _ => Role::Other,
        };
        if let Some(prev) = seen.find(&path)
            && !(prev.role == Role::Dir && role == Role::Dir)
        {
            return Err(at(format!("duplicate entry {path} in layer")));
        }
        let size = match &kind {
            EntryKind::Hardlink(target) => match seen.find(target).filter(|t| t.role == Role::File) {
                Some(t) => t.size,
                None => {
                    return Err(at(format!(
                        "hard link {path} -> {target}: target is not a file earlier in this layer"
                    )));
                }
            },
            EntryKind::File => size,
            _ => 0,
        };
        seen.insert(subject, &path, role, size)?;
        let record = LayerEntry { path, kind, mode, uid, gid, size };
        visitor.entry(&record, &mut tar)?;
    }
    Ok(())
}

/// What the layer said a path is, as far as the checks of later entries care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Dir,
    File,
    /// A whiteout or opaque marker: neither a directory nor something that can hold no children.
    Whiteout,
    /// Any other non-directory (links, devices): nothing may be inside it.
    Other,
}

/// One path seen in the layer: where its name sits in [`Seen::names`], and its file size.
#[derive(Debug, Clone, Copy)]
struct SeenPath {
    start: u32,
    len: u32,
    size: u64,
    role: Role,
}

/// Every path of the layer so far, interned in one string with a hash index over it: what the
/// duplicate, ancestor and hard-link checks need, without a heap allocation per entry.
#[derive(Default)]
struct Seen {
    names: String,
    paths: Vec<SeenPath>,
    index: HashTable<u32>,
    hasher: RandomState,
}

impl Seen {
    fn name<'a>(names: &'a str, p: &SeenPath) -> &'a str {
        &names[p.start as usize..(p.start + p.len) as usize]
    }

    fn find(&self, path: &str) -> Option<&SeenPath> {
        let hash = self.hasher.hash_one(path);
        let i = self.index.find(hash, |&i| Self::name(&self.names, &self.paths[i as usize]) == path)?;
        Some(&self.paths[*i as usize])
    }

    /// Record `path` (not seen before, or a directory seen again).
    fn insert(&mut self, subject: &str, path: &str, role: Role, size: u64) -> Result<()> {
        if self.find(path).is_some() {
            return Ok(());
        }
        let Seen { names, paths, index, hasher } = self;
        let start = u32::try_from(names.len()).ok();
        let Some((start, len)) = start.zip(u32::try_from(path.len()).ok()).filter(|(s, l)| s.checked_add(*l).is_some())
        else {
            return Err(Error::new(ErrorKind::Limit, subject, "entry names of one layer exceed 4 GiB"));
        };
        names.push_str(path);
        paths.push(SeenPath { start, len, size, role });
        let i = (paths.len() - 1) as u32;
        index.insert_unique(hasher.hash_one(path), i, |&j| hasher.hash_one(Self::name(names, &paths[j as usize])));
        Ok(())
    }
}

fn link_target(raw: Vec<u8>, subject: &str, name: &str) -> Result<String> {
    if raw.is_empty() {
        return Err(Error::new(ErrorKind::Malformed, subject, format!("link {name} has no target")));
    }
    String::from_utf8(raw)
        .map_err(|_| Error::new(ErrorKind::Unsafe, subject, format!("link target of {name} is not UTF-8")))
}

/// A visitor that keeps the entry list of a layer (metadata only).
#[derive(Debug, Default)]
pub struct Listing {
    entries: Vec<LayerEntry>,
}

impl EntryVisitor for Listing {
    type Output = Vec<LayerEntry>;

    fn entry(&mut self, entry: &LayerEntry, _content: &mut dyn Read) -> Result<()> {
        self.entries.push(entry.clone());
        Ok(())
    }

    fn finish(mut self) -> Vec<LayerEntry> {
        // Kept for the whole run: give back what the last doubling reserved.
        self.entries.shrink_to_fit();
        self.entries
    }
}
