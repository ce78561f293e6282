//! Terminal plumbing shared by commands: the one warning printer, report output, table style,
//! progress bar, broken pipes, human sizes, redaction.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use hullguard_report::text::escape_control;
use hullguard_report::vuln::TableStyle;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How many warnings of one kind are printed before the rest are only counted.
const SHOWN_PER_KIND: usize = 3;

/// What makes warnings "the same": the text after the leading subject (`/app/x.jar!/y.jar: `),
/// so one problem repeated for thousands of paths is one kind.
fn warning_kind(warning: &str) -> &str {
    warning.split_once(": ").map_or(warning, |(_, rest)| rest)
}

/// Prints `warnings` on stderr as `hullguard: warning: …` lines, control characters escaped
/// (they come from images and files); nothing when `quiet`. Of each kind of warning the first
/// [`SHOWN_PER_KIND`] are printed, then one line counts the rest.
pub fn warn<S: AsRef<str>>(warnings: impl IntoIterator<Item = S>, quiet: bool) {
    if quiet {
        return;
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut kinds: Vec<String> = Vec::new();
    let mut err = std::io::stderr().lock();
    for w in warnings {
        let w = w.as_ref();
        let kind = warning_kind(w);
        let n = seen.entry(kind.to_owned()).or_insert_with(|| {
            kinds.push(kind.to_owned());
            0
        });
        *n += 1;
        if *n <= SHOWN_PER_KIND {
            let _ = writeln!(err, "hullguard: warning: {}", escape_control(w));
        }
    }
    for kind in kinds {
        let more = seen[&kind].saturating_sub(SHOWN_PER_KIND);
        if more > 0 {
            let _ = writeln!(err, "hullguard: warning: … and {more} more: {}", escape_control(&kind));
        }
    }
}

/// Writes a rendered report to `output`, or to stdout when `None`.
pub fn write_report(text: &str, output: Option<&Path>) -> Result<()> {
    match output {
        Some(path) => std::fs::write(path, text).with_context(|| path.display().to_string()),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            Ok(out.flush()?)
        }
    }
}

/// How a table goes to `output` (stdout when `None`): colours only on a terminal without
/// `NO_COLOR`; the width of `COLUMNS`, else of the terminal, else none (files and pipes).
pub fn table_style(output: Option<&Path>) -> TableStyle {
    let terminal = output.is_none() && std::io::stdout().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let columns = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok()).filter(|&c| c > 0);
    let width = match output {
        Some(_) => None,
        None => columns
            .or_else(|| if terminal { terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)) } else { None }),
    };
    TableStyle { colour: terminal && !no_color, width }
}

/// A byte-counting progress bar on stderr, hidden when stderr is not a terminal or `--quiet`.
pub fn progress(quiet: bool, message: &str) -> (ProgressBar, Arc<dyn Fn(u64) + Send + Sync>) {
    let bar = if quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {bytes} read ({bytes_per_sec}, {elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(escape_control(message).into_owned());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    };
    let counter = bar.clone();
    (bar, Arc::new(move |n| counter.inc(n)))
}

/// Whether an error is a closed stdout (`hullguard … | head`), which is not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|e| e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

/// `1.5 MiB`-style sizes.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    #[allow(clippy::cast_precision_loss)]
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[unit]) }
}

/// Words in an environment variable name that mark its value as secret.
const SECRET_WORDS: [&str; 8] =
    ["SECRET", "PASSWORD", "PASSWD", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL"];

/// Whether a variable name suggests its value is a secret.
fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| upper.contains(w)) || upper.ends_with("_KEY") && !upper.ends_with("PUB_KEY")
}

/// Mask a secret value: its first 4 characters, then `*****`.
pub fn mask(value: &str) -> String {
    let head: String = value.chars().take(4).collect();
    format!("{head}*****")
}

/// Redact the values of secret-looking `NAME=value` assignments in free text (env entries,
/// history commands), leaving everything else as it was.
pub fn redact_assignments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        match word.split_once('=') {
            Some((name, value))
                if !value.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && is_secret_name(name) =>
            {
                out.push_str(name);
                out.push('=');
                out.push_str(&mask(value));
            }
            _ => out.push_str(word),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_secret_assignments_only() {
        assert_eq!(
            redact_assignments("ENV AWS_DEFAULT_REGION=eu-west-1 AWS_SECRET_ACCESS_KEY=yytVNcaKQUY6vCPe6fSt"),
            "ENV AWS_DEFAULT_REGION=eu-west-1 AWS_SECRET_ACCESS_KEY=yytV*****"
        );
        assert_eq!(redact_assignments("PATH=/usr/bin"), "PATH=/usr/bin");
        assert_eq!(redact_assignments("DB_PASSWORD=hunter2"), "DB_PASSWORD=hunt*****");
        assert_eq!(redact_assignments("GPG_KEY=abcdef"), "GPG_KEY=abcd*****");
    }

    #[test]
    fn warning_kinds_drop_the_subject() {
        assert_eq!(warning_kind("/a.jar!/b.jar: java-archive: nested too deep"), "java-archive: nested too deep");
        assert_eq!(warning_kind("no subject"), "no subject");
    }

    #[test]
    fn sizes() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(28_187_897), "26.9 MiB");
    }
}
