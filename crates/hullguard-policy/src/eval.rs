//! Evaluating the rules over one input document, and what their results become: findings in the
//! one finding model.

use hullguard_report::{Finding, FindingKind, Location, Severity};
use regorus::{Engine, Value};
use serde_json::{Value as Json, json};

use crate::index::Index;
use crate::input::Document;
use crate::source::{Policies, Rule, RuleKind, one_line};
use crate::{InputKind, Limits, PolicyError};

/// A regorus value as JSON (undefined: null).
pub(crate) fn to_json(value: &Value) -> Json {
    if *value == Value::Undefined {
        return Json::Null;
    }
    serde_json::to_value(value).unwrap_or(Json::Null)
}

/// `numbers.range(a, b)` and `numbers.range_step(a, b, step)` with a cap on their size (the
/// builtins would allocate whatever is asked), and Trivy's `result.new(msg, cause)`.
pub(crate) fn add_extensions(engine: &mut Engine, limits: &Limits) -> anyhow::Result<()> {
    let max = limits.max_range;
    let range = move |name: &str, args: &[Value]| -> anyhow::Result<Value> {
        let (Ok(a), Ok(b)) = (args[0].as_i64(), args[1].as_i64()) else { return Ok(Value::Undefined) };
        let step = match args.get(2) {
            Some(s) => match s.as_i64() {
                Ok(s) if s > 0 => s,
                Ok(_) => anyhow::bail!("{name}: step must be a positive integer"),
                Err(_) => return Ok(Value::Undefined),
            },
            None => 1,
        };
        let count = b.abs_diff(a) / step.unsigned_abs() + 1;
        if count > max {
            anyhow::bail!("{name}: {count} elements, over the limit of {max}");
        }
        let signed = if b >= a { step } else { -step };
        let values = (0..count).map(|i| Value::from(a + signed * i64::try_from(i).unwrap_or(0))).collect::<Vec<_>>();
        Ok(Value::from(values))
    };
    engine.add_extension(
        "numbers.range".to_owned(),
        2,
        Box::new(move |args: Vec<Value>| range("numbers.range", &args)),
    )?;
    engine.add_extension(
        "numbers.range_step".to_owned(),
        3,
        Box::new(move |args: Vec<Value>| range("numbers.range_step", &args)),
    )?;
    engine.add_extension(
        "result.new".to_owned(),
        2,
        Box::new(|args: Vec<Value>| {
            let mut out = json!({"msg": to_json(&args[0])});
            let cause = to_json(&args[1]);
            for (from, to) in [("start_line", "startline"), ("startline", "startline"), ("line", "startline")] {
                if let Some(n) = cause.get(from).filter(|n| n.is_u64()) {
                    out[to] = n.clone();
                }
            }
            for key in ["end_line", "endline"] {
                if let Some(n) = cause.get(key).filter(|n| n.is_u64()) {
                    out["endline"] = n.clone();
                }
            }
            Ok(Value::from(out))
        }),
    )?;
    Ok(())
}

/// Where a result points: `base`, with what the result names of it: the line (`startline`,
/// `line`) of a file or manifest; the field (`field`) of a manifest, container or host setting;
/// the layer (`layer`) and path (`path`) in an image; the path of a file as a whole.
#[must_use]
pub fn result_location(base: &Location, result: &Json) -> Location {
    let number = |key: &str| result.get(key).and_then(Json::as_u64).and_then(|n| u32::try_from(n).ok());
    let text = |key: &str| result.get(key).and_then(Json::as_str).map(str::to_owned);
    let start = number("startline").or_else(|| number("line"));
    let mut at = base.clone();
    match &mut at {
        Location::File { line, end_line, .. } => {
            if let Some(s) = start {
                *line = s;
                *end_line = number("endline").filter(|e| *e > s);
            }
        }
        Location::Manifest { field, line, .. } => {
            if let Some(f) = text("field") {
                *field = f;
            }
            if let Some(s) = start {
                *line = s;
            }
        }
        Location::Image { layer, path } => {
            if let Some(n) = result.get("layer").and_then(Json::as_u64).and_then(|n| usize::try_from(n).ok()) {
                *layer = Some(n);
            }
            if let Some(p) = text("path") {
                *path = Some(p);
            }
        }
        Location::Path { path } => {
            if let Some(p) = text("path") {
                *path = p;
            }
        }
        Location::Container { field, .. } => {
            if let Some(f) = text("field") {
                *field = f;
            }
        }
        Location::Host { field, .. } => {
            if let Some(f) = text("field") {
                *field = Some(f);
            }
        }
        Location::ConfigField { field } => {
            if let Some(f) = text("field") {
                *field = f;
            }
        }
    }
    at
}

/// The finding of one result of `rule`.
fn finding(rule: &Rule, result: &Json, base: &Location) -> Finding {
    let message = match result {
        Json::String(s) => s.clone(),
        Json::Object(o) => o
            .get("msg")
            .or_else(|| o.get("message"))
            .and_then(Json::as_str)
            .map_or_else(|| result.to_string(), str::to_owned),
        other => other.to_string(),
    };
    let own = |key: &str| result.get(key).and_then(Json::as_str).map(str::to_owned);
    let m = &rule.metadata;
    let default_severity = if rule.kind == RuleKind::Warn { Severity::Low } else { Severity::High };
    let severity = own("severity").and_then(|s| s.parse().ok()).or(m.severity).unwrap_or(default_severity);
    Finding {
        kind: FindingKind::Misconfiguration,
        id: own("id").or_else(|| m.id.clone()).unwrap_or_else(|| format!("{}.{}", rule.package, rule.name)),
        concept: None,
        severity,
        title: own("title").or_else(|| m.title.clone()).unwrap_or_else(|| message.clone()),
        description: m.description.clone().unwrap_or_else(|| format!("Rego policy {}:{}", rule.file, rule.line)),
        location: result_location(base, result),
        evidence: Some(message),
        fix: m.fix.clone(),
        references: m.references.clone(),
        vulnerability: None,
        status: None,
    }
}

/// The findings of the rules `selected` (indexes into `rules`) over `input`, one evaluation each
/// (none for a rule whose guard says it cannot give a value on `input`).
fn evaluate_in(
    engine: &mut Engine,
    rules: &[Rule],
    index: &Index,
    selected: &[usize],
    input: &Document,
    base: &Location,
) -> Result<Vec<Finding>, PolicyError> {
    if selected.is_empty() {
        return Ok(Vec::new());
    }
    engine.set_input(input.0.clone());
    let mut findings = Vec::new();
    let mut checked = index.over(&input.0);
    for &i in selected {
        let rule = &rules[i];
        if rule.guard.as_ref().is_some_and(|g| !checked.admits(g)) {
            continue;
        }
        let value = engine
            .eval_rule(rule.path())
            .map_err(|e| PolicyError::Eval { message: one_line(&e, &rule.file), rule: rule.path() })?;
        let results = match to_json(&value) {
            Json::Null | Json::Bool(false) => Vec::new(),
            Json::Array(items) => items,
            Json::Bool(true) => vec![json!(rule.name)],
            other => vec![other],
        };
        findings.extend(results.iter().map(|r| finding(rule, r, base)));
    }
    Ok(findings)
}

/// The position of `kind` in [`InputKind::ALL`].
fn index(kind: InputKind) -> usize {
    InputKind::ALL.iter().position(|k| *k == kind).unwrap_or_default()
}

impl Policies {
    /// The findings of every `deny`/`warn`/`violation` rule selected for `kind` over `input`,
    /// each located at `base` (with the line or field the result names).
    ///
    /// # Errors
    ///
    /// A rule whose evaluation fails: a limit reached, a builtin error.
    pub fn evaluate(&mut self, kind: InputKind, input: &Json, base: &Location) -> Result<Vec<Finding>, PolicyError> {
        self.evaluate_document(kind, &Document::from(input), base)
    }

    /// [`Policies::evaluate`] over a document already converted.
    ///
    /// # Errors
    ///
    /// A rule whose evaluation fails: a limit reached, a builtin error.
    pub fn evaluate_document(
        &mut self,
        kind: InputKind,
        input: &Document,
        base: &Location,
    ) -> Result<Vec<Finding>, PolicyError> {
        evaluate_in(&mut self.engine, &self.rules, &self.index, &self.selected[index(kind)], input, base)
    }

    /// [`Policies::evaluate`] over each of `documents` (an input and where its findings are), on
    /// every core (one copy of the engine per thread); the findings in document order.
    ///
    /// # Errors
    ///
    /// The first rule whose evaluation fails, in document order.
    pub fn evaluate_all(
        &mut self,
        kind: InputKind,
        documents: &[(Json, Location)],
    ) -> Result<Vec<Finding>, PolicyError> {
        let documents: Vec<(Document, Location)> =
            documents.iter().map(|(json, at)| (Document::from(json), at.clone())).collect();
        self.evaluate_documents(kind, &documents)
    }

    /// [`Policies::evaluate_all`] over documents already converted.
    ///
    /// # Errors
    ///
    /// The first rule whose evaluation fails, in document order.
    pub fn evaluate_documents(
        &mut self,
        kind: InputKind,
        documents: &[(Document, Location)],
    ) -> Result<Vec<Finding>, PolicyError> {
        let selected = &self.selected[index(kind)];
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(documents.len());
        if selected.is_empty() || threads == 0 {
            return Ok(Vec::new());
        }
        let (rules, rule_index) = (&self.rules, &self.index);
        let one_chunk = |engine: &mut Engine, chunk: &[(Document, Location)]| {
            let mut findings = Vec::new();
            for (input, at) in chunk {
                findings.extend(evaluate_in(engine, rules, rule_index, selected, input, at)?);
            }
            Ok::<_, PolicyError>(findings)
        };
        if threads == 1 {
            return one_chunk(&mut self.engine, documents);
        }
        let engine = &self.engine;
        let chunks: Vec<Result<Vec<Finding>, PolicyError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = documents
                .chunks(documents.len().div_ceil(threads))
                .map(|chunk| {
                    let mut engine = engine.clone();
                    scope.spawn(move || one_chunk(&mut engine, chunk))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
        });
        let mut findings = Vec::new();
        for chunk in chunks {
            findings.extend(chunk?);
        }
        Ok(findings)
    }

    /// The limits evaluation runs under.
    #[must_use]
    pub fn limits(&self) -> Limits {
        self.limits
    }
}
