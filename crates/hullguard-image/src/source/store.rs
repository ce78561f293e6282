//! Random access to the files of an image container: an OCI layout directory, or a tar archive
//! (OCI layout or `docker save` output) indexed once and then read member by member.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::digest::{Digest, HashingReader};
use crate::error::{Error, ErrorKind, Result, from_io};
use crate::layer::{check_digest, check_size};
use crate::limits::Limits;
use crate::path::normalize_member;
use crate::tar_reader::{TYPE_GLOBAL, TYPE_LINK, TYPE_REG, TYPE_SYMLINK, TarReader};

/// A read-only set of named files (blobs, `index.json`, `manifest.json`, ...).
pub trait BlobStore: Send + Sync {
    /// Name of the container for messages (the archive or directory path).
    fn name(&self) -> &str;
    /// Size of the file at `path`, or `None` when it does not exist.
    fn size(&self, path: &str) -> Result<Option<u64>>;
    /// Open the file at `path` for streaming.
    fn open(&self, path: &str) -> Result<Box<dyn Read + Send>>;
    /// What identifies the bytes at `path` as they are on disk now (file, device, inode, size,
    /// modification and change times; for an archive member also its offset), or `None` when
    /// the store cannot tell. Bytes with the stamp of bytes hashed before have not changed
    /// since: no write, rename or `touch` keeps both times.
    fn stamp(&self, _path: &str) -> Option<String> {
        None
    }
}

/// The stamp of the file `real` (see [`BlobStore::stamp`]), with `extra` appended.
fn file_stamp(real: &Path, extra: &str) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(real).ok().filter(std::fs::Metadata::is_file)?;
    Some(format!(
        "{}|{}:{}|{}|{}.{}|{}.{}|{extra}",
        real.display(),
        m.dev(),
        m.ino(),
        m.len(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec()
    ))
}

/// Read a small JSON file whole, refusing anything larger than the JSON limit and checking its
/// digest when one is expected.
pub fn read_json_file(
    store: &dyn BlobStore,
    path: &str,
    expected: Option<(&Digest, u64)>,
    limits: &Limits,
) -> Result<Vec<u8>> {
    let subject = format!("{}: {path}", store.name());
    if let Some((_, declared)) = expected
        && declared > limits.max_json_bytes
    {
        return Err(Error::new(
            ErrorKind::Limit,
            &subject,
            format!(
                "declared size {declared} bytes exceeds the {} byte limit for JSON documents",
                limits.max_json_bytes
            ),
        ));
    }
    let size = store.size(path)?.ok_or_else(|| Error::new(ErrorKind::NotFound, &subject, "missing from the image"))?;
    if size > limits.max_json_bytes {
        return Err(Error::new(
            ErrorKind::Limit,
            &subject,
            format!("{size} bytes exceeds the {} byte limit for JSON documents", limits.max_json_bytes),
        ));
    }
    check_size(&subject, expected.map(|(_, declared)| declared), size)?;
    let mut reader = HashingReader::new(store.open(path)?.take(size));
    let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    reader.read_to_end(&mut buf).map_err(|e| from_io(&subject, e))?;
    let (digest, n) = reader.finish().map_err(|e| from_io(&subject, e))?;
    if n != size {
        return Err(Error::new(ErrorKind::Malformed, &subject, format!("truncated: {n} of {size} bytes")));
    }
    check_digest(&subject, expected.map(|(want, _)| want), &digest)?;
    Ok(buf)
}

/// An OCI layout directory on disk. Paths never leave the directory: symlinks pointing outside
/// are refused.
pub struct DirStore {
    root: PathBuf,
    name: String,
}

impl DirStore {
    /// Open the directory `root`.
    pub fn open(root: &Path) -> Result<Self> {
        let name = root.display().to_string();
        let root = root.canonicalize().map_err(|e| Error::io(&name, &e))?;
        if !root.is_dir() {
            return Err(Error::new(ErrorKind::Malformed, &name, "not a directory"));
        }
        Ok(DirStore { root, name })
    }

    fn resolve(&self, path: &str) -> Result<Option<PathBuf>> {
        let rel =
            normalize_member(path).map_err(|p| Error::new(ErrorKind::Unsafe, format!("{}: {path}", self.name), p))?;
        let joined = self.root.join(rel);
        match joined.canonicalize() {
            Ok(real) if real.starts_with(&self.root) => Ok(Some(real)),
            Ok(_) => Err(Error::new(
                ErrorKind::Unsafe,
                format!("{}: {path}", self.name),
                "symlink points outside the layout",
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(format!("{}: {path}", self.name), &e)),
        }
    }
}

impl BlobStore for DirStore {
    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self, path: &str) -> Result<Option<u64>> {
        match self.resolve(path)? {
            None => Ok(None),
            Some(p) => {
                let meta = std::fs::metadata(&p).map_err(|e| Error::io(format!("{}: {path}", self.name), &e))?;
                if !meta.is_file() {
                    return Err(Error::new(
                        ErrorKind::Malformed,
                        format!("{}: {path}", self.name),
                        "not a regular file",
                    ));
                }
                Ok(Some(meta.len()))
            }
        }
    }

    fn open(&self, path: &str) -> Result<Box<dyn Read + Send>> {
        let p = self.resolve(path)?.ok_or_else(|| {
            Error::new(ErrorKind::NotFound, format!("{}: {path}", self.name), "missing from the image")
        })?;
        let f = File::open(&p).map_err(|e| Error::io(format!("{}: {path}", self.name), &e))?;
        Ok(Box::new(f))
    }

    fn stamp(&self, path: &str) -> Option<String> {
        file_stamp(&self.resolve(path).ok()??, "")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum MemberKind {
    File,
    Link(String),
    Other,
}

#[derive(Debug, Clone)]
struct Member {
    offset: u64,
    size: u64,
    kind: MemberKind,
}

/// A tar archive indexed once (headers only, content skipped by seeking) so members can be read
/// in any order, in parallel, without extracting anything.
pub struct TarStore {
    path: PathBuf,
    name: String,
    members: HashMap<String, Member>,
}

impl TarStore {
    /// Index the archive at `path`.
    pub fn open(path: &Path, limits: &Limits) -> Result<Self> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|e| Error::io(&name, &e))?;
        let len = file.metadata().map_err(|e| Error::io(&name, &e))?.len();
        if len == 0 {
            return Err(Error::new(ErrorKind::Malformed, &name, "empty file"));
        }
        let bad = |e: Error| Error::new(e.kind(), &name, format!("not a valid tar archive: {}", e.problem()));
        let mut tar = TarReader::new(&name, file);
        let mut members = HashMap::new();
        while let Some(header) = tar.next_header().map_err(bad)? {
            if header.typeflag == TYPE_GLOBAL {
                continue; // `docker load` skips global headers unread.
            }
            if members.len() as u64 >= limits.max_entries {
                return Err(Error::new(ErrorKind::Limit, &name, "too many members in archive"));
            }
            let member_path = std::str::from_utf8(&header.name)
                .map_err(|_| Error::new(ErrorKind::Unsafe, &name, "member name is not UTF-8"))?
                .to_string();
            let norm = normalize_member(&member_path)
                .map_err(|p| Error::new(ErrorKind::Unsafe, format!("{name}: {member_path}"), p))?;
            let kind = match header.typeflag {
                TYPE_REG => MemberKind::File,
                TYPE_SYMLINK | TYPE_LINK => {
                    if header.linkname.is_empty() {
                        return Err(Error::new(
                            ErrorKind::Malformed,
                            format!("{name}: {member_path}"),
                            "link without target",
                        ));
                    }
                    let target = std::str::from_utf8(&header.linkname).map_err(|_| {
                        Error::new(ErrorKind::Unsafe, format!("{name}: {member_path}"), "link target is not UTF-8")
                    })?;
                    // Symlinks are relative to the member's directory; hard links to the archive root.
                    let joined = if header.typeflag == TYPE_SYMLINK && !target.starts_with('/') {
                        match norm.rsplit_once('/') {
                            Some((dir, _)) => format!("{dir}/{target}"),
                            None => target.to_string(),
                        }
                    } else {
                        target.trim_start_matches('/').to_string()
                    };
                    let resolved = normalize_member(&joined).map_err(|_| {
                        Error::new(
                            ErrorKind::Unsafe,
                            format!("{name}: {member_path}"),
                            format!("link to {target} escapes the archive"),
                        )
                    })?;
                    MemberKind::Link(resolved)
                }
                _ => MemberKind::Other,
            };
            let size = if kind == MemberKind::File { u64::try_from(header.size).unwrap_or(0) } else { 0 };
            let member = Member { offset: header.data_offset, size, kind };
            if norm.is_empty() {
                continue;
            }
            if let Some(prev) = members.insert(norm.clone(), member)
                && !matches!(prev.kind, MemberKind::Other)
            {
                return Err(Error::new(
                    ErrorKind::Unsafe,
                    format!("{name}: {member_path}"),
                    "duplicate member in archive",
                ));
            }
        }
        if members.is_empty() {
            return Err(Error::new(ErrorKind::Malformed, &name, "not a tar archive (no members)"));
        }
        Ok(TarStore { path: path.to_path_buf(), name, members })
    }

    /// Whether the archive has a member at `path` (after following links).
    pub fn contains(&self, path: &str) -> bool {
        self.lookup(path).ok().flatten().is_some()
    }

    fn lookup(&self, path: &str) -> Result<Option<&Member>> {
        let mut current = match normalize_member(path) {
            Ok(p) => p,
            Err(_) => return Ok(None),
        };
        for _ in 0..16 {
            match self.members.get(&current) {
                None => return Ok(None),
                Some(Member { kind: MemberKind::Link(to), .. }) => current = to.clone(),
                Some(m @ Member { kind: MemberKind::File, .. }) => return Ok(Some(m)),
                Some(Member { kind: MemberKind::Other, .. }) => {
                    return Err(Error::new(
                        ErrorKind::Malformed,
                        format!("{}: {path}", self.name),
                        "not a regular file",
                    ));
                }
            }
        }
        Err(Error::new(ErrorKind::Unsafe, format!("{}: {path}", self.name), "too many levels of links (loop?)"))
    }
}

impl BlobStore for TarStore {
    fn name(&self) -> &str {
        &self.name
    }

    fn size(&self, path: &str) -> Result<Option<u64>> {
        Ok(self.lookup(path)?.map(|m| m.size))
    }

    fn open(&self, path: &str) -> Result<Box<dyn Read + Send>> {
        let subject = format!("{}: {path}", self.name);
        let m =
            self.lookup(path)?.ok_or_else(|| Error::new(ErrorKind::NotFound, &subject, "missing from the archive"))?;
        let mut f = File::open(&self.path).map_err(|e| Error::io(&self.name, &e))?;
        f.seek(SeekFrom::Start(m.offset)).map_err(|e| Error::io(&subject, &e))?;
        Ok(Box::new(f.take(m.size)))
    }

    fn stamp(&self, path: &str) -> Option<String> {
        let m = self.lookup(path).ok()??;
        file_stamp(&self.path.canonicalize().ok()?, &format!("{}+{}", m.offset, m.size))
    }
}
