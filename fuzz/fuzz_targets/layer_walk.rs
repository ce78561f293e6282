//! One layer blob (plain tar, gzip or zstd, sniffed by magic bytes) streamed through
//! `LayerStream`, walked by `walk_layer`, verified by `finish`, then replayed into a `MergedFs`.
#![no_main]

use std::io::Cursor;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use hullguard_image::layer::{Expected, LayerStream, Listing, walk_layer};
use hullguard_image::{EntryVisitor, Limits, MergedFs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_image_bytes: 64 << 20,
        ratio_floor_bytes: 1 << 20,
        max_entries: 100_000,
        ..Default::default()
    };
    let subject = "fuzz: layer";
    let Ok(mut stream) = LayerStream::new(
        subject,
        Box::new(Cursor::new(data)),
        Expected::default(),
        &limits,
        Arc::new(AtomicU64::new(0)),
    ) else {
        return;
    };
    let mut listing = Listing::default();
    let walked = walk_layer(subject, &mut stream, &limits, &mut listing);
    let finished = stream.finish();
    if walked.is_ok() && finished.is_ok() {
        let entries = listing.finish();
        if let Ok(fs) = MergedFs::build("fuzz", [entries.as_slice()]) {
            for e in fs.iter() {
                let _ = fs.resolve(&e.entry.path);
            }
        }
    }
});
