//! Loading policy files: the `*.rego` files of the directories, parsed by regorus (Rego v1; a
//! file only Rego v0 parses, as older conftest policies are, is taken as v0), the rules that
//! give findings or are tests, and their metadata.

use std::collections::BTreeMap;
use std::path::PathBuf;

use regorus::Engine;
use regorus::unstable::{Rule as AstRule, RuleHead};

use crate::index::{Guard, Index};
use crate::metadata::{self, Metadata};
use crate::{InputKind, Limits, PolicyError};

/// What a rule is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// `deny`, `deny_…`: a failure.
    Deny,
    /// `violation`, `violation_…`: a failure (Gatekeeper's name).
    Violation,
    /// `warn`, `warn_…`: a warning.
    Warn,
    /// `test_…`: a test of `hullguard policy test`.
    Test,
}

impl RuleKind {
    /// The kind of a rule by its name, if it is one of ours.
    fn of(name: &str) -> Option<Self> {
        let prefixed = |p: &str| name == p || name.strip_prefix(p).is_some_and(|rest| rest.starts_with('_'));
        if prefixed("deny") {
            Some(Self::Deny)
        } else if prefixed("violation") {
            Some(Self::Violation)
        } else if prefixed("warn") {
            Some(Self::Warn)
        } else if name.starts_with("test_") {
            Some(Self::Test)
        } else {
            None
        }
    }
}

/// One rule that gives findings (or a test).
#[derive(Debug, Clone)]
pub struct Rule {
    /// The package, without `data.` (`main`, `user.kubernetes.ID001`).
    pub package: String,
    /// The rule's name (`deny`, `warn_latest`).
    pub name: String,
    /// What it is for.
    pub kind: RuleKind,
    /// The file of its first definition.
    pub file: String,
    /// The line of its first definition.
    pub line: u32,
    /// Its metadata: the rule's own over its package's.
    pub metadata: Metadata,
    /// The input kinds it applies to (`None`: every kind).
    pub selector: Option<Vec<InputKind>>,
    /// What it needs of an input to give a value (`None`: it may on any input).
    pub(crate) guard: Option<Guard>,
}

impl Rule {
    /// `data.package.name`.
    #[must_use]
    pub fn path(&self) -> String {
        format!("data.{}.{}", self.package, self.name)
    }
}

/// Loaded policies, ready to evaluate.
pub struct Policies {
    /// The prepared engine (copied once per thread by [`Policies::evaluate_all`]).
    pub(crate) engine: Engine,
    /// For each input kind (in [`InputKind::ALL`] order), the rules selected for it.
    pub(crate) selected: [Vec<usize>; InputKind::ALL.len()],
    pub(crate) rules: Vec<Rule>,
    /// The needs of the rules' guards.
    pub(crate) index: Index,
    pub(crate) files: Vec<PathBuf>,
    pub(crate) limits: Limits,
}

impl std::fmt::Debug for Policies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policies").field("rules", &self.rules).field("files", &self.files).finish_non_exhaustive()
    }
}

/// A regorus error as one line: `file:line:col: problem` when it names a place.
pub(crate) fn one_line(err: &anyhow::Error, file: &str) -> String {
    let text = format!("{err:#}");
    let place = text.lines().find_map(|l| l.trim_start().strip_prefix("--> ")).map(str::trim);
    let problem = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or_else(|| text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default())
        .trim();
    match place {
        Some(place) => format!("{place}: {problem}"),
        None => format!("{file}: {problem}"),
    }
}

/// The name a rule head defines (`deny` of `deny contains msg if`, `deny.x` → `deny`).
fn head_name(rule: &AstRule) -> Option<String> {
    let refr = match rule {
        AstRule::Spec { head: RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. }, .. } => refr,
        AstRule::Spec { head: RuleHead::Func { .. }, .. } => return None,
        AstRule::Default { refr, .. } => refr,
    };
    let text = refr.span().text();
    let end = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len());
    Some(text[..end].to_owned())
}

/// The names called in `text` (`f(`, `lib.f(`: the last component).
fn calls(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut out = Vec::new();
    for (i, _) in text.match_indices('(') {
        let mut start = i;
        while start > 0 && ident(bytes[start - 1]) {
            start -= 1;
        }
        if start < i {
            out.push(&text[start..i]);
        }
    }
    out
}

/// A cycle of user functions (`f` calling `g` calling `f`), which regorus would follow until the
/// stack overflows (OPA refuses them too): `file:line:col: recursive function f → g → f`.
/// Functions are told apart by their last name component, so two packages' functions of one name
/// count as one (a false alarm at worst, never a miss).
fn recursion(modules: &[regorus::unstable::Ref<regorus::unstable::Module>]) -> Option<String> {
    let mut functions: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for module in modules {
        for rule in &module.policy {
            let AstRule::Spec { span, head: RuleHead::Func { span: head, refr, .. }, .. } = rule.as_ref() else {
                continue;
            };
            let name = refr.span().text().rsplit('.').next().unwrap_or_default().to_owned();
            let text = span.text();
            let body = text.get((head.end.saturating_sub(span.start)) as usize..).unwrap_or_default();
            let place = format!("{}:{}:{}", span.source.get_path(), span.line, span.col);
            let entry = functions.entry(name).or_insert_with(|| (place, Vec::new()));
            entry.1.extend(calls(body).into_iter().map(str::to_owned));
        }
    }
    // Depth-first search for a cycle, in name order (deterministic).
    fn visit(
        name: &str,
        functions: &BTreeMap<String, (String, Vec<String>)>,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == name) {
            let mut cycle = path[at..].to_vec();
            cycle.push(name.to_owned());
            return Some(cycle);
        }
        if done.contains(name) {
            return None;
        }
        path.push(name.to_owned());
        for callee in functions.get(name).map(|f| f.1.as_slice()).unwrap_or_default() {
            if functions.contains_key(callee)
                && let Some(cycle) = visit(callee, functions, path, done)
            {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(name.to_owned());
        None
    }
    let mut done = std::collections::BTreeSet::new();
    for name in functions.keys() {
        if let Some(cycle) = visit(name, &functions, &mut Vec::new(), &mut done) {
            let place = &functions[&cycle[0]].0;
            return Some(format!("{place}: recursive function {}", cycle.join(" → ")));
        }
    }
    None
}

/// A new engine under `limits`, with the capped collection builtins and Trivy's `result.new`.
fn engine(limits: &Limits) -> Result<Engine, PolicyError> {
    let mut engine = Engine::new();
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit: limits.time,
        // The clock is read every 32 steps rather than at each one.
        check_interval: std::num::NonZeroU32::new(32).unwrap_or(std::num::NonZeroU32::MIN),
    });
    crate::eval::add_extensions(&mut engine, limits).map_err(|e| PolicyError::Load(format!("{e:#}")))?;
    Ok(engine)
}

impl Policies {
    /// Loads the `*.rego` files of `paths` (directories, searched recursively, or files).
    ///
    /// # Errors
    ///
    /// A path that cannot be read, a file that does not parse or compile (`file:line:col`).
    pub fn load(paths: &[PathBuf], limits: Limits) -> Result<Self, PolicyError> {
        let mut files = Vec::new();
        for p in paths {
            hullguard_manifest::files::walk(p, &|name| name.ends_with(".rego"), &mut files)?;
        }
        let mut engine = engine(&limits)?;
        let mut texts = BTreeMap::new();
        for file in &files {
            let name = file.display().to_string();
            let text =
                std::fs::read_to_string(file).map_err(|source| PolicyError::Io { path: file.clone(), source })?;
            if let Err(v1) = engine.add_policy(name.clone(), text.clone()) {
                // A file that says `if` is meant as v1 (regorus' v0 parser would also warn of it
                // on stderr): its v1 error stands.
                let says_if = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).any(|w| w == "if");
                if says_if {
                    return Err(PolicyError::Load(one_line(&v1, &name)));
                }
                engine.set_rego_v0(true);
                let v0 = engine.add_policy(name.clone(), text.clone());
                engine.set_rego_v0(false);
                if v0.is_err() {
                    return Err(PolicyError::Load(one_line(&v1, &name)));
                }
            }
            texts.insert(name, text);
        }
        if let Some(problem) = recursion(engine.get_modules()) {
            return Err(PolicyError::Load(problem));
        }
        // Compiling (rule conflicts, unknown functions) happens at the first evaluation.
        engine.eval_query("true".to_owned(), false).map_err(|e| PolicyError::Load(one_line(&e, "policy")))?;
        let mut policies =
            Self { engine, selected: Default::default(), rules: Vec::new(), index: Index::default(), files, limits };
        policies.rules = policies.discover(&texts)?;
        for (i, kind) in InputKind::ALL.into_iter().enumerate() {
            policies.selected[i] = (0..policies.rules.len())
                .filter(|&r| {
                    let rule = &policies.rules[r];
                    rule.kind != RuleKind::Test && rule.selector.as_ref().is_none_or(|s| s.contains(&kind))
                })
                .collect();
        }
        Ok(policies)
    }

    /// The rules of the loaded modules, with their metadata and selectors.
    fn discover(&mut self, texts: &BTreeMap<String, String>) -> Result<Vec<Rule>, PolicyError> {
        struct Found {
            package: String,
            file: String,
            package_line: u32,
            rules: Vec<(String, u32)>,
            special: Vec<String>,
        }
        // Every definition of each rule name, by package: what the rule's guard is read from.
        let mut definitions: BTreeMap<(String, String), Vec<&AstRule>> = BTreeMap::new();
        let mut found = Vec::new();
        for module in self.engine.get_modules() {
            let span = &module.package.span;
            let file = span.source.get_path().clone();
            let package = module.package.refr.span().text().to_owned();
            let mut rules = Vec::new();
            let mut special = Vec::new();
            for rule in &module.policy {
                let Some(name) = head_name(rule) else { continue };
                if name == "__rego_metadata__" || name == "__rego_input__" {
                    special.push(name);
                } else if RuleKind::of(&name).is_some() {
                    definitions.entry((package.clone(), name.clone())).or_default().push(rule.as_ref());
                    rules.push((name, rule.span().line));
                }
            }
            found.push(Found { package, file, package_line: span.line, rules, special });
        }
        let mut index = Index::default();
        let guards: BTreeMap<(String, String), Guard> =
            definitions.into_iter().filter_map(|(rule, d)| Some((rule, index.guard(&d)?))).collect();
        self.index = index;
        let mut out: Vec<Rule> = Vec::new();
        for f in found {
            let blocks = texts.get(&f.file).map(|t| metadata::comment_blocks(t)).unwrap_or_default();
            let block_at = |line: u32| blocks.iter().find(|(l, _)| *l == line).map(|(_, m)| m.clone());
            let mut package_meta = block_at(f.package_line).unwrap_or_default();
            if f.special.iter().any(|s| s == "__rego_metadata__") {
                let value = self.constant(&format!("data.{}.__rego_metadata__", f.package))?;
                package_meta = package_meta.or(Metadata::from_rego_metadata(&value));
            }
            let mut selector = package_meta.selector.clone();
            if f.special.iter().any(|s| s == "__rego_input__") {
                let value = self.constant(&format!("data.{}.__rego_input__", f.package))?;
                selector = selector.or_else(|| metadata::selector(&value));
            }
            for (name, line) in f.rules {
                if out.iter().any(|r| r.package == f.package && r.name == name) {
                    continue;
                }
                let Some(kind) = RuleKind::of(&name) else { continue };
                let metadata = block_at(line).map_or_else(|| package_meta.clone(), |m| m.or(package_meta.clone()));
                let selector = metadata.selector.clone().or_else(|| selector.clone());
                let guard = guards.get(&(f.package.clone(), name.clone())).cloned();
                out.push(Rule {
                    package: f.package.clone(),
                    name,
                    kind,
                    file: f.file.clone(),
                    line,
                    metadata,
                    selector,
                    guard,
                });
            }
        }
        Ok(out)
    }

    /// The value of a rule that reads no input (`__rego_metadata__`), as JSON.
    fn constant(&mut self, path: &str) -> Result<serde_json::Value, PolicyError> {
        let value = self
            .engine
            .eval_rule(path.to_owned())
            .map_err(|e| PolicyError::Eval { rule: path.to_owned(), message: one_line(&e, path) })?;
        Ok(crate::eval::to_json(&value))
    }

    /// The rules that give findings or are tests, in file order.
    #[must_use]
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The policy files read.
    #[must_use]
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Evaluates `query` over `input` (`hullguard policy eval`): the values of its expressions,
    /// one array per result.
    ///
    /// # Errors
    ///
    /// A query that does not parse or fails to evaluate.
    pub fn query(&mut self, input: &serde_json::Value, query: &str) -> Result<serde_json::Value, PolicyError> {
        self.engine.set_input(regorus::Value::from(input.clone()));
        let results = self
            .engine
            .eval_query(query.to_owned(), false)
            .map_err(|e| PolicyError::Eval { rule: query.to_owned(), message: one_line(&e, "query") })?;
        let rows: Vec<serde_json::Value> = results
            .result
            .iter()
            .map(|r| {
                let mut row = serde_json::Map::new();
                row.insert(
                    "expressions".to_owned(),
                    r.expressions.iter().map(|e| crate::eval::to_json(&e.value)).collect(),
                );
                let bindings = crate::eval::to_json(&r.bindings);
                if bindings.as_object().is_some_and(|b| !b.is_empty()) {
                    row.insert("bindings".to_owned(), bindings);
                }
                serde_json::Value::Object(row)
            })
            .collect();
        Ok(serde_json::Value::Array(rows))
    }
}
