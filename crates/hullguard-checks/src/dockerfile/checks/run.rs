//! Checks on what `RUN` scripts do: package managers, downloads, sudo, cd, pipes.
//!
//! A RUN's script is its shell-form text, the `-c` argument of an exec-form `sh -c`, or a heredoc
//! body used as the script (`RUN <<EOF`, `RUN bash <<EOF`). Each simple command is looked at on
//! its own, with the line and column it starts on.

use std::collections::BTreeSet;

use super::super::parse::{Args, Heredoc, Instruction, Warning};
use super::super::shell::{MAX_COMMANDS, Separator, SimpleCommand, split_commands};
use super::packages::{self, RunFacts};
use super::{Ctx, Pos, alias_is, env};

/// POSIX-like shells whose `-c` argument or heredoc is a script we can read.
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];
/// Shells where `pipefail` does not apply.
const NON_POSIX_SHELLS: &[&str] = &["pwsh", "powershell", "powershell.exe", "cmd", "cmd.exe"];

/// Commands that make no sense in a build.
const INTERACTIVE_UTILS: &[&str] =
    &["ssh", "vim", "shutdown", "service", "ps", "free", "top", "kill", "mount", "ifconfig"];
/// Names of tar archives, which `ADD` would extract by itself.
const TAR_SUFFIXES: &[&str] = &[".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst"];
/// UIDs above this make useradd's lastlog/faillog files huge.
const LARGE_UID: u64 = 99_999;

/// A simple command and where it starts.
pub(super) struct Cmd {
    pub(super) cmd: SimpleCommand,
    pub(super) pos: Pos,
}

/// What earlier instructions of the stage established.
#[derive(Debug, Clone, Default)]
pub(super) struct StageState {
    /// The current SHELL enables pipefail or is not a POSIX shell.
    shell_ok: bool,
    /// `PIP_NO_CACHE_DIR` is set by ENV or ARG.
    pub(super) pip_no_cache_env: bool,
}

/// First use of a download tool: (instruction, position, evidence).
type FirstUse<'a> = Option<(&'a Instruction, Pos, String)>;

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let df = ctx.df;
    let final_stages: BTreeSet<usize> = ctx.final_chain().iter().map(|s| s.index).collect();
    let mut curl: FirstUse<'_> = None;
    let mut wget: FirstUse<'_> = None;
    // The state each stage ends with, inherited by stages built `FROM` it.
    let mut finished: Vec<StageState> = Vec::with_capacity(df.stages.len());
    for stage in &df.stages {
        let mut state = df.stages[..stage.index]
            .iter()
            .rposition(|s| alias_is(s, &stage.base))
            .and_then(|i| finished.get(i).cloned())
            .unwrap_or_default();
        let in_final = final_stages.contains(&stage.index);
        // Tar archives COPYed in this stage: (COPY, file name).
        let mut archives: Vec<(&Instruction, String)> = Vec::new();
        for ins in &stage.instructions {
            match ins.keyword.as_str() {
                "SHELL" => {
                    let words = ins.words();
                    let program = words
                        .first()
                        .map(|w| w.rsplit(['/', '\\']).next().unwrap_or(w).to_ascii_lowercase())
                        .unwrap_or_default();
                    state.shell_ok =
                        words.iter().any(|w| w.contains("pipefail")) || NON_POSIX_SHELLS.contains(&program.as_str());
                }
                "COPY" if ins.flag("from").is_none() => {
                    let words = ins.words();
                    let sources = words.split_last().map_or(&[][..], |(_, s)| s);
                    for source in sources {
                        let base = source.rsplit('/').next().unwrap_or(source);
                        if TAR_SUFFIXES.iter().any(|x| base.ends_with(x)) {
                            archives.push((ins, base.to_owned()));
                        }
                    }
                }
                "ENV" | "ARG" => {
                    state.pip_no_cache_env |= env::pairs(ins).iter().any(|(k, _)| k == "PIP_NO_CACHE_DIR");
                }
                "RUN" => {
                    let cmds = commands(ins);
                    if cmds.len() >= MAX_COMMANDS {
                        ctx.warnings.push(Warning {
                            line: ins.start_line,
                            message: format!("RUN has more than {MAX_COMMANDS} commands; the rest is not checked"),
                        });
                    }
                    for c in &cmds {
                        match c.cmd.program() {
                            Some("curl") if curl.is_none() => {
                                curl = Some((ins, c.pos, c.cmd.text.clone()));
                            }
                            Some("wget") if wget.is_none() => {
                                wget = Some((ins, c.pos, c.cmd.text.clone()));
                            }
                            Some("tar") if tar_extracts(c.cmd.args()) => {
                                let extracted = |name: &String| {
                                    c.cmd.args().iter().any(|a| a.rsplit('/').next() == Some(name.as_str()))
                                };
                                for (copy, name) in &archives {
                                    if extracted(name) {
                                        let fix = format!("ADD {name} <directory>/ (ADD extracts local tar archives)");
                                        ctx.on("df-add-for-archives", copy, Some(fix));
                                    }
                                }
                                archives.retain(|(_, name)| !extracted(name));
                            }
                            _ => {}
                        }
                    }
                    run(ctx, ins, &cmds, &state, in_final);
                }
                _ => {}
            }
        }
        finished.push(state);
    }
    if let (Some(c), Some(w)) = (curl, wget) {
        let (ins, pos, evidence) = if (c.0.start_line, c.1) > (w.0.start_line, w.1) { c } else { w };
        ctx.at("df-wget-and-curl", ins, pos, evidence, None);
    }
}

/// Whether `tar` with these arguments extracts: `-x…`, `--extract`, `--get`, or the old-style
/// first argument `xzf`.
fn tar_extracts(args: &[String]) -> bool {
    let short = |a: &str| a.chars().all(|c| c.is_ascii_alphabetic()) && a.contains('x');
    args.iter().any(|a| a == "--extract" || a == "--get" || a.strip_prefix('-').is_some_and(short))
        || args.first().is_some_and(|a| short(a))
}

/// The simple commands of a RUN instruction.
pub(super) fn commands(ins: &Instruction) -> Vec<Cmd> {
    let mut out = Vec::new();
    match &ins.args {
        Args::Shell(text) => {
            let cmds = split_commands(text);
            let first_is_heredoc = text.trim_start().starts_with("<<");
            let runs_shell = cmds.first().and_then(SimpleCommand::program).is_some_and(|p| SHELLS.contains(&p));
            for cmd in cmds {
                let (line, column) = ins.position_at(cmd.start);
                let pos = Pos { line, column: Some(column) };
                out.push(Cmd { cmd, pos });
            }
            if first_is_heredoc || runs_shell {
                for h in &ins.heredocs {
                    heredoc_commands(h, &mut out);
                }
            }
        }
        Args::Json(words) => {
            let program = words.first().map(|w| w.rsplit('/').next().unwrap_or(w)).unwrap_or("");
            if SHELLS.contains(&program)
                && let Some(pos) = words.iter().position(|w| w == "-c")
                && let Some(script) = words.get(pos + 1)
            {
                for cmd in split_commands(script) {
                    out.push(Cmd { cmd, pos: Pos::start_of(ins) });
                }
            } else if !words.is_empty() {
                out.push(Cmd {
                    cmd: SimpleCommand {
                        assignments: Vec::new(),
                        words: words.clone(),
                        start: 0,
                        text: words.join(" "),
                        separator: Separator::End,
                        piped_from: false,
                    },
                    pos: Pos::start_of(ins),
                });
            }
        }
    }
    out
}

fn heredoc_commands(h: &Heredoc, out: &mut Vec<Cmd>) {
    let mut line = h.start_line;
    let mut line_start = 0usize;
    let mut counted = 0usize;
    for cmd in split_commands(&h.body) {
        let upto = cmd.start.min(h.body.len());
        if let Some(part) = h.body.get(counted..upto) {
            for (at, _) in part.match_indices('\n') {
                line = line.saturating_add(1);
                line_start = counted + at + 1;
            }
            counted = upto;
        }
        let column = u32::try_from(upto - line_start).map_or(u32::MAX, |c| c.saturating_add(1));
        out.push(Cmd { cmd, pos: Pos { line, column: Some(column) } });
    }
}

fn run(ctx: &mut Ctx<'_>, ins: &Instruction, cmds: &[Cmd], state: &StageState, in_final: bool) {
    let mut pipefail_set = false;
    let mut pipe_flagged = false;
    let mut facts = RunFacts::new(cmds);
    // The download command the current pipeline started with.
    let mut download: Option<&Cmd> = None;
    for c in cmds {
        let Cmd { cmd, pos } = c;
        let pos = *pos;
        let evidence = || cmd.text.clone();
        if !cmd.piped_from {
            download = None;
        }
        pipe_to_shell(ctx, ins, c, &mut download);
        for a in &cmd.assignments {
            if let Some((k, v)) = a.split_once('=') {
                env::var_hit(ctx, ins, pos, k, v);
            }
        }
        if cmd.words.first().is_some_and(|w| w.rsplit('/').next() == Some("sudo")) {
            ctx.at("df-sudo", ins, pos, evidence(), None);
        }
        let args = cmd.args();
        match cmd.program() {
            Some("cd") => ctx.at("df-run-cd", ins, pos, evidence(), None),
            Some("chpasswd") => ctx.at("df-chpasswd", ins, pos, evidence(), None),
            Some("set") if args.iter().any(|a| a.contains("pipefail")) => pipefail_set = true,
            Some("export") => {
                for a in args {
                    if let Some((k, v)) = a.split_once('=') {
                        env::var_hit(ctx, ins, pos, k, v);
                    }
                }
            }
            Some("rm") => facts.removed.extend(args.iter().map(String::as_str)),
            Some("curl") if args.iter().any(|a| a == "--insecure" || packages::short_cluster_has(a, 'k')) => {
                ctx.at("df-curl-insecure", ins, pos, evidence(), None);
            }
            Some("wget") => {
                if cmd.has_arg("--no-check-certificate") {
                    ctx.at("df-wget-no-check-cert", ins, pos, evidence(), None);
                }
                // Quiet, or logging to a file (`-o`, `-a`), as hadolint DL3047.
                let quiet = args.iter().any(|a| {
                    ["--progress", "--output-file", "--append-output"].iter().any(|o| a.starts_with(o))
                        || matches!(a.as_str(), "--quiet" | "-nv" | "--no-verbose")
                        || ['q', 'o', 'a'].iter().any(|&c| packages::short_cluster_has(a, c))
                });
                if !quiet {
                    let fix = format!("wget --progress=dot:giga {}", args.join(" "));
                    ctx.at("df-wget-progress", ins, pos, evidence(), Some(fix));
                }
            }
            Some("ln")
                if args.last().is_some_and(|a| a == "/bin/sh")
                    && args.iter().any(|a| packages::short_cluster_has(a, 's')) =>
            {
                ctx.at("df-shell-via-run", ins, pos, evidence(), None);
            }
            Some("useradd") if large_uid_without_l(args) => {
                let fix = cmd.words.join(" ").replacen("useradd", "useradd -l", 1);
                ctx.at("df-useradd-large-uid", ins, pos, evidence(), Some(fix));
            }
            Some(p) if INTERACTIVE_UTILS.contains(&p) => {
                ctx.at("df-run-interactive-utils", ins, pos, evidence(), None);
            }
            _ => packages::check(ctx, ins, c, state, &mut facts),
        }
        if cmd.separator == Separator::Pipe && !pipe_flagged && !pipefail_set && !state.shell_ok {
            pipe_flagged = true;
            let fix = "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]".to_owned();
            ctx.at("df-pipefail", ins, pos, evidence(), Some(fix));
        }
    }
    packages::finish(ctx, ins, facts, in_final);
}

/// How to run a downloaded script safely.
const PIPE_TO_SHELL_FIX: &str =
    "download the script to a file, verify its checksum (sha256sum -c) or signature, then run the file";

/// `hg-df-pipe-to-shell`: a download piped (perhaps through other commands) into a shell that
/// reads its script from stdin (`curl … | sh`, `wget -O- … | bash -s --`), or a shell running a
/// command substitution of a download (`sh -c "$(curl …)"`).
fn pipe_to_shell<'c>(ctx: &mut Ctx<'_>, ins: &Instruction, c: &'c Cmd, download: &mut Option<&'c Cmd>) {
    let Some(program) = c.cmd.program() else { return };
    if matches!(program, "curl" | "wget") {
        download.get_or_insert(c);
        return;
    }
    if !SHELLS.contains(&program) {
        return;
    }
    let args = c.cmd.args();
    let command_option = |a: &String| a == "-c" || (!a.starts_with("--") && packages::short_cluster_has(a, 'c'));
    if args.iter().any(command_option) {
        let substituted = ["$(curl ", "$(wget ", "`curl ", "`wget "].iter().any(|d| args.iter().any(|a| a.contains(d)));
        if substituted {
            ctx.at("hg-df-pipe-to-shell", ins, c.pos, c.cmd.text.clone(), Some(PIPE_TO_SHELL_FIX.to_owned()));
        }
        return;
    }
    let reads_stdin = args.iter().any(|a| packages::short_cluster_has(a, 's'))
        || args.iter().all(|a| a.starts_with('-') || a.starts_with('+'));
    if let Some(d) = download.take().filter(|_| reads_stdin) {
        let evidence = format!("{} | {}", d.cmd.text, c.cmd.text);
        ctx.at("hg-df-pipe-to-shell", ins, d.pos, evidence, Some(PIPE_TO_SHELL_FIX.to_owned()));
    }
}

/// True for `useradd -u <large uid>` without `-l`/`--no-log-init`.
fn large_uid_without_l(args: &[String]) -> bool {
    if args.iter().any(|a| a == "-l" || a == "--no-log-init") {
        return false;
    }
    let mut uid = None;
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        if a == "-u" || a == "--uid" {
            uid = iter.next().map(String::as_str);
        } else if let Some(v) = a.strip_prefix("--uid=") {
            uid = Some(v);
        } else if let Some(v) = a.strip_prefix("-u")
            && !v.is_empty()
            && v.bytes().all(|b| b.is_ascii_digit())
        {
            uid = Some(v);
        }
    }
    uid.and_then(|u| u.parse::<u64>().ok()).is_some_and(|u| u > LARGE_UID)
}
