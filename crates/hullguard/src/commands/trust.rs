//! `key generate`, `sign` and `verify`: cosign-compatible keys and signatures (hullguard-trust),
//! and the trust policy evaluated for `verify --policy`.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use hullguard_image::SourceSpec;
use hullguard_image::source::registry::RegistrySpec;
use hullguard_report::text::escape_control;
use hullguard_scan::FindingsDetector;
use hullguard_trust::bundle::Bundle;
use hullguard_trust::policy::{Contents, Input, TrustPolicy};
use hullguard_trust::registry::{self, Checked, NamedKey, Subject, Verification};
use hullguard_trust::{PrivateKey, PublicKey};

use crate::cli::Format;

/// The environment variables a key password is read from, in order.
const PASSWORD_VARS: [&str; 2] = ["HULLGUARD_PASSWORD", "COSIGN_PASSWORD"];

/// The key password: `$HULLGUARD_PASSWORD`, else `$COSIGN_PASSWORD`, else the first line of
/// stdin (unless stdin carries the registry password).
fn key_password(stdin_taken: bool) -> Result<Vec<u8>> {
    for var in PASSWORD_VARS {
        if let Some(value) = std::env::var_os(var) {
            return Ok(value.into_encoded_bytes());
        }
    }
    if stdin_taken {
        bail!("the key password: set HULLGUARD_PASSWORD or COSIGN_PASSWORD (stdin carries the registry password)");
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).context("reading the key password from stdin")?;
    Ok(line.trim_end_matches(['\n', '\r']).as_bytes().to_vec())
}

/// `key generate`: `<prefix>.key` (encrypted) and `<prefix>.pub`; refuses to overwrite.
pub fn generate(prefix: &str) -> Result<ExitCode> {
    let (key_path, pub_path) = (PathBuf::from(format!("{prefix}.key")), PathBuf::from(format!("{prefix}.pub")));
    for path in [&key_path, &pub_path] {
        if path.exists() {
            bail!("{}: exists already; not overwritten", path.display());
        }
    }
    let password = key_password(false)?;
    let key = PrivateKey::generate()?;
    let encrypted = key.to_encrypted_pem(&password)?;
    write_new(&key_path, encrypted.as_bytes(), 0o600)?;
    write_new(&pub_path, key.public_key().to_pem()?.as_bytes(), 0o644)?;
    eprintln!("hullguard: wrote {} and {}", key_path.display(), pub_path.display());
    Ok(ExitCode::SUCCESS)
}

/// Create `path` (never overwriting) with `mode`, and write `bytes`.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .with_context(|| path.display().to_string())?;
    file.write_all(bytes).with_context(|| path.display().to_string())?;
    Ok(())
}

/// Read the private key at `path`.
fn private_key(path: &Path, stdin_taken: bool) -> Result<PrivateKey> {
    let name = path.display().to_string();
    let text = std::fs::read(path).with_context(|| name.clone())?;
    let password =
        if text.starts_with(b"-----BEGIN PRIVATE KEY-----") { Vec::new() } else { key_password(stdin_taken)? };
    Ok(PrivateKey::from_pem(&name, &text, &password)?)
}

/// Read the public keys at `paths`, each named by its path.
pub fn public_keys(paths: &[PathBuf]) -> Result<Vec<NamedKey>> {
    paths
        .iter()
        .map(|path| {
            let name = path.display().to_string();
            let text = std::fs::read(path).with_context(|| name.clone())?;
            Ok(NamedKey { key: PublicKey::from_pem(&name, &text)?, name })
        })
        .collect()
}

/// `-a key=value` pairs.
fn annotations(pairs: &[String]) -> Result<BTreeMap<String, String>> {
    pairs
        .iter()
        .map(|p| match p.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => bail!("-a {p:?}: expected key=value"),
        })
        .collect()
}

/// How `sign` stores a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SignFormat {
    /// A Sigstore bundle v0.3 as an OCI 1.1 referrer (with the fallback tag index).
    Bundle,
    /// A simple-signing layer under the `sha256-<hex>.sig` tag.
    Legacy,
}

/// `sign`: sign the image's manifest digest, push the signature in `format`.
pub fn sign(
    spec: &RegistrySpec,
    key: &Path,
    pairs: &[String],
    format: SignFormat,
    stdin_taken: bool,
) -> Result<ExitCode> {
    let key = private_key(key, stdin_taken)?;
    let annotations = annotations(pairs)?;
    let subject = Subject::resolve(spec)?;
    let image = &subject.docker_reference;
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let line = match format {
        SignFormat::Legacy => {
            let signed = registry::sign_legacy(&subject, &key, annotations)?;
            format!(
                "signed {image}@{}: legacy signature pushed to {image}:{} ({} signature{} there)",
                signed.digest,
                signed.tag.unwrap_or_default(),
                signed.signatures,
                plural(signed.signatures)
            )
        }
        SignFormat::Bundle => {
            let signed = registry::sign_bundle(&subject, &key, &annotations)?;
            let referrer = signed.referrer.map(|d| d.to_string()).unwrap_or_default();
            match signed.tag {
                Some(tag) => format!(
                    "signed {image}@{}: sigstore bundle pushed as the referrer {image}@{referrer}, listed by the fallback tag {image}:{tag} ({} bundle{} there)",
                    signed.digest,
                    signed.signatures,
                    plural(signed.signatures)
                ),
                None => format!(
                    "signed {image}@{}: sigstore bundle pushed as the referrer {image}@{referrer} (the registry's referrers API lists it)",
                    signed.digest
                ),
            }
        }
    };
    writeln!(std::io::stdout().lock(), "{line}")?;
    Ok(ExitCode::SUCCESS)
}

/// What `verify` is asked to check.
pub struct VerifyRequest<'a> {
    /// The image (registry mode).
    pub spec: Option<&'a RegistrySpec>,
    /// `--key` files.
    pub keys: &'a [PathBuf],
    /// `--policy` file.
    pub policy: Option<&'a Path>,
    /// Offline: `--payload` and `--signature`.
    pub payload: Option<&'a Path>,
    /// Offline: `--signature` (base64 or raw DER).
    pub signature: Option<&'a Path>,
    /// Offline: `--bundle`.
    pub bundle: Option<&'a Path>,
    /// Required annotations (`-a k=v`).
    pub annotations: &'a [String],
    /// Output format.
    pub format: Format,
}

/// `verify`: exit 0 when a signature verifies (and the policy holds), 1 when none does, 2 on error.
pub fn verify(request: &VerifyRequest<'_>) -> Result<ExitCode> {
    let keys = public_keys(request.keys)?;
    let required = annotations(request.annotations)?;
    let policy = request.policy.map(TrustPolicy::load).transpose()?;
    if keys.is_empty() && policy.is_none() {
        bail!("verify needs --key FILE (repeatable) or --policy FILE");
    }
    if let Some(payload) = request.payload {
        let signature = request.signature.context("--payload needs --signature FILE")?;
        return offline_legacy(payload, signature, &keys, &required, request.format);
    }
    if let Some(bundle) = request.bundle {
        return offline_bundle(bundle, &keys, request.format);
    }
    let spec = request.spec.context("verify needs an image reference, or --payload/--signature, or --bundle")?;
    let subject = Subject::resolve(spec)?;
    let image = subject.docker_reference.clone();
    let mut all_keys = keys;
    for k in policy.iter().flat_map(|p| p.keys_for(&image)) {
        if !all_keys.iter().any(|have| have.name == k.name) {
            all_keys.push(k);
        }
    }
    let mut verification = registry::verify(&subject, &all_keys)?;
    verification.signatures.iter_mut().for_each(|c| c.require_annotations(&required));
    let findings = policy.as_ref().map(|p| {
        p.evaluate(&Input {
            image: &image,
            pinned: spec.reference.digest.is_some(),
            verification: Some(&verification),
            findings: None,
            contents: None,
        })
    });
    print_verification(&verification, findings.as_deref().unwrap_or_default(), request.format)?;
    let verified = verification.signatures.iter().any(Checked::verified);
    let passed = match &findings {
        Some(f) => f.is_empty(),
        None => verified,
    };
    Ok(if passed { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The trust policy at `path` as a detector over the scan's findings, for the image `spec`
/// names: its signatures are looked up first (registry images, when the policy requires some).
pub fn policy_detector(path: &Path, spec: &SourceSpec, reference: &str) -> Result<FindingsDetector> {
    let policy = TrustPolicy::load(path)?;
    let (image, pinned, verification) = match spec {
        SourceSpec::Registry(registry) => {
            let image = format!("{}/{}", registry.reference.registry, registry.reference.repository);
            let keys = policy.keys_for(&image);
            let verification =
                if keys.is_empty() { None } else { Some(registry::verify(&Subject::resolve(registry)?, &keys)?) };
            (image, registry.reference.digest.is_some(), verification)
        }
        _ => (repository_of(reference).to_string(), reference.contains("@sha256:"), None),
    };
    Ok(Arc::new(move |scanned: &hullguard_scan::DetectorInput<'_>| {
        let contents =
            Contents { inventory: scanned.inventory, image: scanned.image, now: hullguard_report::time::now() };
        Ok(policy.evaluate(&Input {
            image: &image,
            pinned,
            verification: verification.as_ref(),
            findings: Some(scanned.findings),
            contents: Some(contents),
        }))
    }))
}

/// The repository a local image reference names, without its tag or digest, as policy globs
/// match it (`app:1.0` and `app@sha256:…` are `app`; `localhost:5000/app:1` is `localhost:5000/app`).
fn repository_of(reference: &str) -> &str {
    let name = reference.split_once('@').map_or(reference, |(name, _)| name);
    match name.rsplit_once(':') {
        Some((repository, tag)) if !tag.contains('/') => repository,
        _ => name,
    }
}

fn print_verification(v: &Verification, policy: &[hullguard_report::Finding], format: Format) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            let json = serde_json::json!({ "image": v.image, "digest": v.digest, "signatures": v.signatures, "policy": policy });
            writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
        }
        Format::Table => {
            if v.signatures.is_empty() {
                writeln!(
                    out,
                    "{}@{}: not signed (no {} tag, no Sigstore bundle referrer)",
                    v.image,
                    v.digest,
                    registry::signature_tag(&hullguard_image::Digest::parse(&v.digest)?)
                )?;
            }
            for c in &v.signatures {
                writeln!(out, "{}", escape_control(&line(&v.image, &v.digest, c)))?;
            }
            for f in policy {
                writeln!(
                    out,
                    "policy violation {}: {} ({})",
                    f.id,
                    escape_control(&f.title),
                    escape_control(&f.description)
                )?;
            }
        }
    }
    Ok(())
}

/// One signature's verdict on one line.
fn line(image: &str, digest: &str, c: &Checked) -> String {
    let scheme = match c.scheme {
        registry::Scheme::Legacy => "legacy signature",
        registry::Scheme::Bundle => "sigstore bundle",
    };
    let tlog = if c.tlog_unchecked { " (its transparency-log entry is not checked offline)" } else { "" };
    match (&c.rejected, &c.key) {
        (None, Some(key)) => format!("verified: {image}@{digest}: {scheme} {} by key {key}{tlog}", c.blob),
        (Some(why), _) => format!("not verified: {image}@{digest}: {scheme} {}: {why}", c.blob),
        (None, None) => format!("not verified: {image}@{digest}: {scheme} {}", c.blob),
    }
}

/// `verify --payload FILE --signature FILE`: the legacy triple, no network.
fn offline_legacy(
    payload: &Path,
    signature: &Path,
    keys: &[NamedKey],
    required: &BTreeMap<String, String>,
    format: Format,
) -> Result<ExitCode> {
    use base64::Engine as _;
    let payload_name = payload.display().to_string();
    let bytes = std::fs::read(payload).with_context(|| payload_name.clone())?;
    let raw = std::fs::read(signature).with_context(|| signature.display().to_string())?;
    let text = String::from_utf8_lossy(&raw);
    let signature = base64::engine::general_purpose::STANDARD.decode(text.trim()).unwrap_or(raw);
    let claimed = hullguard_trust::payload::Payload::parse(&payload_name, &bytes)?;
    let digest = claimed.critical.image.docker_manifest_digest.clone();
    let mut checked = vec![registry::check_legacy(&bytes, &signature, keys, &digest, None, &payload_name)];
    checked.iter_mut().for_each(|c| c.require_annotations(required));
    let v = Verification { image: claimed.critical.identity.docker_reference, digest, signatures: checked };
    print_verification(&v, &[], format)?;
    Ok(if v.signatures.iter().any(Checked::verified) { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// `verify --bundle FILE`: a Sigstore bundle, no network; the digest is the statement's subject.
fn offline_bundle(path: &Path, keys: &[NamedKey], format: Format) -> Result<ExitCode> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| name.clone())?;
    let bundle = Bundle::parse(&name, &bytes)?;
    let statement = bundle.statement(&name)?;
    let first = statement.subject.first().context(format!("{name}: the in-toto statement has no subject"))?;
    let digest = format!("sha256:{}", first.digest.get("sha256").map_or("", String::as_str));
    let checked = registry::check_bundle(&bundle, keys, &digest, &name);
    let v = Verification {
        image: first.name.clone().unwrap_or_else(|| "(unnamed subject)".into()),
        digest,
        signatures: vec![checked],
    };
    print_verification(&v, &[], format)?;
    Ok(if v.signatures.iter().any(Checked::verified) { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

#[cfg(test)]
mod tests {
    use super::repository_of;

    #[test]
    fn local_references_lose_tag_and_digest() {
        for (reference, want) in [
            ("app-mixed:latest", "app-mixed"),
            ("app", "app"),
            ("app@sha256:abcd", "app"),
            ("app:1@sha256:abcd", "app"),
            ("localhost:5000/app:1", "localhost:5000/app"),
            ("localhost:5000/app", "localhost:5000/app"),
        ] {
            assert_eq!(repository_of(reference), want, "{reference}");
        }
    }
}
