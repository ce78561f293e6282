//! The merged view of an image's final filesystem: layers replayed in order with whiteouts and
//! opaque directories applied, recording for every path the layer that last wrote it.

use std::collections::BTreeMap;

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

/// The final filesystem of an image.
#[derive(Debug, Default)]
pub struct MergedFs {
    entries: BTreeMap<String, FsEntry>,
}

impl MergedFs {
    /// Replay `layers` (base first) and check that every symlink resolves without a loop.
    pub fn build<'a>(image: &str, layers: impl IntoIterator<Item = &'a [LayerEntry]>) -> Result<Self> {
        let mut fs = MergedFs::default();
        for (index, entries) in layers.into_iter().enumerate() {
            fs.apply(index, entries);
        }
        fs.check_symlinks(image)?;
        Ok(fs)
    }

    fn apply(&mut self, index: usize, entries: &[LayerEntry]) {
        // Deletions only touch lower layers, so apply them before this layer's own entries.
        for e in entries {
            match &e.kind {
                EntryKind::Opaque(dir) => self.remove_under(dir),
                EntryKind::Whiteout(path) => {
                    self.entries.remove(path);
                    self.remove_under(path);
                }
                _ => {}
            }
        }
        for e in entries.iter().filter(|e| !e.kind.is_whiteout()) {
            if e.kind != EntryKind::Dir {
                // A non-directory hides whatever a lower layer had below that path.
                self.remove_under(&e.path);
            }
            self.entries.insert(e.path.clone(), FsEntry { entry: e.clone(), layer: index });
        }
    }

    fn remove_under(&mut self, dir: &str) {
        if dir.is_empty() {
            self.entries.clear();
            return;
        }
        let start = format!("{dir}/");
        let end = format!("{dir}0"); // '0' sorts right after '/'
        let doomed: Vec<String> = self.entries.range(start..end).map(|(k, _)| k.clone()).collect();
        for k in doomed {
            self.entries.remove(&k);
        }
    }

    /// The entry at `path` (normalised, no leading `/`), without following symlinks.
    pub fn get(&self, path: &str) -> Option<&FsEntry> {
        self.entries.get(path.trim_start_matches('/'))
    }

    /// Every path, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &FsEntry> {
        self.entries.values()
    }

    /// Number of paths.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the filesystem is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Resolve `path` following symlinks the way the kernel would inside a chroot at the image root:
    /// `..` never climbs above the root. `Ok(None)` when the path does not exist; `Err` with the
    /// reason on a symlink loop.
    pub fn resolve(&self, path: &str) -> std::result::Result<Option<String>, String> {
        let mut pending: Vec<String> = path.split('/').rev().map(str::to_string).collect();
        let mut current: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(comp) = pending.pop() {
            match comp.as_str() {
                "" | "." => continue,
                ".." => {
                    current.pop();
                    continue;
                }
                _ => {}
            }
            current.push(comp);
            let joined = current.join("/");
            match self.entries.get(&joined).map(|e| &e.entry.kind) {
                Some(EntryKind::Symlink(target)) => {
                    hops += 1;
                    if hops > MAX_SYMLINK_HOPS {
                        return Err(format!("symlink loop at /{path}"));
                    }
                    current.pop();
                    if target.starts_with('/') {
                        current.clear();
                    }
                    pending.extend(target.split('/').rev().map(str::to_string));
                }
                Some(EntryKind::Dir) => {}
                Some(_) if pending.iter().all(|c| c.is_empty() || c == ".") => {}
                Some(_) | None => return Ok(None),
            }
        }
        Ok(Some(current.join("/")))
    }

    fn check_symlinks(&self, image: &str) -> Result<()> {
        for (path, e) in &self.entries {
            if matches!(e.entry.kind, EntryKind::Symlink(_)) {
                self.resolve(path).map_err(|problem| Error::new(ErrorKind::Unsafe, image, problem))?;
            }
        }
        Ok(())
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
        let paths: Vec<&str> = fs.iter().map(|f| f.entry.path.as_str()).collect();
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
    fn symlink_loop_is_an_error() {
        let l0 = vec![e("a", EntryKind::Symlink("b".into())), e("b", EntryKind::Symlink("a".into()))];
        let err = MergedFs::build("img", [l0.as_slice()]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsafe);
        assert_eq!(err.to_string(), "img: symlink loop at /a");
    }
}
