//! Hostile layers read end to end: a layer may only change what Docker's extraction would change.
//! Whatever the tar reader cannot read exactly as Go's `archive/tar` does ends the read with an
//! error, never with another reading of the bytes.

mod support;

use std::io::Read;
use std::path::PathBuf;

use hullguard_image::layer::walk_layer;
use hullguard_image::source::store::{BlobStore, TarStore, read_json_file};
use hullguard_image::{
    EntryKind, EntryVisitor, ErrorKind, LayerEntry, Limits, Listing, MergedFs, ReadOptions, SourceSpec, read_image,
};
use support::{Header, Tar, docker_archive};

const REAL_STATUS: &[u8] = b"Package: base-files\nStatus: install ok installed\nVersion: 12.4\n\n\
Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\n\n\
Package: python3-django\nStatus: install ok installed\nVersion: 3:3.2.19-1\n";

/// One layer's entries and the content of its `var/lib/dpkg/status`, if it has one.
type LayerWithStatus = (Vec<LayerEntry>, Option<Vec<u8>>);

/// Collects a [`LayerWithStatus`].
#[derive(Default)]
struct WithStatus(Vec<LayerEntry>, Option<Vec<u8>>);

impl EntryVisitor for WithStatus {
    type Output = LayerWithStatus;
    fn entry(&mut self, entry: &LayerEntry, content: &mut dyn Read) -> hullguard_image::Result<()> {
        if entry.path == "var/lib/dpkg/status" && entry.kind == EntryKind::File {
            let mut buf = Vec::new();
            content.read_to_end(&mut buf).unwrap();
            self.1 = Some(buf);
        }
        self.0.push(entry.clone());
        Ok(())
    }
    fn finish(self) -> Self::Output {
        (self.0, self.1)
    }
}

fn read_with_status(layers: &[Vec<u8>]) -> hullguard_image::Result<Vec<LayerWithStatus>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.tar");
    docker_archive(layers, "test:1", &path);
    let spec = format!("docker-archive:{}", path.display());
    let source = SourceSpec::parse(&spec)?.open(None, &Limits::default())?;
    let image = read_image(source.as_ref(), &ReadOptions::default(), WithStatus::default)?;
    Ok(image.layers.iter().map(|l| l.output.as_ref().clone()).collect())
}

fn read(layers: &[Vec<u8>]) -> hullguard_image::Result<Vec<Vec<LayerEntry>>> {
    Ok(read_with_status(layers)?.into_iter().map(|(entries, _)| entries).collect())
}

fn shared_images() -> PathBuf {
    std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")), PathBuf::from)
        .join("images")
}

/// The uncompressed base layer of the real `debian-base` image.
fn debian_base_layer() -> Vec<u8> {
    let limits = Limits::default();
    let store = TarStore::open(&shared_images().join("bookworm-images.docker.tar"), &limits).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&read_json_file(&store, "manifest.json", None, &limits).unwrap()).unwrap();
    let image = manifest.as_array().unwrap().iter().find(|e| e["RepoTags"][0] == "debian-base:latest").unwrap();
    let mut tar = Vec::new();
    let blob = store.open(image["Layers"][0].as_str().unwrap()).unwrap();
    flate2::read::MultiGzDecoder::new(blob).read_to_end(&mut tar).unwrap();
    tar
}

fn base_layer() -> Vec<u8> {
    Tar::new()
        .dir("var/")
        .dir("var/lib/")
        .dir("var/lib/dpkg/")
        .file("var/lib/dpkg/status", REAL_STATUS)
        .dir("usr/")
        .dir("usr/lib/")
        .dir("usr/lib/python3/")
        .dir("usr/lib/python3/Django-3.2.dist-info/")
        .file("usr/lib/python3/Django-3.2.dist-info/METADATA", b"Name: Django\nVersion: 3.2\n")
        .end()
}

/// The PAX path (with a newline in it) names the entry, as Docker names it: the fake dpkg status
/// and the whiteout in the ustar name fields change nothing.
#[test]
fn pax_path_with_a_newline_is_the_name_docker_uses() {
    let planted = Tar::new()
        .pax(&[("path", b"tmp/decoy-status\n")])
        .file("var/lib/dpkg/status", b"Package: fake\nStatus: install ok installed\nVersion: 1\n")
        .pax(&[("path", b"tmp/decoy-whiteout\nx")])
        .file("usr/lib/python3/.wh.Django-3.2.dist-info", b"")
        .end();
    let layers = read(&[base_layer(), planted]).unwrap();
    let names: Vec<&str> = layers[1].iter().map(|e| e.path.as_str()).collect();
    assert_eq!(names, ["tmp/decoy-status\n", "tmp/decoy-whiteout\nx"]);
    let fs = MergedFs::build("test", layers.iter().map(Vec::as_slice)).unwrap();
    let status = fs.get("var/lib/dpkg/status").unwrap();
    assert_eq!((status.layer, status.entry.size), (0, REAL_STATUS.len() as u64));
    assert!(fs.get("usr/lib/python3/Django-3.2.dist-info/METADATA").is_some());
}

/// The attack on a real image: a layer whose ustar name fields plant a one-package
/// `var/lib/dpkg/status` under a PAX path with a newline leaves debian-base's 88 packages in place.
#[test]
fn real_debian_keeps_its_88_packages_under_a_planted_status() {
    let listed = std::fs::read_to_string(shared_images().join("debian-base.packages.txt")).unwrap();
    let want = listed.lines().filter(|l| !l.starts_with('#') && !l.starts_with("package\t")).count();
    assert_eq!(want, 88);
    let planted = Tar::new()
        .pax(&[("path", b"tmp/x\n")])
        .file("var/lib/dpkg/status", b"Package: fake\nStatus: install ok installed\nVersion: 1\n")
        .end();
    let layers = read_with_status(&[debian_base_layer(), planted]).unwrap();
    let entries: Vec<&[LayerEntry]> = layers.iter().map(|(e, _)| e.as_slice()).collect();
    let fs = MergedFs::build("test", entries).unwrap();
    let status = fs.get("var/lib/dpkg/status").unwrap();
    let content = layers[status.layer].1.as_ref().unwrap();
    let packages = String::from_utf8_lossy(content).lines().filter(|l| l.starts_with("Package: ")).count();
    assert_eq!((status.layer, packages), (0, want), "the status file and package count Docker sees");
}

/// A PAX path that does plant a whiteout (no newline trick needed once PAX is read) works as in Docker.
#[test]
fn pax_path_whiteout_deletes_as_in_docker() {
    let planted = Tar::new().pax(&[("path", b"usr/lib/python3/.wh.Django-3.2.dist-info")]).file("tmp/x", b"").end();
    let layers = read(&[base_layer(), planted]).unwrap();
    assert_eq!(layers[1][0].kind, EntryKind::Whiteout("usr/lib/python3/Django-3.2.dist-info".into()));
    let fs = MergedFs::build("test", layers.iter().map(Vec::as_slice)).unwrap();
    assert!(fs.get("usr/lib/python3/Django-3.2.dist-info/METADATA").is_none());
}

/// A PAX global header changes nothing, even named as a whiteout: Docker skips it unread
/// (`docker_extraction.rs` checks this against the Engine).
#[test]
fn global_headers_change_nothing() {
    let planted = Tar::new()
        .special(b'g', &support::pax_record("path", b"var/lib/dpkg/.wh.status"))
        .special(b'g', &support::pax_record("comment", b"ignored"))
        .end();
    let layers = read(&[base_layer(), planted]).unwrap();
    assert!(layers[1].is_empty(), "{:?}", layers[1]);
}

/// A directory's size field announces no content (Go), so the block after it is the next header.
#[test]
fn header_only_entries_hide_nothing() {
    let hidden = Header::ustar(b"var/lib/dpkg/status", b'0', 0).block();
    let planted = Tar::new().entry(&Header::ustar(b"tmp/", b'5', 512), b"").raw(&hidden).end();
    let layers = read(&[base_layer(), planted]).unwrap();
    let names: Vec<&str> = layers[1].iter().map(|e| e.path.as_str()).collect();
    assert_eq!(names, ["tmp", "var/lib/dpkg/status"]);
}

fn walk(tar: &[u8]) -> hullguard_image::Result<Vec<LayerEntry>> {
    let mut listing = Listing::default();
    walk_layer("layer", &mut &tar[..], &Limits::default(), &mut listing)?;
    Ok(listing.finish())
}

/// Headers Go rejects, sparse files and types Docker cannot extract end the read, each with one
/// line naming the layer.
#[test]
fn unreadable_headers_are_errors_not_fallbacks() {
    let cases: Vec<(&str, Vec<u8>, ErrorKind, &str)> = vec![
        (
            "record length past its header",
            Tar::new().special(b'x', b"99 path=tmp/a\n").file("var/lib/dpkg/status", b"").end(),
            ErrorKind::Malformed,
            "invalid tar header: bad PAX record",
        ),
        (
            "NUL in a PAX path",
            Tar::new().pax(&[("path", b"tmp/a\0b")]).file("var/lib/dpkg/status", b"").end(),
            ErrorKind::Malformed,
            "invalid tar header: bad PAX record",
        ),
        (
            "unreadable PAX size",
            Tar::new().pax(&[("size", b"12k")]).file("var/lib/dpkg/status", b"").end(),
            ErrorKind::Malformed,
            "invalid tar header: bad PAX record value",
        ),
        (
            "sparse file whose map and stored data disagree",
            Tar::new().pax(&[("GNU.sparse.map", b"0,2"), ("GNU.sparse.numblocks", b"1")]).file("f", b"abc").end(),
            ErrorKind::Malformed,
            "invalid tar header: sparse map covers 2 bytes of data, the entry stores 3",
        ),
        (
            "sparse 1.0 map without a line end",
            {
                let map = vec![b'1'; (1 << 20) + 1024];
                let records: [(&str, &[u8]); 2] = [("GNU.sparse.major", b"1"), ("GNU.sparse.minor", b"0")];
                Tar::new().pax(&records).entry(&Header::ustar(b"f", b'0', map.len() as u64), &map).end()
            },
            ErrorKind::Malformed,
            "invalid tar header: GNU sparse 1.0 map line longer than 1048576 bytes",
        ),
        (
            "old GNU sparse file",
            {
                let mut h = Header::gnu(b"f", b'S', 0);
                h.octal(483..495, 0);
                Tar::new().entry(&h, b"").end()
            },
            ErrorKind::Malformed,
            "entry f: tar entry type 'S', which Docker cannot extract",
        ),
        (
            "contiguous file",
            Tar::new().entry(&Header::ustar(b"f", b'7', 0), b"").end(),
            ErrorKind::Malformed,
            "entry f: tar entry type '7', which Docker cannot extract",
        ),
        (
            "negative uid",
            Tar::new().pax(&[("uid", b"-1")]).file("f", b"").end(),
            ErrorKind::Unsafe,
            "entry f: negative uid -1",
        ),
        (
            "global header whose path Go applies or not at random",
            Tar::new()
                .special(b'g', &[support::pax_record("uid", b"x"), support::pax_record("path", b"a/.wh.b")].concat())
                .end(),
            ErrorKind::Malformed,
            "invalid tar header: PAX global header with a path and a bad record",
        ),
        (
            "bad checksum",
            {
                let mut h = Header::ustar(b"f", b'0', 0);
                h.raw_checksum = true;
                Tar::new().entry(&h, b"").end()
            },
            ErrorKind::Malformed,
            "invalid tar header: bad checksum",
        ),
    ];
    for (what, tar, kind, problem) in cases {
        let err = walk(&tar).expect_err(what);
        assert_eq!((err.kind(), err.to_string().as_str()), (kind, format!("layer: {problem}").as_str()), "{what}");
    }
}

/// Content is streamed exactly: a PAX size override is the content length, a sparse file's
/// holes read as zeros.
#[test]
fn pax_size_sets_the_content_length() {
    struct Contents(Vec<Vec<u8>>);
    impl EntryVisitor for Contents {
        type Output = Vec<Vec<u8>>;
        fn entry(&mut self, _: &LayerEntry, content: &mut dyn std::io::Read) -> hullguard_image::Result<()> {
            let mut buf = Vec::new();
            content.read_to_end(&mut buf).unwrap();
            self.0.push(buf);
            Ok(())
        }
        fn finish(self) -> Vec<Vec<u8>> {
            self.0
        }
    }
    let tar = Tar::new()
        .pax(&[("size", b"5")])
        .entry(&Header::ustar(b"f", b'0', 0), b"hello")
        .pax(&[("GNU.sparse.map", b"1,2,5,1"), ("GNU.sparse.numblocks", b"2"), ("GNU.sparse.size", b"7")])
        .file("sparse", b"abc")
        .file("g", b"!")
        .end();
    let mut visitor = Contents(Vec::new());
    walk_layer("layer", &mut &tar[..], &Limits::default(), &mut visitor).unwrap();
    assert_eq!(visitor.finish(), [b"hello".to_vec(), b"\0ab\0\0c\0".to_vec(), b"!".to_vec()]);
}

/// The outer archive too is read as `docker load` reads it: PAX paths name its members, and a
/// global header named like a member changes nothing.
#[test]
fn outer_archive_members_named_as_docker_load_names_them() {
    let layer = Tar::new().file("real", b"from the real manifest").end();
    let diff_id = format!("sha256:{}", support::sha256_hex(&layer));
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux", "config": {}, "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }))
    .unwrap();
    let config_name = format!("{}.json", support::sha256_hex(&config));
    let manifest = |layer: &str| {
        serde_json::to_vec(&serde_json::json!([{"Config": config_name, "RepoTags": ["t:1"], "Layers": [layer]}]))
            .unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outer.tar");
    let outer = Tar::new()
        .file(&config_name, &config)
        .file("layer.tar", &layer)
        .pax(&[("path", b"decoy\n")])
        .file("manifest.json", &manifest("missing/layer.tar"))
        .pax(&[("path", b"manifest.json")])
        .file("real-manifest", &manifest("layer.tar"))
        .special(b'g', &support::pax_record("path", b"layer.tar"))
        .end();
    std::fs::write(&path, outer).unwrap();
    let spec = format!("docker-archive:{}", path.display());
    let source = SourceSpec::parse(&spec).unwrap().open(None, &Limits::default()).unwrap();
    let image = read_image(source.as_ref(), &ReadOptions::default(), Listing::default).unwrap();
    let paths: Vec<&str> = image.layers[0].output.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["real"]);
}
