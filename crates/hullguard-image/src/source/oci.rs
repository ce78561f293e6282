//! OCI image layouts: a directory (`oci:`) or the same packed in a tar (`oci-archive:`), with
//! index → manifest and index → nested index → manifest resolution, several images per layout,
//! and platform selection.

use std::collections::HashSet;
use std::path::Path;

use super::store::{BlobStore, DirStore, TarStore, read_json_file};
use super::{
    ImageMeta, ImageSource, LayerJob, LayerSink, check_layer_count, manifest_layer, parse_config, parse_json,
    reference_matches, stream_parallel,
};
use crate::digest::Digest;
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;
use crate::platform::Platform;
use crate::spec::{
    ANNOTATION_CONTAINERD_NAME, ANNOTATION_REF_NAME, Descriptor, Index, MEDIA_DOCKER_LIST, MEDIA_OCI_INDEX, Manifest,
};

/// An OCI image layout.
pub struct OciSource {
    store: Box<dyn BlobStore>,
    name: String,
    reference: Option<String>,
    platform: Option<Platform>,
    limits: Limits,
}

impl OciSource {
    /// `oci:DIR[:REF]`.
    pub fn dir(path: &Path, reference: Option<String>, platform: Option<Platform>, limits: Limits) -> Result<Self> {
        let store = DirStore::open(path)?;
        Ok(Self::from_store(Box::new(store), &path.display().to_string(), "oci", reference, platform, limits))
    }

    /// `oci-archive:FILE[:REF]`.
    pub fn archive(path: &Path, reference: Option<String>, platform: Option<Platform>, limits: Limits) -> Result<Self> {
        let store = TarStore::open(path, &limits)?;
        Ok(Self::from_store(Box::new(store), &path.display().to_string(), "oci-archive", reference, platform, limits))
    }

    pub(crate) fn from_store(
        store: Box<dyn BlobStore>,
        path: &str,
        transport: &str,
        reference: Option<String>,
        platform: Option<Platform>,
        limits: Limits,
    ) -> Self {
        let name = match &reference {
            Some(r) => format!("{transport}:{path}:{r}"),
            None => format!("{transport}:{path}"),
        };
        OciSource { store, name, reference, platform, limits }
    }

    fn blob_path(digest: &Digest) -> String {
        format!("blobs/sha256/{}", digest.hex())
    }

    fn read_blob(&self, desc: &Descriptor) -> Result<Vec<u8>> {
        read_json_file(
            self.store.as_ref(),
            &Self::blob_path(&desc.digest),
            Some((&desc.digest, desc.size)),
            &self.limits,
        )
    }

    fn subject(&self, what: &str) -> String {
        format!("{}: {what}", self.store.name())
    }

    /// Pick the top-level entry the user asked for.
    fn select_top(&self, index: &Index) -> Result<Descriptor> {
        let names = |d: &Descriptor| -> Vec<String> {
            [ANNOTATION_REF_NAME, ANNOTATION_CONTAINERD_NAME]
                .iter()
                .filter_map(|k| d.annotations.get(*k).cloned())
                .collect()
        };
        let available = || {
            let mut all: Vec<String> =
                index.manifests.iter().filter_map(|d| d.annotations.get(ANNOTATION_REF_NAME).cloned()).collect();
            all.dedup();
            if all.is_empty() { "(no names)".to_string() } else { all.join(", ") }
        };
        if index.manifests.is_empty() {
            return Err(Error::new(ErrorKind::Malformed, self.subject("index.json"), "lists no images"));
        }
        if let Some(wanted) = &self.reference {
            let hits: Vec<&Descriptor> = index
                .manifests
                .iter()
                .filter(|d| d.digest.as_str() == wanted || names(d).iter().any(|n| reference_matches(wanted, n)))
                .collect();
            return match hits.as_slice() {
                [] => Err(Error::new(
                    ErrorKind::NotFound,
                    self.store.name(),
                    format!("no image named {wanted:?}; the layout holds: {}", available()),
                )),
                [one] => Ok((*one).clone()),
                several => self.pick_platform(several, "index.json"),
            };
        }
        let named: HashSet<Vec<String>> = index.manifests.iter().map(names).collect();
        if index.manifests.len() == 1 {
            return Ok(index.manifests[0].clone());
        }
        if named.len() > 1 {
            return Err(Error::new(
                ErrorKind::NotFound,
                self.store.name(),
                format!(
                    "the layout holds {} images ({}); name one, e.g. {}:{}",
                    index.manifests.len(),
                    available(),
                    self.name,
                    index.manifests[0].annotations.get(ANNOTATION_REF_NAME).map_or("REF", String::as_str)
                ),
            ));
        }
        let all: Vec<&Descriptor> = index.manifests.iter().collect();
        self.pick_platform(&all, "index.json")
    }

    /// Choose among the entries of an index by platform (default: the host's).
    fn pick_platform(&self, candidates: &[&Descriptor], what: &str) -> Result<Descriptor> {
        super::pick_platform(candidates, self.platform.as_ref(), self.subject(what))
    }

    /// Follow nested indexes down to an image manifest.
    fn resolve_manifest(&self, mut desc: Descriptor) -> Result<(Descriptor, Manifest)> {
        let mut seen = HashSet::new();
        for _ in 0..=self.limits.max_index_depth {
            if !seen.insert(desc.digest.clone()) {
                return Err(Error::new(
                    ErrorKind::Unsafe,
                    self.subject(&Self::blob_path(&desc.digest)),
                    "index cycle: an index refers back to itself",
                ));
            }
            let bytes = self.read_blob(&desc)?;
            let subject = self.subject(&Self::blob_path(&desc.digest));
            let is_index = match desc.media_type.as_deref() {
                Some(MEDIA_OCI_INDEX | MEDIA_DOCKER_LIST) => true,
                Some(_) => false,
                None => serde_json::from_slice::<serde_json::Value>(&bytes)
                    .ok()
                    .is_some_and(|v| v.get("manifests").is_some()),
            };
            if is_index {
                let nested: Index = parse_json(&subject, &bytes)?;
                let refs: Vec<&Descriptor> = nested.manifests.iter().collect();
                if refs.is_empty() {
                    return Err(Error::new(ErrorKind::Malformed, subject, "index lists no manifests"));
                }
                desc = self.pick_platform(&refs, &Self::blob_path(&desc.digest))?;
                continue;
            }
            let manifest: Manifest = parse_json(&subject, &bytes)?;
            return Ok((desc, manifest));
        }
        Err(Error::new(
            ErrorKind::Limit,
            self.store.name(),
            format!("image indexes nested deeper than {}", self.limits.max_index_depth),
        ))
    }
}

impl ImageSource for OciSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn read(&self, sink: &dyn LayerSink) -> Result<ImageMeta> {
        let index_bytes = read_json_file(self.store.as_ref(), "index.json", None, &self.limits)?;
        let index: Index = parse_json(&self.subject("index.json"), &index_bytes)?;
        let top = self.select_top(&index)?;
        let names: Vec<String> = top
            .annotations
            .get(ANNOTATION_REF_NAME)
            .into_iter()
            .chain(top.annotations.get(ANNOTATION_CONTAINERD_NAME))
            .cloned()
            .collect();
        let (desc, manifest) = self.resolve_manifest(top)?;
        let config_subject = self.subject(&Self::blob_path(&manifest.config.digest));
        let config_bytes = self.read_blob(&manifest.config)?;
        let config = parse_config(&config_subject, &config_bytes, self.platform.as_ref())?;
        check_layer_count(&self.subject(&Self::blob_path(&desc.digest)), &config, manifest.layers.len())?;
        let mut meta = ImageMeta::new(&self.name, config, Some(manifest.config.digest.clone()));
        meta.manifest_digest = Some(desc.digest.clone());
        meta.names = names;
        let mut jobs = Vec::new();
        for (i, layer) in manifest.layers.iter().enumerate() {
            let path = Self::blob_path(&layer.digest);
            let subject = format!("{}: layer {i} ({path})", self.store.name());
            let expected = manifest_layer(&mut meta, i, layer, &subject)?;
            match self.store.size(&path)? {
                None => return Err(Error::new(ErrorKind::NotFound, &subject, "blob missing from the image")),
                Some(actual) if actual != layer.size => {
                    return Err(Error::new(
                        ErrorKind::SizeMismatch,
                        &subject,
                        format!("size mismatch: manifest says {} bytes, blob has {actual}", layer.size),
                    ));
                }
                Some(_) => {}
            }
            let store = self.store.as_ref();
            jobs.push(LayerJob {
                index: i,
                subject,
                expected,
                size_hint: layer.size,
                stamp: store.stamp(&path),
                prove_known: true,
                open: Box::new(move || store.open(&path)),
            });
        }
        stream_parallel(jobs, sink, threads())?;
        Ok(meta)
    }
}

/// Worker threads for layer streaming: one per core.
pub(crate) fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}
