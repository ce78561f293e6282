//! Hostile images made on the fly: every one ends with exit code 2 and one clear line naming the
//! file and the problem, no panic, nothing written anywhere.

use std::io::Write;

use serde_json::json;

use crate::support::{Layer, OciArchive, RawEntry, Scratch, gzip, gzip_level, hullguard, required, sha256, tar};

/// Run `inspect --files` on `archive` in the scratch dir; assert exit 2, one line containing
/// `expect`, and that the scratch dir still holds only the input.
fn rejects(s: &Scratch, archive: &str, expect: &str) -> String {
    let before = s.files();
    let out = hullguard(s.dir.path(), &["inspect", archive, "--files"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{archive}: {err}");
    assert!(out.stdout.is_empty(), "no output on error");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("hullguard: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(expect), "expected {expect:?} in {err}");
    assert_eq!(s.files(), before, "nothing written");
    err
}

fn layer_archive(s: &Scratch, name: &str, entries: &[RawEntry]) -> String {
    OciArchive::new(vec![Layer::gzip(entries)]).write(&s.path(name)).display().to_string()
}

#[test]
fn path_traversal_and_absolute_names() {
    let s = Scratch::new();
    let a = layer_archive(&s, "dotdot.tar", &[RawEntry::file("../../../tmp/hullguard-pwned", b"x")]);
    rejects(&s, &a, "escapes the root");
    let a = layer_archive(&s, "abs.tar", &[RawEntry::file("/tmp/hullguard-pwned", b"x")]);
    rejects(&s, &a, "absolute path \"/tmp/hullguard-pwned\" in layer");
    assert!(!std::path::Path::new("/tmp/hullguard-pwned").exists());
}

#[test]
fn link_escapes_and_loops() {
    let s = Scratch::new();
    let a = layer_archive(&s, "sym.tar", &[RawEntry::dir("app"), RawEntry::symlink("app/passwd", "../../etc/passwd")]);
    rejects(&s, &a, "symlink app/passwd -> ../../etc/passwd points outside the image root");
    let a = layer_archive(&s, "hard.tar", &[RawEntry::hardlink("shadow", "../etc/shadow")]);
    rejects(&s, &a, "hard link shadow -> ../etc/shadow points outside the image root");
    let a = layer_archive(&s, "hard-missing.tar", &[RawEntry::hardlink("x", "etc/shadow")]);
    rejects(&s, &a, "target is not a file earlier in this layer");
    let a = layer_archive(
        &s,
        "loop.tar",
        &[RawEntry::symlink("a", "b"), RawEntry::symlink("b", "c"), RawEntry::symlink("c", "a")],
    );
    rejects(&s, &a, "symlink loop at /a");
    // The summary builds the merged view too, so it refuses the loop as well.
    let out = hullguard(s.dir.path(), &["inspect", &a]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn duplicate_conflicting_and_non_utf8_entries() {
    let s = Scratch::new();
    let a =
        layer_archive(&s, "dup.tar", &[RawEntry::file("etc/passwd", b"root"), RawEntry::file("etc/passwd", b"evil")]);
    rejects(&s, &a, "duplicate entry etc/passwd in layer");
    let a = layer_archive(&s, "conflict.tar", &[RawEntry::file("etc", b"x"), RawEntry::file("etc/passwd", b"y")]);
    rejects(&s, &a, "conflicting entries: etc/passwd is inside etc, which is not a directory");
    let mut bad = RawEntry::file("x", b"1");
    bad.name = b"caf\xe9".to_vec();
    let a = layer_archive(&s, "latin1.tar", &[bad]);
    rejects(&s, &a, "entry name is not UTF-8");
    // A repeated directory entry is harmless and accepted.
    let a = layer_archive(&s, "dirs.tar", &[RawEntry::dir("etc"), RawEntry::dir("etc")]);
    let out = hullguard(s.dir.path(), &["inspect", &a, "--files"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn digest_size_and_missing_blobs() {
    let s = Scratch::new();
    let layer = Layer::gzip(&[RawEntry::file("hello", b"hello")]);
    // Same size, one byte changed inside the gzip stream's trailer region of the blob.
    let mut tampered = OciArchive::new(vec![Layer::gzip(&[RawEntry::file("hello", b"hello")])]);
    let (name, blob) = &mut tampered.files[0];
    let keep = name.clone();
    let n = blob.len();
    blob[n - 5] ^= 0xff; // inside the CRC32: decompression or digest check must fail
    tampered.files[0].0 = keep;
    let a = tampered.write(&s.path("digest.tar")).display().to_string();
    let err = rejects(&s, &a, "layer 0 (blobs/sha256/");
    assert!(err.contains("mismatch") || err.contains("corrupt") || err.contains("invalid"), "{err}");

    // A blob whose content does not match its name, but still decompresses fine.
    let mut arch = OciArchive::new(vec![Layer::gzip(&[RawEntry::file("hello", b"hello")])]);
    let other = gzip(&tar(&[RawEntry::file("hellO", b"hello")]));
    arch.manifest["layers"][0]["size"] = json!(other.len());
    arch.files[0].1 = other;
    let a = arch.write(&s.path("digest2.tar")).display().to_string();
    rejects(&s, &a, "digest mismatch: expected sha256:");

    let mut arch = OciArchive::new(vec![Layer::gzip(&[RawEntry::file("hello", b"hello")])]);
    arch.manifest["layers"][0]["size"] = json!(layer.blob.len() + 7);
    let a = arch.write(&s.path("size.tar")).display().to_string();
    rejects(&s, &a, "size mismatch: manifest says");

    let mut arch = OciArchive::new(vec![Layer::gzip(&[RawEntry::file("hello", b"hello")])]);
    arch.files.clear();
    let a = arch.write(&s.path("missing.tar")).display().to_string();
    rejects(&s, &a, "blob missing from the image");

    let mut arch = OciArchive::new(vec![Layer::gzip(&[RawEntry::file("hello", b"hello")])]);
    arch.config["rootfs"]["diff_ids"][0] = json!(format!("sha256:{}", sha256(b"other")));
    let a = arch.write(&s.path("diffid.tar")).display().to_string();
    rejects(&s, &a, "diff_id mismatch: config says");

    let mut arch = OciArchive::new(vec![Layer::gzip(&[RawEntry::file("hello", b"hello")])]);
    arch.manifest["layers"][0]["mediaType"] = json!("application/vnd.oci.image.layer.v1.tar+zstd");
    let a = arch.write(&s.path("mediatype.tar")).display().to_string();
    rejects(&s, &a, "media type says zstd but the content is gzip");
}

#[test]
fn truncated_blobs_and_tars() {
    let s = Scratch::new();
    let big: Vec<u8> = (0..200_000u32).flat_map(|i| (i.wrapping_mul(2_654_435_761)).to_le_bytes()).collect();
    let mut arch = OciArchive::new(vec![Layer::gzip(&[RawEntry::file("big", &big)])]);
    let blob = &mut arch.files[0].1;
    blob.truncate(blob.len() / 2);
    let (d, n) = (format!("sha256:{}", sha256(blob)), blob.len());
    arch.files[0].0 = format!("blobs/sha256/{}", &d[7..]);
    arch.manifest["layers"][0]["digest"] = json!(d);
    arch.manifest["layers"][0]["size"] = json!(n);
    let a = arch.write(&s.path("trunc-gz.tar")).display().to_string();
    rejects(&s, &a, "unexpected end of data");

    // An uncompressed layer tar cut in the middle of a file.
    let mut t = tar(&[RawEntry::file("big", &big)]);
    t.truncate(4096);
    let diff = format!("sha256:{}", sha256(&t));
    let layer = Layer { blob: t, diff_id: diff, media_type: "application/vnd.oci.image.layer.v1.tar".into() };
    let a = OciArchive::new(vec![layer]).write(&s.path("trunc-tar.tar")).display().to_string();
    rejects(&s, &a, "layer 0");

    // The outer archive cut short.
    let whole = std::fs::read(crate::support::image("secrets-layers.oci.tar")).unwrap();
    std::fs::write(s.path("cut.tar"), &whole[..whole.len() / 2 + 100]).unwrap();
    rejects(&s, &s.path("cut.tar").display().to_string(), "");
}

#[test]
fn garbage_empty_and_bad_json() {
    let s = Scratch::new();
    std::fs::write(s.path("empty.tar"), b"").unwrap();
    rejects(&s, &format!("oci-archive:{}", s.path("empty.tar").display()), "empty file");
    let garbage: Vec<u8> = (0..10_000u32).map(|i| (i.wrapping_mul(7919) % 251) as u8).collect();
    std::fs::write(s.path("garbage.tar"), &garbage).unwrap();
    rejects(&s, &s.path("garbage.tar").display().to_string(), "not a valid tar archive");
    std::fs::write(s.path("Dockerfile"), b"FROM scratch\n").unwrap();
    rejects(&s, &format!("docker-archive:{}", s.path("Dockerfile").display()), "Dockerfile: not a valid tar archive");
}

#[test]
fn json_documents() {
    let s = Scratch::new();
    let mut arch = OciArchive::new(vec![Layer::gzip(&[RawEntry::file("a", b"a")])]);
    arch.index = json!("not an index");
    let a = arch.write(&s.path("badindex.tar")).display().to_string();
    rejects(&s, &a, "index.json: invalid JSON");

    let mut arch = OciArchive::new(vec![Layer::gzip(&[RawEntry::file("a", b"a")])]);
    arch.manifest["config"]["digest"] = json!(format!("sha256:{}", "0".repeat(64)));
    arch.manifest["config"]["size"] = json!(1u64 << 40);
    let a = arch.write(&s.path("hugejson.tar")).display().to_string();
    rejects(&s, &a, "declared size 1099511627776 bytes exceeds the 16777216 byte limit for JSON documents");

    // index -> index -> ... deeper than the limit.
    let mut arch = OciArchive::new(vec![Layer::gzip(&[RawEntry::file("a", b"a")])]);
    let (cd, cn) = arch.add_blob(serde_json::to_vec(&arch.config).unwrap());
    arch.manifest["config"]["digest"] = json!(cd);
    arch.manifest["config"]["size"] = json!(cn);
    let (mut d, mut n) = arch.add_blob(serde_json::to_vec(&arch.manifest).unwrap());
    let mut media = "application/vnd.oci.image.manifest.v1+json";
    for _ in 0..6 {
        let nested = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{"mediaType": media, "digest": d, "size": n, "platform": {"os": "linux", "architecture": "amd64"}}]});
        (d, n) = arch.add_blob(serde_json::to_vec(&nested).unwrap());
        media = "application/vnd.oci.image.index.v1+json";
    }
    arch.index = json!({"schemaVersion": 2, "manifests": [{"mediaType": media, "digest": d, "size": n}]});
    let a = arch.write(&s.path("deep.tar")).display().to_string();
    rejects(&s, &a, "image indexes nested deeper than 4");
}

/// A gzip stream that expands about 1000× (zeros): one tar header, then `members` gzip members of
/// 64 MiB of zeros each.
fn bomb(members: usize) -> Vec<u8> {
    const CHUNK: usize = 64 << 20;
    let total = (CHUNK * members) as u64;
    let mut header = tar(&[RawEntry::file("zeros", b"")]);
    header.truncate(512);
    // Patch the size field and checksum for a `total`-byte file.
    let size = format!("{:011o}\0", total - 512);
    header[124..136].copy_from_slice(size.as_bytes());
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let zeros = vec![0u8; CHUNK];
    let mut first = header;
    first.extend_from_slice(&zeros[..CHUNK - 1024]);
    let mut out = gzip_level(&first, 9);
    let member = gzip_level(&zeros, 9);
    for _ in 1..members {
        out.write_all(&member).unwrap();
    }
    out
}

pub fn peak_rss_kib(s: &Scratch, args: &[&str]) -> (i32, String, u64) {
    let bin = assert_cmd::cargo::cargo_bin("hullguard");
    let out = std::process::Command::new("/usr/bin/time")
        .arg("-f")
        .arg("PEAK_RSS_KIB=%M")
        .arg(bin)
        .args(args)
        .current_dir(s.dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let rss = err.lines().find_map(|l| l.strip_prefix("PEAK_RSS_KIB=")).unwrap().trim().parse().unwrap();
    let msg = err
        .lines()
        .filter(|l| !l.starts_with("PEAK_RSS_KIB=") && !l.starts_with("Command exited"))
        .collect::<Vec<_>>()
        .join("\n");
    (out.status.code().unwrap_or(-1), msg, rss)
}

#[test]
fn decompression_bomb_is_refused_in_bounded_memory() {
    if !required("/usr/bin/time") {
        return;
    }
    let s = Scratch::new();
    let blob = bomb(32); // 2 GiB of zeros from about 2 MB
    assert!(blob.len() < 4 << 20, "{}", blob.len());
    let layer = Layer {
        blob,
        diff_id: format!("sha256:{}", "1".repeat(64)),
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
    };
    let a = OciArchive::new(vec![layer]).write(&s.path("bomb.tar")).display().to_string();
    let (code, msg, rss) = peak_rss_kib(&s, &["inspect", &a]);
    assert_eq!(code, 2, "{msg}");
    assert!(msg.starts_with("hullguard: ") && msg.contains("decompression bomb: more than 200x expansion"), "{msg}");
    assert!(rss < 100 * 1024, "peak RSS {rss} KiB on the bomb");
    eprintln!("bomb refused at peak RSS {rss} KiB: {msg}");
    // With the ratio cap lifted, the total size cap stops it.
    let (code, msg, rss) =
        peak_rss_kib(&s, &["inspect", &a, "--max-expansion-ratio", "100000", "--max-image-size", "536870912"]);
    assert_eq!(code, 2, "{msg}");
    assert!(msg.contains("image expands beyond the 536870912 byte limit"), "{msg}");
    assert!(rss < 100 * 1024, "peak RSS {rss} KiB with only the size cap");
    assert_eq!(s.files(), ["bomb.tar"]);
}

/// Tar headers are read as Docker (Go's archive/tar) reads them: a PAX path with a newline names
/// the entry, and a PAX record Go rejects ends the scan with exit 2.
#[test]
fn tar_headers_read_as_docker_reads_them() {
    let s = Scratch::new();
    let pax = |data: &[u8]| RawEntry {
        name: b"PaxHeaders/x".to_vec(),
        kind: b'x',
        link: Vec::new(),
        mode: 0o644,
        data: data.to_vec(),
    };
    let status = RawEntry::file("var/lib/dpkg/status", b"Package: fake\n");
    let a = layer_archive(&s, "newline.tar", &[pax(b"15 path=tmp/x\n\n"), status]);
    let doc = crate::support::hullguard_json(&["inspect", &a, "--files", "-f", "json"]);
    let paths: Vec<&str> = doc["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["/tmp/x\n"]);
    let status = RawEntry::file("var/lib/dpkg/status", b"Package: fake\n");
    let a = layer_archive(&s, "bad-pax.tar", &[pax(b"99 path=tmp/x\n"), status]);
    rejects(&s, &a, "invalid tar header: bad PAX record");
}
