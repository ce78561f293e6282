//! Go build information embedded in executables by the Go linker.
//!
//! Every Go binary built since Go 1.13 carries a 32-byte header that starts with the magic
//! `\xff Go buildinf:`, followed by the pointer size (byte 14) and a flag byte (byte 15).
//! On ELF it sits at the start of the `.go.buildinfo` section (or, without section headers, in
//! the first writable data segment); on other formats it is found by scanning data sections at
//! 16-byte aligned addresses.
//!
//! Two layouts exist:
//! - **Go 1.18 and later** (flag bit `0x2`): the Go version and the module information follow
//!   the header inline, each as an unsigned LEB128 length followed by that many bytes.
//! - **Before Go 1.18**: bytes 16.. hold two pointers (of the given size and byte order,
//!   flag bit `0x1` meaning big-endian) to Go string headers `{data pointer, length}` for
//!   `runtime.buildVersion` and `runtime.modinfo`; they are resolved through the sections'
//!   virtual addresses.
//!
//! The module information is text wrapped in two 16-byte sentinels: lines of tab-separated
//! fields (`path`, `mod`, `dep`, `=>` for a replacement of the module on the previous line,
//! and `build key=value`). Everything read from the binary is treated as hostile: every
//! length is bounded and every access is checked.

use object::elf::{PF_W, PF_X};
use object::{BinaryFormat, Object, ObjectSection, ObjectSegment, SectionKind, SegmentFlags};

/// The magic that opens the build information header.
const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
/// Size of the build information header.
const HEADER_LEN: usize = 32;
/// The header is aligned to this many bytes in the binary.
const HEADER_ALIGN: u64 = 16;
/// Flag bit: pointers are big-endian (pre-1.18 layout only).
const FLAG_BIG_ENDIAN: u8 = 0x1;
/// Flag bit: the version and module strings follow the header inline (Go 1.18+).
const FLAG_INLINE_STRINGS: u8 = 0x2;
/// Length of each sentinel around the module information text.
const SENTINEL_LEN: usize = 16;
/// Upper bound for the Go version string.
pub const MAX_VERSION_LEN: u64 = 1024;
/// Upper bound for the module information text.
pub const MAX_MODINFO_LEN: u64 = 16 * 1024 * 1024;
/// Longest unsigned LEB128 encoding of a 64-bit value.
const MAX_VARINT_BYTES: usize = 10;

/// Errors from reading Go build information.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bytes are not an object file the `object` crate can read, or a section is malformed.
    #[error("cannot read object file: {0}")]
    Object(#[from] object::read::Error),
    /// The data ends before the named field.
    #[error("build info truncated while reading {0}")]
    Truncated(&'static str),
    /// The header names a pointer size other than 4 or 8.
    #[error("unsupported pointer size {0} in build info header")]
    PointerSize(u8),
    /// A length field is larger than the limit for that field.
    #[error("{what} length {len} exceeds limit {max}")]
    TooLong {
        /// Which string the length belongs to.
        what: &'static str,
        /// The length found in the binary.
        len: u64,
        /// The limit it exceeds.
        max: u64,
    },
    /// A pointer does not fall inside any section with file data.
    #[error("address {0:#x} is not backed by file data")]
    Unmapped(u64),
    /// A variable-length integer is longer than ten bytes.
    #[error("malformed varint in build info")]
    Varint,
    /// The version or module text is not valid UTF-8.
    #[error("{0} is not valid UTF-8")]
    Utf8(&'static str),
    /// The header is present but the Go version string is empty.
    #[error("build info has an empty Go version")]
    EmptyVersion,
    /// A line of the module information does not have the expected fields.
    #[error("malformed module info line {line}: {text:?}")]
    Modinfo {
        /// One-based line number in the module information text.
        line: usize,
        /// The offending line.
        text: String,
    },
}

/// Result of the functions in this module.
pub type Result<T> = std::result::Result<T, Error>;

/// A Go module as recorded in build information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Module path, e.g. `golang.org/x/net`.
    pub path: String,
    /// Module version, e.g. `v0.7.0` or `(devel)`; empty for a local directory replacement.
    pub version: String,
    /// Checksum (`h1:...`) when recorded.
    pub sum: Option<String>,
    /// The module that replaced this one (`=>` line), if any.
    pub replace: Option<Box<Module>>,
}

/// Build information of one Go binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoBuildInfo {
    /// Toolchain version, e.g. `go1.19.8`.
    pub go_version: String,
    /// Import path of the main package (`path` line); empty when not recorded.
    pub path: String,
    /// The main module (`mod` line); absent for binaries built outside module mode.
    pub main: Option<Module>,
    /// Module dependencies (`dep` lines) in recorded order.
    pub deps: Vec<Module>,
    /// Build settings (`build` lines) as key/value pairs in recorded order.
    pub settings: Vec<(String, String)>,
}

/// Reads the Go build information from an executable's bytes: parses the object file, then
/// [`go_buildinfo`]. For callers that hold only the bytes (tests); the image scan parses each
/// executable once and hands the parsed file to [`go_buildinfo`].
///
/// Returns `Ok(None)` for an object file without Go build information, and an error for
/// bytes that are not a readable object file or whose build information is malformed.
pub fn parse_go_buildinfo(elf: &[u8]) -> Result<Option<GoBuildInfo>> {
    go_buildinfo(&object::File::parse(elf)?)
}

/// Reads the Go build information from an already parsed object file.
///
/// Returns `Ok(None)` when the file carries no Go build information, and an error when a
/// section cannot be read or the build information is malformed.
pub fn go_buildinfo(file: &object::File<'_>) -> Result<Option<GoBuildInfo>> {
    let Some(header) = find_header(file)? else {
        return Ok(None);
    };
    let (version, modinfo) = read_strings(file, header)?;
    if version.is_empty() {
        return Err(Error::EmptyVersion);
    }
    let go_version = std::str::from_utf8(version).map_err(|_| Error::Utf8("Go version"))?;
    let modinfo = strip_sentinels(modinfo);
    let modinfo = std::str::from_utf8(modinfo).map_err(|_| Error::Utf8("module info"))?;
    let mut info = parse_modinfo(modinfo)?;
    info.go_version = go_version.to_owned();
    Ok(Some(info))
}

/// Finds the header: first in the dedicated section, then by scanning data sections, and in an
/// ELF file without section headers in the first writable, not executable `PT_LOAD` segment
/// (where the Go toolchain looks too). Returns the bytes from the header to the end of its
/// section or segment.
fn find_header<'data>(file: &object::File<'data>) -> Result<Option<&'data [u8]>> {
    for name in [".go.buildinfo", "__go_buildinfo"] {
        if let Some(section) = file.section_by_name(name)
            && let Some(found) = scan(section.data()?, section.address())
        {
            return Ok(Some(found));
        }
    }
    for section in file.sections() {
        if matches!(section.kind(), SectionKind::Data | SectionKind::ReadOnlyData | SectionKind::ReadOnlyDataWithRel)
            && let Some(found) = scan(section.data()?, section.address())
        {
            return Ok(Some(found));
        }
    }
    if file.format() == BinaryFormat::Elf && file.sections().next().is_none() {
        let writable_data = |s: &object::Segment<'data, '_>| matches!(s.flags(), SegmentFlags::Elf { p_flags, .. } if p_flags & (PF_W | PF_X) == PF_W);
        if let Some(segment) = file.segments().find(writable_data) {
            return Ok(scan(segment.data()?, segment.address()));
        }
    }
    Ok(None)
}

/// Looks for the magic at 16-byte aligned addresses in `data`, which starts at `address`.
fn scan(data: &[u8], address: u64) -> Option<&[u8]> {
    let misalign = address % HEADER_ALIGN;
    let first = if misalign == 0 { 0 } else { HEADER_ALIGN - misalign };
    let mut offset = usize::try_from(first).ok()?;
    while let Some(rest) = data.get(offset..) {
        if rest.len() < HEADER_LEN {
            break;
        }
        if rest.starts_with(MAGIC) {
            return Some(rest);
        }
        offset += HEADER_ALIGN as usize;
    }
    None
}

/// Reads the raw Go version and module information strings that the header describes.
fn read_strings<'data>(file: &object::File<'data>, header: &'data [u8]) -> Result<(&'data [u8], &'data [u8])> {
    let ptr_size = *header.get(14).ok_or(Error::Truncated("header"))?;
    let flags = *header.get(15).ok_or(Error::Truncated("header"))?;
    if flags & FLAG_INLINE_STRINGS != 0 {
        let rest = header.get(HEADER_LEN..).ok_or(Error::Truncated("header"))?;
        let (version, rest) = read_varint_string(rest, "Go version", MAX_VERSION_LEN)?;
        let (modinfo, _) = read_varint_string(rest, "module info", MAX_MODINFO_LEN)?;
        return Ok((version, modinfo));
    }
    let width = match ptr_size {
        4 => 4usize,
        8 => 8usize,
        other => return Err(Error::PointerSize(other)),
    };
    let big_endian = flags & FLAG_BIG_ENDIAN != 0;
    let resolver = Resolver { file, width, big_endian };
    let version_ptr = resolver.pointer_in(header, 16)?;
    let modinfo_ptr = resolver.pointer_in(header, 16 + width)?;
    let version = resolver.go_string(version_ptr, "Go version", MAX_VERSION_LEN)?;
    let modinfo = resolver.go_string(modinfo_ptr, "module info", MAX_MODINFO_LEN)?;
    Ok((version, modinfo))
}

/// Decodes one length-prefixed string: an unsigned LEB128 length, then the bytes.
fn read_varint_string<'a>(data: &'a [u8], what: &'static str, max: u64) -> Result<(&'a [u8], &'a [u8])> {
    let (len, used) = read_uvarint(data)?;
    if len > max {
        return Err(Error::TooLong { what, len, max });
    }
    let len = usize::try_from(len).map_err(|_| Error::TooLong { what, len, max })?;
    let rest = &data[used..];
    if rest.len() < len {
        return Err(Error::Truncated(what));
    }
    Ok(rest.split_at(len))
}

/// Decodes an unsigned LEB128 integer; returns the value and the bytes consumed.
fn read_uvarint(data: &[u8]) -> Result<(u64, usize)> {
    let mut value: u64 = 0;
    for (i, &byte) in data.iter().take(MAX_VARINT_BYTES).enumerate() {
        let bits = u64::from(byte & 0x7f);
        let shift = 7 * i as u32;
        if i == MAX_VARINT_BYTES - 1 && byte > 1 {
            return Err(Error::Varint);
        }
        value |= bits << shift;
        if byte & 0x80 == 0 {
            return Ok((value, i + 1));
        }
    }
    if data.len() < MAX_VARINT_BYTES { Err(Error::Truncated("varint")) } else { Err(Error::Varint) }
}

/// Follows pointers of the pre-1.18 layout through the sections' virtual addresses.
struct Resolver<'a, 'data> {
    file: &'a object::File<'data>,
    width: usize,
    big_endian: bool,
}

impl<'data> Resolver<'_, 'data> {
    /// Decodes a pointer stored at `offset` in `data`.
    fn pointer_in(&self, data: &[u8], offset: usize) -> Result<u64> {
        let bytes =
            offset.checked_add(self.width).and_then(|end| data.get(offset..end)).ok_or(Error::Truncated("pointer"))?;
        let mut value: u64 = 0;
        if self.big_endian {
            for &b in bytes {
                value = (value << 8) | u64::from(b);
            }
        } else {
            for &b in bytes.iter().rev() {
                value = (value << 8) | u64::from(b);
            }
        }
        Ok(value)
    }

    /// Returns `len` bytes of file data at virtual address `addr`.
    fn bytes_at(&self, addr: u64, len: u64) -> Result<&'data [u8]> {
        for section in self.file.sections() {
            if let Some(bytes) = section.data_range(addr, len)? {
                return Ok(bytes);
            }
        }
        // Without section headers, through the program headers.
        for segment in self.file.segments() {
            if let Some(bytes) = segment.data_range(addr, len)? {
                return Ok(bytes);
            }
        }
        Err(Error::Unmapped(addr))
    }

    /// Reads the Go string header at `addr` and returns the string's bytes.
    fn go_string(&self, addr: u64, what: &'static str, max: u64) -> Result<&'data [u8]> {
        let header = self.bytes_at(addr, 2 * self.width as u64)?;
        let data_ptr = self.pointer_in(header, 0)?;
        let len = self.pointer_in(header, self.width)?;
        if len > max {
            return Err(Error::TooLong { what, len, max });
        }
        if len == 0 {
            return Ok(&[]);
        }
        self.bytes_at(data_ptr, len)
    }
}

/// Removes the 16-byte sentinels around the module information, as the Go toolchain does:
/// text without a well-formed trailer counts as empty.
fn strip_sentinels(modinfo: &[u8]) -> &[u8] {
    let len = modinfo.len();
    if len > 2 * SENTINEL_LEN && modinfo[len - SENTINEL_LEN - 1] == b'\n' {
        &modinfo[SENTINEL_LEN..len - SENTINEL_LEN]
    } else {
        &[]
    }
}

/// Parses the module information text (without sentinels).
fn parse_modinfo(text: &str) -> Result<GoBuildInfo> {
    let mut info = GoBuildInfo {
        go_version: String::new(),
        path: String::new(),
        main: None,
        deps: Vec::new(),
        settings: Vec::new(),
    };
    // Which module the next `=>` line replaces: the main module or the last dependency.
    let mut last_is_dep = false;
    for (index, line) in text.lines().enumerate() {
        let malformed = || Error::Modinfo { line: index + 1, text: line.chars().take(200).collect() };
        let Some((keyword, rest)) = line.split_once('\t') else {
            if line.is_empty() {
                continue;
            }
            return Err(malformed());
        };
        match keyword {
            "path" => info.path = rest.to_owned(),
            "mod" => {
                info.main = Some(parse_module(rest).ok_or_else(malformed)?);
                last_is_dep = false;
            }
            "dep" => {
                info.deps.push(parse_module(rest).ok_or_else(malformed)?);
                last_is_dep = true;
            }
            "=>" => {
                let replacement = parse_module(rest).ok_or_else(malformed)?;
                let target = if last_is_dep { info.deps.last_mut() } else { info.main.as_mut() };
                let target = target.ok_or_else(malformed)?;
                if target.replace.is_some() {
                    return Err(malformed());
                }
                target.replace = Some(Box::new(replacement));
            }
            "build" => info.settings.push(parse_setting(rest).ok_or_else(malformed)?),
            // Later toolchains may add line kinds; they carry nothing this parser reports.
            _ => {}
        }
    }
    Ok(info)
}

/// Parses `path\tversion[\tsum]`.
fn parse_module(fields: &str) -> Option<Module> {
    let mut parts = fields.split('\t');
    let path = parts.next().filter(|p| !p.is_empty())?;
    let version = parts.next()?;
    let sum = parts.next().filter(|s| !s.is_empty()).map(str::to_owned);
    if parts.next().is_some() {
        return None;
    }
    Some(Module { path: path.to_owned(), version: version.to_owned(), sum, replace: None })
}

/// Parses `key=value` where the key and the value may each be a Go quoted string.
fn parse_setting(text: &str) -> Option<(String, String)> {
    let (key, rest) = if text.starts_with('"') {
        let (key, used) = unquote_prefix(text)?;
        (key, text.get(used..)?)
    } else {
        let end = text.find('=')?;
        (text[..end].to_owned(), &text[end..])
    };
    let value = rest.strip_prefix('=')?;
    if key.is_empty() {
        return None;
    }
    let value = if value.starts_with('"') {
        let (unquoted, used) = unquote_prefix(value)?;
        if used != value.len() {
            return None;
        }
        unquoted
    } else {
        value.to_owned()
    };
    Some((key, value))
}

/// Decodes the Go double-quoted string literal at the start of `text`.
/// Returns the decoded string and the number of bytes the literal occupies.
fn unquote_prefix(text: &str) -> Option<(String, usize)> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'"') {
        return None;
    }
    let mut out: Vec<u8> = Vec::new();
    let mut i = 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => return Some((String::from_utf8_lossy(&out).into_owned(), i + 1)),
            b'\\' => {
                let esc = *bytes.get(i + 1)?;
                i += 2;
                match esc {
                    b'a' => out.push(0x07),
                    b'b' => out.push(0x08),
                    b'f' => out.push(0x0c),
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'v' => out.push(0x0b),
                    b'\\' | b'"' | b'\'' => out.push(esc),
                    b'x' => {
                        out.push(u8::try_from(hex_value(bytes.get(i..i + 2)?)?).ok()?);
                        i += 2;
                    }
                    b'u' | b'U' => {
                        let n = if esc == b'u' { 4 } else { 8 };
                        let c = char::from_u32(hex_value(bytes.get(i..i + n)?)?)?;
                        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                        i += n;
                    }
                    b'0'..=b'7' => {
                        let digits = bytes.get(i - 1..i + 2)?;
                        let mut v: u32 = 0;
                        for &d in digits {
                            if !(b'0'..=b'7').contains(&d) {
                                return None;
                            }
                            v = v * 8 + u32::from(d - b'0');
                        }
                        out.push(u8::try_from(v).ok()?);
                        i += 2;
                    }
                    _ => return None,
                }
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    None
}

/// Parses ASCII hex digits.
fn hex_value(digits: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(digits).ok()?;
    u32::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modinfo_lines() {
        let text = "path\texample.com/cmd\nmod\texample.com\t(devel)\t\n\
                    dep\ta.example/x\tv1.0.0\th1:abc=\n=>\t../x\t\t\n\
                    build\t-ldflags=\"-s -w\"\nbuild\tCGO_ENABLED=0\n";
        let info = parse_modinfo(text).unwrap();
        assert_eq!(info.path, "example.com/cmd");
        let main = info.main.unwrap();
        assert_eq!((main.path.as_str(), main.version.as_str()), ("example.com", "(devel)"));
        assert_eq!(main.sum, None);
        assert_eq!(info.deps.len(), 1);
        assert_eq!(info.deps[0].sum.as_deref(), Some("h1:abc="));
        let replace = info.deps[0].replace.as_deref().unwrap();
        assert_eq!((replace.path.as_str(), replace.version.as_str()), ("../x", ""));
        assert_eq!(
            info.settings,
            vec![("-ldflags".to_owned(), "-s -w".to_owned()), ("CGO_ENABLED".to_owned(), "0".to_owned())]
        );
    }

    #[test]
    fn quoted_key_and_escapes() {
        let (k, v) = parse_setting(r#""a=b"="x\ty\x41\u00e9\101""#).unwrap();
        assert_eq!(k, "a=b");
        assert_eq!(v, "x\tyAéA");
        assert!(parse_setting(r#""unterminated=x"#).is_none());
        assert!(parse_setting("novalue").is_none());
    }

    #[test]
    fn varints() {
        assert_eq!(read_uvarint(&[0x05]).unwrap(), (5, 1));
        assert_eq!(read_uvarint(&[0x80, 0x01]).unwrap(), (128, 2));
        assert!(matches!(read_uvarint(&[0x80]), Err(Error::Truncated(_))));
        assert!(matches!(read_uvarint(&[0xff; 11]), Err(Error::Varint)));
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(read_uvarint(&max).unwrap(), (u64::MAX, 10));
    }

    #[test]
    fn sentinels() {
        assert_eq!(strip_sentinels(b"short"), b"");
        let mut wrapped = vec![0u8; 16];
        wrapped.extend_from_slice(b"path\tx\n");
        wrapped.extend_from_slice(&[0u8; 16]);
        assert_eq!(strip_sentinels(&wrapped), b"path\tx\n");
    }

    #[test]
    fn dangling_replace_is_an_error() {
        assert!(matches!(parse_modinfo("=>\tx\tv1\t\n"), Err(Error::Modinfo { line: 1, .. })));
    }
}
