//! Wire formats read from images: OCI index/manifest/descriptor, Docker's `manifest.json`, and the
//! image config. Hand-written rather than `oci-spec` because we also need Docker-only fields
//! (`Healthcheck`, `OnBuild`, `manifest.json`) and lenient parsing of what real tools write,
//! while validating digests ourselves.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::platform::Platform;

/// OCI image index media type.
pub const MEDIA_OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// OCI image manifest media type.
pub const MEDIA_OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Docker manifest list media type.
pub const MEDIA_DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker image manifest media type.
pub const MEDIA_DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// Annotation naming an image inside an OCI layout (`debian-base:latest` or just `latest`).
pub const ANNOTATION_REF_NAME: &str = "org.opencontainers.image.ref.name";
/// Annotation containerd and skopeo write with the full image name.
pub const ANNOTATION_CONTAINERD_NAME: &str = "io.containerd.image.name";

/// A content descriptor: what a blob is, its digest and size.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type of the blob.
    #[serde(default)]
    pub media_type: Option<String>,
    /// Digest of the blob.
    pub digest: Digest,
    /// Size of the blob in bytes.
    pub size: u64,
    /// Platform, for entries of an index.
    #[serde(default)]
    pub platform: Option<Platform>,
    /// Annotations.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// An OCI image index or Docker manifest list.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    /// Schema version (2).
    #[serde(default)]
    pub schema_version: Option<u32>,
    /// Media type, when the document states it.
    #[serde(default)]
    pub media_type: Option<String>,
    /// The manifests (or nested indexes) it lists.
    pub manifests: Vec<Descriptor>,
}

/// An OCI or Docker v2 image manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Schema version (2).
    #[serde(default)]
    pub schema_version: Option<u32>,
    /// Media type, when the document states it.
    #[serde(default)]
    pub media_type: Option<String>,
    /// The image config blob.
    pub config: Descriptor,
    /// The layer blobs, base first.
    pub layers: Vec<Descriptor>,
}

/// One entry of a `docker save` `manifest.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DockerArchiveEntry {
    /// Path of the config JSON inside the archive.
    pub config: String,
    /// `repo:tag` names of the image.
    #[serde(default)]
    pub repo_tags: Option<Vec<String>>,
    /// Paths of the layer tars inside the archive, base first.
    pub layers: Vec<String>,
}

/// The image config (`application/vnd.oci.image.config.v1+json` / Docker's container config).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ImageConfig {
    /// CPU architecture.
    #[serde(default)]
    pub architecture: String,
    /// Operating system.
    #[serde(default)]
    pub os: String,
    /// CPU variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Creation time (RFC 3339), as stated by the builder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Runtime defaults of containers started from the image.
    #[serde(default)]
    pub config: ContainerConfig,
    /// The layers' uncompressed digests.
    #[serde(default)]
    pub rootfs: RootFs,
    /// Build history, one entry per step (empty layers included).
    #[serde(default)]
    pub history: Vec<History>,
}

/// Runtime defaults stored in the image config.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerConfig {
    /// `USER`.
    #[serde(default)]
    pub user: Option<String>,
    /// `ENV` as `KEY=value`.
    #[serde(default)]
    pub env: Option<Vec<String>>,
    /// `ENTRYPOINT`.
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    /// `CMD`.
    #[serde(default)]
    pub cmd: Option<Vec<String>>,
    /// `WORKDIR`.
    #[serde(default)]
    pub working_dir: Option<String>,
    /// `EXPOSE` ports (`80/tcp`).
    #[serde(default)]
    pub exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    /// `VOLUME`s.
    #[serde(default)]
    pub volumes: Option<BTreeMap<String, serde_json::Value>>,
    /// `LABEL`s.
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
    /// `HEALTHCHECK`.
    #[serde(default)]
    pub healthcheck: Option<Healthcheck>,
    /// `STOPSIGNAL`.
    #[serde(default)]
    pub stop_signal: Option<String>,
    /// `ONBUILD` triggers.
    #[serde(default)]
    pub on_build: Option<Vec<String>>,
    /// `SHELL`.
    #[serde(default)]
    pub shell: Option<Vec<String>>,
}

/// A Docker `HEALTHCHECK` (durations in nanoseconds).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Healthcheck {
    /// `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]`.
    #[serde(default)]
    pub test: Option<Vec<String>>,
    /// Time between checks.
    #[serde(default)]
    pub interval: Option<i64>,
    /// Time before a check is considered hung.
    #[serde(default)]
    pub timeout: Option<i64>,
    /// Grace period after start.
    #[serde(default)]
    pub start_period: Option<i64>,
    /// Failures before unhealthy.
    #[serde(default)]
    pub retries: Option<i64>,
}

/// The `rootfs` section of the config.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RootFs {
    /// Always `layers`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// sha256 of each uncompressed layer tar, base first.
    #[serde(default)]
    pub diff_ids: Vec<Digest>,
}

/// One build step.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct History {
    /// When the step ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The command that made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// True when the step made no layer (ENV, CMD, ...).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_layer: bool,
    /// Free-form comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
}

impl ImageConfig {
    /// The `created_by` of the history step that made each layer, base first (`None` where the
    /// history is shorter than the layer list).
    pub fn layer_created_by(&self) -> Vec<Option<String>> {
        let mut steps = self.history.iter().filter(|h| !h.empty_layer).map(|h| h.created_by.clone());
        self.rootfs.diff_ids.iter().map(|_| steps.next().flatten()).collect()
    }

    /// The image's platform.
    pub fn platform(&self) -> Platform {
        Platform { os: self.os.clone(), arch: self.architecture.clone(), variant: self.variant.clone() }
    }
}
