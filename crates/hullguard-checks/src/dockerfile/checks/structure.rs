//! Checks on the shape of the Dockerfile: stages and base images, USER, EXPOSE, HEALTHCHECK,
//! CMD/ENTRYPOINT, MAINTAINER, WORKDIR, COPY/ADD and ONBUILD.

use super::super::parse::{Args, Instruction, Stage};
use super::super::shell::{Separator, split_commands};
use super::{Ctx, alias_is, env, json_array};

/// File name endings that `ADD` extracts (tar archives, possibly compressed).
const ARCHIVE_SUFFIXES: &[&str] = &[".tar", ".tgz", ".tbz", ".tbz2", ".txz", ".gz", ".bz2", ".xz", ".zst"];

/// Directories a WORKDIR must not point into.
const SYSTEM_DIRS: &[&str] = &["/proc", "/boot", "/dev", "/initrd", "/lost+found"];

/// Stage names BuildKit reserves.
const RESERVED_STAGE_NAMES: &[&str] = &["scratch", "context"];

/// Label namespaces reserved for Docker.
const RESERVED_LABEL_NAMESPACES: &[&str] = &["com.docker.", "io.docker.", "org.dockerproject."];

pub(super) fn check(ctx: &mut Ctx<'_>) {
    if let Some(first) = ctx.df.orphans.first() {
        ctx.on("df-first-instruction", first, None);
    }
    let stages = &ctx.df.stages;
    // Whether each stage ends with a WORKDIR set, inherited by stages built `FROM` it.
    let mut workdir_after: Vec<bool> = Vec::with_capacity(stages.len());
    for stage in stages {
        base_image(ctx, stage);
        if let Some(platform) = &stage.platform {
            if matches!(platform.as_str(), "$TARGETPLATFORM" | "${TARGETPLATFORM}") {
                ctx.on("df-base-platform-redundant", &stage.from, None);
            } else if !platform.contains('$') {
                ctx.on("df-base-platform-flag", &stage.from, None);
            }
        }
        let earlier = &stages[..stage.index];
        if let Some(alias) = &stage.alias
            && earlier.iter().any(|s| alias_is(s, alias))
        {
            ctx.on("df-stage-alias-duplicate", &stage.from, None);
        }
        if let Some(alias) = &stage.alias
            && RESERVED_STAGE_NAMES.contains(&alias.to_ascii_lowercase().as_str())
        {
            ctx.on("df-stage-name-reserved", &stage.from, None);
        }
        repeated(ctx, stage, "HEALTHCHECK", "df-healthcheck-multiple");
        repeated(ctx, stage, "CMD", "df-cmd-multiple");
        repeated(ctx, stage, "ENTRYPOINT", "df-entrypoint-multiple");
        let mut workdir = earlier
            .iter()
            .rposition(|s| alias_is(s, &stage.base))
            .and_then(|i| workdir_after.get(i).copied())
            .unwrap_or(false);
        let mut previous: Option<&Instruction> = None;
        for ins in &stage.instructions {
            match ins.keyword.as_str() {
                "WORKDIR" => workdir = true,
                "COPY" if !workdir => relative_destination(ctx, ins),
                // As hadolint DL3059: a RUN of more than two commands is kept apart on purpose.
                "RUN"
                    if previous.is_some_and(|p| p.keyword == "RUN" && p.flags == ins.flags && short_run(p))
                        && short_run(ins) =>
                {
                    ctx.on("df-run-consecutive", ins, None);
                }
                _ => {}
            }
            instruction(ctx, stage, ins);
            previous = Some(ins);
        }
        workdir_after.push(workdir);
    }
    user_and_healthcheck(ctx);
}

/// A RUN of at most two simple commands.
fn short_run(ins: &Instruction) -> bool {
    super::run::commands(ins).len() <= 2
}

/// Flags a COPY to a relative destination (no WORKDIR set yet).
fn relative_destination(ctx: &mut Ctx<'_>, ins: &Instruction) {
    let words = ins.words();
    if words.len() < 2 {
        return;
    }
    if let Some(dest) = words.last()
        && !is_absolute(dest)
    {
        ctx.on("df-copy-relative-no-workdir", ins, None);
    }
}

/// True for an absolute (or variable, or Windows) path.
fn is_absolute(path: &str) -> bool {
    let windows = path.get(1..2) == Some(":") || path.starts_with('\\');
    path.starts_with('/') || path.starts_with('$') || windows
}

/// Flags `--chown` to a user other than root.
fn chown(ctx: &mut Ctx<'_>, ins: &Instruction) {
    if let Some(owner) = ins.flag("chown") {
        let user = owner.split(':').next().unwrap_or("");
        if !matches!(user, "root" | "0" | "") {
            ctx.on("df-copy-chown", ins, None);
        }
    }
}

fn labels(ctx: &mut Ctx<'_>, ins: &Instruction) {
    for (key, value) in env::pairs(ins) {
        if value.is_empty() {
            ctx.on("df-label-empty", ins, None);
        }
        if !label_key_valid(&key) {
            ctx.on("df-label-key-invalid", ins, None);
        }
    }
}

/// Docker's label-key guidelines: lower-case letters, digits, `.` and `-`; starts and ends with a
/// letter or digit; no `..` or `--`; not in a reserved namespace.
fn label_key_valid(key: &str) -> bool {
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && edge_ok(key.chars().next())
        && edge_ok(key.chars().last())
        && !key.contains("..")
        && !key.contains("--")
        && !RESERVED_LABEL_NAMESPACES.iter().any(|ns| key.starts_with(ns))
}

fn base_image(ctx: &mut Ctx<'_>, stage: &Stage) {
    let base = stage.base.as_str();
    let earlier = &ctx.df.stages[..stage.index];
    if stage.base_unresolved
        || base.is_empty()
        || base.eq_ignore_ascii_case("scratch")
        || earlier.iter().any(|s| alias_is(s, base))
        || base.contains('@')
    {
        return;
    }
    let name = base.rsplit('/').next().unwrap_or(base);
    match name.split_once(':') {
        Some((_, "latest")) => {
            let fix = format!("pin a version: FROM {}:<version>", &base[..base.len() - 7]);
            ctx.on("df-base-latest", &stage.from, Some(fix));
        }
        Some(_) => {}
        None => {
            let fix = format!("pin a version: FROM {base}:<version>");
            ctx.on("df-base-untagged", &stage.from, Some(fix));
        }
    }
}

/// Flags every `keyword` instruction after the first in a stage.
fn repeated(ctx: &mut Ctx<'_>, stage: &Stage, keyword: &str, concept: &'static str) {
    for ins in stage.instructions.iter().filter(|i| i.keyword == keyword).skip(1) {
        ctx.on(concept, ins, None);
    }
}

fn instruction(ctx: &mut Ctx<'_>, stage: &Stage, ins: &Instruction) {
    match ins.keyword.as_str() {
        "EXPOSE" => expose(ctx, ins),
        "CMD" | "ENTRYPOINT" => exec_form(ctx, ins),
        "MAINTAINER" => {
            let fix = format!("LABEL maintainer={:?}", ins.text());
            ctx.on("df-maintainer", ins, Some(fix));
        }
        "WORKDIR" => workdir(ctx, ins),
        "COPY" => {
            chown(ctx, ins);
            copy(ctx, stage, ins);
        }
        "ADD" => {
            chown(ctx, ins);
            add(ctx, ins);
        }
        "LABEL" => labels(ctx, ins),
        "ONBUILD" => {
            if let Some(t) = &ins.trigger
                && matches!(t.keyword.as_str(), "ONBUILD" | "FROM" | "MAINTAINER")
            {
                ctx.on("df-onbuild-invalid", ins, None);
            }
        }
        _ => {}
    }
}

fn expose(ctx: &mut Ctx<'_>, ins: &Instruction) {
    for word in ins.words() {
        let port = word.split('/').next().unwrap_or("");
        let (lo, hi) = port.split_once('-').unwrap_or((port, port));
        let parse = |s: &str| {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u64>().unwrap_or(u64::MAX))
        };
        let (Some(lo), Some(hi)) = (parse(lo), parse(hi)) else {
            continue;
        };
        if lo > 65_535 || hi > 65_535 {
            ctx.on("df-expose-out-of-range", ins, None);
        } else if (lo..=hi).contains(&22) {
            ctx.on("df-expose-ssh", ins, None);
        }
    }
}

fn exec_form(ctx: &mut Ctx<'_>, ins: &Instruction) {
    let Args::Shell(text) = &ins.args else {
        return;
    };
    if text.is_empty() {
        return;
    }
    let cmds = split_commands(text);
    let simple = cmds.len() == 1
        && cmds[0].separator == Separator::End
        && cmds[0].assignments.is_empty()
        && !text.contains(['$', '*', '?', '`', '~']);
    let fix = simple.then(|| format!("{} {}", ins.keyword, json_array(&cmds[0].words)));
    ctx.on("df-cmd-json-form", ins, fix);
}

fn workdir(ctx: &mut Ctx<'_>, ins: &Instruction) {
    let Some(path) = ins.words().into_iter().next() else {
        return;
    };
    if !is_absolute(&path) {
        ctx.on("df-workdir-relative", ins, None);
    }
    let normal = path.trim_end_matches('/');
    if SYSTEM_DIRS.iter().any(|d| normal == *d || normal.starts_with(&format!("{d}/"))) {
        ctx.on("df-workdir-system-dir", ins, None);
    }
}

fn copy(ctx: &mut Ctx<'_>, stage: &Stage, ins: &Instruction) {
    let words = ins.words();
    if words.len() > 2
        && let Some(dest) = words.last()
        && !dest.ends_with('/')
        && !dest.contains('$')
    {
        let fix = format!("end the destination with '/': {dest}/");
        ctx.on("df-copy-multi-src-slash", ins, Some(fix));
    }
    let Some(from) = ins.flag("from") else {
        return;
    };
    if words.split_last().is_some_and(|(_, sources)| sources.iter().any(|s| s == "/" || s == "/.")) {
        ctx.on("df-copy-whole-fs", ins, None);
    }
    if from.contains('$') {
        return;
    }
    let index = from.parse::<usize>().ok();
    if alias_is(stage, from) || index == Some(stage.index) {
        ctx.on("df-copy-from-self", ins, None);
        return;
    }
    let earlier = &ctx.df.stages[..stage.index];
    let known = match index {
        Some(i) => i < stage.index,
        None => earlier.iter().any(|s| alias_is(s, from)) || from.contains([':', '/', '@', '.']),
    };
    if !known {
        ctx.on("df-copy-from-unknown", ins, None);
    } else if index.is_some() {
        ctx.on("df-stage-unnamed", ins, None);
    }
}

fn add(ctx: &mut Ctx<'_>, ins: &Instruction) {
    let words = ins.words();
    let Some((_, sources)) = words.split_last() else {
        return;
    };
    let remote = sources.iter().any(|s| s.starts_with("http://") || s.starts_with("https://"));
    if remote && ins.flag("checksum").is_none() {
        ctx.on("df-add-remote-url", ins, None);
    }
    let needs_add = sources.iter().any(|s| {
        let lower = s.to_ascii_lowercase();
        lower.contains("://")
            || lower.starts_with("git@")
            || lower.contains('$')
            || ARCHIVE_SUFFIXES.iter().any(|x| lower.ends_with(x))
    });
    if !needs_add {
        let rest = super::evidence_of(ins);
        let fix = format!("COPY{}", rest.strip_prefix("ADD").unwrap_or(&rest));
        ctx.on("df-add-instead-of-copy", ins, Some(fix));
    }
}

/// USER and HEALTHCHECK of the image that is finally built (the last stage and its bases).
fn user_and_healthcheck(ctx: &mut Ctx<'_>) {
    let chain = ctx.final_chain();
    let Some(last) = chain.first().copied() else {
        return;
    };
    let mut user = None;
    let mut healthcheck = false;
    for stage in &chain {
        for ins in stage.instructions.iter().rev() {
            match ins.keyword.as_str() {
                "USER" if user.is_none() => user = Some(ins),
                "HEALTHCHECK" => healthcheck = true,
                _ => {}
            }
        }
    }
    let root_stage = chain.last().copied().unwrap_or(last);
    let nonroot_base = root_stage.base.contains("nonroot");
    match user {
        None if !nonroot_base => {
            ctx.on("df-user-missing", &last.from, None);
        }
        Some(ins) => {
            let text = ins.text();
            let name = text.split(':').next().unwrap_or("").trim();
            if name == "root" || name == "0" {
                ctx.on("df-user-root", ins, None);
            } else if !name.starts_with('$') && !name.bytes().all(|b| b.is_ascii_digit()) {
                ctx.on("df-user-non-numeric", ins, None);
            }
        }
        None => {}
    }
    if !healthcheck {
        ctx.on("df-healthcheck-missing", &last.from, None);
    }
}
