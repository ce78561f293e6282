//! Reading every layer of an image: each blob is decompressed and verified as it streams, its tar
//! entries validated and handed to a visitor; results come back in layer order.

mod entry;
mod stream;
mod tree;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub use entry::{EntryKind, EntryVisitor, LayerEntry, Listing, walk_layer};
pub use stream::{BlobReader, Compression, Expected, LayerStats, LayerStream};
pub(crate) use stream::{check_digest, check_size};
pub use tree::walk_tree;

use crate::digest::Digest;
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;
use crate::source::{ImageMeta, ImageSource, LayerSink, RawLayer};

/// Options for [`read_image`].
#[derive(Clone, Default)]
pub struct ReadOptions {
    /// Caps against hostile input.
    pub limits: Limits,
    /// Called with the number of blob bytes read, as they are read (for progress bars).
    pub progress: Option<Arc<dyn Fn(u64) + Send + Sync>>,
}

/// What reading one layer produced.
#[derive(Debug)]
pub struct LayerResult<T> {
    /// Digests and sizes measured while streaming (`None` for a root filesystem directory).
    pub stats: Option<LayerStats>,
    /// The visitor's output.
    pub output: Arc<T>,
}

/// An image read end to end: its verified description and one result per layer, base first.
#[derive(Debug)]
pub struct ImageRead<T> {
    /// Config, digests and layer descriptors (sizes filled in from what was measured).
    pub meta: ImageMeta,
    /// Per-layer results, in layer order.
    pub layers: Vec<LayerResult<T>>,
}

struct Collected<T> {
    index: Option<usize>,
    stats: Option<LayerStats>,
    output: T,
}

/// Results of earlier reads, by the digest of the stored blob. A hit skips decompression and
/// analysis of that layer (its blob is still hashed against the manifest's digest).
pub trait LayerCache<T>: Sync {
    /// The stats and visitor output recorded for blob `digest`.
    fn get(&self, digest: &Digest) -> Option<(LayerStats, T)>;
    /// Record a layer just read.
    fn put(&self, stats: &LayerStats, output: &T);
    /// Whether the blob of `stamp` (a digest and the stored file's stamp) was hashed and
    /// matched before.
    fn verified(&self, _stamp: &str) -> bool {
        false
    }
    /// Records that the blob of `stamp` was hashed and matched.
    fn record_verified(&self, _stamp: &str) {}
}

struct Sink<'f, V: EntryVisitor, F> {
    make: &'f F,
    cache: Option<&'f dyn LayerCache<V::Output>>,
    options: &'f ReadOptions,
    budget: Arc<AtomicU64>,
    results: Mutex<Vec<Collected<V::Output>>>,
}

impl<V, F> LayerSink for Sink<'_, V, F>
where
    V: EntryVisitor,
    V::Output: Send,
    F: Fn() -> V + Sync,
{
    fn layer(&self, raw: RawLayer<'_>) -> Result<()> {
        let reader = match (raw.reader, &self.options.progress) {
            (BlobReader::Owned(r), Some(p)) => {
                BlobReader::Owned(Box::new(ProgressReader { inner: r, progress: p.clone() }))
            }
            (BlobReader::Borrowed(r), Some(p)) => {
                BlobReader::Borrowed(Box::new(ProgressReader { inner: r, progress: p.clone() }))
            }
            (reader, None) => reader,
        };
        let limits = &self.options.limits;
        let mut stream = LayerStream::new(&raw.subject, reader, raw.expected, limits, self.budget.clone())?;
        let mut visitor = (self.make)();
        walk_layer(&raw.subject, &mut stream, limits, &mut visitor)?;
        let stats = stream.finish()?;
        let output = visitor.finish();
        if let Some(cache) = self.cache {
            cache.put(&stats, &output);
        }
        self.push(Collected { index: raw.index, stats: Some(stats), output })
    }

    fn known(&self, index: usize, digest: &Digest) -> bool {
        let Some((stats, output)) = self.cache.and_then(|c| c.get(digest)) else { return false };
        // A cached layer counts against --max-image-size as a streamed one does; one that would
        // pass the cap is streamed instead, so the cap says the same as on a cold read.
        let size = stats.uncompressed_size;
        if self.budget.fetch_add(size, Ordering::Relaxed) + size > self.options.limits.max_image_bytes {
            self.budget.fetch_sub(size, Ordering::Relaxed);
            return false;
        }
        self.push(Collected { index: Some(index), stats: Some(stats), output }).is_ok()
    }

    fn verified(&self, stamp: &str) -> bool {
        self.cache.is_some_and(|c| c.verified(stamp))
    }

    fn record_verified(&self, stamp: &str) {
        if let Some(c) = self.cache {
            c.record_verified(stamp);
        }
    }

    fn tree(&self, root: &Path) -> Result<()> {
        let mut visitor = (self.make)();
        tree::walk_tree(root, &self.options.limits, &[], &mut visitor)?;
        self.push(Collected { index: Some(0), stats: None, output: visitor.finish() })
    }
}

impl<V: EntryVisitor, F> Sink<'_, V, F> {
    fn push(&self, c: Collected<V::Output>) -> Result<()> {
        self.results.lock().map_err(|_| Error::new(ErrorKind::Io, "layers", "a layer reader panicked"))?.push(c);
        Ok(())
    }
}

struct ProgressReader<R> {
    inner: R,
    progress: Arc<dyn Fn(u64) + Send + Sync>,
}

impl<R: std::io::Read> std::io::Read for ProgressReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        (self.progress)(n as u64);
        Ok(n)
    }
}

/// Read an image from `source`: verify it, stream every layer through a fresh visitor from
/// `make`, and return the results in layer order.
pub fn read_image<V, F>(source: &dyn ImageSource, options: &ReadOptions, make: F) -> Result<ImageRead<V::Output>>
where
    V: EntryVisitor,
    V::Output: Send,
    F: Fn() -> V + Sync,
{
    read_image_cached(source, options, make, None)
}

/// [`read_image`] with a cache of earlier layer results: layers whose blob digest it knows are
/// only hashed, not decompressed or visited.
pub fn read_image_cached<V, F>(
    source: &dyn ImageSource,
    options: &ReadOptions,
    make: F,
    cache: Option<&dyn LayerCache<V::Output>>,
) -> Result<ImageRead<V::Output>>
where
    V: EntryVisitor,
    V::Output: Send,
    F: Fn() -> V + Sync,
{
    let sink: Sink<'_, V, F> =
        Sink { make: &make, cache, options, budget: Arc::new(AtomicU64::new(0)), results: Mutex::new(Vec::new()) };
    let mut meta = source.read(&sink)?;
    let collected =
        sink.results.into_inner().map_err(|_| Error::new(ErrorKind::Io, source.name(), "a layer reader panicked"))?;
    let count = meta.layers.len();
    let mut slots: Vec<Option<LayerResult<V::Output>>> = (0..count).map(|_| None).collect();
    for c in collected {
        let output = Arc::new(c.output);
        let targets: Vec<usize> = match c.index {
            Some(i) if i < count => vec![i],
            Some(i) => {
                return Err(Error::new(
                    ErrorKind::Malformed,
                    source.name(),
                    format!("layer {i} is not in the manifest"),
                ));
            }
            None => {
                // Matched by measured diff_id; a layer listed twice gets the same result twice.
                let diff_id = c.stats.as_ref().map(|s| &s.diff_id);
                let hits: Vec<usize> = meta
                    .layers
                    .iter()
                    .filter(|l| l.diff_id.as_ref() == diff_id && slots[l.index].is_none())
                    .map(|l| l.index)
                    .collect();
                if hits.is_empty() {
                    let shown = diff_id.map_or_else(|| "?".to_string(), ToString::to_string);
                    return Err(Error::new(
                        ErrorKind::DigestMismatch,
                        source.name(),
                        format!("a layer blob hashes to {shown}, which no diff_id in the config names"),
                    ));
                }
                hits
            }
        };
        for i in targets {
            slots[i] = Some(LayerResult { stats: c.stats.clone(), output: output.clone() });
        }
    }
    let mut layers = Vec::with_capacity(count);
    for (i, slot) in slots.into_iter().enumerate() {
        let result = slot.ok_or_else(|| {
            Error::new(ErrorKind::NotFound, source.name(), format!("layer {i} was not found in the source"))
        })?;
        if let Some(stats) = &result.stats {
            let d = &mut meta.layers[i];
            d.digest.get_or_insert_with(|| stats.digest.clone());
            d.size.get_or_insert(stats.size);
            d.uncompressed_size = Some(stats.uncompressed_size);
            if d.diff_id.is_none() {
                d.diff_id = Some(stats.diff_id.clone());
            }
        }
        layers.push(result);
    }
    Ok(ImageRead { meta, layers })
}
