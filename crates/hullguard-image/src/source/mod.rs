//! Where images come from. Each transport implements [`ImageSource`]: it resolves and verifies the
//! manifest and config, then hands every layer blob to a [`LayerSink`]. A new transport (a
//! registry) is one more implementation; nothing downstream changes.

mod daemon;
mod docker_archive;
mod oci;
pub mod registry;
mod rootfs;
pub mod store;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde::Serialize;

use crate::digest::Digest;
use crate::error::{Error, ErrorKind, Result};
use crate::layer::{BlobReader, Expected};
use crate::limits::Limits;
use crate::platform::Platform;
use crate::spec::{Descriptor, ImageConfig};

pub use daemon::DaemonSource;
pub use docker_archive::DockerArchiveSource;
pub use oci::OciSource;
pub use registry::{RegistrySource, RegistrySpec};
pub use rootfs::RootfsSource;

/// A layer as the image describes it.
#[derive(Debug, Clone, Serialize)]
pub struct LayerDescriptor {
    /// 0-based position, base first.
    pub index: usize,
    /// Digest of the blob as stored (compressed), when the source states or measured it.
    pub digest: Option<Digest>,
    /// Digest of the uncompressed tar (from the config's `rootfs.diff_ids`).
    pub diff_id: Option<Digest>,
    /// Size of the blob as stored.
    pub size: Option<u64>,
    /// Size of the uncompressed tar, once streamed.
    pub uncompressed_size: Option<u64>,
    /// Media type, when the source states it.
    pub media_type: Option<String>,
    /// The history step that made the layer.
    pub created_by: Option<String>,
}

/// The verified description of an image.
#[derive(Debug, Clone, Serialize)]
pub struct ImageMeta {
    /// Where it was read from (`oci-archive:foo.tar:app:latest`).
    pub source: String,
    /// Digest of the chosen manifest (OCI sources).
    pub manifest_digest: Option<Digest>,
    /// Digest of the config blob, i.e. the image id.
    pub config_digest: Option<Digest>,
    /// Names the image carries in its source (`repo:tag`, ref names).
    pub names: Vec<String>,
    /// The parsed config.
    pub config: ImageConfig,
    /// Layers, base first.
    pub layers: Vec<LayerDescriptor>,
}

impl ImageMeta {
    fn new(source: &str, config: ImageConfig, config_digest: Option<Digest>) -> Self {
        let created_by = config.layer_created_by();
        let layers = config
            .rootfs
            .diff_ids
            .iter()
            .enumerate()
            .map(|(index, diff_id)| LayerDescriptor {
                index,
                digest: None,
                diff_id: Some(diff_id.clone()),
                size: None,
                uncompressed_size: None,
                media_type: None,
                created_by: created_by.get(index).cloned().flatten(),
            })
            .collect();
        ImageMeta {
            source: source.to_string(),
            manifest_digest: None,
            config_digest,
            names: Vec::new(),
            config,
            layers,
        }
    }

    /// The name to show for the image: its fullest name (`docker.io/library/app:1.0` over an OCI
    /// ref name that is a bare tag such as `latest`), else the source.
    pub fn display_name(&self) -> &str {
        let full = |n: &&String| n.contains('/') || n.contains(':');
        self.names.iter().find(full).or(self.names.first()).map_or(self.source.as_str(), String::as_str)
    }
}

/// One layer blob handed to a sink.
pub struct RawLayer<'a> {
    /// Position in the image when the source knows it; `None` when the sink must match the
    /// measured `diff_id` (the Docker Engine streams layers in its own order).
    pub index: Option<usize>,
    /// Name for messages (`app.tar: blobs/sha256/…`).
    pub subject: String,
    /// What the blob must turn out to be.
    pub expected: Expected,
    /// The blob as stored.
    pub reader: BlobReader<'a>,
}

/// Receives layers from a source, possibly from several threads at once.
pub trait LayerSink: Sync {
    /// One layer blob (a tar, possibly compressed).
    fn layer(&self, raw: RawLayer<'_>) -> Result<()>;
    /// An unpacked root filesystem, walked in place as the image's only layer.
    fn tree(&self, root: &Path) -> Result<()>;
    /// Whether layer `index`, whose stored blob has the (already verified by its manifest)
    /// `digest`, is known from an earlier read and need not be streamed again. Sources only ask
    /// when the blob is content-addressed by the manifest.
    fn known(&self, _index: usize, _digest: &Digest) -> bool {
        false
    }
    /// Whether a blob of this [`BlobStore::stamp`] (with its digest) was hashed before and
    /// matched: a known layer's blob need not be hashed again.
    fn verified(&self, _stamp: &str) -> bool {
        false
    }
    /// Records that the blob of `stamp` was hashed and matched.
    fn record_verified(&self, _stamp: &str) {}
}

/// A transport that can read one image.
pub trait ImageSource: Send + Sync {
    /// Display name for messages.
    fn name(&self) -> &str;
    /// Resolve and verify the image, stream its layers into `sink`, return its description.
    fn read(&self, sink: &dyn LayerSink) -> Result<ImageMeta>;
}

/// How a source was named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// `oci:DIR[:REF]`
    OciDir(PathBuf, Option<String>),
    /// `oci-archive:FILE[:REF]`
    OciArchive(PathBuf, Option<String>),
    /// `docker-archive:FILE[:REPO:TAG]`
    DockerArchive(PathBuf, Option<String>),
    /// `docker:NAME` / `docker-daemon:NAME` or a bare name
    Daemon(String),
    /// `dir:PATH`
    Rootfs(PathBuf),
    /// A file or directory whose format is detected from its content (`--input`).
    Detect(PathBuf, Option<String>),
    /// `registry:REF`, or a bare reference naming its registry host (`localhost:5000/app:1`).
    Registry(Box<RegistrySpec>),
}

impl SourceSpec {
    /// Parse a source argument. Known transport prefixes select the transport; a path written as
    /// one (`/…`, `./…`, `../…`, `.`, `..`) is detected by content; a reference whose first part
    /// is a registry host (`localhost:5000/app`, `ghcr.io/o/r`: a dot, a port or `localhost`) is
    /// pulled from that registry; anything else is an image reference, read from the Docker
    /// Engine, even when a file or folder of that name exists (a folder `app-mixed` must not turn
    /// `app-mixed` into an empty root filesystem).
    pub fn parse(arg: &str) -> Result<Self> {
        if arg.is_empty() {
            return Err(Error::new(ErrorKind::Malformed, "source", "empty image name"));
        }
        let split_path = |rest: &str| -> (PathBuf, Option<String>) {
            if Path::new(rest).exists() {
                return (PathBuf::from(rest), None);
            }
            match rest.split_once(':') {
                Some((p, r)) if !r.is_empty() => (PathBuf::from(p), Some(r.to_string())),
                _ => (PathBuf::from(rest), None),
            }
        };
        if let Some((transport, rest)) = arg.split_once(':') {
            match transport {
                "oci" => {
                    let (p, r) = split_path(rest);
                    return Ok(SourceSpec::OciDir(p, r));
                }
                "oci-archive" => {
                    let (p, r) = split_path(rest);
                    return Ok(SourceSpec::OciArchive(p, r));
                }
                "docker-archive" => {
                    let (p, r) = split_path(rest);
                    return Ok(SourceSpec::DockerArchive(p, r));
                }
                "docker" | "docker-daemon" => return Ok(SourceSpec::Daemon(rest.to_string())),
                "dir" => return Ok(SourceSpec::Rootfs(PathBuf::from(rest))),
                "registry" | "docker-registry" => {
                    return Ok(SourceSpec::Registry(Box::new(RegistrySpec::parse(rest)?)));
                }
                _ => {}
            }
        }
        let path_like = arg.starts_with(['/', '~']) || arg.starts_with("./") || arg.starts_with("../");
        if path_like || arg == "." || arg == ".." {
            return Ok(SourceSpec::Detect(PathBuf::from(arg), None));
        }
        if registry::Reference::names_registry(arg) {
            return Ok(SourceSpec::Registry(Box::new(RegistrySpec::parse(arg)?)));
        }
        Ok(SourceSpec::Daemon(arg.to_string()))
    }

    /// The image reference the spec names, if any: the `REF` of a layout or archive, the name of
    /// an Engine image (what the latest-tag check judges).
    pub fn reference(&self) -> Option<&str> {
        match self {
            SourceSpec::OciDir(_, r)
            | SourceSpec::OciArchive(_, r)
            | SourceSpec::DockerArchive(_, r)
            | SourceSpec::Detect(_, r) => r.as_deref(),
            SourceSpec::Daemon(name) => Some(name),
            SourceSpec::Registry(r) => Some(&r.name),
            SourceSpec::Rootfs(_) => None,
        }
    }

    /// Open the source this spec names.
    pub fn open(&self, platform: Option<Platform>, limits: &Limits) -> Result<Box<dyn ImageSource>> {
        Ok(match self {
            SourceSpec::OciDir(p, r) => Box::new(OciSource::dir(p, r.clone(), platform, limits.clone())?),
            SourceSpec::OciArchive(p, r) => Box::new(OciSource::archive(p, r.clone(), platform, limits.clone())?),
            SourceSpec::DockerArchive(p, r) => {
                Box::new(DockerArchiveSource::open(p, r.clone(), platform, limits.clone())?)
            }
            SourceSpec::Daemon(name) => Box::new(DaemonSource::new(name, platform, limits.clone())),
            SourceSpec::Rootfs(p) => Box::new(RootfsSource::open(p)?),
            SourceSpec::Detect(p, r) => detect(p, r.clone(), platform, limits)?,
            SourceSpec::Registry(r) => Box::new(RegistrySource::open(r, platform, limits.clone())?),
        })
    }
}

/// Detect an image's format from its content: an OCI layout or root filesystem directory, or a
/// tar holding `manifest.json` (docker-archive, any Docker version) or `index.json` (OCI).
fn detect(
    path: &Path,
    reference: Option<String>,
    platform: Option<Platform>,
    limits: &Limits,
) -> Result<Box<dyn ImageSource>> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(&name, &e))?;
    if meta.is_dir() {
        if path.join("index.json").is_file() {
            return Ok(Box::new(OciSource::dir(path, reference, platform, limits.clone())?));
        }
        return Ok(Box::new(RootfsSource::open(path)?));
    }
    let store = store::TarStore::open(path, limits)?;
    if store.contains("manifest.json") {
        return Ok(Box::new(DockerArchiveSource::from_store(store, &name, reference, platform, limits.clone())));
    }
    if store.contains("index.json") {
        return Ok(Box::new(OciSource::from_store(
            Box::new(store),
            &name,
            "oci-archive",
            reference,
            platform,
            limits.clone(),
        )));
    }
    Err(Error::new(ErrorKind::Malformed, name, "not an image archive (no manifest.json or index.json)"))
}

/// A layer to read: where its blob is and what it must be.
pub(crate) struct LayerJob<'s> {
    pub index: usize,
    pub subject: String,
    pub expected: Expected,
    pub size_hint: u64,
    pub open: Box<dyn Fn() -> Result<Box<dyn Read + Send>> + Send + Sync + 's>,
    /// The blob's [`BlobStore::stamp`], taken before it is read.
    pub stamp: Option<String>,
    /// Whether a layer the sink knows must still be hashed to prove the blob is that content
    /// (local files, which may have been altered); `false` for a registry, whose blob is only
    /// named by its digest, so a known digest needs no download at all.
    pub prove_known: bool,
}

/// Feed layers to `sink` from up to `threads` threads, largest first; the first error stops the rest.
pub(crate) fn stream_parallel(mut jobs: Vec<LayerJob<'_>>, sink: &dyn LayerSink, threads: usize) -> Result<()> {
    jobs.sort_by(|a, b| b.size_hint.cmp(&a.size_hint).then(a.index.cmp(&b.index)));
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let first_error: Mutex<Option<Error>> = Mutex::new(None);
    let workers = threads.clamp(1, jobs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { return };
                    let stamp = job.stamp.as_ref().zip(job.expected.digest.as_ref()).map(|(s, d)| format!("{d}|{s}"));
                    let known = job.expected.digest.as_ref().is_some_and(|d| sink.known(job.index, d));
                    let result = if known && !job.prove_known {
                        Ok(())
                    } else if known {
                        // Known content: still prove this blob is that content (hashing only,
                        // no decompression), so a cache never hides a tampered archive; unless
                        // these very bytes, unchanged on disk since, were proved before.
                        if stamp.as_deref().is_some_and(|s| sink.verified(s)) {
                            Ok(())
                        } else {
                            (job.open)().and_then(|reader| verify_blob(&job.subject, reader, &job.expected))
                        }
                    } else {
                        (job.open)().and_then(|reader| {
                            sink.layer(RawLayer {
                                index: Some(job.index),
                                subject: job.subject.clone(),
                                expected: job.expected.clone(),
                                reader: BlobReader::Owned(reader),
                            })
                        })
                    };
                    if result.is_ok()
                        && let Some(s) = &stamp
                    {
                        sink.record_verified(s);
                    }
                    if let Err(e) = result {
                        stop.store(true, Ordering::Relaxed);
                        if let Ok(mut slot) = first_error.lock() {
                            slot.get_or_insert(e);
                        }
                        return;
                    }
                }
            });
        }
    });
    match first_error.into_inner() {
        Ok(Some(e)) => Err(e),
        _ => Ok(()),
    }
}

/// Choose among the entries of an index by platform (default: the host's); `subject` names the
/// index in the error.
pub(crate) fn pick_platform(
    candidates: &[&Descriptor],
    platform: Option<&Platform>,
    subject: String,
) -> Result<Descriptor> {
    let want = platform.cloned().unwrap_or_else(Platform::host);
    let real: Vec<&&Descriptor> = candidates
        .iter()
        .filter(|d| d.platform.as_ref().is_none_or(|p| p.os != "unknown" && p.arch != "unknown"))
        .collect();
    if let Some(hit) = real.iter().find(|d| d.platform.as_ref().is_some_and(|p| want.accepts(p))) {
        return Ok((**hit).clone());
    }
    // Entries without a platform: accept a single one and let the config decide.
    if real.len() == 1 && real[0].platform.is_none() {
        return Ok((*real[0]).clone());
    }
    let mut have: Vec<String> =
        real.iter().map(|d| d.platform.as_ref().map_or("unknown".to_string(), Platform::to_string)).collect();
    have.sort();
    have.dedup();
    Err(Error::new(
        ErrorKind::NotFound,
        subject,
        format!("no image for platform {want}; available: {}", have.join(", ")),
    ))
}

/// Hash a stored blob and check it against its expected digest and size.
fn verify_blob(subject: &str, reader: Box<dyn Read + Send>, expected: &Expected) -> Result<()> {
    let mut hashing = crate::digest::HashingReader::new(reader);
    std::io::copy(&mut hashing, &mut std::io::sink()).map_err(|e| crate::error::from_io(subject, e))?;
    let (digest, size) = hashing.finish().map_err(|e| crate::error::from_io(subject, e))?;
    expected.check_stored(subject, &digest, size)
}

/// What layer `i` of a manifest (`layer`) must be, for its job: its compression from the media
/// type (an unknown one is an error naming `subject`), its digest, size and `diff_id`; the
/// descriptor's digest, size and media type are recorded in `meta`.
pub(crate) fn manifest_layer(meta: &mut ImageMeta, i: usize, layer: &Descriptor, subject: &str) -> Result<Expected> {
    let media = layer.media_type.clone().unwrap_or_default();
    let compression = crate::layer::Compression::from_media_type(&media).ok_or_else(|| {
        Error::new(ErrorKind::Unsupported, subject, format!("unsupported layer media type {media:?}"))
    })?;
    let d = &mut meta.layers[i];
    d.digest = Some(layer.digest.clone());
    d.size = Some(layer.size);
    d.media_type = layer.media_type.clone();
    Ok(Expected {
        compression: Some(compression),
        digest: Some(layer.digest.clone()),
        size: Some(layer.size),
        diff_id: d.diff_id.clone(),
    })
}

/// Check the config's layer count against the manifest's.
pub(crate) fn check_layer_count(subject: &str, config: &ImageConfig, layers: usize) -> Result<()> {
    if config.rootfs.diff_ids.len() != layers {
        return Err(Error::new(
            ErrorKind::Malformed,
            subject,
            format!("manifest lists {layers} layers but the config has {} diff_ids", config.rootfs.diff_ids.len()),
        ));
    }
    Ok(())
}

/// Parse JSON, naming the document on failure.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(subject: &str, bytes: &[u8]) -> Result<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::new(ErrorKind::Malformed, subject, "empty JSON document"));
    }
    serde_json::from_slice(bytes).map_err(|e| Error::new(ErrorKind::Malformed, subject, format!("invalid JSON: {e}")))
}

/// Whether `wanted` (a user's reference) names an image called `name` (`repo:tag`, maybe with a
/// registry prefix): `app` matches `app:latest` and `docker.io/library/app:latest`.
pub(crate) fn reference_matches(wanted: &str, name: &str) -> bool {
    fn canonical(s: &str) -> String {
        let s = s.strip_prefix("docker.io/").unwrap_or(s);
        let s = s.strip_prefix("library/").unwrap_or(s);
        let last = s.rsplit('/').next().unwrap_or(s);
        if last.contains(':') || last.contains('@') { s.to_string() } else { format!("{s}:latest") }
    }
    wanted == name || canonical(wanted) == canonical(name)
}

/// Parse a config blob and check the wanted platform against it.
pub(crate) fn parse_config(subject: &str, bytes: &[u8], platform: Option<&Platform>) -> Result<ImageConfig> {
    let config: ImageConfig = parse_json(subject, bytes)?;
    if let Some(want) = platform {
        let have = config.platform();
        if !want.accepts(&have) {
            return Err(Error::new(ErrorKind::NotFound, subject, format!("image is {have}, not {want}")));
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_transports() {
        assert_eq!(
            SourceSpec::parse("oci-archive:/nonexistent/x.tar:app-mixed:latest").unwrap(),
            SourceSpec::OciArchive("/nonexistent/x.tar".into(), Some("app-mixed:latest".into()))
        );
        assert_eq!(SourceSpec::parse("docker:alpine:3.20").unwrap(), SourceSpec::Daemon("alpine:3.20".into()));
        assert_eq!(SourceSpec::parse("nginx:1.25").unwrap(), SourceSpec::Daemon("nginx:1.25".into()));
        assert_eq!(SourceSpec::parse("dir:/x").unwrap(), SourceSpec::Rootfs("/x".into()));
        let SourceSpec::Registry(hub) = SourceSpec::parse("registry:foo").unwrap() else { panic!() };
        assert_eq!(hub.name, "docker.io/library/foo:latest");
        let SourceSpec::Registry(local) = SourceSpec::parse("localhost:5000/app:1").unwrap() else { panic!() };
        assert_eq!((local.reference.registry.as_str(), local.reference.repository.as_str()), ("localhost:5000", "app"));
        assert!(SourceSpec::parse("registry:Bad/Name").is_err());
        assert_eq!(SourceSpec::parse("/x/y.tar").unwrap(), SourceSpec::Detect("/x/y.tar".into(), None));
        assert_eq!(SourceSpec::parse("./app").unwrap(), SourceSpec::Detect("./app".into(), None));
        assert_eq!(SourceSpec::parse("..").unwrap(), SourceSpec::Detect("..".into(), None));
        // A bare name is a reference even where a folder of that name exists.
        assert_eq!(SourceSpec::parse("src").unwrap(), SourceSpec::Daemon("src".into()));
    }

    #[test]
    fn matches_references() {
        assert!(reference_matches("app-mixed", "app-mixed:latest"));
        assert!(reference_matches("app-mixed:latest", "docker.io/library/app-mixed:latest"));
        assert!(!reference_matches("app-mixed:1.0", "app-mixed:latest"));
        assert!(!reference_matches("debian-base", "app-mixed:latest"));
    }
}
