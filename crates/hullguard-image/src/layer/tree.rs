//! Walking an unpacked root filesystem as if it were one layer. Symlinks are recorded, never
//! followed; files are opened without following links.

use std::fs::{self, File};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use super::entry::{EntryKind, EntryVisitor, LayerEntry};
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;

/// `O_NOFOLLOW` on Linux: open fails instead of following a symlink swapped in after the walk.
const O_NOFOLLOW: i32 = 0o400_000;

/// Visit every entry under `root` in sorted order (parents before children); directories named
/// in `skip_dirs` are neither visited nor descended into.
pub fn walk_tree<V: EntryVisitor>(root: &Path, limits: &Limits, skip_dirs: &[&str], visitor: &mut V) -> Result<()> {
    let mut stack = vec![String::new()];
    let mut count = 0u64;
    while let Some(rel) = stack.pop() {
        let dir = if rel.is_empty() { root.to_path_buf() } else { root.join(&rel) };
        let read = fs::read_dir(&dir).map_err(|e| Error::io(dir.display().to_string(), &e))?;
        let mut names = Vec::new();
        for item in read {
            let item = item.map_err(|e| Error::io(dir.display().to_string(), &e))?;
            let name = item.file_name().into_string().map_err(|n| {
                Error::new(ErrorKind::Unsafe, dir.display().to_string(), format!("file name is not UTF-8: {n:?}"))
            })?;
            names.push(name);
        }
        names.sort();
        let mut subdirs = Vec::new();
        for name in names {
            count += 1;
            if count > limits.max_entries {
                return Err(Error::new(ErrorKind::Limit, root.display().to_string(), "too many files"));
            }
            let path = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            let full = root.join(&path);
            let meta = fs::symlink_metadata(&full).map_err(|e| Error::io(full.display().to_string(), &e))?;
            let ft = meta.file_type();
            if ft.is_dir() && skip_dirs.contains(&name.as_str()) {
                continue;
            }
            let kind = if ft.is_dir() {
                subdirs.push(path.clone());
                EntryKind::Dir
            } else if ft.is_symlink() {
                let target = fs::read_link(&full).map_err(|e| Error::io(full.display().to_string(), &e))?;
                EntryKind::Symlink(target.to_string_lossy().into_owned())
            } else if ft.is_file() {
                EntryKind::File
            } else {
                use std::os::unix::fs::FileTypeExt;
                if ft.is_char_device() {
                    EntryKind::CharDevice
                } else if ft.is_block_device() {
                    EntryKind::BlockDevice
                } else {
                    EntryKind::Fifo
                }
            };
            let entry = LayerEntry {
                path,
                size: if kind == EntryKind::File { meta.len() } else { 0 },
                kind,
                mode: meta.mode() & 0o7777,
                uid: u64::from(meta.uid()),
                gid: u64::from(meta.gid()),
            };
            if entry.kind == EntryKind::File {
                let mut file = File::options()
                    .read(true)
                    .custom_flags(O_NOFOLLOW)
                    .open(&full)
                    .map_err(|e| Error::io(full.display().to_string(), &e))?;
                visitor.entry(&entry, &mut file)?;
            } else {
                visitor.entry(&entry, &mut std::io::empty())?;
            }
        }
        // Depth-first in sorted order: push in reverse so the smallest name is walked first.
        stack.extend(subdirs.into_iter().rev());
    }
    Ok(())
}
