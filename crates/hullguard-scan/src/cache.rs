//! The layer cache: what the single pass found in a layer (inventory facts, entries, account
//! files, secrets), stored per layer blob digest, so an image sharing layers with one already
//! scanned only analyses its new layers. Keyed by the blob digest, every inventory analyzer's id
//! and version, and the secret scanner's version when it ran, so a changed analyzer never reuses
//! stale results. Beside the layers, a mark per blob proved to match its digest (keyed by the
//! digest and the file's stamp: device, inode, size, modification and change times): an
//! unchanged archive is not hashed again on a warm read.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hullguard_image::layer::LayerStats;
use hullguard_image::{Digest, LayerCache};
use serde::{Deserialize, Serialize};

use hullguard_inventory::{Analyzer, ScannedLayer};
use hullguard_secrets::SecretFinding;

use crate::layer::AnalyzedLayer;

/// Bumped when the stored layout changes.
const SCHEMA: u32 = 3;

#[derive(Deserialize)]
struct Entry {
    stats: LayerStats,
    inventory: ScannedLayer,
    account_files: BTreeMap<String, Vec<u8>>,
    secrets: Vec<SecretFinding>,
}

/// A directory of cached layer results (one JSON file per layer, written atomically).
pub struct DirCache {
    dir: PathBuf,
    salt: String,
    hits: AtomicUsize,
    misses: AtomicUsize,
    unhashed: AtomicUsize,
}

impl DirCache {
    /// A cache in `dir` (created on first write) for results of `analyzers`, with the secret
    /// scanner's when `secrets`.
    pub fn new(dir: &Path, analyzers: &[Box<dyn Analyzer>], secrets: bool) -> Self {
        let mut salt = format!("schema={SCHEMA}|accounts={}", hullguard_checks::image::MAX_ACCOUNT_FILE);
        for a in analyzers {
            salt.push_str(&format!("|{}={}", a.id(), a.version()));
        }
        if secrets {
            salt.push_str(&format!("|secrets={}", hullguard_secrets::VERSION));
        }
        DirCache {
            dir: dir.to_path_buf(),
            salt,
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            unhashed: AtomicUsize::new(0),
        }
    }

    /// The default location: `$XDG_CACHE_HOME/hullguard/layers`, else `~/.cache/hullguard/layers`.
    pub fn default_dir() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".cache")))?;
        Some(base.join("hullguard").join("layers"))
    }

    /// Since this cache was opened: layers found in it, layers analysed, and found layers
    /// whose blobs were not hashed again (unchanged on disk since they were proved).
    pub fn counts(&self) -> (usize, usize, usize) {
        let load = |c: &AtomicUsize| c.load(Ordering::Relaxed);
        (load(&self.hits), load(&self.misses), load(&self.unhashed))
    }

    /// The mark of a blob proved to match its digest: `verified/<hash of its stamp>`.
    fn mark(&self, stamp: &str) -> PathBuf {
        self.dir.join("verified").join(Digest::of(stamp.as_bytes()).hex())
    }

    fn file(&self, digest: &Digest) -> PathBuf {
        let key = Digest::of(format!("{}|{}", digest, self.salt).as_bytes());
        self.dir.join(format!("{}.json", key.hex()))
    }
}

impl LayerCache<AnalyzedLayer> for DirCache {
    fn get(&self, digest: &Digest) -> Option<(LayerStats, AnalyzedLayer)> {
        // A missing, unreadable or corrupt entry is a miss: the layer is simply read again.
        // Read as a stream, never held whole next to what it decodes to.
        let entry: Option<Entry> = std::fs::File::open(self.file(digest))
            .ok()
            .and_then(|f| serde_json::from_reader(std::io::BufReader::new(f)).ok());
        match entry.filter(|e| &e.stats.digest == digest) {
            Some(e) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                let layer = AnalyzedLayer {
                    inventory: Arc::new(e.inventory),
                    account_files: e.account_files,
                    secrets: e.secrets,
                };
                Some((e.stats, layer))
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    fn verified(&self, stamp: &str) -> bool {
        let proved = self.mark(stamp).is_file();
        if proved {
            self.unhashed.fetch_add(1, Ordering::Relaxed);
        }
        proved
    }

    fn record_verified(&self, stamp: &str) {
        // Best effort, like every write of the cache: a missing mark only costs a hash.
        let mark = self.mark(stamp);
        if let Some(dir) = mark.parent()
            && std::fs::create_dir_all(dir).is_ok()
        {
            let _ = std::fs::write(&mark, b"");
        }
    }

    fn put(&self, stats: &LayerStats, layer: &AnalyzedLayer) {
        #[derive(Serialize)]
        struct EntryRef<'a> {
            stats: &'a LayerStats,
            inventory: &'a ScannedLayer,
            account_files: &'a BTreeMap<String, Vec<u8>>,
            secrets: &'a [SecretFinding],
        }
        let entry = EntryRef {
            stats,
            inventory: &layer.inventory,
            account_files: &layer.account_files,
            secrets: &layer.secrets,
        };
        let target = self.file(&stats.digest);
        // Best effort: a cache that cannot be written only costs time. Streamed to the file: a
        // layer of a million entries is never held as one JSON string.
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        let tmp = target.with_extension(format!("tmp.{}", std::process::id()));
        let written = std::fs::File::create(&tmp).ok().is_some_and(|file| {
            let mut out = std::io::BufWriter::new(file);
            serde_json::to_writer(&mut out, &entry).is_ok() && out.flush().is_ok()
        });
        if !written || std::fs::rename(&tmp, &target).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}
