//! The Dockerfile checks and the driver that turns their hits into [`Finding`]s.
//!
//! Each group lives in its own module: [`structure`] (stages, FROM, USER, EXPOSE, CMD, …),
//! [`run`] (what `RUN` scripts do), [`packages`] (package managers), [`env`] (ENV/ARG values and
//! secrets) and [`policy`] (checks that need [`Settings`]: registry allow-list, label schema).

mod env;
mod input;
mod packages;
mod policy;
mod run;
mod shellcheck;
mod structure;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use hullguard_report::{Finding, Location};

use super::parse::{Dockerfile, Instruction, Stage, Warning, parse};
use crate::registry::{CheckMeta, by_concept, is_check_name};
pub use input::{INPUT_SCHEMA_VERSION, input_document};
pub use policy::{LabelFormat, Settings};

/// Evidence is cut to this many characters.
const MAX_EVIDENCE: usize = 200;

/// hadolint's file-wide suppression comment: `# hadolint global ignore=DL3008`.
const HADOLINT_GLOBAL_MARKER: &str = "hadolint global ignore=";

/// The markers of inline suppression comments: `# hullguard:ignore=HG-DF-012,df-sudo`, and
/// hadolint's `# hadolint ignore=DL3008,DL3015` and its global form. Any check name works in
/// any of them: ids, concept keys, peer ids.
const IGNORE_MARKERS: [&str; 3] = ["hullguard:ignore=", "hadolint ignore=", HADOLINT_GLOBAL_MARKER];

/// One problem found by a check, before it becomes a [`Finding`].
#[derive(Debug, Clone)]
struct Hit {
    concept: &'static str,
    line: u32,
    column: Option<u32>,
    end_line: Option<u32>,
    /// First line of the instruction, so a suppression above a multi-line instruction applies.
    anchor: u32,
    evidence: String,
    fix: Option<String>,
}

/// A 1-based line and (byte) column inside an instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Pos {
    line: u32,
    column: Option<u32>,
}

impl Pos {
    /// The position of an instruction's keyword.
    fn start_of(ins: &Instruction) -> Self {
        Self { line: ins.start_line, column: Some(ins.column) }
    }
}

/// Collects hits for one Dockerfile.
struct Ctx<'a> {
    df: &'a Dockerfile,
    hits: Vec<Hit>,
    /// Problems that stopped a check from seeing everything (e.g. an oversized script).
    warnings: Vec<Warning>,
}

impl<'a> Ctx<'a> {
    /// A hit on a whole instruction.
    fn on(&mut self, concept: &'static str, ins: &Instruction, fix: Option<String>) {
        self.hits.push(Hit {
            concept,
            line: ins.start_line,
            column: Some(ins.column),
            end_line: (ins.end_line > ins.start_line).then_some(ins.end_line),
            anchor: ins.start_line,
            evidence: evidence_of(ins),
            fix,
        });
    }

    /// A hit at a position inside an instruction.
    fn at(&mut self, concept: &'static str, ins: &Instruction, pos: Pos, evidence: String, fix: Option<String>) {
        self.hits.push(Hit {
            concept,
            line: pos.line,
            column: pos.column,
            end_line: None,
            anchor: ins.start_line,
            evidence: truncate(&evidence),
            fix,
        });
    }

    /// The final stage and the stages it builds on (`FROM <earlier alias>`), final first.
    fn final_chain(&self) -> Vec<&'a Stage> {
        let mut chain = Vec::new();
        let mut current = self.df.stages.last();
        while let Some(stage) = current {
            chain.push(stage);
            current = self.df.stages[..stage.index].iter().rev().find(|s| alias_is(s, &stage.base));
        }
        chain
    }
}

/// True if `stage`'s alias is `name` (case-insensitively).
fn alias_is(stage: &Stage, name: &str) -> bool {
    stage.alias.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(name))
}

fn truncate(s: &str) -> String {
    let mut out: String = s.chars().take(MAX_EVIDENCE).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

fn evidence_of(ins: &Instruction) -> String {
    let mut s = ins.keyword.clone();
    for f in &ins.flags {
        s.push_str(" --");
        s.push_str(&f.name);
        if let Some(v) = &f.value {
            s.push('=');
            s.push_str(v);
        }
    }
    let text = match &ins.args {
        super::parse::Args::Json(v) => json_array(v),
        super::parse::Args::Shell(t) => t.clone(),
    };
    if !text.is_empty() {
        s.push(' ');
        s.push_str(&text);
    }
    truncate(&s)
}

/// Renders words as a JSON array of strings.
fn json_array(words: &[String]) -> String {
    let items: Vec<String> = words
        .iter()
        .map(|w| {
            let mut q = String::from('"');
            for c in w.chars() {
                match c {
                    '"' => q.push_str("\\\""),
                    '\\' => q.push_str("\\\\"),
                    '\n' => q.push_str("\\n"),
                    '\t' => q.push_str("\\t"),
                    c => q.push(c),
                }
            }
            q.push('"');
            q
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// Runs every Dockerfile check on `text` (the file's bytes) found at `path`.
///
/// `settings.skip` holds check names to leave out ([`CheckMeta::is_named`]: ids `HG-DF-012`,
/// concept keys `df-sudo`, peer ids `DL3004`; callers reject unknown names with
/// [`crate::registry::is_check_name`]); the other settings turn on the checks that need
/// configuration. Findings on a line that carries, or follows a comment line that carries,
/// `# hullguard:ignore=<name>[,<name>…]` or `# hadolint ignore=<name>[,…]` are suppressed (the
/// line above the instruction's first line counts as well), every finding named by
/// `# hadolint global ignore=…` too; `df-inline-ignore` itself cannot be. A pragma naming an
/// unknown check is a warning.
///
/// Returns the findings, sorted by [`Finding::sort_key`], and the parser's warnings
/// (`line N: message`).
#[must_use]
pub fn check_dockerfile(text: &[u8], path: &str, settings: &Settings) -> (Vec<Finding>, Vec<String>) {
    let df = staged_orphans(parse(text));
    let mut ctx = Ctx { df: &df, hits: Vec::new(), warnings: Vec::new() };
    structure::check(&mut ctx);
    run::check(&mut ctx);
    env::check(&mut ctx);
    policy::check(&mut ctx, settings, text);

    let pragmas = suppressions(text, &mut ctx.warnings);

    let mut findings: Vec<Finding> = Vec::new();
    let mut seen = BTreeSet::new();
    for hit in ctx.hits {
        let Some(meta) = by_concept(hit.concept) else {
            continue;
        };
        if settings.skip.iter().any(|s| meta.is_named(s))
            || pragmas.suppress(meta, hit.line)
            || pragmas.suppress(meta, hit.anchor)
            || !seen.insert((meta.id, hit.line, hit.evidence.clone()))
        {
            continue;
        }
        let location =
            Location::File { path: path.to_owned(), line: hit.line, column: hit.column, end_line: hit.end_line };
        findings.push(meta.finding(location, hit.evidence, hit.fix));
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()).then_with(|| a.evidence.cmp(&b.evidence)));
    let mut warnings: Vec<&Warning> = df.warnings.iter().chain(&ctx.warnings).collect();
    warnings.sort_by_key(|w| w.line);
    let warnings = warnings.into_iter().map(ToString::to_string).collect();
    (findings, warnings)
}

/// `df` as the checks see it: instructions before the first `FROM` (reported by
/// `df-first-instruction`) are linted as if in a stage, as other linters do: with the first
/// stage, or, in a file without `FROM` (a snippet or template), as a stage of their own with an
/// unknown base, anchored at its first instruction.
fn staged_orphans(mut df: Dockerfile) -> Dockerfile {
    let Some(first_orphan) = df.orphans.first().cloned() else {
        return df;
    };
    match df.stages.first_mut() {
        Some(first) => {
            let after_from = std::mem::take(&mut first.instructions);
            first.instructions = df.orphans.iter().cloned().chain(after_from).collect();
        }
        None => df.stages.push(Stage {
            index: 0,
            base: String::new(),
            base_unresolved: true,
            alias: None,
            platform: None,
            from: first_orphan,
            instructions: df.orphans.clone(),
        }),
    }
    df
}

/// Ids named by ignore pragmas on one line.
#[derive(Default)]
struct Pragma {
    /// Applies to findings on this line.
    same_line: BTreeSet<String>,
    /// Applies to findings on the next line (the pragma is a comment line of its own).
    line_above: BTreeSet<String>,
}

/// The ignore pragmas of one file.
#[derive(Default)]
struct Pragmas {
    /// Per 1-based line.
    by_line: BTreeMap<u32, Pragma>,
    /// Names of `# hadolint global ignore=…`: apply to the whole file.
    global: BTreeSet<String>,
}

impl Pragmas {
    /// Whether a pragma suppresses `meta`'s finding on `line`.
    fn suppress(&self, meta: &CheckMeta, line: u32) -> bool {
        let named = |names: &BTreeSet<String>| names.iter().any(|n| meta.is_named(n));
        meta.concept != "df-inline-ignore"
            && (named(&self.global)
                || self.by_line.get(&line).is_some_and(|p| named(&p.same_line))
                || line > 1 && self.by_line.get(&(line - 1)).is_some_and(|p| named(&p.line_above)))
    }
}

/// A line carrying an ignore pragma.
struct PragmaLine {
    /// 1-based line number.
    line: u32,
    /// The comment, from its `#` on.
    comment: String,
    /// The comment is the whole line (so it also covers the next line).
    own_line: bool,
    /// `# hadolint global ignore=…`: covers the whole file.
    global: bool,
    /// The check names listed.
    names: Vec<String>,
}

/// The check names after an ignore marker: comma-separated (spaces after a comma allowed),
/// ending at other whitespace.
fn pragma_names(list: &str) -> Vec<String> {
    let mut names = Vec::new();
    for item in list.split(',') {
        let item = item.trim_start();
        let name = item.split(char::is_whitespace).next().unwrap_or("");
        if !name.is_empty() {
            names.push(name.to_owned());
        }
        if name.len() < item.trim_end().len() {
            break;
        }
    }
    names
}

/// The lines carrying an ignore pragma, in order.
fn pragma_lines(text: &[u8]) -> impl Iterator<Item = PragmaLine> + '_ {
    text.split(|&b| b == b'\n').enumerate().filter_map(|(i, raw)| {
        let line = String::from_utf8_lossy(raw);
        let hash = line.find('#')?;
        let comment = &line[hash..];
        let (at, marker) = IGNORE_MARKERS.iter().find_map(|m| comment.find(m).map(|at| (at, *m)))?;
        Some(PragmaLine {
            line: u32::try_from(i).map_or(u32::MAX, |n| n.saturating_add(1)),
            comment: comment.to_owned(),
            own_line: line[..hash].trim().is_empty(),
            global: marker == HADOLINT_GLOBAL_MARKER,
            names: pragma_names(&comment[at + marker.len()..]),
        })
    })
}

/// Finds the ignore pragmas of `text`; names that select no check become warnings.
fn suppressions(text: &[u8], warnings: &mut Vec<Warning>) -> Pragmas {
    let mut out = Pragmas::default();
    for p in pragma_lines(text) {
        for name in p.names.iter().filter(|n| !is_check_name(n)) {
            warnings.push(Warning { line: p.line, message: format!("ignore pragma names unknown check '{name}'") });
        }
        if p.global {
            out.global.extend(p.names);
            continue;
        }
        let entry = out.by_line.entry(p.line).or_default();
        if p.own_line {
            entry.line_above.extend(p.names.iter().cloned());
        }
        entry.same_line.extend(p.names);
    }
    out
}
