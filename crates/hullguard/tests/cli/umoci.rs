//! Cross-check against umoci: for every shared image, the merged listing equals what
//! `umoci unpack` produces on disk, path for path, type, mode and owner.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

use crate::support::{Scratch, hullguard_json, image, required};

type Listing = BTreeMap<String, (char, String, u64, u64)>;

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn walk(root: &Path, rel: &str, out: &mut Listing) {
    let dir = if rel.is_empty() { root.to_path_buf() } else { root.join(rel) };
    for item in std::fs::read_dir(dir).unwrap() {
        let item = item.unwrap();
        let name = item.file_name().into_string().unwrap();
        let path = if rel.is_empty() { name } else { format!("{rel}/{name}") };
        let meta = std::fs::symlink_metadata(root.join(&path)).unwrap();
        let ft = meta.file_type();
        let kind = if ft.is_dir() {
            'd'
        } else if ft.is_symlink() {
            'l'
        } else if ft.is_file() {
            '-'
        } else {
            '?'
        };
        let mode = if kind == 'l' { "0777".to_string() } else { format!("{:04o}", meta.mode() & 0o7777) };
        out.insert(format!("/{path}"), (kind, mode, u64::from(meta.uid()), u64::from(meta.gid())));
        if ft.is_dir() {
            walk(root, &path, out);
        }
    }
}

fn ours(spec: &str) -> Listing {
    let doc = hullguard_json(&["inspect", spec, "--files", "-f", "json", "-q"]);
    doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let kind = match f["type"].as_str().unwrap() {
                "dir" => 'd',
                "symlink" => 'l',
                "file" | "hardlink" => '-',
                _ => '?',
            };
            let mode = if kind == 'l' { "0777".to_string() } else { f["mode"].as_str().unwrap().to_string() };
            (
                f["path"].as_str().unwrap().to_string(),
                (kind, mode, f["uid"].as_u64().unwrap(), f["gid"].as_u64().unwrap()),
            )
        })
        .collect()
}

#[test]
fn merged_listing_equals_umoci_unpack() {
    if !required("umoci") || !required("skopeo") {
        return;
    }
    let s = Scratch::new();
    for (archive, reference) in [
        ("secrets-layers.oci.tar", None),
        ("bookworm-images.oci.tar", Some("debian-base:latest")),
        ("bookworm-images.oci.tar", Some("app-mixed:latest")),
    ] {
        let spec = match reference {
            Some(r) => format!("oci-archive:{}:{r}", image(archive)),
            None => format!("oci-archive:{}", image(archive)),
        };
        let tag = reference.map_or("secrets-layers", |r| r.split(':').next().unwrap());
        // umoci 0.4 cannot read zstd layers, so the bundle images go through their docker archive
        // (all gzip): umoci unpacks that copy, hullguard reads the OCI archive.
        let copy_from = match reference {
            Some(r) => format!("docker-archive:{}:{r}", image("bookworm-images.docker.tar")),
            None => spec.clone(),
        };
        let layout = s.path(&format!("{tag}-layout"));
        let bundle = s.path(&format!("{tag}-bundle"));
        run(Command::new("skopeo").args(["copy", "-q", &copy_from, &format!("oci:{}:latest", layout.display())]));
        run(Command::new("umoci").args([
            "unpack",
            "--image",
            &format!("{}:latest", layout.display()),
            &bundle.display().to_string(),
        ]));
        let mut theirs = Listing::new();
        walk(&bundle.join("rootfs"), "", &mut theirs);
        let mine = ours(&spec);
        let only_mine: Vec<_> = mine.keys().filter(|k| !theirs.contains_key(*k)).collect();
        let only_theirs: Vec<_> = theirs.keys().filter(|k| !mine.contains_key(*k)).collect();
        assert!(
            only_mine.is_empty() && only_theirs.is_empty(),
            "{spec}: only hullguard {only_mine:?}, only umoci {only_theirs:?}"
        );
        let differ: Vec<_> =
            mine.iter().filter(|(k, v)| theirs.get(*k) != Some(v)).map(|(k, v)| (k, v, theirs.get(k))).collect();
        assert!(
            differ.is_empty(),
            "{spec}: {} entries differ, first: {:?}",
            differ.len(),
            &differ[..differ.len().min(5)]
        );
        assert!(mine.len() > 10, "{spec}");
        eprintln!("{spec}: {} paths identical to umoci unpack", mine.len());
    }
}
