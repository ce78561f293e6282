//! The images of an admitted object under the trust policy, as the CI gate (`image
//! --trust-policy`) evaluates it: allowed registries, digest pins, and the signatures the policy
//! requires, verified against the registry. Verifications are cached by image reference (a
//! digest-pinned reference names its digest) for a TTL; a registry that cannot be asked denies
//! the image (fail closed), and that answer is not cached. The vulnerability gate (HG-POL-004)
//! reads the newest stored scan of the image's config digest (resolved in the registry, cached
//! the same way); an image with no stored scan is denied or admitted with a warning, as the
//! admission policy's `unscanned` says.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hullguard_image::source::registry::{RegistrySource, RegistrySpec};
use hullguard_report::{Finding, Location};
use hullguard_trust::policy::{Input, TrustPolicy};
use hullguard_trust::registry::{Subject, Verification, verify};

use crate::store::Store;

/// The findings of the newest stored scan of a config digest (`None`: never scanned).
pub type Scans = Arc<dyn Fn(&str) -> Result<Option<Vec<Finding>>, String> + Send + Sync>;

/// The findings of the newest finished scan of image `digest` in `store`.
pub fn stored_findings(store: &Mutex<Store>, digest: &str) -> Result<Option<Vec<Finding>>, String> {
    let store = store.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let history = store.history(digest).map_err(|e| e.to_string())?;
    let Some(scan) = history.and_then(|h| h.scans.into_iter().rev().find(|s| s.status == "done")) else {
        return Ok(None);
    };
    Ok(store.report(scan.id).map_err(|e| e.to_string())?.map(|(report, _)| report.findings))
}

/// What the trust policy says of one image: the violations (deny in enforce mode) and the
/// warnings (never deny).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// One line per violation: `RULE FIELD: WHAT`.
    pub violations: Vec<String>,
    /// One line per warning.
    pub warnings: Vec<String>,
}

/// Values looked up in a registry, kept for a TTL; failures are not kept.
struct Cache<T> {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, T)>>,
}

impl<T: Clone> Cache<T> {
    fn new(ttl: Duration) -> Self {
        Cache { ttl, entries: Mutex::new(HashMap::new()) }
    }

    /// The value of `key` while it is fresh, else `look_up`'s (kept when it succeeds).
    fn get(&self, key: &str, look_up: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
        let entries = || self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((at, v)) = entries().get(key)
            && at.elapsed() < self.ttl
        {
            return Ok(v.clone());
        }
        let value = look_up()?;
        entries().insert(key.to_owned(), (Instant::now(), value.clone()));
        Ok(value)
    }
}

/// The trust policy in force and what it has cached.
pub struct Trust {
    policy: TrustPolicy,
    /// Registries reached over plain HTTP (loopback only, as the registry client allows).
    plain_http: Vec<String>,
    /// Verifications by image reference.
    verifications: Cache<Verification>,
    /// Config digests by image reference.
    configs: Cache<String>,
    scans: Scans,
    /// Whether an image with no stored scan is admitted (with a warning).
    allow_unscanned: bool,
}

impl Trust {
    /// `policy`, with registry answers kept for `ttl`, stored scans read from `scans`.
    pub fn new(
        policy: TrustPolicy,
        plain_http: Vec<String>,
        ttl: Duration,
        scans: Scans,
        allow_unscanned: bool,
    ) -> Self {
        Trust { policy, plain_http, verifications: Cache::new(ttl), configs: Cache::new(ttl), scans, allow_unscanned }
    }

    /// The policy.
    pub fn policy(&self) -> &TrustPolicy {
        &self.policy
    }

    /// What the policy says of `image` at `field`.
    pub fn verdict(&self, field: &str, image: &str) -> Verdict {
        let deny = |line: String| Verdict { violations: vec![line], warnings: Vec::new() };
        let spec = match RegistrySpec::parse(image) {
            Ok(spec) => spec,
            Err(e) => return deny(format!("trust {field}: {e}")),
        };
        let name = format!("{}/{}", spec.reference.registry, spec.reference.repository);
        let pinned = spec.reference.digest.is_some();
        let input = |verification, findings| Input { image: &name, pinned, verification, findings, contents: None };
        // The vulnerability gate's lines name what was counted (its description).
        let line = |f: &Finding| match f.id.as_str() {
            "HG-POL-004" => format!("{} {field}: {} ({})", f.id, f.title, f.description),
            _ => format!("{} {field}: {}", f.id, f.title),
        };
        let lines = |findings: Vec<Finding>| findings.iter().map(line).collect();
        if !self.policy.registry_allowed(&name) {
            // A registry the policy does not allow is never contacted: its signatures are not
            // looked up, and not reported as missing.
            let unsigned =
                |f: &Finding| matches!(&f.location, Location::ConfigField { field } if field.starts_with("signatures"));
            let mut found = self.policy.evaluate(&input(None, None));
            found.retain(|f| !unsigned(f));
            return Verdict { violations: lines(found), warnings: Vec::new() };
        }
        let verification = if self.policy.signature_rules(&name).is_empty() {
            None
        } else {
            match self.verification(spec.clone(), &name) {
                Ok(v) => Some(v),
                Err(e) => return deny(format!("HG-POL-003 {field}: {image}: signatures not verified: {e}")),
            }
        };
        let mut warnings = Vec::new();
        let findings = if self.policy.needs_vulnerabilities(&name) {
            let looked_up = self.config_digest(spec).and_then(|d| Ok(((self.scans)(&d)?, d)));
            match looked_up {
                Ok((Some(findings), _)) => Some(findings),
                Ok((None, digest)) => {
                    let line = format!("HG-POL-004 {field}: {image}: no stored scan of {digest}");
                    if !self.allow_unscanned {
                        return deny(line);
                    }
                    warnings.push(line);
                    None
                }
                Err(e) => return deny(format!("HG-POL-004 {field}: {image}: vulnerabilities not looked up: {e}")),
            }
        } else {
            None
        };
        let found = self.policy.evaluate(&input(verification.as_ref(), findings.as_deref()));
        Verdict { violations: lines(found), warnings }
    }

    /// `image` pinned to the digest its signatures were verified on, when it passes the policy,
    /// has signature rules and is not pinned already.
    pub fn pinned(&self, field: &str, image: &str) -> Option<String> {
        let spec = RegistrySpec::parse(image).ok().filter(|s| s.reference.digest.is_none())?;
        let name = format!("{}/{}", spec.reference.registry, spec.reference.repository);
        if self.policy.signature_rules(&name).is_empty() || !self.verdict(field, image).violations.is_empty() {
            return None;
        }
        let verification = self.verification(spec, &name).ok()?;
        Some(format!("{image}@{}", verification.digest))
    }

    /// The verification of `spec`'s signatures, from the cache while it is fresh.
    fn verification(&self, mut spec: RegistrySpec, name: &str) -> Result<Verification, String> {
        spec.options.insecure = self.plain_http.contains(&spec.reference.registry);
        self.verifications.get(&spec.name, || {
            let subject = Subject::resolve(&spec).map_err(|e| e.to_string())?;
            verify(&subject, &self.policy.keys_for(name)).map_err(|e| e.to_string())
        })
    }

    /// The config digest of `spec` (what its scan is stored under), from the cache while it is
    /// fresh.
    fn config_digest(&self, mut spec: RegistrySpec) -> Result<String, String> {
        spec.options.insecure = self.plain_http.contains(&spec.reference.registry);
        self.configs.get(&spec.name, || {
            let source =
                RegistrySource::open(&spec, None, hullguard_image::Limits::default()).map_err(|e| e.to_string())?;
            Ok(source.config_digest().map_err(|e| e.to_string())?.to_string())
        })
    }
}
