//! NDB backend (`Packages.db`, rpm's own format, used by SUSE).
//!
//! Layout (little-endian): a 32-byte file header (`RpmP`, version,
//! generation, number of 4 KiB slot pages, next package index), then the rest
//! of the slot pages as 16-byte slots (`Slot`, package index, block offset,
//! block count; index 0 means free). Blocks are 16 bytes. A slot's blocks
//! hold a blob: a 16-byte head (`BlbS`, package index, generation, length),
//! the header blob, padding and a 12-byte tail.

use crate::format::osdb::{Error, Result};

/// Leading bytes of an NDB package database.
pub(super) const MAGIC: &[u8] = b"RpmP";
const SLOT_MAGIC: &[u8] = b"Slot";
const BLOB_MAGIC: &[u8] = b"BlbS";
const FILE_HEADER_LEN: usize = 32;
const SLOT_PAGE_LEN: usize = 4096;
const SLOT_LEN: usize = 16;
const BLOCK_LEN: usize = 16;
const BLOB_HEAD_LEN: usize = 16;
const BLOB_TAIL_LEN: usize = 12;

fn err(msg: String) -> Error {
    Error::Ndb(msg)
}

fn le_u32(bytes: &[u8], at: usize) -> u32 {
    bytes.get(at..at + 4).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// A used slot: which blocks hold which package.
struct Slot {
    pkg_index: u32,
    start: usize,
    len: usize,
}

/// Returns the header blob of every package in an NDB database.
pub(super) fn header_blobs(bytes: &[u8]) -> Result<Vec<&[u8]>> {
    if bytes.len() < FILE_HEADER_LEN || !bytes.starts_with(MAGIC) {
        return Err(err("file is shorter than the 32-byte header".into()));
    }
    let version = le_u32(bytes, 4);
    if version != 0 {
        return Err(err(format!("unsupported format version {version}")));
    }
    let slot_pages = le_u32(bytes, 12) as usize;
    let slot_area = slot_pages
        .checked_mul(SLOT_PAGE_LEN)
        .filter(|&len| slot_pages > 0 && len <= bytes.len())
        .ok_or_else(|| err(format!("{slot_pages} slot pages do not fit in a file of {} bytes", bytes.len())))?;

    let mut slots = Vec::new();
    for (i, raw) in bytes[FILE_HEADER_LEN..slot_area].chunks_exact(SLOT_LEN).enumerate() {
        if !raw.starts_with(SLOT_MAGIC) {
            return Err(err(format!("slot {i} has bad magic")));
        }
        let pkg_index = le_u32(raw, 4);
        if pkg_index == 0 {
            continue;
        }
        let (block, blocks) = (le_u32(raw, 8) as usize, le_u32(raw, 12) as usize);
        // u32 * 16 always fits in a 64-bit usize; checked for 32-bit targets.
        let start = block.checked_mul(BLOCK_LEN);
        let len = blocks.checked_mul(BLOCK_LEN);
        match (start, len) {
            (Some(start), Some(len))
                if start >= slot_area
                    && len >= BLOB_HEAD_LEN + BLOB_TAIL_LEN
                    && start.checked_add(len).is_some_and(|end| end <= bytes.len()) =>
            {
                slots.push(Slot { pkg_index, start, len });
            }
            _ => {
                return Err(err(format!(
                    "slot {i} (package {pkg_index}) points at blocks {block}+{blocks}, outside the blob area of a {}-byte file",
                    bytes.len()
                )));
            }
        }
    }

    // Blobs must not overlap; this also keeps the total work linear in the
    // input size.
    let mut by_start: Vec<(usize, usize)> = slots.iter().map(|s| (s.start, s.len)).collect();
    by_start.sort_unstable();
    if let Some(pair) = by_start.windows(2).find(|w| w[0].0 + w[0].1 > w[1].0) {
        return Err(err(format!("blobs at byte offsets {} and {} overlap", pair[0].0, pair[1].0)));
    }

    slots
        .iter()
        .map(|slot| {
            let area = &bytes[slot.start..slot.start + slot.len];
            if !area.starts_with(BLOB_MAGIC) || le_u32(area, 4) != slot.pkg_index {
                return Err(err(format!("no blob for package {} at byte offset {}", slot.pkg_index, slot.start)));
            }
            let blob_len = le_u32(area, 12) as usize;
            if blob_len > slot.len - BLOB_HEAD_LEN - BLOB_TAIL_LEN {
                return Err(err(format!(
                    "blob of package {} declares {blob_len} bytes but its slot holds {}",
                    slot.pkg_index, slot.len
                )));
            }
            Ok(&area[BLOB_HEAD_LEN..BLOB_HEAD_LEN + blob_len])
        })
        .collect()
}
