//! Checks on package-manager commands in `RUN`: apt/apt-get, apk, yum/dnf/microdnf/tdnf, rpm,
//! zypper, pip, npm/yarn and `go install`.
//!
//! Cache-cleanup checks (`df-apt-lists`, `df-apk-no-cache`, `df-*-clean`) look at the whole RUN:
//! a later `rm -rf <cache>`, `<pm> clean all` or a `--mount=type=cache` on the cache directory
//! satisfies them. Cleanup checks other than `df-apk-no-cache` only apply to stages that end up in
//! the final image, since build-stage layers are thrown away.

use std::collections::BTreeSet;

use super::super::package_args::{
    APK_VALUE_OPTS, APT_VALUE_OPTS, GEM_VALUE_OPTS, NPM_VALUE_OPTS, PIP_VALUE_OPTS, RPM_VALUE_OPTS, ZYPPER_VALUE_OPTS,
    operands, subcommand,
};
use super::super::parse::Instruction;
use super::super::shell::SimpleCommand;
use super::run::{Cmd, StageState};
use super::{Ctx, Pos};

/// The yum-like package managers.
const RPM_FAMILY: [&str; 4] = ["yum", "dnf", "microdnf", "tdnf"];

/// A cache-cleanup hit that holds unless the rest of the RUN cleans up.
struct Pending {
    concept: &'static str,
    pos: Pos,
    evidence: String,
    fix: Option<String>,
    /// Package manager whose `clean` subcommand satisfies the check.
    cleaned_by: Option<&'static str>,
    /// `rm` of a path containing this satisfies the check, and so does a cache mount on it.
    cache_dir: &'static str,
    /// Only reported for stages in the final image.
    final_only: bool,
}

/// What a RUN's commands did, for checks that judge the whole RUN.
#[derive(Default)]
pub(super) struct RunFacts<'c> {
    /// Where the RUN's last command that installs or upgrades packages starts.
    last_install: Option<Pos>,
    /// Arguments of every `rm`.
    pub(super) removed: Vec<&'c str>,
    /// Package managers that ran `clean`.
    cleaned: BTreeSet<&'static str>,
    /// Cleanup hits waiting for the end of the RUN.
    pending: Vec<Pending>,
}

impl<'c> RunFacts<'c> {
    /// Facts for a RUN made of `cmds`, before any command is looked at.
    pub(super) fn new(cmds: &[Cmd]) -> Self {
        Self { last_install: cmds.iter().filter(|c| is_install(&c.cmd)).map(|c| c.pos).max(), ..Self::default() }
    }

    /// Whether a command that installs or upgrades packages starts at or after `pos`: an
    /// update before it is not alone (as Trivy DS017: the install must follow the update).
    fn installs_after(&self, pos: Pos) -> bool {
        self.last_install.is_some_and(|p| p >= pos)
    }
}

/// True for a short-option cluster (`-qy`) containing `c`.
pub(super) fn short_cluster_has(arg: &str, c: char) -> bool {
    arg.strip_prefix('-')
        .is_some_and(|rest| !rest.starts_with('-') && rest.chars().all(|x| x.is_ascii_alphabetic()) && rest.contains(c))
}

/// True if a `--mount=type=cache` of `ins` targets a path containing `path`.
fn cache_mount(ins: &Instruction, path: &str) -> bool {
    ins.flags
        .iter()
        .any(|f| f.name == "mount" && f.value.as_deref().is_some_and(|v| v.contains("type=cache") && v.contains(path)))
}

/// The command with `flag` inserted after the word `after`.
fn insert_after(cmd: &SimpleCommand, after: &str, flag: &str) -> String {
    let mut words: Vec<&str> = cmd.words.iter().map(String::as_str).collect();
    if let Some(pos) = words.iter().position(|w| *w == after) {
        words.insert(pos + 1, flag);
    }
    words.join(" ")
}

/// `pin versions: a<sep><version> b<sep><version>`.
fn pin_fix(packages: &[&str], sep: &str) -> String {
    let pinned: Vec<String> = packages.iter().map(|p| format!("{p}{sep}<version>")).collect();
    format!("pin versions: {}", pinned.join(" "))
}

/// The arguments of a pip invocation after `pip` (`pip install x`, `python3 -m pip install x`).
fn pip_args(cmd: &SimpleCommand) -> Option<&[String]> {
    let program = cmd.program()?;
    let args = cmd.args();
    let versioned =
        |prefix: &str| program.strip_prefix(prefix).is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'));
    if versioned("pip") {
        Some(args)
    } else if versioned("python") && args.len() >= 2 && args[0] == "-m" && args[1] == "pip" {
        Some(&args[2..])
    } else {
        None
    }
}

/// True if the command installs or upgrades OS packages.
fn is_install(cmd: &SimpleCommand) -> bool {
    let sub = subcommand(cmd.args(), APT_VALUE_OPTS).map_or("", |(_, s)| s);
    match cmd.program() {
        Some("apt-get" | "apt" | "aptitude") => {
            matches!(sub, "install" | "upgrade" | "dist-upgrade" | "full-upgrade" | "build-dep" | "reinstall")
        }
        Some("apk") => matches!(sub, "add" | "upgrade"),
        Some("yum" | "dnf" | "microdnf" | "tdnf" | "zypper") => {
            matches!(sub, "install" | "upgrade" | "update" | "groupinstall" | "in" | "up")
        }
        _ => false,
    }
}

/// Runs the package-manager checks on one command.
pub(super) fn check<'c>(
    ctx: &mut Ctx<'_>,
    ins: &Instruction,
    c: &'c Cmd,
    state: &StageState,
    facts: &mut RunFacts<'c>,
) {
    let Cmd { cmd, pos } = c;
    let pos = *pos;
    let evidence = || cmd.text.clone();
    let args = cmd.args();
    match cmd.program() {
        Some(p @ ("apt-get" | "apt")) => apt(ctx, ins, cmd, pos, p, facts),
        Some("apk") => apk(ctx, ins, cmd, pos, facts),
        Some(p @ ("yum" | "dnf" | "microdnf" | "tdnf")) => {
            // A `'static` name, so the RUN's cleanup bookkeeping can keep it.
            let program = RPM_FAMILY.into_iter().find(|x| *x == p).unwrap_or("yum");
            rpm_family(ctx, ins, cmd, pos, program, facts);
        }
        Some("zypper") => zypper(ctx, ins, cmd, pos, facts),
        Some("rpm")
            if args
                .iter()
                .any(|a| matches!(a.as_str(), "--nosignature" | "--nodigest" | "--noverify" | "--nofiledigest")) =>
        {
            ctx.at("df-rpm-nosignature", ins, pos, evidence(), None);
        }
        Some("yum-config-manager") if sslverify_off(args) => {
            ctx.at("df-rpm-sslverify-off", ins, pos, evidence(), None);
        }
        Some("npm" | "yarn" | "pnpm") if strict_ssl_off(args) => {
            ctx.at("df-npm-strict-ssl-off", ins, pos, evidence(), None);
        }
        Some("npm") => {
            if let Some((sub, "install" | "i" | "add")) = subcommand(args, NPM_VALUE_OPTS) {
                let unpinned: Vec<&str> =
                    operands(args, sub + 1, NPM_VALUE_OPTS).into_iter().filter(|p| !npm_pinned(p)).collect();
                if !unpinned.is_empty() {
                    let fix = pin_fix(&unpinned, "@");
                    ctx.at("df-npm-pin", ins, pos, evidence(), Some(fix));
                }
            }
        }
        Some("yarn") => match subcommand(args, &[]) {
            None | Some((_, "install" | "add")) => facts.pending.push(Pending {
                concept: "df-yarn-cache",
                pos,
                evidence: evidence(),
                fix: Some("end the RUN with '&& yarn cache clean'".to_owned()),
                cleaned_by: Some("yarn"),
                cache_dir: ".cache/yarn",
                final_only: true,
            }),
            Some((i, "cache")) if args.get(i + 1).is_some_and(|a| a == "clean") => {
                facts.cleaned.insert("yarn");
            }
            _ => {}
        },
        Some("gem") => {
            let versioned = args.iter().any(|a| a == "-v" || a == "--version" || a.starts_with("--version="));
            if let Some((sub, "install")) = subcommand(args, GEM_VALUE_OPTS)
                && !versioned
            {
                let unpinned: Vec<&str> = operands(args, sub + 1, GEM_VALUE_OPTS)
                    .into_iter()
                    .filter(|p| !p.contains([':', '$']) && !p.ends_with(".gem"))
                    .collect();
                if !unpinned.is_empty() {
                    let fix = pin_fix(&unpinned, ":");
                    ctx.at("df-gem-pin", ins, pos, evidence(), Some(fix));
                }
            }
        }
        Some("go") => {
            if let Some((sub, "install")) = subcommand(args, &[]) {
                let unpinned: Vec<&str> = operands(args, sub + 1, &[])
                    .into_iter()
                    .filter(|p| !p.contains('@') && !p.starts_with(['.', '/', '$']))
                    .collect();
                if !unpinned.is_empty() {
                    let fix = pin_fix(&unpinned, "@");
                    ctx.at("df-go-install-pin", ins, pos, evidence(), Some(fix));
                }
            }
        }
        _ => {
            if let Some(pip) = pip_args(cmd) {
                pip_install(ctx, ins, cmd, pos, pip, state);
            }
        }
    }
}

/// Reports the cleanup hits the RUN did not satisfy.
pub(super) fn finish(ctx: &mut Ctx<'_>, ins: &Instruction, facts: RunFacts<'_>, in_final: bool) {
    for p in facts.pending {
        let done = facts.removed.iter().any(|r| r.contains(p.cache_dir))
            || cache_mount(ins, p.cache_dir)
            || p.cleaned_by.is_some_and(|pm| facts.cleaned.contains(pm));
        if !done && (in_final || !p.final_only) {
            ctx.at(p.concept, ins, p.pos, p.evidence, p.fix);
        }
    }
}

/// True for an npm package spec that names a version, a path, a URL or a tarball.
fn npm_pinned(spec: &str) -> bool {
    let name = spec.strip_prefix('@').unwrap_or(spec);
    name.contains(['@', ':', '$'])
        || spec.starts_with(['.', '/', '~'])
        || spec.ends_with(".tgz")
        || spec.ends_with(".tar.gz")
}

/// True for a yum/dnf package spec with a version (`name-1.2`), a path, a glob or a variable.
fn rpm_versioned(spec: &str) -> bool {
    spec.contains(['=', '<', '>', '*', '$', '/'])
        || spec.ends_with(".rpm")
        || spec.match_indices('-').any(|(at, _)| spec[at + 1..].starts_with(|c: char| c.is_ascii_digit()))
}

fn sslverify_off(args: &[String]) -> bool {
    args.iter().any(|a| {
        let a = a.to_ascii_lowercase();
        ["false", "0", "no", "off"].iter().any(|v| a.contains(&format!("sslverify={v}")))
    })
}

/// True for `npm|yarn|pnpm config set strict-ssl <false>`, `--strict-ssl=<false>`,
/// `--no-strict-ssl` and yarn's `enableStrictSsl false`.
fn strict_ssl_off(args: &[String]) -> bool {
    let words: Vec<&str> = args.iter().flat_map(|a| a.split('=')).collect();
    args.iter().any(|a| a == "--no-strict-ssl")
        || words.windows(2).any(|w| {
            matches!(w[0], "strict-ssl" | "--strict-ssl") && npm_false(w[1])
                || w[0] == "enableStrictSsl" && w[1] == "false"
        })
}

/// Whether npm reads a boolean setting's text as false: `false`, `null` or a number equal to 0
/// (other text, `FALSE` included, is true).
pub(super) fn npm_false(value: &str) -> bool {
    matches!(value, "false" | "null") || value.parse::<f64>().is_ok_and(|v| v == 0.0)
}

fn apt(ctx: &mut Ctx<'_>, ins: &Instruction, cmd: &SimpleCommand, pos: Pos, program: &str, facts: &mut RunFacts<'_>) {
    let evidence = || cmd.text.clone();
    if program == "apt" {
        let fix = format!("apt-get{}", evidence().strip_prefix("apt").unwrap_or(""));
        ctx.at("df-apt-not-apt-get", ins, pos, evidence(), Some(fix));
    }
    if cmd.has_arg("--allow-unauthenticated") {
        ctx.at("df-apt-allow-unauthenticated", ins, pos, evidence(), None);
    }
    if cmd.has_arg("--force-yes") {
        ctx.at("df-apt-force-yes", ins, pos, evidence(), None);
    }
    match subcommand(cmd.args(), APT_VALUE_OPTS) {
        Some((_, "dist-upgrade")) => ctx.at("df-dist-upgrade", ins, pos, evidence(), None),
        Some((sub, "install")) => {
            if !facts.pending.iter().any(|p| p.concept == "df-apt-lists") {
                facts.pending.push(Pending {
                    concept: "df-apt-lists",
                    pos,
                    evidence: evidence(),
                    fix: Some("end the RUN with '&& rm -rf /var/lib/apt/lists/*'".to_owned()),
                    cleaned_by: None,
                    cache_dir: "/var/lib/apt",
                    final_only: true,
                });
            }
            if program == "apt-get" {
                apt_get_install(ctx, ins, cmd, pos, sub);
            }
        }
        Some((_, "update")) if !facts.installs_after(pos) => {
            let fix = format!("{program} update && {program} install -y <packages>");
            ctx.at("df-update-alone", ins, pos, evidence(), Some(fix));
        }
        _ => {}
    }
}

fn apt_get_install(ctx: &mut Ctx<'_>, ins: &Instruction, cmd: &SimpleCommand, pos: Pos, sub: usize) {
    let args = cmd.args();
    let evidence = || cmd.text.clone();
    let yes = args.iter().any(|a| {
        matches!(a.as_str(), "--yes" | "--assume-yes" | "-q=2" | "--quiet=2")
            || short_cluster_has(a, 'y')
            || (short_cluster_has(a, 'q') && a.matches('q').count() >= 2)
    });
    if !yes {
        let fix = insert_after(cmd, "install", "-y");
        ctx.at("df-apt-yes", ins, pos, evidence(), Some(fix));
    }
    let no_recommends = args.iter().any(|a| {
        a == "--no-install-recommends" || a.contains("Install-Recommends=false") || a.contains("Install-Recommends=0")
    });
    if !no_recommends {
        let fix = insert_after(cmd, "install", "--no-install-recommends");
        ctx.at("df-apt-no-recommends", ins, pos, evidence(), Some(fix));
    }
    let unpinned: Vec<&str> = operands(args, sub + 1, APT_VALUE_OPTS)
        .into_iter()
        .filter(|p| !p.contains(['=', '/', '$']) && !p.ends_with(".deb"))
        .collect();
    if !unpinned.is_empty() {
        ctx.at("df-apt-pin", ins, pos, evidence(), Some(pin_fix(&unpinned, "=")));
    }
}

fn apk(ctx: &mut Ctx<'_>, ins: &Instruction, cmd: &SimpleCommand, pos: Pos, facts: &mut RunFacts<'_>) {
    let evidence = || cmd.text.clone();
    let args = cmd.args();
    if cmd.has_arg("--allow-untrusted") {
        ctx.at("df-apk-allow-untrusted", ins, pos, evidence(), None);
    }
    match subcommand(args, APK_VALUE_OPTS) {
        Some((sub, "add")) => {
            if !cmd.has_arg("--no-cache") {
                facts.pending.push(Pending {
                    concept: "df-apk-no-cache",
                    pos,
                    evidence: evidence(),
                    fix: Some(insert_after(cmd, "add", "--no-cache")),
                    cleaned_by: None,
                    cache_dir: "/var/cache/apk",
                    final_only: false,
                });
            }
            let unpinned: Vec<&str> = operands(args, sub + 1, APK_VALUE_OPTS)
                .into_iter()
                .filter(|p| !p.contains(['=', '~', '<', '>', '$']) && !p.ends_with(".apk"))
                .collect();
            if !unpinned.is_empty() {
                let fix = pin_fix(&unpinned, "=");
                ctx.at("df-apk-pin", ins, pos, evidence(), Some(fix));
            }
        }
        Some((_, "update")) if !facts.installs_after(pos) => {
            let fix = "apk add --no-cache <packages>".to_owned();
            ctx.at("df-update-alone", ins, pos, evidence(), Some(fix));
        }
        _ => {}
    }
}

fn rpm_family(
    ctx: &mut Ctx<'_>,
    ins: &Instruction,
    cmd: &SimpleCommand,
    pos: Pos,
    program: &'static str,
    facts: &mut RunFacts<'_>,
) {
    let evidence = || cmd.text.clone();
    let args = cmd.args();
    if cmd.has_arg("--nogpgcheck") {
        ctx.at("df-rpm-nogpgcheck", ins, pos, evidence(), None);
    }
    if sslverify_off(args) {
        ctx.at("df-rpm-sslverify-off", ins, pos, evidence(), None);
    }
    match subcommand(args, RPM_VALUE_OPTS) {
        Some((index, sub @ ("install" | "groupinstall" | "localinstall" | "reinstall"))) => {
            let pin_concept = match program {
                "yum" => Some("df-yum-pin"),
                "dnf" | "microdnf" => Some("df-dnf-pin"),
                _ => None,
            };
            let unpinned: Vec<&str> =
                operands(args, index + 1, RPM_VALUE_OPTS).into_iter().filter(|p| !rpm_versioned(p)).collect();
            if let Some(concept) = pin_concept
                && sub == "install"
                && !unpinned.is_empty()
            {
                ctx.at(concept, ins, pos, evidence(), Some(pin_fix(&unpinned, "-")));
            }
            let yes = args.iter().any(|a| a == "--assumeyes" || short_cluster_has(a, 'y'));
            let yes_concept = match program {
                "yum" => Some("df-yum-yes"),
                "dnf" => Some("df-dnf-yes"),
                _ => None,
            };
            if let Some(concept) = yes_concept
                && !yes
            {
                let fix = insert_after(cmd, sub, "-y");
                ctx.at(concept, ins, pos, evidence(), Some(fix));
            }
            let (clean_concept, cache_dir) = match program {
                "yum" => ("df-yum-clean", "/var/cache/yum"),
                "dnf" => ("df-dnf-clean", "/var/cache/dnf"),
                "microdnf" => ("df-microdnf-clean", "/var/cache/yum"),
                _ => return,
            };
            facts.pending.push(Pending {
                concept: clean_concept,
                pos,
                evidence: evidence(),
                fix: Some(format!("end the RUN with '&& {program} clean all'")),
                cleaned_by: Some(program),
                cache_dir,
                final_only: true,
            });
        }
        Some((index, "module")) if args.get(index + 1).is_some_and(|a| a == "install") => {
            let concept = if program == "yum" { "df-yum-pin" } else { "df-dnf-pin" };
            let unpinned: Vec<&str> =
                operands(args, index + 2, RPM_VALUE_OPTS).into_iter().filter(|m| !m.contains([':', '$'])).collect();
            if program != "tdnf" && !unpinned.is_empty() {
                ctx.at(concept, ins, pos, evidence(), Some(pin_fix(&unpinned, ":")));
            }
        }
        // Only `clean all` also removes the metadata (as hadolint DL3032/DL3040 and Trivy require).
        Some((index, "clean")) if args[index + 1..].iter().any(|a| a == "all") => {
            facts.cleaned.insert(program);
        }
        Some((_, "makecache")) if !facts.installs_after(pos) => {
            ctx.at("df-update-alone", ins, pos, evidence(), None);
        }
        _ => {}
    }
}

fn zypper(ctx: &mut Ctx<'_>, ins: &Instruction, cmd: &SimpleCommand, pos: Pos, facts: &mut RunFacts<'_>) {
    let evidence = || cmd.text.clone();
    let args = cmd.args();
    let Some((index, sub)) = subcommand(args, ZYPPER_VALUE_OPTS) else {
        return;
    };
    match sub {
        "install" | "in" | "remove" | "rm" | "update" | "up" | "patch" | "dist-upgrade" | "dup" | "source-install"
        | "si" => {
            let yes = args.iter().any(|a| matches!(a.as_str(), "-n" | "--non-interactive" | "-y" | "--no-confirm"));
            if !yes {
                let fix = insert_after(cmd, sub, "-y");
                ctx.at("df-zypper-yes", ins, pos, evidence(), Some(fix));
            }
            if matches!(sub, "dist-upgrade" | "dup") {
                ctx.at("df-zypper-dist-upgrade", ins, pos, evidence(), None);
            }
            if matches!(sub, "install" | "in") {
                let unpinned: Vec<&str> = operands(args, index + 1, ZYPPER_VALUE_OPTS)
                    .into_iter()
                    .filter(|p| !p.contains(['=', '<', '>', '$', '/']) && !p.ends_with(".rpm"))
                    .collect();
                if !unpinned.is_empty() {
                    let fix = pin_fix(&unpinned, "=");
                    ctx.at("df-zypper-pin", ins, pos, evidence(), Some(fix));
                }
                facts.pending.push(Pending {
                    concept: "df-zypper-clean",
                    pos,
                    evidence: evidence(),
                    fix: Some("end the RUN with '&& zypper clean'".to_owned()),
                    cleaned_by: Some("zypper"),
                    cache_dir: "/var/cache/zypp",
                    final_only: true,
                });
            }
        }
        "clean" | "cc" => {
            facts.cleaned.insert("zypper");
        }
        "refresh" | "ref" if !facts.installs_after(pos) => {
            ctx.at("df-update-alone", ins, pos, evidence(), None);
        }
        _ => {}
    }
}

fn pip_install(
    ctx: &mut Ctx<'_>,
    ins: &Instruction,
    cmd: &SimpleCommand,
    pos: Pos,
    pip: &[String],
    state: &StageState,
) {
    let evidence = || cmd.text.clone();
    if pip.iter().any(|a| a == "--trusted-host" || a.starts_with("--trusted-host=")) {
        ctx.at("df-pip-trusted-host", ins, pos, evidence(), None);
    }
    let Some((sub, "install")) = subcommand(pip, PIP_VALUE_OPTS) else {
        return;
    };
    let no_cache =
        pip.iter().any(|a| a == "--no-cache-dir") || state.pip_no_cache_env || cache_mount(ins, ".cache/pip");
    if !no_cache {
        let fix = insert_after(cmd, "install", "--no-cache-dir");
        ctx.at("df-pip-no-cache", ins, pos, evidence(), Some(fix));
    }
    let unpinned: Vec<&str> = operands(pip, sub + 1, PIP_VALUE_OPTS)
        .into_iter()
        .filter(|p| {
            let local = p.starts_with(['.', '/', '$'])
                || p.contains("://")
                || [".whl", ".tar.gz", ".zip"].iter().any(|x| p.ends_with(x));
            !local && !p.contains(['=', '<', '>', '~', '@'])
        })
        .collect();
    if !unpinned.is_empty() {
        let fix = pin_fix(&unpinned, "==");
        ctx.at("df-pip-pin", ins, pos, evidence(), Some(fix));
    }
}
