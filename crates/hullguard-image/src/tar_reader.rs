//! A tar reader that reads every header exactly as Go's `archive/tar` (the reader of Docker,
//! containerd and `docker load`) does: PAX records cut by their length prefix, the same record
//! validation and override rules, GNU long names and links, base-256 numbers, the same checksum
//! and format detection, header-only types without content. Whatever Go rejects is an error
//! here, never a fallback to another reading.
//!
//! Sparse files (GNU `S` entries, GNU PAX sparse formats 0.0, 0.1 and 1.0) read as Go expands
//! them: holes as zeros, the real size and name. Where Go would fail only while the content is
//! read (stored data shorter or longer than the sparse map says), this reader fails at the header.
//! Sparse maps beyond [`MAX_SPARSE_ENTRIES`] entries, or with a 1.0 map line over 1 MiB, are
//! refused (Go has no limit).
//!
//! `tests/tar_differential.rs` holds this to the installed Go's `archive/tar`, entry by entry.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use crate::error::{Error, ErrorKind, Result, from_io};

const BLOCK: usize = 512;
/// Go's `maxSpecialFileSize`: the largest PAX header or GNU long name/link it reads.
const MAX_SPECIAL_FILE: i64 = 1 << 20;
/// Most data fragments a sparse file may have (bounds the memory its map takes).
pub const MAX_SPARSE_ENTRIES: usize = 1 << 20;

/// Regular file (`0`).
pub const TYPE_REG: u8 = b'0';
/// Pre-POSIX regular file (NUL); read as [`TYPE_REG`] or, with a trailing `/`, [`TYPE_DIR`].
pub const TYPE_REGA: u8 = 0;
/// Hard link.
pub const TYPE_LINK: u8 = b'1';
/// Symbolic link.
pub const TYPE_SYMLINK: u8 = b'2';
/// Character device.
pub const TYPE_CHAR: u8 = b'3';
/// Block device.
pub const TYPE_BLOCK: u8 = b'4';
/// Directory.
pub const TYPE_DIR: u8 = b'5';
/// Named pipe.
pub const TYPE_FIFO: u8 = b'6';
/// PAX global header: returned as an entry, as Go does (Docker then ignores it).
pub const TYPE_GLOBAL: u8 = b'g';
const TYPE_PAX: u8 = b'x';
const TYPE_GNU_LONG_NAME: u8 = b'L';
const TYPE_GNU_LONG_LINK: u8 = b'K';
/// Old GNU sparse file: read, but Docker cannot extract it.
pub const TYPE_GNU_SPARSE: u8 = b'S';

/// One entry's header with PAX records and GNU long names applied, as Go's `tar.Header` holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarHeader {
    /// Type flag (`TYPE_*`), after Go's mapping of NUL to `0` or `5`.
    pub typeflag: u8,
    /// Name bytes.
    pub name: Vec<u8>,
    /// Link target bytes.
    pub linkname: Vec<u8>,
    /// Size as the header says (header-only types such as directories have no content whatever it says).
    pub size: i64,
    /// Mode field, all bits.
    pub mode: i64,
    /// Owner id.
    pub uid: i64,
    /// Group id.
    pub gid: i64,
    /// Offset of the entry's content in the tar stream.
    pub data_offset: u64,
}

/// A byte stream the tar reader can skip forward in (by seeking where it can).
pub trait Skip: Read {
    /// Skip up to `n` bytes; fewer only at the end of the input. Returns how many were skipped.
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        io::copy(&mut Read::take(&mut *self, n), &mut io::sink())
    }
}

impl Skip for &mut dyn Read {}

impl Skip for File {
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        let at = self.stream_position()?;
        let len = self.metadata()?.len();
        let to = at.saturating_add(n).min(len.max(at));
        self.seek(SeekFrom::Start(to))?;
        Ok(to - at)
    }
}

/// Reads a tar stream header by header; between headers it reads the current entry's content.
pub struct TarReader<R> {
    inner: R,
    subject: String,
    /// Content bytes of the current entry not read yet.
    remaining: u64,
    /// Padding after the current entry's content.
    pad: u64,
    /// Bytes consumed from `inner`.
    position: u64,
    /// The end (or an error) was reached.
    done: bool,
    /// The current entry is a sparse file.
    sparse: Option<Sparse>,
}

/// Reading position in a sparse file's logical content.
struct Sparse {
    /// Data fragments still ahead, `(start, end)` in the logical content, non-empty and in order.
    fragments: VecDeque<(u64, u64)>,
    pos: u64,
    size: u64,
}

/// PAX records of one extended header; a key given twice keeps its last value, as in Go.
type PaxRecords = HashMap<Vec<u8>, Vec<u8>>;

impl<R: Skip> TarReader<R> {
    /// A reader of the tar stream `inner`; errors name `subject`.
    pub fn new(subject: &str, inner: R) -> Self {
        TarReader { inner, subject: subject.to_string(), remaining: 0, pad: 0, position: 0, done: false, sparse: None }
    }

    fn malformed(&self, problem: impl std::fmt::Display) -> Error {
        Error::new(ErrorKind::Malformed, &self.subject, format!("invalid tar header: {problem}"))
    }

    fn io(&self, err: io::Error) -> Error {
        let err = from_io(&self.subject, err);
        if err.kind() == ErrorKind::Io {
            Error::new(ErrorKind::Malformed, &self.subject, format!("corrupt tar: {}", err.problem()))
        } else {
            err
        }
    }

    /// The next entry, `None` at the end of the archive (two zero blocks or the end of input at
    /// an entry boundary, as Go reads it). Skips what is left of the current entry's content.
    pub fn next_header(&mut self) -> Result<Option<TarHeader>> {
        if self.done {
            return Ok(None);
        }
        let next = self.next_inner();
        if !matches!(next, Ok(Some(_))) {
            self.done = true;
        }
        next
    }

    fn next_inner(&mut self) -> Result<Option<TarHeader>> {
        let mut pax: Option<PaxRecords> = None;
        let mut long_name = Vec::new();
        let mut long_link = Vec::new();
        loop {
            if !self.skip_rest()? {
                return Ok(None);
            }
            let Some((mut header, block, format)) = self.read_header()? else {
                return Ok(None);
            };
            self.start_content(&header)?;
            match header.typeflag {
                TYPE_PAX | TYPE_GLOBAL => {
                    let records = parse_pax(&self.read_special()?).ok_or_else(|| self.malformed("bad PAX record"))?;
                    if header.typeflag == TYPE_GLOBAL {
                        // Go returns the global header itself: only its name (after its own
                        // records) survives; pending PAX and GNU names are dropped. Go ignores a
                        // bad record here but stops merging at it, in map order: whether a path
                        // record applies is then random, so that is refused.
                        let mut merged = header.clone();
                        if merge_pax(&mut merged, &records).is_some() {
                            header.name = merged.name;
                        } else if records.get(&b"path"[..]).is_some_and(|v| !v.is_empty()) {
                            return Err(self.malformed("PAX global header with a path and a bad record"));
                        }
                        return Ok(Some(TarHeader {
                            typeflag: TYPE_GLOBAL,
                            name: header.name,
                            linkname: Vec::new(),
                            size: 0,
                            mode: 0,
                            uid: 0,
                            gid: 0,
                            data_offset: header.data_offset,
                        }));
                    }
                    pax = Some(records);
                }
                TYPE_GNU_LONG_NAME | TYPE_GNU_LONG_LINK => {
                    let value = cstr(&self.read_special()?).to_vec();
                    if header.typeflag == TYPE_GNU_LONG_NAME {
                        long_name = value;
                    } else {
                        long_link = value;
                    }
                }
                _ => {
                    let records = pax.unwrap_or_default();
                    merge_pax(&mut header, &records).ok_or_else(|| self.malformed("bad PAX record value"))?;
                    if !long_name.is_empty() {
                        header.name = long_name;
                    }
                    if !long_link.is_empty() {
                        header.linkname = long_link;
                    }
                    if header.typeflag == TYPE_REGA {
                        header.typeflag = if header.name.ends_with(b"/") { TYPE_DIR } else { TYPE_REG };
                    }
                    self.start_content(&header)?;
                    let map = if header.typeflag == TYPE_GNU_SPARSE {
                        Some(self.old_gnu_sparse_map(&mut header, &block, format)?)
                    } else {
                        self.pax_sparse_map(&mut header, &records)?
                    };
                    if let Some(map) = map {
                        self.start_sparse(&header, &map)?;
                    }
                    return Ok(Some(header));
                }
            }
        }
    }

    /// Skip the rest of the current entry and its padding; `false` when the input ends inside
    /// the padding (Go reads that as the end of the archive).
    fn skip_rest(&mut self) -> Result<bool> {
        if self.remaining > 0 {
            let want = self.remaining;
            let skipped = self.inner.skip(want).map_err(|e| self.io(e))?;
            self.position += skipped;
            self.remaining = 0;
            if skipped < want {
                return Err(self.io(io::ErrorKind::UnexpectedEof.into()));
            }
        }
        if self.pad > 0 {
            let want = std::mem::take(&mut self.pad);
            let skipped = self.inner.skip(want).map_err(|e| self.io(e))?;
            self.position += skipped;
            if skipped < want {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Fill `block`; the number of bytes read (less than a block only at the end of input).
    fn read_block(&mut self, block: &mut [u8; BLOCK]) -> Result<usize> {
        let mut filled = 0;
        while filled < BLOCK {
            match self.inner.read(&mut block[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io(e)),
            }
        }
        self.position += filled as u64;
        Ok(filled)
    }

    /// One whole block, `None` at a clean end of input; a partial block is truncation.
    fn read_full_block(&mut self) -> Result<Option<[u8; BLOCK]>> {
        let mut block = [0u8; BLOCK];
        match self.read_block(&mut block)? {
            0 => Ok(None),
            BLOCK => Ok(Some(block)),
            _ => Err(self.io(io::ErrorKind::UnexpectedEof.into())),
        }
    }

    /// Go's `readHeader`: the raw header of the next block, `None` at the end of the archive.
    fn read_header(&mut self) -> Result<Option<(TarHeader, [u8; BLOCK], Format)>> {
        let Some(block) = self.read_full_block()? else {
            return Ok(None);
        };
        if block.iter().all(|&b| b == 0) {
            return match self.read_full_block()? {
                None => Ok(None),
                Some(second) if second.iter().all(|&b| b == 0) => Ok(None),
                Some(_) => Err(self.malformed("a zero block followed by a non-zero block")),
            };
        }
        let format = Format::of(&block).ok_or_else(|| self.malformed("bad checksum"))?;
        let header = parse_block(&block, format, self.position).ok_or_else(|| self.malformed("bad numeric field"))?;
        Ok(Some((header, block, format)))
    }

    /// Go's `handleRegularFile`: the content that follows this header.
    fn start_content(&mut self, header: &TarHeader) -> Result<()> {
        let size = if is_header_only(header.typeflag) { 0 } else { header.size };
        let size = u64::try_from(size).map_err(|_| self.malformed("negative size"))?;
        self.remaining = size;
        self.pad = size.wrapping_neg() % BLOCK as u64;
        self.sparse = None;
        Ok(())
    }

    /// Go's `readOldGNUSparseMap`: the map in the header and its extension blocks; the real size.
    fn old_gnu_sparse_map(
        &mut self,
        header: &mut TarHeader,
        block: &[u8; BLOCK],
        format: Format,
    ) -> Result<Vec<(i64, i64)>> {
        if format != Format::Gnu {
            return Err(self.malformed("GNU sparse entry in a non-GNU header"));
        }
        header.size = parse_numeric(&block[483..495]).ok_or_else(|| self.malformed("bad sparse real size"))?;
        let mut map = Vec::new();
        let mut area = block[386..483].to_vec();
        loop {
            let entries = area.len() / 24;
            for entry in area[..entries * 24].chunks(24) {
                if entry[0] == 0 {
                    break;
                }
                let offset = parse_numeric(&entry[..12]);
                let length = parse_numeric(&entry[12..]);
                let (Some(offset), Some(length)) = (offset, length) else {
                    return Err(self.malformed("bad sparse map entry"));
                };
                map.push((offset, length));
            }
            if map.len() > MAX_SPARSE_ENTRIES {
                return Err(self.malformed(format!("sparse map of more than {MAX_SPARSE_ENTRIES} entries")));
            }
            if area[entries * 24] == 0 {
                header.data_offset = self.position;
                return Ok(map);
            }
            area = self.read_full_block()?.ok_or_else(|| self.io(io::ErrorKind::UnexpectedEof.into()))?.to_vec();
            area.truncate(505);
        }
    }

    /// Go's `readGNUSparsePAXHeaders`: the map of a GNU PAX sparse file (0.0 and 0.1 in the
    /// records, 1.0 at the start of the content), its real name and size; `None` if not sparse.
    fn pax_sparse_map(&mut self, header: &mut TarHeader, records: &PaxRecords) -> Result<Option<Vec<(i64, i64)>>> {
        let get = |key: &[u8]| records.get(key).map_or(&b""[..], Vec::as_slice);
        let in_content = match (get(b"GNU.sparse.major"), get(b"GNU.sparse.minor")) {
            (b"0", b"0" | b"1") => false,
            (b"1", b"0") => true,
            (b"", b"") if !get(b"GNU.sparse.map").is_empty() => false,
            _ => return Ok(None),
        };
        let bad = || self.malformed("bad GNU sparse record");
        if !get(b"GNU.sparse.name").is_empty() {
            header.name = get(b"GNU.sparse.name").to_vec();
        }
        let size = match get(b"GNU.sparse.size") {
            b"" => get(b"GNU.sparse.realsize"),
            size => size,
        };
        if !size.is_empty() {
            header.size = parse_decimal(size).ok_or_else(bad)?;
        }
        if in_content {
            return self.sparse_map_1x0().map(Some);
        }
        let count = parse_decimal(get(b"GNU.sparse.numblocks")).filter(|n| *n >= 0).ok_or_else(bad)?;
        let numbers: Vec<&[u8]> = match get(b"GNU.sparse.map") {
            b"" => Vec::new(),
            map => map.split(|&b| b == b',').collect(),
        };
        if usize::try_from(count).ok().and_then(|c| c.checked_mul(2)) != Some(numbers.len()) {
            return Err(bad());
        }
        let map = numbers.chunks(2).map(|pair| Some((parse_decimal(pair[0])?, parse_decimal(pair[1])?)));
        map.collect::<Option<Vec<_>>>().map(Some).ok_or_else(bad)
    }

    /// Go's `readGNUSparseMap1x0`: newline-separated decimals in whole blocks of the content.
    fn sparse_map_1x0(&mut self) -> Result<Vec<(i64, i64)>> {
        let bad = |this: &Self| this.malformed("bad GNU sparse 1.0 map");
        let mut pending: Vec<u8> = Vec::new();
        let mut numbers: Vec<i64> = Vec::new();
        let mut count: Option<usize> = None;
        // Bytes of `pending` known to hold no line end.
        let mut searched = 0;
        loop {
            // Whole lines so far become numbers; the first is the count of entries.
            while let Some(at) = pending[searched..].iter().position(|&b| b == b'\n') {
                let end = searched + at;
                searched = 0;
                let value = parse_decimal(&pending[..end]);
                pending.drain(..=end);
                match count {
                    None => {
                        let n = value.filter(|n| *n >= 0 && *n <= i64::MAX / 2).ok_or_else(|| bad(self))?;
                        let n = usize::try_from(n).unwrap_or(usize::MAX);
                        if n > MAX_SPARSE_ENTRIES {
                            return Err(self.malformed(format!("sparse map of more than {MAX_SPARSE_ENTRIES} entries")));
                        }
                        count = Some(n);
                    }
                    Some(n) if numbers.len() < 2 * n => numbers.push(value.ok_or_else(|| bad(self))?),
                    Some(_) => break,
                }
            }
            if let Some(n) = count
                && numbers.len() == 2 * n
            {
                return Ok(numbers.chunks(2).map(|p| (p[0], p[1])).collect());
            }
            searched = pending.len();
            if pending.len() as i64 > MAX_SPECIAL_FILE {
                return Err(self.malformed(format!("GNU sparse 1.0 map line longer than {MAX_SPECIAL_FILE} bytes")));
            }
            let mut block = [0u8; BLOCK];
            self.read_exact(&mut block).map_err(|e| self.io(e))?;
            pending.extend_from_slice(&block);
        }
    }

    /// Go's `handleSparseFile` checks, then read the content through the sparse map.
    fn start_sparse(&mut self, header: &TarHeader, map: &[(i64, i64)]) -> Result<()> {
        let size = u64::try_from(header.size).ok().filter(|_| !is_header_only(header.typeflag));
        let mut fragments = VecDeque::new();
        let mut previous_end = 0u64;
        let mut data = 0u64;
        for &(offset, length) in map {
            let (Ok(start), Ok(len)) = (u64::try_from(offset), u64::try_from(length)) else {
                return Err(self.malformed("negative sparse map entry"));
            };
            let end = start.checked_add(len).filter(|e| *e <= i64::MAX as u64);
            match (end, size) {
                (Some(end), Some(size)) if end <= size && start >= previous_end => {
                    previous_end = end;
                    data += len;
                    if len > 0 {
                        fragments.push_back((start, end));
                    }
                }
                _ => return Err(self.malformed("invalid sparse map")),
            }
        }
        let Some(size) = size else {
            return Err(self.malformed("invalid sparse map"));
        };
        if data != self.remaining {
            // Go's errMissData / errUnrefData, raised while the content is read.
            return Err(
                self.malformed(format!("sparse map covers {data} bytes of data, the entry stores {}", self.remaining))
            );
        }
        self.sparse = Some(Sparse { fragments, pos: 0, size });
        Ok(())
    }

    /// Go's `readSpecialFile`: the whole content of a PAX or GNU long-name entry.
    fn read_special(&mut self) -> Result<Vec<u8>> {
        if self.remaining > MAX_SPECIAL_FILE as u64 {
            return Err(self.malformed(format!("extended header longer than {MAX_SPECIAL_FILE} bytes")));
        }
        let mut data = Vec::new();
        self.read_to_end(&mut data).map_err(|e| self.io(e))?;
        Ok(data)
    }
}

impl<R: Skip> Read for TarReader<R> {
    /// Reads the current entry's content (a sparse file's holes as zeros).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(sparse) = &mut self.sparse else {
            return self.read_stored(buf);
        };
        let left = usize::try_from(sparse.size - sparse.pos).unwrap_or(usize::MAX);
        let want = buf.len().min(left);
        match sparse.fragments.front().copied() {
            Some((start, end)) if sparse.pos >= start => {
                let want = want.min(usize::try_from(end - sparse.pos).unwrap_or(usize::MAX));
                let n = self.read_stored(&mut buf[..want])?;
                if let Some(sparse) = self.sparse.as_mut() {
                    sparse.pos += n as u64;
                    if sparse.pos == end {
                        sparse.fragments.pop_front();
                    }
                }
                Ok(n)
            }
            next => {
                let hole_end = next.map_or(sparse.size, |(start, _)| start);
                let n = want.min(usize::try_from(hole_end - sparse.pos).unwrap_or(usize::MAX));
                buf[..n].fill(0);
                sparse.pos += n as u64;
                Ok(n)
            }
        }
    }
}

impl<R: Skip> TarReader<R> {
    /// Reads the current entry's content as stored in the archive.
    fn read_stored(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf.len().min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.remaining -= n as u64;
        self.position += n as u64;
        Ok(n)
    }
}

/// Header-only types have no content whatever their size field says.
fn is_header_only(typeflag: u8) -> bool {
    matches!(typeflag, TYPE_LINK | TYPE_SYMLINK | TYPE_CHAR | TYPE_BLOCK | TYPE_DIR | TYPE_FIFO)
}

/// The header layouts Go tells apart (`getFormat`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    V7,
    /// `ustar\0`: USTAR or PAX.
    Ustar,
    Gnu,
    Star,
}

impl Format {
    /// `None` when the checksum is unreadable or wrong (Go: `FormatUnknown`, `ErrHeader`).
    fn of(block: &[u8; BLOCK]) -> Option<Format> {
        let stored = parse_octal(&block[148..156])?;
        let (unsigned, signed) = block.iter().enumerate().fold((0i64, 0i64), |(u, s), (i, &c)| {
            let c = if (148..156).contains(&i) { b' ' } else { c };
            (u + i64::from(c), s + i64::from(c as i8))
        });
        if stored != unsigned && stored != signed {
            return None;
        }
        let magic = &block[257..263];
        Some(if magic == b"ustar\0" && &block[508..512] == b"tar\0" {
            Format::Star
        } else if magic == b"ustar\0" {
            Format::Ustar
        } else if magic == b"ustar " && &block[263..265] == b" \0" {
            Format::Gnu
        } else {
            Format::V7
        })
    }
}

/// Go's `readHeader` field parsing; `None` where Go's parser records an error.
fn parse_block(block: &[u8; BLOCK], format: Format, data_offset: u64) -> Option<TarHeader> {
    let mut name = cstr(&block[..100]).to_vec();
    let header = TarHeader {
        typeflag: block[156],
        name: Vec::new(),
        linkname: cstr(&block[157..257]).to_vec(),
        size: parse_numeric(&block[124..136])?,
        mode: parse_numeric(&block[100..108])?,
        uid: parse_numeric(&block[108..116])?,
        gid: parse_numeric(&block[116..124])?,
        data_offset,
    };
    parse_numeric(&block[136..148])?; // mtime
    let prefix: &[u8] = match format {
        Format::V7 => b"",
        _ => {
            parse_numeric(&block[329..337])?; // devmajor
            parse_numeric(&block[337..345])?; // devminor
            match format {
                Format::Star => {
                    parse_numeric(&block[476..488])?;
                    parse_numeric(&block[488..500])?;
                    cstr(&block[345..476])
                }
                Format::Gnu => {
                    // Go reads atime and ctime skeptically; if either is unreadable the block is
                    // taken for a pre-Go 1.8 USTAR header and an ASCII prefix is used.
                    let readable = |field: &[u8]| field[0] == 0 || parse_numeric(field).is_some();
                    let prefix = cstr(&block[345..500]);
                    if !(readable(&block[345..357]) && readable(&block[357..369])) && prefix.is_ascii() {
                        prefix
                    } else {
                        b""
                    }
                }
                _ => cstr(&block[345..500]),
            }
        }
    };
    if !prefix.is_empty() {
        name = [prefix, b"/", &name].concat();
    }
    Some(TarHeader { name, ..header })
}

/// Bytes up to the first NUL (Go's `parseString`).
fn cstr(field: &[u8]) -> &[u8] {
    field.iter().position(|&b| b == 0).map_or(field, |end| &field[..end])
}

/// Go's `parseNumeric`: base-256 (two's complement, big-endian) when the high bit is set, else octal.
fn parse_numeric(field: &[u8]) -> Option<i64> {
    let Some(&first) = field.first() else {
        return Some(0);
    };
    if first & 0x80 == 0 {
        return parse_octal(field);
    }
    let inv = if first & 0x40 != 0 { 0xff } else { 0 };
    let mut x: u64 = 0;
    for (i, &byte) in field.iter().enumerate() {
        let c = if i == 0 { (byte ^ inv) & 0x7f } else { byte ^ inv };
        if x >> 56 > 0 {
            return None;
        }
        x = x << 8 | u64::from(c);
    }
    let x = i64::try_from(x).ok()?;
    Some(if inv == 0xff { !x } else { x })
}

/// Go's `parseOctal`: spaces and NULs trimmed at both ends, then octal digits up to a NUL.
fn parse_octal(field: &[u8]) -> Option<i64> {
    let pad = |b: &u8| *b == b' ' || *b == 0;
    let start = field.iter().position(|b| !pad(b)).unwrap_or(field.len());
    let end = field.iter().rposition(|b| !pad(b)).map_or(start, |i| i + 1);
    let digits = cstr(&field[start..end]);
    if digits.is_empty() {
        return Some(0);
    }
    let mut x: u64 = 0;
    for &d in digits {
        if !(b'0'..=b'7').contains(&d) {
            return None;
        }
        x = x.checked_mul(8)?.checked_add(u64::from(d - b'0'))?;
    }
    // Go converts with int64(x); no tar field is long enough to overflow.
    i64::try_from(x).ok()
}

/// Go's `strconv.ParseInt(s, 10, 64)` on bytes.
fn parse_decimal(value: &[u8]) -> Option<i64> {
    std::str::from_utf8(value).ok()?.parse().ok()
}

/// Go's `parsePAX`: records cut by their length prefix; `None` for any malformed record (Go:
/// `ErrHeader`). GNU sparse 0.0 offset/numbytes pairs become one `GNU.sparse.map` record.
fn parse_pax(mut data: &[u8]) -> Option<PaxRecords> {
    let mut records = PaxRecords::new();
    let mut sparse_map: Vec<&[u8]> = Vec::new();
    while !data.is_empty() {
        let (key, value, rest) = parse_pax_record(data)?;
        data = rest;
        match key {
            b"GNU.sparse.offset" | b"GNU.sparse.numbytes" => {
                let want_offset = sparse_map.len().is_multiple_of(2);
                if want_offset != (key == b"GNU.sparse.offset") || value.contains(&b',') {
                    return None;
                }
                sparse_map.push(value);
            }
            _ => {
                records.insert(key.to_vec(), value.to_vec());
            }
        }
    }
    if !sparse_map.is_empty() {
        records.insert(b"GNU.sparse.map".to_vec(), sparse_map.join(&b','));
    }
    Some(records)
}

/// Go's `parsePAXRecord`: `"%d %s=%s\n"`, the length counting the whole record.
fn parse_pax_record(data: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let space = data.iter().position(|&b| b == b' ')?;
    let (len_field, rest) = (&data[..space], &data[space + 1..]);
    let len = parse_decimal(len_field)?;
    if len < 5 || len > data.len() as i64 {
        return None;
    }
    let body = usize::try_from(len).ok()?.checked_sub(len_field.len() + 1)?;
    if body == 0 || body > rest.len() {
        return None;
    }
    let (record, newline, remainder) = (&rest[..body - 1], rest[body - 1], &rest[body..]);
    if newline != b'\n' {
        return None;
    }
    let eq = record.iter().position(|&b| b == b'=')?;
    let (key, value) = (&record[..eq], &record[eq + 1..]);
    let nul_free = match key {
        b"path" | b"linkpath" | b"uname" | b"gname" => !value.contains(&0),
        _ => !key.contains(&0),
    };
    (!key.is_empty() && nul_free).then_some((key, value, remainder))
}

/// Go's `parsePAXTime`, for validation only: `SECONDS[.DIGITS]`.
fn valid_pax_time(value: &[u8]) -> bool {
    let (secs, frac) = match value.iter().position(|&b| b == b'.') {
        Some(dot) => (&value[..dot], &value[dot + 1..]),
        None => (value, &b""[..]),
    };
    parse_decimal(secs).is_some() && frac.iter().all(u8::is_ascii_digit)
}

/// Go's `mergePAX`: the records that override header fields; empty values keep the header's.
/// `None` when a numeric or time value is unreadable (Go: `ErrHeader`).
fn merge_pax(header: &mut TarHeader, records: &PaxRecords) -> Option<()> {
    for (key, value) in records {
        if value.is_empty() {
            continue;
        }
        match key.as_slice() {
            b"path" => header.name.clone_from(value),
            b"linkpath" => header.linkname.clone_from(value),
            b"uid" => header.uid = parse_decimal(value)?,
            b"gid" => header.gid = parse_decimal(value)?,
            b"size" => header.size = parse_decimal(value)?,
            b"atime" | b"mtime" | b"ctime" if !valid_pax_time(value) => return None,
            _ => {}
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_records_are_cut_by_length_not_by_newline() {
        let records = parse_pax(b"30 path=var/lib/dpkg/status\nx\n").unwrap();
        assert_eq!(records[&b"path".to_vec()], b"var/lib/dpkg/status\nx".to_vec());
        assert!(parse_pax(b"11 path=a\n").is_none(), "length past the data");
        assert!(parse_pax(b"11 path=a\0\n").is_none(), "NUL in a path value");
        assert!(parse_pax(b"10 =value\n").is_none(), "empty key");
        assert!(parse_pax(b"10 path=ab").is_none(), "no newline at the end");
    }

    #[test]
    fn numbers_read_as_go_reads_them() {
        assert_eq!(parse_numeric(b"0000644\0"), Some(0o644));
        assert_eq!(parse_numeric(b"  644  \0"), Some(0o644));
        assert_eq!(parse_numeric(b"\0\0\0\0\0\0\0\0"), Some(0));
        assert_eq!(parse_numeric(b"+644\0\0\0\0"), None, "Go's ParseUint takes no sign");
        assert_eq!(parse_numeric(b"64 4\0\0\0\0"), None);
        assert_eq!(parse_numeric(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]), Some(256));
        assert_eq!(parse_numeric(&[0xff; 12]), Some(-1));
        assert_eq!(parse_numeric(&[0x80, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), None, "overflow");
    }
}
