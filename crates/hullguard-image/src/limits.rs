//! Caps that keep hostile images from exhausting memory, disk or time.

/// Limits applied while reading an image. Every cap has a safe default; the CLI exposes the ones
/// users may need to raise.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest JSON document (index, manifest, config, `manifest.json`) read into memory.
    pub max_json_bytes: u64,
    /// Largest total uncompressed size of all layers of one image.
    pub max_image_bytes: u64,
    /// Largest ratio of uncompressed to compressed bytes in one layer, checked once the layer has
    /// produced more than [`Limits::ratio_floor_bytes`].
    pub max_expansion_ratio: u64,
    /// Uncompressed bytes a layer may produce before the expansion ratio is enforced.
    pub ratio_floor_bytes: u64,
    /// Deepest chain of image indexes (index → index → manifest).
    pub max_index_depth: usize,
    /// Most entries in one layer or archive.
    pub max_entries: u64,
    /// Longest path (bytes) of one tar entry.
    pub max_path_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_json_bytes: 16 << 20,
            max_image_bytes: 64 << 30,
            max_expansion_ratio: 200,
            ratio_floor_bytes: 64 << 20,
            max_index_depth: 4,
            max_entries: 5_000_000,
            max_path_bytes: 4096,
        }
    }
}
