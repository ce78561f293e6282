//! Checks on ENV/ARG (and shell-assigned) variables, and on secret files copied into the image.
//!
//! `df-secrets` judges variable *names*, because a value passed with `--build-arg` is just as
//! visible in the image history as a default written in the file. Names that point at a secret
//! instead of holding it (`*_FILE`, `*_PATH`, `*_URL`, …: [`hullguard_secrets::is_secret_name`])
//! are exempt. Evidence masks values ([`hullguard_secrets::mask_value`]).

use std::collections::BTreeSet;

use hullguard_secrets::{is_secret_name, mask_assignment};

use super::super::parse::Instruction;
use super::super::shell::split_words;
use super::{Ctx, Pos, packages};

/// File names that hold private keys or credentials.
const SECRET_FILES: &[&str] = &[
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    ".netrc",
    ".git-credentials",
    ".pypirc",
    ".env",
    "credentials.json",
];
/// File extensions of private keys and key stores.
const SECRET_EXTENSIONS: &[&str] = &[".key", ".p12", ".pfx", ".jks"];

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let df = ctx.df;
    // Variables defined so far (any stage; checks stay conservative for self-references).
    let mut defined: BTreeSet<String> = BTreeSet::new();
    let all = df.global_args.iter().chain(df.stages.iter().flat_map(|s| s.instructions.iter()));
    for ins in all {
        match ins.keyword.as_str() {
            "ENV" | "ARG" => {
                if ins.keyword == "ENV" {
                    self_reference(ctx, ins, &defined);
                }
                let pairs = pairs(ins);
                defined.extend(pairs.iter().map(|(k, _)| k.clone()));
                for (name, value) in pairs {
                    if is_secret_name(&name) {
                        let shown = if value.is_empty() { name.clone() } else { mask_assignment(&name, &value) };
                        let evidence = format!("{} {shown}", ins.keyword);
                        ctx.at("df-secrets", ins, Pos::start_of(ins), evidence, None);
                    }
                    // `ARG NAME` without a default sets nothing.
                    if ins.keyword == "ENV" || !value.is_empty() {
                        var_hit(ctx, ins, Pos::start_of(ins), &name, &value);
                    }
                }
            }
            "COPY" | "ADD" if ins.flag("from").is_none() => secret_files(ctx, ins),
            _ => {}
        }
    }
}

/// `(name, value)` pairs of an ENV, LABEL or ARG instruction (`ENV a=1 b=2`, legacy `ENV a 1`,
/// `ARG a`).
pub(super) fn pairs(ins: &Instruction) -> Vec<(String, String)> {
    let words = split_words(&ins.text());
    match words.first() {
        Some(first) if ins.keyword != "ARG" && !first.contains('=') => {
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

/// Flags variables that switch off TLS verification, with the values that really do:
/// `NODE_TLS_REJECT_UNAUTHORIZED` only when `0` (Node's documentation), `PYTHONHTTPSVERIFY`
/// only when `0` (PEP 493), `GIT_SSL_NO_VERIFY` with any value, even `false` or empty (git reads
/// only whether it is set), `NPM_CONFIG_STRICT_SSL` (any case of the name) when npm reads the
/// value as false ([`packages::npm_false`]).
pub(super) fn var_hit(ctx: &mut Ctx<'_>, ins: &Instruction, pos: Pos, name: &str, value: &str) {
    let value = value.trim_matches(['"', '\'']);
    let evidence = || format!("{name}={value}");
    let concept = match name {
        "NODE_TLS_REJECT_UNAUTHORIZED" if value == "0" => "df-env-node-tls-reject",
        "PYTHONHTTPSVERIFY" if value == "0" => "df-env-python-https-verify",
        "GIT_SSL_NO_VERIFY" => "df-env-git-ssl-no-verify",
        "PIP_TRUSTED_HOST" if !value.is_empty() => "df-pip-trusted-host",
        _ if name.eq_ignore_ascii_case("NPM_CONFIG_STRICT_SSL") && packages::npm_false(value) => {
            "df-npm-strict-ssl-off"
        }
        _ => return,
    };
    ctx.at(concept, ins, pos, evidence(), None);
}

fn secret_files(ctx: &mut Ctx<'_>, ins: &Instruction) {
    let words = ins.words();
    let Some((_, sources)) = words.split_last() else {
        return;
    };
    for src in sources {
        let lower = src.to_ascii_lowercase();
        let base = lower.rsplit('/').next().unwrap_or(&lower);
        let aws = lower.ends_with(".aws/credentials");
        if aws || SECRET_FILES.contains(&base) || SECRET_EXTENSIONS.iter().any(|x| base.ends_with(x)) {
            let evidence = format!("{} {src}", ins.keyword);
            ctx.at("df-secrets", ins, Pos::start_of(ins), evidence, None);
        }
    }
}

/// Flags `ENV a=1 b=$a`: `$a` is expanded before `a` is set, unless it was defined earlier.
fn self_reference(ctx: &mut Ctx<'_>, ins: &Instruction, defined: &BTreeSet<String>) {
    let pairs = pairs(ins);
    for (i, (_, value)) in pairs.iter().enumerate() {
        let refers = pairs[..i].iter().any(|(name, _)| {
            !defined.contains(name)
                && (value.contains(&format!("${{{name}}}"))
                    || value.contains(&format!("${{{name}:"))
                    || value.match_indices(&format!("${name}")).any(|(at, m)| {
                        !value[at + m.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                    }))
        });
        if refers {
            ctx.on("df-env-self-reference", ins, None);
            return;
        }
    }
}
