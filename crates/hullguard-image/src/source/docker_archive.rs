//! `docker save` tarballs of every Docker version: the ≤24 layout (`manifest.json`,
//! `<id>/layer.tar`, shared layers as symlinks, layers uncompressed or gzip) and the ≥25 layout
//! (OCI `blobs/sha256/…` plus `manifest.json`).

use std::path::Path;

use super::oci::threads;
use super::store::{BlobStore, TarStore, read_json_file};
use super::{
    ImageMeta, ImageSource, LayerJob, LayerSink, check_layer_count, parse_config, parse_json, reference_matches,
    stream_parallel,
};
use crate::digest::Digest;
use crate::error::{Error, ErrorKind, Result};
use crate::layer::Expected;
use crate::limits::Limits;
use crate::platform::Platform;
use crate::spec::DockerArchiveEntry;

/// A `docker save` archive.
pub struct DockerArchiveSource {
    store: TarStore,
    name: String,
    reference: Option<String>,
    platform: Option<Platform>,
    limits: Limits,
}

impl DockerArchiveSource {
    /// `docker-archive:FILE[:REPO:TAG]`.
    pub fn open(path: &Path, reference: Option<String>, platform: Option<Platform>, limits: Limits) -> Result<Self> {
        let store = TarStore::open(path, &limits)?;
        Ok(Self::from_store(store, &path.display().to_string(), reference, platform, limits))
    }

    pub(crate) fn from_store(
        store: TarStore,
        path: &str,
        reference: Option<String>,
        platform: Option<Platform>,
        limits: Limits,
    ) -> Self {
        let name = match &reference {
            Some(r) => format!("docker-archive:{path}:{r}"),
            None => format!("docker-archive:{path}"),
        };
        DockerArchiveSource { store, name, reference, platform, limits }
    }
}

/// The digest a content-addressed member name promises (`<hex>.json`, `blobs/sha256/<hex>`).
pub(crate) fn digest_from_member_name(path: &str) -> Option<Digest> {
    let base = path.rsplit('/').next()?;
    let hex = base.strip_suffix(".json").unwrap_or(base);
    if path.starts_with("blobs/sha256/") || base.ends_with(".json") { Digest::from_hex(hex).ok() } else { None }
}

/// Choose the entry of `manifest.json` the user named (or the only one).
pub(crate) fn select_entry<'e>(
    archive: &str,
    entries: &'e [DockerArchiveEntry],
    reference: Option<&str>,
) -> Result<&'e DockerArchiveEntry> {
    let tags = || {
        let all: Vec<String> = entries.iter().flat_map(|e| e.repo_tags.clone().unwrap_or_default()).collect();
        if all.is_empty() { "(untagged)".to_string() } else { all.join(", ") }
    };
    match reference {
        Some(wanted) => {
            let hit = entries.iter().find(|e| {
                e.repo_tags.iter().flatten().any(|t| reference_matches(wanted, t))
                    || digest_from_member_name(&e.config).is_some_and(|d| {
                        d.as_str() == wanted
                            || d.hex().starts_with(wanted.trim_start_matches("sha256:")) && wanted.len() >= 12
                    })
            });
            hit.ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    archive,
                    format!("no image named {wanted:?}; the archive holds: {}", tags()),
                )
            })
        }
        None => match entries {
            [] => Err(Error::new(ErrorKind::Malformed, format!("{archive}: manifest.json"), "lists no images")),
            [one] => Ok(one),
            _ => Err(Error::new(
                ErrorKind::NotFound,
                archive,
                format!(
                    "the archive holds {} images ({}); name one as docker-archive:FILE:REPO:TAG",
                    entries.len(),
                    tags()
                ),
            )),
        },
    }
}

/// Verify a config read from a content-addressed name and return its digest.
pub(crate) fn verify_config(subject: &str, member: &str, bytes: &[u8]) -> Result<Digest> {
    let actual = Digest::of(bytes);
    if let Some(want) = digest_from_member_name(member)
        && want != actual
    {
        return Err(Error::new(
            ErrorKind::DigestMismatch,
            subject,
            format!("digest mismatch: name says {want}, content is {actual}"),
        ));
    }
    Ok(actual)
}

impl ImageSource for DockerArchiveSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn read(&self, sink: &dyn LayerSink) -> Result<ImageMeta> {
        let archive = self.store.name().to_string();
        let manifest_subject = format!("{archive}: manifest.json");
        let bytes = read_json_file(&self.store, "manifest.json", None, &self.limits)?;
        let entries: Vec<DockerArchiveEntry> = parse_json(&manifest_subject, &bytes)?;
        let entry = select_entry(&archive, &entries, self.reference.as_deref())?;
        let config_subject = format!("{archive}: {}", entry.config);
        let config_bytes = read_json_file(&self.store, &entry.config, None, &self.limits)?;
        let config_digest = verify_config(&config_subject, &entry.config, &config_bytes)?;
        let config = parse_config(&config_subject, &config_bytes, self.platform.as_ref())?;
        check_layer_count(&manifest_subject, &config, entry.layers.len())?;
        let mut meta = ImageMeta::new(&self.name, config, Some(config_digest));
        meta.names = entry.repo_tags.clone().unwrap_or_default();
        let mut jobs = Vec::new();
        for (i, path) in entry.layers.iter().enumerate() {
            let subject = format!("{archive}: layer {i} ({path})");
            let size = self
                .store
                .size(path)?
                .ok_or_else(|| Error::new(ErrorKind::NotFound, &subject, "layer missing from the archive"))?;
            let digest = digest_from_member_name(path);
            let store = &self.store;
            let path = path.clone();
            jobs.push(LayerJob {
                index: i,
                subject,
                expected: Expected {
                    compression: None,
                    digest,
                    size: Some(size),
                    diff_id: meta.layers[i].diff_id.clone(),
                },
                size_hint: size,
                stamp: store.stamp(&path),
                prove_known: true,
                open: Box::new(move || store.open(&path)),
            });
        }
        stream_parallel(jobs, sink, threads())?;
        Ok(meta)
    }
}
