//! `hullguard policy test DIR`: every `test_*` rule evaluated as `opa test` does (a test passes
//! when its rule is true; false, undefined or an error fails it).

use std::time::{Duration, Instant};

use regorus::Value;

use crate::source::{Policies, RuleKind, one_line};

/// The outcome of one test.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `data.package.test_name`.
    pub rule: String,
    /// Where it is defined (`file:line`).
    pub place: String,
    /// Whether it passed.
    pub passed: bool,
    /// The evaluation error, when it failed with one.
    pub error: Option<String>,
    /// How long it took.
    pub duration: Duration,
}

/// Runs every test rule of `policies`, in file order.
pub fn run(policies: &mut Policies) -> Vec<Outcome> {
    let tests: Vec<_> = policies.rules.iter().filter(|r| r.kind == RuleKind::Test).cloned().collect();
    let mut out = Vec::with_capacity(tests.len());
    for t in tests {
        policies.engine.set_input(Value::Undefined);
        let started = Instant::now();
        let result = policies.engine.eval_rule(t.path());
        let duration = started.elapsed();
        let (passed, error) = match result {
            Ok(v) => (v == Value::Bool(true), None),
            Err(e) => (false, Some(one_line(&e, &t.file))),
        };
        out.push(Outcome { rule: t.path(), place: format!("{}:{}", t.file, t.line), passed, error, duration });
    }
    out
}
