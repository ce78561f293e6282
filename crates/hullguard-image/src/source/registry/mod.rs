//! Images pulled from an OCI distribution registry (`registry:HOST/REPO[:TAG|@DIGEST]`): the
//! manifest (or an index, resolved by platform), the config and every layer blob are fetched over
//! the distribution API and verified against their digests; blobs stream straight into the layer
//! reader, and a layer the cache already knows by its digest is not downloaded at all.

mod auth;
mod client;
pub mod reference;

use std::collections::HashSet;
use std::sync::Arc;

pub use auth::{Credentials, docker_config_credentials};
use client::Client;
pub use reference::Reference;

use super::{
    ImageMeta, ImageSource, LayerJob, LayerSink, check_layer_count, manifest_layer, parse_config, parse_json,
    pick_platform, stream_parallel,
};
use crate::digest::Digest;
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;
use crate::platform::Platform;
use crate::spec::{Descriptor, Index, MEDIA_DOCKER_LIST, MEDIA_OCI_INDEX, Manifest};

/// Docker's first manifest format, which hullguard does not read.
const MEDIA_DOCKER_SCHEMA1: [&str; 2] = [
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
];
/// Layers fetched at once from one registry.
const MAX_PARALLEL_BLOBS: usize = 4;

/// How to talk to a registry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryOptions {
    /// Credentials; `None`: anonymous, unless the registry's challenge finds some in the Docker config.
    pub credentials: Option<Credentials>,
    /// Plain HTTP (only to a loopback registry).
    pub insecure: bool,
    /// PEM certificates trusted besides the system roots (a private CA).
    pub ca_file: Option<std::path::PathBuf>,
}

/// A registry image as named on the command line, with how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrySpec {
    /// The normalised reference.
    pub reference: Reference,
    /// The reference as text (`docker.io/library/alpine:latest`).
    pub name: String,
    /// Credentials and transport.
    pub options: RegistryOptions,
}

impl RegistrySpec {
    /// Parse a reference (`alpine`, `localhost:5000/app:1`, `ghcr.io/o/r@sha256:…`).
    pub fn parse(arg: &str) -> Result<Self> {
        let reference = Reference::parse(arg)?;
        Ok(RegistrySpec { name: reference.to_string(), reference, options: RegistryOptions::default() })
    }
}

/// An image in a registry.
pub struct RegistrySource {
    spec: RegistrySpec,
    source_name: String,
    client: Arc<Client>,
    platform: Option<Platform>,
    limits: Limits,
}

impl RegistrySource {
    /// Prepare a client for the image (no request is made yet). Credentials not given come from
    /// the Docker config's `auths`.
    pub fn open(spec: &RegistrySpec, platform: Option<Platform>, limits: Limits) -> Result<Self> {
        let mut spec = spec.clone();
        if spec.options.credentials.is_none() {
            spec.options.credentials = docker_config_credentials(&spec.reference.registry)?;
        }
        let client = Arc::new(Client::new(&spec.reference, &spec.options)?);
        Ok(RegistrySource { source_name: format!("registry:{}", spec.name), spec, client, platform, limits })
    }

    fn subject(&self, what: &str) -> String {
        format!("{}: {what}", self.spec.name)
    }

    /// The image's config digest (its id, what a scan is stored under): the manifest the
    /// reference names resolved as [`ImageSource::read`] does, no layer fetched.
    pub fn config_digest(&self) -> Result<Digest> {
        Ok(self.resolve()?.1.config.digest)
    }

    /// Fetch the manifest the reference names, following indexes by platform, every document's
    /// digest verified: against the pinned digest or the descriptor, else the registry's
    /// `Docker-Content-Digest`.
    fn resolve(&self) -> Result<(Digest, Manifest)> {
        let mut wanted = self.spec.reference.manifest_ref().to_string();
        let mut expected: Option<Descriptor> = None;
        let mut seen = HashSet::new();
        for _ in 0..=self.limits.max_index_depth {
            let fetched = self.client.manifest(&wanted, self.limits.max_json_bytes)?;
            let subject = self.subject(&format!("manifest {wanted}"));
            let digest = Digest::of(&fetched.bytes);
            let claimed = match (&expected, &self.spec.reference.digest) {
                (Some(d), _) => Some(d.digest.clone()),
                (None, Some(pin)) => Some(pin.clone()),
                (None, None) => fetched.header_digest.as_deref().map(Digest::parse).transpose()?,
            };
            if let Some(want) = claimed.filter(|w| *w != digest) {
                return Err(Error::new(
                    ErrorKind::DigestMismatch,
                    &subject,
                    format!("digest mismatch: expected {want}, the registry sent content of {digest}"),
                ));
            }
            if let Some(d) = &expected {
                crate::layer::Expected { compression: None, digest: None, size: Some(d.size), diff_id: None }
                    .check_stored(&subject, &digest, fetched.bytes.len() as u64)?;
            }
            if !seen.insert(digest.clone()) {
                return Err(Error::new(ErrorKind::Unsafe, &subject, "index cycle: an index refers back to itself"));
            }
            let json: serde_json::Value = parse_json(&subject, &fetched.bytes)?;
            let media = json
                .get("mediaType")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string)
                .or_else(|| expected.as_ref().and_then(|d| d.media_type.clone()))
                .or(fetched.content_type.clone())
                .unwrap_or_default();
            if MEDIA_DOCKER_SCHEMA1.contains(&media.as_str())
                || json.get("schemaVersion").and_then(serde_json::Value::as_u64) == Some(1)
            {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    &subject,
                    "Docker schema 1 manifests are not supported (deprecated since 2017); re-push the image with a current client",
                ));
            }
            let is_index =
                matches!(media.as_str(), MEDIA_OCI_INDEX | MEDIA_DOCKER_LIST) || json.get("manifests").is_some();
            if is_index {
                let index: Index = parse_json(&subject, &fetched.bytes)?;
                let refs: Vec<&Descriptor> = index.manifests.iter().collect();
                if refs.is_empty() {
                    return Err(Error::new(ErrorKind::Malformed, subject, "index lists no manifests"));
                }
                let chosen = pick_platform(&refs, self.platform.as_ref(), subject)?;
                wanted = chosen.digest.to_string();
                expected = Some(chosen);
                continue;
            }
            let manifest: Manifest = parse_json(&subject, &fetched.bytes)?;
            return Ok((digest, manifest));
        }
        Err(Error::new(
            ErrorKind::Limit,
            &self.spec.name,
            format!("image indexes nested deeper than {}", self.limits.max_index_depth),
        ))
    }
}

impl ImageSource for RegistrySource {
    fn name(&self) -> &str {
        &self.source_name
    }

    fn read(&self, sink: &dyn LayerSink) -> Result<ImageMeta> {
        let (manifest_digest, manifest) = self.resolve()?;
        let manifest_subject = self.subject(&format!("manifest {manifest_digest}"));
        let config_subject = self.subject(&format!("config {}", manifest.config.digest));
        let config_bytes = self.client.small_blob(
            "config",
            &manifest.config.digest,
            manifest.config.size,
            self.limits.max_json_bytes,
        )?;
        let config = parse_config(&config_subject, &config_bytes, self.platform.as_ref())?;
        check_layer_count(&manifest_subject, &config, manifest.layers.len())?;
        let mut meta = ImageMeta::new(&self.source_name, config, Some(manifest.config.digest.clone()));
        meta.manifest_digest = Some(manifest_digest);
        meta.names = vec![self.spec.name.clone()];
        let mut jobs = Vec::new();
        for (i, layer) in manifest.layers.iter().enumerate() {
            let subject = self.subject(&format!("layer {i} ({})", layer.digest));
            let expected = manifest_layer(&mut meta, i, layer, &subject)?;
            let client = &self.client;
            let (digest, size) = (layer.digest.clone(), layer.size);
            jobs.push(LayerJob {
                index: i,
                subject,
                expected,
                size_hint: layer.size,
                stamp: None,
                prove_known: false,
                open: Box::new(move || {
                    Ok(Box::new(client.blob_stream(&digest, size)?) as Box<dyn std::io::Read + Send>)
                }),
            });
        }
        stream_parallel(jobs, sink, super::oci::threads().min(MAX_PARALLEL_BLOBS))?;
        Ok(meta)
    }
}

/// A manifest or index as stored, its digest verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredManifest {
    /// The digest of `bytes`.
    pub digest: Digest,
    /// Its media type (the document's `mediaType`, else the response's `Content-Type`).
    pub media_type: String,
    /// The document, exactly as stored.
    pub bytes: Vec<u8>,
}

/// A manifest a push stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// Its digest.
    pub digest: Digest,
    /// The registry's `OCI-Subject` header: set when the registry indexed the manifest as a
    /// referrer of that digest itself (it has the referrers API).
    pub indexed_subject: Option<String>,
}

/// One repository of a registry, for what goes beyond reading an image: a manifest as stored,
/// small blobs, tag lists, and pushing blobs and manifests (signatures are pushed this way).
pub struct Repository {
    reference: Reference,
    client: Client,
    limits: Limits,
}

impl Repository {
    /// A client for the repository `spec` names (no request is made yet). Credentials not given
    /// come from the Docker config.
    pub fn open(spec: &RegistrySpec) -> Result<Self> {
        let mut options = spec.options.clone();
        if options.credentials.is_none() {
            options.credentials = docker_config_credentials(&spec.reference.registry)?;
        }
        let client = Client::new(&spec.reference, &options)?;
        Ok(Repository { reference: spec.reference.clone(), client, limits: Limits::default() })
    }

    /// The reference the repository was opened with.
    pub fn reference(&self) -> &Reference {
        &self.reference
    }

    /// The manifest or index `reference` (a tag or digest) names, as stored; `None` when the
    /// registry has none. Its digest is checked against a digest reference, else against the
    /// registry's `Docker-Content-Digest`.
    pub fn manifest(&self, reference: &str) -> Result<Option<StoredManifest>> {
        let fetched = match self.client.manifest(reference, self.limits.max_json_bytes) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let digest = Digest::of(&fetched.bytes);
        let claimed = match Digest::parse(reference) {
            Ok(pin) => Some(pin),
            Err(_) => fetched.header_digest.as_deref().map(Digest::parse).transpose()?,
        };
        if let Some(want) = claimed.filter(|w| *w != digest) {
            return Err(Error::new(
                ErrorKind::DigestMismatch,
                format!("{}/{}: manifest {reference}", self.reference.registry, self.reference.repository),
                format!("digest mismatch: expected {want}, the registry sent content of {digest}"),
            ));
        }
        let media_type = serde_json::from_slice::<serde_json::Value>(&fetched.bytes)
            .ok()
            .and_then(|j| j.get("mediaType").and_then(serde_json::Value::as_str).map(str::to_string))
            .or(fetched.content_type)
            .unwrap_or_default();
        Ok(Some(StoredManifest { digest, media_type, bytes: fetched.bytes }))
    }

    /// A small blob (a signature payload, a bundle) of `size` bytes, read whole up to `cap`
    /// bytes, its digest and size checked.
    pub fn small_blob(&self, what: &str, digest: &Digest, size: u64, cap: u64) -> Result<Vec<u8>> {
        self.client.small_blob(what, digest, size, cap)
    }

    /// Upload a blob (one `POST` and a monolithic `PUT`); returns its digest.
    pub fn push_blob(&self, bytes: &[u8]) -> Result<Digest> {
        self.client.push_blob(bytes)
    }

    /// Store a manifest of `media_type` under `reference` (a tag, or the manifest's digest).
    pub fn push_manifest(&self, reference: &str, media_type: &str, bytes: &[u8]) -> Result<Pushed> {
        self.client.push_manifest(reference, media_type, bytes)
    }

    /// The index of the manifests whose `subject` is `digest`, from the registry's referrers API
    /// (`GET /v2/<repo>/referrers/<digest>`), read whole up to `cap` bytes; `None` when the
    /// registry has no such API (it answers 404), where clients keep the `sha256-<hex>` tag.
    pub fn referrers(&self, digest: &Digest, cap: u64) -> Result<Option<Vec<u8>>> {
        self.client.referrers(digest, cap)
    }

    /// The repository's tags (`/v2/<repo>/tags/list`, every page).
    pub fn tags(&self) -> Result<Vec<String>> {
        self.client.list(&format!("{}/tags/list?n={LIST_PAGE}", self.reference.repository), "tags")
    }
}

/// The repositories of the registry `host` (`/v2/_catalog`, every page), with credentials from
/// `options` or the Docker config.
pub fn catalog(host: &str, options: &RegistryOptions) -> Result<Vec<String>> {
    let reference = Reference { registry: host.to_string(), repository: String::new(), tag: None, digest: None };
    let mut options = options.clone();
    if options.credentials.is_none() {
        options.credentials = docker_config_credentials(host)?;
    }
    Client::new(&reference, &options)?.list(&format!("_catalog?n={LIST_PAGE}"), "repositories")
}

/// Names asked for per page of a listing.
const LIST_PAGE: usize = 1000;
