//! hullguard's one masking policy, for every place a secret could be shown: secret findings,
//! image and Dockerfile check evidence, `inspect`.
//!
//! **Policy**: a secret of fewer than 12 characters is masked whole; a longer one keeps its first
//! quarter, at most 4 characters. The hidden part is always `*****`, whatever its length, so the
//! length does not show either. Quotes around a value are not part of it.

/// What replaces the hidden part of a secret.
pub const MASK: &str = "*****";

/// Secrets shorter than this many characters are masked whole.
const MIN_SHOWN_LEN: usize = 12;

/// At most this many leading characters of a secret are shown.
const MAX_SHOWN: usize = 4;

/// How many leading characters of a secret `len` characters long are shown.
#[must_use]
pub fn shown_chars(len: usize) -> usize {
    if len < MIN_SHOWN_LEN { 0 } else { (len / 4).min(MAX_SHOWN) }
}

/// `value` masked: its first [`shown_chars`] characters, then [`MASK`].
#[must_use]
pub fn mask_value(value: &str) -> String {
    let value = value.trim_matches(['"', '\'']);
    let mut out: String = value.chars().take(shown_chars(value.chars().count())).collect();
    out.push_str(MASK);
    out
}

/// `NAME=value` with the value masked; an empty value stays empty (`NAME=`).
#[must_use]
pub fn mask_assignment(name: &str, value: &str) -> String {
    if value.is_empty() { format!("{name}=") } else { format!("{name}={}", mask_value(value)) }
}

/// `text` (an environment entry, a history step) with the value of every space-separated
/// `NAME=value` word whose name [`is_secret_name`] masked (also `--NAME=value`); everything
/// else as it was.
#[must_use]
pub fn mask_assignments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        match word.split_once('=') {
            Some((name, value)) if !value.is_empty() && is_secret_name(name.trim_start_matches("--")) => {
                out.push_str(&mask_assignment(name, value));
            }
            _ => out.push_str(word),
        }
    }
    out
}

/// Name fragments (lower-case, separators removed) that mark a secret.
const SECRET_WORDS: &[&str] =
    &["password", "passwd", "secret", "token", "apikey", "accesskey", "privatekey", "credential", "authkey"];

/// Name suffixes (separators normalised to `_`) of names that point at or describe a secret
/// instead of holding it.
const REFERENCE_SUFFIXES: &[&str] = &[
    "_file",
    "_path",
    "_dir",
    "_filename",
    "_location",
    "_url",
    "_uri",
    "_endpoint",
    "_host",
    "_port",
    "_name",
    "_user",
    "_username",
    "_type",
    "_length",
    "_ttl",
    "_expiry",
    "_expires",
];

/// True for a variable, argument or label name that holds a secret (`AWS_SECRET_ACCESS_KEY`,
/// `DB_PASSWORD`, `com.example.api-token`), false for names that point at or describe one
/// (`PASSWORD_FILE`, `TOKEN_URL`).
#[must_use]
pub fn is_secret_name(name: &str) -> bool {
    let lower: String =
        name.to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if REFERENCE_SUFFIXES.iter().any(|s| lower.ends_with(s)) {
        return false;
    }
    let squashed: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
    SECRET_WORDS.iter().any(|w| squashed.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secrets_are_masked_whole_long_ones_show_a_quarter_at_most_four() {
        assert_eq!(mask_value("hunter2"), "*****");
        assert_eq!(mask_value("elevenchars"), "*****");
        assert_eq!(mask_value("twelve-chars"), "twe*****");
        assert_eq!(mask_value("'quoted-secret'"), "quo*****");
        assert_eq!(mask_value("yytVNcaKQUY6vCPe6fSt"), "yytV*****");
        assert_eq!(mask_value("ééééééééééééééé"), "ééé*****");
        assert_eq!(mask_value(""), "*****");
        for len in 0..100 {
            assert!(shown_chars(len) <= 4 && shown_chars(len) * 4 <= len, "{len}");
        }
    }

    #[test]
    fn assignments() {
        assert_eq!(mask_assignment("DB_PASSWORD", "hunter2"), "DB_PASSWORD=*****");
        assert_eq!(mask_assignment("ARG_TOKEN", ""), "ARG_TOKEN=");
        assert_eq!(
            mask_assignments("ENV AWS_DEFAULT_REGION=eu-west-1 AWS_SECRET_ACCESS_KEY=yytVNcaKQUY6vCPe6fSt"),
            "ENV AWS_DEFAULT_REGION=eu-west-1 AWS_SECRET_ACCESS_KEY=yytV*****"
        );
        assert_eq!(mask_assignments("DB_PASSWORD=hunter2 PATH=/usr/bin"), "DB_PASSWORD=***** PATH=/usr/bin");
        assert_eq!(mask_assignments("run --api-token=abcdefabcdefabcdef"), "run --api-token=abcd*****");
        assert_eq!(mask_assignments("PASSWORD_FILE=/run/secrets/db"), "PASSWORD_FILE=/run/secrets/db");
    }

    #[test]
    fn secret_names() {
        for yes in
            ["AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "GITHUB_TOKEN", "api_key", "com.example.api-token", "passwd"]
        {
            assert!(is_secret_name(yes), "{yes}");
        }
        for no in [
            "PASSWORD_FILE",
            "TOKEN_URL",
            "PATH",
            "AWS_DEFAULT_REGION",
            "SECRET_NAME",
            "org.opencontainers.image.title",
        ] {
            assert!(!is_secret_name(no), "{no}");
        }
    }
}
