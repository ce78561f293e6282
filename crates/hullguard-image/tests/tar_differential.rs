//! Differential test of the tar reader against Go's `archive/tar` (the reader of Docker and
//! containerd): generated edge-case archives are listed by both, entry by entry, and must agree on
//! name, link name, size, type, mode, uid, gid and content, and on whether the archive is an error.

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use hullguard_image::tar_reader::TarReader;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use support::{GID, Header, LINKNAME, MODE, PREFIX, SIZE, Tar, UID, pax_record};

/// Build `tests/golister` with the Go toolchain into `dir`, offline (standard library only; the
/// build cache is kept in `$GOCACHE` or the temp dir); `None` (test skipped) without Go, which CI
/// must have.
fn build_go_lister(dir: &Path) -> Option<PathBuf> {
    if Command::new("go").arg("version").output().is_err() {
        assert!(std::env::var("CI").is_err(), "go (golang-go) is required in CI");
        eprintln!("skipping: go not installed");
        return None;
    }
    let exe = dir.join("golister");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golister/main.go");
    let out = Command::new("go")
        .args(["build", "-o"])
        .arg(&exe)
        .arg(&source)
        .env(
            "GOCACHE",
            std::env::var_os("GOCACHE").map_or_else(|| std::env::temp_dir().join("hullguard-gocache"), PathBuf::from),
        )
        .env("GOPATH", dir.join("gopath"))
        .env("GO111MODULE", "off")
        .env("GOFLAGS", "")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .output()
        .expect("run go build");
    assert!(out.status.success(), "go build: {}", String::from_utf8_lossy(&out.stderr));
    Some(exe)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The archive as hullguard's reader lists it, in the Go lister's shape; an error ends the list.
fn rust_listing(tar: &[u8]) -> Vec<Value> {
    let mut bytes = tar;
    let mut reader = TarReader::new("case", &mut bytes as &mut dyn Read);
    let mut entries = Vec::new();
    loop {
        match reader.next_header() {
            Ok(None) => return entries,
            Ok(Some(h)) => {
                let mut content = Vec::new();
                if let Err(e) = reader.read_to_end(&mut content) {
                    entries.push(json!({"error": e.to_string()}));
                    return entries;
                }
                entries.push(json!({
                    "type": h.typeflag, "name": hex(&h.name), "linkname": hex(&h.linkname), "size": h.size,
                    "mode": h.mode, "uid": h.uid, "gid": h.gid, "sha256": hex(&Sha256::digest(&content)),
                }));
            }
            Err(e) => {
                entries.push(json!({"error": e.to_string()}));
                return entries;
            }
        }
    }
}

fn file_header(name: &[u8], size: u64) -> Header {
    Header::ustar(name, b'0', size)
}

/// Every edge case: (name, archive).
fn cases() -> Vec<(&'static str, Vec<u8>)> {
    let long = "d/".repeat(80) + "long-file-name";
    let mut cases: Vec<(&'static str, Vec<u8>)> = vec![
        ("plain", Tar::new().dir("etc/").file("etc/hostname", b"box\n").end()),
        (
            "pax path with a newline",
            Tar::new().pax(&[("path", b"tmp/decoy\n")]).file("var/lib/dpkg/status", b"Package: fake\n").end(),
        ),
        (
            "pax path planting a whiteout",
            Tar::new().pax(&[("path", b"usr/lib/.wh.Django-3.2.dist-info\nx")]).file("usr/lib/ok", b"").end(),
        ),
        ("pax path empty keeps ustar name", Tar::new().pax(&[("path", b"")]).file("kept", b"1").end()),
        (
            "pax linkpath",
            Tar::new()
                .pax(&[("linkpath", "t/".repeat(70).as_bytes())])
                .entry(&Header::ustar(b"link", b'2', 0), b"")
                .end(),
        ),
        ("pax size override", Tar::new().pax(&[("size", b"5")]).entry(&file_header(b"sized", 0), b"hello").end()),
        ("pax size negative", Tar::new().pax(&[("size", b"-5")]).entry(&file_header(b"neg", 0), b"").end()),
        ("pax size garbage", Tar::new().pax(&[("size", b"5x")]).entry(&file_header(b"bad", 5), b"hello").end()),
        ("pax size with plus sign", Tar::new().pax(&[("size", b"+3")]).entry(&file_header(b"p", 0), b"abc").end()),
        ("pax uid gid large", Tar::new().pax(&[("uid", b"3000000000"), ("gid", b"4000000000")]).file("ids", b"").end()),
        ("pax uid negative", Tar::new().pax(&[("uid", b"-1")]).file("ids", b"").end()),
        ("pax uid garbage", Tar::new().pax(&[("uid", b"0x10")]).file("ids", b"").end()),
        ("pax mtime fraction", Tar::new().pax(&[("mtime", b"1700000000.123456789123")]).file("t", b"").end()),
        ("pax mtime garbage", Tar::new().pax(&[("mtime", b"1.2e3")]).file("t", b"").end()),
        ("pax mtime no seconds", Tar::new().pax(&[("mtime", b".5")]).file("t", b"").end()),
        (
            "pax unknown keys ignored",
            Tar::new().pax(&[("comment", b"a\0b"), ("SCHILY.xattr.user.k", b"v")]).file("u", b"").end(),
        ),
        (
            "pax duplicate keys: last wins",
            Tar::new().pax(&[("path", b"first"), ("path", b"second")]).file("ustar", b"").end(),
        ),
        (
            "two pax headers: only the last counts",
            Tar::new().pax(&[("path", b"from-first"), ("uid", b"7")]).pax(&[("gid", b"9")]).file("ustar", b"").end(),
        ),
        ("pax path with NUL", Tar::new().pax(&[("path", b"a\0b")]).file("ustar", b"").end()),
        ("pax key with NUL", Tar::new().pax(&[("ke\0y", b"v")]).file("ustar", b"").end()),
        ("pax empty key", Tar::new().special(b'x', b"6 =ab\n").file("ustar", b"").end()),
        ("pax record too long", Tar::new().special(b'x', b"99 path=a\n").file("ustar", b"").end()),
        ("pax record too short", Tar::new().special(b'x', b"3 a\n").file("ustar", b"").end()),
        ("pax record length leading zeros", Tar::new().special(b'x', b"0000000012 path=a\n").file("u", b"").end()),
        ("pax record length all zeros", Tar::new().special(b'x', b"0000000005 a=b\n").file("u", b"").end()),
        ("pax record length with plus", Tar::new().special(b'x', b"+11 path=a\n").file("u", b"").end()),
        ("pax record no newline", Tar::new().special(b'x', b"11 path=ab").file("u", b"").end()),
        ("pax record no equals", Tar::new().special(b'x', b"9 pathx\n").file("u", b"").end()),
        ("pax record newline only by length", Tar::new().special(b'x', b"13 path=a\nb\n").file("u", b"").end()),
        ("pax header over 1 MiB", Tar::new().pax(&[("comment", &vec![b'a'; 1 << 20])]).file("u", b"").end()),
        ("pax header at the end of input", Tar::new().file("a", b"").pax(&[("path", b"b")]).bytes),
        ("gnu long name", Tar::new().special(b'L', long.as_bytes()).file("short", b"x").end()),
        ("gnu long name with NUL", Tar::new().special(b'L', b"abc\0def\0").file("short", b"").end()),
        ("gnu long name empty", Tar::new().special(b'L', b"\0").file("short", b"").end()),
        (
            "gnu long link",
            Tar::new().special(b'K', "t/".repeat(90).as_bytes()).entry(&Header::ustar(b"lnk", b'2', 0), b"").end(),
        ),
        (
            "gnu long name beats pax path",
            Tar::new().pax(&[("path", b"from-pax")]).special(b'L', b"from-gnu\0").file("ustar", b"").end(),
        ),
        (
            "pax path beats ustar, gnu long name before it",
            Tar::new().special(b'L', b"from-gnu\0").pax(&[("path", b"from-pax")]).file("ustar", b"").end(),
        ),
        ("gnu long name over 1 MiB", Tar::new().special(b'L', &vec![b'a'; (1 << 20) + 1]).file("u", b"").end()),
        ("global header", Tar::new().special(b'g', &pax_record("path", b"global-name")).file("after", b"").end()),
        (
            "global header does not apply to the next entry",
            Tar::new().special(b'g', &pax_record("uid", b"42")).file("after", b"").end(),
        ),
        (
            "pax header before a global header is dropped",
            Tar::new().pax(&[("path", b"lost")]).special(b'g', b"").file("after", b"").end(),
        ),
        (
            "global header with a bad record",
            Tar::new().special(b'g', &pax_record("uid", b"x")).file("after", b"").end(),
        ),
        (
            "global header named as a whiteout",
            Tar::new().special(b'g', &pax_record("path", b"usr/.wh.victim")).file("after", b"").end(),
        ),
        ("NUL in ustar name", Tar::new().file("abc\0def", b"").end()),
        ("newline in ustar name", Tar::new().file("a\nb", b"").end()),
        ("prefix field", {
            let mut h = file_header(b"name", 1);
            h.set(PREFIX, b"some/prefix");
            Tar::new().entry(&h, b"z").end()
        }),
        ("prefix ignored in v7 header", {
            let mut h = file_header(b"name", 0);
            h.set(PREFIX, b"ignored").set(support::MAGIC, b"").set(support::VERSION, b"");
            Tar::new().entry(&h, b"").end()
        }),
        ("gnu header: no prefix", {
            let mut h = Header::gnu(b"name", b'0', 0);
            h.set(PREFIX, b"");
            Tar::new().entry(&h, b"").end()
        }),
        ("gnu header with unreadable atime: prefix used", {
            let mut h = Header::gnu(b"name", b'0', 0);
            h.set(PREFIX, b"pre/fix");
            Tar::new().entry(&h, b"").end()
        }),
        ("star header", {
            let mut h = file_header(b"name", 0);
            h.set(345..476, b"star/prefix");
            h.bytes[508..512].copy_from_slice(b"tar\0");
            Tar::new().entry(&h, b"").end()
        }),
        ("base-256 size", {
            let mut h = file_header(b"big", 0);
            h.base256(SIZE, 10);
            Tar::new().entry(&h, b"0123456789").end()
        }),
        ("base-256 negative size", {
            let mut h = file_header(b"neg", 0);
            h.base256(SIZE, -1);
            Tar::new().entry(&h, b"").end()
        }),
        ("base-256 negative size on a directory", {
            let mut h = Header::ustar(b"d/", b'5', 0);
            h.base256(SIZE, -1);
            Tar::new().entry(&h, b"").end()
        }),
        ("base-256 uid gid and mode", {
            let mut h = file_header(b"ids", 0);
            h.base256(UID, 70000).base256(GID, -2).base256(MODE, 0o104755);
            Tar::new().entry(&h, b"").end()
        }),
        ("base-256 overflow", {
            let mut h = file_header(b"o", 0);
            h.bytes[SIZE].fill(0xff);
            h.bytes[124] = 0x80;
            Tar::new().entry(&h, b"").end()
        }),
        ("octal with spaces", {
            let mut h = file_header(b"sp", 0);
            h.set(MODE, b"  644 \0").set(SIZE, b"          1 ");
            Tar::new().entry(&h, b"x").end()
        }),
        ("octal with a sign", {
            let mut h = file_header(b"sg", 0);
            h.set(MODE, b"+644\0");
            Tar::new().entry(&h, b"").end()
        }),
        ("octal with a digit 8", {
            let mut h = file_header(b"d8", 0);
            h.set(UID, b"0000008\0");
            Tar::new().entry(&h, b"").end()
        }),
        ("octal garbage in mtime", {
            let mut h = file_header(b"mt", 0);
            h.set(support::MTIME, b"garbage\0");
            Tar::new().entry(&h, b"").end()
        }),
        ("octal garbage in devmajor", {
            let mut h = file_header(b"dev", 0);
            h.set(329..337, b"zz\0");
            Tar::new().entry(&h, b"").end()
        }),
        ("bad checksum", {
            let mut h = file_header(b"c", 0);
            h.raw_checksum = true;
            h.set(support::CHKSUM, b"0000001\0");
            Tar::new().entry(&h, b"").end()
        }),
        ("signed checksum", {
            let mut h = file_header(&[b'n', 0xe9], 0);
            h.raw_checksum = true;
            let mut b = h.block();
            b[support::CHKSUM].copy_from_slice(b"        ");
            let signed: i64 = b.iter().map(|&c| i64::from(c as i8)).sum();
            h.set(support::CHKSUM, format!("{signed:06o}\0 ").as_bytes());
            Tar::new().entry(&h, b"").end()
        }),
        ("zero block then a header", Tar::new().raw(&[0; 512]).file("hidden", b"").end()),
        ("single zero block at the end", Tar::new().file("a", b"").raw(&[0; 512]).bytes),
        ("no end blocks", Tar::new().file("a", b"abc").bytes),
        ("truncated content", Tar::new().file("a", b"abc").bytes[..514].to_vec()),
        ("truncated padding", Tar::new().file("a", b"abc").bytes[..520].to_vec()),
        ("truncated header", Tar::new().file("a", b"").bytes[..300].to_vec()),
        ("garbage after the end", {
            let mut t = Tar::new().file("a", b"").end();
            t.extend_from_slice(&[0xaa; 512]);
            t
        }),
        ("directory with a size has no content", {
            let hidden = Header::ustar(b"hidden-file", b'0', 0).block();
            Tar::new().entry(&Header::ustar(b"dir/", b'5', 512), b"").raw(&hidden).end()
        }),
        ("symlink with a size has no content", {
            let mut h = Header::ustar(b"sym", b'2', 512);
            h.set(LINKNAME, b"target");
            let hidden = Header::ustar(b"hidden-file", b'0', 0).block();
            Tar::new().entry(&h, b"").raw(&hidden).end()
        }),
        ("pre-POSIX type with a trailing slash is a directory", {
            let hidden = Header::ustar(b"hidden-file", b'0', 0).block();
            Tar::new().entry(&Header::ustar(b"olddir/", 0, 512), b"").raw(&hidden).end()
        }),
        ("pre-POSIX regular file", Tar::new().entry(&Header::ustar(b"oldfile", 0, 2), b"hi").end()),
        ("contiguous and vendor types", {
            Tar::new().entry(&Header::ustar(b"c", b'7', 1), b"c").entry(&Header::ustar(b"v", b'V', 1), b"v").end()
        }),
        ("pax size on a directory", Tar::new().pax(&[("size", b"512")]).dir("d/").file("after", b"").end()),
        ("long name in the ustar name field", Tar::new().file(&"n".repeat(100), b"").end()),
        ("pax path with a trailing slash on a regular file", Tar::new().pax(&[("path", b"p/")]).file("u", b"").end()),
        (
            "unknown GNU sparse version is a regular file",
            Tar::new()
                .pax(&[("GNU.sparse.major", b"2"), ("GNU.sparse.minor", b"0"), ("GNU.sparse.name", b"sparse-name")])
                .file("regular", b"abc")
                .end(),
        ),
        ("gnu sparse offsets out of order", {
            Tar::new().pax(&[("GNU.sparse.numbytes", b"1"), ("GNU.sparse.offset", b"0")]).file("s", b"").end()
        }),
    ];
    cases.extend(sparse_cases());
    cases
}

/// A GNU PAX 1.0 sparse file: the map (decimal lines, padded to whole blocks) before the data.
fn sparse_1x0(map: &str, data: &[u8], real_size: &str) -> Vec<u8> {
    let mut content = map.as_bytes().to_vec();
    content.resize(content.len().div_ceil(512) * 512, 0);
    content.extend_from_slice(data);
    Tar::new()
        .pax(&[("GNU.sparse.major", b"1"), ("GNU.sparse.minor", b"0"), ("GNU.sparse.realsize", real_size.as_bytes())])
        .entry(&file_header(b"GNUSparseFile.0/y", content.len() as u64), &content)
        .end()
}

/// An old GNU sparse (`S`) header of `entries` (offset, length) and real size; more than four
/// entries go to one extension block.
fn old_gnu_sparse(entries: &[(u64, u64)], real_size: u64, data: &[u8]) -> Vec<u8> {
    let mut h = Header::gnu(b"old-sparse", b'S', data.len() as u64);
    for (i, &(offset, length)) in entries.iter().take(4).enumerate() {
        h.octal(386 + i * 24..398 + i * 24, offset).octal(398 + i * 24..410 + i * 24, length);
    }
    h.octal(483..495, real_size);
    let mut tar = Tar::new();
    if entries.len() > 4 {
        h.bytes[482] = 1;
        let mut ext = [0u8; 512];
        for (i, &(offset, length)) in entries[4..].iter().enumerate() {
            ext[i * 24..i * 24 + 12].copy_from_slice(format!("{offset:011o}\0").as_bytes());
            ext[i * 24 + 12..i * 24 + 24].copy_from_slice(format!("{length:011o}\0").as_bytes());
        }
        tar.bytes.extend_from_slice(&h.block());
        return tar.raw(&ext).raw(data).raw(&vec![0; data.len().wrapping_neg() % 512]).end();
    }
    tar = tar.entry(&h, data);
    tar.end()
}

/// Sparse files in every format Go reads, and broken ones.
fn sparse_cases() -> Vec<(&'static str, Vec<u8>)> {
    let pax01 = |map: &[u8], blocks: &[u8], size: &[u8], data: &[u8]| {
        Tar::new()
            .pax(&[
                ("GNU.sparse.numblocks", blocks),
                ("GNU.sparse.map", map),
                ("GNU.sparse.name", b"real-name"),
                ("GNU.sparse.size", size),
            ])
            .entry(&file_header(b"GNUSparseFile.0/x", data.len() as u64), data)
            .end()
    };
    let long_token = format!("1\n{}4\n3\n", "0".repeat(600));
    vec![
        ("sparse: pax 0.1", pax01(b"4,3", b"1", b"10", b"abc")),
        ("sparse: pax 0.1 two fragments", pax01(b"0,2,8,2", b"2", b"10", b"abcd")),
        ("sparse: no version and an empty map is a regular file", pax01(b"", b"0", b"5", b"")),
        (
            "sparse: pax 0.1 empty map",
            Tar::new()
                .pax(&[
                    ("GNU.sparse.major", b"0"),
                    ("GNU.sparse.minor", b"1"),
                    ("GNU.sparse.numblocks", b"0"),
                    ("GNU.sparse.realsize", b"5"),
                ])
                .file("holes-only", b"")
                .end(),
        ),
        ("sparse: pax 0.1 zero-length fragment", pax01(b"2,0,4,1", b"2", b"6", b"z")),
        ("sparse: pax 0.1 overlapping", pax01(b"0,4,2,2", b"2", b"10", b"abcdef")),
        ("sparse: pax 0.1 past the size", pax01(b"8,4", b"1", b"10", b"abcd")),
        ("sparse: pax 0.1 count mismatch", pax01(b"4,3", b"2", b"10", b"abc")),
        (
            "sparse: pax 0.1 negative count",
            Tar::new()
                .pax(&[("GNU.sparse.major", b"0"), ("GNU.sparse.minor", b"1"), ("GNU.sparse.numblocks", b"-1")])
                .file("s", b"")
                .end(),
        ),
        ("sparse: pax 0.1 bad size", pax01(b"4,3", b"1", b"ten", b"abc")),
        ("sparse: pax 0.1 data missing", pax01(b"4,3", b"1", b"10", b"ab")),
        ("sparse: pax 0.1 data unreferenced", pax01(b"4,3", b"1", b"10", b"abcd")),
        (
            "sparse: pax 0.0 offset and numbytes records",
            Tar::new()
                .pax(&[
                    ("GNU.sparse.size", b"9"),
                    ("GNU.sparse.numblocks", b"2"),
                    ("GNU.sparse.offset", b"1"),
                    ("GNU.sparse.numbytes", b"2"),
                    ("GNU.sparse.offset", b"6"),
                    ("GNU.sparse.numbytes", b"1"),
                ])
                .file("sparse-0.0", b"xyz")
                .end(),
        ),
        (
            "sparse: pax 0.1 version without numblocks",
            Tar::new().pax(&[("GNU.sparse.major", b"0"), ("GNU.sparse.minor", b"1")]).file("s", b"").end(),
        ),
        (
            "sparse: name beats gnu long name",
            Tar::new()
                .special(b'L', b"long-name\0")
                .pax(&[("GNU.sparse.map", b"0,1"), ("GNU.sparse.numblocks", b"1"), ("GNU.sparse.name", b"sparse-name")])
                .file("ustar", b"q")
                .end(),
        ),
        (
            "sparse: on a directory",
            Tar::new().pax(&[("GNU.sparse.map", b"0,0"), ("GNU.sparse.numblocks", b"1")]).dir("d/").end(),
        ),
        ("sparse: pax 1.0", sparse_1x0("1\n2\n3\n", b"abc", "10")),
        ("sparse: pax 1.0 two fragments", sparse_1x0("2\n0\n1\n5\n2\n", b"abc", "8")),
        ("sparse: pax 1.0 map across blocks", sparse_1x0(&long_token, b"abc", "10")),
        ("sparse: pax 1.0 negative count", sparse_1x0("-1\n", b"", "10")),
        ("sparse: pax 1.0 bad number", sparse_1x0("1\n2x\n3\n", b"abc", "10")),
        ("sparse: pax 1.0 map longer than the content", sparse_1x0("3\n1\n1\n", b"", "10")),
        ("sparse: old GNU", old_gnu_sparse(&[(0, 3)], 8, b"abc")),
        (
            "sparse: old GNU with an extension block",
            old_gnu_sparse(&[(0, 1), (2, 1), (4, 1), (6, 1), (8, 2)], 12, b"abcdef"),
        ),
        ("sparse: old GNU past the real size", old_gnu_sparse(&[(6, 3)], 8, b"abc")),
        ("sparse: old GNU in a ustar header", {
            let mut h = file_header(b"s", 0);
            h.bytes[support::TYPEFLAG] = b'S';
            Tar::new().entry(&h, b"").end()
        }),
    ]
}

#[test]
fn reader_lists_every_edge_case_as_go_archive_tar_does() {
    let dir = tempfile::tempdir().unwrap();
    let Some(lister) = build_go_lister(dir.path()) else {
        return;
    };
    let cases = cases();
    let paths: Vec<PathBuf> = cases
        .iter()
        .enumerate()
        .map(|(i, (_, tar))| {
            let p = dir.path().join(format!("case-{i}.tar"));
            std::fs::write(&p, tar).unwrap();
            p
        })
        .collect();
    let out = Command::new(&lister).args(&paths).output().unwrap();
    assert!(out.status.success(), "golister: {}", String::from_utf8_lossy(&out.stderr));
    let go: Vec<Vec<Value>> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(go.len(), cases.len());
    let mut failures = Vec::new();
    let mut go_errors = 0;
    for ((name, tar), go) in cases.iter().zip(&go) {
        let ours = rust_listing(tar);
        let is_error = |list: &[Value]| list.last().is_some_and(|e| e.get("error").is_some());
        let go_error = is_error(go);
        go_errors += usize::from(go_error);
        let entries = |list: &[Value]| list.iter().filter(|e| e.get("error").is_none()).cloned().collect::<Vec<_>>();
        if go_error != is_error(&ours) || entries(go) != entries(&ours) {
            failures.push(format!("{name}:\n  go   {go:?}\n  ours {ours:?}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
    // The cases exercise both sides: archives Go reads and archives Go rejects.
    assert!(go_errors >= 30 && cases.len() - go_errors >= 50, "{go_errors} errors in {} cases", cases.len());
}
