//! Packagist (Composer) versions, ordered like PHP's `version_compare`.
//!
//! A leading `v`/`V` is dropped, `-`, `_` and `+` read as `.`, and a `.` is
//! put wherever digits and other characters meet (`1.0rc1` = `1.0.rc.1`).
//! Parts then compare one by one: numbers by value, words by their special
//! rank `dev < alpha = a < beta = b < RC = rc < # (a number) < pl = p`
//! (matched by prefix; other words rank lowest), a number against a word as
//! `#` against it. When one version runs out, the other is newer if its next
//! part is a number, and otherwise its rest compares against `#`.
//!
//! Own code: no Rust crate implements `version_compare`.

use std::cmp::Ordering;

use super::{VersionScheme, check_basic, cmp_digits, is_digits, version_traits};
use crate::{Error, Result};

/// The Packagist scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Packagist;

/// A parsed Packagist version.
#[derive(Debug, Clone)]
pub struct PackagistVersion {
    original: String,
    parts: Vec<String>,
}

fn canonical_parts(s: &str) -> Vec<String> {
    let s = s.strip_prefix('v').or_else(|| s.strip_prefix('V')).unwrap_or(s);
    let mut out = String::with_capacity(s.len() * 2);
    let mut prev: Option<char> = None;
    for c in s.chars() {
        let c = if matches!(c, '-' | '_' | '+') { '.' } else { c };
        if let Some(p) = prev {
            let boundary = c != '.' && p != '.' && p.is_ascii_digit() != c.is_ascii_digit();
            if boundary {
                out.push('.');
            }
        }
        out.push(c);
        prev = Some(c);
    }
    out.split('.').map(str::to_owned).collect()
}

/// The rank of a word part.
fn rank(part: &str) -> u8 {
    const RANKS: [(&str, u8); 8] =
        [("dev", 1), ("alpha", 2), ("a", 2), ("beta", 3), ("b", 3), ("RC", 4), ("rc", 4), ("#", 5)];
    if part.starts_with("pl") || part.starts_with('p') {
        return 6;
    }
    RANKS.iter().find(|(word, _)| part.starts_with(word)).map_or(0, |&(_, r)| r)
}

/// The rank of a number part.
const NUMBER_RANK: u8 = 5;

fn cmp_part(a: &str, b: &str) -> Ordering {
    match (is_digits(a), is_digits(b)) {
        (true, true) => cmp_digits(a, b),
        (true, false) => NUMBER_RANK.cmp(&rank(b)),
        (false, true) => rank(a).cmp(&NUMBER_RANK),
        (false, false) => rank(a).cmp(&rank(b)),
    }
}

fn cmp_parts(a: &[String], b: &[String]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let ord = cmp_part(x, y);
        if ord != Ordering::Equal {
            return ord;
        }
    }
    let hash = ["#".to_owned()];
    match a.len().cmp(&b.len()) {
        Ordering::Equal => Ordering::Equal,
        Ordering::Greater => {
            let rest = &a[b.len()..];
            if is_digits(&rest[0]) { Ordering::Greater } else { cmp_parts(rest, &hash) }
        }
        Ordering::Less => {
            let rest = &b[a.len()..];
            if is_digits(&rest[0]) { Ordering::Less } else { cmp_parts(&hash, rest) }
        }
    }
}

impl Ord for PackagistVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_parts(&self.parts, &other.parts)
    }
}
version_traits!(PackagistVersion);

impl VersionScheme for Packagist {
    type Version = PackagistVersion;
    const NAME: &'static str = "packagist";

    fn parse(&self, version: &str) -> Result<PackagistVersion> {
        check_basic(Self::NAME, version)?;
        Ok(PackagistVersion { original: version.to_owned(), parts: canonical_parts(version) })
    }

    /// Composer's accepted forms, roughly: `dev-<branch>`, or up to four
    /// numbers with an optional stability suffix (`-beta2`, `RC1`, `-dev`,
    /// `-patch1`) and build metadata.
    fn validate(&self, version: &str) -> Result<()> {
        check_basic(Self::NAME, version)?;
        if version.strip_prefix("dev-").is_some_and(|b| !b.is_empty()) {
            return Ok(());
        }
        let bad = || Err(Error::invalid(Self::NAME, version, "not a Composer version"));
        let body = version.strip_prefix(['v', 'V']).unwrap_or(version);
        let body = body.split_once('+').map_or(body, |(b, _)| b);
        let digits_end = body.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(body.len());
        let (numbers, suffix) = body.split_at(digits_end);
        let numbers = numbers.strip_suffix('.').unwrap_or(numbers);
        let count = numbers.split('.').count();
        if !(1..=4).contains(&count) || !numbers.split('.').all(is_digits) {
            return bad();
        }
        let suffix = suffix.trim_start_matches(['-', '_', '.']).to_ascii_lowercase();
        if suffix.is_empty() {
            return Ok(());
        }
        let words = ["stable", "beta", "alpha", "patch", "dev", "rc", "pl", "a", "b", "p"];
        let Some(word) = words.iter().find(|w| suffix.starts_with(**w)) else {
            return bad();
        };
        let rest = suffix[word.len()..].trim_start_matches(['.', '-']);
        if rest.is_empty() || rest.split('.').all(is_digits) || rest == "dev" { Ok(()) } else { bad() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn ordering() {
        let cases = [
            ("1.0-dev", "1.0a1", Less),
            ("1.0a1", "1.0b1", Less),
            ("1.0b1", "1.0RC1", Less),
            ("1.0RC1", "1.0rc1", Equal),
            ("1.0rc1", "1.0", Less),
            ("1.0", "1.0pl1", Less),
            ("1.0.0", "1.0", Greater),
            ("1.0.0rc2", "1.0.0.rc2", Equal),
            ("1.25.0-beta2.1", "1.25.0-b.2.1", Equal),
            ("dev-foo", "1.26.0", Less),
            ("v1.0.0", "V1.0.0", Equal),
            ("1.2.3.#", "1.2.3.1", Equal),
            ("1.2.3.#.beta", "1.2.3", Less),
            ("4.3-2RC2", "4.3-2beta5", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(Packagist.compare(a, b), Ok(want), "{a} vs {b}");
            assert_eq!(Packagist.compare(b, a), Ok(want.reverse()), "{b} vs {a}");
        }
    }

    #[test]
    fn validation() {
        for ok in ["1.0.0", "v2.3", "1.0.0-beta2", "1.0.0RC1", "dev-main", "1.0.0-dev", "1.0.0.0", "1.0.0+build"] {
            assert_eq!(Packagist.validate(ok), Ok(()), "{ok}");
        }
        for bad in ["foo", "1.0.0-bogus", "1.2.3.4.5", "dev-"] {
            assert!(Packagist.validate(bad).is_err(), "{bad}");
        }
    }
}
