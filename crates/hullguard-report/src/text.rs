//! Text for terminals. Names, paths, labels and messages come from images and files an attacker
//! may have written; before any of it reaches a terminal, [`escape_control`] makes every control
//! character visible, so that no escape sequence runs and no newline forges a row or a log line.
//! Machine formats (JSON, SARIF, SBOMs) carry the text as it is.

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
