//! Alpine package versions (`apk`).
//!
//! Grammar: `number{.number}[letter]{_suffix[number]}[~hash][-r number]`, with
//! the suffixes ordered `alpha < beta < pre < rc < (none) < cvs < svn < git < hg < p`.
//!
//! Comparison follows the osv-scalibr fixture semantics, which settle what
//! real secdb data needs beyond the grammar:
//! - number components after the first compare as strings when either starts
//!   with `0` (`1.2.12.04 < 1.2.12.05`, `1.01 < 1.1`), otherwise by value;
//! - a version that does not parse to its end is *invalid*: two invalid
//!   versions compare as plain strings, an invalid and a valid one by the parts
//!   that did parse, and then a version with an unparsed rest sorts first;
//! - the commit hash is ignored.
//!
//! Own code: there is no maintained apk version crate.

use std::cmp::Ordering;

use super::{VersionScheme, check_basic, cmp_digits, version_traits};
use crate::{Error, Result};

/// The apk scheme (Alpine, Wolfi).
#[derive(Debug, Clone, Copy, Default)]
pub struct Apk;

/// Known suffixes, in order; "no suffix" sorts between `rc` and `cvs`.
const SUFFIXES: [&str; 9] = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"];
/// The weight of "no suffix" among [`SUFFIXES`] indexes.
const NO_SUFFIX: u8 = 4;

/// A parsed apk version.
#[derive(Debug, Clone)]
pub struct ApkVersion {
    original: String,
    /// Number components, as written.
    numbers: Vec<String>,
    letter: Option<u8>,
    /// `(weight, number)`; weights of [`SUFFIXES`] are shifted above [`NO_SUFFIX`].
    suffixes: Vec<(u8, String)>,
    revision: String,
    /// Text after the revision that the grammar does not allow.
    has_rest: bool,
    /// The string did not parse up to a revision or its end.
    invalid: bool,
}

/// Splits off the leading ASCII digits of `s`.
fn take_digits(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s.split_at(end)
}

/// Finds a known suffix name at the start of `s` (longest first, so `pre`
/// wins over `p`) and returns its weight and the rest.
fn take_suffix_name(s: &str) -> Option<(u8, &str)> {
    let mut best: Option<(usize, &str)> = None;
    for (i, name) in SUFFIXES.iter().enumerate() {
        if s.starts_with(name) && best.is_none_or(|(_, b)| name.len() > b.len()) {
            best = Some((i, name));
        }
    }
    let (i, name) = best?;
    let weight = u8::try_from(i).unwrap_or(u8::MAX);
    let weight = if weight >= NO_SUFFIX { weight + 1 } else { weight };
    Some((weight, &s[name.len()..]))
}

impl ApkVersion {
    fn parse(s: &str) -> Result<Self> {
        check_basic(Apk::NAME, s)?;
        let mut rest = s;

        // Digits, each run optionally followed by one dot.
        let mut numbers = Vec::new();
        loop {
            let (digits, after) = take_digits(rest);
            if digits.is_empty() {
                break;
            }
            numbers.push(digits.to_owned());
            rest = after;
            match rest.strip_prefix('.') {
                Some(after) => rest = after,
                None => break,
            }
        }
        if s.len() > rest.len() && s[..s.len() - rest.len()].ends_with('.') {
            // "1.2." has an empty last component.
            numbers.push(String::new());
        }

        let letter = rest.bytes().next().filter(u8::is_ascii_lowercase);
        if letter.is_some() {
            rest = &rest[1..];
        }

        // Suffixes are taken while they come one after another.
        let mut suffixes = Vec::new();
        while let Some((weight, after)) = rest.strip_prefix('_').and_then(take_suffix_name) {
            let (digits, after) = take_digits(after);
            suffixes.push((weight, digits.to_owned()));
            rest = after;
        }

        if let Some(after) = rest.strip_prefix('~') {
            let end = after.find(|c: char| !matches!(c, '0'..='9' | 'a'..='f')).unwrap_or(after.len());
            if end > 0 {
                rest = &after[end..];
            }
        }

        let mut revision = String::new();
        let mut invalid = false;
        if !rest.is_empty() {
            match rest.strip_prefix("-r") {
                Some(after) => {
                    let (digits, after) = take_digits(after);
                    revision = digits.to_owned();
                    rest = after;
                }
                None => invalid = true,
            }
        }

        Ok(Self { original: s.to_owned(), numbers, letter, suffixes, revision, has_rest: !rest.is_empty(), invalid })
    }

    fn cmp_numbers(&self, other: &Self) -> Ordering {
        let n = self.numbers.len().max(other.numbers.len());
        for i in 0..n {
            let (a, b) = (self.numbers.get(i), other.numbers.get(i));
            let ord = match (a, b) {
                // A component after the first with a leading zero is a fraction.
                (Some(a), Some(b)) if i > 0 && (a.starts_with('0') || b.starts_with('0')) => a.cmp(b),
                _ => cmp_digits(a.map_or("0", String::as_str), b.map_or("0", String::as_str)),
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }

    fn cmp_suffixes(&self, other: &Self) -> Ordering {
        let none = (NO_SUFFIX, String::new());
        let n = self.suffixes.len().max(other.suffixes.len());
        for i in 0..n {
            let (a, b) = (self.suffixes.get(i).unwrap_or(&none), other.suffixes.get(i).unwrap_or(&none));
            let ord = a.0.cmp(&b.0).then_with(|| cmp_digits(&a.1, &b.1));
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

impl Ord for ApkVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.invalid && other.invalid {
            return self.original.cmp(&other.original);
        }
        self.cmp_numbers(other)
            // No letter sorts before any letter.
            .then_with(|| self.letter.cmp(&other.letter))
            .then_with(|| self.cmp_suffixes(other))
            .then_with(|| cmp_digits(&self.revision, &other.revision))
            // Unparsed text sorts first.
            .then_with(|| other.has_rest.cmp(&self.has_rest))
    }
}
version_traits!(ApkVersion);

/// Whether `s` is a valid version as Alpine's `APKBUILD(5)` and the secdb
/// use it: the suffix underscore may be left out (`6.6.2p1`) and the revision
/// may follow a dot (`10.2.22.r0`).
fn is_valid(s: &str) -> bool {
    let mut rest = s;
    loop {
        let (digits, after) = take_digits(rest);
        if digits.is_empty() {
            return false;
        }
        rest = after;
        match rest.strip_prefix('.') {
            Some(after) if after.starts_with(|c: char| c.is_ascii_digit()) => rest = after,
            _ => break,
        }
    }
    // An optional letter, unless it begins a suffix written without `_`.
    if let Some(c) = rest.chars().next().filter(char::is_ascii_alphabetic) {
        let suffix_follows = take_suffix_name(rest)
            .is_some_and(|(_, after)| after.is_empty() || after.starts_with(|c: char| c.is_ascii_digit() || c == '-'));
        if !suffix_follows {
            rest = &rest[c.len_utf8()..];
        }
    }
    let mut first = true;
    loop {
        let after = match rest.strip_prefix('_') {
            Some(after) => after,
            None if first => rest,
            None => break,
        };
        first = false;
        match take_suffix_name(after) {
            Some((_, after)) => rest = take_digits(after).1,
            None => break,
        }
    }
    if let Some(after) = rest.strip_prefix('~') {
        let end = after.find(|c: char| !matches!(c, '0'..='9' | 'a'..='f')).unwrap_or(after.len());
        if end == 0 {
            return false;
        }
        rest = &after[end..];
    }
    if let Some(after) = rest.strip_prefix("-r").or_else(|| rest.strip_prefix(".r")) {
        let (digits, after) = take_digits(after);
        if digits.is_empty() {
            return false;
        }
        rest = after;
    }
    rest.is_empty()
}

impl VersionScheme for Apk {
    type Version = ApkVersion;
    const NAME: &'static str = "apk";

    fn parse(&self, version: &str) -> Result<ApkVersion> {
        ApkVersion::parse(version)
    }

    fn validate(&self, version: &str) -> Result<()> {
        check_basic(Self::NAME, version)?;
        if is_valid(version) {
            Ok(())
        } else {
            Err(Error::invalid(Self::NAME, version, "not number{.number}[letter]{_suffix[number]}[~hash][-r number]"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn ordering() {
        let cases = [
            ("1.0_alpha1", "1.0_beta1", Less),
            ("1.0_rc9", "1.0", Less),
            ("1.0", "1.0_cvs1", Less),
            ("1.0_hg1", "1.0_p1", Less),
            ("1.0_pre1", "1.0_p1", Less),
            ("1.0", "1.0a", Less),
            ("1.0a", "1.0b", Less),
            ("1.0-r1", "1.0-r10", Less),
            ("1.0-r2", "1.0a-r0", Less),
            ("1.2.12.04", "1.2.12.05", Less),
            ("1.01", "1.1", Less),
            ("006", "1.0.0", Greater),
            ("1.0.0_pre20191002222144-r0", "1.0.0_pre20210530193627-r0", Less),
            ("1.0~abc-r0", "1.0~fed-r0", Equal),
            ("1-r-0", "1-r0", Less),
            ("1.2", "1.2_blah", Greater),
            ("a", "b", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(Apk.compare(a, b), Ok(want), "{a} vs {b}");
            assert_eq!(Apk.compare(b, a), Ok(want.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn validation() {
        for ok in ["1.0", "1.2.3b-r4", "6.6.2p1-r0", "0.8.21.r2", "1.0_alpha_pre2", "2.0~ab12-r1", "1.0_p"] {
            assert_eq!(Apk.validate(ok), Ok(()), "{ok}");
        }
        for bad in ["1.18.-r2", "2.15.r-r1", "57-1-r2", "110.73/e0", "2.19.10.4_y8", "a", ".1", "1-r"] {
            assert!(Apk.validate(bad).is_err(), "{bad}");
        }
    }
}
