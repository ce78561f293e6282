//! Images in the local Docker Engine, streamed from its API (`GET /images/{name}/get`) over the
//! unix socket (`DOCKER_HOST` honoured). No `docker` CLI is run, nothing is written to disk: the
//! export tar is walked as it arrives and each layer analysed in passing, then matched to the
//! config's `diff_ids`.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Cursor, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use bollard::Docker;
use futures_util::StreamExt;

use super::docker_archive::{digest_from_member_name, select_entry, verify_config};
use super::{ImageMeta, ImageSource, LayerSink, RawLayer, check_layer_count, parse_config, parse_json};
use crate::digest::Digest;
use crate::error::{Error, ErrorKind, Result, from_io};
use crate::layer::{BlobReader, Expected};
use crate::limits::Limits;
use crate::path::normalize_member;
use crate::platform::Platform;
use crate::spec::DockerArchiveEntry;
use crate::tar_reader::{Skip, TYPE_GLOBAL, TYPE_LINK, TYPE_REG, TYPE_SYMLINK, TarReader};

/// An image in the local Docker Engine.
pub struct DaemonSource {
    image: String,
    name: String,
    platform: Option<Platform>,
    limits: Limits,
}

impl DaemonSource {
    /// `docker:NAME|ID`.
    pub fn new(image: &str, platform: Option<Platform>, limits: Limits) -> Self {
        DaemonSource { image: image.to_string(), name: format!("docker:{image}"), platform, limits }
    }

    fn daemon_error(&self, e: &bollard::errors::Error, host: &str) -> Error {
        match e {
            bollard::errors::Error::DockerResponseServerError { status_code: 404, .. } => Error::new(
                ErrorKind::NotFound,
                &self.name,
                format!("no such image in the Docker Engine{}", self.not_found_hint()),
            ),
            other => Error::new(ErrorKind::Daemon, &self.name, format!("Docker Engine at {host}: {other}")),
        }
    }

    /// What the user may have meant by a name the Engine does not have: a path, or an image
    /// in a registry (`ghcr.io/…`, `localhost:5000/…`).
    fn not_found_hint(&self) -> String {
        let image = &self.image;
        if std::path::Path::new(image).exists() {
            return format!("; to scan the path `{image}` write ./{image} (or dir:, oci:, docker-archive:)");
        }
        if super::registry::Reference::names_registry(image) {
            return format!("; to pull it from its registry write registry:{image} (or leave out docker:)");
        }
        String::new()
    }
}

/// A `Read` over chunks arriving on a channel from the async side.
struct ChannelReader {
    rx: Receiver<std::result::Result<Vec<u8>, String>>,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.buf.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.buf = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(std::io::Error::other(e)),
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Skip for ChannelReader {}

impl ImageSource for DaemonSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn read(&self, sink: &dyn LayerSink) -> Result<ImageMeta> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::new(ErrorKind::Io, &self.name, format!("cannot start I/O runtime: {e}")))?;
        let host = std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".to_string());
        let docker =
            rt.block_on(async { Docker::connect_with_defaults()?.negotiate_version().await }).map_err(|e| {
                Error::new(ErrorKind::Daemon, &self.name, format!("cannot reach the Docker Engine at {host}: {e}"))
            })?;
        let inspect = rt.block_on(docker.inspect_image(&self.image)).map_err(|e| self.daemon_error(&e, &host))?;
        let id = inspect
            .id
            .as_deref()
            .map(Digest::parse)
            .transpose()?
            .ok_or_else(|| Error::new(ErrorKind::Daemon, &self.name, "the Engine reported no image id"))?;
        let (tx, rx): (SyncSender<std::result::Result<Vec<u8>, String>>, _) = sync_channel(16);
        let export_name = id.to_string();
        std::thread::scope(|scope| {
            scope.spawn(move || {
                rt.block_on(async {
                    let mut stream = docker.export_image(&export_name);
                    while let Some(chunk) = stream.next().await {
                        let msg = chunk.map(|b| b.to_vec()).map_err(|e| format!("export failed: {e}"));
                        let failed = msg.is_err();
                        if tx.send(msg).is_err() || failed {
                            break;
                        }
                    }
                });
            });
            let reader = ChannelReader { rx, buf: Vec::new(), pos: 0 };
            let mut meta = self.read_export(reader, &id, sink)?;
            meta.names = inspect.repo_tags.clone().unwrap_or_default();
            Ok(meta)
        })
    }
}

impl DaemonSource {
    /// Walk the export tar once: buffer the small JSON documents, stream every layer to `sink`.
    fn read_export(&self, reader: ChannelReader, id: &Digest, sink: &dyn LayerSink) -> Result<ImageMeta> {
        let subject = self.name.clone();
        let bad = |e: std::io::Error| from_io(&subject, e);
        let mut tar = TarReader::new(&subject, reader);
        let mut documents: HashMap<String, Vec<u8>> = HashMap::new();
        let mut links: HashMap<String, String> = HashMap::new();
        let mut streamed: HashSet<String> = HashSet::new();
        while let Some(header) = tar.next_header()? {
            if header.typeflag == TYPE_GLOBAL {
                continue;
            }
            let path = String::from_utf8(header.name)
                .ok()
                .and_then(|p| normalize_member(&p).ok())
                .ok_or_else(|| Error::new(ErrorKind::Unsafe, &subject, "export holds an invalid member name"))?;
            match header.typeflag {
                TYPE_SYMLINK | TYPE_LINK => {
                    let target = String::from_utf8_lossy(&header.linkname).to_string();
                    if !target.is_empty() {
                        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
                        let joined =
                            if target.starts_with('/') || dir.is_empty() { target } else { format!("{dir}/{target}") };
                        if let Ok(resolved) = normalize_member(&joined) {
                            links.insert(path, resolved);
                        }
                    }
                }
                TYPE_REG => {
                    let size = u64::try_from(header.size).unwrap_or(0);
                    let mut buffered = BufReader::with_capacity(64 << 10, &mut tar);
                    let looks_json = matches!(buffered.fill_buf().map_err(bad)?.first(), Some(b'{' | b'['));
                    if looks_json && size <= self.limits.max_json_bytes {
                        let mut doc = Vec::new();
                        buffered.read_to_end(&mut doc).map_err(bad)?;
                        if serde_json::from_slice::<serde::de::IgnoredAny>(&doc).is_ok() {
                            documents.insert(path, doc);
                        } else {
                            self.stream_layer(sink, &path, Box::new(Cursor::new(doc)))?;
                            streamed.insert(path);
                        }
                    } else if size > 512 {
                        self.stream_layer(sink, &path, Box::new(buffered))?;
                        streamed.insert(path);
                    }
                }
                _ => {}
            }
        }
        let manifest_subject = format!("{subject}: manifest.json");
        let manifest = documents
            .get("manifest.json")
            .ok_or_else(|| Error::new(ErrorKind::Malformed, &manifest_subject, "missing from the Engine's export"))?;
        let entries: Vec<DockerArchiveEntry> = parse_json(&manifest_subject, manifest)?;
        let entry = select_entry(&subject, &entries, None)?;
        let config_subject = format!("{subject}: {}", entry.config);
        let config_bytes = documents.get(&entry.config).ok_or_else(|| {
            Error::new(ErrorKind::Malformed, &config_subject, "config missing from the Engine's export")
        })?;
        let config_digest = verify_config(&config_subject, &entry.config, config_bytes)?;
        if &config_digest != id {
            return Err(Error::new(
                ErrorKind::DigestMismatch,
                &config_subject,
                format!("digest mismatch: the Engine says image {id}, the exported config is {config_digest}"),
            ));
        }
        let config = parse_config(&config_subject, config_bytes, self.platform.as_ref())?;
        check_layer_count(&manifest_subject, &config, entry.layers.len())?;
        for path in &entry.layers {
            let mut p = path.clone();
            for _ in 0..8 {
                match links.get(&p) {
                    Some(next) => p = next.clone(),
                    None => break,
                }
            }
            if !streamed.contains(&p) {
                return Err(Error::new(
                    ErrorKind::NotFound,
                    &subject,
                    format!("layer {path} missing from the Engine's export"),
                ));
            }
        }
        let mut meta = ImageMeta::new(&self.name, config, Some(config_digest));
        for (layer, path) in meta.layers.iter_mut().zip(&entry.layers) {
            layer.digest = digest_from_member_name(path);
        }
        Ok(meta)
    }

    fn stream_layer(&self, sink: &dyn LayerSink, path: &str, reader: Box<dyn Read + '_>) -> Result<()> {
        sink.layer(RawLayer {
            index: None,
            subject: format!("{}: {path}", self.name),
            expected: Expected { digest: digest_from_member_name(path), ..Expected::default() },
            reader: BlobReader::Borrowed(reader),
        })
    }
}
