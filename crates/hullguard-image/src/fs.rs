//! The merged view of an image's final filesystem: layers replayed in order with whiteouts and
//! opaque directories applied, recording for every path the layer that last wrote it.

use std::collections::BTreeMap;
use std::ops::Bound;

use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};
use crate::layer::{EntryKind, LayerEntry};

/// Symlinks followed while resolving one path before it counts as a loop (Linux's limit).
const MAX_SYMLINK_HOPS: usize = 40;

/// One path of the final filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FsEntry {
    /// The entry as the layer wrote it.
    #[serde(flatten)]
    pub entry: LayerEntry,
    /// Index of the layer that last wrote the path.
    pub layer: usize,
}

/// The type of a [`Packed`] entry; the ones with a target keep it after the path in
/// [`MergedFs::names`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Symlink,
    Hardlink,
    CharDevice,
    BlockDevice,
    Fifo,
}

/// One path of the final filesystem, packed: its name and link target are spans of
/// [`MergedFs::names`].
#[derive(Debug, Clone, Copy)]
struct Packed {
    start: u32,
    path_len: u32,
    target_len: u32,
    layer: u32,
    uid: u64,
    gid: u64,
    size: u64,
    mode: u32,
    kind: Kind,
}

/// The final filesystem of an image: every path and link target back to back in one string, and
/// one packed entry per path, sorted by path.
#[derive(Debug, Default)]
pub struct MergedFs {
    names: String,
    entries: Vec<Packed>,
}

/// Where an entry of the merged view came from while layers are replayed: (layer, entry index).
type Origin = (u32, u32);

impl MergedFs {
    /// Replay `layers` (base first) and check that every symlink resolves without a loop.
    pub fn build<'a>(image: &str, layers: impl IntoIterator<Item = &'a [LayerEntry]>) -> Result<Self> {
        let layers: Vec<&[LayerEntry]> = layers.into_iter().collect();
        let mut live: BTreeMap<&str, Origin> = BTreeMap::new();
        let mut bound = String::new();
        for (index, entries) in layers.iter().enumerate() {
            let index = u32::try_from(index).map_err(|_| Error::new(ErrorKind::Limit, image, "too many layers"))?;
            apply(&mut live, &mut bound, index, entries);
        }
        // Sized once: no doubling slack on the largest allocations of the run. Every span fits in
        // u32 once the total does.
        let name_bytes: usize = live.values().map(|&(layer, i)| name_bytes(&layers[layer as usize][i as usize])).sum();
        if u32::try_from(name_bytes).is_err() {
            return Err(Error::new(ErrorKind::Limit, image, "the paths of the final filesystem exceed 4 GiB"));
        }
        let mut fs = MergedFs { names: String::with_capacity(name_bytes), entries: Vec::with_capacity(live.len()) };
        for (_, (layer, i)) in live {
            fs.push(&layers[layer as usize][i as usize], layer);
        }
        fs.check_symlinks(image)?;
        Ok(fs)
    }

    fn push(&mut self, e: &LayerEntry, layer: u32) {
        let kind = match &e.kind {
            EntryKind::File => Kind::File,
            EntryKind::Dir => Kind::Dir,
            EntryKind::Symlink(_) => Kind::Symlink,
            EntryKind::Hardlink(_) => Kind::Hardlink,
            EntryKind::CharDevice => Kind::CharDevice,
            EntryKind::BlockDevice => Kind::BlockDevice,
            EntryKind::Fifo => Kind::Fifo,
            EntryKind::Whiteout(_) | EntryKind::Opaque(_) => return,
        };
        let target = link_target(&e.kind);
        let (start, path_len, target_len) = (self.names.len() as u32, e.path.len() as u32, target.len() as u32);
        self.names.push_str(&e.path);
        self.names.push_str(target);
        self.entries.push(Packed {
            start,
            path_len,
            target_len,
            layer,
            uid: e.uid,
            gid: e.gid,
            size: e.size,
            mode: e.mode,
            kind,
        });
    }

    fn path_of(&self, p: &Packed) -> &str {
        &self.names[p.start as usize..(p.start + p.path_len) as usize]
    }

    fn target_of(&self, p: &Packed) -> &str {
        let from = (p.start + p.path_len) as usize;
        &self.names[from..from + p.target_len as usize]
    }

    fn find(&self, path: &str) -> Option<&Packed> {
        let i = self.entries.binary_search_by(|p| self.path_of(p).cmp(path)).ok()?;
        Some(&self.entries[i])
    }

    fn unpack(&self, p: &Packed) -> FsEntry {
        let target = || self.target_of(p).to_string();
        let kind = match p.kind {
            Kind::File => EntryKind::File,
            Kind::Dir => EntryKind::Dir,
            Kind::Symlink => EntryKind::Symlink(target()),
            Kind::Hardlink => EntryKind::Hardlink(target()),
            Kind::CharDevice => EntryKind::CharDevice,
            Kind::BlockDevice => EntryKind::BlockDevice,
            Kind::Fifo => EntryKind::Fifo,
        };
        let entry =
            LayerEntry { path: self.path_of(p).to_string(), kind, mode: p.mode, uid: p.uid, gid: p.gid, size: p.size };
        FsEntry { entry, layer: p.layer as usize }
    }

    /// The entry at `path` (normalised, no leading `/`), without following symlinks.
    pub fn get(&self, path: &str) -> Option<FsEntry> {
        self.find(path.trim_start_matches('/')).map(|p| self.unpack(p))
    }

    /// Every path, sorted.
    pub fn iter(&self) -> impl Iterator<Item = FsEntry> + '_ {
        self.entries.iter().map(|p| self.unpack(p))
    }

    /// Number of paths.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the filesystem is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Regular files (hard links included) and the sum of their sizes.
    pub fn file_totals(&self) -> (usize, u64) {
        let files = self.entries.iter().filter(|p| matches!(p.kind, Kind::File | Kind::Hardlink)).count();
        (files, self.entries.iter().map(|p| p.size).sum())
    }

    /// Resolve `path` following symlinks the way the kernel would inside a chroot at the image root:
    /// `..` never climbs above the root. `Ok(None)` when the path does not exist; `Err` with the
    /// reason on a symlink loop.
    pub fn resolve(&self, path: &str) -> std::result::Result<Option<String>, String> {
        let mut pending: Vec<&str> = path.split('/').rev().collect();
        let mut current = String::new();
        let mut hops = 0;
        while let Some(comp) = pending.pop() {
            match comp {
                "" | "." => continue,
                ".." => {
                    current.truncate(current.rfind('/').unwrap_or(0));
                    continue;
                }
                _ => {}
            }
            let before = current.len();
            if !current.is_empty() {
                current.push('/');
            }
            current.push_str(comp);
            match self.find(&current) {
                Some(p) if p.kind == Kind::Symlink => {
                    hops += 1;
                    if hops > MAX_SYMLINK_HOPS {
                        return Err(format!("symlink loop at /{path}"));
                    }
                    let target = self.target_of(p);
                    current.truncate(if target.starts_with('/') { 0 } else { before });
                    pending.extend(target.split('/').rev());
                }
                Some(p) if p.kind == Kind::Dir => {}
                Some(_) if pending.iter().all(|c| c.is_empty() || *c == ".") => {}
                Some(_) | None => return Ok(None),
            }
        }
        Ok(Some(current))
    }

    fn check_symlinks(&self, image: &str) -> Result<()> {
        for p in self.entries.iter().filter(|p| p.kind == Kind::Symlink) {
            self.resolve(self.path_of(p)).map_err(|problem| Error::new(ErrorKind::Unsafe, image, problem))?;
        }
        Ok(())
    }
}

/// Bytes an entry takes in [`MergedFs::names`]: its path and link target.
fn name_bytes(e: &LayerEntry) -> usize {
    e.path.len() + link_target(&e.kind).len()
}

/// The link target a merged entry keeps (`""` for other kinds).
fn link_target(kind: &EntryKind) -> &str {
    match kind {
        EntryKind::Symlink(t) | EntryKind::Hardlink(t) => t,
        _ => "",
    }
}

/// Replay one layer onto `live` (path -> origin). `bound` is scratch space for range bounds.
fn apply<'a>(live: &mut BTreeMap<&'a str, Origin>, bound: &mut String, index: u32, entries: &'a [LayerEntry]) {
    // Deletions only touch lower layers, so apply them before this layer's own entries.
    for e in entries {
        match &e.kind {
            EntryKind::Opaque(dir) => remove_under(live, bound, dir),
            EntryKind::Whiteout(path) => {
                live.remove(path.as_str());
                remove_under(live, bound, path);
            }
            _ => {}
        }
    }
    for (i, e) in entries.iter().enumerate().filter(|(_, e)| !e.kind.is_whiteout()) {
        if e.kind != EntryKind::Dir {
            // A non-directory hides whatever a lower layer had below that path.
            remove_under(live, bound, &e.path);
        }
        // A layer of 2^32 entries could not be held in memory: the index fits.
        live.insert(e.path.as_str(), (index, i as u32));
    }
}

/// Remove every path strictly below `dir` (everything for the root, `""`).
fn remove_under(live: &mut BTreeMap<&str, Origin>, bound: &mut String, dir: &str) {
    if dir.is_empty() {
        live.clear();
        return;
    }
    bound.clear();
    bound.push_str(dir);
    bound.push('/');
    let split = bound.len();
    bound.push_str(dir);
    bound.push('0'); // '0' sorts right after '/'
    let (start, end) = bound.split_at(split);
    let range = (Bound::Included(start), Bound::Excluded(end));
    let doomed: Vec<&str> = live.range::<str, _>(range).map(|(k, _)| *k).collect();
    for k in doomed {
        live.remove(k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(path: &str, kind: EntryKind) -> LayerEntry {
        LayerEntry { path: path.to_string(), kind, mode: 0o644, uid: 0, gid: 0, size: 1 }
    }

    #[test]
    fn whiteouts_and_opaque_dirs() {
        let l0 = vec![
            e("app", EntryKind::Dir),
            e("app/a", EntryKind::File),
            e("app/b", EntryKind::File),
            e("app/build", EntryKind::Dir),
            e("app/build/x", EntryKind::File),
            e("etc", EntryKind::Dir),
            e("etc/conf", EntryKind::Dir),
            e("etc/conf/c", EntryKind::File),
        ];
        let l1 = vec![
            e("app/.wh.a", EntryKind::Whiteout("app/a".into())),
            e("app/build/.wh..wh..opq", EntryKind::Opaque("app/build".into())),
            e("app/build/README", EntryKind::File),
            e("etc/conf", EntryKind::File),
        ];
        let fs = MergedFs::build("img", [l0.as_slice(), l1.as_slice()]).unwrap();
        let paths: Vec<String> = fs.iter().map(|f| f.entry.path).collect();
        assert_eq!(paths, ["app", "app/b", "app/build", "app/build/README", "etc", "etc/conf"]);
        assert_eq!(fs.get("app/build/README").unwrap().layer, 1);
        assert_eq!(fs.get("/app/b").unwrap().layer, 0);
        assert_eq!(fs.get("etc/conf").unwrap().entry.kind, EntryKind::File);
    }

    #[test]
    fn resolves_links_inside_the_root() {
        let l0 = vec![
            e("usr", EntryKind::Dir),
            e("usr/lib", EntryKind::Dir),
            e("usr/lib/os-release", EntryKind::File),
            e("etc", EntryKind::Dir),
            e("etc/os-release", EntryKind::Symlink("../usr/lib/os-release".into())),
            e("lib", EntryKind::Symlink("usr/lib".into())),
            e("up", EntryKind::Symlink("/../../../usr".into())),
        ];
        let fs = MergedFs::build("img", [l0.as_slice()]).unwrap();
        assert_eq!(fs.resolve("etc/os-release").unwrap().as_deref(), Some("usr/lib/os-release"));
        assert_eq!(fs.resolve("lib/os-release").unwrap().as_deref(), Some("usr/lib/os-release"));
        assert_eq!(fs.resolve("up/lib").unwrap().as_deref(), Some("usr/lib"));
        assert_eq!(fs.resolve("nope/x").unwrap(), None);
    }

    #[test]
    fn a_file_hides_what_its_own_layer_put_below_it() {
        let l0 = vec![e("a", EntryKind::Dir), e("a/b", EntryKind::File), e("c", EntryKind::Symlink("a".into()))];
        let l1 = vec![e("a/b/c", EntryKind::File), e("a/b", EntryKind::Symlink("/c".into())), e("d", EntryKind::Fifo)];
        let fs = MergedFs::build("img", [l0.as_slice(), l1.as_slice()]).unwrap();
        let listed: Vec<(String, usize)> = fs.iter().map(|f| (f.entry.path, f.layer)).collect();
        let want = [("a", 0), ("a/b", 1), ("c", 0), ("d", 1)];
        assert_eq!(listed, want.map(|(p, l)| (p.to_string(), l)));
        assert_eq!(fs.get("a/b").unwrap().entry.kind, EntryKind::Symlink("/c".into()));
        assert_eq!(fs.resolve("a/b/b").unwrap().as_deref(), Some("a"));
        assert_eq!(fs.resolve("c/b").unwrap().as_deref(), Some("a"));
        assert_eq!(fs.file_totals(), (0, 4));
    }

    #[test]
    fn symlink_loop_is_an_error() {
        let l0 = vec![e("a", EntryKind::Symlink("b".into())), e("b", EntryKind::Symlink("a".into()))];
        let err = MergedFs::build("img", [l0.as_slice()]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsafe);
        assert_eq!(err.to_string(), "img: symlink loop at /a");
    }
}
