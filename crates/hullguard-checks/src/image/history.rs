//! Checks on the build history (`history[].created_by`): update-only steps, ADD, secrets in
//! ENV/LABEL/ARG and build arguments, sudo, dist-upgrade, and apt/apk caches left by a step.
//!
//! `created_by` comes in three dialects, all understood here:
//! - BuildKit: `RUN /bin/sh -c <script> # buildkit`, `RUN |2 A=1 B=2 /bin/sh -c …`,
//!   `ADD <src> <dest> # buildkit`, `ENV K=V`, `USER …`;
//! - the classic builder and buildah: `/bin/sh -c #(nop)  ENV K=V`, `/bin/sh -c #(nop) ADD file:<hash> in /`,
//!   and for RUN the bare `/bin/sh -c <script>` (or `|N A=1 … /bin/sh -c <script>`);
//! - exec-form RUN as a JSON array.

use hullguard_image::LayerEntry;

use hullguard_secrets::{is_secret_name, mask_assignments, mask_value};

use super::{Hit, ImageFacts, is_secret_value};
use crate::dockerfile::package_args::{APK_VALUE_OPTS, APT_VALUE_OPTS, subcommand};
use crate::dockerfile::shell::{SimpleCommand, split_commands, split_words};

/// Dockerfile keywords a BuildKit `created_by` starts with.
const KEYWORDS: &[&str] = &[
    "RUN",
    "ADD",
    "COPY",
    "ENV",
    "LABEL",
    "USER",
    "WORKDIR",
    "EXPOSE",
    "VOLUME",
    "CMD",
    "ENTRYPOINT",
    "HEALTHCHECK",
    "SHELL",
    "STOPSIGNAL",
    "ONBUILD",
    "ARG",
    "MAINTAINER",
];

/// Shells whose `-c` argument is the script.
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "busybox"];

/// Archive suffixes ADD extracts from a local source.
const ARCHIVES: &[&str] = &[
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".tzst", ".tar.lz", ".tar.z",
];

/// One history step, split into its instruction and arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Step {
    /// Upper-case Dockerfile keyword (`RUN` for classic-builder RUN steps).
    pub keyword: String,
    /// For RUN: the shell script (or the exec-form words joined by spaces); otherwise the
    /// instruction's arguments.
    pub body: String,
    /// `NAME=value` build arguments recorded before a RUN (`|2 A=1 B=2 …`).
    pub build_args: Vec<String>,
}

/// Splits a `created_by` into a [`Step`].
pub(super) fn parse_step(created_by: &str) -> Step {
    let mut s = created_by.trim();
    if let Some(i) = s.rfind(" # buildkit") {
        s = s[..i].trim_end();
    } else if let Some(rest) = s.strip_suffix("# buildkit") {
        s = rest.trim_end();
    }
    let (keyword, rest) = if let Some(rest) = s.strip_prefix("/bin/sh -c #(nop)") {
        let rest = rest.trim_start();
        let (kw, body) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        (kw.to_ascii_uppercase(), body.trim())
    } else {
        let (first, body) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
        if KEYWORDS.contains(&first) { (first.to_owned(), body.trim()) } else { ("RUN".to_owned(), s) }
    };
    if keyword != "RUN" {
        return Step { keyword, body: rest.to_owned(), build_args: Vec::new() };
    }
    let (build_args, rest) = strip_build_args(rest);
    Step { keyword, body: run_script(rest), build_args }
}

/// Splits `|2 A=1 B=2 rest` into the assignments and `rest`.
fn strip_build_args(text: &str) -> (Vec<String>, &str) {
    let Some(after) = text.strip_prefix('|') else {
        return (Vec::new(), text);
    };
    let digits = after.bytes().take_while(u8::is_ascii_digit).count();
    let Ok(count) = after[..digits].parse::<usize>() else {
        return (Vec::new(), text);
    };
    let mut rest = &after[digits..];
    let mut args = Vec::new();
    for _ in 0..count {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        args.push(rest[..end].to_owned());
        rest = &rest[end..];
    }
    (args, rest.trim_start())
}

/// The script of a RUN: the `-c` argument of a leading shell, or the exec-form words.
fn run_script(text: &str) -> String {
    let text = text.trim();
    if text.starts_with('[')
        && let Ok(words) = serde_json_words(text)
    {
        return script_of_words(&words).unwrap_or_else(|| words.join(" "));
    }
    let mut rest = text;
    let first_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let program = rest[..first_end].rsplit('/').next().unwrap_or("");
    if !SHELLS.contains(&program) {
        return text.to_owned();
    }
    rest = &rest[first_end..];
    // Options before -c (`-e`, `-o pipefail`, `-x`).
    loop {
        rest = rest.trim_start();
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        if word == "-c" || (word.starts_with('-') && !word.starts_with("--") && word.ends_with('c')) {
            return rest[end..].trim_start().to_owned();
        }
        if !word.starts_with('-') || word.is_empty() {
            return text.to_owned();
        }
        rest = &rest[end..];
        if word == "-o" {
            rest = rest.trim_start();
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            rest = &rest[end..];
        }
    }
}

/// The script of exec-form words `["/bin/sh", "-c", "script"]`.
fn script_of_words(words: &[String]) -> Option<String> {
    let program = words.first()?.rsplit('/').next()?;
    if !SHELLS.contains(&program) {
        return None;
    }
    let c = words.iter().position(|w| w == "-c")?;
    words.get(c + 1).cloned()
}

/// Parses a JSON array of strings without a JSON dependency in the non-test build.
fn serde_json_words(text: &str) -> Result<Vec<String>, ()> {
    let inner = text.trim().strip_prefix('[').and_then(|t| t.strip_suffix(']')).ok_or(())?;
    let mut words = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        match chars.next() {
            None => return Ok(words),
            Some('"') => {}
            Some(_) => return Err(()),
        }
        let mut word = String::new();
        loop {
            match chars.next().ok_or(())? {
                '"' => break,
                '\\' => match chars.next().ok_or(())? {
                    'n' => word.push('\n'),
                    't' => word.push('\t'),
                    c => word.push(c),
                },
                c => word.push(c),
            }
        }
        words.push(word);
    }
}

/// The basename of a command's program, not skipping `sudo`.
fn first_program(cmd: &SimpleCommand) -> Option<&str> {
    cmd.words.first().map(|w| w.rsplit('/').next().unwrap_or(w.as_str()))
}

/// The subcommand of `cmd`, skipping the values of `value_opts`.
fn subcommand_name<'c>(cmd: &'c SimpleCommand, value_opts: &[&str]) -> Option<&'c str> {
    subcommand(cmd.args(), value_opts).map(|(_, sub)| sub)
}

fn apt_sub(cmd: &SimpleCommand) -> Option<&str> {
    match cmd.program() {
        Some("apt-get" | "apt" | "aptitude") => subcommand_name(cmd, APT_VALUE_OPTS),
        _ => None,
    }
}

fn apk_sub(cmd: &SimpleCommand) -> Option<&str> {
    match cmd.program() {
        Some("apk") => subcommand_name(cmd, APK_VALUE_OPTS),
        _ => None,
    }
}

/// A command that only refreshes a package index.
fn is_update(cmd: &SimpleCommand) -> bool {
    if apt_sub(cmd) == Some("update") || apk_sub(cmd) == Some("update") {
        return true;
    }
    match cmd.program() {
        Some("yum" | "dnf" | "microdnf" | "tdnf") => {
            matches!(subcommand_name(cmd, &[]), Some("makecache" | "check-update"))
        }
        Some("zypper") => matches!(subcommand_name(cmd, &[]), Some("refresh" | "ref")),
        _ => false,
    }
}

/// Commands that do nothing to the filesystem worth a layer (`set -e`, `true`).
fn is_noop(cmd: &SimpleCommand) -> bool {
    matches!(cmd.program(), Some("set" | "true" | ":" | "echo"))
}

/// True if a command of `cmds` removes something under `dir`.
fn removes(cmds: &[SimpleCommand], dir: &str) -> bool {
    cmds.iter()
        .any(|c| c.program() == Some("rm") && c.args().iter().any(|a| a.trim_end_matches(['*', '/']).starts_with(dir)))
}

/// Files of `layer` that make an apt cache: package lists, downloaded `.deb`s, `*.bin` caches.
fn apt_cache_files(layer: &[LayerEntry]) -> usize {
    layer
        .iter()
        .filter(|e| matches!(e.kind, hullguard_image::EntryKind::File | hullguard_image::EntryKind::Hardlink(_)))
        .filter(|e| {
            let p = e.path.as_str();
            if let Some(rest) = p.strip_prefix("var/lib/apt/lists/") {
                rest != "lock" && !rest.starts_with("partial/") && !rest.starts_with("auxfiles/")
            } else if let Some(rest) = p.strip_prefix("var/cache/apt/") {
                (rest.starts_with("archives/") && rest.ends_with(".deb"))
                    || (!rest.contains('/') && rest.ends_with(".bin"))
            } else {
                false
            }
        })
        .count()
}

/// Files of `layer` in the apk cache.
fn apk_cache_files(layer: &[LayerEntry]) -> usize {
    layer
        .iter()
        .filter(|e| matches!(e.kind, hullguard_image::EntryKind::File | hullguard_image::EntryKind::Hardlink(_)))
        .filter(|e| e.path.starts_with("var/cache/apk/"))
        .count()
}

pub(super) fn check(facts: &ImageFacts<'_>, hits: &mut Vec<Hit>) {
    let mut layer = 0usize;
    for (index, h) in facts.config.history.iter().enumerate() {
        let this_layer = if h.empty_layer {
            None
        } else {
            layer += 1;
            Some(layer - 1)
        };
        let Some(created_by) = h.created_by.as_deref() else {
            continue;
        };
        let step = parse_step(created_by);
        let field = format!("history[{index}].created_by");
        let shown = match this_layer {
            Some(l) => format!("{} (layer {l})", mask_assignments(created_by.trim())),
            None => mask_assignments(created_by.trim()),
        };
        let layer_entries = this_layer.and_then(|l| facts.layers.get(l).copied());
        match step.keyword.as_str() {
            "RUN" => run_step(&step, &field, &shown, layer_entries, this_layer, hits),
            "ADD" => add_step(&step, &field, &shown, hits),
            "ENV" | "LABEL" | "ARG" => {
                for (name, value) in pairs(&step) {
                    if is_secret_name(&name) && is_secret_value(&value) {
                        let evidence = format!("{} {name}={}", step.keyword, mask_value(&value));
                        hits.push(Hit::config("img-secrets", field.clone(), evidence, None));
                    }
                }
            }
            _ => {}
        }
    }
}

/// `(name, value)` pairs of ENV/LABEL/ARG arguments (`K=V …` or legacy `K V`).
fn pairs(step: &Step) -> Vec<(String, String)> {
    let words = split_words(&step.body);
    match words.first() {
        Some(first) if step.keyword == "ENV" && !first.contains('=') => {
            vec![(first.clone(), words[1..].join(" "))]
        }
        _ => words
            .into_iter()
            .map(|w| match w.split_once('=') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => (w, String::new()),
            })
            .collect(),
    }
}

fn run_step(
    step: &Step,
    field: &str,
    shown: &str,
    layer: Option<&[LayerEntry]>,
    layer_index: Option<usize>,
    hits: &mut Vec<Hit>,
) {
    let cmds = split_commands(&step.body);

    // img-secrets: build arguments and shell assignments.
    let exported = cmds
        .iter()
        .filter(|c| matches!(first_program(c), Some("export" | "declare" | "readonly" | "local")))
        .flat_map(|c| c.words.iter().skip(1));
    let assigned = step.build_args.iter().chain(cmds.iter().flat_map(|c| c.assignments.iter())).chain(exported);
    let mut reported = Vec::new();
    for word in assigned {
        if let Some((name, value)) = word.split_once('=')
            && is_secret_name(name)
            && is_secret_value(value)
            && !reported.contains(&name)
        {
            reported.push(name);
            hits.push(Hit::config("img-secrets", field.to_owned(), format!("RUN {name}={}", mask_value(value)), None));
        }
    }

    // img-update-alone
    if cmds.iter().any(is_update) && cmds.iter().all(|c| is_update(c) || is_noop(c)) {
        hits.push(Hit::config(
            "img-update-alone",
            field.to_owned(),
            shown.to_owned(),
            Some("combine the update with the install in one RUN".to_owned()),
        ));
    }

    // img-sudo
    if cmds.iter().any(|c| first_program(c) == Some("sudo")) {
        hits.push(Hit::config("img-sudo", field.to_owned(), shown.to_owned(), None));
    }

    // img-dist-upgrade
    if cmds.iter().any(|c| matches!(apt_sub(c), Some("dist-upgrade" | "full-upgrade"))) {
        hits.push(Hit::config("img-dist-upgrade", field.to_owned(), shown.to_owned(), None));
    }

    // A cache mount keeps the cache out of the layer.
    let cache_mount = step.body.contains("type=cache") || step.build_args.iter().any(|a| a.contains("type=cache"));

    // img-apt-cache
    if cmds.iter().any(|c| apt_sub(c) == Some("install")) {
        let kept = layer.map(apt_cache_files);
        let text_clean = removes(&cmds, "/var/lib/apt/lists") || cache_mount;
        if let Some(evidence) = cache_verdict(shown, layer_index, kept, text_clean, "apt cache file(s)") {
            hits.push(Hit::config(
                "img-apt-cache",
                field.to_owned(),
                evidence,
                Some("end the RUN with 'apt-get clean && rm -rf /var/lib/apt/lists/*'".to_owned()),
            ));
        }
    }

    // img-apk-cache
    let apk_adds: Vec<&SimpleCommand> = cmds.iter().filter(|c| apk_sub(c) == Some("add")).collect();
    if !apk_adds.is_empty() {
        let kept = layer.map(apk_cache_files);
        let text_clean = apk_adds.iter().all(|c| c.args().iter().any(|a| a == "--no-cache"))
            || removes(&cmds, "/var/cache/apk")
            || cache_mount;
        if let Some(evidence) = cache_verdict(shown, layer_index, kept, text_clean, "file(s) in /var/cache/apk") {
            hits.push(Hit::config(
                "img-apk-cache",
                field.to_owned(),
                evidence,
                Some("use 'apk add --no-cache …'".to_owned()),
            ));
        }
    }
}

/// A step is reported when its text does not clean the cache, or when its layer (if known)
/// still holds cache files whatever the text says.
fn cache_verdict(
    shown: &str,
    layer: Option<usize>,
    kept: Option<usize>,
    text_clean: bool,
    what: &str,
) -> Option<String> {
    match (kept, layer) {
        (Some(n), Some(l)) if n > 0 => Some(format!("{shown}: layer {l} keeps {n} {what}")),
        _ if !text_clean => Some(format!("{shown}: no cache clean-up in the step")),
        _ => None,
    }
}

fn add_step(step: &Step, field: &str, shown: &str, hits: &mut Vec<Hit>) {
    let body = step.body.trim();
    // Classic builder: `file:<hash> in /dest`, `dir:<hash> in /dest`, `multi:<hash> in /dest`.
    if let Some((src, dest)) = body.split_once(" in ")
        && (src.starts_with("file:") || src.starts_with("dir:") || src.starts_with("multi:"))
    {
        if dest.trim() != "/" {
            hits.push(Hit::config("img-add", field.to_owned(), shown.to_owned(), None));
        }
        return;
    }
    let words = split_words(body);
    let checksum = words.iter().any(|w| w.starts_with("--checksum"));
    let plain: Vec<&String> = words.iter().filter(|w| !w.starts_with("--")).collect();
    let Some((_dest, sources)) = plain.split_last() else {
        return;
    };
    let flagged = sources.iter().any(|src| {
        let lower = src.to_ascii_lowercase();
        let url = lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("ftp://");
        let git = lower.starts_with("git@") || lower.starts_with("git://") || lower.ends_with(".git");
        if git {
            false
        } else if url {
            !checksum
        } else {
            !ARCHIVES.iter().any(|a| lower.ends_with(a))
        }
    });
    if flagged {
        hits.push(Hit::config(
            "img-add",
            field.to_owned(),
            shown.to_owned(),
            Some(
                "COPY local files; download remote files with a verified checksum (ADD --checksum=sha256:…)".to_owned(),
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps() {
        let s = parse_step("RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit");
        assert_eq!((s.keyword.as_str(), s.body.as_str()), ("RUN", "apt-get update && apt-get install -y curl"));
        let s = parse_step("/bin/sh -c #(nop)  CMD [\"bash\"]");
        assert_eq!(s.keyword, "CMD");
        let s = parse_step("/bin/sh -c #(nop) ADD file:5c90 in / ");
        assert_eq!((s.keyword.as_str(), s.body.as_str()), ("ADD", "file:5c90 in /"));
        let s = parse_step("|2 TOKEN=abc B=c /bin/sh -c make");
        assert_eq!((s.body.as_str(), s.build_args.clone()), ("make", vec!["TOKEN=abc".to_owned(), "B=c".to_owned()]));
        let s = parse_step("RUN |1 X=y /bin/bash -o pipefail -c curl x | sh # buildkit");
        assert_eq!(s.body, "curl x | sh");
        let s = parse_step(r#"RUN ["/bin/sh", "-c", "sudo ls"]"#);
        assert_eq!(s.body, "sudo ls");
        let s = parse_step("/bin/sh -c apk update");
        assert_eq!((s.keyword.as_str(), s.body.as_str()), ("RUN", "apk update"));
        let s = parse_step("COPY --from=x /a /b # buildkit (pip install ...)");
        assert_eq!((s.keyword.as_str(), s.body.as_str()), ("COPY", "--from=x /a /b"));
    }
}
