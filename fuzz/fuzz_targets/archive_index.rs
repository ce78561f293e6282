//! An image archive file (tar: OCI layout or `docker save`): indexed by `TarStore`, its
//! top-level JSON read, then opened and read end to end through format detection.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use hullguard_image::source::store::{TarStore, read_json_file};
use hullguard_image::{Limits, Listing, ReadOptions, SourceSpec, read_image};
use libfuzzer_sys::fuzz_target;

/// One scratch file per fuzzing process, overwritten for every input.
fn scratch() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| std::env::temp_dir().join(format!("hullguard-fuzz-archive-{}.tar", std::process::id())))
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_json_bytes: 1 << 20,
        max_image_bytes: 64 << 20,
        ratio_floor_bytes: 1 << 20,
        max_entries: 100_000,
        ..Default::default()
    };
    let path = scratch();
    if std::fs::write(path, data).is_err() {
        return;
    }
    if let Ok(store) = TarStore::open(path, &limits) {
        for name in ["index.json", "manifest.json", "oci-layout", "repositories"] {
            let _ = store.contains(name);
            let _ = read_json_file(&store, name, None, &limits);
        }
    }
    if let Ok(source) = SourceSpec::Detect(path.clone(), None).open(None, &limits) {
        let options = ReadOptions { limits, progress: None };
        let _ = read_image(source.as_ref(), &options, Listing::default);
    }
});
