//! Checks that only run when the user configures them ([`Settings`]): base images from a registry
//! outside the allow-list, a label schema for the final image, reporting inline ignore pragmas, and
//! ShellCheck over RUN scripts ([`super::shellcheck`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::str::FromStr;

use hullguard_report::time::is_rfc3339_date_time;

use super::super::parse::Instruction;
use super::{Ctx, Hit, Pos, env, evidence_of};

/// What a user configures for the Dockerfile checks. The default runs every check that needs no
/// configuration.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Checks to leave out: ids (`HG-DF-012`) or concept keys (`df-sudo`).
    pub skip: Vec<String>,
    /// Registries base images may come from (`docker.io`, `ghcr.io`, `registry.example:5000`,
    /// `*.example.com`); empty: `df-base-untrusted-registry` is off.
    pub trusted_registries: Vec<String>,
    /// Labels the final image must carry and the format of their values; empty: the label-schema
    /// checks are off.
    pub label_schema: BTreeMap<String, LabelFormat>,
    /// With a schema, also report labels the schema does not name (`df-label-superfluous`).
    pub strict_labels: bool,
    /// Report every inline ignore pragma (`df-inline-ignore`); the pragmas still apply.
    pub report_ignore_pragmas: bool,
    /// The ShellCheck program that reads RUN scripts (`df-shellcheck`); `None`: off.
    pub shellcheck: Option<PathBuf>,
}

/// The format a label value must have under a label schema (the names hadolint's schema uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelFormat {
    /// Any non-empty text.
    Text,
    /// An absolute URL (`df-label-url`).
    Url,
    /// An RFC 3339 date-time (`df-label-rfc3339`).
    Rfc3339,
    /// An SPDX licence expression (`df-label-spdx`).
    Spdx,
    /// A full git commit hash, SHA-1 or SHA-256 (`df-label-git-hash`).
    Hash,
    /// A semantic version (`df-label-semver`).
    Semver,
    /// An e-mail address (`df-label-email`).
    Email,
}

impl FromStr for LabelFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "text" => Self::Text,
            "url" => Self::Url,
            "rfc3339" => Self::Rfc3339,
            "spdx" => Self::Spdx,
            "hash" => Self::Hash,
            "semver" => Self::Semver,
            "email" => Self::Email,
            other => {
                return Err(format!(
                    "unknown label format '{other}' (expected text, url, rfc3339, spdx, hash, semver or email)"
                ));
            }
        })
    }
}

impl LabelFormat {
    /// The concept reporting a value of this format that does not parse, and whether `value` parses.
    fn judge(self, value: &str) -> Option<(&'static str, bool)> {
        Some(match self {
            Self::Text => return None,
            Self::Url => ("df-label-url", is_url(value)),
            Self::Rfc3339 => ("df-label-rfc3339", is_rfc3339_date_time(value)),
            Self::Spdx => ("df-label-spdx", spdx::Expression::parse(value).is_ok()),
            Self::Hash => ("df-label-git-hash", is_git_hash(value)),
            Self::Semver => ("df-label-semver", semver::Version::parse(value).is_ok()),
            Self::Email => ("df-label-email", is_email(value)),
        })
    }
}

pub(super) fn check(ctx: &mut Ctx<'_>, settings: &Settings, text: &[u8]) {
    if !settings.trusted_registries.is_empty() {
        registries(ctx, &settings.trusted_registries);
    }
    if !settings.label_schema.is_empty() {
        labels(ctx, settings);
    }
    if settings.report_ignore_pragmas {
        pragmas(ctx, text);
    }
    if let Some(program) = &settings.shellcheck {
        super::shellcheck::check(ctx, program, &settings.skip);
    }
}

/// Flags base images (and `COPY --from` images) from a registry outside the allow-list.
fn registries(ctx: &mut Ctx<'_>, trusted: &[String]) {
    let stages = &ctx.df.stages;
    for stage in stages {
        let earlier = &stages[..stage.index];
        let base = stage.base.as_str();
        if !stage.base_unresolved
            && !base.eq_ignore_ascii_case("scratch")
            && !earlier.iter().any(|s| super::alias_is(s, base))
        {
            untrusted(ctx, &stage.from, base, trusted);
        }
        for ins in stage.instructions.iter().filter(|i| i.keyword == "COPY") {
            if let Some(from) = ins.flag("from")
                && !from.contains('$')
                && from.contains([':', '/', '@', '.'])
                && !earlier.iter().any(|s| super::alias_is(s, from))
            {
                untrusted(ctx, ins, from, trusted);
            }
        }
    }
}

fn untrusted(ctx: &mut Ctx<'_>, ins: &Instruction, image: &str, trusted: &[String]) {
    let registry = registry_of(image);
    let allowed = trusted.iter().any(|t| {
        let t = t.to_ascii_lowercase();
        match t.strip_prefix("*.") {
            Some(suffix) => registry.strip_suffix(suffix).is_some_and(|head| head.ends_with('.')),
            None => registry == normalise_registry(&t),
        }
    });
    if !allowed {
        let fix = format!("use a base image from a trusted registry ({}) instead of {registry}", trusted.join(", "));
        ctx.on("df-base-untrusted-registry", ins, Some(fix));
    }
}

/// The registry an image reference pulls from, lower-cased: the first path component when it
/// looks like a host (has `.` or `:`, or is `localhost`), else Docker Hub (`docker.io`).
fn registry_of(image: &str) -> String {
    match image.split_once('/') {
        Some((host, _)) if host.contains(['.', ':']) || host == "localhost" => {
            normalise_registry(&host.to_ascii_lowercase())
        }
        _ => "docker.io".to_owned(),
    }
}

/// Docker Hub's other names map to `docker.io`.
fn normalise_registry(host: &str) -> String {
    match host {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => "docker.io".to_owned(),
        other => other.to_owned(),
    }
}

/// The label schema: labels of the final image that are missing, outside a strict schema, or
/// whose value has the wrong format. Values with variables are not judged (unknown at lint time).
fn labels(ctx: &mut Ctx<'_>, settings: &Settings) {
    let schema = &settings.label_schema;
    let chain = ctx.final_chain();
    let mut present: BTreeSet<String> = BTreeSet::new();
    for stage in chain.iter().rev() {
        for ins in stage.instructions.iter().filter(|i| i.keyword == "LABEL") {
            for (key, value) in env::pairs(ins) {
                match schema.get(&key) {
                    None if settings.strict_labels => {
                        let fix = format!("remove label '{key}' or add it to the label schema");
                        ctx.at(
                            "df-label-superfluous",
                            ins,
                            Pos::start_of(ins),
                            format!("LABEL {key}={value}"),
                            Some(fix),
                        );
                    }
                    None => {}
                    Some(format) => {
                        if !value.is_empty()
                            && !value.contains('$')
                            && let Some((concept, false)) = format.judge(&value)
                        {
                            let fix = format!("label '{key}' must be {}", describe(*format));
                            ctx.at(concept, ins, Pos::start_of(ins), format!("LABEL {key}={value}"), Some(fix));
                        }
                    }
                }
                present.insert(key);
            }
        }
    }
    let Some(last) = chain.first() else {
        return;
    };
    for (key, format) in schema {
        if !present.contains(key) {
            let fix = format!("add LABEL {key}=<{}> to the final stage", describe(*format));
            let evidence = format!("{} (no label {key})", evidence_of(&last.from));
            ctx.at("df-label-missing", &last.from, Pos::start_of(&last.from), evidence, Some(fix));
        }
    }
}

fn describe(format: LabelFormat) -> &'static str {
    match format {
        LabelFormat::Text => "text",
        LabelFormat::Url => "a URL",
        LabelFormat::Rfc3339 => "an RFC 3339 time",
        LabelFormat::Spdx => "an SPDX licence expression",
        LabelFormat::Hash => "a full git commit hash",
        LabelFormat::Semver => "a semantic version",
        LabelFormat::Email => "an e-mail address",
    }
}

/// One `df-inline-ignore` hit per line carrying an ignore pragma.
fn pragmas(ctx: &mut Ctx<'_>, text: &[u8]) {
    for p in super::pragma_lines(text) {
        ctx.hits.push(Hit {
            concept: "df-inline-ignore",
            line: p.line,
            column: None,
            end_line: None,
            anchor: p.line,
            evidence: super::truncate(p.comment.trim()),
            fix: None,
        });
    }
}

/// An absolute URL with a scheme and a host.
fn is_url(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|u| u.has_host())
}

/// A full git commit hash: 40 (SHA-1) or 64 (SHA-256) hex digits.
fn is_git_hash(value: &str) -> bool {
    matches!(value.len(), 40 | 64) && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// An RFC 5322 `addr-spec` in its common form: a dot-atom or quoted local part, `@`, and a
/// dot-atom domain with at least two labels (or a bracketed address literal).
fn is_email(value: &str) -> bool {
    const ATEXT: &str = "!#$%&'*+-/=?^_`{|}~";
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    let dot_atom = |s: &str| {
        !s.is_empty()
            && s.split('.')
                .all(|atom| !atom.is_empty() && atom.chars().all(|c| c.is_ascii_alphanumeric() || ATEXT.contains(c)))
    };
    let quoted = local.len() >= 2
        && local.starts_with('"')
        && local.ends_with('"')
        && !local[1..local.len() - 1].contains(['"', '\\']);
    let local_ok = local.len() <= 64 && (dot_atom(local) || quoted);
    let domain_ok = if domain.starts_with('[') && domain.ends_with(']') {
        domain.len() > 2
    } else {
        domain.contains('.')
            && domain.split('.').all(|l| {
                !l.is_empty()
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
    };
    local_ok && domain_ok && value.len() <= 254
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_of_references() {
        for (image, registry) in [
            ("debian:12", "docker.io"),
            ("library/debian:12", "docker.io"),
            ("bitnami/redis", "docker.io"),
            ("ghcr.io/org/app:1", "ghcr.io"),
            ("Registry.Example:5000/app", "registry.example:5000"),
            ("localhost/app", "localhost"),
            ("index.docker.io/library/debian", "docker.io"),
        ] {
            assert_eq!(registry_of(image), registry, "{image}");
        }
    }

    #[test]
    fn email_values() {
        for ok in ["ops@example.com", "first.last+tag@mail.example.org", "\"odd name\"@example.com", "a@[192.0.2.1]"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in
            ["ops", "ops@", "@example.com", "ops@localhost", "a..b@example.com", "a@-x.com", "Ops <ops@example.com>"]
        {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn git_hash_and_url_values() {
        assert!(is_git_hash("0123456789abcdef0123456789abcdef01234567"));
        assert!(is_git_hash(&"a".repeat(64)));
        assert!(!is_git_hash("0123456"));
        assert!(!is_git_hash("g123456789abcdef0123456789abcdef01234567"));
        assert!(is_url("https://example.com/repo"));
        assert!(!is_url("example.com/repo"));
        assert!(!is_url("mailto:ops@example.com"));
    }

    #[test]
    fn formats_parse_by_name() {
        assert_eq!("semver".parse::<LabelFormat>(), Ok(LabelFormat::Semver));
        assert!("date".parse::<LabelFormat>().unwrap_err().contains("unknown label format 'date'"));
    }
}
