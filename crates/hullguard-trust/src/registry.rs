//! Signatures in a registry, where cosign puts them: the legacy scheme's `sha256-<hex>.sig` tag
//! (an OCI manifest with one simple-signing layer per signature, the signature in the layer's
//! annotation), and Sigstore bundles v0.3 listed by the `sha256-<hex>` referrers fallback tag (an
//! index of artifacts of type [`MEDIA_BUNDLE_V03`]), or by the registry's referrers API where it
//! has one. Signing pushes either form; verification reads both.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hullguard_image::Digest;
use hullguard_image::source::registry::{RegistrySpec, Repository};
use serde::Serialize;
use serde_json::{Value, json};

use crate::bundle::{self as sigstore_bundle, Bundle, MAX_BUNDLE_BYTES, MEDIA_BUNDLE_V03, PREDICATE_COSIGN_SIGN};
use crate::error::{Error, Result};
use crate::key::{PrivateKey, PublicKey};
use crate::payload::{MAX_PAYLOAD_BYTES, Payload};

/// The media type of a legacy signature layer.
pub const MEDIA_SIMPLESIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// The layer annotation holding the base64 DER signature.
pub const ANNOTATION_SIGNATURE: &str = "dev.cosignproject.cosign/signature";
/// The layer annotation of a Rekor bundle (legacy scheme).
const ANNOTATION_REKOR_BUNDLE: &str = "dev.sigstore.cosign/bundle";
/// The layer annotation of a signing certificate (legacy keyless).
const ANNOTATION_CERTIFICATE: &str = "dev.sigstore.cosign/certificate";
const MEDIA_OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const MEDIA_OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const MEDIA_OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// The OCI empty descriptor's media type and content: the config of an artifact manifest.
const MEDIA_OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
const EMPTY_CONFIG: &[u8] = b"{}";
/// Largest referrers index read.
const MAX_INDEX_BYTES: u64 = 4 << 20;
/// Signatures read from one image, at most.
const MAX_SIGNATURES: usize = 256;

/// The legacy signature tag of a manifest digest: `sha256-<hex>.sig`.
pub fn signature_tag(digest: &Digest) -> String {
    format!("{}.sig", fallback_tag(digest))
}

/// The referrers fallback tag of a manifest digest: `sha256-<hex>`.
pub fn fallback_tag(digest: &Digest) -> String {
    digest.as_str().replacen(':', "-", 1)
}

/// The image a reference names in its repository.
pub struct Subject {
    /// The repository client.
    pub repository: Repository,
    /// The digest of the manifest (or index) the reference names: what cosign signs.
    pub digest: Digest,
    /// `registry/repository`, as the payload's `docker-reference` holds it.
    pub docker_reference: String,
    /// The manifest's media type and size: a referrer's `subject` descriptor.
    pub media_type: String,
    /// The manifest's size in bytes.
    pub size: u64,
}

impl Subject {
    /// Resolve `spec`'s manifest digest (the top-level one: an index's own, as cosign does).
    pub fn resolve(spec: &RegistrySpec) -> Result<Self> {
        let repository = Repository::open(spec)?;
        let wanted = spec.reference.manifest_ref().to_string();
        let manifest =
            repository.manifest(&wanted)?.ok_or_else(|| Error::invalid(&spec.name, "no such image in the registry"))?;
        let docker_reference = format!("{}/{}", spec.reference.registry, spec.reference.repository);
        Ok(Subject {
            repository,
            digest: manifest.digest,
            docker_reference,
            media_type: manifest.media_type,
            size: manifest.bytes.len() as u64,
        })
    }
}

/// What a signing pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The signed manifest digest.
    pub digest: Digest,
    /// The tag listing the signature: the `.sig` tag (legacy), the referrers fallback tag
    /// (bundle); `None` when the registry's referrers API lists the bundle.
    pub tag: Option<String>,
    /// The bundle's referrer manifest (bundle format).
    pub referrer: Option<Digest>,
    /// Signatures the tag lists now (the new one included).
    pub signatures: usize,
}

/// Sign `subject` with `key` in the legacy scheme and push the signature: the payload as a layer
/// of the `.sig` manifest, appended to the signatures already there (an identical signature is
/// not added twice).
pub fn sign_legacy(subject: &Subject, key: &PrivateKey, annotations: BTreeMap<String, String>) -> Result<Signed> {
    let payload = Payload::new(&subject.docker_reference, subject.digest.as_str(), annotations).to_bytes();
    let signature = STANDARD.encode(key.sign(&payload));
    let tag = signature_tag(&subject.digest);
    let mut layers: Vec<Value> = match subject.repository.manifest(&tag)? {
        Some(stored) => {
            let manifest: Value = serde_json::from_slice(&stored.bytes)
                .map_err(|e| Error::invalid(format!("{}:{tag}", subject.docker_reference), e.to_string()))?;
            manifest.get("layers").and_then(Value::as_array).cloned().unwrap_or_default()
        }
        None => Vec::new(),
    };
    let payload_digest = subject.repository.push_blob(&payload)?;
    let layer = json!({
        "mediaType": MEDIA_SIMPLESIGNING,
        "size": payload.len(),
        "digest": payload_digest.as_str(),
        "annotations": { ANNOTATION_SIGNATURE: signature },
    });
    if !layers.contains(&layer) {
        layers.push(layer);
    }
    let diff_ids: Vec<&str> = layers.iter().filter_map(|l| l.get("digest").and_then(Value::as_str)).collect();
    let config = serde_json::to_vec(&json!({
        "architecture": "",
        "config": {},
        "created": "0001-01-01T00:00:00Z",
        "history": [{ "created": "0001-01-01T00:00:00Z" }],
        "os": "",
        "rootfs": { "type": "layers", "diff_ids": diff_ids },
    }))
    .unwrap_or_default();
    let config_digest = subject.repository.push_blob(&config)?;
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": MEDIA_OCI_MANIFEST,
        "config": { "mediaType": MEDIA_OCI_CONFIG, "size": config.len(), "digest": config_digest.as_str() },
        "layers": layers,
    });
    let bytes = serde_json::to_vec(&manifest).unwrap_or_default();
    subject.repository.push_manifest(&tag, MEDIA_OCI_MANIFEST, &bytes)?;
    Ok(Signed { digest: subject.digest.clone(), tag: Some(tag), referrer: None, signatures: layers.len() })
}

/// Sign `subject` with `key` as cosign 3 does: a Sigstore bundle v0.3 ([`sigstore_bundle::sign_image`])
/// pushed as an OCI 1.1 artifact manifest whose `subject` is the image's manifest. A registry
/// with the referrers API indexes it itself (it answers the push with `OCI-Subject`); for one
/// without, the manifest is added to the `sha256-<hex>` fallback tag's index (the OCI referrers
/// tag schema), keeping what the index lists already.
pub fn sign_bundle(subject: &Subject, key: &PrivateKey, annotations: &BTreeMap<String, String>) -> Result<Signed> {
    let repository = &subject.repository;
    let bundle = sigstore_bundle::sign_image(key, subject.digest.hex(), annotations)?;
    let config_digest = repository.push_blob(EMPTY_CONFIG)?;
    let bundle_digest = repository.push_blob(&bundle)?;
    let created = hullguard_report::time::rfc3339_utc(std::time::SystemTime::now());
    let manifest_annotations = json!({
        "dev.sigstore.bundle.content": "dsse-envelope",
        "dev.sigstore.bundle.predicateType": PREDICATE_COSIGN_SIGN,
        "org.opencontainers.image.created": created,
    });
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": MEDIA_OCI_MANIFEST,
        "artifactType": MEDIA_BUNDLE_V03,
        "config": { "mediaType": MEDIA_OCI_EMPTY, "digest": config_digest.as_str(), "size": EMPTY_CONFIG.len() },
        "layers": [{
            "mediaType": MEDIA_BUNDLE_V03,
            "digest": bundle_digest.as_str(),
            "size": bundle.len(),
            "annotations": { "org.opencontainers.image.title": format!("{}.sigstore.json", fallback_tag(&bundle_digest)) },
        }],
        "subject": { "mediaType": subject.media_type, "digest": subject.digest.as_str(), "size": subject.size },
        "annotations": manifest_annotations,
    });
    let bytes = serde_json::to_vec(&manifest).unwrap_or_default();
    let referrer = Digest::of(&bytes);
    let pushed = repository.push_manifest(referrer.as_str(), MEDIA_OCI_MANIFEST, &bytes)?;
    if pushed.indexed_subject.is_some() {
        return Ok(Signed { digest: subject.digest.clone(), tag: None, referrer: Some(referrer), signatures: 1 });
    }
    let tag = fallback_tag(&subject.digest);
    let mut listed: Vec<Value> = match repository.manifest(&tag)? {
        Some(index) => index_entries(&index.bytes, &format!("{}:{tag}", subject.docker_reference))?,
        None => Vec::new(),
    };
    listed.push(json!({
        "mediaType": MEDIA_OCI_MANIFEST,
        "digest": referrer.as_str(),
        "size": bytes.len(),
        "artifactType": MEDIA_BUNDLE_V03,
        "annotations": manifest_annotations,
    }));
    let signatures = listed.iter().filter(|e| is_bundle_entry(e)).count();
    let index = json!({ "schemaVersion": 2, "mediaType": MEDIA_OCI_INDEX, "manifests": listed });
    repository.push_manifest(&tag, MEDIA_OCI_INDEX, &serde_json::to_vec(&index).unwrap_or_default())?;
    Ok(Signed { digest: subject.digest.clone(), tag: Some(tag), referrer: Some(referrer), signatures })
}

/// A signed annotation's value as text: a JSON string as it is, anything else as JSON.
fn annotation_text(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_string)
}

/// The `manifests` of a referrers index (`subject` names it in errors).
fn index_entries(bytes: &[u8], subject: &str) -> Result<Vec<Value>> {
    let index: Value =
        serde_json::from_slice(bytes).map_err(|e| Error::invalid(subject, format!("referrers index: {e}")))?;
    Ok(index.get("manifests").and_then(Value::as_array).cloned().unwrap_or_default())
}

/// Whether a referrers index entry is a Sigstore bundle.
fn is_bundle_entry(entry: &Value) -> bool {
    entry.get("artifactType").and_then(Value::as_str) == Some(MEDIA_BUNDLE_V03)
}

/// The referrers of `subject`'s manifest: the registry's referrers API, else (it answers 404)
/// the `sha256-<hex>` fallback tag; `None` when neither lists any.
fn referrers(subject: &Subject) -> Result<Option<Vec<Value>>> {
    let repository = &subject.repository;
    if let Some(bytes) = repository.referrers(&subject.digest, MAX_INDEX_BYTES)? {
        let name = format!("{}: referrers of {}", subject.docker_reference, subject.digest);
        return index_entries(&bytes, &name).map(Some);
    }
    let tag = fallback_tag(&subject.digest);
    match repository.manifest(&tag)? {
        Some(index) => index_entries(&index.bytes, &format!("{}:{tag}", subject.docker_reference)).map(Some),
        None => Ok(None),
    }
}

/// A key verification is done with, and the name it is reported by (its file).
#[derive(Clone)]
pub struct NamedKey {
    /// The file name.
    pub name: String,
    /// The key.
    pub key: PublicKey,
}

/// Which of cosign's schemes a signature is stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    /// A simple-signing layer under the `.sig` tag.
    Legacy,
    /// A Sigstore bundle v0.3 referrer.
    Bundle,
}

/// The verdict on one signature found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checked {
    /// Where it was stored.
    pub scheme: Scheme,
    /// The blob holding it (payload or bundle).
    pub blob: String,
    /// The key it verified with (its name), when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Why it does not count, when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
    /// Annotations the signed payload carries (legacy `optional`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Whether it carries a transparency-log (Rekor) entry, which is not checked offline.
    pub tlog_unchecked: bool,
}

impl Checked {
    /// Whether the signature verified.
    pub fn verified(&self) -> bool {
        self.rejected.is_none() && self.key.is_some()
    }

    /// Rejects a verified signature whose payload lacks one of the `required` annotations.
    pub fn require_annotations(&mut self, required: &BTreeMap<String, String>) {
        if !self.verified() {
            return;
        }
        if let Some((k, v)) = required.iter().find(|(k, v)| self.annotations.get(*k) != Some(*v)) {
            self.rejected = Some(format!("the signed payload lacks the annotation {k}={v}"));
        }
    }
}

/// Every signature found for an image, each with its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// `registry/repository`.
    pub image: String,
    /// The manifest digest verified.
    pub digest: String,
    /// The signatures, legacy first, in stored order.
    pub signatures: Vec<Checked>,
}

impl Verification {
    /// The names of the keys that have a verified signature.
    pub fn verified_keys(&self) -> std::collections::BTreeSet<&str> {
        self.signatures.iter().filter(|c| c.verified()).filter_map(|c| c.key.as_deref()).collect()
    }
}

/// Check a legacy signature: its signature over the exact payload bytes with one of `keys`,
/// then (only then) the payload's claims against the image.
pub fn check_legacy(
    payload: &[u8],
    signature: &[u8],
    keys: &[NamedKey],
    digest: &str,
    docker_reference: Option<&str>,
    blob: &str,
) -> Checked {
    let mut checked = Checked {
        scheme: Scheme::Legacy,
        blob: blob.to_string(),
        key: None,
        rejected: None,
        annotations: BTreeMap::new(),
        tlog_unchecked: false,
    };
    let Some(key) = keys.iter().find(|k| k.key.verifies(payload, signature)) else {
        checked.rejected = Some("the signature does not verify with the given key(s)".into());
        return checked;
    };
    checked.key = Some(key.name.clone());
    match Payload::parse(blob, payload) {
        Err(e) => checked.rejected = Some(e.to_string()),
        Ok(p) if p.critical.image.docker_manifest_digest != digest => {
            checked.rejected = Some(format!(
                "the payload signs {}, not this image's digest {digest}",
                p.critical.image.docker_manifest_digest
            ));
        }
        Ok(p) if docker_reference.is_some_and(|r| r != p.critical.identity.docker_reference) => {
            checked.rejected = Some(format!(
                "the payload signs the repository {}, not {}",
                p.critical.identity.docker_reference,
                docker_reference.unwrap_or_default()
            ));
        }
        Ok(p) => {
            checked.annotations = p.optional.iter().flatten().map(|(k, v)| (k.clone(), annotation_text(v))).collect();
        }
    }
    checked
}

/// Check a bundle: its DSSE signature with one of `keys` (or, without a key, report what a
/// certificate-only bundle needs), then the in-toto subject's digest against the image's.
pub fn check_bundle(bundle: &Bundle, keys: &[NamedKey], digest: &str, blob: &str) -> Checked {
    let mut checked = Checked {
        scheme: Scheme::Bundle,
        blob: blob.to_string(),
        key: None,
        rejected: None,
        annotations: BTreeMap::new(),
        tlog_unchecked: bundle.tlog_entries > 0,
    };
    match keys.iter().find(|k| bundle.verifies_with(&k.key)) {
        Some(key) => checked.key = Some(key.name.clone()),
        None => {
            let by_certificate = bundle.certificate_key(blob).ok().flatten().is_some_and(|k| bundle.verifies_with(&k));
            checked.rejected = Some(if by_certificate {
                "keyless (Fulcio) verification not supported offline: the DSSE signature matches the bundle's certificate, whose chain (Fulcio) and transparency-log entry (Rekor) cannot be checked here".into()
            } else {
                "the DSSE signature does not verify with the given key(s)".into()
            });
            return checked;
        }
    }
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    match bundle.statement(blob) {
        Err(e) => checked.rejected = Some(e.to_string()),
        Ok(statement) => {
            let signed: Vec<&str> =
                statement.subject.iter().filter_map(|s| s.digest.get("sha256").map(String::as_str)).collect();
            if !signed.contains(&hex) {
                checked.rejected = Some(format!(
                    "the in-toto subject is sha256:{}, not this image's digest {digest}",
                    signed.first().copied().unwrap_or("(none)")
                ));
            }
            checked.annotations = statement
                .subject
                .iter()
                .filter(|s| s.digest.get("sha256").map(String::as_str) == Some(hex))
                .flat_map(|s| &s.annotations)
                .map(|(k, v)| (k.clone(), annotation_text(v)))
                .collect();
        }
    }
    checked
}

/// Find every signature of `subject` in its repository (both schemes) and check each against
/// `keys`.
pub fn verify(subject: &Subject, keys: &[NamedKey]) -> Result<Verification> {
    let digest = subject.digest.as_str();
    let repository = &subject.repository;
    let mut signatures = Vec::new();
    if let Some(stored) = repository.manifest(&signature_tag(&subject.digest))? {
        for layer in layers(&stored.bytes, &subject.docker_reference)? {
            if layer.media_type.as_deref() != Some(MEDIA_SIMPLESIGNING) {
                continue;
            }
            let blob = layer.digest.to_string();
            let payload = repository.small_blob("signature payload", &layer.digest, layer.size, MAX_PAYLOAD_BYTES)?;
            let mut checked = match layer.annotations.get(ANNOTATION_SIGNATURE).map(|s| STANDARD.decode(s)) {
                Some(Ok(signature)) => {
                    check_legacy(&payload, &signature, keys, digest, Some(&subject.docker_reference), &blob)
                }
                _ => Checked {
                    scheme: Scheme::Legacy,
                    blob: blob.clone(),
                    key: None,
                    rejected: Some(format!("no base64 {ANNOTATION_SIGNATURE} annotation")),
                    annotations: BTreeMap::new(),
                    tlog_unchecked: false,
                },
            };
            checked.tlog_unchecked = layer.annotations.contains_key(ANNOTATION_REKOR_BUNDLE);
            if checked.key.is_none() && layer.annotations.contains_key(ANNOTATION_CERTIFICATE) {
                checked.rejected = Some(
                    "keyless (Fulcio) verification not supported offline: the signature carries a certificate, not a key's".into(),
                );
            }
            signatures.push(checked);
        }
    }
    for entry in referrers(subject)?.into_iter().flatten().take(MAX_SIGNATURES + 1) {
        if !is_bundle_entry(&entry) {
            continue;
        }
        let Some(reference) = entry.get("digest").and_then(Value::as_str) else { continue };
        let Some(manifest) = repository.manifest(reference)? else { continue };
        for layer in layers(&manifest.bytes, &subject.docker_reference)? {
            if layer.media_type.as_deref() != Some(MEDIA_BUNDLE_V03) {
                continue;
            }
            let blob = layer.digest.to_string();
            let bytes = repository.small_blob("bundle", &layer.digest, layer.size, MAX_BUNDLE_BYTES)?;
            let checked = match Bundle::parse(&blob, &bytes) {
                Ok(bundle) => check_bundle(&bundle, keys, digest, &blob),
                Err(e) => Checked {
                    scheme: Scheme::Bundle,
                    blob: blob.clone(),
                    key: None,
                    rejected: Some(e.to_string()),
                    annotations: BTreeMap::new(),
                    tlog_unchecked: false,
                },
            };
            signatures.push(checked);
        }
    }
    if signatures.len() > MAX_SIGNATURES {
        return Err(Error::invalid(&subject.docker_reference, format!("more than {MAX_SIGNATURES} signatures")));
    }
    Ok(Verification { image: subject.docker_reference.clone(), digest: digest.to_string(), signatures })
}

/// A layer descriptor of a signature manifest.
struct Layer {
    media_type: Option<String>,
    digest: Digest,
    size: u64,
    annotations: BTreeMap<String, String>,
}

/// The layers of a stored OCI manifest.
fn layers(bytes: &[u8], subject: &str) -> Result<Vec<Layer>> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        #[serde(default)]
        layers: Vec<RawLayer>,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct RawLayer {
        #[serde(default)]
        media_type: Option<String>,
        digest: String,
        size: u64,
        #[serde(default)]
        annotations: BTreeMap<String, String>,
    }
    let manifest: Manifest =
        serde_json::from_slice(bytes).map_err(|e| Error::invalid(subject, format!("signature manifest: {e}")))?;
    manifest
        .layers
        .into_iter()
        .take(MAX_SIGNATURES + 1)
        .map(|l| {
            Ok(Layer {
                media_type: l.media_type,
                digest: Digest::parse(&l.digest)?,
                size: l.size,
                annotations: l.annotations,
            })
        })
        .collect()
}
