//! The functions linked into a Go binary, read from its pclntab (the table the Go runtime needs
//! for stack traces, so it is in every Go binary, stripped ones included) and, where present,
//! from the ELF symbol table.
//!
//! The pclntab is found in the `.gopclntab` section, else (PIE builds, binaries without section
//! headers) by its header in the read-only data. Its header starts with a magic number that
//! names the layout, in the binary's byte order:
//!
//! | magic | Go | header after `magic, 0, 0, minLC, ptrSize` (words of `ptrSize`) | function table |
//! |---|---|---|---|
//! | `0xfffffffb` | 1.2–1.15 | `nfunc` | `nfunc+1` pairs of words `(pc, funcoff)` |
//! | `0xfffffffa` | 1.16–1.17 | `nfunc, nfiles, funcnameOff, cuOff, filetabOff, pctabOff, pclnOff` | pairs of words |
//! | `0xfffffff0` | 1.18–1.19 | `nfunc, nfiles, textStart, funcnameOff, cuOff, filetabOff, pctabOff, pclnOff` | pairs of `u32` |
//! | `0xfffffff1` | 1.20+ | as 1.18 | as 1.18 |
//!
//! Since 1.16 the name table (from `funcnameOff` to `cuOff`) holds every function name the
//! table uses, those of inlined functions included; it is read whole, so a vulnerable function
//! the compiler inlined into every caller still counts as present. (Since 1.21 the names of
//! generic instantiations are written whole, `F[go.shape.int]`; before, `F[...]`.)
//!
//! Each function's record (at `funcoff` into the function table, or into the whole table before
//! 1.16) starts with its entry (a word, or a `u32` since 1.18) and the `i32` offset of its name
//! in the name table (the whole table before 1.16). This reader was written here because no
//! well-kept crate reads the pclntab of every layout (`gimli` and `object` know DWARF and symbol
//! tables only). Every offset and count comes from the binary and is checked: a forged count
//! that does not fit the table is an error, never an allocation. A table read only in part would
//! clear findings wrongly, so every limit is an error (the binary's findings stay `unknown`),
//! never a silent cut: more than [`MAX_FUNCTIONS`] functions, more name bytes kept than the
//! table has (a forged table pointing many records into one long name), a name over
//! `MAX_NAME_LEN` bytes before 1.16, or no function of package `runtime` (a header found by
//! search that is not a Go table).

use std::collections::{BTreeMap, BTreeSet};

use object::{Object, ObjectSection, ObjectSegment, ObjectSymbol, SectionKind, SymbolKind};
use serde::{Deserialize, Serialize};

/// The most functions read from one binary (large Go binaries have about 100 000).
pub const MAX_FUNCTIONS: usize = 1 << 20;
/// The longest function name read through a record offset (Go 1.2 to 1.15, no generics), in
/// bytes: the bound of the search for its end.
const MAX_NAME_LEN: usize = 4096;

/// Errors from reading the function table.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A section cannot be read.
    #[error("cannot read object file: {0}")]
    Object(#[from] object::read::Error),
    /// The table ends before the named field.
    #[error("pclntab truncated while reading {0}")]
    Truncated(&'static str),
    /// The header's function count does not fit the table or is over [`MAX_FUNCTIONS`].
    #[error("pclntab function count {count} does not fit its {len}-byte table (limit {MAX_FUNCTIONS} functions)")]
    Count {
        /// The count in the header.
        count: u64,
        /// The table's size.
        len: usize,
    },
    /// The header names a pointer size or instruction size that no Go toolchain writes.
    #[error("pclntab header has pointer size {ptr_size} and instruction size {min_lc}")]
    Header {
        /// Pointer size.
        ptr_size: u8,
        /// Minimum instruction size.
        min_lc: u8,
    },
    /// A Go binary (it has build info) without a function table.
    #[error("no pclntab (Go function table) found")]
    Missing,
    /// More functions than [`MAX_FUNCTIONS`], or more name bytes than the table holds.
    #[error("pclntab names more than {MAX_FUNCTIONS} functions or more name bytes than its {len}-byte table")]
    TooMany {
        /// The table's size.
        len: usize,
    },
    /// A function name (before Go 1.16) has no end within `MAX_NAME_LEN` bytes.
    #[error("pclntab function name longer than {MAX_NAME_LEN} bytes")]
    LongName,
    /// The table has no function of package `runtime`, which every Go binary links.
    #[error("pclntab has no runtime functions: not a Go function table")]
    NoRuntime,
}

/// The functions of one Go binary, by package import path: symbol names as Go's advisories
/// write them (`Addr.IsLoopback` for the method `(*Addr).IsLoopback`, type parameters dropped).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoSymbols {
    /// Package import path (`net/netip`, `golang.org/x/net/html`) → its functions, sorted.
    pub packages: BTreeMap<String, Vec<String>>,
    /// The operating system the binary is built for (`GOOS`: `linux`), when known.
    #[serde(default)]
    pub goos: Option<String>,
    /// The architecture the binary is built for (`GOARCH`: `amd64`), when known.
    #[serde(default)]
    pub goarch: Option<String>,
}

impl GoSymbols {
    /// Whether any function of package `path` is linked in.
    pub fn has_package(&self, path: &str) -> bool {
        self.packages.contains_key(path)
    }

    /// Whether function `symbol` (advisory spelling) of package `path` is linked in.
    pub fn has_symbol(&self, path: &str, symbol: &str) -> bool {
        self.packages.get(path).is_some_and(|s| s.binary_search_by(|f| f.as_str().cmp(symbol)).is_ok())
    }

    /// How many functions are recorded.
    pub fn len(&self) -> usize {
        self.packages.values().map(Vec::len).sum()
    }

    /// Whether no function is recorded.
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
    }
}

/// Reads the functions of a Go binary: the pclntab's, and the ELF symbol table's where the
/// binary has one; `GOARCH` from the object file's machine. Call it for binaries with Go build
/// info (whose `GOOS`/`GOARCH` settings, where recorded, are the caller's to set): a Go binary
/// without a pclntab is [`Error::Missing`].
pub fn go_symbols(file: &object::File<'_>) -> Result<GoSymbols, Error> {
    let table = find_pclntab(file)?.ok_or(Error::Missing)?;
    let elf_symbols = file.symbols().filter(|s| s.kind() == SymbolKind::Text).filter_map(|s| s.name_bytes().ok());
    let mut symbols = collect(&table, elf_symbols)?;
    symbols.goarch = goarch(file).map(str::to_owned);
    Ok(symbols)
}

/// Go's name of the object file's architecture, for those Go builds for.
fn goarch(file: &object::File<'_>) -> Option<&'static str> {
    use object::Architecture as A;
    let little = file.is_little_endian();
    Some(match file.architecture() {
        A::X86_64 => "amd64",
        A::I386 => "386",
        A::Aarch64 => "arm64",
        A::Arm => "arm",
        A::PowerPc64 if little => "ppc64le",
        A::PowerPc64 => "ppc64",
        A::S390x => "s390x",
        A::Riscv64 => "riscv64",
        A::LoongArch64 => "loong64",
        A::Mips64 if little => "mips64le",
        A::Mips64 => "mips64",
        A::Mips if little => "mipsle",
        A::Mips => "mips",
        _ => return None,
    })
}

/// Reads the functions of the pclntab that starts `data` (the bytes of a `.gopclntab`
/// section); for the fuzz target and callers that hold only the table.
pub fn pclntab_symbols(data: &[u8]) -> Result<GoSymbols, Error> {
    let table = Pclntab::parse(data).ok_or(Error::Missing)?;
    collect(&table, std::iter::empty())
}

/// The functions of `table` and of `more` names (ELF symbols), by package.
fn collect<'a>(table: &Pclntab<'_>, more: impl Iterator<Item = &'a [u8]>) -> Result<GoSymbols, Error> {
    let mut by_package: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let (mut count, mut bytes) = (0usize, 0usize);
    let len = table.data.len();
    let mut add = |name: &[u8]| -> Result<(), Error> {
        if let Some((package, symbol)) = std::str::from_utf8(name).ok().and_then(split_name) {
            let size = package.len() + symbol.len();
            if by_package.entry(package).or_default().insert(symbol) {
                count += 1;
                bytes += size;
                if count > MAX_FUNCTIONS || bytes > len {
                    return Err(Error::TooMany { len });
                }
            }
        }
        Ok(())
    };
    table.each_name(&mut add)?;
    for name in more {
        add(name)?;
    }
    if !by_package.contains_key("runtime") {
        return Err(Error::NoRuntime);
    }
    let packages = by_package.into_iter().map(|(p, s)| (p, s.into_iter().collect())).collect();
    Ok(GoSymbols { packages, goos: None, goarch: None })
}

/// The pclntab layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Go 1.2 to 1.15.
    Go12,
    /// Go 1.16 and 1.17.
    Go116,
    /// Go 1.18 and later (1.20 changed the magic, not the layout this reader uses).
    Go118,
}

impl Layout {
    /// The layout a magic number names.
    fn of(magic: u32) -> Option<Layout> {
        match magic {
            0xffff_fffb => Some(Layout::Go12),
            0xffff_fffa => Some(Layout::Go116),
            0xffff_fff0 | 0xffff_fff1 => Some(Layout::Go118),
            _ => None,
        }
    }
}

/// A pclntab found in a binary.
struct Pclntab<'data> {
    data: &'data [u8],
    layout: Layout,
    big_endian: bool,
    ptr_size: usize,
}

/// The `.gopclntab` section, else a pclntab header in the read-only data (sections, or the
/// segments of a binary without section headers); `None` when there is neither.
fn find_pclntab<'data>(file: &object::File<'data>) -> Result<Option<Pclntab<'data>>, Error> {
    if let Some(table) = file.section_by_name(".gopclntab").and_then(|s| s.data().ok()).and_then(Pclntab::parse) {
        return Ok(Some(table));
    }
    for section in file.sections() {
        if matches!(section.kind(), SectionKind::ReadOnlyData | SectionKind::ReadOnlyDataWithRel | SectionKind::Data)
            && let Some(found) = search(section.data()?)
        {
            return Ok(Some(found));
        }
    }
    if file.sections().next().is_none() {
        for segment in file.segments() {
            if let Some(found) = search(segment.data()?) {
                return Ok(Some(found));
            }
        }
    }
    Ok(None)
}

/// The first well-formed pclntab header at a 4-byte aligned offset of `data`.
fn search(data: &[u8]) -> Option<Pclntab<'_>> {
    let mut offset = 0;
    while offset + 8 <= data.len() {
        let at = &data[offset..];
        if at[4] == 0
            && at[5] == 0
            && (at[..4] == [0xf0, 0xff, 0xff, 0xff]
                || at[..4] == [0xf1, 0xff, 0xff, 0xff]
                || at[..4] == [0xfa, 0xff, 0xff, 0xff]
                || at[..4] == [0xfb, 0xff, 0xff, 0xff]
                || at[..4] == [0xff, 0xff, 0xff, 0xf0]
                || at[..4] == [0xff, 0xff, 0xff, 0xf1]
                || at[..4] == [0xff, 0xff, 0xff, 0xfa]
                || at[..4] == [0xff, 0xff, 0xff, 0xfb])
            && let Some(table) = Pclntab::parse(at)
        {
            return Some(table);
        }
        offset += 4;
    }
    None
}

impl<'data> Pclntab<'data> {
    /// Reads the header of the table that starts `data`; `None` when it is not one.
    fn parse(data: &'data [u8]) -> Option<Self> {
        let head = data.get(..8)?;
        let magic_le = u32::from_le_bytes(head[..4].try_into().ok()?);
        let magic_be = u32::from_be_bytes(head[..4].try_into().ok()?);
        let (layout, big_endian) = match (Layout::of(magic_le), Layout::of(magic_be)) {
            (Some(l), _) => (l, false),
            (None, Some(l)) => (l, true),
            (None, None) => return None,
        };
        let (min_lc, ptr_size) = (head[6], head[7]);
        if head[4] != 0 || head[5] != 0 || !matches!(min_lc, 1 | 2 | 4) || !matches!(ptr_size, 4 | 8) {
            return None;
        }
        Some(Pclntab { data, layout, big_endian, ptr_size: usize::from(ptr_size) })
    }

    /// The unsigned integer of `width` bytes at `offset`.
    fn uint(&self, offset: usize, width: usize, what: &'static str) -> Result<u64, Error> {
        let bytes =
            offset.checked_add(width).and_then(|end| self.data.get(offset..end)).ok_or(Error::Truncated(what))?;
        let mut value = 0u64;
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

    /// The header word `index` (0 is `nfunc`), as an offset into the table.
    fn word(&self, index: usize, what: &'static str) -> Result<usize, Error> {
        let value = self.uint(8 + index * self.ptr_size, self.ptr_size, what)?;
        usize::try_from(value).map_err(|_| Error::Truncated(what))
    }

    /// Calls `f` with each function's name, in table order.
    fn each_name(&self, f: &mut dyn FnMut(&[u8]) -> Result<(), Error>) -> Result<(), Error> {
        let ptr = self.ptr_size;
        // (function table, name table, bytes per function-table field)
        let (functab, names, field) = match self.layout {
            Layout::Go12 => (8 + ptr, 0, ptr),
            Layout::Go116 => (self.word(6, "pclnOffset")?, self.word(2, "funcnameOffset")?, ptr),
            Layout::Go118 => (self.word(7, "pclnOffset")?, self.word(3, "funcnameOffset")?, 4),
        };
        let count = self.uint(8, ptr, "nfunc")?;
        let functab_data = self.data.get(functab..).ok_or(Error::Truncated("function table"))?;
        let fits = usize::try_from(count)
            .ok()
            .filter(|&n| n <= MAX_FUNCTIONS)
            .and_then(|n| n.checked_mul(2 * field))
            .is_some_and(|bytes| bytes <= functab_data.len());
        if !fits {
            return Err(Error::Count { count, len: self.data.len() });
        }
        // Since 1.16 the name table below holds every name the records point to: it alone is read.
        if self.layout != Layout::Go12 {
            return self.name_table(names, f);
        }
        // Before 1.16 the record offsets are relative to the whole table.
        let entry_size = ptr;
        for i in 0..count as usize {
            let funcoff = self.uint(functab + (2 * i + 1) * field, field, "function table")?;
            let record = usize::try_from(funcoff).map_err(|_| Error::Truncated("function record"))?;
            let name_off = self.uint(record.saturating_add(entry_size), 4, "function record")?;
            let start = names.checked_add(name_off as usize).ok_or(Error::Truncated("function name"))?;
            let name = self.data.get(start..).ok_or(Error::Truncated("function name"))?;
            let limit = name.len().min(MAX_NAME_LEN + 1);
            let end = name[..limit].iter().position(|&b| b == 0).ok_or(Error::LongName)?;
            f(&name[..end])?;
        }
        Ok(())
    }

    /// Calls `f` with each name of the name table at `names` (1.16 and later). The table holds
    /// the names of inlined functions too (the inline trees point into it): a function inlined
    /// into every caller has no record of its own, yet its code is in the binary. It runs up to
    /// the compilation-unit table.
    fn name_table(&self, names: usize, f: &mut dyn FnMut(&[u8]) -> Result<(), Error>) -> Result<(), Error> {
        let cu = match self.layout {
            Layout::Go12 => return Ok(()),
            Layout::Go116 => self.word(3, "cuOffset")?,
            Layout::Go118 => self.word(4, "cuOffset")?,
        };
        let table = self.data.get(names..cu).ok_or(Error::Truncated("function name table"))?;
        table.split(|&b| b == 0).filter(|n| !n.is_empty()).try_for_each(f)
    }
}

/// Splits a Go function name into its package path and the symbol as Go's advisories spell it:
/// `net/netip.(*Addr).IsLoopback` → (`net/netip`, `Addr.IsLoopback`),
/// `golang.org/x/net/html.Parse` → (`golang.org/x/net/html`, `Parse`). Type parameters
/// (`F[...]`) are dropped. `None` for names without a package (C functions of cgo binaries).
pub fn split_name(name: &str) -> Option<(String, String)> {
    // Type arguments may hold paths and dots: cut them first.
    let plain = match name.find('[') {
        Some(open) => {
            let close = name.rfind(']').filter(|&c| c > open)?;
            (&name[..open], &name[close + 1..])
        }
        None => (name, ""),
    };
    let (head, tail) = plain;
    let slash = head.rfind('/').map_or(0, |i| i + 1);
    let dot = slash + head[slash..].find('.')?;
    let package = unescape(&head[..dot]);
    let symbol = format!("{}{tail}", &head[dot + 1..]);
    if package.is_empty() || symbol.is_empty() {
        return None;
    }
    let symbol = if symbol.contains('(') { symbol.replace("(*", "").replace(')', "") } else { symbol };
    Some((package, symbol))
}

/// Undoes the linker's escaping of a package path (`gopkg.in/yaml%2ev2` → `gopkg.in/yaml.v2`:
/// dots of the last element, control characters and `%` are written `%xx`).
fn unescape(path: &str) -> String {
    if !path.contains('%') {
        return path.to_owned();
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_as_advisories_write_them() {
        let split = split_name;
        assert_eq!(split("net/netip.(*Addr).IsLoopback"), Some(("net/netip".into(), "Addr.IsLoopback".into())));
        assert_eq!(split("net/netip.Addr.IsLoopback"), Some(("net/netip".into(), "Addr.IsLoopback".into())));
        assert_eq!(split("golang.org/x/net/html.Parse"), Some(("golang.org/x/net/html".into(), "Parse".into())));
        assert_eq!(split("gopkg.in/yaml%2ev2.Unmarshal"), Some(("gopkg.in/yaml.v2".into(), "Unmarshal".into())));
        assert_eq!(split("slices.Sort[go.shape.int]"), Some(("slices".into(), "Sort".into())));
        assert_eq!(
            split("example.com/m.(*List[go.shape.struct { a *net/http.Client }]).Push"),
            Some(("example.com/m".into(), "List.Push".into()))
        );
        assert_eq!(split("runtime.main.func1"), Some(("runtime".into(), "main.func1".into())));
        assert_eq!(split("x_cgo_init"), None);
    }

    /// A table of `layout` holding `names` (one function each), little-endian, 8-byte pointers,
    /// its header claiming `nfunc` functions; before 1.16 record `i`'s name offset is
    /// `name_at(i, start of the names, offset of name i among them)`.
    fn table_with(
        layout: Layout,
        names: &[&str],
        nfunc: u64,
        name_at: impl Fn(usize, usize, usize) -> usize,
    ) -> Vec<u8> {
        let (magic, words, field): (u8, usize, usize) = match layout {
            Layout::Go12 => (0xfb, 1, 8),
            Layout::Go116 => (0xfa, 7, 8),
            Layout::Go118 => (0xf1, 8, 4),
        };
        let header_len = 8 + 8 * words;
        let mut name_tab = Vec::new();
        let mut name_offs = Vec::new();
        for n in names {
            name_offs.push(name_tab.len());
            name_tab.extend_from_slice(n.as_bytes());
            name_tab.push(0);
        }
        let n = names.len();
        let functab_len = (2 * n + 2) * field;
        let uint = |v: usize, width: usize| v.to_le_bytes()[..width].to_vec();
        let mut out = vec![magic, 0xff, 0xff, 0xff, 0, 0, 1, 8];
        if layout == Layout::Go12 {
            // Header, function table, records (entry word, name offset), names: offsets from the start.
            let records = header_len + functab_len;
            let names_at = records + 16 * n;
            out.extend_from_slice(&nfunc.to_le_bytes());
            for i in 0..n {
                out.extend(uint(i * 16, 8));
                out.extend(uint(records + 16 * i, 8));
            }
            out.extend_from_slice(&[0; 16]);
            for (i, &off) in name_offs.iter().enumerate() {
                out.extend(uint(0, 8));
                out.extend(uint(name_at(i, names_at, off), 4));
                out.extend(uint(0, 4));
            }
            out.extend_from_slice(&name_tab);
            return out;
        }
        // Header, name table, function table (its records relative to it).
        let funcname_off = header_len;
        let pcln_off = funcname_off + name_tab.len();
        let header: Vec<usize> = match layout {
            Layout::Go116 => vec![0, 0, funcname_off, pcln_off, pcln_off, pcln_off, pcln_off],
            _ => vec![0, 0, 0x1000, funcname_off, pcln_off, pcln_off, pcln_off, pcln_off],
        };
        out.extend_from_slice(&nfunc.to_le_bytes());
        for word in &header[1..] {
            out.extend(uint(*word, 8));
        }
        out.extend_from_slice(&name_tab);
        for i in 0..n {
            out.extend(uint(i * 16, field));
            out.extend(uint(functab_len + i * (field + 4), field));
        }
        out.extend(vec![0; 2 * field]);
        for &off in &name_offs {
            out.extend(uint(0, field));
            out.extend(uint(off, 4));
        }
        out
    }

    /// A Go 1.20 table of `names`.
    fn table(names: &[&str], nfunc: u64) -> Vec<u8> {
        table_with(Layout::Go118, names, nfunc, |_, at, off| at + off)
    }

    fn names(data: &[u8]) -> Result<Vec<String>, Error> {
        let table = Pclntab::parse(data).ok_or(Error::Truncated("header"))?;
        let mut out = Vec::new();
        table.each_name(&mut |n| {
            out.push(String::from_utf8_lossy(n).into_owned());
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn reads_the_tables_of_every_layout() {
        let functions = ["main.main", "net/netip.(*Addr).IsLoopback", "runtime.main"];
        for layout in [Layout::Go12, Layout::Go116, Layout::Go118] {
            let data = table_with(layout, &functions, 3, |_, at, off| at + off);
            assert_eq!(names(&data).unwrap(), functions, "{layout:?}");
            let symbols = pclntab_symbols(&data).unwrap();
            assert!(symbols.has_symbol("net/netip", "Addr.IsLoopback"), "{layout:?}");
            assert_eq!(symbols.len(), 3);
            assert!(search(&[vec![0; 12], data].concat()).is_some());
        }
    }

    #[test]
    fn a_forged_count_or_a_truncated_table_is_an_error() {
        let forged = table(&["main.main"], u64::MAX / 2);
        assert!(matches!(names(&forged), Err(Error::Count { .. })), "{:?}", names(&forged));
        // Cut in the header, its words, the name table, the function table.
        let data = table(&["main.main", "net/netip.Addr.IsLoopback"], 2);
        for cut in [4, 20, 80, 118] {
            assert!(names(&data[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn a_table_read_in_part_is_an_error_never_a_cut() {
        // Without runtime functions the header found is no Go table.
        let no_runtime = table(&["main.main", "net/netip.Addr.IsLoopback"], 2);
        assert!(matches!(pclntab_symbols(&no_runtime), Err(Error::NoRuntime)));
        // Before 1.16, records pointing each one byte further into one long name: the names
        // kept would outgrow the table.
        let long = format!("runtime.{}", "a.".repeat(1500));
        let many: Vec<&str> = std::iter::once(long.as_str()).chain(std::iter::repeat_n("x", 999)).collect();
        let overlapping = table_with(Layout::Go12, &many, 1000, |i, at, _| at + i);
        assert!(overlapping.len() < 50_000);
        let err = pclntab_symbols(&overlapping).unwrap_err();
        assert!(matches!(err, Error::TooMany { .. }), "{err}");
        // A name without its end within the bound.
        let endless = format!("runtime.{}", "a".repeat(MAX_NAME_LEN));
        let data = table_with(Layout::Go12, &[&endless], 1, |_, at, off| at + off);
        assert!(matches!(pclntab_symbols(&data), Err(Error::LongName)));
    }
}
