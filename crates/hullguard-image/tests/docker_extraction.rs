//! What Docker itself extracts: an image whose layer holds tar edge cases is `docker load`ed,
//! a container created and exported, and the exported filesystem must equal the merged filesystem
//! hullguard reads from the same archive (type, size, content, link target of every path).

mod support;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::process::Command;

use hullguard_image::tar_reader::TarReader;
use hullguard_image::{EntryKind, EntryVisitor, LayerEntry, Limits, MergedFs, ReadOptions, SourceSpec, read_image};
use support::{Header, LINKNAME, SIZE, Tar, docker_archive, pax_record, sha256_hex};

/// `path -> (type letter, size, content sha256 or link target)`, for paths under `t/` and `var/`.
type Tree = BTreeMap<String, (char, u64, String)>;

fn ours(layers: &[Vec<u8>], archive: &std::path::Path) -> Tree {
    #[derive(Default)]
    struct Hashes(Vec<LayerEntry>, HashMap<String, String>);
    impl EntryVisitor for Hashes {
        type Output = (Vec<LayerEntry>, HashMap<String, String>);
        fn entry(&mut self, entry: &LayerEntry, content: &mut dyn Read) -> hullguard_image::Result<()> {
            let mut buf = Vec::new();
            content.read_to_end(&mut buf).unwrap();
            self.1.insert(entry.path.clone(), sha256_hex(&buf));
            self.0.push(entry.clone());
            Ok(())
        }
        fn finish(self) -> Self::Output {
            (self.0, self.1)
        }
    }
    assert!(!layers.is_empty());
    let spec = format!("docker-archive:{}", archive.display());
    let source = SourceSpec::parse(&spec).unwrap().open(None, &Limits::default()).unwrap();
    let image = read_image(source.as_ref(), &ReadOptions::default(), Hashes::default).unwrap();
    let fs = MergedFs::build("test", image.layers.iter().map(|l| l.output.0.as_slice())).unwrap();
    fs.iter()
        .filter(|f| f.entry.path.starts_with("t/") || f.entry.path.starts_with("var/"))
        .map(|f| {
            let detail = match &f.entry.kind {
                EntryKind::Symlink(target) => target.clone(),
                EntryKind::File => image.layers[f.layer].output.1[&f.entry.path].clone(),
                _ => String::new(),
            };
            (f.entry.path.clone(), (f.entry.kind.letter(), f.entry.size, detail))
        })
        .collect()
}

fn docker(args: &[&str]) -> Vec<u8> {
    let out = Command::new("docker").args(args).output().unwrap();
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// The container filesystem Docker extracted, from `docker export`.
fn dockers(archive: &std::path::Path, tag: &str) -> Tree {
    docker(&["load", "-q", "-i", archive.to_str().unwrap()]);
    let name = format!("hullguard-tar-diff-{}", std::process::id());
    docker(&["create", "--name", &name, tag, "/none"]);
    let export = docker(&["export", &name]);
    docker(&["rm", &name]);
    docker(&["rmi", tag]);
    let mut bytes = &export[..];
    let mut reader = TarReader::new("export", &mut bytes as &mut dyn Read);
    let mut tree = Tree::new();
    while let Some(h) = reader.next_header().unwrap() {
        let path = String::from_utf8(h.name).unwrap().trim_end_matches('/').to_string();
        if !(path.starts_with("t/") || path.starts_with("var/")) {
            continue;
        }
        let mut content = Vec::new();
        reader.read_to_end(&mut content).unwrap();
        let entry = match h.typeflag {
            b'5' => ('d', 0, String::new()),
            b'2' => ('l', 0, String::from_utf8(h.linkname).unwrap()),
            b'0' => ('-', content.len() as u64, sha256_hex(&content)),
            other => panic!("{path}: unexpected type {other}"),
        };
        tree.insert(path, entry);
    }
    tree
}

#[test]
fn docker_extracts_what_hullguard_reads() {
    let docker_up = Command::new("docker").arg("info").output().is_ok_and(|o| o.status.success());
    if !docker_up {
        assert!(std::env::var("CI").is_err(), "the Docker Engine must be running in CI");
        eprintln!("skipping: no Docker Engine");
        return;
    }
    let base = Tar::new()
        .dir("t/")
        .file("t/victim", b"deleted by a PAX path whiteout")
        .file("t/victim-g", b"named by a global header")
        .file("t/keep", b"kept")
        .dir("var/")
        .dir("var/lib/")
        .dir("var/lib/dpkg/")
        .file("var/lib/dpkg/status", b"Package: real\nStatus: install ok installed\nVersion: 1\n")
        .end();
    let hidden = |name: &[u8]| Header::ustar(name, b'0', 0).block();
    let mut sized = Header::ustar(b"t/sized-file", b'0', 0);
    sized.set(SIZE, b"00000000000\0");
    let mut link = Header::ustar(b"t/link", b'2', 0);
    link.set(LINKNAME, b"ignored");
    let planted = Tar::new()
        .pax(&[("path", b"t/decoy\n")])
        .file("var/lib/dpkg/status", b"Package: fake\n")
        .pax(&[("path", b"t/.wh.victim")])
        .file("t/not-a-whiteout", b"")
        .special(b'g', &pax_record("path", b"t/.wh.victim-g"))
        .entry(&Header::ustar(b"t/sized-dir/", b'5', 512), b"")
        .raw(&hidden(b"t/hidden-after-dir"))
        .entry(&Header::ustar(b"t/old-dir/", 0, 512), b"")
        .raw(&hidden(b"t/hidden-after-old-dir"))
        .special(b'L', format!("t/{}\0", "long-".repeat(40)).as_bytes())
        .file("t/short", b"long name")
        .pax(&[("size", b"7")])
        .entry(&sized, b"pax-sized")
        .pax(&[("linkpath", format!("{}keep", "../t/".repeat(30)).as_bytes())])
        .entry(&link, b"")
        .pax(&[("GNU.sparse.map", b"2,3"), ("GNU.sparse.numblocks", b"1"), ("GNU.sparse.size", b"8")])
        .file("t/sparse", b"abc")
        .end();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("edge.tar");
    let tag = format!("hullguard-tar-diff:{}", std::process::id());
    let layers = [base, planted];
    docker_archive(&layers, &tag, &archive);
    let ours = ours(&layers, &archive);
    let dockers = dockers(&archive, &tag);
    assert_eq!(ours, dockers);
    assert!(ours.contains_key("t/decoy\n") && ours.contains_key("t/hidden-after-dir"), "{ours:#?}");
}
