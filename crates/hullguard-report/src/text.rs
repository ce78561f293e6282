//! Text for terminals. Names, paths, labels and messages come from images and files an attacker
//! may have written; before any of it reaches a terminal, [`escape_control`] makes every control
//! character visible, so that no escape sequence runs and no newline forges a row or a log line.
//! Machine formats (JSON, SARIF, SBOMs) carry the text as it is.
//!
//! The text tables of every command are laid out here too ([`layout`], [`line`]): columns as
//! wide as their content up to a preferred width, narrowed in a given order to fit a terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal raw: C0 and C1 controls, DEL, and the Unicode
/// bidirectional overrides and isolates that reorder what is shown.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every control character written as a visible escape: `\n`, `\r`, `\t`, `\x1b`,
/// `\x00`, `\u{9b}`, `\u{202e}`; everything else unchanged.
#[must_use]
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) && u32::from(c) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

// Text tables: columns as wide as their content, fitted to a terminal width. Every cell is
// expected to be escaped already.

/// The width of `s` on a terminal, counted in characters.
#[must_use]
pub fn width_of(s: &str) -> usize {
    s.chars().count()
}

/// Cuts `s` to `max` characters, marking the cut with `…`.
#[must_use]
pub fn cut(s: &str, max: usize) -> String {
    if width_of(s) <= max {
        return s.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Keeps the last `max` characters of `s`, marking the cut with `…`.
#[must_use]
pub fn cut_left(s: &str, max: usize) -> String {
    let n = width_of(s);
    if n <= max {
        return s.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::from("…");
    out.extend(s.chars().skip(n - max + 1));
    out
}

/// One column of a text table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The heading.
    pub header: &'static str,
    /// The widest it is drawn.
    pub preferred: usize,
    /// Right-aligned (numbers).
    pub right: bool,
    /// Cut from the left, keeping the end (paths).
    pub keep_end: bool,
}

/// A left-aligned column cut at its end.
#[must_use]
pub const fn col(header: &'static str, preferred: usize) -> Column {
    Column { header, preferred, right: false, keep_end: false }
}

/// The narrowest a column shrunk towards 0 is drawn before it is left out.
const MIN_SHOWN: usize = 8;

/// The widths of `columns` for `rows` within `width`, with one space between columns: each
/// column as wide as its content up to its preferred width, then, while the line is too long,
/// each `(column, min)` of `shrink` in turn narrowed down to `min` (a column shrunk towards 0
/// is left out once narrower than [`MIN_SHOWN`]).
#[must_use]
pub fn layout<S: AsRef<str>>(
    columns: &[Column],
    rows: &[Vec<S>],
    width: Option<usize>,
    shrink: &[(usize, usize)],
) -> Vec<usize> {
    let mut widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let content = rows.iter().map(|r| width_of(r[i].as_ref())).max().unwrap_or(0);
            content.min(c.preferred).max(width_of(c.header))
        })
        .collect();
    let Some(width) = width else { return widths };
    let total = |w: &[usize]| {
        let shown: Vec<&usize> = w.iter().filter(|&&x| x > 0).collect();
        shown.iter().copied().sum::<usize>() + shown.len().saturating_sub(1)
    };
    for &(i, min) in shrink {
        let excess = total(&widths).saturating_sub(width);
        if excess == 0 {
            break;
        }
        widths[i] = widths[i].saturating_sub(excess).max(min.min(widths[i]));
        if min == 0 && widths[i] < MIN_SHOWN {
            widths[i] = 0;
        }
    }
    widths
}

/// One line of `cells` laid out in `widths`: a column of width 0 is left out, the last one is
/// not padded.
#[must_use]
pub fn line<S: AsRef<str>>(columns: &[Column], widths: &[usize], cells: &[S]) -> String {
    let shown: Vec<usize> = (0..columns.len()).filter(|&i| widths[i] > 0).collect();
    let mut out = String::new();
    for (n, &i) in shown.iter().enumerate() {
        if n > 0 {
            out.push(' ');
        }
        let (c, w) = (&columns[i], widths[i]);
        let cell = cells[i].as_ref();
        let fitted = if c.keep_end { cut_left(cell, w) } else { cut(cell, w) };
        let pad = " ".repeat(w - width_of(&fitted));
        if c.right {
            out.push_str(&pad);
            out.push_str(&fitted);
        } else {
            out.push_str(&fitted);
            if n + 1 < shown.len() {
                out.push_str(&pad);
            }
        }
    }
    out
}

/// The header line of `columns` laid out in `widths`.
#[must_use]
pub fn header(columns: &[Column], widths: &[usize]) -> String {
    line(columns, widths, &columns.iter().map(|c| c.header).collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible() {
        for (raw, shown) in [
            ("plain ünïcode name", "plain ünïcode name"),
            ("\x1b[2Jwiped", "\\x1b[2Jwiped"),
            ("\x1b]0;owned\x07title", "\\x1b]0;owned\\x07title"),
            ("a\0b\x7f", "a\\x00b\\x7f"),
            ("row\nCRITICAL forged\r", "row\\nCRITICAL forged\\r"),
            ("tab\there", "tab\\there"),
            ("c1 \u{9b}31m", "c1 \\u{9b}31m"),
            ("evil\u{202e}txt.exe", "evil\\u{202e}txt.exe"),
        ] {
            assert_eq!(escape_control(raw), shown, "{raw:?}");
        }
        assert!(matches!(escape_control("clean"), Cow::Borrowed(_)));
    }
}
