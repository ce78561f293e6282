//! Go build info from damaged, hostile and rewritten binaries: errors, never panics.

use hullguard_inventory::format::go::{Error, MAX_MODINFO_LEN, parse_go_buildinfo};
use object::{Object, ObjectSection};

use crate::support;

/// A small deterministic generator for fuzz-style inputs (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            *b = self.next() as u8;
        }
    }
}

pub fn goapp() -> &'static [u8] {
    &support::app_mixed_files()["/usr/local/bin/goapp"]
}

/// Where a section lies: (file offset, size, virtual address).
fn section(bytes: &[u8], name: &str) -> (usize, usize, u64) {
    let file = object::File::parse(bytes).expect("goapp is an object file");
    let section = file.section_by_name(name).expect("section present");
    let (offset, size) = section.file_range().expect("section has file data");
    (offset as usize, size as usize, section.address())
}

fn uvarint(data: &[u8]) -> (u64, usize) {
    let mut value = 0u64;
    for (i, &b) in data.iter().enumerate() {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return (value, i + 1);
        }
    }
    panic!("unterminated varint");
}

fn put_uvarint(out: &mut [u8], mut value: u64) -> usize {
    let mut i = 0;
    while value >= 0x80 {
        out[i] = (value as u8) | 0x80;
        value >>= 7;
        i += 1;
    }
    out[i] = value as u8;
    i + 1
}

#[test]
fn non_go_elf_is_none() {
    let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    assert_eq!(parse_go_buildinfo(&exe).unwrap(), None);
}

#[test]
fn truncated_binaries_do_not_panic() {
    let bytes = goapp();
    let (header, _, _) = section(bytes, ".go.buildinfo");
    let cuts = [0, 1, 4, 16, 52, 63, 64, 65, 1000, header + 20, header + 40, bytes.len() / 2];
    for cut in cuts {
        let result = parse_go_buildinfo(&bytes[..cut]);
        assert!(result.is_err() || matches!(result, Ok(None)), "cut at {cut}: {result:?}");
    }
    for cut in [bytes.len() - 1, bytes.len() - 4096] {
        // The section table sits at the end of the file: the result may be an error or not,
        // but the call returns.
        let _ = parse_go_buildinfo(&bytes[..cut]);
    }
}

#[test]
fn random_bytes_do_not_panic() {
    let mut rng = Rng::new(0x5eed);
    for round in 0..300 {
        let mut buf = vec![0u8; 1 + rng.below(8192)];
        rng.fill(&mut buf);
        if round % 2 == 1 && buf.len() >= 7 {
            // An ELF64 little-endian prefix drives the input deeper into the reader.
            buf[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
        }
        if round % 3 == 0 {
            let at = rng.below(buf.len()) / 16 * 16;
            let magic = b"\xff Go buildinf:\x08\x02";
            let end = (at + magic.len()).min(buf.len());
            buf[at..end].copy_from_slice(&magic[..end - at]);
        }
        let _ = parse_go_buildinfo(&buf);
    }
}

#[test]
fn mutated_buildinfo_does_not_panic() {
    let original = goapp();
    let (header, size, _) = section(original, ".go.buildinfo");
    let mut rng = Rng::new(42);
    for _ in 0..300 {
        let mut bytes = original.to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = header + rng.below(size.min(400));
            bytes[at] = rng.next() as u8;
        }
        let _ = parse_go_buildinfo(&bytes);
    }
}

#[test]
fn absurd_inline_lengths_are_errors() {
    let original = goapp();
    let (header, size, _) = section(original, ".go.buildinfo");

    let mut bytes = original.to_vec();
    bytes[header + 32..header + 42].copy_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    assert!(matches!(parse_go_buildinfo(&bytes), Err(Error::TooLong { len: u64::MAX, .. })));

    let mut bytes = original.to_vec();
    bytes[header + 32..header + 42].fill(0xff);
    assert!(matches!(parse_go_buildinfo(&bytes), Err(Error::Varint)));

    // A module-info length above the limit, then one within the limit but past the data.
    let (version_len, used) = uvarint(&original[header + 32..]);
    let modinfo_at = header + 32 + used + version_len as usize;
    let (modinfo_len, modinfo_used) = uvarint(&original[modinfo_at..]);
    assert!(modinfo_used <= 3, "room to rewrite the varint");
    let mut bytes = original.to_vec();
    let mut huge = [0u8; 10];
    let n = put_uvarint(&mut huge, MAX_MODINFO_LEN + 1);
    bytes[modinfo_at..modinfo_at + n].copy_from_slice(&huge[..n]);
    assert!(matches!(parse_go_buildinfo(&bytes), Err(Error::TooLong { what: "module info", .. })));

    let mut bytes = original.to_vec();
    let past_end = modinfo_len.max(size as u64) * 2;
    let mut buf = [0u8; 10];
    let n = put_uvarint(&mut buf, past_end);
    bytes[modinfo_at..modinfo_at + n].copy_from_slice(&buf[..n]);
    assert!(matches!(parse_go_buildinfo(&bytes), Err(Error::Truncated(_))));
}

/// Rewrites goapp's Go 1.18+ inline header into the pre-1.18 pointer layout: the header
/// points at two Go string headers placed at the start of `.noptrdata`, which point back at
/// the version and module text still lying in `.go.buildinfo`.
pub fn pointer_layout(big_endian: bool) -> Vec<u8> {
    let original = goapp();
    let (header, _, header_addr) = section(original, ".go.buildinfo");
    let (strings, _, strings_addr) = section(original, ".noptrdata");
    let (version_len, used) = uvarint(&original[header + 32..]);
    let version_off = 32 + used as u64;
    let modinfo_at = version_off + version_len;
    let (modinfo_len, modinfo_used) = uvarint(&original[header + modinfo_at as usize..]);
    let modinfo_off = modinfo_at + modinfo_used as u64;

    let encode = |v: u64| {
        if big_endian { v.to_be_bytes() } else { v.to_le_bytes() }
    };
    let mut bytes = original.to_vec();
    bytes[header + 14] = 8;
    bytes[header + 15] = u8::from(big_endian);
    bytes[header + 16..header + 24].copy_from_slice(&encode(strings_addr));
    bytes[header + 24..header + 32].copy_from_slice(&encode(strings_addr + 16));
    let words = [header_addr + version_off, version_len, header_addr + modinfo_off, modinfo_len];
    for (i, word) in words.into_iter().enumerate() {
        bytes[strings + 8 * i..strings + 8 * i + 8].copy_from_slice(&encode(word));
    }
    bytes
}

#[test]
fn pre_118_pointer_layout_reads_the_same() {
    let expected = parse_go_buildinfo(goapp()).unwrap().unwrap();
    assert_eq!(expected.deps.len(), 5);
    for big_endian in [false, true] {
        let bytes = pointer_layout(big_endian);
        let info = parse_go_buildinfo(&bytes).unwrap().unwrap();
        assert_eq!(info, expected, "big endian: {big_endian}");
    }
}

#[test]
fn pre_118_bad_pointers_are_errors() {
    let (header, _, _) = section(goapp(), ".go.buildinfo");
    let (strings, _, _) = section(goapp(), ".noptrdata");

    let mut bytes = pointer_layout(false);
    bytes[header + 16..header + 24].copy_from_slice(&0xdead_0000_0000u64.to_le_bytes());
    assert!(matches!(parse_go_buildinfo(&bytes), Err(Error::Unmapped(0xdead_0000_0000))));

    let mut bytes = pointer_layout(false);
    bytes[strings + 24..strings + 32].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(parse_go_buildinfo(&bytes), Err(Error::TooLong { len: u64::MAX, .. })));

    let mut bytes = pointer_layout(false);
    bytes[strings + 24..strings + 32].copy_from_slice(&(MAX_MODINFO_LEN - 1).to_le_bytes());
    assert!(matches!(parse_go_buildinfo(&bytes), Err(Error::Unmapped(_))));

    let mut bytes = pointer_layout(false);
    bytes[header + 14] = 3;
    assert!(matches!(parse_go_buildinfo(&bytes), Err(Error::PointerSize(3))));
}
