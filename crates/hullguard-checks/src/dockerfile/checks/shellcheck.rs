//! `df-shellcheck`: every `RUN` script of a POSIX shell is handed to an installed ShellCheck
//! (`--shellcheck PATH`), one process per Dockerfile, and each of its comments becomes a hit at the
//! Dockerfile line and column it points at.
//!
//! ShellCheck is a separate program (hadolint links it in; we cannot). It only reads the scripts,
//! which are written to a private temporary directory; nothing of an image is ever executed.
//! Shell-form scripts are sent as one line (the Dockerfile's continuations joined, tabs as
//! spaces) and mapped back with [`Instruction::position_at`]; heredoc scripts keep their lines.
//! Left out: SC1090/SC1091 (sourced files are not in the build context we see) and SC2154
//! (variables come from ENV/ARG, which ShellCheck cannot know).

use std::path::Path;
use std::process::{Command, Stdio};

use serde::Deserialize;

use super::super::parse::{Args, Instruction, Warning};
use super::{Ctx, Pos};

/// Codes never reported (see the module documentation).
const EXCLUDED: &str = "SC1090,SC1091,SC2154";

/// One script handed to ShellCheck and how to map its positions back.
struct Script<'a> {
    ins: &'a Instruction,
    /// `Some(line)`: a heredoc body whose first line is `line`; `None`: the shell-form text.
    heredoc_start: Option<u32>,
    text: String,
    shell: &'static str,
}

#[derive(Deserialize)]
struct Output {
    comments: Vec<Comment>,
}

#[derive(Deserialize)]
struct Comment {
    file: String,
    line: u32,
    column: u32,
    level: String,
    code: u32,
    message: String,
}

/// Runs ShellCheck at `program` over the RUN scripts of the Dockerfile; `skip` may name SC codes.
pub(super) fn check(ctx: &mut Ctx<'_>, program: &Path, skip: &[String]) {
    let scripts = scripts(ctx);
    if scripts.is_empty() {
        return;
    }
    match run(program, &scripts, skip) {
        Ok(comments) => {
            for c in comments {
                let Some(script) = c.file.strip_prefix("run-").and_then(|n| n.split('.').next()?.parse::<usize>().ok())
                else {
                    continue;
                };
                let Some(s) = scripts.get(script) else {
                    continue;
                };
                let pos = match s.heredoc_start {
                    Some(start) => Pos { line: start + c.line.saturating_sub(1), column: Some(c.column) },
                    None => {
                        let offset =
                            s.text.char_indices().nth(c.column.saturating_sub(1) as usize).map_or(0, |(i, _)| i);
                        let (line, column) = s.ins.position_at(offset);
                        Pos { line, column: Some(column) }
                    }
                };
                let evidence = format!("SC{} ({}): {}", c.code, c.level, c.message);
                let fix = format!("see https://www.shellcheck.net/wiki/SC{}", c.code);
                ctx.at("df-shellcheck", s.ins, pos, evidence, Some(fix));
            }
        }
        Err(message) => ctx.warnings.push(Warning { line: scripts[0].ins.start_line, message }),
    }
}

/// The scripts ShellCheck can read: shell-form RUNs and heredoc scripts, in a POSIX shell.
fn scripts<'a>(ctx: &Ctx<'a>) -> Vec<Script<'a>> {
    let mut out = Vec::new();
    // The SHELL each stage ends with, inherited by stages built `FROM` it.
    let mut finished: Vec<Option<&'static str>> = Vec::with_capacity(ctx.df.stages.len());
    for stage in &ctx.df.stages {
        let mut shell = ctx.df.stages[..stage.index]
            .iter()
            .rposition(|s| super::alias_is(s, &stage.base))
            .map_or(Some("sh"), |i| finished[i]);
        for ins in &stage.instructions {
            match ins.keyword.as_str() {
                "SHELL" => shell = shell_of(&ins.words()),
                "RUN" => {
                    let Some(shell) = shell else {
                        continue;
                    };
                    if let Some(doc) = ins.heredocs.first()
                        && matches!(&ins.args, Args::Shell(t) if t.trim().starts_with("<<"))
                    {
                        out.push(Script { ins, heredoc_start: Some(doc.start_line), text: doc.body.clone(), shell });
                    } else if let Args::Shell(text) = &ins.args
                        && ins.heredocs.is_empty()
                    {
                        out.push(Script { ins, heredoc_start: None, text: text.replace('\t', " "), shell });
                    }
                }
                _ => {}
            }
        }
        finished.push(shell);
    }
    out
}

/// The ShellCheck dialect of a `SHELL` instruction, `None` for shells it cannot read.
fn shell_of(words: &[String]) -> Option<&'static str> {
    let program = words.first()?.rsplit('/').next()?;
    match program {
        "sh" | "ash" | "dash" => Some("sh"),
        "bash" => Some("bash"),
        "ksh" => Some("ksh"),
        _ => None,
    }
}

fn run(program: &Path, scripts: &[Script<'_>], skip: &[String]) -> Result<Vec<Comment>, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("shellcheck: cannot create a temporary directory: {e}"))?;
    let mut by_shell: Vec<(&str, Vec<String>)> = Vec::new();
    for (i, s) in scripts.iter().enumerate() {
        let name = format!("run-{i}.sh");
        std::fs::write(dir.path().join(&name), &s.text).map_err(|e| format!("shellcheck: cannot write {name}: {e}"))?;
        match by_shell.iter_mut().find(|(sh, _)| *sh == s.shell) {
            Some((_, files)) => files.push(name),
            None => by_shell.push((s.shell, vec![name])),
        }
    }
    let mut excluded = EXCLUDED.to_owned();
    for code in skip.iter().filter(|s| crate::registry::is_shellcheck_code(s)) {
        excluded.push(',');
        excluded.push_str(code);
    }
    let mut comments = Vec::new();
    for (shell, files) in by_shell {
        let out = Command::new(program)
            .current_dir(dir.path())
            .args(["--norc", "--format=json1", "--shell", shell, "--exclude", &excluded])
            .args(&files)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("shellcheck: cannot run {}: {e}", program.display()))?;
        // Exit 0: no comments, 1: comments; anything else is ShellCheck failing.
        if !matches!(out.status.code(), Some(0 | 1)) {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(format!("shellcheck failed ({}): {}", out.status, err.lines().next().unwrap_or("")));
        }
        let parsed: Output =
            serde_json::from_slice(&out.stdout).map_err(|e| format!("shellcheck: unreadable output: {e}"))?;
        comments.extend(parsed.comments);
    }
    Ok(comments)
}
