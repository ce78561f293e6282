//! One layer blob (plain tar, gzip or zstd, sniffed by magic bytes) streamed through
//! `LayerStream`, walked by `walk_layer`, verified by `finish`, then replayed into a `MergedFs`.
//!
//! The blob goes through both reader kinds: `BlobReader::Borrowed` (decoded inline) and
//! `BlobReader::Owned` (decoded on its own thread). When both succeed they must agree.
#![no_main]

use std::io::Cursor;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use hullguard_image::layer::{BlobReader, Expected, LayerStats, LayerStream, Listing, walk_layer};
use hullguard_image::{Digest, EntryVisitor, LayerEntry, Limits, MergedFs};
use libfuzzer_sys::fuzz_target;

fn limits() -> Limits {
    Limits { max_image_bytes: 64 << 20, ratio_floor_bytes: 1 << 20, max_entries: 100_000, ..Default::default() }
}

/// Stream, walk and verify one blob; `None` on any error (errors are fine, panics are not).
fn read_layer(reader: BlobReader<'_>, limits: &Limits) -> Option<(Vec<LayerEntry>, LayerStats)> {
    let subject = "fuzz: layer";
    let mut stream =
        LayerStream::new(subject, reader, Expected::default(), limits, Arc::new(AtomicU64::new(0))).ok()?;
    let mut listing = Listing::default();
    let walked = walk_layer(subject, &mut stream, limits, &mut listing);
    let stats = stream.finish();
    walked.ok()?;
    Some((listing.finish(), stats.ok()?))
}

fuzz_target!(|data: &[u8]| {
    let limits = limits();
    let inline = read_layer(BlobReader::Borrowed(Box::new(Cursor::new(data))), &limits);
    let threaded = read_layer(BlobReader::Owned(Box::new(Cursor::new(data.to_vec()))), &limits);

    if let (Some((entries, stats)), Some((t_entries, t_stats))) = (&inline, &threaded) {
        assert_eq!(entries, t_entries, "inline and threaded decoding listed different entries");
        assert_eq!(
            (&stats.digest, stats.size, &stats.diff_id, stats.uncompressed_size, stats.compression),
            (&t_stats.digest, t_stats.size, &t_stats.diff_id, t_stats.uncompressed_size, t_stats.compression),
            "inline and threaded decoding measured different stats"
        );
    }
    if let Some((entries, stats)) = inline.as_ref().or(threaded.as_ref()) {
        // The blob digest and size cover the whole blob as stored.
        assert_eq!(stats.size, data.len() as u64, "blob size is not the input length");
        assert_eq!(stats.digest, Digest::of(data), "blob digest is not the input's sha256");
        if let Ok(fs) = MergedFs::build("fuzz", [entries.as_slice()]) {
            for e in fs.iter() {
                let _ = fs.resolve(&e.entry.path);
            }
        }
    }
});
