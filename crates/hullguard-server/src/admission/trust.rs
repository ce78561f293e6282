//! The images of an admitted object under the trust policy, as the CI gate (`image
//! --trust-policy`) evaluates it: allowed registries, digest pins, and the signatures the policy
//! requires, verified against the registry. Verifications are cached by image reference (a
//! digest-pinned reference names its digest) for a TTL; a registry that cannot be asked denies
//! the image (fail closed), and that answer is not cached.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hullguard_image::source::registry::RegistrySpec;
use hullguard_report::{Finding, Location};
use hullguard_trust::policy::{Input, TrustPolicy};
use hullguard_trust::registry::{Subject, Verification, verify};

/// The trust policy in force and the verifications it has cached.
pub struct Trust {
    policy: TrustPolicy,
    /// Registries reached over plain HTTP (loopback only, as the registry client allows).
    plain_http: Vec<String>,
    ttl: Duration,
    cache: Mutex<HashMap<String, (Instant, Verification)>>,
}

impl Trust {
    /// `policy`, with verifications kept for `ttl`.
    pub fn new(policy: TrustPolicy, plain_http: Vec<String>, ttl: Duration) -> Self {
        Trust { policy, plain_http, ttl, cache: Mutex::new(HashMap::new()) }
    }

    /// The policy.
    pub fn policy(&self) -> &TrustPolicy {
        &self.policy
    }

    /// One line per violation by `image` at `field`: `RULE FIELD: WHAT`.
    pub fn reasons(&self, field: &str, image: &str) -> Vec<String> {
        let spec = match RegistrySpec::parse(image) {
            Ok(spec) => spec,
            Err(e) => return vec![format!("trust {field}: {e}")],
        };
        let name = format!("{}/{}", spec.reference.registry, spec.reference.repository);
        let pinned = spec.reference.digest.is_some();
        let input = |verification| Input { image: &name, pinned, verification, findings: None, contents: None };
        let line = |f: &Finding| format!("{} {field}: {}", f.id, f.title);
        if !self.policy.registry_allowed(&name) {
            // A registry the policy does not allow is never contacted: its signatures are not
            // looked up, and not reported as missing.
            let unsigned =
                |f: &Finding| matches!(&f.location, Location::ConfigField { field } if field.starts_with("signatures"));
            return self.policy.evaluate(&input(None)).iter().filter(|f| !unsigned(f)).map(line).collect();
        }
        let verification = if self.policy.signature_rules(&name).is_empty() {
            None
        } else {
            match self.verification(spec, &name) {
                Ok(v) => Some(v),
                Err(e) => return vec![format!("HG-POL-003 {field}: {image}: signatures not verified: {e}")],
            }
        };
        self.policy.evaluate(&input(verification.as_ref())).iter().map(line).collect()
    }

    /// `image` pinned to the digest its signatures were verified on, when it passes the policy,
    /// has signature rules and is not pinned already.
    pub fn pinned(&self, field: &str, image: &str) -> Option<String> {
        let spec = RegistrySpec::parse(image).ok().filter(|s| s.reference.digest.is_none())?;
        let name = format!("{}/{}", spec.reference.registry, spec.reference.repository);
        if self.policy.signature_rules(&name).is_empty() || !self.reasons(field, image).is_empty() {
            return None;
        }
        let verification = self.verification(spec, &name).ok()?;
        Some(format!("{image}@{}", verification.digest))
    }

    /// The verification of `spec`'s signatures, from the cache while it is fresh.
    fn verification(&self, mut spec: RegistrySpec, name: &str) -> Result<Verification, String> {
        let cache = || self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((at, v)) = cache().get(&spec.name)
            && at.elapsed() < self.ttl
        {
            return Ok(v.clone());
        }
        spec.options.insecure = self.plain_http.contains(&spec.reference.registry);
        let subject = Subject::resolve(&spec).map_err(|e| e.to_string())?;
        let verification = verify(&subject, &self.policy.keys_for(name)).map_err(|e| e.to_string())?;
        cache().insert(spec.name, (Instant::now(), verification.clone()));
        Ok(verification)
    }
}
