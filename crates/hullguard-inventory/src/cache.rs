//! The layer cache: analyzer results stored per layer blob digest, so an image sharing layers
//! with one already scanned only analyses its new layers. Keyed by the blob digest and every
//! analyzer's id and version, so a changed analyzer never reuses stale results.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use hullguard_image::layer::LayerStats;
use hullguard_image::{Digest, LayerCache};
use serde::{Deserialize, Serialize};

use crate::analyzer::Analyzer;
use crate::scan::ScannedLayer;

/// Bumped when the stored layout changes.
const SCHEMA: u32 = 2;

#[derive(Serialize, Deserialize)]
struct Entry {
    stats: LayerStats,
    layer: ScannedLayer,
}

/// A directory of cached layer results (one JSON file per layer, written atomically).
pub struct DirCache {
    dir: PathBuf,
    salt: String,
    hits: AtomicUsize,
    misses: AtomicUsize,
}

impl DirCache {
    /// A cache in `dir` (created on first write) for results of `analyzers`.
    pub fn new(dir: &Path, analyzers: &[Box<dyn Analyzer>]) -> Self {
        let mut salt = format!("schema={SCHEMA}");
        for a in analyzers {
            salt.push_str(&format!("|{}={}", a.id(), a.version()));
        }
        DirCache { dir: dir.to_path_buf(), salt, hits: AtomicUsize::new(0), misses: AtomicUsize::new(0) }
    }

    /// The default location: `$XDG_CACHE_HOME/hullguard/layers`, else `~/.cache/hullguard/layers`.
    pub fn default_dir() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".cache")))?;
        Some(base.join("hullguard").join("layers"))
    }

    /// Layers found in the cache, and layers analysed, since this cache was opened.
    pub fn counts(&self) -> (usize, usize) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }

    fn file(&self, digest: &Digest) -> PathBuf {
        let key = Digest::of(format!("{}|{}", digest, self.salt).as_bytes());
        self.dir.join(format!("{}.json", key.hex()))
    }
}

impl LayerCache<ScannedLayer> for DirCache {
    fn get(&self, digest: &Digest) -> Option<(LayerStats, ScannedLayer)> {
        // A missing, unreadable or corrupt entry is a miss: the layer is simply read again.
        let entry: Option<Entry> = std::fs::read(self.file(digest)).ok().and_then(|b| serde_json::from_slice(&b).ok());
        match entry.filter(|e| &e.stats.digest == digest) {
            Some(e) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                Some((e.stats, e.layer))
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    fn put(&self, stats: &LayerStats, layer: &ScannedLayer) {
        #[derive(Serialize)]
        struct EntryRef<'a> {
            stats: &'a LayerStats,
            layer: &'a ScannedLayer,
        }
        let Ok(bytes) = serde_json::to_vec(&EntryRef { stats, layer }) else { return };
        let target = self.file(&stats.digest);
        // Best effort: a cache that cannot be written only costs time.
        if std::fs::create_dir_all(&self.dir).is_ok() {
            let tmp = target.with_extension(format!("tmp.{}", std::process::id()));
            if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, &target).is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
        }
    }
}
