//! cosign's simple-signing payload (the legacy scheme): the JSON document a signature covers,
//! naming the image's repository and manifest digest, written byte for byte as cosign writes it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The `critical.type` of an image signature.
pub const SIGNATURE_TYPE: &str = "cosign container image signature";
/// Largest payload read.
pub const MAX_PAYLOAD_BYTES: u64 = 1 << 20;

/// A simple-signing payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// What the signature vouches for.
    pub critical: Critical,
    /// Annotations (`-a key=value`); `null` when none.
    pub optional: Option<BTreeMap<String, serde_json::Value>>,
}

/// The signed claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Critical {
    /// The repository.
    pub identity: Identity,
    /// The manifest.
    pub image: ImageClaim,
    /// Always [`SIGNATURE_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
}

/// The signed repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// `registry/repository`, no tag.
    #[serde(rename = "docker-reference")]
    pub docker_reference: String,
}

/// The signed manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageClaim {
    /// `sha256:<hex>`.
    #[serde(rename = "docker-manifest-digest")]
    pub docker_manifest_digest: String,
}

impl Payload {
    /// The payload for the manifest `digest` in `docker_reference` (`registry/repository`).
    pub fn new(docker_reference: &str, digest: &str, annotations: BTreeMap<String, String>) -> Self {
        Payload {
            critical: Critical {
                identity: Identity { docker_reference: docker_reference.to_string() },
                image: ImageClaim { docker_manifest_digest: digest.to_string() },
                kind: SIGNATURE_TYPE.to_string(),
            },
            optional: (!annotations.is_empty())
                .then(|| annotations.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect()),
        }
    }

    /// The exact bytes cosign signs: compact JSON in field order.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parse payload bytes (`subject` names them).
    pub fn parse(subject: &str, bytes: &[u8]) -> Result<Self> {
        if bytes.len() as u64 > MAX_PAYLOAD_BYTES {
            return Err(Error::invalid(subject, format!("payload larger than {MAX_PAYLOAD_BYTES} bytes")));
        }
        let payload: Payload = serde_json::from_slice(bytes)
            .map_err(|e| Error::invalid(subject, format!("not a cosign simple-signing payload: {e}")))?;
        if payload.critical.kind != SIGNATURE_TYPE {
            return Err(Error::invalid(
                subject,
                format!("payload type {:?} is not {SIGNATURE_TYPE:?}", payload.critical.kind),
            ));
        }
        Ok(payload)
    }

    /// The annotation `key` as text, when present.
    pub fn annotation(&self, key: &str) -> Option<String> {
        let value = self.optional.as_ref()?.get(key)?;
        Some(value.as_str().map_or_else(|| value.to_string(), str::to_string))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_cosigns() {
        let p = Payload::new("registry-testing.svc.lan/busybox", "sha256:f3cf", BTreeMap::new());
        assert_eq!(
            String::from_utf8(p.to_bytes()).unwrap(),
            r#"{"critical":{"identity":{"docker-reference":"registry-testing.svc.lan/busybox"},"image":{"docker-manifest-digest":"sha256:f3cf"},"type":"cosign container image signature"},"optional":null}"#
        );
    }
}
