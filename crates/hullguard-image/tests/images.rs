//! The reader against the real images in `shared/images`: every digest, diff_id, layer and
//! history entry equals `digests.json` and the `*.truth.json` files, and the merged filesystem
//! honours whiteouts exactly.

use std::collections::BTreeMap;
use std::path::PathBuf;

use hullguard_image::{EntryKind, ImageRead, LayerEntry, Listing, MergedFs, ReadOptions, SourceSpec, read_image};
use serde_json::Value;

fn shared() -> PathBuf {
    std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")), PathBuf::from)
}

fn images() -> PathBuf {
    shared().join("images")
}

fn json(name: &str) -> Value {
    let path = images().join(name);
    serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

fn read(spec: &str) -> ImageRead<Vec<LayerEntry>> {
    let source = SourceSpec::parse(spec).unwrap().open(None, &hullguard_image::Limits::default()).unwrap();
    read_image(source.as_ref(), &ReadOptions::default(), Listing::default).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

fn merged(image: &ImageRead<Vec<LayerEntry>>) -> MergedFs {
    MergedFs::build("test", image.layers.iter().map(|l| l.output.as_slice())).unwrap()
}

/// `path -> (mode, uid, gid, size, layer, kind letter)` of the final filesystem.
fn listing(fs: &MergedFs) -> BTreeMap<String, (u32, u64, u64, u64, usize, char)> {
    fs.iter()
        .map(|f| {
            (
                f.entry.path.clone(),
                (f.entry.mode, f.entry.uid, f.entry.gid, f.entry.size, f.layer, f.entry.kind.letter()),
            )
        })
        .collect()
}

fn spec_for(archive: &Value, image: &Value) -> String {
    let file = images().join(archive["file"].as_str().unwrap());
    let file = file.display();
    if archive["format"].as_str().unwrap().starts_with("oci") {
        format!("oci-archive:{file}:{}", image["ref_name"].as_str().unwrap())
    } else {
        format!("docker-archive:{file}:{}", image["repo_tag"].as_str().unwrap())
    }
}

#[test]
fn every_archive_matches_digests_json_and_truth() {
    let digests = json("digests.json");
    let mut checked = 0;
    for archive in digests["archives"].as_array().unwrap() {
        for image in archive["images"].as_array().unwrap() {
            let spec = spec_for(archive, image);
            let read = read(&spec);
            let meta = &read.meta;
            assert_eq!(
                meta.config_digest.as_ref().unwrap().as_str(),
                image["config_digest"].as_str().unwrap(),
                "{spec}"
            );
            if let Some(m) = image.get("manifest_digest") {
                assert_eq!(meta.manifest_digest.as_ref().unwrap().as_str(), m.as_str().unwrap(), "{spec}");
            }
            let want_layers = image["layers"].as_array().unwrap();
            assert_eq!(meta.layers.len(), want_layers.len(), "{spec}");
            for (got, want) in meta.layers.iter().zip(want_layers) {
                let want_digest = want.get("digest").or_else(|| want.get("sha256")).unwrap().as_str().unwrap();
                assert_eq!(got.digest.as_ref().unwrap().as_str(), want_digest, "{spec} layer {}", got.index);
                assert_eq!(got.size.unwrap(), want["size"].as_u64().unwrap(), "{spec} layer {}", got.index);
                if let Some(mt) = want.get("mediaType") {
                    assert_eq!(got.media_type.as_deref(), mt.as_str(), "{spec} layer {}", got.index);
                }
            }
            // Truth: diff_ids, created_by, uncompressed sizes, history.
            let name = image.get("repo_tag").or_else(|| image.get("image_name")).unwrap().as_str().unwrap();
            let base = name.rsplit('/').next().unwrap().split(':').next().unwrap();
            let truth = json(&format!("{base}.truth.json"));
            let truth_layers = truth["layers"].as_array().unwrap();
            assert_eq!(meta.layers.len(), truth_layers.len());
            for (got, want) in meta.layers.iter().zip(truth_layers) {
                assert_eq!(got.diff_id.as_ref().unwrap().as_str(), want["diff_id"].as_str().unwrap(), "{spec}");
                assert_eq!(got.created_by.as_deref(), want["created_by"].as_str(), "{spec}");
                assert_eq!(got.uncompressed_size, want["size_uncompressed"].as_u64(), "{spec}");
            }
            let history: Vec<(Option<&str>, bool)> =
                meta.config.history.iter().map(|h| (h.created_by.as_deref(), h.empty_layer)).collect();
            let want_history: Vec<(Option<&str>, bool)> = truth["config"]["history"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| (h["created_by"].as_str(), h["empty_layer"].as_bool().unwrap()))
                .collect();
            assert_eq!(history, want_history, "{spec}");
            let cfg = &meta.config.config;
            assert_eq!(cfg.user.clone().unwrap_or_default(), truth["config"]["user"].as_str().unwrap(), "{spec}");
            assert_eq!(
                cfg.env.clone().unwrap_or_default(),
                serde_json::from_value::<Vec<String>>(truth["config"]["env"].clone()).unwrap()
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 8, "every image of every archive");
}

#[test]
fn oci_docker_and_docker25_archives_give_the_same_image() {
    let dir = images();
    let specs = [
        format!("oci-archive:{}", dir.join("secrets-layers.oci.tar").display()),
        format!("docker-archive:{}", dir.join("secrets-layers.docker.tar").display()),
        format!("docker-archive:{}", dir.join("secrets-layers.docker-uncompressed.tar").display()),
        format!("docker-archive:{}", dir.join("secrets-layers.docker25.tar").display()),
        format!("{}", dir.join("secrets-layers.docker25.tar").display()),
    ];
    let reads: Vec<_> = specs.iter().map(|s| read(s)).collect();
    let first = &reads[0];
    for (spec, r) in specs.iter().zip(&reads).skip(1) {
        assert_eq!(r.meta.config_digest, first.meta.config_digest, "{spec}");
        let ids = |r: &ImageRead<Vec<LayerEntry>>| r.meta.layers.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(r), ids(first), "{spec}");
        assert_eq!(listing(&merged(r)), listing(&merged(first)), "{spec}");
    }
    for name in ["debian-base", "app-mixed"] {
        let oci = read(&format!("oci-archive:{}:{name}", dir.join("bookworm-images.oci.tar").display()));
        let docker =
            read(&format!("docker-archive:{}:{name}:latest", dir.join("bookworm-images.docker.tar").display()));
        assert_eq!(oci.meta.config_digest, docker.meta.config_digest);
        assert_eq!(listing(&merged(&oci)), listing(&merged(&docker)), "{name}");
    }
}

#[test]
fn secrets_layers_whiteouts_modes_and_deleted_content() {
    let truth = json("secrets-layers.truth.json");
    let image = read(&format!("oci-archive:{}", images().join("secrets-layers.oci.tar").display()));
    let fs = merged(&image);
    let layer0: Vec<&str> = image.layers[0].output.iter().map(|e| e.path.as_str()).collect();
    for absent in truth["final_fs_absent"].as_array().unwrap() {
        let p = absent.as_str().unwrap().trim_start_matches('/');
        assert!(fs.get(p).is_none(), "{p} must be gone from the final filesystem");
        assert!(layer0.contains(&p), "{p} must still be in layer 0");
    }
    for present in truth["final_fs_present"].as_array().unwrap() {
        assert!(fs.get(present.as_str().unwrap()).is_some(), "{present} must be present");
    }
    for item in truth["files_of_interest"].as_array().unwrap() {
        let path = item["path"].as_str().unwrap();
        let layer = usize::try_from(item["layer"].as_u64().unwrap()).unwrap();
        match item.get("type").and_then(Value::as_str) {
            Some("whiteout" | "opaque whiteout") => {
                let e = image.layers[layer].output.iter().find(|e| format!("/{}", e.path) == path).unwrap();
                assert!(e.kind.is_whiteout(), "{path}");
            }
            _ => {
                let f = fs.get(path).unwrap();
                assert_eq!(format!("{:04o}", f.entry.mode), item["mode"].as_str().unwrap(), "{path}");
                assert_eq!(f.layer, layer, "{path}");
            }
        }
    }
    let fakesu = fs.get("usr/bin/fakesu").unwrap();
    assert_eq!((fakesu.entry.mode, fakesu.entry.uid, fakesu.entry.gid), (0o4755, 0, 0));
    assert_eq!(fs.get("app/uploads").unwrap().entry.kind, EntryKind::Dir);
    assert_eq!(fs.get("app/build/README").unwrap().layer, 1);
}

#[test]
fn app_mixed_drops_six_and_reads_the_zstd_layer() {
    let image = read(&format!("oci-archive:{}:app-mixed:latest", images().join("bookworm-images.oci.tar").display()));
    assert_eq!(image.layers[3].stats.as_ref().unwrap().compression, hullguard_image::layer::Compression::Zstd);
    let site = "usr/local/lib/python3.11/site-packages";
    let fs = merged(&image);
    for p in [
        format!("{site}/six.py"),
        format!("{site}/six-1.15.0.dist-info"),
        format!("{site}/six-1.15.0.dist-info/METADATA"),
    ] {
        assert!(fs.get(&p).is_none(), "{p} whited out in layer 9");
        assert!(image.layers[3].output.iter().any(|e| e.path == p), "{p} in layer 3");
    }
    assert_eq!(fs.get(&format!("{site}/django/__init__.py")).unwrap().layer, 3);
    let whiteouts: Vec<&str> =
        image.layers[9].output.iter().filter(|e| e.kind.is_whiteout()).map(|e| e.path.as_str()).collect();
    assert_eq!(whiteouts, [format!("{site}/.wh.six-1.15.0.dist-info"), format!("{site}/.wh.six.py")]);
    // The curl layer rewrote dpkg's status file: the final one comes from layer 1.
    assert_eq!(fs.get("var/lib/dpkg/status").unwrap().layer, 1);
    assert_eq!(fs.get("usr/bin/curl").unwrap().layer, 1);
    assert_eq!(fs.resolve("bin/bash").unwrap().as_deref(), Some("usr/bin/bash"));
}

#[test]
fn debian_base_has_every_package_file_list() {
    let image = read(&format!("oci-archive:{}:debian-base", images().join("bookworm-images.oci.tar").display()));
    let fs = merged(&image);
    let packages = std::fs::read_to_string(images().join("debian-base.packages.txt")).unwrap();
    let mut n = 0;
    for line in packages.lines().filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("package\t")) {
        let name = line.split('\t').next().unwrap();
        let arch = line.split('\t').nth(4).unwrap();
        let list = format!("var/lib/dpkg/info/{name}.list");
        let list_arch = format!("var/lib/dpkg/info/{name}:{arch}.list");
        assert!(fs.get(&list).is_some() || fs.get(&list_arch).is_some(), "{name}: no {list}");
        n += 1;
    }
    assert_eq!(n, 88);
}
