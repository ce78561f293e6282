//! Rule indexing: what a rule's bodies need of the input, read off the parsed rule, so that a rule
//! that cannot succeed on an input is not evaluated on it.
//!
//! A body needs the paths its top-level, non-negated statements read from `input` with static
//! keys (`input.spec.template.spec.containers`, `input.metadata.labels["tier"]`), also through
//! the variables of `some x in …` (an element) and `x := input.…`: where such a path is undefined
//! the statement is undefined and the body fails. An equality with a string or a boolean
//! (`input.kind == "Pod"`, `c.securityContext.privileged == true`) needs that value too. Only
//! these shapes are read; anything else (calls, comprehensions, `not`, `every`, `with`) needs
//! nothing, so a rule is skipped only where Rego itself would give it no value. OPA indexes rules
//! on the same facts.

use std::collections::HashMap;

use regorus::Value;
use regorus::unstable::{AssignOp, BoolOp, Expr, Literal, LiteralStmt, Rule as AstRule};

/// One step of a path into the input.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// The field of an object.
    Key(Value),
    /// Some element of an array or set, or value of an object (`some x in coll`).
    Any,
}

/// One fact a body needs of the input: the value at `path` is defined and, where `equals` is
/// set, is that value (for a path through [`Step::Any`]: for some element).
#[derive(Debug, Clone, PartialEq)]
struct Need {
    path: Vec<Step>,
    equals: Option<Value>,
}

impl Need {
    fn holds(&self, input: &Value) -> bool {
        self.holds_at(input, &self.path)
    }

    fn holds_at(&self, at: &Value, path: &[Step]) -> bool {
        let Some((step, rest)) = path.split_first() else {
            return self.equals.as_ref().is_none_or(|value| value == at);
        };
        match (step, at) {
            (Step::Key(key), Value::Object(fields)) => fields.get(key).is_some_and(|next| self.holds_at(next, rest)),
            (Step::Any, Value::Array(items)) => items.iter().any(|next| self.holds_at(next, rest)),
            (Step::Any, Value::Set(items)) => items.iter().any(|next| self.holds_at(next, rest)),
            (Step::Any, Value::Object(fields)) => fields.values().any(|next| self.holds_at(next, rest)),
            _ => false,
        }
    }
}

/// The distinct needs of all rules, each checked at most once per input.
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    needs: Vec<Need>,
}

/// What a rule needs of the input: it can give a value only where every need (an index into
/// [`Index`]) of one of its bodies holds.
#[derive(Debug, Clone, Default)]
pub(crate) struct Guard {
    bodies: Vec<Vec<usize>>,
}

impl Index {
    /// The guard of a rule defined by `definitions` (every definition of one name in one
    /// package), its needs added to the index; `None` where some definition can succeed on any
    /// input (a default, a body that needs nothing we read, a constant).
    pub(crate) fn guard(&mut self, definitions: &[&AstRule]) -> Option<Guard> {
        let mut bodies = Vec::new();
        for definition in definitions {
            let AstRule::Spec { bodies: these, .. } = definition else { return None };
            if these.is_empty() {
                return None;
            }
            for body in these {
                bodies.push(needs(&body.query.stmts)?);
            }
        }
        let bodies =
            bodies.into_iter().map(|needs| needs.into_iter().map(|need| self.intern(need)).collect()).collect();
        Some(Guard { bodies })
    }

    fn intern(&mut self, need: Need) -> usize {
        self.needs.iter().position(|n| *n == need).unwrap_or_else(|| {
            self.needs.push(need);
            self.needs.len() - 1
        })
    }

    /// The guards' view of one input.
    pub(crate) fn over<'a>(&'a self, input: &'a Value) -> Checked<'a> {
        Checked { index: self, input, memo: vec![None; self.needs.len()] }
    }
}

/// One input with the needs checked so far.
pub(crate) struct Checked<'a> {
    index: &'a Index,
    input: &'a Value,
    memo: Vec<Option<bool>>,
}

impl Checked<'_> {
    /// Whether the rule of `guard` may give a value on the input.
    pub(crate) fn admits(&mut self, guard: &Guard) -> bool {
        guard.bodies.iter().any(|needs| {
            needs.iter().all(|&i| *self.memo[i].get_or_insert_with(|| self.index.needs[i].holds(self.input)))
        })
    }
}

/// The paths into the input that a body's variables hold.
type Bound = HashMap<String, Vec<Step>>;

/// The needs of a body's statements; `None` where it needs nothing we can check.
fn needs(stmts: &[LiteralStmt]) -> Option<Vec<Need>> {
    let mut out = Vec::new();
    let mut bound = Bound::new();
    for stmt in stmts {
        // `with` replaces the input (or data) for its statement: nothing is read from ours.
        if !stmt.with_mods.is_empty() {
            return None;
        }
        match &stmt.literal {
            Literal::SomeIn { collection, value, .. } => {
                if let Some(mut path) = input_path(collection, &bound).and_then(|(p, whole)| whole.then_some(p)) {
                    path.push(Step::Any);
                    if let Expr::Var { span, .. } = value.as_ref() {
                        bound.insert(span.text().to_owned(), path);
                    }
                }
                defined(collection, &bound, &mut out);
            }
            Literal::Expr { expr, .. } => expr_needs(expr, &mut bound, &mut out),
            Literal::SomeVars { .. } | Literal::NotExpr { .. } | Literal::Every { .. } => {}
        }
    }
    out.dedup();
    (!out.is_empty()).then_some(out)
}

/// The needs of one expression statement (and the variable it binds, for `x := input.…`).
fn expr_needs(expr: &Expr, bound: &mut Bound, out: &mut Vec<Need>) {
    match expr {
        Expr::BoolExpr { op, lhs, rhs, .. } => {
            let equals = |path: &Expr, literal: &Expr| match (input_path(path, bound), literal) {
                (
                    Some((path, true)),
                    Expr::String { value, .. } | Expr::RawString { value, .. } | Expr::Bool { value, .. },
                ) => Some(Need { path, equals: Some(value.clone()) }),
                _ => None,
            };
            match (*op == BoolOp::Eq).then(|| equals(lhs, rhs).or_else(|| equals(rhs, lhs))).flatten() {
                Some(need) => out.push(need),
                None => {
                    defined(lhs, bound, out);
                    defined(rhs, bound, out);
                }
            }
        }
        Expr::AssignExpr { op, lhs, rhs, .. } => {
            defined(lhs, bound, out);
            defined(rhs, bound, out);
            if let (AssignOp::ColEq, Expr::Var { span, .. }, Some((path, true))) =
                (op, lhs.as_ref(), input_path(rhs, bound))
            {
                bound.insert(span.text().to_owned(), path);
            }
        }
        Expr::Membership { collection, .. } => defined(collection, bound, out),
        other => defined(other, bound, out),
    }
}

/// Where `expr` is a reference into the input: its static part must be defined.
fn defined(expr: &Expr, bound: &Bound, out: &mut Vec<Need>) {
    if let Some((path, _)) = input_path(expr, bound).filter(|(path, _)| !path.is_empty()) {
        out.push(Need { path, equals: None });
    }
}

/// The static steps of a reference rooted at `input` or at a variable bound into it (up to the
/// first key that is not a string literal), and whether that is the whole reference.
fn input_path(expr: &Expr, bound: &Bound) -> Option<(Vec<Step>, bool)> {
    let key = |path: Option<(Vec<Step>, bool)>, key: Option<&Value>| {
        let (mut path, whole) = path?;
        match key {
            Some(key @ Value::String(_)) if whole => {
                path.push(Step::Key(key.clone()));
                Some((path, true))
            }
            _ => Some((path, false)),
        }
    };
    match expr {
        Expr::Var { span, .. } if span.text() == "input" => Some((Vec::new(), true)),
        Expr::Var { span, .. } => bound.get(span.text()).map(|path| (path.clone(), true)),
        Expr::RefDot { refr, field, .. } => key(input_path(refr, bound), Some(&field.1)),
        Expr::RefBrack { refr, index, .. } => {
            let index = match index.as_ref() {
                Expr::String { value, .. } | Expr::RawString { value, .. } => Some(value),
                _ => None,
            };
            key(input_path(refr, bound), index)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use hullguard_report::Location;
    use serde_json::{Value as Json, json};

    use crate::input::Document;
    use crate::{InputKind, Limits, Policies};

    const POLICY: &str = r#"package t

deny_kind contains "kind" if { input.kind == "Pod" }
deny_label contains "label" if { input.metadata.labels["acme/tier"] == "x" }
deny_loop contains c.name if {
	some c in input.spec.containers
	c.privileged
}
deny_image contains c.name if {
	some c in input.spec.containers
	c.image == "bad"
}
deny_alias contains c.name if {
	cs := input.spec.containers
	some c in cs
	c.name == "d"
}
deny_bool contains c.name if {
	some c in input.spec.containers
	c.privileged == true
}
deny_env contains e.name if {
	some c in input.spec.containers
	some e in c.env
	e.name == "SECRET"
}
deny_two contains "two-a" if { input.a == "1" }
deny_two contains "two-b" if { input.b }
deny_neq contains "neq" if { input.kind != "Pod" }
deny_assign contains x if { x := input.metadata.name }
deny_member contains "member" if { "ALL" in input.drop }
deny_number contains "number" if { input.replicas == 1 }
deny_not contains "not" if { not input.metadata.labels }
deny_get contains "get" if { object.get(input, "zzz", "d") == "d" }
deny_compr contains "compr" if {
	n := count([x | some x in input.missing])
	n == 0
}
helper if { input.kind == "Pod" }
deny_with contains "with" if { helper with input as {"kind": "Pod"} }
default deny_default := "default"
deny_default := "pod" if { input.kind == "Pod" }
"#;

    fn inputs() -> Vec<Json> {
        vec![
            json!({"kind": "Pod", "metadata": {"name": "p", "labels": {"acme/tier": "x"}},
                   "spec": {"containers": [{"name": "c", "privileged": true}, {"name": "d", "image": "bad",
                            "env": [{"name": "SECRET"}]}]},
                   "drop": ["ALL"], "replicas": 1, "a": "1", "b": true}),
            json!({"kind": "Deployment", "metadata": {"labels": {"acme/tier": "y"}}, "replicas": 1.0}),
            json!({"a": "2", "b": false, "metadata": {"labels": {}}, "spec": {"containers": []}}),
            json!({"spec": {"containers": [{"name": "c", "privileged": "true", "image": "good",
                                            "env": [{"name": "OTHER"}]}, {"name": "e"}]}}),
            json!({}),
        ]
    }

    fn evidence(policies: &mut Policies, input: &Json) -> Vec<String> {
        let at = Location::Path { path: "input.json".into() };
        let found = policies.evaluate(InputKind::Kubernetes, input, &at).unwrap();
        found.into_iter().map(|f| format!("{}: {}", f.id, f.evidence.unwrap_or_default())).collect()
    }

    fn load() -> (tempfile::TempDir, Policies) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.rego"), POLICY).unwrap();
        let policies = Policies::load(&[dir.path().to_owned()], Limits::default()).unwrap();
        (dir, policies)
    }

    #[test]
    fn a_guarded_rule_gives_what_its_full_evaluation_gives_on_every_input() {
        let (_dir, mut guarded) = load();
        let (_dir2, mut full) = load();
        full.rules.iter_mut().for_each(|r| r.guard = None);
        for input in inputs() {
            assert_eq!(evidence(&mut guarded, &input), evidence(&mut full, &input), "input {input}");
        }
        // Where the collection of `some … in` is a string regorus stops with an error (OPA: no
        // value); a guarded rule is not evaluated there, so there is no value and no error.
        let string_collection = json!({"spec": {"containers": "none"}});
        let at = Location::Path { path: "input.json".into() };
        assert!(full.evaluate(InputKind::Kubernetes, &string_collection, &at).is_err());
        assert_eq!(
            evidence(&mut guarded, &string_collection),
            [
                "t.deny_not: not",
                "t.deny_get: get",
                "t.deny_compr: compr",
                "t.deny_with: with",
                "t.deny_default: default"
            ]
        );
        assert_eq!(
            evidence(&mut guarded, &inputs()[0]),
            [
                "t.deny_kind: kind",
                "t.deny_label: label",
                "t.deny_loop: c",
                "t.deny_image: d",
                "t.deny_alias: d",
                "t.deny_bool: c",
                "t.deny_env: SECRET",
                "t.deny_two: two-a",
                "t.deny_two: two-b",
                "t.deny_assign: p",
                "t.deny_member: member",
                "t.deny_number: number",
                "t.deny_get: get",
                "t.deny_compr: compr",
                "t.deny_with: with",
                "t.deny_default: pod",
            ]
        );
    }

    #[test]
    fn rules_that_cannot_succeed_on_an_input_are_not_evaluated() {
        let (_dir, policies) = load();
        let admitted = |input: &Json| {
            let doc = Document::from(input);
            let mut checked = policies.index.over(&doc.0);
            let mut names: Vec<&str> = policies
                .rules
                .iter()
                .filter(|r| r.guard.as_ref().is_none_or(|g| checked.admits(g)))
                .map(|r| r.name.as_str())
                .collect();
            names.sort_unstable();
            names
        };
        assert_eq!(policies.index.needs.len(), 15, "distinct needs of the 12 guarded rules");
        // Reading nothing we can check: `not`, a call, a comprehension, `with`, a default.
        let unguarded = ["deny_compr", "deny_default", "deny_get", "deny_not", "deny_with"];
        assert_eq!(admitted(&json!({})), unguarded);
        assert_eq!(admitted(&json!("a string")), unguarded);
        let deployment = admitted(&inputs()[1]);
        assert_eq!(
            deployment,
            ["deny_compr", "deny_default", "deny_get", "deny_neq", "deny_not", "deny_number", "deny_with"]
        );
        assert_eq!(admitted(&inputs()[0]).len(), policies.rules.len());
        // Containers, none of them privileged, named d, with image bad or env SECRET.
        assert_eq!(
            admitted(&inputs()[3]),
            ["deny_compr", "deny_default", "deny_get", "deny_loop", "deny_not", "deny_with"]
        );
    }
}
