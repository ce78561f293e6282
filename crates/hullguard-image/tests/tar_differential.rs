//! Differential test of the tar reader against Go's `archive/tar` (the reader of Docker and
//! containerd): generated edge-case archives are listed by both, entry by entry, and must agree on
//! name, link name, size, type, mode, uid, gid and content, and on whether the archive is an error.
//! The only permitted difference: sparse files, which hullguard refuses (`Unsupported`).

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use hullguard_image::ErrorKind;
use hullguard_image::tar_reader::TarReader;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use support::{GID, Header, LINKNAME, MODE, PREFIX, SIZE, Tar, UID, pax_record};

/// Build `tests/golister` with the Go toolchain into `dir`; `None` (test skipped) without Go,
/// which CI must have.
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
        .env("GOCACHE", dir.join("gocache"))
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
fn rust_listing(tar: &[u8]) -> (Vec<Value>, Option<ErrorKind>) {
    let mut bytes = tar;
    let mut reader = TarReader::new("case", &mut bytes as &mut dyn Read);
    let mut entries = Vec::new();
    loop {
        match reader.next_header() {
            Ok(None) => return (entries, None),
            Ok(Some(h)) => {
                let mut content = Vec::new();
                if let Err(e) = reader.read_to_end(&mut content) {
                    entries.push(json!({"error": e.to_string()}));
                    return (entries, Some(ErrorKind::Malformed));
                }
                entries.push(json!({
                    "type": h.typeflag, "name": hex(&h.name), "linkname": hex(&h.linkname), "size": h.size,
                    "mode": h.mode, "uid": h.uid, "gid": h.gid, "sha256": hex(&Sha256::digest(&content)),
                }));
            }
            Err(e) => {
                entries.push(json!({"error": e.to_string()}));
                return (entries, Some(e.kind()));
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

/// Sparse files, which Go expands and hullguard refuses.
fn sparse_cases() -> Vec<(&'static str, Vec<u8>)> {
    let mut old = Header::gnu(b"old-sparse", b'S', 3);
    old.octal(386..398, 0); // first sparse entry: offset 0 ...
    old.octal(398..410, 3); // ... length 3
    old.octal(483..495, 8); // real size
    vec![
        (
            "sparse: pax 0.1",
            Tar::new()
                .pax(&[
                    ("GNU.sparse.numblocks", b"1"),
                    ("GNU.sparse.map", b"4,3"),
                    ("GNU.sparse.name", b"real-name"),
                    ("GNU.sparse.size", b"10"),
                ])
                .file("GNUSparseFile.0/x", b"abc")
                .end(),
        ),
        (
            "sparse: pax 1.0",
            Tar::new()
                .pax(&[("GNU.sparse.major", b"1"), ("GNU.sparse.minor", b"0"), ("GNU.sparse.realsize", b"10")])
                .entry(&file_header(b"GNUSparseFile.0/y", 515), &[b"1\n2\n3\n".as_slice(), &[0; 506], b"abc"].concat())
                .end(),
        ),
        ("sparse: old GNU", Tar::new().entry(&old, b"abc").end()),
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
        let (ours, error) = rust_listing(tar);
        let go_error = go.last().is_some_and(|e| e.get("error").is_some());
        go_errors += usize::from(go_error);
        let entries = |list: &[Value]| list.iter().filter(|e| e.get("error").is_none()).cloned().collect::<Vec<_>>();
        if name.starts_with("sparse:") {
            // Go expands sparse files; hullguard must refuse them rather than read them otherwise.
            if go_error || error != Some(ErrorKind::Unsupported) {
                failures.push(format!("{name}: go {go:?}\n  ours {ours:?}"));
            }
        } else if go_error != error.is_some() || entries(go) != entries(&ours) {
            failures.push(format!("{name}:\n  go   {go:?}\n  ours {ours:?}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
    // The cases exercise both sides: archives Go reads and archives Go rejects.
    assert!(go_errors >= 20 && cases.len() - go_errors >= 40, "{go_errors} errors in {} cases", cases.len());
}
