//! Tar archives written block by block, so every header field can hold exactly the bytes a test
//! wants (hostile names, base-256 numbers, PAX records, GNU extensions, broken checksums).

#![allow(dead_code)]

use std::ops::Range;
use std::path::Path;

use sha2::{Digest as _, Sha256};

/// Header field offsets (ustar layout).
pub const NAME: Range<usize> = 0..100;
pub const MODE: Range<usize> = 100..108;
pub const UID: Range<usize> = 108..116;
pub const GID: Range<usize> = 116..124;
pub const SIZE: Range<usize> = 124..136;
pub const MTIME: Range<usize> = 136..148;
pub const CHKSUM: Range<usize> = 148..156;
pub const TYPEFLAG: usize = 156;
pub const LINKNAME: Range<usize> = 157..257;
pub const MAGIC: Range<usize> = 257..263;
pub const VERSION: Range<usize> = 263..265;
pub const PREFIX: Range<usize> = 345..500;

/// One 512-byte header under construction; the checksum is written by [`Header::block`].
#[derive(Clone)]
pub struct Header {
    pub bytes: [u8; 512],
    /// Leave the checksum field as set (to test bad checksums).
    pub raw_checksum: bool,
}

impl Header {
    /// A ustar header: mode 0644, uid/gid 0, the given type and size.
    pub fn ustar(name: &[u8], typeflag: u8, size: u64) -> Self {
        let mut h = Header { bytes: [0; 512], raw_checksum: false };
        h.set(NAME, name);
        h.octal(MODE, 0o644).octal(UID, 0).octal(GID, 0).octal(SIZE, size).octal(MTIME, 0);
        h.bytes[TYPEFLAG] = typeflag;
        h.set(MAGIC, b"ustar\0").set(VERSION, b"00");
        h
    }

    /// The same fields in the GNU layout (`ustar  \0` magic).
    pub fn gnu(name: &[u8], typeflag: u8, size: u64) -> Self {
        let mut h = Header::ustar(name, typeflag, size);
        h.set(MAGIC, b"ustar ").set(VERSION, b" \0");
        h
    }

    /// Write `value` at the start of `field`, the rest of the field NUL.
    pub fn set(&mut self, field: Range<usize>, value: &[u8]) -> &mut Self {
        assert!(value.len() <= field.len(), "{} bytes do not fit {field:?}", value.len());
        self.bytes[field.clone()].fill(0);
        self.bytes[field.start..field.start + value.len()].copy_from_slice(value);
        self
    }

    /// Zero-padded octal with a NUL terminator, as most writers do.
    pub fn octal(&mut self, field: Range<usize>, value: u64) -> &mut Self {
        let text = format!("{value:0width$o}\0", width = field.len() - 1);
        self.set(field, text.as_bytes())
    }

    /// Base-256 (GNU binary) encoding of a signed value filling the field.
    pub fn base256(&mut self, field: Range<usize>, value: i64) -> &mut Self {
        let len = field.len();
        let mut bytes = vec![if value < 0 { 0xff } else { 0 }; len];
        let be = value.to_be_bytes();
        bytes[len - 8..].copy_from_slice(&be);
        bytes[0] |= 0x80;
        self.set(field, &bytes)
    }

    /// The finished block, its checksum computed unless `raw_checksum`.
    pub fn block(&self) -> [u8; 512] {
        let mut b = self.bytes;
        if !self.raw_checksum {
            b[CHKSUM].copy_from_slice(b"        ");
            let sum: u32 = b.iter().map(|&c| u32::from(c)).sum();
            b[CHKSUM].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        }
        b
    }
}

/// One PAX record, its length prefix counting itself, as writers compute it.
pub fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
    let body = key.len() + value.len() + 3;
    let mut len = body + body.to_string().len();
    if (body + len.to_string().len()) != len {
        len = body + len.to_string().len();
    }
    let mut out = format!("{len} {key}=").into_bytes();
    out.extend_from_slice(value);
    out.push(b'\n');
    assert_eq!(out.len(), len);
    out
}

/// A tar stream under construction.
#[derive(Default, Clone)]
pub struct Tar {
    pub bytes: Vec<u8>,
}

impl Tar {
    pub fn new() -> Self {
        Tar::default()
    }

    /// A header followed by `data` and padding to the block size.
    pub fn entry(mut self, header: &Header, data: &[u8]) -> Self {
        self.bytes.extend_from_slice(&header.block());
        self.bytes.extend_from_slice(data);
        self.bytes.resize(self.bytes.len().div_ceil(512) * 512, 0);
        self
    }

    /// A ustar regular file.
    pub fn file(self, name: &str, data: &[u8]) -> Self {
        self.entry(&Header::ustar(name.as_bytes(), b'0', data.len() as u64), data)
    }

    /// A ustar directory.
    pub fn dir(self, name: &str) -> Self {
        let mut h = Header::ustar(name.as_bytes(), b'5', 0);
        h.octal(MODE, 0o755);
        self.entry(&h, b"")
    }

    /// An extended header of `typeflag` (`x`, `g`, `L`, `K`) holding `data`.
    pub fn special(self, typeflag: u8, data: &[u8]) -> Self {
        let name: &[u8] = if typeflag == b'L' || typeflag == b'K' { b"././@LongLink" } else { b"PaxHeaders/x" };
        self.entry(&Header::ustar(name, typeflag, data.len() as u64), data)
    }

    /// A PAX extended header (`x`) of `records`.
    pub fn pax(self, records: &[(&str, &[u8])]) -> Self {
        let data: Vec<u8> = records.iter().flat_map(|(k, v)| pax_record(k, v)).collect();
        self.special(b'x', &data)
    }

    /// Raw bytes appended as they are.
    pub fn raw(mut self, bytes: &[u8]) -> Self {
        self.bytes.extend_from_slice(bytes);
        self
    }

    /// The two zero blocks that end an archive.
    pub fn end(mut self) -> Vec<u8> {
        self.bytes.extend_from_slice(&[0; 1024]);
        self.bytes
    }
}

/// Hex sha256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A `docker save` archive (Docker ≤ 24 layout) of uncompressed `layers`, tagged `tag`.
pub fn docker_archive(layers: &[Vec<u8>], tag: &str, path: &Path) {
    let diff_ids: Vec<String> = layers.iter().map(|t| format!("sha256:{}", sha256_hex(t))).collect();
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    });
    let config = serde_json::to_vec(&config).unwrap();
    let config_name = format!("{}.json", sha256_hex(&config));
    let mut outer = Tar::new().file(&config_name, &config);
    let mut names = Vec::new();
    for (tar, diff_id) in layers.iter().zip(&diff_ids) {
        let name = format!("{}/layer.tar", &diff_id[7..]);
        outer = outer.file(&name, tar);
        names.push(name);
    }
    let manifest = serde_json::json!([{"Config": config_name, "RepoTags": [tag], "Layers": names}]);
    std::fs::write(path, outer.file("manifest.json", &serde_json::to_vec(&manifest).unwrap()).end()).unwrap();
}
