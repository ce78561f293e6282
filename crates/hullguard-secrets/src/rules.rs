//! The built-in rules: metadata ([`RuleInfo`]) plus how each one matches and validates.

use std::ops::Range;

use hullguard_report::Severity;
use regex::bytes::{Captures, Regex};

use crate::allow::FileKind;
use crate::text::{base62, base64_decode, char_classes, crc32, entropy, longest_run, looks_fake};

/// What a rule is: its stable id, the provider it belongs to, and how bad a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    /// Stable kebab-case id (`aws-access-key-id`); findings carry it as `rule_id`.
    pub id: &'static str,
    /// Provider or kind of credential (`AWS`, `GitHub`, `PrivateKey`, `Generic` …).
    pub category: &'static str,
    /// One-line title for reports.
    pub title: &'static str,
    /// Severity of a finding.
    pub severity: Severity,
    /// Keywords of the prefilter: the rule only runs on files holding one of them.
    pub keywords: &'static [&'static str],
    /// Whether the keywords are matched case-sensitively.
    pub case_sensitive: bool,
}

/// One candidate secret a rule found.
pub(crate) struct Hit {
    /// Where the finding is reported (its line and column).
    pub anchor: usize,
    /// End of the whole match (for `end_line`).
    pub end: usize,
    /// The secret itself: what is redacted and what cannot overlap another hit.
    pub secret: Range<usize>,
    /// The value the fingerprint is computed over (normalised where the rule says so).
    pub value: Vec<u8>,
}

/// Context a validator sees.
pub(crate) struct Ctx<'a> {
    pub content: &'a [u8],
    pub kind: FileKind,
}

type Check = fn(&Ctx<'_>, &Captures<'_>) -> bool;

pub(crate) enum Matcher {
    /// A regex whose group 1 is the secret; `check` accepts or rejects each match.
    Regex { pattern: &'static str, check: Check },
    /// PEM / OpenSSH / PGP private key blocks.
    PrivateKey,
    /// `password = …` style assignments.
    Generic,
}

pub(crate) struct RuleDef {
    pub info: RuleInfo,
    pub matcher: Matcher,
}

const fn info(
    id: &'static str,
    category: &'static str,
    title: &'static str,
    severity: Severity,
    keywords: &'static [&'static str],
    case_sensitive: bool,
) -> RuleInfo {
    RuleInfo { id, category, title, severity, keywords, case_sensitive }
}

/// Every built-in rule, most specific first: when two hits overlap, the earlier rule wins.
pub(crate) static RULES: &[RuleDef] = &[
    RuleDef {
        info: info(
            "aws-access-key-id",
            "AWS",
            "AWS access key ID",
            Severity::Critical,
            &["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
            true,
        ),
        matcher: Matcher::Regex {
            pattern: r"(?-u)(?:^|[^0-9A-Za-z_])((?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16})(?:[^0-9A-Za-z_]|$)",
            check: check_token,
        },
    },
    RuleDef {
        info: info(
            "aws-secret-access-key",
            "AWS",
            "AWS secret access key",
            Severity::Critical,
            &["aws", "secretaccess", "secret_access", "secret-access"],
            false,
        ),
        matcher: Matcher::Regex {
            pattern: r#"(?-u)(?i:aws[0-9a-z_.-]{0,20}secret[0-9a-z_.-]{0,20}|secret[_.-]?access[_.-]?key[0-9a-z_.-]{0,10})["']?[ \t]*(?:=|:=|:|=>)[ \t]*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
            check: check_aws_secret,
        },
    },
    RuleDef {
        info: info("github-pat", "GitHub", "GitHub personal access token", Severity::Critical, &["ghp_"], true),
        matcher: Matcher::Regex {
            pattern: r"(?-u)(?:^|[^0-9A-Za-z_])(ghp_[0-9A-Za-z]{36})(?:[^0-9A-Za-z_]|$)",
            check: check_github_checksum,
        },
    },
    RuleDef {
        info: info(
            "github-fine-grained-pat",
            "GitHub",
            "GitHub fine-grained personal access token",
            Severity::Critical,
            &["github_pat_"],
            true,
        ),
        matcher: Matcher::Regex {
            pattern: r"(?-u)(?:^|[^0-9A-Za-z_])(github_pat_[0-9A-Za-z]{22}_[0-9A-Za-z]{59})(?:[^0-9A-Za-z_]|$)",
            check: check_token,
        },
    },
    RuleDef {
        info: info(
            "github-oauth-token",
            "GitHub",
            "GitHub OAuth, user-to-server, server-to-server or refresh token",
            Severity::Critical,
            &["gho_", "ghu_", "ghs_", "ghr_"],
            true,
        ),
        matcher: Matcher::Regex {
            pattern: r"(?-u)(?:^|[^0-9A-Za-z_])(gh[ousr]_[0-9A-Za-z]{36})(?:[^0-9A-Za-z_]|$)",
            check: check_github_checksum,
        },
    },
    RuleDef {
        info: info("gitlab-pat", "GitLab", "GitLab personal access token", Severity::Critical, &["glpat-"], true),
        matcher: Matcher::Regex {
            pattern: r"(?-u)(?:^|[^0-9A-Za-z_-])(glpat-[0-9A-Za-z_-]{20}(?:[0-9A-Za-z_-]{0,60}\.[0-9a-z]{2}\.[0-9a-z]{9})?)(?:[^0-9A-Za-z_.-]|$)",
            check: check_token,
        },
    },
    RuleDef {
        info: info("slack-token", "Slack", "Slack token", Severity::High, &["xox"], true),
        matcher: Matcher::Regex {
            pattern: r"(?-u)(?:^|[^0-9A-Za-z_-])(xox[abprs]-[0-9]{1,14}-[0-9A-Za-z][0-9A-Za-z-]{18,120})(?:[^0-9A-Za-z_-]|$)",
            check: check_token,
        },
    },
    RuleDef {
        info: info(
            "slack-webhook-url",
            "Slack",
            "Slack incoming webhook URL",
            Severity::High,
            &["hooks.slack.com"],
            false,
        ),
        matcher: Matcher::Regex {
            pattern: r"(?-u)(https?://hooks\.slack\.com/(?:services|workflows|triggers)/T[0-9A-Z]{6,12}/[0-9A-Z]{6,12}/(?:[0-9]{6,20}/)?[0-9A-Za-z]{20,40})(?:[^0-9A-Za-z]|$)",
            check: check_slack_webhook,
        },
    },
    RuleDef {
        info: info(
            "stripe-secret-key",
            "Stripe",
            "Stripe live secret or restricted key",
            Severity::Critical,
            &["sk_live_", "rk_live_"],
            true,
        ),
        matcher: Matcher::Regex {
            pattern: r"(?-u)(?:^|[^0-9A-Za-z_])((?:sk|rk)_live_[0-9A-Za-z]{24,247})(?:[^0-9A-Za-z_]|$)",
            check: check_token,
        },
    },
    RuleDef {
        info: info("google-api-key", "Google", "Google API key", Severity::High, &["AIza"], true),
        matcher: Matcher::Regex {
            pattern: r"(?-u)(?:^|[^0-9A-Za-z_-])(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)",
            check: check_token,
        },
    },
    RuleDef {
        info: info(
            "gcp-service-account-key",
            "Google",
            "Google Cloud service account key file",
            Severity::Critical,
            &["service_account"],
            false,
        ),
        matcher: Matcher::Regex {
            pattern: r#"(?-u)"private_key"\s*:\s*"(-----BEGIN PRIVATE KEY-----[A-Za-z0-9+/=\\\s]{64,}?-----END PRIVATE KEY-----(?:\\n)?)""#,
            check: check_gcp_service_account,
        },
    },
    RuleDef {
        info: info("npm-access-token", "npm", "npm access token", Severity::Critical, &["npm_"], true),
        matcher: Matcher::Regex {
            pattern: r"(?-u)(?:^|[^0-9A-Za-z_])(npm_[0-9A-Za-z]{36})(?:[^0-9A-Za-z_]|$)",
            check: check_token,
        },
    },
    RuleDef {
        info: info(
            "pypi-upload-token",
            "PyPI",
            "PyPI upload token",
            Severity::Critical,
            &["pypi-AgEIcHlwaS5vcmc", "pypi-AgENdGVzdC5weXBpLm9yZw"],
            true,
        ),
        matcher: Matcher::Regex {
            pattern: r"(?-u)(?:^|[^0-9A-Za-z_-])(pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[0-9A-Za-z_-]{50,})(?:[^0-9A-Za-z_-]|$)",
            check: check_token,
        },
    },
    RuleDef {
        info: info(
            "docker-config-auth",
            "Docker",
            "Registry credentials in a Docker config (auths.*.auth)",
            Severity::High,
            &["\"auth\""],
            false,
        ),
        matcher: Matcher::Regex {
            pattern: r#"(?-u)"auth"\s*:\s*"([A-Za-z0-9+/]{6,}={0,2})""#,
            check: check_docker_auth,
        },
    },
    RuleDef {
        info: info("twilio-api-key", "Twilio", "Twilio API key", Severity::High, &["twilio"], false),
        matcher: Matcher::Regex {
            pattern: r"(?-u)(?:^|[^0-9A-Za-z_])(SK[0-9a-fA-F]{32})(?:[^0-9A-Za-z_]|$)",
            check: check_twilio,
        },
    },
    RuleDef {
        info: info("sendgrid-api-key", "SendGrid", "SendGrid API key", Severity::High, &["SG."], true),
        matcher: Matcher::Regex {
            pattern: r"(?-u)(?:^|[^0-9A-Za-z_-])(SG\.[0-9A-Za-z_-]{22}\.[0-9A-Za-z_-]{43})(?:[^0-9A-Za-z_-]|$)",
            check: check_token,
        },
    },
    RuleDef {
        info: info(
            "private-key",
            "PrivateKey",
            "Private key (PEM, OpenSSH or PGP)",
            Severity::High,
            &["-----BEGIN"],
            true,
        ),
        matcher: Matcher::PrivateKey,
    },
    RuleDef {
        info: info("jwt", "JWT", "JSON Web Token", Severity::Medium, &["eyJ"], true),
        matcher: Matcher::Regex {
            pattern: r"(?-u)(?:^|[^0-9A-Za-z_-])(eyJ[0-9A-Za-z_-]{10,}\.eyJ[0-9A-Za-z_-]{10,}\.[0-9A-Za-z_-]{16,})(?:[^0-9A-Za-z_.-]|$)",
            check: check_jwt,
        },
    },
    RuleDef {
        info: info(
            "database-url-password",
            "Database",
            "Password in a database connection URL",
            Severity::High,
            &["postgres", "mysql", "mariadb", "mongodb", "redis", "amqp", "mssql", "sqlserver", "cockroach"],
            false,
        ),
        matcher: Matcher::Regex {
            pattern: r"(?-u)(?:^|[^0-9A-Za-z_])(?i:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|cockroachdb)(?:\+[0-9a-z]+)?://([^:@/\s'`<>]{0,128}):([^@/\s'`<>]{1,128})@[0-9A-Za-z_\[]",
            check: check_db_url,
        },
    },
    RuleDef {
        info: info(
            "generic-secret-assignment",
            "Generic",
            "Hard-coded password, secret or API key",
            Severity::Medium,
            // Every match of the pattern holds one of these on its line (see `generic_hits`).
            &[
                "pass",
                "pwd",
                "secret",
                "api_key",
                "api.key",
                "apikey",
                "api-key",
                "_token",
                "-token",
                ".token",
                "private_key",
                "private.key",
                "private-key",
                "privatekey",
            ],
            false,
        ),
        matcher: Matcher::Generic,
    },
];

fn group<'c>(caps: &'c Captures<'_>, i: usize) -> &'c [u8] {
    caps.get(i).map_or(&[], |m| m.as_bytes())
}

/// Provider tokens with a fixed prefix: reject examples and placeholders.
fn check_token(_: &Ctx<'_>, caps: &Captures<'_>) -> bool {
    !looks_fake(group(caps, 1))
}

fn check_aws_secret(_: &Ctx<'_>, caps: &Captures<'_>) -> bool {
    let v = group(caps, 1);
    let has_lower = v.iter().any(u8::is_ascii_lowercase);
    let has_upper = v.iter().any(u8::is_ascii_uppercase);
    let has_other = v.iter().any(|b| b.is_ascii_digit() || *b == b'/' || *b == b'+');
    has_lower && has_upper && has_other && entropy(v) >= 4.0 && !looks_fake(v)
}

/// `gh?_` tokens end in a base62 CRC32 of their 30 random characters.
fn check_github_checksum(ctx: &Ctx<'_>, caps: &Captures<'_>) -> bool {
    let v = group(caps, 1);
    let Some(body) = v.get(4..34) else { return false };
    let Some(sum) = v.get(34..40) else { return false };
    base62(crc32(body), 6) == sum && check_token(ctx, caps)
}

fn check_slack_webhook(_: &Ctx<'_>, caps: &Captures<'_>) -> bool {
    let url = group(caps, 1);
    let last = url.rsplit(|&b| b == b'/').next().unwrap_or(url);
    !looks_fake(url) && entropy(last) >= 3.0
}

fn check_gcp_service_account(ctx: &Ctx<'_>, caps: &Captures<'_>) -> bool {
    static TYPE: std::sync::LazyLock<Option<Regex>> =
        std::sync::LazyLock::new(|| Regex::new(r#"(?-u)"type"\s*:\s*"service_account""#).ok());
    TYPE.as_ref().is_some_and(|re| re.is_match(ctx.content)) && plausible_key_material(group(caps, 1))
}

/// `auth` in a Docker config is base64 of `user:password`.
fn check_docker_auth(ctx: &Ctx<'_>, caps: &Captures<'_>) -> bool {
    if memchr::memmem::find(ctx.content, b"\"auths\"").is_none() {
        return false;
    }
    let Some(decoded) = base64_decode(group(caps, 1)) else { return false };
    let Some(colon) = decoded.iter().position(|&b| b == b':') else { return false };
    let (user, password) = (&decoded[..colon], &decoded[colon + 1..]);
    !user.is_empty()
        && password.len() >= 4
        && password.iter().all(|b| b.is_ascii_graphic())
        && !looks_fake(password)
        && !password.eq_ignore_ascii_case(b"password")
}

fn check_twilio(_: &Ctx<'_>, caps: &Captures<'_>) -> bool {
    let hex = group(caps, 1).get(2..).unwrap_or_default();
    let lower = hex.iter().all(|b| !b.is_ascii_uppercase());
    let upper = hex.iter().all(|b| !b.is_ascii_lowercase());
    (lower || upper)
        && hex.iter().any(u8::is_ascii_digit)
        && hex.iter().any(u8::is_ascii_alphabetic)
        && !looks_fake(hex)
}

/// A JWT's header must decode to a JSON object naming an `alg`, its payload to a JSON object.
fn check_jwt(_: &Ctx<'_>, caps: &Captures<'_>) -> bool {
    let token = group(caps, 1);
    let mut parts = token.split(|&b| b == b'.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else { return false };
    let (Some(header), Some(payload)) = (base64_decode(header), base64_decode(payload)) else { return false };
    header.first() == Some(&b'{')
        && memchr::memmem::find(&header, b"\"alg\"").is_some()
        && payload.first() == Some(&b'{')
        && !looks_fake(&payload)
}

/// Passwords that are defaults or placeholders in connection URLs.
const WEAK_URL_PASSWORDS: &[&str] = &[
    "password", "passwd", "pass", "pwd", "secret", "root", "admin", "postgres", "mysql", "redis", "guest", "test",
    "user", "changeme", "mongo", "mongodb", "rabbitmq", "sa",
];

fn check_db_url(_: &Ctx<'_>, caps: &Captures<'_>) -> bool {
    let user = group(caps, 1);
    let password = group(caps, 2);
    password.len() >= 6
        && password != user
        && !matches!(password.first(), Some(b'$' | b'%' | b'{' | b'<' | b'[' | b'*' | b':'))
        && !password.iter().any(|b| matches!(b, b'{' | b'}' | b'$' | b'(' | b')'))
        && !WEAK_URL_PASSWORDS.iter().any(|w| password.eq_ignore_ascii_case(w.as_bytes()))
        && !looks_fake(password)
        && !looks_fake(user)
}

/// Run a regex rule over `content`.
pub(crate) fn regex_hits(re: &Regex, check: Check, ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    for caps in re.captures_iter(ctx.content) {
        // The last group is the secret (the database URL rule captures the user first).
        let Some(secret) = caps.get(caps.len() - 1) else { continue };
        if !check(ctx, &caps) {
            continue;
        }
        out.push(Hit {
            anchor: secret.start(),
            end: secret.end(),
            secret: secret.range(),
            value: secret.as_bytes().to_vec(),
        });
    }
}

/// How far past a `-----BEGIN` header the `-----END` marker is looked for.
const MAX_PEM_BODY: usize = 64 * 1024;

/// Find PEM/OpenSSH/PGP private key blocks with a real base64 body.
pub(crate) fn private_key_hits(header: &Regex, content: &[u8], out: &mut Vec<Hit>) {
    let mut from = 0;
    // The next `-----END` at or after `from`, found once and reused, so that many headers without
    // an end marker cost one pass, not one per header.
    let mut next_end: Option<usize> = None;
    while let Some(m) = header.find_at(content, from) {
        from = m.end();
        if next_end.is_none_or(|e| e < m.end()) {
            match memchr::memmem::find(&content[m.end()..], b"-----END") {
                Some(rel) => next_end = Some(m.end() + rel),
                None => return,
            }
        }
        let Some(end_abs) = next_end else { return };
        if end_abs - m.end() > MAX_PEM_BODY {
            continue;
        }
        let window = &content[m.end()..content.len().min(m.end() + MAX_PEM_BODY + 128)];
        let end_rel = end_abs - m.end();
        let body = &window[..end_rel];
        let Some(normalised) = pem_body(body) else { continue };
        let end_marker = &window[end_rel..];
        let marker_len = end_marker
            .iter()
            .skip(8)
            .position(|&b| b == b'\n' || b == b'"' || b == b'\\')
            .map_or(end_marker.len(), |p| p + 8)
            .min(80);
        if memchr::memmem::find(&end_marker[..marker_len], b"PRIVATE KEY").is_none() {
            continue;
        }
        let body_start =
            m.end() + body.iter().position(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/').unwrap_or(0);
        let end = m.end() + end_rel + marker_len;
        out.push(Hit { anchor: m.start(), end, secret: body_start..m.end() + end_rel, value: normalised });
        from = end;
    }
}

/// The base64 characters of a PEM body (header lines such as `Proc-Type:` dropped, `\n` escapes
/// of JSON or shell strings accepted), or `None` when it is not a plausible key body.
fn pem_body(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    for line in body.split(|&b| b == b'\n') {
        if line.contains(&b':') {
            continue; // `Proc-Type: 4,ENCRYPTED`, `DEK-Info: …`, `Comment: …`, `Version: …`
        }
        for (i, piece) in line.split(|&b| b == b'\\').enumerate() {
            // After a backslash comes an escape letter (`\n`, `\r`, `\t`).
            let piece = if i > 0 { piece.get(1..).unwrap_or_default() } else { piece };
            for &b in piece {
                if is_b64(b) {
                    out.push(b);
                } else if !(b.is_ascii_whitespace() || b == b'"' || b == b'\'') {
                    return None;
                }
            }
        }
    }
    (out.len() >= 64 && plausible_key_material(&out)).then_some(out)
}

/// Long base64 key material: high entropy and no long runs (a placeholder such as `AAAA…` or
/// `xxxx…` fails). The word list of [`looks_fake`] is not used: in a few kilobytes of random
/// base64 such words turn up by chance.
pub(crate) fn plausible_key_material(b64: &[u8]) -> bool {
    entropy(b64) >= 4.5 && longest_run(b64) < 8
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='
}

/// Suffixes of key names that hold something other than the secret itself.
const GENERIC_KEY_SUFFIXES: &[&str] = &[
    "name",
    "ref",
    "file",
    "path",
    "dir",
    "env",
    "type",
    "length",
    "len",
    "size",
    "hash",
    "field",
    "prompt",
    "policy",
    "pattern",
    "regex",
    "label",
    "placeholder",
    "template",
    "provider",
    "store",
    "manager",
    "version",
    "count",
    "format",
    "mode",
    "method",
    "algorithm",
    "backend",
    "header",
    "param",
    "var",
    "variable",
    "url",
    "uri",
    "id",
    "enabled",
    "required",
    "class",
    "key_name",
    "selector",
    "mount",
    "source",
    "command",
    "cmd",
    "location",
    "text",
    "message",
    "msg",
    "error",
    "hint",
    "help",
    "title",
    "description",
    "option",
    "flag",
    "reset",
    "strength",
    "expiry",
    "expires",
    "ttl",
    "timeout",
    "rotation",
    "arn",
    "encryption",
    "cipher",
    "digest",
    "scheme",
    "kdf",
    "rounds",
    "iterations",
    "salt",
    "endpoint",
    "host",
    "port",
    "user",
    "username",
    "login",
];

/// Prefixes of key names that describe a setting about secrets, not a secret.
const GENERIC_KEY_PREFIXES: &[&str] =
    &["is", "has", "use", "enable", "require", "min", "max", "show", "reset", "forgot", "validate", "check", "no"];

/// The words of a key name, lower-cased: split at `_`, `-`, `.` and camelCase humps.
fn key_words(key: &[u8]) -> Vec<Vec<u8>> {
    let mut words: Vec<Vec<u8>> = Vec::new();
    let mut current = Vec::new();
    let mut prev_lower = false;
    for &b in key {
        if !b.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if b.is_ascii_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = b.is_ascii_lowercase() || b.is_ascii_digit();
        current.push(b.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn generic_key_ok(key: &[u8]) -> bool {
    let words = key_words(key);
    let (Some(first), Some(last)) = (words.first(), words.last()) else { return false };
    let is = |w: &[u8], list: &[&str]| list.iter().any(|s| w == s.as_bytes());
    !(is(last, GENERIC_KEY_SUFFIXES) || (words.len() > 1 && is(first, GENERIC_KEY_PREFIXES)))
}

/// A key named only by `token` (`access_token`, `oauth_token`), not by a password, secret or
/// API key word.
fn is_token_key(key: &[u8]) -> bool {
    let lower = key.to_ascii_lowercase();
    let has = |w: &str| memchr::memmem::find(&lower, w.as_bytes()).is_some();
    has("token") && !["pass", "pwd", "secret", "api", "private"].iter().any(|w| has(w))
}

/// Values of generic assignments that are not secrets.
fn generic_value_ok(value: &[u8]) -> bool {
    if value.len() < 8 || value.len() > 256 || !value.iter().all(u8::is_ascii_graphic) {
        return false;
    }
    if value.iter().any(|b| matches!(b, b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'$' | b'%' | b'<' | b'>' | b'\\')) {
        return false;
    }
    if matches!(value.first(), Some(b'/' | b'.' | b'~' | b'#' | b'@' | b'&' | b'*' | b'!' | b'?' | b'=' | b'-'))
        || value.starts_with(b"http")
        || value.starts_with(b"file:")
    {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    let words = [
        "passw",
        "secret",
        "test",
        "fake",
        "mock",
        "none",
        "null",
        "undefined",
        "default",
        "token",
        "apikey",
        "api_key",
        "true",
        "false",
        "enter",
        "string",
        "value",
        "pass123",
        "qwerty",
        "letmein",
    ];
    if words.iter().any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some()) || looks_fake(value) {
        return false;
    }
    if value.iter().all(u8::is_ascii_digit) {
        return false;
    }
    // Identifiers and dotted/kebab names (`my-tls-secret`, `settings.DB_PASS`).
    // Identifiers, CamelCase type names and words: a value without a digit is not reported.
    if !value.iter().any(u8::is_ascii_digit) {
        return false;
    }
    let e = entropy(value);
    let has_letter = value.iter().any(u8::is_ascii_alphabetic);
    has_letter && char_classes(value) >= 2 && if value.len() >= 12 { e >= 3.0 } else { e >= 2.5 }
}

/// `key = value` assignments whose key names a password, secret, token or API key, searched only
/// on `lines`: a match never spans a newline and always holds one of the rule's keywords, so the
/// lines with a keyword are the only ones that can hold one (the regex over a whole window costs
/// far more than over those lines).
pub(crate) fn generic_hits(re: &Regex, ctx: &Ctx<'_>, lines: &[Range<usize>], out: &mut Vec<Hit>) {
    if ctx.kind == FileKind::Doc {
        return;
    }
    for line in lines {
        for caps in re.captures_iter(&ctx.content[line.clone()]) {
            let (Some(key), Some(op), Some(value)) = (caps.get(1), caps.get(2), caps.get(4)) else { continue };
            let quote = group(&caps, 3);
            if matches!(op.as_bytes(), b"==" | b"!=") {
                continue;
            }
            let value_at = line.start + value.start()..line.start + value.end();
            // A quoted value must be the whole string literal.
            if let Some(&q) = quote.first() {
                if ctx.content.get(value_at.end) != Some(&q) {
                    continue;
                }
            } else if ctx.kind == FileKind::Code {
                continue;
            }
            // In program source, `*_token` keys are mostly OAuth plumbing and protocol examples;
            // only password, secret and API key names count there.
            if ctx.kind == FileKind::Code && is_token_key(key.as_bytes()) {
                continue;
            }
            if !generic_key_ok(key.as_bytes()) || !generic_value_ok(value.as_bytes()) {
                continue;
            }
            out.push(Hit {
                anchor: value_at.start,
                end: value_at.end,
                secret: value_at,
                value: value.as_bytes().to_vec(),
            });
        }
    }
}

/// The pattern of the generic rule: group 1 the key, 2 the operator, 3 an opening quote, 4 the value.
pub(crate) const GENERIC_PATTERN: &str = r#"(?-u)(?:^|[^0-9A-Za-z_.-])((?i:[0-9a-z_.-]*(?:passw(?:or)?d|passphrase|pwd|secret|api[_.-]?key|apikey|[0-9a-z][_.-]token|private[_.-]?key)[0-9a-z_.-]*))["']?[ \t]*(:=|=>|==|!=|=|:)[ \t]*(["'`]?)([^\s"'`;,&]{1,256})"#;

/// The header of a private key block.
pub(crate) const PRIVATE_KEY_HEADER: &str = r"(?-u)-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----";
