//! Terminal plumbing shared by commands: the one warning printer, report output, table style,
//! progress bar, broken pipes, human sizes.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use hullguard_report::render::TableStyle;
use hullguard_report::text::escape_control;
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
    let mut out = report_writer(output)?;
    out.write_all(text.as_bytes())?;
    Ok(out.flush()?)
}

/// A buffered writer to `output`, or to stdout when `None`, for reports written as they are made.
pub fn report_writer(output: Option<&Path>) -> Result<Box<dyn Write>> {
    Ok(hullguard_report::render::output(output)?)
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
    TableStyle { colour: terminal && !no_color, width, ..TableStyle::default() }
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

#[cfg(test)]
mod tests {
    use super::*;

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
