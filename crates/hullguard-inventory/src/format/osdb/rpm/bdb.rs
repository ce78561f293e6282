//! BerkeleyDB hash backend (`Packages`, used by rpm before 4.16).
//!
//! Page 0 is the hash metadata page (magic `0x00061561` at offset 12, page
//! size at 20, last page number at 32). Every page starts with a 26-byte
//! header (`pgno` at 8, `next_pgno` at 16, `entries` at 20, `hf_offset` at
//! 22, `type` at 25) followed, on hash pages, by an array of 16-bit item
//! offsets. Items alternate key/data; an item's length is the distance to the
//! previous item (items grow down from the end of the page). A data item is
//! either inline (`H_KEYDATA`) or a reference (`H_OFFPAGE`: first page and
//! total length) to a chain of overflow pages, each holding `hf_offset` bytes
//! after its header. Integers use the byte order the database was written
//! in, which the magic reveals.

use crate::format::osdb::{Error, Result};

const HASH_MAGIC: u32 = 0x0006_1561;
const PAGE_HEADER_LEN: usize = 26;
const MIN_PAGE_SIZE: usize = 512;
const MAX_PAGE_SIZE: usize = 64 * 1024;
/// Hash format versions written by BerkeleyDB 4.x and 5.x.
const SUPPORTED_VERSIONS: [u32; 2] = [8, 9];
/// `metaflags` bit: pages carry checksums (different page layout).
const META_CHECKSUM: u8 = 0x01;

const PAGE_HASH_UNSORTED: u8 = 2;
const PAGE_OVERFLOW: u8 = 7;
const PAGE_HASH: u8 = 13;

const ITEM_KEYDATA: u8 = 1;
const ITEM_OFFPAGE: u8 = 3;
/// Size of an `H_OFFPAGE` item: type, 3 unused bytes, page number, length.
const OFFPAGE_LEN: usize = 12;
/// Key of rpm's bookkeeping record (the next package instance number).
const RPM_JOIN_KEY: [u8; 4] = [0; 4];

fn err(msg: String) -> Error {
    Error::BerkeleyDb(msg)
}

/// Byte order of the database, as revealed by the metadata magic.
#[derive(Clone, Copy)]
enum Order {
    Little,
    Big,
}

impl Order {
    fn detect(bytes: &[u8]) -> Option<Self> {
        let magic: [u8; 4] = bytes.get(12..16)?.try_into().ok()?;
        if u32::from_le_bytes(magic) == HASH_MAGIC {
            Some(Self::Little)
        } else if u32::from_be_bytes(magic) == HASH_MAGIC {
            Some(Self::Big)
        } else {
            None
        }
    }

    fn u32(self, bytes: &[u8], at: usize) -> u32 {
        let b: [u8; 4] = bytes.get(at..at + 4).and_then(|b| b.try_into().ok()).unwrap_or_default();
        match self {
            Self::Little => u32::from_le_bytes(b),
            Self::Big => u32::from_be_bytes(b),
        }
    }

    fn u16(self, bytes: &[u8], at: usize) -> usize {
        let b: [u8; 2] = bytes.get(at..at + 2).and_then(|b| b.try_into().ok()).unwrap_or_default();
        usize::from(match self {
            Self::Little => u16::from_le_bytes(b),
            Self::Big => u16::from_be_bytes(b),
        })
    }
}

/// Whether the bytes start with a BerkeleyDB hash metadata page.
pub(super) fn is_hash_db(bytes: &[u8]) -> bool {
    Order::detect(bytes).is_some()
}

/// A validated view of the database's pages.
struct Pages<'a> {
    bytes: &'a [u8],
    order: Order,
    size: usize,
    count: usize,
}

impl<'a> Pages<'a> {
    fn open(bytes: &'a [u8]) -> Result<Self> {
        let order = Order::detect(bytes).ok_or_else(|| err("no hash metadata magic".into()))?;
        let version = order.u32(bytes, 16);
        if !SUPPORTED_VERSIONS.contains(&version) {
            return Err(err(format!("unsupported hash version {version}")));
        }
        let size = order.u32(bytes, 20) as usize;
        if !size.is_power_of_two() || !(MIN_PAGE_SIZE..=MAX_PAGE_SIZE).contains(&size) {
            return Err(err(format!("invalid page size {size}")));
        }
        if bytes.get(24).is_some_and(|&alg| alg != 0) {
            return Err(err("database is encrypted".into()));
        }
        if bytes.get(26).is_some_and(|&flags| flags & META_CHECKSUM != 0) {
            return Err(err("checksummed pages are not supported".into()));
        }
        let last_pgno = order.u32(bytes, 32) as usize;
        let count = (bytes.len() / size).min(last_pgno.saturating_add(1));
        if count == 0 {
            return Err(err(format!("file of {} bytes holds no complete {size}-byte page", bytes.len())));
        }
        Ok(Self { bytes, order, size, count })
    }

    /// Page `pgno`; callers guarantee `pgno < self.count`.
    fn page(&self, pgno: usize) -> &'a [u8] {
        &self.bytes[pgno * self.size..(pgno + 1) * self.size]
    }

    /// Bytes of item `index` on a hash page with `entries` items.
    fn item(&self, page: &'a [u8], pgno: usize, entries: usize, index: usize) -> Result<&'a [u8]> {
        let offset = self.order.u16(page, PAGE_HEADER_LEN + 2 * index);
        let end = if index == 0 { self.size } else { self.order.u16(page, PAGE_HEADER_LEN + 2 * (index - 1)) };
        let first_data = PAGE_HEADER_LEN + 2 * entries;
        if offset < first_data || offset >= end || end > self.size {
            return Err(err(format!("page {pgno} item {index} spans {offset}..{end}, outside the page's item area")));
        }
        Ok(&page[offset..end])
    }

    /// Reassembles an overflow chain, marking pages in `seen` so that no
    /// page is read twice across the whole database.
    fn overflow(&self, first: usize, total: usize, seen: &mut [bool]) -> Result<Vec<u8>> {
        // The value cannot be larger than the file, which bounds the allocation.
        if total > self.bytes.len() {
            return Err(err(format!("overflow value of {total} bytes is larger than the file")));
        }
        let mut value = Vec::with_capacity(total);
        let mut pgno = first;
        while value.len() < total {
            if pgno == 0 || pgno >= self.count {
                return Err(err(format!(
                    "overflow chain reaches page {pgno}, outside the {} pages present",
                    self.count
                )));
            }
            if std::mem::replace(&mut seen[pgno], true) {
                return Err(err(format!("overflow page {pgno} is used twice")));
            }
            let page = self.page(pgno);
            if page[25] != PAGE_OVERFLOW {
                return Err(err(format!("page {pgno} in an overflow chain has type {}", page[25])));
            }
            let len = self.order.u16(page, 22);
            let chunk = page
                .get(PAGE_HEADER_LEN..PAGE_HEADER_LEN + len)
                .filter(|_| value.len() + len <= total)
                .ok_or_else(|| err(format!("overflow page {pgno} holds a bad length {len}")))?;
            value.extend_from_slice(chunk);
            pgno = self.order.u32(page, 16) as usize;
        }
        Ok(value)
    }
}

/// Returns every stored value (one rpm header blob per package), skipping
/// rpm's bookkeeping record.
pub(super) fn header_blobs(bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    let pages = Pages::open(bytes)?;
    let mut seen = vec![false; pages.count];
    let mut values = Vec::new();
    for pgno in 1..pages.count {
        let page = pages.page(pgno);
        if !matches!(page[25], PAGE_HASH | PAGE_HASH_UNSORTED) {
            continue;
        }
        let entries = pages.order.u16(page, 20);
        if PAGE_HEADER_LEN + 2 * entries > pages.size || entries % 2 != 0 {
            return Err(err(format!("hash page {pgno} has an impossible item count {entries}")));
        }
        for pair in (0..entries).step_by(2) {
            let key = pages.item(page, pgno, entries, pair)?;
            let data = pages.item(page, pgno, entries, pair + 1)?;
            if key[0] == ITEM_KEYDATA && key[1..] == RPM_JOIN_KEY {
                continue;
            }
            match data[0] {
                ITEM_KEYDATA => values.push(data[1..].to_vec()),
                ITEM_OFFPAGE if data.len() >= OFFPAGE_LEN => {
                    let first = pages.order.u32(data, 4) as usize;
                    let total = pages.order.u32(data, 8) as usize;
                    values.push(pages.overflow(first, total, &mut seen)?);
                }
                other => {
                    return Err(err(format!("page {pgno} item {} has unsupported type {other}", pair + 1)));
                }
            }
        }
    }
    Ok(values)
}
