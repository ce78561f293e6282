//! The rpm header blob: what every rpm database backend stores per package.
//!
//! Layout (all integers big-endian): an optional 8-byte magic
//! (`8e ad e8 01 00 00 00 00`), the number of index entries `il` (u32), the
//! size of the data store `dl` (u32), `il` index entries of 16 bytes
//! (`tag`, `type`, `offset` into the data store, `count`), then `dl` bytes of
//! data. Entries that appear later override earlier ones with the same tag
//! (rpm appends such "dribble" entries after the immutable region).

use crate::format::osdb::{Error, OsPackage, Result};

/// Optional magic in front of a header blob.
const HEADER_MAGIC: [u8; 8] = [0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0];
/// rpm refuses headers with more index entries than this.
const MAX_INDEX_ENTRIES: u32 = 0xffff;
/// rpm refuses headers with a larger data store than this (16 MiB).
const MAX_DATA_LEN: u32 = 0x00ff_ffff;
/// Size of one index entry.
const ENTRY_LEN: usize = 16;
/// Fixed output allowance for file paths, on top of a multiple of the blob size.
const FILE_LIST_SLACK: usize = 64 * 1024;

/// rpm data types used here.
const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// A tag number with a name for error messages.
#[derive(Clone, Copy)]
struct Tag(u32, &'static str);

const NAME: Tag = Tag(1000, "NAME");
const VERSION: Tag = Tag(1001, "VERSION");
const RELEASE: Tag = Tag(1002, "RELEASE");
const EPOCH: Tag = Tag(1003, "EPOCH");
const LICENSE: Tag = Tag(1014, "LICENSE");
const ARCH: Tag = Tag(1022, "ARCH");
const OLDFILENAMES: Tag = Tag(1027, "OLDFILENAMES");
const SOURCERPM: Tag = Tag(1044, "SOURCERPM");
const DIRINDEXES: Tag = Tag(1116, "DIRINDEXES");
const BASENAMES: Tag = Tag(1117, "BASENAMES");
const DIRNAMES: Tag = Tag(1118, "DIRNAMES");

fn malformed(msg: String) -> Error {
    Error::RpmHeader(msg)
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// One non-empty index entry, with its offset known to lie inside the data store.
#[derive(Clone, Copy)]
struct Entry {
    kind: u32,
    offset: usize,
    count: u32,
}

/// A validated view of a header blob.
struct Header<'a> {
    index: &'a [u8],
    data: &'a [u8],
}

impl<'a> Header<'a> {
    fn parse(blob: &'a [u8]) -> Result<Self> {
        let blob = blob.strip_prefix(&HEADER_MAGIC).unwrap_or(blob);
        let (Some(il), Some(dl)) = (be_u32(blob, 0), be_u32(blob, 4)) else {
            return Err(malformed(format!("blob of {} bytes is shorter than the 8-byte preamble", blob.len())));
        };
        if il == 0 || il > MAX_INDEX_ENTRIES {
            return Err(malformed(format!("index entry count {il} outside 1..={MAX_INDEX_ENTRIES}")));
        }
        if dl > MAX_DATA_LEN {
            return Err(malformed(format!("data store size {dl} exceeds {MAX_DATA_LEN}")));
        }
        // Both are bounded above, so this cannot overflow.
        let index_end = 8 + il as usize * ENTRY_LEN;
        let data_end = index_end + dl as usize;
        if blob.len() < data_end {
            return Err(malformed(format!(
                "{il} entries and {dl} data bytes need {data_end} bytes, blob has {}",
                blob.len()
            )));
        }
        Ok(Self { index: &blob[8..index_end], data: &blob[index_end..data_end] })
    }

    /// The last index entry for `tag`, if any.
    fn entry(&self, tag: Tag) -> Result<Option<Entry>> {
        let Some(raw) = self.index.chunks_exact(ENTRY_LEN).rev().find(|e| be_u32(e, 0) == Some(tag.0)) else {
            return Ok(None);
        };
        let field = |at| be_u32(raw, at).unwrap_or_default();
        let (offset, count) = (field(8) as usize, field(12));
        // rpm never stores empty entries; treat one as absent.
        if count == 0 {
            return Ok(None);
        }
        if offset >= self.data.len() {
            return Err(malformed(format!(
                "tag {} offset {offset} outside data store of {} bytes",
                tag.1,
                self.data.len()
            )));
        }
        Ok(Some(Entry { kind: field(4), offset, count }))
    }

    fn expect_kind(tag: Tag, entry: Entry, kinds: &[u32]) -> Result<()> {
        if kinds.contains(&entry.kind) {
            Ok(())
        } else {
            Err(malformed(format!("tag {} has data type {}, expected one of {kinds:?}", tag.1, entry.kind)))
        }
    }

    /// Reads `count` NUL-terminated strings starting at `offset`.
    fn strings_at(&self, tag: Tag, offset: usize, count: u32) -> Result<Vec<&'a [u8]>> {
        let data = self.data;
        // Every string takes at least one byte, which bounds the allocation.
        let mut out = Vec::with_capacity((count as usize).min(data.len() - offset));
        let mut pos = offset;
        for _ in 0..count {
            let rest = data.get(pos..).unwrap_or_default();
            let Some(len) = rest.iter().position(|&b| b == 0) else {
                return Err(malformed(format!("tag {}: string at offset {pos} is not NUL-terminated", tag.1)));
            };
            out.push(&rest[..len]);
            pos += len + 1;
        }
        Ok(out)
    }

    /// First string of a STRING, I18NSTRING or STRING_ARRAY tag.
    fn string(&self, tag: Tag) -> Result<Option<String>> {
        let Some(entry) = self.entry(tag)? else {
            return Ok(None);
        };
        Self::expect_kind(tag, entry, &[TYPE_STRING, TYPE_I18NSTRING, TYPE_STRING_ARRAY])?;
        let first = self.strings_at(tag, entry.offset, 1)?;
        Ok(first.first().map(|s| String::from_utf8_lossy(s).into_owned()))
    }

    fn string_array(&self, tag: Tag) -> Result<Option<Vec<&'a [u8]>>> {
        let Some(entry) = self.entry(tag)? else {
            return Ok(None);
        };
        Self::expect_kind(tag, entry, &[TYPE_STRING_ARRAY])?;
        self.strings_at(tag, entry.offset, entry.count).map(Some)
    }

    fn int32_array(&self, tag: Tag) -> Result<Option<Vec<u32>>> {
        let Some(entry) = self.entry(tag)? else {
            return Ok(None);
        };
        Self::expect_kind(tag, entry, &[TYPE_INT32])?;
        let bytes = (entry.count as usize)
            .checked_mul(4)
            .and_then(|len| self.data.get(entry.offset..entry.offset.checked_add(len)?))
            .ok_or_else(|| {
                malformed(format!(
                    "tag {}: {} INT32 values at offset {} overrun data store of {} bytes",
                    tag.1,
                    entry.count,
                    entry.offset,
                    self.data.len()
                ))
            })?;
        Ok(Some(bytes.chunks_exact(4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]])).collect()))
    }

    /// Installed file paths from DIRNAMES/BASENAMES/DIRINDEXES, or the
    /// legacy OLDFILENAMES. Total output is capped relative to `budget`.
    fn files(&self, budget: usize) -> Result<Vec<String>> {
        let too_large = || malformed(format!("file list would exceed {budget} bytes of paths; refusing"));
        let Some(basenames) = self.string_array(BASENAMES)? else {
            let Some(old) = self.string_array(OLDFILENAMES)? else {
                return Ok(Vec::new());
            };
            // Output never exceeds input here.
            return Ok(old.iter().map(|p| String::from_utf8_lossy(p).into_owned()).collect());
        };
        let dirnames = self.string_array(DIRNAMES)?.unwrap_or_default();
        let dirindexes = self.int32_array(DIRINDEXES)?.unwrap_or_default();
        if dirindexes.len() != basenames.len() {
            return Err(malformed(format!("{} BASENAMES but {} DIRINDEXES", basenames.len(), dirindexes.len())));
        }
        let mut used = 0usize;
        let mut files = Vec::with_capacity(basenames.len());
        for (base, &dir_index) in basenames.iter().zip(&dirindexes) {
            let dir = dirnames.get(dir_index as usize).ok_or_else(|| {
                malformed(format!("DIRINDEXES value {dir_index} but only {} DIRNAMES", dirnames.len()))
            })?;
            used = used.checked_add(dir.len() + base.len()).filter(|&u| u <= budget).ok_or_else(too_large)?;
            let mut path = String::from_utf8_lossy(dir).into_owned();
            path.push_str(&String::from_utf8_lossy(base));
            files.push(path);
        }
        Ok(files)
    }
}

/// Splits `name-version-release.src.rpm` into `(name, "version-release")`.
fn split_source_rpm(source_rpm: &str) -> Option<(String, String)> {
    let stem = source_rpm.strip_suffix(".src.rpm").or_else(|| source_rpm.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name.to_owned(), format!("{version}-{release}")))
}

/// Decodes one header blob into a package.
pub(crate) fn package_from_header(blob: &[u8]) -> Result<OsPackage> {
    let header = Header::parse(blob)?;
    let required = |tag: Tag| header.string(tag)?.ok_or(Error::RpmHeaderMissingTag { tag: tag.1 });
    let name = required(NAME)?;
    let version = required(VERSION)?;
    let epoch = header.int32_array(EPOCH)?.and_then(|values| values.first().copied());
    let (source_name, source_version) = header.string(SOURCERPM)?.as_deref().and_then(split_source_rpm).unzip();
    let budget = blob.len().saturating_mul(4).saturating_add(FILE_LIST_SLACK);
    Ok(OsPackage {
        name,
        epoch,
        version,
        release: header.string(RELEASE)?,
        arch: header.string(ARCH)?,
        source_name,
        source_version,
        license: header.string(LICENSE)?,
        files: header.files(budget)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Value of one test entry.
    enum V<'a> {
        Str(&'a str),
        Strs(&'a [&'a str]),
        Ints(&'a [u32]),
    }

    /// Builds a header blob from `(tag, value)` pairs.
    fn build(entries: &[(u32, V<'_>)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, value) in entries {
            let (kind, count) = match value {
                V::Str(s) => {
                    let offset = data.len();
                    data.extend_from_slice(s.as_bytes());
                    data.push(0);
                    (TYPE_STRING, (offset, 1))
                }
                V::Strs(list) => {
                    let offset = data.len();
                    for s in *list {
                        data.extend_from_slice(s.as_bytes());
                        data.push(0);
                    }
                    (TYPE_STRING_ARRAY, (offset, list.len()))
                }
                V::Ints(list) => {
                    while data.len() % 4 != 0 {
                        data.push(0);
                    }
                    let offset = data.len();
                    for v in *list {
                        data.extend_from_slice(&v.to_be_bytes());
                    }
                    (TYPE_INT32, (offset, list.len()))
                }
            };
            let (offset, count) = count;
            for field in [*tag, kind, offset as u32, count as u32] {
                index.extend_from_slice(&field.to_be_bytes());
            }
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
        blob.extend_from_slice(&index);
        blob.extend_from_slice(&data);
        blob
    }

    fn basic() -> Vec<u8> {
        build(&[
            (NAME.0, V::Str("bash")),
            (VERSION.0, V::Str("5.1.8")),
            (RELEASE.0, V::Str("1.cm2")),
            (EPOCH.0, V::Ints(&[2])),
            (ARCH.0, V::Str("x86_64")),
            (SOURCERPM.0, V::Str("bash-5.1.8-1.cm2.src.rpm")),
            (LICENSE.0, V::Str("GPLv3")),
            (BASENAMES.0, V::Strs(&["bash", "sh", "bash.1.gz"])),
            (DIRNAMES.0, V::Strs(&["/usr/bin/", "/usr/share/man/man1/"])),
            (DIRINDEXES.0, V::Ints(&[0, 0, 1])),
        ])
    }

    #[test]
    fn decodes_valid_headers() {
        let expected = OsPackage {
            name: "bash".into(),
            epoch: Some(2),
            version: "5.1.8".into(),
            release: Some("1.cm2".into()),
            arch: Some("x86_64".into()),
            source_name: Some("bash".into()),
            source_version: Some("5.1.8-1.cm2".into()),
            license: Some("GPLv3".into()),
            files: vec!["/usr/bin/bash".into(), "/usr/bin/sh".into(), "/usr/share/man/man1/bash.1.gz".into()],
        };
        let with_magic = [HEADER_MAGIC.as_slice(), &basic()].concat();
        let minimal = OsPackage { name: "gpg-pubkey".into(), version: "fd431d51".into(), ..OsPackage::default() };
        let old_files = OsPackage { files: vec!["/etc/a".into(), "/etc/b".into()], ..minimal.clone() };
        let cases: Vec<(&str, Vec<u8>, OsPackage)> = vec![
            ("plain blob", basic(), expected.clone()),
            ("blob with magic", with_magic, expected),
            (
                "only required tags",
                build(&[(NAME.0, V::Str("gpg-pubkey")), (VERSION.0, V::Str("fd431d51"))]),
                minimal.clone(),
            ),
            (
                "later entry overrides earlier",
                build(&[(NAME.0, V::Str("old")), (VERSION.0, V::Str("fd431d51")), (NAME.0, V::Str("gpg-pubkey"))]),
                minimal,
            ),
            (
                "legacy OLDFILENAMES",
                build(&[
                    (NAME.0, V::Str("gpg-pubkey")),
                    (VERSION.0, V::Str("fd431d51")),
                    (OLDFILENAMES.0, V::Strs(&["/etc/a", "/etc/b"])),
                ]),
                old_files,
            ),
        ];
        for (what, blob, want) in cases {
            assert_eq!(package_from_header(&blob).expect(what), want, "{what}");
        }
    }

    /// Overwrites the big-endian u32 at `at`.
    fn patch(mut blob: Vec<u8>, at: usize, value: u32) -> Vec<u8> {
        blob[at..at + 4].copy_from_slice(&value.to_be_bytes());
        blob
    }

    #[test]
    fn rejects_hostile_headers() {
        let full = basic();
        // Entry 0 is NAME; its fields start at byte 8.
        let entry = |n: usize, field: usize| 8 + n * ENTRY_LEN + field * 4;
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("empty", Vec::new(), "shorter than"),
            ("zero entries", patch(full.clone(), 0, 0), "outside 1..="),
            ("huge entry count", patch(full.clone(), 0, u32::MAX), "outside 1..="),
            ("huge data size", patch(full.clone(), 4, u32::MAX), "exceeds"),
            ("counts beyond blob", patch(full.clone(), 4, 1 << 20), "need"),
            ("truncated", full[..full.len() - 1].to_vec(), "need"),
            ("offset beyond data", patch(full.clone(), entry(0, 2), u32::MAX), "outside data store"),
            ("huge INT32 count", patch(full.clone(), entry(3, 3), u32::MAX), "overrun"),
            ("huge string array count", patch(full.clone(), entry(7, 3), u32::MAX), "not NUL-terminated"),
            ("wrong type for NAME", patch(full.clone(), entry(0, 1), TYPE_INT32), "data type"),
            (
                "dir index out of range",
                build(&[
                    (NAME.0, V::Str("a")),
                    (VERSION.0, V::Str("1")),
                    (BASENAMES.0, V::Strs(&["x"])),
                    (DIRNAMES.0, V::Strs(&["/"])),
                    (DIRINDEXES.0, V::Ints(&[7])),
                ]),
                "only 1 DIRNAMES",
            ),
            ("missing NAME", build(&[(VERSION.0, V::Str("1"))]), "no NAME tag"),
        ];
        for (what, blob, needle) in cases {
            let err = package_from_header(&blob).expect_err(what).to_string();
            assert!(err.contains(needle), "{what}: {err}");
        }
    }

    #[test]
    fn caps_file_list_expansion() {
        // One long directory shared by many one-byte basenames.
        let dir = format!("/{}/", "d".repeat(60_000));
        let bases: Vec<String> = (0..2000).map(|i| (i % 10).to_string()).collect();
        let bases: Vec<&str> = bases.iter().map(String::as_str).collect();
        let blob = build(&[
            (NAME.0, V::Str("a")),
            (VERSION.0, V::Str("1")),
            (BASENAMES.0, V::Strs(&bases)),
            (DIRNAMES.0, V::Strs(&[&dir])),
            (DIRINDEXES.0, V::Ints(&vec![0; bases.len()])),
        ]);
        let err = package_from_header(&blob).expect_err("explosion").to_string();
        assert!(err.contains("file list would exceed"), "{err}");
    }

    #[test]
    fn splits_source_rpm_names() {
        let cases = [
            ("util-linux-2.32.1-42.el8_8.src.rpm", Some(("util-linux", "2.32.1-42.el8_8"))),
            ("tzdata-2022a-2.fc36.src.rpm", Some(("tzdata", "2022a-2.fc36"))),
            ("foo-1-2.nosrc.rpm", Some(("foo", "1-2"))),
            ("foo-1.src.rpm", None),
            ("-1-2.src.rpm", None),
            ("foo-1-2.rpm", None),
            ("(none)", None),
        ];
        for (input, want) in cases {
            let want = want.map(|(n, v)| (n.to_owned(), v.to_owned()));
            assert_eq!(split_source_rpm(input), want, "{input}");
        }
    }
}
