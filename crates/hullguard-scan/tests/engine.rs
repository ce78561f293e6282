//! The scan engine on a real image: one pass per layer whatever the scanners, and a warm cache
//! that gives the same findings.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use hullguard_image::SourceSpec;
use hullguard_scan::{ScanOptions, Scanners, Target, collect};

fn secrets_layers() -> Target {
    let shared = std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")), PathBuf::from);
    let archive = shared.join("images/secrets-layers.oci.tar");
    let spec = SourceSpec::parse(&format!("oci-archive:{}", archive.display())).unwrap();
    Target::Image { spec, platform: None, reference: "secrets-layers:latest".to_owned() }
}

/// Blob bytes read by a collect of `target`, and its (kind, id) findings.
fn read_bytes(target: &Target, scanners: Scanners, cache: Option<PathBuf>) -> (u64, u64, Vec<String>) {
    let read = Arc::new(AtomicU64::new(0));
    let counter = read.clone();
    let options = ScanOptions {
        cache_dir: cache,
        progress: Some(Arc::new(move |n| {
            counter.fetch_add(n, Ordering::Relaxed);
        })),
        ..ScanOptions::default()
    };
    let collected = collect(target, scanners, &options).unwrap();
    let blobs: u64 = collected.image.as_ref().unwrap().layers.iter().map(|l| l.size.unwrap()).sum();
    let findings = collected.findings.iter().map(|f| format!("{:?} {}", f.kind, f.id)).collect();
    (read.load(Ordering::Relaxed), blobs, findings)
}

/// Issue "One scan engine", point 2: with every scanner on, each layer blob is read once (the
/// image checks and the secret scanner used to stream the image a second time).
#[test]
fn every_scanner_reads_each_layer_once() {
    let all = Scanners { vuln: true, misconfig: true, secret: true };
    let (read, blobs, findings) = read_bytes(&secrets_layers(), all, None);
    assert_eq!(read, blobs);
    assert!(findings.iter().any(|f| f.starts_with("Secret ")), "{findings:?}");
    assert!(findings.iter().any(|f| f.starts_with("Misconfiguration ")), "{findings:?}");
    let (read_vuln_only, _, _) = read_bytes(&secrets_layers(), Scanners { vuln: true, ..Scanners::default() }, None);
    assert_eq!(read_vuln_only, read);
}

/// A warm cache gives the same findings as a cold read.
#[test]
fn warm_cache_gives_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    let all = Scanners { vuln: true, misconfig: true, secret: true };
    let (_, _, cold) = read_bytes(&secrets_layers(), all, Some(dir.path().to_path_buf()));
    let (_, _, warm) = read_bytes(&secrets_layers(), all, Some(dir.path().to_path_buf()));
    assert!(!cold.is_empty());
    assert_eq!(warm, cold);
}

/// A lockfile over the parser's cap is refused on its size, never read: a sparse 8 GiB
/// `requirements.txt` makes the tree's inventory incomplete at once, and its neighbour is read.
#[test]
fn an_oversized_lockfile_is_refused_on_its_size_unread() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("big")).unwrap();
    let big = std::fs::File::create(dir.path().join("big/requirements.txt")).unwrap();
    big.set_len(8 << 30).unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "requests==2.31.0\n").unwrap();
    let scanners = Scanners { vuln: true, misconfig: false, secret: true };
    let collected = collect(&Target::Tree(dir.path().to_path_buf()), scanners, &ScanOptions::default()).unwrap();
    assert_eq!(
        collected.inventory.incomplete,
        ["/big/requirements.txt: requirements.txt: input is 8589934592 bytes, over the 67108864-byte limit"]
    );
    let names: Vec<&str> = collected.inventory.packages.iter().map(|p| p.found.name.as_str()).collect();
    assert_eq!(names, ["requests"]);
}
