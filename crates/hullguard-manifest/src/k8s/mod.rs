//! Kubernetes manifests: the objects of YAML/JSON streams (`List` kinds unwrapped), the pod spec of
//! every workload kind, and the checks over them.
//!
//! [`scan`] reads files in two passes: the first loads every object and notes what other objects'
//! checks need (service accounts and who uses them); the second runs the checks. Objects are
//! dropped after each document, so memory holds one document and the inventory at a time.

pub(crate) mod checks;
pub(crate) mod inventory;
pub mod object;
pub mod pss;

use hullguard_report::{Finding, FindingKind, Location, Severity, Suppressed};

use crate::text;
use crate::yaml::{self, Limits};
pub use crate::{Input, Scan, Settings};
use inventory::Inventory;
use object::{Object, WORKLOADS, objects, pod_spec};

/// The annotation that exempts an object from checks: `hullguard.dev/ignore: HG-K8S-001,k8s-privileged`.
pub const IGNORE_ANNOTATION: &str = "hullguard.dev/ignore";

/// Calls `each` with every object of every input (its file name and the object), in order, and
/// collects the inputs' problems (`file:line[:column]: problem`) in `warnings`.
pub fn walk(inputs: &[Input<'_>], warnings: &mut Vec<String>, each: &mut dyn FnMut(&str, &Object<'_>)) {
    let limits = Limits::default();
    for input in inputs {
        let text = match text(input) {
            Ok(t) => t,
            Err(w) => {
                warnings.push(w);
                continue;
            }
        };
        let mut problems = Vec::new();
        let loaded = yaml::load_stream(text, &limits, &mut |doc| {
            for obj in objects(&doc.root, doc.index, &mut problems) {
                each(input.name, &obj);
            }
        });
        warnings.extend(loaded.into_iter().map(|w| format!("{}:{}:{}: {}", input.name, w.line, w.column, w.message)));
        warnings.extend(problems.into_iter().map(|(line, p)| format!("{}:{line}: {p}", input.name)));
    }
}

/// Scans Kubernetes manifests.
#[must_use]
pub fn scan(inputs: &[Input<'_>], settings: &Settings) -> Scan {
    scan_each(inputs, settings, &mut |_, _| {})
}

/// [`scan`], calling `each` with every object (its file name and the object) as the checks see
/// it, so that another reader of the objects (custom policies) needs no parse of its own.
#[must_use]
pub fn scan_each(inputs: &[Input<'_>], settings: &Settings, each: &mut dyn FnMut(&str, &Object<'_>)) -> Scan {
    let mut inventory = Inventory::default();
    let mut first_pass_warnings = Vec::new();
    walk(inputs, &mut first_pass_warnings, &mut |_, obj| inventory.note(obj));
    let mut out = Scan::default();
    let mut warnings = Vec::new();
    let mut shapes = Vec::new();
    walk(inputs, &mut warnings, &mut |file, obj| {
        each(file, obj);
        out.objects += 1;
        if WORKLOADS.contains(&obj.kind) {
            shapes.extend(object::shape_problems(obj).into_iter().map(|(line, p)| format!("{file}:{line}: {p}")));
        }
        let prefix = obj.item.map(|i| format!("items[{i}].")).unwrap_or_default();
        let mut r = crate::report::Reporter::new(file, obj.document, obj.id(), prefix, settings);
        checks::object(&mut r, obj, &inventory);
        let mut findings = r.findings;
        if !settings.no_inline_ignores
            && let Some(ignored) = obj.metadata("annotations", IGNORE_ANNOTATION)
        {
            let names: Vec<&str> = ignored.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
            findings.retain(|f| {
                let hit = names.iter().any(|n| {
                    *n == "*" || f.id == *n || f.concept.as_deref() == Some(*n) || {
                        hullguard_checks::registry::registry().iter().any(|m| m.id == f.id && m.is_named(n))
                    }
                });
                if hit {
                    out.suppressed.push(Suppressed {
                        id: f.id.clone(),
                        package: f.location.place(),
                        reason: format!("annotation {IGNORE_ANNOTATION} on {}", obj.id()),
                    });
                }
                !hit
            });
        }
        out.findings.extend(findings);
    });
    out.warnings = warnings;
    out.warnings.extend(shapes);
    out.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

/// PSA's verdict on one object with a pod spec.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verdict {
    /// The file.
    pub file: String,
    /// 1-based document index.
    pub document: usize,
    /// `kind/namespace/name`.
    pub object: String,
    /// Line of the object.
    pub line: u32,
    /// Whether PSA admits it.
    pub allowed: bool,
    /// Why not.
    pub violations: Vec<pss::Violation>,
}

impl Verdict {
    /// One finding per violation (for SARIF and the other finding formats): id
    /// `PSS-BASELINE-privileged`, HIGH at baseline and MEDIUM at restricted, at the object's line.
    #[must_use]
    pub fn findings(&self, level: pss::Level, version: pss::Version) -> Vec<Finding> {
        let (tag, severity) = match level {
            pss::Level::Baseline => ("BASELINE", Severity::High),
            pss::Level::Restricted => ("RESTRICTED", Severity::Medium),
        };
        self.violations
            .iter()
            .map(|v| Finding {
                kind: FindingKind::Misconfiguration,
                id: format!("PSS-{tag}-{}", v.check),
                concept: None,
                severity,
                title: format!("Pod Security Standards {} {version}: {}", level.as_str(), v.check),
                description: format!("Pod Security Admission forbids {} at {}:{version}", self.object, level.as_str()),
                location: Location::Manifest {
                    path: self.file.clone(),
                    document: self.document,
                    object: self.object.clone(),
                    field: String::new(),
                    line: self.line,
                    column: 1,
                },
                evidence: Some(v.message()),
                fix: None,
                references: vec!["https://kubernetes.io/docs/concepts/security/pod-security-standards/".to_owned()],
                vulnerability: None,
                status: None,
            })
            .collect()
    }
}

/// The image of every container (init and ephemeral too) of every workload of `inputs`, as
/// `(field path, image)`: `("spec.containers[0].image", "nginx:1.27")`.
#[must_use]
pub fn images(inputs: &[Input<'_>]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(inputs, &mut Vec::new(), &mut |_, obj| {
        for c in pod_spec(obj).map(|p| p.containers()).unwrap_or_default() {
            if let Some(image) = c.image() {
                out.push((obj.path(&format!("{}.image", c.path)), image.to_owned()));
            }
        }
    });
    out
}

/// PSA's verdicts at `level` and `version` for every object of `inputs` that holds a pod spec,
/// and the problems with the input.
#[must_use]
pub fn pss_verdicts(inputs: &[Input<'_>], level: pss::Level, version: pss::Version) -> (Vec<Verdict>, Vec<String>) {
    let mut verdicts = Vec::new();
    let mut warnings = Vec::new();
    walk(inputs, &mut warnings, &mut |file, obj| {
        if let Some(pod) = pod_spec(obj) {
            let violations = pss::evaluate(&pod, level, version);
            verdicts.push(Verdict {
                file: file.to_owned(),
                document: obj.document,
                object: obj.id(),
                line: obj.node.line,
                allowed: violations.is_empty(),
                violations,
            });
        }
    });
    (verdicts, warnings)
}
