//! Peak memory per entry: `inspect --files` and `inventory` over images of many entries, built
//! here, measured with `/usr/bin/time -v` on the hullguard process.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::{HashingWriter, Layer, OciArchive, RawEntry, Scratch, file_header, required, tar};

/// Files per directory in the generated images.
const PER_DIR: usize = 1000;

/// An OCI archive of one gzip layer holding `files` empty files, a directory above every
/// [`PER_DIR`] of them (and one symlink per directory), written to `path`. Returns the number of
/// entries in the layer.
fn many_entries_image(files: usize, path: &Path) -> usize {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(1));
    let mut layer = HashingWriter::new(&mut gz);
    let mut entries = 0;
    for i in 0..files {
        let dir = format!("usr/share/package-{:04}", i / PER_DIR);
        if i % PER_DIR == 0 {
            let header = tar(&[RawEntry::dir(&dir), RawEntry::symlink(&format!("{dir}/latest"), "file-000000.txt")]);
            layer.write_all(&header[..1024]).unwrap();
            entries += 2;
        }
        layer.write_all(&file_header(&format!("{dir}/file-{:06}.txt", i % PER_DIR), 0o644, 0)).unwrap();
        entries += 1;
    }
    layer.write_all(&[0u8; 1024]).unwrap();
    let (_, diff_id) = layer.finish();
    let blob = gz.finish().unwrap();
    let layer = Layer {
        blob,
        diff_id: format!("sha256:{diff_id}"),
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
    };
    OciArchive::new(vec![layer]).write(path);
    entries
}

/// Run hullguard with `args` under `/usr/bin/time -v`, stdout to `out`; the peak RSS in MB.
fn peak_rss_mb(args: &[&str], out: &Path) -> u64 {
    let bin = assert_cmd::cargo::cargo_bin("hullguard");
    let run = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(bin)
        .args(args)
        .env_remove("HULLGUARD_LOG")
        .stdout(std::fs::File::create(out).unwrap())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{args:?}: {stderr}");
    let kb: u64 = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes): "))
        .unwrap_or_else(|| panic!("no peak RSS in {stderr}"))
        .parse()
        .unwrap();
    kb / 1024
}

/// Lines of `path` containing `needle`.
fn lines_with(path: &Path, needle: &str) -> usize {
    let file = std::fs::File::open(path).unwrap();
    BufReader::new(file).lines().filter(|l| l.as_ref().unwrap().contains(needle)).count()
}

/// Peak RSS of `inspect --files -f json` and `inventory` over an image of `files` empty files,
/// after checking both ran over every entry.
fn measure(files: usize) -> (u64, u64) {
    let s = Scratch::new();
    let archive: PathBuf = s.path("many.oci.tar");
    let entries = many_entries_image(files, &archive);
    let spec = format!("oci-archive:{}", archive.display());
    let listing = s.path("files.json");
    let inspect = peak_rss_mb(&["inspect", &spec, "--files", "-f", "json", "-q"], &listing);
    assert_eq!(lines_with(&listing, "\"path\": "), entries);
    assert_eq!(lines_with(&listing, "\"target\": \"file-000000.txt\""), files.div_ceil(PER_DIR));
    let cache = s.path("cache");
    let inventory_out = s.path("inventory.json");
    let inventory =
        peak_rss_mb(&["inventory", &spec, "-f", "json", "-q", "--cache-dir", cache.to_str().unwrap()], &inventory_out);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&inventory_out).unwrap()).unwrap();
    assert_eq!(doc["packages"], serde_json::json!([]));
    eprintln!("{entries} entries: inspect --files -f json {inspect} MB, inventory {inventory} MB peak RSS");
    (inspect, inventory)
}

#[test]
fn peak_memory_of_300k_entries() {
    if !required("time") {
        return;
    }
    let (inspect, inventory) = measure(300_000);
    assert!(inspect < 150, "inspect --files: {inspect} MB peak RSS for 300k entries");
    assert!(inventory < 150, "inventory: {inventory} MB peak RSS for 300k entries");
}

/// The 1M case, run by `bench/memory.sh` (too slow for every test run).
#[test]
#[ignore = "slow: run by bench/memory.sh"]
fn peak_memory_of_1m_entries() {
    let (inspect, inventory) = measure(1_000_000);
    assert!(inspect < 300, "inspect --files: {inspect} MB peak RSS for 1M entries");
    assert!(inventory < 300, "inventory: {inventory} MB peak RSS for 1M entries");
}
