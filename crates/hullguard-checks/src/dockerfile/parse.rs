//! A Dockerfile parser that never fails and never panics.
//!
//! It follows BuildKit's front end where it matters for linting:
//! - parser directives (`# syntax=`, `# escape=`, `# check=`) at the top of the file;
//! - line continuations with the escape character (`\` or `` ` ``), skipping comment and blank
//!   lines inside a continuation;
//! - JSON (exec) form versus shell form;
//! - heredocs in `RUN`, `COPY` and `ADD` (`<<EOF`, `<<-EOF`, quoted delimiters, several per line);
//! - leading `--flag[=value]` options;
//! - `ARG` before the first `FROM`, substituted into `FROM` (`$VAR`, `${VAR}`, `${VAR:-default}`);
//! - `ONBUILD` triggers, stage aliases (`AS name`, case-insensitive).
//!
//! Problems (invalid UTF-8, unknown instructions, unterminated heredocs or continuations) become
//! [`Warning`]s with line numbers. Time and memory are linear in the input size.

use std::collections::BTreeMap;
use std::fmt;

use super::shell::split_words;

/// At most this many warnings are kept; the last one says how many were dropped.
const MAX_WARNINGS: usize = 200;
/// Input beyond this many bytes is ignored (with a warning).
pub const MAX_INPUT: usize = 32 * 1024 * 1024;
/// Instructions beyond this many are ignored (with a warning).
pub const MAX_INSTRUCTIONS: usize = 50_000;
/// Heredocs of one instruction beyond this many are ignored (with a warning).
const MAX_HEREDOCS: usize = 64;
/// Evidence in warnings is cut to this many characters.
const MAX_SNIPPET: usize = 60;

const KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// A problem found while parsing; parsing always goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// 1-based line the problem is on.
    pub line: u32,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A parser directive such as `# syntax=docker/dockerfile:1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Lower-case name (`syntax`, `escape`, `check`).
    pub name: String,
    /// The value, trimmed.
    pub value: String,
    /// 1-based line.
    pub line: u32,
}

/// A `--name[=value]` option of an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Name without the leading dashes, lower-case.
    pub name: String,
    /// The value after `=`, if any.
    pub value: Option<String>,
}

/// The arguments of an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// Exec form: a JSON array of strings.
    Json(Vec<String>),
    /// Shell form: the raw text after the keyword and flags, continuations joined.
    Shell(String),
}

/// A heredoc attached to an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word, without quotes.
    pub delimiter: String,
    /// `<<-`: leading tabs are stripped from the body.
    pub strip_tabs: bool,
    /// The delimiter was quoted (no expansion in the body).
    pub quoted: bool,
    /// The body, one `\n` after each line.
    pub body: String,
    /// 1-based line of the first body line.
    pub start_line: u32,
}

/// One instruction with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-case keyword (`RUN`).
    pub keyword: String,
    /// Leading options.
    pub flags: Vec<Flag>,
    /// The arguments.
    pub args: Args,
    /// Heredocs, in order.
    pub heredocs: Vec<Heredoc>,
    /// `ONBUILD`'s trigger instruction.
    pub trigger: Option<Box<Instruction>>,
    /// 1-based first line.
    pub start_line: u32,
    /// 1-based last line (including continuations and heredoc bodies).
    pub end_line: u32,
    /// 1-based column of the keyword.
    pub column: u32,
    /// Where each physical line starts in the joined logical line:
    /// `(byte offset, line, column of that byte)`, sorted by offset.
    line_map: Vec<(usize, u32, u32)>,
    /// Byte offset of the arguments (after keyword and flags) in the logical line.
    args_offset: usize,
}

impl Instruction {
    /// The value of the last `--name` flag; `Some("")` for a bare flag.
    #[must_use]
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags.iter().rev().find(|f| f.name == name).map(|f| f.value.as_deref().unwrap_or(""))
    }

    /// The 1-based line and column (in bytes) of byte `offset` in the shell-form text.
    #[must_use]
    pub fn position_at(&self, offset: usize) -> (u32, u32) {
        let logical = offset.saturating_add(self.args_offset);
        let idx = self.line_map.partition_point(|&(o, _, _)| o <= logical);
        idx.checked_sub(1).and_then(|i| self.line_map.get(i)).map_or(
            (self.start_line, self.column),
            |&(o, line, column)| {
                let delta = u32::try_from(logical - o).unwrap_or(u32::MAX);
                (line, column.saturating_add(delta))
            },
        )
    }

    /// The arguments as words: the JSON elements, or the shell text split on whitespace
    /// with quotes removed.
    #[must_use]
    pub fn words(&self) -> Vec<String> {
        match &self.args {
            Args::Json(v) => v.clone(),
            Args::Shell(s) => split_words(s),
        }
    }

    /// The shell-form text, or the JSON elements joined with spaces.
    #[must_use]
    pub fn text(&self) -> String {
        match &self.args {
            Args::Json(v) => v.join(" "),
            Args::Shell(s) => s.clone(),
        }
    }
}

/// One build stage: a `FROM` and the instructions up to the next `FROM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// 0-based stage index.
    pub index: usize,
    /// Base image reference (or stage name) with global `ARG`s substituted.
    pub base: String,
    /// True if the base used a variable that has no value.
    pub base_unresolved: bool,
    /// `AS name`, as written.
    pub alias: Option<String>,
    /// `--platform` value, as written.
    pub platform: Option<String>,
    /// The `FROM` instruction.
    pub from: Instruction,
    /// The instructions after `FROM`.
    pub instructions: Vec<Instruction>,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dockerfile {
    /// Parser directives.
    pub directives: Vec<Directive>,
    /// `ARG` instructions before the first `FROM`.
    pub global_args: Vec<Instruction>,
    /// Build stages in order.
    pub stages: Vec<Stage>,
    /// Instructions other than `ARG` before the first `FROM` (invalid; kept for checks).
    pub orphans: Vec<Instruction>,
    /// Parse warnings, in line order.
    pub warnings: Vec<Warning>,
}

/// Parses a Dockerfile. Invalid UTF-8 is replaced (with a warning); nothing is fatal.
#[must_use]
pub fn parse(bytes: &[u8]) -> Dockerfile {
    let mut warnings = Warnings::default();
    let bytes = match bytes.get(..MAX_INPUT) {
        Some(head) if bytes.len() > MAX_INPUT => {
            let line = line_of(bytes, MAX_INPUT);
            warnings.push(line, format!("input larger than {MAX_INPUT} bytes; the rest is ignored"));
            head
        }
        _ => bytes,
    };
    let text = String::from_utf8_lossy(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = line_of(bytes, e.valid_up_to());
        warnings.push(line, "invalid UTF-8; decoded lossily".to_owned());
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();

    let (directives, mut next) = parse_directives(&lines, &mut warnings);
    let escape =
        directives.iter().rev().find(|d| d.name == "escape").and_then(|d| d.value.chars().next()).unwrap_or('\\');

    let mut instructions = Vec::new();
    while next < lines.len() {
        if instructions.len() == MAX_INSTRUCTIONS {
            warnings.push(to_line(next), format!("more than {MAX_INSTRUCTIONS} instructions; the rest is ignored"));
            break;
        }
        let (ins, after) = read_instruction(&lines, next, escape, &mut warnings);
        next = after;
        instructions.extend(ins);
    }

    let Built { global_args, stages, orphans } = build_stages(instructions, &mut warnings);
    let mut warnings = warnings.finish();
    warnings.sort_by_key(|w| w.line);
    Dockerfile { directives, global_args, stages, orphans, warnings }
}

/// The instructions grouped into stages.
struct Built {
    global_args: Vec<Instruction>,
    stages: Vec<Stage>,
    orphans: Vec<Instruction>,
}

#[derive(Default)]
struct Warnings {
    list: Vec<Warning>,
    dropped: usize,
}

impl Warnings {
    fn push(&mut self, line: u32, message: String) {
        if self.list.len() < MAX_WARNINGS {
            self.list.push(Warning { line, message });
        } else {
            self.dropped += 1;
        }
    }

    fn finish(mut self) -> Vec<Warning> {
        if self.dropped > 0 {
            let line = self.list.last().map_or(1, |w| w.line);
            self.list.push(Warning { line, message: format!("{} further warnings not shown", self.dropped) });
        }
        self.list
    }
}

fn line_of(bytes: &[u8], offset: usize) -> u32 {
    let newlines = bytes.get(..offset).unwrap_or(bytes).iter().filter(|&&b| b == b'\n').count();
    to_line(newlines)
}

/// Converts a 0-based line index to a 1-based line number, saturating.
fn to_line(index: usize) -> u32 {
    u32::try_from(index).map_or(u32::MAX, |i| i.saturating_add(1))
}

fn snippet(s: &str) -> String {
    let mut out: String = s.chars().take(MAX_SNIPPET).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

fn parse_directives(lines: &[&str], warnings: &mut Warnings) -> (Vec<Directive>, usize) {
    let mut directives: Vec<Directive> = Vec::new();
    let mut i = 0;
    while let Some(line) = lines.get(i) {
        let Some(rest) = line.trim().strip_prefix('#') else {
            break;
        };
        let Some((name, value)) = rest.split_once('=') else {
            break;
        };
        let name = name.trim().to_ascii_lowercase();
        if !matches!(name.as_str(), "syntax" | "escape" | "check") {
            break;
        }
        let value = value.trim().to_owned();
        let line_no = to_line(i);
        if directives.iter().any(|d| d.name == name) {
            warnings.push(line_no, format!("duplicate parser directive {name:?}"));
        } else if name == "escape" && value != "\\" && value != "`" {
            warnings.push(line_no, format!("invalid escape {:?}; must be \\ or `", snippet(&value)));
        } else {
            directives.push(Directive { name, value, line: line_no });
        }
        i += 1;
    }
    (directives, i)
}

/// Reads the instruction starting at or after `start`; returns it (if any) and the next line index.
fn read_instruction(
    lines: &[&str],
    start: usize,
    escape: char,
    warnings: &mut Warnings,
) -> (Option<Instruction>, usize) {
    let mut i = start;
    // Skip blank and comment lines.
    while let Some(line) = lines.get(i) {
        let t = line.trim_start();
        if !t.is_empty() && !t.starts_with('#') {
            break;
        }
        i += 1;
    }
    let Some(first) = lines.get(i) else {
        return (None, i);
    };
    let start_line = to_line(i);
    let column = first.len() - first.trim_start().len();
    let column = u32::try_from(column).map_or(u32::MAX, |c| c.saturating_add(1));

    // Join continuation lines.
    let mut logical = String::new();
    let mut line_map = Vec::new();
    let mut current = first.trim_start();
    let mut last = i;
    loop {
        let segment_column = if last == i { column } else { 1 };
        line_map.push((logical.len(), to_line(last), segment_column));
        let trimmed = current.trim_end();
        match trimmed.strip_suffix(escape) {
            Some(body) => {
                logical.push_str(body);
                // Find the next line that is not blank or a comment.
                let mut j = last + 1;
                while let Some(l) = lines.get(j) {
                    let t = l.trim_start();
                    if !t.is_empty() && !t.starts_with('#') {
                        break;
                    }
                    j += 1;
                }
                match lines.get(j) {
                    Some(l) => {
                        current = l;
                        last = j;
                    }
                    None => {
                        warnings.push(to_line(last), "line continuation at end of file".to_owned());
                        last = j.saturating_sub(1);
                        break;
                    }
                }
            }
            None => {
                logical.push_str(current);
                break;
            }
        }
    }
    let mut next = last + 1;

    let keyword_end = logical.find(|c: char| c.is_whitespace()).unwrap_or(logical.len());
    let keyword = logical[..keyword_end].to_ascii_uppercase();
    if !KEYWORDS.contains(&keyword.as_str()) {
        warnings.push(start_line, format!("unknown instruction {:?}", snippet(&logical[..keyword_end])));
        return (None, next);
    }
    let mut ins = build_instruction(
        &keyword,
        &logical,
        keyword_end,
        Position { start_line, end_line: to_line(last), column },
        &line_map,
        warnings,
    );

    // Heredoc bodies follow the instruction.
    let markers = match &ins.args {
        Args::Shell(text) if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") => {
            heredoc_markers(text, MAX_HEREDOCS + 1)
        }
        _ => Vec::new(),
    };
    if markers.len() > MAX_HEREDOCS {
        warnings.push(start_line, format!("more than {MAX_HEREDOCS} heredocs; the rest is ignored"));
    }
    if !markers.is_empty() {
        for (delimiter, strip_tabs, quoted) in markers.into_iter().take(MAX_HEREDOCS) {
            let body_start = next;
            let mut body = String::new();
            let mut closed = false;
            while let Some(l) = lines.get(next) {
                next += 1;
                let cmp = if strip_tabs { l.trim_start_matches('\t') } else { l };
                if cmp == delimiter {
                    closed = true;
                    break;
                }
                body.push_str(cmp);
                body.push('\n');
            }
            if !closed {
                warnings.push(
                    to_line(body_start.saturating_sub(1)),
                    format!("unterminated heredoc <<{}", snippet(&delimiter)),
                );
            }
            ins.heredocs.push(Heredoc { delimiter, strip_tabs, quoted, body, start_line: to_line(body_start) });
            if !closed {
                // The rest of the file is used up; later markers have no body.
                break;
            }
        }
        ins.end_line = ins.end_line.max(to_line(next.saturating_sub(1)));
    }
    (Some(ins), next)
}

#[derive(Clone, Copy)]
struct Position {
    start_line: u32,
    end_line: u32,
    column: u32,
}

/// Builds an instruction from `logical[args_from..]`.
fn build_instruction(
    keyword: &str,
    logical: &str,
    args_from: usize,
    pos: Position,
    line_map: &[(usize, u32, u32)],
    warnings: &mut Warnings,
) -> Instruction {
    let mut rest = &logical[args_from..];
    let mut flags = Vec::new();
    loop {
        let t = rest.trim_start();
        let Some(flag) = t.strip_prefix("--") else {
            rest = t;
            break;
        };
        let end = flag.find(char::is_whitespace).unwrap_or(flag.len());
        let (name, value) = match flag[..end].split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (&flag[..end], None),
        };
        flags.push(Flag { name: name.to_ascii_lowercase(), value });
        rest = &flag[end..];
    }
    let offset = logical.len() - rest.len();
    let rest = rest.trim_end();

    let mut trigger = None;
    let args = if keyword == "ONBUILD" {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let inner = rest[..end].to_ascii_uppercase();
        if KEYWORDS.contains(&inner.as_str()) {
            trigger = Some(Box::new(build_instruction(&inner, logical, offset + end, pos, line_map, warnings)));
        } else {
            warnings.push(pos.start_line, format!("ONBUILD with unknown trigger {:?}", snippet(&rest[..end])));
        }
        Args::Shell(rest.to_owned())
    } else {
        match parse_json_array(rest) {
            Some(v) if rest.starts_with('[') => Args::Json(v),
            _ => Args::Shell(rest.to_owned()),
        }
    };
    Instruction {
        keyword: keyword.to_owned(),
        flags,
        args,
        heredocs: Vec::new(),
        trigger,
        start_line: pos.start_line,
        end_line: pos.end_line,
        column: pos.column,
        line_map: line_map.to_vec(),
        args_offset: offset,
    }
}

/// Finds up to `limit` heredoc markers (`<<EOF`, `<<-EOF`, `<<"EOF"`) outside quotes.
fn heredoc_markers(text: &str, limit: usize) -> Vec<(String, bool, bool)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < b.len() && out.len() < limit {
        let c = b[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'\'' || c == b'"' => quote = Some(c),
            None if c == b'<'
                && b.get(i + 1) == Some(&b'<')
                && b.get(i + 2) != Some(&b'<')
                && (i == 0 || b[i - 1] != b'<') =>
            {
                let mut j = i + 2;
                let strip_tabs = b.get(j) == Some(&b'-');
                if strip_tabs {
                    j += 1;
                }
                let q = b.get(j).copied().filter(|&q| q == b'"' || q == b'\'');
                if q.is_some() {
                    j += 1;
                }
                let word_start = j;
                while b.get(j).is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.') {
                    j += 1;
                }
                if j > word_start && (q.is_none() || b.get(j) == q.as_ref()) {
                    out.push((text[word_start..j].to_owned(), strip_tabs, q.is_some()));
                    if q.is_some() {
                        j += 1;
                    }
                }
                i = j;
                continue;
            }
            None => {}
        }
        i += 1;
    }
    out
}

/// Parses a JSON array of strings; `None` if `s` is anything else.
fn parse_json_array(s: &str) -> Option<Vec<String>> {
    let mut chars = s.trim().chars().peekable();
    let skip_ws = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
    };
    if chars.next()? != '[' {
        return None;
    }
    let mut out = Vec::new();
    skip_ws(&mut chars);
    if chars.peek() == Some(&']') {
        chars.next();
        return chars.next().is_none().then_some(out);
    }
    loop {
        skip_ws(&mut chars);
        if chars.next()? != '"' {
            return None;
        }
        let mut item = String::new();
        loop {
            match chars.next()? {
                '"' => break,
                '\\' => match chars.next()? {
                    'n' => item.push('\n'),
                    't' => item.push('\t'),
                    'r' => item.push('\r'),
                    'b' => item.push('\u{8}'),
                    'f' => item.push('\u{c}'),
                    'u' => {
                        let hex: String = chars.by_ref().take(4).collect();
                        let code = u32::from_str_radix(&hex, 16).ok()?;
                        item.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    }
                    c @ ('"' | '\\' | '/') => item.push(c),
                    _ => return None,
                },
                c => item.push(c),
            }
        }
        out.push(item);
        skip_ws(&mut chars);
        match chars.next()? {
            ',' => {}
            ']' => break,
            _ => return None,
        }
    }
    skip_ws(&mut chars);
    chars.next().is_none().then_some(out)
}

fn build_stages(instructions: Vec<Instruction>, warnings: &mut Warnings) -> Built {
    let mut global_args = Vec::new();
    let mut orphans = Vec::new();
    let mut vars: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut stages: Vec<Stage> = Vec::new();
    for ins in instructions {
        if ins.keyword == "FROM" {
            let words = ins.words();
            let (image, alias) = match words.as_slice() {
                [image] => (image.clone(), None),
                [image, as_kw, alias] if as_kw.eq_ignore_ascii_case("as") => (image.clone(), Some(alias.clone())),
                _ => {
                    warnings.push(ins.start_line, format!("malformed FROM {:?}", snippet(&ins.text())));
                    (words.first().cloned().unwrap_or_default(), None)
                }
            };
            let (base, base_unresolved) = substitute(&image, &vars);
            stages.push(Stage {
                index: stages.len(),
                base,
                base_unresolved,
                alias,
                platform: ins.flag("platform").map(str::to_owned),
                from: ins,
                instructions: Vec::new(),
            });
        } else if let Some(stage) = stages.last_mut() {
            stage.instructions.push(ins);
        } else if ins.keyword == "ARG" {
            for word in ins.words() {
                match word.split_once('=') {
                    Some((k, v)) => vars.insert(k.to_owned(), Some(v.to_owned())),
                    None => vars.insert(word, None),
                };
            }
            global_args.push(ins);
        } else {
            warnings.push(ins.start_line, format!("{} before the first FROM", ins.keyword));
            orphans.push(ins);
        }
    }
    Built { global_args, stages, orphans }
}

/// Substitutes `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}` and
/// `${VAR+alt}`. Returns the result and whether a variable without a value was used.
#[must_use]
pub fn substitute(s: &str, vars: &BTreeMap<String, Option<String>>) -> (String, bool) {
    let mut out = String::with_capacity(s.len());
    let mut unresolved = false;
    let mut rest = s;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(inner) = after.strip_prefix('{') {
            let Some(close) = inner.find('}') else {
                out.push_str(&rest[pos..]);
                return (out, true);
            };
            let expr = &inner[..close];
            let name_end = expr.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(expr.len());
            let (name, op) = expr.split_at(name_end);
            let value = vars.get(name).cloned().flatten();
            let set = value.as_deref().is_some_and(|v| !v.is_empty());
            let declared = value.is_some();
            let got = if let Some(d) = op.strip_prefix(":-") {
                Some(if set { value.unwrap_or_default() } else { d.to_owned() })
            } else if let Some(d) = op.strip_prefix('-') {
                Some(if declared { value.unwrap_or_default() } else { d.to_owned() })
            } else if let Some(a) = op.strip_prefix(":+") {
                Some(if set { a.to_owned() } else { String::new() })
            } else if let Some(a) = op.strip_prefix('+') {
                Some(if declared { a.to_owned() } else { String::new() })
            } else {
                value
            };
            match got {
                Some(v) => out.push_str(&v),
                None => unresolved = true,
            }
            rest = &inner[close + 1..];
        } else {
            let name_end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            if name_end == 0 {
                out.push('$');
            } else {
                match vars.get(&after[..name_end]).cloned().flatten() {
                    Some(v) => out.push_str(&v),
                    None => unresolved = true,
                }
            }
            rest = &after[name_end..];
        }
    }
    out.push_str(rest);
    (out, unresolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(ins: &Instruction) -> &str {
        match &ins.args {
            Args::Shell(s) => s,
            Args::Json(_) => panic!("expected shell form"),
        }
    }

    #[test]
    fn directives_and_backtick_escape() {
        let df = parse(b"# syntax=docker/dockerfile:1\n# escape=`\nFROM alpine\nRUN echo a `\n  b\n");
        assert_eq!(df.directives.len(), 2);
        assert_eq!(df.directives[1].value, "`");
        let run = &df.stages[0].instructions[0];
        assert_eq!(shell(run), "echo a   b");
        assert_eq!((run.start_line, run.end_line), (4, 5));
    }

    #[test]
    fn directive_after_comment_is_a_comment() {
        let df = parse(b"# hello\n# escape=`\nFROM alpine\nRUN a \\\n b\n");
        assert!(df.directives.is_empty());
        assert_eq!(shell(&df.stages[0].instructions[0]), "a  b");
    }

    #[test]
    fn continuation_with_comments_and_blank_lines() {
        let df = parse(b"FROM alpine\nRUN apk add \\\n# a comment\n\n    curl \\\n    git\nUSER app\n");
        let st = &df.stages[0];
        assert_eq!(shell(&st.instructions[0]), "apk add     curl     git");
        assert_eq!(st.instructions[0].end_line, 6);
        // "apk add     curl     git": "curl" starts at offset 12, "git" at 21.
        assert_eq!(st.instructions[0].position_at(12), (5, 5));
        assert_eq!(st.instructions[0].position_at(21), (6, 5));
        assert_eq!(st.instructions[0].position_at(0), (2, 5));
        assert_eq!(st.instructions[1].start_line, 7);
    }

    #[test]
    fn json_and_shell_form() {
        let df = parse(b"FROM a\nCMD [\"a\", \"b \\\"c\\\"\"]\nCMD [not json]\nENTRYPOINT []\n");
        let i = &df.stages[0].instructions;
        assert_eq!(i[0].args, Args::Json(vec!["a".into(), "b \"c\"".into()]));
        assert_eq!(i[1].args, Args::Shell("[not json]".into()));
        assert_eq!(i[2].args, Args::Json(vec![]));
    }

    #[test]
    fn heredocs() {
        let text = b"FROM a\nRUN <<EOF\napt-get update\nEOF\nCOPY <<-\"A\" <<'B' /dst/\n\tone\n\tA\ntwo\nB\nUSER x\n";
        let df = parse(text);
        let i = &df.stages[0].instructions;
        assert_eq!(i[0].heredocs[0].body, "apt-get update\n");
        assert_eq!(i[0].heredocs[0].start_line, 3);
        assert_eq!((i[0].start_line, i[0].end_line), (2, 4));
        assert_eq!(i[1].heredocs.len(), 2);
        assert!(i[1].heredocs[0].strip_tabs && i[1].heredocs[0].quoted);
        assert_eq!(i[1].heredocs[0].body, "one\n");
        assert_eq!(i[1].heredocs[1].body, "two\n");
        assert_eq!(i[1].end_line, 9);
        assert_eq!((i[2].keyword.as_str(), i[2].start_line), ("USER", 10));
        assert!(df.warnings.is_empty());
    }

    #[test]
    fn here_string_is_not_a_heredoc() {
        let df = parse(b"FROM a\nRUN cat <<< hi\nUSER b\n");
        assert!(df.stages[0].instructions[0].heredocs.is_empty());
        assert_eq!(df.stages[0].instructions.len(), 2);
    }

    #[test]
    fn flags_and_stages() {
        let df = parse(
            b"ARG REG=docker.io\nARG TAG\nFROM --platform=$BUILDPLATFORM ${REG}/golang:${TAG:-1.22} As Build\nRUN --mount=type=cache,target=/root/.cache --network=none go build\nFROM scratch\nCOPY --from=build --chown=1:1 --link /a /b\n",
        );
        assert_eq!(df.global_args.len(), 2);
        let s = &df.stages;
        assert_eq!(s[0].base, "docker.io/golang:1.22");
        assert!(!s[0].base_unresolved);
        assert_eq!(s[0].alias.as_deref(), Some("Build"));
        assert_eq!(s[0].platform.as_deref(), Some("$BUILDPLATFORM"));
        let run = &s[0].instructions[0];
        assert_eq!(run.flag("mount"), Some("type=cache,target=/root/.cache"));
        assert_eq!(shell(run), "go build");
        let copy = &s[1].instructions[0];
        assert_eq!(copy.flag("from"), Some("build"));
        assert_eq!(copy.flag("link"), Some(""));
        assert_eq!(copy.words(), ["/a", "/b"]);
    }

    #[test]
    fn substitution_forms() {
        let mut vars = BTreeMap::new();
        vars.insert("A".to_owned(), Some("x".to_owned()));
        vars.insert("E".to_owned(), None);
        assert_eq!(substitute("$A-${A}", &vars), ("x-x".to_owned(), false));
        assert_eq!(substitute("${E:-d}${Z-e}", &vars), ("de".to_owned(), false));
        assert_eq!(substitute("${A:+y}${E:+y}", &vars), ("y".to_owned(), false));
        assert_eq!(substitute("img:$E", &vars), ("img:".to_owned(), true));
        assert_eq!(substitute("${A", &vars), ("${A".to_owned(), true));
        assert_eq!(substitute("a$", &vars), ("a$".to_owned(), false));
    }

    #[test]
    fn onbuild_trigger() {
        let df = parse(b"FROM a\nONBUILD RUN --mount=type=cache echo hi\n");
        let ob = &df.stages[0].instructions[0];
        let t = ob.trigger.as_deref().unwrap();
        assert_eq!(t.keyword, "RUN");
        assert_eq!(t.flag("mount"), Some("type=cache"));
        assert_eq!(shell(t), "echo hi");
    }

    #[test]
    fn hostile_input_warns_and_terminates() {
        let mut garbage: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        garbage.extend_from_slice(b"\nFROM a\n");
        let df = parse(&garbage);
        assert!(df.warnings.iter().any(|w| w.message.contains("UTF-8")));
        assert!(df.warnings.len() <= MAX_WARNINGS + 1);

        let long = format!("FROM a\nRUN {}\n", "x".repeat(10 * 1024 * 1024));
        let df = parse(long.as_bytes());
        assert_eq!(df.stages[0].instructions[0].end_line, 2);

        let df = parse(b"FROM a\nRUN <<EOF\nno end\n");
        assert!(df.warnings.iter().any(|w| w.line == 2 && w.message.contains("unterminated heredoc")));

        let cont = format!("FROM a\nRUN a {}\n", "\\\n b ".repeat(10_000));
        let df = parse(cont.as_bytes());
        assert_eq!(df.stages[0].instructions[0].end_line, 10_002);

        let df = parse(b"FROM a\nRUN a \\");
        assert!(df.warnings.iter().any(|w| w.line == 2 && w.message.contains("continuation")));

        let many = format!("FROM a\nRUN {}\n{}", "<<A ".repeat(1_000), "A\n".repeat(1_000));
        let df = parse(many.as_bytes());
        assert_eq!(df.stages[0].instructions[0].heredocs.len(), MAX_HEREDOCS);
        assert!(df.warnings.iter().any(|w| w.message.contains("heredocs")));
        let df = parse(format!("FROM a\nRUN {}\n", "<<A ".repeat(1_000_000)).as_bytes());
        assert_eq!(df.stages[0].instructions[0].heredocs.len(), 1);

        let lots = "FROM a\n".repeat(MAX_INSTRUCTIONS + 10);
        let df = parse(lots.as_bytes());
        assert_eq!(df.stages.len(), MAX_INSTRUCTIONS);
        assert!(df.warnings.iter().any(|w| w.message.contains("instructions")));

        let df = parse(b"\xff\xfe\nFROM a\n");
        assert_eq!(df.warnings[0].line, 1);
        let _ = parse(b"");
        let _ = parse(b"ONBUILD\nFROM\nCOPY --\n--\n[\n\\");
    }

    #[test]
    fn instruction_before_from_warns() {
        let df = parse(b"RUN x\nfoo bar\nFROM a\n");
        let lines: Vec<u32> = df.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [1, 2]);
        assert_eq!(df.orphans.len(), 1);
    }
}
