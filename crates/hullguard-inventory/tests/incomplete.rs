//! What an image scan could not read although it decides findings: files over an analyzer's
//! size cap count when they survive in the final filesystem.

use std::path::Path;

use hullguard_image::{Digest, ReadOptions, SourceSpec, read_image};
use hullguard_inventory::{Inventory, LayerScan, builtin, merge};

/// A layer tar of `files` (path, content).
fn layer(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        h.set_cksum();
        b.append_data(&mut h, path, *data).unwrap();
    }
    b.into_inner().unwrap()
}

/// Write a docker-archive of `layers` (base first) to `path` and inventory it.
fn inventory_of(layers: &[Vec<u8>], path: &Path) -> Inventory {
    let diff_ids: Vec<String> = layers.iter().map(|l| Digest::of(l).to_string()).collect();
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    })
    .to_string();
    let names: Vec<String> = (0..layers.len()).map(|i| format!("{i}/layer.tar")).collect();
    let manifest =
        serde_json::json!([{"Config": "config.json", "RepoTags": ["t:latest"], "Layers": names}]).to_string();
    let mut files: Vec<(&str, &[u8])> =
        vec![("manifest.json", manifest.as_bytes()), ("config.json", config.as_bytes())];
    files.extend(names.iter().map(String::as_str).zip(layers.iter().map(Vec::as_slice)));
    std::fs::write(path, layer(&files)).unwrap();
    let spec = format!("docker-archive:{}", path.display());
    let source = SourceSpec::parse(&spec).unwrap().open(None, &hullguard_image::Limits::default()).unwrap();
    let analyzers = builtin();
    let image = read_image(source.as_ref(), &ReadOptions::default(), || LayerScan::new(&analyzers)).unwrap();
    merge(&image).unwrap()
}

const STANZA: &[u8] = b"Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\n";

#[test]
fn dpkg_status_over_its_cap_makes_the_scan_incomplete_while_it_survives() {
    let dir = tempfile::tempdir().unwrap();
    // 64 MiB of stanzas and one more byte: over the dpkg analyzer's cap.
    let mut big = STANZA.repeat((64 << 20) / STANZA.len() + 1);
    big.truncate((64 << 20) + 1);
    let big_layer = layer(&[("var/lib/dpkg/status", &big)]);
    let inventory = inventory_of(std::slice::from_ref(&big_layer), &dir.path().join("big.tar"));
    assert!(inventory.packages.is_empty());
    assert_eq!(
        inventory.incomplete,
        ["/var/lib/dpkg/status: dpkg: 67108865 bytes, over its 67108864 byte cap; not read"]
    );
    assert_eq!(
        inventory.warnings,
        ["/var/lib/dpkg/status: 67108865 bytes, over the 67108864 byte cap of dpkg; skipped"]
    );
    // Rewritten by a later layer: the final database was read, nothing is missing.
    let small = layer(&[("var/lib/dpkg/status", STANZA)]);
    let inventory = inventory_of(&[big_layer, small], &dir.path().join("rewritten.tar"));
    assert_eq!(inventory.packages.len(), 1);
    assert_eq!(inventory.incomplete, Vec::<String>::new());
}
