//! The images of an admitted object under the trust policy, as the CI gate (`image
//! --trust-policy`) evaluates it: allowed registries, digest pins, and the signatures the policy
//! requires, verified against the registry. Verifications are cached by image reference (a
//! digest-pinned reference names its digest) for a TTL; a registry that cannot be asked denies
//! the image (fail closed), and that answer is not cached. The vulnerability gate (HG-POL-004)
//! reads the newest stored scan of the image's config digest (resolved in the registry, cached
//! the same way; the findings of each scan parsed once and kept by scan id for the TTL). An image
//! with no stored scan is scanned on demand when the policy gives a time budget; without one, or
//! when the budget runs out, it is denied or admitted with a warning, as the admission policy's
//! `unscanned` says.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use hullguard_image::source::registry::{RegistrySource, RegistrySpec};
use hullguard_report::Finding;
use hullguard_trust::policy::{Input, Rule, TrustPolicy};
use hullguard_trust::registry::{Subject, Verification, verify};

/// What the vulnerability gate needs of the server: its stored scans, and a scan of an image
/// stored there.
pub trait Scans: Send + Sync {
    /// The id of the newest finished scan of image config digest `digest` (`None`: never scanned).
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    fn newest(&self, digest: &str) -> Result<Option<i64>, String>;

    /// The findings of scan `id`.
    ///
    /// # Errors
    ///
    /// When the store cannot be read or the scan is gone.
    fn findings(&self, id: i64) -> Result<Vec<Finding>, String>;

    /// Scans the image `spec` names from its registry and stores the scan.
    ///
    /// # Errors
    ///
    /// When the image cannot be read, matched or stored.
    fn scan(&self, spec: &RegistrySpec) -> Result<(), String>;
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

/// Entries a cache holds before the stale ones are dropped.
const CACHE_PRUNE_AT: usize = 4096;

/// Values looked up (in a registry, in the store), kept for a TTL; failures are not kept.
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
        let mut entries = entries();
        if entries.len() >= CACHE_PRUNE_AT {
            entries.retain(|_, (at, _)| at.elapsed() < self.ttl);
        }
        entries.insert(key.to_owned(), (Instant::now(), value.clone()));
        Ok(value)
    }
}

/// What the vulnerability gate does with an image that has no stored scan.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unscanned {
    /// How long a review waits for its scan on demand (which goes on, and is stored, after
    /// that); `None`: no scan on demand.
    pub scan_budget: Option<Duration>,
    /// Whether it is admitted, with a warning, when its scan is not there in time (or not
    /// made).
    pub allow: bool,
}

/// The most scans on demand running at once; an image beyond them is treated as not scanned in
/// time.
const MAX_SCANS_ON_DEMAND: usize = 2;

/// One scan on demand: its outcome once it is done, and who waits for it.
#[derive(Default)]
struct Flight {
    outcome: Mutex<Option<Result<(), String>>>,
    done: Condvar,
}

/// What waiting for a scan on demand gave.
enum Waited {
    /// The scan is stored (or failed, with why).
    Done(Result<(), String>),
    /// Still running after the budget, or not started (why).
    Late(String),
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
    /// The findings of stored scans, by scan id: a review reads only the id of the newest scan.
    findings: Cache<Arc<[Finding]>>,
    scans: Arc<dyn Scans>,
    unscanned: Unscanned,
    /// The scans on demand running, by config digest.
    flights: Arc<Mutex<HashMap<String, Arc<Flight>>>>,
}

impl Trust {
    /// `policy`, with registry and store answers kept for `ttl`, stored scans read from (and
    /// scans on demand stored in) `scans`, images with none judged as `unscanned` says.
    pub fn new(
        policy: TrustPolicy,
        plain_http: Vec<String>,
        ttl: Duration,
        scans: Arc<dyn Scans>,
        unscanned: Unscanned,
    ) -> Self {
        Trust {
            policy,
            plain_http,
            verifications: Cache::new(ttl),
            configs: Cache::new(ttl),
            findings: Cache::new(ttl),
            scans,
            unscanned,
            flights: Arc::default(),
        }
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
            let mut found = self.policy.evaluate(&input(None, None));
            found.retain(|f| Rule::of(f) != Some(Rule::Signatures));
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
            match self.gate_findings(spec) {
                Ok(Ok(findings)) => Some(findings),
                Ok(Err(why)) => {
                    let line = format!("HG-POL-004 {field}: {image}: {why}");
                    if !self.unscanned.allow {
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

    /// The findings the vulnerability gate judges `spec` on: its newest stored scan's, else its
    /// scan on demand's when that is done within the budget; `Ok(Err(why))` when there is none
    /// (then `unscanned` decides); `Err` when they cannot be looked up (fail closed).
    fn gate_findings(&self, spec: RegistrySpec) -> Result<Result<Arc<[Finding]>, String>, String> {
        let digest = self.config_digest(spec.clone())?;
        if let Some(findings) = self.stored(&digest)? {
            return Ok(Ok(findings));
        }
        let unscanned = format!("no stored scan of {digest}");
        let Some(budget) = self.unscanned.scan_budget else { return Ok(Err(unscanned)) };
        match self.scan_now(spec, &digest, budget) {
            Waited::Done(Err(e)) => Err(format!("scan on demand failed: {e}")),
            Waited::Done(Ok(())) => Ok(self.stored(&digest)?.ok_or(format!("{unscanned} after its scan on demand"))),
            Waited::Late(why) => Ok(Err(format!("{unscanned}: {why}"))),
        }
    }

    /// The findings of the newest stored scan of config digest `digest`.
    fn stored(&self, digest: &str) -> Result<Option<Arc<[Finding]>>, String> {
        let Some(id) = self.scans.newest(digest)? else { return Ok(None) };
        self.findings.get(&id.to_string(), || Ok(self.scans.findings(id)?.into())).map(Some)
    }

    /// Starts the scan on demand of `spec` (config digest `digest`), or joins the one running,
    /// and waits for it at most `budget`.
    fn scan_now(&self, mut spec: RegistrySpec, digest: &str, budget: Duration) -> Waited {
        let flight = {
            let mut flights = self.flights.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match flights.get(digest) {
                Some(flight) => flight.clone(),
                None if flights.len() >= MAX_SCANS_ON_DEMAND => {
                    return Waited::Late(format!("not scanned on demand, {MAX_SCANS_ON_DEMAND} scans are running"));
                }
                None => {
                    let flight = Arc::new(Flight::default());
                    flights.insert(digest.to_owned(), flight.clone());
                    spec.options.insecure = self.plain_http.contains(&spec.reference.registry);
                    let (scans, all, key, running) =
                        (self.scans.clone(), self.flights.clone(), digest.to_owned(), flight.clone());
                    let started = std::thread::Builder::new().name("scan-on-demand".into()).spawn(move || {
                        let outcome = scans.scan(&spec);
                        if let Err(e) = &outcome {
                            tracing::warn!("admission: scan on demand of {} failed: {e}", spec.name);
                        }
                        *running.outcome.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(outcome);
                        running.done.notify_all();
                        all.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&key);
                    });
                    if let Err(e) = started {
                        flights.remove(digest);
                        return Waited::Done(Err(format!("no thread for it: {e}")));
                    }
                    flight
                }
            }
        };
        let outcome = flight.outcome.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (outcome, _) = flight
            .done
            .wait_timeout_while(outcome, budget, |o| o.is_none())
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*outcome {
            Some(done) => Waited::Done(done.clone()),
            None => Waited::Late(format!(
                "its scan on demand did not finish within {} s (it goes on and is stored)",
                budget.as_secs_f64()
            )),
        }
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
