//! Custom Rego policies: `--policy-dir` of the scanning commands (their findings join the
//! built-in checks' before the ignore file and the gate), `hullguard policy test` and
//! `hullguard policy eval`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use anyhow::{Context, Result};
use hullguard_manifest::k8s::object::Object;
use hullguard_manifest::yaml::{Limits as YamlLimits, load_stream};
use hullguard_manifest::{Input, text as text_of};
use hullguard_policy::input::Document;
use hullguard_policy::{InputKind, Limits, Policies, input, test};
use hullguard_report::{Finding, Location};
use hullguard_scan::{DetectorInput, FindingsDetector};

/// `--policy-dir` of the scanning commands.
#[derive(clap::Args, Default)]
pub struct PolicyArgs {
    /// A directory (or file) of Rego v1 policies (`*.rego`, searched recursively): their
    /// `deny`/`warn`/`violation` rules give findings (docs/policy.md); repeatable.
    #[arg(long = "policy-dir", value_name = "DIR")]
    pub policy_dirs: Vec<PathBuf>,
}

/// Loaded policies, shared by the file kinds of one command (and the scan engine's threads).
pub struct Loaded(Mutex<Policies>);

impl PolicyArgs {
    /// The policies of the directories (`None` without any).
    ///
    /// # Errors
    ///
    /// A directory that cannot be read, a policy that does not load (`file:line:col`).
    pub fn load(&self) -> Result<Option<Loaded>> {
        if self.policy_dirs.is_empty() {
            return Ok(None);
        }
        Ok(Some(Loaded(Mutex::new(Policies::load(&self.policy_dirs, Limits::default())?))))
    }
}

impl Loaded {
    /// The findings of the policies over one input document.
    ///
    /// # Errors
    ///
    /// A rule whose evaluation fails (a limit reached).
    pub fn evaluate(&self, kind: InputKind, input: &serde_json::Value, at: &Location) -> Result<Vec<Finding>> {
        Ok(self.policies().evaluate(kind, input, at)?)
    }

    fn policies(&self) -> MutexGuard<'_, Policies> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The policies as a detector of the scan engine: over the image document (images) and the
    /// inventory document, their findings located in the image (or at the tree or SBOM).
    pub fn detector(self) -> FindingsDetector {
        Arc::new(move |scanned: &DetectorInput<'_>| {
            let mut policies = self.policies();
            let mut findings = Vec::new();
            let at = match scanned.image {
                Some(meta) => {
                    let at = Location::Image { layer: None, path: None };
                    let document = input::image(meta, scanned.inventory, scanned.files);
                    findings.extend(policies.evaluate(InputKind::Image, &document, &at)?);
                    at
                }
                None => Location::Path { path: scanned.name.to_owned() },
            };
            let document = input::inventory(scanned.name, scanned.inventory, scanned.findings);
            findings.extend(policies.evaluate(InputKind::Inventory, &document, &at)?);
            Ok(findings)
        })
    }

    /// The findings of the policies over each of `documents` (of one kind), on every core.
    ///
    /// # Errors
    ///
    /// A rule whose evaluation fails.
    pub fn evaluate_all(&self, kind: InputKind, documents: &[(serde_json::Value, Location)]) -> Result<Vec<Finding>> {
        Ok(self.policies().evaluate_all(kind, documents)?)
    }

    /// The findings of the policies over each of `documents` (of one kind, already converted),
    /// on every core.
    ///
    /// # Errors
    ///
    /// A rule whose evaluation fails.
    pub fn evaluate_documents(&self, kind: InputKind, documents: &[(Document, Location)]) -> Result<Vec<Finding>> {
        Ok(self.policies().evaluate_documents(kind, documents)?)
    }

    /// The findings of the policies over every document of the compose files `inputs` (raw).
    ///
    /// # Errors
    ///
    /// A rule whose evaluation fails.
    pub fn compose(&self, inputs: &[Input<'_>]) -> Result<Vec<Finding>> {
        let mut findings = Vec::new();
        for input in inputs {
            let Ok(text) = text_of(input) else { continue };
            let mut docs = Vec::new();
            load_stream(text, &YamlLimits::default(), &mut |d| docs.push(d));
            for d in docs {
                let at = Location::Manifest {
                    path: input.name.to_owned(),
                    document: d.index,
                    object: "compose".to_owned(),
                    field: String::new(),
                    line: d.root.line,
                    column: d.root.column,
                };
                let document = Document::from_yaml(&d.root);
                findings.extend(self.policies().evaluate_document(InputKind::Compose, &document, &at)?);
            }
        }
        Ok(findings)
    }
}

/// The document of a Kubernetes object `obj` of `file` (the raw object) and where its findings
/// are: at the object.
pub fn kubernetes_document(file: &str, obj: &Object<'_>) -> (Document, Location) {
    let at = Location::Manifest {
        path: file.to_owned(),
        document: obj.document,
        object: obj.id(),
        field: obj.path(""),
        line: obj.node.line,
        column: obj.node.column,
    };
    (Document::from_yaml(obj.node), at)
}

/// A JSON or YAML file's (first) document, for `policy eval --input`.
fn read_input(path: &std::path::Path) -> Result<serde_json::Value> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| name.clone())?;
    if let Ok(v) = serde_json::from_str(&text) {
        return Ok(v);
    }
    let mut first = None;
    let warnings = load_stream(&text, &YamlLimits::default(), &mut |d| {
        first.get_or_insert(d.root);
    });
    match (first, warnings.first()) {
        (Some(root), _) => Ok(root.to_json()),
        (None, Some(w)) => anyhow::bail!("{name}:{}:{}: {}", w.line, w.column, w.message),
        (None, None) => anyhow::bail!("{name}: not a JSON or YAML document"),
    }
}

/// `hullguard policy test DIR…`: each test's PASS/FAIL, a summary, exit 1 when one fails.
///
/// # Errors
///
/// A policy that does not load, stdout failing.
pub fn run_test(dirs: &[PathBuf]) -> Result<ExitCode> {
    let mut policies = Policies::load(dirs, Limits::default())?;
    let outcomes = test::run(&mut policies);
    let mut out = String::new();
    for o in &outcomes {
        let verdict = if o.passed { "PASS" } else { "FAIL" };
        let _ = write!(out, "{}: {} {verdict} ({:.1} ms)", o.place, o.rule, o.duration.as_secs_f64() * 1000.0);
        if let Some(e) = &o.error {
            let _ = write!(out, ": {e}");
        }
        out.push('\n');
    }
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    let _ = writeln!(out, "{}\nPASS: {}/{}", "-".repeat(40), outcomes.len() - failed, outcomes.len());
    if failed > 0 {
        let _ = writeln!(out, "FAIL: {failed}/{}", outcomes.len());
    }
    crate::output::write_report(&out, None)?;
    Ok(if failed > 0 || outcomes.is_empty() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// `hullguard policy eval --input FILE QUERY`: the query's results as JSON.
///
/// # Errors
///
/// An input that does not parse, a policy that does not load, a query that fails.
pub fn run_eval(dirs: &[PathBuf], input: &std::path::Path, query: &str) -> Result<ExitCode> {
    let input = read_input(input)?;
    let mut policies = Policies::load(dirs, Limits::default())?;
    let results = policies.query(&input, query)?;
    crate::output::write_report(&(serde_json::to_string_pretty(&results)? + "\n"), None)?;
    Ok(ExitCode::SUCCESS)
}
