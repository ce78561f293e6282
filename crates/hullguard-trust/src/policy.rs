//! The trust policy: one YAML file saying which images may run — where they may come from
//! (registry/repository globs), whether they must be pinned by digest, whose signatures they need
//! (keys, how many), how bad their vulnerabilities may be (a severity ceiling, fixable only,
//! known-exploited ones), what they may contain (denied packages and licences), and what they must
//! say of themselves (required labels, a maximum age, an allowed base image) — with per-repository
//! exceptions. The CI gate (`image --trust-policy`, `verify
//! --policy`) and the admission webhook evaluate it; each violation is one `policy` finding.
//! The format is documented in docs/trust.md.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use globset::{GlobSet, GlobSetBuilder};
use hullguard_image::ImageMeta;
use hullguard_inventory::Inventory;
use hullguard_report::{Finding, FindingKind, Location, Severity};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::key::PublicKey;
use crate::registry::{NamedKey, Verification};

/// Largest policy file read.
const MAX_POLICY_BYTES: usize = 1 << 20;

/// The rules a policy has, by the name exceptions use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// `registries`: where images may come from.
    Registries,
    /// `require_digest`: images named by digest.
    Digest,
    /// `signatures`: who must have signed.
    Signatures,
    /// `vulnerabilities`: the severity ceiling and the KEV gate.
    Vulnerabilities,
    /// `packages.deny`: packages that must not be installed.
    Packages,
    /// `licenses.deny`: licences no package may carry.
    Licenses,
    /// `labels.required`: labels the image config must have.
    Labels,
    /// `max_image_age_days`: how old the image may be.
    ImageAge,
    /// `base_images`: the base images allowed.
    BaseImages,
}

impl Rule {
    /// The rule a `policy` finding reports a violation of (`None` for other findings).
    pub fn of(finding: &Finding) -> Option<Rule> {
        const ALL: [Rule; 9] = [
            Rule::Registries,
            Rule::Digest,
            Rule::Signatures,
            Rule::Vulnerabilities,
            Rule::Packages,
            Rule::Licenses,
            Rule::Labels,
            Rule::ImageAge,
            Rule::BaseImages,
        ];
        let policy = finding.kind == FindingKind::Policy;
        ALL.into_iter().find(|r| policy && r.id() == finding.id)
    }

    /// The finding id of a violation.
    fn id(self) -> &'static str {
        match self {
            Rule::Registries => "HG-POL-001",
            Rule::Digest => "HG-POL-002",
            Rule::Signatures => "HG-POL-003",
            Rule::Vulnerabilities => "HG-POL-004",
            Rule::Packages => "HG-POL-005",
            Rule::Licenses => "HG-POL-006",
            Rule::Labels => "HG-POL-007",
            Rule::ImageAge => "HG-POL-008",
            Rule::BaseImages => "HG-POL-009",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    registries: Option<Vec<String>>,
    #[serde(default)]
    require_digest: bool,
    #[serde(default)]
    signatures: Vec<RawSignatureRule>,
    #[serde(default)]
    vulnerabilities: Option<RawVulnerabilityRule>,
    #[serde(default)]
    packages: Option<RawDenyList>,
    #[serde(default)]
    licenses: Option<RawDenyList>,
    #[serde(default)]
    labels: Option<RawLabels>,
    #[serde(default)]
    max_image_age_days: Option<u32>,
    #[serde(default)]
    base_images: Option<Vec<String>>,
    #[serde(default)]
    exceptions: Vec<RawException>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignatureRule {
    #[serde(default = "everything")]
    repos: Vec<String>,
    keys: Vec<PathBuf>,
    #[serde(default = "one")]
    required: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVulnerabilityRule {
    #[serde(default)]
    max_severity: Option<String>,
    #[serde(default)]
    kev: bool,
    #[serde(default)]
    ignore_unfixed: bool,
    #[serde(default)]
    fixed_for_days: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDenyList {
    deny: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLabels {
    required: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    repos: Vec<String>,
    skip: Vec<Rule>,
    #[serde(default)]
    reason: String,
}

fn everything() -> Vec<String> {
    vec!["**".to_string()]
}

fn one() -> usize {
    1
}

/// The label an image names its base image with (OCI image annotations, also a config label).
pub const BASE_IMAGE_LABEL: &str = "org.opencontainers.image.base.name";

/// Globs over `registry/repository`, `*` not crossing a `/`.
#[derive(Debug, Clone)]
struct Globs {
    patterns: Vec<String>,
    set: GlobSet,
}

impl Globs {
    /// Globs over paths: `*` stops at `/`.
    fn new(subject: &str, patterns: &[String]) -> Result<Self> {
        Self::build(subject, patterns, true)
    }

    /// Globs over names: `*` matches `/` too (package names, purls, licence ids).
    fn any(subject: &str, patterns: &[String]) -> Result<Self> {
        Self::build(subject, patterns, false)
    }

    fn build(subject: &str, patterns: &[String], literal_separator: bool) -> Result<Self> {
        let mut builder = GlobSetBuilder::new();
        for p in patterns {
            let glob = globset::GlobBuilder::new(p)
                .literal_separator(literal_separator)
                .build()
                .map_err(|e| Error::invalid(subject, format!("glob {p:?}: {e}")))?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| Error::invalid(subject, e.to_string()))?;
        Ok(Globs { patterns: patterns.to_vec(), set })
    }

    fn matches(&self, image: &str) -> bool {
        self.set.is_match(image)
    }
}

/// A signature requirement.
pub struct SignatureRule {
    repos: Globs,
    /// The keys, named by their file.
    pub keys: Vec<NamedKey>,
    /// How many of them must have a verified signature.
    pub required: usize,
}

/// The vulnerability gate.
struct VulnerabilityRule {
    max_severity: Option<Severity>,
    kev: bool,
    /// The ceiling counts only findings with a fix.
    ignore_unfixed: bool,
    /// Fail vulnerabilities whose fix has been available for more than this many days.
    fixed_for_days: Option<u32>,
}

/// A required label: present, or present with this value (`key=value`).
struct RequiredLabel {
    key: String,
    value: Option<String>,
}

struct Exception {
    repos: Globs,
    skip: BTreeSet<Rule>,
    reason: String,
}

/// A loaded, validated policy.
pub struct TrustPolicy {
    /// The file, for findings.
    path: String,
    registries: Option<Globs>,
    require_digest: bool,
    signatures: Vec<SignatureRule>,
    vulnerabilities: Option<VulnerabilityRule>,
    /// Package names or purls denied.
    packages: Option<Globs>,
    /// Licence ids denied.
    licenses: Option<Globs>,
    labels: Vec<RequiredLabel>,
    max_image_age_days: Option<u32>,
    base_images: Option<Globs>,
    exceptions: Vec<Exception>,
}

impl std::fmt::Debug for TrustPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TrustPolicy({})", self.path)
    }
}

/// What a policy is evaluated on.
pub struct Input<'a> {
    /// `registry/repository` of the image.
    pub image: &'a str,
    /// Whether the image was named by digest.
    pub pinned: bool,
    /// Its signatures, checked against [`TrustPolicy::keys_for`] (`None`: not looked up).
    pub verification: Option<&'a Verification>,
    /// Its vulnerability findings (`None`: not scanned).
    pub findings: Option<&'a [Finding]>,
    /// What it contains and says of itself (`None`: not read; the rules over them are not
    /// evaluated).
    pub contents: Option<Contents<'a>>,
}

/// What an image holds and its config: what the content rules read.
#[derive(Clone, Copy)]
pub struct Contents<'a> {
    /// The packages installed.
    pub inventory: &'a Inventory,
    /// The image's description (`None` for an SBOM or a tree: no labels, no creation time).
    pub image: Option<&'a ImageMeta>,
    /// Now, for the image's age.
    pub now: hullguard_report::time::Instant,
}

impl TrustPolicy {
    /// Read and validate the policy at `path`: unknown keys, bad globs, unreadable or malformed
    /// keys (paths relative to the policy file) are errors naming the file.
    pub fn load(path: &Path) -> Result<Self> {
        let name = path.display().to_string();
        let text = std::fs::read(path).map_err(|e| Error::io(&name, e))?;
        if text.len() > MAX_POLICY_BYTES {
            return Err(Error::invalid(&name, format!("larger than {MAX_POLICY_BYTES} bytes")));
        }
        let text = String::from_utf8(text).map_err(|_| Error::invalid(&name, "not UTF-8 text"))?;
        let raw: RawPolicy =
            serde_saphyr::from_str(&text).map_err(|e| Error::invalid(&name, one_line(&e.to_string())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let registries = raw.registries.as_deref().map(|r| Globs::new(&name, r)).transpose()?;
        let mut signatures = Vec::new();
        for (i, rule) in raw.signatures.iter().enumerate() {
            let subject = format!("{name}: signatures[{i}]");
            if rule.keys.is_empty() || rule.required == 0 || rule.required > rule.keys.len() {
                return Err(Error::invalid(
                    subject,
                    format!(
                        "required: {} must be between 1 and the number of keys ({})",
                        rule.required,
                        rule.keys.len()
                    ),
                ));
            }
            let mut keys = Vec::new();
            for file in &rule.keys {
                let file = base.join(file);
                let key_name = file.display().to_string();
                let pem = std::fs::read(&file).map_err(|e| Error::io(format!("{subject}: {key_name}"), e))?;
                keys.push(NamedKey { key: PublicKey::from_pem(&key_name, &pem)?, name: key_name });
            }
            signatures.push(SignatureRule { repos: Globs::new(&subject, &rule.repos)?, keys, required: rule.required });
        }
        let vulnerabilities = match raw.vulnerabilities {
            None => None,
            Some(v) => Some(VulnerabilityRule {
                max_severity: v
                    .max_severity
                    .map(|s| {
                        s.parse::<Severity>().map_err(|_| {
                            Error::invalid(&name, format!("vulnerabilities.max_severity: {s:?} is not a severity"))
                        })
                    })
                    .transpose()?,
                kev: v.kev,
                ignore_unfixed: v.ignore_unfixed,
                fixed_for_days: v.fixed_for_days,
            }),
        };
        let deny = |list: &Option<RawDenyList>, key: &str| {
            list.as_ref().map(|l| Globs::any(&format!("{name}: {key}.deny"), &l.deny)).transpose()
        };
        let labels = raw
            .labels
            .iter()
            .flat_map(|l| &l.required)
            .map(|l| match l.split_once('=') {
                Some((key, value)) => RequiredLabel { key: key.to_string(), value: Some(value.to_string()) },
                None => RequiredLabel { key: l.clone(), value: None },
            })
            .collect();
        let exceptions = raw
            .exceptions
            .iter()
            .enumerate()
            .map(|(i, e)| {
                Ok(Exception {
                    repos: Globs::new(&format!("{name}: exceptions[{i}]"), &e.repos)?,
                    skip: e.skip.iter().copied().collect(),
                    reason: e.reason.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let packages = deny(&raw.packages, "packages")?;
        let licenses = deny(&raw.licenses, "licenses")?;
        let base_images =
            raw.base_images.as_deref().map(|b| Globs::new(&format!("{name}: base_images"), b)).transpose()?;
        Ok(TrustPolicy {
            path: name,
            registries,
            require_digest: raw.require_digest,
            signatures,
            vulnerabilities,
            packages,
            licenses,
            labels,
            max_image_age_days: raw.max_image_age_days,
            base_images,
            exceptions,
        })
    }

    /// The reason of the exception that skips `rule` for `image`, if one does.
    pub fn exemption(&self, image: &str, rule: Rule) -> Option<&str> {
        self.exceptions.iter().find(|e| e.skip.contains(&rule) && e.repos.matches(image)).map(|e| e.reason.as_str())
    }

    /// Whether `rule` applies to `image`: no exception skips it for it.
    fn applies(&self, image: &str, rule: Rule) -> bool {
        self.exemption(image, rule).is_none()
    }

    /// Whether `image` passes the `registries` rule (or an exception skips it for it).
    pub fn registry_allowed(&self, image: &str) -> bool {
        self.registries.as_ref().is_none_or(|a| a.matches(image)) || !self.applies(image, Rule::Registries)
    }

    /// Every key file the signature rules read.
    pub fn key_files(&self) -> impl Iterator<Item = &str> {
        self.signatures.iter().flat_map(|r| r.keys.iter().map(|k| k.name.as_str()))
    }

    /// The signature rules that apply to `image`.
    pub fn signature_rules(&self, image: &str) -> Vec<&SignatureRule> {
        if !self.applies(image, Rule::Signatures) {
            return Vec::new();
        }
        self.signatures.iter().filter(|r| r.repos.matches(image)).collect()
    }

    /// The keys of the signature rules that apply to `image`, each once: what its signatures are
    /// verified with.
    pub fn keys_for(&self, image: &str) -> Vec<NamedKey> {
        let mut keys: Vec<NamedKey> = Vec::new();
        for key in self.signature_rules(image).into_iter().flat_map(|r| &r.keys) {
            if !keys.iter().any(|k| k.name == key.name) {
                keys.push(key.clone());
            }
        }
        keys
    }

    /// Whether evaluating `image` needs its vulnerability scan.
    pub fn needs_vulnerabilities(&self, image: &str) -> bool {
        self.vulnerabilities.is_some() && self.applies(image, Rule::Vulnerabilities)
    }

    fn finding(&self, rule: Rule, field: String, title: String, description: String) -> Finding {
        Finding {
            kind: FindingKind::Policy,
            id: rule.id().to_string(),
            concept: None,
            severity: Severity::High,
            title,
            description,
            location: Location::ConfigField { field },
            evidence: None,
            fix: None,
            references: vec![self.path.clone()],
            vulnerability: None,
            status: None,
        }
    }

    /// Every violation of the policy by `input`, one finding each (kind `policy`, HIGH).
    pub fn evaluate(&self, input: &Input<'_>) -> Vec<Finding> {
        let image = input.image;
        let mut out = Vec::new();
        if let Some(allowed) = &self.registries
            && !self.registry_allowed(image)
        {
            out.push(self.finding(
                Rule::Registries,
                "registries".into(),
                format!("{image} is not in an allowed registry or repository"),
                format!("allowed: {}", allowed.patterns.join(", ")),
            ));
        }
        if self.require_digest && !input.pinned && self.applies(image, Rule::Digest) {
            out.push(self.finding(
                Rule::Digest,
                "require_digest".into(),
                format!("{image} is not pinned by digest"),
                "the policy requires image references of the form NAME@sha256:…".into(),
            ));
        }
        for (i, rule) in self.signatures.iter().enumerate() {
            if !rule.repos.matches(image) || !self.applies(image, Rule::Signatures) {
                continue;
            }
            let verified: BTreeSet<&str> = input.verification.map(Verification::verified_keys).unwrap_or_default();
            let signed: Vec<&str> =
                rule.keys.iter().map(|k| k.name.as_str()).filter(|k| verified.contains(k)).collect();
            if signed.len() < rule.required {
                let names: Vec<&str> = rule.keys.iter().map(|k| k.name.as_str()).collect();
                out.push(self.finding(
                    Rule::Signatures,
                    format!("signatures[{i}]"),
                    format!("{image} has {} of the {} required verified signatures", signed.len(), rule.required),
                    format!(
                        "keys: {}; verified: {}",
                        names.join(", "),
                        if signed.is_empty() { "none".into() } else { signed.join(", ") }
                    ),
                ));
            }
        }
        if let (Some(gate), Some(findings)) = (&self.vulnerabilities, input.findings)
            && self.applies(image, Rule::Vulnerabilities)
        {
            let vulns = findings.iter().filter(|f| f.kind == FindingKind::Vulnerability);
            let mut over: BTreeMap<Severity, usize> = BTreeMap::new();
            let mut kev = BTreeSet::new();
            let today = input.contents.map_or_else(hullguard_report::time::now, |c| c.now).0.div_euclid(86_400);
            let mut overdue = BTreeSet::new();
            for f in vulns {
                let since = f.vuln().and_then(|v| v.fixed_since.as_deref());
                if let (Some(max), Some(since)) = (gate.fixed_for_days, since)
                    && hullguard_report::time::day_number(since).is_some_and(|day| today - day > i64::from(max))
                {
                    overdue.insert(format!("{} (fixed since {since})", f.id));
                }
                let counted = !gate.ignore_unfixed || f.vuln().is_some_and(|v| v.fixed.is_some());
                if counted && gate.max_severity.is_some_and(|max| f.severity > max) {
                    *over.entry(f.severity).or_default() += 1;
                }
                if gate.kev && f.vuln().is_some_and(|v| v.kev.is_some()) {
                    kev.insert(f.id.as_str());
                }
            }
            if let Some(max) = gate.max_severity.filter(|_| !over.is_empty()) {
                let counts: Vec<String> = over.iter().rev().map(|(s, n)| format!("{s}: {n}")).collect();
                out.push(self.finding(
                    Rule::Vulnerabilities,
                    "vulnerabilities.max_severity".into(),
                    format!("{image} has vulnerabilities above {max}"),
                    counts.join(", "),
                ));
            }
            if let Some(max) = gate.fixed_for_days.filter(|_| !overdue.is_empty()) {
                let ids: Vec<String> = overdue.into_iter().collect();
                out.push(self.finding(
                    Rule::Vulnerabilities,
                    "vulnerabilities.fixed_for_days".into(),
                    format!("{image} has {} vulnerabilities fixed more than {max} days ago", ids.len()),
                    ids.join(", "),
                ));
            }
            if !kev.is_empty() {
                let ids: Vec<&str> = kev.into_iter().collect();
                out.push(self.finding(
                    Rule::Vulnerabilities,
                    "vulnerabilities.kev".into(),
                    format!("{image} has {} known exploited (CISA KEV) vulnerabilities", ids.len()),
                    ids.join(", "),
                ));
            }
        }
        if let Some(contents) = &input.contents {
            out.extend(self.content_violations(image, contents));
        }
        out
    }

    /// The violations of the rules over what the image holds and says of itself.
    fn content_violations(&self, image: &str, contents: &Contents<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        let applies = |rule: Rule| self.applies(image, rule);
        let packages = &contents.inventory.packages;
        let listed = |hits: &[String]| {
            let shown: Vec<&str> = hits.iter().take(20).map(String::as_str).collect();
            let more = hits.len().saturating_sub(shown.len());
            if more > 0 { format!("{} … and {more} more", shown.join(", ")) } else { shown.join(", ") }
        };
        if let Some(denied) = self.packages.as_ref().filter(|_| applies(Rule::Packages)) {
            let mut hits: Vec<String> = packages
                .iter()
                .filter(|p| {
                    denied.matches(&p.found.name)
                        || denied.matches(p.purl.as_str().split('?').next().unwrap_or_default())
                })
                .map(|p| p.found.reference())
                .collect();
            hits.dedup();
            if !hits.is_empty() {
                out.push(self.finding(
                    Rule::Packages,
                    "packages.deny".into(),
                    format!("{image} has {} denied package(s)", hits.len()),
                    listed(&hits),
                ));
            }
        }
        if let Some(denied) = self.licenses.as_ref().filter(|_| applies(Rule::Licenses)) {
            let mut hits: Vec<String> = packages
                .iter()
                .filter_map(|p| {
                    let license = p.found.license.as_deref()?;
                    license_ids(license)
                        .any(|id| denied.matches(id))
                        .then(|| format!("{} ({license})", p.found.reference()))
                })
                .collect();
            hits.dedup();
            if !hits.is_empty() {
                out.push(self.finding(
                    Rule::Licenses,
                    "licenses.deny".into(),
                    format!("{image} has {} package(s) under a denied licence", hits.len()),
                    listed(&hits),
                ));
            }
        }
        let labels = contents.image.and_then(|m| m.config.config.labels.as_ref());
        let label = |key: &str| labels.and_then(|l| l.get(key)).map(String::as_str);
        if applies(Rule::Labels) {
            let missing: Vec<String> = self
                .labels
                .iter()
                .filter(|r| match (&r.value, label(&r.key)) {
                    (_, None) => true,
                    (Some(want), Some(got)) => want != got,
                    (None, Some(_)) => false,
                })
                .map(|r| r.value.as_ref().map_or_else(|| r.key.clone(), |v| format!("{}={v}", r.key)))
                .collect();
            if !missing.is_empty() {
                out.push(self.finding(
                    Rule::Labels,
                    "labels.required".into(),
                    format!("{image} lacks {} required label(s)", missing.len()),
                    missing.join(", "),
                ));
            }
        }
        if let Some(max_days) = self.max_image_age_days.filter(|_| applies(Rule::ImageAge)) {
            let created = contents.image.and_then(|m| m.config.created.as_deref());
            let age_days = created
                .and_then(hullguard_report::time::parse_rfc3339)
                .map(|(at, _)| (contents.now.0 - at).div_euclid(86_400));
            let problem = match (created, age_days) {
                (_, Some(days)) if days > i64::from(max_days) => {
                    Some(format!("created {} ({days} days ago)", created.unwrap_or_default()))
                }
                (_, Some(_)) => None,
                (Some(c), None) => Some(format!("its creation time {c:?} is not a date")),
                (None, None) => Some("the config has no creation time".to_string()),
            };
            if let Some(problem) = problem {
                out.push(self.finding(
                    Rule::ImageAge,
                    "max_image_age_days".into(),
                    format!("{image} is older than {max_days} days, or its age is unknown"),
                    problem,
                ));
            }
        }
        if let Some(allowed) = self.base_images.as_ref().filter(|_| applies(Rule::BaseImages)) {
            let problem = match label(BASE_IMAGE_LABEL) {
                None => Some(format!("the image names no base image (label {BASE_IMAGE_LABEL})")),
                Some(base) if !allowed.matches(base.split(['@']).next().unwrap_or(base)) => {
                    Some(format!("base image {base}; allowed: {}", allowed.patterns.join(", ")))
                }
                Some(_) => None,
            };
            if let Some(problem) = problem {
                out.push(self.finding(
                    Rule::BaseImages,
                    "base_images".into(),
                    format!("{image} is not built on an allowed base image"),
                    problem,
                ));
            }
        }
        out
    }
}

/// The licence ids of an SPDX expression or a free-text licence field: `MIT OR (GPL-2.0-only
/// WITH Classpath-exception-2.0)` gives `MIT`, `GPL-2.0-only`, `Classpath-exception-2.0`.
fn license_ids(license: &str) -> impl Iterator<Item = &str> {
    license
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';' | '/'))
        .filter(|t| !t.is_empty() && !matches!(*t, "AND" | "OR" | "WITH" | "and" | "or"))
}

/// A multi-line parser message on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> TrustPolicy {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.yaml");
        std::fs::write(&path, text).unwrap();
        TrustPolicy::load(&path).unwrap()
    }

    fn image(created: &str, labels: &[(&str, &str)]) -> ImageMeta {
        let labels: BTreeMap<&str, &str> = labels.iter().copied().collect();
        let config = serde_json::json!({"created": created, "config": {"Labels": labels}});
        ImageMeta {
            source: "test".into(),
            manifest_digest: None,
            config_digest: None,
            names: Vec::new(),
            config: serde_json::from_value(config).unwrap(),
            layers: Vec::new(),
        }
    }

    /// The content findings of `policy` on an image with `meta`, as (id, description).
    fn violations(policy: &TrustPolicy, meta: &ImageMeta) -> Vec<(String, String)> {
        let inventory = Inventory::default();
        let now = hullguard_report::time::parse_rfc3339("2026-12-07T00:00:00Z").unwrap();
        let contents = Contents { inventory: &inventory, image: Some(meta), now };
        let input =
            Input { image: "r/app", pinned: true, verification: None, findings: None, contents: Some(contents) };
        policy.evaluate(&input).into_iter().map(|f| (f.id, f.description)).collect()
    }

    #[test]
    fn labels_age_and_base_image() {
        let p = policy(
            "labels:\n  required: [team, tier=prod]\nmax_image_age_days: 30\nbase_images: [\"docker.io/library/debian\"]\n",
        );
        let good = image(
            "2026-11-20T10:00:00Z",
            &[("team", "x"), ("tier", "prod"), (BASE_IMAGE_LABEL, "docker.io/library/debian@sha256:abc")],
        );
        assert_eq!(violations(&p, &good), []);
        let bad =
            image("2026-10-01T00:00:00+02:00", &[("tier", "dev"), (BASE_IMAGE_LABEL, "docker.io/library/alpine")]);
        assert_eq!(
            violations(&p, &bad),
            [
                ("HG-POL-007".to_string(), "team, tier=prod".to_string()),
                ("HG-POL-008".to_string(), "created 2026-10-01T00:00:00+02:00 (67 days ago)".to_string()),
                (
                    "HG-POL-009".to_string(),
                    "base image docker.io/library/alpine; allowed: docker.io/library/debian".to_string()
                ),
            ]
        );
        let undated =
            image("yesterday", &[("team", "x"), ("tier", "prod"), (BASE_IMAGE_LABEL, "docker.io/library/debian")]);
        assert_eq!(
            violations(&p, &undated),
            [("HG-POL-008".to_string(), "its creation time \"yesterday\" is not a date".to_string())]
        );
    }

    /// A vulnerability finding of `id` at `severity`, fixed since `since`.
    fn vulnerability(id: &str, severity: Severity, since: Option<&str>) -> Finding {
        let detail = serde_json::json!({
            "aliases": [], "advisories": [id], "package": "libc6", "ecosystem": "Debian:12",
            "purl": "pkg:deb/debian/libc6@2.36-9", "installed": "2.36-9", "fixed": since.map(|_| "2.36-9+deb12u1"),
            "fixed_since": since, "status": if since.is_some() { "fixed" } else { "affected" }, "severity_source": "debian",
        });
        Finding {
            kind: FindingKind::Vulnerability,
            id: id.to_string(),
            concept: None,
            severity,
            title: id.to_string(),
            description: String::new(),
            location: Location::Path { path: "/var/lib/dpkg/status".into() },
            evidence: None,
            fix: None,
            references: Vec::new(),
            vulnerability: Some(Box::new(serde_json::from_value(detail).unwrap())),
            status: None,
        }
    }

    #[test]
    fn fixed_for_days_fails_fixes_older_than_the_grace_period() {
        let p = policy("vulnerabilities:\n  fixed_for_days: 30\n");
        let findings = [
            vulnerability("CVE-2024-0001", Severity::Low, Some("2026-11-06")),
            vulnerability("CVE-2024-0002", Severity::Critical, Some("2026-11-07")),
            vulnerability("CVE-2024-0003", Severity::High, Some("2023-02-01")),
            vulnerability("CVE-2024-0004", Severity::Critical, None),
        ];
        let inventory = Inventory::default();
        let now = hullguard_report::time::parse_rfc3339("2026-12-07T12:00:00Z").unwrap();
        let contents = Contents { inventory: &inventory, image: None, now };
        let input = Input {
            image: "r/app",
            pinned: true,
            verification: None,
            findings: Some(&findings),
            contents: Some(contents),
        };
        let found: Vec<(String, String, String)> =
            p.evaluate(&input).into_iter().map(|f| (f.id, f.title, f.description)).collect();
        // 31 and 1,405 days: over; 30 days: not yet; no dated fix: not counted.
        assert_eq!(
            found,
            [(
                "HG-POL-004".to_string(),
                "r/app has 2 vulnerabilities fixed more than 30 days ago".to_string(),
                "CVE-2024-0001 (fixed since 2026-11-06), CVE-2024-0003 (fixed since 2023-02-01)".to_string()
            )]
        );
        assert_eq!(Rule::of(&p.evaluate(&input)[0]), Some(Rule::Vulnerabilities));
        assert_eq!(Rule::of(&findings[0]), None);
    }

    #[test]
    fn licence_ids_of_expressions() {
        let ids: Vec<&str> = license_ids("MIT OR (GPL-2.0-only WITH Classpath-exception-2.0)").collect();
        assert_eq!(ids, ["MIT", "GPL-2.0-only", "Classpath-exception-2.0"]);
        assert_eq!(license_ids("Apache 2.0").collect::<Vec<_>>(), ["Apache", "2.0"]);
    }

    #[test]
    fn content_rules_are_not_evaluated_without_contents() {
        let p = policy("labels:\n  required: [team]\nmax_image_age_days: 1\n");
        let input = Input { image: "r/app", pinned: true, verification: None, findings: None, contents: None };
        assert!(p.evaluate(&input).is_empty());
    }
}
