//! One layer blob turned into a verified stream of uncompressed tar bytes: decompression chosen
//! by media type and confirmed by magic bytes, the compressed digest and size and the `diff_id`
//! checked as bytes pass, and the expansion bounded against decompression bombs.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use sha2::{Digest as _, Sha256};

use crate::digest::{Digest, HashingReader};
use crate::error::{Error, ErrorKind, Result, from_io, into_io};
use crate::limits::Limits;

/// How a layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// A plain tar.
    None,
    /// gzip (possibly several members).
    Gzip,
    /// zstd.
    Zstd,
}

impl Compression {
    /// The compression a layer media type declares, `None` for media types that are not
    /// readable layers (encrypted, unknown).
    pub fn from_media_type(media_type: &str) -> Option<Compression> {
        Some(match media_type {
            "application/vnd.oci.image.layer.v1.tar"
            | "application/vnd.oci.image.layer.nondistributable.v1.tar"
            | "application/vnd.docker.image.rootfs.diff.tar" => Compression::None,
            "application/vnd.oci.image.layer.v1.tar+gzip"
            | "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
            | "application/vnd.docker.image.rootfs.diff.tar.gzip"
            | "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip" => Compression::Gzip,
            "application/vnd.oci.image.layer.v1.tar+zstd"
            | "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
            | "application/vnd.docker.image.rootfs.diff.tar.zstd" => Compression::Zstd,
            _ => return None,
        })
    }

    /// Lower-case name (`gzip`, `zstd`, `none`).
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// What a layer blob is expected to be.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    /// Compression declared by the media type (`None`: decide by magic bytes).
    pub compression: Option<Compression>,
    /// Digest of the blob as stored.
    pub digest: Option<Digest>,
    /// Size of the blob as stored.
    pub size: Option<u64>,
    /// Digest of the uncompressed tar.
    pub diff_id: Option<Digest>,
}

impl Expected {
    /// Check a stored blob's measured digest and size against what is expected of it.
    pub(crate) fn check_stored(&self, subject: &str, digest: &Digest, size: u64) -> Result<()> {
        check_size(subject, self.size, size)?;
        check_digest(subject, self.digest.as_ref(), digest)
    }
}

/// `Err` naming both sizes when a blob's size differs from the declared one.
pub(crate) fn check_size(subject: &str, declared: Option<u64>, actual: u64) -> Result<()> {
    match declared {
        Some(want) if want != actual => Err(Error::new(
            ErrorKind::SizeMismatch,
            subject,
            format!("size mismatch: descriptor says {want} bytes, blob has {actual}"),
        )),
        _ => Ok(()),
    }
}

/// `Err` naming both digests when a blob does not hash to the expected digest.
pub(crate) fn check_digest(subject: &str, expected: Option<&Digest>, actual: &Digest) -> Result<()> {
    match expected {
        Some(want) if want != actual => Err(Error::new(
            ErrorKind::DigestMismatch,
            subject,
            format!("digest mismatch: expected {want}, got {actual}"),
        )),
        _ => Ok(()),
    }
}

/// Facts measured while a layer streamed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LayerStats {
    /// Digest of the blob as stored.
    pub digest: Digest,
    /// Size of the blob as stored.
    pub size: u64,
    /// Digest of the uncompressed tar.
    pub diff_id: Digest,
    /// Size of the uncompressed tar.
    pub uncompressed_size: u64,
    /// Compression found.
    pub compression: Compression,
}

/// A layer blob as handed over by a source.
pub enum BlobReader<'a> {
    /// A reader that can move to another thread: decompression then runs on its own thread,
    /// in parallel with hashing and the tar walk.
    Owned(Box<dyn Read + Send + 'static>),
    /// A reader tied to the caller (e.g. an entry of a tar being streamed): decoded inline.
    Borrowed(Box<dyn Read + 'a>),
}

/// Hash state of the compressed side, shared so it can be read after the decoder is done.
#[derive(Default)]
struct RawState {
    hasher: Sha256,
    count: u64,
}

/// Hashes and counts the blob as stored.
struct RawHasher<R> {
    inner: R,
    state: Arc<Mutex<RawState>>,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for RawHasher<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut state = self.state.lock().map_err(|_| io::Error::other("hash state poisoned"))?;
        state.hasher.update(&buf[..n]);
        state.count += n as u64;
        self.count.store(state.count, Ordering::Relaxed);
        Ok(n)
    }
}

type Buffered<R> = BufReader<RawHasher<R>>;

/// The decompressor for one blob; `Send` whenever the blob reader is.
enum Decoder<R: Read> {
    Plain(Buffered<R>),
    Gzip(Box<flate2::bufread::MultiGzDecoder<Buffered<R>>>),
    Zstd(zstd::stream::read::Decoder<'static, Buffered<R>>),
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Plain(r) => r.read(buf),
            Decoder::Gzip(r) => r.read(buf),
            Decoder::Zstd(r) => r.read(buf),
        }
    }
}

/// Chunks of decompressed bytes from the decode thread. Dropping the reader stops the thread.
struct ChunkReader {
    rx: Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl Read for ChunkReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.chunk.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.chunk.len() - self.pos);
        out[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Decompressed bytes per chunk sent from the decode thread.
const CHUNK_BYTES: usize = 256 << 10;
/// Chunks in flight between the threads (bounds the memory a layer uses).
const CHUNKS_IN_FLIGHT: usize = 4;

/// Run `decoder` to the end on its own thread, sending chunks until the receiver goes away.
fn spawn_decoder<R: Read + Send + 'static>(mut decoder: Decoder<R>) -> (ChunkReader, JoinHandle<()>) {
    let (tx, rx): (SyncSender<io::Result<Vec<u8>>>, _) = sync_channel(CHUNKS_IN_FLIGHT);
    let handle = std::thread::spawn(move || {
        loop {
            let mut chunk = vec![0u8; CHUNK_BYTES];
            let mut filled = 0;
            let result = loop {
                match decoder.read(&mut chunk[filled..]) {
                    Ok(0) => break Ok(()),
                    Ok(n) => {
                        filled += n;
                        if filled == chunk.len() {
                            break Ok(());
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e),
                }
            };
            let done = filled < chunk.len();
            chunk.truncate(filled);
            if filled > 0 && tx.send(Ok(chunk)).is_err() {
                return;
            }
            match result {
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
                Ok(()) if done => return,
                Ok(()) => {}
            }
        }
    });
    (ChunkReader { rx, chunk: Vec::new(), pos: 0 }, handle)
}

/// Enforces the expansion ratio and the image size cap on the decompressed side.
struct Guard<R> {
    inner: R,
    produced: u64,
    compressed: Arc<AtomicU64>,
    limits: Limits,
    budget: Arc<AtomicU64>,
    subject: String,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        let used = self.budget.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        if used > self.limits.max_image_bytes {
            return Err(into_io(Error::new(
                ErrorKind::Limit,
                &self.subject,
                format!(
                    "image expands beyond the {} byte limit (raise it with --max-image-size)",
                    self.limits.max_image_bytes
                ),
            )));
        }
        if self.produced > self.limits.ratio_floor_bytes {
            let compressed = self.compressed.load(Ordering::Relaxed).max(1);
            if self.produced / compressed > self.limits.max_expansion_ratio {
                return Err(into_io(Error::new(
                    ErrorKind::Limit,
                    &self.subject,
                    format!(
                        "decompression bomb: more than {}x expansion ({} bytes from {compressed}); raise --max-expansion-ratio if this is legitimate",
                        self.limits.max_expansion_ratio, self.produced
                    ),
                )));
            }
        }
        Ok(n)
    }
}

/// A verified, decompressed layer stream. Read the tar from it, then call [`LayerStream::finish`].
pub struct LayerStream<'a> {
    subject: String,
    expected: Expected,
    compression: Compression,
    raw: Arc<Mutex<RawState>>,
    tar: HashingReader<Guard<Box<dyn Read + 'a>>>,
    decode_thread: Option<JoinHandle<()>>,
}

/// Buffer the blob, check its magic bytes against the declared compression, build the decoder.
fn open_decoder<R: Read>(
    subject: &str,
    raw: R,
    declared: Option<Compression>,
    state: Arc<Mutex<RawState>>,
    count: Arc<AtomicU64>,
) -> Result<(Decoder<R>, Compression)> {
    let mut buffered = BufReader::with_capacity(CHUNK_BYTES, RawHasher { inner: raw, state, count });
    let head = buffered.fill_buf().map_err(|e| from_io(subject, e))?;
    if head.is_empty() {
        return Err(Error::new(ErrorKind::Malformed, subject, "empty layer blob"));
    }
    let found = Compression::sniff(head);
    if let Some(declared) = declared.filter(|d| *d != found) {
        return Err(Error::new(
            ErrorKind::Malformed,
            subject,
            format!("media type says {} but the content is {}", declared.name(), found.name()),
        ));
    }
    let decoder = match found {
        Compression::None => Decoder::Plain(buffered),
        Compression::Gzip => Decoder::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(buffered))),
        Compression::Zstd => {
            Decoder::Zstd(zstd::stream::read::Decoder::with_buffer(buffered).map_err(|e| from_io(subject, e))?)
        }
    };
    Ok((decoder, found))
}

impl<'a> LayerStream<'a> {
    /// Start streaming `raw` (the blob as stored). `budget` counts uncompressed bytes across all
    /// layers of the image for the total size cap.
    pub fn new(
        subject: &str,
        raw: BlobReader<'a>,
        expected: Expected,
        limits: &Limits,
        budget: Arc<AtomicU64>,
    ) -> Result<Self> {
        let count = Arc::new(AtomicU64::new(0));
        let state = Arc::new(Mutex::new(RawState::default()));
        let declared = expected.compression;
        let (inner, compression, decode_thread): (Box<dyn Read + 'a>, Compression, Option<JoinHandle<()>>) = match raw {
            BlobReader::Owned(r) => {
                let (decoder, found) = open_decoder(subject, r, declared, state.clone(), count.clone())?;
                let (chunks, handle) = spawn_decoder(decoder);
                (Box::new(chunks), found, Some(handle))
            }
            BlobReader::Borrowed(r) => {
                let (decoder, found) = open_decoder(subject, r, declared, state.clone(), count.clone())?;
                (Box::new(decoder), found, None)
            }
        };
        let guard = Guard {
            inner,
            produced: 0,
            compressed: count,
            limits: limits.clone(),
            budget,
            subject: subject.to_string(),
        };
        Ok(LayerStream {
            subject: subject.to_string(),
            expected,
            compression,
            raw: state,
            tar: HashingReader::new(guard),
            decode_thread,
        })
    }

    /// Drain the rest of the stream and check every digest and size. Call after the tar walk.
    pub fn finish(self) -> Result<LayerStats> {
        let subject = self.subject;
        let (diff_id, uncompressed_size) = self.tar.finish().map_err(|e| from_io(&subject, e))?;
        if let Some(handle) = self.decode_thread {
            handle.join().map_err(|_| Error::new(ErrorKind::Io, &subject, "decoder thread panicked"))?;
        }
        let (digest, size) = {
            let mut state = self.raw.lock().map_err(|_| Error::new(ErrorKind::Io, &subject, "hash state poisoned"))?;
            let hasher = std::mem::take(&mut state.hasher);
            (Digest::from_hex(&hex::encode(hasher.finalize()))?, state.count)
        };
        self.expected.check_stored(&subject, &digest, size)?;
        if let Some(want) = &self.expected.diff_id
            && want != &diff_id
        {
            return Err(Error::new(
                ErrorKind::DigestMismatch,
                &subject,
                format!("diff_id mismatch: config says {want}, uncompressed content is {diff_id}"),
            ));
        }
        Ok(LayerStats { digest, size, diff_id, uncompressed_size, compression: self.compression })
    }
}

impl Read for LayerStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.tar.read(buf)
    }
}
